//! What the memory estimate counts for a law's sampling tables against what building them
//! really holds: bytes allocated and not freed on this thread, counted by the suite's
//! allocator, while a law builds its tables (its 256-cell table, a Beta's quantile table,
//! a Latin hypercube's 10,000 strata). The estimate is `Distribution::table_bytes`; were a
//! table to grow a field or a buffer the estimate does not know, this fails.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use gapsim::dist::Distribution;
use gapsim::sample::stream;

/// The system allocator, counting on each thread the bytes it holds.
struct Counting;

thread_local! {
    static HELD: Cell<isize> = const { Cell::new(0) };
}

fn add(bytes: isize) {
    // `try_with`: a thread being torn down has no counter any more.
    let _ = HELD.try_with(|h| h.set(h.get() + bytes));
}

// SAFETY: every call is passed to the system allocator unchanged; the counter is a
// const-initialised thread-local Cell, which neither allocates nor takes a lock.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        add(layout.size() as isize);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        add(-(layout.size() as isize));
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        add(new_size as isize - layout.size() as isize);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn held() -> isize {
    HELD.with(Cell::get)
}

/// Bytes `d` holds once it has drawn (its cell table), found an interior quantile (a
/// Beta's quantile table) and, with `lhs`, prepared its strata.
fn built(d: &Distribution, lhs: bool) -> isize {
    let mut out = vec![0.0; 1000];
    let before = held();
    d.fill(&mut stream(1, 0, "held"), &mut out);
    let _ = d.quantile(0.37);
    if lhs {
        d.prepare_strata();
    }
    held() - before
}

#[test]
fn the_estimate_counts_the_bytes_a_laws_tables_hold() {
    let laws = [
        ("pert", Distribution::pert(0.0, 0.02, 0.1, None).unwrap()),
        (
            "truncated normal",
            Distribution::normal(0.02, 0.01, Some(0.0), None).unwrap(),
        ),
    ];
    for lhs in [false, true] {
        for (name, d) in &laws {
            // A fresh copy: a law keeps its tables once built.
            let d = d.clone();
            let real = built(&d, lhs);
            let counted = d.table_bytes(lhs) as isize;
            assert!(real > 0, "{name}: no table was built");
            // To the byte: the tables are boxed slices of their exact lengths.
            assert_eq!(
                counted, real,
                "{name}, lhs {lhs}: the estimate counts {counted} bytes, the tables hold {real}"
            );
        }
    }
}

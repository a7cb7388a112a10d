//! The hot loop's parts, one batch of 10,000 at a time: the samplers, the radix sorts and
//! Iman–Conover, so that a change to one shows in its own figure.
//!
//! Run with `cargo bench --bench components`.

use std::hint::black_box;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use gapsim::dist::Distribution;
use gapsim::radix::{RadixScratch, argsort, select_ranks, sort_floats_with};
use gapsim::sample::{permutation_into, stream};

const N: usize = 10_000;

fn column(d: &Distribution, name: &str) -> Vec<f64> {
    let mut x = vec![0.0; N];
    d.fill(&mut stream(1, 0, name), &mut x);
    x
}

fn samplers(c: &mut Criterion) {
    let mut g = c.benchmark_group("draw 10,000");
    g.throughput(Throughput::Elements(N as u64));
    let cases = [
        (
            "normal",
            Distribution::normal(0.025, 0.01, None, None).unwrap(),
        ),
        (
            "pert(0.05, 0.07, 0.10)",
            Distribution::pert(0.05, 0.07, 0.10, None).unwrap(),
        ),
        (
            "pert(0, 0, 3)",
            Distribution::pert(0.0, 0.0, 3.0, None).unwrap(),
        ),
        (
            "truncated normal",
            Distribution::normal(0.0, 0.03, Some(-0.1), Some(0.1)).unwrap(),
        ),
        (
            "triangular",
            Distribution::triangular(2.0, 6.0, 15.0).unwrap(),
        ),
        ("bernoulli", Distribution::bernoulli(0.9).unwrap()),
    ];
    for (name, d) in cases {
        let mut x = vec![0.0; N];
        let mut b = 0;
        g.bench_function(name, |bench| {
            bench.iter(|| {
                b += 1;
                d.fill(&mut stream(1, b, name), &mut x);
                black_box(x[0])
            })
        });
    }
    g.finish();
}

/// The two orderings Iman–Conover makes of a column, on `x` cut into blocks of `block`
/// values: the rank order (argsort) and the sort of the values.
fn orderings(g: &mut BenchmarkGroup<'_, WallTime>, x: &[f64], block: usize) {
    let mut s = RadixScratch::default();
    let mut order = Vec::new();
    g.bench_function("argsort (radix on f32 keys + exact pass)", |b| {
        b.iter(|| {
            for part in x.chunks(block) {
                argsort(part, &mut order, &mut s);
                black_box(order[0]);
            }
        })
    });
    let mut v = x.to_vec();
    g.bench_function("sort floats (radix)", |b| {
        b.iter(|| {
            v.copy_from_slice(x);
            for part in v.chunks_mut(block) {
                sort_floats_with(part, &mut s);
            }
            black_box(v[0])
        })
    });
}

fn sorts(c: &mut Criterion) {
    let mut g = c.benchmark_group("sort 10,000");
    g.throughput(Throughput::Elements(N as u64));
    let x = column(&Distribution::pert(0.05, 0.07, 0.10, None).unwrap(), "x");
    orderings(&mut g, &x, N);
    let mut s = RadixScratch::default();
    // A batch's percentiles read 14 ranks: selected from the buckets that hold them.
    let ranks = [
        499, 500, 999, 1000, 2499, 2500, 4999, 5000, 7499, 7500, 8999, 9000, 9499, 9500,
    ];
    let mut out = Vec::new();
    g.bench_function("select 14 ranks (radix buckets)", |b| {
        b.iter(|| {
            select_ranks(&x, &ranks, &mut out, &mut s);
            black_box(out[0])
        })
    });
    // Iman–Conover's row order for a correlated driver: a Fisher–Yates shuffle.
    let mut perm = Vec::new();
    g.bench_function("permutation (Fisher-Yates)", |b| {
        b.iter(|| {
            permutation_into(&mut stream(1, 0, "p"), N, &mut perm);
            black_box(perm[0])
        })
    });
    let mut v = x.clone();
    g.bench_function("sort floats (std unstable)", |b| {
        b.iter(|| {
            v.copy_from_slice(&x);
            v.sort_unstable_by(f64::total_cmp);
            black_box(v[0])
        })
    });
    g.finish();
    // The same orderings of ten blocks of 1,000 (what Iman–Conover on row blocks would
    // sort instead of one column of 10,000: each block fits the first-level cache).
    let mut g = c.benchmark_group("sort 10 blocks of 1,000");
    g.throughput(Throughput::Elements(N as u64));
    orderings(&mut g, &x, N / 10);
    g.finish();
}

criterion_group!(benches, samplers, sorts);
criterion_main!(benches);

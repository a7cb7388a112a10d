//! Whether a run fits in the memory there is, decided before it starts.
//!
//! The estimate is the library's ([`gapsim::engine::memory`]); this module finds out how
//! much memory the process may use and acts on it: a run that fits goes ahead; one that
//! fits on fewer threads runs on fewer (the figures do not depend on the thread count) and
//! says so; one that does not fit at all is refused with the estimate, what is available,
//! and how many simulated years of this model would fit.
//!
//! Available memory, on Linux, is the least of: MemAvailable in /proc/meminfo (what can be
//! used without swapping); the limit of the process's cgroup and of each cgroup above it
//! (v2 `memory.max`, v1 `memory.limit_in_bytes`) less what others in it use, counting page
//! cache as free (the kernel reclaims it before it kills anything); and the address-space
//! limit (`ulimit -v`) less what the program's own mappings take. Elsewhere it is unknown
//! and the run goes ahead, as before.
//!
//! [`LIMIT_VAR`] replaces all of these: `GAPSIM_MEMORY_LIMIT=2G gapsim run …` keeps a run
//! within 2 GiB on a shared machine, and the tests use it to stand for a small machine.

use std::path::{Path, PathBuf};

use anyhow::bail;
use gapsim::engine::memory::{self as estimate, MemoryEstimate};
use gapsim::engine::{BYTES_PER_ITERATION, MAX_ITERATIONS};
use gapsim::model::Model;
use gapsim::sample::Sampling;
use rust_decimal::Decimal;

use super::{Failure, notice};

/// The environment variable that sets the memory a run may use, in bytes or with a
/// binary suffix (`512M`, `2G`, `1.5GiB`), in place of what the system says.
pub const LIMIT_VAR: &str = "GAPSIM_MEMORY_LIMIT";

/// How much memory the process may use, and what says so.
#[derive(Debug, Clone, PartialEq)]
pub struct Available {
    pub bytes: u64,
    pub source: String,
}

/// The cap of a run to a precision, lowered to the most simulated years that fit on one
/// thread when the cap asked for does not (the run may well stop long before it, and
/// refusing it would contradict the advice to use --precision). Says so on stderr; the
/// summary then records that the target was not reached if the lowered cap comes first.
pub fn precision_cap(
    model: &Model,
    cap: u64,
    keep_up_to: u64,
    sampling: Sampling,
) -> Result<u64, Failure> {
    let Some(room) = available()? else {
        return Ok(cap);
    };
    if cap > MAX_ITERATIONS
        || estimate::estimate_keeping(model, cap, keep_up_to, sampling).total(1) <= room.bytes
    {
        return Ok(cap);
    }
    // Whole batches, so the run ends where a check could.
    let round = gapsim::engine::BATCH_SIZE as u64;
    let most = estimate::max_iterations(model, 1, room.bytes, sampling);
    let lowered = if most >= round {
        most / round * round
    } else {
        most
    };
    if lowered == 0 {
        // Not even one year fits: `fit` says why.
        return Ok(cap);
    }
    notice(&format!(
        "gapsim: --precision run capped at {} simulated years instead of {}, the most that          fit in the {} available ({}); the run stops earlier once the interval is narrow          enough\n",
        count(lowered),
        count(cap),
        size(room.bytes),
        room.source,
    ));
    Ok(lowered)
}

/// Checks that `iterations` simulated years of `model` fit, kept in memory up to
/// `keep_up_to` and streamed beyond, and returns the threads to use: `threads`, or fewer
/// when only that fits. `chosen` says whether the user asked for `threads` (--threads),
/// for the message.
pub fn fit(
    model: &Model,
    iterations: u64,
    keep_up_to: u64,
    sampling: Sampling,
    threads: usize,
    chosen: bool,
) -> Result<usize, Failure> {
    let available = available()?;
    if iterations > MAX_ITERATIONS {
        return Err(too_many(model, iterations, available.as_ref(), sampling));
    }
    let Some(room) = available else {
        return Ok(threads);
    };
    let e = estimate::estimate_keeping(model, iterations, keep_up_to, sampling);
    if e.total(threads) <= room.bytes {
        return Ok(threads);
    }
    let fewer = (1..=threads.max(1))
        .rev()
        .find(|&t| e.total(t) <= room.bytes)
        .unwrap_or(0);
    if fewer > 0 {
        notice(&format!(
            "gapsim: running on {fewer} thread{} instead of {threads}{}: on {threads} the run \
             would need about {} of memory ({} for each thread's working space for this \
             model), but {} is available ({}); the figures do not depend on the number of \
             threads\n",
            if fewer == 1 { "" } else { "s" },
            if chosen { " (--threads)" } else { "" },
            size(e.total(threads)),
            size(e.per_thread),
            size(room.bytes),
            room.source,
        ));
        return Ok(fewer);
    }
    Err(Failure::Other(refusal(model, &e, &room, sampling)))
}

/// The error for a run that does not fit even on one thread.
fn refusal(
    model: &Model,
    e: &MemoryEstimate,
    room: &Available,
    sampling: Sampling,
) -> anyhow::Error {
    let most = estimate::max_iterations(model, 1, room.bytes, sampling);
    let results = if e.streams {
        format!(
            "the values kept of {} simulated years take {} (the first {} years, and about \
             {:.1}% of the others, collected again for the percentiles)",
            count(e.iterations),
            size(e.results),
            count(gapsim::engine::PILOT_YEARS),
            estimate::COLLECTED_SHARE * 100.0,
        )
    } else {
        format!(
            "the results of {} simulated years take {} ({BYTES_PER_ITERATION} bytes each)",
            count(e.iterations),
            size(e.results),
        )
    };
    let parts = format!(
        "{results}, the running sums of their {} batches {}, a worker thread's working \
         space for this model's {} drivers and {} lines {}, and the program and model {}",
        count(e.batches),
        size(e.batch_sums),
        model.drivers.len(),
        model.lines.len(),
        size(e.per_thread),
        size(e.fixed),
    );
    let advice = if most == 0 {
        "not even one batch of this model fits: run it on a machine with more memory, or \
         split it into smaller models"
            .to_string()
    } else {
        format!(
            "at most {} simulated years of this model fit in that memory: run with \
             --iterations {most} or fewer (with --precision, a run stops as soon as its \
             answer is precise enough)",
            count(most)
        )
    };
    anyhow::anyhow!(
        "this run needs about {} of memory, but only {} is available ({}): {parts}; {advice}",
        size(e.total(1)),
        size(room.bytes),
        room.source,
    )
}

/// The error for more simulated years than any run may have, with the real limit.
fn too_many(
    model: &Model,
    iterations: u64,
    room: Option<&Available>,
    sampling: Sampling,
) -> Failure {
    let here = room.map_or_else(String::new, |r| {
        let most = estimate::max_iterations(model, 1, r.bytes, sampling);
        if most < MAX_ITERATIONS {
            format!(
                "; in the {} of memory available here ({}), at most {} of this model fit",
                size(r.bytes),
                r.source,
                count(most)
            )
        } else {
            String::new()
        }
    });
    Failure::Other(anyhow::anyhow!(
        "{} simulated years is more than a run may have: at most {} (10^9), which need \
         about {} of memory for this model (a run of more than {} years keeps only the \
         values its percentiles are read from, and simulates every year twice){here}; run \
         with fewer --iterations, or use --precision to stop once the answer is precise \
         enough",
        count(iterations),
        count(MAX_ITERATIONS),
        size(estimate::estimate(model, MAX_ITERATIONS).total(1)),
        count(gapsim::engine::KEEP_YEARS_UP_TO),
    ))
}

/// The memory the process may use, or None if the system does not say.
///
/// # Errors
/// When [`LIMIT_VAR`] is set to something that is not an amount of memory.
pub fn available() -> anyhow::Result<Option<Available>> {
    if let Some(text) = std::env::var_os(LIMIT_VAR) {
        let text = text.to_string_lossy();
        let Some(bytes) = parse_size(&text) else {
            bail!(
                "{LIMIT_VAR} is {text:?}, which is not an amount of memory: give bytes, or a \
                 number with K, M, G or T (powers of 1024), e.g. {LIMIT_VAR}=4G"
            );
        };
        return Ok(Some(Available {
            bytes,
            source: format!("{LIMIT_VAR}={text}"),
        }));
    }
    Ok(system())
}

/// `4096`, `512K`, `1.5G`, `2GiB`, `3gb`: a size in bytes, suffixes in powers of 1024.
fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let digits = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(digits);
    let number: f64 = number.parse().ok()?;
    let unit = unit.trim().to_ascii_lowercase();
    let unit = unit
        .strip_suffix("ib")
        .or_else(|| unit.strip_suffix('b'))
        .unwrap_or(&unit);
    let scale = match unit {
        "" => 1u64,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        "t" => 1 << 40,
        _ => return None,
    };
    let bytes = number * scale as f64;
    (0.0..1.8e19).contains(&bytes).then_some(bytes as u64)
}

/// What the system says, on Linux.
fn system() -> Option<Available> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let mut found: Vec<Available> = Vec::new();
    let meminfo = read("/proc/meminfo");
    if let Some(kb) = field(&meminfo, "MemAvailable:") {
        found.push(Available {
            bytes: kb.saturating_mul(1024),
            source: "MemAvailable in /proc/meminfo".into(),
        });
    }
    let own = field(&read("/proc/self/status"), "VmRSS:").unwrap_or(0) * 1024;
    found.extend(cgroup_limits(own));
    if let Some(limit) = address_space_limit() {
        found.push(limit);
    }
    found.into_iter().min_by_key(|a| a.bytes)
}

/// The room under each memory-limited cgroup this process is in, from its own cgroup up.
fn cgroup_limits(own: u64) -> Vec<Available> {
    let mut out = Vec::new();
    for line in read("/proc/self/cgroup").lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(_), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let path = path.trim_start_matches('/');
        let (root, limit, usage, cache) = match controllers {
            "" => ("/sys/fs/cgroup", "memory.max", "memory.current", "file"),
            c if c.split(',').any(|c| c == "memory") => (
                "/sys/fs/cgroup/memory",
                "memory.limit_in_bytes",
                "memory.usage_in_bytes",
                "cache",
            ),
            _ => continue,
        };
        // Inside a container the path may be the host's while the container sees its own
        // cgroup at the root: look at both.
        let mut dirs: Vec<PathBuf> = Path::new(root)
            .join(path)
            .ancestors()
            .take_while(|d| d.starts_with(root))
            .map(Path::to_path_buf)
            .collect();
        dirs.push(PathBuf::from(root));
        dirs.dedup();
        for dir in dirs {
            let Some((max, others)) = cgroup_room(
                &read(dir.join(limit)),
                &read(dir.join(usage)),
                &read(dir.join("memory.stat")),
                cache,
                own,
            ) else {
                continue;
            };
            out.push(Available {
                bytes: max.saturating_sub(others),
                source: format!(
                    "the memory limit of this process's cgroup, {} in {}, less {} used by \
                     others in it",
                    size(max),
                    dir.join(limit).display(),
                    size(others)
                ),
            });
        }
    }
    out
}

/// A cgroup's limit and what others in it use, from its limit, usage and memory.stat
/// files: usage less the page cache (`cache_key` in memory.stat), which the kernel reclaims
/// before it kills anything, less `own` (this process's resident memory). None without a
/// limit (v2 writes `max`, v1 a number near 2^63).
fn cgroup_room(
    limit: &str,
    usage: &str,
    stat: &str,
    cache_key: &str,
    own: u64,
) -> Option<(u64, u64)> {
    let max: u64 = limit.trim().parse().ok()?;
    if max >= 1 << 60 {
        return None;
    }
    let used: u64 = usage.trim().parse().unwrap_or(0);
    let reclaimable: u64 = stat
        .lines()
        .find_map(|l| {
            let (key, value) = l.split_once(' ')?;
            (key == cache_key).then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    Some((max, used.saturating_sub(reclaimable).saturating_sub(own)))
}

/// Address space a run takes beyond the memory it uses: the program's mappings and thread
/// stacks, and the allocator's arenas, which reserve 64 MiB of address space each (one per
/// busy thread, up to eight per core). A run of the built-in model on two cores works
/// under `ulimit -v` of 150 MB; this allows 256 MiB plus an arena per core.
fn address_space_overhead() -> u64 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    (256 << 20) + cores * (64 << 20)
}

/// The address-space limit (`ulimit -v`), less what the program maps beyond its data.
fn address_space_limit() -> Option<Available> {
    let limits = read("/proc/self/limits");
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max address space"))?;
    let soft: u64 = line
        .trim_start_matches("Max address space")
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    let overhead = address_space_overhead();
    Some(Available {
        bytes: soft.saturating_sub(overhead),
        source: format!(
            "the address-space limit of {} (ulimit -v), less {} for the program's own \
             mappings",
            size(soft),
            size(overhead)
        ),
    })
}

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// The number after `name` on its line of a /proc file (in kB there).
fn field(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// An amount of memory for a person: `1.6 GB`, `340 MB`, `12 kB` (powers of 1000, as the
/// engine's messages).
pub fn size(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.0} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.0} kB", b / 1e3)
    } else {
        format!("{bytes} bytes")
    }
}

fn count(n: u64) -> String {
    gapsim::report::amount(Decimal::from(n), 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_with_binary_suffixes() {
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("512K"), Some(512 << 10));
        assert_eq!(parse_size("1.5G"), Some(3 << 29));
        assert_eq!(parse_size("2GiB"), Some(2 << 30));
        assert_eq!(parse_size(" 3 mb "), Some(3 << 20));
        for bad in ["", "G", "-1G", "1.2.3", "4X", "1e30"] {
            assert_eq!(parse_size(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_cgroup_leaves_its_limit_less_what_others_use_but_not_the_page_cache() {
        let stat = "anon 500\nfile 3000\nfile_mapped 7\n";
        assert_eq!(
            cgroup_room("10000\n", "4000\n", stat, "file", 200),
            Some((10000, 800))
        );
        assert_eq!(cgroup_room("max\n", "4000", stat, "file", 0), None);
        assert_eq!(
            cgroup_room("9223372036854771712", "1", "cache 0\n", "cache", 0),
            None
        );
        // v1 lists `cache` before `total_cache`.
        assert_eq!(
            cgroup_room("1000", "900", "cache 100\ntotal_cache 5\n", "cache", 0),
            Some((1000, 800))
        );
    }

    #[test]
    fn sizes_print_in_decimal_units() {
        assert_eq!(size(16_000_000_000), "16.0 GB");
        assert_eq!(size(340_000_000), "340 MB");
        assert_eq!(size(12_000), "12 kB");
    }
}

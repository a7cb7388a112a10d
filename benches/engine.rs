//! Engine throughput on the Kent model, as a ratio against a baseline in the same run.
//!
//! The baseline is the straightforward way to write the simulation: one generator, one
//! iteration at a time, each driver drawn once per iteration, the model evaluated line by
//! line (what a hand-written script does). The engine instead fills whole batches of each
//! driver column-wise and evaluates the model over the batch. Both use the same
//! distributions, so the ratio measures the engine's structure, not its samplers.
//!
//! Run with `cargo bench --bench engine`. The ratios that matter:
//! - `engine/1 thread` against `sampling only/1 thread`: the whole run (correlations, the
//!   model, statistics' sums, sensitivity) against drawing the variates it needs and
//!   nothing else, with the same samplers; and against `sampling and permutations/1
//!   thread`, which also draws the one other random input the engine needs, each reordered
//!   driver's permutation of the batch's rows;
//! - `engine, independent/1 thread` against `naive/1 thread`: the same model and work per
//!   iteration (drivers independent), the engine's batch structure against the plain loop;
//! - `engine/1 thread` against `engine, independent/1 thread`: the cost of imposing the
//!   model's correlations;
//! - `engine/2 threads` against `engine/1 thread`: scaling.
//!
//! A million iterations, as in a default run, so the fixed cost of sensitivity (measured on
//! the first 100,000) weighs as it does in use.

use std::hint::black_box;
use std::sync::atomic::AtomicBool;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gapsim::engine::{self, RunConfig};
use gapsim::model::{LineKind, Model};
use gapsim::sample::{Sampling, stream};
use rust_decimal::prelude::ToPrimitive;

const ITERATIONS: u64 = 1_000_000;

fn kent() -> Model {
    gapsim::model::Model::from_toml("kent", gapsim::DEFAULT_MODEL)
        .expect("the shipped model is valid")
        .model
}

/// The baseline: per-iteration sampling and evaluation. Returns the mean gap so the work
/// cannot be optimised away.
fn naive(model: &Model, iterations: u64) -> f64 {
    let f = |d: rust_decimal::Decimal| d.to_f64().unwrap_or(0.0);
    let per_pound = 1.0 / model.meta.unit.pounds();
    let mut rng = stream(1, 0, "naive");
    let mut x = vec![0.0; model.drivers.len()];
    let mut total = 0.0;
    for _ in 0..iterations {
        for (d, v) in model.drivers.iter().zip(x.iter_mut()) {
            d.dist.fill(&mut rng, std::slice::from_mut(v));
        }
        let mut gap = 0.0;
        for l in &model.lines {
            let outturn = match &l.kind {
                LineKind::Cohort {
                    clients,
                    unit_cost,
                    periods,
                    demand,
                    cost,
                    ..
                } => {
                    let u = match unit_cost {
                        gapsim::model::UnitCost::Fixed(u) => f(*u),
                        gapsim::model::UnitCost::Driver(d) => x[d.0],
                    };
                    let mut t = f(*clients) * u * f(*periods) * per_pound;
                    for g in demand.iter().chain(cost) {
                        t *= 1.0 + x[g.0];
                    }
                    t
                }
                LineKind::Simple { base, growth } => {
                    growth.iter().fold(f(*base), |t, g| t * (1.0 + x[g.0]))
                }
                LineKind::Risk { occurs, impact, .. } => x[occurs.0] * x[impact.0],
            };
            gap += outturn - f(l.budget);
        }
        let mut delivered_total = 0.0;
        for s in &model.savings {
            let months = x[s.slippage.0].clamp(0.0, 12.0);
            let delivered =
                f(s.amount) * x[s.happens.0] * x[s.delivered.0].clamp(0.0, 1.0) * (12.0 - months)
                    / 12.0;
            delivered_total += delivered;
            gap += f(s.amount) - delivered;
        }
        for fu in &model.funding {
            let actual = fu
                .variation
                .iter()
                .fold(f(fu.budget), |t, v| t * (1.0 + x[v.0]));
            gap -= actual - f(fu.budget);
        }
        let capacity: f64 = model.mitigations.iter().map(|m| x[m.capacity.0]).sum();
        let shortfall = gap - gap.clamp(0.0, capacity);
        total += shortfall + 1e-12 * delivered_total;
    }
    total / iterations as f64
}

/// The sampling-only baseline: every variate the engine draws for `iterations` years, with
/// the same samplers and streams (each varying driver's column of each batch of 10,000),
/// and nothing else (no correlation, no model, no statistics). Returns their sum.
fn sampling_only(model: &Model, iterations: u64) -> f64 {
    let mut column = vec![0.0; engine::BATCH_SIZE];
    let mut total = 0.0;
    let batches = iterations.div_ceil(engine::BATCH_SIZE as u64);
    for b in 0..batches {
        for d in model.drivers.iter().filter(|d| !d.dist.is_fixed()) {
            d.dist.fill(&mut stream(1, b, &d.name), &mut column);
            total += column.iter().sum::<f64>();
        }
    }
    total
}

/// [`sampling_only`] with the other random input the engine draws: each reordered driver's
/// random permutation of the batch's rows (Fisher–Yates, from its "rank-order:NAME"
/// stream), which Iman–Conover needs as much as the values. Returns the values' sum plus
/// one entry of each permutation.
fn sampling_and_permutations(model: &Model, iterations: u64) -> f64 {
    let ic = gapsim::correlation::ImanConover::new(&model.correlation.spearman)
        .expect("the shipped model's correlations hold");
    let reordered: Vec<String> = (model.correlation.drivers.iter().enumerate())
        .filter(|&(j, _)| ic.reorders(j))
        .map(|(_, d)| format!("rank-order:{}", model.drivers[d.0].name))
        .collect();
    let mut perm = Vec::new();
    let mut total = sampling_only(model, iterations);
    let batches = iterations.div_ceil(engine::BATCH_SIZE as u64);
    for b in 0..batches {
        for name in &reordered {
            gapsim::sample::permutation_into(
                &mut stream(1, b, name),
                engine::BATCH_SIZE,
                &mut perm,
            );
            total += f64::from(perm[0]);
        }
    }
    total
}

fn bench(c: &mut Criterion) {
    let model = kent();
    let config = RunConfig {
        seed: 1,
        iterations: ITERATIONS,
        reserves: 75.0,
        sampling: Sampling::MonteCarlo,
    };
    let cancel = AtomicBool::new(false);
    let mut group = c.benchmark_group("kent");
    group.throughput(Throughput::Elements(ITERATIONS));
    group.sample_size(10);

    group.bench_function("sampling only/1 thread", |b| {
        b.iter(|| black_box(sampling_only(&model, ITERATIONS)));
    });
    group.bench_function("sampling and permutations/1 thread", |b| {
        b.iter(|| black_box(sampling_and_permutations(&model, ITERATIONS)));
    });
    group.bench_function("naive/1 thread", |b| {
        b.iter(|| black_box(naive(&model, ITERATIONS)));
    });
    let mut independent = model.clone();
    independent.correlation.drivers.clear();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("thread pool");
    group.bench_function("engine, independent/1 thread", |b| {
        b.iter(|| {
            one.install(|| {
                let r = engine::run(&independent, &config, &|_| {}, &cancel).expect("runs");
                black_box(r.total.sum_shortfall)
            })
        });
    });
    // Latin hypercube on the same model: its strata tables are built in the first
    // iteration and kept by the model's laws after it, so this is the cost a year
    // without them (about 0.06 s once a run on Kent).
    let lhs = RunConfig {
        sampling: Sampling::LatinHypercube,
        ..config.clone()
    };
    group.bench_function("engine, lhs/1 thread", |b| {
        b.iter(|| {
            one.install(|| {
                let r = engine::run(&model, &lhs, &|_| {}, &cancel).expect("runs");
                black_box(r.total.sum_shortfall)
            })
        });
    });
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        let name = format!(
            "engine/{threads} thread{}",
            if threads == 1 { "" } else { "s" }
        );
        group.bench_function(&name, |b| {
            b.iter(|| {
                pool.install(|| {
                    let r = engine::run(&model, &config, &|_| {}, &cancel).expect("runs");
                    black_box(r.total.sum_shortfall)
                })
            });
        });
    }
    group.finish();
}

/// The three-year Kent model (models/kent-2024-27.toml) against the one-year one, each a
/// million paths on one thread, in the same group so that the ratio is of one sitting.
/// The bound: at most 3.5 times the one-year run.
fn horizon(c: &mut Criterion) {
    let three = gapsim::model::Model::from_toml(
        "kent-2024-27",
        include_str!("../models/kent-2024-27.toml"),
    )
    .expect("the shipped model is valid")
    .model;
    let one = kent();
    let config = RunConfig {
        seed: 1,
        iterations: ITERATIONS,
        reserves: 75.0,
        sampling: Sampling::MonteCarlo,
    };
    let cancel = AtomicBool::new(false);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("thread pool");
    let mut group = c.benchmark_group("horizon");
    group.throughput(Throughput::Elements(ITERATIONS));
    group.sample_size(10);
    for (name, model) in [
        ("one year/1 thread", &one),
        ("three years/1 thread", &three),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                pool.install(|| {
                    let r = engine::run(model, &config, &|_| {}, &cancel).expect("runs");
                    black_box(r.total.horizon_breaches)
                })
            });
        });
    }
    group.finish();
}

/// A synthetic model of a given size, the same text as `benches/models/generate.py LINES
/// SAVINGS CORRELATED` writes (keep the two alike): each line with its own PERT growth
/// driver, the first `correlated` drivers correlated in blocks of 5, each saving with PERT
/// delivery and slippage. Every figure is an assumption: it is a benchmark, not a council.
fn generated(lines: usize, savings: usize, correlated: usize) -> Model {
    use std::fmt::Write as _;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "[meta]\nname = \"Synthetic {lines} lines, {savings} savings\"\ncouncil = \"Synthetic\"\n\
         year = \"2024/25\"\nunit = \"£m\"\nnet_budget = {}\n",
        lines * 10
    );
    for i in 0..lines {
        let base = 5 + i % 11;
        let _ = writeln!(
            t,
            "[drivers.g{i}]\ndist = \"pert\"\nmin = -0.01\nmode = {:.3}\nmax = 0.12\n\
             source = \"assumption: benchmark\"\n\n[lines.l{i}]\nkind = \"simple\"\n\
             base = {base}\ngrowth = \"g{i}\"\nbudget = {base}.2\n\
             source = \"assumption: benchmark\"\n",
            0.02 + (i % 7) as f64 * 0.005
        );
    }
    for j in 0..savings {
        let _ = writeln!(
            t,
            "[savings.s{j}]\namount = {:.1}\nrecurring = true\nprobability = 0.9\n\
             delivered = {{ dist = \"pert\", min = 0.4, mode = 0.9, max = 1.0 }}\n\
             slippage = {{ dist = \"pert\", min = 0, mode = 1, max = 6 }}\n\
             source = \"assumption: benchmark\"\n",
            0.5 + (j % 5) as f64 * 0.3
        );
    }
    for b in 0..correlated / 5 {
        let names: Vec<String> = (0..5).map(|k| format!("\"g{}\"", b * 5 + k)).collect();
        let _ = writeln!(
            t,
            "[correlations.block{b}]\ndrivers = [{}]\nrank = 0.4\n\
             source = \"assumption: benchmark\"\n",
            names.join(", ")
        );
    }
    let _ = writeln!(
        t,
        "[reserves.general_fund]\nkind = \"general_fund\"\namount = {:.1}\n\
         source = \"assumption: benchmark\"",
        lines as f64 * 0.6
    );
    Model::from_toml("generated", &t)
        .expect("the generated model is valid")
        .model
}

/// Cost against model size: a model of 50 lines, 20 savings and 5 correlated drivers (110
/// random variates a year) and one ten times larger (500, 200, 50: 1,100 variates), each
/// at 100,000 and 300,000 years on one thread. A year beyond the ten sensitivity batches
/// costs (t(300,000) − t(100,000)) / 200,000; the target is that it grows no worse than
/// linearly with the model (at most 10 times for the larger). Each model is run against its
/// own reserves (scaled with it, as the CLI would run it): a fixed £30m would make nearly
/// every year of the larger model breach, and the tail attribution's pass over the breaching
/// rows of every column would then be measured for one model and not the other.
fn model_size(c: &mut Criterion) {
    let cancel = AtomicBool::new(false);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("thread pool");
    let mut group = c.benchmark_group("model size");
    group.sample_size(10);
    for (name, model) in [
        ("50 lines", generated(50, 20, 5)),
        ("500 lines", generated(500, 200, 50)),
    ] {
        for iterations in [100_000, 300_000] {
            let config = RunConfig {
                seed: 1,
                iterations,
                reserves: model.usable_reserves().to_f64().unwrap_or(0.0),
                sampling: Sampling::MonteCarlo,
            };
            group.bench_function(format!("{name}/{iterations} years"), |b| {
                b.iter(|| {
                    pool.install(|| {
                        let r = engine::run(&model, &config, &|_| {}, &cancel).expect("runs");
                        black_box(r.total.sum_shortfall)
                    })
                });
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench, horizon, model_size);
criterion_main!(benches);

//! `gapsim reserves`: the opening usable reserves a council needs, over confidence levels.

use gapsim::stats::{self, Provenance, ReserveLevel, medium};

use super::args::{ReservesArgs, RunArgs};
use super::run::{Simulated, simulate};
use super::signals::Stop;
use super::{Failure, print};

/// Simulates the model and prints the reserves needed at each confidence.
pub fn reserves(args: &ReservesArgs) -> Result<(), Failure> {
    let stop = Stop::install();
    let run_args = RunArgs {
        model: args.model.clone(),
        iterations: args.iterations,
        seed: args.seed,
        threads: args.threads,
        sampling: args.sampling,
        strict: args.strict,
        ..RunArgs::default()
    };
    if args.iterations > gapsim::engine::KEEP_YEARS_UP_TO {
        return Err(Failure::Other(anyhow::anyhow!(
            "gapsim reserves reads any confidence from every simulated year, so it keeps \
             them all: at most {} (use gapsim run for longer runs, whose reserves needed \
             are given at 80, 90, 95 and 99%)",
            gapsim::engine::KEEP_YEARS_UP_TO
        )));
    }
    let Simulated {
        source,
        model,
        config,
        pool,
        mut result,
        ..
    } = simulate(&run_args, &stop, &|| Ok(()))?;
    let provenance = Provenance {
        file: source.label.clone(),
        sha256: super::sha256_hex(source.text.as_bytes()),
        program: format!("gapsim {}", env!("CARGO_PKG_VERSION")),
        reserves_overridden: false,
        precision: None,
    };
    let summary = pool.install(|| stats::summarize(&model, &config, &provenance, &mut result));
    let confidences: Vec<f64> = args
        .confidence
        .iter()
        .map(|&c| f64::from(c) / 100.0)
        .collect();
    let levels =
        medium::reserves_levels(&model, &result, &confidences).expect("a run that keeps its years");
    let needed = summary
        .reserves_needed
        .as_ref()
        .expect("every run computes the reserves needed");
    print(&table(
        &summary.model.name,
        needed,
        &levels,
        model.meta.unit,
    ))?;
    Ok(())
}

/// The table, in the model's unit.
fn table(
    name: &str,
    needed: &stats::ReservesNeeded,
    levels: &[ReserveLevel],
    unit: gapsim::model::Unit,
) -> String {
    let money = |d: rust_decimal::Decimal| gapsim::format::money(d, unit.symbol());
    let share = |s: Option<f64>| s.map_or_else(String::new, |s| format!("{:.1}%", s * 100.0));
    let mut out = format!(
        "{name}\nOpening usable reserves needed so that the chance of an S114-level shortfall \
         over {} stays at or below 1 - c:\n\n",
        needed.period
    );
    out += &format!(
        "{:>10}  {:>12}  {:>26}  {:>14}\n",
        "confidence", "reserves", "95% interval", "of net budget"
    );
    for l in levels {
        out += &format!(
            "{:>9}%  {:>12}  {:>26}  {:>14}\n",
            l.confidence,
            money(l.amount),
            format!("{} to {}", money(l.ci95_low), money(l.ci95_high)),
            share(l.share_of_net_budget)
        );
    }
    out += &format!("\nThe council holds {}", money(needed.own));
    if let Some(s) = needed.own_share_of_net_budget {
        out += &format!(" ({} of net budget)", share(Some(s)));
    }
    if let (Some(f), Some(s)) = (needed.floor, needed.floor_share) {
        out += &format!(
            "; its policy floor is {} ({}% of net budget)",
            money(f),
            s * rust_decimal::Decimal::from(100)
        );
    }
    out += ".\n";
    out
}

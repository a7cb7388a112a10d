//! `gapsim check`: parse and validate a model without running it.

use gapsim::model::LoadOptions;

use super::args::CheckArgs;
use super::{Failure, print, warn};

/// Checks the model (or scenario) and its stress cases and says so; every problem found
/// is printed where it was caused. `--print` writes the effective model on stdout and the
/// verdict on stderr, so that `> effective.toml` keeps a model file.
pub fn check(args: &CheckArgs) -> Result<(), Failure> {
    let options = LoadOptions {
        repair_correlation: args.repair_correlation,
    };
    let ready = super::scenario::load(Some(&args.model), &args.set, &options, args.strict)?;
    let cases = check_stress(&ready, &options, args.strict)?;
    let source = &ready.source;
    let m = &ready.model;
    if args.print {
        print(&source.text)?;
    }
    let say = |text: &str| -> Result<(), Failure> {
        if args.print {
            warn(text);
            Ok(())
        } else {
            Ok(print(text)?)
        }
    };
    let count = |n: usize, one: &str, many: &str| gapsim::report::count(n as u64, one, many);
    say(&format!(
        "{}: ok — {}, {}, {}, {}, {}, {} ({} usable)\n",
        source.label,
        count(
            m.drivers
                .iter()
                .filter(|d| d.origin == gapsim::model::DriverOrigin::Declared)
                .count(),
            "driver",
            "drivers"
        ),
        count(m.lines.len(), "spending line", "spending lines"),
        count(m.savings.len(), "saving", "savings"),
        count(m.funding.len(), "funding stream", "funding streams"),
        count(m.mitigations.len(), "mitigation", "mitigations"),
        count(m.reserves.len(), "reserve", "reserves"),
        gapsim::report::money(m.usable_reserves(), m.meta.unit.symbol()),
    ))?;
    if m.horizon.is_multi_year() {
        say(&format!(
            "  {} years, {}\n",
            m.horizon.len(),
            gapsim::stats::medium::period(&m.horizon.years)
        ))?;
    }
    if cases > 0 {
        say(&format!(
            "  {}, each checked\n",
            gapsim::report::count(cases as u64, "stress case", "stress cases")
        ))?;
    }
    for n in &ready.notes {
        say(&format!("  note: {n}\n"))?;
    }
    Ok(())
}

/// Applies each stress case to the model and checks the result; returns how many there
/// are.
fn check_stress(
    ready: &super::scenario::Ready,
    options: &LoadOptions,
    strict: bool,
) -> Result<usize, Failure> {
    Ok(super::scenario::stress_models(ready, options, strict)?.len())
}

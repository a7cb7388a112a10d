//! `gapsim check`: parse and validate a model without running it.

use super::args::CheckArgs;
use super::{Failure, load_with, print, read_model};

/// Checks the model and says so; every problem found is printed by [`load`].
pub fn check(args: &CheckArgs) -> Result<(), Failure> {
    let source = read_model(Some(&args.model))?;
    let loaded = load_with(
        &source,
        &gapsim::model::LoadOptions {
            repair_correlation: args.repair_correlation,
        },
        args.strict,
    )?;
    let m = &loaded.model;
    let count = |n: usize, one: &str, many: &str| gapsim::report::count(n as u64, one, many);
    print(&format!(
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
        print(&format!(
            "  {} years, {}\n",
            m.horizon.len(),
            gapsim::stats::medium::period(&m.horizon.years)
        ))?;
    }
    Ok(())
}

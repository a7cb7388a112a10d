//! `gapsim check`: parse and validate a model without running it.

use super::args::CheckArgs;
use super::{Failure, load, print, read_model};

/// Checks the model and says so; every problem found is printed by [`load`].
pub fn check(args: &CheckArgs) -> Result<(), Failure> {
    let source = read_model(Some(&args.model))?;
    let loaded = load(
        &source,
        &gapsim::model::LoadOptions {
            repair_correlation: args.repair_correlation,
        },
    )?;
    let m = &loaded.model;
    print(&format!(
        "{}: ok — {} drivers, {} spending lines, {} savings, {} funding streams, {} mitigations, \
         {} reserves ({} usable)\n",
        source.label,
        m.drivers
            .iter()
            .filter(|d| d.origin == gapsim::model::DriverOrigin::Declared)
            .count(),
        m.lines.len(),
        m.savings.len(),
        m.funding.len(),
        m.mitigations.len(),
        m.reserves.len(),
        gapsim::report::money(m.usable_reserves(), m.meta.unit.symbol()),
    ))?;
    Ok(())
}

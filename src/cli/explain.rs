//! `gapsim explain [MODEL]`: a model (or a scenario's effective model) as tables on
//! standard output; the tables are `report::explain`'s.

use gapsim::model::LoadOptions;

use super::args::ExplainArgs;
use super::{Failure, print};

/// Reads and checks the model as `gapsim check` does (warnings on stderr) and prints it as
/// tables.
pub fn explain(args: &ExplainArgs) -> Result<(), Failure> {
    let ready = super::scenario::load(
        args.model.as_deref(),
        &args.set,
        &LoadOptions::default(),
        false,
    )?;
    print(&gapsim::report::explain::explain(&ready.model))?;
    Ok(())
}

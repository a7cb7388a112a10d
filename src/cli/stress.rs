//! `gapsim stress [MODEL]`: each named stress case beside the base, on common random
//! numbers, with every model's central outcome (drivers at their means).

use std::path::PathBuf;

use gapsim::model::LoadOptions;

use super::Failure;
use super::args::{CompareArgs, StressArgs};
use super::compare::{Compared, Extras, compare_models};
use super::signals::Stop;

/// Loads the model and its stress cases, and compares each case with the model.
pub fn stress(args: &StressArgs) -> Result<(), Failure> {
    let stop = Stop::install();
    args.settings.refuse_shard("stress")?;
    let options = LoadOptions {
        repair_correlation: args.settings.repair_correlation,
    };
    let ready = super::scenario::load(args.model.as_deref(), &[], &options, args.settings.strict)?;
    let mut cases = super::scenario::stress_models(&ready, &options, args.settings.strict)?;
    if cases.is_empty() {
        return Err(Failure::Other(anyhow::anyhow!(
            "{} has no stress cases: add [stress.NAME] tables with a label and a list of \
             --set changes (docs/model-format.md, Stress cases), or compare with \
             `gapsim compare MODEL --set ...`",
            ready.source.label
        )));
    }
    if !args.cases.is_empty() {
        let names: Vec<String> = cases.iter().map(|(c, _)| c.name.clone()).collect();
        if let Some(unknown) = args.cases.iter().find(|n| !names.contains(n)) {
            return Err(Failure::Other(anyhow::anyhow!(
                "{} has no stress case `{unknown}`; its cases are {}",
                ready.source.label,
                names.join(", ")
            )));
        }
        cases.retain(|(c, _)| args.cases.contains(&c.name));
    }
    let label = ready
        .scenario
        .clone()
        .unwrap_or_else(|| ready.model.meta.name.clone());
    let base = Compared {
        label: format!("{label} (no stress)"),
        source: ready.source,
        model: ready.model,
    };
    let others = cases
        .into_iter()
        .map(|(case, r)| Compared {
            label: case.label,
            source: r.source,
            model: r.model,
        })
        .collect();
    let compare = CompareArgs {
        base: args
            .model
            .clone()
            .unwrap_or_else(|| PathBuf::from(gapsim::DEFAULT_MODEL_FILE)),
        others: Vec::new(),
        set: Vec::new(),
        precision: None,
        settings: args.settings.clone(),
    };
    let command = command(args, &compare);
    let extras = Extras {
        central: true,
        command: Some(command),
        kind: Some("stress"),
    };
    compare_models(base, others, &compare, &stop, &extras)
}

/// The command that reproduces the run, for the report's method note.
fn command(args: &StressArgs, compare: &CompareArgs) -> String {
    let mut words = vec!["gapsim".to_string(), "stress".into()];
    if let Some(m) = &args.model {
        words.push(m.display().to_string());
    }
    words.extend(args.cases.iter().map(|c| format!("--case {c}")));
    words.extend(super::compare::settings(compare));
    words.join(" ")
}

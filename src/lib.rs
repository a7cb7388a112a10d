//! gapsim: Monte Carlo simulation of a council's budget gap.
//!
//! Given uncertain inflation, placement unit costs, demand growth and savings delivery,
//! gapsim estimates the distribution of next year's budget gap and the chance that the
//! shortfall is larger than usable reserves can cover (the level at which a Section 114
//! notice becomes unavoidable).
//!
//! Data flows one way: [`model`] (parse and check a model file) → [`sample`] (seeded
//! streams) → [`engine`] (parallel batches, merged in order) → [`stats`] (the figures) →
//! [`report`] (formatting). None of these does I/O; the `gapsim` binary reads files,
//! writes the run folder and draws the progress bar.
#![deny(missing_docs)]

pub mod audit;
pub mod chart;
pub mod correlation;
pub mod dist;
pub mod engine;
pub mod format;
pub mod inplace_sort;
pub mod lanes;
pub mod model;
pub mod order;
pub mod portable;
pub mod qmc;
pub mod radix;
pub mod report;
pub mod sample;
pub mod shard_file;
pub mod sobol;
pub mod special;
pub mod stats;
pub mod synthetic;

/// The Kent County Council 2024/25 model, embedded so that `gapsim` runs with no arguments.
pub const DEFAULT_MODEL: &str = include_str!("../models/kent-2024-25.toml");

/// File name of the embedded default model.
pub const DEFAULT_MODEL_FILE: &str = "kent-2024-25.toml";

/// The commented template of a new council's model that `gapsim init` writes: every
/// figure an assumption to replace, and a model that checks (with no warnings) and runs
/// as it is.
pub const MODEL_TEMPLATE: &str = include_str!("../models/template.toml");

/// The template whose drivers, spending lines and savings are the sheets of a workbook
/// beside it (`gapsim init --sheets`): the model file, which names the workbook as
/// `SHEETS_TEMPLATE_STEM.xlsx`, and the workbook.
pub const SHEETS_TEMPLATE: &str = include_str!("../models/template-budget.toml");

/// The workbook of [`SHEETS_TEMPLATE`]: its Drivers, Lines and Savings sheets and a Read me
/// sheet on filling them in.
pub const SHEETS_TEMPLATE_WORKBOOK: &[u8] = include_bytes!("../models/template-budget.xlsx");

/// The file stem [`SHEETS_TEMPLATE`] gives its workbook (and itself, in its comments).
pub const SHEETS_TEMPLATE_STEM: &str = "template-budget";

//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use rust_decimal::Decimal;

/// Simulated years in a default run. The 95% interval of the S114-level probability is then
/// within ±0.1 percentage points whatever the probability (1.96·√(0.25/10⁶) = 0.098 points,
/// the worst case p = 0.5), well inside the ±0.5 points required, and a probability such as
/// 1.3% is estimated to within a twelfth of itself. A few seconds on two cores.
pub const DEFAULT_ITERATIONS: u64 = 1_000_000;

/// Seed used when none is given, so that two people running the same model get the same
/// figures.
pub const DEFAULT_SEED: u64 = 2024;

#[derive(Debug, Parser)]
#[command(
    name = "gapsim",
    version,
    about = "Monte Carlo simulation of a council's budget gap and its chance of a \
             Section 114-level shortfall",
    long_about = "Monte Carlo simulation of a council's budget gap and its chance of a \
                  Section 114-level shortfall.\n\nWith no command, runs the built-in Kent \
                  County Council 2024/25 model."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a model and write a run folder under outputs/.
    Run(RunArgs),
    /// Parse and check a model file without running it.
    Check(CheckArgs),
    /// Rebuild the charts and the report of a finished run from its files.
    Report(ReportArgs),
}

impl Default for Command {
    fn default() -> Self {
        Command::Run(RunArgs::default())
    }
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Model file (TOML). Without it, the built-in Kent 2024/25 model runs.
    pub model: Option<PathBuf>,

    /// Number of simulated years.
    #[arg(short = 'n', long, default_value_t = DEFAULT_ITERATIONS, value_parser = clap::value_parser!(u64).range(1..=gapsim::engine::MAX_ITERATIONS))]
    pub iterations: u64,

    /// Seed for the random numbers: the same model and seed give identical figures.
    #[arg(short, long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,

    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(short = 'j', long, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,

    /// Usable reserves in the model's unit (e.g. 60 for £60m), replacing the model's figure.
    #[arg(long, value_parser = parse_reserves)]
    pub reserves: Option<Decimal>,

    /// Folder to write the run into (must not exist). Default: a new folder under outputs/.
    #[arg(long)]
    pub out: Option<PathBuf>,

    /// How drivers are sampled: mc (independent draws) or lhs (Latin hypercube, which
    /// narrows the uncertainty of smooth figures such as the mean gap).
    #[arg(long, value_enum, default_value_t = SamplingArg::Mc)]
    pub sampling: SamplingArg,

    /// Run until the 95% interval of P(S114-level) is at most this wide (e.g. 0.002 for
    /// ±0.1 points), checking every 100,000 years; --iterations is then the cap.
    #[arg(long, value_parser = parse_precision)]
    pub precision: Option<f64>,

    /// If the model's correlations cannot hold together, use the nearest valid matrix
    /// (with a warning showing both) instead of stopping.
    #[arg(long)]
    pub repair_correlation: bool,

    /// Do not draw charts or write the report (summary, percentiles and model only).
    #[arg(long)]
    pub no_charts: bool,
}

/// Sampling methods on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SamplingArg {
    /// Plain Monte Carlo.
    Mc,
    /// Latin hypercube.
    Lhs,
}

impl Default for RunArgs {
    fn default() -> Self {
        RunArgs {
            model: None,
            iterations: DEFAULT_ITERATIONS,
            seed: DEFAULT_SEED,
            threads: None,
            reserves: None,
            out: None,
            sampling: SamplingArg::Mc,
            precision: None,
            repair_correlation: false,
            no_charts: false,
        }
    }
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Model file (TOML) to check.
    pub model: PathBuf,

    /// Accept correlations that cannot hold together, reporting the nearest valid matrix.
    #[arg(long)]
    pub repair_correlation: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A run folder written by `gapsim run`.
    pub run_dir: PathBuf,
}

/// Usable reserves in the model's unit: a plain number, optionally after `£`.
fn parse_reserves(text: &str) -> Result<Decimal, String> {
    let trimmed = text.trim();
    let value: Decimal = trimmed
        .strip_prefix('£')
        .unwrap_or(trimmed)
        .parse()
        .map_err(|_| {
            format!(
                "`{text}` is not a number; write the amount in the model's unit, e.g. --reserves 60"
            )
        })?;
    if value.is_sign_negative() {
        return Err("usable reserves cannot be negative".into());
    }
    if value > Decimal::from(1_000_000_000_000_000i64) {
        return Err("usable reserves must be below 10^15".into());
    }
    Ok(value)
}

fn parse_precision(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number; write e.g. --precision 0.002"))?;
    if !(value > 0.0 && value < 1.0) {
        return Err("the interval width is a probability between 0 and 1, e.g. 0.002".into());
    }
    Ok(value)
}

//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use rust_decimal::Decimal;

mod portfolio;

pub use portfolio::{BatchArgs, SyntheticSize};

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
                  County Council 2024/25 model.",
    after_long_help = "Examples:\n  gapsim                            run the built-in Kent model\n  \
    gapsim init my-council            write a model to fill in: my-council/council-model.toml\n  \
    gapsim check my-council/council-model.toml\n  \
    gapsim explain my-council/council-model.toml\n  \
    gapsim run my-council/council-model.toml --json | jq .s114\n  \
    gapsim init --synthetic mixed --count 150 portfolio && gapsim batch portfolio\n\n\
    Each command's --help has its own examples; `gapsim man` prints the manual page, \
    `gapsim man COMMAND` each command's.\n\n\
    Colour is used only on a terminal, and never when NO_COLOR is set (no-color.org)."
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
    /// The opening usable reserves the council needs: a table over confidence levels.
    Reserves(ReservesArgs),
    /// Compare budgets: run a base model and each other model on the same random numbers,
    /// and write their paired differences into one run folder.
    Compare(CompareArgs),
    /// Run each named stress case of a model beside it: the central outcome and the
    /// distribution under stress, with paired differences.
    Stress(StressArgs),
    /// Re-forecast the year's outturn from an in-year monitoring position (TOML or a CSV
    /// sheet): what has happened is fixed, the rest of the year is simulated.
    Monitor(MonitorArgs),
    /// The journey of one year's forecasts: each monitoring file (budget, Q1, Q2, Q3, ...)
    /// re-forecast on the same random numbers, on one chart.
    Journey(JourneyArgs),
    /// Back-test in-year forecasts against their outturns: where each outturn fell in its
    /// forecast distribution (PIT), the coverage of the P10–P90 and P5–P95 ranges, CRPS.
    Backtest(BacktestArgs),
    /// Put the shards of one run (`gapsim run … --shard K/N`) back together into its run
    /// folder: the same summary.json and percentiles.csv as the unsharded run, to the bit.
    Merge(MergeArgs),
    /// The second pass of a sharded run too long to keep every year, shard by shard.
    Collect(CollectArgs),
    /// Run every model of a portfolio (a folder of models, or several files), each into
    /// its own run folder, and rank the councils in one table and chart.
    Batch(BatchArgs),
    /// Write a new council's model to fill in: a commented template whose every figure is
    /// an assumption to replace, which checks and runs as it is; or synthetic councils
    /// (--synthetic) for a portfolio to try gapsim batch on.
    Init(InitArgs),
    /// Show a model as tables: lines with their budgets and central outturns, savings
    /// with their expected delivery, drivers with their ranges, correlations, reserves.
    Explain(ExplainArgs),
    /// Print a shell's completion script for gapsim (bash, zsh, fish, powershell, elvish).
    Completions(CompletionsArgs),
    /// Print gapsim's manual page (roff) on standard output, or a command's.
    Man(ManArgs),
}

#[derive(Debug, Args)]
#[command(
    after_long_help = "Example:\n  for k in 0 1 2; do gapsim run model.toml --seed 7 --iterations 3000000 \\\n    \
    --shard $k/3 --out shards/$k.gapshard; done\n  gapsim merge shards/*.gapshard --out run\n\n\
    Shards of another model, seed, number of years, sampling, reserves, shard count or program \
    version are refused, naming the file; so are missing, overlapping and damaged shards. \
    docs/cluster.md has a Slurm job array and a GNU parallel recipe."
)]
pub struct MergeArgs {
    /// The shard files, in any order.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,

    /// Folder to write the run into (must not exist). Default: a new folder under outputs/.
    #[arg(long)]
    pub out: Option<PathBuf>,

    /// Worker threads for the figures (default: all cores).
    #[arg(long, short = 'j')]
    pub threads: Option<u64>,

    /// Do not draw charts or write the report.
    #[arg(long)]
    pub no_charts: bool,

    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[command(after_long_help = "Examples:\n  \
    gapsim run big.toml --iterations 1000000000 --shard 3/8 --out s-3.gapshard   (pass 1, each K)\n  \
    gapsim collect s-*.gapshard --shard 3/8 --out c-3.gapshard                   (pass 2, each K)\n  \
    gapsim merge s-*.gapshard c-*.gapshard --out run                              (the run folder)\n\n\
    A run longer than a run keeps in memory (20,000,000 simulated years) streams: its \
    shards count their years in fine classes, and a second pass simulates each shard's \
    batches again to keep only the values the percentiles are read from. gapsim collect is \
    that second pass, given every counting shard of the run. The model and options come \
    from the shards. Shards that hold every year have nothing to collect: it says so and \
    exits 0. docs/cluster.md has the Slurm job arrays.")]
pub struct CollectArgs {
    /// Every counting shard of the run (what gapsim run … --shard K/N wrote), in any order.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,

    /// Which part of the second pass to run, K/N (N need not be the first pass's).
    #[arg(long, value_parser = parse_shard)]
    pub shard: gapsim::engine::shard::ShardOf,

    /// The collecting shard file to write (must not exist). Default:
    /// MODEL-collected-K-of-N.gapshard in the current folder.
    #[arg(long)]
    pub out: Option<PathBuf>,

    /// Worker threads (default: all cores). The figures do not depend on it.
    #[arg(long, short = 'j')]
    pub threads: Option<u64>,

    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `K/N` with 0 ≤ K < N.
fn parse_shard(text: &str) -> Result<gapsim::engine::shard::ShardOf, String> {
    let bad = || format!("{text:?} is not a shard: write K/N, e.g. 0/3 for the first of three");
    let (k, n) = text.split_once('/').ok_or_else(bad)?;
    let (index, count): (u64, u64) = (
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if count == 0 || index >= count {
        return Err(format!(
            "shard {text}: K counts from 0 and must be below N (0/{n} to {}/{n})",
            count.saturating_sub(1)
        ));
    }
    Ok(gapsim::engine::shard::ShardOf { index, count })
}

impl Default for Command {
    fn default() -> Self {
        Command::Run(RunArgs::default())
    }
}

#[derive(Debug, Args)]
#[command(
    after_long_help = "Examples:\n  gapsim run                                    the built-in Kent \
    2024/25 model\n  gapsim run council-model.toml --iterations 200000 --seed 7\n  \
    gapsim run --json | jq .s114                  summary.json on standard output\n  \
    gapsim run council-model.toml --quiet --strict   errors only; warnings refuse the \
    model\n  gapsim run --set pay_award+=0.03 --reserves 60\n\n\
    Environment:\n  GAPSIM_MEMORY_LIMIT  The memory a run may use \
    (bytes, or with K, M, G or T, e.g. 4G), in place of what the system reports. A run that \
    does not fit is refused before it starts, with the most simulated years that would; one \
    whose threads do not fit runs on fewer.\n\nExit status: 0 when the run folder was \
    written; 2 for any error; 128 + the signal's number when stopped by one (130 Ctrl-C, \
    143 SIGTERM, 129 SIGHUP), having written nothing."
)]
pub struct RunArgs {
    /// Model file (TOML). Without it, the built-in Kent 2024/25 model runs.
    pub model: Option<PathBuf>,

    // Numeric options accept text that looks like a negative number as their value
    // (`allow_negative_numbers`), so that `--seed -1` reaches our parser and gets a message
    // about seeds, not clap's "unexpected argument '-1'".
    /// Number of simulated years (1 to 1,000,000,000).
    #[arg(short = 'n', long, default_value_t = DEFAULT_ITERATIONS, value_parser = parse_iterations, allow_negative_numbers = true)]
    pub iterations: u64,

    /// Seed for the random numbers (0 to 2^64 − 1): the same model and seed give identical
    /// figures.
    #[arg(short, long, default_value_t = DEFAULT_SEED, value_parser = parse_seed, allow_negative_numbers = true)]
    pub seed: u64,

    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(short = 'j', long, value_parser = parse_threads, allow_negative_numbers = true)]
    pub threads: Option<u64>,

    /// Usable reserves in the model's unit (e.g. 60 for £60m), replacing the model's figure;
    /// zero or more, at most 10^15.
    #[arg(long, value_parser = parse_reserves, allow_negative_numbers = true)]
    pub reserves: Option<Decimal>,

    /// Folder to write the run into (must not exist). Default: a new folder under outputs/.
    #[arg(long)]
    pub out: Option<PathBuf>,

    /// How drivers are sampled: mc (independent draws), lhs (Latin hypercube, which
    /// narrows the uncertainty of smooth figures such as the mean gap) or qmc (scrambled
    /// Sobol points; see docs/performance.md for where each helps).
    #[arg(long, value_enum, default_value_t = SamplingArg::Mc)]
    pub sampling: SamplingArg,

    /// Run until the 95% interval of P(S114-level) is at most this wide (e.g. 0.002 for
    /// ±0.1 points), checking every 100,000 years; --iterations is then the cap.
    #[arg(long, value_parser = parse_precision, allow_negative_numbers = true)]
    pub precision: Option<f64>,

    /// If the model's correlations cannot hold together, use the nearest valid matrix
    /// (with a warning showing both) instead of stopping.
    #[arg(long)]
    pub repair_correlation: bool,

    /// Do not draw charts or write the report (summary, percentiles, model and manifest
    /// only).
    #[arg(long)]
    pub no_charts: bool,

    /// Treat every warning about the model (or --reserves) as an error: stop with status
    /// 2, simulating and writing nothing.
    #[arg(long)]
    pub strict: bool,

    /// Run only shard K of N (K from 0, as Slurm's array task ids): a share of the run's
    /// fixed batches, written to --out as a shard file for `gapsim merge`, which puts the
    /// shards back together into the run folder the unsharded run writes, to the bit.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<gapsim::engine::shard::ShardOf>,

    /// Change the model for this run: NAME.PARAM=VALUE (pay_award.mode=0.05), NAME=VALUE
    /// to fix a driver, NAME+=VALUE / NAME*=VALUE to shift or scale it, or
    /// SECTION.ITEM.FIELD=VALUE (savings.*.delivered=0.7). Repeatable; checked as the file.
    #[arg(long = "set", value_name = "PATH=VALUE", allow_hyphen_values = true)]
    pub set: Vec<String>,

    /// An in-year monitoring position of the model's year (TOML or CSV) to layer on the
    /// model: the position is fixed, the model's drivers describe the rest of the year.
    #[arg(long, value_name = "FILE")]
    pub monitoring: Option<PathBuf>,

    /// What the run prints.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// What a run prints: the summary for a person (the default), summary.json for a program
/// (`--json`), or nothing but errors (`--quiet`).
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct OutputArgs {
    /// Print summary.json's exact bytes on standard output and nothing else there (the run
    /// folder is still written; progress, warnings and the folder's name go to standard
    /// error), e.g. `gapsim run --json | jq .s114`.
    #[arg(long)]
    pub json: bool,

    /// Print nothing but errors: no progress bar, no summary, no warnings (under --strict
    /// warnings are errors, and printed). With --json, the JSON is still printed.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
#[command(
    after_long_help = "Examples:\n  gapsim monitor models/monitoring/kent-2023-24-q2.toml\n  \
    gapsim monitor q2.csv --model budget.toml   (the budget model describes the rest of the year)\n  \
    gapsim monitor q2.csv --json | jq .shortfall\n\n\
    Exit status: 0 when the run folder was written; 2 for any error."
)]
pub struct MonitorArgs {
    /// Monitoring file: TOML with a [monitoring] table, or a CSV sheet (.csv).
    pub file: PathBuf,

    /// A one-year budget model of the same year to layer the position on: its drivers, their
    /// spread shrunk to the months left, describe the rest of the year in place of the drift.
    #[arg(long, value_name = "MODEL")]
    pub model: Option<PathBuf>,

    /// Number of simulated years (1 to 1,000,000,000).
    #[arg(short = 'n', long, default_value_t = DEFAULT_ITERATIONS, value_parser = parse_iterations, allow_negative_numbers = true)]
    pub iterations: u64,

    /// Seed for the random numbers.
    #[arg(short, long, default_value_t = DEFAULT_SEED, value_parser = parse_seed, allow_negative_numbers = true)]
    pub seed: u64,

    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(short = 'j', long, value_parser = parse_threads, allow_negative_numbers = true)]
    pub threads: Option<u64>,

    /// Usable reserves in the file's unit, replacing the position's figure.
    #[arg(long, value_parser = parse_reserves, allow_negative_numbers = true)]
    pub reserves: Option<Decimal>,

    /// Folder to write the run into (must not exist). Default: a new folder under outputs/.
    #[arg(long)]
    pub out: Option<PathBuf>,

    /// How drivers are sampled: mc or lhs.
    #[arg(long, value_enum, default_value_t = SamplingArg::Mc)]
    pub sampling: SamplingArg,

    /// Run until the 95% interval of P(S114-level) is at most this wide.
    #[arg(long, value_parser = parse_precision, allow_negative_numbers = true)]
    pub precision: Option<f64>,

    /// Do not draw charts or write the report.
    #[arg(long)]
    pub no_charts: bool,

    /// Treat every warning as an error.
    #[arg(long)]
    pub strict: bool,

    /// What the run prints.
    #[command(flatten)]
    pub output: OutputArgs,
}

impl MonitorArgs {
    /// The run these arguments ask for.
    pub fn run_args(&self) -> RunArgs {
        RunArgs {
            model: self.model.clone(),
            iterations: self.iterations,
            seed: self.seed,
            threads: self.threads,
            reserves: self.reserves,
            out: self.out.clone(),
            sampling: self.sampling,
            precision: self.precision,
            repair_correlation: false,
            no_charts: self.no_charts,
            strict: self.strict,
            set: Vec::new(),
            monitoring: Some(self.file.clone()),
            shard: None,
            output: self.output,
        }
    }
}

#[derive(Debug, Args)]
#[command(
    after_long_help = "Examples:\n  gapsim journey models/monitoring/kent-2023-24-*.toml\n  \
    gapsim journey budget.toml q1.toml q2.csv --iterations 200000\n\n\
    The files are put in month order. Writes journey.csv, journey.json and the journey chart \
    (SVG and PNG) into a new folder."
)]
pub struct JourneyArgs {
    /// Monitoring files of one council and year (the budget as month 0, then Q1, Q2, ...).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,

    /// Number of simulated years for each point.
    #[arg(short = 'n', long, default_value_t = DEFAULT_ITERATIONS, value_parser = parse_iterations, allow_negative_numbers = true)]
    pub iterations: u64,

    /// Seed for the random numbers (the same for every point).
    #[arg(short, long, default_value_t = DEFAULT_SEED, value_parser = parse_seed, allow_negative_numbers = true)]
    pub seed: u64,

    /// Worker threads (default: all cores).
    #[arg(short = 'j', long, value_parser = parse_threads, allow_negative_numbers = true)]
    pub threads: Option<u64>,

    /// Folder to write into (must not exist). Default: a new folder under outputs/.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(
    after_long_help = "Examples:\n  gapsim backtest models/monitoring/backtest-pre-2023.csv\n  \
    gapsim backtest cases.csv --iterations 50000 --bins 5\n\n\
    Columns: council,year,month,net_budget,forecast,basis,reserves,outturn[,action,mitigation,source] \
    (docs/monitoring.md). A malformed row is reported at its row and column and left out; the \
    others still run, and the exit status is then 2."
)]
pub struct BacktestArgs {
    /// The cases: a CSV file, one council-year forecast and its outturn per row.
    pub cases: PathBuf,

    /// Simulated years for each case's forecast.
    #[arg(short = 'n', long, default_value_t = 20_000, value_parser = parse_iterations, allow_negative_numbers = true)]
    pub iterations: u64,

    /// Seed for the random numbers.
    #[arg(short, long, default_value_t = DEFAULT_SEED, value_parser = parse_seed, allow_negative_numbers = true)]
    pub seed: u64,

    /// Bins of the PIT histogram and its chi-square test.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(2..=100))]
    pub bins: u64,

    /// Worker threads (default: all cores).
    #[arg(short = 'j', long, value_parser = parse_threads, allow_negative_numbers = true)]
    pub threads: Option<u64>,

    /// Folder to write into (must not exist). Default: a new folder under outputs/.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Sampling methods on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SamplingArg {
    /// Plain Monte Carlo.
    Mc,
    /// Latin hypercube.
    Lhs,
    /// Randomised quasi-Monte Carlo (Owen-scrambled Sobol points).
    Qmc,
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
            strict: false,
            set: Vec::new(),
            monitoring: None,
            shard: None,
            output: OutputArgs::default(),
        }
    }
}

#[derive(Debug, Args)]
#[command(after_long_help = "Examples:\n  gapsim check council-model.toml\n  \
    gapsim check council-model.toml --strict        warnings are errors (exit 2)\n  \
    gapsim check models/scenarios/kent-price-shock.toml --print > effective.toml\n  \
    gapsim check council-model.toml --set pay_award.mode=0.05\n\n\
    Exit status: 0 when the model is sound; 2 for any error (each with its line, column \
    and a fix).")]
pub struct CheckArgs {
    /// Model or scenario file (TOML) to check.
    pub model: PathBuf,

    /// Print the effective model (a scenario's base with its changes and any --set
    /// applied) as a model file on standard output.
    #[arg(long)]
    pub print: bool,

    /// Change the model as `gapsim run --set` does (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE", allow_hyphen_values = true)]
    pub set: Vec<String>,

    /// Accept correlations that cannot hold together, reporting the nearest valid matrix.
    #[arg(long)]
    pub repair_correlation: bool,

    /// Treat every warning as an error: exit with status 2 if there is any.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Args)]
#[command(
    after_long_help = "For each confidence c, the opening usable reserves that keep the \
    chance of an S114-level shortfall over the model's years at or below 1 - c, with its 95% \
    interval and as a share of the net budget, beside the council's own reserves. Nothing \
    is written to disk.\n\nExamples:\n  gapsim reserves models/kent-2024-27.toml \
    --confidence 90,95,99\n  gapsim reserves council-model.toml --iterations 200000"
)]
pub struct ReservesArgs {
    /// Model file (TOML). Without it, the built-in Kent 2024/25 model.
    pub model: Option<PathBuf>,

    /// Number of simulated years (paths, for a model of several years).
    #[arg(short = 'n', long, default_value_t = DEFAULT_ITERATIONS, value_parser = parse_iterations, allow_negative_numbers = true)]
    pub iterations: u64,

    /// Seed for the random numbers.
    #[arg(short, long, default_value_t = DEFAULT_SEED, value_parser = parse_seed, allow_negative_numbers = true)]
    pub seed: u64,

    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(short = 'j', long, value_parser = parse_threads, allow_negative_numbers = true)]
    pub threads: Option<u64>,

    /// Confidence levels in whole percent, comma-separated (50 to 99).
    #[arg(long, value_delimiter = ',', default_values_t = vec![80, 90, 95, 99], value_parser = parse_confidence)]
    pub confidence: Vec<u32>,

    /// How drivers are sampled: mc or lhs.
    #[arg(long, value_enum, default_value_t = SamplingArg::Mc)]
    pub sampling: SamplingArg,

    /// Treat every warning about the model as an error.
    #[arg(long)]
    pub strict: bool,
}

/// A confidence level in whole percent, 50 to 99.
fn parse_confidence(text: &str) -> Result<u32, String> {
    match text.trim().trim_end_matches('%').parse::<u32>() {
        Ok(c) if (50..=99).contains(&c) => Ok(c),
        _ => Err(format!(
            "`{text}` is not a confidence level: write whole percentages from 50 to 99, \
             e.g. --confidence 90,95,99"
        )),
    }
}

#[derive(Debug, Args)]
#[command(
    after_long_help = "Every model runs with the same seed, iterations, sampling and \
    batches, so the drivers they share draw the same values (common random numbers) and \
    each difference from the base is far more precise than two separate runs would give. \
    Models must share a unit and span the same years.\n\nExamples:\n  gapsim compare \
    models/kent-2024-25.toml pay-award-6pc.toml --iterations 1000000\n  \
    gapsim compare models/kent-2024-25.toml models/scenarios/*.toml\n  \
    gapsim compare models/kent-2024-25.toml --set 'savings.*.delivered=0.7'\n\nExit status: 0 \
    when the folder was written; 2 for any error; 128 + the signal's number when stopped \
    by one, having written nothing."
)]
pub struct CompareArgs {
    /// The base model file (TOML): the budget the others are compared with.
    pub base: PathBuf,

    /// The scenario (or model) files, each compared with the base.
    #[arg(num_args = 0..)]
    pub others: Vec<PathBuf>,

    /// Changes to the base, as `gapsim run --set` takes them, that make one more scenario
    /// compared with it (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE", allow_hyphen_values = true)]
    pub set: Vec<String>,

    /// Not yet available for compare (refused with a message): give --iterations.
    #[arg(long, value_parser = parse_precision, allow_negative_numbers = true)]
    pub precision: Option<f64>,

    /// How every model runs.
    #[command(flatten)]
    pub settings: CompareSettings,
}

/// How the models of `compare` and `stress` run: the same for every one, so they pair.
#[derive(Debug, Clone, Args)]
pub struct CompareSettings {
    /// Number of simulated years of each model (1 to 20,000,000).
    #[arg(short = 'n', long, default_value_t = DEFAULT_ITERATIONS, value_parser = parse_iterations, allow_negative_numbers = true)]
    pub iterations: u64,

    /// Seed for the random numbers, shared by every model.
    #[arg(short, long, default_value_t = DEFAULT_SEED, value_parser = parse_seed, allow_negative_numbers = true)]
    pub seed: u64,

    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(short = 'j', long, value_parser = parse_threads, allow_negative_numbers = true)]
    pub threads: Option<u64>,

    /// Usable reserves in the models' unit, replacing every model's own figure.
    #[arg(long, value_parser = parse_reserves, allow_negative_numbers = true)]
    pub reserves: Option<Decimal>,

    /// Folder to write the comparison into (must not exist). Default: a new folder under
    /// outputs/.
    #[arg(long)]
    pub out: Option<PathBuf>,

    /// How drivers are sampled: mc or lhs (the same for every model).
    #[arg(long, value_enum, default_value_t = SamplingArg::Mc)]
    pub sampling: SamplingArg,

    /// If a model's correlations cannot hold together, use the nearest valid matrix.
    #[arg(long)]
    pub repair_correlation: bool,

    /// Do not draw charts or write the report.
    #[arg(long)]
    pub no_charts: bool,

    /// Treat every warning about a model (or --reserves) as an error.
    #[arg(long)]
    pub strict: bool,

    /// Not available here (refused with the reason and what to run instead): the models
    /// of a comparison pair year by year, so each runs whole in one process.
    #[arg(long, value_name = "K/N", hide = true)]
    pub shard: Option<String>,
}

impl CompareSettings {
    /// Refuses `--shard`, which `command` ("compare", "stress") cannot split by, with what
    /// splits instead.
    ///
    /// # Errors
    /// When `--shard` was given.
    pub fn refuse_shard(&self, command: &str) -> anyhow::Result<()> {
        match &self.shard {
            None => Ok(()),
            Some(s) => Err(anyhow::anyhow!(
                "gapsim {command} does not take --shard {s}: its models are paired year by \
                 year on the same random numbers, so the comparison runs whole on one \
                 machine (give it --threads, or fewer --iterations); a single model's run \
                 can be split over a cluster (gapsim run MODEL --shard K/N, then gapsim \
                 merge, with gapsim collect between them for a run too long to keep every \
                 year: docs/cluster.md), but that gives one run folder, not a comparison"
            )),
        }
    }
}

#[derive(Debug, Args)]
#[command(
    after_long_help = "A stress case is a [stress.NAME] table of the model (or \
    scenario) file: a label and a list of --set changes (see docs/model-format.md, Stress \
    cases). Each runs on the base's random numbers, so its differences are paired.\n\n\
    Examples:\n  gapsim stress models/kent-2024-25.toml --iterations 200000\n  \
    gapsim stress --case inflation_3pp --case savings_70pct\n\nExit status: 0 \
    when the folder was written; 2 for any error (a model without stress cases, a case \
    that does not apply); 128 + the signal's number when stopped by one, having written \
    nothing."
)]
pub struct StressArgs {
    /// Model or scenario file with [stress.NAME] cases. Without it, the built-in Kent
    /// 2024/25 model and its stress cases.
    pub model: Option<PathBuf>,

    /// Only these stress cases (by name; repeatable). Default: every one.
    #[arg(long = "case", value_name = "NAME")]
    pub cases: Vec<String>,

    /// How the base and every case run.
    #[command(flatten)]
    pub settings: CompareSettings,
}

#[derive(Debug, Args)]
#[command(
    after_long_help = "Examples:\n  gapsim report outputs/2026-12-02T06-35-00Z_kent-2024-25\n\n\
    The run folder's summary, tables and model are checked against its manifest first; a \
    folder that has changed since the run is refused (exit 2), naming each file."
)]
pub struct ReportArgs {
    /// A run folder written by `gapsim run`.
    pub run_dir: PathBuf,
}

#[derive(Debug, Args)]
#[command(
    after_long_help = "Examples:\n  gapsim init                 writes ./council-model.toml\n  \
    gapsim init my-council      writes my-council/council-model.toml (the folder is made \
    if need be)\n  gapsim init --sheets my-council   writes my-council/council-model.toml and \
    the workbook council-model.xlsx it reads its drivers, lines and savings from\n  \
    gapsim check my-council/council-model.toml && gapsim run \
    my-council/council-model.toml\n  \
    gapsim init --synthetic mixed --count 150 portfolio   150 synthetic councils, about \
    England's mix\n  gapsim init --synthetic county --count 3 --seed 7 counties\n  \
    gapsim batch portfolio       run them all and rank them\n\n\
    Synthetic councils (district: net budget £10m to £25m, no social care; unitary: £150m \
    to £800m; county: £500m to £1.55bn) are written as synthetic-SIZE-NNN.toml; every \
    figure is a synthetic assumption, and the same size, seed and number give the same \
    file. An existing file is never overwritten: init stops with status 2, having written \
    nothing."
)]
pub struct InitArgs {
    /// The folder to write into. Default: the current folder.
    pub dir: Option<PathBuf>,

    /// Write synthetic council models instead of the template: district, unitary, county,
    /// or mixed (about England's mix of the three).
    #[arg(long, value_enum, value_name = "SIZE")]
    pub synthetic: Option<SyntheticSize>,

    /// Write the template with its drivers, spending lines and savings as sheets of a
    /// workbook to fill in (council-model.xlsx beside council-model.toml), in place of
    /// the tables of the model file.
    #[arg(long, conflicts_with_all = ["synthetic", "count", "seed"])]
    pub sheets: bool,

    /// How many synthetic councils to write (1 to 10,000), numbered from 1.
    #[arg(long, requires = "synthetic", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub count: u32,

    /// Seed of the synthetic councils' figures.
    #[arg(short, long, requires = "synthetic", default_value_t = DEFAULT_SEED, value_parser = parse_seed, allow_negative_numbers = true)]
    pub seed: u64,
}

#[derive(Debug, Args)]
#[command(
    after_long_help = "Examples:\n  gapsim explain                          the built-in Kent \
    2024/25 model\n  gapsim explain council-model.toml\n  \
    gapsim explain models/scenarios/kent-price-shock.toml   a scenario's effective model\n  \
    gapsim explain council-model.toml --set pay_award.mode=0.05 | less\n\n\
    Central outturns are each line at its drivers' means: a reading aid for checking \
    figures, not the average simulated year (run the model for that)."
)]
pub struct ExplainArgs {
    /// Model or scenario file (TOML). Without it, the built-in Kent 2024/25 model.
    pub model: Option<PathBuf>,

    /// Change the model as `gapsim run --set` does (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE", allow_hyphen_values = true)]
    pub set: Vec<String>,
}

#[derive(Debug, Args)]
#[command(after_long_help = "Examples:\n  \
    gapsim completions bash > ~/.local/share/bash-completion/completions/gapsim\n  \
    gapsim completions zsh > ~/.zfunc/_gapsim      (with fpath+=~/.zfunc before compinit)\n  \
    gapsim completions fish > ~/.config/fish/completions/gapsim.fish\n  \
    gapsim completions powershell >> $PROFILE")]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
#[command(
    after_long_help = "Examples:\n  gapsim man | man -l -                  read it now\n  \
    gapsim man > ~/.local/share/man/man1/gapsim.1\n  \
    gapsim man run > ~/.local/share/man/man1/gapsim-run.1   each command's own page"
)]
pub struct ManArgs {
    /// A command whose page to print (run, check, ...). Default: gapsim's own page, which
    /// lists the commands.
    pub command: Option<String>,
}

/// The largest usable reserves accepted: the largest figure a model file may hold (every
/// number in a model is at most 10^15 in magnitude, so sums of them stay exact).
const MAX_RESERVES: i64 = 1_000_000_000_000_000;

/// Usable reserves in the model's unit: a plain number, optionally after `£`.
///
/// Negative reserves are refused, as a model file refuses a negative reserve: usable
/// reserves are a balance (the general fund and the earmarked reserves that could be
/// released), never below zero. A council with less than nothing to fall back on already has
/// an unfunded deficit, which is a Section 114 question today, not a risk to estimate.
/// `--reserves 0` asks the nearest meaningful question: how likely is any shortfall at all.
fn parse_reserves(text: &str) -> Result<Decimal, String> {
    let trimmed = text.trim();
    let number = trimmed.strip_prefix('£').unwrap_or(trimmed).trim();
    let negative = || {
        "usable reserves cannot be negative: they are the general fund plus the earmarked \
         reserves that could be released, a balance of zero or more; use --reserves 0 for the \
         chance of any shortfall at all"
            .to_string()
    };
    let too_large = || {
        format!(
            "`{text}` is too large: usable reserves can be at most 1,000,000,000,000,000 \
             (10^15) in the model's unit, the largest figure a model can hold"
        )
    };
    let not_a_number = || {
        format!(
            "`{text}` is not a number; write the amount in the model's unit, e.g. --reserves 60"
        )
    };
    let value: Decimal = match number.parse() {
        Ok(v) => v,
        // Not a decimal: too large, too precise, or not a number at all; f64 tells which.
        Err(_) => {
            return Err(match number.parse::<f64>() {
                Ok(x) if x.is_nan() => not_a_number(),
                Ok(x) if x < 0.0 => negative(),
                Ok(x) if x > 1e15 => too_large(),
                Ok(_) => "too many digits: write the amount in the model's unit with at most 28 \
                          significant digits, e.g. --reserves 60"
                    .to_string(),
                Err(_) => not_a_number(),
            });
        }
    };
    if value < Decimal::ZERO {
        return Err(negative());
    }
    if value > Decimal::from(MAX_RESERVES) {
        return Err(too_large());
    }
    // `-0` is zero.
    Ok(value.abs())
}

/// A seed: any whole number a 64-bit generator key can hold.
fn parse_seed(text: &str) -> Result<u64, String> {
    text.trim().parse().map_err(|_| {
        "seeds are whole numbers from 0 to 18446744073709551615 (2^64 − 1), e.g. --seed 2024"
            .to_string()
    })
}

/// Simulated years: a whole number from 1. The cap (10^9) and what the memory allows are
/// checked once the model is read, so that the message can give the real limit.
fn parse_iterations(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!(
            "the number of simulated years is a whole number from 1 to {} (10^9), e.g. \
             --iterations 100000",
            gapsim::report::amount(Decimal::from(gapsim::engine::MAX_ITERATIONS), 0)
        )),
    }
}

/// Worker threads: 1 to 1024.
fn parse_threads(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(n) if (1..=1024).contains(&n) => Ok(n),
        _ => Err(
            "the number of threads is a whole number from 1 to 1024; leave --threads \
                  out to use every core"
                .to_string(),
        ),
    }
}

/// The target width of the P(S114-level) interval: a probability strictly between 0 and 1.
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

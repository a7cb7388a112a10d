//! Arguments of `gapsim batch` and of `gapsim init --synthetic`.

use std::path::PathBuf;

use clap::Args;

use super::{
    DEFAULT_ITERATIONS, DEFAULT_SEED, SamplingArg, parse_iterations, parse_seed, parse_threads,
};

/// The councils `init --synthetic` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SyntheticSize {
    /// Shire districts: net budgets of £10m to £25m, no social care.
    District,
    /// Unitary and metropolitan councils: £150m to £800m.
    Unitary,
    /// County councils: £500m to £1.55bn.
    County,
    /// About England's mix: of every 30, 16 districts, 12 unitary and 2 counties.
    Mixed,
}

impl SyntheticSize {
    /// The tier of council `index` (from 1).
    pub fn tier(self, index: u32) -> gapsim::synthetic::Tier {
        use gapsim::synthetic::Tier;
        match self {
            SyntheticSize::District => Tier::District,
            SyntheticSize::Unitary => Tier::Unitary,
            SyntheticSize::County => Tier::County,
            SyntheticSize::Mixed => Tier::in_mix(index),
        }
    }
}

#[derive(Debug, Args)]
#[command(
    after_long_help = "Examples:\n  gapsim init --synthetic mixed --count 150 portfolio\n  \
    gapsim batch portfolio --out portfolio-run\n  \
    gapsim batch councils/*.toml --iterations 200000 --seed 7\n  \
    gapsim batch portfolio --json | jq '.councils[0]'\n\n\
    Each model runs as `gapsim run MODEL` would with the same seed and iterations, one \
    after another on every thread, into runs/<model>/ of the batch folder, which also \
    holds portfolio.csv, portfolio.json, portfolio.xlsx and the ranked chart \
    portfolio.png and portfolio.svg: a row per council, ranked by the chance of an \
    S114-level year. The folder is written whole or not at all, never over an existing \
    one.\n\n\
    Exit status: 0 when every model ran; 2 when one or more could not (each reported \
    with its file, line and a fix, and its row marked failed: the others still run and \
    the folder is written), or for any other error; 128 + the signal's number when \
    stopped by one, having written nothing."
)]
pub struct BatchArgs {
    /// Model files (TOML), or folders whose *.toml files are each a model (taken in name
    /// order). A scenario file runs as its effective model, as in `gapsim run`.
    #[arg(required = true, value_name = "DIR|MODEL")]
    pub models: Vec<PathBuf>,

    /// Folder to write the batch into (must not exist). Default: a new folder under
    /// outputs/.
    #[arg(long)]
    pub out: Option<PathBuf>,

    /// Number of simulated years of each model (1 to 1,000,000,000).
    #[arg(short = 'n', long, default_value_t = DEFAULT_ITERATIONS, value_parser = parse_iterations, allow_negative_numbers = true)]
    pub iterations: u64,

    /// Seed for the random numbers, the same for every model.
    #[arg(short, long, default_value_t = DEFAULT_SEED, value_parser = parse_seed, allow_negative_numbers = true)]
    pub seed: u64,

    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(short = 'j', long, value_parser = parse_threads, allow_negative_numbers = true)]
    pub threads: Option<u64>,

    /// How every model's drivers are sampled: mc (plain Monte Carlo), lhs (Latin
    /// hypercube) or qmc (scrambled Sobol points), as in `gapsim run`.
    #[arg(long, value_enum, default_value_t = SamplingArg::Mc)]
    pub sampling: SamplingArg,

    /// Treat every warning as an error: a model with a warning fails its row (its
    /// warnings are the reason), as `gapsim run --strict` would refuse it.
    #[arg(long)]
    pub strict: bool,

    /// Do not draw charts or write reports: each run folder holds its summary, tables,
    /// model and manifest, and the batch folder its tables without the ranked chart.
    #[arg(long)]
    pub no_charts: bool,

    /// Print portfolio.json's exact bytes on standard output and nothing else there (the
    /// batch folder is still written; progress, errors and its name go to standard error).
    #[arg(long)]
    pub json: bool,

    /// Print nothing but errors: no line per model, no table, no warnings. With --json,
    /// the JSON is still printed.
    #[arg(short, long)]
    pub quiet: bool,
}

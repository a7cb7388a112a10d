//! The imperative shell: arguments, files, the progress bar, exit codes.
//!
//! Exit codes: 0 success; 2 any error (bad model, bad arguments, unreadable or unwritable
//! files, not enough memory, a run folder that has changed since the run); 128 + the
//! signal's number when stopped by one (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP). Errors are
//! printed once, here, for a person.

mod args;
mod backtest;
mod batch;
mod check;
mod colour;
mod compare;
mod completions;
mod explain;
mod init;
mod journey;
mod man;
mod manifest;
mod memory;
mod monitor;
mod output;
mod progress;
mod report;
mod reserves;
mod run;
mod scenario;
mod shard;
mod shard_set;
mod sheets;
mod signals;
mod staging;
mod stress;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::Parser as _;
use gapsim::model::{InvalidModel, LoadOptions, Loaded, Model, diagnostic};

use args::{Cli, Command};

/// What went wrong, for the exit code.
#[derive(Debug)]
pub enum Failure {
    /// Already reported to stderr (model diagnostics).
    Reported,
    /// Stopped by a signal before anything was written.
    Interrupted(signals::Signal),
    /// Anything else, with its context.
    Other(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Other(e)
    }
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage(&e),
    };
    let outcome = match cli.command.unwrap_or_default() {
        Command::Run(a) => run::run(&a),
        Command::Check(a) => check::check(&a),
        Command::Report(a) => report::report(&a),
        Command::Reserves(a) => reserves::reserves(&a),
        Command::Compare(a) => compare::compare(&a),
        Command::Stress(a) => stress::stress(&a),
        Command::Monitor(a) => run::run(&a.run_args()),
        Command::Journey(a) => journey::journey(&a),
        Command::Backtest(a) => backtest::backtest(&a),
        Command::Merge(a) => shard::merge(&a),
        Command::Collect(a) => shard::collect(&a),
        Command::Batch(a) => batch::batch(&a),
        Command::Init(a) => init::init(&a),
        Command::Explain(a) => explain::explain(&a),
        Command::Completions(a) => completions::completions(&a),
        Command::Man(a) => man::man(&a),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Reported) => ExitCode::from(2),
        Err(Failure::Interrupted(signal)) => {
            warn(&format!(
                "gapsim: interrupted ({}); nothing was written\n",
                signal.name()
            ));
            ExitCode::from(signal.exit_code())
        }
        Err(Failure::Other(e)) => {
            warn(&format!("error: {e:#}\n"));
            ExitCode::from(2)
        }
    }
}

/// What clap has to say instead of parsing: `--help` and `--version` go to stdout through
/// [`print`] (clap's own printing ignores a failed write, so `gapsim --version > /dev/full`
/// exited 0 having printed nothing); a usage error goes to stderr, exit 2. Either is
/// coloured only as [`colour`] allows.
fn usage(e: &clap::Error) -> ExitCode {
    if e.use_stderr() {
        warn(&colour::styled(&e.render(), colour::stderr()));
        return ExitCode::from(2);
    }
    let text = colour::styled(&e.render(), colour::stdout());
    match print(&text) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            warn(&format!("error: {err:#}\n"));
            ExitCode::from(2)
        }
    }
}

/// A model file's name and text, as given on the command line or embedded.
pub struct Source {
    /// The name shown in messages and summaries.
    pub label: String,
    /// The file's text.
    pub text: String,
}

/// Reads the model at `path`, or the embedded default model.
pub fn read_model(path: Option<&Path>) -> Result<Source, Failure> {
    match path {
        None => Ok(Source {
            label: format!("built-in {}", gapsim::DEFAULT_MODEL_FILE),
            text: gapsim::DEFAULT_MODEL.to_string(),
        }),
        Some(p) => {
            let label = p.display().to_string();
            if p.is_dir() {
                return Err(Failure::Other(anyhow::anyhow!(
                    "{label} is a folder, not a model file: give the path of a .toml model (to \
                     redraw a finished run's report, use `gapsim report {label}`)"
                )));
            }
            let bytes = read_limited(p).map_err(|e| {
                let hint = if e.kind() == std::io::ErrorKind::NotFound {
                    "; check the path, or run `gapsim run` with no model to use the built-in \
                     Kent model"
                } else {
                    ""
                };
                Failure::Other(anyhow::anyhow!("cannot read model file {label}: {e}{hint}"))
            })?;
            let limit = gapsim::model::text::MAX_FILE_BYTES;
            if bytes.len() > limit {
                let d = gapsim::model::text::size_error(bytes.len());
                warn(&diagnostic::render(&label, "", &[d]));
                return Err(Failure::Reported);
            }
            let text = Model::text_from_bytes(&label, &bytes).map_err(|e| {
                warn(&diagnostic::render(&e.file, &e.text, &e.diagnostics));
                Failure::Reported
            })?;
            Ok(Source { label, text })
        }
    }
}

/// The bytes of a file, read up to one byte beyond the largest model file, so that a huge
/// file or an endless device (`/dev/zero`) is refused at the limit rather than read whole.
fn read_limited(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let limit = gapsim::model::text::MAX_FILE_BYTES as u64;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Parses and checks a model, printing warnings, or every error and returning
/// [`Failure::Reported`].
pub fn load(source: &Source, options: &LoadOptions) -> Result<Loaded, Failure> {
    load_with(source, options, false)
}

/// As [`load`]; when `strict` (`--strict`), warnings are errors: printed as such, and the
/// model refused.
pub fn load_with(source: &Source, options: &LoadOptions, strict: bool) -> Result<Loaded, Failure> {
    match Model::from_toml_with(&source.label, &source.text, options) {
        Ok(loaded) => {
            if !loaded.warnings.is_empty() {
                report_warnings(source, &loaded.warnings, strict)?;
            }
            Ok(loaded)
        }
        Err(InvalidModel {
            file,
            text,
            diagnostics,
        }) => {
            warn(&diagnostic::render(&file, &text, &diagnostics));
            Err(Failure::Reported)
        }
    }
}

/// Prints warnings about a model (none under `--quiet`); under `--strict` as errors,
/// refusing it.
pub fn report_warnings(
    source: &Source,
    warnings: &[diagnostic::Diagnostic],
    strict: bool,
) -> Result<(), Failure> {
    if strict {
        warn(&diagnostic::render(
            &source.label,
            &source.text,
            &diagnostic::strict(warnings),
        ));
        return Err(Failure::Reported);
    }
    notice(&diagnostic::render(&source.label, &source.text, warnings));
    Ok(())
}

/// Whether `--quiet` was given: only errors are printed.
///
/// A flag for the whole process rather than an argument passed down, because the
/// warnings it silences are printed from every layer of the shell (model loading,
/// scenarios, the memory check, staging), most of which are shared with commands that
/// have no `--quiet`; those never set it.
static QUIET: AtomicBool = AtomicBool::new(false);

/// Sets [`QUIET`] for the rest of the process.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether `--quiet` was given.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Writes a warning or a note, not an error, to stderr: as [`warn`], except under
/// `--quiet`.
pub fn notice(text: &str) {
    if !quiet() {
        warn(text);
    }
}

/// Writes to stdout.
///
/// A closed pipe (`gapsim run | head`) is a quiet stop, as in ripgrep: the reader has
/// everything it wanted, so it is not an error. Any other failure (`> /dev/full`, a full
/// disk behind a redirect) is one, because output the user asked for was lost.
///
/// # Errors
/// When stdout cannot be written for any reason but a closed pipe.
pub fn print(text: &str) -> anyhow::Result<()> {
    print_bytes(text.as_bytes())
}

/// As [`print`], for bytes (summary.json exactly as written).
///
/// # Errors
/// When stdout cannot be written for any reason but a closed pipe.
pub fn print_bytes(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::Error::new(e).context("could not write to standard output"))
        }
        _ => Ok(()),
    }
}

/// Writes warnings and errors for a person to stderr.
///
/// Never fails and never panics (`eprint!` panics when stderr is closed or full): if stderr
/// cannot be written there is nowhere left to say so, and the exit status still tells the
/// caller how the command went.
pub fn warn(text: &str) {
    if let Ok(mut kept) = RECORDED.lock() {
        if let Some(kept) = kept.as_mut() {
            if kept.len() < RECORD_AT_MOST {
                kept.push_str(text);
            }
        }
    }
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}

/// What [`warn`] wrote while [`recording`] ran, besides writing it: `gapsim batch` puts a
/// model's first error in its row of the table, in the words the person saw.
static RECORDED: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// The most text [`recording`] keeps (the first error is at its start).
const RECORD_AT_MOST: usize = 64 * 1024;

/// Runs `f`, and returns what it had [`warn`] write to stderr with its result.
pub fn recording<T>(f: impl FnOnce() -> T) -> (T, String) {
    if let Ok(mut kept) = RECORDED.lock() {
        *kept = Some(String::new());
    }
    let out = f();
    let kept = RECORDED
        .lock()
        .ok()
        .and_then(|mut k| k.take())
        .unwrap_or_default();
    (out, kept)
}

/// Where runs go by default.
pub fn outputs_dir() -> PathBuf {
    PathBuf::from("outputs")
}

/// SHA-256 of `bytes`, as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    gapsim::audit::manifest::sha256_hex(bytes)
}

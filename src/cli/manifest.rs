//! Checking a run folder against its manifest before `gapsim report` reads it, and the
//! manifest that goes back with the rebuilt files.
//!
//! The files a report is drawn from, and any other file the run wrote that `report` does
//! not rebuild (summary.json, percentiles.csv, model.toml), must be exactly as the run
//! wrote them: a change to one is refused, naming each file. The report pages and the
//! charts are what `report` rebuilds: one that was changed or deleted is named in a note
//! and replaced, and its new digest goes into the manifest with it.

use std::collections::HashMap;
use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use anyhow::bail;
use gapsim::audit::manifest::{self, Entry};

use super::warn;

/// A run folder whose files match its manifest.
pub struct Checked {
    /// The manifest's entries, in order.
    pub entries: Vec<Entry>,
    /// The bytes of every checked file that `report` does not rebuild, as checked (read
    /// once, so that what is drawn is what was checked).
    pub read: HashMap<String, Vec<u8>>,
}

/// Files `gapsim report` writes again: their changes are repaired, not refused.
pub fn rebuilt_by_report(name: &str) -> bool {
    matches!(
        name,
        "report.html" | "report.md" | "report.docx" | "results.xlsx"
    ) || name.ends_with(".png")
        || name.ends_with(".svg")
}

/// Files the report is drawn from: the manifest must list them.
const INPUTS: [&str; 2] = ["summary.json", "model.toml"];

/// The largest file of a run folder that `report` reads: far beyond what a run writes (the
/// summary of a 10,000-driver model is about 20 MB), so that a file replaced by something
/// huge, or by a link to `/dev/zero`, is refused rather than read until memory runs out.
const MAX_RUN_FILE: u64 = 256 * 1024 * 1024;

/// Reads a file of a run folder: a regular file (a link is followed to one) of at most
/// [`MAX_RUN_FILE`] bytes.
fn read_run_file(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    if !fs::metadata(path)?.is_file() {
        return Err(std::io::Error::new(
            ErrorKind::InvalidData,
            "not a regular file",
        ));
    }
    let mut bytes = Vec::new();
    fs::File::open(path)?
        .take(MAX_RUN_FILE + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_RUN_FILE {
        return Err(std::io::Error::new(
            ErrorKind::InvalidData,
            "larger than any file gapsim writes",
        ));
    }
    Ok(bytes)
}

/// Checks every file of `dir` listed in its manifest.
///
/// # Errors
/// When the manifest is missing or unreadable, does not list the files a report is drawn
/// from, or any file not rebuilt by `report` has changed or is missing: the message names
/// each.
pub fn check(dir: &Path) -> anyhow::Result<Checked> {
    let path = dir.join(manifest::FILE);
    let text = match read_run_file(&path) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| {
            anyhow::anyhow!(
                "{} is not a manifest gapsim wrote (it is not text)",
                path.display()
            )
        })?,
        Err(e) if e.kind() == ErrorKind::NotFound => bail!(
            "{} is missing, so the files of {} cannot be checked against what the run wrote: \
             the run was written by a gapsim from before run folders had manifests, or the \
             manifest was removed; rebuild the run with gapsim run and the original run's options (seed, iterations, \
             reserves, sampling), which report.md's method note lists",
            path.display(),
            dir.display()
        ),
        Err(e) => bail!("cannot read {}: {e}", path.display()),
    };
    let entries = manifest::parse(&text).map_err(|e| anyhow::anyhow!("{}, {e}", path.display()))?;
    for input in INPUTS {
        if !entries.iter().any(|e| e.name == input) {
            bail!(
                "{} does not list {input}, which every run writes: it is not the manifest \
                 of this run",
                path.display()
            );
        }
    }
    let mut read = HashMap::new();
    let mut changed = Vec::new();
    let mut repaired = Vec::new();
    for entry in &entries {
        let file = dir.join(&entry.name);
        let problem = match read_run_file(&file) {
            Ok(bytes) if manifest::sha256_hex(&bytes) == entry.sha256 => {
                if !rebuilt_by_report(&entry.name) {
                    read.insert(entry.name.clone(), bytes);
                }
                continue;
            }
            Ok(_) => "has changed since the run (its SHA-256 is not the one in the manifest)",
            Err(e) if e.kind() == ErrorKind::NotFound => "is missing",
            Err(e) if e.kind() == ErrorKind::InvalidData => {
                "is not a file gapsim writes (not a regular file, or far too large)"
            }
            Err(_) => "cannot be read",
        };
        let line = format!("{} {problem}", entry.name);
        if rebuilt_by_report(&entry.name) {
            repaired.push(line);
        } else {
            changed.push(line);
        }
    }
    if !changed.is_empty() {
        let list: String = changed.iter().map(|c| format!("\n  - {c}")).collect();
        bail!(
            "the files of {} are not what the run wrote, so a report drawn from them would \
             not describe the run:{list}\nRestore them from a copy of the run, or rebuild the \
             run with gapsim run and the original run's options (seed, iterations, reserves, \
             sampling), which report.md's method note lists. (The digests are in {}; \
             `sha256sum -c {}` in the folder checks them too.)",
            dir.display(),
            path.display(),
            manifest::FILE
        );
    }
    for line in repaired {
        warn(&format!(
            "gapsim: in {}, {line}; it is rebuilt from the run's summary\n",
            dir.display()
        ));
    }
    Ok(Checked { entries, read })
}

/// The manifest after `written` (name, bytes) replaced or joined the files of `old`: the
/// digests of the files written, in the old order, then any new ones.
pub fn updated(old: &[Entry], written: &[(String, Vec<u8>)]) -> String {
    let mut entries: Vec<Entry> = old.to_vec();
    for (name, bytes) in written {
        let new = Entry::of(name, bytes);
        match entries.iter_mut().find(|e| e.name == *name) {
            Some(e) => *e = new,
            None => entries.push(new),
        }
    }
    manifest::render(&entries)
}

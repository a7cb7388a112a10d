//! The run folder: written whole or not at all, never over an existing one.
//!
//! Files are written into a hidden sibling folder (`.NAME.partial-PID`) and renamed into
//! place in one step, so a failed or interrupted run leaves no half-written folder. A
//! stale `.partial` folder can only remain if the process is killed outright during the
//! few milliseconds of writing; it is hidden and never mistaken for a run.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, bail};

/// Where to put the run.
pub enum Target {
    /// A new folder under `parent`, named by date-time and model.
    Auto { parent: PathBuf, model_stem: String },
    /// Exactly this folder, which must not exist.
    Exact(PathBuf),
}

/// Checks the target can be used, before any simulation time is spent: it must not exist,
/// and its parent must be a folder we can create folders in.
pub fn precheck(target: &Target) -> anyhow::Result<()> {
    let parent = match target {
        Target::Exact(dir) => {
            if dir.exists() {
                bail!(
                    "{} already exists; gapsim never overwrites a run: choose another --out \
                     folder or remove it",
                    dir.display()
                );
            }
            match dir.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            }
        }
        Target::Auto { parent, .. } => parent.clone(),
    };
    fs::create_dir_all(&parent)
        .with_context(|| format!("could not create the folder {}", parent.display()))?;
    let probe = parent.join(format!(".gapsim-probe-{}", std::process::id()));
    fs::create_dir(&probe)
        .with_context(|| format!("cannot write a run into {}", parent.display()))?;
    let _ = fs::remove_dir(&probe);
    Ok(())
}

/// Writes `files` (name, bytes) into a new run folder and returns its path.
pub fn write(target: &Target, files: &[(&str, &[u8])]) -> anyhow::Result<PathBuf> {
    precheck(target)?;
    let dir = match target {
        Target::Exact(dir) => dir.clone(),
        Target::Auto { parent, model_stem } => {
            let base = format!("{}_{}", utc_stamp(SystemTime::now()), slug(model_stem));
            let mut dir = parent.join(&base);
            let mut k = 2;
            while dir.exists() {
                dir = parent.join(format!("{base}-{k}"));
                k += 1;
            }
            dir
        }
    };
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent)
        .with_context(|| format!("could not create the folder {}", parent.display()))?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".into());
    let partial = parent.join(format!(".{name}.partial-{}", std::process::id()));
    let outcome = write_all(&partial, files).and_then(|()| {
        if dir.exists() {
            bail!(
                "{} appeared while the run was being written; not overwriting it",
                dir.display()
            );
        }
        fs::rename(&partial, &dir)
            .with_context(|| format!("could not move the run into {}", dir.display()))
    });
    if let Err(e) = outcome {
        let _ = fs::remove_dir_all(&partial);
        return Err(e);
    }
    Ok(dir)
}

fn write_all(partial: &Path, files: &[(&str, &[u8])]) -> anyhow::Result<()> {
    fs::create_dir(partial)
        .with_context(|| format!("could not create the folder {}", partial.display()))?;
    for (name, bytes) in files {
        let path = partial.join(name);
        fs::write(&path, bytes).with_context(|| format!("could not write {}", path.display()))?;
    }
    Ok(())
}

/// A file-name-safe version of a model name.
fn slug(text: &str) -> String {
    let s: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-').to_string();
    if s.is_empty() { "model".into() } else { s }
}

/// `2026-11-22T23-59-01Z`: UTC, sortable, and valid in file names on every system.
fn utc_stamp(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}-{:02}-{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn stamps_are_utc_dates() {
        assert_eq!(utc_stamp(UNIX_EPOCH), "1970-01-01T00-00-00Z");
        // 2024-02-29 12:34:56 UTC.
        let t = UNIX_EPOCH + Duration::from_secs(1_709_210_096);
        assert_eq!(utc_stamp(t), "2024-02-29T12-34-56Z");
    }

    #[test]
    fn slugs_are_file_name_safe() {
        assert_eq!(slug("kent 2024/25"), "kent-2024-25");
        assert_eq!(slug("///"), "model");
    }
}

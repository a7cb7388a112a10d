//! The run folder: written whole or not at all, never over an existing one.
//!
//! Files are written into a hidden staging folder beside the target (`.gapsim-PID-TOKEN.partial`,
//! short whatever the target's name, so a long but legal name never fails for the staging
//! name), each synced to disk, with a manifest of their SHA-256 digests
//! (`manifest.sha256`), and the folder is renamed into place in one step, so a failed or
//! interrupted run leaves no half-written folder, and neither does a crash (see
//! [`super::staging`]). A staging folder left by a process killed outright is removed by
//! the next run in the same place once its process is gone.
//!
//! A rename never replaces a folder that has files in it, so two runs racing for one name
//! cannot overwrite each other: the loser gets an error (`--out`) or the next free
//! automatic name. (POSIX rename does replace an *empty* folder; one created in the
//! microseconds between our check and the rename would be replaced, losing nothing.)

use std::ffi::OsStr;
use std::fs;
use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, bail};
use gapsim::audit::manifest;

use super::staging;

/// Where to put the run.
#[derive(Debug, Clone)]
pub enum Target {
    /// A new folder under `parent`, named by date-time and model.
    Auto { parent: PathBuf, model_stem: String },
    /// Exactly this folder, which must not exist.
    Exact(PathBuf),
}

/// Longest model-name part of an automatic folder name, in bytes: with the 21-byte date and
/// a numeric suffix the name stays far below the 255-byte limit of common file systems
/// (and the 143 of encrypted home folders).
const MAX_SLUG: usize = 100;

/// Automatic names tried after the first (`NAME-2`, `NAME-3`, …) before giving up.
const MAX_SUFFIX: u32 = 10_000;

/// Checks the target can be used, before any simulation time is spent: it must not exist,
/// its name must be one the file system accepts, and its nearest existing ancestor must be
/// a folder we can create folders in. Creates nothing that outlives the check.
pub fn precheck(target: &Target) -> anyhow::Result<()> {
    let (parent, name) = match target {
        Target::Exact(dir) => {
            let name = final_name(dir)?;
            if let Some(what) = existing(dir) {
                bail!(
                    "{} already exists ({what}); gapsim never overwrites a run: choose another \
                     --out folder or remove it",
                    dir.display()
                );
            }
            (parent_of(dir), name.to_os_string())
        }
        // Room for a `-NN` suffix.
        Target::Auto { parent, model_stem } => (
            parent.clone(),
            format!("{}-{MAX_SUFFIX}", auto_name(model_stem)).into(),
        ),
    };
    staging::remove_stale(&parent);
    path_fits(target, &parent, &name)?;
    let ancestor = existing_ancestor(&parent)?;
    // Every folder still to be made, with the run's own name.
    let mut to_create: Vec<&OsStr> = parent
        .strip_prefix(&ancestor)
        .unwrap_or(&parent)
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n),
            _ => None,
        })
        .collect();
    to_create.push(name.as_os_str());
    let longest = to_create.iter().map(|n| n.len()).max().unwrap_or(0);

    // Can we make a folder there at all, and one with a name as long as ours?
    let probe = probe_name(0);
    try_create(&ancestor.join(&probe))
        .with_context(|| format!("cannot write a run into {}", ancestor.display()))?;
    if longest > probe.len() {
        if let Err(e) = try_create(&ancestor.join(probe_name(longest))) {
            let offender = to_create
                .iter()
                .find(|n| n.len() == longest)
                .map_or_else(String::new, |n| abbreviated(n));
            let fix = match target {
                Target::Exact(_) => "choose a shorter --out",
                Target::Auto { .. } => "use --out with a shorter name",
            };
            bail!(
                "the folder name {offender} is too long for {} ({longest} bytes; {e}): {fix}",
                ancestor.display()
            );
        }
    }
    Ok(())
}

/// Creates and removes the folder `probe`. One left by a killed process that had our
/// process id is proof enough.
fn try_create(probe: &Path) -> std::io::Result<()> {
    match fs::create_dir(probe) {
        Ok(()) => {
            let _ = fs::remove_dir(probe);
            Ok(())
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Writes `files` (name, bytes) and their manifest into a new run folder and returns its
/// path, or None if `stopped()` says a stop signal arrived before the folder was published
/// (then nothing is left behind).
pub fn write(
    target: &Target,
    files: &[(&str, &[u8])],
    stopped: &dyn Fn() -> bool,
) -> anyhow::Result<Option<PathBuf>> {
    Staged::begin(target)?.publish(files, &[], stopped)
}

/// A folder being written: its hidden staging folder, made and owned by this process,
/// into which a caller may write whole run folders (each through [`write`], with a
/// [`Target::Exact`] inside [`Staged::path`]) before [`Staged::publish`] adds the files of
/// its own and the manifest and renames the whole into place (`gapsim batch`). Dropped
/// unpublished, the staging folder and everything in it is removed.
pub struct Staged {
    target: Target,
    parent: PathBuf,
    ancestor: PathBuf,
    staging: PathBuf,
    published: bool,
}

impl Staged {
    /// Checks the target again (things may have changed since [`precheck`]) and makes its
    /// staging folder.
    pub fn begin(target: &Target) -> anyhow::Result<Staged> {
        precheck(target)?;
        let parent = match target {
            Target::Exact(dir) => parent_of(dir),
            Target::Auto { parent, .. } => parent.clone(),
        };
        let ancestor = existing_ancestor(&parent)?;
        fs::create_dir_all(&parent)
            .with_context(|| format!("could not create the folder {}", parent.display()))?;
        let staging = staging::path_in(&parent);
        staging::create(&staging)
            .with_context(|| format!("could not create the folder {}", staging.display()))?;
        Ok(Staged {
            target: target.clone(),
            parent,
            ancestor,
            staging,
            published: false,
        })
    }

    /// The staging folder, to write into.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// Writes `files` and the manifest (of them and of `listed`, files already in the
    /// staging folder, by name and bytes), syncs everything and renames the folder into
    /// place; returns its path, or None if `stopped()` says a stop signal arrived first
    /// (then nothing is left behind).
    pub fn publish(
        mut self,
        files: &[(&str, &[u8])],
        listed: &[(&str, &[u8])],
        stopped: &dyn Fn() -> bool,
    ) -> anyhow::Result<Option<PathBuf>> {
        let outcome = write_all(&self.staging, files, listed).and_then(|()| {
            if stopped() {
                return Ok(None);
            }
            let dir = move_into_place(&self.staging, &self.target)?;
            // The rename itself made durable, and the folders made for it.
            for folder in self.parent.ancestors().map(shown) {
                staging::sync_dir(folder)
                    .with_context(|| format!("could not sync the folder {}", folder.display()))?;
                if folder == self.ancestor {
                    break;
                }
            }
            Ok(Some(dir))
        });
        self.published = matches!(outcome, Ok(Some(_)));
        outcome
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.published {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// Renames the finished `staging` folder to the target's name. An automatic name that
/// another run took first moves on to the next suffix; an `--out` folder that appeared is
/// an error.
fn move_into_place(staging: &Path, target: &Target) -> anyhow::Result<PathBuf> {
    let candidates: Box<dyn Iterator<Item = PathBuf>> = match target {
        Target::Exact(dir) => Box::new(std::iter::once(dir.clone())),
        Target::Auto { parent, model_stem } => {
            let base = auto_name(model_stem);
            let first = parent.join(&base);
            Box::new(
                std::iter::once(first)
                    .chain((2..=MAX_SUFFIX).map(move |k| parent.join(format!("{base}-{k}")))),
            )
        }
    };
    let auto = matches!(target, Target::Auto { .. });
    for dir in candidates {
        if existing(&dir).is_some() {
            if auto {
                continue;
            }
            bail!(
                "{} appeared while the run was being written; not overwriting it",
                dir.display()
            );
        }
        match fs::rename(staging, &dir) {
            Ok(()) => return Ok(dir),
            // Another run took the name between the check and the rename.
            Err(_) if auto && existing(&dir).is_some() => {}
            Err(e) => {
                if existing(&dir).is_some() {
                    bail!(
                        "{} appeared while the run was being written; not overwriting it",
                        dir.display()
                    );
                }
                return Err(anyhow::Error::new(e)
                    .context(format!("could not move the run into {}", dir.display())));
            }
        }
    }
    bail!(
        "could not find a free folder name in {} after {MAX_SUFFIX} tries; use --out",
        parent_of(staging).display()
    )
}

/// Writes every file, then the manifest listing them all and `listed` (files already
/// there), into the staging folder `partial`, each synced, then the folder itself.
fn write_all(
    partial: &Path,
    files: &[(&str, &[u8])],
    listed: &[(&str, &[u8])],
) -> anyhow::Result<()> {
    let entries: Vec<manifest::Entry> = files
        .iter()
        .chain(listed)
        .map(|(name, bytes)| manifest::Entry::of(name, bytes))
        .collect();
    let list = manifest::render(&entries);
    let all = files
        .iter()
        .copied()
        .chain(std::iter::once((manifest::FILE, list.as_bytes())));
    // Subfolders (`models/base/summary.json` in a comparison), made before their files
    // and synced after them, deepest first, before the folder itself.
    let mut subfolders: Vec<PathBuf> = Vec::new();
    for (name, bytes) in all {
        let path = partial.join(name);
        if let Some(folder) = Path::new(name)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
        {
            fs::create_dir_all(partial.join(folder))
                .with_context(|| format!("could not create {}", partial.join(folder).display()))?;
            for a in folder.ancestors().filter(|a| !a.as_os_str().is_empty()) {
                if !subfolders.iter().any(|f| f == a) {
                    subfolders.push(a.to_path_buf());
                }
            }
        }
        staging::write_synced(&path, bytes)
            .with_context(|| format!("could not write {}", path.display()))?;
    }
    subfolders.sort_by_key(|f| std::cmp::Reverse(f.components().count()));
    for f in &subfolders {
        let path = partial.join(f);
        staging::sync_dir(&path)
            .with_context(|| format!("could not sync the folder {}", path.display()))?;
    }
    staging::seal(partial)
        .with_context(|| format!("could not sync the folder {}", partial.display()))
}

/// The longest path, in bytes, that the system accepts in one call, counting the NUL that
/// ends it (PATH_MAX); None where there is no fixed limit.
pub const PATH_MAX: Option<usize> = if cfg!(target_os = "linux") {
    Some(4096)
} else if cfg!(unix) {
    // macOS and the BSDs.
    Some(1024)
} else {
    None
};

/// Room for the longest name gapsim writes inside a run folder, or inside the staging
/// folder of `gapsim report` in it (`.gapsim-PID-TOKEN.partial/new/distribution.png`).
const LONGEST_INSIDE: usize = 1 + staging::LONGEST_NAME + "/new/".len() + 32;

/// Refuses a target whose paths, or those of the files in it, would be longer than the
/// system accepts: a component longer than NAME_MAX is found by creating a probe, but a
/// whole path longer than PATH_MAX fails only once the files are written.
fn path_fits(target: &Target, parent: &Path, name: &OsStr) -> anyhow::Result<()> {
    let Some(max) = PATH_MAX else {
        return Ok(());
    };
    let folder = parent.join(name).as_os_str().len();
    let longest = folder + LONGEST_INSIDE;
    if longest < max {
        return Ok(());
    }
    let what = match target {
        Target::Exact(dir) => format!("--out {}", abbreviated(dir.as_os_str())),
        Target::Auto { parent, .. } => format!("the folder {}", abbreviated(parent.as_os_str())),
    };
    bail!(
        "{what} is too long a path: the run folder's path is {folder} bytes, and with the \
         files gapsim writes inside it paths would reach {longest} bytes, past the {} that \
         this system accepts (PATH_MAX); choose a shorter --out, or start gapsim nearer to \
         the folder and give a relative path",
        max - 1
    )
}

/// The automatic folder name for a run started now: `2026-11-22T23-59-01Z_kent-2024-25`.
fn auto_name(model_stem: &str) -> String {
    format!("{}_{}", utc_stamp(SystemTime::now()), slug(model_stem))
}

/// The last component of an `--out` path: the name of the folder to create. `newdir/.` and
/// `newdir/..` name no new folder (the rename into place would fail after simulating).
fn final_name(dir: &Path) -> anyhow::Result<&OsStr> {
    let last = dir
        .as_os_str()
        .as_encoded_bytes()
        .rsplit(|&b| b == b'/' || (cfg!(windows) && b == b'\\'))
        .find(|part| !part.is_empty());
    match (last, dir.file_name()) {
        (Some(b".") | Some(b".."), _) | (_, None) => bail!(
            "--out {} does not name a new folder: give the folder's own name, e.g. --out \
             outputs/my-run",
            dir.display()
        ),
        (_, Some(name)) => Ok(name),
    }
}

/// What is at `path` if anything, without following a final symbolic link: a dangling link
/// still occupies the name.
fn existing(path: &Path) -> Option<String> {
    let meta = fs::symlink_metadata(path).ok()?;
    Some(if meta.file_type().is_symlink() {
        match fs::metadata(path) {
            Ok(_) => "a symbolic link".into(),
            Err(_) => "a symbolic link to something that does not exist".into(),
        }
    } else if meta.is_dir() {
        "a folder".into()
    } else {
        "a file".into()
    })
}

/// The deepest existing folder that `dir` is in or is, which must be a folder (or a link to
/// one): `afile/sub` fails here, saying that afile is a file.
fn existing_ancestor(dir: &Path) -> anyhow::Result<PathBuf> {
    for a in dir.ancestors() {
        let a = shown(a);
        match fs::metadata(a) {
            Ok(m) if m.is_dir() => return Ok(a.to_path_buf()),
            Ok(_) => bail!(
                "{} is a file, not a folder, so a run cannot be written inside it: choose \
                 another --out",
                a.display()
            ),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                match fs::symlink_metadata(a) {
                    // Another run made the folder between the two looks: it is there now.
                    Ok(m) if m.is_dir() => return Ok(a.to_path_buf()),
                    Ok(m) if m.file_type().is_symlink() => bail!(
                        "{} is a symbolic link to something that does not exist: choose \
                         another --out, or repair the link",
                        a.display()
                    ),
                    // Absent, or made as something else meanwhile: keep looking upward.
                    _ => {}
                }
            }
            // Not a folder somewhere above; the loop reaches it and says what it is.
            Err(_) => {}
        }
    }
    // The current folder exists unless it was deleted under us.
    bail!("the current folder no longer exists")
}

/// The parent folder of `dir`: `.` for a bare name.
fn parent_of(dir: &Path) -> PathBuf {
    dir.parent()
        .map_or_else(|| PathBuf::from("."), |p| shown(p).to_path_buf())
}

/// An empty relative path, as `ancestors` ends with, is the current folder.
fn shown(p: &Path) -> &Path {
    if p.as_os_str().is_empty() {
        Path::new(".")
    } else {
        p
    }
}

/// A name cut to its first 40 characters, for messages.
fn abbreviated(name: &OsStr) -> String {
    let name = name.to_string_lossy();
    match name.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &name[..cut]),
        None => name.into_owned(),
    }
}

/// A hidden probe folder name, padded to `len` bytes if longer than the plain name.
fn probe_name(len: usize) -> String {
    let mut name = format!(".gapsim-probe-{}", std::process::id());
    while name.len() < len {
        name.push('x');
    }
    name
}

/// A file-name-safe version of a model name.
pub(super) fn slug(text: &str) -> String {
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
    // ASCII only, so any byte length is a character boundary.
    let s = s.trim_matches('-');
    let s = s[..s.len().min(MAX_SLUG)].trim_end_matches('-');
    if s.is_empty() {
        "model".into()
    } else {
        s.into()
    }
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
        assert_eq!(slug(&"a".repeat(300)).len(), MAX_SLUG);
    }
}

//! Hidden staging folders, durable writes, and the staging folders killed processes leave.
//!
//! A run folder is written into `.gapsim-PID-TOKEN.partial` beside it and renamed into
//! place (TOKEN, fixed for the process, keeps two processes with one id, in two containers
//! sharing a folder, apart); a
//! report's new files into one inside the run folder. Every file is synced (fsync) before
//! the rename that publishes it and the folder that holds it after, so that after a crash
//! or a power cut a run folder is either there whole or not there at all: without the
//! syncs, a file system may commit the rename before the files' contents, and a run folder
//! of empty files can appear after a reboot.
//!
//! A process killed outright (SIGKILL, the OOM killer, a power cut) while writing leaves
//! its staging folder behind. The next run in the same place removes it once it can tell
//! that the process that made it is gone, and never while that process may still be
//! writing. Each staging folder holds an owner file naming its process (id and start time)
//! and where it ran (boot id, PID namespace, machine id and host name, on Linux):
//! - same boot and PID namespace as us: the owner is alive only if a process with its id
//!   *and* start time exists (a new process that reused the id has another start time);
//! - same machine (machine id and host name) but another boot: the machine has restarted
//!   since, so the owner is gone;
//! - anything else (another machine sharing the folder, another container, a system
//!   without /proc, or no owner file): only age tells, and writing a run takes seconds,
//!   so a staging folder untouched for [`STALE_AFTER`] is stale.

use std::fs::{self, File};
use std::io::{ErrorKind, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::notice;

/// Staging folders untouched for this long are stale whoever made them: a day, against
/// the seconds that writing a run takes.
pub const STALE_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// The owner file inside a staging folder. Removed before the folder is published.
const OWNER: &str = ".owner";

const PREFIX: &str = ".gapsim-";
const SUFFIX: &str = ".partial";

/// This process's staging folder in `parent`: `.gapsim-PID-TOKEN.partial`.
pub fn path_in(parent: &Path) -> PathBuf {
    parent.join(format!(
        "{PREFIX}{}-{:08x}{SUFFIX}",
        std::process::id(),
        token()
    ))
}

/// A number fixed for this process and unlikely to be another's with the same id: the
/// clock's nanoseconds when first asked, mixed.
fn token() -> u32 {
    static TOKEN: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *TOKEN.get_or_init(|| {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        (gapsim::sample::splitmix64(nanos ^ u64::from(std::process::id())) >> 32) as u32
    })
}

/// The longest staging folder name any process can have (a 10-digit process id and its
/// 8-digit token).
pub const LONGEST_NAME: usize = PREFIX.len() + 10 + 1 + 8 + SUFFIX.len();

/// Creates the staging folder `path` with its owner file. Never removes anything there: a
/// folder of that name belongs to another process (the token makes it all but impossible),
/// and creating ours fails instead.
pub fn create(path: &Path) -> std::io::Result<()> {
    fs::create_dir(path)?;
    write_synced(&path.join(OWNER), Owner::current().render().as_bytes())
}

/// Removes the owner file before the folder is published, and syncs the folder.
pub fn seal(path: &Path) -> std::io::Result<()> {
    fs::remove_file(path.join(OWNER))?;
    sync_dir(path)
}

/// Writes `bytes` to a new file at `path` and syncs it to disk.
pub fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Syncs a folder's entries (new names, renames) to disk. File systems that cannot sync a
/// folder (some network and FUSE ones refuse) are taken at their word; on Windows a folder
/// cannot be opened to sync it, and NTFS journals renames itself.
pub fn sync_dir(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        match File::open(path).and_then(|d| d.sync_all()) {
            Err(e) if matches!(e.kind(), ErrorKind::InvalidInput | ErrorKind::Unsupported) => {
                Ok(())
            }
            other => other,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// Removes the staging folders in `parent` that their makers left behind, saying so on
/// stderr. Folders it cannot judge, or cannot remove, are left alone.
pub fn remove_stale(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let here = Owner::current();
    for entry in entries.flatten() {
        let name = entry.file_name();
        // `.gapsim-PID-TOKEN.partial`, or `.gapsim-PID.partial` from versions before the
        // token.
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(PREFIX))
            .and_then(|n| n.strip_suffix(SUFFIX))
            .and_then(|n| n.split('-').next())
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let path = entry.path();
        // Never our own (we have not made it yet, or are writing it).
        if path == path_in(parent) || !is_stale(&path, pid, &here) {
            continue;
        }
        if fs::remove_dir_all(&path).is_ok() {
            notice(&format!(
                "gapsim: removed {}, left unfinished by a gapsim process ({pid}) that was \
                 stopped while writing\n",
                path.display()
            ));
        }
    }
}

/// Whether the staging folder at `path`, named for process `pid`, was left by a process
/// that is gone.
fn is_stale(path: &Path, pid: u32, here: &Owner) -> bool {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return false;
    };
    // A link or a file with our name is not ours to remove.
    if !meta.is_dir() {
        return false;
    }
    let old = meta
        .modified()
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .is_some_and(|age| age > STALE_AFTER);
    if old {
        return true;
    }
    let Some(owner) = fs::read_to_string(path.join(OWNER))
        .ok()
        .and_then(|t| Owner::parse(&t))
    else {
        return false;
    };
    if owner.pid != pid {
        return false;
    }
    match (&owner.place, &here.place) {
        (Some(theirs), Some(ours)) if theirs.boot == ours.boot && theirs.pidns == ours.pidns => {
            start_time(pid) != Some(theirs.start)
        }
        (Some(theirs), Some(ours)) => {
            theirs.boot != ours.boot
                && !ours.machine.is_empty()
                && theirs.machine == ours.machine
                && theirs.host == ours.host
        }
        _ => false,
    }
}

/// Who made a staging folder.
#[derive(Debug, Clone, PartialEq)]
struct Owner {
    pid: u32,
    /// Where and when it ran, where the system says (Linux).
    place: Option<Place>,
}

#[derive(Debug, Clone, PartialEq)]
struct Place {
    /// Start time of the process, in clock ticks since boot.
    start: u64,
    boot: String,
    pidns: String,
    machine: String,
    host: String,
}

impl Owner {
    fn current() -> Owner {
        let pid = std::process::id();
        let read = |p: &str| fs::read_to_string(p).map(|s| s.trim().to_string());
        let place = (|| {
            Some(Place {
                start: start_time(pid)?,
                boot: read("/proc/sys/kernel/random/boot_id").ok()?,
                pidns: fs::read_link("/proc/self/ns/pid")
                    .ok()?
                    .to_string_lossy()
                    .into_owned(),
                machine: read("/etc/machine-id").unwrap_or_default(),
                host: read("/proc/sys/kernel/hostname").unwrap_or_default(),
            })
        })();
        Owner { pid, place }
    }

    fn render(&self) -> String {
        let mut text = format!("gapsim staging folder\npid {}\n", self.pid);
        if let Some(p) = &self.place {
            text += &format!(
                "start {}\nboot {}\npidns {}\nmachine {}\nhost {}\n",
                p.start, p.boot, p.pidns, p.machine, p.host
            );
        }
        text
    }

    fn parse(text: &str) -> Option<Owner> {
        let mut lines = text.lines();
        if lines.next()? != "gapsim staging folder" {
            return None;
        }
        let fields: Vec<(&str, &str)> = lines.filter_map(|l| l.split_once(' ')).collect();
        let get = |k: &str| fields.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
        let pid = get("pid")?.parse().ok()?;
        let place = (|| {
            Some(Place {
                start: get("start")?.parse().ok()?,
                boot: get("boot")?.into(),
                pidns: get("pidns")?.into(),
                machine: get("machine").unwrap_or_default().into(),
                host: get("host").unwrap_or_default().into(),
            })
        })();
        Some(Owner { pid, place })
    }
}

/// The start time of process `pid` (field 22 of /proc/PID/stat, clock ticks since boot),
/// or None if there is no such process (or no /proc).
fn start_time(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces or parentheses.
    let after = &stat[stat.rfind(')')? + 1..];
    after.split_whitespace().nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_read_back() {
        let me = Owner::current();
        assert_eq!(Owner::parse(&me.render()), Some(me.clone()));
        assert_eq!(Owner::parse("something else\npid 1\n"), None);
        if cfg!(target_os = "linux") {
            let place = me.place.expect("Linux has /proc");
            assert!(place.start > 0 && !place.boot.is_empty());
        }
    }

    #[test]
    fn our_own_start_time_is_read_past_the_command_name() {
        if cfg!(target_os = "linux") {
            let ours = start_time(std::process::id()).unwrap();
            assert_eq!(start_time(std::process::id()), Some(ours));
            assert_eq!(start_time(u32::MAX), None);
        }
    }
}

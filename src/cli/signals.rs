//! Stop signals: Ctrl-C (SIGINT), SIGTERM (what `kill`, `timeout`, CI cancellation and
//! service managers send) and SIGHUP (the terminal was closed).
//!
//! The first one only sets a flag: the engine stops between batches, and the writing of a
//! run folder looks at it before the rename that publishes the folder, so a stopped run
//! writes nothing and a signal that arrives during the writing leaves either the whole
//! folder or none. The exit status is 128 + the signal's number (130, 143, 129), as a shell
//! reports a process killed by it. A second signal, when the first is not being acted on
//! fast enough, ends the process at once by the signal's default action; at that point
//! nothing is published yet, and the hidden staging folder that may remain is removed by
//! the next run (see `staging`).
//!
//! signal-hook rather than ctrlc: ctrlc's `termination` feature gives one handler for all
//! three signals without saying which arrived, so SIGTERM could not exit 143 while Ctrl-C
//! exits 130. signal-hook (widely used, the registry under tokio's and async-std's signal
//! support) records which signal arrived, and can give a second one its default action.
//!
//! A signal the process started with ignored (`nohup` ignores SIGHUP; a shell ignores
//! SIGINT for a job in the background of a script) stays ignored: installing a handler
//! would make `nohup gapsim run …` stop when the terminal closes. On Linux the ignored set
//! is read from /proc/self/status; elsewhere SIGHUP is left alone and SIGINT and SIGTERM are
//! handled.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// A stop signal by number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signal(i32);

impl Signal {
    /// Its usual name, for messages.
    pub fn name(self) -> String {
        match self.0 {
            1 => "SIGHUP".into(),
            2 => "SIGINT".into(),
            15 => "SIGTERM".into(),
            n => format!("signal {n}"),
        }
    }

    /// The exit status of a process stopped by it: 128 + its number.
    pub fn exit_code(self) -> u8 {
        u8::try_from(128 + self.0).unwrap_or(1)
    }
}

/// The signals that stop a run.
#[cfg(unix)]
const STOP_SIGNALS: [i32; 3] = [
    signal_hook::consts::SIGINT,
    signal_hook::consts::SIGTERM,
    signal_hook::consts::SIGHUP,
];
#[cfg(not(unix))]
const STOP_SIGNALS: [i32; 2] = [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM];

/// Whether a stop signal has arrived.
pub struct Stop {
    flag: Arc<AtomicBool>,
    which: Arc<AtomicUsize>,
}

impl Stop {
    /// Installs the handlers. A handler that cannot be installed leaves that signal's
    /// default action, which kills the process before anything is published: no error.
    pub fn install() -> Stop {
        let stop = Stop {
            flag: Arc::new(AtomicBool::new(false)),
            which: Arc::new(AtomicUsize::new(0)),
        };
        let ignored = ignored_at_start();
        for sig in STOP_SIGNALS {
            if ignored.contains(&sig) {
                continue;
            }
            // The order matters: the default action is armed by the first signal, so it
            // runs only for the second.
            let _ = signal_hook::flag::register_conditional_default(sig, Arc::clone(&stop.flag));
            let _ = signal_hook::flag::register_usize(sig, Arc::clone(&stop.which), sig as usize);
            let _ = signal_hook::flag::register(sig, Arc::clone(&stop.flag));
        }
        stop
    }

    /// The flag the engine polls between batches.
    pub fn flag(&self) -> &AtomicBool {
        &self.flag
    }

    /// The signal that arrived, if any.
    pub fn requested(&self) -> Option<Signal> {
        if !self.flag.load(Ordering::SeqCst) {
            return None;
        }
        let n = self.which.load(Ordering::SeqCst);
        Some(Signal(
            i32::try_from(n).unwrap_or(signal_hook::consts::SIGINT),
        ))
    }
}

/// The stop signals this process started with ignored.
fn ignored_at_start() -> Vec<i32> {
    #[cfg(target_os = "linux")]
    {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let mask = status
            .lines()
            .find_map(|l| l.strip_prefix("SigIgn:"))
            .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
            .unwrap_or(0);
        STOP_SIGNALS
            .into_iter()
            .filter(|&s| (1..=64).contains(&s) && mask & (1 << (s - 1)) != 0)
            .collect()
    }
    #[cfg(all(unix, not(target_os = "linux")))]
    {
        // Unknown: leave SIGHUP to its default (or to nohup) rather than override it.
        vec![signal_hook::consts::SIGHUP]
    }
    #[cfg(not(unix))]
    {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_128_plus_the_signal() {
        assert_eq!(Signal(2).exit_code(), 130);
        assert_eq!(Signal(15).exit_code(), 143);
        assert_eq!(Signal(1).exit_code(), 129);
        assert_eq!(Signal(15).name(), "SIGTERM");
    }
}

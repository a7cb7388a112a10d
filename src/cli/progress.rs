//! The progress bar: shown on a terminal once a run has taken more than a second, never
//! under `--quiet`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Progress of a run, safe to tick from worker threads.
pub struct Progress {
    bar: ProgressBar,
    start: Instant,
    shown: AtomicBool,
    /// Whether the bar may be shown at all (not under `--quiet`).
    allowed: bool,
    /// Whether a streaming run's second pass has begun.
    second: AtomicBool,
}

impl Progress {
    /// A hidden bar for `total` simulated years, shown after a second if `allowed`.
    pub fn new(total: u64, allowed: bool) -> Self {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        bar.set_style(style());
        bar.set_message(FIRST);
        Progress {
            bar,
            start: Instant::now(),
            shown: AtomicBool::new(false),
            allowed,
            second: AtomicBool::new(false),
        }
    }

    /// Records `n` more simulated years.
    pub fn tick(&self, n: u64) {
        self.bar.inc(n);
        if self.allowed
            && self.start.elapsed() > Duration::from_secs(1)
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            // indicatif's stderr target draws nothing when stderr is not a terminal.
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    /// Records `n` more years simulated again by a streaming run's second pass, which
    /// collects the values its percentiles are read from. The first call starts the bar
    /// again, over the years the first pass simulated.
    pub fn collecting(&self, n: u64) {
        if !self.second.swap(true, Ordering::Relaxed) {
            self.bar.set_length(self.bar.position());
            self.bar.set_position(0);
            self.bar.set_message(SECOND);
            self.bar.reset_eta();
        }
        self.tick(n);
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// What the bar says in the first pass (every run's only one).
const FIRST: &str = "simulating";

/// What it says in a streaming run's second pass: simulating every year again, to collect
/// the values its percentiles are read from.
const SECOND: &str = "percentiles";

/// The bar's look: at most 79 columns wide (so it never wraps on an 80-column terminal,
/// which would leave a trail of half-lines as it redraws) for any run up to the 10^9-year cap, with
/// a fixed-width bar so that wide terminals do not stretch it. The longest line, with the
/// longest estimate of time left indicatif writes (`59m`, `23h`, `6d`; four characters
/// allowed), is
/// `⠁ percentiles 1,000,000,000/1,000,000,000 years [=============] 100% 59m left`.
fn style() -> ProgressStyle {
    ProgressStyle::with_template(
        "{spinner} {msg} {human_pos}/{human_len} years [{bar:13}] {percent:>3}% {eta} left",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// One less than a standard 80-column terminal.
    const MAX_COLUMNS: usize = 79;

    /// A terminal that records what is drawn on it.
    #[derive(Debug, Clone, Default)]
    struct Recorder(Arc<Mutex<Vec<String>>>);

    impl indicatif::TermLike for Recorder {
        fn width(&self) -> u16 {
            80
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.write_str(s)
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            self.0.lock().unwrap().push(s.to_string());
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_bar_fits_an_80_column_terminal_at_the_iteration_cap() {
        for message in [FIRST, SECOND] {
            bar_fits(message);
        }
    }

    fn bar_fits(message: &'static str) {
        let cap = gapsim::engine::MAX_ITERATIONS;
        let term = Recorder::default();
        let bar = ProgressBar::with_draw_target(
            Some(cap),
            ProgressDrawTarget::term_like(Box::new(term.clone())),
        );
        bar.set_style(style());
        bar.set_message(message);
        bar.set_position(cap);
        // Draws the final state whatever the refresh rate.
        bar.finish();
        let drawn = term.0.lock().unwrap().clone();
        let line = drawn
            .iter()
            .rev()
            .find(|l| l.contains("years"))
            .expect("the bar was drawn");
        assert!(line.contains("1,000,000,000/1,000,000,000"), "{line}");
        assert!(line.contains(message), "{line}");
        // The estimate of time left is `0s` here; allow for the longest one.
        let eta_room = 4 - "0s".len();
        let columns = line.chars().count() + eta_room;
        assert!(
            columns <= MAX_COLUMNS,
            "{columns} columns with the longest time left: {line}"
        );
    }
}

//! When gapsim writes colour: only to a terminal, and never when `NO_COLOR` is set to
//! anything but the empty string (no-color.org). This is the one place that decides; today
//! only clap's help and usage errors, and the word `failed` in `gapsim batch`'s line for a
//! model that failed, are coloured (the model's diagnostics, the summary and every file
//! are plain text, and the progress bar moves the cursor but has no colour).

use std::io::IsTerminal as _;

/// Whether `NO_COLOR` asks for no colour: present and not empty, as no-color.org says.
pub fn refused() -> bool {
    refused_by(std::env::var_os("NO_COLOR").as_deref())
}

/// [`refused`] for a given value of `NO_COLOR`.
fn refused_by(value: Option<&std::ffi::OsStr>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

/// Whether text written to standard output may be coloured.
pub fn stdout() -> bool {
    std::io::stdout().is_terminal() && !refused()
}

/// Whether text written to standard error may be coloured.
pub fn stderr() -> bool {
    std::io::stderr().is_terminal() && !refused()
}

/// clap's styled text as it should be written: with its escape codes when `colour`,
/// plain otherwise.
pub fn styled(text: &clap::builder::StyledStr, colour: bool) -> String {
    if colour {
        text.ansi().to_string()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn no_color_counts_only_when_set_to_something() {
        assert!(!refused_by(None));
        assert!(!refused_by(Some(OsStr::new(""))));
        assert!(refused_by(Some(OsStr::new("1"))));
        assert!(
            refused_by(Some(OsStr::new("0"))),
            "any value but the empty string"
        );
    }
}

//! What text a model file may hold: how much of it, and which characters.
//!
//! Every limit here is far beyond any real model and exists so that no input, however
//! large or hostile, makes checking slow or its messages unreadable: the file is read up to
//! [`MAX_FILE_BYTES`], every routine over its text is linear, and names and labels are short
//! enough to print on one line of a report.

use std::ops::Range;

use toml::de::{DeTable, DeValue};

use super::diagnostic::{Diagnostic, ProblemKind, is_spoofing};
use super::reader::{Ctx, Value};

/// The largest model file gapsim reads: 16 MiB. The Kent model is 30 KB and a generated
/// model of 10,000 drivers about 2 MB, so this is room for any real model many times over;
/// beyond it, the parsed tree (about ten times the text) and the work of checking it would
/// grow without purpose. A file is read only up to this size, so `gapsim check /dev/zero`
/// stops at it.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// The longest name (the `NAME` in `[lines.NAME]`) and the longest key of any table:
/// names are identifiers that reports, tables and the command line repeat; the longest in
/// the Kent model has 36 characters.
pub const MAX_NAME_CHARS: usize = 64;

/// The longest text shown on one line (`label`, `group`, `name`, `council`, a driver
/// named in a list, ...): a report heading or a table cell, and the terminal's one line.
/// The longest Kent label has 80 characters.
pub const MAX_TEXT_CHARS: usize = 200;

/// The longest free text (`description`, `source`): several paragraphs. The longest Kent
/// source has about 600 characters.
pub const MAX_NOTE_CHARS: usize = 20_000;

/// The most drivers the correlations may name together. Whether correlations can hold
/// together is an eigenvalue problem over all of them, whose work grows as the cube of
/// their number: under a second for 500 (and a few seconds to repair), two minutes for
/// 2,000. Correlations model a shared cause, which a handful of drivers have.
pub const MAX_CORRELATED_DRIVERS: usize = 500;

/// Whether a field holds free text, which may span lines.
fn is_note(key: &str) -> bool {
    matches!(key, "description" | "source")
}

/// Refuses a file larger than [`MAX_FILE_BYTES`] (for callers that hold the text already;
/// the command line stops reading at the limit).
pub(crate) fn too_large(len: usize) -> Option<Diagnostic> {
    (len > MAX_FILE_BYTES).then(|| size_error(len))
}

/// The error for a file over the limit (read as far as `len` bytes).
pub fn size_error(len: usize) -> Diagnostic {
    debug_assert!(len > MAX_FILE_BYTES);
    Diagnostic::error(
        ProblemKind::TooLong,
        None,
        format!(
            "the file is larger than {} MiB (16,777,216 bytes), the most a model file may \
             be; reading stopped there",
            MAX_FILE_BYTES / (1024 * 1024),
        ),
    )
    .with_help(
        "a model file is a few kilobytes of TOML (the Kent model is 30 KB); check that this \
         is the model you meant, not a data file or a device such as /dev/zero",
    )
}

/// Refuses, wherever they are in the file (a value, a key, a comment), the characters
/// that could make a terminal or an editor show the text in another order than it is
/// ([`is_spoofing`]). One pass over the text; each character is reported where it is.
pub(crate) fn check_characters(ctx: &mut Ctx, src: &str) {
    for (at, c) in src.char_indices().filter(|&(_, c)| is_spoofing(c)) {
        let what = match c {
            '\u{2028}' => "the line separator U+2028, which some terminals show as a line break",
            '\u{2029}' => {
                "the paragraph separator U+2029, which some terminals show as a line break"
            }
            '\u{200E}' | '\u{200F}' | '\u{061C}' => {
                "an invisible direction mark, which changes the order neighbouring text is shown in"
            }
            _ => {
                "a bidirectional control, which makes the text after it show in another order \
                 than the file holds it (a figure could read reversed)"
            }
        };
        ctx.push(
            Diagnostic::error(
                ProblemKind::Spoofing,
                Some(at..at + c.len_utf8()),
                format!("the file holds U+{:04X}: {what}", u32::from(c)),
            )
            .with_help(
                "delete it (it is invisible: in most editors, place the cursor just after the \
                 marked column and press Backspace, or search for \\u202e and friends); write \
                 right-to-left text without direction controls",
            ),
        );
    }
}

/// Checks a name is usable as an identifier in reports and on the command line. A name
/// too long was reported already by [`check_text`], and is refused here without a second
/// message.
pub(crate) fn check_name(ctx: &mut Ctx, name: &str, span: Range<usize>) -> bool {
    if name.chars().nth(MAX_NAME_CHARS).is_some() {
        return false;
    }
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    if !ok {
        ctx.error(
            ProblemKind::InvalidValue,
            span,
            format!("`{name}` is not a usable name"),
            "names start with a letter and use only letters, digits, `_` and `-`",
        );
    }
    ok
}

/// Text for a message, cut to its first few characters when it is long: a
/// 100,000-character name is named by its start and its length.
pub(crate) fn shown(text: &str) -> String {
    const SHOWN: usize = 40;
    match text.char_indices().nth(SHOWN) {
        Some((i, _)) => format!("{}… ({} characters)", &text[..i], text.chars().count()),
        None => text.to_string(),
    }
}

/// Whether `text` has more than `max` characters (without counting all of a long one).
pub(crate) fn longer_than(text: &str, max: usize) -> bool {
    text.len() > max && text.chars().nth(max).is_some()
}

/// Refuses control characters and over-long text in every string and key of the model,
/// wherever it is (a field gapsim reads, a list of driver names, a field it does not
/// know): an escape sequence in a label or name would be obeyed by the terminal that
/// prints it. Fields of free text (`description`, `source`) may hold line breaks and tabs;
/// every other text is shown on one line (report headings, table cells, the terminal) and
/// may hold tabs only.
pub(crate) fn check_text(ctx: &mut Ctx, src: &str, table: &DeTable<'_>, path: &str) {
    for (key, value) in table.iter() {
        let k = key.get_ref().as_ref();
        escaped_spoofing(ctx, src, k, key.span());
        if longer_than(k, MAX_NAME_CHARS) {
            ctx.error(
                ProblemKind::TooLong,
                key.span(),
                format!(
                    "the name or field `{}` is too long: names and fields have at most \
                     {MAX_NAME_CHARS} characters",
                    shown(k)
                ),
                "shorten it; put a longer description in the item's `label` (up to 200 \
                 characters) or `description`",
            );
            continue;
        }
        let here = if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        };
        check_text_value(ctx, src, value, k, &here);
    }
}

/// Refuses a character of [`is_spoofing`] written as an escape (`"\u202E"`) in a string
/// or a quoted key; written as itself, [`check_characters`] has reported it already.
fn escaped_spoofing(ctx: &mut Ctx, src: &str, text: &str, span: Range<usize>) {
    let Some(c) = text.chars().find(|&c| is_spoofing(c)) else {
        return;
    };
    if src.get(span.clone()).is_some_and(|raw| raw.contains(c)) {
        return;
    }
    ctx.error(
        ProblemKind::Spoofing,
        span,
        format!(
            "this text holds U+{:04X} (written as an escape), a character that can make a \
             terminal show text in another order than it is, or break its line",
            u32::from(c)
        ),
        "remove the \\u escape; write right-to-left text without direction controls",
    );
}

fn check_text_value(ctx: &mut Ctx, src: &str, value: &Value<'_>, key: &str, path: &str) {
    match value.get_ref() {
        DeValue::String(s) => {
            escaped_spoofing(ctx, src, s, value.span());
            let multiline = is_note(key);
            let max = if multiline {
                MAX_NOTE_CHARS
            } else {
                MAX_TEXT_CHARS
            };
            if longer_than(s, max) {
                let (what, fix) = if multiline {
                    (
                        "free text",
                        "shorten it, or cite the document instead of quoting it",
                    )
                } else {
                    (
                        "text shown on one line",
                        "shorten it; longer text belongs in `description`",
                    )
                };
                ctx.error(
                    ProblemKind::TooLong,
                    value.span(),
                    format!(
                        "`{path}` has {} characters; {what} has at most {max}",
                        s.chars().count()
                    ),
                    fix,
                );
                return;
            }
            let Some(bad) = s
                .chars()
                .find(|&c| c.is_control() && c != '\t' && !(multiline && (c == '\n' || c == '\r')))
            else {
                return;
            };
            let (message, help) = if bad == '\n' || bad == '\r' {
                (
                    format!("`{path}` has a line break, but it is shown on one line"),
                    "write it on one line (line breaks are allowed only in `description` and \
                     `source`)",
                )
            } else {
                (
                    format!(
                        "`{path}` holds the control character U+{:04X}, which a terminal would \
                         act on rather than show",
                        u32::from(bad)
                    ),
                    "remove it (look for an escape such as \\u001b or \\u0007 in the quotes); \
                     text may hold tabs, and line breaks in `description` and `source`",
                )
            };
            ctx.error(ProblemKind::InvalidValue, value.span(), message, help);
        }
        DeValue::Array(items) => {
            for item in items.iter() {
                check_text_value(ctx, src, item, key, path);
            }
        }
        DeValue::Table(t) => check_text(ctx, src, t, path),
        _ => {}
    }
}

//! Moving the effective model's diagnostics back to the change that caused them.

use std::ops::Range;

use toml_edit::Item;

use super::overlay::extent;
use super::{Doc, Located, Origin};
use crate::model::diagnostic::Diagnostic;

/// The range `path` covers in the effective document.
fn span_of(doc: &toml_edit::Document<String>, path: &[String]) -> Option<Range<usize>> {
    let mut item: &Item = doc.as_item();
    let mut key_start = None;
    for part in path {
        let t = item.as_table_like()?;
        key_start = t.key(part).and_then(toml_edit::Key::span).map(|s| s.start);
        item = t.get(part)?;
    }
    let r = extent(item)?;
    Some(key_start.map_or(r.start, |k| k.min(r.start))..r.end)
}

/// Counts one more problem like `d` at its change: "(and 2 more items like it)".
fn more(d: &mut Diagnostic) {
    const TAIL: &str = " more items like it)";
    let n = d
        .message
        .rsplit_once(" (and ")
        .and_then(|(_, t)| t.strip_suffix(TAIL))
        .and_then(|k| k.parse::<usize>().ok());
    let base_len = n.map_or(d.message.len(), |k| {
        d.message.len() - " (and ".len() - k.to_string().len() - TAIL.len()
    });
    d.message.truncate(base_len);
    d.message = format!("{} (and {}{TAIL}", d.message, n.unwrap_or(0) + 1);
}

/// The narrowest range in `list` holding `s`.
fn within<'o>(list: &[(Range<usize>, &'o Origin)], s: &Range<usize>) -> Option<&'o Origin> {
    list.iter()
        .filter(|(r, _)| r.start <= s.start && s.end <= r.end.max(s.start))
        .min_by_key(|(r, _)| r.end - r.start)
        .map(|(_, o)| *o)
}

/// Puts each diagnostic of the effective model where it was caused: at the change whose
/// value it is about (the narrowest change containing it), else in the effective model.
pub(super) fn relocate(
    docs: &[Doc],
    label: &str,
    text: &str,
    origins: &[(Vec<String>, Origin)],
    diagnostics: Vec<Diagnostic>,
    out: &mut Located,
) {
    // Each change's range, and its item's: a problem in a changed item that no change's
    // value holds (a base `max` now below a changed `mode`) is the change's too.
    let mut spans: Vec<(Range<usize>, &Origin)> = Vec::new();
    let mut items: Vec<(Range<usize>, &Origin)> = Vec::new();
    if !origins.is_empty()
        && let Ok(doc) = toml_edit::Document::parse(text.to_string())
    {
        for (p, o) in origins {
            if let Some(s) = span_of(&doc, p) {
                spans.push((s, o));
            }
            if p.len() > 2
                && let Some(s) = span_of(&doc, &p[..2])
            {
                items.push((s, o));
            }
        }
    }
    let find = |span: &Option<Range<usize>>| -> Option<&Origin> {
        let s = span.as_ref()?;
        within(&spans, s).or_else(|| within(&items, s))
    };
    for mut d in diagnostics {
        match find(&d.span) {
            Some(o) => {
                let at = o.doc;
                d.span = Some(o.span.clone());
                for n in &mut d.notes {
                    match find(&n.span) {
                        Some(no) if no.doc == at => n.span = Some(no.span.clone()),
                        _ => {
                            if n.span.take().is_some() {
                                n.message.push_str(
                                    " (in the effective model: gapsim check --print shows it)",
                                );
                            }
                        }
                    }
                }
                let Doc { label, text } = &docs[at];
                // One change to every item (`*`) failing alike in each is said once, with
                // how many more.
                let like = out
                    .groups
                    .iter_mut()
                    .filter(|g| g.0 == *label)
                    .flat_map(|g| g.2.iter_mut())
                    .find(|o| o.span == d.span && o.kind == d.kind && o.severity == d.severity);
                match like {
                    Some(o) => more(o),
                    None => out.push(label, text, d),
                }
            }
            None if !origins.is_empty() => {
                let mut d = d;
                let note = "the line is the effective model's: `gapsim check FILE --print` \
                            (with the same --set) prints it";
                d.help = Some(match d.help.take() {
                    Some(h) => format!("{h}\n{note}"),
                    None => note.to_string(),
                });
                out.push(label, text, d);
            }
            None => out.push(label, text, d),
        }
    }
}

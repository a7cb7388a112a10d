//! Applying changes to the base model's TOML document.
//!
//! Order: the scenario's removals, its additions, its changes in file order, then `--set`
//! in the order given; last, correlations lose the drivers the changes removed or fixed.

use std::collections::BTreeSet;
use std::ops::Range;
use std::str::FromStr;

use rust_decimal::Decimal;
use toml_edit::{DocumentMut, Item, Table, Value};

use super::{Doc, Header, Located, Origin, SetIn, change_error};
use crate::model::diagnostic::{Diagnostic, ProblemKind, closest};

/// The model's sections a scenario may change: the model's own.
pub(super) use crate::model::build::SECTIONS;

const HEADER_KEYS: &[&str] = &["name", "base", "description", "source", "remove"];

/// The effective model's text, where each change came from, and what the scenario layer
/// itself found.
pub(super) struct Composed {
    pub name: Option<String>,
    pub text: String,
    pub origins: Vec<(Vec<String>, Origin)>,
    pub located: Located,
    pub notes: Vec<String>,
}

pub(super) struct Overlay<'d> {
    pub docs: &'d [Doc],
    pub doc: DocumentMut,
    pub origins: Vec<(Vec<String>, Origin)>,
    pub located: Located,
    pub errors: usize,
    /// Drivers the scenario removed, with where: each must be used by nothing at the end.
    pub removed_drivers: Vec<(String, usize, Range<usize>)>,
}

impl Overlay<'_> {
    pub(super) fn error(&mut self, doc: usize, d: Diagnostic) {
        self.errors += 1;
        let Doc { label, text } = &self.docs[doc];
        // A change to every item (`*`) that fails for each says so once.
        let again = self
            .located
            .groups
            .iter()
            .any(|g| g.0 == *label && g.2.iter().any(|o| o.span == d.span && o.kind == d.kind));
        if !again {
            self.located.push(label, text, d);
        }
    }

    pub(super) fn warn(&mut self, doc: usize, d: Diagnostic) {
        let Doc { label, text } = &self.docs[doc];
        self.located.push(label, text, d);
    }

    pub(super) fn origin(&mut self, path: Vec<String>, doc: usize, span: Range<usize>) {
        self.origins.push((path, Origin { doc, span }));
    }

    /// The names of a section's items now, in file order.
    pub(super) fn names(&self, section: &str) -> Vec<String> {
        self.doc
            .get(section)
            .and_then(Item::as_table_like)
            .map(|t| t.iter().map(|(k, _)| k.to_string()).collect())
            .unwrap_or_default()
    }

    /// The item names `name` stands for in `section` (`*` is every one), or an error
    /// naming the closest.
    pub(super) fn items(
        &mut self,
        doc: usize,
        span: &Range<usize>,
        section: &str,
        name: &str,
    ) -> Vec<String> {
        let names = self.names(section);
        if name == "*" {
            if names.is_empty() {
                self.error(
                    doc,
                    change_error(
                        span.clone(),
                        format!("the base model has no [{section}] items for `*` to stand for"),
                        "remove the change",
                    ),
                );
            }
            return names;
        }
        if names.iter().any(|n| n == name) {
            return vec![name.to_string()];
        }
        let suggestion = closest(name, names.iter().map(String::as_str))
            .map(|c| format!("did you mean `{c}`? "))
            .unwrap_or_default();
        let add = if section == "meta" {
            String::new()
        } else {
            format!("to add a new item, write [add.{section}.{name}] in a scenario file")
        };
        self.error(
            doc,
            change_error(
                span.clone(),
                format!("the base model has no `{section}.{name}`"),
                format!("{suggestion}{add}"),
            ),
        );
        Vec::new()
    }
}

impl Overlay<'_> {
    /// A removed driver that an item still uses is an error at its removal, naming the
    /// users (correlations drop it themselves).
    fn check_removed_drivers(&mut self) {
        for (name, d, span) in std::mem::take(&mut self.removed_drivers) {
            let users = users_of(&self.doc, &name);
            if !users.is_empty() {
                self.error(
                    d,
                    change_error(
                        span,
                        format!("the driver `{name}` is removed but {} still uses it", users.join(", ")),
                        "change or remove those too (a field may take a number or an inline distribution instead)",
                    ),
                );
            }
        }
    }
}

/// The fields of lines, savings, funding and mitigation that name driver `name`.
fn users_of(doc: &DocumentMut, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for section in ["lines", "savings", "funding", "mitigation"] {
        let Some(items) = doc.get(section).and_then(Item::as_table_like) else {
            continue;
        };
        for (item, t) in items.iter() {
            let Some(t) = t.as_table_like() else { continue };
            for (field, v) in t.iter() {
                let names = match v.as_value() {
                    Some(Value::String(s)) => s.value() == name,
                    Some(Value::Array(a)) => a.iter().any(|x| x.as_str() == Some(name)),
                    _ => false,
                };
                if names {
                    out.push(format!("{section}.{item}.{field}"));
                }
            }
        }
    }
    out
}

/// Reads the `[scenario]` table.
pub(super) fn read_header(item: &Item) -> Result<Header, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let Some(t) = item.as_table() else {
        return Err(vec![
            Diagnostic::error(
                ProblemKind::WrongType,
                item.span(),
                "`scenario` must be a table",
            )
            .with_help("write a [scenario] section with name and base"),
        ]);
    };
    for (k, _) in t.iter() {
        if !HEADER_KEYS.contains(&k) {
            let fix = closest(k, HEADER_KEYS.iter().copied())
                .map(|c| format!("did you mean `{c}`? "))
                .unwrap_or_default();
            diags.push(
                Diagnostic::error(
                    ProblemKind::UnknownField,
                    t.key(k).and_then(toml_edit::Key::span),
                    format!("[scenario] has no field `{k}`"),
                )
                .with_help(format!("{fix}[scenario] takes {}", HEADER_KEYS.join(", "))),
            );
        }
    }
    let text = |key: &str, diags: &mut Vec<Diagnostic>, required: bool| match t.get(key) {
        Some(Item::Value(Value::String(s))) => Some((s.value().clone(), s.span())),
        Some(other) => {
            diags.push(
                Diagnostic::error(
                    ProblemKind::WrongType,
                    other.span(),
                    format!("[scenario] `{key}` must be text"),
                )
                .with_help(format!("write {key} = \"...\"")),
            );
            None
        }
        None if required => {
            diags.push(
                Diagnostic::error(
                    ProblemKind::MissingField,
                    t.span(),
                    format!("[scenario] has no `{key}`"),
                )
                .with_help(match key {
                    "base" => {
                        "name the base model file, relative to this one: \
                               base = \"../kent-2024-25.toml\""
                    }
                    _ => "name the scenario, as outputs show it: name = \"Price shock\"",
                }),
            );
            None
        }
        None => None,
    };
    let name = text("name", &mut diags, true);
    let base = text("base", &mut diags, true);
    let description = text("description", &mut diags, false);
    match (name, base) {
        (Some(name), Some(base)) if diags.is_empty() => Ok(Header {
            name: name.0,
            name_span: name.1.unwrap_or(0..0),
            base: base.0,
            base_span: base.1.unwrap_or(0..0),
            description: description.clone().map(|d| d.0),
            description_span: description.and_then(|d| d.1),
        }),
        _ => Err(diags),
    }
}

/// Applies the changes; see the module's order.
pub(super) fn compose(docs: &[Doc], scenario: bool, sets: &[SetIn]) -> Result<Composed, Located> {
    if !scenario && sets.is_empty() {
        // A model alone is read exactly as written.
        return Ok(Composed {
            name: None,
            text: docs[0].text.clone(),
            origins: Vec::new(),
            located: Located::default(),
            notes: Vec::new(),
        });
    }
    let Ok(doc) = docs[0].text.parse::<DocumentMut>() else {
        // The builder reports the base's syntax errors against the base itself.
        return Ok(Composed {
            name: None,
            text: docs[0].text.clone(),
            origins: Vec::new(),
            located: Located::default(),
            notes: Vec::new(),
        });
    };
    let mut o = Overlay {
        docs,
        doc,
        origins: Vec::new(),
        located: Located::default(),
        errors: 0,
        removed_drivers: Vec::new(),
    };
    let before = drivers_now(&o.doc);
    let mut name = None;
    if scenario {
        name = o.scenario_file(1);
    }
    for s in sets {
        o.set_in(s);
    }
    o.check_removed_drivers();
    let notes = o.prune_correlations(&before);
    if o.errors > 0 {
        return Err(o.located);
    }
    let mut text = String::new();
    if let Some(n) = &name {
        text.push_str(&format!(
            "# The effective model of the scenario \"{}\" ({}): its base {} with the \
             scenario's changes applied.\n",
            comment_text(n),
            comment_text(&docs[1].label),
            comment_text(&docs[0].label)
        ));
    } else {
        text.push_str(&format!(
            "# The effective model: {} with the --set changes applied.\n",
            comment_text(&docs[0].label)
        ));
    }
    if name.is_some() && !sets.is_empty() {
        text.push_str("# Then the --set changes, in the order given.\n");
    }
    for n in &notes {
        text.push_str(&format!("# {n}\n"));
    }
    text.push_str(&o.doc.to_string());
    Ok(Composed {
        name,
        text,
        origins: o.origins,
        located: o.located,
        notes,
    })
}

impl Overlay<'_> {
    /// Applies the scenario file docs[d]; returns its name.
    fn scenario_file(&mut self, d: usize) -> Option<String> {
        let text = self.docs[d].text.clone();
        let spanned = match toml_edit::Document::parse(text.clone()) {
            Ok(doc) => doc,
            Err(e) => {
                let d0 = Diagnostic::error(ProblemKind::Syntax, e.span(), e.message().to_string())
                    .with_help("fix the TOML syntax");
                self.error(d, d0);
                return None;
            }
        };
        let header = match spanned.get("scenario").map(read_header) {
            Some(Ok(h)) => Some(h),
            Some(Err(ds)) => {
                ds.into_iter().for_each(|x| self.error(d, x));
                None
            }
            None => None,
        };
        let root = spanned.as_table();
        for (key, item) in root.iter() {
            if key != "scenario" && key != "add" && !SECTIONS.contains(&key) {
                let fix = closest(key, SECTIONS.iter().copied().chain(["add", "scenario"]))
                    .map(|c| format!("did you mean [{c}]? "))
                    .unwrap_or_default();
                self.error(
                    d,
                    Diagnostic::error(
                        ProblemKind::UnknownField,
                        item.span(),
                        format!("a scenario has no section [{key}]"),
                    )
                    .with_help(format!(
                        "{fix}a scenario has [scenario], changes to the base's sections \
                         ({}), and [add.SECTION.NAME] for new items",
                        SECTIONS.join(", ")
                    )),
                );
            }
        }
        if let Some(Item::Value(Value::Array(a))) =
            root.get("scenario").and_then(|s| s.get("remove"))
        {
            self.removals(d, a);
        } else if let Some(item) = root.get("scenario").and_then(|s| s.get("remove")) {
            self.error(
                d,
                change_error(
                    item.span().unwrap_or(0..0),
                    "`remove` must be a list of items",
                    "write remove = [\"savings.one_off_solutions\"]",
                ),
            );
        }
        if let Some(add) = root.get("add") {
            self.additions(d, add);
        }
        for (section, item) in root.iter() {
            if section == "scenario" || section == "add" || !SECTIONS.contains(&section) {
                continue;
            }
            self.section_changes(d, section, item);
        }
        let h = header?;
        self.set_meta_text("name", &h.name);
        self.origin(vec!["meta".into(), "name".into()], d, h.name_span.clone());
        if let Some(desc) = &h.description {
            self.set_meta_text("description", desc);
            if let Some(span) = h.description_span.clone() {
                self.origin(vec!["meta".into(), "description".into()], d, span);
            }
        }
        Some(h.name)
    }

    fn set_meta_text(&mut self, key: &str, value: &str) {
        if let Some(t) = self.doc.get_mut("meta").and_then(Item::as_table_like_mut) {
            t.insert(key, toml_edit::value(value));
        }
    }

    fn removals(&mut self, d: usize, list: &toml_edit::Array) {
        for v in list.iter() {
            let span = v.span().unwrap_or(0..0);
            let Some(path) = v.as_str() else {
                self.error(
                    d,
                    change_error(span, "each removal is text", "write \"savings.NAME\""),
                );
                continue;
            };
            let parts: Vec<&str> = path.split('.').collect();
            let [section, name] = parts[..] else {
                self.error(
                    d,
                    change_error(
                        span,
                        format!("`{path}` is not SECTION.NAME"),
                        "name an item as savings.NAME, or savings.* for every item of a section",
                    ),
                );
                continue;
            };
            if section == "meta" || !SECTIONS.contains(&section) {
                self.error(
                    d,
                    change_error(
                        span,
                        format!("`{section}` is not a section whose items can be removed"),
                        format!("remove items of {}", SECTIONS[1..].join(", ")),
                    ),
                );
                continue;
            }
            for item in self.items(d, &span, section, name) {
                if let Some(t) = self.doc.get_mut(section).and_then(Item::as_table_like_mut) {
                    t.remove(&item);
                }
                if section == "drivers" {
                    self.removed_drivers.push((item.clone(), d, span.clone()));
                }
                self.origin(vec![section.to_string(), item], d, span.clone());
            }
        }
    }

    fn additions(&mut self, d: usize, add: &Item) {
        let Some(sections) = add.as_table() else {
            self.error(
                d,
                change_error(
                    add.span().unwrap_or(0..0),
                    "`add` must be a table",
                    "write [add.savings.NAME]",
                ),
            );
            return;
        };
        for (section, items) in sections.iter() {
            let span = items
                .span()
                .or_else(|| sections.key(section).and_then(toml_edit::Key::span))
                .unwrap_or(0..0);
            if section == "meta" || !SECTIONS.contains(&section) {
                self.error(
                    d,
                    change_error(
                        span,
                        format!("[add.{section}] is not a section items can be added to"),
                        format!("add items to {}", SECTIONS[1..].join(", ")),
                    ),
                );
                continue;
            }
            let Some(items) = items.as_table() else {
                self.error(
                    d,
                    change_error(
                        span,
                        format!("[add.{section}] must hold tables"),
                        format!("write [add.{section}.NAME]"),
                    ),
                );
                continue;
            };
            for (name, item) in items.iter() {
                self.add_item(d, section, name, item);
            }
        }
    }

    fn add_item(&mut self, d: usize, section: &str, name: &str, item: &Item) {
        let span = extent(item).unwrap_or(0..0);
        if self.names(section).iter().any(|n| n == name) {
            self.error(
                d,
                change_error(
                    span,
                    format!("`{section}.{name}` is already in the base model"),
                    format!("change it with [{section}.{name}], or give the new item another name"),
                ),
            );
            return;
        }
        if !self.place(d, section, name, item, span) {
            return;
        }
        if let Some(t) = item.as_table() {
            for (k, v) in t.iter() {
                if let Some(s) = kv_span(t.key(k), v) {
                    self.origin(
                        vec![section.to_string(), name.to_string(), k.to_string()],
                        d,
                        s,
                    );
                }
            }
        }
    }

    /// Puts the scenario's table `item` into the effective model as `section.name` (added,
    /// or replacing a stress case), printed after the section's last table, and records
    /// where it came from. False (with the error) when it cannot go there.
    pub(super) fn place(
        &mut self,
        d: usize,
        section: &str,
        name: &str,
        item: &Item,
        span: Range<usize>,
    ) -> bool {
        let Some(mut table) = owned_item(item).and_then(|i| i.into_table().ok()) else {
            self.error(
                d,
                change_error(
                    span,
                    format!("[{section}.{name}] must be a table"),
                    "write its fields as in a model file",
                ),
            );
            return false;
        };
        table.set_position(self.last_position(section));
        table.decor_mut().clear();
        let Some(sec) = self.section_table(section) else {
            self.error(
                d,
                change_error(
                    span,
                    format!("the base's `{section}` is not a section of items"),
                    format!("write it as [{section}.NAME] tables in the base"),
                ),
            );
            return false;
        };
        sec.insert(name, Item::Table(table));
        self.origin(vec![section.to_string(), name.to_string()], d, span);
        true
    }

    /// The position after the section's last table, so an added item prints with its
    /// section.
    pub(super) fn last_position(&self, section: &str) -> Option<isize> {
        let in_section = self
            .doc
            .get(section)
            .and_then(Item::as_table)
            .and_then(|sec| {
                sec.iter()
                    .filter_map(|(_, v)| v.as_table().and_then(Table::position))
                    .max()
                    .or(sec.position())
            });
        // A section the base does not have goes after everything.
        in_section.or_else(|| {
            let root = self.doc.as_table();
            let last = root
                .iter()
                .filter_map(|(_, v)| v.as_table())
                .flat_map(|t| {
                    std::iter::once(t.position()).chain(
                        t.iter()
                            .map(|(_, v)| v.as_table().and_then(Table::position)),
                    )
                })
                .flatten()
                .max()?;
            Some(last + 1)
        })
    }

    /// The section's table, created when the base has none; `None` when the base has it
    /// as something other than a table (which its builder reports).
    pub(super) fn section_table(&mut self, section: &str) -> Option<&mut dyn toml_edit::TableLike> {
        let root = self.doc.as_table_mut();
        if !root.contains_key(section) {
            let mut t = Table::new();
            t.set_implicit(true);
            root.insert(section, Item::Table(t));
        }
        root.get_mut(section).and_then(Item::as_table_like_mut)
    }
}

/// Text for a one-line TOML comment: control characters (line breaks, carriage returns,
/// …) as spaces.
fn comment_text(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// An item of the scenario file as an owned value of the effective document (spans and
/// raw text references dropped), keeping each number's literal text.
pub(super) fn owned_item(item: &Item) -> Option<Item> {
    let mut doc = DocumentMut::new();
    doc.as_table_mut().insert("x", item.clone());
    let text = doc.to_string();
    let mut parsed: DocumentMut = text.parse().ok()?;
    parsed.as_table_mut().remove("x")
}

/// From a key's start to its value's end.
pub(super) fn kv_span(key: Option<&toml_edit::Key>, value: &Item) -> Option<Range<usize>> {
    let v = extent(value)?;
    let start = key
        .and_then(toml_edit::Key::span)
        .map_or(v.start, |k| k.start.min(v.start));
    Some(start..v.end)
}

/// The range an item covers: a value's span, or a table's header and every entry.
pub(super) fn extent(item: &Item) -> Option<Range<usize>> {
    match item {
        Item::Value(v) => v.span(),
        Item::Table(t) => {
            let mut r = t.span();
            for (k, v) in t.iter() {
                if let Some(s) = kv_span(t.key(k), v) {
                    r = Some(match r {
                        Some(r) => r.start.min(s.start)..r.end.max(s.end),
                        None => s,
                    });
                }
            }
            r
        }
        _ => item.span(),
    }
}

/// Every driver name now, and those that are fixed: declared drivers and inline
/// distributions (`section.item.field`).
pub(super) fn drivers_now(doc: &DocumentMut) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut all = BTreeSet::new();
    let mut fixed = BTreeSet::new();
    let is_fixed =
        |t: &dyn toml_edit::TableLike| t.get("dist").and_then(Item::as_str) == Some("fixed");
    if let Some(ds) = doc.get("drivers").and_then(Item::as_table_like) {
        for (name, t) in ds.iter() {
            all.insert(name.to_string());
            if t.as_table_like().is_some_and(is_fixed) {
                fixed.insert(name.to_string());
            }
        }
    }
    for section in ["lines", "savings", "funding", "mitigation"] {
        let Some(items) = doc.get(section).and_then(Item::as_table_like) else {
            continue;
        };
        for (item, t) in items.iter() {
            let Some(t) = t.as_table_like() else { continue };
            for (field, v) in t.iter() {
                if let Some(inline) = v.as_table_like().filter(|i| i.contains_key("dist")) {
                    let name = format!("{section}.{item}.{field}");
                    if is_fixed(inline) {
                        fixed.insert(name.clone());
                    }
                    all.insert(name);
                }
            }
        }
    }
    (all, fixed)
}

/// An exact decimal from a TOML number's literal text or a `"5%"` string.
pub(super) fn decimal_of(v: &Value) -> Option<Decimal> {
    match v {
        Value::Integer(_) | Value::Float(_) => {
            let raw = v.clone().decorated("", "").to_string().replace('_', "");
            Decimal::from_str(&raw)
                .or_else(|_| Decimal::from_scientific(&raw))
                .ok()
        }
        Value::String(s) => crate::model::reader::percent(s.value()),
        _ => None,
    }
}

/// A decimal as a TOML number with its exact digits.
pub(super) fn number_value(d: Decimal) -> Value {
    let text = d.normalize().to_string();
    // An integer beyond TOML's 64 bits is written as a float: far beyond any figure a
    // model holds, so the builder refuses it with the limit, not as text.
    text.parse::<Value>().unwrap_or_else(|_| {
        format!(
            "{:e}",
            rust_decimal::prelude::ToPrimitive::to_f64(&d).unwrap_or(f64::MAX)
        )
        .parse()
        .unwrap_or_else(|_| Value::from(text))
    })
}

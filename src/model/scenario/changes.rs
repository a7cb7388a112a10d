//! The changes themselves: a scenario's tables of changed fields, `--set` expressions, and
//! the correlations pruned after them.

use std::collections::BTreeSet;
use std::ops::Range;

use rust_decimal::Decimal;
use toml_edit::{Item, TableLike, Value};

use super::overlay::{Overlay, decimal_of, drivers_now, kv_span, number_value, owned_item};
use super::set::{self, Op, SetExpr};
use super::{SetIn, change_error};
use crate::model::diagnostic::{Diagnostic, ProblemKind};

/// A driver's keys that are not its distribution: kept when `dist` is replaced.
const NOT_DISTRIBUTION: &[&str] = &[
    "label",
    "description",
    "source",
    "group",
    "path",
    "phi",
    "compound",
    "widen",
    "drift",
];

/// Fields that describe an item without changing a figure.
const WORDS: &[&str] = &["label", "description", "group", "source"];

/// Where a change lands: a section, an item of it (none for `[meta]`), and a field path.
struct At<'a> {
    section: &'a str,
    item: Option<&'a str>,
    fields: &'a [String],
}

impl At<'_> {
    fn path(&self) -> Vec<String> {
        let mut p = vec![self.section.to_string()];
        p.extend(self.item.map(str::to_string));
        p.extend(self.fields.iter().cloned());
        p
    }

    fn name(&self) -> String {
        self.path().join(".")
    }
}

impl Overlay<'_> {
    /// A changed section of the scenario file: `[meta]`, `[drivers.NAME]`, `[savings."*"]`,
    /// `[stress.NAME]` (added or replaced).
    pub(super) fn section_changes(&mut self, d: usize, section: &str, item: &Item) {
        let Some(table) = item.as_table_like() else {
            let span = item.span().unwrap_or(0..0);
            self.error(
                d,
                change_error(
                    span,
                    format!("[{section}] must be a table"),
                    "write its changes as keys",
                ),
            );
            return;
        };
        if section == "meta" {
            self.changed_fields(
                d,
                &At {
                    section,
                    item: None,
                    fields: &[],
                },
                table,
            );
            return;
        }
        for (name, t) in table.iter() {
            let span = super::overlay::extent(t).unwrap_or(0..0);
            let Some(fields) = t.as_table_like() else {
                self.error(
                    d,
                    change_error(
                        span,
                        format!("`{section}.{name}` must be a table of changes"),
                        format!("write [{section}.{name}] with the fields that change"),
                    ),
                );
                continue;
            };
            if section == "stress" {
                self.place(d, section, name, t, span);
                continue;
            }
            let header = t.span().unwrap_or(span.clone());
            let targets = self.items(d, &header, section, name);
            for target in &targets {
                self.changed_fields(
                    d,
                    &At {
                        section,
                        item: Some(target),
                        fields: &[],
                    },
                    fields,
                );
            }
            let figures = !targets.is_empty() && fields.iter().any(|(k, _)| !WORDS.contains(&k));
            if figures && !fields.contains_key("source") {
                self.warn(
                    d,
                    Diagnostic::warning(
                        ProblemKind::MissingField,
                        Some(header),
                        format!("the change to `{section}.{name}` keeps the base's source, which does not describe the changed figures"),
                    )
                    .with_help("add a source citing the change (and the base figure it replaces)"),
                );
            }
        }
    }

    /// Each key of a scenario table changes one field; `dist` first, since it drops the
    /// distribution's other keys.
    fn changed_fields(&mut self, d: usize, at: &At<'_>, table: &dyn TableLike) {
        let mut keys: Vec<&str> = table.iter().map(|(k, _)| k).collect();
        keys.sort_by_key(|k| *k != "dist");
        for key in keys {
            let v = table.get(key).expect("listed");
            let span = kv_span(table.key(key), v).unwrap_or(0..0);
            let mut fields = at.fields.to_vec();
            fields.push(key.to_string());
            let here = At {
                section: at.section,
                item: at.item,
                fields: &fields,
            };
            let nested = v.as_table_like().filter(|t| !t.contains_key("dist"));
            if let Some(inner) = nested
                && self
                    .field(&here)
                    .is_some_and(|f| f.as_table_like().is_some())
            {
                self.changed_fields(d, &here, inner);
                continue;
            }
            match owned_item(v) {
                Some(owned) => self.set_field(d, &here, owned, span),
                None => self.error(
                    d,
                    change_error(
                        span,
                        format!("cannot read the change to `{}`", here.name()),
                        "write it as in a model file",
                    ),
                ),
            }
        }
    }

    /// The item at a change's path, if there is one.
    fn field(&self, at: &At<'_>) -> Option<&Item> {
        let mut cur = self.doc.get(at.section)?;
        if let Some(i) = at.item {
            cur = cur.get(i)?;
        }
        for f in at.fields {
            cur = cur.as_table_like()?.get(f)?;
        }
        Some(cur)
    }

    /// The table a change's last field sits in, created along the way where missing.
    fn parent_mut(&mut self, at: &At<'_>) -> Option<&mut dyn TableLike> {
        let mut cur = self.doc.get_mut(at.section)?;
        if let Some(i) = at.item {
            cur = cur.get_mut(i)?;
        }
        let (_, inner) = at.fields.split_last()?;
        let mut t = cur.as_table_like_mut()?;
        for f in inner {
            t = t.get_mut(f)?.as_table_like_mut()?;
        }
        Some(t)
    }

    fn set_field(&mut self, d: usize, at: &At<'_>, value: Item, span: Range<usize>) {
        let key = at.fields.last().expect("a field").clone();
        let Some(value) = value.into_value().ok() else {
            return;
        };
        let is_driver_level = at.section == "drivers" && at.fields.len() == 1;
        let Some(parent) = self.parent_mut(at) else {
            let name = at.name();
            self.error(
                d,
                change_error(
                    span,
                    format!("`{name}` is not a place in the base model that can be set"),
                    "set a field of an item, or of an inline distribution it has",
                ),
            );
            return;
        };
        if key == "dist" && (is_driver_level || parent.contains_key("dist")) {
            drop_distribution(parent);
        }
        parent.insert(&key, Item::Value(value));
        self.origin(at.path(), d, span);
    }

    /// One `--set` expression (or stress entry).
    pub(super) fn set_in(&mut self, s: &SetIn) {
        let e = match set::parse(&s.text) {
            Ok(e) => e,
            Err(err) => {
                let span = s.offset + err.span.start..s.offset + err.span.end;
                self.error(
                    s.doc,
                    Diagnostic::error(ProblemKind::InvalidValue, Some(span), err.message)
                        .with_help(err.help),
                );
                return;
            }
        };
        let whole = s.offset..s.offset + s.text.len();
        let path_span = s.offset + e.path_span.start..s.offset + e.path_span.end;
        let p = &e.path;
        let (section, name, fields): (&str, Option<&str>, &[String]) = if p[0] == "stress" {
            self.error(
                s.doc,
                change_error(
                    path_span,
                    "stress cases are not set with --set",
                    "run them with gapsim stress",
                ),
            );
            return;
        } else if p[0] == "meta" {
            ("meta", None, &p[1..])
        } else if super::overlay::SECTIONS.contains(&p[0].as_str()) {
            if p.len() < 2 {
                self.error(
                    s.doc,
                    change_error(
                        path_span,
                        format!("`{}` names a section, not an item", p[0]),
                        format!("write {}.NAME.FIELD=VALUE", p[0]),
                    ),
                );
                return;
            }
            (p[0].as_str(), Some(p[1].as_str()), &p[2..])
        } else {
            ("drivers", Some(p[0].as_str()), &p[1..])
        };
        if section == "meta" && fields.is_empty() {
            self.error(
                s.doc,
                change_error(
                    path_span,
                    "`meta` needs a field",
                    "write meta.net_budget=1500",
                ),
            );
            return;
        }
        let items = match name {
            Some(n) => self.items(s.doc, &path_span, section, n),
            None => vec![String::new()],
        };
        for item in &items {
            let at = At {
                section,
                item: name.map(|_| item.as_str()),
                fields,
            };
            self.expr_at(s.doc, &e, &at, whole.clone());
        }
    }

    fn expr_at(&mut self, d: usize, e: &SetExpr, at: &At<'_>, span: Range<usize>) {
        let value: Value = e
            .value
            .parse()
            .unwrap_or_else(|_| Value::from(e.value.clone()));
        let value_span = span.start + e.value_span.start..span.start + e.value_span.end;
        match (e.op, at.fields.is_empty()) {
            (Op::Set, false) => self.set_field(d, at, Item::Value(value), span),
            (Op::Set, true) => self.fix_driver(d, at, value, value_span, span),
            (op, _) => {
                let Some(mut k) = decimal_of(&value) else {
                    self.error(
                        d,
                        change_error(
                            value_span,
                            format!("`{}` needs a number", op.symbol()),
                            "write a number, e.g. pay_award+=0.03",
                        ),
                    );
                    return;
                };
                if e.negate {
                    k = -k;
                }
                self.arithmetic(d, at, op, k, span);
            }
        }
    }

    /// `NAME=VALUE`: the driver fixed at a number.
    fn fix_driver(
        &mut self,
        d: usize,
        at: &At<'_>,
        value: Value,
        value_span: Range<usize>,
        span: Range<usize>,
    ) {
        if at.section != "drivers" {
            self.error(
                d,
                change_error(
                    span,
                    format!("`{}` names an item, not a field", at.name()),
                    format!("write {}.FIELD=VALUE", at.name()),
                ),
            );
            return;
        }
        if decimal_of(&value).is_none() {
            self.error(
                d,
                change_error(
                    value_span,
                    format!("fixing the driver `{}` needs a number", at.name()),
                    "write NAME=0.05, or NAME.dist=... to change its distribution",
                ),
            );
            return;
        }
        let Some(t) = self
            .doc
            .get_mut("drivers")
            .and_then(|s| s.get_mut(at.item.unwrap_or_default()))
            .and_then(Item::as_table_like_mut)
        else {
            return;
        };
        drop_distribution(t);
        t.insert("dist", toml_edit::value("fixed"));
        t.insert("value", Item::Value(value));
        self.origin(at.path(), d, span);
    }

    /// `+=` and `*=`: on a number or a series, exactly in decimals; on a distribution, its
    /// shift and scale.
    fn arithmetic(&mut self, d: usize, at: &At<'_>, op: Op, k: Decimal, span: Range<usize>) {
        let name = at.name();
        let result = if at.fields.is_empty() {
            match self
                .doc
                .get_mut("drivers")
                .and_then(|s| s.get_mut(at.item.unwrap_or_default()))
                .and_then(Item::as_table_like_mut)
            {
                Some(t) => affine(t, op, k),
                None => Err(format!("`{name}` is not a driver")),
            }
        } else {
            let key = at.fields.last().expect("a field").clone();
            match self.parent_mut(at) {
                Some(parent) => change_value(parent, &key, op, k),
                None => Err(format!("`{name}` is not in the base model")),
            }
        };
        match result {
            Ok(()) => self.origin(at.path(), d, span),
            Err(message) => self.error(
                d,
                change_error(
                    span,
                    message,
                    "use = to set a value, or change the driver itself (NAME+=VALUE)",
                ),
            ),
        }
    }

    /// Drops, from every correlation, the drivers that were there before the changes and
    /// are now gone or fixed; a correlation left with fewer than two drivers goes.
    pub(super) fn prune_correlations(
        &mut self,
        before: &(BTreeSet<String>, BTreeSet<String>),
    ) -> Vec<String> {
        let (all, fixed) = drivers_now(&self.doc);
        let gone = |n: &str| {
            before.0.contains(n)
                && (!all.contains(n) || (fixed.contains(n) && !before.1.contains(n)))
        };
        let mut notes = Vec::new();
        let Some(corr) = self
            .doc
            .get_mut("correlations")
            .and_then(Item::as_table_like_mut)
        else {
            return notes;
        };
        let mut emptied = Vec::new();
        for (name, t) in corr.iter_mut() {
            let Some(list) = t.get_mut("drivers").and_then(Item::as_array_mut) else {
                continue;
            };
            let dropped: Vec<String> = list
                .iter()
                .filter_map(Value::as_str)
                .filter(|n| gone(n))
                .map(str::to_string)
                .collect();
            if dropped.is_empty() {
                continue;
            }
            list.retain(|v| !v.as_str().is_some_and(gone));
            let left = list.len();
            notes.push(format!(
                "correlations.{name}: {} dropped, removed or fixed by the changes{}",
                dropped.join(", "),
                if left < 2 {
                    "; the correlation goes with them"
                } else {
                    ""
                }
            ));
            if left < 2 {
                emptied.push(name.to_string());
            }
        }
        for name in emptied {
            corr.remove(&name);
        }
        notes
    }
}

fn drop_distribution(t: &mut dyn TableLike) {
    let keys: Vec<String> = t
        .iter()
        .map(|(k, _)| k.to_string())
        .filter(|k| !NOT_DISTRIBUTION.contains(&k.as_str()))
        .collect();
    for k in keys {
        t.remove(&k);
    }
}

/// A distribution's shift and scale moved: x ↦ x + k adds k to the shift; x ↦ k·x
/// multiplies both.
fn affine(t: &mut dyn TableLike, op: Op, k: Decimal) -> Result<(), String> {
    if !t.contains_key("dist") {
        return Err("only a distribution can be shifted or scaled".into());
    }
    let get =
        |t: &dyn TableLike, key: &str| t.get(key).and_then(Item::as_value).and_then(decimal_of);
    let shift = get(t, "shift").unwrap_or(Decimal::ZERO);
    let scale = get(t, "scale").unwrap_or(Decimal::ONE);
    let (shift, scale) = match op {
        Op::Add => (shift.checked_add(k), Some(scale)),
        _ => (shift.checked_mul(k), scale.checked_mul(k)),
    };
    let (Some(shift), Some(scale)) = (shift, scale) else {
        return Err(
            "the change takes the distribution's shift or scale beyond any figure a model holds"
                .into(),
        );
    };
    if !shift.is_zero() || t.contains_key("shift") {
        t.insert("shift", Item::Value(number_value(shift)));
    }
    if scale != Decimal::ONE || t.contains_key("scale") {
        t.insert("scale", Item::Value(number_value(scale)));
    }
    Ok(())
}

fn change_value(parent: &mut dyn TableLike, key: &str, op: Op, k: Decimal) -> Result<(), String> {
    let apply = |x: Decimal| match op {
        Op::Add => x.checked_add(k),
        _ => x.checked_mul(k),
    };
    let Some(item) = parent.get_mut(key) else {
        return Err(format!("there is no `{key}` to change here: set it with ="));
    };
    if let Some(inline) = item.as_table_like_mut() {
        return affine(inline, op, k);
    }
    let Some(value) = item.as_value_mut() else {
        return Err(format!("`{key}` cannot be changed with {}", op.symbol()));
    };
    let new = match &*value {
        Value::String(s) if decimal_of(&Value::from(s.value().clone())).is_none() => {
            return Err(format!(
                "`{key}` names the driver `{}`: change the driver itself, `{}{}…` (every item using it moves)",
                s.value(),
                s.value(),
                op.symbol()
            ));
        }
        Value::Array(a) => {
            let mut out = toml_edit::Array::new();
            for v in a.iter() {
                match decimal_of(v).and_then(apply) {
                    Some(x) => out.push(number_value(x)),
                    None => {
                        return Err(format!(
                            "`{key}` lists drivers or text: change each driver itself"
                        ));
                    }
                }
            }
            Value::Array(out)
        }
        v => match decimal_of(v).and_then(apply) {
            Some(x) => number_value(x),
            None => return Err(format!("`{key}` is not a number")),
        },
    };
    let decor = value.decor().clone();
    *value = new;
    *value.decor_mut() = decor;
    Ok(())
}

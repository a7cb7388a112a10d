//! Builds a checked [`Model`] from the spanned TOML tree, collecting every problem.

use std::collections::HashMap;
use std::ops::Range;

use rust_decimal::Decimal;
use toml::de::{DeTable, DeValue};

use super::diagnostic::{Diagnostic, ProblemKind, Severity, line_col};
use super::reader::{Ctx, Table, Text, as_table, check_name, check_text, type_name};
use super::{Driver, DriverId, DriverOrigin, LoadOptions, Loaded, Meta, Model, ReserveKind, Unit};

mod correlations;
mod distribution;
mod inputs;
mod items;
mod roles;

use roles::{Role, percent};

const SECTIONS: &[&str] = &[
    "meta",
    "drivers",
    "lines",
    "savings",
    "funding",
    "mitigation",
    "reserves",
    "correlations",
];

/// The smallest `[meta]` section, shown as the fix when it is missing.
const MINIMAL_META: &str = "    [meta]\n    name = \"Council 2025/26\"\n    council = \"Council\"\n    \
                            year = \"2025/26\"\n    unit = \"£m\"";

/// The smallest spending line, shown as the fix for a model with nothing to simulate.
const MINIMAL_LINE: &str = "    [lines.adult_care]\n    kind = \"simple\"\n    base = 100\n    \
                            growth = 0.05\n    budget = 103\n    source = \"assumption: ...\"";

/// The smallest `[reserves]` section, shown as the fix when it is missing.
const MINIMAL_RESERVE: &str = "    [reserves.general_fund]\n    kind = \"general_fund\"\n    \
                               amount = 40\n    source = \"...\"";

const SOURCE_HELP: &str = "every figure needs a `source`: a seed file and paragraph, a public \
     address, or `assumption: ...` saying why the figure is reasonable";

/// Where a name was first defined, for duplicate checks.
struct Seen {
    span: Range<usize>,
    section: &'static str,
}

struct Builder<'s> {
    src: &'s str,
    /// The model's unit, once `[meta]` is read (for checking the size of cohort lines).
    unit: Option<Unit>,
    /// Label of the item being read, for naming its inline drivers.
    current_label: String,
    options: LoadOptions,
    ctx: Ctx,
    drivers: Vec<Driver>,
    declared: HashMap<String, DriverId>,
    used: Vec<bool>,
    names: HashMap<String, Seen>,
}

/// Builds the model, or returns every diagnostic (errors and warnings) if any is an error.
pub(super) fn build(src: &str, options: &LoadOptions) -> Result<Loaded, Vec<Diagnostic>> {
    let (doc, errors) = DeTable::parse_recoverable(src);
    let mut b = Builder {
        src,
        unit: None,
        current_label: String::new(),
        options: options.clone(),
        ctx: Ctx::default(),
        drivers: Vec::new(),
        declared: HashMap::new(),
        used: Vec::new(),
        names: HashMap::new(),
    };
    for e in &errors {
        b.ctx.push(
            Diagnostic::error(ProblemKind::Syntax, e.span(), syntax_message(e.message()))
                .with_help(syntax_help(e.message())),
        );
    }
    if !errors.is_empty() {
        // A file that does not parse would only produce confusing follow-on errors.
        return Err(b.ctx.diags);
    }
    let root = Table {
        path: "model",
        span: doc.span(),
        entries: doc.get_ref(),
    };
    check_text(&mut b.ctx, doc.get_ref(), "");
    let model = b.model(&root);
    let mut diags = b.ctx.diags;
    diags.sort_by_key(|d| d.span.as_ref().map_or(usize::MAX, |s| s.start));
    match model {
        Some(model) if diags.iter().all(|d| d.severity == Severity::Warning) => Ok(Loaded {
            model,
            warnings: diags,
        }),
        _ => Err(diags),
    }
}

fn syntax_message(m: &str) -> String {
    format!("this is not valid TOML: {m}")
}

fn syntax_help(m: &str) -> String {
    if m.contains("duplicate key") {
        "each name can appear only once in a section; rename or remove one of them".into()
    } else if m.contains("string") || m.contains("quote") {
        "check that every text value is in double quotes, and each quote is closed".into()
    } else {
        "check the line for a missing `=`, quote, bracket or comma".into()
    }
}

impl Builder<'_> {
    fn model(&mut self, root: &Table<'_, '_>) -> Option<Model> {
        root.only(&mut self.ctx, SECTIONS, "a model");
        let meta = match root.get("meta") {
            Some(v) => as_table(&mut self.ctx, "meta", v, "write a [meta] section")
                .and_then(|t| self.meta(&t)),
            None => {
                // At the top of the file, where the section belongs.
                self.ctx.push(
                    Diagnostic::error(
                        ProblemKind::MissingField,
                        Some(0..0),
                        "the model has no [meta] section",
                    )
                    .with_help(format!(
                        "add it at the top of the file (see docs/model-format.md):\n{MINIMAL_META}"
                    )),
                );
                None
            }
        };

        // Drivers first: lines and savings refer to them by name.
        for (name, t) in self.section(root, "drivers") {
            self.declared_driver(&name, &t);
        }
        let mut lines = Vec::new();
        for (name, t) in self.section(root, "lines") {
            if let Some(l) = self.line(&name, &t) {
                lines.push(l);
            }
        }
        let mut savings = Vec::new();
        for (name, t) in self.section(root, "savings") {
            if let Some(s) = self.saving(&name, &t) {
                savings.push(s);
            }
        }
        let mut funding = Vec::new();
        for (name, t) in self.section(root, "funding") {
            if let Some(f) = self.funding(&name, &t) {
                funding.push(f);
            }
        }
        let mut mitigations = Vec::new();
        for (name, t) in self.section(root, "mitigation") {
            if let Some(m) = self.mitigation(&name, &t) {
                mitigations.push(m);
            }
        }
        let mut reserves = Vec::new();
        let reserves_present = root.has("reserves");
        for (name, t) in self.section(root, "reserves") {
            if let Some(r) = self.reserve(&name, &t) {
                reserves.push(r);
            }
        }

        let correlation = self.correlations(root);

        let section_count = |key: &str| -> usize {
            root.get(key)
                .and_then(|v| match v.get_ref() {
                    DeValue::Table(t) => Some(t.len()),
                    _ => None,
                })
                .unwrap_or(0)
        };
        // Sections that are missing altogether are reported at the end of the file, where
        // they can be added.
        let end = self.src.len()..self.src.len();
        if section_count("lines") == 0 && section_count("savings") == 0 {
            let at = root
                .get("lines")
                .or_else(|| root.get("savings"))
                .map_or(end.clone(), |v| v.span());
            self.ctx.push(
                Diagnostic::error(
                    ProblemKind::Empty,
                    Some(at),
                    "the model has no spending lines and no savings, so there is nothing to \
                     simulate",
                )
                .with_help(format!(
                    "add at least one spending line or saving (see docs/model-format.md), \
                     e.g.:\n{MINIMAL_LINE}"
                )),
            );
        }
        if !reserves_present {
            self.ctx.push(
                Diagnostic::error(
                    ProblemKind::MissingField,
                    Some(end),
                    "the model has no [reserves] section, so an S114-level shortfall is undefined",
                )
                .with_help(format!(
                    "add the general fund balance (see docs/model-format.md):\n{MINIMAL_RESERVE}"
                )),
            );
        } else if reserves.iter().all(|r| r.kind != ReserveKind::GeneralFund)
            && section_count("reserves") > 0
            && self.errors() == 0
        {
            self.ctx.push(
                Diagnostic::warning(
                    ProblemKind::MissingField,
                    Some(root.span_of("reserves")),
                    "no reserve has kind = \"general_fund\"; usable reserves are only the \
                     releasable earmarked ones",
                )
                .with_help(format!(
                    "add the general fund balance as a reserve:\n{MINIMAL_RESERVE}"
                )),
            );
        }

        for (i, d) in self.drivers.iter().enumerate() {
            if d.origin == DriverOrigin::Declared && !self.used[i] {
                let span = self.names.get(&d.name).map(|s| s.span.clone());
                self.ctx.push(
                    Diagnostic::warning(
                        ProblemKind::UnknownName,
                        span,
                        format!("driver `{}` is defined but never used", d.name),
                    )
                    .with_help("refer to it from a line, saving or funding item, or remove it"),
                );
            }
        }

        Some(Model {
            meta: meta?,
            drivers: std::mem::take(&mut self.drivers),
            lines,
            savings,
            funding,
            mitigations,
            reserves,
            correlation: correlation?,
        })
    }

    fn errors(&self) -> usize {
        self.ctx
            .diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    /// The named tables under a section such as `[lines]`, each checked to be a table with
    /// a usable, unique name.
    fn section<'a, 'i>(
        &mut self,
        root: &Table<'a, 'i>,
        key: &'static str,
    ) -> Vec<(Text, OwnedTable<'a, 'i>)> {
        let Some(v) = root.get(key) else {
            return Vec::new();
        };
        let help = format!("write each item as its own [{key}.NAME] section");
        let Some(t) = as_table(&mut self.ctx, key, v, &help) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, v) in t.entries.iter() {
            let name = k.get_ref().to_string();
            let path = format!("{key}.{name}");
            let DeValue::Table(entries) = v.get_ref() else {
                self.ctx.error(
                    ProblemKind::WrongType,
                    v.span(),
                    format!(
                        "`{path}` should be a table of fields, found {}",
                        type_name(v.get_ref())
                    ),
                    format!("write it as a [{path}] section with its fields below"),
                );
                continue;
            };
            if !check_name(&mut self.ctx, &name, k.span()) {
                continue;
            }
            self.claim_name(&name, k.span(), key);
            out.push((
                Text {
                    value: name,
                    span: k.span(),
                },
                OwnedTable {
                    path,
                    span: v.span(),
                    entries,
                },
            ));
        }
        out
    }

    /// Records a name, reporting it if another section already uses it.
    fn claim_name(&mut self, name: &str, span: Range<usize>, section: &'static str) {
        if let Some(first) = self.names.get(name) {
            let (line, _) = line_col(self.src, first.span.start);
            self.ctx.error(
                ProblemKind::DuplicateName,
                span,
                format!(
                    "the name `{name}` is already used by [{}.{name}] on line {line}",
                    first.section
                ),
                "names must be unique across the whole model, so that reports and the \
                 command line can refer to each item by name; rename one of them",
            );
        } else {
            self.names.insert(name.to_string(), Seen { span, section });
        }
    }

    fn meta(&mut self, t: &Table<'_, '_>) -> Option<Meta> {
        t.only(
            &mut self.ctx,
            &[
                "name",
                "council",
                "year",
                "unit",
                "net_budget",
                "description",
            ],
            "[meta]",
        );
        let name = t.req_text(
            &mut self.ctx,
            "name",
            "give the model a name, e.g. name = \"Kent 2024/25\"",
        );
        let council = t.req_text(&mut self.ctx, "council", "name the council");
        let year = t.req_text(
            &mut self.ctx,
            "year",
            "give the financial year, e.g. year = \"2024/25\"",
        );
        let unit = t.req_text(&mut self.ctx, "unit", "unit = \"£m\" or unit = \"£\"");
        let description = t.text(&mut self.ctx, "description");
        let net_budget = if t.has("net_budget") {
            self.amount(
                t,
                "net_budget",
                true,
                "the council's net revenue budget for the year, in the model's unit, e.g. \
                 net_budget = 1429.0",
            )
            .map(Some)
        } else {
            Some(None)
        };
        // Only the two documented spellings: one way of writing each unit keeps model
        // files uniform to read and compare, and every report prints the symbol anyway.
        // Other spellings of the same units get the exact fix.
        let unit = unit.and_then(|u| match u.value.as_str() {
            "£m" => Some(Unit::Millions),
            "£" => Some(Unit::Pounds),
            other => {
                let squashed: String = other
                    .to_lowercase()
                    .chars()
                    .filter(|c| c.is_alphanumeric() || *c == '£')
                    .collect();
                let help = match squashed.as_str() {
                    "gbpm" | "gbpmillion" | "gbpmillions" | "m" | "millions" | "£million"
                    | "£millions" | "£mn" | "gbpmn" | "mn" => {
                        "write unit = \"£m\" for millions of pounds: it is the one spelling \
                         gapsim accepts"
                    }
                    "gbp" | "pounds" | "pound" | "£s" => {
                        "write unit = \"£\" for pounds: it is the one spelling gapsim accepts"
                    }
                    _ => "write unit = \"£m\" (millions of pounds) or unit = \"£\" (pounds)",
                };
                self.ctx.error(
                    ProblemKind::InvalidValue,
                    u.span,
                    format!("unit `{other}` is not known"),
                    help,
                );
                None
            }
        });
        self.unit = unit;
        Some(Meta {
            name: name?.value,
            council: council?.value,
            year: year?.value,
            unit: unit?,
            net_budget: net_budget?,
            description: description.map(|d| d.value).unwrap_or_default(),
        })
    }

    fn push_driver(&mut self, d: Driver) -> DriverId {
        self.drivers.push(d);
        self.used.push(false);
        DriverId(self.drivers.len() - 1)
    }

    fn source(&mut self, t: &Table<'_, '_>) -> Option<String> {
        t.req_text(&mut self.ctx, "source", SOURCE_HELP)
            .map(|s| s.value)
    }

    /// The item's label (its name when it has none); inline drivers read after this are
    /// labelled from it.
    fn label(&mut self, t: &Table<'_, '_>, name: &Text) -> String {
        let label = t
            .text(&mut self.ctx, "label")
            .map_or_else(|| name.value.clone(), |l| l.value);
        self.current_label.clone_from(&label);
        label
    }

    /// A money amount or count that must be >= 0 (or > 0 when `positive`).
    fn amount(
        &mut self,
        t: &Table<'_, '_>,
        key: &str,
        positive: bool,
        help: &str,
    ) -> Option<Decimal> {
        let n = t.req_number(&mut self.ctx, key, help)?;
        let bad = if positive {
            n.value <= Decimal::ZERO
        } else {
            n.value < Decimal::ZERO
        };
        if bad {
            self.ctx.error(
                ProblemKind::OutOfRange,
                n.span,
                format!(
                    "`{}.{key}` must be {}, found {}",
                    t.path,
                    if positive {
                        "greater than 0"
                    } else {
                        "0 or more"
                    },
                    n.value
                ),
                help,
            );
            return None;
        }
        Some(n.value)
    }
}

/// A named item's table with its owned path.
struct OwnedTable<'a, 'i> {
    path: String,
    span: Range<usize>,
    entries: &'a DeTable<'i>,
}

impl<'i> OwnedTable<'_, 'i> {
    fn table(&self) -> Table<'_, 'i> {
        Table {
            path: &self.path,
            span: self.span.clone(),
            entries: self.entries,
        }
    }
}

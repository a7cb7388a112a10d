//! Builds a checked [`Model`] from the spanned TOML tree, collecting every problem.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use rust_decimal::Decimal;
use toml::de::{DeTable, DeValue};

use super::diagnostic::{Diagnostic, Lines, ProblemKind, Severity};
use super::reader::{Ctx, Table, Text, as_table, type_name};
use super::text::{check_characters, check_name, check_text};
use super::{
    Driver, DriverId, DriverOrigin, Horizon, LoadOptions, Loaded, Meta, Model, ReserveKind, Unit,
};

mod bounds;
mod conflict;
mod correlations;
mod distribution;
mod inputs;
mod items;
mod paths;
mod plausible;
mod reserves_plan;
mod roles;
mod series;
mod years;

use roles::Role;

/// A model's sections (a scenario changes the same ones).
pub(super) const SECTIONS: &[&str] = &[
    "meta",
    "drivers",
    "lines",
    "savings",
    "funding",
    "mitigation",
    "reserves",
    "correlations",
    // Named stress cases, read by `model::scenario`.
    "stress",
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

/// What the builder knows of a driver beyond the model's [`Driver`]: where its central
/// value is written, and whether it was written in percentages.
#[derive(Debug, Clone, Default)]
struct DriverInfo {
    /// The parameter that says where it is centred (`mode`, `mean`, `median`, `value`),
    /// with the mode of a three-point estimate.
    central: Option<(Range<usize>, Option<f64>)>,
    /// Where a percentage in quotes was first written in it.
    percent: Option<Range<usize>>,
    /// Whether a warning about its central value was given already.
    warned: bool,
    /// Its path over the years, when its table says one (`path = "walk"`, ...).
    path: Option<super::Path>,
    /// Whether, saying none, it is drawn afresh each year of a model of several years:
    /// the inline drivers of a risk line (whether it happens, its cost) and of a
    /// mitigation's capacity, which are about the year they fall in.
    yearly: bool,
}

struct Builder<'s> {
    src: &'s str,
    /// Line numbers of the text, for messages that name another line.
    lines: Lines<'s>,
    /// The model's unit, once `[meta]` is read (for checking the size of cohort lines).
    unit: Option<Unit>,
    /// Label of the item being read, for naming its inline drivers.
    current_label: String,
    options: LoadOptions,
    ctx: Ctx,
    drivers: Vec<Driver>,
    declared: HashMap<String, DriverId>,
    used: Vec<bool>,
    /// One per driver, beside `drivers`.
    info: Vec<DriverInfo>,
    /// Drivers whose definition failed (declared names, and inline ones by their full
    /// name): they were reported where they are defined, so uses of them are not.
    failed: HashSet<String>,
    names: HashMap<String, Seen>,
    /// What the model says about the years it spans, read beside the items.
    years: years::Years,
}

/// Builds the model, or returns every diagnostic (errors and warnings) if any is an error.
pub(super) fn build(src: &str, options: &LoadOptions) -> Result<Loaded, Vec<Diagnostic>> {
    if let Some(d) = super::text::too_large(src.len()) {
        return Err(vec![d]);
    }
    let mut b = Builder {
        src,
        lines: Lines::new(src),
        unit: None,
        current_label: String::new(),
        options: options.clone(),
        ctx: Ctx::default(),
        drivers: Vec::new(),
        declared: HashMap::new(),
        used: Vec::new(),
        info: Vec::new(),
        failed: HashSet::new(),
        names: HashMap::new(),
        years: years::Years::default(),
    };
    check_characters(&mut b.ctx, src);
    let (doc, errors) = DeTable::parse_recoverable(src);
    for e in &errors {
        b.ctx.push(
            Diagnostic::error(ProblemKind::Syntax, e.span(), syntax_message(e.message()))
                .with_help(syntax_help(src, e.span(), e.message())),
        );
    }
    if !errors.is_empty() {
        // A file that does not parse would only produce confusing follow-on errors.
        let mut diags = b.ctx.finish();
        diags.sort_by_key(|d| d.span.as_ref().map_or(usize::MAX, |s| s.start));
        return Err(diags);
    }
    let root = Table {
        path: "model",
        span: doc.span(),
        entries: doc.get_ref(),
    };
    check_text(&mut b.ctx, src, doc.get_ref(), "");
    let model = b.model(&root);
    let mut diags = b.ctx.finish();
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

fn syntax_help(src: &str, span: Option<Range<usize>>, m: &str) -> String {
    if let Some(fix) = span.and_then(|s| thousands_separators(src, s.start)) {
        return fix;
    }
    if m.contains("duplicate key") {
        "each name can appear only once in a section; rename or remove one of them".into()
    } else if m.contains("string") || m.contains("quote") {
        "check that every text value is in double quotes, and each quote is closed".into()
    } else {
        "check the line for a missing `=`, quote, bracket or comma".into()
    }
}

/// The fix for a number written with thousands separators, as pasted from a spreadsheet
/// (`clients = 5,200`, which TOML reads as a number and then a stray `,200`), when the line
/// at `at` holds one.
fn thousands_separators(src: &str, at: usize) -> Option<String> {
    // Only a short line is looked at: a number with separators is a few characters, and
    // a file with a thousand errors on one long line must not be scanned a thousand times.
    const LOOK: usize = 200;
    let at = at.min(src.len());
    let boundary = |mut i: usize| {
        while !src.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let at = boundary(at);
    let from = boundary(at.saturating_sub(LOOK));
    let to = boundary((at + LOOK).min(src.len()));
    let start = match src[from..at].rfind('\n') {
        Some(i) => from + i + 1,
        None if from == 0 => 0,
        None => return None,
    };
    let end = match src[at..to].find('\n') {
        Some(i) => at + i,
        None if to == src.len() => to,
        None => return None,
    };
    let line = &src[start..end];
    let (key, value) = line.split_once('=')?;
    let value = value.split('#').next()?.trim();
    let digits = value.strip_prefix('-').unwrap_or(value);
    let (whole, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let mut groups = whole.split(',');
    let first = groups.next()?;
    let rest: Vec<&str> = groups.collect();
    let is_digits = |g: &str| !g.is_empty() && g.chars().all(|c| c.is_ascii_digit());
    let ok = !rest.is_empty()
        && is_digits(first)
        && first.len() <= 3
        && rest.iter().all(|g| g.len() == 3 && is_digits(g))
        && fraction.is_none_or(is_digits);
    if !ok {
        return None;
    }
    let plain: String = value.chars().filter(|&c| c != ',').collect();
    let underscored = value.replace(',', "_");
    Some(format!(
        "TOML numbers have no thousands separators (a comma separates list items): write \
         {} = {plain} or {} = {underscored}",
        key.trim(),
        key.trim()
    ))
}

impl Builder<'_> {
    fn model(&mut self, root: &Table<'_, '_>) -> Option<Model> {
        if root.has("monitoring") && !root.has("meta") {
            // An in-year position given where a model belongs: one error that says what
            // the file is, not one for each of its lines that a model would cost otherwise.
            self.ctx.error(
                ProblemKind::InvalidValue,
                root.span_of("monitoring"),
                "this is an in-year monitoring position ([monitoring]), not a budget model",
                "re-forecast it with `gapsim monitor FILE` (several positions of one year: \
                 `gapsim journey FILE…`); a budget model starts with a [meta] section",
            );
            return None;
        }
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
            match self.line(&name, &t) {
                Some(l) => lines.push(l),
                None => self.item_failed(&t.path),
            }
        }
        let mut savings = Vec::new();
        for (name, t) in self.section(root, "savings") {
            match self.saving(&name, &t) {
                Some(s) => savings.push(s),
                None => self.item_failed(&t.path),
            }
        }
        let mut funding = Vec::new();
        for (name, t) in self.section(root, "funding") {
            match self.funding(&name, &t) {
                Some(f) => funding.push(f),
                None => self.item_failed(&t.path),
            }
        }
        let mut mitigations = Vec::new();
        for (name, t) in self.section(root, "mitigation") {
            match self.mitigation(&name, &t) {
                Some(m) => mitigations.push(m),
                None => self.item_failed(&t.path),
            }
        }
        let mut reserves = Vec::new();
        let reserves_present = root.has("reserves");
        for (name, t) in self.section(root, "reserves") {
            match self.reserve(&name, &t) {
                Some(r) => reserves.push(r),
                None => self.item_failed(&t.path),
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
            && self.ctx.errors() == 0
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

        let mut model = Model {
            meta: meta?,
            drivers: std::mem::take(&mut self.drivers),
            lines,
            savings,
            funding,
            mitigations,
            reserves,
            correlation: correlation?,
            horizon: Horizon {
                years: Vec::new(),
                net_budget: Vec::new(),
                reserves_floor: None,
                planned_reserves: Vec::new(),
                lines: Vec::new(),
                savings: Vec::new(),
                funding: Vec::new(),
                mitigations: Vec::new(),
                paths: Vec::new(),
            },
        };
        model.horizon = self.horizon(&model);
        // What holds only of a whole model that is otherwise sound: a model with errors
        // would give figures that mean nothing.
        if self.ctx.errors() == 0 {
            self.check_bounds(&model);
        }
        if self.ctx.errors() == 0 {
            self.check_plausible(&model, root);
        }
        Some(model)
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
            let line = self.lines.line(first.span.start);
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
                "horizon",
                "years",
                "reserves_floor",
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
        self.read_years(t, year.as_ref());
        let unit = t.req_text(&mut self.ctx, "unit", "unit = \"£m\" or unit = \"£\"");
        let description = t.text(&mut self.ctx, "description");
        let net_budget = if t.has("net_budget") {
            self.net_budget(
                t,
                "the council's net revenue budget for the year, in the model's unit, e.g. \
                 net_budget = 1429.0",
            )
            .map(Some)
        } else {
            self.ctx.push(
                Diagnostic::warning(
                    ProblemKind::MissingField,
                    Some(t.span.clone()),
                    "[meta] has no `net_budget`, so figures cannot be checked against the \
                     council's net revenue budget (a line or reserve out of all proportion \
                     to it is likely a unit mistake), nor stated as shares of it, as CIPFA \
                     practice and section 25 reports state reserves",
                )
                .with_help(
                    "add the net revenue budget for the year, in the model's unit, from the \
                     budget report (the \"net revenue budget\" or \"budget requirement\"), \
                     e.g. net_budget = 1429.0 for £1,429m, with its source in a comment",
                ),
            );
            Some(None)
        };
        self.reserves_floor(t);
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
                const BOTH: &str = "gapsim accepts two spellings: unit = \"£m\" when money \
                                    amounts are in millions of pounds (as most council \
                                    budgets are written) and unit = \"£\" when they are in \
                                    pounds";
                let help = match squashed.as_str() {
                    "gbpm" | "gbpmillion" | "gbpmillions" | "m" | "millions" | "£million"
                    | "£millions" | "£mn" | "gbpmn" | "mn" => {
                        format!("{BOTH}; `{other}` reads as millions, so write unit = \"£m\"")
                    }
                    "gbp" | "pounds" | "pound" | "£s" => format!(
                        "{BOTH}; `{other}` reads as pounds, so write unit = \"£\" (or \
                         unit = \"£m\" if the figures are in millions)"
                    ),
                    _ => BOTH.to_string(),
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

    /// Records an item that could not be built, so that a correlation naming one of its
    /// inline drivers is not reported again.
    fn item_failed(&mut self, path: &str) {
        self.failed.insert(path.to_string());
    }

    /// Whether the driver of this name failed where it is defined (a declared one, an
    /// inline one, or one of an item that failed).
    fn definition_failed(&self, name: &str) -> bool {
        self.failed.contains(name)
            || name
                .match_indices('.')
                .nth(1)
                .is_some_and(|(i, _)| self.failed.contains(&name[..i]))
    }

    fn push_driver(&mut self, d: Driver) -> DriverId {
        self.drivers.push(d);
        self.used.push(false);
        self.info.push(DriverInfo::default());
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
        let Some(v) = t.get(key) else {
            t.missing(&mut self.ctx, key, help);
            return None;
        };
        let sign = if positive {
            series::Sign::Positive
        } else {
            series::Sign::NonNegative
        };
        self.figure(&format!("{}.{key}", t.path), v, sign, help)
            .map(|n| n.value)
    }

    /// A money figure written at `path`: a number (never a percentage), of the sign it
    /// must have.
    fn figure(
        &mut self,
        path: &str,
        v: &super::reader::Value<'_>,
        sign: series::Sign,
        help: &str,
    ) -> Option<super::reader::Num> {
        if let DeValue::String(text) = v.get_ref() {
            if text.trim().ends_with('%') {
                self.ctx.error(
                    ProblemKind::WrongType,
                    v.span(),
                    format!("`{path}` is a figure, not a share: \"{text}\" is a percentage"),
                    format!(
                        "{help}; a percentage is read only where a fraction is expected \
                         (growth, fraction delivered, probability, rank)"
                    ),
                );
                return None;
            }
        }
        let n = super::reader::number(&mut self.ctx, path, v)?;
        let (bad, what) = match sign {
            series::Sign::Positive => (n.value <= Decimal::ZERO, "greater than 0"),
            series::Sign::NonNegative => (n.value < Decimal::ZERO, "0 or more"),
            series::Sign::Any => (false, ""),
        };
        if bad {
            self.ctx.error(
                ProblemKind::OutOfRange,
                n.span,
                format!("`{path}` must be {what}, found {}", n.value),
                help,
            );
            return None;
        }
        Some(n)
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

#[cfg(test)]
mod tests {
    use super::thousands_separators;

    #[test]
    fn numbers_with_thousands_separators_get_their_fix() {
        let src = "[lines.x]\nclients = 5,200 # from the return\nbudget = -1,234,567.5\n";
        let at = src.find(",200").unwrap();
        assert_eq!(
            thousands_separators(src, at).as_deref(),
            Some(
                "TOML numbers have no thousands separators (a comma separates list items): \
                 write clients = 5200 or clients = 5_200"
            )
        );
        let at = src.find("-1,234").unwrap();
        assert!(
            thousands_separators(src, at)
                .unwrap()
                .contains("budget = -1234567.5")
        );
        // Not a number with separators: no such fix.
        for line in [
            "values = [1,2]\n",
            "x = 12,34\n",
            "name = \"a,b\"\n",
            "x = 1,0000\n",
        ] {
            assert_eq!(thousands_separators(line, 5), None, "{line}");
        }
    }
}

//! Builds a checked [`Model`] from the spanned TOML tree, collecting every problem.

use std::collections::HashMap;
use std::ops::Range;

use rust_decimal::Decimal;
use toml::de::{DeTable, DeValue};

use super::diagnostic::{Diagnostic, ProblemKind, Severity, closest, line_col};
use super::reader::{
    Ctx, Num, Table, Text, Value, as_table, check_name, check_text, number, type_name,
};
use super::{
    Correlation, CorrelationEntry, Driver, DriverId, DriverOrigin, Funding, Line, LineKind,
    LoadOptions, Loaded, Measure, Meta, Mitigation, Model, Reserve, ReserveKind, Saving, Unit,
};
use crate::correlation::{self, Matrix};
use crate::dist::{DistError, Distribution};

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

const FAMILIES: &[&str] = &[
    "fixed",
    "uniform",
    "normal",
    "lognormal",
    "triangular",
    "pert",
    "beta",
    "bernoulli",
    "discrete",
];

/// Every key a distribution table may hold, across families.
const DIST_KEYS: &[&str] = &[
    "dist",
    "value",
    "mean",
    "sd",
    "median",
    "p90",
    "min",
    "mode",
    "max",
    "shape",
    "alpha",
    "beta",
    "p",
    "values",
    "probabilities",
    "label",
    "source",
    "description",
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

/// What a driver is used for, which limits the values it may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Used as (1 + x): must not go below −1.
    Growth,
    /// A fraction in [0, 1].
    Fraction,
    /// A money amount that cannot be negative (capacity, impact).
    NonNegative,
    /// Months of slippage (cannot be negative).
    Months,
}

impl Role {
    /// The values the role allows, as advice on what to write.
    fn allowed(self) -> &'static str {
        match self {
            Role::Growth => {
                "write a growth rate of -1 or more, as a fraction: 0.05 for +5%, -0.02 for -2%"
            }
            Role::Fraction => "write a fraction between 0 and 1: 0.9 for 90% delivered",
            Role::NonNegative => "write an amount of 0 or more, in the model's unit",
            Role::Months => {
                "write the months late, from 0 to 12 (12 or more delivers nothing): e.g. 2"
            }
        }
    }

    fn measure(self) -> Measure {
        match self {
            Role::Growth | Role::Fraction => Measure::Fraction,
            Role::NonNegative => Measure::Money,
            Role::Months => Measure::Months,
        }
    }
}

/// Mass allowed outside a role's range: the engine clamps such draws, which changes
/// nothing visible below one chance in a million, so an ordinary unbounded normal growth
/// rate is accepted while a delivery fraction that often exceeds 100% is not.
const OUTSIDE_TOLERANCE: f64 = 1e-6;

impl Role {
    /// Whether a driver with this distribution may play this role: `Err((what is wrong,
    /// how to fix it))` when it too often takes values the role cannot use.
    fn check(self, dist: &Distribution) -> Result<(), (String, String)> {
        let (lo, hi) = dist.support();
        if lo == hi {
            // A fixed value: it is in range or not; no talk of chances.
            let why = match self {
                Role::Growth if lo < -1.0 => {
                    "it is below -1, and a growth rate is applied as (1 + value), so the \
                     amount would be negative"
                }
                Role::Fraction if !(0.0..=1.0).contains(&lo) => {
                    "it is outside 0 to 1, the range of a fraction delivered"
                }
                Role::NonNegative | Role::Months if lo < 0.0 => {
                    "it is below 0, and it cannot be negative here"
                }
                _ => return Ok(()),
            };
            return Err((why.into(), self.allowed().into()));
        }
        let below = |x: f64| dist.cdf(x - 1e-12 * (1.0 + x.abs()));
        match self {
            Role::Growth if below(-1.0) > OUTSIDE_TOLERANCE => Err((
                format!(
                    "it is a growth rate applied as (1 + value), but has a {:.2}% chance of \
                     going below -1, which would make the amount negative",
                    100.0 * below(-1.0)
                ),
                "bound it with min = -1 or above, or narrow its spread".into(),
            )),
            Role::Fraction
                if (lo < 0.0 || hi > 1.0)
                    && below(0.0) + (1.0 - dist.cdf(1.0)) > OUTSIDE_TOLERANCE =>
            {
                Err((
                    format!(
                        "it is the fraction delivered and must stay within 0 to 1, but \
                         {:.1}% of its draws fall outside",
                        100.0 * (below(0.0) + 1.0 - dist.cdf(1.0))
                    ),
                    "use a pert, triangular, uniform or beta within [0, 1], or truncate \
                     with min = 0, max = 1"
                        .into(),
                ))
            }
            Role::NonNegative | Role::Months if lo < 0.0 && below(0.0) > OUTSIDE_TOLERANCE => {
                Err((
                    format!(
                        "it cannot be negative here, but has a {:.2}% chance of being below 0",
                        100.0 * below(0.0)
                    ),
                    "give it a lower bound with min = 0, or use a distribution that starts at 0"
                        .into(),
                ))
            }
            _ => Ok(()),
        }
    }
}

/// The fraction a percentage written as text stands for: `"90%"` → `0.9`.
fn percent(text: &str) -> Option<Decimal> {
    let number = text.trim().strip_suffix('%')?.trim();
    let value: Decimal = number.parse().ok()?;
    Some((value / Decimal::ONE_HUNDRED).normalize())
}

/// One correlated pair as written: its target, where, and in which entry.
struct Pair {
    rank: f64,
    span: Range<usize>,
    entry: String,
}

/// The help for a repaired correlation matrix: the pairs whose correlation changed, as
/// written → as used, largest change first (at most `SHOWN`; a model of hundreds of
/// drivers would otherwise print megabytes).
fn repair_changes(written: &Matrix, used: &Matrix) -> String {
    const SHOWN: usize = 20;
    // Changes below this do not show at three decimals.
    const VISIBLE: f64 = 0.0005;
    let mut changes: Vec<(f64, String)> = Vec::new();
    for i in 0..written.len() {
        for j in i + 1..written.len() {
            let (w, u) = (written.get(i, j), used.get(i, j));
            if (w - u).abs() >= VISIBLE {
                changes.push((
                    (w - u).abs(),
                    format!(
                        "{} ~ {}: {w:.3} → {u:.3}{}",
                        written.name(i),
                        written.name(j),
                        if w == 0.0 { " (not set, so 0)" } else { "" }
                    ),
                ));
            }
        }
    }
    changes.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut out = format!(
        "{} pair{} changed (rank correlation as written → as used):",
        changes.len(),
        if changes.len() == 1 { "" } else { "s" }
    );
    for (_, line) in changes.iter().take(SHOWN) {
        out.push_str("\n    ");
        out.push_str(line);
    }
    if changes.len() > SHOWN {
        out.push_str(&format!(
            "\n    and {} more, each by at most {:.3}",
            changes.len() - SHOWN,
            changes[SHOWN - 1].0
        ));
    }
    out.push_str(
        "\n  pairs not listed are unchanged to three decimals; to use values of your own, \
         weaken the entries most in conflict",
    );
    out
}

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

    /// Reads `[correlations.NAME]` entries into one rank-correlation matrix over the
    /// drivers they mention, checking it can hold (positive semi-definite) or, when asked,
    /// repairing it.
    fn correlations(&mut self, root: &Table<'_, '_>) -> Option<Correlation> {
        let by_name: HashMap<String, DriverId> = self
            .drivers
            .iter()
            .enumerate()
            .map(|(i, d)| (d.name.clone(), DriverId(i)))
            .collect();
        let mut entries = Vec::new();
        let mut group: Vec<DriverId> = Vec::new();
        let mut pairs: HashMap<(DriverId, DriverId), Pair> = HashMap::new();
        // Where each driver is first listed, for warnings about it.
        let mut mentions: HashMap<DriverId, Range<usize>> = HashMap::new();
        let mut ok = true;
        for (name, ot) in self.section(root, "correlations") {
            let t = ot.table();
            t.only(
                &mut self.ctx,
                &["drivers", "rank", "label", "source", "description"],
                "a correlation",
            );
            let label = t
                .text(&mut self.ctx, "label")
                .map_or_else(|| name.value.clone(), |l| l.value);
            let source = self.source(&t);
            let rank = t.req_number(
                &mut self.ctx,
                "rank",
                "give the rank (Spearman) correlation, between -1 and 1",
            );
            let rank = match rank {
                Some(r) if r.value.abs() <= Decimal::ONE => Some(r),
                Some(r) => {
                    self.ctx.error(
                        ProblemKind::OutOfRange,
                        r.span,
                        format!(
                            "`{}.rank` is a correlation and must be between -1 and 1, found {}",
                            t.path, r.value
                        ),
                        "write e.g. rank = 0.5 for a moderate positive correlation",
                    );
                    None
                }
                None => None,
            };
            let mut ids = Vec::new();
            match t.get("drivers") {
                None => {
                    t.missing(
                        &mut self.ctx,
                        "drivers",
                        "list two or more drivers: drivers = [\"a\", \"b\"]",
                    );
                    ok = false;
                }
                Some(v) => match v.get_ref() {
                    DeValue::Array(items) if items.len() >= 2 => {
                        for item in items.iter() {
                            let DeValue::String(dn) = item.get_ref() else {
                                self.ctx.error(
                                    ProblemKind::WrongType,
                                    item.span(),
                                    format!(
                                        "`{}.drivers` should list driver names in quotes, found {}",
                                        t.path,
                                        type_name(item.get_ref())
                                    ),
                                    "write drivers = [\"a\", \"b\"]",
                                );
                                ok = false;
                                continue;
                            };
                            match by_name.get(dn.as_ref()) {
                                Some(&id) if ids.contains(&id) => {
                                    self.ctx.error(
                                        ProblemKind::DuplicateName,
                                        item.span(),
                                        format!("`{dn}` is listed twice in `{}.drivers`", t.path),
                                        "list each driver once",
                                    );
                                    ok = false;
                                }
                                Some(&id) => {
                                    if self.drivers[id.0].dist.is_fixed() {
                                        self.ctx.push(
                                            Diagnostic::warning(
                                                ProblemKind::InvalidValue,
                                                Some(item.span()),
                                                format!("driver `{dn}` does not vary, so correlating it has no effect"),
                                            )
                                            .with_help("remove it from the list"),
                                        );
                                    }
                                    if let Some(u) = self.used.get_mut(id.0) {
                                        *u = true;
                                    }
                                    mentions.entry(id).or_insert_with(|| item.span());
                                    ids.push(id);
                                }
                                None => {
                                    let help = match closest(dn, by_name.keys().map(String::as_str)) {
                                        Some(s) => format!("did you mean `{s}`?"),
                                        None => "name a driver declared under [drivers], or an inline one by its full name such as `savings.NAME.delivered`".into(),
                                    };
                                    self.ctx.error(
                                        ProblemKind::UnknownName,
                                        item.span(),
                                        format!(
                                            "`{}.drivers` names `{dn}`, which is not a driver",
                                            t.path
                                        ),
                                        help,
                                    );
                                    ok = false;
                                }
                            }
                        }
                    }
                    other => {
                        let found = match other {
                            DeValue::Array(items) => format!("a list of {}", items.len()),
                            _ => type_name(other).to_string(),
                        };
                        self.ctx.error(
                            ProblemKind::WrongType,
                            v.span(),
                            format!("`{}.drivers` should be a list of two or more driver names, found {found}", t.path),
                            "write drivers = [\"a\", \"b\"]",
                        );
                        ok = false;
                    }
                },
            }
            let (Some(rank), Some(source)) = (rank, source) else {
                ok = false;
                continue;
            };
            for (i, &a) in ids.iter().enumerate() {
                for &b in &ids[i + 1..] {
                    let key = (a.min(b), a.max(b));
                    if let Some(first) = pairs.get(&key) {
                        let (line, _) = line_col(self.src, first.span.start);
                        self.ctx.error(
                            ProblemKind::DuplicateName,
                            rank.span.clone(),
                            format!(
                                "the correlation of `{}` and `{}` is already set by [correlations.{}] on line {line}",
                                self.drivers[a.0].name, self.drivers[b.0].name, first.entry
                            ),
                            "set each pair once",
                        );
                        ok = false;
                        continue;
                    }
                    pairs.insert(
                        key,
                        Pair {
                            rank: rank.f64(),
                            span: rank.span.clone(),
                            entry: name.value.clone(),
                        },
                    );
                }
                if !group.contains(&a) {
                    group.push(a);
                }
            }
            entries.push(CorrelationEntry {
                name: name.value.clone(),
                label,
                drivers: ids,
                rank: rank.value,
                source,
            });
        }
        if !ok {
            return None;
        }
        let names: Vec<String> = group
            .iter()
            .map(|d| self.drivers[d.0].name.clone())
            .collect();
        let mut matrix = Matrix::identity(group.len()).with_names(names);
        let index = |id: DriverId| group.iter().position(|&g| g == id).unwrap_or(0);
        for (&(a, b), p) in &pairs {
            matrix.set_sym(index(a), index(b), p.rank);
        }
        self.warn_ties(&group, &mentions, &pairs);
        let section_span = root.span_of("correlations");
        let span_of_pair = |i: usize, j: usize| -> Range<usize> {
            pairs
                .get(&(group[i].min(group[j]), group[i].max(group[j])))
                .map_or(section_span.clone(), |p| p.span.clone())
        };
        let mut repaired_from = None;
        if let Err(e) = correlation::check_imposable(&matrix) {
            let correlation::CorrelationError::NotPositiveSemiDefinite {
                culprits,
                min_eigenvalue,
                ..
            } = &e;
            let span = culprits
                .first()
                .map_or(section_span.clone(), |&(i, j)| span_of_pair(i, j));
            let listed: Vec<String> = culprits
                .iter()
                .map(|&(i, j)| {
                    format!(
                        "{} ~ {} = {}",
                        matrix.name(i),
                        matrix.name(j),
                        matrix.get(i, j)
                    )
                })
                .collect();
            let conflict = match listed.as_slice() {
                [] => String::new(),
                [one] => format!(" ({one} is most in conflict)"),
                [init @ .., last] => {
                    format!(" ({} and {last} conflict most)", init.join(", "))
                }
            };
            if !self.options.repair_correlation {
                self.ctx.error(
                    ProblemKind::Inconsistent,
                    span,
                    format!(
                        "these rank correlations cannot all hold together{conflict}: \
                         Iman–Conover imposes them as the normal-score correlations \
                         2·sin(π·ρ/6), and the matrix of those is not positive semi-definite \
                         (smallest eigenvalue {min_eigenvalue:.4})"
                    ),
                    "weaken or change the sign of one of them (if a~b and b~c are both \
                     strongly positive, a~c cannot be strongly negative), or run with \
                     --repair-correlation to use the nearest set that can hold",
                );
                return None;
            }
            let fixed = correlation::repair(&matrix);
            if let Err(still) = correlation::check_imposable(&fixed) {
                // The repair is built to give an imposable matrix; if it ever does not,
                // refuse here rather than let the run fail.
                self.ctx.error(
                    ProblemKind::Inconsistent,
                    span,
                    format!(
                        "these rank correlations cannot all hold together{conflict}, and the \
                         nearest set that can could not be used either ({still})"
                    ),
                    "weaken the entries most in conflict by hand (and please report this \
                     model: --repair-correlation should always succeed)",
                );
                return None;
            }
            self.ctx.push(
                Diagnostic::warning(
                    ProblemKind::Inconsistent,
                    Some(span),
                    format!(
                        "these rank correlations cannot all hold together{conflict}; as \
                         --repair-correlation asks, the nearest set that can is used instead"
                    ),
                )
                .with_help(repair_changes(&matrix, &fixed)),
            );
            repaired_from = Some(matrix);
            matrix = fixed;
        }
        Some(Correlation {
            entries,
            drivers: group,
            spearman: matrix,
            repaired_from,
        })
    }

    /// Warns about correlated drivers that take few values (Bernoulli, discrete): their
    /// draws tie, and reordering cannot separate ties, so their targets cannot be reached.
    fn warn_ties(
        &mut self,
        group: &[DriverId],
        mentions: &HashMap<DriverId, Range<usize>>,
        pairs: &HashMap<(DriverId, DriverId), Pair>,
    ) {
        for &id in group {
            let d = &self.drivers[id.0];
            let Some(atoms) = d.dist.atoms() else {
                continue;
            };
            if d.dist.is_fixed() {
                // Already warned: correlating it has no effect.
                continue;
            }
            let strongest = pairs
                .iter()
                .filter(|((a, b), _)| *a == id || *b == id)
                .map(|(_, p)| p.rank.abs())
                .fold(0.0, f64::max);
            if strongest == 0.0 {
                continue;
            }
            // The largest rank correlation a variable with atoms p_i can have with any
            // continuous one is √(1 − Σp_i³) (it is reached by the comonotone pair).
            let bound = (1.0 - atoms.iter().map(|(_, p)| p * p * p).sum::<f64>())
                .max(0.0)
                .sqrt();
            let family = d.dist.family().name();
            let span = mentions.get(&id).cloned();
            self.ctx.push(
                Diagnostic::warning(
                    ProblemKind::InvalidValue,
                    span,
                    format!(
                        "driver `{}` is {} {family} that takes only {} values, so many of its \
                         draws tie and reordering cannot separate them: its rank correlations \
                         will fall short of their targets (in size at most {bound:.2} even \
                         with a continuous driver, and usually less)",
                        d.name,
                        if family.starts_with(['a', 'e', 'i', 'o', 'u']) {
                            "an"
                        } else {
                            "a"
                        },
                        atoms.iter().filter(|(_, p)| *p > 0.0).count()
                    ),
                )
                .with_help(
                    "the correlations achieved are reported after the run, next to their \
                     targets (summary.json, correlation.pairs); to reach a target, correlate a \
                     continuous driver instead",
                ),
            );
        }
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

    fn declared_driver(&mut self, name: &Text, t: &OwnedTable<'_, '_>) {
        let table = t.table();
        let Some(dist) = self.distribution(&table, true) else {
            // Still reserve the name so references to it do not also fail.
            self.declared
                .insert(name.value.clone(), DriverId(usize::MAX));
            return;
        };
        let label = table
            .text(&mut self.ctx, "label")
            .map_or_else(|| name.value.clone(), |l| l.value);
        let source = self.source(&table);
        let id = self.push_driver(Driver {
            name: name.value.clone(),
            label,
            dist,
            source: source.unwrap_or_default(),
            origin: DriverOrigin::Declared,
            measure: Measure::Number,
        });
        self.declared.insert(name.value.clone(), id);
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

    /// Reads a distribution from a table: a declared driver (`allow_label`) or an inline
    /// one.
    fn distribution(&mut self, t: &Table<'_, '_>, declared: bool) -> Option<Distribution> {
        let mut allowed: Vec<&str> = DIST_KEYS.to_vec();
        if !declared {
            allowed.retain(|k| *k != "label" && *k != "description");
        }
        t.only(&mut self.ctx, &allowed, "a distribution");
        let Some(family) = t.text(&mut self.ctx, "dist") else {
            if !t.has("dist") {
                t.missing(
                    &mut self.ctx,
                    "dist",
                    format!(
                        "say which distribution: dist = one of {}",
                        FAMILIES.join(", ")
                    ),
                );
            }
            return None;
        };
        let params: &[&str] = match family.value.as_str() {
            "fixed" => &["value"],
            "uniform" => &["min", "max"],
            "normal" => &["mean", "sd", "min", "max"],
            "lognormal" => &["median", "p90", "mean", "sd", "min", "max"],
            "triangular" => &["min", "mode", "max"],
            "pert" => &["min", "mode", "max", "shape"],
            "beta" => &["alpha", "beta", "mean", "sd", "min", "max"],
            "bernoulli" => &["p"],
            "discrete" => &["values", "probabilities"],
            other => {
                let help = match closest(other, FAMILIES.iter().copied()) {
                    Some(s) => format!("did you mean \"{s}\"?"),
                    None => format!("use one of {}", FAMILIES.join(", ")),
                };
                self.ctx.error(
                    ProblemKind::InvalidValue,
                    family.span,
                    format!("`{other}` is not a distribution gapsim knows"),
                    help,
                );
                return None;
            }
        };
        let fam = family.value.as_str();
        // Keys that are distribution parameters, but not of this family.
        for (key, _) in t.entries.iter() {
            let k = key.get_ref().as_ref();
            let common = ["dist", "label", "source", "description"].contains(&k);
            if !common && DIST_KEYS.contains(&k) && !params.contains(&k) {
                self.ctx.error(
                    ProblemKind::UnknownField,
                    key.span(),
                    format!("`{k}` is not a parameter of a {fam} distribution"),
                    format!("{fam} takes: {}", params.join(", ")),
                );
            }
        }

        let mut n = |key: &str| -> Option<Num> {
            if params.contains(&key) {
                t.number(&mut self.ctx, key)
            } else {
                None
            }
        };
        let nums: HashMap<&str, Num> = params
            .iter()
            .filter(|k| **k != "values" && **k != "probabilities")
            .filter_map(|k| n(k).map(|v| (*k, v)))
            .collect();
        let bad_number = params
            .iter()
            .any(|k| t.has(k) && *k != "values" && *k != "probabilities" && !nums.contains_key(k));
        if bad_number {
            return None;
        }
        let get = |k: &str| nums.get(k).map(Num::f64);
        let need = |b: &mut Self, keys: &[&str], help: &str| -> bool {
            let mut ok = true;
            for k in keys {
                if !t.has(k) {
                    t.missing(&mut b.ctx, k, help);
                    ok = false;
                }
            }
            ok
        };
        let result = match fam {
            "fixed" => {
                if !need(self, &["value"], "a fixed driver needs value = ...") {
                    return None;
                }
                Distribution::fixed(get("value")?)
            }
            "uniform" => {
                if !need(self, &["min", "max"], "uniform needs min and max") {
                    return None;
                }
                Distribution::uniform(get("min")?, get("max")?)
            }
            "normal" => {
                if !need(
                    self,
                    &["mean", "sd"],
                    "normal needs mean and sd (standard deviation)",
                ) {
                    return None;
                }
                Distribution::normal(get("mean")?, get("sd")?, get("min"), get("max"))
            }
            "lognormal" => {
                let by_median = t.has("median") || t.has("p90");
                let by_mean = t.has("mean") || t.has("sd");
                if by_median && by_mean {
                    self.ctx.error(
                        ProblemKind::InvalidValue,
                        t.span.clone(),
                        format!("`{}` mixes median/p90 with mean/sd", t.path),
                        "give a lognormal either by median and p90, or by mean and sd",
                    );
                    return None;
                }
                if by_mean {
                    if !need(self, &["mean", "sd"], "give both mean and sd") {
                        return None;
                    }
                    Distribution::lognormal_mean_sd(
                        get("mean")?,
                        get("sd")?,
                        get("min"),
                        get("max"),
                    )
                } else {
                    if !need(
                        self,
                        &["median", "p90"],
                        "give a lognormal by median and p90 (or by mean and sd)",
                    ) {
                        return None;
                    }
                    Distribution::lognormal_median_p90(
                        get("median")?,
                        get("p90")?,
                        get("min"),
                        get("max"),
                    )
                }
            }
            "triangular" | "pert" => {
                if !need(
                    self,
                    &["min", "mode", "max"],
                    "a three-point estimate needs min, mode and max",
                ) {
                    return None;
                }
                let (lo, mode, hi) = (get("min")?, get("mode")?, get("max")?);
                if fam == "pert" {
                    Distribution::pert(lo, mode, hi, get("shape"))
                } else {
                    Distribution::triangular(lo, mode, hi)
                }
            }
            "beta" => {
                let by_shape = t.has("alpha") || t.has("beta");
                let by_mean = t.has("mean") || t.has("sd");
                if by_shape && by_mean {
                    self.ctx.error(
                        ProblemKind::InvalidValue,
                        t.span.clone(),
                        format!("`{}` mixes alpha/beta with mean/sd", t.path),
                        "give a beta either by alpha and beta, or by mean and sd",
                    );
                    return None;
                }
                if by_mean {
                    if !need(self, &["mean", "sd"], "give both mean and sd") {
                        return None;
                    }
                    Distribution::beta_mean_sd(get("mean")?, get("sd")?, get("min"), get("max"))
                } else {
                    if !need(
                        self,
                        &["alpha", "beta"],
                        "give a beta by alpha and beta (or by mean and sd)",
                    ) {
                        return None;
                    }
                    Distribution::beta(get("alpha")?, get("beta")?, get("min"), get("max"))
                }
            }
            "bernoulli" => {
                if !need(self, &["p"], "bernoulli needs p, the probability of a 1") {
                    return None;
                }
                Distribution::bernoulli(get("p")?)
            }
            "discrete" => {
                if !need(
                    self,
                    &["values", "probabilities"],
                    "discrete needs values = [...] and probabilities = [...]",
                ) {
                    return None;
                }
                let values = t.numbers(&mut self.ctx, "values");
                let probs = t.numbers(&mut self.ctx, "probabilities");
                let (values, probs) = (values?, probs?);
                // Check the sum exactly, in decimals: 0.2 + 0.3 + 0.5 is exactly 1.
                let total: Decimal = probs.iter().map(|p| p.value).sum();
                if probs
                    .iter()
                    .all(|p| p.value >= Decimal::ZERO && p.value <= Decimal::ONE)
                    && total != Decimal::ONE
                    && (total - Decimal::ONE).abs() > Decimal::new(1, 9)
                {
                    self.ctx.error(
                        ProblemKind::OutOfRange,
                        t.span_of("probabilities"),
                        format!("the probabilities of `{}` add up to {total}, not 1", t.path),
                        "make the probabilities add up to exactly 1",
                    );
                    return None;
                }
                let v: Vec<f64> = values.iter().map(Num::f64).collect();
                let p: Vec<f64> = probs.iter().map(Num::f64).collect();
                match Distribution::discrete(&v, &p) {
                    Err(DistError::NotProbability { value, .. }) => {
                        let at = probs
                            .iter()
                            .find(|n| n.f64() == value)
                            .map_or(t.span.clone(), |n| n.span.clone());
                        self.ctx.error(
                            ProblemKind::OutOfRange,
                            at,
                            format!("probability {value} in `{}` is not between 0 and 1", t.path),
                            "probabilities are fractions between 0 and 1, e.g. 0.25 for 25%",
                        );
                        return None;
                    }
                    other => other,
                }
            }
            _ => unreachable!("family names are matched above"),
        };
        match result {
            Ok(d) => Some(d),
            Err(e) => {
                self.dist_error(t, fam, &e);
                None
            }
        }
    }

    fn dist_error(&mut self, t: &Table<'_, '_>, family: &str, e: &DistError) {
        let param = e.param();
        let span = t.span_of(param);
        let (kind, help) = match e {
            DistError::NotPositive { param: "sd", .. } => (
                ProblemKind::OutOfRange,
                "a standard deviation measures spread and must be positive; for a figure \
                 with no uncertainty use dist = \"fixed\""
                    .to_string(),
            ),
            DistError::NotPositive { param, .. } => (
                ProblemKind::OutOfRange,
                format!("give `{param}` a value above 0"),
            ),
            DistError::NotProbability { .. } => (
                ProblemKind::OutOfRange,
                "probabilities are fractions between 0 and 1, e.g. 0.85 for 85%".to_string(),
            ),
            DistError::Extreme { fix, .. } => (ProblemKind::OutOfRange, fix.clone()),
            DistError::Order { .. } => (
                ProblemKind::BadOrder,
                if family == "triangular" || family == "pert" {
                    "a three-point estimate needs min <= mode <= max, with min < max".to_string()
                } else {
                    "check the bounds: the lower one must be below the upper one".to_string()
                },
            ),
            _ => (
                ProblemKind::InvalidValue,
                "see docs/model-format.md for this distribution's parameters".to_string(),
            ),
        };
        self.ctx
            .error(kind, span, format!("in `{}` ({family}): {e}", t.path), help);
    }

    /// A field that is a driver: a driver's name, a number (fixed), or an inline
    /// distribution table. Returns `None` (after recording why) when unusable.
    fn input(
        &mut self,
        owner: &Table<'_, '_>,
        field: &str,
        v: &Value<'_>,
        role: Role,
        implicit_name: String,
        source: &str,
    ) -> Option<DriverId> {
        let path = format!("{}.{field}", owner.path);
        match v.get_ref() {
            DeValue::String(s) => {
                let name = s.to_string();
                match self.declared.get(&name).copied() {
                    Some(DriverId(usize::MAX)) => None,
                    Some(id) => {
                        self.used[id.0] = true;
                        if self.drivers[id.0].measure == Measure::Number {
                            self.drivers[id.0].measure = role.measure();
                        }
                        if let Err((why, fix)) = role.check(&self.drivers[id.0].dist) {
                            self.ctx.error(
                                ProblemKind::OutOfRange,
                                v.span(),
                                format!("driver `{name}` does not fit `{path}`: {why}"),
                                format!("in [drivers.{name}]: {fix}; or use another driver here"),
                            );
                            return None;
                        }
                        Some(id)
                    }
                    None => {
                        let help = match closest(&name, self.declared.keys().map(String::as_str)) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None if self.declared.is_empty() => {
                                "declare it as a [drivers.NAME] section, or write a number or an \
                                 inline distribution here"
                                    .into()
                            }
                            None => format!(
                                "declare it under [drivers.{name}]; the drivers defined are: {}",
                                self.declared_names().join(", ")
                            ),
                        };
                        self.ctx.error(
                            ProblemKind::UnknownName,
                            v.span(),
                            format!("`{path}` refers to driver `{name}`, which is not defined"),
                            help,
                        );
                        None
                    }
                }
            }
            DeValue::Integer(_) | DeValue::Float(_) => {
                let n = number(&mut self.ctx, &path, v)?;
                let dist = Distribution::fixed(n.f64()).ok()?;
                if let Err((why, fix)) = role.check(&dist) {
                    self.ctx.error(
                        ProblemKind::OutOfRange,
                        n.span,
                        format!("`{path}` = {}: {why}", n.value),
                        fix,
                    );
                    return None;
                }
                Some(self.push_driver(Driver {
                    label: self.inline_label(field),
                    name: implicit_name,
                    dist,
                    source: source.to_string(),
                    origin: DriverOrigin::Inline,
                    measure: role.measure(),
                }))
            }
            DeValue::Table(_) => {
                let t = as_table(&mut self.ctx, &path, v, "")?;
                let dist = self.distribution(&t, false)?;
                if let Err((why, fix)) = role.check(&dist) {
                    self.ctx.error(
                        ProblemKind::OutOfRange,
                        v.span(),
                        format!("`{path}`: {why}"),
                        fix,
                    );
                    return None;
                }
                let source = t
                    .text(&mut self.ctx, "source")
                    .map_or_else(|| source.to_string(), |s| s.value);
                Some(self.push_driver(Driver {
                    label: self.inline_label(field),
                    name: implicit_name,
                    dist,
                    source,
                    origin: DriverOrigin::Inline,
                    measure: role.measure(),
                }))
            }
            other => {
                self.ctx.error(
                    ProblemKind::WrongType,
                    v.span(),
                    format!(
                        "`{path}` should be a driver name, a number or a distribution, found {}",
                        type_name(other)
                    ),
                    "write a driver's name in quotes, a number, or an inline table such as \
                     { dist = \"pert\", min = 0.5, mode = 0.9, max = 1 }",
                );
                None
            }
        }
    }

    /// A reader's label for an inline driver: the item's label and what the field is.
    fn inline_label(&self, field: &str) -> String {
        let what = match field {
            "demand" => "growth in clients",
            "cost" => "growth in unit cost",
            "growth" => "growth",
            "variation" => "variation",
            "delivered" => "fraction delivered",
            "slippage" => "months late",
            "impact" => "cost if it happens",
            "capacity" => "capacity",
            // An event is named by the item itself: "Care market failure".
            "probability" => return self.current_label.clone(),
            other => other,
        };
        format!("{} — {what}", self.current_label)
    }

    fn declared_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.declared.keys().cloned().collect();
        names.sort();
        names
    }

    /// A field holding one or several growth drivers (a list multiplies them).
    fn inputs(
        &mut self,
        owner: &Table<'_, '_>,
        field: &str,
        role: Role,
        source: &str,
    ) -> Option<Vec<DriverId>> {
        let Some(v) = owner.get(field) else {
            return Some(Vec::new());
        };
        let base = format!("{}.{field}", owner.path);
        match v.get_ref() {
            DeValue::Array(items) => {
                let mut out = Vec::new();
                let mut ok = true;
                for (i, item) in items.iter().enumerate() {
                    match self.input(owner, field, item, role, format!("{base}[{i}]"), source) {
                        Some(id) => out.push(id),
                        None => ok = false,
                    }
                }
                ok.then_some(out)
            }
            _ => self
                .input(owner, field, v, role, base, source)
                .map(|id| vec![id]),
        }
    }

    /// A field that is one driver, defaulting to a fixed value when absent.
    fn input_or(
        &mut self,
        owner: &Table<'_, '_>,
        field: &str,
        role: Role,
        default: f64,
        source: &str,
    ) -> Option<DriverId> {
        let name = format!("{}.{field}", owner.path);
        match owner.get(field) {
            Some(v) => self.input(owner, field, v, role, name, source),
            None => Some(self.push_driver(Driver {
                label: self.inline_label(field),
                name,
                dist: Distribution::fixed(default).ok()?,
                source: format!("default: {field} = {default}"),
                origin: DriverOrigin::Inline,
                measure: role.measure(),
            })),
        }
    }

    /// A probability field, made into a Bernoulli driver.
    fn probability(
        &mut self,
        owner: &Table<'_, '_>,
        field: &str,
        required: bool,
        source: &str,
    ) -> Option<(Decimal, DriverId)> {
        if let Some(v) = owner.get(field) {
            if !matches!(v.get_ref(), DeValue::Integer(_) | DeValue::Float(_)) {
                let found = type_name(v.get_ref());
                let help = match v.get_ref() {
                    DeValue::String(text) => match percent(text) {
                        Some(fraction) => format!(
                            "write the chance as a probability between 0 and 1, without \
                             quotes: {field} = {fraction}"
                        ),
                        None if text.trim().parse::<Decimal>().is_ok() => {
                            format!("remove the quotes: {field} = {}", text.trim())
                        }
                        None => "write the chance as a probability between 0 and 1, without \
                                 quotes, such as 0.9"
                            .to_string(),
                    },
                    DeValue::Table(_) => {
                        let elsewhere = if owner.path.starts_with("savings.") {
                            "in `delivered` or `slippage`"
                        } else {
                            "in `impact`"
                        };
                        format!(
                            "write the chance as one number, a probability between 0 and 1 \
                             such as 0.9; it cannot be a distribution (put the uncertainty \
                             {elsewhere})"
                        )
                    }
                    _ => "write a probability between 0 and 1, such as 0.9".to_string(),
                };
                self.ctx.error(
                    ProblemKind::WrongType,
                    v.span(),
                    format!(
                        "`{}.{field}` should be a probability (a number between 0 and 1), \
                         found {found}",
                        owner.path
                    ),
                    help,
                );
                return None;
            }
        }
        let p = if required {
            owner.req_number(
                &mut self.ctx,
                field,
                "give the chance it happens, between 0 and 1",
            )?
        } else {
            match owner.get(field) {
                Some(_) => owner.number(&mut self.ctx, field)?,
                None => Num {
                    value: Decimal::ONE,
                    span: owner.span.clone(),
                },
            }
        };
        if p.value < Decimal::ZERO || p.value > Decimal::ONE {
            self.ctx.error(
                ProblemKind::OutOfRange,
                p.span,
                format!(
                    "`{}.{field}` is a probability and must be between 0 and 1, found {}",
                    owner.path, p.value
                ),
                "write it as a fraction, e.g. 0.85 for 85%",
            );
            return None;
        }
        let name = format!("{}.{field}", owner.path);
        let dist = Distribution::bernoulli(p.f64()).ok()?;
        let id = self.push_driver(Driver {
            label: self.inline_label(field),
            name,
            dist,
            source: source.to_string(),
            origin: DriverOrigin::Inline,
            measure: Measure::Event,
        });
        Some((p.value, id))
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

    /// The item's label (its name when it has none); inline drivers read after this are
    /// labelled from it.
    fn label(&mut self, t: &Table<'_, '_>, name: &Text) -> String {
        let label = t
            .text(&mut self.ctx, "label")
            .map_or_else(|| name.value.clone(), |l| l.value);
        self.current_label.clone_from(&label);
        label
    }

    fn line(&mut self, name: &Text, ot: &OwnedTable<'_, '_>) -> Option<Line> {
        let t = ot.table();
        let kind = t.req_text(
            &mut self.ctx,
            "kind",
            "say how the line is costed: kind = \"cohort\", \"simple\" or \"risk\"",
        );
        let common = ["kind", "label", "group", "budget", "source", "description"];
        let specific: &[&str] = match kind.as_ref().map(|k| k.value.as_str()) {
            Some("cohort") => &[
                "clients",
                "unit_cost",
                "periods",
                "period",
                "demand",
                "cost",
            ],
            Some("simple") => &["base", "growth"],
            Some("risk") => &["probability", "impact"],
            Some(other) => {
                let help = match closest(other, ["cohort", "simple", "risk"]) {
                    Some(s) => format!("did you mean \"{s}\"?"),
                    None => "use kind = \"cohort\", \"simple\" or \"risk\"".into(),
                };
                let span = kind.as_ref().map_or(t.span.clone(), |k| k.span.clone());
                self.ctx.error(
                    ProblemKind::InvalidValue,
                    span,
                    format!("line kind `{other}` is not known"),
                    help,
                );
                return None;
            }
            None => return None,
        };
        let allowed: Vec<&str> = common.iter().chain(specific).copied().collect();
        let what = format!("a {} line", kind.as_ref()?.value);
        t.only(&mut self.ctx, &allowed, &what);
        let label = self.label(&t, name);
        let group = t
            .text(&mut self.ctx, "group")
            .map_or_else(|| "Other".to_string(), |g| g.value);
        let source = self.source(&t).unwrap_or_default();
        let kind_name = kind?.value;
        let budget = if kind_name == "risk" && !t.has("budget") {
            Some(Decimal::ZERO)
        } else {
            self.amount(
                &t,
                "budget",
                false,
                "give what the budget provides for this line, in the model's unit",
            )
        };
        let kind = match kind_name.as_str() {
            "cohort" => {
                let clients = self.amount(
                    &t,
                    "clients",
                    false,
                    "the number of clients at the base level",
                );
                let unit_cost = self.amount(
                    &t,
                    "unit_cost",
                    false,
                    "cost per client per period, in pounds (not £m)",
                );
                let periods = self.amount(
                    &t,
                    "periods",
                    true,
                    "periods in the year: 52 weeks, or 190 school days",
                );
                let period = t
                    .text(&mut self.ctx, "period")
                    .map_or_else(|| "week".to_string(), |p| p.value);
                if let (Some(c), Some(u), Some(p)) = (clients, unit_cost, periods) {
                    self.check_cohort_size(&t, c, u, p);
                }
                let demand = self.inputs(&t, "demand", Role::Growth, &source);
                let cost = self.inputs(&t, "cost", Role::Growth, &source);
                LineKind::Cohort {
                    clients: clients?,
                    unit_cost: unit_cost?,
                    periods: periods?,
                    period,
                    demand: demand?,
                    cost: cost?,
                }
            }
            "simple" => {
                let base = self.amount(
                    &t,
                    "base",
                    false,
                    "the amount before growth, in the model's unit",
                );
                let growth = self.inputs(&t, "growth", Role::Growth, &source);
                LineKind::Simple {
                    base: base?,
                    growth: growth?,
                }
            }
            _ => {
                let p = self.probability(&t, "probability", true, &source);
                let impact = match t.get("impact") {
                    Some(v) => self.input(
                        &t,
                        "impact",
                        v,
                        Role::NonNegative,
                        format!("{}.impact", t.path),
                        &source,
                    ),
                    None => {
                        t.missing(
                            &mut self.ctx,
                            "impact",
                            "give the cost if it happens: a number, a driver or a distribution",
                        );
                        None
                    }
                };
                let (probability, occurs) = p?;
                LineKind::Risk {
                    probability,
                    occurs,
                    impact: impact?,
                }
            }
        };
        Some(Line {
            name: name.value.clone(),
            label,
            group,
            budget: budget?,
            kind,
            source,
        })
    }

    /// Refuses a cohort line whose central amount, clients × unit cost × periods in the
    /// model's unit, is beyond the 10^15 every model figure is held to: each factor may be
    /// within it while their product is not, and the simulation would then fail, or
    /// overflow, on the first year.
    fn check_cohort_size(
        &mut self,
        t: &Table<'_, '_>,
        clients: Decimal,
        unit_cost: Decimal,
        periods: Decimal,
    ) {
        use rust_decimal::prelude::ToPrimitive as _;
        let f = |d: Decimal| d.to_f64().unwrap_or(f64::INFINITY);
        let pounds = f(clients) * f(unit_cost) * f(periods);
        // Without a unit (a [meta] problem reported elsewhere), judge it in £m, the lenient
        // reading, so as not to add a second error to the first.
        let unit = self.unit.unwrap_or(Unit::Millions);
        let amount = pounds / unit.pounds();
        if amount <= crate::dist::LARGEST {
            return;
        }
        self.ctx.error(
            ProblemKind::OutOfRange,
            t.span_of("clients"),
            format!(
                "`{}` costs clients × unit_cost × periods = {clients} × £{unit_cost} × \
                 {periods} = {:.3e} {} a year before any growth, beyond 10^15, the largest \
                 figure a model can hold",
                t.path,
                amount,
                unit.symbol()
            ),
            "check the three figures: unit_cost is in pounds (not £m) per client per period, \
             and periods counts the periods in one year (52 weeks, 190 school days)",
        );
    }

    fn saving(&mut self, name: &Text, ot: &OwnedTable<'_, '_>) -> Option<Saving> {
        let t = ot.table();
        t.only(
            &mut self.ctx,
            &[
                "label",
                "group",
                "amount",
                "recurring",
                "probability",
                "delivered",
                "slippage",
                "source",
                "description",
            ],
            "a saving",
        );
        let label = self.label(&t, name);
        let group = t
            .text(&mut self.ctx, "group")
            .map_or_else(|| "Savings".to_string(), |g| g.value);
        let source = self.source(&t).unwrap_or_default();
        let amount = self.amount(
            &t,
            "amount",
            true,
            "the saving the budget counts on this year, in the model's unit, as a positive number",
        );
        let recurring = if t.has("recurring") {
            t.boolean(&mut self.ctx, "recurring")
        } else {
            t.missing(
                &mut self.ctx,
                "recurring",
                "say whether the saving recurs next year: recurring = true, or false for one-off",
            );
            None
        };
        let p = self.probability(&t, "probability", false, &source);
        let delivered = self.input_or(&t, "delivered", Role::Fraction, 1.0, &source);
        let slippage = self.input_or(&t, "slippage", Role::Months, 0.0, &source);
        let (probability, happens) = p?;
        Some(Saving {
            name: name.value.clone(),
            label,
            group,
            amount: amount?,
            recurring: recurring?,
            probability,
            happens,
            delivered: delivered?,
            slippage: slippage?,
            source,
        })
    }

    fn funding(&mut self, name: &Text, ot: &OwnedTable<'_, '_>) -> Option<Funding> {
        let t = ot.table();
        t.only(
            &mut self.ctx,
            &["label", "budget", "variation", "source", "description"],
            "a funding stream",
        );
        let label = self.label(&t, name);
        let source = self.source(&t).unwrap_or_default();
        let budget = self.amount(
            &t,
            "budget",
            false,
            "the amount the budget assumes, in the model's unit",
        );
        let variation = self.inputs(&t, "variation", Role::Growth, &source);
        Some(Funding {
            name: name.value.clone(),
            label,
            budget: budget?,
            variation: variation?,
            source,
        })
    }

    fn mitigation(&mut self, name: &Text, ot: &OwnedTable<'_, '_>) -> Option<Mitigation> {
        let t = ot.table();
        t.only(
            &mut self.ctx,
            &["label", "capacity", "source", "description"],
            "a mitigation",
        );
        let label = self.label(&t, name);
        let source = self.source(&t).unwrap_or_default();
        let capacity = match t.get("capacity") {
            Some(v) => self.input(
                &t,
                "capacity",
                v,
                Role::NonNegative,
                format!("{}.capacity", t.path),
                &source,
            ),
            None => {
                t.missing(
                    &mut self.ctx,
                    "capacity",
                    "give how much it can absorb, in the model's unit: a number or a distribution",
                );
                None
            }
        };
        Some(Mitigation {
            name: name.value.clone(),
            label,
            capacity: capacity?,
            source,
        })
    }

    fn reserve(&mut self, name: &Text, ot: &OwnedTable<'_, '_>) -> Option<Reserve> {
        let t = ot.table();
        t.only(
            &mut self.ctx,
            &[
                "label",
                "kind",
                "amount",
                "releasable",
                "source",
                "description",
            ],
            "a reserve",
        );
        let label = self.label(&t, name);
        let source = self.source(&t);
        let amount = self.amount(&t, "amount", false, "the balance, in the model's unit");
        let kind = t.req_text(
            &mut self.ctx,
            "kind",
            "kind = \"general_fund\" or kind = \"earmarked\"",
        )?;
        let kind = match kind.value.as_str() {
            "general_fund" => ReserveKind::GeneralFund,
            "earmarked" => ReserveKind::Earmarked,
            other => {
                self.ctx.error(
                    ProblemKind::InvalidValue,
                    kind.span,
                    format!("reserve kind `{other}` is not known"),
                    "kind = \"general_fund\" or kind = \"earmarked\"",
                );
                return None;
            }
        };
        let releasable = match kind {
            ReserveKind::GeneralFund => {
                if t.has("releasable") && t.boolean(&mut self.ctx, "releasable") == Some(false) {
                    self.ctx.error(
                        ProblemKind::InvalidValue,
                        t.span_of("releasable"),
                        "the general fund is always usable, so it cannot be releasable = false",
                        "remove `releasable`, or make this an earmarked reserve",
                    );
                    return None;
                }
                true
            }
            ReserveKind::Earmarked => {
                if !t.has("releasable") {
                    t.missing(
                        &mut self.ctx,
                        "releasable",
                        "say whether this earmarked reserve could lawfully be released to \
                         meet a shortfall: releasable = true or false",
                    );
                    return None;
                }
                t.boolean(&mut self.ctx, "releasable")?
            }
        };
        Some(Reserve {
            name: name.value.clone(),
            label,
            kind,
            amount: amount?,
            releasable,
            source: source?,
        })
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

//! The years a model spans (`[meta] horizon` or `years`), the year an item starts and
//! whether it recurs, and the [`Horizon`] put together, beside the items, from what the
//! model says by year (figures per year: `series`; the reserves plan: `reserves_plan`;
//! driver paths: `paths`).

use std::collections::HashMap;
use std::ops::Range;

use rust_decimal::Decimal;
use toml::de::DeValue;

use super::Builder;
use super::series::Sign;
use crate::model::diagnostic::ProblemKind;
use crate::model::horizon::{FundingYears, LineYears};
use crate::model::reader::{Table, Text, number, type_name};
use crate::model::{Active, Horizon, Line, LineKind, Model};

/// The most years a model may span: a medium-term financial plan looks three to five
/// years ahead, and ten is room for any.
pub(super) const MAX_YEARS: usize = 10;

/// What the model says about its years, gathered while its sections are read. Items are
/// found by name, which is unique across the model.
#[derive(Debug, Default)]
pub(super) struct Years {
    /// The years' labels, first to last (empty until `[meta]` gives them).
    pub(super) labels: Vec<String>,
    /// How many years, when `[meta]` says it usably (figures per year are checked
    /// against it; when it failed, they are not, so as not to add errors to its own).
    pub(super) count: Option<usize>,
    /// `[meta] net_budget` per year.
    pub(super) net_budget: Option<Vec<Decimal>>,
    /// `[meta] reserves_floor`.
    pub(super) reserves_floor: Option<Decimal>,
    /// Each line's budget and base per year.
    pub(super) lines: HashMap<String, LineYears>,
    /// Each funding stream's budget per year.
    pub(super) funding: HashMap<String, Vec<Decimal>>,
    /// When each saving, funding stream and mitigation counts.
    pub(super) starts: HashMap<String, Active>,
    /// Each usable reserve's planned movements, and where they are written.
    pub(super) planned: HashMap<String, (Vec<Decimal>, Range<usize>)>,
    /// Where drivers' path fields are written (a one-year model warns of them).
    pub(super) path_fields: Vec<Range<usize>>,
}

/// The labels of `n` years that follow on from `first`, when it has a form gapsim can
/// continue: `2024/25` → `2025/26`, `2024-25` → `2025-26`, `2024` → `2025`.
pub(super) fn following_years(first: &str, n: usize) -> Option<Vec<String>> {
    let b = first.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    // (the first year, the separator of a two-year label)
    let (start, sep) = match b.len() {
        4 if digits(b) => (first.parse::<u32>().ok()?, None),
        7 if digits(&b[..4]) && (b[4] == b'/' || b[4] == b'-') && digits(&b[5..]) => {
            // All ASCII, so these are character boundaries.
            let year: u32 = first[..4].parse().ok()?;
            let next: u32 = first[5..].parse().ok()?;
            if next != (year + 1) % 100 {
                return None;
            }
            (year, Some(char::from(b[4])))
        }
        _ => return None,
    };
    let n = u32::try_from(n).ok()?;
    // The last label's years stay four-digit.
    let last = start
        .checked_add(n)?
        .checked_sub(u32::from(sep.is_none()))?;
    if last > 9999 {
        return None;
    }
    Some(
        (start..start + n)
            .map(|y| match sep {
                Some(c) => format!("{y:04}{c}{:02}", (y + 1) % 100),
                None => format!("{y:04}"),
            })
            .collect(),
    )
}

impl Builder<'_> {
    /// Years the model spans, or 1 while unknown.
    pub(super) fn years_or_one(&self) -> usize {
        self.years.count.unwrap_or(1).max(1)
    }

    /// The label of year `t` (from 0).
    pub(super) fn year_label(&self, t: usize) -> String {
        self.years
            .labels
            .get(t)
            .cloned()
            .unwrap_or_else(|| format!("year {}", t + 1))
    }

    /// `[meta] horizon` and `years`: the years the model spans, from its first `year`.
    pub(super) fn read_years(&mut self, t: &Table<'_, '_>, year: Option<&Text>) {
        let (horizon, listed) = (self.horizon_field(t), self.years_field(t));
        let (Some(horizon), Some(listed)) = (horizon, listed) else {
            return;
        };
        let labels = match (horizon, listed) {
            (Some((n, span)), Some((labels, _))) if n != labels.len() => {
                self.ctx.error(
                    ProblemKind::Inconsistent,
                    span,
                    format!(
                        "`meta.horizon` is {n}, but `meta.years` lists {} year{}",
                        labels.len(),
                        if labels.len() == 1 { "" } else { "s" }
                    ),
                    "remove `horizon` (the list of years says how many there are), or make \
                     the two agree",
                );
                return;
            }
            (_, Some((labels, _))) => {
                let first = labels.first().map(|l| (l.value.clone(), l.span.clone()));
                if let (Some(year), Some((first, span))) = (year, first) {
                    if first != year.value {
                        self.ctx.error(
                            ProblemKind::Inconsistent,
                            span,
                            format!(
                                "`meta.years` starts with \"{first}\", but the model's first \
                                 year (`meta.year`) is \"{}\"",
                                year.value
                            ),
                            format!(
                                "make the first of `years` the model's year: years = [\"{}\", \
                                 ...], or change `year` to \"{first}\"",
                                year.value
                            ),
                        );
                        return;
                    }
                }
                labels.into_iter().map(|l| l.value).collect()
            }
            (Some((n, _)), None) if n > 1 => {
                let Some(year) = year else {
                    self.years.count = Some(n);
                    return;
                };
                match following_years(&year.value, n) {
                    Some(labels) => labels,
                    None => {
                        self.ctx.error(
                            ProblemKind::InvalidValue,
                            year.span.clone(),
                            format!(
                                "`meta.year` is \"{}\", which gapsim cannot continue into the \
                                 {n} years of `horizon` (it continues \"2024/25\", \"2024-25\" \
                                 and \"2024\")",
                                year.value
                            ),
                            format!(
                                "list the years' labels, first year first, in place of \
                                 `horizon`: years = [\"{}\", ...] with {n} labels",
                                year.value
                            ),
                        );
                        return;
                    }
                }
            }
            _ => match year {
                Some(year) => vec![year.value.clone()],
                None => {
                    self.years.count = Some(1);
                    return;
                }
            },
        };
        self.years.count = Some(labels.len());
        self.years.labels = labels;
    }

    /// `[meta] horizon`: `Some(None)` when absent, `None` after an error.
    fn horizon_field(&mut self, t: &Table<'_, '_>) -> Option<Option<(usize, Range<usize>)>> {
        let Some(v) = t.get("horizon") else {
            return Some(None);
        };
        let n = number(&mut self.ctx, "meta.horizon", v)?;
        use rust_decimal::prelude::ToPrimitive as _;
        let years = n
            .value
            .fract()
            .is_zero()
            .then(|| n.value.to_usize())
            .flatten()
            .filter(|k| (1..=MAX_YEARS).contains(k));
        match years {
            Some(k) => Some(Some((k, n.span))),
            None => {
                self.ctx.error(
                    ProblemKind::OutOfRange,
                    n.span,
                    format!(
                        "`meta.horizon` is the number of years the model spans, a whole \
                         number from 1 to {MAX_YEARS}, found {}",
                        n.value
                    ),
                    "write the years of the plan, e.g. horizon = 3 for a three-year medium-term \
                     financial plan",
                );
                None
            }
        }
    }

    /// `[meta] years`: the labels, `Some(None)` when absent, `None` after an error.
    fn years_field(&mut self, t: &Table<'_, '_>) -> Option<Option<(Vec<Text>, Range<usize>)>> {
        const EXAMPLE: &str = "years = [\"2024/25\", \"2025/26\", \"2026/27\"]";
        let Some(v) = t.get("years") else {
            return Some(None);
        };
        let DeValue::Array(items) = v.get_ref() else {
            self.ctx.error(
                ProblemKind::WrongType,
                v.span(),
                format!(
                    "`meta.years` should be a list of the years' labels, found {}",
                    type_name(v.get_ref())
                ),
                format!("write them in square brackets, first year first: {EXAMPLE}"),
            );
            return None;
        };
        if items.is_empty() || items.len() > MAX_YEARS {
            self.ctx.error(
                ProblemKind::OutOfRange,
                v.span(),
                format!(
                    "`meta.years` lists {} years; a model spans 1 to {MAX_YEARS}",
                    items.len()
                ),
                format!("list the years of the plan, first year first: {EXAMPLE}"),
            );
            return None;
        }
        let mut labels: Vec<Text> = Vec::with_capacity(items.len());
        let mut ok = true;
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(s) if s.trim().is_empty() => {
                    self.ctx.error(
                        ProblemKind::InvalidValue,
                        item.span(),
                        "a year's label in `meta.years` is empty",
                        format!("give each year its label: {EXAMPLE}"),
                    );
                    ok = false;
                }
                DeValue::String(s) => {
                    if labels.iter().any(|l| l.value == **s) {
                        self.ctx.error(
                            ProblemKind::InvalidValue,
                            item.span(),
                            format!("the year \"{s}\" is listed twice in `meta.years`"),
                            "list each year once, first to last",
                        );
                        ok = false;
                    } else {
                        labels.push(Text {
                            value: s.to_string(),
                            span: item.span(),
                        });
                    }
                }
                other => {
                    self.ctx.error(
                        ProblemKind::WrongType,
                        item.span(),
                        format!(
                            "`meta.years` holds {}, not a year's label in quotes",
                            type_name(other)
                        ),
                        format!("write each year as text in quotes: {EXAMPLE}"),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(Some((labels, v.span())))
    }

    /// `[meta] net_budget`, a figure per year: the first year's.
    pub(super) fn net_budget(&mut self, t: &Table<'_, '_>, help: &str) -> Option<Decimal> {
        let series = self.series(t, "net_budget", Sign::Positive, help)?;
        let first = series.first().copied();
        self.years.net_budget = Some(series);
        first
    }

    /// An item's optional `year`: the index of the year it starts (0, the first, when it
    /// has none).
    pub(super) fn start(&mut self, t: &Table<'_, '_>) -> Option<usize> {
        if !t.has("year") {
            return Some(0);
        }
        let label = t.text(&mut self.ctx, "year")?;
        if self.years.labels.is_empty() {
            // The years are not known: [meta] has its error.
            return Some(0);
        }
        if let Some(i) = self.years.labels.iter().position(|l| *l == label.value) {
            return Some(i);
        }
        let listed = self.years.labels.join(", ");
        let help = if self.years.labels.len() == 1 {
            format!(
                "the model spans one year, {listed}: to start it in a later year, set \
                 horizon = 2 (or more) in [meta], or list the years with years = [...]"
            )
        } else {
            match self
                .ctx
                .closest(&label.value, self.years.labels.iter().map(String::as_str))
            {
                Some(s) => format!("did you mean \"{s}\"? the model's years are {listed}"),
                None => format!(
                    "write one of the model's years ({listed}); for a later one, extend the \
                     horizon in [meta]"
                ),
            }
        };
        self.ctx.error(
            ProblemKind::InvalidValue,
            label.span,
            format!(
                "`{}.year` is \"{}\", which is not one of the model's years ({listed})",
                t.path, label.value
            ),
            help,
        );
        None
    }

    /// When a funding stream or mitigation counts: its `year` (default the first) and
    /// `recurring` (default true).
    pub(super) fn active(&mut self, t: &Table<'_, '_>) -> Option<Active> {
        let from = self.start(t);
        let recurring = if t.has("recurring") {
            t.boolean(&mut self.ctx, "recurring")
        } else {
            Some(true)
        };
        Some(Active {
            from: from?,
            recurring: recurring?,
        })
    }

    /// Records when the item of this name counts.
    pub(super) fn record_start(&mut self, name: &str, active: Active) {
        self.years.starts.insert(name.to_string(), active);
    }

    /// Records a line's figures per year.
    pub(super) fn record_line(&mut self, name: &str, years: LineYears) {
        self.years.lines.insert(name.to_string(), years);
    }

    /// Records a funding stream's budget per year.
    pub(super) fn record_funding(&mut self, name: &str, budget: Vec<Decimal>) {
        self.years.funding.insert(name.to_string(), budget);
    }

    /// The model's horizon: for one year, [`Horizon::one_year`] with the reserves plan,
    /// floor and paths; for several, every item's figures per year.
    pub(super) fn horizon(&mut self, model: &Model) -> Horizon {
        let n = self.years_or_one();
        let planned = self.planned_reserves(model, n);
        self.plan_exhausts_reserves(model, &planned);
        self.paths_in_one_year(n);
        let paths = self.paths(n);
        let reserves_floor = self.years.reserves_floor;
        if n == 1 || self.years.labels.len() != n {
            let mut one = Horizon::one_year(model);
            one.planned_reserves = planned;
            one.planned_reserves.truncate(1);
            one.reserves_floor = reserves_floor;
            one.paths = paths;
            return one;
        }
        let y = &self.years;
        Horizon {
            years: y.labels.clone(),
            net_budget: match &y.net_budget {
                Some(s) => s.iter().map(|&x| Some(x)).collect(),
                None => vec![None; n],
            },
            reserves_floor,
            planned_reserves: planned,
            lines: model
                .lines
                .iter()
                .map(|l| {
                    y.lines
                        .get(&l.name)
                        .cloned()
                        .unwrap_or_else(|| constant(l, n))
                })
                .collect(),
            savings: model
                .savings
                .iter()
                .map(|s| {
                    y.starts.get(&s.name).copied().unwrap_or(Active {
                        from: 0,
                        recurring: s.recurring,
                    })
                })
                .collect(),
            funding: model
                .funding
                .iter()
                .map(|fu| FundingYears {
                    budget: y
                        .funding
                        .get(&fu.name)
                        .cloned()
                        .unwrap_or_else(|| vec![fu.budget; n]),
                    active: y.starts.get(&fu.name).copied().unwrap_or(Active::ALWAYS),
                })
                .collect(),
            mitigations: model
                .mitigations
                .iter()
                .map(|m| y.starts.get(&m.name).copied().unwrap_or(Active::ALWAYS))
                .collect(),
            paths,
        }
    }
}

/// A line's figures, the same every year (only for a line whose years were not recorded,
/// which a built line always has).
fn constant(l: &Line, n: usize) -> LineYears {
    let base = match &l.kind {
        LineKind::Cohort { clients, .. } => *clients,
        LineKind::Simple { base, .. } => *base,
        LineKind::Risk { .. } => Decimal::ZERO,
    };
    LineYears {
        budget: vec![l.budget; n],
        base: vec![base; n],
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::following_years;
    use crate::model::horizon::LineYears;
    use crate::model::{Active, Horizon, LineKind, Model, Path, PathKind};

    #[test]
    fn labels_follow_the_first_years_form() {
        assert_eq!(
            following_years("2024/25", 3).unwrap(),
            ["2024/25", "2025/26", "2026/27"]
        );
        assert_eq!(
            following_years("2024-25", 2).unwrap(),
            ["2024-25", "2025-26"]
        );
        assert_eq!(
            following_years("2024", 3).unwrap(),
            ["2024", "2025", "2026"]
        );
        // Across a century.
        assert_eq!(
            following_years("2098/99", 3).unwrap(),
            ["2098/99", "2099/00", "2100/01"]
        );
        // Forms it does not continue.
        for first in [
            "FY24",
            "2024/26",
            "2024/2025",
            "24/25",
            "2024–25",
            "２０２４",
            "",
            "2024/2",
        ] {
            assert_eq!(following_years(first, 3), None, "{first}");
        }
        // Past four digits.
        assert_eq!(following_years("9998/99", 3), None);
        assert_eq!(following_years("9999", 1).unwrap(), ["9999"]);
        assert_eq!(following_years("9999", 2), None);
        assert_eq!(following_years("9998/99", 1).unwrap(), ["9998/99"]);
        assert_eq!(following_years("9999/00", 1), None);
    }

    /// Every form a model of several years may use.
    const THREE_YEARS: &str = r#"[meta]
name = "Three years"
council = "Test"
year = "2024/25"
unit = "£m"
horizon = 3
net_budget = { first = 200, grows = "4%" }
reserves_floor = "5%"

[drivers.pay]
dist = "normal"
mean = 0.03
sd = 0.01
path = "walk"
widen = 0.25
drift = "0.5%"
source = "assumption: test"

[drivers.demand]
dist = "normal"
mean = 0.02
sd = 0.01
path = "ar1"
phi = 0.6
compound = true
source = "assumption: test"

[lines.care]
kind = "cohort"
clients = [100, 104.5, 109]
unit_cost = 500
periods = 52
demand = "demand"
cost = "pay"
budget = { first = 2.6, grows = 0.04 }
source = "assumption: test"

[lines.staff]
kind = "simple"
base = 100
growth = "pay"
budget = [100, 104.5, 109]
source = "assumption: test"

[lines.flood]
kind = "risk"
probability = 0.1
impact = { dist = "pert", min = 1, mode = 2, max = 5 }
source = "assumption: test"

[savings.plan]
amount = 1.5
recurring = true
probability = 0.9
source = "assumption: test"

[savings.later]
amount = 1
recurring = false
year = "2025/26"
source = "assumption: test"

[funding.grant]
budget = [10, 10, 0]
year = "2024/25"
recurring = true
source = "assumption: test"

[funding.one_off]
budget = 5
year = "2026/27"
recurring = false
source = "assumption: test"

[mitigation.contingency]
capacity = 2
source = "assumption: test"

[mitigation.later_action]
capacity = { dist = "uniform", min = 0, max = 1, path = "hold" }
year = "2025/26"
source = "assumption: test"

[reserves.general_fund]
kind = "general_fund"
amount = 20
planned = [-5, 0, 2]
source = "assumption: test"

[reserves.transformation]
kind = "earmarked"
amount = 10
releasable = true
planned = -3
source = "assumption: test"

[reserves.schools]
kind = "earmarked"
amount = 10
releasable = false
source = "assumption: test"
"#;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn ds(v: &[&str]) -> Vec<Decimal> {
        v.iter().map(|s| d(s)).collect()
    }

    #[test]
    fn a_model_of_three_years_reads_into_its_horizon_exactly() {
        let loaded = Model::from_toml("three.toml", THREE_YEARS).unwrap_or_else(|e| panic!("{e}"));
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
        let m = loaded.model;
        let h = &m.horizon;
        assert_eq!(h.years, ["2024/25", "2025/26", "2026/27"]);
        // { first = 200, grows = "4%" }: 200, 208, 216.32.
        assert_eq!(
            h.net_budget,
            [Some(d("200")), Some(d("208")), Some(d("216.32"))]
        );
        assert_eq!(h.reserves_floor, Some(d("0.05")));
        // The general fund's [-5, 0, 2] and the releasable earmarked reserve's -3 a year;
        // the schools reserve is not usable and plans nothing.
        assert_eq!(h.planned_reserves, ds(&["-8", "-3", "-1"]));
        let lines: Vec<&LineYears> = h.lines.iter().collect();
        // care: budget { first = 2.6, grows = 0.04 }, clients [100, 104.5, 109].
        assert_eq!(lines[0].budget, ds(&["2.6", "2.704", "2.81216"]));
        assert_eq!(lines[0].base, ds(&["100", "104.5", "109"]));
        // staff: base 100 every year, budget listed.
        assert_eq!(lines[1].budget, ds(&["100", "104.5", "109"]));
        assert_eq!(lines[1].base, ds(&["100", "100", "100"]));
        // flood: a risk line without a budget provides 0; it has no base.
        assert_eq!(lines[2].budget, ds(&["0", "0", "0"]));
        assert_eq!(lines[2].base, ds(&["0", "0", "0"]));
        assert_eq!(
            h.savings,
            [
                Active::ALWAYS,
                Active {
                    from: 1,
                    recurring: false
                }
            ]
        );
        assert_eq!(h.funding[0].budget, ds(&["10", "10", "0"]));
        assert_eq!(h.funding[0].active, Active::ALWAYS);
        assert_eq!(h.funding[1].budget, ds(&["5", "5", "5"]));
        assert_eq!(
            h.funding[1].active,
            Active {
                from: 2,
                recurring: false
            }
        );
        assert_eq!(
            h.mitigations,
            [
                Active::ALWAYS,
                Active {
                    from: 1,
                    recurring: true
                }
            ]
        );
        // The items hold the first year's figures.
        assert_eq!(m.meta.net_budget, Some(d("200")));
        assert_eq!(m.lines[0].budget, d("2.6"));
        assert!(matches!(m.lines[0].kind, LineKind::Cohort { clients, .. } if clients == d("100")));
        assert_eq!(m.funding[1].budget, d("5"));

        let path = |name: &str| h.paths[m.driver_named(name).unwrap().0];
        assert_eq!(h.paths.len(), m.drivers.len());
        assert_eq!(
            path("pay"),
            Path {
                kind: PathKind::Independent,
                compound: true,
                widen: 0.25,
                drift: 0.005
            }
        );
        assert_eq!(
            path("demand"),
            Path {
                kind: PathKind::Ar1 { phi: 0.6 },
                compound: true,
                ..Path::HOLD
            }
        );
        // A risk's occurrence and cost, and a mitigation's capacity, written inline, are
        // drawn each year; a saving's drivers are held, and so is a capacity that says so.
        assert_eq!(path("lines.flood.probability"), Path::INDEPENDENT);
        assert_eq!(path("lines.flood.impact"), Path::INDEPENDENT);
        assert_eq!(path("mitigation.contingency.capacity"), Path::INDEPENDENT);
        assert_eq!(path("mitigation.later_action.capacity"), Path::HOLD);
        assert_eq!(path("savings.plan.probability"), Path::HOLD);
        assert_eq!(path("savings.plan.delivered"), Path::HOLD);

        // The first year leaves out what starts later.
        let first = m.first_year();
        let names = |v: Vec<&str>| v.join(",");
        assert_eq!(
            names(first.savings.iter().map(|s| s.name.as_str()).collect()),
            "plan"
        );
        assert_eq!(
            names(first.funding.iter().map(|f| f.name.as_str()).collect()),
            "grant"
        );
        assert_eq!(
            names(first.mitigations.iter().map(|x| x.name.as_str()).collect()),
            "contingency"
        );
        assert_eq!(first.horizon.planned_reserves, ds(&["-8"]));
    }

    #[test]
    fn a_declared_driver_keeps_its_own_path_at_a_risk() {
        let text = THREE_YEARS.replace(
            "impact = { dist = \"pert\", min = 1, mode = 2, max = 5 }",
            "impact = \"cost\"",
        ) + "\n[drivers.cost]\ndist = \"pert\"\nmin = 1\nmode = 2\nmax = 5\nsource = \"x\"\n";
        let m = Model::from_toml("t.toml", &text).unwrap().model;
        let id = m.driver_named("cost").unwrap();
        assert_eq!(m.horizon.paths[id.0], Path::HOLD);
    }

    #[test]
    fn a_model_without_years_has_the_one_year_horizon() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut paths: Vec<_> = std::fs::read_dir(root.join("tests/fixtures"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        paths.push(root.join("models/kent-2024-25.toml"));
        let repair = crate::model::LoadOptions {
            repair_correlation: true,
        };
        for path in &paths {
            let text = std::fs::read_to_string(path).unwrap();
            let m = Model::from_toml_with("f.toml", &text, &repair)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
                .model;
            assert_eq!(m.horizon, Horizon::one_year(&m), "{}", path.display());
            assert_eq!(m.horizon.paths.len(), m.drivers.len());
        }
        assert!(paths.len() >= 9, "{paths:?}");
        // A one-year model written with the new forms has the same horizon too.
        let kent = std::fs::read_to_string(root.join("models/kent-2024-25.toml")).unwrap();
        let with_forms = kent.replacen("[meta]\n", "[meta]\nhorizon = 1\n", 1);
        let m = Model::from_toml("k.toml", &with_forms).unwrap().model;
        assert_eq!(m.horizon, Horizon::one_year(&m));
    }

    #[test]
    fn the_documented_example_of_several_years_reads() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let doc = std::fs::read_to_string(root.join("docs/model-format.md")).unwrap();
        let section = &doc[doc.find("## Several years").unwrap()..];
        let start = section.find("```toml\n").unwrap() + "```toml\n".len();
        let end = start + section[start..].find("```\n").unwrap();
        let loaded = Model::from_toml("doc.toml", &section[start..end]).unwrap();
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
        let h = &loaded.model.horizon;
        assert_eq!(h.years, ["2024/25", "2025/26", "2026/27"]);
        assert_eq!(h.planned_reserves, ds(&["-10", "0", "5"]));
        // 1429 × 1.04²
        assert_eq!(h.net_budget[2], Some(d("1545.6064")));
    }
}

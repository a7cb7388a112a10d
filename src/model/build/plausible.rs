//! Warnings for figures that are allowed but probably not meant: a unit mistake (pounds in
//! a £m model, a weekly cost in £k, millions in a £ model), a line whose outturn is out of
//! all proportion to its budget, reserves larger than the whole budget.
//!
//! The heuristics, each stated where it is applied:
//! - in a £m model, a money figure above £100bn ([`IMPLAUSIBLE_MILLIONS`]) is in pounds;
//! - in a £ model, a net budget below £1m ([`IMPLAUSIBLE_POUNDS_BUDGET`]), or without one,
//!   lines, savings and funding adding up to below £100,000 ([`IMPLAUSIBLE_POUNDS_SCALE`]),
//!   are in millions;
//! - a line whose central outturn (every driver at its mean) is more than twice its budget
//!   or less than half of it ([`FACTOR`]), or differs from it by more than a quarter of
//!   the net budget ([`SHARE_OF_NET`]), has a figure in the wrong unit or a budget that
//!   does not describe it;
//! - usable reserves above the net budget are a unit mistake.

use std::collections::HashSet;
use std::ops::Range;

use toml::de::DeValue;

use super::Builder;
use crate::model::diagnostic::{Diagnostic, ProblemKind};
use crate::model::figures::{
    IMPLAUSIBLE_MILLIONS, IMPLAUSIBLE_POUNDS_BUDGET, IMPLAUSIBLE_POUNDS_SCALE, f, money, short, sig,
};
use crate::model::reader::Table;
use crate::model::{Line, LineKind, Model, Unit, UnitCost};

/// A line's central outturn more than this many times its budget, or less than its
/// budget divided by it, is flagged.
pub(super) const FACTOR: f64 = 2.0;

/// A line's central outturn further from its budget than this share of the net revenue
/// budget is flagged: no single line of a balanced budget is expected to be out by a
/// quarter of the whole.
pub(super) const SHARE_OF_NET: f64 = 0.25;

/// Where `section.name.field` is written, if it is.
fn field(root: &Table<'_, '_>, section: &str, name: &str, key: &str) -> Option<Range<usize>> {
    let DeValue::Table(s) = root.get(section)?.get_ref() else {
        return None;
    };
    let DeValue::Table(item) = s.get(name)?.get_ref() else {
        return None;
    };
    item.get(key).map(|v| v.span())
}

impl Builder<'_> {
    /// Every plausibility warning of a model that has no errors.
    pub(super) fn check_plausible(&mut self, model: &Model, root: &Table<'_, '_>) {
        // Where a figure was flagged already (by where it starts).
        let mut flagged: HashSet<usize> = HashSet::new();
        let whole_model = match model.meta.unit {
            Unit::Millions => {
                self.pounds_in_millions(model, root, &mut flagged);
                false
            }
            Unit::Pounds => self.millions_in_pounds(model, root),
        };
        if !whole_model {
            // (When the whole model is in the wrong unit, every line is out of proportion
            // for that one reason, which has its warning.)
            for line in &model.lines {
                self.line_against_budget(model, root, line, &flagged);
            }
        }
        self.reserves_against_budget(model, root);
    }

    /// In a £m model, money figures above £100bn: written in pounds.
    fn pounds_in_millions(
        &mut self,
        model: &Model,
        root: &Table<'_, '_>,
        flagged: &mut HashSet<usize>,
    ) {
        let mut figures: Vec<(f64, Option<Range<usize>>, String)> = Vec::new();
        let meta_net = root.get("meta").and_then(|m| match m.get_ref() {
            DeValue::Table(t) => t.get("net_budget").map(|v| v.span()),
            _ => None,
        });
        if let Some(net) = model.meta.net_budget {
            figures.push((f(net), meta_net, "[meta] net_budget".into()));
        }
        for l in &model.lines {
            let at = |k: &str| field(root, "lines", &l.name, k);
            figures.push((
                f(l.budget),
                at("budget"),
                format!("lines.{}.budget", l.name),
            ));
            if let LineKind::Simple { base, .. } = &l.kind {
                figures.push((f(*base), at("base"), format!("lines.{}.base", l.name)));
            }
        }
        for s in &model.savings {
            let at = field(root, "savings", &s.name, "amount");
            figures.push((f(s.amount), at, format!("savings.{}.amount", s.name)));
        }
        for fu in &model.funding {
            let at = field(root, "funding", &fu.name, "budget");
            figures.push((f(fu.budget), at, format!("funding.{}.budget", fu.name)));
        }
        for r in &model.reserves {
            let at = field(root, "reserves", &r.name, "amount");
            figures.push((f(r.amount), at, format!("reserves.{}.amount", r.name)));
        }
        for (x, span, path) in figures {
            if x <= IMPLAUSIBLE_MILLIONS {
                continue;
            }
            if let Some(s) = &span {
                flagged.insert(s.start);
            }
            self.ctx.push(
                Diagnostic::warning(
                    ProblemKind::Implausible,
                    span,
                    format!(
                        "`{path}` is {} in this £m model, that is {}bn: more than £100bn, \
                         about the net revenue spending of all English councils together, so \
                         it is almost certainly written in pounds",
                        money(x, Unit::Millions),
                        money(x / 1000.0, Unit::Pounds)
                    ),
                )
                .with_help(format!(
                    "write it in millions: {} for {} (or, if every figure is in pounds, \
                     write unit = \"£\" in [meta])",
                    short(x / 1e6),
                    money(x, Unit::Pounds)
                )),
            );
        }
    }

    /// In a £ model, a net budget below £1m, or (without one) figures adding up to below
    /// £100,000: written in millions. Whether it warned.
    fn millions_in_pounds(&mut self, model: &Model, root: &Table<'_, '_>) -> bool {
        let meta = |k: &str| {
            root.get("meta").and_then(|m| match m.get_ref() {
                DeValue::Table(t) => t.get(k).map(|v| v.span()),
                _ => None,
            })
        };
        let (what, x, span) = match model.meta.net_budget {
            Some(net) if f(net) < IMPLAUSIBLE_POUNDS_BUDGET => (
                format!(
                    "the net revenue budget is {}, less than £1m, smaller than any \
                     council's",
                    money(f(net), Unit::Pounds)
                ),
                f(net),
                meta("net_budget"),
            ),
            Some(_) => return false,
            None => {
                let scale: f64 = model.lines.iter().map(|l| f(l.budget)).sum::<f64>()
                    + model.savings.iter().map(|s| f(s.amount)).sum::<f64>()
                    + model.funding.iter().map(|fu| f(fu.budget)).sum::<f64>();
                if scale >= IMPLAUSIBLE_POUNDS_SCALE {
                    return false;
                }
                (
                    format!(
                        "its lines, savings and funding add up to {}, less than £100,000, \
                         far smaller than any council's budget",
                        money(scale, Unit::Pounds)
                    ),
                    scale,
                    meta("unit"),
                )
            }
        };
        self.ctx.push(
            Diagnostic::warning(
                ProblemKind::Implausible,
                span,
                format!(
                    "this model's money is in pounds (unit = \"£\"), but {what}: the figures \
                     look like millions"
                ),
            )
            .with_help(format!(
                "if the figures are in millions of pounds ({} meaning {}), write unit = \
                 \"£m\" in [meta]",
                short(x),
                money(x, Unit::Millions)
            )),
        );
        true
    }

    /// A line whose central outturn is more than [`FACTOR`] times its budget (or less
    /// than its budget over [`FACTOR`]), or differs from it by more than [`SHARE_OF_NET`]
    /// of the net budget.
    fn line_against_budget(
        &mut self,
        model: &Model,
        root: &Table<'_, '_>,
        line: &Line,
        flagged: &HashSet<usize>,
    ) {
        let at = |k: &str| field(root, "lines", &line.name, k);
        if [at("budget"), at("base")]
            .iter()
            .flatten()
            .any(|s| flagged.contains(&s.start))
        {
            // Already flagged as pounds in a £m model.
            return;
        }
        let drivers: Vec<crate::model::DriverId> = match model.product(line) {
            Some((_, factors)) => factors.iter().map(|k| k.driver()).collect(),
            None => Vec::new(),
        };
        if drivers.iter().any(|d| self.info[d.0].warned) {
            // Out of proportion because a driver of it is (a percentage written as a
            // whole number), which has its own warning.
            return;
        }
        let unit = model.meta.unit;
        let central = model.central_outturn(line);
        let budget = f(line.budget);
        let net = model.meta.net_budget.map(f);
        let is_risk = matches!(line.kind, LineKind::Risk { .. });
        let ratio = central / budget;
        let by_factor =
            !is_risk && budget > 0.0 && central > 0.0 && !(1.0 / FACTOR..=FACTOR).contains(&ratio);
        let by_share = net.is_some_and(|n| (central - budget).abs() > SHARE_OF_NET * n);
        if !by_factor && !by_share {
            return;
        }
        let how = if by_factor && ratio > 1.0 {
            format!("{} times its budget", short_ratio(ratio))
        } else if by_factor {
            format!("{}% of its budget", sig(100.0 * ratio))
        } else {
            format!(
                "{} {} its budget, more than a quarter of the net revenue budget ({})",
                money((central - budget).abs(), unit),
                if central > budget { "above" } else { "below" },
                money(net.unwrap_or(0.0), unit)
            )
        };
        let fix = likely_fix(model, line, ratio);
        self.ctx.push(
            Diagnostic::warning(
                ProblemKind::Implausible,
                at("budget").or(Some(line.span.clone())),
                format!(
                    "line `{}` has a central outturn (every driver at its mean) of {}, {how} \
                     of {}: a difference this large is usually a figure in the wrong unit",
                    line.name,
                    money(central, unit),
                    money(budget, unit)
                ),
            )
            .with_help(fix),
        );
    }

    /// Usable reserves larger than the net revenue budget.
    fn reserves_against_budget(&mut self, model: &Model, root: &Table<'_, '_>) {
        let Some(net) = model.meta.net_budget.map(f) else {
            return;
        };
        let usable = f(model.usable_reserves());
        if usable <= net {
            return;
        }
        let unit = model.meta.unit;
        let largest = model
            .reserves
            .iter()
            .filter(|r| r.releasable)
            .max_by_key(|r| r.amount);
        let span = largest.and_then(|r| field(root, "reserves", &r.name, "amount"));
        self.ctx.push(
            Diagnostic::warning(
                ProblemKind::Implausible,
                span,
                format!(
                    "usable reserves are {}, more than the net revenue budget of {}: \
                     councils' usable reserves are a fraction of a year's budget",
                    money(usable, unit),
                    money(net, unit)
                ),
            )
            .with_help(format!(
                "check the reserves and `net_budget` are both in the model's unit, {}, and \
                 that only reserves that could be used to meet a shortfall are marked \
                 releasable",
                unit.symbol()
            )),
        );
    }
}

/// A ratio for a message: `2.5`, `1,000`, `1.2e6`.
fn short_ratio(r: f64) -> String {
    if r >= 1e5 {
        format!("{r:.2e}")
    } else if r >= 100.0 {
        money(r.round(), Unit::Pounds)
            .trim_start_matches('£')
            .to_string()
    } else {
        short((r * 100.0).round() / 100.0)
    }
}

/// The fix most likely for a line out of proportion to its budget by `ratio`: when the
/// ratio is near a power of a thousand, the figure written in the wrong unit.
fn likely_fix(model: &Model, line: &Line, ratio: f64) -> String {
    let thousands = (ratio.log10() / 3.0).round();
    // Within a factor of about 5 of a power of a thousand.
    let near = thousands != 0.0 && (ratio.log10() - 3.0 * thousands).abs() < 0.75;
    let unit = model.meta.unit;
    let budget = f(line.budget);
    match (&line.kind, near.then_some(thousands as i32), unit) {
        (
            LineKind::Cohort {
                unit_cost: UnitCost::Fixed(u),
                ..
            },
            Some(-1),
            _,
        ) => format!(
            "unit_cost is in pounds per client per period, and £{u} is about a thousandth of \
             what the budget implies: if it is in £k, write unit_cost = {}",
            short(f(*u) * 1000.0)
        ),
        (_, Some(-2), Unit::Millions) => format!(
            "the budget looks like pounds in a £m model: write budget = {}",
            short(budget / 1e6)
        ),
        (_, Some(2), Unit::Pounds) => format!(
            "the budget looks like millions in a £ model: write budget = {}",
            short(budget * 1e6)
        ),
        (LineKind::Cohort { .. }, _, _) => "check the figures' units: unit_cost is in pounds \
             per client per period (not £k or £m), periods counts a year (52 weeks, 190 \
             school days), and budget is in the model's unit; or check that the budget \
             describes the same clients"
            .into(),
        _ => format!(
            "check that the line's figures and its budget are in the model's unit, {}, and \
             that growth is written as a fraction (0.05 for 5%)",
            unit.symbol()
        ),
    }
}

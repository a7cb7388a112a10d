//! Refuses a model whose simulated years could reach amounts too large to compute with,
//! before it runs: each factor of a product may be within bounds while the product is not
//! (three wide lognormals in one cohort line).

use std::ops::Range;

use super::Builder;
use super::inputs::short;
use crate::model::diagnostic::{Diagnostic, ProblemKind};
use crate::model::figures::LARGEST_AMOUNT as LARGEST;
use crate::model::figures::{Factor, f};
use crate::model::{Line, Model};

impl Builder<'_> {
    /// Each line and funding stream at its drivers' [`Model::top`] values must stay within
    /// [`LARGEST`] (10^20, the engine's limit), and so must the gap, bounded by the sum of
    /// every item at its largest; in every year of the horizon, where a later year's
    /// figures and its drivers' paths ([`Model::top_in`]) count.
    pub(super) fn check_bounds(&mut self, model: &Model) {
        let years = model.horizon.len().max(1);
        // Each year's items at their largest, with where they are written.
        let mut items: Vec<Vec<(f64, Range<usize>)>> = vec![Vec::new(); years];
        let mut bad = false;
        for (i, line) in model.lines.iter().enumerate() {
            let tops: Vec<f64> = (0..years).map(|t| model.top_outturn_in(i, t)).collect();
            let (t, top) = worst(&tops);
            if top.is_nan() || top > LARGEST {
                self.refuse_line(model, i, line, top, t);
                bad = true;
            }
            for (t, year) in items.iter_mut().enumerate() {
                let budget = model.horizon.lines.get(i).and_then(|y| y.budget.get(t));
                let budget = f(budget.copied().unwrap_or(line.budget));
                year.push((tops[t].max(budget), line.span.clone()));
            }
        }
        for (i, fu) in model.funding.iter().enumerate() {
            let years_of = model.horizon.funding.get(i);
            let budget = |t: usize| {
                f(years_of
                    .and_then(|y| y.budget.get(t))
                    .copied()
                    .unwrap_or(fu.budget))
            };
            let counts = |t: usize| years_of.is_none_or(|y| y.active.in_year(t));
            let tops: Vec<f64> = (0..years)
                .map(|t| {
                    if !counts(t) {
                        return 0.0;
                    }
                    fu.variation.iter().fold(budget(t), |p, &v| {
                        p * Factor::Growth(v).at(model.top_in(v, t))
                    })
                })
                .collect();
            let (t, top) = worst(&tops);
            if top.is_nan() || top > LARGEST {
                self.ctx.push(
                    Diagnostic::error(
                        ProblemKind::OutOfRange,
                        Some(fu.span.clone()),
                        format!(
                            "funding stream `{}` can reach {} {} {} (its budget times each \
                             variation at its one-in-a-trillion value), beyond 10^20, the \
                             largest amount the simulation computes with",
                            fu.name,
                            g(top),
                            model.meta.unit.symbol(),
                            in_a_year(model, t)
                        ),
                    )
                    .with_help(
                        "narrow its variation (a fraction: 0.01 for ±1%), or bound it with `max`",
                    ),
                );
                bad = true;
            }
            for (t, year) in items.iter_mut().enumerate() {
                if counts(t) {
                    year.push((tops[t].max(budget(t)), fu.span.clone()));
                }
            }
        }
        for (i, sv) in model.savings.iter().enumerate() {
            for (t, year) in items.iter_mut().enumerate() {
                if model.horizon.savings.get(i).is_none_or(|a| a.in_year(t)) {
                    year.push((f(sv.amount), sv.span.clone()));
                }
            }
        }
        let totals: Vec<f64> = items
            .iter()
            .map(|year| year.iter().map(|(x, _)| x).sum())
            .collect();
        let (t, total) = worst(&totals);
        if bad || total <= LARGEST {
            return;
        }
        let (largest, span) = items[t]
            .iter()
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .cloned()
            .unwrap_or((0.0, 0..0));
        self.ctx.push(
            Diagnostic::error(
                ProblemKind::OutOfRange,
                Some(span),
                format!(
                    "the lines, savings and funding together can reach {} {} {} (each at \
                     its one-in-a-trillion value), beyond 10^20, the largest amount the \
                     simulation computes with; the largest of them, here, can reach {}",
                    g(total),
                    model.meta.unit.symbol(),
                    in_a_year(model, t),
                    g(largest)
                ),
            )
            .with_help(
                "check the unit of the largest figures (a £ model's figures are in pounds, a \
                 £m model's in millions), or narrow the widest distributions",
            ),
        );
    }

    /// Refuses a product line that can reach `top` in year `t`, naming its widest factor.
    fn refuse_line(&mut self, model: &Model, index: usize, line: &Line, top: f64, t: usize) {
        let unit = model.meta.unit.symbol();
        let when = in_a_year(model, t);
        let Some((coefficient, factors)) = model.product_with(line, model.base_in(index, t)) else {
            let when = if t == 0 {
                String::new()
            } else {
                format!(" in {}", label(model, t))
            };
            self.ctx.push(
                Diagnostic::error(
                    ProblemKind::OutOfRange,
                    Some(line.span.clone()),
                    format!(
                        "line `{}` can cost {} {unit} if it happens{when} (its impact at its \
                         one-in-a-trillion value), beyond 10^20, the largest amount the \
                         simulation computes with",
                        line.name,
                        g(top)
                    ),
                )
                .with_help("narrow the impact's distribution, or bound it with `max`"),
            );
            return;
        };
        let mut at_top: Vec<(f64, String)> = factors
            .iter()
            .map(|&k| {
                let d = model.driver(k.driver());
                (k.at(model.top_in(k.driver(), t)), d.name.clone())
            })
            .collect();
        let listed: Vec<String> = at_top
            .iter()
            .map(|(x, name)| format!("`{name}` ×{}", g(*x)))
            .collect();
        at_top.sort_by(|a, b| b.0.total_cmp(&a.0));
        let widest = at_top.first().map_or(String::new(), |(x, name)| {
            format!("`{name}`, which reaches ×{} one year in a trillion", g(*x))
        });
        self.ctx.push(
            Diagnostic::error(
                ProblemKind::OutOfRange,
                Some(line.span.clone()),
                format!(
                    "line `{}` can reach {} {unit} {when}: {} {unit} times each factor at \
                     its one-in-a-trillion value ({}) is beyond 10^20, the largest amount the \
                     simulation computes with, so a long run would fail",
                    line.name,
                    g(top),
                    g(coefficient),
                    listed.join(", ")
                ),
            )
            .with_help(format!(
                "narrow the widest factor, {widest} (for a lognormal, bring p90 closer to the \
                 median), or bound it with `max`; multiplying several wide drivers in one \
                 line multiplies their extremes{}",
                if t == 0 {
                    ""
                } else {
                    ", and a path that compounds or widens multiplies them again each year"
                }
            )),
        );
    }
}

/// The year whose value is the largest (a NaN counts as the largest), and the value.
fn worst(values: &[f64]) -> (usize, f64) {
    let years = values.iter().copied().enumerate();
    match values.iter().position(|x| x.is_nan()) {
        Some(t) => (t, f64::NAN),
        None => years.max_by(|a, b| a.1.total_cmp(&b.1)).unwrap_or((0, 0.0)),
    }
}

/// The label of year `t`.
fn label(model: &Model, t: usize) -> String {
    model
        .horizon
        .years
        .get(t)
        .cloned()
        .unwrap_or_else(|| format!("year {}", t + 1))
}

/// "in a simulated year", naming the year when it is not the first.
fn in_a_year(model: &Model, t: usize) -> String {
    if t == 0 {
        "in a simulated year".to_string()
    } else {
        format!(
            "in a simulated year of {} (year {} of the horizon)",
            label(model, t),
            t + 1
        )
    }
}

/// A figure that may be huge: in full up to a million, else in scientific notation.
fn g(x: f64) -> String {
    if x.abs() < 1e6 {
        short(x)
    } else {
        format!("{x:.3e}")
    }
}

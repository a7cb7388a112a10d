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
    /// every item at its largest.
    pub(super) fn check_bounds(&mut self, model: &Model) {
        let mut items: Vec<(f64, Range<usize>)> = Vec::new();
        let mut bad = false;
        for line in &model.lines {
            let top = model.top_outturn(line);
            if top.is_nan() || top > LARGEST {
                self.refuse_line(model, line, top);
                bad = true;
            }
            items.push((top.max(f(line.budget)), line.span.clone()));
        }
        for fu in &model.funding {
            let top = fu
                .variation
                .iter()
                .fold(f(fu.budget), |t, &v| t * Factor::Growth(v).at(model.top(v)));
            if top.is_nan() || top > LARGEST {
                self.ctx.push(
                    Diagnostic::error(
                        ProblemKind::OutOfRange,
                        Some(fu.span.clone()),
                        format!(
                            "funding stream `{}` can reach {} {} in a simulated year (its \
                             budget times each variation at its one-in-a-trillion value), \
                             beyond 10^20, the largest amount the simulation computes with",
                            fu.name,
                            g(top),
                            model.meta.unit.symbol()
                        ),
                    )
                    .with_help(
                        "narrow its variation (a fraction: 0.01 for ±1%), or bound it with `max`",
                    ),
                );
                bad = true;
            }
            items.push((top.max(f(fu.budget)), fu.span.clone()));
        }
        for sv in &model.savings {
            items.push((f(sv.amount), sv.span.clone()));
        }
        let total: f64 = items.iter().map(|(x, _)| x).sum();
        if bad || total <= LARGEST {
            return;
        }
        let (largest, span) = items
            .iter()
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .cloned()
            .unwrap_or((0.0, 0..0));
        self.ctx.push(
            Diagnostic::error(
                ProblemKind::OutOfRange,
                Some(span),
                format!(
                    "the lines, savings and funding together can reach {} {} in a simulated \
                     year (each at its one-in-a-trillion value), beyond 10^20, the largest \
                     amount the simulation computes with; the largest of them, here, can \
                     reach {}",
                    g(total),
                    model.meta.unit.symbol(),
                    g(largest)
                ),
            )
            .with_help(
                "check the unit of the largest figures (a £ model's figures are in pounds, a \
                 £m model's in millions), or narrow the widest distributions",
            ),
        );
    }

    /// Refuses a product line that can reach `top`, naming its widest factor.
    fn refuse_line(&mut self, model: &Model, line: &Line, top: f64) {
        let unit = model.meta.unit.symbol();
        let Some((coefficient, factors)) = model.product(line) else {
            self.ctx.push(
                Diagnostic::error(
                    ProblemKind::OutOfRange,
                    Some(line.span.clone()),
                    format!(
                        "line `{}` can cost {} {unit} if it happens (its impact at its \
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
                (k.at(model.top(k.driver())), d.name.clone())
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
                    "line `{}` can reach {} {unit} in a simulated year: {} {unit} times each \
                     factor at its one-in-a-trillion value ({}) is beyond 10^20, the largest \
                     amount the simulation computes with, so a long run would fail",
                    line.name,
                    g(top),
                    g(coefficient),
                    listed.join(", ")
                ),
            )
            .with_help(format!(
                "narrow the widest factor, {widest} (for a lognormal, bring p90 closer to the \
                 median), or bound it with `max`; multiplying several wide drivers in one \
                 line multiplies their extremes"
            )),
        );
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

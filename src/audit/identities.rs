//! Identities between the figures of a summary: what `summarize` derives from the same
//! simulated years must agree, within the rounding of each figure to the money grid.
//!
//! Field checks ([`super::fields`]) see a figure out of range; these see a figure that is
//! in range but does not fit with the others: a mean gap edited from 43.2 to 99.9 is still a
//! plausible amount, but no longer the mean shortfall plus the mitigation used, nor the
//! lines' overspends less the funding variances plus the savings not delivered.
//!
//! Each tolerance is half a step of the money grid for every rounded figure taken part, plus
//! a billionth of the model's scale (the sum of every budget and expectation) for the binary
//! rounding of sums over up to 10^9 years, which is at most about 10^-11 of that scale.

use rust_decimal::Decimal;

use crate::engine::{BATCH_SIZE, SENSITIVITY_BATCHES};
use crate::model::{Model, Unit};
use crate::stats::{ItemOutturn, Spread, Summary};

use super::{Check, SLACK};
use crate::model::f64_of as f;

/// The step of the money grid figures are rounded to (see [`crate::stats::money`]): £100
/// in a £m model, a penny in a £ model.
fn step(unit: Unit) -> f64 {
    match unit {
        Unit::Millions => 1e-4,
        Unit::Pounds => 1e-2,
    }
}

/// Relative allowance for binary rounding in sums over the simulated years.
const SUMS: f64 = 1e-9;

/// What the identities need besides the summary.
struct Grid {
    /// Half a step of the money grid.
    half: f64,
    /// Allowance for binary rounding, in money.
    sums: f64,
}

impl Grid {
    /// The tolerance for an identity between `rounded` figures rounded to the grid.
    fn tolerance(&self, rounded: usize) -> f64 {
        rounded as f64 * self.half + self.sums
    }
}

impl Check {
    /// Every identity between the figures of `s` (`n` simulated years, already checked).
    pub(super) fn identities(&mut self, s: &Summary, model: &Model, n: u64) {
        let unit = model.meta.unit;
        let scale: f64 = [&s.lines, &s.funding, &s.mitigations]
            .iter()
            .flat_map(|items| items.iter())
            .map(|i| f(i.budget).abs() + f(i.expected).abs())
            .sum::<f64>()
            + f(s.savings.planned).abs()
            + [&s.gap, &s.shortfall]
                .iter()
                .map(|sp| f(sp.min).abs().max(f(sp.max).abs()))
                .sum::<f64>()
            + f(s.reserves.usable).abs();
        let g = Grid {
            half: step(unit) / 2.0,
            sums: SUMS * scale,
        };
        self.gap_identities(s, &g);
        self.gap_above_shortfall(s, &g);
        self.counts(s, &g);
        self.excess(s, &g, n);
        self.tail_identity(s, &g);
        self.spread_shape("gap", &s.gap, &g);
        self.spread_shape("shortfall", &s.shortfall, &g);
        self.savings_identity(s, &g);
        self.sensitivity_years(s, n);
        self.convergence_end(s);
    }

    /// `value` (the figure at `field`) must equal `expected` within `tolerance`.
    fn agree(&mut self, field: &str, value: Decimal, expected: f64, tolerance: f64, why: &str) {
        if (f(value) - expected).abs() > tolerance || !expected.is_finite() {
            self.fail(
                field,
                format!("is {value}, but {why} is {}", shown(expected)),
            );
        }
    }

    /// `low` ≤ `high` within `tolerance`.
    fn at_most(&mut self, field: &str, low: Decimal, high: f64, tolerance: f64, why: &str) {
        if f(low) > high + tolerance {
            self.fail(field, format!("is {low}, above {why} ({})", shown(high)));
        }
    }

    /// The mean gap from the mean shortfall and from the items it is made of.
    fn gap_identities(&mut self, s: &Summary, g: &Grid) {
        self.agree(
            "gap.mean",
            s.gap.mean,
            f(s.shortfall.mean) + f(s.mitigation_used),
            g.tolerance(3),
            "`shortfall.mean` + `mitigation_used` (the mean gap is the mean shortfall plus the \
             mitigation used)",
        );
        let variance = |items: &[ItemOutturn]| -> f64 {
            items.iter().map(|i| f(i.expected) - f(i.budget)).sum()
        };
        let from_items =
            variance(&s.lines) + f(s.savings.planned) - f(s.savings.mean) - variance(&s.funding);
        self.agree(
            "gap.mean",
            s.gap.mean,
            from_items,
            g.tolerance(2 + s.lines.len() + s.funding.len()),
            "the lines' expected overspend + the savings not delivered − the funding \
             variance (`lines`, `savings`, `funding`), which make up the gap",
        );
        let capacity: f64 = s.mitigations.iter().map(|m| f(m.expected)).sum();
        self.at_most(
            "mitigation_used",
            s.mitigation_used,
            capacity,
            g.tolerance(1 + s.mitigations.len()),
            "the mitigations' expected capacity (`mitigations`), which is all there is to use",
        );
        self.at_most(
            "mitigation_used",
            s.mitigation_used,
            f(s.gap.max).max(0.0),
            g.tolerance(2),
            "the largest gap (`gap.max`), which is all mitigation is used for",
        );
    }

    /// Mitigation only lowers the gap, year by year, so every order statistic of the
    /// shortfall is at most the gap's.
    fn gap_above_shortfall(&mut self, s: &Summary, g: &Grid) {
        let t = g.tolerance(2);
        let why = |what: &str| format!("the gap's {what}, which mitigation only lowers");
        for (field, low, high, what) in [
            ("shortfall.min", s.shortfall.min, s.gap.min, "`gap.min`"),
            ("shortfall.max", s.shortfall.max, s.gap.max, "`gap.max`"),
            ("shortfall.mean", s.shortfall.mean, s.gap.mean, "`gap.mean`"),
        ] {
            self.at_most(field, low, f(high), t, &why(what));
        }
        for (k, (sp, gp)) in s
            .shortfall
            .percentiles
            .iter()
            .zip(&s.gap.percentiles)
            .enumerate()
        {
            if sp.p == gp.p {
                self.at_most(
                    &format!("shortfall.percentiles[{k}].value"),
                    sp.value,
                    f(gp.value),
                    t,
                    &why(&format!("P{}", gp.p)),
                );
            }
        }
        for (k, row) in s.percentiles.iter().enumerate() {
            self.at_most(
                &format!("percentiles[{k}].shortfall"),
                row.shortfall,
                f(row.gap),
                t,
                &why(&format!("P{} (`percentiles[{k}].gap`)", row.p)),
            );
            for (name, value, sp) in [
                ("gap", row.gap, &s.gap),
                ("shortfall", row.shortfall, &s.shortfall),
            ] {
                let field = format!("percentiles[{k}].{name}");
                if value < sp.min || value > sp.max {
                    self.fail(
                        field,
                        format!(
                            "is {value}, outside the simulated range {} to {} (`{name}.min`, \
                             `{name}.max`)",
                            sp.min, sp.max
                        ),
                    );
                }
            }
        }
        for (name, q, sp) in [
            ("gap_quantiles", &s.distributions.gap_quantiles, &s.gap),
            (
                "shortfall_quantiles",
                &s.distributions.shortfall_quantiles,
                &s.shortfall,
            ),
        ] {
            let (lo, hi) = (f(sp.min) - g.tolerance(1), f(sp.max) + g.tolerance(1));
            if let Some(k) = q.iter().position(|x| *x < lo || *x > hi) {
                self.fail(
                    format!("distributions.{name}[{k}]"),
                    format!(
                        "is {}, outside the simulated range {} to {}",
                        q[k], sp.min, sp.max
                    ),
                );
            }
        }
    }

    /// Years counted: a shortfall above zero needs a gap above zero, a breach a shortfall
    /// above reserves.
    fn counts(&mut self, s: &Summary, g: &Grid) {
        let (gap, shortfall, breaches) = (
            s.gap.p_positive.count,
            s.shortfall.p_positive.count,
            s.s114.probability.count,
        );
        if shortfall > gap {
            self.fail(
                "shortfall.p_positive.count",
                format!(
                    "is {shortfall}, more than the {gap} years with a gap \
                     (`gap.p_positive.count`), but a year short after mitigation had a gap"
                ),
            );
        }
        if breaches > shortfall {
            self.fail(
                "s114.probability.count",
                format!(
                    "is {breaches}, more than the {shortfall} years with a shortfall \
                     (`shortfall.p_positive.count`), but a year that breaches reserves is short"
                ),
            );
        }
        for (field, count, sp) in [
            ("gap.p_positive.count", gap, &s.gap),
            ("shortfall.p_positive.count", shortfall, &s.shortfall),
        ] {
            if count > 0 && f(sp.max) < -g.tolerance(1) {
                self.fail(
                    field,
                    format!(
                        "is {count}, but no simulated year was above zero (max {})",
                        sp.max
                    ),
                );
            }
        }
        let reserves = f(s.reserves.usable);
        if breaches > 0 && f(s.shortfall.max) < reserves - g.tolerance(2) {
            self.fail(
                "s114.probability.count",
                format!(
                    "is {breaches}, but no shortfall reached the usable reserves of {} \
                     (`shortfall.max` is {})",
                    s.reserves.usable, s.shortfall.max
                ),
            );
        }
    }

    /// The expected excess is the mean excess in breach years times the chance of one.
    fn excess(&mut self, s: &Summary, g: &Grid, n: u64) {
        let t = &s.s114;
        let share = t.probability.count as f64 / n as f64;
        let given = t.mean_excess_given_breach.map_or(0.0, f);
        self.agree(
            "s114.expected_excess",
            t.expected_excess,
            given * share,
            g.half * (1.0 + share) + g.sums,
            "`s114.mean_excess_given_breach` × the share of years that breach",
        );
        if let Some(x) = t.mean_excess_given_breach {
            self.at_most(
                "s114.mean_excess_given_breach",
                x,
                f(s.shortfall.max) - f(s.reserves.usable),
                g.tolerance(3),
                "the largest shortfall less the usable reserves",
            );
        }
    }

    /// In breach years the shortfall is the reserves plus the excess.
    fn tail_identity(&mut self, s: &Summary, g: &Grid) {
        let (Some(tail), Some(excess)) = (&s.tail, s.s114.mean_excess_given_breach) else {
            return;
        };
        self.agree(
            "tail.mean_gap",
            tail.mean_gap,
            f(tail.mean_mitigation_used) + f(s.reserves.usable) + f(excess),
            g.tolerance(4),
            "`tail.mean_mitigation_used` + `reserves.usable` + \
             `s114.mean_excess_given_breach` (in breach years the gap less the mitigation \
             used is the reserves plus the excess)",
        );
        self.at_most(
            "tail.mean_gap",
            tail.mean_gap,
            f(s.gap.max),
            g.tolerance(2),
            "the largest gap (`gap.max`)",
        );
    }

    /// A standard deviation is at most the range × √(n / 4(n − 1)) ≤ 0.7072 × range.
    fn spread_shape(&mut self, name: &str, sp: &Spread, g: &Grid) {
        let range = (f(sp.max) - f(sp.min)).max(0.0);
        self.at_most(
            &format!("{name}.sd"),
            sp.sd,
            0.7072 * range,
            g.tolerance(3),
            &format!("what a range of {} to {} allows", sp.min, sp.max),
        );
    }

    fn savings_identity(&mut self, s: &Summary, g: &Grid) {
        let v = &s.savings;
        let sum: f64 = v.by_saving.iter().map(|d| f(d.expected)).sum();
        self.agree(
            "savings.mean",
            v.mean,
            sum,
            g.tolerance(1 + v.by_saving.len()),
            "the sum of each saving's expected delivery (`savings.by_saving`)",
        );
        let (lo, hi) = (f(v.min), f(v.max));
        for (field, x) in [
            ("savings.mean", v.mean),
            ("savings.p10", v.p10),
            ("savings.p90", v.p90),
        ] {
            let x64 = f(x);
            if x64 < lo - g.tolerance(2) || x64 > hi + g.tolerance(2) {
                self.fail(
                    field,
                    format!(
                        "is {x}, outside the simulated range {} to {} (`savings.min`, \
                         `savings.max`)",
                        v.min, v.max
                    ),
                );
            }
        }
    }

    /// Sensitivity is measured on the first [`SENSITIVITY_BATCHES`] batches that have at
    /// least 10 years, so its count follows from the run's.
    fn sensitivity_years(&mut self, s: &Summary, n: u64) {
        let batch = BATCH_SIZE as u64;
        let expected: u64 = (0..SENSITIVITY_BATCHES.min(n.div_ceil(batch)))
            .map(|b| (n - b * batch).min(batch))
            .filter(|&size| size >= 10)
            .sum();
        if s.sensitivity.iterations != expected {
            self.fail(
                "sensitivity.iterations",
                format!(
                    "is {}, but a run of {n} simulated years measures sensitivity on {expected}",
                    s.sensitivity.iterations
                ),
            );
        }
    }

    /// A run to a precision ends on the estimate it reports, and says whether it reached
    /// its target.
    fn convergence_end(&mut self, s: &Summary) {
        let Some(c) = &s.convergence else { return };
        let Some(last) = c.trace.last() else { return };
        if (last.estimate - s.s114.probability.estimate).abs() > SLACK {
            self.fail(
                "convergence.trace",
                format!(
                    "ends at an estimate of {}, but `s114.probability.estimate` is {}",
                    last.estimate, s.s114.probability.estimate
                ),
            );
        }
        if c.reached != (last.stop_width <= c.target_width) {
            self.fail(
                "convergence.reached",
                format!(
                    "is {}, but the last interval width ({}) is {} the target ({})",
                    c.reached,
                    last.stop_width,
                    if last.stop_width <= c.target_width {
                        "within"
                    } else {
                        "wider than"
                    },
                    c.target_width
                ),
            );
        }
    }
}

/// An amount as a short decimal for messages.
fn shown(x: f64) -> String {
    Decimal::from_f64_retain(x)
        .map_or_else(|| format!("{x}"), |d| d.round_dp(6).normalize().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::money;

    #[test]
    fn the_step_is_the_grid_summarize_rounds_to() {
        // A change to `stats::money` must be matched here, or every tolerance is wrong.
        for unit in [Unit::Millions, Unit::Pounds] {
            let s = step(unit);
            let close = |a: f64, b: f64| (a - b).abs() < s * 1e-6;
            assert!(close(f(money(unit, s)), s));
            assert!(close(f(money(unit, 1.0 + 0.4 * s)), 1.0));
            assert!(close(f(money(unit, 1.0 + 0.6 * s)), 1.0 + s));
        }
    }
}

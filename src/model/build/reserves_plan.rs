//! The reserves plan: each usable reserve's `planned` movements by year, their sum, the
//! warning when the plan alone exhausts reserves, and `[meta] reserves_floor`.

use rust_decimal::Decimal;

use super::Builder;
use super::series::Sign;
use crate::model::diagnostic::{Diagnostic, ProblemKind};
use crate::model::figures::{f, money};
use crate::model::reader::{Table, fraction_number};
use crate::model::{Model, Unit};

impl Builder<'_> {
    /// `[meta] reserves_floor`: the policy floor for reserves, a share of the net budget.
    pub(super) fn reserves_floor(&mut self, t: &Table<'_, '_>) {
        let Some(v) = t.get("reserves_floor") else {
            return;
        };
        let Some(n) = fraction_number(&mut self.ctx, "meta.reserves_floor", v) else {
            return;
        };
        let as_percent = |x: Decimal| {
            format!(
                "write {} or \"{}%\"",
                (x / Decimal::ONE_HUNDRED).normalize(),
                x.normalize()
            )
        };
        if n.value < Decimal::ZERO || n.value > Decimal::ONE {
            let help = if n.value > Decimal::ONE && !n.percent {
                format!(
                    "write it as a fraction of the net budget: {} looks like a percentage, so {}",
                    n.value,
                    as_percent(n.value)
                )
            } else {
                "write a share between 0 and 1: 0.05 (or \"5%\") for 5% of the net budget"
                    .to_string()
            };
            self.ctx.error(
                ProblemKind::OutOfRange,
                n.span,
                format!(
                    "`meta.reserves_floor` is the floor for usable reserves as a share of the \
                     net budget, between 0 and 1, found {}",
                    n.value.normalize()
                ),
                help,
            );
            return;
        }
        if n.value > Decimal::new(5, 1) {
            self.ctx.push(
                Diagnostic::warning(
                    ProblemKind::Implausible,
                    Some(n.span.clone()),
                    format!(
                        "`meta.reserves_floor` is {}: a floor of more than half the net budget, \
                         far above any council's policy for reserves (usually 5% to 10%)",
                        n.value.normalize()
                    ),
                )
                .with_help(format!(
                    "the floor is a fraction of the net budget, 0.05 for 5%; if {} is meant as \
                     a percentage, {}",
                    n.value.normalize(),
                    as_percent(n.value)
                )),
            );
        }
        if !t.has("net_budget") {
            self.ctx.push(
                Diagnostic::warning(
                    ProblemKind::MissingField,
                    Some(n.span.clone()),
                    "`meta.reserves_floor` is a share of the net budget, but [meta] has no \
                     `net_budget`, so the floor cannot be applied",
                )
                .with_help(
                    "add the net revenue budget, in the model's unit: net_budget = 1429.0 (or \
                     one figure per year)",
                ),
            );
        }
        self.years.reserves_floor = Some(n.value);
    }

    /// A reserve's `planned` movements per year (zero when it has none), allowed only on
    /// a usable reserve.
    pub(super) fn planned(&mut self, t: &Table<'_, '_>, name: &str, usable: bool) -> Option<()> {
        let Some(v) = t.get("planned") else {
            return Some(());
        };
        if !usable {
            self.ctx.error(
                ProblemKind::InvalidValue,
                v.span(),
                format!(
                    "`{}.planned` plans movements of a reserve that is not usable \
                     (releasable = false), so they would change nothing",
                    t.path
                ),
                "planned movements count only for usable reserves: mark it releasable or move \
                 the plan to a usable reserve",
            );
            return None;
        }
        let series = self.series(
            t,
            "planned",
            Sign::Any,
            "the planned movement of the reserve in each year, in the model's unit: negative \
             for a draw, positive for a contribution, e.g. planned = [-20, 0, 10]",
        )?;
        self.years
            .planned
            .insert(name.to_string(), (series, v.span()));
        Some(())
    }

    /// The planned movements of usable reserves, summed, in each of `n` years.
    pub(super) fn planned_reserves(&self, model: &Model, n: usize) -> Vec<Decimal> {
        let mut total = vec![Decimal::ZERO; n];
        for r in model.reserves.iter().filter(|r| r.releasable) {
            if let Some((series, _)) = self.years.planned.get(&r.name) {
                for (sum, x) in total.iter_mut().zip(series) {
                    *sum = sum.saturating_add(*x);
                }
            }
        }
        total
    }

    /// Warns when the plan alone takes usable reserves below zero in some year.
    pub(super) fn plan_exhausts_reserves(&mut self, model: &Model, planned: &[Decimal]) {
        if self.ctx.errors() > 0 || self.years.planned.is_empty() {
            return;
        }
        let opening = model.usable_reserves();
        let mut balance = opening;
        for (t, p) in planned.iter().enumerate() {
            balance = balance.saturating_add(*p);
            if balance >= Decimal::ZERO {
                continue;
            }
            // The reserve whose plan draws the most by then.
            let by_then = |s: &[Decimal]| s.iter().take(t + 1).copied().sum::<Decimal>();
            let span = model
                .reserves
                .iter()
                .filter(|r| r.releasable)
                .filter_map(|r| self.years.planned.get(&r.name))
                .min_by_key(|(s, _)| by_then(s))
                .map(|(_, span)| span.clone());
            let unit = model.meta.unit;
            let label = self.year_label(t);
            self.ctx.push(
                Diagnostic::warning(
                    ProblemKind::Implausible,
                    span,
                    format!(
                        "the planned movements of usable reserves take them below zero in \
                         {label}: {} at the start, {} planned by the end of {label}, a \
                         balance of {} before any overspend",
                        signed(opening, unit),
                        signed(balance - opening, unit),
                        signed(balance, unit)
                    ),
                )
                .with_help(
                    "the plan itself exhausts reserves: plan smaller draws, or contributions \
                     in earlier years (a draw is negative, a contribution positive), or check \
                     the opening balances (`amount`)",
                ),
            );
            return;
        }
    }
}

/// A sum of money that may be negative, for a message: `-£1.1m`.
fn signed(x: Decimal, unit: Unit) -> String {
    if x < Decimal::ZERO {
        format!("-{}", money(f(-x), unit))
    } else {
        money(f(x), unit)
    }
}

//! A figure per year: a number (the same every year), a list of one number per year, or
//! `{ first = F, grows = G }`, where year t (from 0) is F × (1 + G)^t: each year's figure
//! is the one before times (1 + G), in exact decimals, rounded to [`DECIMALS`] places.

use std::ops::Range;

use rust_decimal::Decimal;
use toml::de::{DeArray, DeValue};

use super::Builder;
use super::years::MAX_YEARS;
use crate::model::diagnostic::ProblemKind;
use crate::model::reader::{Table, Value, as_table, fraction_number};

/// Decimal places a growing figure is rounded to each year (half to even): far below a
/// penny in any unit, so the series is exact for every figure a report shows.
pub(super) const DECIMALS: u32 = 10;

/// The largest figure a model holds.
fn largest() -> Decimal {
    Decimal::from(1_000_000_000_000_000_i64)
}

/// What values a money figure may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sign {
    /// Above 0 (a net budget, periods).
    Positive,
    /// 0 or more (budgets, amounts, clients).
    NonNegative,
    /// Either sign (a reserve's planned movements: a draw is negative).
    Any,
}

impl Builder<'_> {
    /// A figure per year at `key` of `t`: a number (every year the same), a list of one
    /// number per year, or `{ first = F, grows = G }`. A number is read exactly as a
    /// one-year figure is, with the same messages.
    pub(super) fn series(
        &mut self,
        t: &Table<'_, '_>,
        key: &str,
        sign: Sign,
        help: &str,
    ) -> Option<Vec<Decimal>> {
        let Some(v) = t.get(key) else {
            t.missing(&mut self.ctx, key, help);
            return None;
        };
        let path = format!("{}.{key}", t.path);
        match v.get_ref() {
            DeValue::Array(items) => self.listed(&path, key, v, items, sign, help),
            DeValue::Table(_) => self.growing(&path, v, sign, help),
            _ => {
                let n = self.figure(&path, v, sign, help)?;
                Some(vec![n.value; self.years_or_one()])
            }
        }
    }

    /// A list of one figure per year.
    fn listed(
        &mut self,
        path: &str,
        key: &str,
        v: &Value<'_>,
        items: &DeArray<'_>,
        sign: Sign,
        help: &str,
    ) -> Option<Vec<Decimal>> {
        match self.years.count {
            Some(n) if items.len() != n => {
                self.wrong_length(path, key, v.span(), items.len(), n);
                return None;
            }
            // The years are not known ([meta] has its error): nothing to check against.
            None if items.is_empty() => return None,
            _ => {}
        }
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match self.figure(&format!("{path}[{i}]"), item, sign, help) {
                Some(n) => out.push(n.value),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn wrong_length(&mut self, path: &str, key: &str, span: Range<usize>, found: usize, n: usize) {
        let labels = self.years.labels.join(", ");
        let years = if n == 1 {
            format!("one year ({labels})")
        } else {
            format!("{n} years ({labels})")
        };
        let mut help = format!(
            "write one figure for each year, first year first ({labels}); or one number for \
             every year; or {key} = {{ first = ..., grows = 0.04 }} for a figure that grows \
             each year"
        );
        if found > 1 && found <= MAX_YEARS {
            help.push_str(&format!(
                "; if the model spans {found} years, write horizon = {found} in [meta]"
            ));
        }
        self.ctx.error(
            ProblemKind::Inconsistent,
            span,
            format!(
                "`{path}` has {found} figure{}, but the model spans {years}",
                if found == 1 { "" } else { "s" }
            ),
            help,
        );
    }

    /// `{ first = F, grows = G }`: F × (1 + G)^t in year t.
    fn growing(
        &mut self,
        path: &str,
        v: &Value<'_>,
        sign: Sign,
        help: &str,
    ) -> Option<Vec<Decimal>> {
        let t = as_table(&mut self.ctx, path, v, "")?;
        if t.has("dist") {
            self.ctx.error(
                ProblemKind::WrongType,
                v.span(),
                format!("`{path}` is a figure per year, not a distribution"),
                format!(
                    "{help}: a number, a list of one number per year, or {{ first = 100, \
                     grows = 0.04 }}; the uncertainty belongs in the drivers (growth, \
                     variation)"
                ),
            );
            return None;
        }
        t.only(
            &mut self.ctx,
            &["first", "grows"],
            "a figure that grows each year",
        );
        let first = match t.get("first") {
            Some(x) => self.figure(&format!("{path}.first"), x, sign, help),
            None => {
                t.missing(
                    &mut self.ctx,
                    "first",
                    "give the first year's figure: { first = 100, grows = 0.04 }",
                );
                None
            }
        };
        let grows = match t.get("grows") {
            Some(g) => fraction_number(&mut self.ctx, &format!("{path}.grows"), g),
            None => {
                t.missing(
                    &mut self.ctx,
                    "grows",
                    "give its growth each year, as a fraction or a percentage: grows = 0.04 \
                     or \"4%\"",
                );
                None
            }
        };
        let (first, grows) = (first?, grows?);
        if grows.value < -Decimal::ONE {
            self.ctx.error(
                ProblemKind::OutOfRange,
                grows.span,
                format!(
                    "`{path}.grows` is {}, below -1 (-100%): the figure would turn negative",
                    grows.value
                ),
                "write the growth each year as a fraction: 0.04 for +4%, -0.02 for -2%",
            );
            return None;
        }
        let factor = Decimal::ONE + grows.value;
        let mut out = vec![first.value];
        let mut last = first.value;
        for year in 1..self.years_or_one() {
            let next = last
                .checked_mul(factor)
                .map(|x| x.round_dp(DECIMALS))
                .filter(|x| x.abs() <= largest());
            let Some(next) = next else {
                let label = self.year_label(year);
                self.ctx.error(
                    ProblemKind::OutOfRange,
                    v.span(),
                    format!(
                        "`{path}` grows beyond 10^15, the largest figure a model can hold, by \
                         {label}"
                    ),
                    "check `grows`: it is the growth each year as a fraction, 0.04 for 4%",
                );
                return None;
            };
            if sign == Sign::Positive && next <= Decimal::ZERO {
                let label = self.year_label(year);
                self.ctx.error(
                    ProblemKind::OutOfRange,
                    v.span(),
                    format!(
                        "`{path}` falls to {} in {label}, but it must be greater than 0",
                        next.normalize()
                    ),
                    help,
                );
                return None;
            }
            out.push(next);
            last = next;
        }
        Some(out)
    }
}

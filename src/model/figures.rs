//! A line's outturn at the drivers' means and at their extremes, worked out from the model
//! alone (the engine is not needed, and not called), for the checks a model gets before it
//! runs.

use rust_decimal::Decimal;

pub(crate) use super::f64_of as f;
use super::{DriverId, Line, LineKind, Model, Path, PathKind, UnitCost};
use crate::dist::NEGLIGIBLE;

/// How a driver enters a product line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    /// As (1 + value): a growth rate.
    Growth(DriverId),
    /// As the value itself: a unit cost.
    Value(DriverId),
}

impl Factor {
    /// The driver.
    pub fn driver(self) -> DriverId {
        match self {
            Factor::Growth(d) | Factor::Value(d) => d,
        }
    }

    /// What the factor multiplies by when its driver is `x` (never negative: the engine
    /// stops a growth below −100% at zero spend).
    pub fn at(self, x: f64) -> f64 {
        match self {
            Factor::Growth(_) => (1.0 + x).max(0.0),
            Factor::Value(_) => x.max(0.0),
        }
    }
}

impl Model {
    /// A product line as coefficient × Π factors, in the model's unit: clients × unit cost
    /// × periods (in pounds, divided by the unit) or the base, and the drivers that
    /// multiply it. `None` for a risk line.
    pub fn product(&self, line: &Line) -> Option<(f64, Vec<Factor>)> {
        self.product_with(line, None)
    }

    /// As [`Model::product`], with `base` for the clients of a cohort line or the base
    /// of a simple one (a later year's figure).
    pub fn product_with(&self, line: &Line, base: Option<Decimal>) -> Option<(f64, Vec<Factor>)> {
        match &line.kind {
            LineKind::Cohort {
                clients,
                unit_cost,
                periods,
                demand,
                cost,
                ..
            } => {
                let per_pound = 1.0 / self.meta.unit.pounds();
                let mut factors: Vec<Factor> = demand
                    .iter()
                    .chain(cost)
                    .map(|&d| Factor::Growth(d))
                    .collect();
                let clients = f(base.unwrap_or(*clients));
                let coefficient = match unit_cost {
                    UnitCost::Fixed(u) => clients * f(*u) * f(*periods) * per_pound,
                    UnitCost::Driver(d) => {
                        factors.push(Factor::Value(*d));
                        clients * f(*periods) * per_pound
                    }
                };
                Some((coefficient, factors))
            }
            LineKind::Simple {
                base: first,
                growth,
            } => Some((
                f(base.unwrap_or(*first)),
                growth.iter().map(|&d| Factor::Growth(d)).collect(),
            )),
            LineKind::Risk { .. } => None,
        }
    }

    /// The line's outturn with every driver at its mean, in the model's unit: a cohort
    /// line is clients × Π(1 + demand) × unit cost × Π(1 + cost) × periods, a risk line
    /// its probability × the mean impact.
    pub fn central_outturn(&self, line: &Line) -> f64 {
        let mean = |d: DriverId| self.driver(d).dist.mean();
        match &line.kind {
            LineKind::Risk {
                probability,
                impact,
                ..
            } => f(*probability) * mean(*impact).max(0.0),
            _ => {
                let (c, factors) = self.product(line).unwrap_or((0.0, Vec::new()));
                factors.iter().fold(c, |t, &k| t * k.at(mean(k.driver())))
            }
        }
    }

    /// The value of a driver a run is expected never to exceed: its 1 − 10⁻¹² quantile
    /// ([`NEGLIGIBLE`]; a run of at most 10^9 years goes beyond it with a chance of at most
    /// one in a thousand), which is its maximum when it is bounded.
    pub fn top(&self, d: DriverId) -> f64 {
        self.driver(d).dist.quantile(1.0 - NEGLIGIBLE)
    }

    /// The largest outturn of the line a run is expected to see: each factor at its
    /// [`Model::top`] (a bound, since the factors rarely peak together).
    pub fn top_outturn(&self, line: &Line) -> f64 {
        match &line.kind {
            LineKind::Risk { impact, .. } => self.top(*impact).max(0.0),
            _ => {
                let (c, factors) = self.product(line).unwrap_or((0.0, Vec::new()));
                factors
                    .iter()
                    .fold(c, |t, &k| t * k.at(self.top(k.driver())))
            }
        }
    }

    /// The value of a driver a run is expected never to exceed in year `t` of the horizon
    /// (from 0), by its path ([`Path`]): the first year's is [`Model::top`]. A path drawn
    /// each year has draws `μ + (1 + widen·t)(u − μ) + drift·t`, each at most its top; an
    /// AR(1) path adds the years' departures from the mean, each at its top or (for a
    /// negative weight φ^k) its bottom; a compounded path is Π(1 + yearly value) − 1,
    /// each year at its top.
    pub fn top_in(&self, d: DriverId, t: usize) -> f64 {
        let top = self.top(d);
        let path = self.horizon.paths.get(d.0).copied().unwrap_or(Path::HOLD);
        if t == 0 || path.kind == PathKind::Hold {
            return top;
        }
        let dist = &self.driver(d).dist;
        let mean = dist.mean();
        let bottom = dist.quantile(NEGLIGIBLE);
        // The extremes of year s's draw.
        let draw = |x: f64, s: usize| {
            let s = s as f64;
            mean + (1.0 + path.widen * s) * (x - mean) + path.drift * s
        };
        let yearly = |s: usize| match path.kind {
            PathKind::Ar1 { phi } => {
                let mut departure = 0.0;
                let mut weight = 1.0;
                for r in (0..=s).rev() {
                    let x = if weight >= 0.0 { top } else { bottom };
                    departure += weight * (draw(x, r) - mean);
                    weight *= phi;
                }
                mean + departure
            }
            _ => draw(top, s),
        };
        if path.compound {
            (0..=t).fold(1.0, |p, s| p * (1.0 + yearly(s)).max(0.0)) - 1.0
        } else {
            yearly(t)
        }
    }

    /// As [`Model::top_outturn`] in year `t` of the horizon: the line's base (or clients)
    /// of that year, each factor at its [`Model::top_in`].
    pub fn top_outturn_in(&self, index: usize, t: usize) -> f64 {
        let Some(line) = self.lines.get(index) else {
            return 0.0;
        };
        match &line.kind {
            LineKind::Risk { impact, .. } => self.top_in(*impact, t).max(0.0),
            _ => {
                let (c, factors) = self
                    .product_with(line, self.base_in(index, t))
                    .unwrap_or((0.0, Vec::new()));
                factors
                    .iter()
                    .fold(c, |p, &k| p * k.at(self.top_in(k.driver(), t)))
            }
        }
    }

    /// A line's base (or clients) in year `t`, from the horizon.
    pub fn base_in(&self, index: usize, t: usize) -> Option<Decimal> {
        self.horizon.lines.get(index)?.base.get(t).copied()
    }
}

/// The largest amount, in the model's unit, a simulated year may reach (10^20): the
/// engine's limit ([`crate::engine::LARGEST`], the same figure), checked before a run so
/// that a model `check` accepts does not fail in `run`.
pub const LARGEST_AMOUNT: f64 = 1e20;

/// A figure in a £m model above this (£100bn) is taken for pounds: it is about the net
/// revenue spending of all English councils together, and the largest single council's
/// budget is a few £bn.
pub const IMPLAUSIBLE_MILLIONS: f64 = 100_000.0;

/// A net revenue budget in a £ model below this (£1m) is taken for millions: the smallest
/// principal councils' budgets are several million pounds.
pub const IMPLAUSIBLE_POUNDS_BUDGET: f64 = 1_000_000.0;

/// Without a net budget, a £ model whose lines, savings and funding add up to less than
/// this (£100,000) is taken for one in millions.
pub const IMPLAUSIBLE_POUNDS_SCALE: f64 = 100_000.0;

/// A figure for a message, in the model's unit: `£1,429m`, `£45,000,000`.
pub(crate) fn money(x: f64, unit: super::Unit) -> String {
    let grouped = |x: f64, dp: usize| -> String {
        let text = format!("{:.dp$}", x.abs());
        let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
        let mut out = String::new();
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        let frac = frac.trim_end_matches('0');
        let sign = if x < 0.0 { "-" } else { "" };
        if frac.is_empty() {
            format!("{sign}{out}")
        } else {
            format!("{sign}{out}.{frac}")
        }
    };
    if x.abs() >= 1e15 {
        return format!(
            "£{x:.3e}{}",
            if unit == super::Unit::Millions {
                "m"
            } else {
                ""
            }
        );
    }
    match unit {
        super::Unit::Millions => format!("£{}m", grouped(x, 3)),
        super::Unit::Pounds => format!("£{}", grouped(x, 0)),
    }
}

impl Model {
    /// A warning when `--reserves` is implausible for this model: larger than its net
    /// revenue budget, or, in a £m model without one, larger than any council's budget
    /// (the figure was probably written in pounds). It has no place in the file, so it
    /// names the flag, and gives the figure in the model's unit.
    pub fn check_reserves_override(&self, reserves: Decimal) -> Option<super::Diagnostic> {
        use super::diagnostic::{Diagnostic, ProblemKind};
        let unit = self.meta.unit;
        let r = f(reserves);
        let net = self.meta.net_budget.map(f);
        let why = match net {
            Some(net) if r > net => format!(
                "is more than the council's net revenue budget ({}), which usable reserves \
                 almost never are",
                money(net, unit)
            ),
            None if unit == super::Unit::Millions && r > IMPLAUSIBLE_MILLIONS => {
                format!("is {}, more than any council's budget", money(r, unit))
            }
            _ => return None,
        };
        let fix = if unit == super::Unit::Millions && r >= 1000.0 {
            format!(
                "--reserves is in the model's unit, £m: for {} write --reserves {}",
                money(r, super::Unit::Pounds),
                short(r / 1e6)
            )
        } else {
            format!(
                "--reserves is in the model's unit, {}: check the figure",
                unit.symbol()
            )
        };
        Some(
            Diagnostic::warning(
                ProblemKind::Implausible,
                None,
                format!("--reserves {reserves} {why}"),
            )
            .with_help(fix),
        )
    }
}

/// A figure for a message: up to four decimals, without trailing zeros.
pub(crate) fn short(x: f64) -> String {
    let text = format!("{x:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

/// A figure for a message to three significant digits, without trailing zeros: 338, 3.38,
/// 0.0338.
pub(crate) fn sig(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return short(x);
    }
    let digits = (2 - x.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let text = format!("{x:.digits$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    if text == "-0" { "0".into() } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_and_the_engine_hold_amounts_to_the_same_limit() {
        assert_eq!(LARGEST_AMOUNT, crate::engine::LARGEST);
    }

    #[test]
    fn money_and_figures_read_as_a_person_writes_them() {
        assert_eq!(money(1429.0, super::super::Unit::Millions), "£1,429m");
        assert_eq!(money(0.0416, super::super::Unit::Millions), "£0.042m");
        assert_eq!(
            money(45_000_000.0, super::super::Unit::Pounds),
            "£45,000,000"
        );
        assert_eq!(sig(3.38333), "3.38");
        assert_eq!(sig(338.333), "338");
        assert_eq!(sig(0.0338333), "0.0338");
        assert_eq!(sig(320.0), "320");
    }
}

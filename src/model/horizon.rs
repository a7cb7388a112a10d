//! The years a model spans: its medium-term financial plan.
//!
//! A model names its first year in `[meta] year`; `horizon` (or a `years` list) makes it
//! span several. The items of [`Model`](super::Model) hold their first year's figures, so
//! that everything about one year reads them as before; [`Horizon`] holds what differs by
//! year: each line's and funding stream's budget per year, the year each saving, funding
//! stream and mitigation starts and whether it recurs, the planned movements of reserves,
//! and how each driver moves from one year to the next ([`Path`]).
//!
//! A one-year model has a horizon of one year, built from its items: its figures are
//! exactly those of a model without years.

use rust_decimal::Decimal;

/// How a driver's value moves from year to year. `e_t` is the driver's draw for year t
/// (from its own stream for that year, so common random numbers hold year by year),
/// spread about its mean μ by [`Path::widen`] and shifted by [`Path::drift`]:
/// `e_t = μ + (1 + widen·(t−1))·(u_t − μ) + drift·(t−1)` with `u_t` drawn from the
/// driver's distribution. In the first year every path gives `x_1 = e_1 = u_1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PathKind {
    /// Drawn once and held: `x_t = x_1` (a level shift that stays).
    Hold,
    /// Drawn afresh each year, independently: `x_t = e_t` (a yearly event).
    Independent,
    /// Autocorrelated: `x_t = μ + φ·(x_{t−1} − μ) + (e_t − μ)`. φ = 0 is
    /// [`PathKind::Independent`]; φ = 1 a random walk in the value.
    Ar1 {
        /// The year-to-year coefficient φ, in [−1, 1].
        phi: f64,
    },
}

/// A driver's path over the years: its kind, and whether the yearly values compound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Path {
    /// How the yearly value is formed.
    pub kind: PathKind,
    /// When true, the yearly values are growth that compounds: the value used in year t
    /// is `(1 + y_1)(1 + y_2)…(1 + y_t) − 1`, where `y_t` is the yearly value of `kind`
    /// (`path = "walk"` is independent yearly growth, compounded: a random walk in growth).
    pub compound: bool,
    /// Growth per year ahead of the spread of the draws about their mean (0.25: a quarter
    /// wider each year), as official multi-year forecasts grow less certain.
    pub widen: f64,
    /// Shift per year ahead of the draws, in the driver's unit (forecasts for later years
    /// are more optimistic: a positive drift on a cost driver says outturn runs above it).
    pub drift: f64,
}

impl Path {
    /// Drawn once and held: the path of a driver that says nothing else.
    pub const HOLD: Path = Path {
        kind: PathKind::Hold,
        compound: false,
        widen: 0.0,
        drift: 0.0,
    };

    /// Drawn afresh each year.
    pub const INDEPENDENT: Path = Path {
        kind: PathKind::Independent,
        ..Path::HOLD
    };

    /// Whether the driver draws again after its first year.
    pub fn draws_each_year(&self) -> bool {
        self.kind != PathKind::Hold
    }
}

/// When an item counts: from its first year on, or in that year only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Active {
    /// Index of its first year (0 for the model's first year).
    pub from: usize,
    /// Whether it carries on after its first year.
    pub recurring: bool,
}

impl Active {
    /// Every year of the horizon.
    pub const ALWAYS: Active = Active {
        from: 0,
        recurring: true,
    };

    /// Whether it counts in year `t`.
    pub fn in_year(&self, t: usize) -> bool {
        t == self.from || (self.recurring && t > self.from)
    }
}

/// A spending line's figures by year.
#[derive(Debug, Clone, PartialEq)]
pub struct LineYears {
    /// What the budget provides in each year.
    pub budget: Vec<Decimal>,
    /// A simple line's base, or a cohort line's clients, in each year (for a risk line,
    /// unused and equal to zero).
    pub base: Vec<Decimal>,
}

/// A funding stream's figures by year.
#[derive(Debug, Clone, PartialEq)]
pub struct FundingYears {
    /// The amount the budget assumes in each year.
    pub budget: Vec<Decimal>,
    /// When it counts.
    pub active: Active,
}

/// What differs by year.
#[derive(Debug, Clone, PartialEq)]
pub struct Horizon {
    /// The years' labels, first to last (`2024/25`, `2025/26`, …); at least one.
    pub years: Vec<String>,
    /// The net revenue budget of each year, when the model gives one.
    pub net_budget: Vec<Option<Decimal>>,
    /// The council's policy floor for reserves, as a share of the net budget, when given.
    pub reserves_floor: Option<Decimal>,
    /// The planned contributions to (+) and draws from (−) usable reserves in each year.
    pub planned_reserves: Vec<Decimal>,
    /// Per line, in the order of `Model::lines`.
    pub lines: Vec<LineYears>,
    /// Per saving: its first year, and whether it recurs (a recurring saving delivers its
    /// full year in every year after its first, where slippage no longer applies).
    pub savings: Vec<Active>,
    /// Per funding stream.
    pub funding: Vec<FundingYears>,
    /// Per mitigation.
    pub mitigations: Vec<Active>,
    /// Per driver, in the order of `Model::drivers`.
    pub paths: Vec<Path>,
}

impl Horizon {
    /// Years in the horizon.
    pub fn len(&self) -> usize {
        self.years.len()
    }

    /// Whether the model spans more than one year.
    pub fn is_multi_year(&self) -> bool {
        self.years.len() > 1
    }

    /// Never: a horizon has at least one year.
    pub fn is_empty(&self) -> bool {
        self.years.is_empty()
    }
}

impl Horizon {
    /// The horizon of a model of one year, read from its items (which hold that year's
    /// figures): every item counts in its one year.
    pub fn one_year(model: &super::Model) -> Horizon {
        use super::LineKind;
        Horizon {
            years: vec![model.meta.year.clone()],
            net_budget: vec![model.meta.net_budget],
            reserves_floor: None,
            planned_reserves: vec![Decimal::ZERO],
            lines: model
                .lines
                .iter()
                .map(|l| LineYears {
                    budget: vec![l.budget],
                    base: vec![match &l.kind {
                        LineKind::Cohort { clients, .. } => *clients,
                        LineKind::Simple { base, .. } => *base,
                        LineKind::Risk { .. } => Decimal::ZERO,
                    }],
                })
                .collect(),
            savings: vec![Active::ALWAYS; model.savings.len()],
            funding: model
                .funding
                .iter()
                .map(|f| FundingYears {
                    budget: vec![f.budget],
                    active: Active::ALWAYS,
                })
                .collect(),
            mitigations: vec![Active::ALWAYS; model.mitigations.len()],
            paths: vec![Path::HOLD; model.drivers.len()],
        }
    }
}

//! What summary.json holds about the medium term and the reserves question.

use rust_decimal::Decimal;
use rust_decimal::serde::arbitrary_precision as exact;
use rust_decimal::serde::arbitrary_precision_option as exact_option;
use serde::{Deserialize, Serialize};

use super::summary::{Percentile, Probability};

/// One quantity in one year: its mean and percentiles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearSpread {
    /// Mean, in the model's unit.
    #[serde(with = "exact")]
    pub mean: Decimal,
    /// Its Monte Carlo standard error (batch means), when it can be estimated.
    #[serde(
        with = "exact_option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub mean_se: Option<Decimal>,
    /// P5, P10, P25, P50, P75, P90, P95, each with its distribution-free 95% interval.
    pub percentiles: Vec<Percentile>,
}

/// The figures of one year of the horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearFigures {
    /// The year's label (`2025/26`).
    pub year: String,
    /// Its net revenue budget, when the model gives one.
    #[serde(
        with = "exact_option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub net_budget: Option<Decimal>,
    /// The planned contribution to (+) or draw from (−) usable reserves in the year.
    #[serde(with = "exact")]
    pub planned_reserves: Decimal,
    /// The year's gap before mitigation.
    pub gap: YearSpread,
    /// The year's shortfall after mitigation (what falls on reserves).
    pub shortfall: YearSpread,
    /// Usable reserves at the end of the year: the opening balance, plus the planned
    /// movements, less every shortfall so far (an underspend adds to them; a deficit
    /// carries as a negative balance).
    pub balance: YearSpread,
    /// The chance the year's shortfall after mitigation is above zero.
    pub p_drawing_on_reserves: Probability,
    /// The chance the year is S114-level: its shortfall exceeds the reserves then
    /// available (the year ends with usable reserves below zero).
    pub s114: Probability,
    /// The chance the first S114-level year is this one.
    pub first_breach: Probability,
    /// The chance of an S114-level year at or before this one.
    pub s114_by_now: Probability,
}

/// The medium term: the figures of each year, and over the horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediumTerm {
    /// First to last year.
    pub years: Vec<YearFigures>,
    /// The chance of an S114-level year anywhere in the horizon.
    pub s114_any_year: Probability,
    /// The chance that no year of the horizon is S114-level.
    pub never_breached: Probability,
    /// What the model assumes once a year is S114-level, in words.
    pub after_breach: String,
}

/// The opening usable reserves that keep the chance of an S114-level year over the horizon
/// at or below 1 − confidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReserveLevel {
    /// The confidence, in percent (95).
    pub confidence: u32,
    /// The reserves needed, in the model's unit.
    #[serde(with = "exact")]
    pub amount: Decimal,
    /// Lower end of its distribution-free 95% interval.
    #[serde(with = "exact")]
    pub ci95_low: Decimal,
    /// Upper end of that interval.
    #[serde(with = "exact")]
    pub ci95_high: Decimal,
    /// The amount as a share of the first year's net budget, when the model gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share_of_net_budget: Option<f64>,
}

/// One point of the reserves curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Opening usable reserves, in the model's unit.
    #[serde(with = "exact")]
    pub reserves: Decimal,
    /// The chance of staying clear of an S114-level year over the horizon with them.
    pub p_clear: f64,
}

/// The reserves question: what level of usable reserves the council needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReservesNeeded {
    /// How it is computed, in words.
    pub method: String,
    /// The years it covers (`2024/25` or `2024/25 to 2026/27`).
    pub period: String,
    /// The council's own opening usable reserves (the run's threshold).
    #[serde(with = "exact")]
    pub own: Decimal,
    /// Those as a share of the first year's net budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub own_share_of_net_budget: Option<f64>,
    /// The policy floor for reserves, as a share of the net budget, when the model states
    /// one.
    #[serde(
        with = "exact_option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub floor_share: Option<Decimal>,
    /// That floor in the model's unit (of the first year's net budget).
    #[serde(
        with = "exact_option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub floor: Option<Decimal>,
    /// At 80, 90, 95 and 99% confidence.
    pub levels: Vec<ReserveLevel>,
    /// The chance of staying clear against the reserves level, from none to beyond the
    /// largest level.
    pub curve: Vec<CurvePoint>,
}

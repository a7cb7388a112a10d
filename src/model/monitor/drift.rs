//! The drift of an in-year forecast to the year's outturn, and its default parameters.
//!
//! The change from the month-m forecast (after planned action) to the outturn, as a share
//! of the net budget, is drawn as a skewed law: councils' forecasts improve to outturn on
//! average (caution in early forecasts, late underspends), with a longer tail on the side
//! of deterioration (a council in difficulty can get worse instead). With r = 12 − m months
//! left and the figures of a month-`at` forecast (mean improvement μ, sd σ):
//!
//! - mean improvement μ · r / r_at: the caution is spent evenly through the year;
//! - spread σ · √(r / r_at): what is still unknown accumulates like independent monthly
//!   news;
//! - skewness γ toward deterioration (a shifted lognormal with that skewness; γ = 0 is a
//!   normal).
//!
//! Defaults, calibrated only on council-years before 2023/24 (so that later years stay a
//! fair test; `../shared/data/mtfp-and-monitoring-evidence.md`, section B2): at Q2 (month
//! 6) the forecast − outturn error has mean +1.66% and sd 0.79% of net budget (n = 9
//! council-years: Kent 2016-17, 2017-18, 2021-22, 2022-23; Shropshire 2017-18, 2019-20,
//! 2020-21; Somerset 2018-19; Wokingham 2019-20). The scaling then gives Q3 (month 9) a
//! mean of 0.83% and sd 0.56% (observed: 0.75% and 0.78%, n = 5) and Q1 (month 3) 2.49%
//! and 0.97% (Shropshire's two Q1 pairs: 2.93% and 1.19%). The skewness γ = 1 is an
//! assumption: no pair in the sample deteriorated, but the sample holds no council in
//! crisis. At budget setting (month 0) a different evidence applies (section B3,
//! national 2016-17 returns): the unplanned draw on reserves has mean −0.17% (a slight
//! improvement) and sd 2.15% of net budget, with fat tails.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive as _;

use super::Copied;

/// The drift a position is simulated with.
#[derive(Debug, Clone, PartialEq)]
pub enum Drift {
    /// The scaling rule from a month's figures.
    Scaled {
        /// Mean improvement (forecast − outturn) at `at`, as a share of net budget.
        mean: Decimal,
        /// Its standard deviation at `at`.
        sd: Decimal,
        /// The month those figures are for (1 to 11).
        at: u8,
        /// Skewness toward deterioration (0 to 3).
        skew: Decimal,
        /// Where the figures come from.
        source: String,
    },
    /// The gap's change to year end as a share of the net budget, given as a distribution
    /// (its text as written in the monitoring file).
    Given {
        /// The inline distribution.
        dist: Copied,
        /// Where it comes from.
        source: String,
    },
    /// No drift: the model's drivers describe the rest of the year (a position layered on
    /// a budget model), or the forecast is taken as the outturn.
    None,
}

/// The defaults' source, for the compiled model and reports.
pub const DEFAULT_SOURCE: &str = "gapsim default drift: forecast − outturn at Q2 (month 6) \
    has mean +1.66% and sd 0.79% of net budget (n = 9 council-years 2016-17 to 2022-23, \
    mtfp-and-monitoring-evidence.md B2), mean scaled with the months left and sd with their \
    square root; skewness 1 toward deterioration is an assumption";

/// The budget-setting default's source.
pub const BUDGET_SOURCE: &str = "gapsim default at budget setting: unplanned draw on \
    reserves, budget to outturn, mean −0.17% and sd 2.15% of net budget (DLUHC RA/RS \
    2016-17, n = 118, mtfp-and-monitoring-evidence.md B3); skewness 1 toward deterioration \
    is an assumption";

impl Drift {
    /// The default drift for a position at `month`.
    pub fn default_at(month: u8) -> Drift {
        if month == 0 {
            Drift::Scaled {
                mean: Decimal::new(17, 4),
                sd: Decimal::new(215, 4),
                at: 0,
                skew: Decimal::ONE,
                source: BUDGET_SOURCE.into(),
            }
        } else {
            Drift::Scaled {
                mean: Decimal::new(166, 4),
                sd: Decimal::new(79, 4),
                at: 6,
                skew: Decimal::ONE,
                source: DEFAULT_SOURCE.into(),
            }
        }
    }

    /// The law at `month` (None for a given or absent drift).
    pub fn law(&self, month: u8) -> Option<DriftLaw> {
        let Drift::Scaled {
            mean, sd, at, skew, ..
        } = self
        else {
            return None;
        };
        let (mean, sd, skew) = (f(*mean), f(*sd), f(*skew));
        if *at == 0 || month == 0 {
            // Figures for budget setting apply only there, as they are.
            return Some(DriftLaw {
                improvement: mean,
                sd,
                skew,
            });
        }
        let ratio = f64::from(12 - month) / f64::from(12 - at);
        Some(DriftLaw {
            improvement: mean * ratio,
            sd: sd * ratio.sqrt(),
            skew,
        })
    }
}

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// The drift's law at one month: the gap's change to year end as a share of net budget
/// has mean −`improvement`, standard deviation `sd` and skewness +`skew` (its long tail on
/// the side of deterioration).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DriftLaw {
    /// Mean improvement, a share of net budget.
    pub improvement: f64,
    /// Standard deviation, a share of net budget.
    pub sd: f64,
    /// Skewness of the gap's change (toward deterioration).
    pub skew: f64,
}

impl DriftLaw {
    /// The coefficient of variation c of a lognormal whose skewness is `skew`: the root of
    /// 3c + c³ = γ (increasing in c, so bisection finds it).
    fn lognormal_cv(skew: f64) -> f64 {
        let (mut lo, mut hi) = (0.0_f64, 2.0_f64);
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if 3.0 * mid + mid * mid * mid < skew {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    }

    /// The law as an inline distribution of a model file, in fractions: a normal when
    /// there is no skew, else a lognormal of mean a and sd σ shifted by −μ − a.
    pub fn toml(&self) -> String {
        if self.sd <= 0.0 {
            return format!("{{ dist = \"fixed\", value = {} }}", num(-self.improvement));
        }
        if self.skew <= 0.0 {
            return format!(
                "{{ dist = \"normal\", mean = {}, sd = {} }}",
                num(-self.improvement),
                num(self.sd)
            );
        }
        let cv = Self::lognormal_cv(self.skew);
        let a = self.sd / cv;
        format!(
            "{{ dist = \"lognormal\", mean = {}, sd = {}, shift = {} }}",
            num(a),
            num(self.sd),
            num(-self.improvement - a)
        )
    }

    /// The law in words.
    pub fn describe(&self) -> String {
        format!(
            "improves by {:.2}% of net budget on average (sd {:.2}%), skewness {} toward deterioration",
            self.improvement * 100.0,
            self.sd * 100.0,
            self.skew
        )
    }
}

/// A fraction written with 10 decimals, exactly as the model will read it.
fn num(x: f64) -> String {
    let s = format!("{x:.10}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scaling_reproduces_its_anchor_and_shrinks_toward_year_end() {
        let d = Drift::default_at(6);
        let q2 = d.law(6).unwrap();
        assert!((q2.improvement - 0.0166).abs() < 1e-15 && (q2.sd - 0.0079).abs() < 1e-15);
        let q3 = d.law(9).unwrap();
        assert!((q3.improvement - 0.0083).abs() < 1e-12);
        assert!((q3.sd - 0.0079 * 0.5_f64.sqrt()).abs() < 1e-12);
        let m11 = d.law(11).unwrap();
        assert!(m11.sd < q3.sd && m11.improvement < q3.improvement);
    }

    #[test]
    fn the_lognormal_has_the_skewness_asked_for() {
        for g in [0.25, 1.0, 2.0] {
            let c = DriftLaw::lognormal_cv(g);
            assert!((3.0 * c + c * c * c - g).abs() < 1e-12);
        }
    }
}

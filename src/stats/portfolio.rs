//! A portfolio of councils: one row per model run, read from its [`Summary`], ranked by
//! the chance of an S114-level year; what `portfolio.json` holds.
//!
//! Each figure is the summary's own, so the table says exactly what each run folder's
//! summary.json says: money in £m (a model in pounds is converted exactly, by moving the
//! decimal point), chances as the summary's shares. For a model of several years the gap
//! and the chance of drawing on reserves describe its first year, and the chance of an
//! S114-level year, the reserves needed at 95% and the cover its whole period (the
//! `year` column names it), as the summary's reserves question does.

use rust_decimal::Decimal;
use rust_decimal::serde::arbitrary_precision_option as exact_option;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::Summary;

/// How rows are ranked, in words (portfolio.json's `ranked_by`).
pub const RANKED_BY: &str = "the chance of an S114-level year, highest first (ties by \
    council and file); models that failed last, in the order given";

/// The confidence of the reserves needed in the table.
pub const CONFIDENCE: u32 = 95;

/// Why a summary cannot be a row of the table.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PortfolioError {
    /// Its money is in a unit the table cannot convert to £m.
    #[error("{file}: the summary's unit {unit:?} is neither £m nor £")]
    Unit {
        /// The model file.
        file: String,
        /// The unit the summary gives.
        unit: String,
    },
}

/// One council's row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Council {
    /// Its place in the ranking, from 1; none for a model that failed.
    pub rank: Option<u32>,
    /// The council (`[meta] council`); empty for a model that failed.
    pub council: String,
    /// The model's name (`[meta] name`); empty for a model that failed.
    pub model: String,
    /// The model file as given.
    pub file: String,
    /// Its run folder inside the batch folder (`runs/NAME`); none for a model that failed.
    pub run_folder: Option<String>,
    /// The year (for a model of several years, the period its reserves question covers).
    pub year: String,
    /// The net revenue budget, £m, when the model gives it.
    #[serde(with = "exact_option")]
    pub net_budget: Option<Decimal>,
    /// The median gap before mitigation, £m.
    #[serde(with = "exact_option")]
    pub median_gap: Option<Decimal>,
    /// The gap's 90th percentile, £m.
    #[serde(with = "exact_option")]
    pub p90_gap: Option<Decimal>,
    /// The chance of drawing on reserves (a shortfall after mitigation).
    pub p_drawing_on_reserves: Option<f64>,
    /// The chance of an S114-level year: the shortfall exceeds usable reserves.
    pub p_s114: Option<f64>,
    /// Lower end of its exact (Clopper–Pearson) 95% interval.
    pub p_s114_ci95_low: Option<f64>,
    /// Upper end of that interval.
    pub p_s114_ci95_high: Option<f64>,
    /// Opening usable reserves needed for at most a 5% chance of an S114-level year, £m.
    #[serde(with = "exact_option")]
    pub reserves_needed_95: Option<Decimal>,
    /// Usable reserves held (the run's threshold), £m.
    #[serde(with = "exact_option")]
    pub reserves_held: Option<Decimal>,
    /// Reserves held over reserves needed at 95%, to three decimals: below 1, the council
    /// holds less than it needs; none when it needs none.
    #[serde(with = "exact_option")]
    pub reserves_cover: Option<Decimal>,
    /// `ok`, `ok: no reserves needed at 95%`, or `failed: ` and why.
    pub status: String,
}

/// Every council, ranked, and how they were run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Portfolio {
    /// Program name and version.
    pub program: String,
    /// The seed every model ran with.
    pub seed: u64,
    /// Simulated years of each model.
    pub iterations: u64,
    /// How every model's drivers were sampled: `mc`, `lhs` or `qmc`.
    #[serde(default = "monte_carlo")]
    pub sampling: String,
    /// Models given.
    pub models: usize,
    /// Models that could not be run.
    pub failed: usize,
    /// The unit of every money figure: `£m`.
    pub unit: String,
    /// How the rows are ranked.
    pub ranked_by: String,
    /// A row per model, ranked.
    pub councils: Vec<Council>,
}

/// `d` in £m, from a model's `unit`.
fn in_millions(d: Decimal, unit: &str) -> Decimal {
    if unit == "£" {
        d * Decimal::new(1, 6)
    } else {
        d
    }
}

impl Council {
    /// The row of a run: `file` as given, its `run_folder` inside the batch folder.
    ///
    /// # Errors
    /// When the summary's unit is neither £m nor £.
    pub fn from_summary(s: &Summary, file: &str, run_folder: &str) -> Result<Self, PortfolioError> {
        let unit = s.model.unit.as_str();
        if unit != "£m" && unit != "£" {
            return Err(PortfolioError::Unit {
                file: file.into(),
                unit: unit.into(),
            });
        }
        let m = |d: Decimal| in_millions(d, unit);
        let gap_at = |p: u32| {
            s.gap
                .percentiles
                .iter()
                .find(|q| q.p == p)
                .map(|q| m(q.value))
        };
        let chance = s
            .medium_term
            .as_ref()
            .map_or(&s.s114.probability, |t| &t.s114_any_year);
        let needed = s.reserves_needed.as_ref().and_then(|r| {
            r.levels
                .iter()
                .find(|l| l.confidence == CONFIDENCE)
                .map(|l| m(l.amount))
        });
        let held = m(s.reserves.usable);
        let cover = needed
            .filter(|n| *n > Decimal::ZERO)
            .map(|n| (held / n).round_dp(3));
        let status = if needed == Some(Decimal::ZERO) {
            "ok: no reserves needed at 95%"
        } else {
            "ok"
        };
        Ok(Council {
            rank: None,
            council: s.model.council.clone(),
            model: s.model.name.clone(),
            file: file.into(),
            run_folder: Some(run_folder.into()),
            year: s
                .reserves_needed
                .as_ref()
                .map_or_else(|| s.model.year.clone(), |r| r.period.clone()),
            net_budget: s.model.net_budget.map(m),
            median_gap: gap_at(50),
            p90_gap: gap_at(90),
            p_drawing_on_reserves: Some(s.p_drawing_on_reserves.estimate),
            p_s114: Some(chance.estimate),
            p_s114_ci95_low: Some(chance.ci95_low),
            p_s114_ci95_high: Some(chance.ci95_high),
            reserves_needed_95: needed,
            reserves_held: Some(held),
            reserves_cover: cover,
            status: status.into(),
        })
    }

    /// The row of a model that could not be run: `why`, in a line.
    pub fn failed(file: &str, why: &str) -> Self {
        Council {
            rank: None,
            council: String::new(),
            model: String::new(),
            file: file.into(),
            run_folder: None,
            year: String::new(),
            net_budget: None,
            median_gap: None,
            p90_gap: None,
            p_drawing_on_reserves: None,
            p_s114: None,
            p_s114_ci95_low: None,
            p_s114_ci95_high: None,
            reserves_needed_95: None,
            reserves_held: None,
            reserves_cover: None,
            status: format!("failed: {}", why.lines().next().unwrap_or("").trim()),
        }
    }

    /// Whether the model ran.
    pub fn ran(&self) -> bool {
        self.run_folder.is_some()
    }
}

/// How the models of a portfolio were run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Program name and version.
    pub program: String,
    /// The seed.
    pub seed: u64,
    /// Simulated years of each model.
    pub iterations: u64,
    /// The sampling method's name (`mc`, `lhs`, `qmc`).
    pub sampling: String,
}

/// The sampling of a portfolio.json that does not say (written before batches could
/// choose): plain Monte Carlo.
fn monte_carlo() -> String {
    "mc".into()
}

impl Portfolio {
    /// The table of `rows` (in the order the models were given), ranked.
    pub fn new(settings: Settings, rows: Vec<Council>) -> Self {
        let models = rows.len();
        let (mut ran, failed): (Vec<Council>, Vec<Council>) =
            rows.into_iter().partition(Council::ran);
        ran.sort_by(|a, b| {
            let p = |c: &Council| c.p_s114.unwrap_or(0.0);
            p(b).total_cmp(&p(a))
                .then_with(|| a.council.cmp(&b.council))
                .then_with(|| a.file.cmp(&b.file))
        });
        for (k, c) in ran.iter_mut().enumerate() {
            c.rank = u32::try_from(k + 1).ok();
        }
        let failed_count = failed.len();
        ran.extend(failed);
        Portfolio {
            program: settings.program,
            seed: settings.seed,
            iterations: settings.iterations,
            sampling: settings.sampling,
            models,
            failed: failed_count,
            unit: "£m".into(),
            ranked_by: RANKED_BY.into(),
            councils: ran,
        }
    }

    /// What a table or chart calls each council that ran, in rank order: its council, or,
    /// where several rows are of one council (scenarios of one budget), its model's name.
    pub fn names(&self) -> Vec<&str> {
        let ran: Vec<&Council> = self.councils.iter().filter(|c| c.ran()).collect();
        ran.iter()
            .map(|c| {
                if shares_council(&ran, c) && !c.model.is_empty() {
                    c.model.as_str()
                } else {
                    c.council.as_str()
                }
            })
            .collect()
    }

    /// Whether any two councils that ran are one council (scenarios of one budget): their
    /// rows are then named, and the chart counted, by model.
    pub fn by_model(&self) -> bool {
        let ran: Vec<&Council> = self.councils.iter().filter(|c| c.ran()).collect();
        ran.iter().any(|c| shares_council(&ran, c))
    }
}

/// Whether another of `ran` is `c`'s council.
fn shares_council(ran: &[&Council], c: &Council) -> bool {
    ran.iter().filter(|o| o.council == c.council).count() > 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::fixture;

    fn settings() -> Settings {
        Settings {
            program: "gapsim test".into(),
            seed: 1,
            iterations: 20_000,
            sampling: "mc".into(),
        }
    }

    #[test]
    fn a_row_holds_the_summarys_own_figures() {
        let (_, s) = fixture::kent_as_run();
        let row = Council::from_summary(s, "kent.toml", "runs/kent").unwrap();
        let p = |q: u32| s.gap.percentiles.iter().find(|x| x.p == q).unwrap().value;
        assert_eq!(row.median_gap, Some(p(50)));
        assert_eq!(row.p90_gap, Some(p(90)));
        assert_eq!(row.p_s114, Some(s.s114.probability.estimate));
        assert_eq!(row.p_s114_ci95_low, Some(s.s114.probability.ci95_low));
        assert_eq!(row.p_s114_ci95_high, Some(s.s114.probability.ci95_high));
        assert_eq!(
            row.p_drawing_on_reserves,
            Some(s.p_drawing_on_reserves.estimate)
        );
        assert_eq!(row.reserves_held, Some(s.reserves.usable));
        assert_eq!(row.net_budget, s.model.net_budget);
        let needed = s.reserves_needed.as_ref().unwrap().levels.iter();
        let needed = needed.clone().find(|l| l.confidence == 95).unwrap().amount;
        assert_eq!(row.reserves_needed_95, Some(needed));
        assert_eq!(
            row.reserves_cover,
            Some((s.reserves.usable / needed).round_dp(3))
        );
        assert_eq!(
            (row.status.as_str(), row.council.as_str()),
            ("ok", "Kent County Council")
        );
    }

    #[test]
    fn pounds_become_millions_exactly_and_other_units_are_refused() {
        let (_, s) = fixture::kent_as_run();
        let mut pounds = s.clone();
        pounds.model.unit = "£".into();
        pounds.reserves.usable = Decimal::new(75_012_345, 0);
        let row = Council::from_summary(&pounds, "p.toml", "runs/p").unwrap();
        assert_eq!(row.reserves_held, Some(Decimal::new(75_012_345, 6)));
        let mut other = s.clone();
        other.model.unit = "€".into();
        assert_eq!(
            Council::from_summary(&other, "e.toml", "runs/e"),
            Err(PortfolioError::Unit {
                file: "e.toml".into(),
                unit: "€".into()
            })
        );
    }

    #[test]
    fn rows_are_ranked_by_the_chance_of_an_s114_level_year_and_failures_go_last() {
        let (_, s) = fixture::kent_as_run();
        let row = |file: &str, p: f64| {
            let mut c = Council::from_summary(s, file, "runs/x").unwrap();
            c.p_s114 = Some(p);
            c
        };
        let rows = vec![
            Council::failed("bad.toml", "bad.toml:3:1: not valid TOML\nmore"),
            row("b.toml", 0.01),
            row("a.toml", 0.2),
            row("c.toml", 0.01),
            Council::failed("worse.toml", "unreadable"),
        ];
        let p = Portfolio::new(settings(), rows);
        let files: Vec<&str> = p.councils.iter().map(|c| c.file.as_str()).collect();
        assert_eq!(
            files,
            ["a.toml", "b.toml", "c.toml", "bad.toml", "worse.toml"]
        );
        let ranks: Vec<Option<u32>> = p.councils.iter().map(|c| c.rank).collect();
        assert_eq!(ranks, [Some(1), Some(2), Some(3), None, None]);
        assert_eq!((p.models, p.failed), (5, 2));
        assert_eq!(p.councils[3].status, "failed: bad.toml:3:1: not valid TOML");
        // Three rows of one council are told apart by their models' names.
        assert_eq!(p.names(), [s.model.name.as_str(); 3]);
        let mut one = p.clone();
        one.councils.truncate(1);
        assert_eq!(one.names(), ["Kent County Council"]);
        assert!(p.councils[3].p_s114.is_none() && p.councils[3].net_budget.is_none());
    }
}

//! Checks of a finished run read back from its folder, before anything is drawn from it.
//!
//! `gapsim report` trusts nothing it reads: a summary edited by hand, damaged, or written
//! by something else parses as a [`Summary`] as long as the fields have the right types,
//! but the charts and reports assume what [`crate::stats::summarize`] guarantees (arrays
//! of matching lengths, probabilities in [0, 1], counts that add up to the iterations,
//! figures that agree with each other). Without these checks a shortened histogram panicked
//! in the distribution chart, a probability of 7.5 was printed as 750.0%, and a mean gap
//! edited from 43.2 to 99.9 went into a committee report.
//!
//! Two layers, because they catch different things:
//! - [`manifest`]: the SHA-256 digest of every file, written with the run. Any change to a
//!   file (an edit, a truncated copy, a flipped bit) is caught, but anyone who can edit a
//!   file can also rewrite the manifest: it detects accidents and damage, not forgery.
//! - [`summary`]: every field in range and every identity that holds between the figures
//!   (the mean gap is the mean shortfall plus the mitigation used, percentiles are in
//!   order and inside the range, the lines add up to the gap, ...). Damage that a
//!   rewritten manifest hides is still caught where it breaks one of them.
//!
//! Pure: the caller reads the files. Every problem names the field's path in the JSON.

mod fields;
mod identities;
pub mod manifest;

use std::fmt;

use rust_decimal::Decimal;

use crate::engine::{LARGEST, MAX_ITERATIONS};
use crate::model::Model;
use crate::stats::{Probability, Summary};

/// One field of a summary that cannot be right.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Where it is in the JSON, e.g. `s114.probability.estimate`.
    pub field: String,
    /// What is wrong with it.
    pub problem: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` {}", self.field, self.problem)
    }
}

/// Every problem with `s`, a summary read back for `model`: empty when the summary is one
/// `gapsim run` could have written for that model. (Whether `model` is the file the run
/// read is [`model_text`]'s question.)
pub fn summary(s: &Summary, model: &Model) -> Vec<Problem> {
    let mut c = Check::default();
    let n = s.run.iterations;
    if !(1..=MAX_ITERATIONS).contains(&n) {
        c.fail(
            "run.iterations",
            format!("is {n}, but a run simulates 1 to {MAX_ITERATIONS} years"),
        );
        // Every count below is checked against it; there is nothing to check them against.
        return c.problems;
    }
    c.fields(s, model, n);
    c.identities(s, model, n);
    c.problems
}

/// A problem if `text` (the bytes of a run's model.toml) is not the model file the run
/// read: its SHA-256 must be the one the summary records.
pub fn model_text(s: &Summary, text: &[u8]) -> Option<Problem> {
    let hash = manifest::sha256_hex(text);
    (hash != s.model.sha256).then(|| Problem {
        field: "model.sha256".into(),
        problem: format!(
            "is {}, but model.toml's SHA-256 is {hash}: the model file has changed since the \
             run (or the summary has)",
            s.model.sha256
        ),
    })
}

/// Allowance for rounding when comparing figures that `summarize` derives separately.
const SLACK: f64 = 1e-9;

#[derive(Default)]
struct Check {
    problems: Vec<Problem>,
}

impl Check {
    fn fail(&mut self, field: impl Into<String>, problem: impl Into<String>) {
        self.problems.push(Problem {
            field: field.into(),
            problem: problem.into(),
        });
    }

    /// A finite number no larger than any a run can produce (gaps beyond 10^20 stop a run).
    fn number(&mut self, field: &str, x: f64) -> bool {
        let ok = x.is_finite() && x.abs() <= LARGEST;
        if !ok {
            self.fail(
                field,
                format!("is {x}, beyond any figure a run can produce"),
            );
        }
        ok
    }

    /// An amount of money no larger than any a run can produce.
    fn money(&mut self, field: &str, d: Decimal) -> bool {
        let ok = d.abs() <= largest();
        if !ok {
            self.fail(
                field,
                format!("is {d}, beyond any figure a run can produce"),
            );
        }
        ok
    }

    fn money_not_negative(&mut self, field: &str, d: Decimal) {
        if self.money(field, d) && d < Decimal::ZERO {
            self.fail(field, format!("is {d}, but cannot be negative"));
        }
    }

    /// A standard error in money: present and not negative when it can be estimated
    /// (`known`: at least two values behind it), absent when it cannot.
    fn money_se(&mut self, field: &str, se: Option<Decimal>, known: bool) {
        match se {
            Some(d) if known => self.money_not_negative(field, d),
            Some(d) => self.fail(
                field,
                format!("is {d}, but too few values lie behind it to estimate one"),
            ),
            None if known => self.fail(field, "is missing, but a run estimates it"),
            None => {}
        }
    }

    /// A share in [0, 1].
    fn share(&mut self, field: &str, x: f64) -> bool {
        let ok = x.is_finite() && (0.0..=1.0).contains(&x);
        if !ok {
            self.fail(
                field,
                format!("is {x}, but a probability or share is between 0 and 1"),
            );
        }
        ok
    }

    /// `low` ≤ `high`, both already checked to be numbers.
    fn ordered<T: PartialOrd + fmt::Display>(
        &mut self,
        low_field: &str,
        low: T,
        high_field: &str,
        high: T,
    ) {
        if low > high {
            self.fail(
                low_field,
                format!("is {low}, above `{high_field}` ({high}), which cannot be"),
            );
        }
    }

    fn probability(&mut self, field: &str, p: &Probability, n: u64) {
        let est = format!("{field}.estimate");
        let lo = format!("{field}.ci95_low");
        let hi = format!("{field}.ci95_high");
        let ok = [
            self.share(&est, p.estimate),
            self.share(&lo, p.ci95_low),
            self.share(&hi, p.ci95_high),
        ];
        if ok.iter().all(|&b| b) {
            if p.ci95_low > p.estimate + SLACK {
                self.fail(
                    &lo,
                    format!(
                        "is {}, above the estimate {}: an interval holds its estimate",
                        p.ci95_low, p.estimate
                    ),
                );
            }
            if p.ci95_high < p.estimate - SLACK {
                self.fail(
                    &hi,
                    format!(
                        "is {}, below the estimate {}: an interval holds its estimate",
                        p.ci95_high, p.estimate
                    ),
                );
            }
        }
        if p.count > n {
            self.fail(
                format!("{field}.count"),
                format!("is {}, more than the run's {n} simulated years", p.count),
            );
        } else if ok[0] && (p.estimate - p.count as f64 / n as f64).abs() > SLACK {
            self.fail(
                &est,
                format!(
                    "is {}, but {} of {n} simulated years is {}",
                    p.estimate,
                    p.count,
                    p.count as f64 / n as f64
                ),
            );
        }
        if let Some(se) = p.se_batch_means {
            self.standard_error(&format!("{field}.se_batch_means"), se);
        }
    }

    fn standard_error(&mut self, field: &str, se: f64) {
        if self.number(field, se) && se < 0.0 {
            self.fail(field, "is negative, which a standard error cannot be");
        }
    }

    fn correlation(&mut self, field: &str, r: f64) {
        if !(r.is_finite() && r.abs() <= 1.0 + SLACK) {
            self.fail(
                field,
                format!("is {r}, but a correlation is between -1 and 1"),
            );
        }
    }
}

/// 10^20, the largest figure a run can produce, as a decimal.
fn largest() -> Decimal {
    Decimal::from_i128_with_scale(LARGEST as i128, 0)
}

//! Probability distributions for drivers: validated once, sampled cheaply.
//!
//! Each [`Distribution`] is an immutable value built by a fallible constructor that checks
//! its parameters (the rand and statrs convention), so the hot loop samples without checks.
//! Every distribution offers two ways to draw:
//! - [`Distribution::fill`], a fast exact sampler (normals by inverse CDF, Betas as ratios
//!   of Marsaglia–Tsang gammas), used for plain Monte Carlo;
//! - [`Distribution::quantile`], the inverse CDF, used where the uniform input must be chosen
//!   (Latin hypercube, copulas) and for truncated forms, which sample exactly by drawing `u`
//!   inside the truncated part of the CDF.
//!
//! Parameters are the ones a finance user thinks in (see `docs/model-format.md`): a
//! lognormal by its median and 90th percentile, a PERT by its three-point estimate.

use rand::Rng;

use crate::portable::Portable as _;
use crate::special::{beta_quantile, beta_reg, ln_normal_mass, normal_cdf, normal_quantile};

/// Why a set of parameters does not make a distribution. `param` names the model-file key
/// at fault, so the model loader can point at it.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DistError {
    /// A parameter that must be strictly positive is not.
    #[error("`{param}` must be greater than 0, found {value}")]
    NotPositive {
        /// Parameter name.
        param: &'static str,
        /// Value given.
        value: f64,
    },
    /// A probability outside [0, 1].
    #[error("`{param}` is a probability and must be between 0 and 1, found {value}")]
    NotProbability {
        /// Parameter name.
        param: &'static str,
        /// Value given.
        value: f64,
    },
    /// Two bounds in the wrong order.
    #[error("`{lower}` ({lo}) must be {} `{upper}` ({hi})", if *.strict { "less than" } else { "at most" })]
    Order {
        /// Name of the parameter that should be smaller.
        lower: &'static str,
        /// Name of the parameter that should be larger.
        upper: &'static str,
        /// Its value.
        lo: f64,
        /// Its value.
        hi: f64,
        /// Whether equality is also wrong.
        strict: bool,
    },
    /// Parameters that are each allowed but together would give values too extreme to
    /// compute with, explained in words with the fix.
    #[error("{message}")]
    Extreme {
        /// Parameter name the problem is best shown at.
        param: &'static str,
        /// What is wrong.
        message: String,
        /// How to fix it.
        fix: String,
    },
    /// Any other impossible combination, explained in words.
    #[error("{message}")]
    Invalid {
        /// Parameter name the problem is best shown at.
        param: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// The largest magnitude of any figure in a model (10^15, far beyond any budget in £ or
/// £m). Distributions whose draws could exceed it are refused, so that sums of model
/// figures stay finite in floating point.
pub const LARGEST: f64 = 1e15;

/// The probability below which a value is too rare to matter: the 1 − 10⁻¹² quantile is
/// the largest value a distribution is expected to draw. A run has at most 10^9 simulated
/// years, so it reaches beyond that quantile with probability at most 10⁻³.
pub const NEGLIGIBLE: f64 = 1e-12;

/// The largest shape parameter (α or β) of a beta or PERT. Beyond it the distribution is a
/// spike of relative width below 0.3% (sd ≤ range/632 at mean ½), which is a fixed
/// value in all but name, and the inverse CDF (Latin hypercube) slows like √shape;
/// at shapes near 10^150 it would overflow to NaN.
pub const MAX_BETA_SHAPE: f64 = 1e5;

impl DistError {
    /// The model-file key the error is about.
    pub fn param(&self) -> &'static str {
        match self {
            DistError::NotPositive { param, .. }
            | DistError::NotProbability { param, .. }
            | DistError::Invalid { param, .. }
            | DistError::Extreme { param, .. } => param,
            DistError::Order { upper, lower, .. } => {
                // Point at the one most likely mistyped: the upper bound when it is the
                // `max`, else the lower.
                if *upper == "max" { upper } else { lower }
            }
        }
    }
}

/// The family a distribution was specified as; used to describe it in reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// A constant.
    Fixed,
    /// Uniform between two bounds.
    Uniform,
    /// Normal, possibly truncated.
    Normal,
    /// Lognormal, possibly truncated.
    LogNormal,
    /// Triangular three-point estimate.
    Triangular,
    /// PERT three-point estimate (a scaled Beta).
    Pert,
    /// Beta, possibly scaled to [min, max].
    Beta,
    /// 1 with probability p, else 0.
    Bernoulli,
    /// A finite set of values with probabilities.
    Discrete,
}

impl Family {
    /// The name used in model files.
    pub fn name(self) -> &'static str {
        match self {
            Family::Fixed => "fixed",
            Family::Uniform => "uniform",
            Family::Normal => "normal",
            Family::LogNormal => "lognormal",
            Family::Triangular => "triangular",
            Family::Pert => "pert",
            Family::Beta => "beta",
            Family::Bernoulli => "bernoulli",
            Family::Discrete => "discrete",
        }
    }
}

/// A validated univariate distribution.
#[derive(Debug, Clone)]
pub struct Distribution {
    family: Family,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    Fixed(f64),
    Uniform {
        lo: f64,
        width: f64,
    },
    Normal {
        mean: f64,
        sd: f64,
        trunc: Option<Trunc>,
    },
    LogNormal {
        mu: f64,
        sigma: f64,
        trunc: Option<Trunc>,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    Beta {
        alpha: f64,
        beta: f64,
        min: f64,
        scale: f64,
        sampler: BetaSampler,
    },
    Bernoulli {
        p: f64,
    },
    Discrete {
        values: Vec<f64>,
        cumulative: Vec<f64>,
        probabilities: Vec<f64>,
    },
}

/// Truncation of a normal (in standard units): the standard-normal variable is restricted
/// to [a, b]. When the interval lies in the upper half it is stored reflected (`flip`), so
/// that the CDF values stay small and keep their precision far into the tail.
#[derive(Debug, Clone, Copy)]
struct Trunc {
    a: f64,
    b: f64,
    flip: bool,
    p_lo: f64,
    p_width: f64,
}

impl Trunc {
    /// Truncation of a standard normal to [a, b]; `None` when it removes nothing.
    fn new(a: f64, b: f64, param: &'static str) -> Result<Option<Trunc>, DistError> {
        if a == f64::NEG_INFINITY && b == f64::INFINITY {
            return Ok(None);
        }
        let flip = a > 0.0;
        let (lo, hi) = if flip { (-b, -a) } else { (a, b) };
        let p_lo = normal_cdf(lo);
        let p_width = normal_cdf(hi) - p_lo;
        if p_width.partial_cmp(&1e-12) != Some(std::cmp::Ordering::Greater) {
            return Err(DistError::Invalid {
                param,
                message: "the truncation bounds leave almost none of the distribution \
                          (less than one chance in a trillion)"
                    .into(),
            });
        }
        Ok(Some(Trunc {
            a,
            b,
            flip,
            p_lo,
            p_width,
        }))
    }

    /// The standard-normal value at probability `u` of the truncated distribution.
    fn z(&self, u: f64) -> f64 {
        let z = if self.flip {
            -normal_quantile(self.p_lo + (1.0 - u) * self.p_width)
        } else {
            normal_quantile(self.p_lo + u * self.p_width)
        };
        z.clamp(self.a, self.b)
    }

    /// Mass below and moments of the standard normal restricted to [a, b]:
    /// returns E[Z | a<Z<b] and Var[Z | a<Z<b].
    fn moments(&self) -> (f64, f64) {
        let (a, b) = (self.a, self.b);
        let z = self.p_width;
        let pa = std_pdf(a);
        let pb = std_pdf(b);
        let apa = if a.is_finite() { a * pa } else { 0.0 };
        let bpb = if b.is_finite() { b * pb } else { 0.0 };
        let mean = (pa - pb) / z;
        let var = 1.0 + (apa - bpb) / z - mean * mean;
        (mean, var)
    }
}

fn std_pdf(x: f64) -> f64 {
    if x.is_finite() {
        (-0.5 * x * x).pexp() / (2.0 * std::f64::consts::PI).sqrt()
    } else {
        0.0
    }
}

fn check_finite(param: &'static str, value: f64) -> Result<(), DistError> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(DistError::Invalid {
            param,
            message: format!("`{param}` must be a finite number, found {value}"),
        })
    }
}

fn check_positive(param: &'static str, value: f64) -> Result<(), DistError> {
    check_finite(param, value)?;
    if value > 0.0 {
        Ok(())
    } else {
        Err(DistError::NotPositive { param, value })
    }
}

fn check_order(
    lower: &'static str,
    lo: f64,
    upper: &'static str,
    hi: f64,
    strict: bool,
) -> Result<(), DistError> {
    let ok = if strict { lo < hi } else { lo <= hi };
    if ok {
        Ok(())
    } else {
        Err(DistError::Order {
            lower,
            upper,
            lo,
            hi,
            strict,
        })
    }
}

/// Optional truncation bounds `min`/`max` as a closed interval, infinite where absent.
fn bounds(min: Option<f64>, max: Option<f64>) -> Result<(f64, f64), DistError> {
    let lo = min.unwrap_or(f64::NEG_INFINITY);
    let hi = max.unwrap_or(f64::INFINITY);
    if let Some(v) = min {
        check_finite("min", v)?;
    }
    if let Some(v) = max {
        check_finite("max", v)?;
    }
    check_order("min", lo, "max", hi, true)?;
    Ok((lo, hi))
}

impl Distribution {
    /// A constant.
    ///
    /// # Errors
    /// The value must be finite.
    pub fn fixed(value: f64) -> Result<Self, DistError> {
        check_finite("value", value)?;
        Ok(Self::new(Family::Fixed, Kind::Fixed(value)))
    }

    /// Uniform on [min, max].
    ///
    /// # Errors
    /// Bounds must be finite with min < max.
    pub fn uniform(min: f64, max: f64) -> Result<Self, DistError> {
        check_finite("min", min)?;
        check_finite("max", max)?;
        check_order("min", min, "max", max, true)?;
        Ok(Self::new(
            Family::Uniform,
            Kind::Uniform {
                lo: min,
                width: max - min,
            },
        ))
    }

    /// Normal with the given mean and standard deviation, optionally truncated to
    /// [min, max] (the mean and sd are those of the distribution before truncation).
    ///
    /// # Errors
    /// `sd` must be positive; bounds must be ordered and keep some probability.
    pub fn normal(
        mean: f64,
        sd: f64,
        min: Option<f64>,
        max: Option<f64>,
    ) -> Result<Self, DistError> {
        check_finite("mean", mean)?;
        check_positive("sd", sd)?;
        let (lo, hi) = bounds(min, max)?;
        let trunc = Trunc::new((lo - mean) / sd, (hi - mean) / sd, "min")?;
        Ok(Self::new(Family::Normal, Kind::Normal { mean, sd, trunc }))
    }

    /// Lognormal given by its median and 90th percentile, the way an analyst states a
    /// skewed estimate ("most likely about m, one chance in ten of exceeding h").
    ///
    /// # Errors
    /// Needs 0 < median < p90; bounds as for [`Distribution::normal`].
    pub fn lognormal_median_p90(
        median: f64,
        p90: f64,
        min: Option<f64>,
        max: Option<f64>,
    ) -> Result<Self, DistError> {
        check_positive("median", median)?;
        check_finite("p90", p90)?;
        check_order("median", median, "p90", p90, true)?;
        let mu = median.pln();
        let sigma = (p90.pln() - mu) / normal_quantile(0.9);
        let d = Self::lognormal_params(mu, sigma, min, max)?;
        d.check_lognormal_tail(|| {
            // With the median fixed, the largest σ whose top value is LARGEST.
            let sigma_max = (LARGEST.pln() - mu) / normal_quantile(1.0 - NEGLIGIBLE);
            let p90_max = (mu + sigma_max * normal_quantile(0.9)).pexp();
            let fix = if sigma_max > 1e-9 {
                format!(
                    "narrow it: with this median, p90 can be at most {}; or bound it with \
                     max = a value up to 1e15",
                    num(p90_max)
                )
            } else {
                "the median is too close to 10^15 to leave room for any spread: bound it with \
                 max = a value up to 1e15, or use dist = \"fixed\""
                    .into()
            };
            (
                "p90",
                format!("median {} and p90 {}", num(median), num(p90)),
                fix,
            )
        })?;
        Ok(d)
    }

    /// Lognormal given by the mean and standard deviation of the quantity itself (not of
    /// its logarithm).
    ///
    /// # Errors
    /// Needs mean > 0 and sd > 0; bounds as for [`Distribution::normal`].
    pub fn lognormal_mean_sd(
        mean: f64,
        sd: f64,
        min: Option<f64>,
        max: Option<f64>,
    ) -> Result<Self, DistError> {
        check_positive("mean", mean)?;
        check_positive("sd", sd)?;
        // Squares by multiplication, not `powi`: `powi` may call the platform's library,
        // whose last bit is not guaranteed to be the same everywhere.
        let cv = sd / mean;
        let s2 = (1.0 + cv * cv).pln();
        if s2.is_nan() || s2 <= 0.0 {
            return Err(DistError::Extreme {
                param: "sd",
                message: format!(
                    "`sd` {} is too small next to `mean` {} to give a lognormal any spread",
                    num(sd),
                    num(mean)
                ),
                fix: "for a figure with no uncertainty use dist = \"fixed\"; otherwise give a \
                      larger sd"
                    .into(),
            });
        }
        let mu = mean.pln() - 0.5 * s2;
        let d = Self::lognormal_params(mu, s2.sqrt(), min, max)?;
        d.check_lognormal_tail(|| {
            // With the mean fixed, μ = ln(mean) − σ²/2, so the top value ln(mean) − σ²/2 + zσ
            // first reaches ln(LARGEST) at σ = z − √(z² − 2·ln(LARGEST/mean)).
            let z = normal_quantile(1.0 - NEGLIGIBLE);
            let room = (LARGEST / mean).pln();
            let sigma_max = (z - (z * z - 2.0 * room).max(0.0).sqrt()).max(0.0);
            let sd_max = mean * ((sigma_max * sigma_max).pexp() - 1.0).sqrt();
            let fix = if sd_max > 1e-9 * mean {
                format!(
                    "narrow it: with this mean, sd can be at most about {}; or bound it with \
                     max = a value up to 1e15",
                    num(sd_max)
                )
            } else {
                "the mean is too close to 10^15 to leave room for any spread: bound it with \
                 max = a value up to 1e15, or use dist = \"fixed\""
                    .into()
            };
            ("sd", format!("mean {} and sd {}", num(mean), num(sd)), fix)
        })?;
        Ok(d)
    }

    /// Refuses a lognormal whose 1 − 10⁻¹² quantile (see [`NEGLIGIBLE`]) exceeds
    /// [`LARGEST`]: such draws could overflow the sums of a simulated year. `describe`
    /// returns (the parameter to point at, the parameters in words, the fix).
    fn check_lognormal_tail(
        &self,
        describe: impl FnOnce() -> (&'static str, String, String),
    ) -> Result<(), DistError> {
        let Kind::LogNormal { mu, sigma, trunc } = &self.kind else {
            return Ok(());
        };
        let z = match trunc {
            None => normal_quantile(1.0 - NEGLIGIBLE),
            Some(t) => t.z(1.0 - NEGLIGIBLE),
        };
        // In logs, so that an overflowing quantile is still a comparable number.
        let ln_top = mu + sigma * z;
        if ln_top <= LARGEST.pln() {
            return Ok(());
        }
        let (param, given, fix) = describe();
        Err(DistError::Extreme {
            param,
            message: format!(
                "a lognormal with {given} is too wide: one draw in a trillion exceeds {} \
                 (its spread in logs is σ = {}), beyond 10^15, the largest figure a model can \
                 hold, so a long run could overflow",
                g_big(ln_top),
                g(*sigma),
            ),
            fix,
        })
    }

    fn lognormal_params(
        mu: f64,
        sigma: f64,
        min: Option<f64>,
        max: Option<f64>,
    ) -> Result<Self, DistError> {
        if !(sigma.is_finite() && sigma > 0.0 && mu.is_finite()) {
            return Err(DistError::Extreme {
                param: "sd",
                message: "these parameters do not give a lognormal with any spread".into(),
                fix: "for a figure with no uncertainty use dist = \"fixed\"".into(),
            });
        }
        let (lo, hi) = bounds(min, max)?;
        let a = if lo <= 0.0 {
            f64::NEG_INFINITY
        } else {
            (lo.pln() - mu) / sigma
        };
        if hi <= 0.0 {
            return Err(DistError::Invalid {
                param: "max",
                message: "a lognormal is always positive, so `max` must be greater than 0".into(),
            });
        }
        let b = (hi.pln() - mu) / sigma;
        let trunc = Trunc::new(a, b, "min")?;
        Ok(Self::new(
            Family::LogNormal,
            Kind::LogNormal { mu, sigma, trunc },
        ))
    }

    /// Triangular three-point estimate.
    ///
    /// # Errors
    /// Needs min <= mode <= max and min < max.
    pub fn triangular(min: f64, mode: f64, max: f64) -> Result<Self, DistError> {
        check_finite("min", min)?;
        check_finite("mode", mode)?;
        check_finite("max", max)?;
        check_order("min", min, "mode", mode, false)?;
        check_order("mode", mode, "max", max, false)?;
        check_order("min", min, "max", max, true)?;
        Ok(Self::new(
            Family::Triangular,
            Kind::Triangular { min, mode, max },
        ))
    }

    /// PERT three-point estimate: a Beta on [min, max] whose mode is `mode`, with `shape`
    /// (λ, 4 by default) controlling how strongly it concentrates round the mode.
    ///
    /// # Errors
    /// Needs min <= mode <= max, min < max, shape > 0.
    pub fn pert(min: f64, mode: f64, max: f64, shape: Option<f64>) -> Result<Self, DistError> {
        check_finite("min", min)?;
        check_finite("mode", mode)?;
        check_finite("max", max)?;
        check_order("min", min, "mode", mode, false)?;
        check_order("mode", mode, "max", max, false)?;
        check_order("min", min, "max", max, true)?;
        let shape = shape.unwrap_or(4.0);
        check_positive("shape", shape)?;
        let range = max - min;
        let alpha = 1.0 + shape * (mode - min) / range;
        let beta = 1.0 + shape * (max - mode) / range;
        if alpha.max(beta) > MAX_BETA_SHAPE {
            return Err(DistError::Extreme {
                param: "shape",
                message: format!(
                    "`shape` {} concentrates the PERT so tightly round its mode that it is a \
                     fixed value in all but name (its beta shapes would be {} and {}, above \
                     the {} gapsim allows)",
                    num(shape),
                    num(alpha),
                    num(beta),
                    g(MAX_BETA_SHAPE)
                ),
                fix: format!(
                    "use a shape of at most {} (4 is the usual PERT), or dist = \"fixed\" with \
                     value = {}",
                    g(MAX_BETA_SHAPE - 1.0),
                    g(mode)
                ),
            });
        }
        Self::scaled_beta(Family::Pert, alpha, beta, min, max)
    }

    /// Beta(alpha, beta), scaled to [min, max] (default [0, 1]).
    ///
    /// # Errors
    /// Needs alpha > 0, beta > 0, min < max.
    pub fn beta(
        alpha: f64,
        beta: f64,
        min: Option<f64>,
        max: Option<f64>,
    ) -> Result<Self, DistError> {
        check_positive("alpha", alpha)?;
        check_positive("beta", beta)?;
        let (min, max) = (min.unwrap_or(0.0), max.unwrap_or(1.0));
        check_finite("min", min)?;
        check_finite("max", max)?;
        check_order("min", min, "max", max, true)?;
        for (param, value) in [("alpha", alpha), ("beta", beta)] {
            if value > MAX_BETA_SHAPE {
                return Err(DistError::Extreme {
                    param,
                    message: format!(
                        "`{param}` {} is above {}, the largest beta shape gapsim allows: the \
                         distribution would be a spike, a fixed value in all but name",
                        num(value),
                        g(MAX_BETA_SHAPE)
                    ),
                    fix: format!(
                        "use shapes of at most {}, or dist = \"fixed\" with value = {}",
                        g(MAX_BETA_SHAPE),
                        g(min + (max - min) * alpha / (alpha + beta))
                    ),
                });
            }
        }
        Self::scaled_beta(Family::Beta, alpha, beta, min, max)
    }

    /// Beta on [min, max] (default [0, 1]) with the given mean and standard deviation: the
    /// natural way to say "we expect 85% delivered, give or take 10 points".
    ///
    /// # Errors
    /// Needs min < mean < max and 0 < sd² < (mean − min)(max − mean).
    pub fn beta_mean_sd(
        mean: f64,
        sd: f64,
        min: Option<f64>,
        max: Option<f64>,
    ) -> Result<Self, DistError> {
        let (min, max) = (min.unwrap_or(0.0), max.unwrap_or(1.0));
        check_finite("min", min)?;
        check_finite("max", max)?;
        check_order("min", min, "max", max, true)?;
        check_finite("mean", mean)?;
        check_order("min", min, "mean", mean, true)?;
        check_order("mean", mean, "max", max, true)?;
        check_positive("sd", sd)?;
        let range = max - min;
        let m = (mean - min) / range;
        let sd_unit = sd / range;
        let v = sd_unit * sd_unit; // not `powi`: see `lognormal_mean_sd`
        let limit = m * (1.0 - m);
        if v >= limit {
            return Err(DistError::Invalid {
                param: "sd",
                message: format!(
                    "`sd` {sd} is too large for a beta with mean {mean} on [{min}, {max}]: \
                     it must be less than {:.6}",
                    limit.sqrt() * range
                ),
            });
        }
        let k = limit / v - 1.0;
        let (alpha, beta) = (m * k, (1.0 - m) * k);
        if alpha.max(beta) > MAX_BETA_SHAPE {
            // The smallest sd whose larger shape is MAX_BETA_SHAPE: α + β = k = limit/v − 1.
            let k_max = MAX_BETA_SHAPE / m.max(1.0 - m);
            let sd_min = range * (limit / (k_max + 1.0)).sqrt();
            return Err(DistError::Extreme {
                param: "sd",
                message: format!(
                    "`sd` {} is so small next to the range [{}, {}] that the beta is a fixed \
                     value in all but name (its shapes would be {} and {}, above the {} \
                     gapsim allows)",
                    num(sd),
                    num(min),
                    num(max),
                    num(alpha),
                    num(beta),
                    g(MAX_BETA_SHAPE)
                ),
                fix: format!(
                    "for a figure with no real uncertainty use dist = \"fixed\" with value = \
                     {}; otherwise give an sd of at least {}",
                    num(mean),
                    g_up(sd_min)
                ),
            });
        }
        Self::scaled_beta(Family::Beta, alpha, beta, min, max)
    }

    fn scaled_beta(
        family: Family,
        alpha: f64,
        beta: f64,
        min: f64,
        max: f64,
    ) -> Result<Self, DistError> {
        if !(alpha.is_finite() && beta.is_finite() && alpha > 0.0 && beta > 0.0) {
            return Err(DistError::Invalid {
                param: "alpha",
                message: "these parameters do not give a usable beta".into(),
            });
        }
        let sampler = BetaSampler::new(alpha, beta);
        Ok(Self::new(
            family,
            Kind::Beta {
                alpha,
                beta,
                min,
                scale: max - min,
                sampler,
            },
        ))
    }

    /// 1 with probability `p`, else 0.
    ///
    /// # Errors
    /// Needs 0 <= p <= 1.
    pub fn bernoulli(p: f64) -> Result<Self, DistError> {
        if !(0.0..=1.0).contains(&p) {
            return Err(DistError::NotProbability {
                param: "p",
                value: p,
            });
        }
        Ok(Self::new(Family::Bernoulli, Kind::Bernoulli { p }))
    }

    /// A finite set of values with their probabilities, in any order: they are held sorted
    /// by value, with the probabilities of equal values added together.
    ///
    /// # Errors
    /// Needs equally many values and probabilities (at least one), each probability in
    /// [0, 1], summing to 1 within 1e-9.
    pub fn discrete(values: &[f64], probabilities: &[f64]) -> Result<Self, DistError> {
        if values.is_empty() {
            return Err(DistError::Invalid {
                param: "values",
                message: "`values` needs at least one value".into(),
            });
        }
        if values.len() != probabilities.len() {
            return Err(DistError::Invalid {
                param: "probabilities",
                message: format!(
                    "there are {} values but {} probabilities; give one probability per value",
                    values.len(),
                    probabilities.len()
                ),
            });
        }
        for &v in values {
            check_finite("values", v)?;
        }
        for &p in probabilities {
            if !(0.0..=1.0).contains(&p) {
                return Err(DistError::NotProbability {
                    param: "probabilities",
                    value: p,
                });
            }
        }
        let total: f64 = probabilities.iter().sum();
        if (total - 1.0).abs() > 1e-9 {
            return Err(DistError::Invalid {
                param: "probabilities",
                message: format!("the probabilities must add up to 1, they add up to {total}"),
            });
        }
        // Sorted by value (equal values merged, their probabilities summed), so that the
        // cumulative probabilities make `quantile` the inverse of `cdf` whatever order the
        // model lists them in. The sort is stable and exact, so it is the same everywhere.
        let mut pairs: Vec<(f64, f64)> = values
            .iter()
            .copied()
            .zip(probabilities.iter().copied())
            .collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut values: Vec<f64> = Vec::with_capacity(pairs.len());
        let mut probabilities: Vec<f64> = Vec::with_capacity(pairs.len());
        for (v, p) in pairs {
            // `==` rather than the bit pattern, so that 0 and -0 are one value.
            if values.last() == Some(&v) {
                if let Some(last) = probabilities.last_mut() {
                    *last += p;
                }
            } else {
                values.push(v);
                probabilities.push(p);
            }
        }
        let mut cumulative = Vec::with_capacity(probabilities.len());
        let mut acc = 0.0;
        for &p in &probabilities {
            acc += p;
            cumulative.push(acc / total);
        }
        Ok(Self::new(
            Family::Discrete,
            Kind::Discrete {
                values,
                cumulative,
                probabilities,
            },
        ))
    }

    fn new(family: Family, kind: Kind) -> Self {
        Distribution { family, kind }
    }

    /// The family the model file asked for.
    pub fn family(&self) -> Family {
        self.family
    }

    /// True when the distribution cannot vary.
    pub fn is_fixed(&self) -> bool {
        match &self.kind {
            Kind::Fixed(_) => true,
            Kind::Bernoulli { p } => *p == 0.0 || *p == 1.0,
            Kind::Discrete { probabilities, .. } => {
                probabilities.iter().filter(|&&p| p > 0.0).count() <= 1
            }
            _ => false,
        }
    }

    /// The values and their probabilities, for a distribution that takes finitely many
    /// values (fixed, Bernoulli, discrete); `None` for a continuous one.
    pub fn atoms(&self) -> Option<Vec<(f64, f64)>> {
        match &self.kind {
            Kind::Fixed(v) => Some(vec![(*v, 1.0)]),
            Kind::Bernoulli { p } => Some(vec![(0.0, 1.0 - p), (1.0, *p)]),
            Kind::Discrete {
                values,
                probabilities,
                ..
            } => Some(
                values
                    .iter()
                    .copied()
                    .zip(probabilities.iter().copied())
                    .collect(),
            ),
            _ => None,
        }
    }

    /// Smallest and largest values it can take (infinite when unbounded).
    pub fn support(&self) -> (f64, f64) {
        match &self.kind {
            Kind::Fixed(v) => (*v, *v),
            Kind::Uniform { lo, width } => (*lo, lo + width),
            Kind::Normal { mean, sd, trunc } => match trunc {
                Some(t) => (mean + sd * t.a, mean + sd * t.b),
                None => (f64::NEG_INFINITY, f64::INFINITY),
            },
            Kind::LogNormal { mu, sigma, trunc } => match trunc {
                Some(t) => ((mu + sigma * t.a).pexp(), (mu + sigma * t.b).pexp()),
                None => (0.0, f64::INFINITY),
            },
            Kind::Triangular { min, max, .. } => (*min, *max),
            Kind::Beta { min, scale, .. } => (*min, min + scale),
            Kind::Bernoulli { p } => (
                if *p == 1.0 { 1.0 } else { 0.0 },
                if *p == 0.0 { 0.0 } else { 1.0 },
            ),
            Kind::Discrete {
                values,
                probabilities,
                ..
            } => values
                .iter()
                .zip(probabilities)
                .filter(|&(_, &p)| p > 0.0)
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (&v, _)| {
                    (lo.min(v), hi.max(v))
                }),
        }
    }

    /// P(X <= x).
    pub fn cdf(&self, x: f64) -> f64 {
        let trunc_cdf = |z: f64, t: &Option<Trunc>| -> f64 {
            match t {
                None => normal_cdf(z),
                Some(t) if z <= t.a => 0.0,
                Some(t) if z >= t.b => 1.0,
                Some(t) if t.flip => 1.0 - (normal_cdf(-z) - t.p_lo) / t.p_width,
                Some(t) => (normal_cdf(z) - t.p_lo) / t.p_width,
            }
        };
        let p = match &self.kind {
            Kind::Fixed(v) => f64::from(u8::from(x >= *v)),
            Kind::Uniform { lo, width } => (x - lo) / width,
            Kind::Normal { mean, sd, trunc } => trunc_cdf((x - mean) / sd, trunc),
            Kind::LogNormal { mu, sigma, trunc } => {
                if x <= 0.0 {
                    0.0
                } else {
                    trunc_cdf((x.pln() - mu) / sigma, trunc)
                }
            }
            Kind::Triangular { min, mode, max } => {
                let (a, c, b) = (*min, *mode, *max);
                if x <= a {
                    0.0
                } else if x >= b {
                    1.0
                } else if x <= c {
                    (x - a) * (x - a) / ((b - a) * (c - a))
                } else {
                    1.0 - (b - x) * (b - x) / ((b - a) * (b - c))
                }
            }
            Kind::Beta {
                alpha,
                beta,
                min,
                scale,
                ..
            } => beta_reg(*alpha, *beta, (x - min) / scale),
            Kind::Bernoulli { p } => {
                if x < 0.0 {
                    0.0
                } else if x < 1.0 {
                    1.0 - p
                } else {
                    1.0
                }
            }
            Kind::Discrete {
                values,
                probabilities,
                ..
            } => values
                .iter()
                .zip(probabilities)
                .filter(|&(&v, _)| v <= x)
                .map(|(_, p)| p)
                .sum(),
        };
        p.clamp(0.0, 1.0)
    }

    /// The analytic mean.
    pub fn mean(&self) -> f64 {
        self.moments().0
    }

    /// The analytic variance.
    pub fn variance(&self) -> f64 {
        self.moments().1
    }

    fn moments(&self) -> (f64, f64) {
        match &self.kind {
            Kind::Fixed(v) => (*v, 0.0),
            Kind::Uniform { lo, width } => (lo + width / 2.0, width * width / 12.0),
            Kind::Normal { mean, sd, trunc } => match trunc {
                None => (*mean, sd * sd),
                Some(t) => {
                    let (m, v) = t.moments();
                    (mean + sd * m, sd * sd * v)
                }
            },
            Kind::LogNormal { mu, sigma, trunc } => {
                // E[X^k] restricted to the truncation interval, by the standard
                // shift of the normal CDF by k·σ.
                // E[X^k] restricted to the truncation interval, by the standard shift of
                // the normal CDF by k·σ: e^(kμ + k²σ²/2) · P(a − kσ < Z < b − kσ) / P(a < Z
                // < b). In logs, because for a wide lognormal capped by `max` the first
                // factor overflows while the mass underflows.
                let raw = |k: f64| -> f64 {
                    let ln_scale = k * mu + 0.5 * k * k * sigma * sigma;
                    match trunc {
                        None => ln_scale.pexp(),
                        Some(t) => {
                            let ks = k * sigma;
                            let ln_mass = ln_normal_mass(t.a - ks, t.b - ks);
                            (ln_scale + ln_mass - t.p_width.pln()).pexp()
                        }
                    }
                };
                let m1 = raw(1.0);
                (m1, raw(2.0) - m1 * m1)
            }
            Kind::Triangular { min, mode, max } => {
                let (a, c, b) = (*min, *mode, *max);
                (
                    (a + b + c) / 3.0,
                    (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0,
                )
            }
            Kind::Beta {
                alpha,
                beta,
                min,
                scale,
                ..
            } => {
                let s = alpha + beta;
                (
                    min + scale * alpha / s,
                    scale * scale * alpha * beta / (s * s * (s + 1.0)),
                )
            }
            Kind::Bernoulli { p } => (*p, p * (1.0 - p)),
            Kind::Discrete {
                values,
                probabilities,
                ..
            } => {
                let total: f64 = probabilities.iter().sum();
                let m: f64 = values.iter().zip(probabilities).map(|(v, p)| v * p).sum();
                let m = m / total;
                let v: f64 = values
                    .iter()
                    .zip(probabilities)
                    .map(|(v, p)| (v - m) * (v - m) * p)
                    .sum();
                (m, v / total)
            }
        }
    }

    /// The inverse CDF: the smallest x with P(X <= x) >= u, for u in (0, 1).
    ///
    /// `u` is first brought inside (0, 1) (0 or less to the smallest positive double, 1 or
    /// more to the largest below 1), so that a `u` rounded onto an end, as a Latin
    /// hypercube's top stratum (n − 1 + v)/n can be, still gives a finite value.
    pub fn quantile(&self, u: f64) -> f64 {
        let u = u.clamp(f64::MIN_POSITIVE, BELOW_ONE);
        match &self.kind {
            Kind::Fixed(v) => *v,
            Kind::Uniform { lo, width } => lo + u * width,
            Kind::Normal { mean, sd, trunc } => {
                let z = match trunc {
                    None => normal_quantile(u),
                    Some(t) => t.z(u),
                };
                mean + sd * z
            }
            Kind::LogNormal { mu, sigma, trunc } => {
                let z = match trunc {
                    None => normal_quantile(u),
                    Some(t) => t.z(u),
                };
                (mu + sigma * z).pexp()
            }
            Kind::Triangular { min, mode, max } => {
                let (a, c, b) = (*min, *mode, *max);
                let split = (c - a) / (b - a);
                if u < split {
                    a + (u * (b - a) * (c - a)).sqrt()
                } else {
                    b - ((1.0 - u) * (b - a) * (b - c)).sqrt()
                }
            }
            Kind::Beta {
                alpha,
                beta,
                min,
                scale,
                ..
            } => min + scale * beta_quantile(*alpha, *beta, u),
            Kind::Bernoulli { p } => {
                if u > 1.0 - p {
                    1.0
                } else {
                    0.0
                }
            }
            Kind::Discrete {
                values, cumulative, ..
            } => {
                let i = cumulative.partition_point(|&c| c < u);
                values[i.min(values.len() - 1)]
            }
        }
    }

    /// Fills `out` with independent draws from `rng`.
    ///
    /// Normal, lognormal and Beta (PERT) families have their own loops; the others draw
    /// through `quantile`, which matches on the family per draw (cheap next to the draw).
    pub fn fill<R: Rng + ?Sized>(&self, rng: &mut R, out: &mut [f64]) {
        match &self.kind {
            Kind::Fixed(v) => out.fill(*v),
            Kind::Normal {
                mean,
                sd,
                trunc: None,
            } => {
                for x in out {
                    *x = mean + sd * std_normal(rng);
                }
            }
            Kind::LogNormal {
                mu,
                sigma,
                trunc: None,
            } => {
                for x in out {
                    *x = (mu + sigma * std_normal(rng)).pexp();
                }
            }
            Kind::Beta {
                min,
                scale,
                sampler,
                ..
            } => {
                for x in out {
                    *x = min + scale * sampler.sample(rng);
                }
            }
            _ => {
                for x in out {
                    *x = self.quantile(open01(rng));
                }
            }
        }
    }

    /// A short description, e.g. `pert(min 0.03, mode 0.08, max 0.2)`.
    pub fn describe(&self) -> String {
        let name = self.family.name();
        match &self.kind {
            Kind::Fixed(v) => format!("{name} {}", g(*v)),
            Kind::Uniform { lo, width } => format!("{name}({} to {})", g(*lo), g(lo + width)),
            Kind::Normal { mean, sd, .. } => {
                format!(
                    "{name}(mean {}, sd {}){}",
                    g(*mean),
                    g(*sd),
                    self.trunc_text()
                )
            }
            Kind::LogNormal { mu, sigma, .. } => format!(
                "{name}(median {}, p90 {}){}",
                g(mu.pexp()),
                g((mu + sigma * normal_quantile(0.9)).pexp()),
                self.trunc_text()
            ),
            Kind::Triangular { min, mode, max } => {
                format!(
                    "{name}(min {}, mode {}, max {})",
                    g(*min),
                    g(*mode),
                    g(*max)
                )
            }
            Kind::Beta {
                alpha,
                beta,
                min,
                scale,
                ..
            } => {
                if self.family == Family::Pert {
                    let mode = min + scale * (alpha - 1.0) / (alpha + beta - 2.0);
                    format!(
                        "{name}(min {}, mode {}, max {})",
                        g(*min),
                        g(mode),
                        g(min + scale)
                    )
                } else {
                    format!(
                        "{name}(alpha {}, beta {}) on [{}, {}]",
                        g(*alpha),
                        g(*beta),
                        g(*min),
                        g(min + scale)
                    )
                }
            }
            Kind::Bernoulli { p } => format!("{name}(p {})", g(*p)),
            Kind::Discrete {
                values,
                probabilities,
                ..
            } => {
                let pairs: Vec<String> = values
                    .iter()
                    .zip(probabilities)
                    .map(|(v, p)| format!("{} w.p. {}", g(*v), g(*p)))
                    .collect();
                format!("{name}({})", pairs.join(", "))
            }
        }
    }

    /// A description for readers, with values formatted by `value` (so a growth rate reads
    /// "5% to 10%, most likely 7%" and money "£5m to £40m"): e.g. `PERT, 5% to 10%, most
    /// likely 7%`.
    pub fn describe_with(&self, value: &dyn Fn(f64) -> String) -> String {
        let (lo, hi) = self.support();
        let bounds = |text: String| -> String {
            let truncated = matches!(
                &self.kind,
                Kind::Normal { trunc: Some(_), .. } | Kind::LogNormal { trunc: Some(_), .. }
            );
            if !truncated {
                return text;
            }
            match (lo.is_finite(), hi.is_finite()) {
                (true, true) => format!("{text}, kept within {} to {}", value(lo), value(hi)),
                (true, false) => format!("{text}, at least {}", value(lo)),
                (false, true) => format!("{text}, at most {}", value(hi)),
                (false, false) => text,
            }
        };
        match &self.kind {
            Kind::Fixed(v) => value(*v),
            Kind::Uniform { lo, width } => {
                format!("uniform, {} to {}", value(*lo), value(lo + width))
            }
            Kind::Normal { mean, sd, .. } => bounds(format!(
                "normal, mean {}, standard deviation {}",
                value(*mean),
                value(*sd)
            )),
            Kind::LogNormal { mu, sigma, .. } => bounds(format!(
                "lognormal, median {}, 90th percentile {}",
                value(mu.pexp()),
                value((mu + sigma * normal_quantile(0.9)).pexp())
            )),
            Kind::Triangular { min, mode, max } => format!(
                "triangular, {} to {}, most likely {}",
                value(*min),
                value(*max),
                value(*mode)
            ),
            Kind::Beta {
                alpha,
                beta,
                min,
                scale,
                ..
            } => {
                if self.family == Family::Pert {
                    let mode = min + scale * (alpha - 1.0) / (alpha + beta - 2.0);
                    format!(
                        "PERT, {} to {}, most likely {}",
                        value(*min),
                        value(min + scale),
                        value(mode)
                    )
                } else {
                    format!(
                        "beta, mean {}, standard deviation {}, within {} to {}",
                        value(self.mean()),
                        value(self.variance().sqrt()),
                        value(*min),
                        value(min + scale)
                    )
                }
            }
            Kind::Bernoulli { p } => format!("1 with probability {}, else 0", g(*p)),
            Kind::Discrete {
                values,
                probabilities,
                ..
            } => values
                .iter()
                .zip(probabilities)
                .map(|(v, p)| format!("{} with probability {}", value(*v), g(*p)))
                .collect::<Vec<_>>()
                .join("; "),
        }
    }

    fn trunc_text(&self) -> String {
        let truncated = matches!(
            &self.kind,
            Kind::Normal { trunc: Some(_), .. } | Kind::LogNormal { trunc: Some(_), .. }
        );
        if !truncated {
            return String::new();
        }
        let (lo, hi) = self.support();
        let lo = if lo.is_finite() { g(lo) } else { "-inf".into() };
        let hi = if hi.is_finite() { g(hi) } else { "inf".into() };
        format!(" truncated to [{lo}, {hi}]")
    }
}

/// Compact number formatting for descriptions: up to 6 significant digits, no trailing
/// zeros.
fn g(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let digits = (6 - 1 - v.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A number for a message: as `g` when of ordinary size, otherwise in scientific notation
/// (`1e-22`, `1.25e43`), so that neither a long row of zeros nor a false `0` is shown.
fn num(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 || (1e-6..1e12).contains(&a) || !v.is_finite() {
        g(v)
    } else {
        let s = format!("{v:.3e}");
        // 1.250e43 -> 1.25e43, 1.000e-22 -> 1e-22.
        match s.split_once('e') {
            Some((m, e)) => {
                let m = m.trim_end_matches('0').trim_end_matches('.');
                format!("{m}e{e}")
            }
            None => s,
        }
    }
}

/// `g` rounded up in its third significant digit, for a lower limit a value must reach
/// (messages only, not the sampling path).
fn g_up(v: f64) -> String {
    if !(v > 0.0 && v.is_finite()) {
        return num(v);
    }
    let step = 10f64.powi(v.log10().floor() as i32 - 2);
    num((v / step).ceil() * step)
}

/// A number known by its natural logarithm, which may be too large for an f64: `1e+95`.
fn g_big(ln: f64) -> String {
    let log10 = ln / std::f64::consts::LN_10;
    if log10 < 300.0 {
        format!("{:.1e}", ln.exp())
    } else {
        format!("10^{}", log10.floor())
    }
}

/// A standard normal draw by inverse CDF (AS241): exact, and built only on the portable
/// `ln` and `sqrt`, so the same bits on every machine (rand_distr's ziggurat calls the
/// platform's maths library whenever any crate in the build enables num-traits' `std`).
#[inline]
fn std_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    normal_quantile(open01(rng))
}

/// Marsaglia & Tsang's (2000) exact rejection sampler for Gamma(shape, 1); shapes below 1
/// use the boost G(a) = G(a + 1)·U^(1/a).
#[derive(Debug, Clone, Copy)]
struct GammaSampler {
    d: f64,
    c: f64,
    /// 1/shape when shape < 1 (boosted).
    boost: Option<f64>,
}

impl GammaSampler {
    fn new(shape: f64) -> Self {
        let s = if shape < 1.0 { shape + 1.0 } else { shape };
        let d = s - 1.0 / 3.0;
        GammaSampler {
            d,
            c: 1.0 / (9.0 * d).sqrt(),
            boost: (shape < 1.0).then(|| 1.0 / shape),
        }
    }

    /// A draw from Gamma(max(shape, shape + 1)) (before any boost).
    #[inline]
    fn core<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        loop {
            let x = std_normal(rng);
            let v = 1.0 + self.c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = open01(rng);
            let x2 = x * x;
            // The squeeze accepts about 98% of draws without a logarithm.
            if u < 1.0 - 0.0331 * x2 * x2 || u.pln() < 0.5 * x2 + self.d * (1.0 - v + v.pln()) {
                return self.d * v;
            }
        }
    }

    /// The natural logarithm of a draw (safe for tiny shapes, whose draws underflow).
    #[inline]
    fn ln_sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let ln_g = self.core(rng).pln();
        match self.boost {
            Some(inv) => ln_g + open01(rng).pln() * inv,
            None => ln_g,
        }
    }
}

/// Beta(α, β) as X/(X + Y) with X ~ Gamma(α), Y ~ Gamma(β): exact, portable.
#[derive(Debug, Clone, Copy)]
struct BetaSampler {
    x: GammaSampler,
    y: GammaSampler,
}

impl BetaSampler {
    fn new(alpha: f64, beta: f64) -> Self {
        BetaSampler {
            x: GammaSampler::new(alpha),
            y: GammaSampler::new(beta),
        }
    }

    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        if self.x.boost.is_none() && self.y.boost.is_none() {
            let x = self.x.core(rng);
            let y = self.y.core(rng);
            x / (x + y)
        } else {
            // In logs, so that two underflowing draws still give a ratio.
            let lx = self.x.ln_sample(rng);
            let ly = self.y.ln_sample(rng);
            if lx >= ly {
                1.0 / (1.0 + (ly - lx).pexp())
            } else {
                let e = (lx - ly).pexp();
                e / (1.0 + e)
            }
        }
    }
}

/// The largest double below 1.
const BELOW_ONE: f64 = 1.0 - f64::EPSILON / 2.0;

/// A uniform draw strictly inside (0, 1), from the top 53 bits: never 0 or 1, so inverse
/// CDFs stay finite.
///
/// (k + ½)·2⁻⁵³ for the top draw k = 2⁵³ − 1 is not a double: it rounds to exactly 1
/// (once in 2⁵³ draws, within reach of a long run of a large model), where a normal's
/// inverse CDF is infinite. The `min` moves only that draw, to the largest double below 1,
/// so every other draw keeps its bits.
#[inline]
pub fn open01<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)).min(BELOW_ONE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samplers_are_pinned() {
        // Value stability: the first draws of each sampler for a fixed stream, to the bit.
        // A change here silently changes every published figure, so it must be deliberate
        // (and noted in the changelog), never a side effect of a dependency.
        let cases: [(&str, Distribution, [u64; 3]); 5] = [
            (
                "normal",
                Distribution::normal(0.03, 0.01, None, None).unwrap(),
                [
                    4585617918447300915,
                    4583794846485432347,
                    4586481208859824537,
                ],
            ),
            (
                "pert",
                Distribution::pert(0.4, 0.85, 1.0, None).unwrap(),
                [
                    4605671393746931747,
                    4606093542063364852,
                    4604221110529501701,
                ],
            ),
            (
                "lognormal",
                Distribution::lognormal_median_p90(2.0, 5.0, None, None).unwrap(),
                [
                    4607857221766869040,
                    4608540538176435830,
                    4613534575649095097,
                ],
            ),
            (
                "beta",
                Distribution::beta(0.3, 0.5, None, None).unwrap(),
                [
                    4587119771985036677,
                    4567723298901065259,
                    4591254617841721674,
                ],
            ),
            (
                "triangular",
                Distribution::triangular(2.0, 6.0, 15.0).unwrap(),
                [
                    4622347940814174442,
                    4621237835762073981,
                    4617403942210079294,
                ],
            ),
        ];
        for (name, d, pinned) in cases {
            let mut x = [0.0; 3];
            d.fill(&mut crate::sample::stream(1, 0, name), &mut x);
            assert_eq!(x.map(f64::to_bits), pinned, "{name}");
        }
    }

    #[test]
    fn parameter_errors_name_the_parameter() {
        let e = Distribution::normal(0.0, -1.0, None, None).unwrap_err();
        assert_eq!(e.param(), "sd");
        let e = Distribution::triangular(3.0, 1.0, 5.0).unwrap_err();
        assert!(matches!(
            e,
            DistError::Order {
                lower: "min",
                upper: "mode",
                ..
            }
        ));
        let e = Distribution::pert(0.0, 6.0, 5.0, None).unwrap_err();
        assert!(matches!(
            e,
            DistError::Order {
                lower: "mode",
                upper: "max",
                ..
            }
        ));
        let e = Distribution::bernoulli(1.3).unwrap_err();
        assert_eq!(
            e,
            DistError::NotProbability {
                param: "p",
                value: 1.3
            }
        );
        assert!(Distribution::discrete(&[1.0, 2.0], &[0.5, 0.4]).is_err());
        assert!(Distribution::beta_mean_sd(0.5, 0.6, None, None).is_err());
        assert!(Distribution::normal(0.0, 1.0, Some(40.0), Some(41.0)).is_err());
    }

    #[test]
    fn lognormal_median_p90_puts_those_quantiles_where_asked() {
        let d = Distribution::lognormal_median_p90(2.0, 5.0, None, None).unwrap();
        assert!((d.quantile(0.5) - 2.0).abs() < 1e-12);
        assert!((d.quantile(0.9) - 5.0).abs() < 1e-10);
    }

    #[test]
    fn pert_has_the_textbook_mean() {
        // PERT mean = (min + 4·mode + max) / 6 when shape = 4.
        let d = Distribution::pert(0.4, 0.85, 1.0, None).unwrap();
        assert!((d.mean() - (0.4 + 4.0 * 0.85 + 1.0) / 6.0).abs() < 1e-12);
    }

    #[test]
    fn quantiles_of_discrete_and_bernoulli_follow_the_cdf() {
        let d = Distribution::discrete(&[10.0, 20.0, 30.0], &[0.2, 0.5, 0.3]).unwrap();
        assert_eq!(d.quantile(0.1), 10.0);
        assert_eq!(d.quantile(0.2), 10.0);
        assert_eq!(d.quantile(0.2000001), 20.0);
        assert_eq!(d.quantile(0.99), 30.0);
        let b = Distribution::bernoulli(0.3).unwrap();
        assert_eq!(b.quantile(0.69), 0.0);
        assert_eq!(b.quantile(0.71), 1.0);
    }

    #[test]
    fn far_upper_tail_truncation_keeps_precision() {
        // N(0,1) on [6.5, 7.5]: the CDF there is 1 − 4e-11, which keeps only five
        // significant digits unless the interval is reflected into the lower tail.
        let d = Distribution::normal(0.0, 1.0, Some(6.5), Some(7.5)).unwrap();
        let (lo, hi) = d.support();
        for u in [1e-9, 0.25, 0.5, 0.75, 1.0 - 1e-9] {
            let x = d.quantile(u);
            assert!((lo..=hi).contains(&x), "{x}");
        }
        assert!(d.quantile(0.25) < d.quantile(0.75));
        // Mass concentrates near the lower bound: (φ(6.5) − φ(7.5)) / (Q(6.5) − Q(7.5)).
        assert!((d.mean() - 6.646_520_8).abs() < 1e-6, "{}", d.mean());
        // The median of the truncated law: Q(m) = (Q(6.5) + Q(7.5)) / 2.
        assert!(
            (d.quantile(0.5) - 6.603_368_4).abs() < 1e-6,
            "{}",
            d.quantile(0.5)
        );
    }

    #[test]
    fn discrete_values_in_any_order_give_the_same_law() {
        // Listed out of order, 35 first: quantile(0.1) must be the smallest value (10), not
        // the first listed, so that quantile inverts cdf.
        let d = Distribution::discrete(&[35.0, 10.0, 20.0], &[0.3, 0.2, 0.5]).unwrap();
        let sorted = Distribution::discrete(&[10.0, 20.0, 35.0], &[0.2, 0.5, 0.3]).unwrap();
        for u in [0.05, 0.1, 0.2, 0.21, 0.5, 0.69, 0.71, 0.99] {
            assert_eq!(d.quantile(u), sorted.quantile(u), "u = {u}");
            assert!(d.cdf(d.quantile(u)) >= u, "u = {u}");
        }
        assert_eq!(d.quantile(0.1), 10.0);
        // Equal values are one value, with their probabilities added.
        let tied = Distribution::discrete(&[5.0, 1.0, 5.0], &[0.25, 0.5, 0.25]).unwrap();
        assert_eq!(tied.describe(), "discrete(1 w.p. 0.5, 5 w.p. 0.5)");
        assert_eq!(tied.quantile(0.4), 1.0);
        assert_eq!(tied.quantile(0.6), 5.0);
    }

    /// A generator that always returns the same word.
    struct Constant(u64);

    impl rand::TryRng for Constant {
        type Error = std::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            Ok(self.0 as u32)
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            Ok(self.0)
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
            dst.fill(0xFF);
            Ok(())
        }
    }

    #[test]
    fn uniform_draws_never_reach_0_or_1() {
        // The top word's (k + ½)·2⁻⁵³ rounds to exactly 1.0 in floating point; a normal's
        // inverse CDF is infinite there.
        let top = open01(&mut Constant(u64::MAX));
        assert!(top < 1.0, "{top}");
        assert!(open01(&mut Constant(0)) > 0.0);
        let d = Distribution::normal(0.0, 1.0, None, None).unwrap();
        let mut x = [0.0; 2];
        d.fill(&mut Constant(u64::MAX), &mut x);
        assert!(x.iter().all(|v| v.is_finite()), "{x:?}");
        // The one below the top keeps its bits (the fix moves only the draw that hit 1).
        let below = open01(&mut Constant(u64::MAX - (1 << 11)));
        assert_eq!(below, ((u64::MAX >> 11) as f64 - 0.5) / (1u64 << 53) as f64);
    }

    #[test]
    fn a_lognormal_truncated_far_in_its_upper_tail_has_the_right_mean() {
        // Median 1, p90 2 (σ = ln 2 / z₀.₉ = 0.5409), kept within [40, 200]: the bounds are
        // 6.82 and 9.80 standard deviations up (the mass between them is 4.6e-12), where
        // CDFs near 1 keep only a few digits of it.
        // Reference: Simpson's rule on the density, 200,000 intervals in ln x.
        let sigma = 2f64.ln() / normal_quantile(0.9);
        let d = Distribution::lognormal_median_p90(1.0, 2.0, Some(40.0), Some(200.0)).unwrap();
        let (a, b) = (40f64.ln(), 200f64.ln());
        let steps = 200_000;
        let h = (b - a) / f64::from(steps);
        let (mut mass, mut first) = (0.0, 0.0);
        for i in 0..=steps {
            let y = a + h * f64::from(i);
            let w = if i == 0 || i == steps {
                1.0
            } else if i % 2 == 1 {
                4.0
            } else {
                2.0
            };
            // Density of ln X (a normal), scaled by e^(z²/2) at the lower bound to keep
            // the numbers representable.
            let z = y / sigma;
            let f = (-(z * z - a * a / (sigma * sigma)) / 2.0).exp();
            mass += w * f;
            first += w * f * y.exp();
        }
        let mean = first / mass;
        assert!(
            ((d.mean() - mean) / mean).abs() < 1e-9,
            "{} vs {mean}",
            d.mean()
        );
        assert!(d.variance() > 0.0 && d.variance().is_finite());
        let (lo, hi) = d.support();
        assert!((lo - 40.0).abs() < 1e-9 && (hi - 200.0).abs() < 1e-9);
    }

    #[test]
    fn describe_reads_back_the_parameters() {
        let d = Distribution::pert(0.03, 0.08, 0.2, None).unwrap();
        assert_eq!(d.describe(), "pert(min 0.03, mode 0.08, max 0.2)");
        let d = Distribution::normal(0.035, 0.01, Some(0.0), None).unwrap();
        assert_eq!(
            d.describe(),
            "normal(mean 0.035, sd 0.01) truncated to [0, inf]"
        );
    }

    #[test]
    fn the_largest_spread_a_lognormal_error_suggests_is_the_largest_accepted() {
        // The fix names the largest sd (or p90) that keeps the 1 − 10⁻¹² point within
        // 10^15: just below it is accepted, just above it refused.
        let at_most = |e: DistError| -> f64 {
            let DistError::Extreme { fix, .. } = e else {
                panic!("not an extreme-parameter error: {e:?}");
            };
            let rest = fix.split("at most ").nth(1).expect("a largest value");
            let rest = rest.trim_start_matches("about ");
            rest.split(';')
                .next()
                .unwrap()
                .trim()
                .parse()
                .expect("a number")
        };
        // (With the mean fixed a wider spread lowers the median, so only large means have
        // a largest sd at all.)
        for mean in [1e10, 1e12, 1e13] {
            let sd = at_most(Distribution::lognormal_mean_sd(mean, 1e15, None, None).unwrap_err());
            assert!(Distribution::lognormal_mean_sd(mean, sd * 0.999, None, None).is_ok());
            assert!(Distribution::lognormal_mean_sd(mean, sd * 1.001, None, None).is_err());
        }
        for median in [0.01, 1.0, 300.0] {
            let e = Distribution::lognormal_median_p90(median, median * 1e6, None, None);
            let p90 = at_most(e.unwrap_err());
            assert!(Distribution::lognormal_median_p90(median, p90 * 0.999, None, None).is_ok());
            assert!(Distribution::lognormal_median_p90(median, p90 * 1.001, None, None).is_err());
        }
    }

    #[test]
    fn the_cdf_of_every_family_matches_an_independent_reference() {
        // statrs for the underlying laws; truncation and scaling by hand. Points span the
        // support and beyond it on both sides.
        use statrs::distribution::{
            Beta as SBeta, ContinuousCDF, LogNormal as SLogNormal, Normal as SNormal,
            Triangular as STriangular,
        };
        let check =
            |name: &str, d: &Distribution, reference: &dyn Fn(f64) -> f64, lo: f64, hi: f64| {
                for k in 0..=60 {
                    let x = lo + (hi - lo) * (f64::from(k) / 60.0);
                    let (got, want) = (d.cdf(x), reference(x).clamp(0.0, 1.0));
                    assert!((got - want).abs() < 1e-9, "{name} at {x}: {got} vs {want}");
                }
            };
        let n = SNormal::new(0.03, 0.04).unwrap();
        check(
            "normal",
            &Distribution::normal(0.03, 0.04, None, None).unwrap(),
            &|x| n.cdf(x),
            -0.2,
            0.3,
        );
        // Truncated in the body, and far in the upper tail (computed there from the other
        // side for precision).
        for (mean, sd, a, b) in [
            (0.03, 0.04, -0.02, 0.1),
            (0.0, 1.0, 2.0, 5.0),
            (0.0, 1.0, -5.0, -2.0),
        ] {
            let d = Distribution::normal(mean, sd, Some(a), Some(b)).unwrap();
            let n = SNormal::new(mean, sd).unwrap();
            let (pa, pb) = (n.cdf(a), n.cdf(b));
            let reference = |x: f64| {
                if x <= a {
                    0.0
                } else if x >= b {
                    1.0
                } else if a > mean {
                    // In the upper tail, by survival functions (no cancellation).
                    1.0 - (n.sf(x) - n.sf(b)) / (n.sf(a) - n.sf(b))
                } else {
                    (n.cdf(x) - pa) / (pb - pa)
                }
            };
            check("truncated normal", &d, &reference, a - 1.0, b + 1.0);
        }
        let sigma = 2f64.ln() / normal_quantile(0.9);
        let ln = SLogNormal::new(0.0, sigma).unwrap();
        check(
            "lognormal",
            &Distribution::lognormal_median_p90(1.0, 2.0, None, None).unwrap(),
            &|x| if x <= 0.0 { 0.0 } else { ln.cdf(x) },
            -1.0,
            8.0,
        );
        let d = Distribution::lognormal_median_p90(1.0, 2.0, Some(0.5), Some(3.0)).unwrap();
        let (pa, pb) = (ln.cdf(0.5), ln.cdf(3.0));
        check(
            "truncated lognormal",
            &d,
            &|x| ((ln.cdf(x.max(1e-300)) - pa) / (pb - pa)).clamp(0.0, 1.0),
            0.0,
            4.0,
        );
        let t = STriangular::new(0.0, 1.0, 0.3).unwrap();
        check(
            "triangular",
            &Distribution::triangular(0.0, 0.3, 1.0).unwrap(),
            &|x| t.cdf(x),
            -0.5,
            1.5,
        );
        let t = STriangular::new(2.0, 7.0, 6.0).unwrap();
        check(
            "triangular",
            &Distribution::triangular(2.0, 6.0, 7.0).unwrap(),
            &|x| t.cdf(x),
            1.0,
            8.0,
        );
        // PERT(a, m, b): Beta(1 + 4(m − a)/(b − a), 1 + 4(b − m)/(b − a)) on [a, b].
        let (a, m, b) = (0.0, 0.04, 0.18);
        let beta =
            SBeta::new(1.0 + 4.0 * (m - a) / (b - a), 1.0 + 4.0 * (b - m) / (b - a)).unwrap();
        check(
            "pert",
            &Distribution::pert(a, m, b, None).unwrap(),
            &|x| beta.cdf(((x - a) / (b - a)).clamp(0.0, 1.0)),
            -0.05,
            0.25,
        );
        let beta = SBeta::new(2.0, 5.0).unwrap();
        check(
            "beta",
            &Distribution::beta(2.0, 5.0, Some(10.0), Some(20.0)).unwrap(),
            &|x| beta.cdf(((x - 10.0) / 10.0).clamp(0.0, 1.0)),
            8.0,
            22.0,
        );
        check(
            "uniform",
            &Distribution::uniform(-1.0, 3.0).unwrap(),
            &|x| (x + 1.0) / 4.0,
            -2.0,
            4.0,
        );
        check(
            "bernoulli",
            &Distribution::bernoulli(0.3).unwrap(),
            &|x| {
                if x < 0.0 {
                    0.0
                } else if x < 1.0 {
                    0.7
                } else {
                    1.0
                }
            },
            -1.0,
            2.0,
        );
        check(
            "discrete",
            &Distribution::discrete(&[5.0, 1.0, 3.0], &[0.2, 0.5, 0.3]).unwrap(),
            &|x| {
                [(1.0, 0.5), (3.0, 0.3), (5.0, 0.2)]
                    .iter()
                    .filter(|(v, _)| *v <= x)
                    .map(|(_, p)| p)
                    .sum()
            },
            0.0,
            6.0,
        );
        check(
            "fixed",
            &Distribution::fixed(2.0).unwrap(),
            &|x| if x >= 2.0 { 1.0 } else { 0.0 },
            0.0,
            4.0,
        );
    }
}

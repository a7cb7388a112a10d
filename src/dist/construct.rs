//! The validated constructors: each checks its parameters once, naming the model-file key
//! at fault, so sampling does no checks.

use super::*;

pub(super) fn check_finite(param: &'static str, value: f64) -> Result<(), DistError> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(DistError::Invalid {
            param,
            message: format!("`{param}` must be a finite number, found {value}"),
        })
    }
}

pub(super) fn check_positive(param: &'static str, value: f64) -> Result<(), DistError> {
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
        Ok(Self::new(
            family,
            Kind::Beta {
                alpha,
                beta,
                min,
                scale: max - min,
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
}

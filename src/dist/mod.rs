//! Probability distributions for drivers: validated once, sampled cheaply.
//!
//! Each [`Distribution`] is an immutable value built by a fallible constructor that checks
//! its parameters (the rand and statrs convention), so the hot loop samples without checks.
//! Every distribution offers two ways to draw:
//! - [`Distribution::fill`], a fast exact sampler used for plain Monte Carlo: normals,
//!   lognormals and Betas (PERT) by rejection within 256 equal-probability cells
//!   ([`table`]), Bernoulli by one integer comparison, the others by their inverse CDF;
//! - [`Distribution::quantile`], the inverse CDF, used where the uniform input must be chosen
//!   (quasi-Monte Carlo, a model check's extremes);
//! - [`Distribution::fill_strata`], a Latin hypercube column: each value drawn within its
//!   stratum, by the cell sampler's rejection for the table families.
//!
//! Parameters are the ones a finance user thinks in (see `docs/model-format.md`): a
//! lognormal by its median and 90th percentile, a PERT by its three-point estimate.
//!
//! Any law may be moved and stretched ([`Distribution::affine`], the model's `shift` and
//! `scale`): every value it gives, drawn or computed, is then `scale × value + shift`.

mod affine;
mod construct;
mod describe;
mod draw;
mod inverse;
pub mod table;

use affine::Affine;
use describe::{g, g_big, g_up, num};
use draw::BELOW_ONE;
pub use draw::open01;
use table::{Shape, Table};

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
/// value in all but name, and the inverse CDF (quasi-Monte Carlo) slows like √shape;
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
    /// `scale × draw + shift`, applied to every value the law gives (draws, quantiles,
    /// support, atoms, moments); `None` for the identity, which is skipped entirely so
    /// that an untransformed law gives the same bits as before the map existed. A fixed
    /// value's map is folded into the value, so a fixed law never holds one.
    affine: Option<Affine>,
    /// The sampling table of a truncated normal or lognormal, or a Beta: built on the first
    /// draw, so that checking a model does not pay for it.
    table: std::sync::OnceLock<Table>,
    /// A Beta's inverse-CDF table ([`inverse`]), built on the first quantile asked for.
    inverse: std::sync::OnceLock<inverse::BetaInverse>,
    /// The Latin hypercube's table of [`STRATA_ROWS`] strata of a truncated normal or
    /// lognormal, or a Beta ([`Distribution::fill_strata`]), built by
    /// [`Distribution::prepare_strata`] before a run's first batch (or on the first fill).
    strata: std::sync::OnceLock<Table>,
}

/// The number of strata whose table [`Distribution::fill_strata`] keeps: the engine's batch
/// length (asserted there). A fill of another length builds its table for that call.
pub const STRATA_ROWS: usize = 10_000;

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
        // The probability is kept below 1, where the inverse is finite (p_lo + u·p_width
        // can round to 1 when the truncation leaves the upper tail open).
        let z = if self.flip {
            -normal_quantile((self.p_lo + (1.0 - u) * self.p_width).min(BELOW_ONE))
        } else {
            normal_quantile((self.p_lo + u * self.p_width).min(BELOW_ONE))
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

impl Distribution {
    fn new(family: Family, kind: Kind) -> Self {
        Distribution {
            family,
            kind,
            affine: None,
            table: std::sync::OnceLock::new(),
            inverse: std::sync::OnceLock::new(),
            strata: std::sync::OnceLock::new(),
        }
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
        let mut atoms = self.base_atoms()?;
        if let Some(a) = self.affine {
            for (v, _) in &mut atoms {
                *v = a.apply(*v);
            }
        }
        Some(atoms)
    }

    fn base_atoms(&self) -> Option<Vec<(f64, f64)>> {
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
        let (lo, hi) = self.base_support();
        match self.affine {
            None => (lo, hi),
            // The scale is positive, so the ends stay in order (and infinite ends infinite).
            Some(a) => (a.apply(lo), a.apply(hi)),
        }
    }

    /// [`Distribution::support`] before the affine map.
    fn base_support(&self) -> (f64, f64) {
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
        let Some(a) = self.affine else {
            return self.base_cdf(x);
        };
        let p = match &self.kind {
            // Laws with atoms compare x with each mapped atom, the very values `fill`
            // gives: undoing the map, (x − shift)/scale, could round off an atom.
            Kind::Bernoulli { p } => {
                if x < a.apply(0.0) {
                    0.0
                } else if x < a.apply(1.0) {
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
                .filter(|&(&v, _)| a.apply(v) <= x)
                .map(|(_, p)| p)
                .sum(),
            _ => self.base_cdf(a.undo(x)),
        };
        p.clamp(0.0, 1.0)
    }

    /// [`Distribution::cdf`] before the affine map.
    fn base_cdf(&self, x: f64) -> f64 {
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
        let (mean, variance) = self.base_moments();
        match self.affine {
            None => (mean, variance),
            Some(a) => (a.apply(mean), a.scale * a.scale * variance),
        }
    }

    /// The mean and variance before the affine map.
    fn base_moments(&self) -> (f64, f64) {
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
        self.mapped(self.base_quantile(u))
    }

    /// [`Distribution::quantile`] without building a Beta's table of quantiles: for a few
    /// quantiles of each of many laws (a report's), where the table's 1,023 inversions
    /// would cost far more than the quantiles asked for. The root is the general
    /// inversion's, within the solver's tolerance of [`Distribution::quantile`]'s.
    pub fn quantile_once(&self, u: f64) -> f64 {
        self.mapped(self.base_quantile_with(u, false))
    }

    /// A value of the law before the affine map, after it.
    fn mapped(&self, q: f64) -> f64 {
        match self.affine {
            None => q,
            Some(a) => a.apply(q),
        }
    }

    /// [`Distribution::quantile`] before the affine map.
    fn base_quantile(&self, u: f64) -> f64 {
        self.base_quantile_with(u, true)
    }

    /// [`Distribution::base_quantile`]; without `keep_table`, a Beta's quantile by the
    /// general inversion rather than from its (built and kept) table of quantiles.
    fn base_quantile_with(&self, u: f64, keep_table: bool) -> f64 {
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
            } => {
                let z = if keep_table {
                    self.standard_beta_quantile(*alpha, *beta, u)
                } else {
                    beta_quantile(*alpha, *beta, u)
                };
                min + scale * z
            }
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
    /// through the inverse CDF, which matches on the family per draw (cheap next to the
    /// draw). The affine map, if any, is applied after, in one pass: each draw v becomes
    /// `scale * v + shift`, so a transformed law uses the very random numbers of the
    /// untransformed one.
    pub fn fill<R: Rng + ?Sized>(&self, rng: &mut R, out: &mut [f64]) {
        self.base_fill(rng, out);
        if let Some(a) = self.affine {
            for x in out {
                *x = a.apply(*x);
            }
        }
    }

    fn base_fill<R: Rng + ?Sized>(&self, rng: &mut R, out: &mut [f64]) {
        match &self.kind {
            Kind::Fixed(v) => out.fill(*v),
            Kind::Normal { mean, sd, trunc } => {
                let (table, z) = self.standard(trunc);
                for x in out {
                    *x = mean + sd * table.draw(rng, &z);
                }
            }
            Kind::LogNormal { mu, sigma, trunc } => {
                let (table, z) = self.standard(trunc);
                for x in out {
                    *x = (mu + sigma * table.draw(rng, &z)).pexp();
                }
            }
            Kind::Beta {
                alpha,
                beta,
                min,
                scale,
            } => {
                let (a, b) = (*alpha, *beta);
                let q = |u: f64| beta_quantile(a, b, u);
                let table = self
                    .table
                    .get_or_init(|| Table::new(beta_shape(a, b), 0.0, 1.0, q));
                for x in out {
                    *x = min + scale * table.draw(rng, &q);
                }
            }
            Kind::Bernoulli { p } => {
                // P(draw < t) = t/2⁶⁴, within 2⁻⁶⁴ of p.
                let t = (p * 18_446_744_073_709_551_616.0) as u64;
                for x in out {
                    *x = if rng.next_u64() < t { 1.0 } else { 0.0 };
                }
            }
            _ => {
                for x in out {
                    *x = self.base_quantile(open01(rng));
                }
            }
        }
    }

    /// A Latin hypercube column: row `rows[k]` of `out` drawn from the law restricted to
    /// stratum k of `rows.len()` strata of equal probability (its probability uniform in
    /// [k/n, (k + 1)/n)). With `rows` a uniformly random permutation, every row's stratum is
    /// uniformly random and every stratum has one row.
    ///
    /// The normal, lognormal and Beta families draw within the stratum as [`Table::draw`]
    /// draws within a cell: a table whose cells are the strata, so nearly every value costs
    /// one 64-bit draw and no inverse CDF (an incomplete-beta inversion for a PERT, which
    /// had been six times the cost of a Monte Carlo year). The law within each stratum is
    /// exactly the inverse CDF's at a uniform probability in it, so the column is the same
    /// Latin hypercube in distribution; its values are not the inverse CDF's bit for bit.
    /// Strata are drawn in order, so the table (320 KB for 10,000 strata, out of cache after
    /// the other drivers' columns) is read from end to end rather than at random, and the
    /// values are scattered to their rows. Other families go through the inverse CDF at
    /// (k + u)/n. `rows` must be a permutation of 0..n (n = `out.len()`); the affine map
    /// applies after, as in [`Distribution::fill`].
    pub fn fill_strata<R: Rng + ?Sized>(&self, rng: &mut R, rows: &[u32], out: &mut [f64]) {
        let n = rows.len();
        let strata = rows.iter().map(|&r| r as usize).enumerate();
        // A stratum of one or none is the whole law: the inverse CDF serves it.
        match (n >= 2).then(|| self.strata_table(n)).flatten() {
            Some(table) => {
                let q = self.standard_inverse();
                for (k, row) in strata {
                    out[row] = self.scaled_standard(table.draw_in(k, rng, &q));
                }
            }
            None => {
                for (k, row) in strata {
                    out[row] = self.base_quantile((k as f64 + open01(rng)) / n as f64);
                }
            }
        }
        if let Some(a) = self.affine {
            for x in out {
                *x = a.apply(*x);
            }
        }
    }

    /// The most memory, in bytes, of the sampling tables this law keeps once it has been
    /// sampled: the cell sampler's 256 cells of a Beta or a truncated normal or lognormal,
    /// a Beta's inverse-CDF table and, under Latin hypercube (`latin_hypercube`), the table
    /// of [`STRATA_ROWS`] strata. An untruncated normal's tables are shared by every such
    /// law, so none counts them.
    pub fn table_bytes(&self, latin_hypercube: bool) -> u64 {
        let (own, beta) = match &self.kind {
            Kind::Beta { .. } => (true, true),
            Kind::Normal { trunc, .. } | Kind::LogNormal { trunc, .. } => (trunc.is_some(), false),
            _ => (false, false),
        };
        if !own {
            return 0;
        }
        let cells = |n: usize| (n * table::CELL_BYTES) as u64;
        let strata = if latin_hypercube {
            cells(STRATA_ROWS)
        } else {
            0
        };
        let inverse = if beta { inverse::TABLE_BYTES } else { 0 };
        cells(table::CELLS) + inverse + strata
    }

    /// Builds the table [`Distribution::fill_strata`] keeps, if this law has one, so that a
    /// run can build every driver's at once (on several threads) before its first batch:
    /// 10,000 quantiles each, most of a short Latin hypercube run's time otherwise.
    pub fn prepare_strata(&self) {
        let _ = self.strata_table(STRATA_ROWS);
    }

    /// The table of `n` strata of the standard variable behind a normal, lognormal or Beta
    /// (`None` for the other families, which draw through the inverse CDF).
    fn strata_table(&self, n: usize) -> Option<std::borrow::Cow<'_, Table>> {
        static NORMAL: std::sync::OnceLock<Table> = std::sync::OnceLock::new();
        match &self.kind {
            Kind::Normal { trunc, .. } | Kind::LogNormal { trunc, .. } => Some(match trunc {
                None => cached_strata(&NORMAL, n, || {
                    let (lo, hi) = (f64::NEG_INFINITY, f64::INFINITY);
                    Table::with_cells(Shape::Normal, lo, hi, n, normal_quantile)
                }),
                Some(t) => cached_strata(&self.strata, n, || {
                    Table::with_cells(Shape::Normal, t.a, t.b, n, |u| t.z(u))
                }),
            }),
            Kind::Beta { alpha, beta, .. } => {
                let (a, b) = (*alpha, *beta);
                let q = |u: f64| self.standard_beta_quantile(a, b, u);
                Some(cached_strata(&self.strata, n, || {
                    Table::with_cells(beta_shape(a, b), 0.0, 1.0, n, q)
                }))
            }
            _ => None,
        }
    }

    /// A table family's value (before the affine map) for a draw `z` of its standard
    /// variable: a normal's mean + sd·z, a lognormal's exp(μ + σ·z), a Beta's min + scale·z.
    #[inline(always)]
    fn scaled_standard(&self, z: f64) -> f64 {
        match &self.kind {
            Kind::Normal { mean, sd, .. } => mean + sd * z,
            Kind::LogNormal { mu, sigma, .. } => (mu + sigma * z).pexp(),
            Kind::Beta { min, scale, .. } => min + scale * z,
            _ => z,
        }
    }

    /// The inverse CDF of a table family's standard variable (the one its table cuts), for
    /// the cells the table leaves to it.
    fn standard_inverse(&self) -> impl Fn(f64) -> f64 + '_ {
        move |u| match &self.kind {
            Kind::Normal { trunc, .. } | Kind::LogNormal { trunc, .. } => {
                standard_quantile(*trunc)(u)
            }
            Kind::Beta { alpha, beta, .. } => self.standard_beta_quantile(*alpha, *beta, u),
            _ => u,
        }
    }

    /// A Beta's standard quantile, as [`Distribution::base_quantile`] finds it.
    fn standard_beta_quantile(&self, a: f64, b: f64, u: f64) -> f64 {
        if inverse::interior(u) {
            self.inverse
                .get_or_init(|| inverse::BetaInverse::new(a, b))
                .quantile(u)
        } else {
            beta_quantile(a, b, u)
        }
    }

    /// The table of the standard normal behind a normal or lognormal (restricted to its
    /// truncation), and that variable's inverse CDF.
    fn standard(&self, trunc: &Option<Trunc>) -> (&Table, impl Fn(f64) -> f64 + use<>) {
        let table = match trunc {
            None => table::standard_normal(),
            Some(t) => self
                .table
                .get_or_init(|| Table::new(Shape::Normal, t.a, t.b, |u| t.z(u))),
        };
        (table, standard_quantile(*trunc))
    }
}

/// The inverse CDF of the standard normal restricted to `trunc` (all of it for `None`).
fn standard_quantile(trunc: Option<Trunc>) -> impl Fn(f64) -> f64 {
    move |u: f64| match trunc {
        None => normal_quantile(u),
        Some(t) => t.z(u),
    }
}

/// The table shape of Beta(a, b).
fn beta_shape(a: f64, b: f64) -> Shape {
    Shape::Beta {
        a1: a - 1.0,
        b1: b - 1.0,
    }
}

/// A table of `n` strata: the one kept in `cache` when n is [`STRATA_ROWS`], else one built
/// for the call (the same table either way, so which is used never shows in a value).
fn cached_strata(
    cache: &std::sync::OnceLock<Table>,
    n: usize,
    build: impl FnOnce() -> Table,
) -> std::borrow::Cow<'_, Table> {
    if n == STRATA_ROWS {
        std::borrow::Cow::Borrowed(cache.get_or_init(build))
    } else {
        std::borrow::Cow::Owned(build())
    }
}

#[cfg(test)]
mod tests;

//! The exact samplers behind [`Distribution::fill`].

use super::*;

/// A standard normal draw by inverse CDF (AS241): exact, and built only on the portable
/// `ln` and `sqrt`, so the same bits on every machine (rand_distr's ziggurat calls the
/// platform's maths library whenever any crate in the build enables num-traits' `std`).
#[inline]
pub(super) fn std_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    normal_quantile(open01(rng))
}

/// Marsaglia & Tsang's (2000) exact rejection sampler for Gamma(shape, 1); shapes below 1
/// use the boost G(a) = G(a + 1)·U^(1/a).
#[derive(Debug, Clone, Copy)]
pub(super) struct GammaSampler {
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
pub(super) struct BetaSampler {
    x: GammaSampler,
    y: GammaSampler,
}

impl BetaSampler {
    pub(super) fn new(alpha: f64, beta: f64) -> Self {
        BetaSampler {
            x: GammaSampler::new(alpha),
            y: GammaSampler::new(beta),
        }
    }

    #[inline]
    pub(super) fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
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
pub(super) const BELOW_ONE: f64 = 1.0 - f64::EPSILON / 2.0;

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

//! Uniform draws strictly inside (0, 1).

use super::*;

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

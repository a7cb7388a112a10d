//! Transcendental functions that give the same bits on every machine.
//!
//! `f64::exp`, `ln` and friends call the platform's C maths library, whose last bit can
//! differ between systems and library versions. A run split across machines must merge
//! into exactly the one-machine figures, so everything on the sampling path uses the `libm`
//! crate instead: pure Rust, the same code everywhere. Square roots are exact in IEEE
//! arithmetic and need no replacement.
//!
//! This is also why gapsim samples normals and Betas with its own code (`dist`) rather than
//! rand_distr's: rand_distr computes through num-traits, which switches to the platform's
//! maths library as soon as any crate in the build enables num-traits' `std` feature
//! (plotters and statrs do), so the same seed gave different last digits in the test build
//! and the release build.

/// Portable versions of the `f64` methods used on the sampling path.
pub trait Portable {
    /// eˣ.
    fn pexp(self) -> f64;
    /// Natural logarithm.
    fn pln(self) -> f64;
    /// ln(1 + x).
    fn pln_1p(self) -> f64;
    /// xʸ.
    fn ppowf(self, y: f64) -> f64;
    /// Sine.
    fn psin(self) -> f64;
}

impl Portable for f64 {
    #[inline]
    fn pexp(self) -> f64 {
        libm::exp(self)
    }
    #[inline]
    fn pln(self) -> f64 {
        libm::log(self)
    }
    #[inline]
    fn pln_1p(self) -> f64 {
        libm::log1p(self)
    }
    #[inline]
    fn ppowf(self, y: f64) -> f64 {
        libm::pow(self, y)
    }
    #[inline]
    fn psin(self) -> f64 {
        libm::sin(self)
    }
}

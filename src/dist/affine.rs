//! `shift` and `scale`: a law moved and stretched without rewriting its parameters, the
//! way a scenario says "this driver, 3 points higher" or "10% larger". The value used is
//! `scale × draw + shift`, with `draw` from the law the other parameters describe.

use super::construct::{check_finite, check_positive};
use super::*;

/// The map v ↦ `scale * v + shift` (in that order, in f64), with `scale` > 0 so that it
/// keeps order: quantiles map to quantiles and the ends of the support to its ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Affine {
    pub(super) scale: f64,
    pub(super) shift: f64,
}

impl Affine {
    #[inline]
    pub(super) fn apply(self, v: f64) -> f64 {
        self.scale * v + self.shift
    }

    /// The value before the map (for the CDF of a continuous law).
    pub(super) fn undo(self, x: f64) -> f64 {
        (x - self.shift) / self.scale
    }
}

impl Distribution {
    /// This law with every value v taken as `scale * v + shift`: draws, quantiles, the
    /// CDF, the support, atoms, the mean (scale·mean + shift) and variance (scale²·var),
    /// and descriptions all follow. A scale of 1 and shift of 0 leave it untouched (the
    /// same bits as before on every path). A fixed value is moved itself (5 shifted by 1
    /// is the fixed value 6). Applied twice, the maps compose.
    ///
    /// # Errors
    /// `scale` must be finite and greater than 0, `shift` finite, both at most 10^15 in
    /// magnitude ([`LARGEST`]); and the moved law must stay within 10^15 at its
    /// one-in-a-trillion points ([`NEGLIGIBLE`]) wherever the law itself did.
    pub fn affine(mut self, scale: f64, shift: f64) -> Result<Self, DistError> {
        check_positive("scale", scale)?;
        check_finite("shift", shift)?;
        for (param, value) in [("scale", scale), ("shift", shift)] {
            if value.abs() > LARGEST {
                return Err(DistError::Invalid {
                    param,
                    message: format!(
                        "`{param}` {} is beyond 10^15, the largest figure a model can hold",
                        num(value)
                    ),
                });
            }
        }
        if scale == 1.0 && shift == 0.0 {
            return Ok(self);
        }
        let map = match self.affine {
            None => Affine { scale, shift },
            Some(a) => Affine {
                scale: scale * a.scale,
                shift: scale * a.shift + shift,
            },
        };
        self.check_reach(map, scale != 1.0)?;
        match self.kind {
            Kind::Fixed(v) => self.kind = Kind::Fixed(map.apply(v)),
            _ => self.affine = Some(map),
        }
        Ok(self)
    }

    /// The map applied to the law's values, as (scale, shift): (1, 0) when none.
    pub fn scale_shift(&self) -> (f64, f64) {
        self.affine.map_or((1.0, 0.0), |a| (a.scale, a.shift))
    }

    /// Refuses a map that takes the law beyond [`LARGEST`] at its 10⁻¹² or 1 − 10⁻¹²
    /// quantile, where the law itself stayed closer: a long run could then overflow the
    /// sums of a simulated year. `scaled` says whether to point at `scale` or `shift`.
    fn check_reach(&self, map: Affine, scaled: bool) -> Result<(), DistError> {
        let ends = [
            self.base_quantile(NEGLIGIBLE),
            self.base_quantile(1.0 - NEGLIGIBLE),
        ];
        let reach = |f: &dyn Fn(f64) -> f64| ends.iter().map(|&v| f(v).abs()).fold(0.0, f64::max);
        let before = reach(&|v| v);
        let after = reach(&|v| map.apply(v));
        // (A NaN compares false, so it is refused too.)
        if after <= LARGEST || after <= before {
            return Ok(());
        }
        let param = if scaled { "scale" } else { "shift" };
        Err(DistError::Extreme {
            param,
            message: format!(
                "scaled by {} and shifted by {}, this distribution reaches {} at its \
                 one-in-a-trillion point, beyond 10^15, the largest figure a model can hold, \
                 so a long run could overflow",
                num(map.scale),
                num(map.shift),
                num(after)
            ),
            fix: "use a smaller `scale` or `shift`, or bound the distribution with `min` and \
                  `max` so that its moved values stay within 10^15"
                .into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::stream;

    /// One law of every family (and a truncated normal, whose sampler differs).
    fn every_family() -> Vec<(&'static str, Distribution)> {
        vec![
            ("uniform", Distribution::uniform(-2.0, 5.0).unwrap()),
            (
                "normal",
                Distribution::normal(0.03, 0.01, None, None).unwrap(),
            ),
            (
                "truncated normal",
                Distribution::normal(0.0, 0.03, Some(-0.1), Some(0.1)).unwrap(),
            ),
            (
                "lognormal",
                Distribution::lognormal_median_p90(2.0, 5.0, None, None).unwrap(),
            ),
            (
                "truncated lognormal",
                Distribution::lognormal_mean_sd(2.0, 1.0, Some(1.0), Some(6.0)).unwrap(),
            ),
            (
                "triangular",
                Distribution::triangular(2.0, 6.0, 15.0).unwrap(),
            ),
            ("pert", Distribution::pert(0.4, 0.85, 1.0, None).unwrap()),
            ("beta", Distribution::beta(0.3, 0.5, None, None).unwrap()),
            ("bernoulli", Distribution::bernoulli(0.3).unwrap()),
            (
                "discrete",
                Distribution::discrete(&[3.0, -1.0, 0.5], &[0.2, 0.5, 0.3]).unwrap(),
            ),
        ]
    }

    fn draws(d: &Distribution, name: &str) -> Vec<f64> {
        let mut x = vec![0.0; 2000];
        d.fill(&mut stream(11, 3, name), &mut x);
        x
    }

    #[test]
    fn no_shift_and_unit_scale_change_no_bit() {
        for (name, d) in every_family() {
            let same = d.clone().affine(1.0, 0.0).unwrap();
            assert_eq!(same.scale_shift(), (1.0, 0.0));
            assert!(same.affine.is_none(), "{name}");
            let bits = |x: Vec<f64>| x.into_iter().map(f64::to_bits).collect::<Vec<_>>();
            assert_eq!(bits(draws(&d, name)), bits(draws(&same, name)), "{name}");
            // -0 is no shift either.
            assert!(d.affine(1.0, -0.0).unwrap().affine.is_none(), "{name}");
        }
    }

    #[test]
    fn moved_draws_are_the_plain_draws_moved_once() {
        for (scale, shift) in [(1.0, 0.03), (1.1, 0.0), (0.7, -0.25), (3.0, 1e3)] {
            for (name, d) in every_family() {
                let moved = d.clone().affine(scale, shift).unwrap();
                let plain = draws(&d, name);
                let got = draws(&moved, name);
                for (i, (&v, &m)) in plain.iter().zip(&got).enumerate() {
                    // Exactly scale * v + shift, computed the same way: one rounding from
                    // the plain draw plus the shift, and the map applied once.
                    assert_eq!(m.to_bits(), (scale * v + shift).to_bits(), "{name} #{i}");
                }
            }
        }
    }

    #[test]
    fn quantile_cdf_support_atoms_and_moments_follow_the_map() {
        let (scale, shift) = (1.1, 0.03);
        for (name, d) in every_family() {
            let m = d.clone().affine(scale, shift).unwrap();
            for u in [1e-12, 0.01, 0.3, 0.5, 0.77, 0.99, 1.0 - 1e-12] {
                let q = d.quantile(u);
                assert_eq!(m.quantile(u), scale * q + shift, "{name} quantile at {u}");
                // The CDF at a moved value is the CDF at the plain one (within rounding
                // of (x − shift)/scale for a continuous law, exactly for atoms).
                let (mc, dc) = (m.cdf(scale * q + shift), d.cdf(q));
                assert!((mc - dc).abs() < 1e-9, "{name} cdf at q({u}): {mc} vs {dc}");
            }
            let (lo, hi) = d.support();
            assert_eq!(
                m.support(),
                (scale * lo + shift, scale * hi + shift),
                "{name}"
            );
            assert_eq!(m.mean(), scale * d.mean() + shift, "{name} mean");
            assert_eq!(
                m.variance(),
                scale * scale * d.variance(),
                "{name} variance"
            );
            assert_eq!(m.is_fixed(), d.is_fixed(), "{name}");
            let moved_atoms = d
                .atoms()
                .map(|a| a.into_iter().map(|(v, p)| (scale * v + shift, p)).collect());
            assert_eq!(m.atoms(), moved_atoms, "{name} atoms");
        }
    }

    #[test]
    fn the_cdf_of_moved_atoms_steps_exactly_at_the_drawn_values() {
        // 0.1 + 1 is not 1.1 in binary, and (1.1 − 0.1)/1 is not 1: the CDF compares with
        // the very values drawn, not with the map undone.
        let b = Distribution::bernoulli(0.3)
            .unwrap()
            .affine(1.0, 0.1)
            .unwrap();
        let (lo, hi) = (0.1, 1.0 + 0.1);
        assert_eq!(b.cdf(lo), 0.7);
        assert_eq!(b.cdf(hi), 1.0);
        assert_eq!(b.cdf(f64::from_bits(hi.to_bits() - 1)), 0.7);
        assert_eq!(b.cdf(f64::from_bits(lo.to_bits() - 1)), 0.0);
        let d = Distribution::discrete(&[0.1, 0.2, 0.7], &[0.25, 0.25, 0.5])
            .unwrap()
            .affine(3.0, 0.3)
            .unwrap();
        assert_eq!(d.cdf(3.0 * 0.1 + 0.3), 0.25);
        assert_eq!(d.cdf(3.0 * 0.2 + 0.3), 0.5);
        assert_eq!(d.cdf(3.0 * 0.7 + 0.3), 1.0);
    }

    #[test]
    fn a_fixed_value_is_moved_itself() {
        let f = Distribution::fixed(5.0).unwrap().affine(1.0, 1.0).unwrap();
        assert_eq!(f.scale_shift(), (1.0, 0.0));
        assert!(f.is_fixed());
        assert_eq!(f.atoms(), Some(vec![(6.0, 1.0)]));
        assert_eq!(
            (f.mean(), f.variance(), f.support()),
            (6.0, 0.0, (6.0, 6.0))
        );
        assert_eq!(f.quantile(0.5), 6.0);
        assert_eq!(f.cdf(6.0), 1.0);
        assert_eq!(f.describe(), "fixed 6");
        assert_eq!(draws(&f, "fixed"), vec![6.0; 2000]);
        let g = Distribution::fixed(5.0).unwrap().affine(2.0, 0.0).unwrap();
        assert_eq!(g.quantile(0.1), 10.0);
    }

    #[test]
    fn two_maps_compose() {
        let d = Distribution::normal(1.0, 0.5, None, None).unwrap();
        let twice = d
            .clone()
            .affine(2.0, 1.0)
            .unwrap()
            .affine(3.0, -1.0)
            .unwrap();
        assert_eq!(twice.scale_shift(), (6.0, 2.0));
        assert_eq!(twice.mean(), 6.0 * 1.0 + 2.0);
    }

    #[test]
    fn a_bad_scale_or_shift_is_refused_naming_the_key() {
        let d = || Distribution::pert(0.5, 0.9, 1.0, None).unwrap();
        for scale in [0.0, -1.0, -0.0] {
            let e = d().affine(scale, 0.0).unwrap_err();
            assert!(
                matches!(e, DistError::NotPositive { param: "scale", .. }),
                "{e:?}"
            );
        }
        for scale in [f64::NAN, f64::INFINITY, 2e15] {
            assert_eq!(
                d().affine(scale, 0.0).unwrap_err().param(),
                "scale",
                "{scale}"
            );
        }
        for shift in [f64::NAN, f64::NEG_INFINITY, -2e15] {
            assert_eq!(
                d().affine(1.0, shift).unwrap_err().param(),
                "shift",
                "{shift}"
            );
        }
    }

    #[test]
    fn a_map_that_takes_a_law_beyond_ten_to_the_fifteen_is_refused() {
        // The one-in-a-trillion point of a standard normal is about 7.03: moved by 10^15 it
        // is beyond the largest figure, where the law itself was far within it.
        let n = || Distribution::normal(0.0, 1.0, None, None).unwrap();
        let e = n().affine(1.0, 1e15).unwrap_err();
        assert!(
            matches!(e, DistError::Extreme { param: "shift", .. }),
            "{e:?}"
        );
        let e = n().affine(1e15, 0.0).unwrap_err();
        assert!(
            matches!(e, DistError::Extreme { param: "scale", .. }),
            "{e:?}"
        );
        assert!(e.to_string().contains("beyond 10^15"), "{e}");
        let f = Distribution::fixed(9e14)
            .unwrap()
            .affine(2.0, 0.0)
            .unwrap_err();
        assert_eq!(f.param(), "scale");
        // Within the limit, accepted.
        assert!(n().affine(1e13, -1e14).is_ok());
    }

    #[test]
    fn descriptions_say_the_shift_and_scale_in_words() {
        let n = Distribution::normal(0.03, 0.01, None, None).unwrap();
        let text = |s: f64, h: f64| n.clone().affine(s, h).unwrap().describe();
        assert_eq!(
            text(1.0, 0.03),
            "normal(mean 0.03, sd 0.01), shifted by +0.03"
        );
        assert_eq!(text(1.1, 0.0), "normal(mean 0.03, sd 0.01), scaled by 1.1");
        assert_eq!(
            text(1.1, -0.02),
            "normal(mean 0.03, sd 0.01), scaled by 1.1, then shifted by -0.02"
        );
        let percent = |x: f64| format!("{}%", g(100.0 * x));
        let p = Distribution::pert(0.5, 0.9, 1.0, None).unwrap();
        assert_eq!(
            p.affine(0.8, 0.05).unwrap().describe_with(&percent),
            "PERT, 50% to 100%, most likely 90%, scaled by 0.8, then shifted by +5%"
        );
        let t = Distribution::normal(0.0, 0.03, Some(-0.1), None).unwrap();
        assert_eq!(
            t.affine(1.0, -0.01).unwrap().describe_with(&percent),
            "normal, mean 0%, standard deviation 3%, at least -10%, shifted by -1%"
        );
        // A law of a few values lists its moved values.
        let b = Distribution::bernoulli(0.25)
            .unwrap()
            .affine(2.0, 1.0)
            .unwrap();
        assert_eq!(
            b.describe_with(&|x| g(x)),
            "3 with probability 0.25, else 1"
        );
        let d = Distribution::discrete(&[0.0, 1.0], &[0.5, 0.5]).unwrap();
        assert_eq!(
            d.affine(1.0, 0.5).unwrap().describe_with(&|x| g(x)),
            "0.5 with probability 0.5; 1.5 with probability 0.5"
        );
    }
}

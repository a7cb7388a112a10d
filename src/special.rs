//! TEMPORARY placeholder until the real special-functions module lands.
#![allow(missing_docs)]

pub fn normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

pub fn normal_quantile(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let (mut lo, mut hi) = (-40.0f64, 40.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if normal_cdf(mid) < p {
            lo = mid
        } else {
            hi = mid
        }
    }
    0.5 * (lo + hi)
}

pub fn beta_reg(a: f64, b: f64, x: f64) -> f64 {
    let _ = (a, b);
    x.clamp(0.0, 1.0)
}

pub fn beta_quantile(a: f64, b: f64, p: f64) -> f64 {
    let _ = (a, b);
    p
}

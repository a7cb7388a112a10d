//! Sums over slices in eight running lanes, added up in a fixed order.
//!
//! A single running sum waits on each addition before the next (four cycles a value); eight
//! independent lanes keep the adders busy and let the compiler use vector registers. The
//! order of every addition is written out here, not left to the compiler, so the bits are
//! the same on every machine, build and thread count.

const LANES: usize = 8;

/// The lanes folded pairwise in a fixed tree.
fn fold(a: [f64; LANES]) -> f64 {
    ((a[0] + a[4]) + (a[1] + a[5])) + ((a[2] + a[6]) + (a[3] + a[7]))
}

/// Σ x.
pub fn sum(x: &[f64]) -> f64 {
    let mut acc = [0.0; LANES];
    let chunks = x.chunks_exact(LANES);
    let mut tail = 0.0;
    for &v in chunks.remainder() {
        tail += v;
    }
    for c in chunks {
        for l in 0..LANES {
            acc[l] += c[l];
        }
    }
    fold(acc) + tail
}

/// Σ (x − mean)².
pub fn squared_deviations(x: &[f64], mean: f64) -> f64 {
    let mut acc = [0.0; LANES];
    let chunks = x.chunks_exact(LANES);
    let mut tail = 0.0;
    for &v in chunks.remainder() {
        tail += (v - mean) * (v - mean);
    }
    for c in chunks {
        for l in 0..LANES {
            let d = c[l] - mean;
            acc[l] += d * d;
        }
    }
    fold(acc) + tail
}

/// Σ (x − x̄)², the sum of squared deviations from the values' own mean (0 when empty).
pub fn m2(x: &[f64]) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    squared_deviations(x, sum(x) / x.len() as f64)
}

/// Σ (x − mx)·(y − my) over the common length of `x` and `y`.
pub fn co_deviations(x: &[f64], mx: f64, y: &[f64], my: f64) -> f64 {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &y[..n]);
    let mut acc = [0.0; LANES];
    let (cx, cy) = (x.chunks_exact(LANES), y.chunks_exact(LANES));
    let mut tail = 0.0;
    for (a, b) in cx.remainder().iter().zip(cy.remainder()) {
        tail += (a - mx) * (b - my);
    }
    for (a, b) in cx.zip(cy) {
        for l in 0..LANES {
            acc[l] += (a[l] - mx) * (b[l] - my);
        }
    }
    fold(acc) + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values whose sums are exact in f64 whatever the order (small integers), so the lane
    /// sums must equal the plain ones bit for bit, tail and all.
    fn integers(n: usize) -> Vec<f64> {
        (0..n).map(|i| ((i * 7919) % 101) as f64 - 50.0).collect()
    }

    #[test]
    fn lane_sums_add_every_term_including_the_tail() {
        for n in [0, 1, 7, 8, 9, 64, 1001] {
            let x = integers(n);
            let y: Vec<f64> = x.iter().map(|v| (v * 3.0) % 17.0).collect();
            assert_eq!(sum(&x), x.iter().sum::<f64>(), "{n}");
            let (mx, my) = (2.0, -1.0);
            let want: f64 = x.iter().map(|v| (v - mx) * (v - mx)).sum();
            assert_eq!(squared_deviations(&x, mx), want, "{n}");
            let want: f64 = x.iter().zip(&y).map(|(a, b)| (a - mx) * (b - my)).sum();
            assert_eq!(co_deviations(&x, mx, &y, my), want, "{n}");
        }
        assert_eq!(m2(&[]), 0.0);
        // 1, 2, 3, 4: mean 2.5, deviations ±0.5, ±1.5.
        assert_eq!(m2(&[1.0, 2.0, 3.0, 4.0]), 5.0);
    }

    #[test]
    fn lane_sums_are_as_accurate_as_a_running_sum() {
        // Values of mixed size: the lane sum is within a few ulps of the exact sum (computed
        // here in pairs of f64 with Neumaier's compensation), like the running sum.
        let x: Vec<f64> = (0..10_007)
            .map(|i| {
                let u = ((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11) as f64;
                u / (1u64 << 53) as f64 * 1e6 - 3e5
            })
            .collect();
        let (mut s, mut c) = (0.0f64, 0.0f64);
        for &v in &x {
            let t = s + v;
            c += if s.abs() >= v.abs() {
                (s - t) + v
            } else {
                (v - t) + s
            };
            s = t;
        }
        let exact = s + c;
        let plain: f64 = x.iter().sum();
        let lanes = sum(&x);
        assert!((lanes - exact).abs() <= (plain - exact).abs().max(exact.abs() * 1e-15));
    }
}

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

/// Each column's Σ (column[i] − offset(k)) over `rows`, into `out[k]`: the bits of a plain
/// sum taken row by row from −0 (as `Iterator::sum`), but several columns at once, so that
/// their additions overlap instead of each waiting on the one before (a breach-heavy batch
/// of a large model reads nearly every row of every column here).
pub fn sums_at_rows(
    rows: &[usize],
    columns: &[Vec<f64>],
    offset: impl Fn(usize) -> f64,
    out: &mut [f64],
) {
    const K: usize = 4;
    let out = &mut out[..columns.len()];
    let mut groups = columns.chunks_exact(K);
    let mut outs = out.chunks_exact_mut(K);
    let mut k0 = 0;
    for (g, o) in (&mut groups).zip(&mut outs) {
        let off: [f64; K] = std::array::from_fn(|k| offset(k0 + k));
        let cols: [&[f64]; K] = std::array::from_fn(|k| g[k].as_slice());
        let mut acc = [-0.0; K];
        for &i in rows {
            for k in 0..K {
                acc[k] += cols[k][i] - off[k];
            }
        }
        o.copy_from_slice(&acc);
        k0 += K;
    }
    for (c, o) in groups.remainder().iter().zip(outs.into_remainder()) {
        let off = offset(k0);
        *o = rows.iter().map(|&i| c[i] - off).sum();
        k0 += 1;
    }
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
    fn sums_at_rows_are_the_bits_of_a_plain_sum_over_the_rows() {
        // Values whose sums round (not small integers), so a different order of addition
        // would show in the bits; every count of columns around the group of four; the
        // empty sum and a column of −0 keep the plain sum's sign of zero.
        let value = |c: usize, i: usize| {
            let u = ((c * 10_007 + i) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11;
            u as f64 / (1u64 << 53) as f64 * 1e3 - 300.0
        };
        let rows: Vec<usize> = (0..500).filter(|i| i % 3 != 1).collect();
        for k in [0, 1, 3, 4, 5, 9] {
            let mut columns: Vec<Vec<f64>> = (0..k)
                .map(|c| (0..500).map(|i| value(c, i)).collect())
                .collect();
            if k > 2 {
                columns[2].fill(-0.0);
            }
            let offset = |c: usize| {
                if c % 2 == 0 {
                    0.0
                } else {
                    1.0 / 3.0 + c as f64
                }
            };
            for rows in [&rows[..], &[]] {
                let mut out = vec![f64::NAN; k + 1];
                sums_at_rows(rows, &columns, offset, &mut out);
                for (c, col) in columns.iter().enumerate() {
                    let want: f64 = rows.iter().map(|&i| col[i] - offset(c)).sum();
                    assert_eq!(out[c].to_bits(), want.to_bits(), "{k} columns, column {c}");
                }
                assert!(out[k].is_nan(), "nothing written beyond the columns");
            }
        }
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

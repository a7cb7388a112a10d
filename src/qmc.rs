//! Randomised quasi-Monte Carlo: Sobol points, each coordinate with its own nested uniform
//! (Owen) scramble, for `--sampling qmc`.
//!
//! - **Points.** A batch of n takes the first n points of the Sobol sequence in Gray-code
//!   order (as Joe and Kuo's generator and SciPy give them), with the direction numbers of
//!   Joe and Kuo's D(6) set (`assets/sobol/new-joe-kuo-6.1000.txt`, 1,000 dimensions).
//! - **Which coordinate.** Year t's driver d (its place in the file, fixed drivers counted;
//!   D drivers in all) takes coordinate t·D + d. Past 1,000 the coordinates are reused,
//!   each group of 1,000 with its own scrambles and its rows in a random order of its own,
//!   shared by the group's drivers (Owen's padding): each group is low-discrepancy within
//!   itself and independent of the others. (A fresh scramble alone would not do: a
//!   coordinate scrambled twice is two nested permutations of the same points, so the two
//!   uses would be strongly dependent row by row.)
//! - **Scramble.** With m = ⌈log₂ n⌉, the first 2^m points take each of the 2^m intervals
//!   [k/2^m, (k+1)/2^m) of a coordinate exactly once, so the first n < 2^m points have
//!   distinct top m bits. Those m bits are scrambled by Owen's nested uniform scramble
//!   (digit k flipped by a random bit chosen by the original digits above it, from a table
//!   of 2^m − 1 bits drawn from the driver's stream), and the rest of the value is one
//!   uniform draw. Below depth m a full Owen scramble draws independent uniform digits for
//!   every point (no two points share a node there), so this is Owen's scramble exactly,
//!   not an approximation: every point is uniform on (0, 1), batches are independent
//!   (each scrambles afresh from its own streams), and the batch-means errors stay honest.

use std::sync::OnceLock;

use rand::Rng;

use crate::dist::open01;

/// Coordinates with their own direction numbers; more drivers reuse them, re-scrambled.
pub const DIMENSIONS: usize = 1000;

/// Bits of each direction number (and of each unscrambled coordinate).
const BITS: usize = 32;

/// Joe and Kuo's direction numbers, dimensions 2 to 1,000 (dimension 1 is implicit).
const TABLE: &str = include_str!("../assets/sobol/new-joe-kuo-6.1000.txt");

/// The direction numbers V[k] (k = 0 for the top bit) of each dimension, built once.
fn directions() -> &'static [[u32; BITS]] {
    static V: OnceLock<Vec<[u32; BITS]>> = OnceLock::new();
    V.get_or_init(|| {
        let mut all = Vec::with_capacity(DIMENSIONS);
        // Dimension 1: every m_k = 1, the van der Corput sequence in base 2.
        all.push(std::array::from_fn(|k| 1u32 << (BITS - 1 - k)));
        for line in TABLE.lines().skip(1) {
            let fields: Vec<u32> = line
                .split_whitespace()
                .map(|f| {
                    f.parse()
                        .expect("the shipped direction numbers are integers")
                })
                .collect();
            let (s, a, m) = (fields[1] as usize, fields[2], &fields[3..]);
            let mut v = [0u32; BITS];
            for k in 0..BITS {
                v[k] = if k < s {
                    m[k] << (BITS - 1 - k)
                } else {
                    let mut x = v[k - s] ^ (v[k - s] >> s);
                    for i in 1..s {
                        if (a >> (s - 1 - i)) & 1 == 1 {
                            x ^= v[k - i];
                        }
                    }
                    x
                };
            }
            all.push(v);
        }
        all
    })
}

/// The first `n` points (Gray-code order) of Sobol coordinate `dimension` (0-based, below
/// [`DIMENSIONS`]), unscrambled, as 32-bit fractions of 2³².
pub fn coordinate(dimension: usize, n: usize, out: &mut Vec<u32>) {
    let v = &directions()[dimension % DIMENSIONS];
    out.clear();
    let mut x = 0u32;
    for i in 0..n {
        if i > 0 {
            x ^= v[(i.trailing_zeros() as usize).min(BITS - 1)];
        }
        out.push(x);
    }
}

/// Where the `index`-th sampled quantity (year t's driver d is t·D + d) sits: its coordinate
/// (`index` mod [`DIMENSIONS`]) and its reuse group (`index` / [`DIMENSIONS`]; groups after
/// the first take their rows in a random order of their own).
pub fn place(index: usize) -> (usize, usize) {
    (index % DIMENSIONS, index / DIMENSIONS)
}

/// m = ⌈log₂ n⌉: the bits that tell apart the first n points of a coordinate.
pub fn depth(n: usize) -> u32 {
    n.max(1).next_power_of_two().trailing_zeros()
}

/// The top [`depth`]`(n)` bits of the first `n` points of coordinate `dimension`, under a
/// nested uniform scramble drawn from `rng`: distinct values in 0..2^m. `flips` is working
/// space.
pub fn scrambled_prefixes<R: Rng + ?Sized>(
    dimension: usize,
    n: usize,
    rng: &mut R,
    out: &mut Vec<u32>,
    flips: &mut Vec<u64>,
) {
    let m = depth(n);
    coordinate(dimension, n, out);
    if m == 0 {
        out.iter_mut().for_each(|p| *p = 0);
        return;
    }
    // One random bit for each node of the binary tree above depth m: node (k, top k bits)
    // at index 2^k − 1 + top.
    let nodes = (1usize << m) - 1;
    flips.clear();
    flips.extend((0..nodes.div_ceil(64)).map(|_| rng.next_u64()));
    for p in out.iter_mut() {
        let prefix = *p >> (BITS as u32 - m);
        let mut scrambled = 0u32;
        for k in 0..m {
            let node = (1usize << k) - 1 + (prefix >> (m - k)) as usize;
            let flip = ((flips[node >> 6] >> (node & 63)) & 1) as u32;
            scrambled |= (((prefix >> (m - 1 - k)) & 1) ^ flip) << (m - 1 - k);
        }
        *p = scrambled;
    }
}

/// The uniforms of one scrambled coordinate: u_i = (prefix_i + v_i)/2^m with v_i uniform
/// on (0, 1) from `rng`, so u_i is uniform on (0, 1) and the n values keep the points'
/// stratification. `prefixes` holds [`scrambled_prefixes`].
pub fn uniforms<R: Rng + ?Sized>(prefixes: &[u32], rng: &mut R, mut each: impl FnMut(usize, f64)) {
    let scale = 1.0 / (1u64 << depth(prefixes.len())) as f64;
    for (i, &p) in prefixes.iter().enumerate() {
        each(i, (f64::from(p) + open01(rng)) * scale);
    }
}

/// `rank[i]` = the rank of `prefixes[i]` among them (they are distinct values below
/// 2^[`depth`]), by one counting pass. `marks` is working space.
pub fn ranks(prefixes: &[u32], rank: &mut Vec<u32>, marks: &mut Vec<u32>) {
    let size = 1usize << depth(prefixes.len());
    marks.clear();
    marks.resize(size, u32::MAX);
    for (i, &p) in prefixes.iter().enumerate() {
        marks[p as usize] = i as u32;
    }
    rank.clear();
    rank.resize(prefixes.len(), 0);
    for (r, &i) in marks.iter().filter(|&&i| i != u32::MAX).enumerate() {
        rank[i as usize] = r as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::stream;

    #[test]
    fn unscrambled_points_are_scipys() {
        // scipy.stats.qmc.Sobol(d=1000, scramble=False, bits=32).random(16), times 2³²
        // (SciPy 1.17.1, which uses the same D(6) direction numbers and Gray-code order).
        let want: [(usize, [u32; 16]); 4] = [
            (0, [0, 8, 12, 4, 6, 14, 10, 2, 3, 11, 15, 7, 5, 13, 9, 1]),
            (1, [0, 8, 4, 12, 6, 14, 2, 10, 5, 13, 1, 9, 3, 11, 7, 15]),
            (2, [0, 8, 4, 12, 10, 2, 14, 6, 15, 7, 11, 3, 5, 13, 1, 9]),
            (999, [0, 8, 12, 4, 2, 10, 14, 6, 15, 7, 3, 11, 13, 5, 1, 9]),
        ];
        let mut got = Vec::new();
        for (d, sixteenths) in want {
            coordinate(d, 16, &mut got);
            let want: Vec<u32> = sixteenths.iter().map(|&k| k << 28).collect();
            assert_eq!(got, want, "dimension {d}");
        }
        // SciPy's point 4095 in four dimensions, all 32 bits.
        for (d, x) in [
            (7, 1_678_770_176u32),
            (100, 1_481_637_888),
            (500, 1_877_999_616),
            (998, 3_647_995_904),
        ] {
            coordinate(d, 4096, &mut got);
            assert_eq!(got[4095], x, "dimension {d}");
        }
        // And a digest of all 4096 × 1000 values (h ← h·1000003 + x mod 2⁶⁴, dimension by
        // dimension, point by point), computed from SciPy's array.
        let mut h = 0u64;
        for d in 0..DIMENSIONS {
            coordinate(d, 4096, &mut got);
            for &x in &got {
                h = h.wrapping_mul(1_000_003).wrapping_add(u64::from(x));
            }
        }
        assert_eq!(h, 8_130_302_688_224_083_968);
    }

    #[test]
    fn the_first_two_to_the_m_points_fill_every_interval_once_scrambled_or_not() {
        // The (0, m, 1)-net property in every coordinate, which a wrong direction number (an
        // even m_k, a shifted bit) breaks, and which the scramble must keep.
        let mut p = Vec::new();
        let mut flips = Vec::new();
        let mut rng = stream(1, 0, "net");
        for d in 0..DIMENSIONS {
            for (m, scrambled) in [(10u32, false), (7, true)] {
                let n = 1usize << m;
                if scrambled {
                    scrambled_prefixes(d, n, &mut rng, &mut p, &mut flips);
                } else {
                    coordinate(d, n, &mut p);
                    p.iter_mut().for_each(|x| *x >>= 32 - m);
                }
                let mut seen = vec![false; n];
                for &x in &p {
                    assert!(!seen[x as usize], "dimension {d}, m {m}: {x} twice");
                    seen[x as usize] = true;
                }
            }
        }
    }

    #[test]
    fn a_scrambled_point_is_uniform_and_two_scrambles_are_independent() {
        // Point 0 of every coordinate is 0 before scrambling; after it, over 4,000 batches its
        // top 4 bits must be uniform (χ² on 15 df below 37.7, p = 0.001), and the same point
        // in two streams must not agree more often than chance (1/16).
        let (m, n) = (4u32, 16usize);
        let mut counts = [0u32; 16];
        let mut same = 0u32;
        let (mut a, mut b, mut flips) = (Vec::new(), Vec::new(), Vec::new());
        let batches = 4000u32;
        for batch in 0..batches {
            let mut r = stream(9, u64::from(batch), "x");
            scrambled_prefixes(3, n, &mut r, &mut a, &mut flips);
            let mut r = stream(9, u64::from(batch), "y");
            scrambled_prefixes(3, n, &mut r, &mut b, &mut flips);
            counts[a[0] as usize] += 1;
            same += u32::from(a[0] == b[0]);
        }
        assert_eq!(depth(n), m);
        let e = f64::from(batches) / 16.0;
        let chi2: f64 = counts.iter().map(|&c| (f64::from(c) - e).powi(2) / e).sum();
        assert!(chi2 < 37.7, "χ² {chi2}: {counts:?}");
        let sd = (f64::from(batches) / 16.0 * 15.0 / 16.0).sqrt();
        assert!(
            (f64::from(same) - e).abs() < 4.0 * sd,
            "{same} of {batches}"
        );
    }

    #[test]
    fn the_scramble_is_nested_not_a_digital_shift() {
        // Two points whose digits first differ at digit 2 (0000 and 0100 in m = 4 bits)
        // share digit 3. Under Owen's scramble digit 3's flip depends on digits 1 and 2, so
        // the two get independent flips and agree half the time; a digital shift (one flip
        // per digit for all points) would keep them agreeing every time.
        let n = 16;
        let mut original = Vec::new();
        coordinate(0, n, &mut original);
        let row = |v: u32| original.iter().position(|&x| x >> 28 == v).unwrap();
        let (a, b) = (row(0b0000), row(0b0100));
        let (mut p, mut flips) = (Vec::new(), Vec::new());
        let batches = 4000u32;
        let mut agree = 0u32;
        for batch in 0..batches {
            let mut rng = stream(21, u64::from(batch), "nested");
            scrambled_prefixes(0, n, &mut rng, &mut p, &mut flips);
            let digit3 = |x: u32| (x >> 1) & 1;
            agree += u32::from(digit3(p[a]) == digit3(p[b]));
        }
        let sd = (f64::from(batches) * 0.25).sqrt();
        assert!(
            (f64::from(agree) - f64::from(batches) / 2.0).abs() < 4.0 * sd,
            "{agree} of {batches}"
        );
    }

    #[test]
    fn ranks_follow_the_prefixes() {
        let prefixes = [5u32, 0, 7, 2, 3];
        let (mut r, mut marks) = (Vec::new(), Vec::new());
        ranks(&prefixes, &mut r, &mut marks);
        assert_eq!(r, [3, 0, 4, 1, 2]);
        assert_eq!(depth(5), 3);
        assert_eq!(depth(1), 0);
        assert_eq!(depth(10_000), 14);
    }
}

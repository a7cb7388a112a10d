//! Axes whose ticks we choose ourselves: plotters' own choice cannot be told how wide our
//! labels are, so with long money labels ("£10,000,000") or a narrow range (£0.01m) its ticks
//! overlapped or all read the same. Here the step is the finest "nice" step whose labels fit
//! side by side, and the decimals follow from the step, so neighbouring ticks always differ.

use std::ops::Range;

use plotters::coord::ranged1d::{
    KeyPointHint, KeyPointWeight, NoDefaultFormatting, Ranged, ValueFormatter,
};

use super::text::text_width;

/// A continuous axis over `lo..hi` with the tick positions we chose.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ticked {
    /// Left (or bottom) end.
    pub lo: f64,
    /// Right (or top) end.
    pub hi: f64,
    /// Where the ticks, labels and grid lines go.
    pub ticks: Vec<f64>,
    /// Distance between ticks.
    pub step: f64,
}

impl Ranged for Ticked {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.hi - self.lo;
        if span <= 0.0 || !span.is_finite() {
            return (limit.0 + limit.1) / 2;
        }
        // Far-off values are held a few plot widths away, so pixel arithmetic never
        // overflows; nothing is drawn there.
        let t = ((value - self.lo) / span).clamp(-4.0, 5.0);
        limit.0 + (f64::from(limit.1 - limit.0) * t).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        // Our ticks for labels and bold grid lines; no light grid lines.
        match hint.weight() {
            KeyPointWeight::Bold => self.ticks.clone(),
            KeyPointWeight::Any => Vec::new(),
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

impl ValueFormatter<f64> for Ticked {
    fn format(value: &f64) -> String {
        value.to_string()
    }
}

/// A "nice" step (1, 2, 2.5 or 5 times a power of ten) for about `n` steps over `span`.
pub(crate) fn nice_step(span: f64, n: f64) -> f64 {
    let raw = (span / n).max(f64::MIN_POSITIVE);
    let mag = 10f64.powf(raw.log10().floor());
    let frac = raw / mag;
    let nice = if frac <= 1.0 {
        1.0
    } else if frac <= 2.0 {
        2.0
    } else if frac <= 2.5 {
        2.5
    } else if frac <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// The fewest decimals that write multiples of `step` exactly (2.5 → 1, 0.25 → 2, 20 → 0).
pub(crate) fn decimals_for(step: f64) -> usize {
    (0..=9)
        .find(|&d| {
            let scaled = step * 10f64.powi(d as i32);
            (scaled - scaled.round()).abs() <= 1e-6 * scaled.abs().max(1.0)
        })
        .unwrap_or(9)
}

/// The axis `lo..hi` with ticks at the whole multiples of `step` inside it.
fn ticks_over(lo: f64, hi: f64, step: f64) -> Ticked {
    // A tick a hair outside the range (rounding) still counts as inside.
    let slack = 1e-9 * (hi - lo).abs().max(step);
    let first = ((lo - slack) / step).ceil() as i64;
    let last = ((hi + slack) / step).floor() as i64;
    Ticked {
        lo,
        hi,
        ticks: (first..=last).map(|k| k as f64 * step).collect(),
        step,
    }
}

/// Chooses the finest nice step over `lo..hi` (at most `most` ticks) for which `fits`
/// accepts the result; the coarsest (two steps) if none does.
fn choose(lo: f64, hi: f64, most: usize, fits: impl Fn(&Ticked) -> bool) -> Ticked {
    let span = hi - lo;
    let mut last = None;
    for n in (1..=most.max(2)).rev() {
        let t = ticks_over(lo, hi, nice_step(span, n as f64));
        if fits(&t) {
            return t;
        }
        last = Some(t);
    }
    last.unwrap_or_else(|| ticks_over(lo, hi, nice_step(span, 1.0)))
}

/// How amounts are written on one chart: a display scale (£m, £k or £, chosen from the
/// largest amount shown), thousands separators, and decimals from the tick step.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Money {
    /// The model's unit, `£m` or `£`.
    model_unit: &'static str,
    /// Model units per display unit (1 for £m shown in £m; 0.001 for £m shown in £k).
    per: f64,
    /// `m`, `k` or nothing.
    suffix: &'static str,
    /// Decimals on the ticks.
    decimals: usize,
}

impl Money {
    /// The format for amounts up to `largest` (in the model's `unit`) on ticks `step` apart.
    pub fn new(unit: &str, largest: f64, step: f64) -> Self {
        let pounds = if unit == "£m" { 1e6 } else { 1.0 };
        let largest = largest.abs() * pounds;
        let (scale, suffix) = if largest >= 1e6 {
            (1e6, "m")
        } else if largest >= 1e3 {
            (1e3, "k")
        } else {
            (1.0, "")
        };
        let per = scale / pounds;
        Money {
            model_unit: if unit == "£m" { "£m" } else { "£" },
            per,
            suffix,
            decimals: decimals_for(step / per),
        }
    }

    /// The unit as a reader sees it on this chart's axis: `£m`, `£k` or `£`.
    pub fn unit(&self) -> String {
        format!("£{}", self.suffix)
    }

    /// The model's unit.
    fn model_unit(&self) -> &'static str {
        self.model_unit
    }

    /// A tick label: `£20m`, `-£2.5m`, `£250k`, `£1,200m`; zero is plain `£0`.
    pub fn tick(&self, value: f64) -> String {
        self.write(value, self.decimals, false)
    }

    /// An amount in a label on the chart: one decimal more than the ticks (none for whole
    /// pounds), so `£75.0m` on a chart ticked every £20m. An amount in a larger scale than
    /// the axis (reserves of £75m on an axis in £k) is written in its own, to one decimal.
    /// An amount too small for the axis's decimals but not zero is written to two
    /// significant figures (`£5,300`), never as `£0`.
    pub fn label(&self, value: f64) -> String {
        let text = match self.own_scale(value) {
            Some(own) => own.write(value, 1, false),
            None => self.write(value, self.label_decimals(), false),
        };
        self.not_zero(text, value, false)
    }

    /// `text`, or `value` to two significant figures when `text` reads £0 and `value` is
    /// not zero.
    fn not_zero(&self, text: String, value: f64, plus: bool) -> String {
        if text != "£0" || value == 0.0 || !value.is_finite() {
            return text;
        }
        let exact = rust_decimal::Decimal::from_f64_retain(value).unwrap_or_default();
        let small = crate::format::money_figures(exact, self.model_unit, 2);
        if plus && value > 0.0 {
            format!("+{small}")
        } else {
            small
        }
    }

    /// The format of `value`'s own scale, if it is larger than this axis's.
    fn own_scale(&self, value: f64) -> Option<Money> {
        let own = Money::new(self.model_unit(), value, 1.0);
        (own.per > self.per * 1.5).then_some(own)
    }

    /// A change, with its sign: `+£15.7m`, `-£16.4m`.
    pub fn change(&self, value: f64) -> String {
        self.not_zero(self.write(value, self.label_decimals(), true), value, true)
    }

    fn label_decimals(&self) -> usize {
        if self.suffix.is_empty() {
            self.decimals
        } else {
            self.decimals + 1
        }
    }

    fn write(&self, value: f64, decimals: usize, plus: bool) -> String {
        let scaled = value / self.per;
        let text = format!("{:.*}", decimals, scaled.abs());
        let zero = text.chars().all(|c| c == '0' || c == '.');
        if zero {
            // Nothing is nothing in any scale.
            return "£0".into();
        }
        let sign = if scaled < 0.0 {
            "-"
        } else if plus {
            "+"
        } else {
            ""
        };
        format!("{sign}£{}{}", thousands(&text), self.suffix)
    }
}

/// `1234567.5` → `1,234,567.5`.
pub(crate) fn thousands(number: &str) -> String {
    let (whole, fraction) = match number.find('.') {
        Some(at) => number.split_at(at),
        None => (number, ""),
    };
    let digits: Vec<char> = whole.chars().collect();
    let mut out = String::new();
    for (i, c) in digits.iter().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(*c);
    }
    out + fraction
}

/// A money axis over `lo..hi` for a plot `width` pixels wide whose tick labels are
/// `label_size` pixels: the finest step whose labels leave a clear gap between them.
pub(crate) fn money_axis(
    lo: f64,
    hi: f64,
    unit: &str,
    width: i32,
    label_size: u32,
) -> (Ticked, Money) {
    let fits = |t: &Ticked| {
        let money = Money::new(unit, t.lo.abs().max(t.hi.abs()), t.step);
        let widest = t
            .ticks
            .iter()
            .map(|&v| text_width(&money.tick(v), label_size))
            .max()
            .unwrap_or(0);
        let room = f64::from(width) * t.step / (t.hi - t.lo);
        t.ticks.len() >= 2 && f64::from(widest) + 18.0 <= room
    };
    let t = choose(lo, hi, 10, fits);
    let money = Money::new(unit, t.lo.abs().max(t.hi.abs()), t.step);
    (t, money)
}

/// A money x-axis over `lo..hi` in `room` pixels (the body's width less its left margin
/// and label area), with the right margin that holds half its last tick label: (ticks,
/// formats, right margin). At least 40 pixels; a wider last label narrows the plot and
/// the ticks are chosen again for it.
pub(crate) fn money_axis_fitted(
    lo: f64,
    hi: f64,
    unit: &str,
    room: i32,
    label_size: u32,
) -> (Ticked, Money, i32) {
    let mut right = 40;
    let (mut t, mut money) = money_axis(lo, hi, unit, room - right, label_size);
    let last_tick = t.ticks.last().copied().unwrap_or(t.hi);
    let need = text_width(&money.tick(last_tick), label_size) / 2 + 10;
    if need > right {
        right = need;
        (t, money) = money_axis(lo, hi, unit, room - right, label_size);
    }
    (t, money, right)
}

/// The label at position `v` of an axis of years at 0, 1, 2, …: the year's, or nothing
/// between years and beyond them.
pub(crate) fn year_label<'a>(v: f64, label: impl Fn(usize) -> Option<&'a str>) -> String {
    let i = v.round();
    if i < 0.0 {
        return String::new();
    }
    label(i as usize).map_or_else(String::new, str::to_string)
}

/// A money axis over `lo..hi` for a vertical axis `height` pixels high: the finest nice
/// step whose ticks are at least two label heights apart.
pub(crate) fn money_axis_vertical(
    lo: f64,
    hi: f64,
    unit: &str,
    height: i32,
    label_size: u32,
) -> (Ticked, Money) {
    let fits = |t: &Ticked| {
        t.ticks.len() >= 2
            && f64::from(height) * t.step / (t.hi - t.lo) >= 2.0 * f64::from(label_size)
    };
    let t = choose(lo, hi, 10, fits);
    let money = Money::new(unit, t.lo.abs().max(t.hi.abs()), t.step);
    (t, money)
}

/// An axis of `n` categories (the years of a plan) at 0, 1, …, n − 1, with half a step
/// of room at each end, labelled at every k-th category: the smallest k that lets labels
/// `widest` pixels wide stand side by side in `width` pixels.
pub(crate) fn category_axis(n: usize, width: i32, widest: i32) -> Ticked {
    let n = n.max(1);
    let per = f64::from(width) / n as f64;
    let k = (1..=n)
        .find(|&k| per * k as f64 >= f64::from(widest) + 18.0)
        .unwrap_or(n);
    Ticked {
        lo: -0.5,
        hi: n as f64 - 0.5,
        ticks: (0..n).step_by(k).map(|i| i as f64).collect(),
        step: k as f64,
    }
}

/// A percentage axis over `lo..hi` (in percent) for a plot `height` pixels high: ticks at
/// least two label heights apart, with the decimals the step needs.
pub(crate) fn percent_axis(lo: f64, hi: f64, height: i32, label_size: u32) -> (Ticked, usize) {
    let fits =
        |t: &Ticked| f64::from(height) * t.step / (t.hi - t.lo) >= 2.0 * f64::from(label_size);
    let t = choose(lo, hi, 10, fits);
    let decimals = decimals_for(t.step);
    (t, decimals)
}

/// Where usable reserves fall on a chart of amounts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum ReservesAt {
    /// Inside the range drawn.
    OnScale,
    /// Far beyond the largest amount drawn: shown as a note at the right edge.
    OffRight,
    /// Far below the smallest amount drawn: shown as a note at the left edge.
    OffLeft,
}

/// The range of amounts a chart draws: `lo..hi` of the data, with zero (the balanced
/// budget), at least a sensible width when every year is the same, a little room so that
/// nothing sits on the axis, and usable reserves when they lie within half the data's width
/// of it. Reserves further off are not drawn to scale (one far-off line would squash the data
/// into a sliver); the chart notes them at the edge instead.
pub(crate) fn amount_range(lo: f64, hi: f64, reserves: f64, unit: &str) -> (f64, f64, ReservesAt) {
    let (mut lo, mut hi) = (lo.min(0.0), hi.max(0.0));
    if hi - lo < 1e-9 * lo.abs().max(hi.abs()).max(1.0) {
        // A point: give it a width of a fifth of its size, or £1m at zero.
        let half = 0.1 * lo.abs().max(hi.abs());
        let half = if half > 0.0 {
            half
        } else if unit == "£m" {
            0.5
        } else {
            500_000.0
        };
        lo -= half;
        hi += half;
    }
    let span = hi - lo;
    let at = if reserves > hi + 0.5 * span {
        ReservesAt::OffRight
    } else if reserves < lo - 0.5 * span {
        ReservesAt::OffLeft
    } else {
        lo = lo.min(reserves);
        hi = hi.max(reserves);
        ReservesAt::OnScale
    };
    // Keep zero (and a point mass at an edge) off the axis line itself.
    let pad = 0.03 * (hi - lo);
    (lo - pad, hi + pad, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_follow_the_step() {
        assert_eq!(decimals_for(20.0), 0);
        assert_eq!(decimals_for(2.5), 1);
        assert_eq!(decimals_for(0.25), 2);
        assert_eq!(decimals_for(0.005), 3);
    }

    #[test]
    fn money_reads_like_money() {
        let m = Money::new("£m", 140.0, 20.0);
        assert_eq!(m.tick(-20.0), "-£20m");
        assert_eq!(m.tick(0.0), "£0");
        assert_eq!(m.label(75.0), "£75.0m");
        assert_eq!(m.change(15.74), "+£15.7m");
        // Too small for the axis's decimals, but not nothing.
        assert_eq!(m.change(-0.01), "-£10,000");
        assert_eq!(m.label(0.0053), "£5,300");
        assert_eq!(m.change(0.0), "£0");
        assert_eq!(m.tick(-1e-12), "£0");
        // A £ model in millions of pounds reads in £m.
        let m = Money::new("£", 30_000_000.0, 5_000_000.0);
        assert_eq!(m.tick(15_000_000.0), "£15m");
        assert_eq!(m.unit(), "£m");
        // A small £m model reads in thousands.
        let m = Money::new("£m", 0.03, 0.005);
        assert_eq!(m.tick(0.015), "£15k");
        assert_eq!(m.tick(-0.005), "-£5k");
        // Reserves far beyond a small axis read in their own scale.
        assert_eq!(m.label(75.0), "£75.0m");
        // Big numbers get separators.
        let m = Money::new("£m", 2500.0, 500.0);
        assert_eq!(m.tick(1500.0), "£1,500m");
        let m = Money::new("£", 500.0, 50.0);
        assert_eq!(m.tick(250.0), "£250");
        assert_eq!(m.label(250.0), "£250");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands("1234567.50"), "1,234,567.50");
        assert_eq!(thousands("123"), "123");
        assert_eq!(thousands("1000"), "1,000");
    }

    #[test]
    fn ticks_are_the_whole_steps_inside_the_range() {
        let t = ticks_over(-3.2, 97.0, 20.0);
        assert_eq!(t.ticks, vec![0.0, 20.0, 40.0, 60.0, 80.0]);
        let t = ticks_over(0.0, 140.0, 20.0);
        assert_eq!(t.ticks.len(), 8);
        let t = ticks_over(0.0, 100.0 - 1e-12, 10.0);
        assert_eq!(t.ticks.last(), Some(&100.0));
    }

    #[test]
    fn far_off_reserves_are_not_drawn_to_scale() {
        let (lo, hi, at) = amount_range(-20.0, 120.0, 150.0, "£m");
        assert!(lo < -20.0 && hi > 150.0 && at == ReservesAt::OnScale);
        let (_, hi, at) = amount_range(-20.0, 120.0, 1e15, "£m");
        assert!(hi < 130.0 && at == ReservesAt::OffRight);
        // Every year the same, at zero: a sensible width, not the reserves'.
        let (lo, hi, at) = amount_range(0.0, 0.0, 75.0, "£m");
        assert!(lo < 0.0 && hi > 0.0 && hi < 2.0, "{lo}..{hi}");
        assert_eq!(at, ReservesAt::OffRight);
    }

    #[test]
    fn money_ticks_fit_side_by_side_and_differ() {
        super::super::fonts().unwrap();
        for (lo, hi, unit) in [
            (-0.02, 0.03, "£m"),
            (-15e6, 28e6, "£"),
            (-25.0, 127.0, "£m"),
            (0.0, 1.3, "£m"),
        ] {
            let (t, money) = money_axis(lo, hi, unit, 1000, 21);
            let labels: Vec<String> = t.ticks.iter().map(|&v| money.tick(v)).collect();
            let mut distinct = labels.clone();
            distinct.dedup();
            assert_eq!(distinct, labels, "{lo}..{hi} {unit}");
            assert!(labels.len() >= 3, "{labels:?}");
            let widest = labels.iter().map(|l| text_width(l, 21)).max().unwrap();
            let room = 1000.0 * t.step / (t.hi - t.lo);
            assert!(f64::from(widest) < room, "{labels:?} in {room} px each");
        }
    }

    #[test]
    fn years_are_labelled_as_often_as_they_fit() {
        let t = category_axis(3, 900, 80);
        assert_eq!(t.ticks, vec![0.0, 1.0, 2.0]);
        assert_eq!((t.lo, t.hi), (-0.5, 2.5));
        // Twenty years in 900 pixels: every other label at most.
        let t = category_axis(20, 900, 80);
        assert!(t.step >= 2.0 && t.ticks[0] == 0.0, "{t:?}");
        let (t, money) = money_axis_vertical(-25.0, 110.0, "£m", 450, 21);
        assert!(450.0 * t.step / (t.hi - t.lo) >= 42.0, "{t:?}");
        assert_eq!(money.tick(0.0), "£0");
    }

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(100.2, 8.0), 20.0);
        assert_eq!(nice_step(1.0, 4.0), 0.25);
    }
}

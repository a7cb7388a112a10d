//! Where the outturns fell in their forecasts: a histogram of the back-test's PITs (each
//! outturn's place in its forecast, from 0% of the simulations below it to 100%), with
//! the count each bin would hold on average if the forecasts were calibrated and the
//! range one bin's count would keep to 95 times in 100; the chi-square test of flatness and
//! the two coverages written in the plot, above the bars.
//!
//! The range is the exact central 95% range of Binomial(n, 1/bins)
//! ([`UniformityTest::bin_range_95`]), not the normal approximation, which runs below zero
//! for the few cases a back-test has. It is pointwise: with ten bins, one outside it now
//! and then is no evidence by itself; the chi-square test judges the bins together.

use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;

use super::axis::{Ticked, decimals_for, nice_step, percent_axis};
use super::layout::{Label, Placer, Rect, Swatch, header_with_note};
use super::palette::{BLUE, INK};
use super::text::{fit, text_width};
use super::{Draw, FONT, msg, size};
use crate::format::{count, figures_f64, percent};
use crate::stats::backtest::{Assessment, Coverage, Verdict};
use crate::stats::goodness::UniformityTest;

pub(crate) struct PitHistogram<'a>(pub &'a Assessment);

/// The band of one bin's 95% range: orange at 25% on white.
const BAND: RGBColor = RGBColor(249, 231, 191);
/// Its edges, drawn over the bars: the orange darkened, which reads on blue and on white.
const BAND_EDGE: RGBColor = RGBColor(190, 125, 0);

const MARGIN: i32 = 20;
const Y_AREA: i32 = 100;
const X_AREA: i32 = 75;
/// The gap between neighbouring bars, as a share of a bin's width.
const BAR_GAP: f64 = 0.06;

/// "p = 0.52", "p = 0.0031", "p < 0.001".
fn p_text(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".into()
    } else {
        format!("p = {}", figures_f64(p, 2))
    }
}

/// "Inside P10–P90: 316 of 400 (79.0%; 80% if calibrated): consistent".
fn coverage_text(c: &Coverage) -> String {
    let verdict = match c.verdict {
        Verdict::Consistent => "consistent",
        Verdict::UnderCovered => "too few, ranges too narrow",
        Verdict::OverCovered => "too many, ranges too wide",
        Verdict::TooFewCases => "no cases",
    };
    format!(
        "Inside {}: {} of {} ({}; {} if calibrated): {verdict}",
        c.range,
        c.inside,
        c.cases,
        percent(c.rate),
        crate::format::short_percent(c.nominal),
    )
}

/// The count a bin expects, as it is read: `40`, `3.7`.
fn per_bin(expected: f64) -> String {
    if expected.fract() == 0.0 {
        format!("{expected:.0}")
    } else {
        format!("{expected:.1}")
    }
}

/// "Flatness: χ² = 8.1 on 9 degrees of freedom, p = 0.52"; with fewer than five cases
/// expected in a bin, where the chi-square approximation is rough, it says so.
fn test_text(t: &UniformityTest) -> String {
    let chi = format!("\u{3c7}\u{b2} = {}", figures_f64(t.chi_square, 3));
    if t.expected < 5.0 {
        format!(
            "Flatness: {chi}, {} (rough: {} expected a bin, the test wants 5)",
            p_text(t.p_value),
            per_bin(t.expected)
        )
    } else {
        format!(
            "Flatness: {chi} on {}, {}",
            count(u64::from(t.dof), "degree of freedom", "degrees of freedom"),
            p_text(t.p_value)
        )
    }
}

/// The x axis: the PIT in percent, ticked at the bin edges when there are few bins.
fn pit_axis(bins: usize, width: i32) -> Ticked {
    let edge = 100.0 / bins as f64;
    let fits = |step: f64| {
        let label = format!("{:.*}%", decimals_for(step), 100.0);
        f64::from(width) * step / 100.0 >= f64::from(text_width(&label, size::LABEL) + 18)
    };
    let step = if bins <= 10 && fits(edge) {
        edge
    } else {
        [10.0, 20.0, 25.0, 50.0]
            .into_iter()
            .find(|&s| fits(s))
            .unwrap_or(50.0)
    };
    let last = (100.0 / step + 1e-9).floor() as i64;
    Ticked {
        lo: 0.0,
        hi: 100.0,
        ticks: (0..=last).map(|k| k as f64 * step).collect(),
        step,
    }
}

/// A count axis from 0 to `top` for a plot `height` pixels high: whole-number ticks at
/// least two label heights apart.
fn count_axis(top: f64, height: i32) -> Ticked {
    let (t, _) = percent_axis(0.0, top, height, size::LABEL);
    if t.step >= 1.0 && t.step.fract() == 0.0 {
        return t;
    }
    // Fewer cases than ticks: every whole count, or every few.
    let fits = |step: f64| f64::from(height) * step / top >= 2.0 * f64::from(size::LABEL);
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .find(|&s| fits(s))
        .unwrap_or_else(|| nice_step(top, 2.0).ceil());
    Ticked {
        lo: 0.0,
        hi: top,
        ticks: (0..=(top / step).floor() as i64)
            .map(|k| k as f64 * step)
            .collect(),
        step,
    }
}

impl Draw for PitHistogram<'_> {
    const NAME: &'static str = super::BACKTEST_PIT;

    fn title(&self) -> String {
        "Where the outturns fell in their forecasts (PIT)".into()
    }

    fn has_content(&self) -> bool {
        self.0.pit.cases() > 0
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        self.draw_placed(root).map(|_| ())
    }
}

impl PitHistogram<'_> {
    /// Draws the chart and returns the boxes of the labels placed in the plot (for the
    /// tests: none may overlap another or leave the plot).
    pub(crate) fn draw_placed<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(Rect, Vec<Rect>), String> {
        let a = self.0;
        let t = &a.pit;
        let bins = t.counts.len().max(1);
        let (lo_count, hi_count) = t.bin_range_95();
        let (band_lo, band_hi) = (lo_count as f64, hi_count as f64);
        let expected_text = per_bin(t.expected);
        let legend = vec![
            ("Outturns in each bin".to_string(), Swatch::Box(BLUE)),
            (
                format!("Expected if calibrated ({expected_text} a bin)"),
                Swatch::Line(INK),
            ),
            (
                format!("95% range of one bin if calibrated ({lo_count} to {hi_count})"),
                Swatch::Box(BAND),
            ),
        ];
        let body = header_with_note(
            root,
            &self.title(),
            Some("Flat = well calibrated; U-shape = ranges too narrow; hump = too wide"),
            &legend,
        )?;
        let (bw, bh) = body.dim_in_pixel();
        let (bw, bh) = (bw as i32, bh as i32);
        let right = 40;
        let plot_w = bw - MARGIN - Y_AREA - right;
        let plot_h = bh - 10 - MARGIN - X_AREA;

        // The statistics, written above the tallest bar: room for them is kept at the top.
        let stats = Label::new(
            [
                test_text(t),
                coverage_text(&a.coverage_80),
                coverage_text(&a.coverage_90),
            ]
            .iter()
            .map(|l| fit(l, size::NOTE, plot_w - 20))
            .collect(),
            size::NOTE,
            INK,
        );
        let tallest = t
            .counts
            .iter()
            .map(|&c| c as f64)
            .fold(band_hi.max(t.expected), f64::max)
            .max(1.0);
        // Above the tallest: a count's label (one line and a gap) and the statistics.
        let headroom = stats.h + 2 * size::LABEL as i32 + 24;
        let free = (f64::from(headroom) / f64::from(plot_h.max(headroom + 1))).min(0.6);
        let top = tallest / (1.0 - free);
        let yt = count_axis(top, plot_h);
        let xt = pit_axis(bins, plot_w);
        let x_decimals = decimals_for(xt.step);

        let mut chart = ChartBuilder::on(&body)
            .margin(MARGIN)
            .margin_top(10)
            .margin_right(right)
            .x_label_area_size(X_AREA)
            .y_label_area_size(Y_AREA)
            .build_cartesian_2d(xt.clone(), yt.clone())
            .map_err(msg)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(xt.ticks.len())
            .y_labels(yt.ticks.len())
            .bold_line_style(RGBColor(232, 232, 232))
            .x_desc("Where the outturn fell in its forecast (share of simulations below it)")
            .y_desc("Outturns")
            .x_label_formatter(&|v| format!("{v:.x_decimals$}%"))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .axis_desc_style((FONT, size::AXIS))
            .label_style((FONT, size::LABEL))
            .axis_style(INK)
            .draw()
            .map_err(msg)?;

        let (px, py) = chart.plotting_area().get_pixel_range();
        let bounds = Rect::new((px.start, py.start), (px.end, py.end));
        let mut placer = Placer::new(bounds);
        let coords = chart.as_coord_spec().clone();
        let at = move |x: f64, y: f64| coords.translate(&(x, y));

        // The range one bin keeps to if calibrated, behind the bars; its edges over them.
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(0.0, band_lo), (100.0, band_hi)],
                BAND.filled(),
            )))
            .map_err(msg)?;
        let width = 100.0 / bins as f64;
        for (k, &c) in t.counts.iter().enumerate() {
            let (x0, x1) = (k as f64 * width, (k + 1) as f64 * width);
            let gap = BAR_GAP * width / 2.0;
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x0 + gap, 0.0), (x1 - gap, c as f64)],
                    BLUE.filled(),
                )))
                .map_err(msg)?;
            placer.block(Rect::new(at(x0 + gap, 0.0), at(x1 - gap, c as f64)));
        }
        for edge in [band_lo, band_hi] {
            let line = [(0.0, edge), (100.0, edge)];
            chart
                .draw_series(DashedLineSeries::new(
                    line,
                    10,
                    6,
                    BAND_EDGE.stroke_width(2),
                ))
                .map_err(msg)?;
            placer.block_path(&[at(0.0, edge), at(100.0, edge)], 2);
        }
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, t.expected), (100.0, t.expected)],
                INK.stroke_width(3),
            )))
            .map_err(msg)?;
        placer.block_path(&[at(0.0, t.expected), at(100.0, t.expected)], 3);

        // Each bin's count above its bar (when the bars are wide enough to hold it); then
        // the statistics in the highest free place, from the right.
        let mut labels: Vec<(Label, Rect)> = Vec::new();
        let bar_px = f64::from(plot_w) / bins as f64;
        for (k, &c) in t.counts.iter().enumerate() {
            let label = Label::line(c.to_string(), size::LABEL, INK);
            if f64::from(label.w + 8) > bar_px {
                continue;
            }
            let (cx, top) = at((k as f64 + 0.5) * width, c as f64);
            let candidates: Vec<Rect> = (0..8)
                .map(|step| label.at(cx - label.w / 2, top - label.h - 4 - 8 * step))
                .collect();
            let r = placer.place(&candidates);
            labels.push((label, r));
        }
        let mut candidates = Vec::new();
        let mut y = py.start + 6;
        while y + stats.h <= py.end {
            let mut x = px.end - 10 - stats.w;
            while x >= px.start + 10 {
                candidates.push(stats.at(x, y));
                x -= 40;
            }
            y += 8;
        }
        let r = placer.place(&candidates);
        labels.push((stats, r));
        for (label, r) in &labels {
            label.draw(root, *r, false)?;
        }
        Ok((bounds, labels.into_iter().map(|(_, r)| r).collect()))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::stats::backtest::{Assessment, coverage};
    use crate::stats::goodness::uniformity;

    /// An assessment of `n` cases whose PITs are `pits` (the coverages set to match).
    pub(crate) fn assessment(pits: &[f64], inside_80: u64, inside_90: u64) -> Assessment {
        let n = pits.len() as u64;
        Assessment {
            cases: n,
            coverage_80: coverage("P10–P90", 0.8, inside_80, n),
            coverage_90: coverage("P5–P95", 0.9, inside_90, n),
            pit: uniformity(pits, 10),
            mean_crps: 2.5,
        }
    }

    /// PITs from a U: `n` values, more of them near 0 and 1.
    pub(crate) fn u_shaped(n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| {
                let u = (i as f64 + 0.5) / n as f64;
                // The inverse of a CDF with density ∝ (u − ½)² + 0.05.
                let s = 2.0 * u - 1.0;
                0.5 + 0.5 * s.signum() * s.abs().powf(0.45)
            })
            .collect()
    }

    fn disjoint(a: &Rect, b: &Rect) -> bool {
        a.x1 <= b.x0 || b.x1 <= a.x0 || a.y1 <= b.y0 || b.y1 <= a.y0
    }

    pub(crate) fn check_labels(bounds: Rect, labels: &[Rect]) {
        for (i, a) in labels.iter().enumerate() {
            assert!(
                a.x0 >= bounds.x0 && a.x1 <= bounds.x1 && a.y0 >= bounds.y0 && a.y1 <= bounds.y1,
                "{a:?} outside {bounds:?}"
            );
            for b in &labels[i + 1..] {
                assert!(disjoint(a, b), "{a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn the_histogram_states_its_test_and_keeps_its_labels_apart() {
        super::super::fonts().unwrap();
        let pits = u_shaped(400);
        let few: Vec<f64> = pits.iter().copied().step_by(11).collect();
        for a in [
            assessment(&pits, 250, 300),
            assessment(&few, 30, 34),
            assessment(&[0.5; 3], 3, 3),
        ] {
            let mut svg = String::new();
            let (bounds, labels) = {
                let root =
                    SVGBackend::with_string(&mut svg, super::super::SIZE).into_drawing_area();
                root.fill(&WHITE).unwrap();
                PitHistogram(&a).draw_placed(&root).unwrap()
            };
            check_labels(bounds, &labels);
            assert!(!svg.contains("NaN"));
            assert!(
                svg.contains("Flat = well calibrated; U-shape = ranges too narrow"),
                "{svg}"
            );
        }
    }

    #[test]
    fn the_statistics_read_as_sentences() {
        let a = assessment(&u_shaped(400), 250, 300);
        assert_eq!(
            coverage_text(&a.coverage_80),
            "Inside P10–P90: 250 of 400 (62.5%; 80% if calibrated): too few, ranges too narrow"
        );
        assert!(test_text(&a.pit).ends_with("on 9 degrees of freedom, p < 0.001"));
        let three = assessment(&[0.5; 3], 3, 3);
        assert!(
            test_text(&three.pit).contains("(rough: 0.3 expected a bin, the test wants 5)"),
            "{}",
            test_text(&three.pit)
        );
        assert_eq!(p_text(0.5234), "p = 0.52");
        assert_eq!(p_text(0.0012), "p = 0.0012");
    }
}

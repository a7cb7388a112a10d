//! How big could the gap be: the shortfall after mitigation as bars and the gap before it as
//! an outline, on bands aligned to zero; the years that mitigation covers in full drawn as a
//! spike at exactly zero; the budget and usable-reserves lines; the S114-level area shaded
//! and labelled.
//!
//! The bands are rebuilt from the run's fine quantile grid (P0.1 … P99.9, with the minimum
//! and maximum as its ends), so that they can start at zero; the summary's own histogram has
//! bins that straddle zero. Within a band the grid is interpolated linearly, which puts each
//! band's share within 0.1 percentage points of the exact count.

use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use rust_decimal::Decimal;

use super::axis::{Money, ReservesAt, amount_range, money_axis_fitted, percent_axis};
use super::layout::{
    CAPTION_ROW, Caption, Label, Placer, RINGS, Rect, Swatch, header, lay_captions, leader,
    off_scale_note, ring,
};
use super::palette::{BLUE, INK, SKY, VERMILLION};
use super::{Draw, FONT, msg, size};
use crate::format::percent;
use crate::stats::{Spread, Summary};

pub(crate) struct Distribution<'a>(pub &'a Summary);

/// One simulated quantity as the chart sees it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Shape {
    /// Spread out: points (value, share of years at or below it), increasing.
    Spread(Vec<(f64, f64)>),
    /// The same value in every simulated year.
    Point(f64),
}

fn float(d: Decimal) -> f64 {
    d.try_into().unwrap_or(0.0)
}

impl Shape {
    pub(crate) fn new(quantiles: &[f64], p: &[f64], spread: &Spread) -> Shape {
        let (min, max) = (float(spread.min), float(spread.max));
        if spread.sd.is_zero() || max <= min || quantiles.is_empty() {
            return Shape::Point(float(spread.mean));
        }
        let mut points = vec![(min, 0.0)];
        points.extend(quantiles.iter().zip(p).map(|(&q, &p)| (q, p)));
        points.push((max, 1.0));
        // Each figure is rounded on its own; keep the values in order.
        let mut highest = f64::NEG_INFINITY;
        for point in &mut points {
            highest = highest.max(point.0);
            point.0 = highest;
        }
        Shape::Spread(points)
    }

    /// The smallest and largest values drawn: P0.1 and P99.9 (the extreme thousandths
    /// would stretch the axis for a sliver of years).
    fn extent(&self) -> (f64, f64) {
        match self {
            Shape::Spread(points) => (points[1].0, points[points.len() - 2].0),
            Shape::Point(v) => (*v, *v),
        }
    }

    /// The share of years strictly below `x`.
    fn below(&self, x: f64) -> f64 {
        match self {
            Shape::Point(v) => f64::from(u8::from(*v < x)),
            Shape::Spread(points) => {
                let k = points.partition_point(|&(q, _)| q < x);
                if k == 0 {
                    return 0.0;
                }
                if k == points.len() {
                    return 1.0;
                }
                let ((qa, pa), (qb, pb)) = (points[k - 1], points[k]);
                let run_ends_at_a = k >= 2 && points[k - 2].0 == qa;
                let run_starts_at_b = points.get(k + 1).is_some_and(|&(q, _)| q == qb);
                if qb > x && run_ends_at_a && run_starts_at_b {
                    // Between two point masses (a discrete outcome): nothing in between,
                    // the step belongs to the mass at `qb`.
                    pa
                } else if qb > x {
                    pa + (pb - pa) * (x - qa) / (qb - qa)
                } else if points.get(k + 1).is_some_and(|&(q, _)| q == x) {
                    // `x` starts a run of equal values (a point mass): none of it is below.
                    pa
                } else {
                    pb
                }
            }
        }
    }
}

/// A band width of 1, 2, 2.5 or 5 times a power of ten giving about 50 bands over `span`.
fn band_width(span: f64) -> f64 {
    let target = span / 50.0;
    let mag = 10f64.powf(target.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .min_by(|a, b| (a / target).ln().abs().total_cmp(&(b / target).ln().abs()))
        .unwrap_or(target)
}

/// A label's text on one line, then on two and three lines (split at spaces near the
/// middle and thirds).
fn split_options(text: &str) -> Vec<Vec<String>> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out = vec![vec![text.to_string()]];
    for parts in [2usize, 3] {
        if words.len() < parts {
            break;
        }
        // Break where the running length passes each k/parts of the total.
        let total: usize = words.iter().map(|w| w.chars().count() + 1).sum();
        let mut lines: Vec<String> = vec![String::new()];
        let mut used = 0;
        for w in &words {
            let k = lines.len();
            if !lines[k - 1].is_empty() && k < parts && used >= total * k / parts {
                lines.push(String::new());
            }
            let line = lines.last_mut().expect("a line");
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(w);
            used += w.chars().count() + 1;
        }
        out.push(lines);
    }
    out
}

/// What a spike (a share of years at exactly one value) stands for.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Spike {
    /// Years whose gap mitigation covers in full: shortfall exactly zero.
    Mitigated,
    /// Every year the gap and the shortfall are this (no mitigation used).
    Both,
    /// Every year the gap is this.
    Gap,
    /// Every year the shortfall is this.
    Shortfall,
}

/// Layout of the plot inside the body area.
const MARGIN: i32 = 20;
const Y_AREA: i32 = 100;
const X_AREA: i32 = 75;

impl Draw for Distribution<'_> {
    const NAME: &'static str = "distribution";

    fn title(&self) -> String {
        format!("How big could the {} gap be?", self.0.model.year)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let s = self.0;
        let unit = s.model.unit.as_str();
        let d = &s.distributions;
        let years = s.run.iterations.max(1) as f64;
        let reserves = float(s.reserves.usable);
        let gap = Shape::new(&d.gap_quantiles, &d.quantile_p, &s.gap);
        let short = Shape::new(&d.shortfall_quantiles, &d.quantile_p, &s.shortfall);
        // Years with a gap that contingency and management action cover in full: their
        // shortfall is exactly zero. P(gap > 0) − P(shortfall > 0), from the exact counts.
        let mitigated = s
            .gap
            .p_positive
            .count
            .saturating_sub(s.shortfall.p_positive.count) as f64
            / years;

        let ((glo, ghi), (slo, shi)) = (gap.extent(), short.extent());
        let data = (glo.min(slo), ghi.max(shi));
        let (lo, hi, reserves_at) = amount_range(data.0, data.1, reserves, unit);
        let on_scale = reserves_at == ReservesAt::OnScale;

        // Bands aligned to zero.
        let band = band_width((data.1.max(0.0) - data.0.min(0.0)).max(hi - lo));
        let bands: Vec<(f64, f64)> = {
            let first = (lo / band).floor() as i64;
            let last = (hi / band).ceil() as i64;
            (first..last)
                .map(|k| (k as f64 * band, (k + 1) as f64 * band))
                .collect()
        };
        let shares = |shape: &Shape, atom: f64| -> Vec<f64> {
            match shape {
                Shape::Point(_) => vec![0.0; bands.len()],
                Shape::Spread(_) => bands
                    .iter()
                    .map(|&(a, b)| {
                        let mut share = shape.below(b) - shape.below(a);
                        if a <= 0.0 && 0.0 < b {
                            // The spike at zero is drawn on its own.
                            share -= atom;
                        }
                        100.0 * share.max(0.0)
                    })
                    .collect(),
            }
        };
        let gap_bars = shares(&gap, 0.0);
        let short_bars = shares(&short, mitigated);
        let has_bars = matches!(gap, Shape::Spread(_)) || matches!(short, Shape::Spread(_));

        // Spikes: the fully mitigated years, and any quantity that is the same every year.
        let mut spikes: Vec<(Spike, f64, f64)> = Vec::new();
        match (&gap, &short) {
            (Shape::Point(g), Shape::Point(f)) if (g - f).abs() < 1e-12 => {
                spikes.push((Spike::Both, *f, 100.0));
            }
            _ => {
                if let Shape::Point(g) = gap {
                    spikes.push((Spike::Gap, g, 100.0));
                }
                match short {
                    Shape::Point(f) => spikes.push((Spike::Shortfall, f, 100.0)),
                    Shape::Spread(_) if mitigated > 0.0 => {
                        spikes.push((Spike::Mitigated, 0.0, 100.0 * mitigated));
                    }
                    Shape::Spread(_) => {}
                }
            }
        }
        // A shortfall spike beyond usable reserves is S114-level.
        let beyond = |x: f64| on_scale && x > reserves;
        let shortfall_spike_beyond =
            |&(kind, at, _): &(Spike, f64, f64)| kind != Spike::Gap && beyond(at);

        // The legend lists exactly the colours drawn.
        let blue = short_bars
            .iter()
            .zip(&bands)
            .any(|(&h, &(a, _))| h > 0.0 && !beyond(a.max(lo)))
            || spikes
                .iter()
                .any(|sp| sp.0 != Spike::Gap && !shortfall_spike_beyond(sp));
        let shaded = short_bars
            .iter()
            .zip(&bands)
            .any(|(&h, &(_, b))| h > 0.0 && beyond(b.min(hi)))
            || spikes.iter().any(shortfall_spike_beyond);
        let both = spikes.iter().any(|sp| sp.0 == Spike::Both);
        let mut legend = Vec::new();
        if !both {
            legend.push((
                if matches!(gap, Shape::Spread(_)) {
                    "Gap before mitigation (outline)"
                } else {
                    "Gap before mitigation"
                }
                .to_string(),
                Swatch::Line(SKY),
            ));
        }
        if blue {
            legend.push((
                if both {
                    "Gap, and shortfall after mitigation: the same every year"
                } else {
                    "Shortfall after contingency and management action"
                }
                .to_string(),
                Swatch::Box(BLUE),
            ));
        }
        if shaded {
            legend.push((
                "Shortfall beyond usable reserves (S114-level)".to_string(),
                Swatch::Box(VERMILLION),
            ));
        }
        let body = header(root, &self.title(), &legend)?;
        let (bw, bh) = body.dim_in_pixel();
        let (bw, bh) = (bw as i32, bh as i32);
        let (base_x, _) = body.get_base_pixel();

        // The x-axis: ticks whose labels fit, and a right margin that holds the last one.
        let (xt, money, right) = money_axis_fitted(lo, hi, unit, bw - MARGIN - Y_AREA, size::LABEL);
        let plot_w = bw - MARGIN - Y_AREA - right;
        let x_px = |v: f64| {
            base_x
                + MARGIN
                + Y_AREA
                + ((v - xt.lo) / (xt.hi - xt.lo) * f64::from(plot_w)).round() as i32
        };

        // Captions for the budget and reserves lines, in a strip above the plot.
        let reserves_text = format!("Usable reserves {}", money.label(reserves));
        let mut captions = vec![Caption {
            text: "Budget balanced".into(),
            colour: INK,
            x: x_px(0.0),
        }];
        if on_scale {
            captions.push(Caption {
                text: reserves_text.clone(),
                colour: VERMILLION,
                x: x_px(reserves),
            });
        }
        let (caption_boxes, caption_rows) = lay_captions(&captions, base_x + 10, base_x + bw - 10);
        let top_margin = 8 + CAPTION_ROW * caption_rows as i32;

        // The y-axis: scaled to the bars, with room above them for labels. A spike much
        // taller than the bars is cut at the top and its label gives its height.
        let tallest = gap_bars
            .iter()
            .chain(&short_bars)
            .copied()
            .fold(0.0, f64::max);
        let spike_top = spikes
            .iter()
            .map(|sp| sp.2)
            .filter(|&h| tallest == 0.0 || h <= 2.0 * tallest)
            .fold(0.0, f64::max);
        let y_top = if has_bars {
            (tallest.max(spike_top) * 1.4).max(0.1)
        } else {
            // Only spikes of 100%: room above them for their labels.
            118.0
        };
        let plot_h = bh - top_margin - MARGIN - X_AREA;
        let (mut yt, decimals) = percent_axis(0.0, y_top, plot_h, size::LABEL);
        // Never a tick above 100%.
        yt.ticks.retain(|&t| t <= 100.0 + 1e-9);
        let y1 = yt.hi;

        let mut chart = ChartBuilder::on(&body)
            .margin(MARGIN)
            .margin_top(top_margin)
            .margin_right(right)
            .x_label_area_size(X_AREA)
            .y_label_area_size(Y_AREA)
            .build_cartesian_2d(xt.clone(), yt.clone())
            .map_err(msg)?;
        let y_desc = if has_bars {
            format!(
                "Share of simulated years per {} band (%)",
                Money::new(unit, band, band).tick(band)
            )
        } else {
            "Share of simulated years (%)".to_string()
        };
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(xt.ticks.len())
            .y_labels(yt.ticks.len())
            .bold_line_style(RGBColor(232, 232, 232))
            .x_desc(format!(
                "Gap or shortfall in {} (positive = overspend)",
                money.unit()
            ))
            .y_desc(y_desc)
            .x_label_formatter(&|v| money.tick(*v))
            .y_label_formatter(&|v| format!("{v:.decimals$}%"))
            .axis_desc_style((FONT, size::AXIS))
            .label_style((FONT, size::LABEL))
            .axis_style(INK)
            .draw()
            .map_err(msg)?;

        let (px, py) = chart.plotting_area().get_pixel_range();
        let mut placer = Placer::new(Rect::new((px.start, py.start), (px.end, py.end)));
        let coords = chart.as_coord_spec().clone();
        let at = move |x: f64, y: f64| coords.translate(&(x, y));
        let clip = |x: f64| x.clamp(xt.lo, xt.hi);

        // Shortfall bars, the part beyond usable reserves in vermillion.
        let mut rects = Vec::new();
        for (&(a, b), &h) in bands.iter().zip(&short_bars) {
            if h <= 0.0 {
                continue;
            }
            let (a, b) = (clip(a), clip(b));
            let split = if on_scale { reserves.clamp(a, b) } else { b };
            if split > a {
                rects.push(Rectangle::new([(a, 0.0), (split, h)], BLUE.filled()));
            }
            if b > split {
                rects.push(Rectangle::new([(split, 0.0), (b, h)], VERMILLION.filled()));
            }
            placer.block(Rect::new(at(a, 0.0), at(b, h)));
        }
        chart.draw_series(rects).map_err(msg)?;

        // The gap as a step outline over the same bands: one path for each run of bands
        // with years in them, so no line runs along the axis between them.
        if matches!(gap, Shape::Spread(_)) {
            let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
            let mut run: Vec<(f64, f64)> = Vec::new();
            for (&(a, b), &h) in bands.iter().zip(&gap_bars) {
                let (a, b) = (clip(a), clip(b));
                if h > 0.0 {
                    if run.is_empty() {
                        run.push((a, 0.0));
                    }
                    run.push((a, h));
                    run.push((b, h));
                } else if let Some(&(x, _)) = run.last() {
                    run.push((x, 0.0));
                    runs.push(std::mem::take(&mut run));
                }
            }
            if let Some(&(x, _)) = run.last() {
                run.push((x, 0.0));
                runs.push(run);
            }
            for path in runs {
                let pixels: Vec<(i32, i32)> = path.iter().map(|&(x, y)| at(x, y)).collect();
                placer.block_path(&pixels, 3);
                chart
                    .draw_series(std::iter::once(PathElement::new(path, SKY.stroke_width(3))))
                    .map_err(msg)?;
            }
        }

        // The budget line at zero and the reserves line, reaching up to their captions.
        let (x0, _) = at(0.0, 0.0);
        root.draw(&PathElement::new(
            vec![(x0, py.end), (x0, py.start - 4)],
            INK.stroke_width(2),
        ))
        .map_err(msg)?;
        placer.block_path(&[(x0, py.end), (x0, py.start)], 2);
        if on_scale {
            let (xr, _) = at(reserves, 0.0);
            root.draw(&PathElement::new(
                vec![(xr, py.start - 4), (xr, py.end)],
                VERMILLION.stroke_width(3),
            ))
            .map_err(msg)?;
            placer.block_path(&[(xr, py.start), (xr, py.end)], 3);
        }
        for (c, (r, right_aligned)) in captions.iter().zip(&caption_boxes) {
            let r = Rect {
                x0: r.x0,
                x1: r.x1,
                y0: py.start + r.y0,
                y1: py.start + r.y1,
            };
            Label::line(c.text.clone(), size::NOTE, c.colour).draw(root, r, *right_aligned)?;
        }

        // Spikes: 10 pixels wide, centred on their value.
        let half = 5.0 * (xt.hi - xt.lo) / f64::from((px.end - px.start).max(1));
        let mut spike_labels = Vec::new();
        for &(kind, x, share) in &spikes {
            let top = share.min(y1);
            let corners = [(x - half, 0.0), (x + half, top)];
            if kind == Spike::Gap {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        corners,
                        SKY.stroke_width(3),
                    )))
                    .map_err(msg)?;
            } else {
                let colour = if beyond(x) { VERMILLION } else { BLUE };
                chart
                    .draw_series(std::iter::once(Rectangle::new(corners, colour.filled())))
                    .map_err(msg)?;
            }
            placer.block(Rect::new(at(corners[0].0, 0.0), at(corners[1].0, top)));
            let text = match kind {
                Spike::Mitigated => format!(
                    "{} of years fully mitigated (shortfall exactly £0)",
                    percent(mitigated)
                ),
                Spike::Both if x == 0.0 => "Every year balances: gap and shortfall £0".into(),
                Spike::Both => format!("Every year: gap and shortfall {}", money.label(x)),
                Spike::Gap => format!("Every year: gap {}", money.label(x)),
                Spike::Shortfall if x == 0.0 && s.gap.p_positive.count > 0 => {
                    "Every year fully mitigated (shortfall exactly £0)".into()
                }
                Spike::Shortfall => format!("Every year: shortfall {}", money.label(x)),
            };
            let text = if share > y1 {
                format!("↑ {text}")
            } else {
                text
            };
            spike_labels.push((text, at(x, top)));
        }

        let mut labels: Vec<(Label, Rect, bool)> = Vec::new();
        let (top, bottom) = (py.start + 6, py.end - 6);
        let s114 = percent(s.s114.probability.estimate);
        if on_scale {
            // The shaded area, labelled beside it: just above the shaded bars near the line,
            // on the shaded side if there is room.
            let (rx, _) = at(reserves, 0.0);
            let shaded_top = bands
                .iter()
                .zip(&short_bars)
                .filter(|(band, _)| band.1 > reserves)
                .map(|(_, &h)| at(reserves, h).1)
                .chain(
                    spikes
                        .iter()
                        .filter(|sp| shortfall_spike_beyond(sp))
                        .map(|sp| at(reserves, sp.2.min(y1)).1),
                )
                .min()
                .unwrap_or(bottom);
            let wordings = [
                vec![format!(
                    "Shortfall beyond reserves (S114-level): {s114} of years"
                )],
                vec![
                    "Shortfall beyond reserves".to_string(),
                    format!("(S114-level): {s114} of years"),
                ],
                vec![
                    "Beyond reserves".to_string(),
                    "(S114-level):".to_string(),
                    format!("{s114} of years"),
                ],
            ];
            // On the shaded side first, in any wording; then on the other side.
            let mut options = Vec::new();
            for right_side in [true, false] {
                for lines in &wordings {
                    let label = Label::new(lines.clone(), size::NOTE, VERMILLION);
                    let mut candidates = Vec::new();
                    // Next to the line, then further out over the shaded area.
                    for away in [10, 60, 120, 200, 300] {
                        let x = if right_side {
                            rx + away
                        } else {
                            rx - away - label.w
                        };
                        let mut y = shaded_top - label.h - 6;
                        while y >= top {
                            candidates.push(label.at(x, y));
                            y -= 8;
                        }
                    }
                    options.push((label, candidates));
                }
            }
            let (label, r) = placer.place_any(options);
            labels.push((label, r, false));
        } else {
            // Far off the scale: a note at the edge, pointing the way.
            labels.push(off_scale_note(
                &mut placer,
                &reserves_text,
                &format!("exceeded in {s114} of years"),
                reserves_at == ReservesAt::OffRight,
                top,
                bottom,
            ));
        }

        // Spike labels: as close as any wording allows, then further out with a leader.
        for (text, (x, y)) in spike_labels {
            let wordings: Vec<Label> = split_options(&text)
                .into_iter()
                .map(|lines| Label::new(lines, size::NOTE, INK))
                .collect();
            let mut options = Vec::new();
            for label in &wordings {
                options.push((
                    label.clone(),
                    vec![
                        label.at(x + 10, y - label.h / 2),
                        label.at(x + 10, y + 4),
                        label.at(x - 10 - label.w, y - label.h / 2),
                        label.at(x - 10 - label.w, y + 4),
                    ],
                ));
            }
            for d in RINGS {
                for label in &wordings {
                    options.push((label.clone(), ring(label, (x, y), d)));
                }
            }
            let (label, r) = placer.place_any(options);
            leader(root, (x, y), &r)?;
            labels.push((label, r, false));
        }

        for (label, r, right_aligned) in &labels {
            label.draw(root, *r, *right_aligned)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_split_into_two_and_three_lines() {
        let options = split_options("Usable reserves £75.0m");
        assert_eq!(options[0], vec!["Usable reserves £75.0m"]);
        assert_eq!(options[1], vec!["Usable reserves", "£75.0m"]);
        assert_eq!(options[2], vec!["Usable", "reserves", "£75.0m"]);
    }

    #[test]
    fn bands_are_round_and_about_fifty() {
        assert_eq!(band_width(145.0), 2.5);
        assert_eq!(band_width(100.0), 2.0);
        assert_eq!(band_width(0.05), 0.001);
    }

    #[test]
    fn the_share_below_reads_the_grid_and_its_point_masses() {
        // 15% to 30% below zero, about 20% exactly at zero, the rest spread to 10.
        let shape = Shape::Spread(vec![
            (-10.0, 0.0),
            (-5.0, 0.15),
            (0.0, 0.3),
            (0.0, 0.5),
            (10.0, 1.0),
        ]);
        assert!((shape.below(-5.0) - 0.15).abs() < 1e-12);
        // Nothing of the point mass at zero is below zero …
        assert!((shape.below(0.0) - 0.15).abs() < 1e-12);
        // … and all of it is below anything above zero.
        assert!(shape.below(1e-9) >= 0.5);
        assert_eq!(shape.below(11.0), 1.0);
        assert_eq!(Shape::Point(1.0).below(1.0), 0.0);
        // Two point masses: nothing is spread between them.
        let discrete = Shape::Spread(vec![
            (0.0, 0.0),
            (0.0, 0.3),
            (0.0, 0.4),
            (1.0, 0.5),
            (1.0, 1.0),
        ]);
        assert_eq!(discrete.below(0.5), 0.4);
        assert_eq!(discrete.below(1.5), 1.0);
        assert_eq!(Shape::Point(1.0).below(1.5), 1.0);
    }
}

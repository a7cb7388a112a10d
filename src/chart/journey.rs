//! A year's forecast journey: the year-end overspend each forecast gave (at the budget,
//! then at each monitoring point), as the middle 80% of its simulations (P10 to P90) with
//! the median through them, against the usable reserves (a dashed line, stepped where they
//! changed) and a balanced budget; under each point, the chance its forecast gave of an
//! S114-level shortfall.
//!
//! Reserves far above every forecast (more than twice the forecasts' spread above the
//! highest) are noted at the edge rather than drawn, so one far-off line does not squash
//! the forecasts into a sliver.

use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

use super::axis::{category_axis, money_axis_vertical, year_label};
use super::fan::{INNER, along};
use super::layout::{
    Label, Placer, Rect, Swatch, around_point, draw_text, header_with_note, leader, off_scale_note,
};
use super::palette::{BLUE, INK, VERMILLION};
use super::text::text_width;
use super::{Draw, FONT, msg, size};
use crate::format::percent;
use crate::stats::journey::JourneyPoint;

pub(crate) struct Journey<'a> {
    pub points: &'a [JourneyPoint],
    pub unit: &'a str,
    pub title: &'a str,
}

const MARGIN: i32 = 20;
/// The tick labels and the axis's description.
const X_AREA: i32 = 75;
/// The row of chances under the tick labels.
const ROW: i32 = 34;

/// The chance of an S114-level shortfall under one point: "P(S114) 3.2%".
fn s114_text(p: &JourneyPoint) -> String {
    format!("P(S114) {}", percent(p.p_s114))
}

/// What the chart draws from each point, with anything not finite read as zero.
fn finite(x: f64) -> f64 {
    if x.is_finite() { x } else { 0.0 }
}

/// Where the labels went: the plot's bounds, the labels inside it, and the row of
/// chances under the axis.
#[cfg_attr(not(test), allow(dead_code))] // read by the tests
pub(crate) struct Placed {
    pub bounds: Rect,
    pub inside: Vec<Rect>,
    pub row: Vec<Rect>,
}

impl Draw for Journey<'_> {
    const NAME: &'static str = super::JOURNEY;

    fn title(&self) -> String {
        self.title.to_string()
    }

    fn has_content(&self) -> bool {
        !self.points.is_empty()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        self.draw_placed(root).map(|_| ())
    }
}

impl Journey<'_> {
    /// Draws the chart and returns where its labels went (for the tests: none may overlap
    /// another, and those in the plot stay inside it).
    pub(crate) fn draw_placed<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<Placed, String> {
        let points = self.points;
        if points.is_empty() {
            return Ok(Placed {
                bounds: Rect::new((0, 0), (0, 0)),
                inside: Vec::new(),
                row: Vec::new(),
            });
        }
        let n = points.len();
        let columns: Vec<[f64; 3]> = points
            .iter()
            .map(|p| {
                let (lo, mid, hi) = (finite(p.p10), finite(p.p50), finite(p.p90));
                [lo.min(mid), mid, hi.max(mid)]
            })
            .collect();
        let reserves: Vec<f64> = points.iter().map(|p| finite(p.usable_reserves)).collect();
        let legend = vec![
            (
                "Middle 80% of simulations (P10 to P90)".to_string(),
                Swatch::Box(INNER),
            ),
            ("Median (P50)".to_string(), Swatch::Line(BLUE)),
            (
                "Usable reserves (dashed)".to_string(),
                Swatch::Line(VERMILLION),
            ),
        ];
        let body = header_with_note(
            root,
            &self.title(),
            Some(
                "Year-end overspend after mitigation, before using reserves; under each forecast, P(S114-level)",
            ),
            &legend,
        )?;
        let (bw, bh) = body.dim_in_pixel();
        let (bw, bh) = (bw as i32, bh as i32);

        // The forecasts and zero, and the reserves unless they are far above them all.
        let (mut lo, mut hi) = columns
            .iter()
            .fold((0.0_f64, 0.0_f64), |(a, b), c| (a.min(c[0]), b.max(c[2])));
        if hi - lo < 1e-9 * lo.abs().max(hi.abs()).max(1.0) {
            let half = if self.unit == "£m" { 0.5 } else { 500_000.0 };
            lo -= half;
            hi += half;
        }
        let span = hi - lo;
        let highest_reserves = reserves.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let reserves_on_scale = highest_reserves <= hi + 2.0 * span;
        if reserves_on_scale {
            for &r in &reserves {
                lo = lo.min(r);
                hi = hi.max(r);
            }
        }
        let pad = 0.08 * (hi - lo);
        let (lo, hi) = (lo - pad, hi + pad);
        let plot_h = bh - 10 - MARGIN - X_AREA - ROW;
        let (yt, money) = money_axis_vertical(lo, hi, self.unit, plot_h, size::LABEL);
        let widest_tick = yt
            .ticks
            .iter()
            .map(|&v| text_width(&money.tick(v), size::LABEL))
            .max()
            .unwrap_or(0);
        let y_area = (widest_tick + 56).max(100);
        let right = 40;
        let plot_w = bw - MARGIN - y_area - right;
        let widest = points
            .iter()
            .map(|p| text_width(&p.label, size::LABEL).max(text_width(&s114_text(p), size::NOTE)))
            .max()
            .unwrap_or(0);
        let xt = category_axis(n, plot_w, widest);

        let mut chart = ChartBuilder::on(&body)
            .margin(MARGIN)
            .margin_top(10)
            .margin_right(right)
            .x_label_area_size(X_AREA + ROW)
            .y_label_area_size(y_area)
            .build_cartesian_2d(xt.clone(), yt.clone())
            .map_err(msg)?;
        let x_label = |v: &f64| year_label(*v, |i| points.get(i).map(|p| p.label.as_str()));
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(xt.ticks.len())
            .y_labels(yt.ticks.len())
            .bold_line_style(RGBColor(232, 232, 232))
            .x_desc("When the forecast was made")
            .y_desc(format!("Year-end overspend in {}", money.unit()))
            .x_label_formatter(&x_label)
            .y_label_formatter(&|v| money.tick(*v))
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

        // The band: one point alone is drawn as a short block, not a line.
        let xs: Vec<(f64, &[f64; 3])> = if columns.len() == 1 {
            vec![(-0.3, &columns[0]), (0.3, &columns[0])]
        } else {
            columns
                .iter()
                .enumerate()
                .map(|(i, c)| (i as f64, c))
                .collect()
        };
        let mut band: Vec<(f64, f64)> = xs.iter().map(|(x, c)| (*x, c[2])).collect();
        band.extend(xs.iter().rev().map(|(x, c)| (*x, c[0])));
        chart
            .draw_series(std::iter::once(Polygon::new(band, INNER.filled())))
            .map_err(msg)?;

        // A balanced budget.
        let zero = [(xt.lo, 0.0), (xt.hi, 0.0)];
        chart
            .draw_series(std::iter::once(PathElement::new(
                zero.to_vec(),
                INK.stroke_width(2),
            )))
            .map_err(msg)?;
        placer.block_path(&[at(xt.lo, 0.0), at(xt.hi, 0.0)], 2);

        // Usable reserves: one level across, or a step at each point where they changed.
        let steady = reserves
            .iter()
            .all(|&r| (r - reserves[0]).abs() <= 1e-9 * r.abs().max(1.0));
        // (Corners only: a repeated point would restart the dashes.)
        let mut steps = vec![(xt.lo, reserves[0])];
        for (i, pair) in reserves.windows(2).enumerate() {
            if !steady && pair[1] != pair[0] {
                let x = i as f64 + 0.5;
                steps.extend([(x, pair[0]), (x, pair[1])]);
            }
        }
        steps.push((xt.hi, *reserves.last().unwrap_or(&reserves[0])));
        if reserves_on_scale {
            chart
                .draw_series(DashedLineSeries::new(
                    steps.clone(),
                    14,
                    8,
                    VERMILLION.stroke_width(3),
                ))
                .map_err(msg)?;
            let pixels: Vec<(i32, i32)> = steps.iter().map(|&(x, y)| at(x, y)).collect();
            placer.block_path(&pixels, 3);
        }

        // The median, with a point at each forecast.
        let median: Vec<(f64, f64)> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| (i as f64, c[1]))
            .collect();
        let pixels: Vec<(i32, i32)> = median.iter().map(|&(x, y)| at(x, y)).collect();
        placer.block_path(&pixels, 4);
        chart
            .draw_series(std::iter::once(PathElement::new(
                median.clone(),
                BLUE.stroke_width(4),
            )))
            .map_err(msg)?;
        chart
            .draw_series(
                median
                    .iter()
                    .map(|&point| Circle::new(point, 6, BLUE.filled())),
            )
            .map_err(msg)?;
        for &(x, y) in &pixels {
            placer.block(Rect::new((x - 7, y - 7), (x + 7, y + 7)));
        }

        // Labels: the reserves (the last level, along it) and zero, off the band; then
        // each labelled point's median, which may sit on it.
        let mut labels: Vec<(Label, Rect, bool)> = Vec::new();
        let mut off_band = placer.clone();
        for pair in xs.windows(2) {
            let ((xa, a), (xb, b)) = (pair[0], pair[1]);
            let pieces = ((at(xb, 0.0).0 - at(xa, 0.0).0) / 6).max(1);
            for k in 0..=pieces {
                let t = f64::from(k) / f64::from(pieces);
                let x = xa + t * (xb - xa);
                let (lo, hi) = (a[0] + t * (b[0] - a[0]), a[2] + t * (b[2] - a[2]));
                off_band.block(Rect::new(at(x - 0.01, lo), at(x + 0.01, hi)));
            }
        }
        let last_reserves = *reserves.last().unwrap_or(&0.0);
        let reserves_text = format!("Usable reserves {}", money.label(last_reserves));
        if reserves_on_scale {
            let label = Label::line(reserves_text, size::NOTE, VERMILLION);
            let (x0, x1) = if steady {
                (px.start, px.end)
            } else {
                let i = (reserves.len() - 1) as f64;
                (at(i - 0.5, 0.0).0, px.end)
            };
            let (_, y) = at(0.0, last_reserves);
            // From the right end, where the latest level is.
            let mut candidates = along(&label, y, x0, x1, true);
            candidates.reverse();
            let r = off_band.place(&candidates);
            labels.push((label, r, false));
        } else {
            let (label, r, right_aligned) = off_scale_note(
                &mut off_band,
                &reserves_text,
                "above every forecast",
                true,
                py.start + 6,
                py.end - 6,
            );
            labels.push((label, r, right_aligned));
        }
        let label = Label::line("Balanced (£0)", size::NOTE, INK);
        let (_, y) = at(0.0, 0.0);
        let r = off_band.place(&along(&label, y, px.start, px.end, false));
        labels.push((label, r, false));
        for (_, r, _) in &labels {
            placer.block(*r);
        }
        let labelled = |i: usize| xt.ticks.contains(&(i as f64));
        for (i, c) in columns.iter().enumerate().filter(|(i, _)| labelled(*i)) {
            let point = at(i as f64, c[1]);
            let label = Label::line(money.label(c[1]), size::NOTE, INK);
            let r = placer.place(&around_point(&label, point));
            leader(root, point, &r)?;
            labels.push((label, r, false));
        }
        for (label, r, right_aligned) in &labels {
            label.draw(root, *r, *right_aligned)?;
        }

        // Under the tick labels, each labelled point's chance of an S114-level shortfall.
        // Each centred under its point, kept inside the chart at the ends.
        let row_y = py.end + 44;
        let image_w = root.dim_in_pixel().0 as i32;
        let mut row = Vec::new();
        for (i, p) in points.iter().enumerate().filter(|(i, _)| labelled(*i)) {
            let text = s114_text(p);
            let w = text_width(&text, size::NOTE);
            let (x, _) = at(i as f64, 0.0);
            let x = x.clamp(w / 2 + 6, (image_w - w / 2 - 6).max(w / 2 + 6));
            draw_text(
                root,
                &text,
                (x, row_y),
                size::NOTE,
                VERMILLION,
                HPos::Center,
            )?;
            row.push(Rect::new(
                (x - w / 2, row_y - size::NOTE as i32 / 2),
                (x + w / 2, row_y + size::NOTE as i32 / 2),
            ));
        }
        Ok(Placed {
            bounds,
            inside: labels.into_iter().map(|(_, r, _)| r).collect(),
            row,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::chart::pit::tests::check_labels;

    /// A year's journey from the budget to November: the overspend growing, then
    /// brought back by management action, the reserves cut once.
    pub(crate) fn journey() -> Vec<JourneyPoint> {
        let point = |label: &str, month, p: [f64; 3], draw, s114, reserves| JourneyPoint {
            label: label.into(),
            month,
            p10: p[0],
            p50: p[1],
            p90: p[2],
            p_drawing: draw,
            p_s114: s114,
            usable_reserves: reserves,
        };
        vec![
            point("Budget", 0, [-8.0, 6.0, 21.0], 0.62, 0.004, 75.0),
            point("Q1", 3, [10.0, 24.0, 40.0], 0.93, 0.012, 75.0),
            point("Q2", 6, [22.0, 33.5, 47.0], 0.99, 0.018, 75.0),
            point("Nov", 8, [27.0, 34.0, 42.0], 1.0, 0.0031, 62.0),
            point("Q3", 9, [25.0, 30.0, 35.5], 1.0, 0.0, 62.0),
        ]
    }

    fn draw(j: &Journey<'_>) -> (String, Placed) {
        super::super::fonts().unwrap();
        let mut svg = String::new();
        let placed = {
            let root = SVGBackend::with_string(&mut svg, super::super::SIZE).into_drawing_area();
            root.fill(&WHITE).unwrap();
            j.draw_placed(&root).unwrap()
        };
        (svg, placed)
    }

    fn check(placed: &Placed) {
        check_labels(placed.bounds, &placed.inside);
        let all: Vec<Rect> = placed.row.clone();
        for (i, a) in all.iter().enumerate() {
            assert!(a.y0 > placed.bounds.y1, "{a:?} is not under the plot");
            assert!(a.x0 >= 0 && a.x1 <= super::super::SIZE.0 as i32, "{a:?}");
            for b in &all[i + 1..] {
                assert!(a.x1 <= b.x0 || b.x1 <= a.x0, "{a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn the_journey_draws_its_points_reserves_and_chances() {
        let points = journey();
        let j = Journey {
            points: &points,
            unit: "£m",
            title: "The 2024/25 forecast, budget to Q3",
        };
        let (svg, placed) = draw(&j);
        check(&placed);
        for text in [
            "Budget",
            "Nov",
            "P(S114) 1.2%",
            "P(S114) 0.31%",
            "P(S114) 0.00%",
            "Usable reserves £62.0m",
            "£33.5m",
            "Balanced (£0)",
        ] {
            assert!(svg.contains(text), "no {text}");
        }
        assert_eq!(placed.row.len(), points.len());
        assert!(!svg.contains("NaN"));
    }

    #[test]
    fn one_point_many_points_and_far_off_reserves_still_draw_cleanly() {
        let mut points = journey();
        points.truncate(1);
        let (svg, placed) = draw(&Journey {
            points: &points,
            unit: "£m",
            title: "At the budget",
        });
        check(&placed);
        assert!(svg.contains("P(S114) 0.40%"));
        // Far-off reserves are noted at the edge.
        let mut far = journey();
        for p in &mut far {
            p.usable_reserves = 900.0;
        }
        let (svg, placed) = draw(&Journey {
            points: &far,
            unit: "£m",
            title: "Far-off reserves",
        });
        check(&placed);
        assert!(svg.contains("(off the scale)"), "{svg}");
        // Every month of a year: the labels thin out rather than collide.
        let months: Vec<JourneyPoint> = (0..13)
            .map(|m| JourneyPoint {
                label: format!("Month {m}"),
                month: m,
                ..journey()[2].clone()
            })
            .collect();
        let (svg, placed) = draw(&Journey {
            points: &months,
            unit: "£m",
            title: "Monthly",
        });
        check(&placed);
        assert!(placed.row.len() < months.len() && !placed.row.is_empty());
        assert!(!svg.contains("NaN"));
    }
}

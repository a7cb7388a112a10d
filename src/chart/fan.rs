//! Fan charts over the years of a plan (the gap, and usable reserves at each year end): the
//! median as a line through each year, the middle half (P25 to P75) and the middle 90% (P5
//! to P95) of the simulations as bands around it, and horizontal reference lines (a
//! balanced budget, reserves exhausted, a policy floor), each labelled where it covers
//! nothing else.

use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;

use super::axis::{Money, category_axis, money_axis_vertical, year_label};
use super::layout::{Label, Placer, Rect, Swatch, around_point, header_with_note, leader};
use super::palette::{BLUE, INK};
use super::text::text_width;
use super::{FONT, msg, size};
use crate::stats::YearSpread;

/// The middle 90% band: sky blue at 35% on white.
pub(crate) const OUTER: RGBColor = RGBColor(196, 229, 248);
/// The middle half: sky blue at 70% on white.
pub(crate) const INNER: RGBColor = RGBColor(137, 203, 240);

/// One year (or the opening balance) of a fan: its label and P5, P25, P50, P75, P95.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Column {
    pub label: String,
    pub p: [f64; 5],
}

impl Column {
    /// A year's spread. A percentile the summary lacks reads as the mean, so nothing is
    /// drawn from a value that is not there.
    pub fn of(label: &str, spread: &YearSpread) -> Column {
        let f = |d: rust_decimal::Decimal| -> f64 { d.try_into().unwrap_or(0.0) };
        let at = |p: u32| {
            spread
                .percentiles
                .iter()
                .find(|q| q.p == p)
                .map_or(f(spread.mean), |q| f(q.value))
        };
        Column {
            label: label.to_string(),
            p: [at(5), at(25), at(50), at(75), at(95)],
        }
    }

    /// A single known value (the opening balance): no spread.
    pub fn point(label: &str, value: f64) -> Column {
        Column {
            label: label.to_string(),
            p: [value; 5],
        }
    }
}

/// A horizontal reference line.
pub(crate) struct Level<'a> {
    pub value: f64,
    /// Its label, given the axis's money format.
    pub text: Box<dyn Fn(&Money) -> String + 'a>,
    pub colour: RGBColor,
    /// Shade the area below it (reserves below zero: S114-level).
    pub shade_below: bool,
    pub width: u32,
}

/// A fan chart: everything but the data is shared.
pub(crate) struct Fan<'a> {
    pub title: String,
    pub note: Option<String>,
    pub unit: &'a str,
    pub columns: Vec<Column>,
    pub levels: Vec<Level<'a>>,
    pub x_desc: String,
    pub y_desc: &'a dyn Fn(&Money) -> String,
    /// Legend entries after the bands and the median.
    pub legend: Vec<(String, Swatch)>,
}

const MARGIN: i32 = 20;
const X_AREA: i32 = 75;

impl Fan<'_> {
    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let mut legend = vec![
            (
                "Middle 90% of simulations (P5 to P95)".to_string(),
                Swatch::Box(OUTER),
            ),
            ("Middle half (P25 to P75)".to_string(), Swatch::Box(INNER)),
            ("Median (P50)".to_string(), Swatch::Line(BLUE)),
        ];
        legend.extend(self.legend.iter().cloned());
        let body = header_with_note(root, &self.title, self.note.as_deref(), &legend)?;
        let (bw, bh) = body.dim_in_pixel();
        let (bw, bh) = (bw as i32, bh as i32);
        let n = self.columns.len().max(1);

        // Every band and reference line, and zero, with a little room.
        let values = self
            .columns
            .iter()
            .flat_map(|c| c.p)
            .chain(self.levels.iter().map(|l| l.value))
            .filter(|v| v.is_finite());
        let (mut lo, mut hi) = values.fold((0.0_f64, 0.0_f64), |(a, b), v| (a.min(v), b.max(v)));
        if hi - lo < 1e-9 * lo.abs().max(hi.abs()).max(1.0) {
            let half = if self.unit == "£m" { 0.5 } else { 500_000.0 };
            lo -= half;
            hi += half;
        }
        let pad = 0.06 * (hi - lo);
        let (lo, hi) = (lo - pad, hi + pad);
        let plot_h = bh - 10 - MARGIN - X_AREA;
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
        let widest_label = self
            .columns
            .iter()
            .map(|c| text_width(&c.label, size::LABEL))
            .max()
            .unwrap_or(0);
        let xt = category_axis(n, plot_w, widest_label);

        let mut chart = ChartBuilder::on(&body)
            .margin(MARGIN)
            .margin_top(10)
            .margin_right(right)
            .x_label_area_size(X_AREA)
            .y_label_area_size(y_area)
            .build_cartesian_2d(xt.clone(), yt.clone())
            .map_err(msg)?;
        let columns = &self.columns;
        let x_label = |v: &f64| year_label(*v, |i| columns.get(i).map(|c| c.label.as_str()));
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(xt.ticks.len())
            .y_labels(yt.ticks.len())
            .bold_line_style(RGBColor(232, 232, 232))
            .x_desc(self.x_desc.as_str())
            .y_desc((self.y_desc)(&money))
            .x_label_formatter(&x_label)
            .y_label_formatter(&|v| money.tick(*v))
            .axis_desc_style((FONT, size::AXIS))
            .label_style((FONT, size::LABEL))
            .axis_style(INK)
            .draw()
            .map_err(msg)?;

        let (px, py) = chart.plotting_area().get_pixel_range();
        let mut placer = Placer::new(Rect::new((px.start, py.start), (px.end, py.end)));
        let coords = chart.as_coord_spec().clone();
        let at = move |x: f64, y: f64| coords.translate(&(x, y));

        // The bands: one column alone is drawn as a short block, not a line.
        let xs: Vec<(f64, &Column)> = if columns.len() == 1 {
            vec![(-0.3, &columns[0]), (0.3, &columns[0])]
        } else {
            columns
                .iter()
                .enumerate()
                .map(|(i, c)| (i as f64, c))
                .collect()
        };
        for (upper, lower, colour) in [(4, 0, OUTER), (3, 1, INNER)] {
            let mut points: Vec<(f64, f64)> = xs.iter().map(|(x, c)| (*x, c.p[upper])).collect();
            points.extend(xs.iter().rev().map(|(x, c)| (*x, c.p[lower])));
            chart
                .draw_series(std::iter::once(Polygon::new(points, colour.filled())))
                .map_err(msg)?;
        }

        // Reference lines, with any shading below them over the bands.
        for level in &self.levels {
            if level.shade_below && level.value > yt.lo {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(xt.lo, yt.lo), (xt.hi, level.value.min(yt.hi))],
                        level.colour.mix(0.12).filled(),
                    )))
                    .map_err(msg)?;
            }
        }
        for level in &self.levels {
            let line = [(xt.lo, level.value), (xt.hi, level.value)];
            chart
                .draw_series(std::iter::once(PathElement::new(
                    line.to_vec(),
                    level.colour.stroke_width(level.width),
                )))
                .map_err(msg)?;
            placer.block_path(&[at(line[0].0, line[0].1), at(line[1].0, line[1].1)], 3);
        }

        // The median, with a point at each year.
        let median: Vec<(f64, f64)> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| (i as f64, c.p[2]))
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

        // Labels: the reference lines first, along their line; then each year's median,
        // and the ends of the last year's band.
        let mut labels: Vec<(Label, Rect)> = Vec::new();
        for level in &self.levels {
            let label = Label::line((level.text)(&money), size::NOTE, level.colour);
            let (_, y) = at(0.0, level.value);
            let r = placer.place(&along(&label, y, px.start, px.end, !level.shade_below));
            labels.push((label, r));
        }
        // With many years, only those the axis labels, and the last.
        let labelled = |i: usize| i + 1 == columns.len() || xt.ticks.contains(&(i as f64));
        for (i, c) in columns.iter().enumerate().filter(|(i, _)| labelled(*i)) {
            let point = at(i as f64, c.p[2]);
            let label = Label::line(money.label(c.p[2]), size::NOTE, INK);
            let r = placer.place(&around_point(&label, point));
            leader(root, point, &r)?;
            labels.push((label, r));
        }
        if let Some((i, last)) = columns
            .iter()
            .enumerate()
            .next_back()
            .filter(|(_, c)| c.p[4] > c.p[0])
        {
            for (k, name) in [(4, "P95"), (0, "P5")] {
                let point = at(i as f64, last.p[k]);
                let label = Label::line(
                    format!("{name} {}", money.label(last.p[k])),
                    size::NOTE,
                    INK,
                );
                let r = placer.place(&around_point(&label, point));
                leader(root, point, &r)?;
                labels.push((label, r));
            }
        }
        for (label, r) in &labels {
            label.draw(root, *r, false)?;
        }
        Ok(())
    }
}

/// Boxes for a label along a horizontal line at `y` between `x0` and `x1`: just above it
/// (or below it first, when not `above_first`), from the left end rightwards, then on the
/// other side.
pub(crate) fn along(label: &Label, y: i32, x0: i32, x1: i32, above_first: bool) -> Vec<Rect> {
    let above = y - label.h - 4;
    let below = y + 4;
    let sides = if above_first {
        [above, below]
    } else {
        [below, above]
    };
    let mut out = Vec::new();
    for top in sides {
        let mut x = x0 + 8;
        while x + label.w <= x1 - 8 {
            out.push(label.at(x, top));
            x += 24;
        }
        out.push(label.at((x1 - 8 - label.w).max(x0), top));
    }
    out
}

//! Horizontal bar charts of named rows (the waterfall and savings at risk): row names in a
//! column on the left, wrapped to two lines or cut with an ellipsis; a money axis whose
//! range leaves room for each bar's value label; and value labels that move inside or to the
//! left of their bar rather than run off the chart.

use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

use super::axis::{Money, Ticked, money_axis};
use super::layout::draw_text;
use super::palette::{GREY, INK};
use super::text::{fit, text_width, wrap};
use super::{FONT, msg, size};

/// One row: its name, its bars (from, to, colour; drawn in order), and the label at the
/// end of the bar furthest right.
pub(crate) struct Row {
    pub name: String,
    pub bars: Vec<(f64, f64, RGBColor)>,
}

/// How the rows are drawn.
pub(crate) struct Frame<'a> {
    pub unit: &'a str,
    /// The x-axis description, given the money format chosen.
    pub x_desc: &'a dyn Fn(&Money) -> String,
    /// Row `i`'s value label, given the money format chosen.
    pub value: &'a dyn Fn(usize, &Money) -> String,
    /// Colour of the value labels.
    pub value_colour: RGBColor,
    /// Thin lines joining each bar's end to the next bar's start (a waterfall).
    pub connect: bool,
}

/// Margin around a bar chart's frame, in pixels.
pub(crate) const MARGIN: i32 = 20;
const X_AREA: i32 = 75;
/// Space between a bar's end and its label.
const PAD: i32 = 8;

/// The frame of a horizontal bar chart: `rows` rows (row i from the top spans
/// [rows − i − 1, rows − i]), a money axis below, a name column `y_area` pixels wide on the
/// left (left empty: callers write the names), light vertical grid lines.
pub(crate) fn bar_frame<'a, DB: DrawingBackend>(
    body: &'a DrawingArea<DB, Shift>,
    xt: &Ticked,
    money: &Money,
    rows: usize,
    y_area: i32,
    right: i32,
    x_desc: &str,
) -> Result<ChartContext<'a, DB, Cartesian2d<Ticked, Ticked>>, String> {
    let yt = Ticked {
        lo: 0.0,
        hi: rows as f64,
        ticks: Vec::new(),
        step: 1.0,
    };
    let mut chart = ChartBuilder::on(body)
        .margin(MARGIN)
        .margin_top(10)
        .margin_right(right)
        .x_label_area_size(X_AREA)
        .y_label_area_size(y_area)
        .build_cartesian_2d(xt.clone(), yt)
        .map_err(msg)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_labels(xt.ticks.len())
        .y_labels(0)
        .bold_line_style(RGBColor(232, 232, 232))
        .x_desc(x_desc)
        .x_label_formatter(&|v| money.tick(*v))
        .y_label_formatter(&|_| String::new())
        .axis_desc_style((FONT, size::AXIS))
        .label_style((FONT, size::LABEL))
        .axis_style(INK)
        .draw()
        .map_err(msg)?;
    Ok(chart)
}

impl Frame<'_> {
    pub fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        body: &DrawingArea<DB, Shift>,
        rows: &[Row],
    ) -> Result<(), String> {
        let (bw, bh) = body.dim_in_pixel();
        let (bw, bh) = (bw as i32, bh as i32);
        let n = rows.len().max(1);
        let row_px = (bh - MARGIN - X_AREA - 10) / n as i32;
        let two_lines = row_px >= (2.6 * f64::from(size::LABEL)) as i32;

        // The name column: as wide as the widest name, up to 38% of the chart.
        let widest = rows
            .iter()
            .map(|r| text_width(&r.name, size::LABEL))
            .max()
            .unwrap_or(0);
        let name_max = (bw as f64 * 0.38) as i32;
        let names: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                if two_lines {
                    wrap(&r.name, size::LABEL, name_max, 2)
                } else {
                    vec![fit(&r.name, size::LABEL, name_max)]
                }
            })
            .collect();
        let name_w = names
            .iter()
            .flatten()
            .map(|l| text_width(l, size::LABEL))
            .max()
            .unwrap_or(0)
            .min(widest);
        let y_area = name_w + 24;
        let right = 40;
        let plot_w = bw - MARGIN - y_area - right;

        // The x range: every bar, zero, and room on the right for each value label.
        let lo = rows
            .iter()
            .flat_map(|r| r.bars.iter().map(|b| b.0.min(b.1)))
            .fold(0.0, f64::min);
        let hi = rows
            .iter()
            .flat_map(|r| r.bars.iter().map(|b| b.0.max(b.1)))
            .fold(0.0, f64::max);
        let (lo, hi) = if hi - lo > 0.0 {
            (lo, hi)
        } else {
            (lo, lo + if self.unit == "£m" { 1.0 } else { 1e6 })
        };
        let ends: Vec<f64> = rows
            .iter()
            .map(|r| r.bars.iter().map(|b| b.0.max(b.1)).fold(f64::MIN, f64::max))
            .collect();
        let mut axis = money_axis(lo, hi, self.unit, plot_w, size::LABEL);
        for _ in 0..3 {
            let (t, money) = &axis;
            let mut need = hi;
            for (i, &end) in ends.iter().enumerate() {
                let w = text_width(&(self.value)(i, money), size::LABEL) + PAD + 4;
                let room = plot_w - w;
                if room > plot_w / 3 {
                    need = need.max(t.lo + (end - t.lo) * f64::from(plot_w) / f64::from(room));
                }
            }
            // Never more than doubling the range for labels; past that they move inside.
            let need = need.min(hi + (hi - lo));
            if need <= t.hi {
                break;
            }
            axis = money_axis(lo, need, self.unit, plot_w, size::LABEL);
        }
        let (xt, money) = axis;
        let mut chart = bar_frame(body, &xt, &money, n, y_area, right, &(self.x_desc)(&money))?;
        let (px, _) = chart.plotting_area().get_pixel_range();
        let coords = chart.as_coord_spec().clone();
        let at = move |x: f64, y: f64| coords.translate(&(x, y));

        let row_h = at(0.0, 0.0).1 - at(0.0, 1.0).1;
        let thickness = (f64::from(row_h) * 0.62).min(56.0) / f64::from(row_h.max(1));
        let centre = |i: usize| (n - i) as f64 - 0.5;
        for (i, row) in rows.iter().enumerate() {
            let (top, bottom) = (centre(i) + thickness / 2.0, centre(i) - thickness / 2.0);
            for &(from, to, colour) in &row.bars {
                if from != to {
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(from, bottom), (to, top)],
                            colour.filled(),
                        )))
                        .map_err(msg)?;
                } else {
                    // Nothing to add: a thin mark where the bar would be.
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            vec![(from, bottom), (from, top)],
                            GREY.stroke_width(2),
                        )))
                        .map_err(msg)?;
                }
            }
            if self.connect && i + 1 < rows.len() {
                if let (Some(this), Some(next)) = (row.bars.last(), rows[i + 1].bars.last()) {
                    let x = this.1;
                    if (next.0 - x).abs() < 1e-9 * x.abs().max(1.0) {
                        let next_top = centre(i + 1) + thickness / 2.0;
                        chart
                            .draw_series(std::iter::once(PathElement::new(
                                vec![(x, bottom), (x, next_top)],
                                GREY.stroke_width(2),
                            )))
                            .map_err(msg)?;
                    }
                }
            }
        }
        // Zero.
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, 0.0), (0.0, n as f64)],
                INK.stroke_width(2),
            )))
            .map_err(msg)?;

        // Names, right-aligned to the axis, each line centred on its row.
        let line_h = (f64::from(size::LABEL) * 1.2) as i32;
        for (i, lines) in names.iter().enumerate() {
            let (_, y) = at(0.0, centre(i));
            let first = y - line_h * (lines.len() as i32 - 1) / 2;
            for (k, line) in lines.iter().enumerate() {
                draw_text(
                    root,
                    line,
                    (px.start - 12, first + line_h * k as i32),
                    size::LABEL,
                    INK,
                    HPos::Right,
                )?;
            }
        }

        // Value labels: right of the bar; else inside its end; else left of it.
        for (i, row) in rows.iter().enumerate() {
            let text = (self.value)(i, &money);
            let w = text_width(&text, size::LABEL);
            let end = ends[i];
            let start = row
                .bars
                .iter()
                .map(|b| b.0.min(b.1))
                .fold(f64::MAX, f64::min);
            let (x_end, y) = at(end, centre(i));
            let (x_start, _) = at(start, centre(i));
            // Inside, text contrasts with the bar that ends there.
            let inside = row
                .bars
                .iter()
                .find(|b| b.0.max(b.1) == end)
                .map_or(INK, |b| contrast(b.2));
            let (x, h, colour) = if x_end + PAD + w <= px.end {
                (x_end + PAD, HPos::Left, self.value_colour)
            } else if x_end - x_start >= w + 2 * PAD {
                (x_end - PAD, HPos::Right, inside)
            } else {
                (x_start - PAD, HPos::Right, self.value_colour)
            };
            draw_text(root, &text, (x, y), size::LABEL, colour, h)?;
        }
        Ok(())
    }
}

/// White on a dark fill, ink on a light one.
fn contrast(fill: RGBColor) -> RGBColor {
    let RGBColor(r, g, b) = fill;
    let luminance = 0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b);
    if luminance < 150.0 { WHITE } else { INK }
}

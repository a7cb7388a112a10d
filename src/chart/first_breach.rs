//! When the first S114-level year would come: for each year of the plan, the chance that
//! it is the first S114-level one (bars, with their 95% intervals as error bars), and the
//! chance of an S114-level year by the end of it (a line); the chance that no year is
//! S114-level is stated under the title, so that the bars and "never" are read together.

use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;

use super::axis::{category_axis, decimals_for, percent_axis, year_label};
use super::layout::{Label, Placer, Rect, Swatch, around_point, header_with_note, leader};
use super::palette::{BLUE, INK, ORANGE};
use super::text::text_width;
use super::{Draw, FONT, msg, size};
use crate::format::{percent, percent_interval};
use crate::stats::Summary;

pub(crate) struct FirstBreach<'a>(pub &'a Summary);

/// The cumulative line's labels: its orange darkened, which reads on white.
const ORANGE_TEXT: RGBColor = RGBColor(150, 95, 0);

const MARGIN: i32 = 20;
const Y_AREA: i32 = 100;
const X_AREA: i32 = 75;
/// Half a bar's width, in years.
const HALF_BAR: f64 = 0.28;

impl Draw for FirstBreach<'_> {
    const NAME: &'static str = "first_breach";

    fn title(&self) -> String {
        "When the first S114-level year would come".into()
    }

    fn has_content(&self) -> bool {
        self.0
            .medium_term
            .as_ref()
            .is_some_and(|m| !m.years.is_empty())
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let Some(m) = &self.0.medium_term else {
            return Ok(());
        };
        let years = &m.years;
        let n = years.len().max(1);
        let (first, last) = (
            years.first().map_or("", |y| y.year.as_str()),
            years.last().map_or("", |y| y.year.as_str()),
        );
        let never = &m.never_breached;
        let [estimate, low, high] =
            percent_interval(never.estimate, never.ci95_low, never.ci95_high);
        let note = format!(
            "No S114-level year from {first} to {last} in {estimate} of simulations (95% interval {low} to {high})"
        );
        let body = header_with_note(
            root,
            &self.title(),
            Some(&note),
            &[
                (
                    "First S114-level year is this one (bar: 95% interval)".to_string(),
                    Swatch::Box(BLUE),
                ),
                (
                    "An S114-level year by the end of it".to_string(),
                    Swatch::Line(ORANGE),
                ),
            ],
        )?;
        let (bw, bh) = body.dim_in_pixel();
        let (bw, bh) = (bw as i32, bh as i32);

        // Room above the tallest bar or point for its label.
        let tallest = years
            .iter()
            .flat_map(|y| [y.first_breach.ci95_high, y.s114_by_now.ci95_high])
            .fold(0.0_f64, f64::max)
            * 100.0;
        let top = (tallest * 1.3).clamp(1.0, 118.0);
        let plot_h = bh - 10 - MARGIN - X_AREA;
        let (mut yt, _) = percent_axis(0.0, top, plot_h, size::LABEL);
        yt.ticks.retain(|&t| t <= 100.0 + 1e-9);
        let decimals = decimals_for(yt.step);
        let right = 40;
        let plot_w = bw - MARGIN - Y_AREA - right;
        let widest = years
            .iter()
            .map(|y| text_width(&y.year, size::LABEL))
            .max()
            .unwrap_or(0);
        let xt = category_axis(n, plot_w, widest);

        let mut chart = ChartBuilder::on(&body)
            .margin(MARGIN)
            .margin_top(10)
            .margin_right(right)
            .x_label_area_size(X_AREA)
            .y_label_area_size(Y_AREA)
            .build_cartesian_2d(xt.clone(), yt.clone())
            .map_err(msg)?;
        let x_label = |v: &f64| year_label(*v, |i| years.get(i).map(|y| y.year.as_str()));
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(xt.ticks.len())
            .y_labels(yt.ticks.len())
            .bold_line_style(RGBColor(232, 232, 232))
            .x_desc("Year of the plan")
            .y_desc("Chance, % of simulations")
            .x_label_formatter(&x_label)
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

        // Bars with their intervals.
        for (i, y) in years.iter().enumerate() {
            let x = i as f64;
            let p = &y.first_breach;
            let (v, lo, hi) = (100.0 * p.estimate, 100.0 * p.ci95_low, 100.0 * p.ci95_high);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x - HALF_BAR, 0.0), (x + HALF_BAR, v)],
                    BLUE.filled(),
                )))
                .map_err(msg)?;
            placer.block(Rect::new(at(x - HALF_BAR, 0.0), at(x + HALF_BAR, v)));
            let cap = 0.06;
            chart
                .draw_series([
                    PathElement::new(vec![(x, lo), (x, hi)], INK.stroke_width(2)),
                    PathElement::new(vec![(x - cap, lo), (x + cap, lo)], INK.stroke_width(2)),
                    PathElement::new(vec![(x - cap, hi), (x + cap, hi)], INK.stroke_width(2)),
                ])
                .map_err(msg)?;
            placer.block(Rect::new(at(x - cap, lo), at(x + cap, hi)));
        }

        // The chance of an S114-level year by the end of each year.
        let cumulative: Vec<(f64, f64)> = years
            .iter()
            .enumerate()
            .map(|(i, y)| (i as f64, 100.0 * y.s114_by_now.estimate))
            .collect();
        let pixels: Vec<(i32, i32)> = cumulative.iter().map(|&(x, y)| at(x, y)).collect();
        placer.block_path(&pixels, 3);
        chart
            .draw_series(std::iter::once(PathElement::new(
                cumulative.clone(),
                ORANGE.stroke_width(3),
            )))
            .map_err(msg)?;
        chart
            .draw_series(
                cumulative
                    .iter()
                    .map(|&point| Circle::new(point, 6, ORANGE.filled())),
            )
            .map_err(msg)?;
        for &(x, y) in &pixels {
            placer.block(Rect::new((x - 7, y - 7), (x + 7, y + 7)));
        }

        // Each bar's chance just above its interval, centred; then the cumulative chance
        // at each point.
        let mut labels = Vec::new();
        for (i, y) in years.iter().enumerate() {
            let label = Label::line(percent(y.first_breach.estimate), size::NOTE, INK);
            let (cx, top) = at(i as f64, 100.0 * y.first_breach.ci95_high);
            let mut candidates = vec![label.at(cx - label.w / 2, top - label.h - 4)];
            candidates.extend(around_point(&label, (cx, top)));
            let r = placer.place(&candidates);
            leader(root, (cx, top), &r)?;
            labels.push((label, r));
        }
        // The first year's is its bar's: said once. Of a long plan, only the last.
        let few = years.len() <= 5;
        for (i, (y, &point)) in years
            .iter()
            .zip(&pixels)
            .enumerate()
            .skip(1)
            .filter(|(i, _)| few || i + 1 == years.len())
        {
            let text = if i + 1 == years.len() {
                format!("{} by {}", percent(y.s114_by_now.estimate), y.year)
            } else {
                percent(y.s114_by_now.estimate)
            };
            let label = Label::line(text, size::NOTE, ORANGE_TEXT);
            let r = placer.place(&around_point(&label, point));
            leader(root, point, &r)?;
            labels.push((label, r));
        }
        for (label, r) in &labels {
            label.draw(root, *r, false)?;
        }
        Ok(())
    }
}

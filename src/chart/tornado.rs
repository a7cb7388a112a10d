//! What moves the gap: the factors (drivers, and the savings programme's delivery as one)
//! whose own effect swings the gap most between their lowest and highest tenth, the others
//! at their averages. Bars are ordered by their length, longest first, as a tornado must
//! be to read as one, and the chart says so.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;

use super::axis::money_axis;
use super::layout::{Swatch, draw_text, header_with_note};
use super::palette::{BLUE, INK, ORANGE};
use super::rows::{MARGIN, bar_frame};
use super::text::{fit, text_width};
use super::{Draw, msg, size};
use crate::stats::{DriverSensitivity, Summary};

/// Factors shown.
const TOP: usize = 10;

/// The length of a factor's bar: the change in the gap from its lowest to its highest
/// tenth.
fn swing(d: &DriverSensitivity) -> f64 {
    let f = |x: rust_decimal::Decimal| -> f64 { x.try_into().unwrap_or(0.0) };
    (f(d.high_effect) - f(d.low_effect)).abs()
}

/// The factors drawn: the [`TOP`] with the longest bars, longest first (ties in the order
/// of their share of the variance).
pub(crate) fn ranked(s: &Summary) -> Vec<&DriverSensitivity> {
    let mut all: Vec<&DriverSensitivity> = s.sensitivity.factors.iter().collect();
    all.sort_by(|a, b| swing(b).total_cmp(&swing(a)));
    all.truncate(TOP);
    all
}
/// Space between a bar's end and its value.
const PAD: i32 = 8;

pub(crate) struct Tornado<'a>(pub &'a Summary);

impl Draw for Tornado<'_> {
    const NAME: &'static str = "tornado";

    fn title(&self) -> String {
        "What moves the gap most".into()
    }

    fn has_content(&self) -> bool {
        !self.0.sensitivity.factors.is_empty()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let s = self.0;
        let unit = s.model.unit.as_str();
        let drivers = ranked(s);
        let f = |d: rust_decimal::Decimal| -> f64 { d.try_into().unwrap_or(0.0) };
        let rows = drivers.len().max(1);
        let body = header_with_note(
            root,
            &self.title(),
            Some(
                "Longest bar first: the largest swing in the gap from the lowest to the highest tenth",
            ),
            &[
                (
                    "Driver alone in its lowest tenth".to_string(),
                    Swatch::Box(ORANGE),
                ),
                (
                    "Driver alone in its highest tenth".to_string(),
                    Swatch::Box(BLUE),
                ),
            ],
        )?;
        let (bw, _) = body.dim_in_pixel();
        let bw = bw as i32;

        // The name column: as wide as the widest name, up to 38% of the chart.
        let name_max = (f64::from(bw) * 0.38) as i32;
        let names: Vec<String> = drivers
            .iter()
            .map(|d| fit(&d.label, size::LABEL, name_max))
            .collect();
        let y_area = names
            .iter()
            .map(|n| text_width(n, size::LABEL))
            .max()
            .unwrap_or(0)
            + 24;
        let plot_w = bw - 2 * MARGIN - y_area;

        // Symmetric range with room beyond the longest bar for its value label.
        let extent = drivers
            .iter()
            .flat_map(|d| [f(d.low_effect), f(d.high_effect)])
            .fold(0.0_f64, |m, v| m.max(v.abs()));
        let extent = if extent > 0.0 {
            extent
        } else if unit == "£m" {
            1.0
        } else {
            1e6
        };
        let (probe, money) = money_axis(-extent, extent, unit, plot_w, size::LABEL);
        let widest_value = drivers
            .iter()
            .flat_map(|d| {
                [
                    money.change(f(d.low_effect)),
                    money.change(f(d.high_effect)),
                ]
            })
            .map(|t| text_width(&t, size::LABEL - 2))
            .max()
            .unwrap_or(0);
        let half_px = f64::from(plot_w) / 2.0;
        let room = (half_px - f64::from(widest_value + PAD + 6)).max(half_px / 2.0);
        let reach = extent * half_px / room;
        let (xt, money) = if reach > probe.hi.max(-probe.lo) {
            money_axis(-reach, reach, unit, plot_w, size::LABEL)
        } else {
            (probe, money)
        };
        let mut chart = bar_frame(
            &body,
            &xt,
            &money,
            rows,
            y_area,
            MARGIN,
            &format!("Change in the gap, {}, from the driver alone", money.unit()),
        )?;

        let centre = |i: usize| (rows - i) as f64 - 0.5;
        let (px, _) = chart.plotting_area().get_pixel_range();
        for (i, d) in drivers.iter().enumerate() {
            let (top, bottom) = (centre(i) + 0.33, centre(i) - 0.33);
            let (low, high) = (f(d.low_effect), f(d.high_effect));
            chart
                .draw_series([
                    Rectangle::new([(low, bottom), (0.0, top)], ORANGE.filled()),
                    Rectangle::new([(0.0, bottom), (high, top)], BLUE.filled()),
                ])
                .map_err(msg)?;
            // Each bar's value just beyond its end, on the side the bar points to.
            for x in [low, high] {
                let (bx, by) = chart.backend_coord(&(x, centre(i)));
                let (anchor, at) = if x < 0.0 {
                    (HPos::Right, bx - PAD)
                } else {
                    (HPos::Left, bx + PAD)
                };
                draw_text(
                    root,
                    // A true minus sign: the hyphen crowds the £ in this font.
                    &money.change(x).replacen('-', "\u{2212}", 1),
                    (at, by),
                    size::LABEL - 2,
                    INK,
                    anchor,
                )?;
            }
            // The driver's name, right-aligned to the axis.
            let (_, by) = chart.backend_coord(&(0.0, centre(i)));
            draw_text(
                root,
                &names[i],
                (px.start - 12, by),
                size::LABEL,
                INK,
                HPos::Right,
            )?;
        }
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, 0.0), (0.0, rows as f64)],
                ShapeStyle::from(INK).stroke_width(2),
            )))
            .map_err(msg)?;
        Ok(())
    }
}

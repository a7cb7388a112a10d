//! What moves the gap: the most influential drivers, with the change in the mean gap when
//! each is in its lowest and highest tenth.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::palette::{BLUE, INK, ORANGE};
use super::{Draw, FONT, axis_money, msg, nice_range, shorten, size, title_and_legend};
use crate::stats::Summary;

/// Drivers shown.
const TOP: usize = 10;

pub(crate) struct Tornado<'a>(pub &'a Summary);

impl Draw for Tornado<'_> {
    const NAME: &'static str = "tornado";

    fn title(&self) -> String {
        "What moves the gap most".into()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let s = self.0;
        let unit = s.model.unit.as_str();
        let drivers: Vec<_> = s.sensitivity.drivers.iter().take(TOP).collect();
        let f = |d: rust_decimal::Decimal| -> f64 { d.try_into().unwrap_or(0.0) };
        let extent = drivers
            .iter()
            .flat_map(|d| [f(d.low_effect), f(d.high_effect)])
            .fold(1e-9, |m: f64, v| m.max(v.abs()));
        let (x0, x1) = nice_range(-extent, extent);
        let rows = drivers.len().max(1);

        let labels: Vec<String> = drivers.iter().map(|d| shorten(&d.label, 42)).collect();
        // Row i (from the top) spans [rows − i − 1, rows − i]; its label sits at the centre.
        let row_label = |v: &f64| -> String {
            let i = rows as f64 - 0.5 - v;
            if (i - i.round()).abs() < 1e-6 && i >= -0.01 && (i.round() as usize) < labels.len() {
                labels[i.round() as usize].clone()
            } else {
                String::new()
            }
        };
        let body = title_and_legend(
            root,
            &self.title(),
            &[
                ("Driver in its lowest tenth", ORANGE),
                ("Driver in its highest tenth", BLUE),
            ],
        )?;
        let mut chart = ChartBuilder::on(&body)
            .margin(20)
            .margin_top(0)
            .margin_right(40)
            .x_label_area_size(80)
            .y_label_area_size(480)
            .build_cartesian_2d(x0..x1, 0.0..rows as f64)
            .map_err(msg)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(235, 235, 235))
            .y_labels(2 * rows + 1)
            .y_label_formatter(&row_label)
            .x_desc(format!(
                "Change in the mean gap, {unit}, when the driver is in its lowest / highest tenth"
            ))
            .x_label_formatter(&|v| axis_money(*v, unit))
            .axis_desc_style((FONT, size::AXIS - 2))
            .label_style((FONT, size::LABEL))
            .axis_style(INK)
            .draw()
            .map_err(msg)?;

        for (i, d) in drivers.iter().enumerate() {
            let top = (rows - i) as f64 - 0.15;
            let bottom = (rows - i - 1) as f64 + 0.15;
            chart
                .draw_series([
                    Rectangle::new([(f(d.low_effect), bottom), (0.0, top)], ORANGE.filled()),
                    Rectangle::new([(0.0, bottom), (f(d.high_effect), top)], BLUE.filled()),
                ])
                .map_err(msg)?;
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

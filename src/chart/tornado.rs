//! What moves the gap: the drivers with the largest share of its variance, with the change
//! each causes by itself (the others at their averages) in its lowest and highest tenth.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::palette::{BLUE, INK, ORANGE};
use super::{Draw, FONT, axis_money, msg, nice_range, shorten, size, title_and_legend};
use crate::report::signed_money;
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
        // Room beyond the longest bar for its value.
        let (x0, x1) = nice_range(-1.3 * extent, 1.3 * extent);
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
                ("Driver alone in its lowest tenth", ORANGE),
                ("Driver alone in its highest tenth", BLUE),
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
            .set_tick_mark_size(LabelAreaPosition::Left, 0)
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(235, 235, 235))
            .y_labels(2 * rows + 1)
            .y_label_formatter(&row_label)
            .x_desc(format!(
                "Change in the gap, {unit}, from the driver alone in its lowest / highest tenth"
            ))
            .x_label_formatter(&|v| axis_money(*v, unit))
            .axis_desc_style((FONT, size::AXIS - 2))
            .label_style((FONT, size::LABEL))
            .axis_style(INK)
            .draw()
            .map_err(msg)?;

        let value_style = (FONT, size::LABEL - 2).into_font().color(&INK);
        let pad = (x1 - x0) * 0.006;
        for (i, d) in drivers.iter().enumerate() {
            let top = (rows - i) as f64 - 0.15;
            let bottom = (rows - i - 1) as f64 + 0.15;
            let middle = (rows - i) as f64 - 0.5;
            let (low, high) = (f(d.low_effect), f(d.high_effect));
            chart
                .draw_series([
                    Rectangle::new([(low, bottom), (0.0, top)], ORANGE.filled()),
                    Rectangle::new([(0.0, bottom), (high, top)], BLUE.filled()),
                ])
                .map_err(msg)?;
            // Each bar's value just beyond its end, on the side the bar points to.
            for (x, value) in [(low, d.low_effect), (high, d.high_effect)] {
                let (anchor, at) = if x < 0.0 {
                    (HPos::Right, x - pad)
                } else {
                    (HPos::Left, x + pad)
                };
                chart
                    .draw_series(std::iter::once(Text::new(
                        // A true minus sign: the hyphen crowds the £ in this font.
                        signed_money(value, unit).replacen('-', "\u{2212}", 1),
                        (at, middle),
                        value_style.clone().pos(Pos::new(anchor, VPos::Center)),
                    )))
                    .map_err(msg)?;
            }
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

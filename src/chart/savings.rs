//! Savings at risk: each planned saving against its expected delivery.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use rust_decimal::Decimal;

use super::palette::{GREEN, GREY, INK, VERMILLION};
use super::{Draw, FONT, axis_money, msg, nice_range, shorten, size, title_and_legend};
use crate::report::{money, percent};
use crate::stats::Summary;

pub(crate) struct SavingsAtRisk<'a>(pub &'a Summary);

impl Draw for SavingsAtRisk<'_> {
    const NAME: &'static str = "savings";

    fn title(&self) -> String {
        "Savings at risk: planned against expected delivery".into()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let s = self.0;
        let unit = s.model.unit.as_str();
        let f = |d: Decimal| -> f64 { d.try_into().unwrap_or(0.0) };
        let mut items: Vec<_> = s.savings.by_saving.iter().collect();
        items.sort_by_key(|i| std::cmp::Reverse(i.planned - i.expected));
        let rows = items.len().max(1);
        let hi = items.iter().map(|i| f(i.planned)).fold(1e-9, f64::max);
        let (x0, x1) = nice_range(0.0, hi * 1.35);
        let labels: Vec<String> = items.iter().map(|i| shorten(&i.label, 42)).collect();
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
                ("Planned", GREY),
                ("Expected delivery (mean over simulated years)", GREEN),
            ],
        )?;
        let mut chart = ChartBuilder::on(&body)
            .margin(20)
            .margin_top(0)
            .margin_right(40)
            .x_label_area_size(70)
            .y_label_area_size(480)
            .build_cartesian_2d(x0.max(0.0)..x1, 0.0..rows as f64)
            .map_err(msg)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(235, 235, 235))
            .y_labels(2 * rows + 1)
            .y_label_formatter(&row_label)
            .x_desc(format!("{unit} in the year"))
            .x_label_formatter(&|v| axis_money(*v, unit))
            .axis_desc_style((FONT, size::AXIS))
            .label_style((FONT, size::LABEL))
            .axis_style(INK)
            .draw()
            .map_err(msg)?;
        for (i, item) in items.iter().enumerate() {
            let top = (rows - i) as f64 - 0.15;
            let bottom = (rows - i - 1) as f64 + 0.15;
            let (planned, expected) = (f(item.planned), f(item.expected));
            chart
                .draw_series([
                    Rectangle::new([(0.0, bottom), (planned, top)], GREY.filled()),
                    Rectangle::new([(0.0, bottom), (expected, top)], GREEN.filled()),
                ])
                .map_err(msg)?;
            let at_risk = item.planned - item.expected;
            let share: f64 = if item.planned.is_zero() {
                0.0
            } else {
                (at_risk / item.planned).try_into().unwrap_or(0.0)
            };
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("{} at risk ({})", money(at_risk, unit), percent(share)),
                    (planned + (x1 - x0) * 0.01, (top + bottom) / 2.0),
                    (FONT, size::LABEL)
                        .into_font()
                        .color(&VERMILLION)
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                )))
                .map_err(msg)?;
        }
        Ok(())
    }
}

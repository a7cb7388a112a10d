//! The central case as a waterfall: from a balanced budget, through the pressures of each
//! group of lines and the savings not delivered, to the expected gap and the shortfall left
//! after mitigation.

use std::collections::BTreeMap;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use rust_decimal::Decimal;

use super::palette::{BLUE, GREEN, INK, VERMILLION};
use super::{Draw, FONT, axis_money, msg, nice_range, shorten, size};
use crate::report::money;
use crate::stats::Summary;

pub(crate) struct Waterfall<'a>(pub &'a Summary);

/// One step of the waterfall.
pub(crate) struct Step {
    pub label: String,
    pub value: Decimal,
    /// A running total (drawn from zero) rather than a change.
    pub total: bool,
}

/// The steps of the central case, in order. Their changes add up to the mean gap and the
/// mean shortfall (up to rounding of each to £100).
pub(crate) fn steps(s: &Summary) -> Vec<Step> {
    let mut groups: BTreeMap<(usize, String), Decimal> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for l in &s.lines {
        if !order.contains(&l.group) {
            order.push(l.group.clone());
        }
        let k = order.iter().position(|g| *g == l.group).unwrap_or(0);
        *groups.entry((k, l.group.clone())).or_default() += l.expected - l.budget;
    }
    let mut out: Vec<Step> = groups
        .into_iter()
        .map(|((_, g), v)| Step {
            label: format!("{g}: pressures"),
            value: v,
            total: false,
        })
        .collect();
    if !s.savings.planned.is_zero() {
        out.push(Step {
            label: format!(
                "Savings not delivered (of {} planned)",
                money(s.savings.planned, &s.model.unit)
            ),
            value: s.savings.planned - s.savings.mean,
            total: false,
        });
    }
    if !s.funding.is_empty() {
        let funding: Decimal = s.funding.iter().map(|f| f.budget - f.expected).sum();
        out.push(Step {
            label: "Funding below budget".into(),
            value: funding,
            total: false,
        });
    }
    out.push(Step {
        label: "Expected gap before mitigation".into(),
        value: s.gap.mean,
        total: true,
    });
    out.push(Step {
        label: "Contingency and management action used".into(),
        value: -s.mitigation_used,
        total: false,
    });
    out.push(Step {
        label: "Expected shortfall".into(),
        value: s.shortfall.mean,
        total: true,
    });
    out
}

impl Draw for Waterfall<'_> {
    const NAME: &'static str = "waterfall";

    fn title(&self) -> String {
        "From a balanced budget to the expected gap (central case)".into()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let s = self.0;
        let unit = s.model.unit.as_str();
        let f = |d: Decimal| -> f64 { d.try_into().unwrap_or(0.0) };
        let steps = steps(s);
        // Bars: (from, to, colour).
        let mut running = 0.0;
        let mut bars = Vec::new();
        for st in &steps {
            let v = f(st.value);
            if st.total {
                bars.push((0.0, v, BLUE));
                running = v;
            } else {
                let colour = if v >= 0.0 { VERMILLION } else { GREEN };
                bars.push((running, running + v, colour));
                running += v;
            }
        }
        let lo = bars.iter().map(|b| b.0.min(b.1)).fold(0.0, f64::min);
        let hi = bars.iter().map(|b| b.0.max(b.1)).fold(0.0, f64::max);
        let (x0, x1) = nice_range(lo, hi + (hi - lo) * 0.18);
        let rows = steps.len();
        let labels: Vec<String> = steps.iter().map(|st| shorten(&st.label, 42)).collect();
        let row_label = |v: &f64| -> String {
            let i = rows as f64 - 0.5 - v;
            if (i - i.round()).abs() < 1e-6 && i >= -0.01 && (i.round() as usize) < rows {
                labels[i.round() as usize].clone()
            } else {
                String::new()
            }
        };
        let mut chart = ChartBuilder::on(root)
            .caption(
                self.title(),
                (FONT, size::TITLE).into_font().style(FontStyle::Bold),
            )
            .margin(20)
            .margin_right(40)
            .x_label_area_size(70)
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
            .x_desc(format!("{unit}, mean over simulated years"))
            .x_label_formatter(&|v| axis_money(*v, unit))
            .axis_desc_style((FONT, size::AXIS))
            .label_style((FONT, size::LABEL))
            .axis_style(INK)
            .draw()
            .map_err(msg)?;
        for (i, ((from, to, colour), st)) in bars.iter().zip(&steps).enumerate() {
            let top = (rows - i) as f64 - 0.18;
            let bottom = (rows - i - 1) as f64 + 0.18;
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(*from, bottom), (*to, top)],
                    colour.filled(),
                )))
                .map_err(msg)?;
            let text = if st.total {
                money(st.value, unit)
            } else {
                crate::report::signed_money(st.value, unit)
            };
            chart
                .draw_series(std::iter::once(Text::new(
                    text,
                    (from.max(*to) + (x1 - x0) * 0.01, (top + bottom) / 2.0),
                    (FONT, size::LABEL)
                        .into_font()
                        .color(&INK)
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                )))
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

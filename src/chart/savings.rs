//! Savings at risk: each planned saving against its expected delivery, the most at risk
//! first.

use plotters::coord::Shift;
use plotters::prelude::*;
use rust_decimal::Decimal;

use super::Draw;
use super::axis::Money;
use super::layout::{Swatch, header};
use super::palette::{GREEN, GREY, VERMILLION};
use super::rows::{Frame, Row};
use crate::format::percent;
use crate::stats::Summary;

pub(crate) struct SavingsAtRisk<'a>(pub &'a Summary);

/// Rows shown; smaller risks beyond these share one row, so every row stays readable.
const MOST: usize = 12;

impl Draw for SavingsAtRisk<'_> {
    const NAME: &'static str = "savings";

    fn title(&self) -> String {
        "Savings at risk: planned against expected delivery".into()
    }

    fn has_content(&self) -> bool {
        !self.0.savings.by_saving.is_empty()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let s = self.0;
        let f = |d: Decimal| -> f64 { d.try_into().unwrap_or(0.0) };
        let mut items: Vec<(String, Decimal, Decimal)> = s
            .savings
            .by_saving
            .iter()
            .map(|i| (i.label.clone(), i.planned, i.expected))
            .collect();
        items.sort_by_key(|i| std::cmp::Reverse(i.1 - i.2));
        if items.len() > MOST {
            let rest = items.split_off(MOST - 1);
            let planned = rest.iter().map(|i| i.1).sum();
            let expected = rest.iter().map(|i| i.2).sum();
            items.push((format!("{} other savings", rest.len()), planned, expected));
        }
        let rows: Vec<Row> = items
            .iter()
            .map(|(label, planned, expected)| Row {
                name: label.clone(),
                bars: vec![(0.0, f(*planned), GREY), (0.0, f(*expected), GREEN)],
            })
            .collect();
        let body = header(
            root,
            &self.title(),
            &[
                ("Planned".to_string(), Swatch::Box(GREY)),
                (
                    "Expected delivery (mean over simulated years)".to_string(),
                    Swatch::Box(GREEN),
                ),
            ],
        )?;
        let value = |i: usize, m: &Money| {
            let (_, planned, expected) = &items[i];
            let at_risk = *planned - *expected;
            let share = if planned.is_zero() {
                0.0
            } else {
                (at_risk / *planned).try_into().unwrap_or(0.0)
            };
            format!("{} at risk ({})", m.label(f(at_risk)), percent(share))
        };
        Frame {
            unit: &s.model.unit,
            x_desc: &|m: &Money| format!("Amount in {} in the year", m.unit()),
            value: &value,
            value_colour: VERMILLION,
            connect: false,
        }
        .draw(root, &body, &rows)
    }
}

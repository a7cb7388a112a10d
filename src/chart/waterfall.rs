//! The central case as a waterfall: from a balanced budget, through the pressures of each
//! group of lines and the savings not delivered, to the expected gap and the shortfall left
//! after mitigation.

use std::collections::BTreeMap;

use plotters::coord::Shift;
use plotters::prelude::*;
use rust_decimal::Decimal;

use super::Draw;
use super::axis::Money;
use super::layout::{Swatch, header};
use super::palette::{BLUE, GREEN, INK, VERMILLION};
use super::rows::{Frame, Row};
use crate::format::money;
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
        let f = |d: Decimal| -> f64 { d.try_into().unwrap_or(0.0) };
        let steps = steps(s);
        // Bars: a total is drawn from zero, a change from the running total.
        let mut running = 0.0;
        let mut rows = Vec::new();
        let mut colours = Vec::new();
        for st in &steps {
            let v = f(st.value);
            let bar = if st.total {
                running = v;
                (0.0, v, BLUE)
            } else {
                let colour = if v >= 0.0 { VERMILLION } else { GREEN };
                running += v;
                (running - v, running, colour)
            };
            if bar.0 != bar.1 && !colours.contains(&bar.2) {
                colours.push(bar.2);
            }
            rows.push(Row {
                name: st.label.clone(),
                bars: vec![bar],
            });
        }
        let legend: Vec<(String, Swatch)> = [
            (VERMILLION, "Adds to the gap"),
            (GREEN, "Reduces it"),
            (BLUE, "Expected gap, and shortfall after mitigation"),
        ]
        .iter()
        .filter(|(c, _)| colours.contains(c))
        .map(|(c, t)| (t.to_string(), Swatch::Box(*c)))
        .collect();
        let body = header(root, &self.title(), &legend)?;
        let value = |i: usize, m: &Money| {
            let v = f(steps[i].value);
            if steps[i].total {
                m.label(v)
            } else {
                m.change(v)
            }
        };
        Frame {
            unit: &s.model.unit,
            x_desc: &|m: &Money| format!("Amount in {}, mean over simulated years", m.unit()),
            value: &value,
            value_colour: INK,
            connect: true,
        }
        .draw(root, &body, &rows)
    }
}

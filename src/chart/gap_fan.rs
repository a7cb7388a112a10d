//! The gap year by year: a fan chart of the gap before mitigation in each year of the plan
//! (median, middle half, middle 90%), with a balanced budget marked.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::Draw;
use super::axis::Money;
use super::fan::{Column, Fan, Level};
use super::palette::INK;
use crate::stats::Summary;

pub(crate) struct GapFan<'a>(pub &'a Summary);

impl Draw for GapFan<'_> {
    const NAME: &'static str = "gap_fan";

    fn title(&self) -> String {
        match self.0.medium_term.as_ref().map(|m| &m.years[..]) {
            Some([first, .., last]) => {
                format!("The gap year by year, {} to {}", first.year, last.year)
            }
            _ => "The gap year by year".into(),
        }
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
        let y_desc = |money: &Money| format!("Gap in {} (positive = overspend)", money.unit());
        Fan {
            title: self.title(),
            note: Some("Gap before contingency and management action, in each year".into()),
            unit: &self.0.model.unit,
            columns: m
                .years
                .iter()
                .map(|y| Column::of(&y.year, &y.gap))
                .collect(),
            levels: vec![Level {
                value: 0.0,
                text: Box::new(|_| "Budget balanced (£0)".into()),
                colour: INK,
                shade_below: false,
                width: 2,
            }],
            x_desc: "Year of the plan".into(),
            y_desc: &y_desc,
            legend: Vec::new(),
        }
        .draw(root)
    }
}

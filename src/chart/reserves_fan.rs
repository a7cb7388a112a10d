//! Usable reserves year by year: a fan chart of the balance at the end of each year of the
//! plan, from the opening balance, with zero marked (below it, the year is S114-level) and
//! the policy floor when the model states one.

use plotters::coord::Shift;
use plotters::prelude::*;
use rust_decimal::Decimal;

use super::Draw;
use super::axis::Money;
use super::fan::{Column, Fan, Level};
use super::layout::Swatch;
use super::palette::{ORANGE, VERMILLION};
use crate::format::short_percent;
use crate::stats::Summary;

pub(crate) struct ReservesFan<'a>(pub &'a Summary);

fn float(d: Decimal) -> f64 {
    d.try_into().unwrap_or(0.0)
}

impl Draw for ReservesFan<'_> {
    const NAME: &'static str = "reserves_fan";

    fn title(&self) -> String {
        "Usable reserves at the end of each year".into()
    }

    fn has_content(&self) -> bool {
        self.0
            .medium_term
            .as_ref()
            .is_some_and(|m| !m.years.is_empty())
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let s = self.0;
        let Some(m) = &s.medium_term else {
            return Ok(());
        };
        let needed = s.reserves_needed.as_ref();
        let opening = needed.map_or(s.reserves.usable, |r| r.own);
        let mut columns = vec![Column::point("Opening", float(opening))];
        columns.extend(m.years.iter().map(|y| Column::of(&y.year, &y.balance)));
        let unit = s.model.unit.as_str();
        let mut levels = vec![Level {
            value: 0.0,
            text: Box::new(|_| "Below £0: reserves exhausted, the year is S114-level".into()),
            colour: VERMILLION,
            shade_below: true,
            width: 3,
        }];
        let mut legend = vec![(
            "S114-level (reserves below £0)".to_string(),
            Swatch::Box(RGBColor(250, 236, 224)),
        )];
        if let Some(floor) = needed.and_then(|r| r.floor) {
            let share = needed
                .and_then(|r| r.floor_share)
                .and_then(|x| x.try_into().ok())
                .map_or(String::new(), |x: f64| {
                    format!(" ({} of net budget)", short_percent(x))
                });
            levels.push(Level {
                value: float(floor),
                text: Box::new(move |money: &Money| {
                    format!("Policy floor {}{share}", money.label(float(floor)))
                }),
                colour: ORANGE,
                shade_below: false,
                width: 3,
            });
            legend.push(("Policy floor".to_string(), Swatch::Line(ORANGE)));
        }
        let y_desc = |money: &Money| format!("Usable reserves in {}", money.unit());
        Fan {
            title: self.title(),
            note: Some(
                "From the opening balance: planned movements, less each year's shortfall after mitigation"
                    .into(),
            ),
            unit,
            columns,
            levels,
            x_desc: "Year end".into(),
            y_desc: &y_desc,
            legend,
        }
        .draw(root)
    }
}

//! The exceedance (S-) curve: the chance the gap, and the shortfall after mitigation,
//! exceed each amount, with usable reserves and P90/P95 marked.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::palette::{BLUE, INK, SKY, VERMILLION};
use super::{Draw, FONT, axis_money, msg, nice_range, size};
use crate::report::{money, percent};
use crate::stats::Summary;

pub(crate) struct Exceedance<'a>(pub &'a Summary);

impl Draw for Exceedance<'_> {
    const NAME: &'static str = "exceedance";

    fn title(&self) -> String {
        "Chance the shortfall exceeds each amount".into()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let s = self.0;
        let unit = s.model.unit.as_str();
        let d = &s.distributions;
        let reserves: f64 = s.reserves.usable.try_into().unwrap_or(0.0);
        let lo = d
            .gap_quantiles
            .first()
            .copied()
            .unwrap_or(0.0)
            .min(d.shortfall_quantiles.first().copied().unwrap_or(0.0))
            .min(0.0);
        let hi = d
            .gap_quantiles
            .last()
            .copied()
            .unwrap_or(1.0)
            .max(reserves * 1.05);
        let (x0, x1) = nice_range(lo, hi);

        let mut chart = ChartBuilder::on(root)
            .caption(
                self.title(),
                (FONT, size::TITLE).into_font().style(FontStyle::Bold),
            )
            .margin(20)
            .margin_right(45)
            .x_label_area_size(70)
            .y_label_area_size(90)
            .build_cartesian_2d(x0..x1, 0.0..100.0)
            .map_err(msg)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(235, 235, 235))
            .x_desc(format!("Amount in {unit}"))
            .y_desc("Chance of exceeding it (%)")
            .x_label_formatter(&|v| axis_money(*v, unit))
            .y_label_formatter(&|v| format!("{v:.0}%"))
            .axis_desc_style((FONT, size::AXIS))
            .label_style((FONT, size::LABEL))
            .axis_style(INK)
            .draw()
            .map_err(msg)?;

        let curve = |q: &[f64]| -> Vec<(f64, f64)> {
            q.iter()
                .zip(&d.quantile_p)
                .map(|(&x, &p)| (x, 100.0 * (1.0 - p)))
                .collect()
        };
        chart
            .draw_series(LineSeries::new(
                curve(&d.gap_quantiles),
                ShapeStyle::from(SKY).stroke_width(4),
            ))
            .map_err(msg)?
            .label("Gap before mitigation")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], SKY.stroke_width(4)));
        chart
            .draw_series(LineSeries::new(
                curve(&d.shortfall_quantiles),
                ShapeStyle::from(BLUE).stroke_width(4),
            ))
            .map_err(msg)?
            .label("Shortfall after contingency and management action")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], BLUE.stroke_width(4)));

        // Usable reserves, and the chance of exceeding them.
        let p = 100.0 * s.s114.probability.estimate;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(reserves, 0.0), (reserves, 100.0)],
                ShapeStyle::from(VERMILLION).stroke_width(3),
            )))
            .map_err(msg)?;
        chart
            .draw_series(std::iter::once(Circle::new(
                (reserves, p),
                8,
                VERMILLION.filled(),
            )))
            .map_err(msg)?;
        // Labelled on whichever side of the line has more room, aligned towards it.
        let left = reserves - x0 > x1 - reserves;
        let (x, anchor) = if left {
            (reserves - (x1 - x0) * 0.008, HPos::Right)
        } else {
            (reserves + (x1 - x0) * 0.008, HPos::Left)
        };
        let style = (FONT, size::NOTE)
            .into_font()
            .color(&VERMILLION)
            .pos(Pos::new(anchor, VPos::Center));
        for (text, y) in [
            (
                format!("Usable reserves {}", money(s.reserves.usable, unit)),
                66.0,
            ),
            (
                format!(
                    "exceeded in {} of years",
                    percent(s.s114.probability.estimate)
                ),
                60.0,
            ),
        ] {
            chart
                .draw_series(std::iter::once(Text::new(text, (x, y), style.clone())))
                .map_err(msg)?;
        }

        // P90 and P95 of the shortfall: exceeded in 10% and 5% of years.
        for pct in [90u32, 95] {
            if let Some(q) = s.shortfall.percentiles.iter().find(|q| q.p == pct) {
                let x: f64 = q.value.try_into().unwrap_or(0.0);
                let y = f64::from(100 - pct);
                chart
                    .draw_series(std::iter::once(Circle::new((x, y), 7, BLUE.filled())))
                    .map_err(msg)?;
                chart
                    .draw_series(std::iter::once(Text::new(
                        format!("P{pct} {}", money(q.value, unit)),
                        (x + (x1 - x0) * 0.008, y + if pct == 90 { 9.0 } else { 5.0 }),
                        (FONT, size::NOTE).into_font().color(&INK),
                    )))
                    .map_err(msg)?;
            }
        }

        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(180, 180, 180))
            .label_font((FONT, size::LABEL))
            .draw()
            .map_err(msg)?;
        Ok(())
    }
}

//! How big could the gap be: histograms of the gap and the shortfall, with the budget and
//! usable-reserves lines and the S114-level area shaded.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::palette::{BLUE, INK, SKY, VERMILLION};
use super::{Draw, FONT, axis_money, msg, nice_range, size};
use crate::report::percent;
use crate::stats::Summary;

pub(crate) struct Distribution<'a>(pub &'a Summary);

impl Draw for Distribution<'_> {
    const NAME: &'static str = "distribution";

    fn title(&self) -> String {
        format!("How big could the {} gap be?", self.0.model.year)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let s = self.0;
        let unit = s.model.unit.as_str();
        let d = &s.distributions;
        let n = s.run.iterations.max(1) as f64;
        let reserves: f64 = s.reserves.usable.try_into().unwrap_or(0.0);
        let bins = d.gap_counts.len();
        let edge = |k: usize| d.bin_start + k as f64 * d.bin_width;
        let (x0, x1) = nice_range(edge(0).min(0.0), edge(bins).max(reserves + d.bin_width));
        let share = |c: u64| 100.0 * c as f64 / n;
        // The bar at zero (years fully covered by mitigation) would dwarf the rest; the
        // y-axis is scaled to the other bars and that bar is labelled with its value.
        let zero_bin = ((0.0 - d.bin_start) / d.bin_width).floor();
        let tallest = d
            .gap_counts
            .iter()
            .chain(
                d.shortfall_counts
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| *k as f64 != zero_bin)
                    .map(|(_, c)| c),
            )
            .map(|&c| share(c))
            .fold(0.0, f64::max);
        let y1 = (tallest * 1.25).max(0.1);

        let mut chart = ChartBuilder::on(root)
            .caption(
                self.title(),
                (FONT, size::TITLE).into_font().style(FontStyle::Bold),
            )
            .margin(20)
            .margin_right(45)
            .x_label_area_size(70)
            .y_label_area_size(90)
            .build_cartesian_2d(x0..x1, 0.0..y1)
            .map_err(msg)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(235, 235, 235))
            .x_desc(format!("Gap in {unit} (positive = overspend)"))
            .y_desc("Share of simulated years (%)")
            .x_label_formatter(&|v| axis_money(*v, unit))
            .y_label_formatter(&|v| format!("{v:.1}%"))
            .axis_desc_style((FONT, size::AXIS))
            .label_style((FONT, size::LABEL))
            .axis_style(INK)
            .draw()
            .map_err(msg)?;

        chart
            .draw_series(d.gap_counts.iter().enumerate().map(|(k, &c)| {
                Rectangle::new(
                    [(edge(k), 0.0), (edge(k + 1), share(c).min(y1))],
                    SKY.mix(0.55).filled(),
                )
            }))
            .map_err(msg)?
            .label("Gap before mitigation")
            .legend(|(x, y)| Rectangle::new([(x, y - 8), (x + 20, y + 8)], SKY.mix(0.55).filled()));
        chart
            .draw_series(d.shortfall_counts.iter().enumerate().map(|(k, &c)| {
                let colour = if edge(k) >= reserves {
                    VERMILLION
                } else {
                    BLUE
                };
                Rectangle::new(
                    [(edge(k), 0.0), (edge(k + 1), share(c).min(y1))],
                    colour.mix(0.85).filled(),
                )
            }))
            .map_err(msg)?
            .label("Shortfall after contingency and management action")
            .legend(|(x, y)| {
                Rectangle::new([(x, y - 8), (x + 20, y + 8)], BLUE.mix(0.85).filled())
            });
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(0.0, 0.0), (0.0, 0.0)],
                VERMILLION.mix(0.85).filled(),
            )))
            .map_err(msg)?
            .label(format!(
                "Shortfall beyond usable reserves (S114-level): {} of years",
                percent(s.s114.probability.estimate)
            ))
            .legend(|(x, y)| {
                Rectangle::new([(x, y - 8), (x + 20, y + 8)], VERMILLION.mix(0.85).filled())
            });

        // The truncated bar at zero, labelled with its height.
        if zero_bin >= 0.0 && (zero_bin as usize) < bins {
            let k = zero_bin as usize;
            let h = share(d.shortfall_counts[k]);
            if h > y1 {
                chart
                    .draw_series(std::iter::once(Text::new(
                        format!("{h:.0}% of years fully mitigated ↑"),
                        (edge(k + 1) + d.bin_width * 0.5, y1 * 0.97),
                        (FONT, size::NOTE).into_font().color(&INK),
                    )))
                    .map_err(msg)?;
            }
        }

        // Budget (zero) and usable-reserves lines, labelled just to their right.
        let pad = (x1 - x0) * 0.006;
        let dashed = |colour: RGBColor| ShapeStyle::from(colour).stroke_width(3);
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, 0.0), (0.0, y1)],
                dashed(INK),
            )))
            .map_err(msg)?;
        chart
            .draw_series(std::iter::once(Text::new(
                "Budget balanced",
                (pad, y1 * 0.88),
                (FONT, size::NOTE).into_font().color(&INK),
            )))
            .map_err(msg)?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(reserves, 0.0), (reserves, y1)],
                dashed(VERMILLION),
            )))
            .map_err(msg)?;
        chart
            .draw_series(std::iter::once(Text::new(
                format!(
                    "Usable reserves {}",
                    crate::report::money(s.reserves.usable, unit)
                ),
                (reserves + pad, y1 * 0.62),
                (FONT, size::NOTE).into_font().color(&VERMILLION),
            )))
            .map_err(msg)?;

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

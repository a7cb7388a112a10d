//! The exceedance (S-) curve: the chance that the gap, and the shortfall after mitigation,
//! exceed each amount, with usable reserves and the shortfall's P90 and P95 marked.

use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use rust_decimal::Decimal;

use super::axis::{ReservesAt, amount_range, money_axis, percent_axis};
use super::layout::{
    Label, Placer, Rect, Swatch, around_point, beside_line, header, leader, off_scale_note,
};
use super::palette::{BLUE, INK, SKY, VERMILLION};
use super::text::text_width;
use super::{Draw, FONT, msg, size};
use crate::format::percent;
use crate::stats::Summary;

pub(crate) struct Exceedance<'a>(pub &'a Summary);

const MARGIN: i32 = 20;
const Y_AREA: i32 = 100;
const X_AREA: i32 = 75;

impl Draw for Exceedance<'_> {
    const NAME: &'static str = "exceedance";

    fn title(&self) -> String {
        "Chance the gap and the shortfall exceed each amount".into()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let s = self.0;
        let unit = s.model.unit.as_str();
        let d = &s.distributions;
        let float = |v: Decimal| -> f64 { v.try_into().unwrap_or(0.0) };
        let reserves = float(s.reserves.usable);
        let first = |q: &[f64]| q.first().copied().unwrap_or(0.0);
        let last = |q: &[f64]| q.last().copied().unwrap_or(0.0);
        let lo = first(&d.gap_quantiles).min(first(&d.shortfall_quantiles));
        let hi = last(&d.gap_quantiles).max(last(&d.shortfall_quantiles));
        let (lo, hi, reserves_at) = amount_range(lo, hi, reserves, unit);

        // Without mitigation the two curves are one; say so rather than hide one.
        let same = d.gap_quantiles == d.shortfall_quantiles;
        let legend = if same {
            vec![(
                "Gap, and shortfall after mitigation: the same (no mitigation used)".to_string(),
                Swatch::Line(BLUE),
            )]
        } else {
            vec![
                ("Gap before mitigation".to_string(), Swatch::Line(SKY)),
                (
                    "Shortfall after contingency and management action".to_string(),
                    Swatch::Line(BLUE),
                ),
            ]
        };
        let body = header(root, &self.title(), &legend)?;
        let (bw, bh) = body.dim_in_pixel();
        let (bw, bh) = (bw as i32, bh as i32);
        let mut right = 40;
        let (mut xt, mut money) =
            money_axis(lo, hi, unit, bw - MARGIN - Y_AREA - right, size::LABEL);
        let need = text_width(&money.tick(xt.hi), size::LABEL) / 2 + 10;
        if need > right {
            right = need;
            (xt, money) = money_axis(lo, hi, unit, bw - MARGIN - Y_AREA - right, size::LABEL);
        }
        let (yt, _) = percent_axis(0.0, 100.0, bh - MARGIN - X_AREA, size::LABEL);
        let y_decimals = super::axis::decimals_for(yt.step);

        let mut chart = ChartBuilder::on(&body)
            .margin(MARGIN)
            .margin_top(10)
            .margin_right(right)
            .x_label_area_size(X_AREA)
            .y_label_area_size(Y_AREA)
            .build_cartesian_2d(xt.clone(), yt.clone())
            .map_err(msg)?;
        chart
            .configure_mesh()
            .x_labels(xt.ticks.len())
            .y_labels(yt.ticks.len())
            .bold_line_style(RGBColor(232, 232, 232))
            .x_desc(format!(
                "Amount in {} (gap or shortfall; positive = overspend)",
                money.unit()
            ))
            .y_desc("Chance of exceeding it (%)")
            .x_label_formatter(&|v| money.tick(*v))
            .y_label_formatter(&|v| format!("{v:.y_decimals$}%"))
            .axis_desc_style((FONT, size::AXIS))
            .label_style((FONT, size::LABEL))
            .axis_style(INK)
            .draw()
            .map_err(msg)?;

        let (px, py) = chart.plotting_area().get_pixel_range();
        let mut placer = Placer::new(Rect::new((px.start, py.start), (px.end, py.end)));
        let coords = chart.as_coord_spec().clone();
        let at = move |x: f64, y: f64| coords.translate(&(x, y));

        let curve = |q: &[f64]| -> Vec<(f64, f64)> {
            q.iter()
                .zip(&d.quantile_p)
                .map(|(&x, &p)| (x.clamp(xt.lo, xt.hi), 100.0 * (1.0 - p)))
                .collect()
        };
        let curves = if same {
            vec![(&d.shortfall_quantiles, BLUE)]
        } else {
            vec![(&d.gap_quantiles, SKY), (&d.shortfall_quantiles, BLUE)]
        };
        for (q, colour) in curves {
            let points = curve(q);
            let pixels: Vec<(i32, i32)> = points.iter().map(|&(x, y)| at(x, y)).collect();
            placer.block_path(&pixels, 4);
            chart
                .draw_series(LineSeries::new(points, colour.stroke_width(4)))
                .map_err(msg)?;
        }

        // Usable reserves, and the chance the shortfall exceeds them.
        let p = 100.0 * s.s114.probability.estimate;
        let reserves_text = format!("Usable reserves {}", money.label(reserves));
        let exceeded = format!(
            "shortfall exceeds them in {} of years",
            percent(s.s114.probability.estimate)
        );
        if reserves_at == ReservesAt::OnScale {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(reserves, 0.0), (reserves, 100.0)],
                    VERMILLION.stroke_width(3),
                )))
                .map_err(msg)?;
            placer.block_path(&[at(reserves, 0.0), at(reserves, 100.0)], 3);
            chart
                .draw_series(std::iter::once(Circle::new(
                    (reserves, p),
                    8,
                    VERMILLION.filled(),
                )))
                .map_err(msg)?;
            let (x, y) = at(reserves, p);
            placer.block(Rect::new((x - 9, y - 9), (x + 9, y + 9)));
        }

        // P90 and P95 of the shortfall: exceeded in 10% and 5% of years.
        let mut markers = Vec::new();
        for pct in [90u32, 95] {
            if let Some(q) = s.shortfall.percentiles.iter().find(|q| q.p == pct) {
                let x = float(q.value);
                if x < xt.lo || x > xt.hi {
                    continue;
                }
                let y = f64::from(100 - pct);
                chart
                    .draw_series(std::iter::once(Circle::new((x, y), 7, BLUE.filled())))
                    .map_err(msg)?;
                let (cx, cy) = at(x, y);
                placer.block(Rect::new((cx - 8, cy - 8), (cx + 8, cy + 8)));
                markers.push((format!("Shortfall P{pct} {}", money.label(x)), (cx, cy)));
            }
        }
        let mut labels = Vec::new();
        for (text, point) in markers {
            let label = Label::line(text, size::NOTE, INK);
            let r = placer.place(&around_point(&label, point));
            leader(root, point, &r)?;
            labels.push((label, r, false));
        }

        let (top, bottom) = (py.start + 6, py.end - 6);
        match reserves_at {
            ReservesAt::OnScale => {
                let (rx, _) = at(reserves, 0.0);
                let chance = percent(s.s114.probability.estimate);
                let options = [
                    vec![reserves_text.clone(), exceeded.clone()],
                    vec![
                        reserves_text.clone(),
                        "shortfall exceeds them".to_string(),
                        format!("in {chance} of years"),
                    ],
                    vec![
                        "Usable reserves".to_string(),
                        money.label(reserves),
                        "exceeded in".to_string(),
                        format!("{chance} of years"),
                    ],
                ]
                .into_iter()
                .map(|lines| {
                    let label = Label::new(lines, size::NOTE, VERMILLION);
                    let c = beside_line(&label, rx, top, bottom, true);
                    (label, c)
                })
                .collect();
                let (label, r) = placer.place_any(options);
                labels.push((label, r, false));
            }
            side => labels.push(off_scale_note(
                &mut placer,
                &reserves_text,
                &exceeded,
                side == ReservesAt::OffRight,
                top,
                bottom,
            )),
        }
        for (label, r, right_aligned) in &labels {
            label.draw(root, *r, *right_aligned)?;
        }
        Ok(())
    }
}

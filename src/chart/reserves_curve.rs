//! The risk-based reserves curve: the chance of staying clear of an S114-level year over
//! the period against the opening usable reserves, with the levels needed at 80, 90, 95 and
//! 99% confidence on it (the 95% level labelled with its interval), the council's own
//! reserves and the policy floor marked.

use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use rust_decimal::Decimal;

use super::axis::{ReservesAt, amount_range, money_axis_fitted, percent_axis};
use super::layout::{
    CAPTION_ROW, Caption, Label, Placer, Rect, Swatch, around_point, header_with_note,
    lay_captions, leader, off_scale_note,
};
use super::palette::{BLUE, INK, ORANGE, VERMILLION};
use super::{Draw, FONT, msg, size};
use crate::format::{money_up, over_period as over, percent, short_percent};
use crate::stats::{ReservesNeeded, Summary};

pub(crate) struct ReservesCurve<'a>(pub &'a Summary);

const MARGIN: i32 = 20;
const Y_AREA: i32 = 100;
const X_AREA: i32 = 75;

fn float(d: Decimal) -> f64 {
    d.try_into().unwrap_or(0.0)
}

/// `text` with its first letter a capital.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

impl ReservesCurve<'_> {
    fn needed(&self) -> Option<&ReservesNeeded> {
        self.0
            .reserves_needed
            .as_ref()
            .filter(|r| !r.curve.is_empty())
    }

    /// The chance of an S114-level year over the period with the council's own reserves:
    /// the run's own figure, for the horizon or for its one year.
    fn own_breach(&self) -> f64 {
        let s = self.0;
        s.medium_term
            .as_ref()
            .map_or(s.s114.probability.estimate, |m| m.s114_any_year.estimate)
    }
}

impl Draw for ReservesCurve<'_> {
    const NAME: &'static str = "reserves_curve";

    fn title(&self) -> String {
        "Opening reserves and the chance of no S114-level year".into()
    }

    fn has_content(&self) -> bool {
        self.needed().is_some()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let s = self.0;
        let Some(r) = self.needed() else {
            return Ok(());
        };
        let unit = s.model.unit.as_str();
        let own = float(r.own);
        let floor = r.floor.map(float);
        let curve: Vec<(f64, f64)> = r
            .curve
            .iter()
            .map(|c| (float(c.reserves), 100.0 * c.p_clear.clamp(0.0, 1.0)))
            .collect();
        let hi = curve
            .iter()
            .map(|c| c.0)
            .chain(r.levels.iter().map(|l| float(l.ci95_high)))
            .chain(floor)
            .fold(0.0_f64, f64::max);
        let lo = curve.iter().map(|c| c.0).fold(0.0_f64, f64::min);
        let (lo, hi, own_at) = amount_range(lo, hi, own, unit);
        let on_scale = own_at == ReservesAt::OnScale;

        let mut legend = vec![
            (
                "Chance of no S114-level year with these opening reserves".to_string(),
                Swatch::Line(BLUE),
            ),
            ("Usable reserves held".to_string(), Swatch::Line(VERMILLION)),
        ];
        if floor.is_some() {
            legend.push(("Policy floor".to_string(), Swatch::Line(ORANGE)));
        }
        let note = format!(
            "{}: the reserves needed at each confidence, with their 95% intervals",
            capitalised(&over(&r.period))
        );
        let body = header_with_note(root, &self.title(), Some(&note), &legend)?;
        let (bw, bh) = body.dim_in_pixel();
        let (bw, bh) = (bw as i32, bh as i32);
        let (base_x, _) = body.get_base_pixel();

        let (xt, money, right) = money_axis_fitted(lo, hi, unit, bw - MARGIN - Y_AREA, size::LABEL);
        let plot_w = bw - MARGIN - Y_AREA - right;
        let x_px = |v: f64| {
            base_x
                + MARGIN
                + Y_AREA
                + ((v - xt.lo) / (xt.hi - xt.lo) * f64::from(plot_w)).round() as i32
        };

        // Captions above the plot for the vertical lines: the reserves held, the floor.
        let share =
            |x: Option<f64>| x.map_or(String::new(), |x| format!(" ({})", crate::format::share(x)));
        let mut captions = Vec::new();
        if on_scale {
            captions.push(Caption {
                text: format!(
                    "Usable reserves held {}{}",
                    money.label(own),
                    share(r.own_share_of_net_budget)
                ),
                colour: VERMILLION,
                x: x_px(own),
            });
        }
        if let Some(f) = floor.filter(|f| *f >= xt.lo && *f <= xt.hi) {
            let of = r
                .floor_share
                .and_then(|x| x.try_into().ok())
                .map_or(String::new(), |x: f64| format!(" ({})", short_percent(x)));
            captions.push(Caption {
                text: format!("Policy floor {}{of}", money.label(f)),
                colour: ORANGE,
                x: x_px(f),
            });
        }
        let (boxes, rows) = lay_captions(&captions, base_x + 10, base_x + bw - 10);
        let top_margin = 8 + CAPTION_ROW * rows as i32;
        let plot_h = bh - top_margin - MARGIN - X_AREA;
        let (mut yt, decimals) = percent_axis(0.0, 104.0, plot_h, size::LABEL);
        yt.ticks.retain(|&t| t <= 100.0 + 1e-9);

        let mut chart = ChartBuilder::on(&body)
            .margin(MARGIN)
            .margin_top(top_margin)
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
            .x_desc(format!("Opening usable reserves in {}", money.unit()))
            .y_desc("Chance of no S114-level year (%)")
            .x_label_formatter(&|v| money.tick(*v))
            .y_label_formatter(&|v| format!("{v:.decimals$}%"))
            .axis_desc_style((FONT, size::AXIS))
            .label_style((FONT, size::LABEL))
            .axis_style(INK)
            .draw()
            .map_err(msg)?;

        let (px, py) = chart.plotting_area().get_pixel_range();
        let mut placer = Placer::new(Rect::new((px.start, py.start), (px.end, py.end)));
        let coords = chart.as_coord_spec().clone();
        let at = move |x: f64, y: f64| coords.translate(&(x, y));
        let clip = |x: f64| x.clamp(xt.lo, xt.hi);

        // The vertical lines, reaching up to their captions.
        let mut verticals = Vec::new();
        if on_scale {
            verticals.push((own, VERMILLION));
        }
        if let Some(f) = floor.filter(|f| *f >= xt.lo && *f <= xt.hi) {
            verticals.push((f, ORANGE));
        }
        for &(x, colour) in &verticals {
            let (xp, _) = at(x, 0.0);
            root.draw(&PathElement::new(
                vec![(xp, py.start - 4), (xp, py.end)],
                colour.stroke_width(3),
            ))
            .map_err(msg)?;
            placer.block_path(&[(xp, py.start), (xp, py.end)], 3);
        }
        for (c, (b, right_aligned)) in captions.iter().zip(&boxes) {
            let b = Rect {
                x0: b.x0,
                x1: b.x1,
                y0: py.start + b.y0,
                y1: py.start + b.y1,
            };
            Label::line(c.text.clone(), size::NOTE, c.colour).draw(root, b, *right_aligned)?;
        }

        // The curve.
        let points: Vec<(f64, f64)> = curve.iter().map(|&(x, y)| (clip(x), y)).collect();
        let pixels: Vec<(i32, i32)> = points.iter().map(|&(x, y)| at(x, y)).collect();
        placer.block_path(&pixels, 4);
        chart
            .draw_series(std::iter::once(PathElement::new(
                points,
                BLUE.stroke_width(4),
            )))
            .map_err(msg)?;

        // Each level: a point on the curve and its interval across it.
        let mut marks = Vec::new();
        for l in &r.levels {
            let (x, y) = (float(l.amount), f64::from(l.confidence));
            let (a, b) = (clip(float(l.ci95_low)), clip(float(l.ci95_high)));
            chart
                .draw_series([
                    PathElement::new(vec![(a, y), (b, y)], INK.stroke_width(2)),
                    PathElement::new(vec![(a, y - 1.0), (a, y + 1.0)], INK.stroke_width(2)),
                    PathElement::new(vec![(b, y - 1.0), (b, y + 1.0)], INK.stroke_width(2)),
                ])
                .map_err(msg)?;
            chart
                .draw_series(std::iter::once(Circle::new((clip(x), y), 6, BLUE.filled())))
                .map_err(msg)?;
            let (cx, cy) = at(clip(x), y);
            placer.block(Rect::new(at(a, y - 1.0), at(b, y + 1.0)));
            placer.block(Rect::new((cx - 7, cy - 7), (cx + 7, cy + 7)));
            // Rounded up, as the report states them: reserves that must cover an amount.
            let up = |d: Decimal| money_up(d, unit);
            let lines = if l.confidence == 95 {
                vec![
                    format!("95% confidence: {}", up(l.amount)),
                    format!("(interval {} to {})", up(l.ci95_low), up(l.ci95_high)),
                ]
            } else {
                vec![format!("{}%: {}", l.confidence, up(l.amount))]
            };
            marks.push((Label::new(lines, size::NOTE, INK), (cx, cy)));
        }
        // The council's own reserves on the curve, at the run's own chance.
        let mut labels = Vec::new();
        if on_scale {
            let y = 100.0 * (1.0 - self.own_breach());
            chart
                .draw_series(std::iter::once(Circle::new(
                    (own, y),
                    8,
                    VERMILLION.filled(),
                )))
                .map_err(msg)?;
            let (cx, cy) = at(own, y);
            placer.block(Rect::new((cx - 9, cy - 9), (cx + 9, cy + 9)));
            let label = Label::line(
                format!(
                    "{} with the reserves held",
                    percent(1.0 - self.own_breach())
                ),
                size::NOTE,
                VERMILLION,
            );
            let rect = placer.place(&around_point(&label, (cx, cy)));
            leader(root, (cx, cy), &rect)?;
            labels.push((label, rect, false));
        } else {
            labels.push(off_scale_note(
                &mut placer,
                &format!("Usable reserves held {}", money.label(own)),
                &format!(
                    "{} chance of no S114-level year",
                    percent(1.0 - self.own_breach())
                ),
                own_at == ReservesAt::OffRight,
                py.start + 6,
                py.end - 6,
            ));
        }
        // The 95% level first, so that it gets the nearest place.
        marks.sort_by_key(|(l, _)| l.lines.len() == 1);
        for (label, point) in marks {
            let rect = placer.place(&around_point(&label, point));
            leader(root, point, &rect)?;
            labels.push((label, rect, false));
        }
        for (label, rect, right_aligned) in &labels {
            label.draw(root, *rect, *right_aligned)?;
        }
        Ok(())
    }
}

//! Each alternative's paired difference from the base, as a dot on its 95% interval: one
//! panel per figure (the chance of an S114-level shortfall, in percentage points; the
//! mean gap and the reserves needed at 95%, in money), one row per alternative, zero
//! marked.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};

use plotters::coord::types::RangedCoordf64;

use super::axis::{Ticked, money_axis};
use super::compare_distributions::COLOURS;
use super::layout::{draw_text, header};
use super::palette::INK;
use super::text::{fit, text_width};
use super::{Draw, FONT, msg, size};
use crate::format::{amount, signed_money};
use crate::stats::Comparison;
use crate::stats::compare_types::Differences;

pub(crate) struct CompareDifferences<'a>(pub &'a Comparison);

/// One alternative in one panel: (difference, low, high) in the panel's unit, and its
/// text.
type Point = (f64, f64, f64, String);

/// One panel: its title, whether it is money, and a point per alternative.
struct Panel {
    title: String,
    money: bool,
    points: Vec<Point>,
}

fn float(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// Points to one decimal, signed, zero unsigned.
fn points_text(x: f64) -> String {
    let text = amount(Decimal::from_f64(x).unwrap_or_default(), 1);
    if text.starts_with('-') || text.chars().all(|c| !c.is_ascii_digit() || c == '0') {
        text
    } else {
        format!("+{text}")
    }
}

fn signed(d: Decimal, unit: &str) -> String {
    if d.is_zero() {
        crate::format::money(d, unit)
    } else {
        signed_money(d, unit)
    }
}

fn panels(c: &Comparison) -> Vec<Panel> {
    let unit = c.run.unit.as_str();
    let s114 = |d: &Differences| {
        let p = &d.p_s114;
        let (lo, hi) = (
            p.ci95_low.unwrap_or(p.difference),
            p.ci95_high.unwrap_or(p.difference),
        );
        let text = format!("{} points", points_text(100.0 * p.difference));
        Some((100.0 * p.difference, 100.0 * lo, 100.0 * hi, text))
    };
    let money_point = |figure: &'static str| {
        move |d: &Differences| {
            let m = d.money(figure)?;
            let (lo, hi) = (
                m.ci95_low.unwrap_or(m.difference),
                m.ci95_high.unwrap_or(m.difference),
            );
            Some((
                float(m.difference),
                float(lo),
                float(hi),
                signed(m.difference, unit),
            ))
        }
    };
    let panel = |title: &str, money: bool, f: &dyn Fn(&Differences) -> Option<Point>| Panel {
        title: title.into(),
        money,
        points: c.differences.iter().filter_map(f).collect(),
    };
    let chance = if c.run.years.len() > 1 {
        "Chance of an S114-level year over the plan (points)"
    } else {
        "Chance of an S114-level shortfall (percentage points)"
    };
    let mut out = vec![
        panel(chance, false, &s114),
        panel("Mean gap", true, &money_point("mean_gap")),
        panel(
            "Reserves needed for 95% confidence",
            true,
            &money_point("reserves_needed_95"),
        ),
    ];
    out.retain(|p| p.points.len() == c.differences.len() && !p.points.is_empty());
    out
}

/// The x-range of a panel: its intervals and zero, with a little room.
fn range(points: &[Point], money: bool) -> (f64, f64) {
    let lo = points.iter().map(|p| p.1).fold(0.0, f64::min);
    let hi = points.iter().map(|p| p.2).fold(0.0, f64::max);
    let span = hi - lo;
    if span <= 0.0 {
        let half = if money { 1.0 } else { 0.5 };
        return (-half, half);
    }
    (lo - 0.12 * span, hi + 0.12 * span)
}

const LEFT_PAD: i32 = 20;

impl Draw for CompareDifferences<'_> {
    const NAME: &'static str = super::COMPARE_DIFFERENCES;

    fn title(&self) -> String {
        "What each alternative changes, with its 95% interval".into()
    }

    fn has_content(&self) -> bool {
        !panels(self.0).is_empty()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let c = self.0;
        let unit = c.run.unit.as_str();
        let labels: Vec<String> = c
            .differences
            .iter()
            .map(|d| fit(&d.label, size::LABEL, 300))
            .collect();
        let legend = vec![(
            format!(
                "Against {} (base); paired on common random numbers",
                c.models[0].label
            ),
            super::layout::Swatch::Line(INK),
        )];
        let body = header(root, &self.title(), &legend)?;
        let label_w = labels
            .iter()
            .map(|l| text_width(l, size::LABEL))
            .max()
            .unwrap_or(0)
            + 30;
        let all = panels(c);
        let strips = body.split_evenly((all.len(), 1));
        for (panel, strip) in all.iter().zip(&strips) {
            draw_panel(panel, strip, &labels, label_w, unit)?;
        }
        Ok(())
    }
}

fn draw_panel<DB: DrawingBackend>(
    panel: &Panel,
    strip: &DrawingArea<DB, Shift>,
    labels: &[String],
    label_w: i32,
    unit: &str,
) -> Result<(), String> {
    let (w, _) = strip.dim_in_pixel();
    let (lo, hi) = range(&panel.points, panel.money);
    let plot_w = w as i32 - label_w - 2 * LEFT_PAD;
    let (xt, money) = if panel.money {
        let (t, m) = money_axis(lo, hi, unit, plot_w, size::LABEL);
        (t, Some(m))
    } else {
        let (t, _) = super::axis::percent_axis(lo, hi, plot_w / 3, size::LABEL);
        (t, None)
    };
    let n = panel.points.len();
    let decimals = super::axis::decimals_for(xt.step);
    let mut chart = ChartBuilder::on(strip)
        .caption(&panel.title, (FONT, size::AXIS))
        .margin(LEFT_PAD / 2)
        .margin_right(LEFT_PAD * 2)
        .x_label_area_size(40)
        .y_label_area_size(label_w)
        .build_cartesian_2d(xt.clone(), -0.5..(n as f64 - 0.5))
        .map_err(msg)?;
    let tick = |v: &f64| match &money {
        Some(m) => m.tick(*v),
        None => format!("{v:.decimals$}"),
    };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_labels(xt.ticks.len())
        .y_labels(0)
        .bold_line_style(RGBColor(232, 232, 232))
        .x_label_formatter(&tick)
        .label_style((FONT, size::LABEL))
        .axis_style(INK)
        .draw()
        .map_err(msg)?;
    let (px, _) = chart.plotting_area().get_pixel_range();
    // Zero: no difference.
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(0.0, -0.5), (0.0, n as f64 - 0.5)],
            INK.stroke_width(2),
        )))
        .map_err(msg)?;
    for (k, point) in panel.points.iter().enumerate() {
        let row = (n - 1 - k) as f64;
        draw_point(
            &mut chart,
            strip,
            (row, COLOURS[(k + 1) % COLOURS.len()]),
            point,
            &labels[k],
            px.end,
        )?;
    }
    Ok(())
}

/// One alternative's dot on its interval in row `y` of a panel, its difference written
/// beside it (right of the interval where it fits before `right_edge`, else left), and
/// its label in the name column.
fn draw_point<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<Ticked, RangedCoordf64>>,
    strip: &DrawingArea<DB, Shift>,
    (y, colour): (f64, RGBColor),
    (d, l, h, text): &Point,
    label: &str,
    right_edge: i32,
) -> Result<(), String> {
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(*l, y), (*h, y)],
            colour.stroke_width(4),
        )))
        .map_err(msg)?;
    chart
        .draw_series(std::iter::once(Circle::new((*d, y), 8, colour.filled())))
        .map_err(msg)?;
    let (xd, yd) = chart.backend_coord(&(*h, y));
    let (base_x, base_y) = strip.get_base_pixel();
    let room_right = right_edge - xd;
    let shown = text.clone();
    if room_right > text_width(&shown, size::LABEL) + 12 {
        draw_text(
            strip,
            &shown,
            (xd + 12 - base_x, yd - base_y - 18),
            size::LABEL,
            INK,
            HPos::Left,
        )?;
    } else {
        let (xl, _) = chart.backend_coord(&(*l, y));
        draw_text(
            strip,
            &shown,
            (xl - 12 - base_x, yd - base_y - 18),
            size::LABEL,
            INK,
            HPos::Right,
        )?;
    }
    draw_text(
        strip,
        label,
        (LEFT_PAD, yd - base_y),
        size::LABEL,
        INK,
        HPos::Left,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::stats::compare::{Compared, compare};
    use crate::stats::fixture;

    #[test]
    fn a_comparison_draws_both_charts_without_nan() {
        let (_, s) = fixture::kent_as_run();
        let (base, other) = (
            Compared {
                label: "base.toml",
                summary: s,
                batches: &[],
            },
            Compared {
                label: "other.toml",
                summary: s,
                batches: &[],
            },
        );
        let c = compare(&base, &[other]).unwrap();
        let charts = super::super::render_comparison(&c, &[s, s]).unwrap();
        let names: Vec<&str> = charts.iter().map(|c| c.name).collect();
        assert_eq!(names, ["compare-distributions", "compare-differences"]);
        for ch in &charts {
            assert!(!ch.svg.contains("NaN"), "{}", ch.name);
            assert!(ch.svg.contains("other.toml"), "{}", ch.name);
        }
        let diff = &charts[1].svg;
        assert!(
            diff.contains("0.0 points") && diff.contains("£0.0m"),
            "{diff}"
        );
    }
}

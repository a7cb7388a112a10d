//! The compared models' gaps before mitigation, overlaid: one outline per model, in its
//! own colour, on common bands aligned to zero, with the balanced budget and usable
//! reserves marked.
//!
//! Each model's share of years in a band is read from its summary's fine quantile grid
//! (P0.1 … P99.9, with the minimum and maximum as ends), interpolated linearly, so that
//! models whose own histograms have different bins are drawn on the same bands.

use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use rust_decimal::Decimal;

use super::axis::{Money, Ticked, amount_range, money_axis_fitted, percent_axis};
use super::layout::{CAPTION_ROW, Caption, Label, Swatch, header, lay_captions};
use super::palette::{BLUE, GREEN, INK, ORANGE, PURPLE, SKY, VERMILLION};
use super::{Draw, FONT, msg, size};
use crate::stats::{Comparison, Summary};

/// The models' colours, in order (the base first), cycling beyond six.
pub(crate) const COLOURS: [RGBColor; 6] = [BLUE, ORANGE, GREEN, PURPLE, SKY, VERMILLION];

pub(crate) struct CompareDistributions<'a> {
    pub(crate) comparison: &'a Comparison,
    pub(crate) summaries: &'a [&'a Summary],
}

fn float(d: Decimal) -> f64 {
    d.try_into().unwrap_or(0.0)
}

/// A model's shortfall after mitigation (what reserves must meet, so what the reserves
/// line is read against) as (value, share of years at or below it) points, increasing.
fn points(s: &Summary) -> Vec<(f64, f64)> {
    let d = &s.distributions;
    let mut out = vec![(float(s.shortfall.min), 0.0)];
    out.extend(
        d.shortfall_quantiles
            .iter()
            .zip(&d.quantile_p)
            .map(|(&q, &p)| (q, p)),
    );
    out.push((float(s.shortfall.max), 1.0));
    let mut highest = f64::NEG_INFINITY;
    for p in &mut out {
        highest = highest.max(p.0);
        p.0 = highest;
    }
    out
}

/// The share of years at or below `x`, interpolated between the points.
fn below(points: &[(f64, f64)], x: f64) -> f64 {
    let k = points.partition_point(|&(q, _)| q <= x);
    if k == 0 {
        return 0.0;
    }
    if k == points.len() {
        return 1.0;
    }
    let ((qa, pa), (qb, pb)) = (points[k - 1], points[k]);
    if qb > qa {
        pa + (pb - pa) * (x - qa) / (qb - qa)
    } else {
        pb
    }
}

/// A band width of 1, 2 or 5 times a power of ten giving about 40 bands over `span`.
fn band_width(span: f64) -> f64 {
    let target = (span / 40.0).max(f64::MIN_POSITIVE);
    let mag = 10f64.powf(target.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|&w| w >= target)
        .unwrap_or(target)
}

const MARGIN: i32 = 20;
const Y_AREA: i32 = 100;
const X_AREA: i32 = 75;

/// The common bands over every model's gap and each model's share of years in them (%).
struct Bands {
    lo: f64,
    hi: f64,
    band: f64,
    bands: Vec<(f64, f64)>,
    shares: Vec<Vec<f64>>,
}

impl CompareDistributions<'_> {
    /// The bands, aligned to zero, over P0.1 … P99.9 of every model, zero and `reserves`.
    fn bands(&self, reserves: f64) -> Bands {
        let unit = self.comparison.run.unit.as_str();
        let all: Vec<Vec<(f64, f64)>> = self.summaries.iter().map(|s| points(s)).collect();
        let extent = |f: fn(&[(f64, f64)]) -> f64, pick: fn(f64, f64) -> f64, start: f64| {
            all.iter().map(|p| f(p)).fold(start, pick)
        };
        let data_lo = extent(|p| p[1.min(p.len() - 1)].0, f64::min, f64::INFINITY);
        let data_hi = extent(
            |p| p[p.len().saturating_sub(2)].0,
            f64::max,
            f64::NEG_INFINITY,
        );
        let (lo, hi, _) = amount_range(data_lo, data_hi, reserves, unit);
        let band = band_width(hi - lo);
        let first = (lo / band).floor() as i64;
        let last = (hi / band).ceil() as i64;
        let bands: Vec<(f64, f64)> = (first..last)
            .map(|k| (k as f64 * band, (k + 1) as f64 * band))
            .collect();
        let shares: Vec<Vec<f64>> = all
            .iter()
            .map(|p| {
                bands
                    .iter()
                    .map(|&(a, b)| 100.0 * (below(p, b) - below(p, a)).max(0.0))
                    .collect()
            })
            .collect();

        Bands {
            lo,
            hi,
            band,
            bands,
            shares,
        }
    }
}

impl Draw for CompareDistributions<'_> {
    const NAME: &'static str = super::COMPARE_DISTRIBUTIONS;

    fn title(&self) -> String {
        "How big could the shortfall be under each budget?".into()
    }

    fn has_content(&self) -> bool {
        !self.summaries.is_empty()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let c = self.comparison;
        let unit = c.run.unit.as_str();
        let reserves: Vec<f64> = c.models.iter().map(|m| float(m.reserves)).collect();
        let shared_reserves = reserves.windows(2).all(|w| w[0] == w[1]);
        let Bands {
            lo,
            hi,
            band,
            bands,
            shares,
        } = self.bands(reserves[0]);

        let legend: Vec<(String, Swatch)> = c
            .models
            .iter()
            .enumerate()
            .map(|(k, m)| {
                let name = if k == 0 {
                    format!("{} (base)", m.label)
                } else {
                    m.label.clone()
                };
                (name, Swatch::Line(COLOURS[k % COLOURS.len()]))
            })
            .collect();
        let body = header(root, &self.title(), &legend)?;
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
        let mut captions = vec![Caption {
            text: "Budget balanced".into(),
            colour: INK,
            x: x_px(0.0),
        }];
        let reserve_lines: Vec<(f64, RGBColor)> = if shared_reserves {
            vec![(reserves[0], VERMILLION)]
        } else {
            reserves
                .iter()
                .enumerate()
                .map(|(k, &r)| (r, COLOURS[k % COLOURS.len()]))
                .collect()
        };
        for &(r, colour) in &reserve_lines {
            if r >= xt.lo && r <= xt.hi {
                captions.push(Caption {
                    text: format!("Usable reserves {}", money.label(r)),
                    colour,
                    x: x_px(r),
                });
            }
        }
        let (boxes, rows) = lay_captions(&captions, base_x + 10, base_x + bw - 10);
        let top_margin = 8 + CAPTION_ROW * rows as i32;
        let tallest = shares.iter().flatten().copied().fold(0.0, f64::max);
        let plot_h = bh - top_margin - MARGIN - X_AREA;
        let (yt, decimals) = percent_axis(0.0, (tallest * 1.15).max(0.1), plot_h, size::LABEL);

        let y_desc = format!(
            "Share of simulated years per {} band (%)",
            Money::new(unit, band, band).tick(band)
        );
        let mut chart = frame(
            &body,
            (&xt, &money),
            (&yt, decimals),
            (top_margin, right),
            &y_desc,
        )?;
        let (_, py) = chart.plotting_area().get_pixel_range();
        let coords = chart.as_coord_spec().clone();
        let at = move |x: f64, y: f64| coords.translate(&(x, y));

        outlines(&mut chart, &bands, &shares, (xt.lo, xt.hi))?;
        // The balanced budget and the reserves lines, reaching up to their captions.
        let mut lines = vec![(at(0.0, 0.0).0, INK, 2)];
        for &(r, colour) in &reserve_lines {
            if r >= xt.lo && r <= xt.hi {
                lines.push((at(r, 0.0).0, colour, 3));
            }
        }
        marks(root, (py.start, py.end), &lines, &captions, &boxes)?;
        Ok(())
    }
}

/// Each model's share of years per band as a step outline in its colour, the base last so
/// that it is on top; bands clipped to `x` (the axis's ends).
fn outlines<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<Ticked, Ticked>>,
    bands: &[(f64, f64)],
    shares: &[Vec<f64>],
    x: (f64, f64),
) -> Result<(), String> {
    let clip = |v: f64| v.clamp(x.0, x.1);
    for (k, model_shares) in shares.iter().enumerate().rev() {
        let mut path = Vec::with_capacity(2 * bands.len() + 2);
        for (&(a, b), &h) in bands.iter().zip(model_shares) {
            path.push((clip(a), h));
            path.push((clip(b), h));
        }
        let colour = COLOURS[k % COLOURS.len()];
        let width = if k == 0 { 4 } else { 3 };
        chart
            .draw_series(std::iter::once(PathElement::new(
                path,
                colour.stroke_width(width),
            )))
            .map_err(msg)?;
    }
    Ok(())
}

/// The vertical lines (x, colour, width) from the plot's bottom to above its top, and the
/// captions in the boxes laid out for them above the plot.
fn marks<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    (top, bottom): (i32, i32),
    lines: &[(i32, RGBColor, u32)],
    captions: &[Caption],
    boxes: &[(super::layout::Rect, bool)],
) -> Result<(), String> {
    for &(x, colour, width) in lines {
        root.draw(&PathElement::new(
            vec![(x, bottom), (x, top - 4)],
            colour.stroke_width(width),
        ))
        .map_err(msg)?;
    }
    for (cap, (r, right_aligned)) in captions.iter().zip(boxes) {
        let r = super::layout::Rect {
            x0: r.x0,
            x1: r.x1,
            y0: top + r.y0,
            y1: top + r.y1,
        };
        Label::line(cap.text.clone(), size::NOTE, cap.colour).draw(root, r, *right_aligned)?;
    }
    Ok(())
}

/// The plot's frame: the money axis `x` below, the percentage axis `y` on the left (with
/// its decimals), the top margin that holds the captions and the right one that holds
/// the last tick label.
fn frame<'a, DB: DrawingBackend>(
    body: &'a DrawingArea<DB, Shift>,
    (xt, money): (&Ticked, &Money),
    (yt, decimals): (&Ticked, usize),
    (top_margin, right): (i32, i32),
    y_desc: &str,
) -> Result<ChartContext<'a, DB, Cartesian2d<Ticked, Ticked>>, String> {
    let mut chart = ChartBuilder::on(body)
        .margin(MARGIN)
        .margin_top(top_margin)
        .margin_right(right)
        .x_label_area_size(X_AREA)
        .y_label_area_size(Y_AREA)
        .build_cartesian_2d(xt.clone(), yt.clone())
        .map_err(msg)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(xt.ticks.len())
        .y_labels(yt.ticks.len())
        .bold_line_style(RGBColor(232, 232, 232))
        .x_desc(format!(
            "Shortfall after mitigation in {}: what reserves must meet",
            money.unit()
        ))
        .y_desc(y_desc)
        .x_label_formatter(&|v| money.tick(*v))
        .y_label_formatter(&|v| format!("{v:.decimals$}%"))
        .axis_desc_style((FONT, size::AXIS))
        .label_style((FONT, size::LABEL))
        .axis_style(INK)
        .draw()
        .map_err(msg)?;
    Ok(chart)
}

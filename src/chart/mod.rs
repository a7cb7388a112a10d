//! Charts for the committee report: drawn from a [`Summary`] alone, as SVG and PNG.
//!
//! Every chart is one small type implementing [`Draw`], generic over the plotters backend,
//! so the same code draws the SVG (inlined in `report.html`) and the PNG (beside
//! `report.md`). Text uses DejaVu Sans embedded in the binary (no system fonts), the
//! Okabe–Ito colour-blind-safe palette, and one set of sizes for all charts.
//!
//! The only global state is plotters' font table, filled once.

mod distribution;
mod exceedance;
mod savings;
mod tornado;
mod waterfall;

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::stats::Summary;

/// Chart size in pixels: 16:9, readable when printed at A4 width.
pub const SIZE: (u32, u32) = (1200, 675);

/// Okabe–Ito palette (Okabe & Ito 2008), distinguishable with every common colour-vision
/// deficiency.
pub mod palette {
    use plotters::style::RGBColor;
    /// Orange.
    pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
    /// Sky blue.
    pub const SKY: RGBColor = RGBColor(86, 180, 233);
    /// Bluish green.
    pub const GREEN: RGBColor = RGBColor(0, 158, 115);
    /// Blue.
    pub const BLUE: RGBColor = RGBColor(0, 114, 178);
    /// Vermillion.
    pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
    /// Reddish purple.
    pub const PURPLE: RGBColor = RGBColor(204, 121, 167);
    /// Near-black for text and axes.
    pub const INK: RGBColor = RGBColor(30, 30, 30);
    /// Light grey for gridlines and "planned" bars.
    pub const GREY: RGBColor = RGBColor(200, 200, 200);
}

/// Font sizes, shared by all charts.
pub(crate) mod size {
    pub const TITLE: u32 = 34;
    pub const AXIS: u32 = 24;
    pub const LABEL: u32 = 21;
    pub const NOTE: u32 = 21;
}

/// The family name the embedded font is registered under.
pub(crate) const FONT: &str = "sans-serif";

/// Why a chart could not be drawn.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChartError {
    /// The embedded font could not be loaded (a build problem, not a user one).
    #[error("the embedded chart font could not be loaded")]
    Font,
    /// plotters reported an error.
    #[error("drawing the {chart} chart failed: {message}")]
    Draw {
        /// Which chart.
        chart: &'static str,
        /// plotters' message.
        message: String,
    },
    /// PNG encoding failed.
    #[error("encoding the {chart} chart as PNG failed: {message}")]
    Encode {
        /// Which chart.
        chart: &'static str,
        /// The encoder's message.
        message: String,
    },
}

/// A rendered chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// File stem: `distribution`, `exceedance`, `tornado`, `waterfall`, `savings`.
    pub name: &'static str,
    /// Its title, also used as the figure caption.
    pub title: String,
    /// The chart as an SVG document.
    pub svg: String,
    /// The chart as a PNG image.
    pub png: Vec<u8>,
}

/// A chart that can draw itself on any plotters backend.
pub(crate) trait Draw {
    /// File stem.
    const NAME: &'static str;
    /// The title.
    fn title(&self) -> String;
    /// Draws onto `root` (already filled white).
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// Converts plotters' errors to text.
pub(crate) fn msg<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

fn fonts() -> Result<(), ChartError> {
    static LOADED: OnceLock<bool> = OnceLock::new();
    let ok = LOADED.get_or_init(|| {
        let normal = plotters::style::register_font(
            FONT,
            FontStyle::Normal,
            include_bytes!("../../assets/DejaVuSans.ttf"),
        );
        let bold = plotters::style::register_font(
            FONT,
            FontStyle::Bold,
            include_bytes!("../../assets/DejaVuSans-Bold.ttf"),
        );
        normal.is_ok() && bold.is_ok()
    });
    if *ok { Ok(()) } else { Err(ChartError::Font) }
}

fn render<C: Draw>(chart: &C) -> Result<Chart, ChartError> {
    fonts()?;
    let (w, h) = SIZE;
    let draw_err = |message| ChartError::Draw {
        chart: C::NAME,
        message,
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(msg).map_err(draw_err)?;
        chart.draw(&root).map_err(draw_err)?;
        root.present().map_err(msg).map_err(draw_err)?;
    }
    let mut pixels = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(msg).map_err(draw_err)?;
        chart.draw(&root).map_err(draw_err)?;
        root.present().map_err(msg).map_err(draw_err)?;
    }
    let png = encode_png(&pixels, w, h).map_err(|message| ChartError::Encode {
        chart: C::NAME,
        message,
    })?;
    Ok(Chart {
        name: C::NAME,
        title: chart.title(),
        svg,
        png,
    })
}

fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(msg)?;
        writer.write_image_data(rgb).map_err(msg)?;
        writer.finish().map_err(msg)?;
    }
    Ok(out)
}

/// Draws every chart of a run.
///
/// # Errors
/// When the font cannot be loaded or plotters fails.
pub fn render_all(summary: &Summary) -> Result<Vec<Chart>, ChartError> {
    Ok(vec![
        render(&distribution::Distribution(summary))?,
        render(&exceedance::Exceedance(summary))?,
        render(&tornado::Tornado(summary))?,
        render(&waterfall::Waterfall(summary))?,
        render(&savings::SavingsAtRisk(summary))?,
    ])
}

/// Draws a title and, under it, a one-line legend of coloured boxes, and returns the area
/// left for the plot. Used where a legend inside the plot would hide bars.
pub(crate) fn title_and_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    items: &[(&str, RGBColor)],
) -> Result<DrawingArea<DB, Shift>, String> {
    let (head, body) = root.split_vertically(100);
    let (w, _) = head.dim_in_pixel();
    head.draw(&Text::new(
        title.to_string(),
        (w as i32 / 2, 28),
        (FONT, size::TITLE)
            .into_font()
            .style(FontStyle::Bold)
            .color(&palette::INK)
            .pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Center,
            )),
    ))
    .map_err(msg)?;
    // Centre the legend: measure each entry as box + gap + text.
    let font = (FONT, size::LABEL).into_font();
    let widths: Vec<i32> = items
        .iter()
        .map(|(t, _)| font.box_size(t).map_or(200, |(w, _)| w as i32) + 28 + 36)
        .collect();
    let total: i32 = widths.iter().sum();
    let mut x = (w as i32 - total) / 2;
    for ((text, colour), width) in items.iter().zip(widths) {
        head.draw(&Rectangle::new([(x, 64), (x + 20, 84)], colour.filled()))
            .map_err(msg)?;
        head.draw(&Text::new(
            text.to_string(),
            (x + 28, 63),
            (FONT, size::LABEL).into_font().color(&palette::INK),
        ))
        .map_err(msg)?;
        x += width;
    }
    Ok(body)
}

/// Money for axis labels: `£25m`, `-£5m`, `£2.5m` (the fewest decimals that distinguish
/// the ticks).
pub(crate) fn axis_money(v: f64, unit: &str) -> String {
    let (scaled, suffix) = if unit == "£m" { (v, "m") } else { (v, "") };
    let text = if (scaled - scaled.round()).abs() < 1e-9 {
        format!("{:.0}", scaled.abs())
    } else {
        format!("{:.1}", scaled.abs())
    };
    let sign = if v < -1e-12 { "-" } else { "" };
    format!("{sign}£{text}{suffix}")
}

/// Shortens a label to `max` characters with an ellipsis.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max - 1).collect();
        s = s.trim_end().to_string();
        s.push('…');
        s
    }
}

/// A "nice" step for about `n` ticks over `span`.
pub(crate) fn nice_step(span: f64, n: f64) -> f64 {
    let raw = (span / n).max(1e-9);
    let mag = 10f64.powf(raw.log10().floor());
    let frac = raw / mag;
    let nice = if frac <= 1.0 {
        1.0
    } else if frac <= 2.0 {
        2.0
    } else if frac <= 2.5 {
        2.5
    } else if frac <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// `lo`..`hi` widened to whole steps of a nice size, with a margin.
pub(crate) fn nice_range(lo: f64, hi: f64) -> (f64, f64) {
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 1.0, hi + 1.0)
    };
    let step = nice_step(hi - lo, 8.0);
    ((lo / step).floor() * step, (hi / step).ceil() * step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_money_reads_like_money() {
        assert_eq!(axis_money(25.0, "£m"), "£25m");
        assert_eq!(axis_money(-5.0, "£m"), "-£5m");
        assert_eq!(axis_money(2.5, "£m"), "£2.5m");
        assert_eq!(axis_money(1500.0, "£"), "£1500");
    }

    #[test]
    fn nice_ranges_cover_the_data_in_round_steps() {
        let (lo, hi) = nice_range(-3.2, 97.0);
        assert!(lo <= -3.2 && hi >= 97.0);
        let step = nice_step(97.0 + 3.2, 8.0);
        assert_eq!(step, 20.0);
        assert_eq!((lo, hi), (-20.0, 100.0));
    }

    #[test]
    fn shorten_adds_an_ellipsis() {
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abc", 4), "abc");
    }
}

//! Charts for the committee report: drawn from a [`Summary`] alone, as SVG and PNG.
//!
//! Every chart is one small type implementing [`Draw`], generic over the plotters backend,
//! so the same code draws the SVG (inlined in `report.html`) and the PNG (beside
//! `report.md`). Text uses DejaVu Sans embedded in the binary (no system fonts), the
//! Okabe–Ito colour-blind-safe palette, and one set of sizes for all charts.
//!
//! The only global state is plotters' font table, filled once.

mod axis;
mod distribution;
mod exceedance;
mod layout;
mod rows;
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
    /// False when there is nothing to draw (a model without savings has no savings
    /// chart); [`render_all`] then leaves the chart out.
    fn has_content(&self) -> bool {
        true
    }
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

fn render_if_any<C: Draw>(chart: &C, out: &mut Vec<Chart>) -> Result<(), ChartError> {
    if chart.has_content() {
        out.push(render(chart)?);
    }
    Ok(())
}

/// Draws every chart of a run that has something to show, in report order. A chart with
/// nothing to draw is left out of the list rather than drawn empty: today only `savings`,
/// for a model without savings. Callers write the files of the charts returned, and the
/// report leaves out the figure of a chart that is absent.
///
/// # Errors
/// When the font cannot be loaded or plotters fails.
pub fn render_all(summary: &Summary) -> Result<Vec<Chart>, ChartError> {
    let mut out = Vec::with_capacity(5);
    render_if_any(&distribution::Distribution(summary), &mut out)?;
    render_if_any(&exceedance::Exceedance(summary), &mut out)?;
    render_if_any(&tornado::Tornado(summary), &mut out)?;
    render_if_any(&waterfall::Waterfall(summary), &mut out)?;
    render_if_any(&savings::SavingsAtRisk(summary), &mut out)?;
    Ok(out)
}

/// Draws a title and, under it, a legend of coloured boxes, and returns the area left for
/// the plot. Used where a legend inside the plot would hide bars.
pub(crate) fn title_and_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    items: &[(&str, RGBColor)],
) -> Result<DrawingArea<DB, Shift>, String> {
    let items: Vec<(String, layout::Swatch)> = items
        .iter()
        .map(|(t, c)| (t.to_string(), layout::Swatch::Box(*c)))
        .collect();
    layout::header(root, title, &items)
}

/// Money for axis labels when the tick step is not known (plotters chose the ticks):
/// `£25m`, `-£5m`, `£2.5m`, `£250k`, `£1,200m`, each in the scale its own size needs and with
/// at most two decimals. Charts that choose their own ticks use [`axis::Money`], which also
/// makes neighbouring ticks differ.
pub(crate) fn axis_money(v: f64, unit: &str) -> String {
    let pounds = v * if unit == "£m" { 1e6 } else { 1.0 };
    let (scaled, suffix) = if pounds.abs() >= 1e6 {
        (pounds / 1e6, "m")
    } else if pounds.abs() >= 1e3 {
        (pounds / 1e3, "k")
    } else if unit == "£m" && pounds.abs() < 0.005 {
        (0.0, "m")
    } else {
        (pounds, "")
    };
    let mut text = format!("{:.2}", scaled.abs());
    while text.ends_with('0') {
        text.pop();
    }
    if text.ends_with('.') {
        text.pop();
    }
    let sign = if scaled < 0.0 && text != "0" { "-" } else { "" };
    format!("{sign}£{}{suffix}", axis::thousands(&text))
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

pub(crate) use axis::nice_step;

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
        assert_eq!(axis_money(1500.0, "£"), "£1.5k");
        assert_eq!(axis_money(15_000_000.0, "£"), "£15m");
        assert_eq!(axis_money(0.25, "£m"), "£250k");
        assert_eq!(axis_money(2500.0, "£m"), "£2,500m");
        assert_eq!(axis_money(-1e-12, "£m"), "£0m");
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

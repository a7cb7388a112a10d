//! Charts for the committee report: drawn from a [`Summary`] alone, as SVG and PNG.
//!
//! Every chart is one small type implementing [`Draw`], generic over the plotters backend,
//! so the same code draws the SVG (inlined in `report.html`) and the PNG (beside
//! `report.md`). Text uses DejaVu Sans embedded in the binary (no system fonts), the
//! Okabe–Ito colour-blind-safe palette, and one set of sizes for all charts.
//!
//! The only global state is plotters' font table, filled once.

mod axis;
mod compare_differences;
mod compare_distributions;
mod distribution;
mod exceedance;
mod fan;
mod first_breach;
mod gap_fan;
mod journey;
mod layout;
mod pit;
mod portfolio;
mod reserves_curve;
mod reserves_fan;
mod rows;
mod savings;
mod text;
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
    /// File stem: `distribution`, `gap_fan`, `reserves_fan`, `first_breach`,
    /// `reserves_curve`, `exceedance`, `tornado`, `waterfall`, `savings`.
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
    /// Its size in pixels: [`SIZE`], unless it grows with what it shows (a row per
    /// council).
    fn size(&self) -> (u32, u32) {
        SIZE
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
    let size = chart.size();
    let (w, h) = size;
    let draw_err = |message| ChartError::Draw {
        chart: C::NAME,
        message,
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(msg).map_err(draw_err)?;
        chart.draw(&root).map_err(draw_err)?;
        root.present().map_err(msg).map_err(draw_err)?;
    }
    let mut pixels = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area();
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
/// nothing to draw is left out of the list rather than drawn empty: `savings` for a model
/// without savings; the medium-term charts (`gap_fan`, `reserves_fan`, `first_breach`)
/// for a one-year model; `reserves_curve` for a summary without the reserves question
/// (one written before it was computed). Callers write the files of the charts returned, and the
/// report leaves out the figure of a chart that is absent.
///
/// # Errors
/// When the font cannot be loaded or plotters fails.
pub fn render_all(summary: &Summary) -> Result<Vec<Chart>, ChartError> {
    let mut out = Vec::with_capacity(9);
    render_if_any(&distribution::Distribution(summary), &mut out)?;
    render_if_any(&gap_fan::GapFan(summary), &mut out)?;
    render_if_any(&reserves_fan::ReservesFan(summary), &mut out)?;
    render_if_any(&first_breach::FirstBreach(summary), &mut out)?;
    render_if_any(&reserves_curve::ReservesCurve(summary), &mut out)?;
    render_if_any(&exceedance::Exceedance(summary), &mut out)?;
    render_if_any(&tornado::Tornado(summary), &mut out)?;
    render_if_any(&waterfall::Waterfall(summary), &mut out)?;
    render_if_any(&savings::SavingsAtRisk(summary), &mut out)?;
    Ok(out)
}

/// File stem of the comparison's overlaid gap distributions.
pub const COMPARE_DISTRIBUTIONS: &str = "compare-distributions";

/// File stem of the comparison's paired differences.
pub const COMPARE_DIFFERENCES: &str = "compare-differences";

/// Draws the charts of a comparison: the models' gaps overlaid, from their summaries
/// (`summaries`, in the comparison's model order), and the paired differences.
///
/// # Errors
/// When the font cannot be loaded or plotters fails.
pub fn render_comparison(
    comparison: &crate::stats::Comparison,
    summaries: &[&Summary],
) -> Result<Vec<Chart>, ChartError> {
    let mut out = Vec::with_capacity(2);
    render_if_any(
        &compare_distributions::CompareDistributions {
            comparison,
            summaries,
        },
        &mut out,
    )?;
    render_if_any(
        &compare_differences::CompareDifferences(comparison),
        &mut out,
    )?;
    Ok(out)
}

/// File stem of a portfolio's ranked chart.
pub const PORTFOLIO: &str = "portfolio";

/// Draws a portfolio's ranked chart: a bar per council that ran, highest chance of an
/// S114-level year first, with its 95% interval; as tall as the councils need. None when
/// no council ran.
///
/// # Errors
/// When the font cannot be loaded or plotters fails.
pub fn render_portfolio(
    portfolio: &crate::stats::portfolio::Portfolio,
) -> Result<Vec<Chart>, ChartError> {
    let mut out = Vec::with_capacity(1);
    render_if_any(&portfolio::Ranked(portfolio), &mut out)?;
    Ok(out)
}

/// File stem of a back-test's PIT histogram.
pub const BACKTEST_PIT: &str = "pit";

/// File stem of a year's forecast journey.
pub const JOURNEY: &str = "journey";

/// Draws the chart of a back-test: where the outturns fell in their forecasts (the PIT
/// histogram), with its test of flatness and the two coverages. None for an assessment of
/// no cases.
///
/// # Errors
/// When the font cannot be loaded or plotters fails.
pub fn render_backtest(
    assessment: &crate::stats::backtest::Assessment,
) -> Result<Vec<Chart>, ChartError> {
    let mut out = Vec::with_capacity(1);
    render_if_any(&pit::PitHistogram(assessment), &mut out)?;
    Ok(out)
}

/// Draws a year's forecast journey: each forecast's year-end overspend (P10 to P90 and
/// the median, in the model's `unit`, `£m` or `£`), against usable reserves, with its
/// chance of an S114-level shortfall; `points` in the order they were made. None for no
/// points.
///
/// # Errors
/// When the font cannot be loaded or plotters fails.
pub fn render_journey(
    points: &[crate::stats::journey::JourneyPoint],
    unit: &str,
    title: &str,
) -> Result<Vec<Chart>, ChartError> {
    let mut out = Vec::with_capacity(1);
    render_if_any(
        &journey::Journey {
            points,
            unit,
            title,
        },
        &mut out,
    )?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::fixture;

    /// Writes the charts' PNGs into `GAPSIM_CHART_DIR`, when it is set, to look at.
    fn keep(charts: &[Chart], tag: &str) {
        if let Some(dir) = std::env::var_os("GAPSIM_CHART_DIR") {
            for c in charts {
                let path = std::path::Path::new(&dir).join(format!("{tag}-{}.png", c.name));
                std::fs::write(path, &c.png).unwrap();
            }
        }
    }

    fn names(charts: &[Chart]) -> Vec<&'static str> {
        charts.iter().map(|c| c.name).collect()
    }

    fn chart<'a>(charts: &'a [Chart], name: &str) -> &'a Chart {
        charts
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no {name} chart in {:?}", names(charts)))
    }

    #[test]
    fn a_summary_without_the_new_parts_draws_only_the_five_charts() {
        let s = &fixture::kent().1;
        assert!(!gap_fan::GapFan(s).has_content());
        assert!(!reserves_fan::ReservesFan(s).has_content());
        assert!(!first_breach::FirstBreach(s).has_content());
        assert!(!reserves_curve::ReservesCurve(s).has_content());
        let charts = render_all(s).unwrap();
        assert_eq!(
            names(&charts),
            [
                "distribution",
                "exceedance",
                "tornado",
                "waterfall",
                "savings"
            ]
        );
    }

    #[test]
    fn a_one_year_run_gains_only_the_reserves_curve() {
        let s = fixture::one_year();
        assert!(!gap_fan::GapFan(&s).has_content());
        assert!(!reserves_fan::ReservesFan(&s).has_content());
        assert!(!first_breach::FirstBreach(&s).has_content());
        let charts = render_all(&s).unwrap();
        keep(&charts, "one-year");
        assert_eq!(
            names(&charts),
            [
                "distribution",
                "reserves_curve",
                "exceedance",
                "tornado",
                "waterfall",
                "savings"
            ]
        );
        let svg = &chart(&charts, "reserves_curve").svg;
        assert!(svg.contains("Usable reserves held £75.0m (5.2%)"), "{svg}");
        assert!(svg.contains("Policy floor £71.5m (5%)"), "{svg}");
        assert!(svg.contains("In 2024/25: the reserves"), "{svg}");
        assert!(svg.contains("95% confidence: £"), "{svg}");
    }

    #[test]
    fn a_plan_of_several_years_draws_its_fans_and_first_breach() {
        let s = fixture::multi_year();
        let charts = render_all(&s).unwrap();
        keep(&charts, "multi-year");
        for name in ["gap_fan", "reserves_fan", "first_breach", "reserves_curve"] {
            let svg = &chart(&charts, name).svg;
            if name != "reserves_curve" {
                for year in ["2024/25", "2025/26", "2026/27"] {
                    assert!(svg.contains(year), "{name} lacks {year}");
                }
            }
            assert!(!svg.contains("NaN"), "{name}");
        }
        let fan = &chart(&charts, "reserves_fan").svg;
        assert!(fan.contains("Opening"), "{fan}");
        assert!(
            fan.contains("Policy floor £71.5m (5% of net budget)"),
            "{fan}"
        );
        assert!(fan.contains("Below £0"), "{fan}");
        let curve = &chart(&charts, "reserves_curve").svg;
        assert!(
            curve.contains("Over 2024/25 to 2026/27: the reserves"),
            "{curve}"
        );
        assert!(
            curve.contains("Usable reserves held £75.0m (5.2%)"),
            "{curve}"
        );
        assert!(curve.contains("Policy floor £71.5m (5%)"), "{curve}");
        assert!(curve.contains("88.5% with the reserves held"), "{curve}");
        let first = &chart(&charts, "first_breach").svg;
        assert!(
            first.contains("No S114-level year from 2024/25 to 2026/27 in 88.5%"),
            "{first}"
        );
        assert!(first.contains("11.5% by 2026/27"), "{first}");
        assert!(chart(&charts, "gap_fan").svg.contains("Budget balanced"));
    }

    #[test]
    fn a_plan_without_a_floor_draws_none() {
        let mut s = fixture::multi_year();
        if let Some(r) = s.reserves_needed.as_mut() {
            r.floor = None;
            r.floor_share = None;
        }
        let charts = render_all(&s).unwrap();
        for name in ["reserves_fan", "reserves_curve"] {
            assert!(!chart(&charts, name).svg.contains("Policy floor"), "{name}");
        }
    }

    #[test]
    fn a_long_plan_that_never_breaches_still_draws() {
        let mut s = fixture::multi_year();
        let m = s.medium_term.as_mut().unwrap();
        let template = m.years[2].clone();
        m.years = (0..10)
            .map(|k| {
                let mut y = template.clone();
                y.year = format!("{}/{}", 2024 + k, 25 + k);
                for p in [&mut y.first_breach, &mut y.s114_by_now, &mut y.s114] {
                    *p = fixture::chance(0.0, 0.0, 0.000_04);
                }
                y
            })
            .collect();
        m.never_breached = fixture::chance(1.0, 0.999_96, 1.0);
        m.s114_any_year = fixture::chance(0.0, 0.0, 0.000_04);
        let charts = render_all(&s).unwrap();
        keep(&charts, "long");
        let first = &chart(&charts, "first_breach").svg;
        assert!(first.contains("in 100.0% of simulations"), "{first}");
        assert!(first.contains("2033/34"), "{first}");
        assert!(!first.contains("NaN"));
    }

    #[test]
    fn the_figures_a_run_computes_draw_every_chart() {
        let (_, s) = fixture::kent_as_run();
        let charts = render_all(s).unwrap();
        keep(&charts, "kent");
        assert!(names(&charts).contains(&"reserves_curve"));
        let curve = &chart(&charts, "reserves_curve").svg;
        assert!(curve.contains("Usable reserves held £75.0m"), "{curve}");
        let (_, s) = fixture::kent_three_years();
        assert!(s.medium_term.is_some() && s.reserves_needed.is_some());
        let charts = render_all(s).unwrap();
        keep(&charts, "kent3");
        for name in ["gap_fan", "reserves_fan", "first_breach", "reserves_curve"] {
            let svg = &chart(&charts, name).svg;
            assert!(!svg.contains("NaN"), "{name}");
        }
        assert!(chart(&charts, "reserves_fan").svg.contains("Policy floor"));
    }

    #[test]
    fn a_backtest_and_a_journey_draw_as_svg_and_png() {
        let pits = pit::tests::u_shaped(400);
        let a = pit::tests::assessment(&pits, 250, 300);
        let charts = render_backtest(&a).unwrap();
        keep(&charts, "backtest");
        assert_eq!(names(&charts), [BACKTEST_PIT]);
        let (_, s) = fixture::kent_as_run();
        let points: Vec<_> = [("Budget", 0), ("Q1", 3), ("Q2", 6), ("Nov", 8)]
            .iter()
            .map(|&(label, month)| crate::stats::journey::point(s, label, month))
            .collect();
        let journey = render_journey(&points, &s.model.unit, "The 2024/25 forecast").unwrap();
        keep(&journey, "backtest");
        assert_eq!(names(&journey), [JOURNEY]);
        let steps = journey::tests::journey();
        let drawn = render_journey(&steps, "£m", "The 2024/25 forecast, budget to Q3").unwrap();
        keep(&drawn, "backtest-steps");
        for c in charts.iter().chain(&journey).chain(&drawn) {
            let decoder = png::Decoder::new(std::io::Cursor::new(&c.png[..]));
            let mut reader = decoder.read_info().expect("a decodable PNG");
            let mut buf = vec![0; reader.output_buffer_size().unwrap()];
            let info = reader.next_frame(&mut buf).expect("image data decodes");
            assert_eq!((info.width, info.height), SIZE);
            assert!(
                buf.chunks(3).any(|p| p != [255, 255, 255]),
                "{} is blank",
                c.name
            );
            assert!(
                c.svg.starts_with("<svg") && !c.svg.contains("NaN"),
                "{}",
                c.name
            );
        }
        assert_eq!(
            charts[0].title,
            "Where the outturns fell in their forecasts (PIT)"
        );
        assert!(charts[0].svg.contains("P10–P90"));
        assert!(journey[0].svg.contains("P(S114)"));
        // Nothing to draw: no chart.
        assert!(render_journey(&[], "£m", "None").unwrap().is_empty());
        let none = crate::stats::backtest::assess(&[], 10);
        assert!(render_backtest(&none).unwrap().is_empty());
    }
}

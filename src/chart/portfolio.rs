//! A portfolio's ranked chart: a bar per council, the chance of an S114-level year, highest
//! first, with its 95% interval as whiskers and its value beside it; bars coloured by
//! whether the council holds the reserves it needs for 95% confidence. The chart grows a
//! row per council (at least 24 pixels, so the names of 150 councils stay readable), with
//! the percentage axis above and below.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::HPos;
use rust_decimal::Decimal;

use super::axis::{Ticked, percent_axis};
use super::layout::{Swatch, draw_text, header_with_note};
use super::palette::{BLUE, GREY, INK, VERMILLION};
use super::text::{fit, text_width, wrap};
use super::{Draw, FONT, SIZE, msg, size};
use crate::format::percent;
use crate::stats::portfolio::{Council, Portfolio};

pub(crate) struct Ranked<'a>(pub &'a Portfolio);

/// Pixels above the rows (title, note, legend, top axis) and below them (bottom axis,
/// margin).
const ABOVE: i32 = 190;
const BELOW: i32 = 90;
/// Least and most pixels a council's row gets.
const ROW_MIN: i32 = 24;
const ROW_MAX: i32 = 56;
/// Room for each axis's labels.
const AXIS: i32 = 44;

impl Ranked<'_> {
    fn rows(&self) -> Vec<&Council> {
        self.0.councils.iter().filter(|c| c.ran()).collect()
    }

    /// Pixels per row for `n` rows: what fills the standard height, within the limits.
    fn pitch(n: usize) -> i32 {
        let room = SIZE.1 as i32 - ABOVE - BELOW;
        (room / n.max(1) as i32).clamp(ROW_MIN, ROW_MAX)
    }
}

/// Below 1, the council holds less than it needs for 95% confidence.
fn colour(c: &Council) -> RGBColor {
    match c.reserves_cover {
        Some(x) if x < Decimal::ONE => VERMILLION,
        Some(_) => BLUE,
        None if c.reserves_needed_95 == Some(Decimal::ZERO) => BLUE,
        None => GREY,
    }
}

/// (estimate, low, high) in percent.
fn points(c: &Council) -> (f64, f64, f64) {
    let p = c.p_s114.unwrap_or(0.0);
    (
        100.0 * p,
        100.0 * c.p_s114_ci95_low.unwrap_or(p),
        100.0 * c.p_s114_ci95_high.unwrap_or(p),
    )
}

impl Draw for Ranked<'_> {
    const NAME: &'static str = super::PORTFOLIO;

    fn title(&self) -> String {
        // Rows of one council (scenarios of one budget) are named by their models.
        let by = if self.0.by_model() {
            "model by model"
        } else {
            "council by council"
        };
        format!("Chance of an S114-level year, {by}")
    }

    fn has_content(&self) -> bool {
        !self.rows().is_empty()
    }

    fn size(&self) -> (u32, u32) {
        let n = self.rows().len();
        let h = ABOVE + BELOW + Self::pitch(n) * n as i32;
        (SIZE.0, (h.max(SIZE.1 as i32)) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let rows = self.rows();
        let failed = self.0.failed;
        let note = if failed == 0 {
            "Highest first; whiskers: the 95% interval (the simulation's precision)".to_string()
        } else {
            format!(
                "Highest first; whiskers: the 95% interval; {failed} model{} that failed \
                 not shown (see portfolio.csv)",
                if failed == 1 { "" } else { "s" }
            )
        };
        let legend = vec![
            (
                "Holds less than it needs for 95% confidence".to_string(),
                Swatch::Box(VERMILLION),
            ),
            ("Holds enough".to_string(), Swatch::Box(BLUE)),
        ];
        let body = header_with_note(root, &self.title(), Some(&note), &legend)?;
        let pitch = Self::pitch(rows.len());
        let label = if pitch < 30 { 18 } else { size::LABEL };
        let (w, _) = body.dim_in_pixel();
        let name_max = (w as f64 * 0.38) as i32;
        // Two lines where the rows are tall enough (scenarios' long names), else one.
        let two_lines = pitch as f64 >= 2.4 * f64::from(label);
        let names: Vec<Vec<String>> = self
            .0
            .names()
            .iter()
            .map(|n| {
                if two_lines {
                    wrap(n, label, name_max, 2)
                } else {
                    vec![fit(n, label, name_max)]
                }
            })
            .collect();
        let name_w = names
            .iter()
            .flatten()
            .map(|n| text_width(n, label))
            .max()
            .unwrap_or(0);
        let y_area = name_w + 24;
        let plot_w = w as i32 - y_area - 2 * 20 - 30;
        let (xt, decimals) = axis(&rows, plot_w, label);
        draw_rows(&body, &rows, &names, (xt, decimals), (y_area, label))
    }
}

/// The percentage axis: from 0 to the largest interval's end, with room on the right for
/// each value label.
fn axis(rows: &[&Council], plot_w: i32, label: u32) -> (Ticked, usize) {
    let top = rows
        .iter()
        .map(|c| points(c).2)
        .fold(0.0, f64::max)
        .max(1.0);
    let mut chosen = percent_axis(0.0, top, plot_w, label);
    for _ in 0..3 {
        let t = &chosen.0;
        let per_px = (t.hi - t.lo) / f64::from(plot_w.max(1));
        let need = rows
            .iter()
            .map(|c| {
                let (p, _, hi) = points(c);
                hi + f64::from(text_width(&percent(p / 100.0), label) + 16) * per_px
            })
            .fold(top, f64::max);
        if need <= t.hi {
            break;
        }
        chosen = percent_axis(0.0, need, plot_w, label);
    }
    chosen
}

fn draw_rows<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    rows: &[&Council],
    names: &[Vec<String>],
    (xt, decimals): (Ticked, usize),
    (y_area, label): (i32, u32),
) -> Result<(), String> {
    let n = rows.len();
    let mut chart = ChartBuilder::on(body)
        .margin(20)
        .margin_top(4)
        .margin_right(50)
        .x_label_area_size(AXIS)
        .top_x_label_area_size(AXIS)
        .y_label_area_size(y_area)
        .build_cartesian_2d(xt.clone(), 0.0..n as f64)
        .map_err(msg)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_labels(xt.ticks.len())
        .y_labels(0)
        .bold_line_style(RGBColor(232, 232, 232))
        .x_label_formatter(&|v| format!("{v:.decimals$}%"))
        .label_style((FONT, label))
        .axis_style(INK)
        .draw()
        .map_err(msg)?;
    let (px, _) = chart.plotting_area().get_pixel_range();
    for (i, c) in rows.iter().enumerate() {
        let centre = (n - i) as f64 - 0.5;
        draw_row(&mut chart, centre, c, label)?;
        let (_, y) = chart.backend_coord(&(0.0, centre));
        let (bx, by) = body.get_base_pixel();
        let line_h = (f64::from(label) * 1.2) as i32;
        let first = y - by - line_h * (names[i].len() as i32 - 1) / 2;
        for (k, line) in names[i].iter().enumerate() {
            draw_text(
                body,
                line,
                (px.start - 10 - bx, first + line_h * k as i32),
                label,
                INK,
                HPos::Right,
            )?;
        }
    }
    Ok(())
}

/// One council's bar, whiskers and value.
fn draw_row<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<Ticked, RangedCoordf64>>,
    centre: f64,
    c: &Council,
    label: u32,
) -> Result<(), String> {
    let (p, lo, hi) = points(c);
    let half = 0.32;
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(0.0, centre - half), (p, centre + half)],
            colour(c).filled(),
        )))
        .map_err(msg)?;
    let cap = 0.22;
    for segment in [
        vec![(lo, centre), (hi, centre)],
        vec![(lo, centre - cap), (lo, centre + cap)],
        vec![(hi, centre - cap), (hi, centre + cap)],
    ] {
        chart
            .draw_series(std::iter::once(PathElement::new(
                segment,
                INK.stroke_width(2),
            )))
            .map_err(msg)?;
    }
    let (x, y) = chart.backend_coord(&(hi, centre));
    let area = chart.plotting_area().strip_coord_spec();
    let (bx, by) = area.get_base_pixel();
    draw_text(
        &area,
        &percent(p / 100.0),
        (x + 8 - bx, y - by),
        label,
        INK,
        HPos::Left,
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::stats::fixture;
    use crate::stats::portfolio::Settings;

    /// A portfolio of `n` councils (Kent's summary under other names and chances) and one
    /// model that failed.
    pub(crate) fn portfolio(n: usize) -> Portfolio {
        let (_, s) = fixture::kent_as_run();
        let mut rows: Vec<Council> = (0..n)
            .map(|k| {
                let mut c = Council::from_summary(s, &format!("m{k}.toml"), "runs/m").unwrap();
                c.council = format!("Synthetic District {:03}", k + 1);
                let p = 0.3 * ((k * 37) % n) as f64 / n as f64;
                c.p_s114 = Some(p);
                c.p_s114_ci95_low = Some((p - 0.01).max(0.0));
                c.p_s114_ci95_high = Some(p + 0.01);
                if k % 3 == 0 {
                    c.reserves_cover = Some(Decimal::new(8, 1));
                }
                c
            })
            .collect();
        rows.push(Council::failed("bad.toml", "bad.toml:1:1: not valid TOML"));
        let settings = Settings {
            program: "gapsim test".into(),
            seed: 1,
            iterations: 20_000,
            sampling: "mc".into(),
        };
        Portfolio::new(settings, rows)
    }

    #[test]
    fn the_chart_grows_a_row_per_council_and_names_each() {
        for n in [3, 40, 150] {
            let p = portfolio(n);
            let charts = super::super::render_portfolio(&p).unwrap();
            let c = &charts[0];
            if let Some(dir) = std::env::var_os("GAPSIM_CHART_DIR") {
                let dir = std::path::Path::new(&dir);
                std::fs::write(dir.join(format!("portfolio-{n}.png")), &c.png).unwrap();
                // The top and bottom of a tall chart, to look at at full size.
                let mut reader = png::Decoder::new(std::io::Cursor::new(&c.png[..]))
                    .read_info()
                    .unwrap();
                let mut buf = vec![0; reader.output_buffer_size().unwrap()];
                let info = reader.next_frame(&mut buf).unwrap();
                let (w, h) = (info.width as usize, info.height as usize);
                let rows = 900.min(h);
                for (tag, from) in [("top", 0), ("bottom", h - rows)] {
                    let part = &buf[from * w * 3..(from + rows) * w * 3];
                    let png = super::super::encode_png(part, w as u32, rows as u32).unwrap();
                    std::fs::write(dir.join(format!("portfolio-{n}-{tag}.png")), png).unwrap();
                }
            }
            let decoder = png::Decoder::new(std::io::Cursor::new(&c.png[..]));
            let info = decoder.read_info().unwrap().info().clone();
            let expected = Ranked(&p).size();
            assert_eq!((info.width, info.height), expected);
            if n <= 10 {
                assert_eq!(expected, SIZE);
            } else {
                assert!(
                    expected.1 as i32 >= ABOVE + BELOW + ROW_MIN * n as i32,
                    "{n}"
                );
            }
            assert!(!c.svg.contains("NaN"));
            assert!(c.svg.contains(&format!("Synthetic District {n:03}")), "{n}");
            assert!(c.svg.contains("1 model that failed"), "{n}");
            assert!(c.svg.contains("council by council"), "{n}");
            let top = p.councils[0].p_s114.unwrap();
            assert!(
                c.svg.contains(&percent(top)),
                "{n}: the largest value's label"
            );
        }
        // Scenarios of one council: its rows are named, and the title counts, by model.
        let mut one = portfolio(3);
        for c in &mut one.councils {
            c.council = "Kent County Council".into();
        }
        let t = Ranked(&one).title();
        assert_eq!(t, "Chance of an S114-level year, model by model");
        let none = Portfolio::new(
            Settings {
                program: "p".into(),
                seed: 1,
                iterations: 1,
                sampling: "mc".into(),
            },
            vec![Council::failed("a.toml", "x")],
        );
        assert!(super::super::render_portfolio(&none).unwrap().is_empty());
    }
}

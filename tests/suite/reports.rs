//! Charts and the committee report: the files a run writes, their validity, and that the
//! report's figures are summary.json's.

use std::path::Path;

use crate::common::{gapsim, num, run};

const CHARTS: [&str; 5] = [
    "distribution",
    "exceedance",
    "tornado",
    "waterfall",
    "savings",
];

/// Width and height from a PNG's IHDR chunk, after checking the signature; and that the
/// whole image decodes.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a decodable PNG");
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    reader.next_frame(&mut buf).expect("image data decodes");
    // Not blank: some pixels are not white.
    assert!(
        buf.chunks(3).any(|p| p != [255, 255, 255]),
        "the image is blank"
    );
    (w, h)
}

/// The charts a run draws beside the five when its summary has the reserves question
/// (the curve) or several years (the fans and the first breach).
fn new_charts(summary: &serde_json::Value) -> Vec<&'static str> {
    let mut out = Vec::new();
    if summary.get("medium_term").is_some() {
        out.extend(["gap_fan", "reserves_fan", "first_breach"]);
    }
    if summary.get("reserves_needed").is_some() {
        out.push("reserves_curve");
    }
    out
}

/// The tables a run writes beside percentiles.csv, by the same rule.
fn new_tables(summary: &serde_json::Value) -> Vec<&'static str> {
    let mut out = Vec::new();
    if summary.get("medium_term").is_some() {
        out.push("years.csv");
    }
    if summary.get("reserves_needed").is_some() {
        out.push("reserves.csv");
    }
    out
}

pub(crate) fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn a_run_writes_valid_charts_in_png_and_svg() {
    let r = run(None, &["--iterations", "30000"]);
    let mut names: Vec<String> = std::fs::read_dir(&r.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected: Vec<String> = [
        "summary.json",
        "percentiles.csv",
        "manifest.sha256",
        "model.toml",
        "report.html",
        "report.md",
        "report.docx",
        "results.xlsx",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for c in CHARTS.iter().chain(&new_charts(&r.summary)) {
        expected.push(format!("{c}.png"));
        expected.push(format!("{c}.svg"));
    }
    expected.extend(new_tables(&r.summary).iter().map(|t| t.to_string()));
    expected.sort();
    assert_eq!(names, expected);

    let axis_words: [(&str, &[&str]); 5] = [
        (
            "distribution",
            &[
                "Share of simulated years per",
                "Gap or shortfall in £m",
                "Usable reserves £75.0m",
            ],
        ),
        (
            "exceedance",
            &[
                "Chance of exceeding it (%)",
                "Amount in £m",
                "Shortfall P90 £",
                "Shortfall P95 £",
            ],
        ),
        (
            "tornado",
            &["Change in the gap", "Older people: unit cost drift"],
        ),
        (
            "waterfall",
            &[
                "mean over simulated years",
                "Expected gap before mitigation",
            ],
        ),
        ("savings", &["in the year", "ASC: service redesign"]),
    ];
    for (chart, words) in axis_words {
        let png = std::fs::read(r.dir.join(format!("{chart}.png"))).unwrap();
        assert_eq!(png_size(&png), gapsim::chart::SIZE, "{chart}.png");
        let svg = read(&r.dir, &format!("{chart}.svg"));
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{chart}.svg"
        );
        assert!(
            svg.contains("width=\"1200\" height=\"675\""),
            "{chart}.svg size"
        );
        assert_eq!(svg.matches("<svg").count(), 1);
        for w in words {
            assert!(svg.contains(w), "{chart}.svg should contain {w:?} as text");
        }
    }
    // Titles, as text.
    for title in [
        "How big could the 2024/25 gap be?",
        "Chance the gap and the shortfall exceed each amount",
        "What moves the gap most",
        "From a balanced budget to the expected gap",
        "Savings at risk",
    ] {
        assert!(
            CHARTS
                .iter()
                .any(|c| read(&r.dir, &format!("{c}.svg")).contains(title)),
            "no chart has the title {title:?}"
        );
    }
}

/// The first number after `marker` in `text`.
fn number_after(text: &str, marker: &str) -> f64 {
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker:?} not found"))
        + marker.len();
    let digits: String = text[at..]
        .chars()
        .skip_while(|c| !c.is_ascii_digit() && *c != '-')
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-' || *c == ',')
        .filter(|c| *c != ',')
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number after {marker:?}"))
}

#[test]
fn the_reports_figures_are_summary_json_figures() {
    let r = run(None, &["--iterations", "30000", "--reserves", "60"]);
    let s = &r.summary;
    let html = read(&r.dir, "report.html");
    let md = read(&r.dir, "report.md");
    for doc in [&html, &md] {
        // The headline: "There is a X% (95% interval A% to B%) chance … reserves of £Rm."
        let p = 100.0 * num(s, "/s114/probability/estimate");
        let lo = 100.0 * num(s, "/s114/probability/ci95_low");
        let hi = 100.0 * num(s, "/s114/probability/ci95_high");
        // One decimal, or two below 1%.
        let tol = |x: f64| if x < 1.0 { 0.005 } else { 0.05 } + 1e-9;
        let shown = number_after(doc, "There is a");
        assert!((shown - p).abs() <= tol(p), "headline {shown} vs {p}");
        let shown = number_after(doc, "95% interval");
        assert!((shown - lo).abs() <= tol(lo), "{shown} vs {lo}");
        let shown = number_after(doc, "% to ");
        assert!((shown - hi).abs() <= tol(hi), "{shown} vs {hi}");
        assert!(doc.contains("usable reserves of £60.0m"));
        // Central estimate, £m to one decimal.
        let mean = num(s, "/gap/mean");
        let shown = number_after(doc, "before in-year mitigation is £");
        assert!((shown - mean).abs() <= 0.05 + 1e-9, "{shown} vs {mean}");
    }
    // The percentile table in report.md, row by row, against summary.json.
    for (row, key) in [
        ("| Gap before mitigation |", "gap"),
        ("| Shortfall after mitigation |", "shortfall"),
    ] {
        let line = md.lines().find(|l| l.starts_with(row)).unwrap();
        let cells: Vec<f64> = line
            .split('|')
            .skip(2)
            .filter(|c| !c.trim().is_empty())
            .map(|c| c.trim().replace(',', "").parse().unwrap())
            .collect();
        let pcts = s[key]["percentiles"].as_array().unwrap();
        assert_eq!(cells.len(), pcts.len() + 1);
        for (cell, p) in cells.iter().zip(pcts) {
            let v = p["value"].as_f64().unwrap();
            assert!(
                (cell - v).abs() <= 0.05 + 1e-9,
                "{key} {}: {cell} vs {v}",
                p["p"]
            );
        }
    }
    // The command that reproduces the run.
    assert!(md.contains(
        "gapsim run model.toml --seed 2024 --iterations 30000 --sampling mc --reserves 60"
    ));
}

#[test]
fn the_html_report_is_self_contained() {
    let r = run(None, &["--iterations", "20000"]);
    let html = read(&r.dir, "report.html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    let lower = html.to_lowercase();
    for forbidden in [
        "<script", "<link", "<img", "<iframe", "src=", "href=", "url(", "@import", "xlink:",
    ] {
        assert!(
            !lower.contains(forbidden),
            "report.html contains {forbidden:?}"
        );
    }
    assert!(!lower.contains("http://") && !lower.contains("https://"));
    // Every chart is inline, and the page prints on A4.
    assert_eq!(
        html.matches("<svg").count(),
        CHARTS.len() + new_charts(&r.summary).len()
    );
    assert!(html.contains("size: A4"));
    // The assumptions table lists every item's source.
    for needle in [
        "assumption:",
        "004 §5.2",
        "Reserve",
        "Correlation",
        "Saving",
    ] {
        assert!(html.contains(needle), "{needle}");
    }
}

#[test]
fn report_rebuilds_the_same_files_and_no_charts_skips_them() {
    // The report is dated: SOURCE_DATE_EPOCH fixes the date for the run and the rebuild, as
    // it would on a day that ends between them.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let out = gapsim()
        .env("SOURCE_DATE_EPOCH", "1741132800")
        .args(["run", "--iterations", "20000", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    let before: Vec<(String, Vec<u8>)> = [
        "report.html",
        "report.md",
        "report.docx",
        "results.xlsx",
        "tornado.png",
        "waterfall.svg",
    ]
    .iter()
    .map(|n| (n.to_string(), std::fs::read(dir.join(n)).unwrap()))
    .collect();
    for (n, _) in &before {
        std::fs::remove_file(dir.join(n)).unwrap();
    }
    let out = gapsim()
        .env("SOURCE_DATE_EPOCH", "1741132800")
        .arg("report")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (n, bytes) in &before {
        assert!(
            std::fs::read(dir.join(n)).unwrap() == *bytes,
            "{n} differs when rebuilt"
        );
    }
    // A changed model is refused: the report would not describe the run.
    std::fs::write(dir.join("model.toml"), "# edited\n").unwrap();
    let out = gapsim().arg("report").arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("changed since the run"));
    // Not a run folder.
    let out = gapsim()
        .args(["report", "/nonexistent/run"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    let quick = run(None, &["--iterations", "20000", "--no-charts"]);
    let count = std::fs::read_dir(&quick.dir).unwrap().count();
    assert_eq!(
        count,
        4 + new_tables(&quick.summary).len(),
        "--no-charts writes only summary, the tables, model and manifest"
    );
}

#[test]
fn the_waterfall_steps_add_up_to_the_mean_gap_and_shortfall() {
    let r = run(None, &["--iterations", "20000"]);
    let s: gapsim::stats::Summary =
        gapsim::report::json::parse(&std::fs::read(r.dir.join("summary.json")).unwrap()).unwrap();
    let lines_variance: rust_decimal::Decimal = s.lines.iter().map(|l| l.expected - l.budget).sum();
    let funding: rust_decimal::Decimal = s.funding.iter().map(|f| f.budget - f.expected).sum();
    let gap = lines_variance + (s.savings.planned - s.savings.mean) + funding;
    let tolerance = rust_decimal::Decimal::new(5, 3); // rounding of each item to £100
    assert!(
        (gap - s.gap.mean).abs() <= tolerance,
        "{gap} vs {}",
        s.gap.mean
    );
    assert!(
        (s.gap.mean - s.mitigation_used - s.shortfall.mean).abs() <= tolerance,
        "gap − mitigation ≠ shortfall"
    );
}

// ---- Chart content and layout, read back from the SVG and PNG files. ----

/// One `<text>` element of an SVG written by plotters.
#[derive(Debug, Clone)]
pub(crate) struct SvgText {
    pub x: f64,
    pub y: f64,
    pub anchor: String,
    pub size: f64,
    pub rotated: bool,
    pub text: String,
}

pub(crate) fn attribute(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    let end = tag[at..].find('"')? + at;
    Some(tag[at..end].to_string())
}

/// Every text element, in document order.
pub(crate) fn svg_texts(svg: &str) -> Vec<SvgText> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find("<text") {
        let tag_end = start + rest[start..].find('>').unwrap();
        let tag = &rest[start..tag_end];
        let close = tag_end + rest[tag_end..].find("</text>").unwrap();
        let text = rest[tag_end + 1..close]
            .trim()
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&");
        let num = |n: &str| {
            attribute(tag, n)
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0)
        };
        out.push(SvgText {
            x: num("x"),
            y: num("y"),
            anchor: attribute(tag, "text-anchor").unwrap_or_else(|| "start".into()),
            size: num("font-size"),
            rotated: tag.contains("rotate("),
            text,
        });
        rest = &rest[close..];
    }
    out
}

/// A generous estimate of a text's width in DejaVu Sans (advance widths in em, rounded up
/// by class of character), so that a pass means the text fits.
fn text_extent(t: &SvgText) -> (f64, f64) {
    let em: f64 = t
        .text
        .chars()
        .map(|c| match c {
            ' ' | '.' | ',' | ':' | ';' | 'i' | 'l' | 'j' | '\'' | '|' => 0.34,
            'f' | 't' | 'r' | '(' | ')' | '-' | 'I' => 0.45,
            'm' | 'w' | '%' | 'M' | 'W' | '…' => 1.0,
            c if c.is_ascii_uppercase() => 0.78,
            _ => 0.66,
        })
        .sum();
    let w = em * t.size;
    match t.anchor.as_str() {
        "middle" => (t.x - w / 2.0, t.x + w / 2.0),
        "end" => (t.x - w, t.x),
        _ => (t.x, t.x + w),
    }
}

/// All the chart's text joined with spaces, so a label wrapped onto two lines reads whole.
pub(crate) fn joined(texts: &[SvgText]) -> String {
    texts
        .iter()
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The x-axis tick labels: money labels sharing the lowest row of text.
fn x_ticks(texts: &[SvgText]) -> Vec<SvgText> {
    let money: Vec<&SvgText> = texts
        .iter()
        .filter(|t| {
            !t.rotated && t.anchor == "middle" && t.text.contains('£') && !t.text.contains(' ')
        })
        .collect();
    let row = money.iter().map(|t| t.y).fold(f64::MIN, f64::max);
    money.into_iter().filter(|t| t.y == row).cloned().collect()
}

/// A tick label as a number in £m (`£2.5m`, `-£250k`, `£0`).
fn tick_value(label: &str) -> f64 {
    let negative = label.starts_with('-');
    let body: String = label
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let scale = if label.ends_with('m') {
        1.0
    } else if label.ends_with('k') {
        1e-3
    } else {
        1e-6
    };
    let v: f64 = body.parse().unwrap_or_else(|_| panic!("tick {label:?}"));
    if negative { -v * scale } else { v * scale }
}

/// Checks every text of every chart in `dir` stays inside the 1200-pixel width, and that
/// no PNG has ink in its outermost columns (text cut at the edge).
#[track_caller]
fn assert_text_inside(dir: &Path, what: &str) {
    let plan = ["gap_fan", "reserves_fan", "first_breach", "reserves_curve"];
    for chart in CHARTS.iter().chain(&plan) {
        let Ok(svg) = std::fs::read_to_string(dir.join(format!("{chart}.svg"))) else {
            continue;
        };
        for t in svg_texts(&svg).iter().filter(|t| !t.rotated) {
            let (x0, x1) = text_extent(t);
            assert!(
                x0 >= 0.0 && x1 <= 1200.0,
                "{what}: {chart}.svg text {:?} runs from {x0:.0} to {x1:.0}, outside 0..1200",
                t.text
            );
        }
        let png = std::fs::read(dir.join(format!("{chart}.png"))).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let (w, h) = (info.width as usize, info.height as usize);
        for y in 0..h {
            for x in [0, 1, w - 2, w - 1] {
                let p = &buf[3 * (y * w + x)..3 * (y * w + x) + 3];
                assert_eq!(
                    p,
                    [255, 255, 255],
                    "{what}: {chart}.png has ink at its edge ({x}, {y})"
                );
            }
        }
    }
}

/// Writes `text` as a model file in a fresh directory; keep the directory alive.
pub(crate) fn model_file(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.toml");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// The normal-sum fixture with every amount scaled by `scale` and the given unit.
fn scaled_normal_sum(unit: &str, scale: f64) -> String {
    let text = std::fs::read_to_string(crate::common::fixture("normal-sum.toml")).unwrap();
    text.lines()
        .map(|l| {
            let mut parts = l.splitn(2, " = ");
            match (parts.next(), parts.next()) {
                (Some(k @ ("base" | "budget" | "amount")), Some(v)) => {
                    let v: f64 = v.trim().parse().unwrap();
                    format!("{k} = {}", v * scale)
                }
                (Some("unit"), Some(_)) => format!("unit = \"{unit}\""),
                _ => l.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_fully_mitigated_share_is_the_summarys_p_gap_minus_p_shortfall() {
    let r = run(None, &["--iterations", "30000"]);
    let s = &r.summary;
    // P(gap > 0) − P(shortfall > 0): the years with a gap and no shortfall.
    let share = (num(s, "/gap/p_positive/count") - num(s, "/shortfall/p_positive/count"))
        / num(s, "/run/iterations")
        * 100.0;
    assert!(share > 1.0, "the Kent model mitigates some years in full");
    let svg = read(&r.dir, "distribution.svg");
    let text = joined(&svg_texts(&svg));
    let expected = format!("{share:.1}% of years fully mitigated");
    assert!(
        text.contains(&expected),
        "distribution.svg should say {expected:?}; its text is {text:?}"
    );
    // And the S114-level area is labelled on the chart with its probability.
    let p = 100.0 * num(s, "/s114/probability/estimate");
    assert!(
        text.contains(&format!("(S114-level): {p:.1}% of years")),
        "{text}"
    );
}

#[test]
fn the_distribution_has_no_colour_that_is_not_in_its_legend() {
    let r = run(None, &["--iterations", "30000"]);
    let svg = read(&r.dir, "distribution.svg");
    // White, sky blue (the gap), blue (the shortfall), vermillion (beyond reserves): all
    // opaque, so no overlap makes a colour of its own.
    let allowed = ["#FFFFFF", "#56B4E9", "#0072B2", "#D55E00"];
    for rect in svg.split("<rect").skip(1) {
        let tag = &rect[..rect.find('>').unwrap()];
        let fill = attribute(tag, "fill").unwrap();
        if fill == "none" {
            continue;
        }
        assert!(allowed.contains(&fill.as_str()), "rect filled {fill}");
        assert_eq!(attribute(tag, "opacity").as_deref(), Some("1"), "{tag}");
    }
    for colour in ["#56B4E9", "#0072B2", "#D55E00"] {
        assert!(svg.contains(colour), "{colour} drawn and in the legend");
    }
}

#[test]
fn the_exceedance_chart_names_the_shortfalls_percentiles() {
    let r = run(None, &["--iterations", "30000"]);
    let text = joined(&svg_texts(&read(&r.dir, "exceedance.svg")));
    for p in [90, 95] {
        let value = r.summary["shortfall"]["percentiles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["p"] == p)
            .unwrap()["value"]
            .as_f64()
            .unwrap();
        let label = format!("Shortfall P{p} £{value:.1}m");
        assert!(text.contains(&label), "{label:?} in {text:?}");
    }
}

#[test]
fn chart_text_stays_inside_the_chart() {
    let r = run(None, &["--iterations", "30000", "--reserves", "150"]);
    assert_text_inside(&r.dir, "Kent, reserves £150m");
    assert!(read(&r.dir, "distribution.svg").contains("Usable reserves £150.0m"));
    // Every year breaches, with a long saving's name.
    let (_keep, model) = model_file(
        r#"
[meta]
name = "Always breaches"
council = "Test"
year = "2024/25"
unit = "£m"

[lines.pressure]
kind = "simple"
base = 100
growth = { dist = "normal", mean = 0.50, sd = 0.02 }
budget = 100
source = "assumption: test"

[savings.long]
label = "Transformation of adult social care commissioning and market shaping programme"
amount = 5
recurring = true
delivered = { dist = "pert", min = 0.2, mode = 0.6, max = 1.0 }
source = "assumption: test"

[reserves.general_fund]
kind = "general_fund"
amount = 1
source = "assumption: test"
"#,
    );
    let r = run(Some(&model), &["--iterations", "30000"]);
    assert_eq!(num(&r.summary, "/s114/probability/estimate"), 1.0);
    assert_text_inside(&r.dir, "every year breaches");
    let savings = joined(&svg_texts(&read(&r.dir, "savings.svg")));
    assert!(
        savings.contains("Transformation of adult social care"),
        "{savings}"
    );
}

#[test]
fn reserves_far_off_the_scale_are_noted_not_drawn_to_scale() {
    let r = run(None, &["--iterations", "20000", "--reserves", "1e15"]);
    assert_text_inside(&r.dir, "reserves 1e15");
    for chart in ["distribution", "exceedance"] {
        let texts = svg_texts(&read(&r.dir, &format!("{chart}.svg")));
        let ticks = x_ticks(&texts);
        let top = ticks
            .iter()
            .map(|t| tick_value(&t.text))
            .fold(f64::MIN, f64::max);
        assert!(top < 1000.0, "{chart}: the axis runs to £{top}m");
        assert!(joined(&texts).contains("(off the scale)"), "{chart}");
    }
}

#[test]
fn tick_labels_are_distinct_and_do_not_overlap() {
    for (what, unit, scale) in [("small £m", "£m", 0.001), ("£", "£", 1e6)] {
        let (_keep, model) = model_file(&scaled_normal_sum(unit, scale));
        let r = run(Some(&model), &["--iterations", "20000"]);
        for chart in ["distribution", "exceedance", "waterfall"] {
            let texts = svg_texts(&read(&r.dir, &format!("{chart}.svg")));
            let ticks = x_ticks(&texts);
            assert!(ticks.len() >= 3, "{what} {chart}: {ticks:?}");
            let mut labels: Vec<&str> = ticks.iter().map(|t| t.text.as_str()).collect();
            labels.sort_unstable();
            labels.dedup();
            assert_eq!(
                labels.len(),
                ticks.len(),
                "{what} {chart}: repeated ticks {ticks:?}"
            );
            let mut spans: Vec<(f64, f64)> = ticks.iter().map(text_extent).collect();
            spans.sort_by(|a, b| a.0.total_cmp(&b.0));
            for pair in spans.windows(2) {
                assert!(
                    pair[0].1 <= pair[1].0,
                    "{what} {chart}: tick labels overlap {ticks:?}"
                );
            }
        }
        assert_text_inside(&r.dir, what);
    }
}

#[test]
fn a_model_with_no_variance_draws_a_point_on_a_sensible_axis() {
    // Every year the same: spend exactly the budget, so the gap is £0 in every year.
    let (_keep, model) = model_file(
        r#"
[meta]
name = "Balanced"
council = "Test"
year = "2024/25"
unit = "£m"

[lines.flat]
kind = "simple"
base = 10
budget = 10
source = "assumption: test"

[reserves.general_fund]
kind = "general_fund"
amount = 75
source = "assumption: test"
"#,
    );
    let r = run(Some(&model), &["--iterations", "20000"]);
    let texts = svg_texts(&read(&r.dir, "distribution.svg"));
    let ticks: Vec<f64> = x_ticks(&texts)
        .iter()
        .map(|t| tick_value(&t.text))
        .collect();
    assert!(
        ticks.iter().all(|v| v.abs() <= 2.0),
        "a point at £0 drawn on an axis of {ticks:?} (£m)"
    );
    assert!(joined(&texts).contains("Every year balances"), "{texts:?}");
    assert_text_inside(&r.dir, "no variance");
    // The deterministic fixture: gap and shortfall each the same every year.
    let r = run(
        Some(&crate::common::fixture("deterministic.toml")),
        &["--iterations", "20000"],
    );
    let text = joined(&svg_texts(&read(&r.dir, "distribution.svg")));
    assert!(text.contains("Every year: gap £1.23m"), "{text}");
    assert!(text.contains("Every year: shortfall £1.03m"), "{text}");
    assert_text_inside(&r.dir, "deterministic");
}

#[test]
fn a_model_without_savings_has_no_savings_chart() {
    let r = run(
        Some(&crate::common::fixture("normal-sum.toml")),
        &["--iterations", "20000"],
    );
    assert!(!r.dir.join("savings.png").exists());
    assert!(!r.dir.join("savings.svg").exists());
    assert!(r.dir.join("waterfall.png").exists());
    let html = read(&r.dir, "report.html");
    assert_eq!(
        html.matches("<svg").count(),
        CHARTS.len() - 1 + new_charts(&r.summary).len()
    );
    let md = read(&r.dir, "report.md");
    assert!(!md.contains("savings.png"));
    // No savings section with nothing in it.
    assert!(!md.contains("The budget counts on"), "{md}");
    assert!(md.contains("## The central case\n"), "{md}");
}

#[test]
fn a_model_without_uncertainty_has_no_tornado_and_says_so() {
    let r = run(
        Some(&crate::common::fixture("deterministic.toml")),
        &["--iterations", "20000"],
    );
    assert!(!r.dir.join("tornado.png").exists());
    assert!(!r.dir.join("tornado.svg").exists());
    let md = read(&r.dir, "report.md");
    assert!(!md.contains("tornado.png"));
    assert!(md.contains("No driver varies in this model"), "{md}");
}

#[test]
fn a_driver_that_lowers_the_gap_is_said_to_lower_it() {
    // The grant's variation leads: when it is high the gap falls. The sentence about the
    // top driver must say "takes … off", not "adds".
    let (_keep, model) = model_file(
        r#"
[meta]
name = "Grant"
council = "Test"
year = "2024/25"
unit = "£m"

[lines.spend]
kind = "simple"
base = 50
growth = { dist = "normal", mean = 0, sd = 0.01 }
budget = 50
source = "assumption: test"

[funding.grant]
budget = 100
variation = { dist = "normal", mean = 0, sd = 0.05 }
source = "assumption: test"

[reserves.general_fund]
kind = "general_fund"
amount = 5
source = "assumption: test"
"#,
    );
    let r = run(Some(&model), &["--iterations", "100000"]);
    let md = read(&r.dir, "report.md");
    let first = &r.summary["sensitivity"]["drivers"][0];
    assert_eq!(first["name"], "funding.grant.variation");
    assert!(first["high_effect"].as_f64().unwrap() < 0.0);
    let sentence = md
        .lines()
        .find(|l| l.starts_with("The gap is most sensitive to"))
        .unwrap();
    let (high, low) = sentence.split_once("; in its lowest tenth").unwrap();
    assert!(
        high.contains("it takes £") && high.ends_with("off the gap by itself"),
        "{sentence}"
    );
    assert!(
        low.contains("it adds £") && low.ends_with("to the gap."),
        "{sentence}"
    );
}

/// A spread of one year as summary.json writes it: a mean and P5 … P95, each ±0.5.
fn spread_json(mean: f64, values: [f64; 7]) -> serde_json::Value {
    let percentiles: Vec<serde_json::Value> = [5, 10, 25, 50, 75, 90, 95]
        .iter()
        .zip(values)
        .map(|(p, v)| {
            serde_json::json!({"p": p, "value": v, "ci95_low": v - 0.5, "ci95_high": v + 0.5})
        })
        .collect();
    serde_json::json!({"mean": mean, "percentiles": percentiles})
}

fn chance_json(p: f64) -> serde_json::Value {
    serde_json::json!({
        "estimate": p,
        "ci95_low": (p - 0.002).max(0.0),
        "ci95_high": p + 0.002,
        "count": (p * 20_000.0).round() as u64,
        "method": "exact binomial (Clopper-Pearson)"
    })
}

/// Adds a three-year plan and the reserves question to a summary, as a gapsim that computes
/// them would write them.
fn with_plan(s: &mut serde_json::Value) {
    let own = s["reserves"]["usable"].clone();
    let year = |label: &str, shift: f64, chances: [f64; 4]| {
        serde_json::json!({
            "year": label,
            "net_budget": 1429,
            "planned_reserves": -shift / 2.0,
            "gap": spread_json(20.0 + shift, [-5.0, 2.0, 12.0, 20.0 + shift, 33.0 + shift, 45.0 + shift, 53.0 + shift]),
            "shortfall": spread_json(10.0 + shift, [0.0, 0.0, 2.0, 10.0 + shift, 23.0 + shift, 35.0 + shift, 43.0 + shift]),
            "balance": spread_json(60.0 - shift, [30.0 - 2.0 * shift, 40.0 - shift, 52.0 - shift, 63.0 - shift, 70.0, 75.0, 75.0]),
            "p_drawing_on_reserves": chance_json(chances[0]),
            "s114": chance_json(chances[1]),
            "first_breach": chance_json(chances[2]),
            "s114_by_now": chance_json(chances[3]),
        })
    };
    s["medium_term"] = serde_json::json!({
        "years": [
            year("2024/25", 0.0, [0.6, 0.01, 0.01, 0.01]),
            year("2025/26", 10.0, [0.65, 0.03, 0.025, 0.035]),
            year("2026/27", 20.0, [0.7, 0.08, 0.06, 0.095]),
        ],
        "s114_any_year": chance_json(0.095),
        "never_breached": chance_json(0.905),
        "after_breach": "The deficit carries forward <as a negative balance> | no recovery"
    });
    let levels: Vec<serde_json::Value> = [(80, 50.0), (90, 70.0), (95, 90.0), (99, 130.0)]
        .iter()
        .map(|(c, a)| {
            serde_json::json!({"confidence": c, "amount": a, "ci95_low": a - 3.0,
                               "ci95_high": a + 3.0, "share_of_net_budget": a / 1429.0})
        })
        .collect();
    let curve: Vec<serde_json::Value> = (0..100)
        .map(|k| {
            let r = 1.5 * f64::from(k);
            serde_json::json!({"reserves": r, "p_clear": 1.0 - 0.9 * (-r / 40.0_f64).exp()})
        })
        .collect();
    s["reserves_needed"] = serde_json::json!({
        "method": "the order statistic of each path's largest call on reserves",
        "period": "2024/25 to 2026/27",
        "own": own,
        "own_share_of_net_budget": 75.0 / 1429.0,
        "floor_share": 0.05,
        "floor": 71.45,
        "levels": levels,
        "curve": curve,
    });
}

#[test]
fn report_rebuilds_a_plan_of_several_years_with_its_tables_checked() {
    let r = run(None, &["--iterations", "20000"]);
    let (_tmp, dir) = crate::runs::tampered(&r.dir, with_plan);
    // The tables a run with these figures writes beside summary.json.
    let summary =
        gapsim::report::json::parse(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
    let tables = gapsim::report::csv::data_files(&summary);
    let names: Vec<&str> = tables.iter().map(|t| t.0).collect();
    assert_eq!(names, ["percentiles.csv", "years.csv", "reserves.csv"]);
    let mut manifest = std::fs::read_to_string(dir.join("manifest.sha256")).unwrap();
    for (name, bytes) in &tables[1..] {
        std::fs::write(dir.join(name), bytes).unwrap();
        if !manifest.contains(&format!("  {name}\n")) {
            manifest.push_str(&format!("{}  {name}\n", "0".repeat(64)));
        }
    }
    std::fs::write(dir.join("manifest.sha256"), manifest).unwrap();
    crate::runs::reseal(&dir);

    let out = gapsim().arg("report").arg(&dir).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = read(&dir, "report.md");
    let html = read(&dir, "report.html");
    for doc in [&md, &html] {
        assert!(doc.contains("Medium term: 2024/25 to 2026/27"));
        assert!(doc.contains("Reserves needed"));
        assert!(
            doc.contains("The chance of an S114-level year between 2024/25 and 2026/27 is 9.5%")
        );
    }
    // Model text escaped in both.
    assert!(
        md.contains("&lt;as a negative balance&gt; \\| no recovery"),
        "{md}"
    );
    assert!(html.contains("&lt;as a negative balance&gt; | no recovery"));
    for chart in ["gap_fan", "reserves_fan", "first_breach", "reserves_curve"] {
        assert!(md.contains(&format!("]({chart}.png)")), "{chart}");
        let png = std::fs::read(dir.join(format!("{chart}.png"))).unwrap();
        assert_eq!(png_size(&png), gapsim::chart::SIZE, "{chart}.png");
        assert!(read(&dir, &format!("{chart}.svg")).starts_with("<svg"));
        assert!(read(&dir, "manifest.sha256").contains(&format!("  {chart}.svg\n")));
    }
    assert_text_inside(&dir, "a plan of three years");
    // The folder checks out afterwards, with the new charts' digests in its manifest.
    let out = gapsim().arg("report").arg(&dir).output().unwrap();
    assert!(out.status.success());

    // A table that is not the summary's is refused, even resealed.
    let path = dir.join("reserves.csv");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"curve,,200,,,,1\n");
    std::fs::write(&path, bytes).unwrap();
    crate::runs::reseal(&dir);
    let out = gapsim().arg("report").arg(&dir).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("is not the table of the reserves needed"),
        "{err}"
    );
}

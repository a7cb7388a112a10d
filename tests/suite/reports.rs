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

fn read(dir: &Path, name: &str) -> String {
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
        "model.toml",
        "report.html",
        "report.md",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for c in CHARTS {
        expected.push(format!("{c}.png"));
        expected.push(format!("{c}.svg"));
    }
    expected.sort();
    assert_eq!(names, expected);

    let axis_words: [(&str, &[&str]); 5] = [
        (
            "distribution",
            &[
                "Share of simulated years (%)",
                "Gap in £m",
                "Usable reserves £75.0m",
            ],
        ),
        (
            "exceedance",
            &["Chance of exceeding it (%)", "Amount in £m", "P95"],
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
        ("savings", &["£m in the year", "ASC: service redesign"]),
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
        "Chance the shortfall exceeds each amount",
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
    assert_eq!(html.matches("<svg").count(), CHARTS.len());
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
    let r = run(None, &["--iterations", "20000"]);
    let before: Vec<(String, Vec<u8>)> =
        ["report.html", "report.md", "tornado.png", "waterfall.svg"]
            .iter()
            .map(|n| (n.to_string(), std::fs::read(r.dir.join(n)).unwrap()))
            .collect();
    for (n, _) in &before {
        std::fs::remove_file(r.dir.join(n)).unwrap();
    }
    let out = gapsim().arg("report").arg(&r.dir).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (n, bytes) in &before {
        assert!(
            std::fs::read(r.dir.join(n)).unwrap() == *bytes,
            "{n} differs when rebuilt"
        );
    }
    // A changed model is refused: the report would not describe the run.
    std::fs::write(r.dir.join("model.toml"), "# edited\n").unwrap();
    let out = gapsim().arg("report").arg(&r.dir).output().unwrap();
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
        count, 3,
        "--no-charts writes only summary, percentiles and model"
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

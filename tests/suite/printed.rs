//! The committee report as a committee member meets it: printed to A4 by Chromium, and read
//! on a 420-pixel-wide phone screen.
//!
//! These tests need Chromium (`chromium`, Debian's package name, or `chromium-browser` /
//! `google-chrome`) and poppler's `pdftotext` and `pdfinfo` (`poppler-utils`). CI installs
//! both and sets `GAPSIM_REQUIRE_TOOLS=1` (`.ci/run`), so there a missing tool fails the
//! test; elsewhere it is skipped with a note (see `common::tool_missing`).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::gapsim;

/// The first of `names` found on PATH.
fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// Chromium, pdftotext and pdfinfo, or `None` (after `tool_missing`) when one is missing.
fn tools() -> Option<(PathBuf, PathBuf, PathBuf)> {
    let found = (
        on_path(&["chromium", "chromium-browser", "google-chrome"]),
        on_path(&["pdftotext"]),
        on_path(&["pdfinfo"]),
    );
    match found {
        (Some(c), Some(t), Some(i)) => Some((c, t, i)),
        _ => {
            crate::common::tool_missing(
                "Chromium or poppler-utils",
                "apt-get install chromium poppler-utils",
            );
            None
        }
    }
}

/// Runs headless Chromium with `args` and the flags that keep it quiet and sandbox-free,
/// with its own profile in `scratch`; returns its standard output.
fn chromium(browser: &Path, scratch: &Path, args: &[String]) -> String {
    let profile = scratch.join(format!(
        "profile-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("Chromium runs");
    assert!(
        out.status.success(),
        "Chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A Kent run dated 5 March 2025, written under `tmp`.
fn dated_run(tmp: &Path) -> PathBuf {
    let dir = tmp.join("run");
    let out = gapsim()
        .env("SOURCE_DATE_EPOCH", "1741132800")
        .args(["run", "--iterations", "30000", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// A dated run's report.html printed to A4 by Chromium: (the tools, the scratch folder,
/// the run folder, the PDF), or `None` when a tool is missing.
#[allow(clippy::type_complexity)]
fn printed() -> Option<(
    PathBuf,
    PathBuf,
    PathBuf,
    tempfile::TempDir,
    PathBuf,
    PathBuf,
)> {
    let (browser, pdftotext, pdfinfo) = tools()?;
    let tmp = tempfile::tempdir().unwrap();
    let dir = dated_run(tmp.path());
    let pdf = tmp.path().join("report.pdf");
    chromium(
        &browser,
        tmp.path(),
        &[
            "--no-pdf-header-footer".into(),
            format!("--print-to-pdf={}", pdf.display()),
            format!("file://{}", dir.join("report.html").display()),
        ],
    );
    Some((browser, pdftotext, pdfinfo, tmp, dir, pdf))
}

/// The words of one PDF page with their boxes (pdftotext -bbox), and the page's height.
fn words_on_page(pdftotext: &Path, pdf: &Path, page: usize) -> (f64, Vec<(String, f64, f64)>) {
    let (_, height, words) = boxes_on_page(pdftotext, pdf, page);
    let words = words.into_iter().map(|w| (w.0, w.3, w.4)).collect();
    (height, words)
}

/// One word of a PDF page: its text and box (xMin, xMax, yMin, yMax), in points.
type Word = (String, f64, f64, f64, f64);

/// The page's width and height and every word on it with its box (pdftotext -bbox).
fn boxes_on_page(pdftotext: &Path, pdf: &Path, page: usize) -> (f64, f64, Vec<Word>) {
    let out = Command::new(pdftotext)
        .args(["-bbox", "-f", &page.to_string(), "-l", &page.to_string()])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let attr = |tag: &str, name: &str| -> f64 {
        let key = format!("{name}=\"");
        let at = tag.find(&key).unwrap() + key.len();
        tag[at..at + tag[at..].find('"').unwrap()].parse().unwrap()
    };
    let page_tag = text.split("<page").nth(1).expect("a page");
    let height = attr(&page_tag[..page_tag.find('>').unwrap()], "height");
    let width = attr(&page_tag[..page_tag.find('>').unwrap()], "width");
    let words = text
        .split("<word")
        .skip(1)
        .map(|w| {
            let tag = &w[..w.find('>').unwrap()];
            let body = &w[w.find('>').unwrap() + 1..w.find("</word>").unwrap()];
            (
                body.to_string(),
                attr(tag, "xMin"),
                attr(tag, "xMax"),
                attr(tag, "yMin"),
                attr(tag, "yMax"),
            )
        })
        .collect();
    (width, height, words)
}

#[test]
fn the_printed_report_has_its_date_page_numbers_and_a_full_first_page() {
    let Some((_browser, pdftotext, pdfinfo, _tmp, _dir, pdf)) = printed() else {
        return;
    };
    let info = Command::new(&pdfinfo).arg(&pdf).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .expect("pdfinfo gives the page count")
        .trim()
        .parse()
        .unwrap();
    assert!(pages >= 5, "{pages} pages");
    assert!(
        info.lines()
            .any(|l| l.starts_with("Page size:") && l.ends_with("(A4)")),
        "{info}"
    );
    for page in 1..=pages {
        let (_, words) = words_on_page(&pdftotext, &pdf, page);
        let text: Vec<&str> = words.iter().map(|w| w.0.as_str()).collect();
        let text = text.join(" ");
        assert!(
            text.contains(&format!("Page {page} of {pages}")),
            "page {page}: {text}"
        );
        assert!(
            text.contains("5 March 2025"),
            "page {page} is dated: {text}"
        );
    }
    // The first page is full: its body (between the 18 mm margins, which hold the date
    // and the page number) runs to at least three-quarters of the way down the page.
    let (height, words) = words_on_page(&pdftotext, &pdf, 1);
    let margin = 18.0 / 25.4 * 72.0;
    let body_end = words
        .iter()
        .filter(|w| w.1 > margin && w.2 < height - margin)
        .map(|w| w.2)
        .fold(0.0, f64::max);
    assert!(
        body_end >= 0.75 * height,
        "the first page's text ends {:.0}% of the way down",
        100.0 * body_end / height
    );
}

#[test]
fn the_printed_report_keeps_to_the_a4_width_and_leads_with_the_headline() {
    // Every word of every page (table cells and the charts' labels included: the charts
    // are inline SVG, so their text is in the PDF) lies inside the A4 page less its 16 mm
    // side margins; and page 1 carries the headline: the S114-level chance with its
    // interval and the reserves, as summary.json has them.
    let Some((_browser, pdftotext, pdfinfo, _tmp, dir, pdf)) = printed() else {
        return;
    };
    let info = Command::new(&pdfinfo).arg(&pdf).output().unwrap();
    let pages: usize = String::from_utf8_lossy(&info.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:").map(|n| n.trim().parse().unwrap()))
        .expect("pdfinfo gives the page count");
    let side = 16.0 / 25.4 * 72.0;
    let mut words_seen = 0;
    for page in 1..=pages {
        let (width, _, words) = boxes_on_page(&pdftotext, &pdf, page);
        assert!(
            (width - 595.0).abs() < 2.0,
            "page {page} is {width} points wide"
        );
        for (word, x0, x1, _, _) in &words {
            assert!(
                *x0 >= side - 1.0 && *x1 <= width - side + 1.0,
                "page {page}: {word:?} runs from {x0:.1} to {x1:.1} of {width:.1} points"
            );
        }
        words_seen += words.len();
    }
    assert!(words_seen > 500, "{words_seen} words read");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
    let p = &summary["s114"]["probability"];
    let pct = |x: &serde_json::Value| format!("{:.1}%", 100.0 * x.as_f64().unwrap());
    let (_, _, first) = boxes_on_page(&pdftotext, &pdf, 1);
    let text: Vec<&str> = first.iter().map(|w| w.0.as_str()).collect();
    let text = text.join(" ");
    let reserves = summary["reserves"]["usable"].as_f64();
    assert!(reserves.is_some(), "summary.json has no reserves.usable");
    for figure in [
        pct(&p["estimate"]),
        pct(&p["ci95_low"]),
        pct(&p["ci95_high"]),
    ] {
        assert!(text.contains(&figure), "page 1 lacks {figure}: {text}");
    }
    if let Some(r) = reserves {
        let r = format!("£{r:.1}m");
        assert!(text.contains(&r), "page 1 lacks the reserves {r}: {text}");
    }
}

/// Loads `report` into a 420-pixel-wide frame and returns (the width of its content,
/// the width of the frame's viewport, the elements that reach beyond it).
fn at_420_pixels(browser: &Path, scratch: &Path, report: &str) -> (u32, u32, String) {
    let srcdoc = report.replace('&', "&amp;").replace('"', "&quot;");
    // A frame, since headless Chromium's window is at least 500 pixels wide; a srcdoc frame
    // shares the page's origin, so the page's script can measure it.
    let page = format!(
        "<!DOCTYPE html><html><body style=\"margin:0\">\
         <iframe id=\"f\" style=\"border:0;width:420px;height:800px\" srcdoc=\"{srcdoc}\">\
         </iframe><script>\
         document.getElementById('f').addEventListener('load', function () {{\
           var d = this.contentDocument, wide = [];\
           d.querySelectorAll('main *').forEach(function (e) {{\
             var r = e.getBoundingClientRect();\
             if (r.right > d.documentElement.clientWidth + 0.5) wide.push(e.tagName);\
           }});\
           document.body.setAttribute('data-content', String(d.documentElement.scrollWidth));\
           document.body.setAttribute('data-viewport', String(d.documentElement.clientWidth));\
           document.body.setAttribute('data-wide', wide.join(' '));\
         }});</script></body></html>"
    );
    let file = scratch.join("narrow.html");
    std::fs::write(&file, page).unwrap();
    let dom = chromium(
        browser,
        scratch,
        &[
            "--window-size=500,900".into(),
            "--virtual-time-budget=5000".into(),
            "--dump-dom".into(),
            format!("file://{}", file.display()),
        ],
    );
    let attr = |name: &str| -> String {
        let key = format!("{name}=\"");
        let at = dom.find(&key).unwrap_or_else(|| {
            panic!("the frame was not measured: {}", &dom[..dom.len().min(400)])
        }) + key.len();
        dom[at..at + dom[at..].find('"').unwrap()].to_string()
    };
    (
        attr("data-content").parse().unwrap(),
        attr("data-viewport").parse().unwrap(),
        attr("data-wide"),
    )
}

#[test]
fn the_report_fits_a_420_pixel_screen() {
    let Some((browser, _, _)) = tools() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = dated_run(tmp.path());
    let report = std::fs::read_to_string(dir.join("report.html")).unwrap();
    let (content, viewport, wide) = at_420_pixels(&browser, tmp.path(), &report);
    assert!(viewport > 380 && viewport <= 420, "viewport {viewport}");
    assert!(
        content <= viewport,
        "the page scrolls sideways: {content} pixels of content in {viewport}"
    );
    assert_eq!(wide, "", "elements wider than the screen");
    // The check can fail: the same report without its narrow-screen rules does not fit.
    let plain = report.replace(
        "@media screen and (max-width: 600px)",
        "@media (max-width: 1px)",
    );
    let plain = plain.replace("div.table { overflow-x: auto;", "div.table {");
    let (content, viewport, _) = at_420_pixels(&browser, tmp.path(), &plain);
    assert!(content > viewport, "{content} in {viewport}");
}

//! results.xlsx and report.docx, read back as a spreadsheet and a Word file would be: the
//! workbook's figures are summary.json's (and comparison.json's), and the Word document
//! says what report.md says, with Word's headings, tables, the charts and A4 pages.

use std::io::{Cursor, Read as _};
use std::path::Path;

use calamine::{Data, Range, Reader as _, Xlsx};
use gapsim::stats::Summary;
use serde_json::Value;

use crate::common::{fixture, gapsim, num, run};

fn model(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models")
        .join(name)
}

/// The summary as gapsim reads it back (chances as serde_json parses them, which is what
/// the run wrote the workbook from).
fn summary_of(dir: &Path) -> Summary {
    gapsim::report::json::parse(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap()
}

fn workbook(dir: &Path) -> Xlsx<Cursor<Vec<u8>>> {
    let bytes = std::fs::read(dir.join("results.xlsx")).expect("results.xlsx");
    calamine::open_workbook_from_rs(Cursor::new(bytes)).expect("a workbook calamine reads")
}

fn sheet(book: &mut Xlsx<Cursor<Vec<u8>>>, name: &str) -> Range<Data> {
    book.worksheet_range(name)
        .unwrap_or_else(|e| panic!("sheet {name}: {e}"))
}

/// The row whose first cell is `label`.
fn row<'a>(range: &'a Range<Data>, label: &str) -> &'a [Data] {
    range
        .rows()
        .find(|r| r.first() == Some(&Data::String(label.into())))
        .unwrap_or_else(|| panic!("no row {label:?}"))
}

fn float(d: &Data) -> f64 {
    match d {
        Data::Float(x) => *x,
        Data::Int(i) => *i as f64,
        other => panic!("{other:?} is not a number"),
    }
}

/// Asserts `cells[1..]` are the numbers at `pointers` of summary.json, exactly.
#[track_caller]
fn assert_json(cells: &[Data], json: &Value, pointers: &[&str]) {
    for (k, p) in pointers.iter().enumerate() {
        assert_eq!(float(&cells[k + 1]), num(json, p), "{p}");
    }
}

#[test]
fn results_xlsx_holds_summary_jsons_headline_figures_and_every_percentile() {
    let r = run(None, &["--iterations", "30000"]);
    let s = summary_of(&r.dir);
    let mut book = workbook(&r.dir);
    let summary = sheet(&mut book, "Summary");
    let j = &r.summary;
    assert_json(
        row(&summary, "Net revenue budget"),
        j,
        &["/model/net_budget"],
    );
    assert_json(row(&summary, "Usable reserves"), j, &["/reserves/usable"]);
    assert_json(
        row(&summary, "Mean gap before mitigation"),
        j,
        &["/gap/mean", "/gap/mean_se"],
    );
    for (label, k) in [("Gap P10", 1), ("Median gap (P50)", 3), ("Gap P90", 5)] {
        let at = format!("/gap/percentiles/{k}");
        assert_eq!(
            num(j, &format!("{at}/p")),
            [0.0, 10.0, 0.0, 50.0, 0.0, 90.0][k]
        );
        let fields = ["value", "se", "ci95_low", "ci95_high"].map(|f| format!("{at}/{f}"));
        let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
        assert_json(row(&summary, label), j, &fields);
    }
    assert_json(
        row(&summary, "Mean shortfall after mitigation"),
        j,
        &["/shortfall/mean", "/shortfall/mean_se"],
    );
    assert_json(
        row(&summary, "Mitigation used (mean)"),
        j,
        &["/mitigation_used", "/mitigation_used_se"],
    );
    for (label, p) in [
        ("P(drawing on reserves)", &s.p_drawing_on_reserves),
        ("P(S114-level shortfall)", &s.s114.probability),
    ] {
        let cells = row(&summary, label);
        assert_eq!(float(&cells[1]), p.estimate, "{label}");
        assert_eq!(float(&cells[3]), p.ci95_low, "{label}");
        assert_eq!(float(&cells[4]), p.ci95_high, "{label}");
    }
    assert!(s.s114.probability.estimate > 0.0 && s.s114.probability.ci95_low > 0.0);
    assert_eq!(
        row(&summary, "Headline")[1],
        Data::String(gapsim::report::document::headline(&s))
    );

    // Every percentile, as percentiles.csv and summary.json give it.
    let table = sheet(&mut book, "Percentiles");
    let rows: Vec<&[Data]> = table.rows().skip(1).collect();
    assert_eq!(rows.len(), 99);
    assert_eq!(rows.len(), r.percentiles.len());
    for ((cells, csv), pr) in rows.iter().zip(&r.percentiles).zip(&s.percentiles) {
        assert_eq!(float(&cells[0]), f64::from(pr.p));
        assert_eq!(
            (float(&cells[1]), float(&cells[4])),
            (csv.1, csv.2),
            "P{}",
            pr.p
        );
        let expected = [
            pr.gap,
            pr.gap_ci95_low,
            pr.gap_ci95_high,
            pr.shortfall,
            pr.shortfall_ci95_low,
            pr.shortfall_ci95_high,
        ];
        for (cell, d) in cells[1..].iter().zip(expected) {
            assert_eq!(
                float(cell),
                d.to_string().parse::<f64>().unwrap(),
                "P{}",
                pr.p
            );
        }
    }

    // The factors in their order, the savings, the report's assumptions.
    let factors = sheet(&mut book, "Sensitivity");
    for (cells, f) in factors.rows().skip(1).zip(&s.sensitivity.factors) {
        assert_eq!(cells[1], Data::String(f.label.clone()));
        assert_eq!(float(&cells[2]), f.contribution);
    }
    let savings = sheet(&mut book, "Savings at risk");
    for x in &s.savings.by_saving {
        let cells = row(&savings, &x.label);
        assert_eq!(
            float(&cells[1]),
            x.planned.to_string().parse::<f64>().unwrap()
        );
        assert_eq!(
            float(&cells[2]),
            x.expected.to_string().parse::<f64>().unwrap()
        );
    }
    let assumptions = sheet(&mut book, "Assumptions");
    let md = std::fs::read_to_string(r.dir.join("report.md")).unwrap();
    let section = md
        .split("## Assumptions and sources")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("the report's assumptions");
    // The table's lines less its header and its rule.
    let md_rows = section.lines().filter(|l| l.starts_with("| ")).count() - 2;
    assert!(md_rows > 20, "{md_rows}");
    assert_eq!(assumptions.rows().count() - 1, md_rows);
}

#[test]
fn a_plans_workbook_has_each_years_figures() {
    let r = run(
        Some(&model("kent-2024-27.toml")),
        &["--iterations", "30000"],
    );
    let s = summary_of(&r.dir);
    let mut book = workbook(&r.dir);
    let years = sheet(&mut book, "Years");
    let plan = s.medium_term.as_ref().expect("a plan");
    assert_eq!(plan.years.len(), 3);
    for (k, y) in plan.years.iter().enumerate() {
        let cells = row(&years, &y.year);
        let at = |p: &str| format!("/medium_term/years/{k}/{p}");
        let mut money = vec![at("net_budget"), at("planned_reserves")];
        for (part, se) in [("gap", true), ("shortfall", true), ("balance", false)] {
            money.push(at(&format!("{part}/mean")));
            if se {
                money.push(at(&format!("{part}/mean_se")));
            }
            // P5, P10, P25, P50, … : the 10th, 50th and 90th are at 1, 3 and 5.
            for i in [1, 3, 5] {
                money.push(at(&format!("{part}/percentiles/{i}/value")));
            }
        }
        let money: Vec<&str> = money.iter().map(String::as_str).collect();
        assert_json(cells, &r.summary, &money);
        let chances = [
            y.p_drawing_on_reserves.estimate,
            y.s114.estimate,
            y.s114.ci95_low,
            y.s114.ci95_high,
            y.first_breach.estimate,
            y.s114_by_now.estimate,
        ];
        for (cell, p) in cells[17..].iter().zip(chances) {
            assert_eq!(float(cell), p, "{}", y.year);
        }
    }
    let any = row(&years, "Any year of the plan");
    assert_eq!(float(&any[18]), plan.s114_any_year.estimate);
    assert!(plan.s114_any_year.estimate > plan.years[0].s114.estimate);
    let summary = sheet(&mut book, "Summary");
    let horizon = row(&summary, "P(S114-level year, 2024/25 to 2026/27)");
    assert_eq!(float(&horizon[1]), plan.s114_any_year.estimate);
    let needed = sheet(&mut book, "Reserves needed");
    let levels = &s
        .reserves_needed
        .as_ref()
        .expect("the reserves question")
        .levels;
    for (cells, l) in needed.rows().skip(1).zip(levels) {
        assert_eq!(float(&cells[0]), f64::from(l.confidence) / 100.0);
        assert_eq!(
            float(&cells[1]),
            l.amount.to_string().parse::<f64>().unwrap()
        );
    }
}

/// The parts of a zip: (name, bytes).
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("report.docx is a zip");
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut out = Vec::new();
            f.read_to_end(&mut out).unwrap();
            (f.name().to_string(), out)
        })
        .collect()
}

/// Each paragraph of document.xml: its style and its text, entities decoded.
fn paragraphs(xml: &str) -> Vec<(String, String)> {
    xml.split("<w:p ")
        .skip(1)
        .map(|p| {
            let p = p.split("</w:p>").next().unwrap_or("");
            let style = p
                .split("<w:pStyle w:val=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap_or("")
                .to_string();
            let text: String = p
                .split("<w:t")
                .skip(1)
                .filter_map(|t| t.split_once('>').map(|(_, rest)| rest))
                .map(|t| t.split("</w:t>").next().unwrap_or(""))
                .collect();
            let text = text
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&");
            (style, text)
        })
        .collect()
}

/// report.md's text without its Markdown escapes.
fn unescape(md: &str) -> String {
    let mut out = String::new();
    let mut chars = md.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            _ => out.push(c),
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[test]
fn report_docx_says_what_report_md_says_in_word_styles_on_a4() {
    let r = run(None, &["--iterations", "30000"]);
    let md = std::fs::read_to_string(r.dir.join("report.md")).unwrap();
    let parts = unzip(&std::fs::read(r.dir.join("report.docx")).unwrap());
    let part = |name: &str| {
        parts
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| String::from_utf8(b.clone()).unwrap())
            .unwrap_or_else(|| panic!("report.docx has no {name}"))
    };
    let xml = part("word/document.xml");
    assert!(xml.contains("w:pgSz w:w=\"11906\" w:h=\"16838\""), "A4");
    assert!(xml.matches("<w:tbl>").count() >= 4, "tables");
    let paras = paragraphs(&xml);
    let styled = |style: &str, text: &str| paras.iter().any(|(s, t)| s == style && t == text);

    // The title, each section heading and the headline, word for word.
    let title = md.lines().next().unwrap().trim_start_matches("# ");
    assert!(styled("Heading1", &unescape(title)), "{title}");
    let headings: Vec<&str> = md.lines().filter_map(|l| l.strip_prefix("## ")).collect();
    assert!(headings.len() >= 5, "{headings:?}");
    for h in headings {
        assert!(styled("Heading2", &unescape(h)), "heading {h:?}");
    }
    let headline = md
        .lines()
        .find_map(|l| l.strip_prefix("**").and_then(|l| l.strip_suffix("**")))
        .expect("report.md's headline");
    assert!(headline.contains("chance that the 2024/25 shortfall exceeds usable reserves"));
    assert!(styled("Headline", &unescape(headline)), "{headline}");
    // The percentile table's rows, cell for cell, as table text.
    let gap_row = md
        .lines()
        .find(|l| l.starts_with("| Gap before mitigation |"))
        .expect("the range table");
    for cell in gap_row.trim_matches('|').split(" | ").map(str::trim) {
        assert!(
            paras
                .iter()
                .any(|(s, t)| s == "TableText" && *t == unescape(cell)),
            "cell {cell:?}"
        );
    }
    // Every chart report.md shows, embedded as the run's own PNG.
    let figures = md.matches("](").count();
    assert!(figures >= 5);
    let media: Vec<&Vec<u8>> = parts
        .iter()
        .filter(|(n, _)| n.starts_with("word/media/") && n.ends_with(".png"))
        .map(|(_, b)| b)
        .collect();
    assert_eq!(media.len(), figures);
    for png in [
        "distribution",
        "exceedance",
        "tornado",
        "waterfall",
        "savings",
    ] {
        let bytes = std::fs::read(r.dir.join(format!("{png}.png"))).unwrap();
        assert!(media.contains(&&bytes), "{png}.png embedded");
    }
    assert_eq!(xml.matches("<pic:pic").count(), figures);
    let styles = part("word/styles.xml");
    assert!(styles.contains("w:styleId=\"Heading1\""));
    assert!(styles.contains("w:styleId=\"Heading2\""));
}

/// Runs the default model dated `epoch` into `<tmp>/<name>`.
fn dated_run(tmp: &Path, name: &str, epoch: &str) -> std::path::PathBuf {
    let dir = tmp.join(name);
    let out = gapsim()
        .env("SOURCE_DATE_EPOCH", epoch)
        .args(["run", "--iterations", "20000", "--out"])
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

#[test]
fn the_same_run_and_date_give_the_same_workbook_and_document() {
    let tmp = tempfile::tempdir().unwrap();
    let a = dated_run(tmp.path(), "a", "1741132800");
    let b = dated_run(tmp.path(), "b", "1741132800");
    let c = dated_run(tmp.path(), "c", "1741219200");
    for name in ["results.xlsx", "report.docx"] {
        let bytes = |d: &Path| std::fs::read(d.join(name)).unwrap();
        assert!(bytes(&a) == bytes(&b), "{name} differs between two runs");
        assert!(bytes(&a) != bytes(&c), "{name} does not carry its date");
    }
    // Both are in the manifest.
    let manifest = std::fs::read_to_string(a.join("manifest.sha256")).unwrap();
    assert!(manifest.contains("  results.xlsx\n") && manifest.contains("  report.docx\n"));
}

#[test]
fn a_comparisons_workbook_holds_comparison_jsons_differences() {
    let tmp = tempfile::tempdir().unwrap();
    let base = fixture("normal-sum.toml");
    let text = std::fs::read_to_string(&base).unwrap();
    let lower = tmp.path().join("lower.toml");
    std::fs::write(&lower, text.replacen("budget = 48\n", "budget = 45.5\n", 1)).unwrap();
    let dir = tmp.path().join("cmp");
    let out = gapsim()
        .arg("compare")
        .arg(&base)
        .arg(&lower)
        .args(["--iterations", "30000", "--seed", "9", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c: gapsim::stats::Comparison =
        gapsim::report::compare::parse(&std::fs::read(dir.join("comparison.json")).unwrap())
            .unwrap();
    let mut book = workbook(&dir);
    let models = sheet(&mut book, "Models");
    for m in &c.models {
        let cells = row(&models, &m.label);
        assert_eq!(
            float(&cells[4]),
            m.mean_gap.to_string().parse::<f64>().unwrap()
        );
        assert_eq!(float(&cells[9]), m.p_s114.estimate);
    }
    let diffs = sheet(&mut book, "Comparisons");
    let d = &c.differences[0];
    let key = |k: &str| {
        diffs
            .rows()
            .find(|r| r.get(2) == Some(&Data::String(k.into())))
            .unwrap_or_else(|| panic!("no row {k}"))
    };
    let mean = key("mean_gap");
    // The budget £2.5m lower makes every gap £2.5m higher: exactly, on common numbers.
    assert_eq!(float(&mean[5]), 2.5);
    assert_eq!(
        float(&mean[5]),
        d.mean_gap.difference.to_string().parse::<f64>().unwrap()
    );
    let s114 = key("p_s114");
    assert_eq!(float(&s114[5]), d.p_s114.difference);
    assert!(d.p_s114.difference > 0.0);
}

//! The report's words as a reader meets them: counts that agree in number, the date it
//! carries, and model text that cannot become Markdown.

use crate::common::{gapsim, run};
use crate::presentation::{md_row, md_table, split_row};
use crate::reports::{model_file, read};

#[test]
fn counts_agree_in_number() {
    let (_keep, model) = model_file(
        r#"
[meta]
name = "One of each"
council = "Test"
year = "2024/25"
unit = "£m"

[lines.spend]
kind = "simple"
base = 50
growth = { dist = "normal", mean = 0.02, sd = 0.02 }
budget = 50
source = "assumption: test"

[savings.only]
amount = 2
recurring = true
delivered = { dist = "pert", min = 0.5, mode = 0.9, max = 1.0 }
slippage = { dist = "pert", min = 0, mode = 1, max = 2 }
source = "assumption: test"

[reserves.general_fund]
kind = "general_fund"
amount = 1
source = "assumption: test"
"#,
    );
    let r = run(Some(&model), &["--iterations", "5000"]);
    let md = read(&r.dir, "report.md");
    assert!(md.contains("most likely 1 month |"), "{md}");
    assert!(md.contains("averages 1.0 month in breach years"), "{md}");
    assert!(md.contains("Simulated years: 5,000 in one batch;"), "{md}");
    assert!(md.contains("Savings delivery (1 saving)"), "{md}");
    for doc in [md.as_str(), r.stdout.as_str()] {
        for wrong in [
            "1 months",
            "1 batches",
            "1 savings",
            "1 simulated years",
            "1 drivers",
        ] {
            let hit = doc.match_indices(wrong).find(|(at, _)| {
                doc[..*at]
                    .chars()
                    .last()
                    .is_none_or(|c| !c.is_ascii_digit() && c != ',')
            });
            assert!(hit.is_none(), "{wrong:?} in\n{doc}");
        }
    }
}

#[test]
fn the_report_is_dated_by_source_date_epoch() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let out = gapsim()
        .env("SOURCE_DATE_EPOCH", "1741132800")
        .args(["run", "--iterations", "20000", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = read(&dir, "report.md");
    assert!(
        md.contains("*Report dated 5 March 2025, from 20,000 simulated years"),
        "{md}"
    );
    let html = read(&dir, "report.html");
    assert!(html.contains("Report dated 5 March 2025"));
    // In the printed page's margin too, and page numbers at its foot.
    assert!(
        html.contains("@top-right { content: \"5 March 2025\""),
        "{html}"
    );
    assert!(html.contains("counter(page) \" of \" counter(pages)"));
    // A malformed SOURCE_DATE_EPOCH is an error that names it.
    let out = gapsim()
        .env("SOURCE_DATE_EPOCH", "yesterday")
        .args(["run", "--iterations", "20000", "--out"])
        .arg(tmp.path().join("bad"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SOURCE_DATE_EPOCH"));
    assert!(!tmp.path().join("bad").exists(), "nothing written");
}

#[test]
fn model_text_cannot_become_markdown() {
    let nasty = r#"<img src=http://x> ![x](http://y) a|b *bold* `code` _u_ [l](http://z) &amp;"#;
    let (_keep, model) = model_file(&format!(
        r#"
[meta]
name = "Name {nasty}"
council = "Test"
year = "2024/25"
unit = "£m"

[drivers.d]
label = "Driver {nasty}"
dist = "normal"
mean = 0.02
sd = 0.02
source = "Source {nasty}"

[lines.spend]
label = "Line {nasty}"
kind = "simple"
base = 50
growth = "d"
budget = 50
source = "- {nasty}"

[savings.only]
label = "Saving {nasty}"
amount = 2
recurring = true
delivered = {{ dist = "pert", min = 0.5, mode = 0.9, max = 1.0 }}
source = "1. {nasty}"

[reserves.general_fund]
label = "Reserve {nasty}"
kind = "general_fund"
amount = 1
source = "assumption: test"
"#
    ));
    let r = run(Some(&model), &["--iterations", "20000"]);
    let md = read(&r.dir, "report.md");
    assert!(!md.contains("<img"), "raw HTML in report.md");
    assert!(!md.contains("<"), "no < at all: every one is escaped");
    assert!(!md.contains("![x]"), "a remote image in report.md");
    assert!(!md.contains("[l](http"), "a link in report.md");
    // The only images are the charts beside the report: every unescaped `![` opens one.
    for (at, _) in md.match_indices("![") {
        if md[..at].ends_with('\\') {
            continue;
        }
        let target = md[at..]
            .split_once("](")
            .unwrap()
            .1
            .split(')')
            .next()
            .unwrap();
        assert!(
            target.ends_with(".png") && !target.contains(':') && !target.contains('/'),
            "an image of {target:?}"
        );
    }
    // Every table keeps its columns: the nasty `|` is escaped.
    let mut columns = None;
    for line in md.lines() {
        if line.starts_with("| ") {
            let n = split_row(line).len();
            assert_eq!(*columns.get_or_insert(n), n, "{line}");
        } else {
            columns = None;
        }
    }
    // The labels read as written once unescaped, in the savings and assumptions tables.
    let row = md_row(&md, &format!("Saving {nasty}"));
    assert_eq!(row[1], "2.0");
    let row = md_table(&md, "Kind")
        .into_iter()
        .find(|r| r[0] == "Spending line")
        .unwrap();
    assert_eq!(row[1], format!("Line {nasty}"));
    assert_eq!(row[3], format!("- {nasty}"));
    // A list item or heading does not start inside a text.
    assert!(
        md.starts_with("# Name &lt;img src=http://x&gt; \\!\\[x\\](http://y) a\\|b \\*bold\\*"),
        "{md}"
    );
    assert!(!md.lines().any(|l| l.starts_with("1. ")));
    // report.html escapes too.
    let html = read(&r.dir, "report.html");
    assert!(!html.contains("<img"));
}

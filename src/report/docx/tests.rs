use std::io::{Cursor, Read as _};

use super::*;
use crate::report::document;
use crate::stats::fixture;

fn date() -> Date {
    Date::from_unix_seconds(1_741_132_800) // 5 March 2025
}

/// The document's parts: (name, bytes).
fn parts(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).expect("a part");
            let mut out = Vec::new();
            f.read_to_end(&mut out).expect("readable");
            (f.name().to_string(), out)
        })
        .collect()
}

fn text_of(bytes: &[u8], name: &str) -> String {
    let all = parts(bytes);
    let (_, b) = all.iter().find(|(n, _)| n == name).expect("the part");
    String::from_utf8(b.clone()).expect("UTF-8")
}

fn kent_report() -> (Vec<Block>, Vec<Chart>) {
    let (model, s) = fixture::kent();
    let charts = crate::chart::render_all(s).expect("charts");
    (document::build(s, model, &date()), charts)
}

#[test]
fn the_report_becomes_word_headings_tables_and_pictures_on_a4() {
    let (blocks, charts) = kent_report();
    let bytes = render("Kent: budget gap risk", &date(), &blocks, &charts).expect("a document");
    let xml = text_of(&bytes, "word/document.xml");
    assert!(xml.contains("<w:pStyle w:val=\"Heading1\" />"), "{xml}");
    assert!(xml.contains("<w:pStyle w:val=\"Heading2\" />"));
    assert!(xml.contains("w:pgSz w:w=\"11906\" w:h=\"16838\""));
    let tables = blocks
        .iter()
        .filter(|b| matches!(b, Block::Table { .. }))
        .count();
    assert!(tables > 0);
    assert_eq!(xml.matches("<w:tbl>").count(), tables);
    let figures = blocks
        .iter()
        .filter(
            |b| matches!(b, Block::Figure { chart, .. } if charts.iter().any(|c| c.name == *chart)),
        )
        .count();
    let media: Vec<_> = parts(&bytes)
        .into_iter()
        .filter(|(n, _)| n.starts_with("word/media/") && n.ends_with(".png"))
        .collect();
    assert!(figures > 0);
    assert_eq!(media.len(), figures);
    for (_, png) in &media {
        assert!(charts.iter().any(|c| c.png == *png), "an embedded chart");
    }
    let styles = text_of(&bytes, "word/styles.xml");
    assert!(styles.contains("w:styleId=\"Heading2\""), "{styles}");
    let core = text_of(&bytes, "docProps/core.xml");
    assert!(core.contains("2025-03-05T00:00:00Z"), "{core}");
}

#[test]
fn the_same_blocks_and_date_give_the_same_bytes() {
    let (blocks, charts) = kent_report();
    let a = render("T", &date(), &blocks, &charts).expect("a document");
    // docx-rs's own counters have moved on in between.
    let _ = docx_rs::Paragraph::new();
    let _ = Pic::new_with_dimensions(Vec::new(), 1, 1);
    let b = render("T", &date(), &blocks, &charts).expect("a document");
    assert_eq!(a, b);
    let c = render("T", &Date::from_unix_seconds(0), &blocks, &charts).expect("a document");
    assert_ne!(a, c);
}

#[test]
fn a_missing_or_broken_chart_is_left_out() {
    let blocks = vec![
        Block::Figure {
            chart: "distribution",
            caption: "absent".into(),
        },
        Block::Figure {
            chart: "tornado",
            caption: "broken".into(),
        },
    ];
    let broken = Chart {
        name: "tornado",
        title: String::new(),
        svg: String::new(),
        png: b"not a png".to_vec(),
    };
    let bytes = render("T", &date(), &blocks, &[broken]).expect("a document");
    let xml = text_of(&bytes, "word/document.xml");
    assert!(!xml.contains("absent") && !xml.contains("broken"), "{xml}");
    assert!(
        !parts(&bytes)
            .iter()
            .any(|(n, _)| n.starts_with("word/media/"))
    );
}

#[test]
fn model_text_is_escaped_and_control_characters_dropped() {
    let blocks = vec![
        Block::Paragraph("R&D <costs> \u{1}rise".into()),
        Block::Heading(9, "deep".into()),
    ];
    let bytes = render("T", &date(), &blocks, &[]).expect("a document");
    let xml = text_of(&bytes, "word/document.xml");
    assert!(xml.contains("R&amp;D &lt;costs&gt;  rise"), "{xml}");
    assert!(xml.contains("<w:pStyle w:val=\"Heading4\" />"), "{xml}");
}

#[test]
fn png_sizes_come_from_the_header() {
    let (_, charts) = kent_report();
    let (w, h) = png_size(&charts[0].png).expect("a PNG");
    assert!(w > h && h > 100, "{w}×{h}");
    assert_eq!(png_size(b"\x89PNG\r\n\x1a\n"), None);
    assert_eq!(png_size(&[]), None);
}

#[test]
fn columns_fit_their_longest_word_and_share_the_rest_of_the_page() {
    let header = vec!["£m".to_string(), "Mean".to_string()];
    let rows = vec![vec![
        "Gap before mitigation".to_string(),
        "43.0".to_string(),
    ]];
    let w = column_widths(&header, &rows);
    assert!(w.iter().sum::<usize>() <= TEXT_WIDTH);
    assert!(TEXT_WIDTH - w.iter().sum::<usize>() < w.len(), "{w:?}");
    // "Mean" needs four characters and its margins.
    assert!(w[1] >= 4 * 110 + 240, "{w:?}");
    assert!(w[0] > w[1], "{w:?}");
    let many: Vec<String> = (0..40).map(|i| format!("column{i}")).collect();
    let w = column_widths(&many, &[]);
    assert!(w.iter().sum::<usize>() <= TEXT_WIDTH, "{w:?}");
}

#[test]
fn a_long_address_does_not_squeeze_the_other_columns() {
    let header: Vec<String> = ["Kind", "Item", "Figure", "Source"]
        .map(String::from)
        .to_vec();
    let rows = vec![vec![
        "Spending line".to_string(),
        "Learning disability placements".to_string(),
        "3,530 clients × £1,268 a week × 52; budget £261.7m".to_string(),
        format!("see https://example.org/{}", "x".repeat(120)),
    ]];
    let w = column_widths(&header, &rows);
    // "Spending" and "disability" whole.
    assert!(w[0] >= 8 * 110 + 240 && w[1] >= 10 * 110 + 240, "{w:?}");
    // The figure has room beyond its longest word; the long source the most.
    assert!(w[2] > 1_500 && w[3] > w[2], "{w:?}");
}

#[test]
fn lists_are_bulleted() {
    let blocks = vec![Block::List(vec!["one".into(), "two".into()])];
    let bytes = render("T", &date(), &blocks, &[]).expect("a document");
    let xml = text_of(&bytes, "word/document.xml");
    assert_eq!(
        xml.matches(&format!("<w:numId w:val=\"{BULLETS}\" />"))
            .count(),
        2,
        "{xml}"
    );
    let numbering = text_of(&bytes, "word/numbering.xml");
    let ours = numbering
        .split(&format!("<w:abstractNum w:abstractNumId=\"{BULLETS}\""))
        .nth(1)
        .expect("the bullets' definition");
    assert!(ours.contains("<w:numFmt w:val=\"bullet\" />"), "{ours}");
    assert!(
        numbering.contains(&format!(
            "<w:num w:numId=\"{BULLETS}\"><w:abstractNumId w:val=\"{BULLETS}\" />"
        )),
        "{numbering}"
    );
}

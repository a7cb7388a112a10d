use std::io::{Cursor, Read as _};

use calamine::{Data, Reader as _, Xlsx};

use super::*;
use crate::stats::fixture;

fn date() -> Date {
    Date::from_unix_seconds(1_741_132_800) // 5 March 2025
}

/// A part of the workbook's zip, as text.
fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
    let mut text = String::new();
    zip.by_name(name)
        .expect("the part")
        .read_to_string(&mut text)
        .expect("UTF-8");
    text
}

fn sheet_names(bytes: &[u8]) -> Vec<String> {
    let book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx");
    book.sheet_names().to_vec()
}

#[test]
fn the_same_summary_and_date_give_the_same_bytes() {
    let (model, s) = fixture::kent();
    let a = results(s, model, &date()).expect("a workbook");
    let b = results(s, model, &date()).expect("a workbook");
    assert_eq!(a, b);
    let later = results(s, model, &Date::from_unix_seconds(1_741_219_200)).expect("a workbook");
    assert_ne!(a, later);
    let core = part(&a, "docProps/core.xml");
    assert!(core.contains("2025-03-05T00:00:00Z"), "{core}");
    assert!(part(&later, "docProps/core.xml").contains("2025-03-06T00:00:00Z"));
}

#[test]
fn a_one_year_run_has_no_years_sheet_and_a_plan_has_one() {
    let (model, s) = fixture::kent();
    let one = results(s, model, &date()).expect("a workbook");
    assert_eq!(
        sheet_names(&one),
        [
            "Summary",
            "Percentiles",
            "Drivers",
            "Sensitivity",
            "Savings at risk",
            "Assumptions"
        ]
    );
    let plan = results(&fixture::multi_year(), model, &date()).expect("a workbook");
    let names = sheet_names(&plan);
    assert!(names.contains(&"Years".to_string()), "{names:?}");
    assert!(names.contains(&"Reserves needed".to_string()), "{names:?}");
}

#[test]
fn money_is_shown_in_the_models_unit_and_held_exactly() {
    let (model, s) = fixture::kent();
    let bytes = results(s, model, &date()).expect("a workbook");
    let styles = part(&bytes, "xl/styles.xml");
    assert!(
        styles.contains("formatCode=\"&quot;£&quot;#,##0.0&quot;m&quot;\""),
        "{styles}"
    );
    assert!(styles.contains("formatCode=\"0.00%\""), "{styles}");
    let sheet = part(&bytes, "xl/worksheets/sheet1.xml");
    assert!(
        sheet.contains("ySplit=\"1\"") && sheet.contains("state=\"frozen\""),
        "frozen header: {sheet}"
    );
    // The numbers' column is as wide as its numbers, not as the headline beside them.
    let second = sheet
        .split("<col min=\"2\"")
        .nth(1)
        .and_then(|c| c.split("/>").next())
        .expect("column B's width");
    assert!(second.contains("width=\"11."), "{second}");
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx");
    let range = book.worksheet_range("Summary").expect("a Summary sheet");
    let row = range
        .rows()
        .find(|r| r.first() == Some(&Data::String("Mean gap before mitigation".into())))
        .expect("the mean gap's row");
    assert_eq!(row[1], Data::Float(sheet::to_f64(s.gap.mean)));
    let se = s.gap.mean_se.expect("a standard error");
    assert_eq!(row[2], Data::Float(sheet::to_f64(se)));
    let pounds = {
        let mut s = s.clone();
        s.model.unit = "£".into();
        results(&s, model, &date()).expect("a workbook")
    };
    let styles = part(&pounds, "xl/styles.xml");
    assert!(
        styles.contains("formatCode=\"&quot;£&quot;#,##0\""),
        "{styles}"
    );
    assert!(!styles.contains("#,##0.0&quot;m"), "{styles}");
}

#[test]
fn every_assumption_of_the_report_is_a_row() {
    let (model, s) = fixture::kent();
    let table = assumptions(s, model);
    let rows = crate::report::assumptions::rows(model, &s.model.unit);
    assert!(!rows.is_empty());
    assert_eq!(table.rows.len(), rows.len());
    for (cells, a) in table.rows.iter().zip(&rows) {
        assert_eq!(cells[2], Cell::Text(a.figure.clone()));
        assert_eq!(cells[3], Cell::Text(a.source.clone()));
    }
}

#[test]
fn a_strange_date_is_brought_within_excels_years() {
    let (model, s) = fixture::kent();
    let ancient = Date::from_unix_seconds(-5_000_000_000_000);
    let bytes = results(s, model, &ancient).expect("a workbook");
    assert!(part(&bytes, "docProps/core.xml").contains("1900-"));
}

#[test]
fn the_drivers_sheet_gives_each_laws_p10_median_and_p90_as_set() {
    // Against statrs's quantiles of the laws as the model writes them: a PERT (a Beta on
    // [min, max] with shapes 1 + 4·(mode − min)/(max − min) and 1 + 4·(max − mode)/
    // (max − min)) and a normal.
    use statrs::distribution::{Beta, ContinuousCDF as _, Normal};
    let (model, s) = fixture::kent();
    let bytes = results(s, model, &date()).expect("a workbook");
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).expect("xlsx");
    let range = book.worksheet_range("Drivers").expect("a Drivers sheet");
    let mut rows = range.rows();
    let header: Vec<String> = rows.next().unwrap().iter().map(|c| c.to_string()).collect();
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (p10, p50, p90) = (
        col("P10 (as set)"),
        col("Median (as set)"),
        col("P90 (as set)"),
    );
    let row = |name: &str| {
        range
            .rows()
            .find(|r| r.get(1) == Some(&Data::String(name.into())))
            .unwrap_or_else(|| panic!("{name}'s row"))
            .to_vec()
    };
    let float = |c: &Data| match c {
        Data::Float(x) => *x,
        other => panic!("{other:?} is not a number"),
    };
    let (lo, mode, hi) = (0.05, 0.07, 0.10);
    let beta = Beta::new(
        1.0 + 4.0 * (mode - lo) / (hi - lo),
        1.0 + 4.0 * (hi - mode) / (hi - lo),
    )
    .unwrap();
    let fee = row("care_fee_uplift");
    let normal = Normal::new(0.025, 0.01).unwrap();
    let demand = row("op_demand");
    for (c, p) in [(p10, 0.1), (p50, 0.5), (p90, 0.9)] {
        let want = lo + (hi - lo) * beta.inverse_cdf(p);
        assert!(
            (float(&fee[c]) - want).abs() < 1e-9,
            "{p}: {:?} vs {want}",
            fee[c]
        );
        let want = normal.inverse_cdf(p);
        assert!(
            (float(&demand[c]) - want).abs() < 1e-9,
            "{p}: {:?} vs {want}",
            demand[c]
        );
    }
    // In order.
    assert!(float(&fee[p10]) < float(&fee[p50]) && float(&fee[p50]) < float(&fee[p90]));
    // An event's law is its probability: no tenths (0 or 1, on the jump at 0.9).
    let measures = col("Measures");
    let events: Vec<_> = range
        .rows()
        .skip(1)
        .filter(|r| r.get(measures) == Some(&Data::String("event".into())))
        .collect();
    assert!(!events.is_empty(), "Kent has events");
    for r in events {
        assert_eq!(
            (&r[p10], &r[p50], &r[p90]),
            (&Data::Empty, &Data::Empty, &Data::Empty)
        );
    }
}

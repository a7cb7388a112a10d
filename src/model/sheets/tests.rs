use super::*;
use crate::model::Model;

const MODEL: &str = r#"[meta]
name = "Sheets"
council = "Test"
year = "2024/25"
unit = "£m"
net_budget = 100

[drivers.pay_award]
dist = "pert"
min = 0.02
mode = 0.03
max = 0.05
source = "assumption"

[lines]
from = "lines.csv"   # the spending lines

[savings.a]
amount = 1
recurring = true
source = "assumption"

[reserves.general_fund]
kind = "general_fund"
amount = 10
source = "assumption"
"#;

const LINES: &str = "name,label,kind,base,growth,budget,source\n\
                     pay,Pay,simple,50,pay_award,51.5,\"assumption: pay, 3%\"\n\
                     \n\
                     care,Care,simple,40,0.02,40.8,assumption\n";

fn file(name: &str, bytes: &[u8]) -> SheetFile {
    SheetFile {
        file: name.into(),
        label: format!("dir/{name}"),
        bytes: bytes.to_vec(),
    }
}

fn messages(l: &Located) -> Vec<String> {
    l.groups
        .iter()
        .flat_map(|(label, _, ds)| {
            ds.iter().map(move |d| {
                format!(
                    "{label}: {} | {}",
                    d.message,
                    d.help.clone().unwrap_or_default()
                )
            })
        })
        .collect()
}

#[test]
fn a_csv_sheet_becomes_the_tables_it_stands_for() {
    let e = expand(
        "m.toml",
        MODEL,
        Kind::Model,
        &[file("lines.csv", LINES.as_bytes())],
    )
    .unwrap();
    assert!(e.has_sheets());
    assert!(e.text.starts_with("# Written out by gapsim"), "{}", e.text);
    assert!(e.text.contains("#   lines.csv  "), "{}", e.text);
    assert!(
        e.text
            .contains("# from = lines.csv: written out below\n\n[lines.pay]\n")
    );
    assert!(
        e.text.contains("source = \"assumption: pay, 3%\"\n"),
        "{}",
        e.text
    );
    assert!(e.text.contains("growth = 0.02\n"), "{}", e.text);
    let loaded = Model::from_toml("m.toml", &e.text).unwrap();
    let names: Vec<&str> = loaded.model.lines.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["pay", "care"]);
    // No `from`: the text is its own expansion.
    let plain = MODEL.replace("[lines]\nfrom = \"lines.csv\"   # the spending lines\n", "");
    let same = expand("m.toml", &plain, Kind::Model, &[]).unwrap();
    assert_eq!(same.text, plain);
    assert!(!same.has_sheets());
}

#[test]
fn problems_in_cells_name_the_row_and_column() {
    let bad = LINES
        .replace("51.5", "\"51,5\"")
        .replace("label,", "lable,");
    let err = expand(
        "m.toml",
        MODEL,
        Kind::Model,
        &[file("lines.csv", bad.as_bytes())],
    )
    .unwrap_err();
    let m = messages(&err);
    assert!(
        m.iter().any(
            |s| s.starts_with("dir/lines.csv: row 1, column 2: `lable` is not a column")
                && s.contains("did you mean `label`?")
        ),
        "{m:?}"
    );
    let bad = LINES.replace("51.5", "\"51,5\"");
    let err = expand(
        "m.toml",
        MODEL,
        Kind::Model,
        &[file("lines.csv", bad.as_bytes())],
    )
    .unwrap_err();
    assert_eq!(
        messages(&err),
        [
            "dir/lines.csv: row 2, column budget: \"51,5\" is not a number | write 51.5 (a point, \
          not a comma, before the decimals)"
        ]
    );
}

#[test]
fn names_clash_with_the_model_file_and_within_the_sheet() {
    let clash = MODEL.replace(
        "[savings.a]",
        "[lines.care]\nkind = \"simple\"\n\n[savings.a]",
    );
    let err = expand(
        "m.toml",
        &clash,
        Kind::Model,
        &[file("lines.csv", LINES.as_bytes())],
    )
    .unwrap_err();
    let m = messages(&err);
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(
        m[0].starts_with(
            "dir/lines.csv: row 4, column name: `care` is given twice: also at m.toml line"
        ),
        "{m:?}"
    );
    let twice = format!("{LINES}pay,Again,simple,1,0,1,x\n");
    let err = expand(
        "m.toml",
        MODEL,
        Kind::Model,
        &[file("lines.csv", twice.as_bytes())],
    )
    .unwrap_err();
    assert!(
        messages(&err)[0].contains("also at dir/lines.csv row 2"),
        "{:?}",
        messages(&err)
    );
}

#[test]
fn the_model_check_is_shown_at_the_sheet_cell() {
    let bad = LINES.replace("pay,Pay,simple,50", "pay,Pay,simple,-50");
    let e = expand(
        "m.toml",
        MODEL,
        Kind::Model,
        &[file("lines.csv", bad.as_bytes())],
    )
    .unwrap();
    let err = Model::from_toml("m.toml", &e.text).unwrap_err();
    let located = e.relocate(&err.diagnostics);
    let m = messages(&located);
    assert!(
        m.iter()
            .any(|s| s.starts_with("dir/lines.csv: row 2, column base: ")),
        "{m:?}\n{}",
        e.text
    );
    // A problem in the model file's own text stays there, at the same characters.
    let broken = MODEL.replace("amount = 1\n", "amount = -1\n");
    let e = expand(
        "m.toml",
        &broken,
        Kind::Model,
        &[file("lines.csv", LINES.as_bytes())],
    )
    .unwrap();
    let err = Model::from_toml("m.toml", &e.text).unwrap_err();
    let located = e.relocate(&err.diagnostics);
    let (label, text, ds) = &located.groups[0];
    assert_eq!(label, "m.toml");
    let span = ds[0].span.clone().unwrap();
    assert_eq!(&text[span], "-1");
}

#[test]
fn references_are_checked_where_they_are_written() {
    let r = references(
        "[lines]\nfrom = [\"a.csv\", \"b.xlsx#Lines\"]\n",
        Kind::Model,
    )
    .unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!(r[1].sheet.as_deref(), Some("Lines"));
    assert_eq!(r[1].written(), "b.xlsx#Lines");
    for bad in [
        "[lines]\nfrom = \"a.ods\"\n",
        "[lines]\nfrom = \"a.csv#X\"\n",
        "[lines]\nfrom = 3\n",
        "lines.from = \"a.csv\"\n",
        "[savings]\nfrom = \"b.xlsx#\"\n",
    ] {
        assert!(references(bad, Kind::Model).is_err(), "{bad}");
    }
    assert!(
        references("[drivers]\nfrom = \"d.csv\"\n", Kind::Monitoring)
            .unwrap()
            .is_empty()
    );
    assert!(references("not toml [", Kind::Model).unwrap().is_empty());
}

#[test]
fn inline_distributions_come_from_key_columns() {
    let model = MODEL.replace(
        "[savings.a]\namount = 1\nrecurring = true\nsource = \"assumption\"\n",
        "[savings]\nfrom = \"s.csv\"\n",
    );
    let savings = "name,amount,recurring,delivered.dist,delivered.min,delivered.mode,delivered.max,source\n\
                   a,1,yes,pert,0.5,0.9,1,assumption\n";
    let files = [
        file("lines.csv", LINES.as_bytes()),
        file("s.csv", savings.as_bytes()),
    ];
    let e = expand("m.toml", &model, Kind::Model, &files).unwrap();
    assert!(
        e.text
            .contains("delivered = { dist = \"pert\", min = 0.5, mode = 0.9, max = 1 }\n"),
        "{}",
        e.text
    );
    Model::from_toml("m.toml", &e.text).unwrap();
    let bad = savings.replace("0.5,0.9,1", "0.95,0.9,1");
    let files = [
        file("lines.csv", LINES.as_bytes()),
        file("s.csv", bad.as_bytes()),
    ];
    let e = expand("m.toml", &model, Kind::Model, &files).unwrap();
    let err = Model::from_toml("m.toml", &e.text).unwrap_err();
    let m = messages(&e.relocate(&err.diagnostics));
    assert!(
        m.iter()
            .any(|s| s.starts_with("dir/s.csv: row 2, column delivered.")),
        "{m:?}"
    );
}

//! Spreadsheets in: a model's lines, savings and drivers read from CSV files and XLSX
//! sheets. The Kent model and its workbook and CSV twins run to the same summary; every
//! problem in a sheet is shown at its row and column; damaged sheets never crash.

mod make;

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use toml_edit::Document;

use crate::common::{gapsim_in, run, summary_but_file};
use make::{Cell, Sheet};

fn models() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models")
}

const KENT_NOTES: [&str; 4] = [
    "The spending lines and savings of models/kent-2024-25.toml, one row each: \
     models/sheets/kent-2024-25-sheets.toml names these sheets and runs exactly as the \
     TOML model does.",
    "The first row names the columns: the fields of the model's [lines.NAME] and \
     [savings.NAME] tables. A distribution has a column per key (delivered.dist, \
     delivered.min, ...); several drivers in one cell are separated by semicolons.",
    "Every figure keeps its source, in the source column.",
    "Written by tests/suite/sheets.rs (GAPSIM_WRITE_SHEETS=1 cargo test --release --test \
     suite sheets::shipped); docs/model-format.md, section Spreadsheets, describes the \
     columns.",
];

fn twin_header(what: &str) -> String {
    format!(
        "# The Kent 2024/25 model with its spending lines and savings in {what}: a twin of\n\
         # ../kent-2024-25.toml that runs to the same summary.json. Written, with the sheets,\n\
         # by tests/suite/sheets.rs (GAPSIM_WRITE_SHEETS=1 cargo test --release --test suite\n\
         # sheets::shipped); docs/model-format.md, section Spreadsheets.\n#\n"
    )
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

/// A row of cells: "" is empty, a number is a number, anything else text.
fn row(cells: &[&str]) -> Vec<Cell> {
    cells
        .iter()
        .map(|c| match c.parse::<f64>() {
            _ if c.is_empty() => Cell::Empty,
            Ok(x) => Cell::Number(c.to_string(), x),
            Err(_) => text(c),
        })
        .collect()
}

fn sheet(name: &'static str, header: &str, rows: &[&[&str]]) -> Sheet {
    Sheet {
        name,
        header: header.split(',').map(str::to_string).collect(),
        rows: rows.iter().map(|r| row(r)).collect(),
    }
}

const TEMPLATE_NOTES: [&str; 8] = [
    "Each sheet is one section of a gapsim model: Drivers, Lines (the spending lines) and \
     Savings. The first row names the columns, which are the model's field names \
     (docs/model-format.md); each row after it is one item, named in the name column \
     (an ASCII letter, then letters, digits, _ and -).",
    "Leave a cell empty where a field does not apply. Numbers are numbers: 12.4, not \
     12,4 or £12.4. A fraction may be written 0.05 or 5% (a percentage-formatted cell is \
     fine); a growth of 5 is read as +500% and warned about.",
    "A field that takes a distribution has a column per key: delivered.dist, \
     delivered.min, delivered.mode, delivered.max (the keys of the model file's inline \
     table). Or give it a number, or the name of a driver from the Drivers sheet.",
    "Several drivers in one cell are separated by semicolons: care_fees; cost_drift. So \
     are the figures of a field given per year: 100; 104; 108.",
    "Every row needs a source: a document and paragraph, a public address, or \
     assumption: with the reasoning.",
    "A column whose header starts with # is a note and is not read; nor are other \
     sheets, such as this one.",
    "The model file beside this workbook names each sheet: [lines] then from = \
     \"NAME.xlsx#Lines\", NAME.xlsx being this workbook's file name (gapsim init --sheets \
     writes council-model.toml and council-model.xlsx). Run gapsim check on the model \
     file: a problem in a sheet is shown at its row and column.",
    "This is gapsim's template workbook: gapsim init --sheets writes it, with the model \
     file that reads it, for a new council to fill in.",
];

const TEMPLATE_TOML: &str = r#"# A template budget model whose drivers, spending lines and savings are the sheets of
# template-budget.xlsx beside it (`gapsim init --sheets` writes the pair as a new
# council's files). Fill in the sheets (and the figures below), and check the model:
#
#   gapsim check template-budget.toml
#
# The sheets' columns are the fields of docs/model-format.md (section Spreadsheets). Every
# figure here is an assumption for the template's sake.

[meta]
name = "Template council 2025/26 revenue budget"
council = "Template council"
year = "2025/26"
unit = "£m"
net_budget = 300   # the net revenue budget: cite where it comes from

[drivers]
from = "template-budget.xlsx#Drivers"

[lines]
from = "template-budget.xlsx#Lines"

[savings]
from = "template-budget.xlsx#Savings"

[mitigation.contingency]
label = "Central contingency"
capacity = 3
source = "assumption: the template's contingency"

[reserves.general_fund]
label = "General fund balance"
kind = "general_fund"
amount = 15
source = "assumption: 5% of the net budget"

[correlations.inflation]
label = "One inflation shock lifts pay and care fees"
drivers = ["pay_award", "care_fees"]
rank = 0.4
source = "assumption: a moderate rank correlation"
"#;

/// A sheet from rows written `a|b|c`, for tables too wide to write cell by cell.
fn rows_of(name: &'static str, header: &str, rows: &[&str]) -> Sheet {
    let rows: Vec<Vec<&str>> = rows.iter().map(|r| r.split('|').collect()).collect();
    let rows: Vec<&[&str]> = rows.iter().map(Vec::as_slice).collect();
    sheet(name, header, &rows)
}

fn template_sheets() -> Vec<Sheet> {
    vec![
        rows_of(
            "Drivers",
            "name,label,dist,min,mode,max,mean,sd,source",
            &[
                "pay_award|Pay award|pert|0.02|0.035|0.06|||assumption: national pay offers of 2-6%",
                "care_fees|Care provider fee uplift|pert|0.04|0.06|0.09|||assumption: provider \
                 costs track the living wage",
                "care_demand|Growth in care clients|normal||||0.03|0.01|assumption: \
                 demographic growth of about 3%",
            ],
        ),
        rows_of(
            "Lines",
            "name,label,group,kind,budget,base,growth,clients,unit_cost,periods,period,demand,\
             cost,probability,impact.dist,impact.min,impact.mode,impact.max,source",
            &[
                "staff_pay|Staff pay|Pay and prices|simple|103.5|100|pay_award|||||||||||\
                 |assumption: a £100m pay bill, budgeted at a 3.5% award",
                "older_people|Older people placements|Adult social care|cohort|79|||2000|700|52\
                 |week|care_demand|care_fees||||||assumption: 2,000 clients at £700 a week",
                "flood|Flood damage|Risks|risk|0|||||||||0.1|pert|1|3|8|assumption: a \
                 one-in-ten year, £1-8m",
            ],
        ),
        rows_of(
            "Savings",
            "name,label,group,amount,recurring,probability,delivered.dist,delivered.min,\
             delivered.mode,delivered.max,slippage.dist,slippage.min,slippage.mode,\
             slippage.max,source",
            &[
                "libraries|Library service redesign|Communities|1.5|yes|0.9|pert|0.5|0.9|1|pert\
                 |0|1|4|assumption: amber, needs consultation",
                "fees|Fees and charges uplift|Income|0.8|yes|1|pert|0.7|0.95|1|||||assumption: \
                 green",
            ],
        ),
    ]
}

/// The shipped files, as this test writes them: (path under models/, bytes).
fn shipped() -> Vec<(&'static str, Vec<u8>)> {
    let kent = std::fs::read_to_string(models().join("kent-2024-25.toml")).unwrap();
    let doc = Document::parse(kent.clone()).unwrap();
    let lines = make::section_sheet(&doc, "lines", "Lines");
    let savings = make::section_sheet(&doc, "savings", "Savings");
    let twin = |what: &str, l: &str, s: &str| {
        let t = make::without_section(&kent, "lines", &[l]);
        let t = make::without_section(&t, "savings", &[s]);
        format!("{}{t}", twin_header(what)).into_bytes()
    };
    vec![
        (
            "sheets/kent-2024-25-lines.csv",
            make::csv(&lines).into_bytes(),
        ),
        (
            "sheets/kent-2024-25-savings.csv",
            make::csv(&savings).into_bytes(),
        ),
        (
            "sheets/kent-2024-25.xlsx",
            make::xlsx(
                "Kent County Council 2024/25: spending lines and savings",
                &KENT_NOTES,
                &[lines, savings],
            ),
        ),
        (
            "sheets/kent-2024-25-sheets.toml",
            twin(
                "a workbook",
                "kent-2024-25.xlsx#Lines",
                "kent-2024-25.xlsx#Savings",
            ),
        ),
        (
            "sheets/kent-2024-25-csv.toml",
            twin(
                "CSV files",
                "kent-2024-25-lines.csv",
                "kent-2024-25-savings.csv",
            ),
        ),
        (
            "template-budget.xlsx",
            make::xlsx(
                "gapsim: a budget model's drivers, lines and savings",
                &TEMPLATE_NOTES,
                &template_sheets(),
            ),
        ),
        ("template-budget.toml", TEMPLATE_TOML.as_bytes().to_vec()),
    ]
}

/// Every sheet of a workbook as rows of cell texts, to compare workbooks by content.
fn cells(bytes: &[u8]) -> Vec<(String, Vec<Vec<String>>)> {
    use calamine::{Reader as _, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let names = book.sheet_names();
    names
        .into_iter()
        .map(|n| {
            let range = book.worksheet_range(&n).unwrap();
            let rows = range
                .rows()
                .map(|r| r.iter().map(|c| format!("{c:?}")).collect())
                .collect();
            (n, rows)
        })
        .collect()
}

#[test]
fn shipped_sheets_are_what_this_test_writes() {
    let write = std::env::var("GAPSIM_WRITE_SHEETS").is_ok_and(|v| v == "1");
    for (path, bytes) in shipped() {
        let file = models().join(path);
        if write {
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, &bytes).unwrap();
            continue;
        }
        let committed = std::fs::read(&file)
            .unwrap_or_else(|e| panic!("{path}: {e}; GAPSIM_WRITE_SHEETS=1 writes it"));
        if path.ends_with(".xlsx") {
            assert_eq!(
                cells(&committed),
                cells(&bytes),
                "{path} differs; GAPSIM_WRITE_SHEETS=1 rewrites it"
            );
        } else {
            assert!(
                committed == bytes,
                "{path} differs; GAPSIM_WRITE_SHEETS=1 rewrites it"
            );
        }
    }
}

/// Every number of a summary as the decimal it is, `14.0` and `14` alike: a workbook
/// stores numbers, not how they were typed, and summary.json writes an input figure (a
/// saving's `planned`) in the form the model wrote it.
fn by_value(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Number(n) => {
            let t = n.to_string();
            let d = t
                .parse::<rust_decimal::Decimal>()
                .or_else(|_| rust_decimal::Decimal::from_scientific(&t))
                .unwrap_or_else(|e| panic!("{t}: {e}"));
            *v = Value::String(d.normalize().to_string());
        }
        Value::Array(a) => a.iter_mut().for_each(by_value),
        Value::Object(o) => o.values_mut().for_each(by_value),
        _ => {}
    }
}

fn summary_by_value(run: &Path) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(&summary_but_file(run)).unwrap();
    by_value(&mut v);
    v
}

#[test]
fn the_kent_model_and_its_workbook_and_csv_twins_give_the_same_summary() {
    let args = ["--iterations", "20000", "--seed", "2024", "--no-charts"];
    let toml = run(Some(&models().join("kent-2024-25.toml")), &args);
    let sheets = models().join("sheets");
    let csv = run(Some(&sheets.join("kent-2024-25-csv.toml")), &args);
    let xlsx = run(Some(&sheets.join("kent-2024-25-sheets.toml")), &args);
    // The CSV files hold each figure as the TOML writes it: the same bytes.
    assert!(
        summary_but_file(&csv.dir) == summary_but_file(&toml.dir),
        "the CSV twin's summary.json differs from the TOML model's"
    );
    // The workbook holds numbers (14.0 is the number 14): every figure the same value,
    // every text and setting the same.
    assert_eq!(summary_by_value(&xlsx.dir), summary_by_value(&toml.dir));
    let pct = |d: &Path| std::fs::read(d.join("percentiles.csv")).unwrap();
    assert_eq!(
        pct(&csv.dir),
        pct(&toml.dir),
        "the CSV twin's percentiles.csv"
    );
    assert_eq!(
        pct(&xlsx.dir),
        pct(&toml.dir),
        "the workbook twin's percentiles.csv"
    );
    // Each run keeps the effective text, which names each sheet file and its digest.
    for (r, sheet) in [
        (&csv, "kent-2024-25-lines.csv"),
        (&xlsx, "kent-2024-25.xlsx"),
    ] {
        let kept = std::fs::read_to_string(r.dir.join("model.toml")).unwrap();
        assert!(kept.starts_with("# Written out by gapsim"), "{kept}");
        assert!(kept.contains("[lines.older_people]") && !kept.contains("\nfrom ="));
        let bytes = std::fs::read(sheets.join(sheet)).unwrap();
        let digest = gapsim::audit::manifest::sha256_hex(&bytes);
        assert!(kept.contains(&format!("#   {sheet}  {digest}\n")), "{kept}");
    }
}

#[test]
fn the_template_workbook_checks_and_runs() {
    let dir = models();
    let (code, out, err) = gapsim_in(&dir, &["check", "template-budget.toml"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("3 drivers, 3 spending lines, 2 savings"),
        "{out}"
    );
    assert!(err.is_empty(), "{err}");
}

const MODEL: &str = r#"[meta]
name = "Sheets"
council = "Testshire"
year = "2024/25"
unit = "£m"
net_budget = 200

[drivers]
from = "budget.xlsx#Drivers"

[lines]
from = "budget.xlsx#Lines"

[savings]
from = "savings.csv"

[reserves.general_fund]
kind = "general_fund"
amount = 10
source = "assumption"
"#;

const SAVINGS: &str = "name,amount,recurring,delivered.dist,delivered.min,delivered.mode,delivered.max,source\n\
                       libraries,1.5,yes,pert,0.5,0.9,1,assumption\n";

fn drivers() -> Sheet {
    sheet(
        "Drivers",
        "name,dist,min,mode,max,source",
        &[&["pay_award", "pert", "0.02", "0.03", "0.05", "assumption"]],
    )
}

fn lines(budget: &str) -> Sheet {
    sheet(
        "Lines",
        "name,label,kind,base,growth,budget,source",
        &[
            &[
                "pay",
                "Pay",
                "simple",
                "50",
                "pay_award",
                "51.5",
                "assumption",
            ],
            &["care", "Care", "simple", "40", "0.02", budget, "assumption"],
        ],
    )
}

/// Writes the test model and its sheets (the workbook's sheets as given) into a folder,
/// runs `gapsim check m.toml` there, and returns (status, stderr).
fn check(model: &str, book: &[Sheet], savings: &str) -> (i32, String) {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("m.toml"), model).unwrap();
    std::fs::write(tmp.path().join("budget.xlsx"), make::xlsx("t", &[], book)).unwrap();
    std::fs::write(tmp.path().join("savings.csv"), savings).unwrap();
    let (code, _, err) = gapsim_in(tmp.path(), &["check", "m.toml"]);
    (code, err)
}

#[test]
fn the_test_model_checks_with_its_sheets() {
    let (code, err) = check(MODEL, &[drivers(), lines("40.8")], SAVINGS);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_bad_number_is_shown_at_its_cell_with_the_fix() {
    let (code, err) = check(MODEL, &[drivers(), lines("40,8")], SAVINGS);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "error: budget.xlsx#Lines: row 3, column budget (F3): \"40,8\" is not a number\n  \
             = help: write 40.8"
        ),
        "{err}"
    );
}

#[test]
fn an_unknown_column_gets_a_did_you_mean() {
    let savings = SAVINGS.replace("recurring", "recuring");
    let (code, err) = check(MODEL, &[drivers(), lines("40.8")], &savings);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("error: savings.csv: row 1, column 3: `recuring` is not a column of a savings sheet\n  = help: did you mean `recurring`?"),
        "{err}"
    );
}

#[test]
fn a_missing_sheet_or_file_is_shown_at_its_from() {
    let (code, err) = check(
        MODEL,
        &[
            drivers(),
            Sheet {
                name: "Line",
                ..lines("1")
            },
        ],
        SAVINGS,
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("error: m.toml:12:8: budget.xlsx has no sheet called `Lines`"),
        "{err}"
    );
    assert!(err.contains("did you mean `Line`?"), "{err}");
    let model = MODEL.replace("savings.csv", "savings-2024.csv");
    let (code, err) = check(&model, &[drivers(), lines("1")], SAVINGS);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("error: m.toml:15:8: the sheet file savings-2024.csv is not a file"),
        "{err}"
    );
    assert!(
        err.contains("sheet files there: budget.xlsx, savings.csv"),
        "{err}"
    );
}

#[test]
fn a_name_in_the_model_file_and_a_sheet_is_refused() {
    let model = MODEL.replace(
        "[reserves.general_fund]",
        "[savings.libraries]\namount = 1\nrecurring = true\nsource = \"a\"\n\n[reserves.general_fund]",
    );
    let (code, err) = check(&model, &[drivers(), lines("40.8")], SAVINGS);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("error: savings.csv: row 2, column name: `libraries` is given twice: also at m.toml line 17"),
        "{err}"
    );
}

#[test]
fn a_model_check_problem_in_a_row_is_shown_at_its_cell() {
    let bad = sheet(
        "Drivers",
        "name,dist,min,mode,max,source",
        &[&["pay_award", "pert", "0.02", "0.06", "0.05", "assumption"]],
    );
    let (code, err) = check(MODEL, &[bad, lines("40.8")], SAVINGS);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("error: budget.xlsx#Drivers: row 2, column "),
        "{err}"
    );
    assert!(!err.contains("m.toml:"), "{err}");
    // A percentage written as a whole number warns at its cell, as in a model file.
    let savings = SAVINGS.replace("1.5,yes,pert,0.5,0.9,1", "1.5,yes,pert,50,90,100");
    let (code, err) = check(MODEL, &[drivers(), lines("40.8")], &savings);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("error: savings.csv: row 2, column delivered."),
        "{err}"
    );
    let growth = sheet(
        "Drivers",
        "name,dist,min,mode,max,source",
        &[&["pay_award", "pert", "2", "3", "5", "assumption"]],
    );
    let (code, err) = check(MODEL, &[growth, lines("40.8")], SAVINGS);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning: budget.xlsx#Drivers: row 2, column mode (D2): "),
        "{err}"
    );
}

#[test]
fn a_monitoring_position_takes_its_lines_from_a_sheet() {
    let head = "[monitoring]\nname = \"t\"\ncouncil = \"Testshire\"\nyear = \"2023/24\"\n\
                month = 6\nunit = \"£m\"\nnet_budget = 1000\nbasis = \"after_action\"\n\
                source = \"assumption: test\"\n\n\
                [reserves.gf]\nkind = \"general_fund\"\namount = 30\nsource = \"a\"\n";
    let inline = format!(
        "{head}\n[lines.asch]\nvariance = 20.5\nsource = \"a\"\n\n[lines.other]\nbudget = 300\nforecast = 290\nsource = \"b\"\n"
    );
    let sheeted = format!("{head}\n[lines]\nfrom = \"lines.csv\"\n");
    let csv = "name,budget,forecast,variance,source\nasch,,,20.5,a\nother,300,290,,b\n";
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("a.toml"), inline).unwrap();
    std::fs::write(tmp.path().join("b.toml"), sheeted).unwrap();
    std::fs::write(tmp.path().join("lines.csv"), csv).unwrap();
    let args = ["--iterations", "10000", "--seed", "5", "--no-charts"];
    for f in ["a", "b"] {
        let name = format!("{f}.toml");
        let mut a = vec!["monitor", name.as_str(), "--out", f];
        a.extend_from_slice(&args);
        let (code, _, err) = gapsim_in(tmp.path(), &a);
        assert_eq!(code, 0, "{err}");
    }
    assert!(summary_but_file(&tmp.path().join("a")) == summary_but_file(&tmp.path().join("b")));
    let kept = std::fs::read_to_string(tmp.path().join("b/monitoring.toml")).unwrap();
    assert!(kept.starts_with("# Written out by gapsim"), "{kept}");
    let bad = csv.replace("20.5", "20.5.1");
    std::fs::write(tmp.path().join("lines.csv"), bad).unwrap();
    let (code, _, err) = gapsim_in(tmp.path(), &["monitor", "b.toml", "--out", "c"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("error: lines.csv: row 2, column variance: \"20.5.1\" is not a number"),
        "{err}"
    );
}

/// Whether every error and warning printed is placed: at a sheet's row (or the sheet, or
/// the file's line), or at the model file.
fn all_located(stderr: &str) -> bool {
    stderr
        .lines()
        .filter_map(|l| {
            l.strip_prefix("error: ")
                .or_else(|| l.strip_prefix("warning: "))
        })
        .all(|l| {
            let sheet = l.split_once(".csv: ").map(|(_, rest)| rest);
            l.starts_with("m.toml")
                || sheet.is_some_and(|r| r.starts_with("row ") || r.starts_with("the sheet: "))
        })
}

const LINES_CSV: &str = "name,label,kind,base,growth,budget,source\n\
                         pay,Pay,simple,50,pay_award,51.5,\"assumption: pay, 3%\"\n\
                         care,Care,simple,40,0.02,40.8,assumption\n\
                         rent,Rent,simple,10,0.01,10.1,assumption\n";

/// A damaged copy of `sheet`: characters cut, or one of `, " ; % . - 1 x` and a line
/// break put in, anywhere, one to three times.
fn damaged(sheet: &'static str) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec((0..sheet.len(), 0_usize..4, 0_usize..10), 1..4).prop_map(move |edits| {
        let mut csv = sheet.as_bytes().to_vec();
        for (at, cut, put) in edits {
            let at = at.min(csv.len());
            let end = (at + cut).min(csv.len());
            csv.drain(at..end);
            csv.insert(at, b",\";%.-1x\n\r"[put]);
        }
        csv
    })
}

/// Runs `gapsim check` on the test model with `lines` as its lines sheet: (status,
/// stderr).
fn check_lines(lines: &[u8]) -> (i32, String) {
    let model = MODEL
        .replace("from = \"budget.xlsx#Drivers\"", "from = \"d.csv\"")
        .replace("budget.xlsx#Lines", "lines.csv")
        .replace("[savings]\nfrom = \"savings.csv\"\n", "");
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("m.toml"), model).unwrap();
    let drivers = "name,dist,min,mode,max,source\npay_award,pert,0.02,0.03,0.05,a\n";
    std::fs::write(tmp.path().join("d.csv"), drivers).unwrap();
    std::fs::write(tmp.path().join("lines.csv"), lines).unwrap();
    let (code, _, err) = gapsim_in(tmp.path(), &["check", "m.toml"]);
    (code, err)
}

#[test]
fn damaged_csv_sheets_are_read_or_refused_with_each_problem_placed() {
    // A fixed seed, so the suite sees the same sheets on every run; a failure prints the
    // sheet in full.
    let config = Config {
        cases: 200,
        failure_persistence: None,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[18; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let (read, refused) = (std::cell::Cell::new(0u32), std::cell::Cell::new(0u32));
    runner
        .run(&damaged(LINES_CSV), |csv| {
            let (code, err) = check_lines(&csv);
            let sheet = String::from_utf8_lossy(&csv);
            prop_assert!(code == 0 || code == 2, "status {code}: {err}\n{sheet}");
            prop_assert!(!err.contains("panicked"), "{err}");
            if code == 0 {
                read.set(read.get() + 1);
            } else {
                refused.set(refused.get() + 1);
                prop_assert!(err.contains("error: "), "{err}");
            }
            prop_assert!(all_located(&err), "{sheet}\n{err}");
            Ok(())
        })
        .unwrap();
    eprintln!(
        "{} damaged sheets read, {} refused",
        read.get(),
        refused.get()
    );
    // Both sides were exercised.
    assert!(
        read.get() >= 10 && refused.get() >= 10,
        "{} read, {} refused",
        read.get(),
        refused.get()
    );
}

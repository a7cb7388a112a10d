//! Bad input: every problem is reported with its file, line and column, what is wrong and
//! how to fix it; the exit status is 2; nothing is written.

use gapsim::model::{Model, ProblemKind};

use crate::common::gapsim;

/// A minimal valid model; each case below breaks it in one way.
const BASE: &str = r#"[meta]
name = "Test"
council = "Test"
year = "2024/25"
unit = "£m"
net_budget = 100
[drivers.growth]
dist = "normal"
mean = 0.03
sd = 0.01
source = "assumption: test"

[lines.care]
kind = "cohort"
clients = 100
unit_cost = 500
periods = 52
demand = "growth"
cost = { dist = "pert", min = 0.0, mode = 0.05, max = 0.2 }
budget = 2.7
source = "assumption: test"

[savings.plan]
amount = 1.5
recurring = true
probability = 0.9
delivered = { dist = "triangular", min = 0.5, mode = 0.9, max = 1.0 }
source = "assumption: test"

[reserves.general_fund]
kind = "general_fund"
amount = 1
source = "assumption: test"
"#;

fn replace(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from:?} is not in the base model");
    BASE.replacen(from, to, 1)
}

/// (what, model text, expected error kind, line of the first error, words in its message)
fn cases() -> Vec<(&'static str, String, ProblemKind, usize, &'static str)> {
    vec![
        (
            "malformed TOML",
            replace("mean = 0.03", "mean = = 0.03"),
            ProblemKind::Syntax,
            9,
            "not valid TOML",
        ),
        (
            "unknown field",
            replace("clients = 100", "cleints = 100"),
            ProblemKind::UnknownField,
            15,
            "did you mean `clients`",
        ),
        (
            "wrong type",
            replace("amount = 1.5", "amount = \"1.5\""),
            ProblemKind::WrongType,
            24,
            "remove the quotes",
        ),
        (
            "negative standard deviation",
            replace("sd = 0.01", "sd = -0.01"),
            ProblemKind::OutOfRange,
            10,
            "`sd` must be greater than 0",
        ),
        (
            "negative amount",
            replace("amount = 1.5", "amount = -1.5"),
            ProblemKind::OutOfRange,
            24,
            "must be greater than 0",
        ),
        (
            "negative clients",
            replace("clients = 100", "clients = -100"),
            ProblemKind::OutOfRange,
            15,
            "must be 0 or more",
        ),
        (
            "min above mode",
            replace("min = 0.5, mode = 0.9", "min = 0.95, mode = 0.9"),
            ProblemKind::BadOrder,
            27,
            "min <= mode <= max",
        ),
        (
            "mode above max",
            replace("mode = 0.05, max = 0.2", "mode = 0.25, max = 0.2"),
            ProblemKind::BadOrder,
            19,
            "min <= mode <= max",
        ),
        (
            "probability above 1",
            replace("probability = 0.9", "probability = 1.3"),
            ProblemKind::OutOfRange,
            26,
            "between 0 and 1",
        ),
        (
            "undefined driver",
            replace("demand = \"growth\"", "demand = \"growht\""),
            ProblemKind::UnknownName,
            18,
            "did you mean `growth`",
        ),
        (
            "duplicate name in a section",
            format!("{BASE}\n[drivers.growth]\ndist = \"fixed\"\nvalue = 1\nsource = \"x\"\n"),
            ProblemKind::Syntax,
            35,
            "duplicate key",
        ),
        (
            "duplicate name across sections",
            replace("[savings.plan]", "[savings.care]"),
            ProblemKind::DuplicateName,
            23,
            "already used by [lines.care] on line 13",
        ),
        (
            "NaN",
            replace("mean = 0.03", "mean = nan"),
            ProblemKind::NotFinite,
            9,
            "not a usable number",
        ),
        (
            "infinity",
            replace("budget = 2.7", "budget = inf"),
            ProblemKind::NotFinite,
            20,
            "not a usable number",
        ),
        (
            "unknown distribution",
            replace("dist = \"normal\"", "dist = \"gausian\""),
            ProblemKind::InvalidValue,
            8,
            "not a distribution gapsim knows",
        ),
        (
            "missing source",
            replace(
                "source = \"assumption: test\"\n\n[lines.care]",
                "\n[lines.care]",
            ),
            ProblemKind::MissingField,
            7,
            "needs a `source`",
        ),
        (
            "delivery fraction above 100%",
            replace(
                "delivered = { dist = \"triangular\", min = 0.5, mode = 0.9, max = 1.0 }",
                "delivered = { dist = \"normal\", mean = 0.9, sd = 0.2 }",
            ),
            ProblemKind::OutOfRange,
            27,
            "fraction delivered",
        ),
        (
            "rank correlations that hold as written but not as imposed",
            format!(
                "{BASE}{}",
                r#"
[drivers.x]
dist = "uniform"
min = 0
max = 0.1
source = "x"

[drivers.y]
dist = "uniform"
min = 0
max = 0.1
source = "x"

[lines.more]
kind = "simple"
base = 1
growth = ["x", "y"]
budget = 1
source = "x"

[correlations.gx]
drivers = ["growth", "x"]
rank = 0.5
source = "x"

[correlations.xy]
drivers = ["x", "y"]
rank = 0.5
source = "x"

[correlations.gy]
drivers = ["growth", "y"]
rank = -0.5
source = "x"
"#
            ),
            ProblemKind::Inconsistent,
            56,
            "growth ~ x = 0.5",
        ),
        (
            "beta with so small an sd that its shapes overflow",
            replace(
                "delivered = { dist = \"triangular\", min = 0.5, mode = 0.9, max = 1.0 }",
                "delivered = { dist = \"beta\", mean = 0.5, sd = 1e-22 }",
            ),
            ProblemKind::OutOfRange,
            27,
            "use dist = \"fixed\" with value = 0.5; otherwise give an sd of at least 0.00112",
        ),
        (
            "PERT shape so large it is a spike",
            replace("max = 0.2 }", "max = 0.2, shape = 1e9 }"),
            ProblemKind::OutOfRange,
            19,
            "use a shape of at most 99999",
        ),
        (
            "lognormal so wide its draws overflow",
            replace(
                "cost = { dist = \"pert\", min = 0.0, mode = 0.05, max = 0.2 }",
                "cost = { dist = \"lognormal\", median = 0.01, p90 = 1e15 }",
            ),
            ProblemKind::OutOfRange,
            19,
            "p90 can be at most 12.5",
        ),
        (
            "cohort whose central amount is beyond 10^15",
            replace(
                "clients = 100\nunit_cost = 500\nperiods = 52",
                "clients = 1e9\nunit_cost = 1e9\nperiods = 1e9",
            ),
            ProblemKind::OutOfRange,
            15,
            "unit_cost is in pounds (not £m)",
        ),
        (
            "fixed fraction delivered above 1",
            replace(
                "delivered = { dist = \"triangular\", min = 0.5, mode = 0.9, max = 1.0 }",
                "delivered = 1.5",
            ),
            ProblemKind::OutOfRange,
            27,
            "write a fraction between 0 and 1: 0.9 for 90% delivered",
        ),
        (
            "negative fixed slippage",
            replace("probability = 0.9\n", "probability = 0.9\nslippage = -2\n"),
            ProblemKind::OutOfRange,
            27,
            "write the months late, from 0 to 12",
        ),
        (
            "fixed negative growth below -100%",
            replace("demand = \"growth\"", "demand = -1.5"),
            ProblemKind::OutOfRange,
            18,
            "write a growth rate of -1 or more",
        ),
        (
            "probability written as a whole-number percentage",
            replace("probability = 0.9", "probability = 90"),
            ProblemKind::OutOfRange,
            26,
            "90 looks like a percentage, so write 0.9 (or \"90%\")",
        ),
        (
            "a percentage that is not one",
            replace("probability = 0.9", "probability = \"ninety%\""),
            ProblemKind::WrongType,
            26,
            "or as a percentage in quotes, such as \"90%\"",
        ),
        (
            "a money amount written as a percentage",
            replace("amount = 1.5", "amount = \"5%\""),
            ProblemKind::WrongType,
            24,
            "is a figure, not a share",
        ),
        (
            "probability written as a distribution",
            replace(
                "probability = 0.9",
                "probability = { dist = \"uniform\", min = 0.8, max = 1 }",
            ),
            ProblemKind::WrongType,
            26,
            "a probability between 0 and 1 such as 0.9",
        ),
        (
            "an undocumented spelling of the unit",
            replace("unit = \"£m\"", "unit = \"GBP m\""),
            ProblemKind::InvalidValue,
            5,
            "write unit = \"£m\"",
        ),
        (
            "a terminal escape in a label",
            replace(
                "[lines.care]\n",
                "[lines.care]\nlabel = \"Care\\u001b[2J\"\n",
            ),
            ProblemKind::InvalidValue,
            14,
            "control character U+001B",
        ),
        (
            "a bell in a description",
            replace(
                "[lines.care]\n",
                "[lines.care]\ndescription = \"\"\"Two\nlines\\u0007\"\"\"\n",
            ),
            ProblemKind::InvalidValue,
            14,
            "control character U+0007",
        ),
        (
            "a line break in the model's name",
            replace("name = \"Test\"", "name = \"Test\\nmodel\""),
            ProblemKind::InvalidValue,
            2,
            "write it on one line",
        ),
        (
            "no [meta] section",
            BASE.replacen(
                "[meta]\nname = \"Test\"\ncouncil = \"Test\"\nyear = \"2024/25\"\nunit = \"£m\"\n\
                 net_budget = 100\n",
                "",
                1,
            ),
            ProblemKind::MissingField,
            1,
            "[meta]\n    name = ",
        ),
        (
            "no [reserves] section",
            replace(
                "[reserves.general_fund]\nkind = \"general_fund\"\namount = 1\nsource = \"assumption: test\"\n",
                "",
            ),
            ProblemKind::MissingField,
            30,
            "[reserves.general_fund]\n    kind = \"general_fund\"",
        ),
        (
            "nothing to simulate",
            "[meta]\nname = \"x\"\ncouncil = \"x\"\nyear = \"2024/25\"\nunit = \"£m\"\n\n\
             [reserves.general_fund]\nkind = \"general_fund\"\namount = 1\nsource = \"x\"\n"
                .to_string(),
            ProblemKind::Empty,
            11,
            "[lines.adult_care]",
        ),
    ]
}

#[test]
fn the_base_model_is_valid() {
    let loaded = Model::from_toml("base.toml", BASE).expect("base model is valid");
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
}

#[test]
fn each_bad_input_is_reported_with_its_kind_place_and_fix() {
    for (what, text, kind, line, words) in cases() {
        let err = Model::from_toml("bad.toml", &text).expect_err(what);
        assert!(
            err.error_kinds().contains(&kind),
            "{what}: expected {kind:?}, got {:?}\n{err}",
            err.error_kinds()
        );
        let rendered = err.to_string();
        assert!(
            rendered.contains(&format!("bad.toml:{line}:")),
            "{what}: expected line {line}\n{rendered}"
        );
        assert!(
            rendered.contains(words),
            "{what}: expected {words:?}\n{rendered}"
        );
        assert!(
            rendered.contains("= help:"),
            "{what}: every error says how to fix it\n{rendered}"
        );
    }
}

/// (what, model text, line of the warning, words in it): models that load, with a warning.
fn warning_cases() -> Vec<(&'static str, String, usize, &'static str)> {
    let with_event = |event: &str| {
        format!(
            "{BASE}\n[drivers.event]\n{event}\nsource = \"x\"\n\n\
             [lines.events]\nkind = \"simple\"\nbase = 1\ngrowth = \"event\"\nbudget = 1\n\
             source = \"x\"\n\n\
             [correlations.with_growth]\ndrivers = [\"growth\", \"event\"]\nrank = 0.9\n\
             source = \"x\"\n"
        )
    };
    vec![
        (
            "a correlated bernoulli cannot reach its target",
            with_event("dist = \"bernoulli\"\np = 0.3"),
            48,
            "at most 0.79",
        ),
        (
            "a correlated discrete driver cannot reach its target",
            with_event(
                "dist = \"discrete\"\nvalues = [0.1, 0, 0.05]\nprobabilities = [0.2, 0.5, 0.3]",
            ),
            49,
            "will fall short of their targets",
        ),
        (
            "an inline event correlated by its full name",
            format!(
                "{BASE}\n[correlations.plan_and_growth]\ndrivers = [\"growth\", \"savings.plan.probability\"]\n\
                 rank = 0.5\nsource = \"x\"\n"
            ),
            36,
            "reported after the run",
        ),
        (
            "no general fund",
            replace(
                "kind = \"general_fund\"",
                "kind = \"earmarked\"\nreleasable = true",
            ),
            30,
            "[reserves.general_fund]",
        ),
    ]
}

#[test]
fn each_warning_is_located_and_says_how_to_fix_it() {
    for (what, text, line, words) in warning_cases() {
        let loaded = Model::from_toml("warn.toml", &text).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(loaded.warnings.len(), 1, "{what}: {:?}", loaded.warnings);
        let rendered = gapsim::model::diagnostic::render("warn.toml", &text, &loaded.warnings);
        assert!(
            rendered.contains(&format!("warning: warn.toml:{line}:")),
            "{what}: expected line {line}\n{rendered}"
        );
        assert!(
            rendered.contains(words),
            "{what}: expected {words:?}\n{rendered}"
        );
        assert!(rendered.contains("= help:"), "{what}\n{rendered}");
    }
}

#[test]
fn a_fixed_value_out_of_range_is_not_described_by_chances() {
    for (text, words) in [
        (
            replace(
                "delivered = { dist = \"triangular\", min = 0.5, mode = 0.9, max = 1.0 }",
                "delivered = 1.5",
            ),
            "`savings.plan.delivered` = 1.5: it is outside 0 to 1",
        ),
        (
            replace("probability = 0.9\n", "probability = 0.9\nslippage = -2\n"),
            "`savings.plan.slippage` = -2: it is below 0",
        ),
    ] {
        let err = Model::from_toml("bad.toml", &text).unwrap_err().to_string();
        assert!(err.contains(words), "{err}");
        assert!(!err.contains("chance") && !err.contains("draws"), "{err}");
        assert!(!err.contains("a value the field allows"), "{err}");
    }
}

#[test]
fn text_that_is_not_utf8_is_located_with_the_fix() {
    // "Kent" with é saved as Windows-1252 (one byte, 0xE9) on line 3.
    let mut bytes = BASE.as_bytes().to_vec();
    let at = BASE.find("council = \"Test\"").unwrap() + "council = \"T".len();
    bytes[at] = 0xE9;
    let err = Model::text_from_bytes("latin1.toml", &bytes).unwrap_err();
    assert_eq!(err.error_kinds(), vec![ProblemKind::Encoding]);
    let rendered = err.to_string();
    assert!(rendered.contains("latin1.toml:3:13:"), "{rendered}");
    assert!(rendered.contains("0xE9"), "{rendered}");
    assert!(rendered.contains("save the file as UTF-8"), "{rendered}");
    // UTF-8 passes through unchanged.
    assert_eq!(
        Model::text_from_bytes("m.toml", BASE.as_bytes()).unwrap(),
        BASE
    );
}

#[test]
fn a_byte_order_mark_does_not_shift_columns() {
    let text = format!("\u{FEFF}{}", replace("name = \"Test\"", "name = 5"));
    let err = Model::from_toml("bom.toml", &text).unwrap_err().to_string();
    let plain = Model::from_toml("bom.toml", &replace("name = \"Test\"", "name = 5"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("bom.toml:2:8:"), "{err}");
    assert_eq!(err, plain);
    // Column 1 of the first line is the first visible character.
    let text = format!("\u{FEFF}[meta] x\n{}", &BASE[7..]);
    let err = Model::from_toml("bom.toml", &text).unwrap_err().to_string();
    assert!(err.contains("bom.toml:1:8:"), "{err}");
}

#[test]
fn control_characters_never_reach_the_terminal() {
    // An escape in a field name the model does not know is echoed in the message; it is
    // shown as a symbol, not sent.
    let text = replace(
        "[lines.care]\n",
        "[lines.care]\n\"colour\\u001b[31m\" = 1\n",
    );
    let err = Model::from_toml("bad.toml", &text).unwrap_err().to_string();
    assert!(err.contains("unknown field `colour␛[31m`"), "{err}");
    assert!(!err.chars().any(|c| c.is_control() && c != '\n'), "{err:?}");
}

#[test]
fn every_error_is_reported_not_just_the_first() {
    let text = replace("sd = 0.01", "sd = -0.01")
        .replacen("probability = 0.9", "probability = 1.3", 1)
        .replacen("cleints", "clients", 1)
        .replacen("clients = 100", "cleints = 100", 1);
    let err = Model::from_toml("bad.toml", &text).unwrap_err();
    let kinds = err.error_kinds();
    for k in [ProblemKind::OutOfRange, ProblemKind::UnknownField] {
        assert!(kinds.contains(&k), "{kinds:?}");
    }
    assert!(kinds.len() >= 3, "{kinds:?}\n{err}");
}

#[test]
fn an_empty_model_is_an_error() {
    let text = "[meta]\nname = \"x\"\ncouncil = \"x\"\nyear = \"2024/25\"\nunit = \"£m\"\n\
                [reserves.general_fund]\nkind = \"general_fund\"\namount = 1\nsource = \"x\"\n";
    let err = Model::from_toml("empty.toml", text).unwrap_err();
    assert_eq!(err.error_kinds(), vec![ProblemKind::Empty]);
    let err = Model::from_toml("blank.toml", "").unwrap_err();
    assert!(err.error_kinds().contains(&ProblemKind::Empty), "{err}");
}

#[test]
fn check_and_run_exit_2_naming_the_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.toml");
    std::fs::write(&bad, replace("sd = 0.01", "sd = -0.01")).unwrap();

    let out = gapsim().arg("check").arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.toml:10:6:"), "{err}");
    assert!(err.contains("nothing was run"), "{err}");

    // `run` gives the same errors and writes nothing.
    let out = gapsim()
        .current_dir(tmp.path())
        .arg("run")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.toml:10:6:"));
    assert!(
        !tmp.path().join("outputs").exists(),
        "a bad model must write nothing"
    );
}

#[test]
fn a_missing_file_is_an_error_naming_it() {
    let out = gapsim()
        .args(["check", "no/such/model.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no/such/model.toml"), "{err}");
    assert!(err.contains("No such file"), "{err}");
}

#[test]
fn a_folder_or_a_file_not_in_utf8_given_as_the_model_gets_a_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let out = gapsim().arg("check").arg(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is a folder, not a model file"), "{err}");

    let latin = tmp.path().join("latin.toml");
    std::fs::write(&latin, b"[meta]\nname = \"caf\xe9\"\n").unwrap();
    let out = gapsim().arg("run").arg(&latin).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("latin.toml:2:12"), "{err}");
    assert!(err.contains("save the file as UTF-8"), "{err}");
}

#[test]
fn check_accepts_the_shipped_models_and_fixtures() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    // Every fixture but the one that exists to be refused.
    let mut paths: Vec<_> = std::fs::read_dir(root.join("tests/fixtures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name() != Some(std::ffi::OsStr::new("needs-repair.toml")))
        .collect();
    paths.sort();
    assert!(paths.len() >= 7, "{paths:?}");
    // Every shipped model and scenario.
    for dir in ["models", "models/scenarios"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut shipped: Vec<_> = entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension() == Some(std::ffi::OsStr::new("toml")))
            .collect();
        shipped.sort();
        paths.extend(shipped);
    }
    assert!(
        paths
            .iter()
            .any(|p| p.ends_with("models/kent-2024-25.toml"))
    );
    for path in paths {
        let out = gapsim().arg("check").arg(&path).output().unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        // No warnings either: shipped models are clean.
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn bad_command_line_values_are_rejected() {
    // Run in an empty folder, so that a regression that ran anyway would not write into the
    // repository; and check nothing was written.
    let tmp = tempfile::tempdir().unwrap();
    for (args, words) in [
        (&["run", "--reserves=-5"][..], "cannot be negative"),
        (&["run", "--reserves", "lots"], "is not a number"),
        (&["run", "--reserves", "60mm"], "is not a number"),
        (&["run", "--reserves", "1e30"], "too large"),
        (&["run", "--iterations", "0"], "iterations"),
        (
            &["run", "--iterations", "18446744073709551615"],
            "iterations",
        ),
        (&["run", "--threads", "0"], "threads"),
        (&["run", "--precision", "1.5"], "between 0 and 1"),
        (&["run", "--sampling", "sobol"], "sampling"),
    ] {
        let out = gapsim()
            .current_dir(tmp.path())
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(words), "{args:?}: {err}");
    }
    assert!(!tmp.path().join("outputs").exists());
}

#[test]
fn figures_too_large_for_a_budget_are_errors_not_panics() {
    for (what, text) in [
        ("huge clients", replace("clients = 100", "clients = 1e20")),
        (
            "huge amount",
            replace("amount = 1.5", "amount = 99999999999999999999999"),
        ),
        ("huge reserve", replace("amount = 1\n", "amount = 5e28\n")),
    ] {
        let err = Model::from_toml("big.toml", &text).expect_err(what);
        assert!(
            err.error_kinds().contains(&ProblemKind::OutOfRange),
            "{what}: {err}"
        );
        assert!(err.to_string().contains("too large"), "{what}: {err}");
    }
}

#[test]
fn a_product_that_could_overflow_is_refused_by_check_at_its_line() {
    // Each lognormal is as wide as a driver may be (its one-in-a-trillion value is within
    // 10^15), but the product of three of them is not within 10^20: a long run would fail,
    // so check refuses it, at the line, naming the widest factor.
    let wide = "{ dist = \"lognormal\", median = 1, p90 = 500 }";
    let text = replace(
        "cost = { dist = \"pert\", min = 0.0, mode = 0.05, max = 0.2 }",
        &format!("cost = [{}]", [wide; 3].join(", ")),
    );
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("wild.toml");
    std::fs::write(&path, &text).unwrap();
    for args in [&["check"][..], &["run", "--iterations", "1000"]] {
        let command = args[0];
        let out = gapsim()
            .current_dir(tmp.path())
            .args(args)
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{command}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("wild.toml:13:8: line `care` can reach"),
            "{err}"
        );
        assert!(err.contains("beyond 10^20"), "{err}");
        assert!(
            err.contains("narrow the widest factor, `lines.care.cost["),
            "{err}"
        );
        assert!(
            !tmp.path().join("outputs").exists(),
            "{command} wrote something"
        );
    }
    // One such lognormal stays within bounds (£2.6m × 6.6·10^14 at its top).
    let text = replace(
        "cost = { dist = \"pert\", min = 0.0, mode = 0.05, max = 0.2 }",
        &format!("cost = {wide}"),
    );
    assert!(Model::from_toml("ok.toml", &text).is_ok());
}

/// The base model over three years: 2024/25, 2025/26 and 2026/27.
fn three_years(from: &str, to: &str) -> String {
    let base = BASE.replacen("unit = \"£m\"\n", "unit = \"£m\"\nhorizon = 3\n", 1);
    assert!(base.contains(from), "{from:?} is not in the base model");
    base.replacen(from, to, 1)
}

/// (what, model text, kind, the text at the error's place (after ` = ` when it has one:
/// the value of `key = value`), words in its message, words in its help): each new error
/// of a model of several years.
fn year_cases() -> Vec<(
    &'static str,
    String,
    ProblemKind,
    &'static str,
    &'static str,
    &'static str,
)> {
    let bernoulli = "[drivers.event]\ndist = \"bernoulli\"\np = 0.3\npath = \"independent\"\n\
                     widen = 0.2\nsource = \"x\"\n\n[lines.events]\nkind = \"simple\"\nbase = 1\n\
                     growth = \"event\"\nbudget = 1\nsource = \"x\"\n\n[lines.care]";
    let schools = "\n[reserves.schools]\nkind = \"earmarked\"\namount = 3\nreleasable = false\n\
                   planned = [-1, 0, 0]\nsource = \"x\"\n";
    vec![
        (
            "a list of figures of the wrong length",
            three_years("budget = 2.7", "budget = [2.7, 2.8]"),
            ProblemKind::Inconsistent,
            "[2.7, 2.8]",
            "`lines.care.budget` has 2 figures, but the model spans 3 years (2024/25, \
             2025/26, 2026/27)",
            "write one figure for each year, first year first",
        ),
        (
            "a list of figures in a one-year model",
            replace("budget = 2.7", "budget = [2.7, 2.8, 2.9]"),
            ProblemKind::Inconsistent,
            "[2.7, 2.8, 2.9]",
            "the model spans one year (2024/25)",
            "if the model spans 3 years, write horizon = 3 in [meta]",
        ),
        (
            "a misspelt year",
            three_years(
                "recurring = true\n",
                "recurring = true\nyear = \"2025/27\"\n",
            ),
            ProblemKind::InvalidValue,
            "\"2025/27\"",
            "`savings.plan.year` is \"2025/27\", which is not one of the model's years",
            "did you mean \"2025/26\"? the model's years are 2024/25, 2025/26, 2026/27",
        ),
        (
            "a year beyond a one-year model",
            replace(
                "recurring = true\n",
                "recurring = true\nyear = \"2025/26\"\n",
            ),
            ProblemKind::InvalidValue,
            "\"2025/26\"",
            "not one of the model's years (2024/25)",
            "set horizon = 2 (or more) in [meta]",
        ),
        (
            "ar1 without phi",
            three_years("sd = 0.01\n", "sd = 0.01\npath = \"ar1\"\n"),
            ProblemKind::MissingField,
            "\"ar1\"",
            "`drivers.growth` has path = \"ar1\", which needs `phi`",
            "phi = 0.6",
        ),
        (
            "phi out of range",
            three_years("sd = 0.01\n", "sd = 0.01\npath = \"ar1\"\nphi = 1.25\n"),
            ProblemKind::OutOfRange,
            "1.25",
            "`drivers.growth.phi` is 1.25, outside -1 to 1",
            "between -1 and 1, e.g. phi = 0.6",
        ),
        (
            "phi with another path",
            three_years("sd = 0.01\n", "sd = 0.01\npath = \"walk\"\nphi = 0.45\n"),
            ProblemKind::Inconsistent,
            "0.45",
            "applies only to path = \"ar1\"",
            "remove `phi`, or write path = \"ar1\"",
        ),
        (
            "widen on a held driver",
            three_years("sd = 0.01\n", "sd = 0.01\nwiden = 0.25\n"),
            ProblemKind::Inconsistent,
            "0.25",
            "nothing is drawn after the first year",
            "write path = \"independent\", \"walk\" or \"ar1\"",
        ),
        (
            "widen on a bernoulli",
            three_years("[lines.care]", bernoulli),
            ProblemKind::Inconsistent,
            "widen = 0.2",
            "`drivers.event.widen` cannot apply to a bernoulli driver: a bernoulli driver is \
             an event, 0 or 1",
            "remove `widen`",
        ),
        (
            "widen beyond 5",
            three_years(
                "sd = 0.01\n",
                "sd = 0.01\npath = \"independent\"\nwiden = 6\n",
            ),
            ProblemKind::OutOfRange,
            "widen = 6",
            "from 0 to 5",
            "widen = 0.25 (or \"25%\")",
        ),
        (
            "compound on a walk",
            three_years(
                "sd = 0.01\n",
                "sd = 0.01\npath = \"walk\"\ncompound = true\n",
            ),
            ProblemKind::Inconsistent,
            "compound = true",
            "path = \"walk\" is compounded already",
            "remove `compound`",
        ),
        (
            "an unknown path",
            three_years("sd = 0.01\n", "sd = 0.01\npath = \"wlak\"\n"),
            ProblemKind::InvalidValue,
            "\"wlak\"",
            "`wlak` is not a driver path gapsim knows",
            "did you mean \"walk\"?",
        ),
        (
            "a plan for a reserve that is not usable",
            format!("{}{schools}", three_years("amount = 1\n", "amount = 1\n")),
            ProblemKind::InvalidValue,
            "[-1, 0, 0]",
            "`reserves.schools.planned` plans movements of a reserve that is not usable",
            "planned movements count only for usable reserves: mark it releasable or move the \
             plan to a usable reserve",
        ),
        (
            "years that do not start with the model's year",
            replace(
                "unit = \"£m\"\n",
                "unit = \"£m\"\nyears = [\"2025/26\", \"2026/27\"]\n",
            ),
            ProblemKind::Inconsistent,
            "\"2025/26\", \"2026/27\"]",
            "`meta.years` starts with \"2025/26\", but the model's first year (`meta.year`) \
             is \"2024/25\"",
            "years = [\"2024/25\", ...]",
        ),
        (
            "horizon and years that disagree",
            replace(
                "unit = \"£m\"\n",
                "unit = \"£m\"\nhorizon = 3\nyears = [\"2024/25\", \"2025/26\"]\n",
            ),
            ProblemKind::Inconsistent,
            "horizon = 3",
            "`meta.horizon` is 3, but `meta.years` lists 2 years",
            "remove `horizon`",
        ),
        (
            "a year that cannot be continued",
            three_years("year = \"2024/25\"", "year = \"FY24\""),
            ProblemKind::InvalidValue,
            "\"FY24\"",
            "`meta.year` is \"FY24\", which gapsim cannot continue into the 3 years of `horizon`",
            "years = [\"FY24\", ...] with 3 labels",
        ),
        (
            "a horizon beyond ten years",
            replace("unit = \"£m\"\n", "unit = \"£m\"\nhorizon = 11\n"),
            ProblemKind::OutOfRange,
            "horizon = 11",
            "a whole number from 1 to 10, found 11",
            "horizon = 3",
        ),
        (
            "a reserves floor written as a percentage",
            replace(
                "net_budget = 100\n",
                "net_budget = 100\nreserves_floor = 5\n",
            ),
            ProblemKind::OutOfRange,
            "reserves_floor = 5",
            "`meta.reserves_floor` is the floor for usable reserves as a share of the net \
             budget, between 0 and 1, found 5",
            "write 0.05 or \"5%\"",
        ),
        (
            "growth below -100%",
            three_years("budget = 2.7", "budget = { first = 2.7, grows = -1.5 }"),
            ProblemKind::OutOfRange,
            "-1.5",
            "`lines.care.budget.grows` is -1.5, below -1",
            "0.04 for +4%",
        ),
        (
            "a percentage among money figures",
            three_years("budget = 2.7", "budget = [2.7, \"4%\", 2.9]"),
            ProblemKind::WrongType,
            "\"4%\"",
            "`lines.care.budget[1]` is a figure, not a share",
            "give what the budget provides for this line",
        ),
        (
            "a net budget that falls to zero",
            three_years(
                "net_budget = 100",
                "net_budget = { first = 100, grows = -1 }",
            ),
            ProblemKind::OutOfRange,
            "net_budget = { first",
            "`meta.net_budget` falls to 0 in 2025/26, but it must be greater than 0",
            "net revenue budget",
        ),
    ]
}

#[test]
fn each_bad_input_of_several_years_is_located_with_its_fix() {
    for (what, text, kind, at, message, help) in year_cases() {
        let err = Model::from_toml("bad.toml", &text).expect_err(what);
        let d = err
            .diagnostics
            .iter()
            .find(|d| d.kind == kind && d.severity == gapsim::model::Severity::Error)
            .unwrap_or_else(|| panic!("{what}: no {kind:?} error\n{err}"));
        let start = d.span.as_ref().map(|s| s.start);
        assert_eq!(
            text.matches(at).count(),
            1,
            "{what}: {at:?} should be unique in the model"
        );
        let value = at.find(" = ").map_or(0, |i| i + 3);
        assert_eq!(
            start,
            text.find(at).map(|i| i + value),
            "{what}: at the value\n{err}"
        );
        assert!(d.message.contains(message), "{what}: {}", d.message);
        let h = d.help.as_deref().unwrap_or_default();
        assert!(h.contains(help), "{what}: {h}");
    }
}

/// (what, model text, words in the one warning, words in its help): models of several
/// years that load, with a warning.
fn year_warning_cases() -> Vec<(&'static str, String, &'static str, &'static str)> {
    vec![
        (
            "a compounded driver used as a fraction delivered",
            three_years(
                "delivered = { dist = \"triangular\", min = 0.5, mode = 0.9, max = 1.0 }",
                "delivered = { dist = \"triangular\", min = 0.5, mode = 0.9, max = 1.0, path = \"walk\" }",
            ),
            "this driver compounds year on year (path = \"walk\"), but \
             `savings.plan.delivered` takes a fraction delivered",
            "give it path = \"independent\"",
        ),
        (
            "a plan that exhausts reserves",
            three_years("amount = 1\n", "amount = 1\nplanned = [0, -0.5, -0.6]\n"),
            "take them below zero in 2026/27: £1m at the start, -£1.1m planned by the end \
             of 2026/27, a balance of -£0.1m",
            "the plan itself exhausts reserves",
        ),
        (
            "a reserves floor above half the net budget",
            replace(
                "net_budget = 100\n",
                "net_budget = 100\nreserves_floor = 0.8\n",
            ),
            "`meta.reserves_floor` is 0.8: a floor of more than half the net budget",
            "write 0.008 or \"0.8%\"",
        ),
        (
            "a path in a model of one year",
            replace("sd = 0.01\n", "sd = 0.01\npath = \"walk\"\n"),
            "this model spans one year, 2024/25, so these change no figure",
            "set horizon = 3",
        ),
    ]
}

#[test]
fn each_warning_of_several_years_is_located_and_says_how_to_fix_it() {
    for (what, text, message, help) in year_warning_cases() {
        let loaded = Model::from_toml("warn.toml", &text).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(loaded.warnings.len(), 1, "{what}: {:?}", loaded.warnings);
        let d = &loaded.warnings[0];
        assert!(d.span.is_some(), "{what}: located");
        assert!(d.message.contains(message), "{what}: {}", d.message);
        assert!(
            d.help.as_deref().unwrap_or_default().contains(help),
            "{what}: {:?}",
            d.help
        );
    }
}

#[test]
fn a_driver_that_compounds_is_bounded_in_every_year_and_the_year_named() {
    // One year of this growth is within bounds (£10,000 × 6.6·10^14); compounded over
    // three years it is not, and the error names the year that fails.
    let wide = "growth = { dist = \"lognormal\", median = 1, p90 = 500, path = \"walk\" }";
    let line = format!(
        "[lines.wide]\nkind = \"simple\"\nbase = 10000\n{wide}\nbudget = 10000\nsource = \"x\"\n\n\
         [lines.care]"
    );
    let one = replace("[lines.care]", &line);
    assert!(Model::from_toml("one.toml", &one).is_ok());
    let three = three_years("[lines.care]", &line);
    let err = Model::from_toml("three.toml", &three).unwrap_err();
    let d = err
        .diagnostics
        .iter()
        .find(|d| d.kind == ProblemKind::OutOfRange)
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        d.message.starts_with("line `wide` can reach ")
            && d.message
                .contains("£m in a simulated year of 2026/27 (year 3 of the horizon): 10000 £m"),
        "{}",
        d.message
    );
    // Its growth compounded over the three years: ×(6.5·10^14)^3.
    assert!(
        d.message.contains("`lines.wide.growth` ×2.781e44"),
        "{}",
        d.message
    );
    assert_eq!(d.span.as_ref().map(|s| s.start), three.find("wide]"));
}

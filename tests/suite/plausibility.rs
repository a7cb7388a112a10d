//! Mistakes a finance user makes: each passes the model's rules but is almost certainly not
//! meant, and gets a warning located at its line and column with the likely fix, from
//! both `check` and `run`; `--strict` makes every warning an error (status 2, nothing
//! simulated or written). Also the limits on what a model file may hold.

use std::path::{Path, PathBuf};

use crate::common::{gapsim, num, run};

/// A sound model: every check below changes one thing in it.
const BASE: &str = r#"[meta]
name = "Plausible"
council = "Test"
year = "2024/25"
unit = "£m"
net_budget = 200

[drivers.inflation]
dist = "pert"
min = 0.02
mode = 0.03
max = 0.06
source = "assumption: test"

[lines.care]
kind = "cohort"
clients = 1000
unit_cost = 780
periods = 52
cost = "inflation"
budget = 42
source = "assumption: test"

[lines.pay]
kind = "simple"
base = 100
growth = "inflation"
budget = 103
source = "assumption: test"

[savings.plan]
amount = 5
recurring = true
delivered = { dist = "pert", min = 0.5, mode = 0.9, max = 1 }
slippage = { dist = "pert", min = 0, mode = 1, max = 3 }
source = "assumption: test"

[reserves.general_fund]
kind = "general_fund"
amount = 10
source = "assumption: test"
"#;

fn replace(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "{from:?} is not in the base model");
    BASE.replacen(from, to, 1)
}

/// A model file in a fresh folder (which `run` also writes under).
struct File {
    dir: tempfile::TempDir,
    path: PathBuf,
}

fn file(text: &str) -> File {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.toml");
    std::fs::write(&path, text).unwrap();
    File { dir, path }
}

/// Runs gapsim in the file's folder: (status, stderr).
fn gapsim_on(f: &File, args: &[&str]) -> (Option<i32>, String) {
    let out = gapsim()
        .current_dir(f.dir.path())
        .args(args)
        .arg(&f.path)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn written(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("outputs")).map_or(0, |d| d.count())
}

#[test]
fn the_base_model_has_no_warnings() {
    let f = file(BASE);
    let (code, err) = gapsim_on(&f, &["check"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.is_empty(), "{err}");
}

/// (what, model text, `file:line:col` of the warning, words in it, words of its fix)
fn warning_cases() -> Vec<(
    &'static str,
    String,
    &'static str,
    &'static str,
    &'static str,
)> {
    vec![
        (
            "a growth driver written in whole-number percentages",
            replace(
                "min = 0.02\nmode = 0.03\nmax = 0.06",
                "min = 2.5\nmode = 3.2\nmax = 5",
            ),
            "m.toml:11:8:",
            "its mode is 3.2: growth of 320%, which is almost certainly a percentage",
            "write growth as a fraction: 0.032 for 3.2%",
        ),
        (
            "an inline growth rate of 5 meaning 5%",
            replace("growth = \"inflation\"", "growth = 5"),
            "m.toml:27:10:",
            "`lines.pay.growth` is a growth rate applied as (1 + value), and its mean is 5",
            "0.05 for 5%",
        ),
        (
            "a budget in pounds in a £m model",
            replace("budget = 103", "budget = 233_700_000"),
            "m.toml:28:10:",
            "`lines.pay.budget` is £233,700,000m in this £m model",
            "write it in millions: 233.7",
        ),
        (
            "a weekly unit cost in £k",
            replace("unit_cost = 780", "unit_cost = 0.78"),
            "m.toml:21:10:",
            "line `care` has a central outturn (every driver at its mean) of £0.042m, 0.0998% of its \
             budget of £42m",
            "if it is in £k, write unit_cost = 780",
        ),
        (
            "a line out by more than a quarter of the net budget",
            replace("budget = 103", "budget = 40"),
            "m.toml:28:10:",
            "line `pay` has a central outturn (every driver at its mean) of £103.333m, 2.58 \
             times its budget",
            "check that the line's figures and its budget are in the model's unit",
        ),
        (
            "£m figures in a £ model",
            replace(
                "unit = \"£m\"\nnet_budget = 200\n",
                "unit = \"£\"\nnet_budget = 200\n",
            ),
            "m.toml:6:14:",
            "the net revenue budget is £200, less than £1m",
            "write unit = \"£m\"",
        ),
        (
            "reserves larger than the net budget",
            replace("amount = 10\n", "amount = 450\n"),
            "m.toml:40:10:",
            "usable reserves are £450m, more than the net revenue budget of £200m",
            "check the reserves and `net_budget` are both in the model's unit",
        ),
        (
            "slippage in weeks",
            replace(
                "slippage = { dist = \"pert\", min = 0, mode = 1, max = 3 }",
                "slippage = { dist = \"pert\", min = 0, mode = 13, max = 39 }",
            ),
            "m.toml:35:45:",
            "is slippage in months, and its mode is 13: more than a year late",
            "a saving starting in month k (April = 1) is k − 1 months late",
        ),
        (
            "no net budget",
            replace("net_budget = 200\n", ""),
            "m.toml:1:1:",
            "[meta] has no `net_budget`",
            "net_budget = 1429.0 for £1,429m",
        ),
    ]
}

#[test]
fn each_plausible_mistake_gets_one_located_warning_with_its_fix() {
    for (what, text, place, words, fix) in warning_cases() {
        let f = file(&text);
        let (code, err) = gapsim_on(&f, &["check"]);
        assert_eq!(
            code,
            Some(0),
            "{what}: a warning does not stop check\n{err}"
        );
        assert_eq!(
            err.matches("warning: ").count(),
            1,
            "{what}: one warning\n{err}"
        );
        assert!(
            err.contains(&format!("warning: {}", f.path.display()).replace("m.toml", place)),
            "{what}: expected {place}\n{err}"
        );
        assert!(err.contains(words), "{what}: expected {words:?}\n{err}");
        assert!(err.contains(fix), "{what}: expected the fix {fix:?}\n{err}");
    }
}

#[test]
fn run_gives_the_same_warnings_and_runs() {
    let (what, text, place, words, _) = warning_cases().swap_remove(0);
    let f = file(&text);
    let (code, err) = gapsim_on(&f, &["run", "-n", "2000", "--no-charts"]);
    assert_eq!(code, Some(0), "{what}\n{err}");
    assert!(err.contains(place) && err.contains(words), "{err}");
    assert_eq!(written(f.dir.path()), 1);
}

#[test]
fn strict_turns_warnings_into_errors_and_writes_nothing() {
    for (what, text, place, _, _) in warning_cases() {
        let f = file(&text);
        for args in [
            &["check", "--strict"][..],
            &["run", "--strict", "-n", "2000"],
        ] {
            let (code, err) = gapsim_on(&f, args);
            assert_eq!(code, Some(2), "{what}: {args:?}\n{err}");
            assert!(
                err.contains(&format!("error: {}", f.path.display()).replace("m.toml", place)),
                "{what}: {args:?}: expected {place}\n{err}"
            );
            assert!(err.contains("--strict turned it into an error"), "{err}");
            assert!(err.contains("nothing was run"), "{err}");
            assert!(!err.contains("warning: "), "{err}");
            assert_eq!(written(f.dir.path()), 0, "{what}: {args:?} wrote a run");
        }
    }
    // A model without warnings passes --strict.
    let f = file(BASE);
    assert_eq!(gapsim_on(&f, &["check", "--strict"]).0, Some(0));
}

#[test]
fn reserves_given_in_pounds_to_a_millions_model_are_flagged() {
    let f = file(BASE);
    let (code, err) = gapsim_on(
        &f,
        &["run", "--reserves", "45000000", "-n", "2000", "--no-charts"],
    );
    assert_eq!(code, Some(0), "{err}");
    // Named by the flag: it has no place in the file.
    assert!(
        err.contains(&format!(
            "warning: {}: --reserves 45000000 is more than the council's net revenue budget \
             (£200m)",
            f.path.display()
        )),
        "{err}"
    );
    assert!(err.contains("for £45,000,000 write --reserves 45"), "{err}");
    // Under --strict it is an error, and nothing runs.
    let f = file(BASE);
    let (code, err) = gapsim_on(&f, &["run", "--strict", "--reserves", "45000000"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--strict turned it into an error"), "{err}");
    assert_eq!(written(f.dir.path()), 0);
    // A plausible override is quiet.
    let f = file(BASE);
    let (code, err) = gapsim_on(
        &f,
        &["run", "--reserves", "45", "-n", "2000", "--no-charts"],
    );
    assert_eq!(code, Some(0));
    assert!(err.is_empty(), "{err}");
}

#[test]
fn percentages_in_quotes_are_read_exactly_where_a_fraction_is_expected() {
    // Every fraction in the model as a percentage: growth, a distribution's parameters,
    // the fraction delivered, a probability, a rank correlation.
    let as_fractions = format!(
        "{}\n[correlations.prices]\ndrivers = [\"inflation\", \"lines.pay.growth[1]\"]\n\
         rank = 0.4\nsource = \"x\"\n",
        replace(
            "growth = \"inflation\"",
            "growth = [\"inflation\", { dist = \"normal\", mean = 0.012, sd = 0.005 }]",
        )
        .replacen(
            "recurring = true\n",
            "recurring = true\nprobability = 0.9\n",
            1
        )
    );
    let as_percentages = as_fractions
        .replacen(
            "min = 0.02\nmode = 0.03\nmax = 0.06",
            "min = \"2%\"\nmode = \"3%\"\nmax = \"6%\"",
            1,
        )
        .replacen(
            "mean = 0.012, sd = 0.005",
            "mean = \"1.2%\", sd = \"0.5%\"",
            1,
        )
        .replacen(
            "min = 0.5, mode = 0.9, max = 1",
            "min = \"50%\", mode = \"90%\", max = \"100%\"",
            1,
        )
        .replacen("probability = 0.9", "probability = \"90%\"", 1)
        .replacen("rank = 0.4", "rank = \"40%\"", 1);
    assert_ne!(as_fractions, as_percentages);
    let a = file(&as_fractions);
    let b = file(&as_percentages);
    for f in [&a, &b] {
        let (code, err) = gapsim_on(f, &["check", "--strict"]);
        assert_eq!(code, Some(0), "{err}");
    }
    let ra = run(Some(&a.path), &["-n", "20000", "--no-charts"]);
    let rb = run(Some(&b.path), &["-n", "20000", "--no-charts"]);
    // Read exactly: the same figures to the last digit.
    assert_eq!(ra.summary["gap"], rb.summary["gap"]);
    assert_eq!(ra.summary["savings"], rb.summary["savings"]);
    assert_eq!(ra.percentiles, rb.percentiles);
}

#[test]
fn a_percentage_where_money_or_months_belong_is_refused() {
    for (text, place, words) in [
        (
            replace("amount = 5\n", "amount = \"5%\"\n"),
            "m.toml:32:10:",
            "`savings.plan.amount` is a figure, not a share",
        ),
        (
            replace(
                "slippage = { dist = \"pert\", min = 0, mode = 1, max = 3 }",
                "slippage = \"10%\"",
            ),
            "m.toml:35:12:",
            "`savings.plan.slippage` is months late, but \"10%\" is a percentage",
        ),
        (
            format!(
                "{BASE}\n[mitigation.action]\ncapacity = \"pct\"\nsource = \"x\"\n\n\
                 [drivers.pct]\ndist = \"uniform\"\nmin = \"1%\"\nmax = \"2%\"\nsource = \"x\"\n"
            ),
            "m.toml:44:12:",
            "driver `pct` is written in percentages (on line 49), but `mitigation.action.capacity` \
             takes a money amount",
        ),
    ] {
        let f = file(&text);
        let (code, err) = gapsim_on(&f, &["check"]);
        assert_eq!(code, Some(2), "{err}");
        assert!(
            err.contains(place) && err.contains(words),
            "{place} {words:?}\n{err}"
        );
    }
}

#[test]
fn thousands_separators_get_the_fix() {
    let f = file(&replace("clients = 1000", "clients = 1,000"));
    let (code, err) = gapsim_on(&f, &["check"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("m.toml:17:12:"), "{err}");
    assert!(
        err.contains("write clients = 1000 or clients = 1_000"),
        "{err}"
    );
}

#[test]
fn a_driver_that_failed_is_not_reported_again_where_it_is_used() {
    let text = format!(
        "{}\n[correlations.prices]\ndrivers = [\"inflation\", \"lines.pay.growth\"]\nrank = 0.3\n\
         source = \"x\"\n",
        replace("dist = \"pert\"\nmin = 0.02", "dist = \"PERT\"\nmin = 0.02").replacen(
            "growth = \"inflation\"",
            "growth = { dist = \"normal\", mean = 0.1, sd = -1 }",
            1
        )
    );
    let f = file(&text);
    let (code, err) = gapsim_on(&f, &["check"]);
    assert_eq!(code, Some(2));
    // One error for each definition, none where they are used (the line, the cohort, the
    // correlation).
    assert_eq!(err.matches("error: ").count(), 2, "{err}");
    assert!(
        err.contains("m.toml:9:8: `PERT` is not a distribution"),
        "{err}"
    );
    assert!(err.contains("did you mean \"pert\"?"), "{err}");
    assert!(err.contains("`sd` must be greater than 0"), "{err}");
    assert!(
        !err.contains("not a driver") && !err.contains("not defined"),
        "{err}"
    );
}

#[test]
fn a_correlation_conflict_names_its_smallest_set_and_points_at_each_entry() {
    let text = format!(
        "{BASE}\n[drivers.a]\ndist = \"uniform\"\nmin = 0\nmax = 0.01\nsource = \"x\"\n\n\
         [drivers.b]\ndist = \"uniform\"\nmin = 0\nmax = 0.01\nsource = \"x\"\n\n\
         [lines.more]\nkind = \"simple\"\nbase = 1\ngrowth = [\"a\", \"b\"]\nbudget = 1\nsource = \"x\"\n\n\
         [correlations.harmless]\ndrivers = [\"inflation\", \"savings.plan.delivered\"]\nrank = 0.2\nsource = \"x\"\n\n\
         [correlations.ab]\ndrivers = [\"a\", \"b\"]\nrank = 0.9\nsource = \"x\"\n\n\
         [correlations.bi]\ndrivers = [\"b\", \"inflation\"]\nrank = 0.9\nsource = \"x\"\n\n\
         [correlations.ai]\ndrivers = [\"a\", \"inflation\"]\nrank = -0.9\nsource = \"x\"\n"
    );
    let f = file(&text);
    let (code, err) = gapsim_on(&f, &["check"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(
            "m.toml:69:8: these rank correlations cannot all hold together (the smallest set \
             in conflict, 3 drivers: a ~ b = 0.9, inflation ~ b = 0.9 and inflation ~ a = -0.9)"
        ),
        "{err}"
    );
    for (line, words) in [
        (69, "[correlations.ab] sets a ~ b = 0.9"),
        (74, "[correlations.bi] sets inflation ~ b = 0.9"),
        (79, "[correlations.ai] sets inflation ~ a = -0.9"),
    ] {
        assert!(
            err.contains(&format!("= note: {}:{line}:8: {words}", f.path.display())),
            "{line}: {words}\n{err}"
        );
    }
    assert!(!err.contains("harmless"), "{err}");
}

#[test]
fn an_unknown_unit_is_told_both_spellings() {
    for unit in ["GBP", "pounds sterling", "GBP m"] {
        let f = file(&replace("unit = \"£m\"", &format!("unit = \"{unit}\"")));
        let (code, err) = gapsim_on(&f, &["check"]);
        assert_eq!(code, Some(2));
        assert!(err.contains("m.toml:5:8:"), "{err}");
        assert!(
            err.contains("unit = \"£m\" when money amounts are in millions of pounds")
                && err.contains("unit = \"£\" when they are in pounds"),
            "{unit}: {err}"
        );
    }
}

#[test]
fn a_unit_cost_may_be_a_distribution_of_the_cost_itself() {
    // 1,000 clients × U × 52 weeks × 1.1, U lognormal with median £600 and p90 £900:
    // σ = ln(1.5)/z(0.9) = 0.316383, E[U] = 600·e^{σ²/2} = £630.81, sd(U) = E[U]·√(e^{σ²} − 1)
    // = £204.73, so the line's mean is £36.083m and its sd £11.711m.
    let text = BASE
        .replacen(
            "unit_cost = 780",
            "unit_cost = { dist = \"lognormal\", median = 600, p90 = 900 }",
            1,
        )
        .replacen(
            "cost = \"inflation\"\nbudget = 42",
            "cost = 0.1\nbudget = 36",
            1,
        );
    let f = file(&text);
    let (code, err) = gapsim_on(&f, &["check", "--strict"]);
    assert_eq!(code, Some(0), "{err}");
    let n = 200_000;
    let r = run(Some(&f.path), &["-n", &n.to_string(), "--no-charts"]);
    let care = r.summary["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "care")
        .unwrap()
        .clone();
    let sigma = (1.5f64).ln() / 1.281_551_565_544_600_5;
    let mean_u = 600.0 * (sigma * sigma / 2.0).exp();
    let expected = 1000.0 * 52.0 * 1.1 * mean_u / 1e6;
    let sd = expected * ((sigma * sigma).exp() - 1.0).sqrt();
    let got = num(&care, "/expected");
    crate::common::assert_within("care outturn", got, expected, sd / (n as f64).sqrt(), 4.0);
    // The unit cost is a driver of its own, measured in sensitivity.
    let drivers = r.summary["sensitivity"]["drivers"].as_array().unwrap();
    assert!(
        drivers.iter().any(|d| d["name"] == "lines.care.unit_cost"),
        "{drivers:?}"
    );
    // A declared driver works the same way and gives the same figures.
    let declared = text.replacen(
        "unit_cost = { dist = \"lognormal\", median = 600, p90 = 900 }",
        "unit_cost = \"weekly_cost\"",
        1,
    ) + "\n[drivers.weekly_cost]\ndist = \"lognormal\"\nmedian = 600\np90 = 900\nsource = \"x\"\n";
    let g = file(&declared);
    let r2 = run(Some(&g.path), &["-n", "20000", "--no-charts"]);
    let r1 = run(Some(&f.path), &["-n", "20000", "--no-charts"]);
    assert!((num(&r1.summary, "/gap/mean") - num(&r2.summary, "/gap/mean")).abs() < 1.0);
}

#[test]
fn a_unit_cost_driver_cannot_be_negative_or_a_percentage() {
    for (to, words) in [
        (
            "unit_cost = { dist = \"normal\", mean = 600, sd = 400 }",
            "it cannot be negative here",
        ),
        ("unit_cost = \"60%\"", "is a figure, not a share"),
    ] {
        let f = file(&replace("unit_cost = 780", to));
        let (code, err) = gapsim_on(&f, &["check"]);
        assert_eq!(code, Some(2), "{to}");
        assert!(err.contains("m.toml:18:13:"), "{err}");
        assert!(err.contains(words), "{to}: {err}");
    }
}

#[test]
fn check_stops_reading_at_the_size_limit() {
    let out = gapsim().args(["check", "/dev/zero"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/dev/zero: the file is larger than 16 MiB (16,777,216 bytes)"),
        "{err}"
    );
    // A file one byte over the limit is refused the same way; one at it is read.
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("big.toml");
    let limit = gapsim::model::text::MAX_FILE_BYTES;
    let mut text = BASE.to_string();
    text.push_str(&"#".repeat(limit - text.len()));
    std::fs::write(&path, &text).unwrap();
    let out = gapsim().arg("check").arg(&path).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text.push('#');
    std::fs::write(&path, &text).unwrap();
    let out = gapsim().arg("check").arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("larger than 16 MiB"));
}

#[test]
fn a_name_of_100000_characters_is_refused_briefly() {
    // Defined, and referred to with a typo: the edit distance of two 100,000-character
    // names took over a minute. Now the name is refused for its length and the reference
    // gets no suggestion search at all; the messages name it by its start.
    let long = "a".repeat(100_000);
    let typo = format!("{}b", &long[1..]);
    let text = replace("[drivers.inflation]", &format!("[drivers.{long}]")).replacen(
        "cost = \"inflation\"",
        &format!("cost = \"{typo}\""),
        1,
    );
    let f = file(&text);
    let (code, err) = gapsim_on(&f, &["check"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("m.toml:8:10: the name or field `aaaa"),
        "{}",
        &err[..500.min(err.len())]
    );
    assert!(
        err.contains("(100000 characters)` is too long"),
        "{}",
        &err[..500.min(err.len())]
    );
    assert!(
        err.contains("m.toml:20:8: `lines.care.cost` has 100000 characters"),
        "{}",
        &err[..800.min(err.len())]
    );
    // The output does not repeat the name: a few kilobytes, not hundreds.
    assert!(err.len() < 5_000, "{} bytes", err.len());
}

#[test]
fn labels_and_texts_have_a_length_limit() {
    let label = "x".repeat(201);
    let f = file(&replace(
        "[lines.pay]\n",
        &format!("[lines.pay]\nlabel = \"{label}\"\n"),
    ));
    let (code, err) = gapsim_on(&f, &["check"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("m.toml:25:9: `lines.pay.label` has 201 characters; text shown on one line has at most 200"),
        "{err}"
    );
    // 200 is fine, and so is a long description.
    let text = replace(
        "[lines.pay]\n",
        &format!(
            "[lines.pay]\nlabel = \"{}\"\ndescription = \"{}\"\n",
            "x".repeat(200),
            "y".repeat(20_000)
        ),
    );
    let (code, err) = gapsim_on(&file(&text), &["check"]);
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn text_that_could_reorder_the_terminal_is_refused_wherever_it_is() {
    for (what, to, place, code_point) in [
        (
            "a right-to-left override in a label",
            "[lines.pay]\nlabel = \"Pay \u{202E}001 £\"\n",
            "m.toml:25:14:",
            "U+202E",
        ),
        (
            "a line separator in a group",
            "[lines.pay]\ngroup = \"Pay\u{2028}£999m\"\n",
            "m.toml:25:13:",
            "U+2028",
        ),
        (
            "an isolate in a comment",
            "[lines.pay] # \u{2066}note\n",
            "m.toml:24:15:",
            "U+2066",
        ),
        (
            "an override written as an escape",
            "[lines.pay]\nlabel = \"Pay \\u202E001\"\n",
            "m.toml:25:9:",
            "U+202E",
        ),
    ] {
        let f = file(&replace("[lines.pay]\n", to));
        let (code, err) = gapsim_on(&f, &["check"]);
        assert_eq!(code, Some(2), "{what}");
        assert!(err.contains(place), "{what}: expected {place}\n{err}");
        assert!(err.contains(code_point), "{what}\n{err}");
        assert!(err.contains("= help:"), "{what}\n{err}");
        // The character itself is never printed.
        assert!(
            !err.chars().any(|c| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')),
            "{what}: {err:?}"
        );
    }
}

#[test]
fn at_most_500_drivers_may_be_correlated() {
    let names: Vec<String> = (0..501).map(|i| format!("d{i}")).collect();
    let mut text = replace("growth = \"inflation\"", &format!("growth = {names:?}"));
    for n in &names {
        text.push_str(&format!(
            "\n[drivers.{n}]\ndist = \"uniform\"\nmin = 0\nmax = 0.0001\nsource = \"x\"\n"
        ));
    }
    text.push_str(&format!(
        "\n[correlations.all]\ndrivers = {names:?}\nrank = 0.1\nsource = \"x\"\n"
    ));
    let (code, err) = gapsim_on(&file(&text), &["check"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("with `correlations.all`, the correlations name 501 drivers; at most 500"),
        "{err}"
    );
    // 500 are checked (and hold).
    let text = text.replacen(", \"d500\"]\nrank", "]\nrank", 1);
    let (code, err) = gapsim_on(&file(&text), &["check"]);
    assert_eq!(code, Some(0), "{err}");
}

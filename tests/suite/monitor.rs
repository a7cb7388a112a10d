//! In-year monitoring: positions re-forecast against their exact answers, the TOML and CSV
//! forms, layering on a budget model, located errors, and the back-test's calibration on
//! cases drawn from a known drift.

use std::path::Path;

use gapsim::dist::open01;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde_json::Value;
use statrs::distribution::{ContinuousCDF, LogNormal, Normal};

use crate::common::{assert_within, gapsim, num};

/// Runs `gapsim ARGS… --out <tmp>/run` in `dir` and returns (status, stderr, summary).
fn run_in(dir: &Path, args: &[&str]) -> (i32, String, Option<Value>) {
    let out = gapsim()
        .current_dir(dir)
        .args(args)
        .arg("--out")
        .arg(dir.join("run"))
        .output()
        .unwrap();
    let summary = std::fs::read(dir.join("run/summary.json"))
        .ok()
        .map(|b| serde_json::from_slice(&b).unwrap());
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        summary,
    )
}

fn monitor(text: &str, extra: &[&str]) -> Value {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("pos.toml"), text).unwrap();
    let mut args = vec!["monitor", "pos.toml", "--no-charts"];
    args.extend_from_slice(extra);
    let (code, err, summary) = run_in(tmp.path(), &args);
    assert_eq!(code, 0, "{err}");
    summary.unwrap()
}

const HEAD: &str = "[reserves.r0]\nkind = \"general_fund\"\namount = 0\nsource = \"a\"\n\
    [monitoring]\nname = \"t\"\ncouncil = \"Testshire\"\nyear = \"2023/24\"\n\
    unit = \"£m\"\nnet_budget = 1000\nsource = \"assumption: test\"\n";

fn binomial_se(p: f64, n: f64) -> f64 {
    (p * (1.0 - p) / n).sqrt()
}

#[test]
fn a_normal_drift_gives_the_normal_outturn_and_its_chances() {
    // Outturn = 20 − 1000·D, D ~ Normal(1.66%, 0.79%) improvement: Normal(3.4, 7.9).
    let text = format!(
        "{HEAD}month = 6\nbasis = \"after_action\"\n\
         [lines.all]\nvariance = 20\nsource = \"a\"\n\
         [drift]\nskew = 0\nsource = \"assumption: normal\"\n\
         [reserves.gf]\nkind = \"general_fund\"\namount = 10\nsource = \"a\"\n"
    );
    let n: f64 = 200_000.0;
    let s = monitor(&text, &["-n", "200000"]);
    let (mean, sd) = (20.0 - 16.6, 7.9);
    assert_within("mean", num(&s, "/gap/mean"), mean, sd / n.sqrt(), 4.0);
    assert_within("sd", num(&s, "/gap/sd"), sd, sd / (2.0 * n).sqrt(), 4.0);
    let normal = Normal::new(mean, sd).unwrap();
    let p_draw = 1.0 - normal.cdf(0.0);
    let p_s114 = 1.0 - normal.cdf(10.0);
    assert_within(
        "P(drawing on reserves)",
        num(&s, "/p_drawing_on_reserves/estimate"),
        p_draw,
        binomial_se(p_draw, n),
        4.0,
    );
    assert_within(
        "P(S114-level)",
        num(&s, "/s114/probability/estimate"),
        p_s114,
        binomial_se(p_s114, n),
        4.0,
    );
}

#[test]
fn the_default_drift_at_q3_is_the_stated_skewed_law() {
    // At month 9 the default is mean improvement 0.83%, sd 0.79%·√(1/2), skewness 1: a
    // lognormal of coefficient of variation c (3c + c³ = 1) shifted to that mean.
    let text = format!(
        "{HEAD}month = 9\nbasis = \"after_action\"\n\
         [lines.all]\nvariance = 15\nsource = \"a\"\n"
    );
    let n: f64 = 200_000.0;
    let s = monitor(&text, &["-n", "200000"]);
    let sd = 0.0079 * 0.5_f64.sqrt();
    let mut c = 0.3;
    for _ in 0..100 {
        c -= (3.0 * c + c * c * c - 1.0) / (3.0 + 3.0 * c * c);
    }
    let a = sd / c;
    let sigma2 = (1.0 + c * c).ln();
    let law = LogNormal::new(a.ln() - sigma2 / 2.0, sigma2.sqrt()).unwrap();
    let shift = -0.0083 - a;
    // The gap is 15 + 1000·(shift + L): its CDF at x is the lognormal's at x/1000 − 15/1000 − shift.
    let cdf = |x: f64| law.cdf((x - 15.0) / 1000.0 - shift);
    assert_within(
        "mean",
        num(&s, "/gap/mean"),
        15.0 - 8.3,
        1000.0 * sd / n.sqrt(),
        4.0,
    );
    let percentiles = s["gap"]["percentiles"].as_array().unwrap();
    for p in percentiles {
        let q = p["p"].as_f64().unwrap() / 100.0;
        let value = num(p, "/value");
        assert_within(
            &format!("the analytic CDF at the simulated P{}", q * 100.0),
            cdf(value),
            q,
            binomial_se(q, n),
            4.5,
        );
    }
    // The long tail is on the side of deterioration.
    let p = |k: usize| num(&percentiles[k], "/value");
    assert!(
        p(6) - p(3) > p(3) - p(0),
        "P95 − P50 > P50 − P5: {percentiles:?}"
    );
}

#[test]
fn both_bases_give_the_same_year_and_action_at_risk_costs_its_expected_shortfall() {
    // 30 before action; 10 planned, 4 achieved: 20 after. The 6 still to come is amber,
    // delivered 64.4% on average (sd 20%): outturn 20 + 6·0.356, sd 6·0.2.
    let body = "[actions.freeze]\nplanned = 10\nachieved = 4\nsource = \"a\"\n\
                [drift]\nlaw = \"none\"\nsource = \"assumption: none\"\n";
    let before = format!(
        "{HEAD}month = 6\nbasis = \"before_action\"\n[lines.all]\nvariance = 30\nsource = \"a\"\n{body}"
    );
    let after = format!(
        "{HEAD}month = 6\nbasis = \"after_action\"\n[lines.all]\nvariance = 20\nsource = \"a\"\n{body}"
    );
    let n: f64 = 100_000.0;
    let a = monitor(&before, &["-n", "100000"]);
    let b = monitor(&after, &["-n", "100000"]);
    let (ma, mb) = (num(&a, "/gap/mean"), num(&b, "/gap/mean"));
    assert!((ma - mb).abs() < 1e-9, "{ma} vs {mb}");
    assert_within("mean", ma, 20.0 + 6.0 * 0.356, 1.2 / n.sqrt(), 4.0);
    assert_within("sd", num(&a, "/gap/sd"), 1.2, 1.2 / (2.0 * n).sqrt(), 5.0);
}

#[test]
fn a_saving_adds_what_the_forecast_assumes_less_what_it_delivers() {
    // Amber 14 of which the forecasts assume 9: 9 − 14·0.644 on average; a red one written
    // off (forecast 0) delivering a fixed 20% by override improves the year by 2.8.
    let text = format!(
        "{HEAD}month = 6\nbasis = \"after_action\"\n[lines.all]\nvariance = 5\nsource = \"a\"\n\
         [savings.redesign]\namount = 14\nrag = \"amber\"\nforecast = 9\nsource = \"a\"\n\
         [savings.closure]\namount = 14\nrag = \"red\"\nforecast = 0\nsource = \"a\"\n\
         [delivery]\nred = 0.2\nsource = \"assumption\"\n\
         [drift]\nlaw = \"none\"\nsource = \"assumption: none\"\n"
    );
    let n: f64 = 100_000.0;
    let s = monitor(&text, &["-n", "100000"]);
    let expected = 5.0 + (9.0 - 14.0 * 0.644) + (0.0 - 14.0 * 0.2);
    assert_within("mean", num(&s, "/gap/mean"), expected, 2.8 / n.sqrt(), 4.0);
    assert_within("sd", num(&s, "/gap/sd"), 2.8, 2.8 / (2.0 * n).sqrt(), 5.0);
}

#[test]
fn the_csv_sheet_compiles_to_the_toml_files_model_byte_for_byte() {
    use gapsim::model::monitor::{self, Format};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/monitoring");
    let toml = std::fs::read_to_string(dir.join("kent-2023-24-q2.toml")).unwrap();
    let csv = std::fs::read_to_string(dir.join("kent-2023-24-q2.csv")).unwrap();
    let a = monitor::read(&toml, Format::Toml).unwrap().position;
    let b = monitor::read(&csv, Format::Csv).unwrap().position;
    let (ta, tb) = (monitor::compile(&a).text, monitor::compile(&b).text);
    assert_eq!(ta, tb);
    // And the compiled model is a model file that checks.
    gapsim::model::Model::from_toml("compiled", &ta).unwrap();
}

#[test]
fn every_shipped_position_checks_and_runs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/monitoring");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("backtest") {
            continue;
        }
        let tmp = tempfile::tempdir().unwrap();
        let (code, err, summary) = run_in(
            tmp.path(),
            &[
                "monitor",
                path.to_str().unwrap(),
                "-n",
                "20000",
                "--no-charts",
                "--strict",
            ],
        );
        assert_eq!(code, 0, "{name}: {err}");
        let s = summary.unwrap();
        assert_eq!(s["model"]["year"], "2023/24", "{name}");
        assert!(tmp.path().join("run/model.toml").exists());
    }
}

#[test]
fn a_position_layered_on_a_budget_model_takes_its_spread_for_the_months_left() {
    // The model's one line is 100·(1 + g), g ~ Normal(5%, 2%), against a budget of 100:
    // sd 2 over a year. At month 6, half the year is left: the outturn is the position's
    // 8 plus half the model's deviation, Normal(8, 1).
    let tmp = tempfile::tempdir().unwrap();
    let model = "[meta]\nname = \"b\"\ncouncil = \"Testshire\"\nyear = \"2023/24\"\nunit = \"£m\"\n\
        net_budget = 1000\n\
        [drivers.g]\ndist = \"normal\"\nmean = 0.05\nsd = 0.02\nsource = \"a\"\n\
        [lines.l]\nkind = \"simple\"\nbase = 100\ngrowth = \"g\"\nbudget = 100\nsource = \"a\"\n\
        [mitigation.m]\ncapacity = 50\nsource = \"a\"\n\
        [reserves.r]\nkind = \"general_fund\"\namount = 100\nsource = \"a\"\n";
    std::fs::write(tmp.path().join("budget.toml"), model).unwrap();
    let pos = format!(
        "{HEAD}month = 6\nbasis = \"after_action\"\n[lines.all]\nvariance = 8\nsource = \"a\"\n\
         [reserves.gf]\nkind = \"general_fund\"\namount = 9\nsource = \"a\"\n"
    );
    std::fs::write(tmp.path().join("pos.toml"), pos).unwrap();
    let n: f64 = 200_000.0;
    let (code, err, s) = run_in(
        tmp.path(),
        &[
            "run",
            "budget.toml",
            "--monitoring",
            "pos.toml",
            "-n",
            "200000",
            "--no-charts",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let s = s.unwrap();
    assert_within("mean", num(&s, "/gap/mean"), 8.0, 1.0 / n.sqrt(), 4.0);
    assert_within("sd", num(&s, "/gap/sd"), 1.0, 1.0 / (2.0 * n).sqrt(), 4.0);
    // The position's reserves replace the model's, and its missing contingency the
    // model's mitigation: P(S114-level) = P(Normal(8, 1) > 9).
    let p = 1.0 - Normal::new(8.0, 1.0).unwrap().cdf(9.0);
    assert_within(
        "P(S114-level)",
        num(&s, "/s114/probability/estimate"),
        p,
        binomial_se(p, n),
        4.0,
    );

    // A model of another year is refused, naming both years.
    let other = model.replace("2023/24", "2024/25");
    std::fs::write(tmp.path().join("other.toml"), other).unwrap();
    std::fs::remove_dir_all(tmp.path().join("run")).ok();
    let (code, err, s) = run_in(
        tmp.path(),
        &["run", "other.toml", "--monitoring", "pos.toml"],
    );
    assert_eq!(code, 2);
    assert!(s.is_none());
    assert!(err.contains("2023/24") && err.contains("2024/25"), "{err}");
}

#[test]
fn mistakes_in_a_monitoring_file_are_located_with_their_fix() {
    let tmp = tempfile::tempdir().unwrap();
    let text = format!(
        "{HEAD}month = 13\nbasis = \"before\"\n\
         [lines.asc]\nforecast = 310\nsource = \"a\"\n\
         [savings.s]\namount = 5\nrag = \"orange\"\nsource = \"a\"\n\
         [reserves.gf]\nkind = \"general_fund\"\namount = 10\nsourse = \"a\"\n"
    );
    std::fs::write(tmp.path().join("bad.toml"), &text).unwrap();
    let (code, err, s) = run_in(tmp.path(), &["monitor", "bad.toml"]);
    assert_eq!(code, 2);
    assert!(s.is_none());
    for (needle, line) in [
        ("`month` is 13", 12),
        ("a `forecast` without a `budget`", 15),
        ("\"orange\", which is not a RAG status", 19),
        ("did you mean `source`?", 24),
    ] {
        assert!(err.contains(needle), "{needle}: {err}");
        assert!(
            err.contains(&format!("bad.toml:{line}:")),
            "line {line} for {needle}: {err}"
        );
    }
    // The CSV sheet: a number with a thousands separator, at its row and column.
    let csv = "field,value\nname,t\ncouncil,T\nyear,2023/24\nmonth,6\nunit,£m\nnet_budget,1000\n\
               basis,after_action\nsource,a\n\n\
               section,name,variance,source\nlines,all,\"1,234.5\",a\n";
    std::fs::write(tmp.path().join("bad.csv"), csv).unwrap();
    let (code, err, _) = run_in(tmp.path(), &["monitor", "bad.csv"]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.csv:12:11"), "{err}");
    assert!(
        !err.contains("needs a `variance`"),
        "one problem, one message: {err}"
    );
    assert!(
        err.contains("column `variance`") && err.contains("1234.5"),
        "{err}"
    );
}

/// Writes `n` back-test cases whose outturns come from the default drift at their month,
/// with the drift's deviation from its mean multiplied by `spread` (1 = the true law).
/// The draws use an independent sampler (statrs's lognormal quantile on our own
/// uniforms), not gapsim's.
fn synthetic_cases(n: usize, spread: f64, seed: u64) -> String {
    use gapsim::model::monitor::Drift;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut out = String::from("council,year,month,net_budget,forecast,basis,outturn,reserves\n");
    for i in 0..n {
        let month = [3u8, 6, 9][i % 3];
        let law = Drift::default_at(month).law(month).unwrap();
        let mut c = 0.3;
        for _ in 0..100 {
            c -= (3.0 * c + c * c * c - law.skew) / (3.0 + 3.0 * c * c);
        }
        let a = law.sd / c;
        let sigma2 = (1.0 + c * c).ln();
        let ln = LogNormal::new(a.ln() - sigma2 / 2.0, sigma2.sqrt()).unwrap();
        let u: f64 = open01(&mut rng);
        let d = -law.improvement + spread * (ln.inverse_cdf(u) - a);
        let budget = 100.0 + 1900.0 * open01(&mut rng);
        let forecast = budget * (-0.01 + 0.05 * open01(&mut rng));
        let outturn = forecast + budget * d;
        out.push_str(&format!(
            "Council {i},2019/20,{month},{budget:.6},{forecast:.6},after_action,{outturn:.6},{:.3}\n",
            budget * 0.03
        ));
    }
    out
}

fn backtest(csv: &str) -> (i32, String, Value) {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("cases.csv"), csv).unwrap();
    let out = gapsim()
        .current_dir(tmp.path())
        .args([
            "backtest",
            "cases.csv",
            "-n",
            "4000",
            "--seed",
            "7",
            "--out",
            "bt",
        ])
        .output()
        .unwrap();
    let json = std::fs::read(tmp.path().join("bt/backtest.json")).unwrap_or_default();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        serde_json::from_slice(&json).unwrap_or(Value::Null),
    )
}

#[test]
fn cases_from_the_known_drift_are_covered_at_nominal_with_a_flat_pit() {
    let (code, err, j) = backtest(&synthetic_cases(300, 1.0, 11));
    assert_eq!(code, 0, "{err}");
    let a = &j["assessment"];
    eprintln!(
        "known drift: 80% {} / 90% {} / PIT {}",
        a["coverage_80"], a["coverage_90"], a["pit"]
    );
    assert_eq!(a["cases"], 300);
    for range in ["coverage_80", "coverage_90"] {
        let c = &a[range];
        let (lo, hi) = (num(c, "/interval/0"), num(c, "/interval/1"));
        let nominal = num(c, "/nominal");
        assert!(lo <= nominal && nominal <= hi, "{range}: {c}");
        assert_eq!(c["verdict"], "consistent", "{range}: {c}");
    }
    assert!(num(a, "/pit/p_value") > 0.001, "PIT not flat: {}", a["pit"]);
}

#[test]
fn cases_from_twice_the_drift_are_flagged_as_under_covered() {
    let (code, err, j) = backtest(&synthetic_cases(300, 2.0, 12));
    assert_eq!(code, 0, "{err}");
    let a = &j["assessment"];
    eprintln!(
        "twice the drift: 80% {} / 90% {} / PIT {}",
        a["coverage_80"], a["coverage_90"], a["pit"]
    );
    assert_eq!(
        a["coverage_80"]["verdict"], "under_covered",
        "{}",
        a["coverage_80"]
    );
    assert_eq!(
        a["coverage_90"]["verdict"], "under_covered",
        "{}",
        a["coverage_90"]
    );
    assert!(num(a, "/pit/p_value") < 0.001, "{}", a["pit"]);
}

#[test]
fn malformed_case_rows_are_located_and_the_others_still_run() {
    let mut csv = synthetic_cases(30, 1.0, 13);
    // Row 32: a forecast with a thousands separator; row 33: month 13.
    csv.push_str("Bad One,2019/20,6,1000,\"1,234\",after_action,5,10\n");
    csv.push_str("Bad Two,2019/20,13,1000,12,after_action,5,10\n");
    let (code, err, j) = backtest(&csv);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("cases.csv:32:") && err.contains("row 32, column `forecast`"),
        "{err}"
    );
    assert!(err.contains("1234"), "{err}");
    assert!(
        err.contains("cases.csv:33:") && err.contains("`month` is 13"),
        "{err}"
    );
    assert_eq!(j["assessment"]["cases"], 30, "the good rows ran");
    assert_eq!(j["rows_refused"], 2);
}

mod generated {
    //! Generated monitoring files, often damaged at one character: any file `monitor`
    //! reads compiles to a model that checks and runs with finite figures; any it refuses
    //! gets errors that point inside the file. The same positions as CSV sheets likewise.

    use std::sync::atomic::AtomicBool;

    use gapsim::engine::{self, RunConfig};
    use gapsim::model::monitor::{self, Format};
    use gapsim::model::{Model, Severity};
    use gapsim::sample::Sampling;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    use rust_decimal::prelude::ToPrimitive as _;

    fn amount() -> impl Strategy<Value = String> {
        prop_oneof![
            12 => (-50.0f64..200.0).prop_map(|v| format!("{v:.3}")),
            1 => Just("0".to_string()),
            1 => Just("1e14".to_string()),
            1 => Just("\"5%\"".to_string()),
            1 => Just("\"10\"".to_string()),
        ]
    }

    fn position() -> impl Strategy<Value = String> {
        let line = (amount(), prop::option::of(0.0f64..500.0)).prop_map(|(v, b)| match b {
            Some(b) => format!("budget = {b:.2}\nvariance = {v}\n"),
            None => format!("variance = {v}\n"),
        });
        let saving =
            (1.0f64..30.0, 0usize..30, prop::option::of(0.0f64..1.0)).prop_map(|(a, r, f)| {
                let rag = if r == 0 {
                    "purple"
                } else {
                    ["blue", "green", "amber", "red", "Amber", "G"][r % 6]
                };
                let f = f.map_or(String::new(), |f| {
                    format!("forecast = {:.2}\n", (f * a).min(a))
                });
                format!("amount = {a:.2}\nrag = \"{rag}\"\n{f}")
            });
        let action = (0u32..3000, 0u32..=100).prop_map(|(p, a)| {
            let p = f64::from(p) / 100.0;
            format!(
                "planned = {p:.2}\nachieved = {:.2}\n",
                p * f64::from(a) / 100.0
            )
        });
        (
            0u8..12,
            prop::bool::ANY,
            prop::collection::vec(line, 1..4),
            prop::collection::vec(saving, 0..3),
            prop::collection::vec(action, 0..3),
            prop::option::of((0.0f64..20.0, 0.0f64..20.0)),
            0.0f64..100.0,
            0usize..4,
        )
            .prop_map(|(month, before, lines, savings, actions, contingency, reserves, drift)| {
                let mut t = format!(
                    "[monitoring]\nname = \"g\"\ncouncil = \"G\"\nyear = \"2023/24\"\nmonth = {month}\n\
                     unit = \"£m\"\nnet_budget = 800\nbasis = \"{}\"\nsource = \"a\"\n",
                    if before { "before_action" } else { "after_action" }
                );
                for (i, l) in lines.iter().enumerate() {
                    t.push_str(&format!("[lines.l{i}]\n{l}source = \"a\"\n"));
                }
                for (i, s) in savings.iter().enumerate() {
                    t.push_str(&format!("[savings.s{i}]\n{s}source = \"a\"\n"));
                }
                for (i, a) in actions.iter().enumerate() {
                    t.push_str(&format!("[actions.a{i}]\n{a}source = \"a\"\n"));
                }
                if let Some((b, u)) = contingency {
                    t.push_str(&format!("[contingency]\nbudget = {:.2}\nused = {:.2}\nsource = \"a\"\n", b.max(u), u));
                }
                t.push_str(&format!(
                    "[reserves.gf]\nkind = \"general_fund\"\namount = {reserves:.2}\nsource = \"a\"\n"
                ));
                t.push_str(
                    [
                        "",
                        "[drift]\nskew = 0\nsource = \"a\"\n",
                        "[drift]\nlaw = { dist = \"normal\", mean = -0.01, sd = 0.02 }\nsource = \"a\"\n",
                        "[delivery]\namber = { dist = \"pert\", min = 0, mode = 0.5, max = 1.2 }\nsource = \"a\"\n",
                    ][drift],
                );
                t
            })
    }

    fn damaged() -> impl Strategy<Value = String> {
        (
            position(),
            any::<prop::sample::Index>(),
            0usize..12,
            0usize..3,
        )
            .prop_map(|(text, at, with, keep)| {
                if keep > 0 {
                    return text;
                }
                let chars: Vec<char> = text.chars().collect();
                let i = at.index(chars.len());
                let replacement =
                    ['=', '"', '[', '-', '9', 'e', ',', '\n', '.', 'x', '}', '%'][with];
                chars
                    .iter()
                    .enumerate()
                    .map(|(j, &c)| if j == i { replacement } else { c })
                    .collect()
            })
    }

    fn inside(text: &str, diags: &[gapsim::model::Diagnostic]) {
        assert!(
            diags.iter().any(|d| d.severity == Severity::Error),
            "{diags:?}"
        );
        for d in diags {
            if let Some(s) = &d.span {
                assert!(s.start <= s.end && s.end <= text.len(), "{d:?} in\n{text}");
            }
        }
        let _ = gapsim::model::diagnostic::render("g.toml", text, diags);
    }

    #[test]
    fn what_monitor_reads_runs_and_what_it_refuses_is_located() {
        let config = Config {
            cases: 400,
            failure_persistence: None,
            ..Config::default()
        };
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[17; 32]);
        let mut runner = TestRunner::new_with_rng(config, rng);
        let (ran, refused) = (std::cell::Cell::new(0u32), std::cell::Cell::new(0u32));
        runner
            .run(&damaged(), |text| {
                match monitor::read(&text, Format::Toml) {
                    Err(diags) => {
                        refused.set(refused.get() + 1);
                        inside(&text, &diags);
                    }
                    Ok(r) => {
                        let compiled = monitor::compile(&r.position);
                        match Model::from_toml("compiled", &compiled.text) {
                            Err(e) => {
                                // Refused by the model check: shown inside the monitoring file.
                                refused.set(refused.get() + 1);
                                let located: Vec<_> =
                                    e.diagnostics.iter().map(|d| compiled.locate(d)).collect();
                                inside(&text, &located);
                            }
                            Ok(loaded) => {
                                ran.set(ran.get() + 1);
                                let m = &loaded.model;
                                let config = RunConfig {
                                    seed: 5,
                                    iterations: 1_000,
                                    reserves: m.usable_reserves().to_f64().unwrap(),
                                    sampling: Sampling::MonteCarlo,
                                };
                                let run = engine::run(m, &config, &|_| {}, &AtomicBool::new(false))
                                    .unwrap();
                                assert!(run.shortfall.iter().all(|x| x.is_finite()), "{text}");
                            }
                        }
                    }
                }
                Ok(())
            })
            .unwrap();
        // Both sides exercised.
        assert!(
            ran.get() > 50 && refused.get() > 50,
            "ran {} refused {}",
            ran.get(),
            refused.get()
        );
    }

    #[test]
    fn any_sheet_or_case_file_is_read_or_refused_inside_itself() {
        let config = Config {
            cases: 300,
            failure_persistence: None,
            ..Config::default()
        };
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[19; 32]);
        let mut runner = TestRunner::new_with_rng(config, rng);
        let cell = prop_oneof![
            Just(String::new()),
            Just("lines".to_string()),
            Just("reserves".to_string()),
            Just("\"a,\"\"b\"".to_string()),
            Just("\"open".to_string()),
            (-1e3f64..1e3).prop_map(|v| format!("{v}")),
            "[a-z_]{1,8}".prop_map(|s| s),
        ];
        let sheet = prop::collection::vec(prop::collection::vec(cell, 1..12), 1..12).prop_map(|rows| {
            let mut t = String::from(
                "field,value\nname,n\ncouncil,C\nyear,2023/24\nmonth,6\nunit,£m\nnet_budget,500\nbasis,after\nsource,s\n\n\
                 section,name,label,budget,forecast,variance,amount,rag,planned,achieved,used,available,kind,releasable,source\n",
            );
            for r in rows {
                t.push_str(&r.join(","));
                t.push('\n');
            }
            t
        });
        runner
            .run(&sheet, |text| {
                if let Err(diags) = monitor::read(&text, Format::Csv) {
                    inside(&text, &diags);
                }
                let cases = text.replacen(
                    "field,value",
                    "council,year,month,net_budget,forecast,basis,outturn",
                    1,
                );
                let (_, diags) = monitor::read_cases(&cases);
                for d in &diags {
                    if let Some(s) = &d.span {
                        assert!(s.end <= cases.len(), "{d:?}");
                    }
                }
                Ok(())
            })
            .unwrap();
    }
}

#[test]
fn a_position_given_where_a_model_belongs_is_named_as_one_with_the_command_for_it() {
    // `gapsim run` (or `batch`) of a monitoring file: one error saying what the file is and
    // which command reads it, at its [monitoring] table, not one per line that a model
    // would cost otherwise.
    let tmp = tempfile::tempdir().unwrap();
    let q2 = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("models/monitoring/kent-2023-24-q2.toml"),
    )
    .unwrap();
    std::fs::write(tmp.path().join("q2.toml"), &q2).unwrap();
    let at = q2.lines().position(|l| l == "[monitoring]").unwrap() + 1;
    let (code, err, s) = run_in(tmp.path(), &["run", "q2.toml", "-n", "1000"]);
    assert_eq!(code, 2, "{err}");
    assert!(s.is_none());
    assert!(
        err.contains(&format!(
            "q2.toml:{at}:1: this is an in-year monitoring position"
        )),
        "{err}"
    );
    assert!(err.contains("gapsim monitor FILE"), "{err}");
    assert!(err.contains("1 error and 0 warnings"), "{err}");
    // The same file read by the command it belongs to runs.
    let (code, err, s) = run_in(tmp.path(), &["monitor", "q2.toml", "-n", "1000"]);
    assert_eq!(code, 0, "{err}");
    assert!(s.is_some());
    // A position whose lines are a sheet: the sheet is not read as a model's lines (its
    // columns would each be reported as unknown); the file is named for what it is.
    let sheeted =
        format!("{HEAD}month = 6\nbasis = \"after_action\"\n[lines]\nfrom = \"lines.csv\"\n");
    std::fs::write(tmp.path().join("b.toml"), sheeted).unwrap();
    std::fs::write(
        tmp.path().join("lines.csv"),
        "name,variance,source\nall,20,a\n",
    )
    .unwrap();
    std::fs::remove_dir_all(tmp.path().join("run")).unwrap();
    let (code, err, _) = run_in(tmp.path(), &["monitor", "b.toml", "-n", "1000"]);
    assert_eq!(code, 0, "a valid position: {err}");
    std::fs::remove_dir_all(tmp.path().join("run")).unwrap();
    let (code, err, s) = run_in(tmp.path(), &["run", "b.toml", "-n", "1000"]);
    assert_eq!(code, 2, "{err}");
    assert!(s.is_none());
    assert!(
        err.contains("this is an in-year monitoring position"),
        "{err}"
    );
    assert!(err.contains("1 error and 0 warnings"), "{err}");
}

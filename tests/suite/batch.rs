//! Portfolios: `gapsim init --synthetic` and `gapsim batch`. Each run folder of a batch is
//! what `gapsim run` writes for its model, byte for byte; portfolio.csv, .json and .xlsx
//! repeat each summary.json's figures exactly and rank the councils; a broken model is
//! reported at its line and marked failed while the others run; a batch that cannot start,
//! or is stopped, writes nothing. Small runs (20,000 simulated years) keep them fast.

use std::io::{BufRead as _, BufReader, Cursor};
use std::path::Path;
use std::process::Stdio;
use std::str::FromStr as _;

use calamine::{Data, Reader as _, Xlsx};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::common::{gapsim, gapsim_in};

const N: &str = "20000";

/// A number as summary.json or portfolio.json writes it, read exactly (std's parser is
/// correctly rounded).
fn exact(v: &Value) -> f64 {
    f64::from_str(&v.to_string()).unwrap_or_else(|_| panic!("{v} is not a number"))
}

fn decimal(v: &Value) -> Decimal {
    Decimal::from_str_exact(&v.to_string()).unwrap_or_else(|_| panic!("{v} is not a decimal"))
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Writes synthetic models into `dir/models` and a broken copy of one, and returns the
/// broken file's name and the line of its mistake.
fn portfolio(dir: &Path) -> (String, usize) {
    for (size, count) in [("mixed", "3"), ("county", "1")] {
        let (code, _, err) = gapsim_in(
            dir,
            &[
                "init",
                "--synthetic",
                size,
                "--count",
                count,
                "--seed",
                "5",
                "models",
            ],
        );
        assert_eq!(code, 0, "{err}");
    }
    let good = std::fs::read_to_string(dir.join("models/synthetic-district-001.toml")).unwrap();
    let line = good
        .lines()
        .position(|l| l.starts_with("clients = "))
        .unwrap()
        + 1;
    let broken: String = good
        .lines()
        .enumerate()
        .map(|(k, l)| {
            if k + 1 == line {
                "clients = \"many\"\n".to_string()
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(dir.join("models/zz-broken.toml"), broken).unwrap();
    ("models/zz-broken.toml".into(), line)
}

#[test]
fn synthetic_councils_check_strictly_over_thirty_seeds_and_are_the_librarys() {
    let tmp = tempfile::tempdir().unwrap();
    for size in ["district", "unitary", "county"] {
        for seed in 1..=30u64 {
            let dir = format!("{size}-{seed}");
            let seed_text = seed.to_string();
            let (code, out, err) = gapsim_in(
                tmp.path(),
                &["init", "--synthetic", size, "--seed", &seed_text, &dir],
            );
            assert_eq!(code, 0, "{err}");
            assert!(out.contains("Wrote 1 synthetic council model"), "{out}");
            let file = format!("{dir}/synthetic-{size}-001.toml");
            let (code, out, err) = gapsim_in(tmp.path(), &["check", "--strict", &file]);
            assert_eq!(code, 0, "{file}: {out}{err}");
            assert!(!err.contains("warning"), "{file}: {err}");
            let tier = gapsim::synthetic::Tier::from_name(size).unwrap();
            assert_eq!(
                std::fs::read_to_string(tmp.path().join(&file)).unwrap(),
                gapsim::synthetic::model(tier, seed, 1),
                "{file}"
            );
        }
    }
}

#[test]
fn init_synthetic_never_overwrites_and_then_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("synthetic-county-002.toml"), "mine").unwrap();
    let (code, _, err) = gapsim_in(
        tmp.path(),
        &["init", "--synthetic", "county", "--count", "3", "m"],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("m/synthetic-county-002.toml already exists"),
        "{err}"
    );
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["synthetic-county-002.toml"]);
    assert_eq!(
        std::fs::read_to_string(dir.join("synthetic-county-002.toml")).unwrap(),
        "mine"
    );
    // --count needs --synthetic.
    let (code, _, err) = gapsim_in(tmp.path(), &["init", "--count", "3", "x"]);
    assert_eq!(code, 2, "{err}");
}

/// Every figure of a row of portfolio.csv is its run's summary.json's.
fn check_row(row: &csv_row::Row, dir: &Path) {
    let folder = &row["run_folder"];
    let s = json(&dir.join(folder).join("summary.json"));
    let d = |cell: &str| Decimal::from_str_exact(&row[cell]).unwrap();
    let f = |cell: &str| f64::from_str(&row[cell]).unwrap();
    let pct = |p: u64| {
        s["gap"]["percentiles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["p"] == p)
            .map(|q| decimal(&q["value"]))
            .unwrap()
    };
    assert_eq!(row["council"], s["model"]["council"].as_str().unwrap());
    assert_eq!(row["file"], s["model"]["file"].as_str().unwrap());
    assert_eq!(d("net_budget_gbp_m"), decimal(&s["model"]["net_budget"]));
    assert_eq!(d("median_gap_gbp_m"), pct(50));
    assert_eq!(d("p90_gap_gbp_m"), pct(90));
    assert_eq!(
        f("p_drawing_on_reserves"),
        exact(&s["p_drawing_on_reserves"]["estimate"])
    );
    let p = &s["s114"]["probability"];
    assert_eq!(f("p_s114"), exact(&p["estimate"]));
    assert_eq!(f("p_s114_ci95_low"), exact(&p["ci95_low"]));
    assert_eq!(f("p_s114_ci95_high"), exact(&p["ci95_high"]));
    let needed = s["reserves_needed"]["levels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["confidence"] == 95)
        .map(|l| decimal(&l["amount"]))
        .unwrap();
    let held = decimal(&s["reserves"]["usable"]);
    assert_eq!(d("reserves_needed_95_gbp_m"), needed);
    assert_eq!(d("reserves_held_gbp_m"), held);
    assert_eq!(d("reserves_cover"), (held / needed).round_dp(3));
    assert_eq!(row["status"], "ok");
}

/// A tiny CSV reader for portfolio.csv (quoted cells, no line breaks inside them).
mod csv_row {
    use std::collections::HashMap;

    pub type Row = HashMap<String, String>;

    fn cells(line: &str) -> Vec<String> {
        let (mut out, mut cell, mut quoted, mut chars) =
            (Vec::new(), String::new(), false, line.chars().peekable());
        while let Some(c) = chars.next() {
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    cell.push('"');
                    chars.next();
                }
                ('"', _) => quoted = !quoted,
                (',', false) => out.push(std::mem::take(&mut cell)),
                _ => cell.push(c),
            }
        }
        out.push(cell);
        out
    }

    pub fn read(text: &str) -> Vec<Row> {
        let mut lines = text.lines();
        let header = cells(lines.next().unwrap());
        lines
            .map(|l| {
                let c = cells(l);
                assert_eq!(c.len(), header.len(), "{l}");
                header.iter().cloned().zip(c).collect()
            })
            .collect()
    }
}

#[test]
fn a_batch_runs_each_model_as_run_does_and_ranks_them_in_every_table() {
    let tmp = tempfile::tempdir().unwrap();
    let (broken, line) = portfolio(tmp.path());
    let out = gapsim()
        .current_dir(tmp.path())
        .args(["batch", "models", "-n", N, "--out", "batch", "--json"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let (stdout, stderr) = (
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    // The broken model: located, marked, and the status says so.
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("error: {broken}:{line}:")),
        "{stderr}"
    );
    assert!(stderr.contains("1 of 5 models failed"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "no colour on a pipe: {stderr}");
    let dir = tmp.path().join("batch");
    // --json: portfolio.json's bytes on stdout.
    assert_eq!(stdout, std::fs::read(dir.join("portfolio.json")).unwrap());
    let rows = csv_row::read(&std::fs::read_to_string(dir.join("portfolio.csv")).unwrap());
    assert_eq!(rows.len(), 5);
    let (ran, failed): (Vec<_>, Vec<_>) = rows.iter().partition(|r| !r["run_folder"].is_empty());
    assert_eq!(ran.len(), 4);
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["file"], broken);
    assert!(failed[0]["status"].starts_with(&format!("failed: {broken}:{line}:")));
    assert!(failed[0]["p_s114"].is_empty() && failed[0]["rank"].is_empty());
    // Ranked: the chance of an S114-level year never rises down the table.
    let chances: Vec<f64> = ran
        .iter()
        .map(|r| f64::from_str(&r["p_s114"]).unwrap())
        .collect();
    assert!(chances.windows(2).all(|w| w[0] >= w[1]), "{chances:?}");
    let ranks: Vec<&str> = ran.iter().map(|r| r["rank"].as_str()).collect();
    assert_eq!(ranks, ["1", "2", "3", "4"]);
    for r in &ran {
        check_row(r, &dir);
    }
    check_json(&dir, &rows);
    check_workbook(&dir, &rows);
    check_runs_are_plain_runs(tmp.path(), &dir, &ran);
    for f in ["portfolio.png", "portfolio.svg"] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    // The batch's manifest: its own files and each run folder's manifest, all intact.
    let manifest = std::fs::read_to_string(dir.join("manifest.sha256")).unwrap();
    let listed: Vec<(&str, &str)> = manifest
        .lines()
        .map(|l| l.split_once("  ").unwrap())
        .collect();
    assert_eq!(listed.len(), 5 + ran.len(), "{manifest}");
    for (digest, name) in listed {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        assert_eq!(
            gapsim::audit::manifest::sha256_hex(&bytes),
            digest,
            "{name}"
        );
    }
    for r in &ran {
        assert!(manifest.contains(&format!("  {}/manifest.sha256\n", r["run_folder"])));
    }
}

/// portfolio.json holds the CSV's rows in the same order, with the same figures.
fn check_json(dir: &Path, rows: &[csv_row::Row]) {
    let p = json(&dir.join("portfolio.json"));
    assert_eq!(
        (p["models"].as_u64(), p["failed"].as_u64()),
        (Some(5), Some(1))
    );
    let councils = p["councils"].as_array().unwrap();
    for (c, r) in councils.iter().zip(rows) {
        assert_eq!(c["file"].as_str().unwrap(), r["file"]);
        if r["run_folder"].is_empty() {
            assert!(c["p_s114"].is_null() && c["net_budget"].is_null());
            continue;
        }
        assert_eq!(
            exact(&c["p_s114_ci95_high"]),
            f64::from_str(&r["p_s114_ci95_high"]).unwrap()
        );
        assert_eq!(
            decimal(&c["median_gap"]),
            Decimal::from_str_exact(&r["median_gap_gbp_m"]).unwrap()
        );
        assert_eq!(
            decimal(&c["reserves_cover"]),
            Decimal::from_str_exact(&r["reserves_cover"]).unwrap()
        );
    }
}

/// portfolio.xlsx, read back with calamine: the same rows, each number the nearest double
/// to the figure.
fn check_workbook(dir: &Path, rows: &[csv_row::Row]) {
    let bytes = std::fs::read(dir.join("portfolio.xlsx")).unwrap();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("Portfolio").unwrap();
    let mut lines = sheet.rows();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .iter()
        .map(|d| d.to_string())
        .collect();
    assert_eq!(header[0], "Rank");
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let number = |d: &Data| match d {
        Data::Float(x) => Some(*x),
        Data::Int(i) => Some(*i as f64),
        Data::Empty => None,
        other => panic!("{other:?}"),
    };
    let csv_num = |s: &str| (!s.is_empty()).then(|| f64::from_str(s).unwrap());
    for (cells, r) in lines.zip(rows) {
        assert_eq!(cells[at("File")].to_string(), r["file"]);
        assert_eq!(cells[at("Status")].to_string(), r["status"]);
        for (column, csv) in [
            ("Net budget", "net_budget_gbp_m"),
            ("Median gap", "median_gap_gbp_m"),
            ("P90 gap", "p90_gap_gbp_m"),
            ("P(drawing on reserves)", "p_drawing_on_reserves"),
            ("P(S114-level)", "p_s114"),
            ("95% interval from", "p_s114_ci95_low"),
            ("95% interval to", "p_s114_ci95_high"),
            ("Reserves needed (95%)", "reserves_needed_95_gbp_m"),
            ("Reserves held", "reserves_held_gbp_m"),
            ("Reserves cover (held / needed)", "reserves_cover"),
        ] {
            assert_eq!(
                number(&cells[at(column)]),
                csv_num(&r[csv]),
                "{column} of {}",
                r["file"]
            );
        }
    }
}

/// Each run folder is what `gapsim run MODEL` writes with the same seed and iterations.
fn check_runs_are_plain_runs(cwd: &Path, dir: &Path, ran: &[&csv_row::Row]) {
    for (k, r) in ran.iter().enumerate() {
        let plain = format!("plain-{k}");
        let (code, _, err) = gapsim_in(
            cwd,
            &["run", &r["file"], "-n", N, "--quiet", "--out", &plain],
        );
        assert_eq!(code, 0, "{err}");
        let batch = dir.join(&r["run_folder"]);
        for f in [
            "summary.json",
            "percentiles.csv",
            "model.toml",
            "reserves.csv",
        ] {
            assert_eq!(
                std::fs::read(cwd.join(&plain).join(f)).unwrap(),
                std::fs::read(batch.join(f)).unwrap(),
                "{} {f}",
                r["file"]
            );
        }
        let names = |d: &Path| {
            let mut n: Vec<_> = std::fs::read_dir(d)
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            n.sort();
            n
        };
        assert_eq!(names(&cwd.join(&plain)), names(&batch), "{}", r["file"]);
    }
}

#[test]
fn a_quiet_batch_of_good_models_prints_nothing_and_exits_0() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, err) = gapsim_in(
        tmp.path(),
        &["init", "--synthetic", "district", "--count", "2", "models"],
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = gapsim_in(
        tmp.path(),
        &[
            "batch",
            "models/synthetic-district-002.toml",
            "models",
            "-n",
            N,
            "--quiet",
            "--no-charts",
            "--out",
            "b",
        ],
    );
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    let b = tmp.path().join("b");
    // The same model twice gets two folders.
    for f in [
        "synthetic-district-002",
        "synthetic-district-001",
        "synthetic-district-002-2",
    ] {
        assert!(b.join("runs").join(f).join("summary.json").is_file(), "{f}");
        assert!(
            !b.join("runs").join(f).join("report.html").exists(),
            "{f}: --no-charts"
        );
    }
    assert!(!b.join("portfolio.png").exists());
    assert!(b.join("portfolio.xlsx").is_file());
    // Without --quiet, a line per model on stderr and the table on stdout.
    let (code, out, err) = gapsim_in(tmp.path(), &["batch", "models", "-n", N, "--out", "c"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("[1/2] models/synthetic-district-001.toml: P(S114-level) "),
        "{err}"
    );
    assert!(
        out.contains("Portfolio of 2 models") && out.contains("Wrote c"),
        "{out}"
    );
}

#[test]
fn a_batch_that_cannot_start_or_is_stopped_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, _) = gapsim_in(
        tmp.path(),
        &["init", "--synthetic", "county", "--count", "3", "models"],
    );
    assert_eq!(code, 0);
    std::fs::create_dir(tmp.path().join("taken")).unwrap();
    let (code, _, err) = gapsim_in(tmp.path(), &["batch", "models", "-n", N, "--out", "taken"]);
    assert_eq!(code, 2);
    assert!(err.contains("taken already exists"), "{err}");
    assert_eq!(
        std::fs::read_dir(tmp.path().join("taken")).unwrap().count(),
        0
    );
    std::fs::create_dir(tmp.path().join("empty")).unwrap();
    let (code, _, err) = gapsim_in(tmp.path(), &["batch", "empty", "--out", "b"]);
    assert_eq!(code, 2);
    assert!(err.contains("holds no model files"), "{err}");
    // Stopped after its first model: nothing is written, no staging folder is left.
    let mut child = crate::common::default_stop_signals(&mut std::process::Command::new(env!(
        "CARGO_BIN_EXE_gapsim"
    )))
    .current_dir(tmp.path())
    .args(["batch", "models", "-n", "3000000", "--out", "stopped"])
    .stderr(Stdio::piped())
    .stdout(Stdio::null())
    .spawn()
    .unwrap();
    let mut first = String::new();
    BufReader::new(child.stderr.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("[1/3]"), "{first}");
    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(143));
    let left: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut left = left;
    left.sort();
    assert_eq!(
        left,
        ["empty", "models", "taken"],
        "nothing else was written"
    );
}

#[test]
fn a_batch_samples_and_checks_as_run_does_with_sampling_and_strict() {
    // `--sampling lhs`: each run folder's settings and figures are `gapsim run --sampling
    // lhs`'s, and the portfolio says how it was sampled; `--strict`: a model with a warning
    // fails its row with the warning as the reason, while the clean one runs.
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, err) = gapsim_in(
        tmp.path(),
        &["init", "--synthetic", "district", "--count", "1", "models"],
    );
    assert_eq!(code, 0, "{err}");
    let clean =
        std::fs::read_to_string(tmp.path().join("models/synthetic-district-001.toml")).unwrap();
    // The first three-point driver (a growth rate) written in whole-number percentages.
    let lines: Vec<&str> = clean.lines().collect();
    let at = lines.iter().position(|l| *l == "dist = \"pert\"").unwrap() + 1;
    let three = lines[at..at + 3].join("\n");
    let percent: Vec<String> = lines[at..at + 3]
        .iter()
        .map(|l| {
            let (key, value) = l.split_once(" = ").unwrap();
            format!("{key} = {}", value.parse::<f64>().unwrap() * 100.0)
        })
        .collect();
    assert!(three.starts_with("min = 0.0"), "{three}");
    let warned = clean.replacen(&three, &percent.join("\n"), 1);
    std::fs::write(tmp.path().join("models/warned.toml"), warned).unwrap();
    let lhs = ["-n", N, "--no-charts", "--sampling", "lhs"];
    let (code, _, err) = gapsim_in(
        tmp.path(),
        &[&["batch", "models", "--out", "b"][..], &lhs].concat(),
    );
    assert_eq!(
        code, 0,
        "without --strict a warning does not stop a run: {err}"
    );
    let p = json(&tmp.path().join("b/portfolio.json"));
    assert_eq!(p["sampling"], "lhs");
    let (code, _, err) = gapsim_in(
        tmp.path(),
        &[
            &["run", "models/synthetic-district-001.toml", "--out", "one"][..],
            &lhs,
        ]
        .concat(),
    );
    assert_eq!(code, 0, "{err}");
    let single = json(&tmp.path().join("one/summary.json"));
    let batched = json(
        &tmp.path()
            .join("b/runs/synthetic-district-001/summary.json"),
    );
    assert_eq!(single["run"]["sampling"], "lhs");
    assert_eq!(batched["run"], single["run"], "the same settings");
    assert_eq!(batched["s114"], single["s114"]);
    assert_eq!(batched["gap"], single["gap"]);
    let (code, _, err) = gapsim_in(
        tmp.path(),
        &[&["batch", "models", "--strict", "--out", "s"][..], &lhs].concat(),
    );
    assert_eq!(code, 2, "a failed row fails the batch: {err}");
    let p = json(&tmp.path().join("s/portfolio.json"));
    let rows = p["councils"].as_array().unwrap();
    let row = |file: &str| {
        rows.iter()
            .find(|r| r["file"].as_str().unwrap().ends_with(file))
            .unwrap_or_else(|| panic!("{file}: {p}"))
    };
    assert!(row("synthetic-district-001.toml")["rank"].is_number());
    let status = row("warned.toml")["status"].as_str().unwrap();
    assert!(
        status.starts_with("failed: ") && status.contains("almost certainly a percentage"),
        "{status}"
    );
}

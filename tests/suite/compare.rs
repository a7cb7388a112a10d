//! `gapsim compare`: the folder it writes, and what it refuses.

use std::path::Path;

use serde_json::Value;

use crate::common::{fixture, gapsim, num};

/// The sum-of-normals fixture with line `two`'s budget £2.5m lower (48 → 45.5): every
/// simulated gap is £2.5m higher.
fn shifted(dir: &Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(fixture("normal-sum.toml")).unwrap();
    assert!(text.contains("budget = 48\n"));
    let path = dir.join("lower.toml");
    std::fs::write(&path, text.replacen("budget = 48\n", "budget = 45.5\n", 1)).unwrap();
    path
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Runs `gapsim compare` into `<tmp>/cmp` and returns its folder.
fn compare(tmp: &Path, models: &[&Path], extra: &[&str]) -> std::path::PathBuf {
    let out = tmp.join("cmp");
    let run = gapsim()
        .current_dir(tmp)
        .arg("compare")
        .args(models)
        .args(["--iterations", "50000", "--seed", "9", "--out"])
        .arg(&out)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("against the base"), "{stdout}");
    out
}

#[test]
fn compare_writes_the_folder_with_the_comparison_and_each_models_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let base = fixture("normal-sum.toml");
    let lower = shifted(tmp.path());
    let dir = compare(tmp.path(), &[&base, &base, &lower], &[]);
    for name in [
        "comparison.json",
        "comparison.csv",
        "manifest.sha256",
        "report.html",
        "report.md",
        "results.xlsx",
        "compare-distributions.svg",
        "compare-distributions.png",
        "compare-differences.svg",
        "compare-differences.png",
        "models/normal-sum/summary.json",
        "models/normal-sum/model.toml",
        "models/normal-sum-2/summary.json",
        "models/lower/summary.json",
        "models/lower/model.toml",
    ] {
        assert!(dir.join(name).is_file(), "no {name}");
    }
    let c = read_json(&dir.join("comparison.json"));
    assert_eq!(c["run"]["seed"], 9);
    assert_eq!(c["models"].as_array().unwrap().len(), 3);
    // The base against itself: every difference and paired error exactly zero.
    let same = &c["differences"][0];
    for f in ["mean_gap", "p_drawing", "p_s114"] {
        assert_eq!(num(same, &format!("/{f}/difference")), 0.0, "{f}");
        assert_eq!(num(same, &format!("/{f}/se_paired")), 0.0, "{f}");
    }
    for p in same["gap_percentiles"].as_array().unwrap() {
        assert_eq!(num(p, "/difference"), 0.0);
        assert_eq!(p["variance_reduction"]["kind"], "exact");
    }
    // The known shift: £2.5m on the mean gap and every percentile, exactly (the money
    // grid is £100, and every simulated gap moved by £2.5m to f64 rounding).
    let lower = &c["differences"][1];
    assert_eq!(num(lower, "/mean_gap/difference"), 2.5);
    for p in lower["gap_percentiles"].as_array().unwrap() {
        assert_eq!(num(p, "/difference"), 2.5, "{p}");
    }
    assert!(num(lower, "/p_s114/ci95_low") > 0.0);
    // The headline figures are each model's own summary's.
    let summary = read_json(&dir.join("models/lower/summary.json"));
    assert_eq!(
        num(&c, "/models/2/p_s114/estimate"),
        num(&summary, "/s114/probability/estimate")
    );
    assert_eq!(num(&c, "/models/2/mean_gap"), num(&summary, "/gap/mean"));
    assert_eq!(
        num(lower, "/p_s114/difference"),
        num(&summary, "/s114/probability/estimate") - num(&c, "/models/0/p_s114/estimate")
    );
    // The table: a row per model and figure, the base's with its value only.
    let csv = std::fs::read_to_string(dir.join("comparison.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "model,figure,value,difference,se_paired,ci95_low,ci95_high,se_independent,variance_reduction"
    );
    let row = csv
        .lines()
        .find(|l| l.contains("lower.toml,mean_gap,"))
        .unwrap();
    let cells: Vec<&str> = row.split(',').collect();
    assert_eq!(
        (cells[3], cells[4], cells[8]),
        ("2.5", "0", "exact"),
        "{row}"
    );
    // The report says it in words, and nowhere NaN or a negative zero.
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        md.contains("raises the chance of an S114-level shortfall from"),
        "{md}"
    );
    assert!(md.contains("raises the mean gap in 2024/25 from"), "{md}");
    for text in [md, csv] {
        assert!(!text.contains("NaN") && !text.contains("-0.0 "), "{text}");
    }
}

/// Nothing in `dir` but what the test put there.
fn untouched(dir: &Path, expected: &[&str]) {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, expected);
}

#[test]
fn a_bad_model_file_gives_exit_2_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.toml");
    std::fs::write(&bad, "[meta]\nname = \"x\"\n[lines.a]\nkind = \"simple\"\n").unwrap();
    let run = gapsim()
        .current_dir(tmp.path())
        .arg("compare")
        .arg(fixture("normal-sum.toml"))
        .arg(&bad)
        .args(["--iterations", "20000", "--out", "cmp"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("bad.toml"));
    untouched(tmp.path(), &["bad.toml"]);
}

#[test]
fn models_in_other_units_and_runs_to_a_precision_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("normal-sum.toml")).unwrap();
    let pounds = tmp.path().join("pounds.toml");
    std::fs::write(&pounds, text.replace("unit = \"£m\"", "unit = \"£\"")).unwrap();
    let run = gapsim()
        .current_dir(tmp.path())
        .arg("compare")
        .arg(fixture("normal-sum.toml"))
        .arg(&pounds)
        .args(["--iterations", "20000", "--out", "cmp"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("must share a unit"), "{err}");
    untouched(tmp.path(), &["pounds.toml"]);
    let run = gapsim()
        .current_dir(tmp.path())
        .arg("compare")
        .arg(fixture("normal-sum.toml"))
        .arg(fixture("normal-sum.toml"))
        .args(["--precision", "0.01", "--out", "cmp"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("--precision is not available for gapsim compare"),
        "{err}"
    );
    untouched(tmp.path(), &["pounds.toml"]);
    // --shard, which a cluster user tries first: refused with the reason and what splits,
    // not clap's "a similar argument exists: '--threads'".
    for (command, models) in [("compare", 2), ("stress", 0)] {
        let run = gapsim()
            .current_dir(tmp.path())
            .arg(command)
            .args(std::iter::repeat_n(fixture("normal-sum.toml"), models))
            .args(["--shard", "1/4", "--out", "cmp"])
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(2), "{command}");
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(
            err.contains(&format!("gapsim {command} does not take --shard 1/4"))
                && err.contains("gapsim run MODEL --shard K/N")
                && !err.contains("similar argument"),
            "{err}"
        );
        untouched(tmp.path(), &["pounds.toml"]);
    }
}

/// The shipped Kent scenarios compared with their base: every paired standard error of
/// ΔP(S114-level) is below what two independent runs give, and every scenario's base is
/// the shipped model (so its drivers share the base's random numbers).
#[test]
fn pairing_narrows_every_shipped_scenarios_difference_in_the_chance_of_an_s114_level_year() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut scenarios: Vec<_> = std::fs::read_dir(root.join("models/scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    scenarios.sort();
    assert!(scenarios.len() >= 5, "{scenarios:?}");
    let tmp = tempfile::tempdir().unwrap();
    let base = root.join("models/kent-2024-25.toml");
    let mut models = vec![base.as_path()];
    models.extend(scenarios.iter().map(|p| p.as_path()));
    // 100 batches: each standard error is itself estimated from the batches, to about 7%.
    // The smallest margin is the price shock's (a variance reduction of 1.2×, SE ratio
    // 0.91 at this seed): a shift moves the indicator of an S114-level year in the band of
    // years near the threshold, which pairing cannot remove; a monotone change makes the
    // two indicators positively correlated, so pairing can only help.
    let dir = tmp.path().join("cmp");
    let run = gapsim()
        .current_dir(tmp.path())
        .arg("compare")
        .args(&models)
        .args(["--iterations", "1000000", "--no-charts", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let c = read_json(&dir.join("comparison.json"));
    let diffs = c["differences"].as_array().unwrap();
    assert_eq!(diffs.len(), scenarios.len());
    for d in diffs {
        let p = &d["p_s114"];
        let paired = p["se_paired"].as_f64().unwrap();
        let independent = p["se_independent"].as_f64().unwrap();
        assert!(
            paired < independent,
            "{}: paired {paired} is not below independent {independent}",
            d["label"]
        );
    }
}

/// `gapsim stress`: every stress case of the built-in model beside it, each with its
/// central outcome; a model without stress cases is refused with nothing written.
#[test]
fn stress_runs_each_case_beside_the_base_with_its_central_outcome() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("st");
    let run = gapsim()
        .current_dir(tmp.path())
        .args(["stress", "-n", "50000", "--no-charts", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let c = read_json(&dir.join("comparison.json"));
    let models = c["models"].as_array().unwrap();
    let labels: Vec<&str> = models
        .iter()
        .map(|m| m["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels.len(), 5, "{labels:?}");
    assert!(
        labels.contains(&"No in-year management action"),
        "{labels:?}"
    );
    let central = |label: &str, key: &str| {
        let m = models.iter().find(|m| m["label"] == label).unwrap();
        num(m, &format!("/central/{key}"))
    };
    let base = labels[0];
    // Without management action the central gap is the base's, all of it a shortfall;
    // with it, part of the base's is absorbed.
    assert_eq!(
        central("No in-year management action", "gap"),
        central(base, "gap")
    );
    assert_eq!(
        central("No in-year management action", "shortfall"),
        central("No in-year management action", "gap")
    );
    assert!(central(base, "shortfall") < central(base, "gap"));
    // Savings at 70% lose more than the base expects to, and at most the whole programme
    // (£94.3m).
    let rise = central("Savings delivered at 70%", "gap") - central(base, "gap");
    assert!(rise > 0.0 && rise < 94.3, "{rise}");
    // A model without stress cases.
    let plain = fixture("normal-sum.toml");
    let out = tmp.path().join("none");
    let o = gapsim()
        .arg("stress")
        .arg(&plain)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("has no stress cases"));
    assert!(!out.exists());
}

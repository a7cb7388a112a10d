//! Scenario files and `--set`: located errors with exit status 2 and nothing written, and
//! the effective model an officer can print and run as a model of its own.

use std::path::Path;

use crate::common::{gapsim, run};

const KENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/models/kent-2024-25.toml");

fn scenario(dir: &Path, body: &str) -> std::path::PathBuf {
    let path = dir.join("scenario.toml");
    let text = format!(
        "[scenario]\nname = \"Test scenario\"\nbase = \"{}\"\n\n{body}",
        KENT.replace('\\', "/")
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `gapsim run FILE --out DIR` expecting a refusal: exit 2, nothing written, the
/// message naming `place` and containing `words`.
fn refused(file: &Path, extra: &[&str], place: &str, words: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let o = gapsim()
        .current_dir(tmp.path())
        .arg("run")
        .arg(file)
        .args(["-n", "10000", "--out"])
        .arg(&out)
        .args(extra)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(place), "wanted {place:?} in:\n{err}");
    assert!(err.contains(words), "wanted {words:?} in:\n{err}");
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "something was written"
    );
}

#[test]
fn bad_scenarios_are_located_and_refused_with_nothing_written() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // An unknown base, with the models that are there.
    let path = d.join("s.toml");
    std::fs::write(
        &path,
        "[scenario]\nname = \"x\"\nbase = \"kent-2024-52.toml\"\n",
    )
    .unwrap();
    refused(&path, &[], "s.toml:3:8", "is not a file");
    // An unknown driver, with the closest name.
    let path = scenario(d, "[drivers.pay_awrd]\nmode = 0.05\nsource = \"a\"\n");
    refused(&path, &[], "scenario.toml:5:1", "did you mean `pay_award`");
    // A change that makes the model invalid: reported at the change, not in the base.
    let path = scenario(d, "[drivers.pay_award]\nmode = 0.2\nsource = \"a\"\n");
    refused(&path, &[], "scenario.toml:6:", "must be at most `max`");
    // An added item with a bad figure.
    let path = scenario(
        d,
        "[add.savings.extra]\namount = -3\nrecurring = true\nsource = \"a\"\n",
    );
    refused(&path, &[], "scenario.toml:6:", "amount");
    // A bad --set.
    refused(
        Path::new(KENT),
        &["--set", "pay_award.mode=0.2"],
        "--set argument 1:1:1",
        "at most",
    );
    refused(
        Path::new(KENT),
        &["--set", "pay_awards=0.2"],
        "--set argument 1:1:1",
        "pay_award",
    );
    // Under --strict, a changed figure that keeps the base's source is refused.
    let path = scenario(d, "[drivers.pay_award]\nmode = 0.05\n");
    refused(
        &path,
        &["--strict"],
        "scenario.toml:5:1",
        "keeps the base's source",
    );
}

#[test]
fn the_printed_effective_model_runs_as_the_scenario_does() {
    let tmp = tempfile::tempdir().unwrap();
    let path = scenario(
        tmp.path(),
        "remove = []\n[drivers.pay_award]\nmode = 0.05\nsource = \"assumption: test\"\n\n\
         [savings.\"*\"]\nprobability = 1\nsource = \"assumption: test\"\n",
    );
    let o = gapsim()
        .arg("check")
        .arg(&path)
        .arg("--print")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let printed = tmp.path().join("effective.toml");
    std::fs::write(&printed, &o.stdout).unwrap();
    let args = ["-n", "20000", "--no-charts"];
    let a = run(Some(&path), &args);
    let b = run(Some(&printed), &args);
    assert_eq!(a.percentiles, b.percentiles);
    assert_eq!(a.summary["s114"], b.summary["s114"]);
    assert_eq!(a.summary["model"]["name"], "Test scenario");
    // The same change on the command line gives the same run.
    let c = run(
        Some(Path::new(KENT)),
        &[
            "-n",
            "20000",
            "--no-charts",
            "--set",
            "pay_award.mode=0.05",
            "--set",
            "savings.*.probability=1",
        ],
    );
    assert_eq!(a.percentiles, c.percentiles);
    // And it differs from the base.
    let base = run(Some(Path::new(KENT)), &args);
    assert_ne!(a.percentiles, base.percentiles);
}

#[test]
fn a_stress_case_that_does_not_apply_is_located_in_its_file() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(KENT).unwrap()
        + "\n[stress.typo]\nlabel = \"Typo\"\nset = [\"pay_awrd+=0.03\"]\n";
    let line = text.lines().count();
    let path = tmp.path().join("m.toml");
    std::fs::write(&path, &text).unwrap();
    let o = gapsim().arg("check").arg(&path).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("m.toml:{line}:9")), "{err}");
    assert!(err.contains("`typo`") && err.contains("pay_award"), "{err}");
}

#[test]
fn a_scenarios_stress_cases_are_located_in_the_file_that_wrote_them() {
    let tmp = tempfile::tempdir().unwrap();
    let path = scenario(
        tmp.path(),
        "remove = [\"mitigation.management_action\"]\n\n[stress.mine]\nlabel = \"Mine\"\nset = [\"pay_awrd+=0.01\"]\n",
    );
    let o = gapsim().arg("check").arg(&path).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    // The scenario's own case, at its line in the scenario.
    assert!(err.contains("scenario.toml:9:9"), "{err}");
    // The base's case that no longer applies, at its line in the base, with the fix.
    assert!(err.contains("kent-2024-25.toml:"), "{err}");
    assert!(
        err.contains("remove = [\"stress.no_management_action\"]"),
        "{err}"
    );
    assert!(!err.contains("effective model):"), "{err}");
}

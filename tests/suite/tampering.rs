//! Edited run folders: `gapsim report` refuses a run folder whose files are not what the
//! run wrote (its manifest), and a summary whose figures do not agree with each other even
//! when the manifest was rewritten to match; it rebuilds an edited report page.

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::common::{fixture, gapsim, run};
use crate::faults::names;
use crate::runs::{reseal, set, tampered};

/// A copy of the run folder `from` in a new temporary folder, with `edit` applied to it.
fn copy_of(from: &Path, edit: impl FnOnce(&Path)) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    std::fs::create_dir(&dir).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    edit(&dir);
    (tmp, dir)
}

fn report(dir: &Path) -> std::process::Output {
    gapsim().arg("report").arg(dir).output().unwrap()
}

/// Changes one field of the summary.json in `dir`, keeping its formatting elsewhere.
fn edit_summary(dir: &Path, pointer: &str, value: serde_json::Value) {
    let path = dir.join("summary.json");
    let mut s: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    *s.pointer_mut(pointer).unwrap() = value;
    std::fs::write(&path, serde_json::to_vec_pretty(&s).unwrap()).unwrap();
}

fn append(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(text.as_bytes());
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn report_refuses_a_run_folder_whose_files_changed_naming_each() {
    let r = run(
        Some(&fixture("mitigated-normal.toml")),
        &["--iterations", "20000"],
    );
    let gap_mean = crate::common::num(&r.summary, "/gap/mean");
    type Edit = Box<dyn Fn(&Path)>;
    let cases: Vec<(Edit, Vec<&str>)> = vec![
        // The committee case: a mean gap changed by hand, and the seed with it.
        (
            Box::new(move |d| {
                edit_summary(d, "/gap/mean", json!(gap_mean + 56.7));
                edit_summary(d, "/run/seed", json!(7));
            }),
            vec!["summary.json has changed since the run"],
        ),
        (
            Box::new(|d| edit_summary(d, "/run/seed", json!(7))),
            vec!["summary.json has changed since the run"],
        ),
        (
            Box::new(|d| append(d, "percentiles.csv", "99,1,1,1,1,1,1\n")),
            vec!["percentiles.csv has changed since the run"],
        ),
        (
            Box::new(|d| append(d, "model.toml", "# edited\n")),
            vec!["model.toml has changed since the run"],
        ),
        (
            Box::new(|d| {
                std::fs::remove_file(d.join("percentiles.csv")).unwrap();
                append(d, "model.toml", "\n");
            }),
            vec!["percentiles.csv is missing", "model.toml has changed"],
        ),
        (
            Box::new(|d| std::fs::remove_file(d.join("manifest.sha256")).unwrap()),
            vec!["manifest.sha256 is missing"],
        ),
        (
            Box::new(|d| std::fs::write(d.join("manifest.sha256"), "not a manifest\n").unwrap()),
            vec!["manifest.sha256, line 1"],
        ),
    ];
    for (k, (edit, words)) in cases.iter().enumerate() {
        let (_tmp, dir) = copy_of(&r.dir, edit);
        let before = std::fs::read(dir.join("report.html")).unwrap();
        let out = report(&dir);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "case {k}: {err}");
        for w in words {
            assert!(err.contains(w), "case {k}: expected {w:?} in\n{err}");
        }
        assert_eq!(
            std::fs::read(dir.join("report.html")).unwrap(),
            before,
            "case {k}: nothing is rewritten"
        );
    }
}

/// Every digest in the manifest of `dir` is its file's.
fn manifest_holds(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("manifest.sha256")).unwrap();
    text.lines()
        .map(|l| {
            let (digest, name) = (&l[..64], &l[66..]);
            let bytes = std::fs::read(dir.join(name)).unwrap();
            assert_eq!(
                gapsim::audit::manifest::sha256_hex(&bytes),
                digest,
                "{name}"
            );
            name.to_string()
        })
        .collect()
}

#[test]
fn report_rebuilds_an_edited_page_and_its_digest_goes_into_the_manifest() {
    let r = run(
        Some(&fixture("normal-sum.toml")),
        &["--iterations", "20000"],
    );
    let listed = manifest_holds(&r.dir);
    // Every file of the run but the manifest, and nothing else.
    let mut files: Vec<String> = names(&r.dir)
        .into_iter()
        .filter(|n| n != "manifest.sha256")
        .collect();
    let mut sorted = listed.clone();
    sorted.sort();
    files.sort();
    assert_eq!(sorted, files);

    std::fs::write(r.dir.join("report.html"), "<p>edited</p>").unwrap();
    std::fs::remove_file(r.dir.join("tornado.png")).unwrap();
    let out = report(&r.dir);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("report.html has changed since the run"),
        "{err}"
    );
    assert!(err.contains("tornado.png is missing"), "{err}");
    assert_ne!(
        std::fs::read(r.dir.join("report.html")).unwrap(),
        b"<p>edited</p>"
    );
    assert_eq!(manifest_holds(&r.dir), listed);

    // A run without charts gains the report's files in its manifest.
    let quick = run(
        Some(&fixture("normal-sum.toml")),
        &["--iterations", "20000", "--no-charts"],
    );
    // summary.json, percentiles.csv, reserves.csv, model.toml.
    assert_eq!(manifest_holds(&quick.dir).len(), 4);
    let out = report(&quick.dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = manifest_holds(&quick.dir);
    assert!(
        after.len() > 4 && after.contains(&"report.md".to_string()),
        "{after:?}"
    );
    // A second report finds nothing changed, and says nothing.
    let out = report(&quick.dir);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn figures_that_disagree_are_caught_even_when_the_manifest_was_rewritten_to_match() {
    // Self-consistent in its digests, but not in its figures: what the manifest cannot
    // see, the identities between figures must.
    let breaches = run(
        Some(&fixture("mitigated-normal.toml")),
        &["--iterations", "30000", "--reserves", "1"],
    );
    assert!(breaches.summary.get("tail").is_some());
    let s = &breaches.summary;
    let n = |p: &str| crate::common::num(s, p);
    type Tamper = Box<dyn Fn(&mut serde_json::Value)>;
    let cases: Vec<(Tamper, &str)> = vec![
        // A mean gap edited within the simulated range (so that no range check sees it):
        // it is no longer the mean shortfall + mitigation used, nor what the lines add up
        // to.
        (
            Box::new(set("/gap/mean", json!(n("/gap/mean") + 5.0))),
            "`gap.mean` is",
        ),
        // A line's expected outturn: the lines no longer add up to the gap.
        (
            Box::new(set(
                "/lines/0/expected",
                json!(n("/lines/0/expected") + 5.0),
            )),
            "make up the gap",
        ),
        (
            Box::new(set("/mitigation_used", json!(n("/mitigation_used") + 1.0))),
            "`gap.mean` is",
        ),
        (
            Box::new(set(
                "/s114/expected_excess",
                json!(n("/s114/expected_excess") * 2.0 + 0.01),
            )),
            "`s114.expected_excess` is",
        ),
        (
            Box::new(set("/tail/mean_gap", json!(n("/tail/mean_gap") + 1.0))),
            "`tail.mean_gap` is",
        ),
        (
            Box::new(set("/shortfall/max", json!(n("/gap/max") + 1.0))),
            "`shortfall.max` is",
        ),
        (
            Box::new(set("/gap/sd", json!(n("/gap/max") - n("/gap/min")))),
            "`gap.sd` is",
        ),
        (
            Box::new(set("/percentiles/98/gap", json!(n("/gap/max") + 1.0))),
            "`percentiles[98].gap` is",
        ),
        (
            Box::new(set("/sensitivity/iterations", json!(20000))),
            "`sensitivity.iterations` is",
        ),
    ];
    for (k, (tamper, words)) in cases.iter().enumerate() {
        let (_tmp, dir) = tampered(&breaches.dir, tamper);
        let out = report(&dir);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "case {k}: {err}");
        assert!(
            err.contains(words),
            "case {k}: expected {words:?} in\n{err}"
        );
    }

    // A table of percentiles that is not the summary's, or a model that is not the run's.
    let (_tmp, dir) = copy_of(&breaches.dir, |d| {
        append(d, "percentiles.csv", "100,1,1,1,1,1,1\n");
        reseal(d);
    });
    let err = String::from_utf8_lossy(&report(&dir).stderr).into_owned();
    assert!(err.contains("is not the table of percentiles"), "{err}");
    let (_tmp, dir) = copy_of(&breaches.dir, |d| {
        append(d, "model.toml", "# edited\n");
        reseal(d);
    });
    let err = String::from_utf8_lossy(&report(&dir).stderr).into_owned();
    assert!(err.contains("no longer matches summary.json"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_run_file_replaced_by_a_link_to_an_endless_device_is_refused_not_read() {
    // model.toml replaced by a link to /dev/zero: read, it would fill memory; refused,
    // it is named as not a file gapsim writes.
    let r = run(
        Some(&fixture("normal-sum.toml")),
        &["--iterations", "20000"],
    );
    for name in ["model.toml", "percentiles.csv", "manifest.sha256"] {
        let (_keep, dir) = copy_of(&r.dir, |dir| {
            std::fs::remove_file(dir.join(name)).unwrap();
            std::os::unix::fs::symlink("/dev/zero", dir.join(name)).unwrap();
        });
        let out = report(&dir);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains("is not a file gapsim writes") || err.contains("not a regular file"),
            "{name}: {err}"
        );
    }
}

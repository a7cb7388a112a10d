//! Whole runs: determinism, the files a run writes, and how the run folder is protected.

use sha2::{Digest, Sha256};

use crate::common::{fixture, gapsim, num, run};

#[test]
fn same_model_and_seed_give_identical_files_for_any_thread_count() {
    // Several batches, so that threads really do share the work.
    let args = ["--iterations", "45000", "--seed", "99"];
    let one = run(None, &[&args[..], &["--threads", "1"]].concat());
    let four = run(None, &[&args[..], &["--threads", "4"]].concat());
    for file in ["summary.json", "percentiles.csv", "model.toml"] {
        let a = std::fs::read(one.dir.join(file)).unwrap();
        let b = std::fs::read(four.dir.join(file)).unwrap();
        assert!(a == b, "{file} differs between 1 and 4 threads");
    }
    // And the seed matters.
    let other = run(None, &["--iterations", "45000", "--seed", "100"]);
    assert_ne!(
        num(&one.summary, "/gap/mean"),
        num(&other.summary, "/gap/mean")
    );
}

#[test]
fn a_latin_hypercube_run_whose_last_batch_is_one_year_is_the_same_on_any_thread_count() {
    // 20,001 years: two batches of the kept strata tables and a last batch of one row
    // (one stratum, the whole law: it panicked for a PERT once). Under Latin hypercube the
    // tables are built on whichever thread comes first; the files must not show it.
    let args = ["--iterations", "20001", "--seed", "7", "--sampling", "lhs"];
    let one = run(None, &[&args[..], &["--threads", "1"]].concat());
    let two = run(None, &[&args[..], &["--threads", "2"]].concat());
    assert_eq!(num(&one.summary, "/run/iterations"), 20001.0);
    for file in ["summary.json", "percentiles.csv"] {
        let a = std::fs::read(one.dir.join(file)).unwrap();
        let b = std::fs::read(two.dir.join(file)).unwrap();
        assert!(a == b, "{file} differs between 1 and 2 threads");
    }
}

#[test]
fn a_run_writes_its_summary_percentiles_and_model() {
    let r = run(None, &["--iterations", "20000"]);
    let s = &r.summary;
    assert_eq!(s["run"]["iterations"], 20000);
    assert_eq!(s["run"]["seed"], 2024);
    assert_eq!(
        s["run"]["program"],
        format!("gapsim {}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(
        s["model"]["name"],
        "Kent County Council 2024/25 revenue budget"
    );
    // The model copy is byte-identical to the embedded model, and the hash is its SHA-256.
    let copy = std::fs::read(r.dir.join("model.toml")).unwrap();
    assert_eq!(copy, gapsim::DEFAULT_MODEL.as_bytes());
    let hash: String = Sha256::digest(&copy)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(s["model"]["sha256"], hash);

    // 99 percentiles, ascending.
    assert_eq!(r.percentiles.len(), 99);
    assert_eq!(r.percentiles[0].0, 1);
    assert_eq!(r.percentiles[98].0, 99);
    for w in r.percentiles.windows(2) {
        assert!(w[0].1 <= w[1].1 && w[0].2 <= w[1].2, "{w:?}");
    }
    // The headline percentiles in the summary are the same as the CSV's.
    for p in s["gap"]["percentiles"].as_array().unwrap() {
        let k = p["p"].as_u64().unwrap() as usize;
        assert_eq!(p["value"].as_f64().unwrap(), r.percentiles[k - 1].1);
        assert!(p["ci95_low"].as_f64().unwrap() <= p["value"].as_f64().unwrap());
        assert!(p["ci95_high"].as_f64().unwrap() >= p["value"].as_f64().unwrap());
    }
    // Probabilities are probabilities, intervals contain their estimates.
    for ptr in [
        "/s114/probability",
        "/gap/p_positive",
        "/shortfall/p_positive",
    ] {
        let est = num(s, &format!("{ptr}/estimate"));
        let lo = num(s, &format!("{ptr}/ci95_low"));
        let hi = num(s, &format!("{ptr}/ci95_high"));
        assert!(
            (0.0..=1.0).contains(&est) && lo <= est && est <= hi,
            "{ptr}"
        );
    }
    // The terminal summary states the headline figures.
    for words in [
        "S114-level",
        "seed 2024",
        "20,000 simulated years",
        "Savings:",
    ] {
        assert!(r.stdout.contains(words), "{words}\n{}", r.stdout);
    }
    // No NaN anywhere in what was written.
    let json = std::fs::read_to_string(r.dir.join("summary.json")).unwrap();
    assert!(!json.contains("NaN") && !json.contains("null"), "{json}");
}

#[test]
fn reserves_on_the_command_line_replace_the_models() {
    let model = fixture("normal-sum.toml");
    let low = run(Some(&model), &["--iterations", "20000", "--reserves", "5"]);
    let high = run(Some(&model), &["--iterations", "20000", "--reserves", "25"]);
    assert_eq!(num(&low.summary, "/reserves/usable"), 5.0);
    assert_eq!(num(&low.summary, "/reserves/model_usable"), 15.0);
    assert_eq!(low.summary["reserves"]["overridden"], true);
    assert!(
        num(&low.summary, "/s114/probability/estimate")
            > num(&high.summary, "/s114/probability/estimate")
    );
    // Same seed, so the gap itself is unchanged.
    assert_eq!(
        num(&low.summary, "/gap/mean"),
        num(&high.summary, "/gap/mean")
    );
}

#[test]
fn an_existing_out_folder_is_never_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("taken");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "mine").unwrap();
    let res = gapsim()
        .args(["run", "--iterations", "1000", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&res.stderr).contains("never overwrites"));
    assert_eq!(
        std::fs::read_to_string(out.join("keep.txt")).unwrap(),
        "mine"
    );
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1);
}

#[test]
fn default_runs_go_to_new_folders_under_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let res = gapsim()
            .current_dir(tmp.path())
            .args(["run", "--iterations", "1000"])
            .output()
            .unwrap();
        assert!(res.status.success());
    }
    let mut names: Vec<String> = std::fs::read_dir(tmp.path().join("outputs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    for n in &names {
        assert!(n.contains("_kent-2024-25"), "{n}");
        assert!(!n.starts_with('.'), "no partial folders left: {n}");
        let files = std::fs::read_dir(tmp.path().join("outputs").join(n))
            .unwrap()
            .count();
        // Summary, percentiles, reserves, model, manifest, the report in HTML, Markdown
        // and Word, the workbook, six charts (the five and the reserves curve) in two
        // formats.
        assert_eq!(files, 21);
    }
}

#[cfg(unix)]
#[test]
fn an_interrupted_run_leaves_no_folder() {
    use std::process::{Command, Stdio};
    use std::time::Duration;
    let tmp = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("gapsim");
    let child = crate::common::default_stop_signals(&mut Command::new(bin))
        .current_dir(tmp.path())
        .args(["run", "--iterations", "20000000", "--threads", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let outputs = tmp.path().join("outputs");
    let left = if outputs.exists() {
        std::fs::read_dir(&outputs).unwrap().count()
    } else {
        0
    };
    assert_eq!(left, 0);
}

// ---------------------------------------------------------------------------------------
// Closed and full output streams.

/// Where a stream of the child goes in [`run_with_streams`].
#[cfg(unix)]
#[derive(Clone, Copy)]
enum Stream {
    /// Read by the test.
    Read,
    /// A pipe whose reading end is closed as soon as the child starts: its first write
    /// fails with a broken pipe. (If the child writes before the test closes it, the test
    /// proves nothing that time, but still passes or fails on the same grounds.)
    Closed,
    /// `/dev/full`: every write fails with "no space left on device".
    Full,
}

/// Runs the binary with `args`, stdout and stderr as given; returns its exit code and what
/// was read from the streams left readable.
#[cfg(unix)]
fn run_with_streams(
    dir: &std::path::Path,
    args: &[&std::ffi::OsStr],
    stdout: Stream,
    stderr: Stream,
) -> (Option<i32>, String, String) {
    use std::process::{Command, Stdio};
    let stdio = |s: Stream| match s {
        Stream::Read | Stream::Closed => Stdio::piped(),
        Stream::Full => std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full exists on Linux")
            .into(),
    };
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("gapsim"))
        .current_dir(dir)
        .args(args)
        .stdout(stdio(stdout))
        .stderr(stdio(stderr))
        .spawn()
        .unwrap();
    let mut out = child.stdout.take();
    let mut err = child.stderr.take();
    if matches!(stdout, Stream::Closed) {
        drop(out.take());
    }
    if matches!(stderr, Stream::Closed) {
        drop(err.take());
    }
    fn reader(s: Option<impl std::io::Read + Send + 'static>) -> std::thread::JoinHandle<String> {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut s) = s {
                let _ = s.read_to_string(&mut text);
            }
            text
        })
    }
    let (out, err) = (reader(out), reader(err));
    let status = child.wait().unwrap();
    (status.code(), out.join().unwrap(), err.join().unwrap())
}

#[cfg(target_os = "linux")]
#[test]
fn a_closed_or_full_stderr_never_panics_and_keeps_the_exit_status() {
    use std::ffi::OsStr;
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.toml");
    std::fs::write(&bad, "[meta]\nname = \"x\"\n").unwrap();
    let repair = fixture("needs-repair.toml");
    let check_bad = [OsStr::new("check"), bad.as_os_str()];
    let check_repair = [
        OsStr::new("check"),
        repair.as_os_str(),
        OsStr::new("--repair-correlation"),
    ];

    // Errors that cannot be shown still give status 2, not a panic (101).
    for stderr in [Stream::Full, Stream::Closed] {
        let (code, _, _) = run_with_streams(tmp.path(), &check_bad, Stream::Read, stderr);
        assert_eq!(code, Some(2));
    }
    // Warnings that cannot be shown do not stop a good check.
    for stderr in [Stream::Full, Stream::Closed] {
        let (code, out, _) = run_with_streams(tmp.path(), &check_repair, Stream::Read, stderr);
        assert_eq!(code, Some(0));
        assert!(out.contains("ok"), "{out}");
    }
    // The error path of `run` (an --out that exists) too.
    let run_taken = [
        OsStr::new("run"),
        OsStr::new("-n"),
        OsStr::new("1"),
        OsStr::new("--out"),
        OsStr::new("."),
    ];
    let (code, _, _) = run_with_streams(tmp.path(), &run_taken, Stream::Read, Stream::Full);
    assert_eq!(code, Some(2));
}

#[cfg(target_os = "linux")]
#[test]
fn a_closed_stdout_is_a_quiet_stop_and_a_full_one_an_error() {
    use std::ffi::OsStr;
    let tmp = tempfile::tempdir().unwrap();
    let model = fixture("deterministic.toml");
    let check = [OsStr::new("check"), model.as_os_str()];
    // `gapsim check model | head -0`: the reader wanted nothing more; not an error.
    let (code, _, err) = run_with_streams(tmp.path(), &check, Stream::Closed, Stream::Read);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.is_empty(), "{err}");
    // `> /dev/full`: what was asked for is lost, so status 2 and a message.
    let (code, _, err) = run_with_streams(tmp.path(), &check, Stream::Full, Stream::Read);
    assert_eq!(code, Some(2));
    assert!(err.contains("standard output"), "{err}");

    // A run whose summary cannot be shown has still written its folder, and says where.
    let run = [
        OsStr::new("run"),
        model.as_os_str(),
        OsStr::new("-n"),
        OsStr::new("1"),
        OsStr::new("--no-charts"),
        OsStr::new("--out"),
        OsStr::new("full"),
    ];
    let (code, _, err) = run_with_streams(tmp.path(), &run, Stream::Full, Stream::Read);
    assert_eq!(code, Some(2));
    assert!(err.contains("was written to full"), "{err}");
    assert!(tmp.path().join("full/summary.json").exists());
    let run = [&run[..6], &[OsStr::new("closed")]].concat();
    let (code, _, err) = run_with_streams(tmp.path(), &run, Stream::Closed, Stream::Read);
    assert_eq!(code, Some(0), "{err}");
    assert!(tmp.path().join("closed/summary.json").exists());
}

// ---------------------------------------------------------------------------------------
// The speed line.

#[test]
fn the_speed_of_a_run_to_a_precision_counts_the_years_actually_run() {
    let r = run(Some(&fixture("normal-sum.toml")), &["--precision", "0.02"]);
    let years = num(&r.summary, "/run/iterations");
    let cap = 1_000_000.0;
    assert!(years < cap, "the run stopped early: {years}");
    // "Simulated in 0.17 s on 2 threads (588,235 years a second)."
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("Simulated in "))
        .unwrap_or_else(|| panic!("no speed line in\n{}", r.stdout));
    let secs: f64 = line["Simulated in ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let speed: f64 = line
        .split('(')
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .unwrap()
        .replace(',', "")
        .parse()
        .unwrap();
    // The time shown is rounded to 0.01 s, so the true time t is within 0.005 s of it and
    // the speed, years / t, is between years / (secs + 0.005) and years / (secs − 0.005).
    // A speed computed from the cap claims ten times the years in the same time.
    let (fastest, slowest) = ((secs - 0.005).max(0.0), secs + 0.005);
    assert!(
        speed * fastest <= years * 1.001 + 1.0 && speed * slowest >= years * 0.999 - 1.0,
        "{line}: but {years} years were simulated"
    );
}

// ---------------------------------------------------------------------------------------
// Numbers on the command line.

#[test]
fn command_line_numbers_get_messages_about_what_they_mean() {
    for (args, words) in [
        (
            &["--reserves", "-5"][..],
            "usable reserves cannot be negative",
        ),
        (&["--reserves=-5"][..], "usable reserves cannot be negative"),
        (&["--reserves", "1e400"][..], "too large"),
        (
            &["--reserves", "1000000000000001"][..],
            "at most 1,000,000,000,000,000",
        ),
        (&["--reserves", "lots"][..], "not a number"),
        (
            &["--seed", "-1"][..],
            "0 to 18446744073709551615 (2^64 − 1)",
        ),
        (&["--seed", "18446744073709551616"][..], "(2^64 − 1)"),
        (&["--iterations", "-5"][..], "from 1 to 1,000,000,000"),
        (&["--iterations", "0"][..], "from 1 to 1,000,000,000"),
        (&["--threads", "-1"][..], "from 1 to 1024"),
        (&["--precision", "-0.1"][..], "between 0 and 1"),
    ] {
        let out = gapsim().arg("run").args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(words), "{args:?}: {err}");
        assert!(!err.contains("unexpected argument"), "{args:?}: {err}");
    }
}

#[test]
fn reserves_up_to_the_limit_and_zero_are_accepted() {
    let model = fixture("deterministic.toml");
    let top = run(Some(&model), &["--iterations", "1", "--reserves", "1e15"]);
    assert_eq!(num(&top.summary, "/reserves/usable"), 1e15);
    let zero = run(Some(&model), &["--iterations", "1", "--reserves", "0"]);
    assert_eq!(num(&zero.summary, "/reserves/usable"), 0.0);
    // With no reserves, every year with a shortfall breaches (the fixture's is 1.028).
    assert_eq!(num(&zero.summary, "/s114/probability/estimate"), 1.0);
}

// ---------------------------------------------------------------------------------------
// Output folder names.

/// `gapsim run` with ARGS in `dir`, on a run long enough (about a minute) that an error
/// given within the timeout must have come before simulating.
fn run_long(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    gapsim()
        .current_dir(dir)
        .args(["run", "--iterations", "20000000", "--threads", "1"])
        .args(args)
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap()
}

#[test]
fn bad_out_folders_are_refused_before_simulating() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("afile"), "").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(tmp.path().join("nowhere"), tmp.path().join("dangling")).unwrap();
    let long = "x".repeat(256);
    let mut cases = vec![
        ("newdir/.", "does not name a new folder"),
        ("newdir/..", "does not name a new folder"),
        ("afile/sub", "afile is a file, not a folder"),
        ("afile/a/b", "afile is a file, not a folder"),
        (long.as_str(), "too long"),
    ];
    if cfg!(unix) {
        cases.push(("dangling", "symbolic link to something that does not exist"));
    }
    for (out, words) in cases {
        let res = run_long(tmp.path(), &["--out", out]);
        let err = String::from_utf8_lossy(&res.stderr);
        assert_eq!(res.status.code(), Some(2), "--out {out}: {err}");
        assert!(err.contains(words), "--out {out}: {err}");
    }
    // Nothing was created: no newdir, no staging or probe folders.
    let mut names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let expected: Vec<&str> = if cfg!(unix) {
        vec!["afile", "dangling"]
    } else {
        vec!["afile"]
    };
    assert_eq!(names, expected);
}

#[test]
fn the_longest_legal_folder_name_is_written() {
    // The staging folder's name must not be longer than the run's: a 255-byte name (the
    // limit of common file systems) failed after simulating with "File name too long".
    let tmp = tempfile::tempdir().unwrap();
    let name = "r".repeat(255);
    let res = gapsim()
        .current_dir(tmp.path())
        .args(["run", "--iterations", "1000", "--no-charts", "--out", &name])
        .output()
        .unwrap();
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    assert!(tmp.path().join(&name).join("summary.json").exists());
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
}

#[test]
fn parallel_runs_with_automatic_names_all_get_their_own_folder() {
    // Started in the same second, they all want the same name; each must take the next
    // free suffix rather than fail after simulating (or overwrite another).
    let tmp = tempfile::tempdir().unwrap();
    let model = fixture("deterministic.toml");
    let bin = assert_cmd::cargo::cargo_bin("gapsim");
    let children: Vec<_> = (0..16)
        .map(|_| {
            std::process::Command::new(&bin)
                .current_dir(tmp.path())
                .arg("run")
                .arg(&model)
                .args(["--iterations", "1"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let outputs = tmp.path().join("outputs");
    let names: Vec<String> = std::fs::read_dir(&outputs)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 16, "{names:?}");
    // Every folder is whole: as many files as the first (which charts a model gets depends
    // on the model, so the number is not fixed here).
    let files = std::fs::read_dir(outputs.join(&names[0])).unwrap().count();
    assert!(files >= 5, "{files} files");
    for n in &names {
        assert!(!n.starts_with('.'), "no staging folders left: {n}");
        assert_eq!(
            std::fs::read_dir(outputs.join(n)).unwrap().count(),
            files,
            "{n}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// `gapsim report` on a summary.json that is not what `gapsim run` wrote.

/// Runs `gapsim report DIR`.
fn report(dir: &std::path::Path) -> std::process::Output {
    gapsim().arg("report").arg(dir).output().unwrap()
}

/// A copy of `from` (a run folder) in a new temporary folder, with its summary changed by
/// `tamper` and its manifest rewritten to match: the damage a manifest cannot see, which
/// the checks of the summary itself must catch.
pub fn tampered(
    from: &std::path::Path,
    tamper: impl Fn(&mut serde_json::Value),
) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    std::fs::create_dir(&dir).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    let path = dir.join("summary.json");
    let mut summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    tamper(&mut summary);
    std::fs::write(&path, serde_json::to_vec_pretty(&summary).unwrap()).unwrap();
    reseal(&dir);
    (tmp, dir)
}

/// Rewrites the manifest of the run folder `dir` to match its files, as a forger would.
pub fn reseal(dir: &std::path::Path) {
    let manifest = dir.join("manifest.sha256");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let lines: String = text
        .lines()
        .map(|l| {
            let name = &l[66..];
            let bytes = std::fs::read(dir.join(name)).unwrap();
            let hex = gapsim::audit::manifest::sha256_hex(&bytes);
            format!("{hex}  {name}\n")
        })
        .collect();
    std::fs::write(manifest, lines).unwrap();
}

pub fn set(pointer: &'static str, value: serde_json::Value) -> impl Fn(&mut serde_json::Value) {
    move |s| {
        *s.pointer_mut(pointer)
            .unwrap_or_else(|| panic!("summary has no {pointer}")) = value.clone();
    }
}

#[test]
fn report_refuses_a_summary_that_gapsim_run_could_not_have_written() {
    use serde_json::json;
    // Enough breaches for every part of the summary to be present.
    let r = run(
        Some(&fixture("normal-sum.toml")),
        &["--iterations", "30000", "--reserves", "10"],
    );
    assert!(r.summary.get("tail").is_some());
    let pop = |pointer: &'static str| {
        move |s: &mut serde_json::Value| {
            s.pointer_mut(pointer)
                .and_then(serde_json::Value::as_array_mut)
                .unwrap_or_else(|| panic!("{pointer} is a list"))
                .pop();
        }
    };
    type Tamper = Box<dyn Fn(&mut serde_json::Value)>;
    let cases: Vec<(&str, Tamper)> = vec![
        // Panicked (index out of bounds) in the distribution chart.
        (
            "distributions.shortfall_counts",
            Box::new(pop("/distributions/shortfall_counts")),
        ),
        // Printed as 750.0%.
        (
            "s114.probability.estimate",
            Box::new(set("/s114/probability/estimate", json!(7.5))),
        ),
        ("run.iterations", Box::new(set("/run/iterations", json!(0)))),
        (
            "s114.probability.ci95_low",
            Box::new(set("/s114/probability/ci95_low", json!(0.9))),
        ),
        (
            "gap.p_positive.count",
            Box::new(set("/gap/p_positive/count", json!(30001))),
        ),
        ("percentiles", Box::new(pop("/percentiles"))),
        // P50 of the gap above P51.
        (
            "percentiles[49].gap",
            Box::new(set("/percentiles/49/gap", json!(1000))),
        ),
        (
            "gap.percentiles[3].value",
            Box::new(set("/gap/percentiles/3/value", json!(-1000))),
        ),
        (
            "distributions.bin_width",
            Box::new(set("/distributions/bin_width", json!(-1.0))),
        ),
        (
            "distributions.gap_quantiles[500]",
            Box::new(set("/distributions/gap_quantiles/500", json!(1e300))),
        ),
        (
            "distributions.gap_quantiles",
            Box::new(pop("/distributions/gap_quantiles")),
        ),
        (
            "distributions.gap_counts",
            Box::new(set("/distributions/gap_counts/0", json!(u64::MAX))),
        ),
        ("tail.years", Box::new(set("/tail/years", json!(1)))),
        (
            "sensitivity.drivers[0].rank_correlation",
            Box::new(set("/sensitivity/drivers/0/rank_correlation", json!(3.0))),
        ),
        (
            "reserves.usable",
            Box::new(set("/reserves/usable", json!(-5))),
        ),
        ("model.unit", Box::new(set("/model/unit", json!("$bn")))),
    ];
    for (field, tamper) in &cases {
        let (_tmp, dir) = tampered(&r.dir, tamper);
        let before = std::fs::read(dir.join("report.html")).unwrap();
        let out = report(&dir);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{field}: {err}");
        for words in [
            "summary.json",
            &format!("`{field}`"),
            "rebuild it with gapsim run",
        ] {
            assert!(err.contains(words), "{field}: expected {words:?} in\n{err}");
        }
        assert_eq!(
            std::fs::read(dir.join("report.html")).unwrap(),
            before,
            "{field}: nothing is rewritten"
        );
    }
}

#[test]
fn report_accepts_every_summary_gapsim_run_writes() {
    // No false alarms: plain, Latin hypercube, to a precision, a single year, no breaches,
    // reserves from the command line, the built-in model.
    for (model, args) in [
        (Some("normal-sum.toml"), &["--iterations", "25000"][..]),
        (
            Some("normal-sum.toml"),
            &["--sampling", "lhs", "--iterations", "25000"][..],
        ),
        (Some("normal-sum.toml"), &["--precision", "0.02"][..]),
        (Some("deterministic.toml"), &["--iterations", "1"][..]),
        (
            Some("mitigated-normal.toml"),
            &["--iterations", "12345", "--reserves", "0"][..],
        ),
        (
            Some("bernoulli-savings.toml"),
            &["--iterations", "20000"][..],
        ),
        (None, &["--iterations", "10000", "--reserves", "1e15"][..]),
    ] {
        let model = model.map(fixture);
        let r = run(model.as_deref(), args);
        let out = report(&r.dir);
        assert!(
            out.status.success(),
            "{model:?} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn report_changes_nothing_when_one_file_cannot_be_replaced() {
    let r = run(
        Some(&fixture("normal-sum.toml")),
        &["--iterations", "20000"],
    );
    let files = std::fs::read_dir(&r.dir).unwrap().count();
    // Mark the old report, and put a folder where the third file (a chart) goes: the
    // report pages are replaced first, then that rename fails.
    std::fs::write(r.dir.join("report.html"), "old report").unwrap();
    let md = std::fs::read(r.dir.join("report.md")).unwrap();
    std::fs::remove_file(r.dir.join("distribution.png")).unwrap();
    std::fs::create_dir(r.dir.join("distribution.png")).unwrap();
    let out = report(&r.dir);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("distribution.png") && err.contains("is a folder, not a file"),
        "{err}"
    );
    assert!(err.contains("nothing in"), "{err}");
    assert_eq!(
        std::fs::read_to_string(r.dir.join("report.html")).unwrap(),
        "old report"
    );
    assert_eq!(std::fs::read(r.dir.join("report.md")).unwrap(), md);
    let hidden: Vec<_> = std::fs::read_dir(&r.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "staging left behind: {hidden:?}");

    // Once the folder is gone, the report is rebuilt, and nothing is left over.
    std::fs::remove_dir(r.dir.join("distribution.png")).unwrap();
    let out = report(&r.dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(
        std::fs::read_to_string(r.dir.join("report.html")).unwrap(),
        "old report"
    );
    assert!(r.dir.join("distribution.png").is_file());
    assert_eq!(std::fs::read_dir(&r.dir).unwrap().count(), files);
}

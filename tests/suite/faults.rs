//! Faults must not lose, leave or fake results: stop signals, staging folders left by
//! killed runs, crashes while writing, running out of memory, edited run folders, paths
//! the system cannot create, and standard output that cannot be written.
//!
//! No test measures time: where a test needs the binary to be mid-run it polls for a
//! condition (the results' memory has been allocated) with a generous bound.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::{fixture, gapsim, run};
use crate::runs::{reseal, set, tampered};

/// Polls `condition` every 50 ms, failing after two minutes (on a loaded machine a
/// condition that takes a second can take many).
#[track_caller]
fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "gave up waiting until {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The binary, started in `dir` with `args`, its stderr piped.
fn spawn(dir: &Path, program: &[&str], args: &[&str]) -> Child {
    let bin = assert_cmd::cargo::cargo_bin("gapsim");
    let mut cmd = match program {
        [] => Command::new(bin),
        [first, rest @ ..] => {
            let mut c = Command::new(first);
            c.args(rest).arg(bin);
            c
        }
    };
    cmd.current_dir(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Resident memory of process `pid` in kB, from /proc (0 once it has gone).
#[cfg(target_os = "linux")]
fn resident_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

#[cfg(unix)]
fn kill(signal: &str, pid: u32) {
    let ok = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{signal} {pid}");
}

/// Names in `dir`, sorted; none if it does not exist.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// A run of the built-in model long enough (20 million years, minutes on one thread) to be
/// stopped mid-run: once its results (320 MB) are allocated it is simulating.
#[cfg(target_os = "linux")]
const LONG_RUN: [&str; 5] = ["run", "--iterations", "20000000", "--threads", "1"];

#[cfg(target_os = "linux")]
fn wait_until_simulating(child: &Child) {
    let pid = child.id();
    wait_until("the run is simulating", || resident_kb(pid) > 300_000);
}

// ---------------------------------------------------------------------------------------
// Stop signals.

#[cfg(target_os = "linux")]
#[test]
fn sigterm_and_sighup_stop_a_run_like_ctrl_c_and_leave_nothing() {
    for (signal, code) in [("TERM", 143), ("HUP", 129)] {
        let tmp = tempfile::tempdir().unwrap();
        let child = spawn(tmp.path(), &[], &LONG_RUN);
        wait_until_simulating(&child);
        kill(signal, child.id());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "SIG{signal}: {err}");
        assert!(
            err.contains(&format!("interrupted (SIG{signal}); nothing was written")),
            "SIG{signal}: {err}"
        );
        // No run folder, no staging folder: outputs/ is made only to write a run.
        assert_eq!(names(tmp.path()), Vec::<String>::new(), "SIG{signal}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_run_under_nohup_keeps_going_when_the_terminal_closes() {
    // nohup starts gapsim with SIGHUP ignored; a handler must not undo that. SIGHUP then
    // does nothing, and the SIGTERM after it is the first stop signal (143). Had SIGHUP
    // been handled, the run would have stopped with 129, or SIGTERM, coming second, would
    // have killed it outright.
    let tmp = tempfile::tempdir().unwrap();
    let child = spawn(tmp.path(), &["nohup"], &LONG_RUN);
    wait_until_simulating(&child);
    kill("HUP", child.id());
    kill("TERM", child.id());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{err}");
}

// ---------------------------------------------------------------------------------------
// Staging folders left by killed runs.

/// The owner file a staging folder holds (the format `staging.rs` writes).
#[cfg(target_os = "linux")]
fn owner(pid: u32, start: u64, boot: &str, machine: &str) -> String {
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    let pidns = std::fs::read_link("/proc/self/ns/pid").unwrap();
    format!(
        "gapsim staging folder\npid {pid}\nstart {start}\nboot {boot}\npidns {}\nmachine \
         {machine}\nhost {}\n",
        pidns.display(),
        read("/proc/sys/kernel/hostname"),
    )
}

#[cfg(target_os = "linux")]
fn start_time(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 1..];
    after.split_whitespace().nth(19).unwrap().parse().unwrap()
}

/// Plants a staging folder for `pid` in `parent`, with a half-written file and, if given,
/// an owner file.
#[cfg(target_os = "linux")]
fn plant(parent: &Path, pid: u32, owner: Option<String>) -> PathBuf {
    let dir = parent.join(format!(".gapsim-{pid}.partial"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("summary.json"), "{\"half").unwrap();
    if let Some(text) = owner {
        std::fs::write(dir.join(".owner"), text).unwrap();
    }
    dir
}

#[cfg(target_os = "linux")]
#[test]
fn staging_folders_of_gone_processes_are_removed_and_live_ones_kept() {
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .unwrap_or_default()
            .trim()
            .to_string()
    };
    let boot = read("/proc/sys/kernel/random/boot_id");
    let machine = read("/etc/machine-id");
    let tmp = tempfile::tempdir().unwrap();
    let outputs = tmp.path().join("outputs");
    std::fs::create_dir(&outputs).unwrap();

    let mut dead = Command::new("true").spawn().unwrap();
    let dead_pid = dead.id();
    dead.wait().unwrap();
    let mut live = Command::new("sleep").arg("600").spawn().unwrap();
    let mut reused = Command::new("sleep").arg("600").spawn().unwrap();
    let (live_pid, reused_pid) = (live.id(), reused.id());

    let gone = [
        // Its process has exited.
        plant(
            &outputs,
            dead_pid,
            Some(owner(dead_pid, 1, &boot, &machine)),
        ),
        // Its id belongs to another process now (another start time).
        plant(
            &outputs,
            reused_pid,
            Some(owner(
                reused_pid,
                start_time(reused_pid) + 1,
                &boot,
                &machine,
            )),
        ),
        // Left before the machine restarted (a power cut): same machine, another boot.
        plant(
            &outputs,
            4_000_000_001,
            Some(owner(4_000_000_001, 1, "another-boot", &machine)),
        ),
    ];
    // Untouched for two days: stale whoever made it.
    let old = plant(&outputs, 4_000_000_002, None);
    let touched = Command::new("touch")
        .args(["-d", "2 days ago"])
        .arg(&old)
        .status()
        .unwrap();
    assert!(touched.success());
    let kept = [
        // Its process is running: it may be writing.
        plant(
            &outputs,
            live_pid,
            Some(owner(live_pid, start_time(live_pid), &boot, &machine)),
        ),
        // No owner file, and recent: it cannot be told apart from a live one.
        plant(&outputs, 4_000_000_003, None),
        // Another machine sharing the folder.
        plant(
            &outputs,
            4_000_000_004,
            Some(owner(4_000_000_004, 1, "another-boot", "another-machine")),
        ),
    ];

    let out = gapsim()
        .current_dir(tmp.path())
        .arg("run")
        .arg(fixture("deterministic.toml"))
        .args(["--iterations", "1", "--no-charts"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let power_cut_kept = machine.is_empty();
    for dir in gone.iter().chain([&old]) {
        let expect_gone = !(power_cut_kept && dir == &gone[2]);
        assert_eq!(!dir.exists(), expect_gone, "{}: {err}", dir.display());
        if expect_gone {
            let name = dir.file_name().unwrap().to_string_lossy();
            assert!(err.contains(&format!("removed outputs/{name}")), "{err}");
        }
    }
    for dir in &kept {
        assert!(
            dir.join("summary.json").exists(),
            "{} was removed",
            dir.display()
        );
    }
    // The run itself, whole.
    let runs: Vec<String> = names(&outputs)
        .into_iter()
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert_eq!(runs.len(), 1, "{runs:?}");

    // The same inside a run folder, for `gapsim report`'s staging folder.
    let run_dir = outputs.join(&runs[0]);
    let stale = plant(
        &run_dir,
        dead_pid,
        Some(owner(dead_pid, 1, &boot, &machine)),
    );
    let busy = plant(
        &run_dir,
        live_pid,
        Some(owner(live_pid, start_time(live_pid), &boot, &machine)),
    );
    let out = gapsim().arg("report").arg(&run_dir).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(!stale.exists(), "{err}");
    assert!(busy.exists(), "{err}");

    for child in [&mut live, &mut reused] {
        let _ = child.kill();
        let _ = child.wait();
    }
}

// ---------------------------------------------------------------------------------------
// Durable writes.

#[cfg(target_os = "linux")]
#[test]
fn files_are_synced_before_the_rename_that_publishes_a_run_and_the_folder_after() {
    let Ok(status) = Command::new("strace").arg("-V").output() else {
        eprintln!("strace is not installed: the order of syncs and renames is not checked");
        return;
    };
    assert!(status.status.success());
    let tmp = tempfile::tempdir().unwrap();
    let trace = tmp.path().join("trace");
    let out = Command::new("strace")
        .args([
            "-f",
            "-qq",
            "-e",
            "trace=fsync,fdatasync,rename,renameat,renameat2",
            "-o",
        ])
        .arg(&trace)
        .arg(assert_cmd::cargo::cargo_bin("gapsim"))
        .current_dir(tmp.path())
        .arg("run")
        .arg(fixture("deterministic.toml"))
        .args(["--iterations", "1", "--no-charts", "--out", "run"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls: Vec<String> = std::fs::read_to_string(&trace)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let publish = calls
        .iter()
        .position(|c| c.contains("rename") && c.contains(".partial") && c.contains("\"run\""))
        .unwrap_or_else(|| panic!("no rename into place in {calls:#?}"));
    let synced = |calls: &[String]| calls.iter().filter(|c| c.contains("fsync")).count();
    // Summary, percentiles, model, manifest, the owner file, and the staging folder.
    assert!(synced(&calls[..publish]) >= 6, "{calls:#?}");
    // The parent folder, so that the rename itself survives a crash.
    assert!(synced(&calls[publish..]) >= 1, "{calls:#?}");
}

// ---------------------------------------------------------------------------------------
// Edited run folders.

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
    assert_eq!(manifest_holds(&quick.dir).len(), 3);
    let out = report(&quick.dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = manifest_holds(&quick.dir);
    assert!(
        after.len() > 3 && after.contains(&"report.md".to_string()),
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
        // 43.2 → 99.9: the mean gap is no longer the mean shortfall + mitigation used,
        // nor what the lines add up to.
        (
            Box::new(set("/gap/mean", json!(n("/gap/mean") + 56.7))),
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

// ---------------------------------------------------------------------------------------
// Memory.

fn model_text(path: &Path) -> gapsim::model::Model {
    let text = std::fs::read_to_string(path).unwrap();
    gapsim::model::Model::from_toml("m.toml", &text)
        .unwrap()
        .model
}

#[test]
fn a_run_that_does_not_fit_in_memory_is_refused_with_the_real_limit() {
    use gapsim::engine::memory::estimate;
    let model = fixture("normal-sum.toml");
    let m = model_text(&model);
    // Room for 200,000 years on one thread, and not for 20 million.
    let room = estimate(&m, 200_000).total(1);
    let limit = room.to_string();
    let tmp = tempfile::tempdir().unwrap();
    let attempt = |n: u64| {
        gapsim()
            .current_dir(tmp.path())
            .env("GAPSIM_MEMORY_LIMIT", &limit)
            .arg("run")
            .arg(&model)
            .args(["--no-charts", "--iterations", &n.to_string()])
            .output()
            .unwrap()
    };
    let out = attempt(20_000_000);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for words in [
        "this run needs about",
        &format!("(GAPSIM_MEMORY_LIMIT={limit})"),
        "the results of 20,000,000 simulated years take 320 MB",
    ] {
        assert!(err.contains(words), "expected {words:?} in\n{err}");
    }
    assert_eq!(
        names(tmp.path()),
        Vec::<String>::new(),
        "nothing is written"
    );
    // The limit it states is exact: that many years run, one more does not.
    let most: u64 = err
        .split("run with --iterations ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no limit stated in\n{err}"));
    assert!((200_000..210_000).contains(&most), "{most}");
    let out = attempt(most);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = attempt(most + 1);
    assert_eq!(out.status.code(), Some(2));

    // Beyond the cap, the message gives the cap, its memory, and this machine's limit.
    let out = attempt(2_000_000_000);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("at most 1,000,000,000 (10^9)"), "{err}");
    assert!(err.contains("16 GB of memory (16 bytes a year)"), "{err}");
    assert!(
        err.contains(&format!("at most {} of this model fit", {
            gapsim::report::amount(rust_decimal::Decimal::from(most), 0)
        })),
        "{err}"
    );
}

/// A model of `lines` simple lines, each with its own driver.
fn wide_model(dir: &Path, lines: usize) -> PathBuf {
    let mut text = String::from(
        "[meta]\nname = \"Wide\"\ncouncil = \"Test\"\nyear = \"2024/25\"\nunit = \"£m\"\n\n",
    );
    for i in 0..lines {
        text += &format!(
            "[lines.l{i}]\nkind = \"simple\"\nbase = 10\ngrowth = {{ dist = \"normal\", mean = \
             0.01, sd = 0.02 }}\nbudget = 10\nsource = \"assumption: test\"\n\n"
        );
    }
    text += "[reserves.general_fund]\nkind = \"general_fund\"\namount = 5\nsource = \
             \"assumption: test\"\n";
    let path = dir.join("wide.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_run_whose_threads_do_not_fit_runs_on_fewer_with_the_same_figures() {
    use gapsim::engine::memory::estimate;
    let tmp = tempfile::tempdir().unwrap();
    let model = wide_model(tmp.path(), 300);
    let m = model_text(&model);
    let years = 40_000;
    let room = estimate(&m, years).total(2);
    let limited = gapsim()
        .current_dir(tmp.path())
        .env("GAPSIM_MEMORY_LIMIT", room.to_string())
        .arg("run")
        .arg(&model)
        .args([
            "--no-charts",
            "--threads",
            "4",
            "--iterations",
            "40000",
            "--out",
            "a",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&limited.stderr);
    assert!(limited.status.success(), "{err}");
    assert!(
        err.contains("running on 2 threads instead of 4 (--threads)"),
        "{err}"
    );
    let free = gapsim()
        .current_dir(tmp.path())
        .arg("run")
        .arg(&model)
        .args([
            "--no-charts",
            "--threads",
            "4",
            "--iterations",
            "40000",
            "--out",
            "b",
        ])
        .output()
        .unwrap();
    assert!(free.status.success());
    assert!(!String::from_utf8_lossy(&free.stderr).contains("running on"));
    let read = |d: &str| std::fs::read(tmp.path().join(d).join("summary.json")).unwrap();
    assert_eq!(read("a"), read("b"));
}

#[cfg(target_os = "linux")]
#[test]
fn running_out_of_memory_is_an_error_never_an_abort() {
    // A real limit, not a cgroup: `ulimit -v` makes allocations fail. The check before the
    // run sees it and refuses; told to ignore it (a limit far above the machine's), the
    // engine's allocation of the results fails, and that is an error (exit 2), not an
    // abort (134).
    let limited = |env: Option<&str>| {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg("ulimit -v 1000000 && exec \"$0\" \"$@\"")
            .arg(assert_cmd::cargo::cargo_bin("gapsim"))
            .args(["run", "--iterations", "100000000", "--no-charts", "--out"])
            .arg(tempfile::tempdir().unwrap().path().join("run"));
        if let Some(v) = env {
            cmd.env("GAPSIM_MEMORY_LIMIT", v);
        } else {
            cmd.env_remove("GAPSIM_MEMORY_LIMIT");
        }
        cmd.output().unwrap()
    };
    let out = limited(None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("ulimit -v") && err.contains("at most"),
        "{err}"
    );
    let out = limited(Some("1T"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("could not be allocated"), "{err}");
}

#[test]
fn a_memory_limit_that_is_not_an_amount_is_refused() {
    let out = gapsim()
        .env("GAPSIM_MEMORY_LIMIT", "lots")
        .args(["run", "--iterations", "1000", "--no-charts"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("GAPSIM_MEMORY_LIMIT is \"lots\""), "{err}");
}

// ---------------------------------------------------------------------------------------
// Paths and standard output.

#[cfg(target_os = "linux")]
#[test]
fn an_out_path_longer_than_the_system_accepts_is_refused_before_simulating() {
    let tmp = tempfile::tempdir().unwrap();
    let deep = |k: usize| vec!["x".repeat(200); k].join("/");
    // 21 components: 4,220 bytes, past PATH_MAX (4,096) though each name is legal.
    let out = gapsim()
        .current_dir(tmp.path())
        .args([
            "run",
            "--iterations",
            "20000000",
            "--threads",
            "1",
            "--out",
            &deep(21),
        ])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("PATH_MAX") && err.contains("too long a path"),
        "{err}"
    );
    assert_eq!(names(tmp.path()), Vec::<String>::new());

    // 19 components (3,818 bytes) leave room for every file, and for `gapsim report`'s
    // staging folder inside the run.
    let ok = deep(19);
    let out = gapsim()
        .current_dir(tmp.path())
        .arg("run")
        .arg(fixture("deterministic.toml"))
        .args(["--iterations", "1", "--out", &ok])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = gapsim()
        .current_dir(tmp.path())
        .args(["report", &ok])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[cfg(target_os = "linux")]
#[test]
fn help_and_version_on_a_full_stdout_are_errors() {
    for args in [&["--version"][..], &["--help"], &["run", "--help"]] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = Command::new(assert_cmd::cargo::cargo_bin("gapsim"))
            .args(args)
            .stdout(Stdio::from(full))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("could not write to standard output"),
            "{args:?}: {err}"
        );
    }
    // Written where they can be, with success.
    let out = gapsim().arg("--version").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("gapsim {}\n", env!("CARGO_PKG_VERSION"))
    );
    // A usage error still goes to stderr with exit 2.
    let out = gapsim().arg("--no-such-option").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--no-such-option"));
}

//! Faults must not lose or leave results: stop signals, staging folders left by killed
//! runs, crashes while writing, running out of memory, paths the system cannot create, and
//! standard output that cannot be written. (Faked results: `tampering`.)
//!
//! No test measures time: where a test needs the binary to be mid-run it polls for a
//! condition (the results' memory has been allocated) with a generous bound.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{fixture, gapsim};

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
    crate::common::default_stop_signals(&mut cmd)
        .current_dir(dir)
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
pub fn names(dir: &Path) -> Vec<String> {
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
    // strace shows the system calls in order (CI installs it: see common::tool_missing).
    let Ok(status) = Command::new("strace").arg("-V").output() else {
        crate::common::tool_missing("strace", "apt-get install strace");
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
    assert!(
        err.contains("keeps only the values its percentiles are read from"),
        "{err}"
    );
    assert!(
        err.contains(&format!("at most {} of this model fit", {
            gapsim::report::amount(rust_decimal::Decimal::from(most), 0)
        })),
        "{err}"
    );
}

#[test]
fn a_run_to_a_precision_whose_cap_does_not_fit_runs_to_the_most_that_does() {
    use gapsim::engine::memory::estimate;
    let model = fixture("normal-sum.toml");
    let m = model_text(&model);
    // Room for 250,000 years: a cap of 10^8 is lowered to 250,000 (whole batches),
    // where this model's precision target (a wide one, reached later) is not reached.
    let limit = estimate(&m, 250_000).total(1).to_string();
    let tmp = tempfile::tempdir().unwrap();
    let out = gapsim()
        .current_dir(tmp.path())
        .env("GAPSIM_MEMORY_LIMIT", &limit)
        .arg("run")
        .arg(&model)
        .args(["--no-charts", "--out", "run", "--precision", "0.0005"])
        .args(["--iterations", "100000000", "--threads", "1"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("--precision run capped at 250,000 simulated years instead of 100,000,000"),
        "{err}"
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("run/summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["run"]["iterations"], 250_000);
    assert_eq!(summary["convergence"]["reached"], false);
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
    // abort (134). The run keeps every year in memory (1.6 GB; a run this long would
    // otherwise stream, in a tenth of that).
    let limited = |env: Option<&str>| {
        let mut cmd = Command::new("sh");
        cmd.env("GAPSIM_KEEP_YEARS_UP_TO", "1000000000");
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

//! The command line as a person and a script meet it: `--json`, `--quiet`, NO_COLOR,
//! `init`, `explain`, `completions`, `man`, and an example in every command's help.

use std::path::{Path, PathBuf};
use std::process::Output;

use gapsim::model::{DriverOrigin, Model};

use crate::common::{gapsim, tool_missing};

/// Simulated years for the runs here: enough for every figure to be estimated (two
/// batches), few enough to take a fraction of a second.
const YEARS: &str = "20000";

fn kent() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models/kent-2024-25.toml")
}

fn template() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models/template.toml")
}

/// `gapsim ARGS` in `dir`, with NO_COLOR unset unless the test sets it.
fn run_in(dir: &Path, args: &[&str]) -> Output {
    gapsim()
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A model file with a syntax error, for the error paths.
fn bad_model(dir: &Path) -> PathBuf {
    let path = dir.join("broken.toml");
    std::fs::write(&path, "[meta]\nname = \"broken\"\ncouncil = \n").unwrap();
    path
}

/// gapsim's commands as `gapsim --help` lists them (clap's own `help` left out), so that
/// a command added later is held to the same rules without editing these tests.
fn commands() -> Vec<String> {
    let out = gapsim().arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = text(&out.stdout);
    let list: Vec<String> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect();
    for expected in ["run", "check", "init", "explain", "completions", "man"] {
        assert!(list.iter().any(|c| c == expected), "{expected} in {list:?}");
    }
    list
}

#[test]
fn json_prints_summary_json_byte_for_byte_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let out = run_in(
        tmp.path(),
        &[
            "run",
            "-n",
            YEARS,
            "--no-charts",
            "--json",
            "--out",
            dir.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let written = std::fs::read(dir.join("summary.json")).unwrap();
    assert_eq!(out.stdout, written, "stdout is summary.json's bytes");
    let parsed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(parsed.pointer("/s114/probability").is_some(), "{parsed}");
    // The person still learns where the run went, on stderr.
    assert!(text(&out.stderr).contains("Wrote"), "{}", text(&out.stderr));
}

#[test]
fn monitor_takes_json_too() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let q2 = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/monitoring/kent-2023-24-q2.toml");
    let out = run_in(
        tmp.path(),
        &[
            "monitor",
            q2.to_str().unwrap(),
            "-n",
            YEARS,
            "--no-charts",
            "--json",
            "--quiet",
            "--out",
            dir.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(out.stdout, std::fs::read(dir.join("summary.json")).unwrap());
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

#[test]
fn quiet_prints_nothing_for_a_good_run_even_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    // Reserves above the net budget: a warning (see the next test), silenced here.
    let out = run_in(
        tmp.path(),
        &[
            "run",
            "-n",
            YEARS,
            "--no-charts",
            "--reserves",
            "5000",
            "--quiet",
            "--out",
            dir.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "stdout: {}", text(&out.stdout));
    assert!(out.stderr.is_empty(), "stderr: {}", text(&out.stderr));
    assert!(dir.join("summary.json").is_file());
}

#[test]
fn quiet_still_prints_errors_and_strict_warnings() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = bad_model(tmp.path());
    let out = run_in(tmp.path(), &["run", bad.to_str().unwrap(), "--quiet"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(
        err.contains("broken.toml") && err.contains("error"),
        "{err}"
    );

    // Under --strict a warning is an error, so --quiet prints it.
    let out = run_in(
        tmp.path(),
        &[
            "run",
            "-n",
            YEARS,
            "--reserves",
            "5000",
            "--quiet",
            "--strict",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("--strict"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn no_color_leaves_no_escape_byte_in_any_output() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = bad_model(tmp.path());
    let dir = tmp.path().join("run");
    let cases: Vec<Vec<&str>> = vec![
        // A run with a warning on stderr and the summary on stdout.
        vec![
            "run",
            "-n",
            YEARS,
            "--no-charts",
            "--reserves",
            "5000",
            "--out",
            dir.to_str().unwrap(),
        ],
        // A model error, a usage error, and help.
        vec!["check", bad.to_str().unwrap()],
        vec!["run", "--no-such-option"],
        vec!["run", "--help"],
    ];
    for args in cases {
        let out = gapsim()
            .current_dir(tmp.path())
            .env("NO_COLOR", "1")
            .args(&args)
            .output()
            .unwrap();
        for (name, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            assert!(
                !bytes.contains(&0x1b),
                "gapsim {args:?}: escape byte on {name}: {}",
                text(bytes)
            );
        }
    }
}

/// `gapsim ARGS` on a pseudo-terminal (util-linux `script`), stdout and stderr together;
/// `None` where `script` is missing.
fn on_terminal(args: &str, no_color: bool) -> Option<Vec<u8>> {
    let bin = assert_cmd::cargo::cargo_bin("gapsim");
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-q", "-e", "-c"])
        .arg(format!("'{}' {args}", bin.display()))
        .arg("/dev/null")
        .stdin(std::process::Stdio::null());
    if no_color {
        cmd.env("NO_COLOR", "1");
    } else {
        cmd.env_remove("NO_COLOR");
    }
    match cmd.output() {
        Ok(out) => Some(out.stdout),
        Err(_) => None,
    }
}

#[test]
fn on_a_terminal_colour_is_used_unless_no_color_is_set() {
    let Some(coloured) = on_terminal("run --help", false) else {
        tool_missing("script (util-linux)", "apt-get install bsdutils");
        return;
    };
    // Help on a terminal is coloured: so the NO_COLOR cases below test something.
    assert!(coloured.contains(&0x1b), "{}", text(&coloured));
    for args in [
        "run --help",
        "run --no-such-option",
        "check no-such-model.toml",
    ] {
        let plain = on_terminal(args, true).unwrap();
        assert!(!plain.is_empty(), "gapsim {args} printed nothing");
        assert!(
            !plain.contains(&0x1b),
            "gapsim {args} with NO_COLOR=1 on a terminal: {}",
            text(&plain)
        );
    }
}

#[test]
fn init_writes_a_model_that_checks_strictly_and_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_in(tmp.path(), &["init"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let model = tmp.path().join("council-model.toml");
    let written = std::fs::read_to_string(&model).unwrap();
    assert_eq!(
        written,
        std::fs::read_to_string(template()).unwrap(),
        "init writes the template as it is"
    );
    assert!(text(&out.stdout).contains("gapsim check council-model.toml"));

    let out = run_in(tmp.path(), &["check", "council-model.toml", "--strict"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stderr.is_empty(), "warnings: {}", text(&out.stderr));

    let dir = tmp.path().join("run");
    let out = run_in(
        tmp.path(),
        &[
            "run",
            "council-model.toml",
            "-n",
            YEARS,
            "--strict",
            "--out",
            dir.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap();
    for pointer in [
        "/gap/mean",
        "/shortfall/mean",
        "/s114/probability/estimate",
        "/mitigation_used",
    ] {
        let x = crate::common::num(&summary, pointer);
        assert!(x.is_finite(), "{pointer} = {x}");
    }
    assert!(crate::common::num(&summary, "/gap/mean") > 0.0);
}

#[test]
fn every_figure_of_the_template_is_an_assumption_to_replace() {
    let text = std::fs::read_to_string(template()).unwrap();
    let sources = text.matches("\nsource = ").count();
    let to_replace = text
        .matches("source = \"assumption: replace with your council")
        .count()
        + text
            .matches("source = \"\"\"assumption: replace with your council")
            .count();
    assert!(sources >= 20, "{sources} sources");
    assert_eq!(
        sources, to_replace,
        "each source says its figure is to replace"
    );
}

#[test]
fn init_never_overwrites_a_model() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("my council");
    let out = run_in(tmp.path(), &["init", "my council"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The next steps are quoted, so they can be pasted into a shell.
    assert!(
        text(&out.stdout).contains("gapsim run 'my council/council-model.toml'"),
        "{}",
        text(&out.stdout)
    );
    let model = folder.join("council-model.toml");
    std::fs::write(&model, "# the council's own figures\n").unwrap();

    let out = run_in(tmp.path(), &["init", "my council"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("my council/council-model.toml") && err.contains("already exists"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&model).unwrap(),
        "# the council's own figures\n"
    );
}

#[test]
fn init_sheets_writes_the_workbook_template_that_runs_as_the_shipped_one_does() {
    // council-model.toml names council-model.xlsx; the pair checks strictly and runs to the
    // figures of models/template-budget.toml beside its own workbook; a second init writes
    // neither file, even where only the workbook is there.
    let tmp = tempfile::tempdir().unwrap();
    let out = run_in(tmp.path(), &["init", "--sheets", "c"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("gapsim check c/council-model.toml"));
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let written = std::fs::read_to_string(tmp.path().join("c/council-model.toml")).unwrap();
    assert!(
        written.contains("from = \"council-model.xlsx#Lines\""),
        "{written}"
    );
    assert!(!written.contains("template-budget"), "{written}");
    assert_eq!(
        std::fs::read(tmp.path().join("c/council-model.xlsx")).unwrap(),
        std::fs::read(models.join("template-budget.xlsx")).unwrap()
    );
    let out = run_in(tmp.path(), &["check", "c/council-model.toml", "--strict"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("3 drivers, 3 spending lines, 2 savings"),
        "{}",
        text(&out.stdout)
    );
    let summary = |dir: &Path, model: &Path| {
        let out = run_in(
            dir,
            &[
                "run",
                model.to_str().unwrap(),
                "-n",
                YEARS,
                "--no-charts",
                "--out",
                "r",
            ],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let s: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("r/summary.json")).unwrap()).unwrap();
        (s["gap"].clone(), s["s114"].clone())
    };
    let shipped = tempfile::tempdir().unwrap();
    assert_eq!(
        summary(tmp.path(), Path::new("c/council-model.toml")),
        summary(shipped.path(), &models.join("template-budget.toml"))
    );
    let again = tmp.path().join("d");
    std::fs::create_dir(&again).unwrap();
    std::fs::write(again.join("council-model.xlsx"), b"the council's own").unwrap();
    let out = run_in(tmp.path(), &["init", "--sheets", "d"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("d/council-model.xlsx already exists"));
    assert!(
        !again.join("council-model.toml").exists(),
        "nothing written"
    );
    assert_eq!(
        std::fs::read(again.join("council-model.xlsx")).unwrap(),
        b"the council's own"
    );
    for synthetic in [
        &["--synthetic", "district"][..],
        &["--count", "5"],
        &["--seed", "3"],
    ] {
        let args = [&["init", "--sheets"][..], synthetic, &["e"]].concat();
        let out = run_in(tmp.path(), &args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: the template or synthetic councils"
        );
        assert!(!tmp.path().join("e").exists(), "{args:?}");
    }
}

#[test]
fn explain_shows_every_line_and_driver_of_kent_and_its_reserves() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_in(tmp.path(), &["explain"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    let model = Model::from_toml("kent", &std::fs::read_to_string(kent()).unwrap())
        .unwrap()
        .model;
    for l in &model.lines {
        assert!(shown.contains(&l.name), "line {}", l.name);
    }
    for d in model
        .drivers
        .iter()
        .filter(|d| d.origin == DriverOrigin::Declared)
    {
        assert!(shown.contains(&d.name), "driver {}", d.name);
    }
    assert!(shown.contains("Usable reserves £75.0m"), "{shown}");

    // A normal driver's row: name, mean, P10, P50, P90.
    let row = shown
        .lines()
        .find(|l| l.split_whitespace().next() == Some("op_demand"))
        .expect("a row for op_demand");
    let figures: Vec<f64> = row
        .split_whitespace()
        .skip(1)
        .map(|c| c.trim_end_matches('%').parse().unwrap())
        .collect();
    let [mean, p10, p50, p90] = figures[..] else {
        panic!("{row}");
    };
    assert!(p10 < p50 && p50 < p90, "{row}");
    assert!(
        (mean - 2.5).abs() < 1e-9 && (p50 - 2.5).abs() < 1e-9,
        "{row}"
    );

    // The same model given as a file, and on stdout only.
    let out = run_in(tmp.path(), &["explain", kent().to_str().unwrap()]);
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), shown);
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

#[test]
fn explain_refuses_a_bad_model_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = bad_model(tmp.path());
    let out = run_in(tmp.path(), &["explain", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("broken.toml"));
}

#[test]
fn bash_completions_know_every_command() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_in(tmp.path(), &["completions", "bash"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let script = text(&out.stdout);
    for c in commands() {
        // The script's case for completing after `gapsim COMMAND`.
        assert!(
            script.contains(&format!("gapsim,{c})")),
            "{c} in the bash script"
        );
    }
    for shell in ["zsh", "fish", "powershell", "elvish"] {
        let out = run_in(tmp.path(), &["completions", shell]);
        assert!(out.status.success() && !out.stdout.is_empty(), "{shell}");
    }
}

#[test]
fn man_prints_a_roff_page_naming_every_command() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_in(tmp.path(), &["man"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page = text(&out.stdout);
    // The page opens with roff's header: `.TH`, after the two lines that define the
    // apostrophe string every clap_mangen page starts with.
    let requests: Vec<&str> = page.lines().take(3).collect();
    assert!(
        requests[..2]
            .iter()
            .all(|l| l.starts_with(".ie") || l.starts_with(".el")),
        "{requests:?}"
    );
    assert!(requests[2].starts_with(".TH gapsim 1"), "{requests:?}");
    for c in commands() {
        assert!(
            page.contains(&format!("gapsim\\-{c}(1)")),
            "{c} in the page"
        );
        // Each command has a page of its own, which the main page refers to.
        let out = run_in(tmp.path(), &["man", &c]);
        assert!(out.status.success(), "{c}: {}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains(&format!(".TH gapsim-{c} 1")),
            "{c}: {}",
            text(&out.stdout)
        );
    }
    let out = run_in(tmp.path(), &["man", "no-such-command"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn every_commands_help_shows_an_example() {
    let tmp = tempfile::tempdir().unwrap();
    for c in commands() {
        let out = run_in(tmp.path(), &[&c, "--help"]);
        assert!(out.status.success(), "{c}");
        let help = text(&out.stdout);
        assert!(
            help.contains("Example"),
            "gapsim {c} --help has no example:\n{help}"
        );
    }
    let help = text(&run_in(tmp.path(), &["--help"]).stdout);
    assert!(help.contains("Examples:"), "{help}");
}

//! How figures are presented where a committee reads them: each figure read back from the
//! terminal, report.md, report.html and the charts and compared with summary.json; its
//! Monte Carlo uncertainty shown; nothing that is not zero shown as zero; counts that agree
//! in number; model text that cannot become Markdown; the tornado's order; the date.

use serde_json::Value;

use crate::common::{fixture, num, run};
use crate::reports::{model_file, read, svg_texts};

/// An amount as the report writes it, in £m: `£4,900` → 0.0049, `£0.35m` → 0.35,
/// `-£5,300` → −0.0053.
fn pounds_m(text: &str) -> f64 {
    let negative = text.starts_with('-') || text.starts_with('\u{2212}');
    let digits: String = text
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let v: f64 = digits
        .parse()
        .unwrap_or_else(|_| panic!("{text:?} is no amount"));
    let v = if text.trim_end().ends_with('m') {
        v
    } else {
        v / 1e6
    };
    if negative { -v } else { v }
}

/// The amount (`£…`, up to the next space, `;` or `)`) right after `marker` in `text`.
fn amount_after<'a>(text: &'a str, marker: &str) -> &'a str {
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("{marker:?} not in\n{text}"))
        + marker.len();
    let rest = text[at..].trim_start();
    let end = rest.find([' ', ';', ')', '\n']).unwrap_or(rest.len());
    rest[..end].trim_end_matches(['.', ','])
}

/// Asserts a written amount is `expected` (in £m) to the precision the report promises:
/// £0.1m, or two significant figures for smaller amounts.
#[track_caller]
fn assert_amount(what: &str, written: &str, expected: f64) {
    let shown = pounds_m(written);
    // £m to one decimal from £1m up; below, two significant figures (at most 5% off).
    let tolerance = if written.ends_with('m') && expected.abs() >= 0.95 {
        0.05 + 1e-9
    } else {
        0.05 * expected.abs() + 1e-12
    };
    assert!(
        (shown - expected).abs() <= tolerance,
        "{what}: {written:?} is not {expected}"
    );
    assert!(
        expected == 0.0 || shown != 0.0,
        "{what}: {written:?} reads as zero but is {expected}"
    );
}

/// Every table row of report.md, split into cells and unescaped.
pub(crate) fn md_rows(md: &str) -> Vec<Vec<String>> {
    md.lines()
        .filter(|l| l.starts_with("| "))
        .map(split_row)
        .collect()
}

/// The rows of the report.md table whose header's first cell is `header`.
pub(crate) fn md_table(md: &str, header: &str) -> Vec<Vec<String>> {
    let lines: Vec<&str> = md.lines().collect();
    let Some(start) = lines.windows(2).position(|w| {
        w[1].starts_with("| ---") && split_row(w[0]).first().is_some_and(|c| c == header)
    }) else {
        panic!("no table headed {header:?}");
    };
    lines[start + 2..]
        .iter()
        .take_while(|l| l.starts_with("| "))
        .map(|l| split_row(l))
        .collect()
}

/// The cells of the first report.md table row whose first cell is `first`.
pub(crate) fn md_row(md: &str, first: &str) -> Vec<String> {
    md_rows(md)
        .into_iter()
        .find(|r| r.first().is_some_and(|c| c == first))
        .unwrap_or_else(|| panic!("no row {first:?} in report.md"))
}

/// A Markdown table row split at its unescaped `|`, cells trimmed and unescaped.
pub(crate) fn split_row(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut chars = line.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    cells.last_mut().unwrap().push(n);
                }
            }
            '|' => cells.push(String::new()),
            _ => cells.last_mut().unwrap().push(c),
        }
    }
    // The empty strings before the first and after the last bar.
    cells.remove(0);
    cells.pop();
    cells
        .iter()
        .map(|c| {
            c.trim()
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&")
        })
        .collect()
}

fn dec(v: &Value, pointer: &str) -> f64 {
    num(v, pointer)
}

#[test]
fn the_chance_of_drawing_on_reserves_is_shown_and_distinct_from_s114() {
    let r = run(None, &["--iterations", "30000"]);
    let s = &r.summary;
    let drawing = 100.0 * dec(s, "/p_drawing_on_reserves/estimate");
    let s114 = 100.0 * dec(s, "/s114/probability/estimate");
    assert!(
        drawing > s114 + 10.0,
        "Kent draws on reserves far more often"
    );
    let md = read(&r.dir, "report.md");
    let html = read(&r.dir, "report.html");
    // Terminal: its own line, with its interval.
    let line = r
        .stdout
        .lines()
        .find(|l| l.contains("chance of drawing on reserves at all (shortfall > 0)"))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    let shown: f64 = amount_after(line, "(shortfall > 0)")
        .trim_end_matches('%')
        .parse()
        .unwrap();
    assert!((shown - drawing).abs() <= 0.05 + 1e-9, "{line}");
    assert!(line.contains("95% interval"), "{line}");
    // Report: in the paragraph under the headline, as its own question.
    for doc in [&md, &html] {
        let at = doc
            .find("draws on its reserves at all")
            .expect("the sentence");
        let shown: f64 = amount_after(&doc[at..], "after mitigation, in")
            .trim_end_matches('%')
            .parse()
            .unwrap();
        assert!(
            (shown - drawing).abs() <= 0.05 + 1e-9,
            "{shown} vs {drawing}"
        );
        assert!(
            at < doc.find("The range of outcomes").unwrap(),
            "it belongs to the opening paragraphs"
        );
    }
    // Chance of any gap: before mitigation, said so.
    assert!(r.stdout.contains("chance of any gap before mitigation"));
    assert!(md.contains("The chance of any gap before mitigation is"));

    // With no usable reserves, the same figure is not called the chance of drawing on
    // reserves, and the report says plainly that any shortfall is S114-level.
    let r = run(None, &["--iterations", "30000", "--reserves", "0"]);
    let md = read(&r.dir, "report.md");
    assert!(!r.stdout.contains("drawing on reserves"), "{}", r.stdout);
    assert!(r.stdout.contains("chance of any shortfall (shortfall > 0)"));
    assert!(
        r.stdout
            .contains("with no usable reserves (set on the command line; the model says £75.0m), any shortfall after mitigation is S114-level"),
        "{}",
        r.stdout
    );
    assert!(!md.contains("draws on its reserves"), "{md}");
    assert!(
        md.contains("**With no usable reserves, any shortfall is S114-level: there is an"),
        "{md}"
    );
    assert!(md.contains("with no usable reserves to draw on, every one of them is S114-level"));
}

#[test]
fn small_amounts_and_standard_errors_never_read_as_zero() {
    // Normal gap, mean 6.5, sd √43.25 ≈ 6.58: reserves at 2.8 sd above the mean leave an
    // expected excess of about σ·(φ(2.8) − 2.8·(1 − Φ(2.8))) ≈ £5,000, which the old
    // report wrote "£0.00m"; Latin hypercube sampling makes the standard errors small.
    let model = fixture("normal-sum.toml");
    let r = run(
        Some(&model),
        &[
            "--iterations",
            "50000",
            "--reserves",
            "24.9",
            "--sampling",
            "lhs",
        ],
    );
    let s = &r.summary;
    let excess = dec(s, "/s114/expected_excess");
    assert!(excess > 0.001 && excess < 0.05, "{excess}");
    let written = amount_after(&r.stdout, "expected shortfall beyond reserves");
    assert!(!written.ends_with('m'), "below £0.1m, in pounds: {written}");
    assert_amount("terminal expected excess", written, excess);
    let md = read(&r.dir, "report.md");
    let written = amount_after(&md, "averaged over all years, is");
    assert_amount("report expected excess", written, excess);
    // Standard errors: in the terminal and in the precision table, to two figures.
    let se = dec(s, "/gap/mean_se");
    assert!(se > 0.0);
    assert_amount(
        "terminal standard error",
        amount_after(&r.stdout, "Monte Carlo standard error"),
        se,
    );
    let row = md_row(&md, "Mean gap before mitigation");
    assert_amount("precision table standard error", &row[2], se);
    let row = md_row(&md, "Expected shortfall beyond reserves (over all years)");
    assert_amount(
        "its standard error",
        &row[2],
        dec(s, "/s114/expected_excess_se"),
    );
    assert!(!md.contains("£0.00m") && !r.stdout.contains("£0.00m"));

    // Below the summary's £100 grid: one year breaches by about £0.5m in 20,000, an
    // expected excess of about £25 that summary.json holds as 0.
    let probe = run(Some(&model), &["--iterations", "20000"]);
    let max = dec(&probe.summary, "/shortfall/max");
    let reserves = format!("{:.4}", max - 0.5);
    let r = run(
        Some(&model),
        &["--iterations", "20000", "--reserves", &reserves],
    );
    assert!(dec(&r.summary, "/s114/probability/count") >= 1.0);
    assert_eq!(dec(&r.summary, "/s114/expected_excess"), 0.0);
    assert!(
        r.stdout
            .contains("expected shortfall beyond reserves  less than £100 a year"),
        "{}",
        r.stdout
    );
    let md = read(&r.dir, "report.md");
    assert!(
        md.contains("averaged over all years, is less than £100"),
        "{md}"
    );
}

#[test]
fn every_figure_carries_its_monte_carlo_uncertainty() {
    // 100,000 simulated years: ten batches, enough for the sensitivity batches (and so
    // the achieved correlations) to have standard errors.
    let r = run(None, &["--iterations", "100000"]);
    let s = &r.summary;
    let md = read(&r.dir, "report.md");
    let html = read(&r.dir, "report.html");
    // The headline's interval is said, where it is read, to be the simulation's precision.
    let headline = md.lines().find(|l| l.starts_with("**There is")).unwrap();
    let next: Vec<&str> = md
        .lines()
        .skip_while(|l| *l != headline)
        .skip(1)
        .filter(|l| !l.is_empty())
        .take(1)
        .collect();
    assert!(
        next[0].contains("simulation's precision only")
            && next[0].contains("not cover the uncertainty in the model's assumptions"),
        "{next:?}"
    );
    let box_start = html.find("<div class=\"headline\">").unwrap();
    let box_end = box_start + html[box_start..].find("</div>").unwrap();
    assert!(html[box_start..box_end].contains("the simulation's precision only"));

    // The precision table, row by row.
    for (row, value, se) in [
        ("Mean gap before mitigation", "/gap/mean", "/gap/mean_se"),
        ("Standard deviation of the gap", "/gap/sd", "/gap/sd_se"),
        (
            "Mitigation used (mean)",
            "/mitigation_used",
            "/mitigation_used_se",
        ),
        (
            "Mean shortfall after mitigation",
            "/shortfall/mean",
            "/shortfall/mean_se",
        ),
        (
            "Savings delivered (mean)",
            "/savings/mean",
            "/savings/mean_se",
        ),
        ("Savings delivered, P10", "/savings/p10", "/savings/p10_se"),
        ("Savings delivered, P90", "/savings/p90", "/savings/p90_se"),
    ] {
        let cells = md_row(&md, row);
        assert_amount(row, &cells[1], dec(s, value));
        assert_amount(&format!("{row}: standard error"), &cells[2], dec(s, se));
    }
    // Chances with their intervals.
    let cells = md_row(&md, "Chance of an S114-level shortfall");
    let interval = &cells[3];
    let (lo, hi) = interval.split_once(" to ").unwrap();
    let pc = |t: &str| t.trim_end_matches('%').parse::<f64>().unwrap() / 100.0;
    assert!((pc(lo) - dec(s, "/s114/probability/ci95_low")).abs() < 0.0005);
    assert!((pc(hi) - dec(s, "/s114/probability/ci95_high")).abs() < 0.0005);
    // The shortfall's P99 with its order-statistic interval, from percentiles[98].
    let cells = md_row(&md, "Shortfall P99 (reserves covering 99% of years)");
    let (lo, hi) = cells[3].split_once(" to ").unwrap();
    assert_amount("P99 low", lo, dec(s, "/percentiles/98/shortfall_ci95_low"));
    assert_amount(
        "P99 high",
        hi,
        dec(s, "/percentiles/98/shortfall_ci95_high"),
    );

    // Each line's expected outturn, and each saving's expectation, with its ± column.
    let table = md_table(&md, "Spending line");
    assert_eq!(table.len(), s["lines"].as_array().unwrap().len());
    for line in s["lines"].as_array().unwrap() {
        let cells = table
            .iter()
            .find(|r| r[0] == line["label"].as_str().unwrap())
            .unwrap();
        assert_amount(
            "expected outturn",
            &format!("£{}m", cells[2]),
            num(line, "/expected"),
        );
        assert_amount(
            "its ±",
            &format!("£{}m", cells[3]),
            num(line, "/expected_se"),
        );
    }
    let table = md_table(&md, "Saving");
    for saving in s["savings"]["by_saving"].as_array().unwrap() {
        let cells = table
            .iter()
            .find(|r| r[0] == saving["label"].as_str().unwrap())
            .unwrap();
        assert_amount(
            "expected",
            &format!("£{}m", cells[2]),
            num(saving, "/expected"),
        );
        assert_amount(
            "its ±",
            &format!("£{}m", cells[3]),
            num(saving, "/expected_se"),
        );
    }
    // Achieved correlations beside their targets, with their standard errors.
    let labels: std::collections::HashMap<String, String> = s["sensitivity"]["drivers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap().to_string(),
                d["label"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let rows = md_rows(&md);
    let pairs = s["correlation"]["pairs"].as_array().unwrap();
    assert!(pairs.len() > 10);
    for p in pairs {
        let (a, b) = (
            &labels[p["a"].as_str().unwrap()],
            &labels[p["b"].as_str().unwrap()],
        );
        let row = rows
            .iter()
            .find(|r| r.len() == 5 && &r[0] == a && &r[1] == b)
            .unwrap_or_else(|| panic!("no correlation row for {a} / {b}"));
        assert_eq!(
            row[2],
            p["set_by"].as_str().unwrap(),
            "set by its entry's label"
        );
        assert!((row[3].parse::<f64>().unwrap() - num(p, "/target")).abs() < 5e-4);
        let (achieved, se) = row[4]
            .split_once(" ± ")
            .unwrap_or_else(|| panic!("no standard error in {row:?}"));
        let achieved: f64 = achieved.parse().unwrap();
        let se_shown: f64 = se.parse().unwrap();
        let se_true = num(p, "/achieved_se");
        assert!((achieved - num(p, "/achieved")).abs() <= se_true, "{row:?}");
        assert!((se_shown - se_true).abs() <= 0.05 * se_true, "{row:?}");
    }
    // What an S114-level year looks like: each figure is an average over breach years.
    let tail: Vec<&str> = md
        .lines()
        .skip_while(|l| !l.starts_with("## What an S114-level year"))
        .take_while(|l| !l.starts_with("Where the money goes"))
        .filter(|l| l.starts_with("- "))
        .collect();
    assert!(!tail.is_empty());
    for line in &tail {
        assert!(
            line.contains("in breach years") || line.contains("of breach years"),
            "{line}"
        );
    }
    let first = &s["tail"]["drivers"][0];
    let expected = format!(
        "- {}: averages {:.1}% in breach years ({:.1}% over all years)",
        first["label"].as_str().unwrap(),
        100.0 * num(first, "/breach_mean"),
        100.0 * num(first, "/mean")
    );
    assert!(md.contains(&expected), "{expected}");
    assert!(r.stdout.contains(&expected[2..]), "{}", r.stdout);
}

#[test]
fn reserves_are_stated_as_a_share_of_the_net_budget() {
    let text = std::fs::read_to_string(fixture("normal-sum.toml"))
        .unwrap()
        .replace("net_budget = 600", "net_budget = 200");
    let (_keep, model) = model_file(&text);
    let r = run(Some(&model), &["--iterations", "30000"]);
    let s = &r.summary;
    assert_eq!(dec(s, "/model/net_budget"), 200.0);
    let md = read(&r.dir, "report.md");
    assert!(
        md.contains("Usable reserves of £15.0m are 7.5% of the net revenue budget of £200.0m."),
        "{md}"
    );
    assert!(
        r.stdout
            .contains("usable reserves of £15.0m (7.5% of the net revenue budget; from the model)"),
        "{}",
        r.stdout
    );
    // The mean gap and the reserves that would cover 95% of years, as shares.
    let share = |x: f64| format!("{:.1}%", 100.0 * x / 200.0);
    let mean = dec(s, "/gap/mean");
    assert!(
        md.contains(&format!(
            "({} of the net revenue budget), the mean",
            share(mean)
        )),
        "{md}"
    );
    let p95 = s["shortfall"]["percentiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["p"] == 95)
        .unwrap()["value"]
        .as_f64()
        .unwrap();
    let up = (p95 * 10.0).ceil() / 10.0;
    assert!(
        md.contains(&format!(
            "usable reserves of £{up:.1}m ({} of the net revenue budget) would cover it in 95%",
            share(p95)
        )),
        "{md}"
    );
    // Without a net budget, no share is invented.
    let text = std::fs::read_to_string(fixture("normal-sum.toml"))
        .unwrap()
        .replace("net_budget = 600\n", "");
    let (_keep, model) = model_file(&text);
    let r = run(Some(&model), &["--iterations", "20000"]);
    assert!(!read(&r.dir, "report.md").contains("net revenue budget"));
}

/// The tornado's rows, top to bottom: (label, bar length in pixels).
fn tornado_rows(svg: &str) -> Vec<(String, f64)> {
    let mut bars: Vec<(f64, f64)> = Vec::new();
    for rect in svg.split("<rect").skip(1) {
        let tag = &rect[..rect.find('>').unwrap()];
        let get = |n: &str| -> f64 {
            crate::reports::attribute(tag, n)
                .and_then(|v| v.parse().ok())
                .unwrap_or(0.0)
        };
        let fill = crate::reports::attribute(tag, "fill").unwrap_or_default();
        // Bars, not the legend's 20-pixel swatches.
        if (fill == "#E69F00" || fill == "#0072B2") && get("height") > 21.0 {
            let y = get("y");
            match bars.iter_mut().find(|(by, _)| (*by - y).abs() < 2.0) {
                Some(b) => b.1 += get("width"),
                None => bars.push((y, get("width"))),
            }
        }
    }
    bars.sort_by(|a, b| a.0.total_cmp(&b.0));
    let texts = svg_texts(svg);
    // Row names are right-aligned beside the axis, one per bar.
    let mut names: Vec<_> = texts
        .iter()
        .filter(|t| t.anchor == "end" && !t.text.contains('£'))
        .collect();
    names.sort_by(|a, b| a.y.total_cmp(&b.y));
    assert_eq!(names.len(), bars.len(), "{names:?}");
    names
        .iter()
        .zip(&bars)
        .map(|(n, b)| (n.text.clone(), b.1))
        .collect()
}

#[test]
fn the_tornado_is_ordered_by_bar_length_and_says_so() {
    let r = run(None, &["--iterations", "30000"]);
    let svg = read(&r.dir, "tornado.svg");
    let rows = tornado_rows(&svg);
    assert_eq!(rows.len(), 10);
    for pair in rows.windows(2) {
        assert!(pair[0].1 + 1.0 >= pair[1].1, "not longest first: {rows:?}");
    }
    let text = crate::reports::joined(&svg_texts(&svg));
    assert!(text.contains("Longest bar first"), "{text}");
    // The rows are summary.json's factors with the largest swing, largest first.
    let s = &r.summary;
    let mut factors: Vec<(String, f64)> = s["sensitivity"]["factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["label"].as_str().unwrap().to_string(),
                (num(f, "/high_effect") - num(f, "/low_effect")).abs(),
            )
        })
        .collect();
    factors.sort_by(|a, b| b.1.total_cmp(&a.1));
    let expected: Vec<&str> = factors.iter().take(10).map(|f| f.0.as_str()).collect();
    let drawn: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    // Equal swings (to the £100 grid) may come in either order.
    for (i, (d, e)) in drawn.iter().zip(&expected).enumerate() {
        if d != e {
            let swing = |l: &str| factors.iter().find(|f| f.0 == l).unwrap().1;
            assert!(
                (swing(d) - swing(e)).abs() < 0.001,
                "row {i}: {drawn:?} vs {expected:?}"
            );
        }
    }
    // Savings delivery is one bar, not one per saving.
    assert!(
        drawn
            .iter()
            .any(|l| l.starts_with("Savings delivery (8 savings)")),
        "{drawn:?}"
    );
    assert!(
        !drawn.iter().any(|l| l.contains("fraction delivered")),
        "{drawn:?}"
    );
    // The report's caption says how the chart is ordered, and the variance table how it is.
    let md = read(&r.dir, "report.md");
    // The variance table and the terminal show savings delivery even below the top five,
    // in its place by share of the variance.
    let table = md_table(&md, "Driver");
    let shares: Vec<f64> = table
        .iter()
        .map(|r| r[1].trim_end_matches('%').parse().unwrap())
        .collect();
    assert!(shares.windows(2).all(|w| w[0] >= w[1]), "{shares:?}");
    assert!(
        table.iter().any(|r| r[0] == "Savings delivery (8 savings)"),
        "{table:?}"
    );
    assert!(
        r.stdout.contains(". Savings delivery (8 savings)"),
        "{}",
        r.stdout
    );
    assert!(md.contains("longest first"), "caption");
    assert!(md.contains("with the largest share of the variance of the gap, largest first"));
}

#[test]
fn savings_delivery_is_one_factor_in_the_variance_table() {
    // Only savings vary: the programme is the one factor, with its drivers as members.
    let r = run(
        Some(&fixture("bernoulli-savings.toml")),
        &["--iterations", "30000"],
    );
    let s = &r.summary;
    let factor = &s["sensitivity"]["factors"][0];
    assert_eq!(factor["name"], "[savings]");
    let md = read(&r.dir, "report.md");
    let row = md_row(&md, "Savings delivery (3 savings)");
    let share: f64 = row[1].trim_end_matches('%').parse().unwrap();
    assert!((share - 100.0 * num(factor, "/contribution")).abs() <= 0.05 + 1e-9);
    assert!(
        !md.contains("| small — chance it happens"),
        "members are not ranked apart"
    );
    assert!(md.contains("is the savings programme taken as one factor: the 3 drivers"));
    assert!(
        r.stdout.contains("1. Savings delivery (3 savings)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("(the savings programme's delivery counted as one)")
    );
    let rows = tornado_rows(&read(&r.dir, "tornado.svg"));
    assert_eq!(rows.len(), 1, "{rows:?}");
}

#[test]
fn a_chart_never_labels_a_small_amount_as_zero() {
    // Kent's funding comes in a few thousand pounds above budget on average: the waterfall
    // once labelled that step "£0".
    let r = run(None, &["--iterations", "30000"]);
    let funding: f64 = r.summary["funding"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| num(f, "/budget") - num(f, "/expected"))
        .sum();
    assert!(funding != 0.0 && funding.abs() < 0.05, "{funding}");
    let texts = svg_texts(&read(&r.dir, "waterfall.svg"));
    let row = texts
        .iter()
        .find(|t| t.text == "Funding below budget")
        .expect("the funding step");
    let value = texts
        .iter()
        .filter(|t| (t.y - row.y).abs() < 2.0 && t.text.contains('£'))
        .map(|t| t.text.clone())
        .next()
        .expect("its value");
    assert_ne!(value, "£0");
    assert_amount("funding step", &value, funding);
}

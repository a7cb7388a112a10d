//! A portfolio's `portfolio.json`, `portfolio.csv` and the ranked table on the terminal.
//! Each a pure function of the [`Portfolio`]; the workbook is [`super::xlsx::portfolio`],
//! the chart [`crate::chart::render_portfolio`].

use std::fmt::Write as _;

use rust_decimal::Decimal;

use crate::format::{money, percent_interval};
use crate::stats::portfolio::{Council, Portfolio};

/// The portfolio as pretty-printed JSON, ending in a newline.
pub fn json(p: &Portfolio) -> Vec<u8> {
    // Plain data with string keys cannot fail to serialise.
    let mut out = serde_json::to_vec_pretty(p).unwrap_or_default();
    out.push(b'\n');
    out
}

/// Reads portfolio.json back.
///
/// # Errors
/// When the bytes are not a portfolio written by this version of gapsim.
pub fn parse(bytes: &[u8]) -> Result<Portfolio, serde_json::Error> {
    serde_json::from_slice(bytes)
}

/// The columns of portfolio.csv, in order.
pub const CSV_HEADER: [&str; 17] = [
    "rank",
    "council",
    "model",
    "file",
    "year",
    "net_budget_gbp_m",
    "median_gap_gbp_m",
    "p90_gap_gbp_m",
    "p_drawing_on_reserves",
    "p_s114",
    "p_s114_ci95_low",
    "p_s114_ci95_high",
    "reserves_needed_95_gbp_m",
    "reserves_held_gbp_m",
    "reserves_cover",
    "status",
    "run_folder",
];

/// A text cell, quoted when it holds a comma, a quote or a line break (RFC 4180).
fn text(t: &str) -> String {
    if t.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", t.replace('"', "\"\""))
    } else {
        t.to_string()
    }
}

fn decimal(d: Option<Decimal>) -> String {
    d.map_or_else(String::new, |d| d.to_string())
}

/// A chance: the shortest text that reads back as the same number.
fn chance(x: Option<f64>) -> String {
    x.filter(|x| x.is_finite())
        .map_or_else(String::new, |x| x.to_string())
}

/// portfolio.csv: the header, then a row per council in rank order, money in £m exactly as
/// portfolio.json holds it, chances as shares; a failed model's figures are empty.
pub fn csv(p: &Portfolio) -> Vec<u8> {
    let mut out = CSV_HEADER.join(",");
    out.push('\n');
    for c in &p.councils {
        let row = [
            c.rank.map_or_else(String::new, |r| r.to_string()),
            text(&c.council),
            text(&c.model),
            text(&c.file),
            text(&c.year),
            decimal(c.net_budget),
            decimal(c.median_gap),
            decimal(c.p90_gap),
            chance(c.p_drawing_on_reserves),
            chance(c.p_s114),
            chance(c.p_s114_ci95_low),
            chance(c.p_s114_ci95_high),
            decimal(c.reserves_needed_95),
            decimal(c.reserves_held),
            decimal(c.reserves_cover),
            text(&c.status),
            text(c.run_folder.as_deref().unwrap_or("")),
        ];
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out.into_bytes()
}

/// The ranked table for a person: the `limit` councils most at risk, then every model
/// that failed, and a line saying how many there are.
pub fn terminal(p: &Portfolio, limit: usize) -> String {
    let mut out = format!(
        "Portfolio of {} model{}, ranked by the chance of an S114-level year\n",
        p.models,
        if p.models == 1 { "" } else { "s" }
    );
    let _ = writeln!(
        out,
        "  {:>4}  {:<30} {:>10} {:>10} {:>22} {:>10} {:>10} {:>6}",
        "rank",
        "council",
        "net budget",
        "P90 gap",
        "P(S114-level), 95% CI",
        "needed 95%",
        "held",
        "cover"
    );
    let ran: Vec<&Council> = p.councils.iter().filter(|c| c.ran()).collect();
    for (c, name) in ran.iter().zip(p.names()).take(limit) {
        let [e, lo, hi] = percent_interval(
            c.p_s114.unwrap_or(0.0),
            c.p_s114_ci95_low.unwrap_or(0.0),
            c.p_s114_ci95_high.unwrap_or(0.0),
        );
        let m = |d: Option<Decimal>| d.map_or_else(|| "—".into(), |d| money(d, "£m"));
        let name: String = name.chars().take(30).collect();
        let _ = writeln!(
            out,
            "  {:>4}  {name:<30} {:>10} {:>10} {:>22} {:>10} {:>10} {:>6}",
            c.rank.unwrap_or(0),
            m(c.net_budget),
            m(c.p90_gap),
            format!("{e} ({lo}-{hi})"),
            m(c.reserves_needed_95),
            m(c.reserves_held),
            c.reserves_cover
                .map_or_else(|| "—".into(), |x| format!("{x:.2}")),
        );
    }
    if ran.len() > limit {
        let _ = writeln!(out, "  … and {} more in portfolio.csv", ran.len() - limit);
    }
    for c in p.councils.iter().filter(|c| !c.ran()) {
        let _ = writeln!(out, "  {}: {}", c.file, c.status);
    }
    let below = ran
        .iter()
        .filter(|c| c.reserves_cover.is_some_and(|x| x < Decimal::ONE))
        .count();
    let _ = writeln!(
        out,
        "{below} of {} councils hold less than the reserves they need for 95% confidence \
         (cover below 1).",
        ran.len()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::fixture;
    use crate::stats::portfolio::Settings;

    fn portfolio() -> Portfolio {
        let (_, s) = fixture::kent_as_run();
        let mut odd = Council::from_summary(s, "odd, \"name\".toml", "runs/odd").unwrap();
        odd.council = "Kent, \"the Garden of England\"".into();
        let rows = vec![
            Council::from_summary(s, "kent.toml", "runs/kent").unwrap(),
            odd,
            Council::failed("bad.toml", "bad.toml:1:1: not valid TOML"),
        ];
        Portfolio::new(
            Settings {
                program: "gapsim test".into(),
                seed: 2024,
                iterations: 20_000,
                sampling: "mc".into(),
            },
            rows,
        )
    }

    #[test]
    fn the_json_reads_back_as_the_portfolio() {
        let p = portfolio();
        assert_eq!(parse(&json(&p)).unwrap(), p);
    }

    #[test]
    fn the_csv_has_a_row_per_council_and_quotes_what_needs_it() {
        let p = portfolio();
        let text = String::from_utf8(csv(&p)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0], CSV_HEADER.join(","));
        assert!(
            text.contains("\"Kent, \"\"the Garden of England\"\"\""),
            "{text}"
        );
        let failed = lines[3];
        assert!(
            failed.starts_with(",,,bad.toml,,,,,,,,,,,,failed: bad.toml:1:1"),
            "{failed}"
        );
        let kent = p.councils.iter().find(|c| c.file == "kent.toml").unwrap();
        assert!(text.contains(&kent.p_s114.unwrap().to_string()));
        assert!(text.contains(&kent.reserves_needed_95.unwrap().to_string()));
    }

    #[test]
    fn the_terminal_table_lists_the_ranked_and_the_failed() {
        let t = terminal(&portfolio(), 10);
        assert!(t.contains("Portfolio of 3 models"), "{t}");
        assert!(t.contains("Kent County Council"), "{t}");
        assert!(t.contains("bad.toml: failed: bad.toml:1:1"), "{t}");
        assert!(t.contains("of 2 councils hold less"), "{t}");
        let short = terminal(&portfolio(), 1);
        assert!(short.contains("… and 1 more in portfolio.csv"), "{short}");
    }
}

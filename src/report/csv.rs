//! The run folder's tables: `percentiles.csv` (P1 … P99 of the gap and of the shortfall
//! after mitigation, each with its distribution-free 95% interval: how precisely the
//! simulation has pinned it down), `years.csv` (each year of a plan of several) and
//! `reserves.csv` (the reserves needed at each confidence, and the curve). Each is drawn
//! from the summary alone, so `gapsim report` can check it against summary.json.

use std::fmt::Write as _;

use rust_decimal::Decimal;

use crate::stats::Summary;

/// The percentile table as CSV, one row per percentile, amounts in the model's unit.
pub fn percentiles(summary: &Summary) -> Vec<u8> {
    let unit = if summary.model.unit == "£m" {
        "gbp_m"
    } else {
        "gbp"
    };
    let mut out = format!(
        "percentile,gap_{unit},shortfall_after_mitigation_{unit},gap_ci95_low,gap_ci95_high,\
         shortfall_ci95_low,shortfall_ci95_high\n"
    );
    for r in &summary.percentiles {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{}",
            r.p,
            r.gap,
            r.shortfall,
            r.gap_ci95_low,
            r.gap_ci95_high,
            r.shortfall_ci95_low,
            r.shortfall_ci95_high
        );
    }
    out.into_bytes()
}

/// The unit as CSV headers write it: `gbp_m` or `gbp`.
fn unit_tag(summary: &Summary) -> &'static str {
    if summary.model.unit == "£m" {
        "gbp_m"
    } else {
        "gbp"
    }
}

/// A decimal cell, or an empty one.
fn cell(value: Option<Decimal>) -> String {
    value.map_or_else(String::new, |d| d.to_string())
}

/// A chance as a CSV cell: the shortest text that reads back as the same number (summary
/// figures are always finite; anything else would be written empty, never as NaN).
fn chance(x: f64) -> String {
    if x.is_finite() {
        x.to_string()
    } else {
        String::new()
    }
}

/// The quantities of each year in `years.csv`, in column order.
const YEAR_SPREADS: [&str; 3] = ["gap", "shortfall", "reserves_end"];
/// The chances of each year, in column order.
const YEAR_CHANCES: [&str; 4] = [
    "p_drawing_on_reserves",
    "p_s114_in_year",
    "p_first_s114_year",
    "p_s114_by_year_end",
];

/// `years.csv`, for a model of several years: one row per year with its net budget, the
/// planned movement in reserves, the mean and P5 … P95 of the gap, the shortfall after
/// mitigation and usable reserves at the year's end (each percentile with its
/// distribution-free 95% interval), and the chance of drawing on reserves, of an
/// S114-level year, that it is the first, and of one by its end (each with its exact 95%
/// interval). `None` for one year.
pub fn years(summary: &Summary) -> Option<Vec<u8>> {
    let m = summary.medium_term.as_ref()?;
    let unit = unit_tag(summary);
    let percentiles = crate::stats::HEADLINE_PERCENTILES;
    let mut header = vec![
        "year".to_string(),
        format!("net_budget_{unit}"),
        format!("planned_reserves_{unit}"),
    ];
    for q in YEAR_SPREADS {
        header.push(format!("{q}_mean_{unit}"));
        for p in percentiles {
            header.push(format!("{q}_p{p}_{unit}"));
            header.push(format!("{q}_p{p}_ci95_low"));
            header.push(format!("{q}_p{p}_ci95_high"));
        }
    }
    for c in YEAR_CHANCES {
        header.push(c.to_string());
        header.push(format!("{c}_ci95_low"));
        header.push(format!("{c}_ci95_high"));
    }
    let mut out = header.join(",");
    out.push('\n');
    for y in &m.years {
        let mut row = vec![
            field(&y.year),
            cell(y.net_budget),
            y.planned_reserves.to_string(),
        ];
        for spread in [&y.gap, &y.shortfall, &y.balance] {
            row.push(spread.mean.to_string());
            for p in percentiles {
                match spread.percentiles.iter().find(|q| q.p == p) {
                    Some(q) => row.extend([
                        q.value.to_string(),
                        q.ci95_low.to_string(),
                        q.ci95_high.to_string(),
                    ]),
                    None => row.extend([String::new(), String::new(), String::new()]),
                }
            }
        }
        for p in [
            &y.p_drawing_on_reserves,
            &y.s114,
            &y.first_breach,
            &y.s114_by_now,
        ] {
            row.extend([chance(p.estimate), chance(p.ci95_low), chance(p.ci95_high)]);
        }
        out.push_str(&row.join(","));
        out.push('\n');
    }
    Some(out.into_bytes())
}

/// `reserves.csv`, for a summary that has the reserves question: a row per confidence
/// level (`level`: the opening usable reserves needed, its 95% interval and its share of
/// the net budget), the reserves held (`held`, with the chance of no S114-level year over
/// the period they give) and the policy floor (`floor`) when the model states one, then
/// the curve (`curve`: each reserves level and the chance of no S114-level year with it).
/// `None` without it.
pub fn reserves(summary: &Summary) -> Option<Vec<u8>> {
    let r = summary.reserves_needed.as_ref()?;
    let unit = unit_tag(summary);
    let mut out = format!(
        "kind,confidence_percent,reserves_{unit},ci95_low,ci95_high,share_of_net_budget,p_clear\n"
    );
    let share = |x: Option<f64>| x.map_or_else(String::new, chance);
    for l in &r.levels {
        let _ = writeln!(
            out,
            "level,{},{},{},{},{},",
            l.confidence,
            l.amount,
            l.ci95_low,
            l.ci95_high,
            share(l.share_of_net_budget)
        );
    }
    let breach = summary
        .medium_term
        .as_ref()
        .map_or(&summary.s114.probability, |m| &m.s114_any_year);
    let _ = writeln!(
        out,
        "held,,{},,,{},{}",
        r.own,
        share(r.own_share_of_net_budget),
        chance(1.0 - breach.estimate)
    );
    if r.floor.is_some() || r.floor_share.is_some() {
        let _ = writeln!(out, "floor,,{},,,{},", cell(r.floor), cell(r.floor_share));
    }
    for c in &r.curve {
        let _ = writeln!(out, "curve,,{},,,,{}", c.reserves, chance(c.p_clear));
    }
    Some(out.into_bytes())
}

/// A text field, quoted when it holds a comma, a quote or a line break.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The data files of a run folder beside summary.json, drawn from it alone: always
/// `percentiles.csv`; `reserves.csv` when the summary has the reserves question;
/// `years.csv` for a model of several years.
pub fn data_files(summary: &Summary) -> Vec<(&'static str, Vec<u8>)> {
    let mut out = vec![("percentiles.csv", percentiles(summary))];
    if let Some(bytes) = years(summary) {
        out.push(("years.csv", bytes));
    }
    if let Some(bytes) = reserves(summary) {
        out.push(("reserves.csv", bytes));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::fixture;

    fn rows(bytes: &[u8]) -> Vec<Vec<String>> {
        String::from_utf8(bytes.to_vec())
            .unwrap()
            .lines()
            .map(|l| l.split(',').map(String::from).collect())
            .collect()
    }

    #[test]
    fn years_csv_has_a_row_per_year_and_every_figure_with_its_interval() {
        let s = fixture::multi_year();
        let table = rows(&years(&s).unwrap());
        let header = &table[0];
        assert_eq!(table.len(), 4, "a header and three years");
        assert_eq!(header.len(), 3 + 3 * (1 + 7 * 3) + 4 * 3);
        assert!(table.iter().all(|r| r.len() == header.len()));
        assert_eq!(
            header[..7],
            [
                "year",
                "net_budget_gbp_m",
                "planned_reserves_gbp_m",
                "gap_mean_gbp_m",
                "gap_p5_gbp_m",
                "gap_p5_ci95_low",
                "gap_p5_ci95_high"
            ]
        );
        let col = |name: &str| header.iter().position(|h| h == name).expect(name);
        let last = &table[3];
        assert_eq!(last[col("year")], "2026/27");
        assert_eq!(last[col("planned_reserves_gbp_m")], "-5");
        assert_eq!(last[col("reserves_end_p5_gbp_m")], "-25");
        assert_eq!(last[col("reserves_end_p5_ci95_low")], "-25.5");
        assert_eq!(last[col("gap_p90_gbp_m")], "95");
        assert_eq!(last[col("p_s114_by_year_end")], "0.115");
        assert_eq!(last[col("p_first_s114_year_ci95_high")], "0.086");
        assert_eq!(table[2][col("p_drawing_on_reserves")], "0.68");
        assert!(
            !String::from_utf8(years(&s).unwrap())
                .unwrap()
                .contains("NaN")
        );
        assert_eq!(years(&fixture::one_year()), None);
    }

    #[test]
    fn reserves_csv_has_the_levels_the_reserves_held_the_floor_and_the_curve() {
        let s = fixture::multi_year();
        let table = rows(&reserves(&s).unwrap());
        assert_eq!(
            table[0],
            [
                "kind",
                "confidence_percent",
                "reserves_gbp_m",
                "ci95_low",
                "ci95_high",
                "share_of_net_budget",
                "p_clear"
            ]
        );
        let levels: Vec<(&str, &str)> = table
            .iter()
            .filter(|r| r[0] == "level")
            .map(|r| (r[1].as_str(), r[2].as_str()))
            .collect();
        assert_eq!(
            levels,
            [
                ("80", "54.8"),
                ("90", "80.1"),
                ("95", "105.4"),
                ("99", "164.1")
            ]
        );
        let level95 = table
            .iter()
            .find(|r| r[0] == "level" && r[1] == "95")
            .unwrap();
        assert_eq!(level95[3..5], ["102.9", "108.1"]);
        let held = table.iter().find(|r| r[0] == "held").unwrap();
        assert_eq!(held[2], "75");
        assert_eq!(held[6], "0.885");
        let floor = table.iter().find(|r| r[0] == "floor").unwrap();
        assert_eq!(floor[2..6], ["71.45", "", "", "0.05"]);
        assert_eq!(table.iter().filter(|r| r[0] == "curve").count(), 100);
        assert!(table.iter().all(|r| r.len() == 7));
        assert_eq!(reserves(&fixture::kent().1), None);
    }

    #[test]
    fn a_one_year_run_writes_percentiles_csv_as_before_and_no_years_csv() {
        let before = data_files(&fixture::kent().1);
        let names: Vec<&str> = before.iter().map(|f| f.0).collect();
        assert_eq!(names, ["percentiles.csv"]);
        let after = data_files(&fixture::one_year());
        let names: Vec<&str> = after.iter().map(|f| f.0).collect();
        assert_eq!(names, ["percentiles.csv", "reserves.csv"]);
        assert_eq!(after[0], before[0]);
        let names: Vec<&str> = data_files(&fixture::multi_year())
            .iter()
            .map(|f| f.0)
            .collect();
        assert_eq!(names, ["percentiles.csv", "years.csv", "reserves.csv"]);
    }
}

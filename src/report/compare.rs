//! A comparison of budgets for people and programs: `comparison.json`, `comparison.csv`,
//! the terminal table, and the committee report (blocks that `html` and `markdown` render).
//!
//! Every number comes from the [`Comparison`] and is formatted with [`crate::format`];
//! differences of chances are in percentage points, with the decimals their interval
//! needs to be told apart.

use std::fmt::Write as _;

use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;

use super::date::Date;
use super::document::Block;
use crate::chart::Chart;
use crate::format::{amount, count, money, percent, signed_money};
use crate::stats::Comparison;
use crate::stats::compare_types::{
    ChanceDifference, Differences, MoneyDifference, VarianceReduction,
};

/// The comparison as pretty-printed JSON, ending in a newline.
pub fn serialize(c: &Comparison) -> Vec<u8> {
    // Serialising plain data with string keys cannot fail.
    let mut out = serde_json::to_vec_pretty(c).unwrap_or_default();
    out.push(b'\n');
    out
}

/// Reads a comparison back.
///
/// # Errors
/// When the bytes are not a comparison written by this version of gapsim.
pub fn parse(bytes: &[u8]) -> Result<Comparison, serde_json::Error> {
    serde_json::from_slice(bytes)
}

/// One compared figure as the tables show it, whatever its kind.
struct Row {
    /// Its key: `mean_gap`, `gap_p50`, `p_s114`, …, `mean_gap@2025/26` for a year's.
    figure: String,
    /// In words.
    words: String,
    /// The base's value, the other's, the difference, paired SE, low, high, independent
    /// SE: exact text for the CSV.
    exact: [String; 7],
    /// The same for people.
    shown: [String; 7],
    reduction: Option<VarianceReduction>,
}

fn exact_cell(d: Option<Decimal>) -> String {
    d.map_or_else(String::new, |d| d.normalize().to_string())
}

/// A chance (or its difference, error or bound) to 12 decimal places, trailing zeros
/// dropped: far finer than one simulated year in 10^9, and free of the last-bit noise of
/// a subtraction (0.16145, not 0.16144999999999998).
fn chance_cell(x: Option<f64>) -> String {
    x.filter(|x| x.is_finite()).map_or_else(String::new, |x| {
        let text = format!("{:.12}", x + 0.0);
        let text = text.trim_end_matches('0').trim_end_matches('.');
        match text {
            "-0" | "" => "0".to_string(),
            t => t.to_string(),
        }
    })
}

/// A signed amount of money, zero unsigned.
fn signed(d: Decimal, unit: &str) -> String {
    if d.is_zero() {
        money(d, unit)
    } else {
        signed_money(d, unit)
    }
}

/// Percentage points from a share, with `dp` decimals, signed, zero unsigned.
fn points(x: f64, dp: u32) -> String {
    let d = Decimal::from_f64(x * 100.0).unwrap_or(Decimal::ZERO);
    let text = amount(d, dp);
    if text.starts_with('-') || text.chars().all(|c| !c.is_ascii_digit() || c == '0') {
        text
    } else {
        format!("+{text}")
    }
}

/// A difference of chances and its interval in points, with the decimals needed to tell
/// them apart: one, and more while the interval is narrower than two units of the last
/// digit, up to three.
fn points_interval(d: &ChanceDifference) -> [String; 3] {
    let (lo, hi) = (
        d.ci95_low.unwrap_or(d.difference),
        d.ci95_high.unwrap_or(d.difference),
    );
    let mut dp = 1;
    while dp < 3 && hi > lo && (hi - lo) * 100.0 < 2.0 * 10f64.powi(-(dp as i32)) {
        dp += 1;
    }
    [points(d.difference, dp), points(lo, dp), points(hi, dp)]
}

fn money_row(words: &str, figure: String, d: &MoneyDifference, unit: &str) -> Row {
    let se = |x: Option<Decimal>| {
        x.map_or_else(|| "—".into(), |v| crate::format::money_figures(v, unit, 2))
    };
    let end = |x: Option<Decimal>| x.map_or_else(|| "—".into(), |v| signed(v, unit));
    Row {
        figure,
        words: words.into(),
        exact: [
            exact_cell(Some(d.base)),
            exact_cell(Some(d.other)),
            exact_cell(Some(d.difference)),
            exact_cell(d.se_paired),
            exact_cell(d.ci95_low),
            exact_cell(d.ci95_high),
            exact_cell(d.se_independent),
        ],
        shown: [
            money(d.base, unit),
            money(d.other, unit),
            signed(d.difference, unit),
            se(d.se_paired),
            end(d.ci95_low),
            end(d.ci95_high),
            se(d.se_independent),
        ],
        reduction: d.variance_reduction,
    }
}

fn chance_row(words: &str, figure: String, d: &ChanceDifference) -> Row {
    let [diff, lo, hi] = points_interval(d);
    let has = d.ci95_low.is_some();
    let se = |x: Option<f64>| {
        x.map_or_else(
            || "—".into(),
            |v| format!("{} points", crate::format::figures_f64(v * 100.0, 2)),
        )
    };
    Row {
        figure,
        words: words.into(),
        exact: [
            chance_cell(Some(d.base)),
            chance_cell(Some(d.other)),
            chance_cell(Some(d.difference)),
            chance_cell(d.se_paired),
            chance_cell(d.ci95_low),
            chance_cell(d.ci95_high),
            chance_cell(d.se_independent),
        ],
        shown: [
            percent(d.base),
            percent(d.other),
            format!("{diff} points"),
            se(d.se_paired),
            if has { lo } else { "—".into() },
            if has { hi } else { "—".into() },
            se(d.se_independent),
        ],
        reduction: d.variance_reduction,
    }
}

/// The name of the chance of an S114-level shortfall: over the horizon for a plan.
fn s114_words(c: &Comparison) -> String {
    if c.run.years.len() > 1 {
        format!(
            "P(S114-level year, {})",
            crate::stats::medium::period(&c.run.years)
        )
    } else {
        "P(S114-level)".into()
    }
}

/// Every compared figure of one model, in table order.
fn rows(c: &Comparison, d: &Differences) -> Vec<Row> {
    let unit = c.run.unit.as_str();
    let mut out = vec![money_row("mean gap", "mean_gap".into(), &d.mean_gap, unit)];
    for m in &d.gap_percentiles {
        let p = m.figure.trim_start_matches("gap_p");
        out.push(money_row(&format!("gap P{p}"), m.figure.clone(), m, unit));
    }
    out.push(chance_row(
        "P(drawing on reserves)",
        "p_drawing".into(),
        &d.p_drawing,
    ));
    out.push(chance_row(&s114_words(c), "p_s114".into(), &d.p_s114));
    for m in &d.reserves_needed {
        let conf = m.figure.trim_start_matches("reserves_needed_");
        out.push(money_row(
            &format!("reserves needed, {conf}%"),
            m.figure.clone(),
            m,
            unit,
        ));
    }
    for y in &d.years {
        let at = |f: &str| format!("{f}@{}", y.year);
        out.push(money_row(
            &format!("{}: mean gap", y.year),
            at("mean_gap"),
            &y.mean_gap,
            unit,
        ));
        out.push(chance_row(
            &format!("{}: P(S114-level in the year)", y.year),
            at("p_s114_in_year"),
            &y.p_s114_in_year,
        ));
        out.push(chance_row(
            &format!("{}: P(S114-level by its end)", y.year),
            at("p_s114_by_year"),
            &y.p_s114_by_year,
        ));
    }
    out
}

/// The variance reduction for a CSV cell: a number, `exact`, or empty.
fn reduction_cell(r: Option<VarianceReduction>) -> String {
    match r {
        Some(VarianceReduction::Exact) => "exact".into(),
        Some(VarianceReduction::Factor(f)) if f.is_finite() => f.to_string(),
        _ => String::new(),
    }
}

/// The variance reduction for people: "25 times smaller", "exact".
fn reduction_words(r: Option<VarianceReduction>) -> String {
    match r {
        Some(VarianceReduction::Exact) => "exact".into(),
        Some(VarianceReduction::Factor(f)) if f >= 1e6 => "> 1,000,000×".into(),
        Some(VarianceReduction::Factor(f)) if f.is_finite() => {
            format!("{}×", crate::format::figures_f64(f, 2))
        }
        _ => "—".into(),
    }
}

/// A CSV field, quoted when it holds a comma or a quote.
fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// `comparison.csv`: one row per model and figure. The base's rows hold its value only;
/// each other model's hold its value, its difference from the base, the paired standard
/// error and 95% interval, the independent-runs standard error and the variance
/// reduction. Money in the models' unit, chances as shares.
pub fn csv(c: &Comparison) -> Vec<u8> {
    let mut out = String::from(
        "model,figure,value,difference,se_paired,ci95_low,ci95_high,se_independent,\
         variance_reduction\n",
    );
    for m in &c.models {
        if let Some(central) = &m.central {
            let _ = writeln!(out, "{},central_gap,{},,,,,,", field(&m.label), central.gap);
            let _ = writeln!(
                out,
                "{},central_shortfall,{},,,,,,",
                field(&m.label),
                central.shortfall
            );
        }
    }
    if let Some(first) = c.differences.first() {
        for r in rows(c, first) {
            let _ = writeln!(
                out,
                "{},{},{},,,,,,",
                field(&c.models[0].label),
                field(&r.figure),
                r.exact[0]
            );
        }
    }
    for d in &c.differences {
        for r in rows(c, d) {
            let [_, other, diff, se, lo, hi, ind] = &r.exact;
            let _ = writeln!(
                out,
                "{},{},{other},{diff},{se},{lo},{hi},{ind},{}",
                field(&d.label),
                field(&r.figure),
                reduction_cell(r.reduction)
            );
        }
    }
    out.into_bytes()
}

/// The table printed by `gapsim compare`: each model's headline figures, then each other
/// model's differences from the base with their 95% intervals.
pub fn terminal(c: &Comparison) -> String {
    let unit = c.run.unit.as_str();
    let mut out = format!(
        "Comparison on common random numbers: seed {}, {} of each model, {} sampling\n\n",
        c.run.seed,
        count(c.run.iterations, "simulated year", "simulated years"),
        c.run.sampling
    );
    let stressed = c.models.iter().any(|m| m.central.is_some());
    let _ = writeln!(
        out,
        "  {:<28} {}{:>10} {:>10} {:>10} {:>11} {:>14} {:>13}",
        "model",
        if stressed {
            format!("{:>12} {:>13} ", "central gap", "… shortfall")
        } else {
            String::new()
        },
        "mean gap",
        "P50",
        "P90",
        "P(drawing)",
        "P(S114-level)",
        "reserves 95%"
    );
    for (k, m) in c.models.iter().enumerate() {
        let name = if k == 0 {
            format!("{} (base)", m.label)
        } else {
            m.label.clone()
        };
        let _ = writeln!(
            out,
            "  {:<28} {}{:>10} {:>10} {:>10} {:>11} {:>14} {:>13}",
            shorten(&name, 28),
            match &m.central {
                Some(central) => format!(
                    "{:>12} {:>13} ",
                    money(central.gap, unit),
                    money(central.shortfall, unit)
                ),
                None if stressed => format!("{:>12} {:>13} ", "—", "—"),
                None => String::new(),
            },
            money(m.mean_gap, unit),
            money(m.p50, unit),
            money(m.p90, unit),
            percent(m.p_drawing.estimate),
            percent(m.p_s114.estimate),
            m.reserves_needed_95
                .map_or_else(|| "—".into(), |v| money(v, unit)),
        );
    }
    for d in &c.differences {
        let _ = writeln!(
            out,
            "\n{} against the base (paired; independent runs' SE for comparison)",
            d.label
        );
        let _ = writeln!(
            out,
            "  {:<34} {:>12}  {:>26}  {:>13} {:>13} {:>9}",
            "figure", "difference", "95% interval", "paired SE", "independent", "variance"
        );
        for r in rows(c, d) {
            let [_, _, diff, se, lo, hi, ind] = &r.shown;
            let _ = writeln!(
                out,
                "  {:<34} {:>12}  {:>26}  {:>13} {:>13} {:>9}",
                shorten(&r.words, 34),
                diff,
                format!("{lo} to {hi}"),
                se,
                ind,
                reduction_words(r.reduction)
            );
        }
    }
    out.push_str(
        "\n(Intervals are the simulation's precision only, not the uncertainty in the models' \
         assumptions; variance: how many times smaller the paired variance is than two \
         independent runs'.)\n",
    );
    out
}

/// `text` cut to `width` characters, ending in "…" when cut.
fn shorten(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `text` with its first letter a capital.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// "raises", "lowers" or "leaves", from the sign of a difference.
fn verb(sign: i8) -> &'static str {
    match sign {
        1 => "raises",
        -1 => "lowers",
        _ => "leaves",
    }
}

fn sign_of_decimal(d: Decimal) -> i8 {
    if d.is_zero() {
        0
    } else if d.is_sign_negative() {
        -1
    } else {
        1
    }
}

/// The committee's sentences about one other model.
pub fn sentences(c: &Comparison, d: &Differences) -> Vec<String> {
    let unit = c.run.unit.as_str();
    let mut out = Vec::new();
    let subject = if c.models.iter().any(|m| m.central.is_some()) {
        format!("The stress case \u{201c}{}\u{201d}", d.label)
    } else {
        format!("Adopting {}", d.label)
    };
    let p = &d.p_s114;
    let [diff, lo, hi] = points_interval(p);
    let what = if c.run.years.len() > 1 {
        format!(
            "the chance of an S114-level year {}",
            crate::format::over_period(&crate::stats::medium::period(&c.run.years))
        )
    } else {
        "the chance of an S114-level shortfall".to_string()
    };
    let sign = if diff.starts_with('-') {
        -1
    } else if diff.starts_with('+') {
        1
    } else {
        0
    };
    out.push(change(
        &subject,
        sign,
        &what,
        (&percent(p.base), &percent(p.other)),
        &format!("{diff} points"),
        p.ci95_low.map(|_| (lo, hi)),
    ));
    let money_sentence = |what: &str, m: &MoneyDifference| {
        change(
            &subject,
            sign_of_decimal(m.difference),
            what,
            (&money(m.base, unit), &money(m.other, unit)),
            &signed(m.difference, unit),
            m.ci95_low
                .zip(m.ci95_high)
                .map(|(l, h)| (signed(l, unit), signed(h, unit))),
        )
    };
    if let Some(m) = d.money("reserves_needed_95") {
        out.push(money_sentence(
            "the opening usable reserves needed for 95% confidence of no S114-level year",
            m,
        ));
    }
    out.push(money_sentence(
        &format!(
            "the mean gap in {}",
            c.run.years.first().map_or("the year", String::as_str)
        ),
        &d.mean_gap,
    ));
    out
}

/// "Adopting X lowers WHAT from A to B (difference D, 95% interval L to H)"; `label` is
/// the sentence's subject ("Adopting X", "The stress case “X”").
fn change(
    label: &str,
    sign: i8,
    what: &str,
    (from, to): (&str, &str),
    diff: &str,
    interval: Option<(String, String)>,
) -> String {
    let tail = interval.map_or_else(
        || format!("difference {diff}"),
        |(lo, hi)| format!("difference {diff}, 95% interval {lo} to {hi}"),
    );
    if sign == 0 {
        format!("{label} leaves {what} unchanged at {from} ({tail}).")
    } else {
        format!(
            "{label} {} {what} from {from} to {to} ({tail}).",
            verb(sign)
        )
    }
}

/// What the report's intervals are, said where they are read.
const NOTE: &str = "The intervals are the simulation's precision only: they do not cover \
    the uncertainty in the models' assumptions, which each model's own run report sets out.";

/// The comparison report, dated `date`; `command` reproduces it.
pub fn build(c: &Comparison, date: &Date, command: &str) -> Vec<Block> {
    let base = &c.models[0];
    let stressed = c.models.iter().any(|m| m.central.is_some());
    let title = if stressed {
        "Stress tests"
    } else {
        "Comparing budgets"
    };
    let mut out = vec![
        Block::Heading(1, format!("{title}: {}", base.name)),
        Block::Dateline(format!(
            "Report dated {date}, from {} of each model (seed {}, {}).",
            count(c.run.iterations, "simulated year", "simulated years"),
            c.run.seed,
            c.run.program
        )),
        Block::Paragraph(format!(
            "Each alternative is compared with the base budget, {}. Every model was run on \
             the same random numbers: wherever two models share an uncertain driver, it takes \
             the same values in both, so the differences below reflect the changes made, not \
             the luck of two separate simulations.",
            base.label
        )),
        Block::Heading(2, "What each alternative changes".into()),
    ];
    if stressed {
        out.insert(
            3,
            Block::Paragraph(
                "Each stress case changes the model as its label says. The central outcome \
                 puts every uncertain driver at its mean: the gap a budget built on central \
                 estimates would expect under the stress. The distribution around it, and \
                 the chances, are what the simulation adds."
                    .into(),
            ),
        );
    }
    for d in &c.differences {
        out.push(Block::List(sentences(c, d)));
    }
    out.push(Block::Headline {
        text: "Differences are paired: their 95% intervals are far narrower than those of two \
               separate runs."
            .into(),
        note: NOTE.into(),
    });
    out.push(Block::Figure {
        chart: crate::chart::COMPARE_DISTRIBUTIONS,
        caption: "The shortfall after mitigation in each model (what reserves must meet), with usable reserves marked.".into(),
    });
    out.push(Block::Figure {
        chart: crate::chart::COMPARE_DIFFERENCES,
        caption: "Each alternative's difference from the base, with its paired 95% interval."
            .into(),
    });
    out.push(Block::Heading(2, "Headline figures".into()));
    out.push(headline_table(c));
    for d in &c.differences {
        out.push(Block::Heading(2, format!("{} against the base", d.label)));
        out.push(difference_table(c, d));
    }
    out.push(Block::Heading(2, "Method".into()));
    out.push(Block::Paragraph(format!(
        "{}. Each model ran {} of 10,000 simulated years. The paired standard error is \
         the spread of the batch-by-batch differences; the independent one is what two \
         separate runs of the same length would give; a difference the models' shared \
         random numbers fix completely (a budget line lowered by a set amount moves every \
         simulated gap by exactly that amount) is marked exact.",
        capitalised(&c.run.method),
        count(c.run.batches, "batch", "batches")
    )));
    out.push(Block::Paragraph("To reproduce this comparison:".into()));
    out.push(Block::Code(command.into()));
    out
}

/// The central outcome's cell: the gap, and the shortfall after mitigation when it differs.
fn central_cell(m: &crate::stats::compare_types::ModelFigures, unit: &str) -> String {
    match &m.central {
        Some(c) if c.shortfall != c.gap => format!(
            "{} ({} after mitigation{})",
            money(c.gap, unit),
            money(c.shortfall, unit),
            if c.s114_level { ", S114-level" } else { "" }
        ),
        Some(c) => money(c.gap, unit),
        None => "—".into(),
    }
}

fn headline_table(c: &Comparison) -> Block {
    let unit = c.run.unit.as_str();
    let stressed = c.models.iter().any(|m| m.central.is_some());
    let rows = c
        .models
        .iter()
        .enumerate()
        .map(|(k, m)| {
            let [p, lo, hi] = crate::format::percent_interval(
                m.p_s114.estimate,
                m.p_s114.ci95_low,
                m.p_s114.ci95_high,
            );
            let mut row = vec![
                if k == 0 {
                    format!("{} (base)", m.label)
                } else {
                    m.label.clone()
                },
                money(m.mean_gap, unit),
                money(m.p50, unit),
                money(m.p90, unit),
                percent(m.p_drawing.estimate),
                format!("{p} ({lo} to {hi})"),
                m.reserves_needed_95
                    .map_or_else(|| "—".into(), |v| money(v, unit)),
                money(m.reserves, unit),
            ];
            if stressed {
                row.insert(1, central_cell(m, unit));
            }
            row
        })
        .collect();
    let mut header: Vec<String> = [
        "Model",
        "Mean gap",
        "P50",
        "P90",
        "P(drawing)",
        "P(S114-level) (95% interval)",
        "Reserves needed, 95%",
        "Usable reserves",
    ]
    .map(String::from)
    .to_vec();
    let mut numeric = vec![false, true, true, true, true, true, true, true];
    if stressed {
        header.insert(1, "Central gap (drivers at their means)".into());
        numeric.insert(1, true);
    }
    Block::Table {
        header,
        rows,
        numeric,
    }
}

fn difference_table(c: &Comparison, d: &Differences) -> Block {
    let rows = rows(c, d)
        .into_iter()
        .map(|r| {
            let [base, other, diff, se, lo, hi, ind] = r.shown;
            vec![
                r.words,
                base,
                other,
                diff,
                format!("{lo} to {hi}"),
                se,
                ind,
                reduction_words(r.reduction),
            ]
        })
        .collect();
    Block::Table {
        header: [
            "Figure",
            "Base",
            "This model",
            "Difference",
            "95% interval",
            "Paired SE",
            "Independent SE",
            "Variance reduction",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        numeric: vec![false, true, true, true, true, true, true, true],
    }
}

/// `report.html`, `report.md` and the charts' PNG and SVG files.
pub fn report_files(
    c: &Comparison,
    charts: &[Chart],
    date: &Date,
    command: &str,
) -> Vec<(String, Vec<u8>)> {
    let blocks = build(c, date, command);
    let title = format!("Comparing budgets: {}", c.models[0].name);
    let names: Vec<&str> = charts.iter().map(|ch| ch.name).collect();
    let mut out = vec![
        (
            "report.html".to_string(),
            super::html::render(&title, date, &blocks, charts).into_bytes(),
        ),
        (
            "report.md".to_string(),
            super::markdown::render(&blocks, &names).into_bytes(),
        ),
    ];
    for ch in charts {
        out.push((format!("{}.png", ch.name), ch.png.clone()));
        out.push((format!("{}.svg", ch.name), ch.svg.clone().into_bytes()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chance(base: f64, other: f64, lo: f64, hi: f64) -> ChanceDifference {
        ChanceDifference {
            figure: "p_s114".into(),
            base,
            other,
            difference: other - base,
            se_paired: Some((hi - lo) / 4.0),
            ci95_low: Some(lo),
            ci95_high: Some(hi),
            se_independent: Some(hi - lo),
            variance_reduction: Some(VarianceReduction::Factor(16.0)),
        }
    }

    #[test]
    fn points_have_the_decimals_their_interval_needs_and_no_negative_zero() {
        let d = chance(0.032, 0.019, -0.014, -0.012);
        assert_eq!(points_interval(&d), ["-1.3", "-1.4", "-1.2"]);
        let d = chance(0.032, 0.0319, -0.0002, 0.0);
        assert_eq!(points_interval(&d), ["-0.01", "-0.02", "0.00"]);
        assert_eq!(points(-0.000_001, 1), "0.0");
        assert_eq!(points(0.0, 1), "0.0");
        assert_eq!(points(0.013, 1), "+1.3");
    }

    #[test]
    fn the_sentence_says_which_way_and_by_how_much() {
        let s = change(
            "Adopting scenario.toml",
            -1,
            "the chance of an S114-level shortfall",
            ("3.2%", "1.9%"),
            "-1.3 points",
            Some(("-1.4".into(), "-1.2".into())),
        );
        assert_eq!(
            s,
            "Adopting scenario.toml lowers the chance of an S114-level shortfall from 3.2% to \
             1.9% (difference -1.3 points, 95% interval -1.4 to -1.2)."
        );
        let same = change(
            "Adopting x",
            0,
            "the mean gap",
            ("£1.0m", "£1.0m"),
            "£0.0m",
            None,
        );
        assert_eq!(
            same,
            "Adopting x leaves the mean gap unchanged at £1.0m (difference £0.0m)."
        );
    }

    #[test]
    fn chances_in_the_csv_carry_no_last_bit_noise() {
        assert_eq!(chance_cell(Some(0.16144999999999998)), "0.16145");
        assert_eq!(chance_cell(Some(-0.0000833333333333311)), "-0.000083333333");
        assert_eq!(chance_cell(Some(-0.0)), "0");
        assert_eq!(chance_cell(Some(0.25)), "0.25");
        assert_eq!(chance_cell(Some(-1e-15)), "0");
        assert_eq!(chance_cell(None), "");
    }

    #[test]
    fn csv_fields_with_commas_are_quoted() {
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"x\""), "\"say \"\"x\"\"\"");
        assert_eq!(field("plain"), "plain");
    }
}

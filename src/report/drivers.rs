//! "What drives the gap": each factor's share of the gap's variance and its own effect,
//! the savings programme's delivery counted as one factor, with the tornado.

use rust_decimal::Decimal;

use super::document::Block;
use super::{count, measured_value, money, share, signed_money};
use crate::format::share_se;
use crate::stats::Summary;

/// What drives the gap: each factor's share of the variance and its own effect, the
/// savings programme's delivery counted as one factor.
pub fn drivers(s: &Summary) -> Vec<Block> {
    let unit = s.model.unit.as_str();
    let m = |d: Decimal| money(d, unit);
    let mut out = vec![Block::Heading(2, "What drives the gap".into())];
    let top: Vec<_> = s.sensitivity.factors.iter().take(5).collect();
    let shown = super::shown_factors(s, 5);
    let Some(first) = top.first() else {
        let why = if s.sensitivity.iterations < 10 {
            "The run is too short (under 10 simulated years) to measure what drives the gap."
        } else {
            "No driver varies in this model, so nothing drives the gap's spread."
        };
        out.push(Block::Paragraph(why.into()));
        return out;
    };
    let names: Vec<String> = top
        .iter()
        .take(3)
        .map(|d| format!("\u{201c}{}\u{201d}", d.label))
        .collect();
    let three: f64 = top.iter().take(3).map(|d| d.contribution).sum();
    let v = |x: f64| measured_value(&first.measure, x, unit);
    // "adds £x to" or "takes £x off", by the effect's sign: a saving or a grant that does
    // well lowers the gap.
    let moves = |effect: Decimal| {
        if effect.is_sign_negative() {
            format!("takes {} off", m(effect.abs()))
        } else {
            format!("adds {} to", m(effect))
        }
    };
    let together = if top.len() == 1 {
        format!("it accounts for {} of its variance", share(three))
    } else {
        format!("together they account for {} of its variance", share(three))
    };
    out.push(Block::Paragraph(format!(
        "The gap is most sensitive to {}: {together}. \
         When the first is in the highest tenth of its simulated values (on average {}, \
         against a mean of {}), it {} the gap by itself; in its lowest tenth (on average \
         {}), it {} the gap.",
        join_words(&names),
        v(first.high_value),
        v(first.mean_value),
        moves(first.high_effect),
        v(first.low_value),
        moves(first.low_effect),
    )));
    out.push(Block::Paragraph(format!(
        "The table gives the {} with the largest share of the variance of the gap, largest \
         first{}: each one's own effect, with the part two correlated drivers share split \
         between them. The shares of all drivers add up to {}{}. The lowest and highest \
         tenth columns give the driver's own effect on the gap, the other drivers at their \
         averages. The rank correlation shows how closely the gap follows the driver, \
         including through the drivers correlated with it.",
        if top.len() == 1 {
            "driver".to_string()
        } else {
            format!("{} drivers", number_word(top.len()))
        },
        if shown.len() > top.len() {
            ", then the savings programme's delivery"
        } else {
            ""
        },
        share(s.sensitivity.explained),
        if share(s.sensitivity.explained) == "100.0%" {
            ""
        } else {
            "; the rest comes from drivers acting together, such as more clients at a higher \
             unit cost"
        }
    )));
    let rows: Vec<Vec<String>> = shown
        .iter()
        .map(|(_, d)| {
            vec![
                d.label.clone(),
                share(d.contribution),
                signed_money(d.low_effect, unit),
                signed_money(d.high_effect, unit),
                format!("{:+.2}", d.rank_correlation),
            ]
        })
        .collect();
    out.push(Block::Table {
        header: vec![
            "Driver".into(),
            "Share of variance".into(),
            "Lowest tenth".into(),
            "Highest tenth".into(),
            "Rank corr.".into(),
        ],
        rows,
        numeric: vec![false, true, true, true, true],
    });
    let mut notes = Vec::new();
    let factors = &s.sensitivity.factors;
    if let Some((rank, group)) = factors
        .iter()
        .enumerate()
        .find(|(_, d)| !d.members.is_empty())
    {
        notes.push(format!(
            "\u{201c}{}\u{201d} is the savings programme taken as one factor: the {} of its \
             savings (whether each happens, how much of it is delivered, how late), ranked \
             together because savings risk is spread thinly over them. It is {} by share \
             of the variance ({}).",
            group.label,
            count(group.members.len() as u64, "driver", "drivers"),
            ordinal(rank + 1),
            share(group.contribution),
        ));
    }
    let worst = |f: fn(&crate::stats::DriverSensitivity) -> Option<f64>| {
        shown
            .iter()
            .filter_map(|(_, d)| f(d))
            .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))))
    };
    if let (Some(c), Some(r)) = (
        worst(|d| d.contribution_se),
        worst(|d| d.rank_correlation_se),
    ) {
        notes.push(format!(
            "Simulation precision: the shares have standard errors of at most {}, the rank \
             correlations of at most {}.",
            share_se(c),
            crate::format::figures_f64(r, 2),
        ));
    }
    if !notes.is_empty() {
        out.push(Block::Paragraph(notes.join(" ")));
    }
    out.push(Block::Figure {
        chart: "tornado",
        caption: "The change in the gap each driver causes by itself in its lowest or highest \
                  tenth, the other drivers at their averages; the drivers with the longest \
                  bars (the largest swing), longest first."
            .into(),
    });
    out
}

/// A small number in words, as prose writes it: `five`; `12` from ten up.
fn number_word(n: usize) -> String {
    const WORDS: [&str; 10] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    ];
    WORDS
        .get(n)
        .map_or_else(|| n.to_string(), |w| (*w).to_string())
}

/// `1st`, `2nd`, `3rd`, `4th`, `11th`, `22nd`.
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn join_words(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

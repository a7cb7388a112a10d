//! The report's sections on how precise its figures are: each line's expected outturn with
//! its standard error, every headline figure with its standard error or 95% interval, and
//! the correlations the run achieved against their targets.
//!
//! These are the simulation's precision (more simulated years narrow them), never the
//! uncertainty of the model's assumptions, and each section says so.

use rust_decimal::Decimal;

use super::document::Block;
use super::{count, money, money_se, percent_interval};
use crate::format::{amount_in, se_cell, with_se};
use crate::model::Model;
use crate::stats::{Probability, Summary};

/// Each spending line's and funding stream's expected outturn against its budget, with its
/// standard error; each mitigation's expected capacity.
pub fn outturns(s: &Summary) -> Vec<Block> {
    let unit = s.model.unit.as_str();
    let mut out = Vec::new();
    if s.lines.is_empty() {
        return out;
    }
    let mut lines: Vec<_> = s.lines.iter().collect();
    lines.sort_by_key(|l| std::cmp::Reverse(l.expected - l.budget));
    out.push(Block::Paragraph(format!(
        "Each spending line's expected outturn (the mean over simulated years) against its \
         budget, most over budget first; ± is the Monte Carlo standard error of the expected \
         outturn. Amounts in {unit}."
    )));
    out.push(Block::Table {
        header: vec![
            "Spending line".into(),
            "Budget".into(),
            "Expected".into(),
            "±".into(),
            "Over budget".into(),
        ],
        rows: lines
            .iter()
            .map(|l| {
                vec![
                    l.label.clone(),
                    amount_in(l.budget, unit),
                    amount_in(l.expected, unit),
                    se_cell(l.expected_se),
                    signed(l.expected - l.budget, unit),
                ]
            })
            .collect(),
        numeric: vec![false, true, true, true, true],
    });
    if !s.funding.is_empty() {
        out.push(Block::Table {
            header: vec![
                "Funding".into(),
                "Budget".into(),
                "Expected".into(),
                "±".into(),
                "Above budget".into(),
            ],
            rows: s
                .funding
                .iter()
                .map(|f| {
                    vec![
                        f.label.clone(),
                        amount_in(f.budget, unit),
                        amount_in(f.expected, unit),
                        se_cell(f.expected_se),
                        signed(f.expected - f.budget, unit),
                    ]
                })
                .collect(),
            numeric: vec![false, true, true, true, true],
        });
    }
    if !s.mitigations.is_empty() {
        let items: Vec<String> = s
            .mitigations
            .iter()
            .map(|m| {
                format!(
                    "{}: {} on average (standard error {})",
                    m.label,
                    money(m.expected, unit),
                    money_se(m.expected_se, unit)
                )
            })
            .collect();
        out.push(Block::Paragraph(format!(
            "Contingency and management action available (capacity), of which {} is used on \
             average (standard error {}), only as far as an overspend needs it:",
            money(s.mitigation_used, unit),
            money_se(s.mitigation_used_se, unit)
        )));
        out.push(Block::List(items));
    }
    out
}

/// A signed amount for a table column: `+1.2`, `-0.35`, `0.0`.
fn signed(value: Decimal, unit: &str) -> String {
    let text = amount_in(value, unit);
    if value > Decimal::ZERO {
        format!("+{text}")
    } else {
        text
    }
}

/// One probability row: the estimate, its batch-means standard error where the summary
/// has one, and its exact 95% interval.
fn probability_row(what: &str, p: &Probability) -> Vec<String> {
    let [estimate, low, high] = percent_interval(p.estimate, p.ci95_low, p.ci95_high);
    vec![
        what.into(),
        estimate,
        p.se_batch_means
            .map_or_else(|| "—".into(), |se| format!("{} pp", points(se))),
        format!("{low} to {high}"),
    ]
}

/// A probability's standard error in percentage points, to two significant figures.
fn points(se: f64) -> String {
    crate::format::figures_f64(se * 100.0, 2)
}

/// Every headline figure with its Monte Carlo standard error or 95% interval.
pub fn precision(s: &Summary) -> Vec<Block> {
    let unit = s.model.unit.as_str();
    let m = |d: Decimal| money(d, unit);
    let se = |d: Option<Decimal>| money_se(d, unit);
    let mut out = vec![Block::Heading(2, "How precise the figures are".into())];
    out.push(Block::Paragraph(format!(
        "Every figure in this report is estimated from {}. The standard errors and 95% \
         intervals below show how precisely the simulation has estimated each one for this \
         model: more simulated years would narrow them. They say nothing about whether the \
         model's assumptions are right; that uncertainty is in the ranges the assumptions \
         table sets out. Standard errors come from the spread \
         of the run's independent batches; the intervals for chances are exact binomial \
         intervals, and those for percentiles are distribution-free (order statistics). A \
         chance's standard error is in percentage points (pp).",
        count(s.run.iterations, "simulated year", "simulated years")
    )));
    let interval_of = |p: u32, gap: bool| {
        s.percentiles.iter().find(|r| r.p == p).map(|r| {
            if gap {
                (r.gap, r.gap_ci95_low, r.gap_ci95_high)
            } else {
                (r.shortfall, r.shortfall_ci95_low, r.shortfall_ci95_high)
            }
        })
    };
    let mut rows = vec![
        probability_row(
            if super::terminal::no_reserves(s) {
                "Chance of an S114-level shortfall (with no usable reserves, any shortfall)"
            } else {
                "Chance of an S114-level shortfall"
            },
            &s.s114.probability,
        ),
        probability_row(
            if super::terminal::no_reserves(s) {
                "Chance of any shortfall after mitigation"
            } else {
                "Chance of drawing on reserves (any shortfall after mitigation)"
            },
            &s.p_drawing_on_reserves,
        ),
        probability_row("Chance of any gap before mitigation", &s.gap.p_positive),
        vec![
            "Mean gap before mitigation".into(),
            m(s.gap.mean),
            se(s.gap.mean_se),
            "—".into(),
        ],
        vec![
            "Standard deviation of the gap".into(),
            m(s.gap.sd),
            se(s.gap.sd_se),
            "—".into(),
        ],
        vec![
            "Mitigation used (mean)".into(),
            m(s.mitigation_used),
            se(s.mitigation_used_se),
            "—".into(),
        ],
        vec![
            "Mean shortfall after mitigation".into(),
            m(s.shortfall.mean),
            se(s.shortfall.mean_se),
            "—".into(),
        ],
    ];
    for (p, what) in [
        (95, "Shortfall P95 (reserves covering 95% of years)"),
        (99, "Shortfall P99 (reserves covering 99% of years)"),
    ] {
        if let Some((value, low, high)) = interval_of(p, false) {
            let se_text = s
                .shortfall
                .percentiles
                .iter()
                .find(|q| q.p == p)
                .and_then(|q| q.se)
                .map_or_else(|| "—".into(), |d| se(Some(d)));
            rows.push(vec![
                what.into(),
                m(value),
                se_text,
                format!("{} to {}", m(low), m(high)),
            ]);
        }
    }
    rows.push(vec![
        "Expected shortfall beyond reserves (over all years)".into(),
        if s.s114.probability.count > 0 {
            super::money_positive(s.s114.expected_excess, unit)
        } else {
            m(s.s114.expected_excess)
        },
        se(s.s114.expected_excess_se),
        "—".into(),
    ]);
    if let Some(x) = s.s114.mean_excess_given_breach {
        rows.push(vec![
            "Shortfall beyond reserves in the years that breach (mean)".into(),
            super::money_positive(x, unit),
            se(s.s114.mean_excess_given_breach_se),
            "—".into(),
        ]);
    }
    let sv = &s.savings;
    if !sv.planned.is_zero() {
        for (what, value, value_se) in [
            ("Savings delivered (mean)", sv.mean, sv.mean_se),
            ("Savings delivered, P10", sv.p10, sv.p10_se),
            ("Savings delivered, P90", sv.p90, sv.p90_se),
        ] {
            rows.push(vec![what.into(), m(value), se(value_se), "—".into()]);
        }
    }
    out.push(Block::Table {
        header: vec![
            "Figure".into(),
            "Estimate".into(),
            "Standard error".into(),
            "95% interval".into(),
        ],
        rows,
        numeric: vec![false, true, true, true],
    });
    out
}

/// The correlations the model asks for and what the run achieved, with their standard
/// errors.
pub fn correlations(s: &Summary, model: &Model) -> Vec<Block> {
    let pairs = &s.correlation.pairs;
    if pairs.is_empty() {
        return Vec::new();
    }
    let labels: std::collections::HashMap<&str, &str> = model
        .drivers
        .iter()
        .map(|d| (d.name.as_str(), d.label.as_str()))
        .collect();
    let label = |name: &str| labels.get(name).map_or(name, |l| l).to_string();
    let mut out = vec![Block::Heading(
        2,
        "Correlations: asked for and achieved".into(),
    )];
    out.push(Block::Paragraph(format!(
        "Each pair of correlated drivers, with the rank correlation the model asks for{} and \
         the rank correlation the run achieved (the mean over the first {} simulated years, \
         with its standard error).",
        if s.correlation.repaired {
            " (after --repair-correlation)"
        } else {
            ""
        },
        super::amount(Decimal::from(s.sensitivity.iterations), 0)
    )));
    out.push(Block::Table {
        header: vec![
            "Driver".into(),
            "With".into(),
            "Set by".into(),
            "Target".into(),
            "Achieved".into(),
        ],
        rows: pairs
            .iter()
            .map(|p| {
                vec![
                    label(&p.a),
                    label(&p.b),
                    p.set_by
                        .clone()
                        .unwrap_or_else(|| "--repair-correlation (not set, so 0)".into()),
                    format!("{:.3}", p.target),
                    match p.achieved_se {
                        Some(se) => with_se(p.achieved, se),
                        None => format!("{:.3}", p.achieved),
                    },
                ]
            })
            .collect(),
        numeric: vec![false, false, false, true, true],
    });
    out
}

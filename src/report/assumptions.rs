//! "Assumptions and sources": every figure of the model with where it comes from, once,
//! for the committee report's table and for the workbook's Assumptions sheet.

use super::document::Block;
use super::{amount, describe_driver, money, percent};
use crate::model::{DriverOrigin, LineKind, Model, ReserveKind, UnitCost};
use crate::stats::Summary;

/// One row of the table: what kind of item, which item, its figure in words, its source.
#[derive(Debug, Clone, PartialEq)]
pub struct Assumption {
    /// `Driver`, `Spending line`, `Saving`, `Funding`, `Mitigation`, `Reserve` or
    /// `Correlation`.
    pub kind: &'static str,
    /// The item's label.
    pub item: String,
    /// Its figures in words, in the model's unit.
    pub figure: String,
    /// Where they come from, as the model file gives it.
    pub source: String,
}

/// The section: a heading, a sentence on what the table is, and the table.
pub fn section(s: &Summary, model: &Model) -> Vec<Block> {
    vec![
        Block::Heading(2, "Assumptions and sources".into()),
        Block::Paragraph(
            "Every figure in the model, with where it comes from. Figures marked \
             \"assumption\" have no public source and are the model author's judgement."
                .into(),
        ),
        Block::Table {
            header: vec![
                "Kind".into(),
                "Item".into(),
                "Figure".into(),
                "Source".into(),
            ],
            rows: rows(model, &s.model.unit)
                .into_iter()
                .map(|a| vec![a.kind.to_string(), a.item, a.figure, a.source])
                .collect(),
            numeric: vec![false; 4],
        },
    ]
}

/// Every input of `model` with its source, in the order of the model's sections, money in
/// `unit`; every text with its line breaks and runs of spaces collapsed.
pub fn rows(model: &Model, unit: &str) -> Vec<Assumption> {
    let mut out = Vec::new();
    for d in model
        .drivers
        .iter()
        .filter(|d| d.origin == DriverOrigin::Declared)
    {
        out.push(row("Driver", &d.label, describe_driver(d, unit), &d.source));
    }
    for l in &model.lines {
        out.push(row(
            "Spending line",
            &l.label,
            line(model, l, unit),
            &l.source,
        ));
    }
    for sv in &model.savings {
        let delivery = format!(
            "{}{}; happens with probability {}; fraction delivered {}; months late {}",
            money(sv.amount, unit),
            if sv.recurring {
                ", recurring"
            } else {
                ", one-off"
            },
            percent(sv.probability.try_into().unwrap_or(0.0)),
            describe_driver(model.driver(sv.delivered), unit),
            describe_driver(model.driver(sv.slippage), unit),
        );
        out.push(row("Saving", &sv.label, delivery, &sv.source));
    }
    for f in &model.funding {
        let variation: Vec<String> = f
            .variation
            .iter()
            .map(|v| describe_driver(model.driver(*v), unit))
            .collect();
        let figure = format!(
            "budget {}; variation {}",
            money(f.budget, unit),
            if variation.is_empty() {
                "none".into()
            } else {
                variation.join(" × ")
            }
        );
        out.push(row("Funding", &f.label, figure, &f.source));
    }
    out.extend(cover(model, unit));
    out
}

/// The mitigations, reserves and correlations.
fn cover(model: &Model, unit: &str) -> Vec<Assumption> {
    let mut out = Vec::new();
    for mi in &model.mitigations {
        let figure = format!(
            "capacity {}",
            describe_driver(model.driver(mi.capacity), unit)
        );
        out.push(row("Mitigation", &mi.label, figure, &mi.source));
    }
    for r in &model.reserves {
        let kind = match r.kind {
            ReserveKind::GeneralFund => "general fund",
            ReserveKind::Earmarked if r.releasable => "earmarked, releasable",
            ReserveKind::Earmarked => "earmarked, not releasable",
        };
        let figure = format!("{} ({kind})", money(r.amount, unit));
        out.push(row("Reserve", &r.label, figure, &r.source));
    }
    for c in &model.correlation.entries {
        let names: Vec<String> = c
            .drivers
            .iter()
            .map(|d| model.driver(*d).label.clone())
            .collect();
        let figure = format!("rank {} between {}", c.rank, names.join("; "));
        out.push(row("Correlation", &c.label, figure, &c.source));
    }
    out
}

/// A spending line's basis: clients × unit cost × periods, a base, or a risk's chance and
/// cost; and its budget.
fn line(model: &Model, l: &crate::model::Line, unit: &str) -> String {
    match &l.kind {
        LineKind::Cohort {
            clients,
            unit_cost,
            periods,
            period,
            ..
        } => format!(
            "{} clients × {} a {period} × {}; budget {}",
            amount(*clients, 0),
            match unit_cost {
                UnitCost::Fixed(u) => format!("£{}", amount(*u, 0)),
                UnitCost::Driver(d) =>
                    format!("unit cost {} (£)", describe_driver(model.driver(*d), unit)),
            },
            amount(*periods, 0),
            money(l.budget, unit)
        ),
        LineKind::Simple { base, .. } => {
            format!(
                "base {}; budget {}",
                money(*base, unit),
                money(l.budget, unit)
            )
        }
        LineKind::Risk {
            probability,
            impact,
            ..
        } => format!(
            "{} chance; cost {}; budget {}",
            percent((*probability).try_into().unwrap_or(0.0)),
            describe_driver(model.driver(*impact), unit),
            money(l.budget, unit)
        ),
    }
}

fn row(kind: &'static str, item: &str, figure: String, source: &str) -> Assumption {
    Assumption {
        kind,
        item: squash(item),
        figure: squash(&figure),
        source: squash(source),
    }
}

/// Collapses line breaks and runs of spaces (multi-line TOML strings) into single spaces.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

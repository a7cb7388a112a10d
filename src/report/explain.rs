//! `gapsim explain`: a model as readable tables, before anything is simulated. What an
//! officer reads to check that a model says what they meant: each line's budget beside its
//! outturn with the drivers at their means, each saving's expected delivery, each driver's
//! law in words with its P10, P50 and P90, the correlations and the reserves.
//!
//! Pure: a checked [`Model`] in, text out. The central case comes from
//! [`engine::central`](crate::engine::central) (the model's arithmetic at the drivers'
//! means, no sampling); everything else is read from the model. Money goes through
//! [`crate::format`].

use std::collections::HashSet;
use std::fmt::Write as _;

use rust_decimal::Decimal;

use crate::format::{amount_in, money, of_net_budget, share, short_percent};
use crate::model::{DriverId, DriverOrigin, LineKind, Measure, Model, ReserveKind, f64_of};

/// The model as tables, ending in a newline. A model of several years is shown in its
/// first year (the year every one-year figure of a run describes), which it says.
pub fn explain(model: &Model) -> String {
    let first = model.first_year();
    let m = &first;
    let unit = m.meta.unit.symbol();
    let mut out = String::new();
    header(&mut out, model);
    lines(&mut out, m, unit);
    savings(&mut out, m, unit);
    funding(&mut out, m, unit);
    mitigation(&mut out, m, unit);
    central(&mut out, m, unit);
    drivers(&mut out, m, unit);
    correlations(&mut out, m);
    reserves(&mut out, m, unit);
    out
}

/// The model's name, council, year and unit, and what the tables show.
fn header(out: &mut String, model: &Model) {
    let meta = &model.meta;
    let unit = meta.unit.symbol();
    let _ = writeln!(out, "{}", meta.name);
    let mut facts = vec![meta.council.clone()];
    let years = &model.horizon.years;
    if model.horizon.is_multi_year() {
        facts.push(format!(
            "{} to {} ({} years; the tables show the first)",
            years.first().map_or(meta.year.as_str(), String::as_str),
            years.last().map_or(meta.year.as_str(), String::as_str),
            years.len()
        ));
    } else {
        facts.push(meta.year.clone());
    }
    facts.push(match meta.unit {
        crate::model::Unit::Millions => "money in £m (unit costs in pounds)".to_string(),
        crate::model::Unit::Pounds => "money in £".to_string(),
    });
    if let Some(nb) = meta.net_budget {
        facts.push(format!("net revenue budget {}", money(nb, unit)));
    }
    let _ = writeln!(out, "{}", facts.join(" · "));
    for line in meta.description.trim().lines() {
        let _ = writeln!(out, "  {}", line.trim_end());
    }
}

/// Spending lines by group: budget, central outturn and their difference.
fn lines(out: &mut String, m: &Model, unit: &str) {
    section(
        out,
        &format!(
            "Spending lines, {unit} (central outturn: the line with every driver at its mean)"
        ),
    );
    let mut t = Table::new(&["line", "budget", "central outturn", "difference", ""]);
    let mut groups: Vec<&str> = Vec::new();
    for l in &m.lines {
        if !groups.contains(&l.group.as_str()) {
            groups.push(&l.group);
        }
    }
    let (mut budget, mut central) = (Decimal::ZERO, Decimal::ZERO);
    for g in groups {
        if !g.is_empty() {
            t.heading(g);
        }
        for l in m.lines.iter().filter(|l| l.group == g) {
            let c = dec(m.central_outturn(l));
            budget += l.budget;
            central += c;
            t.row(vec![
                l.name.clone(),
                amount_in(l.budget, unit),
                amount_in(c, unit),
                signed(c - l.budget, unit),
                format!("{}{}", l.label, how(m, l)),
            ]);
        }
    }
    t.row(vec![
        "total".into(),
        amount_in(budget, unit),
        amount_in(central, unit),
        signed(central - budget, unit),
        String::new(),
    ]);
    t.render(out);
}

/// How a line's outturn is made, in brief: `: 8,150 clients × £672 a week × 52`.
fn how(m: &Model, l: &crate::model::Line) -> String {
    match &l.kind {
        LineKind::Cohort {
            clients,
            unit_cost,
            periods,
            period,
            ..
        } => {
            let cost = match unit_cost {
                crate::model::UnitCost::Fixed(u) => {
                    format!("£{}", crate::format::amount(*u, decimals(*u)))
                }
                crate::model::UnitCost::Driver(d) => {
                    format!("£{:.0} on average", m.driver(*d).dist.mean())
                }
            };
            let periods_text = crate::format::amount(*periods, decimals(*periods));
            let plural = if periods_text == "1" || period.ends_with('s') {
                period.clone()
            } else {
                format!("{period}s")
            };
            format!(
                ": {} × {cost} a {period} × {periods_text} {plural}",
                crate::format::amount(*clients, decimals(*clients)),
            )
        }
        LineKind::Simple { base, .. } => format!(": base {}", money(*base, m.meta.unit.symbol())),
        LineKind::Risk {
            probability,
            impact,
            ..
        } => format!(
            ": a {} chance of {} on average",
            short_percent(f64_of(*probability)),
            money(dec(m.driver(*impact).dist.mean()), m.meta.unit.symbol())
        ),
    }
}

/// Savings: planned, the chance it happens, the fraction delivered and months late at
/// their means, and the delivery expected from them.
fn savings(out: &mut String, m: &Model, unit: &str) {
    if m.savings.is_empty() {
        return;
    }
    section(
        out,
        &format!(
            "Savings, {unit} (expected: amount × chance × fraction delivered × (12 − months \
             late)/12, at their means)"
        ),
    );
    let mut t = Table::new(&[
        "saving",
        "planned",
        "chance",
        "delivered",
        "months late",
        "expected",
        "",
    ]);
    let (mut planned, mut expected) = (Decimal::ZERO, Decimal::ZERO);
    for s in &m.savings {
        let p = f64_of(s.probability);
        let fraction = m.driver(s.delivered).dist.mean().clamp(0.0, 1.0);
        let late = m.driver(s.slippage).dist.mean().clamp(0.0, 12.0);
        let e = dec(expected_delivery(m, s));
        planned += s.amount;
        expected += e;
        t.row(vec![
            s.name.clone(),
            amount_in(s.amount, unit),
            short_percent(p),
            share(fraction),
            format!("{late:.1}"),
            amount_in(e, unit),
            format!("{}{}", s.label, if s.recurring { "" } else { " (one-off)" }),
        ]);
    }
    let ratio = if planned.is_zero() {
        String::new()
    } else {
        format!("{} of the planned", share(f64_of(expected / planned)))
    };
    t.row(vec![
        "total".into(),
        amount_in(planned, unit),
        String::new(),
        String::new(),
        String::new(),
        amount_in(expected, unit),
        ratio,
    ]);
    t.render(out);
}

/// Funding streams: what the budget assumes and the actual with its variation at its mean.
fn funding(out: &mut String, m: &Model, unit: &str) {
    if m.funding.is_empty() {
        return;
    }
    section(
        out,
        &format!("Funding, {unit} (central: the budget moved by its variation at its mean)"),
    );
    let mut t = Table::new(&["stream", "budget", "central", ""]);
    let (mut budget, mut central) = (Decimal::ZERO, Decimal::ZERO);
    for f in &m.funding {
        let c = dec(central_funding(m, f));
        budget += f.budget;
        central += c;
        t.row(vec![
            f.name.clone(),
            amount_in(f.budget, unit),
            amount_in(c, unit),
            f.label.clone(),
        ]);
    }
    t.row(vec![
        "total".into(),
        amount_in(budget, unit),
        amount_in(central, unit),
        String::new(),
    ]);
    t.render(out);
}

/// Contingency and management action: capacity at its mean and its range.
fn mitigation(out: &mut String, m: &Model, unit: &str) {
    if m.mitigations.is_empty() {
        return;
    }
    section(
        out,
        &format!(
            "Mitigation, {unit} (capacity to absorb an overspend, used only as far as needed)"
        ),
    );
    let mut t = Table::new(&["item", "mean", "P10", "P90", ""]);
    let mut total = Decimal::ZERO;
    for x in &m.mitigations {
        let d = &m.driver(x.capacity).dist;
        let mean = dec(d.mean());
        total += mean;
        t.row(vec![
            x.name.clone(),
            amount_in(mean, unit),
            amount_in(dec(d.quantile(0.1)), unit),
            amount_in(dec(d.quantile(0.9)), unit),
            x.label.clone(),
        ]);
    }
    t.row(vec![
        "total".into(),
        amount_in(total, unit),
        String::new(),
        String::new(),
        String::new(),
    ]);
    t.render(out);
}

/// The first year with every driver at its mean, from the engine's own arithmetic.
fn central(out: &mut String, m: &Model, unit: &str) {
    let reserves = m.usable_reserves();
    let c = crate::engine::central(m, f64_of(reserves));
    let lines: f64 = m
        .lines
        .iter()
        .map(|l| m.central_outturn(l) - f64_of(l.budget))
        .sum();
    let undelivered: f64 = m
        .savings
        .iter()
        .map(|s| f64_of(s.amount) - expected_delivery(m, s))
        .sum();
    let funding_short: f64 = m
        .funding
        .iter()
        .map(|f| f64_of(f.budget) - central_funding(m, f))
        .sum();
    let gap = dec(c.gap);
    let shortfall = dec(c.shortfall);
    section(
        out,
        "The central case: one year with every driver at its mean (not the average simulated \
         year)",
    );
    let mut t = Table::new(&["", ""]);
    t.right = vec![false, true];
    t.row(vec![
        "spending lines against budget".into(),
        signed_money(dec(lines), unit),
    ]);
    t.row(vec![
        "savings not delivered".into(),
        signed_money(dec(undelivered), unit),
    ]);
    t.row(vec![
        "funding short of budget".into(),
        signed_money(dec(funding_short), unit),
    ]);
    t.row(vec![
        "gap before mitigation".into(),
        signed_money(gap, unit),
    ]);
    t.row(vec!["mitigation used".into(), money(gap - shortfall, unit)]);
    t.row(vec![
        "shortfall after mitigation".into(),
        signed_money(shortfall, unit),
    ]);
    t.render_plain(out);
    let verdict = if c.s114_level { "beyond" } else { "within" };
    prose(
        out,
        &format!(
            "The central shortfall is {verdict} usable reserves of {}. Correlated drivers, \
             risks and mitigation used only as needed make the average year differ: `gapsim \
             run` gives the distribution and the chance of an S114-level shortfall.",
            money(reserves, unit)
        ),
    );
}

/// A saving's delivery with its chance, fraction delivered and months late at their
/// means, as the engine computes a year's: amount × happens × fraction × (12 − months)/12.
fn expected_delivery(m: &Model, s: &crate::model::Saving) -> f64 {
    let fraction = m.driver(s.delivered).dist.mean().clamp(0.0, 1.0);
    let late = m.driver(s.slippage).dist.mean().clamp(0.0, 12.0);
    f64_of(s.amount) * f64_of(s.probability) * fraction * (12.0 - late) / 12.0
}

/// A funding stream's actual with its variation at its mean: budget × Π(1 + variation).
fn central_funding(m: &Model, f: &crate::model::Funding) -> f64 {
    f.variation.iter().fold(f64_of(f.budget), |x, &d| {
        x * (1.0 + m.driver(d).dist.mean())
    })
}

/// A paragraph for a terminal, wrapped at [`WIDTH`] columns and indented by two.
fn prose(out: &mut String, text: &str) {
    let mut line = String::from(" ");
    for word in text.split_whitespace() {
        if line.chars().count() + 1 + word.chars().count() > WIDTH && !line.trim().is_empty() {
            let _ = writeln!(out, "{line}");
            line = String::from(" ");
        }
        line.push(' ');
        line.push_str(word);
    }
    if !line.trim().is_empty() {
        let _ = writeln!(out, "{line}");
    }
}

/// The width prose is wrapped at: an 80-column terminal, less one.
const WIDTH: usize = 79;

/// Every driver: declared ones in file order, then the distributions written inline at an
/// item (not fixed values, nor the chance of a saving or a risk, shown in their tables).
fn drivers(out: &mut String, m: &Model, unit: &str) {
    let chances: HashSet<DriverId> = m
        .savings
        .iter()
        .map(|s| s.happens)
        .chain(m.lines.iter().filter_map(|l| match l.kind {
            LineKind::Risk { occurs, .. } => Some(occurs),
            _ => None,
        }))
        .collect();
    let declared: Vec<usize> = (0..m.drivers.len())
        .filter(|&i| m.drivers[i].origin == DriverOrigin::Declared)
        .collect();
    let inline: Vec<usize> = (0..m.drivers.len())
        .filter(|&i| {
            let d = &m.drivers[i];
            d.origin == DriverOrigin::Inline
                && !d.dist.is_fixed()
                && !chances.contains(&DriverId(i))
        })
        .collect();
    if declared.is_empty() && inline.is_empty() {
        return;
    }
    section(
        out,
        "Drivers (P10, P50, P90: a year falls below each one time in ten, half the time, \
         nine times in ten)",
    );
    let mut t = Table::new(&["driver", "mean", "P10", "P50", "P90"]);
    for (heading, ids) in [
        ("declared under [drivers]", &declared),
        ("written inline at an item", &inline),
    ] {
        if ids.is_empty() {
            continue;
        }
        if !declared.is_empty() && !inline.is_empty() {
            t.heading(heading);
        }
        for &i in ids {
            let d = &m.drivers[i];
            let v = |x: f64| value(d.measure, x, unit);
            t.row(vec![
                d.name.clone(),
                v(d.dist.mean()),
                v(d.dist.quantile(0.1)),
                v(d.dist.quantile(0.5)),
                v(d.dist.quantile(0.9)),
            ]);
            let law = super::describe_driver(d, unit);
            if d.label == d.name {
                t.note(&law);
            } else {
                t.note(&format!("{}: {law}", d.label));
            }
        }
    }
    t.render(out);
}

/// The correlation entries: rank, label and the drivers they tie.
fn correlations(out: &mut String, m: &Model) {
    let entries = &m.correlation.entries;
    if entries.is_empty() {
        return;
    }
    section(
        out,
        "Correlations (the rank correlation of every pair of the drivers listed; pairs not \
         listed are independent)",
    );
    let mut t = Table::new(&["correlation", "rank", ""]);
    for e in entries {
        t.row(vec![
            e.name.clone(),
            format!("{:.2}", f64_of(e.rank)),
            if e.label == e.name {
                String::new()
            } else {
                e.label.clone()
            },
        ]);
        let names: Vec<&str> = e
            .drivers
            .iter()
            .map(|&d| m.driver(d).name.as_str())
            .collect();
        t.note(&names.join(", "));
    }
    t.render(out);
    if m.correlation.repaired_from.is_some() {
        let _ = writeln!(
            out,
            "  (replaced by the nearest valid matrix: --repair-correlation)"
        );
    }
}

/// Reserves, which are usable, and the total that decides an S114-level year.
fn reserves(out: &mut String, m: &Model, unit: &str) {
    section(out, &format!("Reserves, {unit}"));
    let mut t = Table::new(&["reserve", "amount", "kind", ""]);
    t.right[2] = false;
    for r in &m.reserves {
        let kind = match (r.kind, r.releasable) {
            (ReserveKind::GeneralFund, _) => "general fund (usable)",
            (ReserveKind::Earmarked, true) => "earmarked, releasable (usable)",
            (ReserveKind::Earmarked, false) => "earmarked, not releasable",
        };
        t.row(vec![
            r.name.clone(),
            amount_in(r.amount, unit),
            kind.into(),
            r.label.clone(),
        ]);
    }
    t.render(out);
    let usable = m.usable_reserves();
    let share = of_net_budget(usable, m.meta.net_budget)
        .map(|s| format!(" ({s} of the net revenue budget)"))
        .unwrap_or_default();
    prose(
        out,
        &format!(
            "Usable reserves {}{share}: a year whose shortfall after mitigation exceeds them \
             is S114-level.",
            money(usable, unit)
        ),
    );
    if let Some(floor) = m.horizon.reserves_floor {
        prose(
            out,
            &format!(
                "The policy floor for usable reserves: {} of the net revenue budget.",
                short_percent(f64_of(floor))
            ),
        );
    }
}

/// A driver's value in what it measures: `5.9%`, `£12.0m`, `1.3 months`.
fn value(measure: Measure, x: f64, unit: &str) -> String {
    match measure {
        Measure::Fraction => share(x),
        Measure::Money => money(dec(x), unit),
        Measure::Months => format!("{x:.1} months"),
        Measure::Event => format!("{x:.2}"),
        Measure::Number => format!("{x:.3}"),
    }
}

/// A figure the simulation computes in floating point, as money to a hundredth of a
/// penny's worth of the unit (the formats round it further).
fn dec(x: f64) -> Decimal {
    Decimal::from_f64_retain(x).unwrap_or_default().round_dp(6)
}

/// The decimals a model figure was written with, up to two (`8,150`, `12.5`).
fn decimals(x: Decimal) -> u32 {
    x.normalize().scale().min(2)
}

/// A difference for a table column, with its sign: `+18.7`, `-3.1`, `0.0`.
fn signed(x: Decimal, unit: &str) -> String {
    let text = amount_in(x, unit);
    if x > Decimal::ZERO && !shows_zero(&text) {
        format!("+{text}")
    } else {
        text
    }
}

/// Money with its sign when it shows as more than zero: `+£18.7m`, `£0.0m`, `-£1.2m`.
fn signed_money(x: Decimal, unit: &str) -> String {
    let text = money(x, unit);
    if shows_zero(&text) {
        text
    } else {
        crate::format::signed_money(x, unit)
    }
}

/// Whether a formatted figure reads as zero (`0.0`, `£0.0m`).
fn shows_zero(text: &str) -> bool {
    text.chars().all(|c| !c.is_ascii_digit() || c == '0')
}

/// A section's title, after a blank line.
fn section(out: &mut String, title: &str) {
    let _ = writeln!(out, "\n{title}");
}

/// A table for a terminal: a head, rows of cells (text first, figures right-aligned, the
/// last column's text left as it is, so a long label does not widen the others), headings
/// between groups and notes beneath a row.
struct Table {
    head: Vec<String>,
    right: Vec<bool>,
    rows: Vec<Row>,
}

enum Row {
    Cells(Vec<String>),
    Heading(String),
    Note(String),
}

impl Table {
    /// A table with these column heads: the first and an unnamed (`""`) last column hold
    /// text, the others figures.
    fn new(head: &[&str]) -> Self {
        let n = head.len();
        let right = (0..n)
            .map(|i| i > 0 && !(i == n - 1 && head[i].is_empty()))
            .collect();
        Table {
            head: head.iter().map(|h| (*h).to_string()).collect(),
            right,
            rows: Vec::new(),
        }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(Row::Cells(cells));
    }

    fn heading(&mut self, text: &str) {
        self.rows.push(Row::Heading(text.to_string()));
    }

    fn note(&mut self, text: &str) {
        self.rows.push(Row::Note(text.to_string()));
    }

    /// Each column's width: its widest cell or head.
    fn widths(&self) -> Vec<usize> {
        let mut w: Vec<usize> = self.head.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            if let Row::Cells(cells) = r {
                for (i, c) in cells.iter().enumerate() {
                    if let Some(x) = w.get_mut(i) {
                        *x = (*x).max(c.chars().count());
                    }
                }
            }
        }
        w
    }

    fn render(&self, out: &mut String) {
        let grouped = self.rows.iter().any(|r| matches!(r, Row::Heading(_)));
        let indent = if grouped { "    " } else { "  " };
        let widths = self.widths();
        self.line(out, indent, &self.head, &widths);
        for r in &self.rows {
            match r {
                Row::Cells(cells) => self.line(out, indent, cells, &widths),
                Row::Heading(text) => {
                    let _ = writeln!(out, "  {text}");
                }
                Row::Note(text) => {
                    let _ = writeln!(out, "{indent}  {text}");
                }
            }
        }
    }

    /// As [`Table::render`], without the head.
    fn render_plain(&self, out: &mut String) {
        let widths = self.widths();
        for r in &self.rows {
            if let Row::Cells(cells) = r {
                self.line(out, "  ", cells, &widths);
            }
        }
    }

    fn line(&self, out: &mut String, indent: &str, cells: &[String], widths: &[usize]) {
        let last = cells.len().saturating_sub(1);
        let mut text = String::from(indent);
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                text.push_str("  ");
            }
            let pad = widths[i].saturating_sub(c.chars().count());
            if self.right[i] {
                text.push_str(&" ".repeat(pad));
                text.push_str(c);
            } else if i == last {
                text.push_str(c);
            } else {
                text.push_str(c);
                text.push_str(&" ".repeat(pad));
            }
        }
        let _ = writeln!(out, "{}", text.trim_end());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kent() -> Model {
        Model::from_toml("kent", crate::DEFAULT_MODEL)
            .unwrap()
            .model
    }

    #[test]
    fn every_line_saving_and_driver_is_named() {
        let m = kent();
        let text = explain(&m);
        for l in &m.lines {
            assert!(
                text.contains(&l.name) && text.contains(&l.label),
                "{}",
                l.name
            );
        }
        for s in &m.savings {
            assert!(text.contains(&s.name), "{}", s.name);
        }
        for d in m
            .drivers
            .iter()
            .filter(|d| d.origin == DriverOrigin::Declared)
        {
            assert!(text.contains(&d.name), "{}", d.name);
        }
        assert!(text.contains("£75.0m"), "usable reserves:\n{text}");
    }

    #[test]
    fn a_table_aligns_its_figures_on_the_right() {
        let mut t = Table::new(&["name", "figure", ""]);
        t.row(vec!["a".into(), "1.0".into(), "first".into()]);
        t.row(vec!["long name".into(), "1,234.5".into(), "second".into()]);
        let mut out = String::new();
        t.render(&mut out);
        let rows: Vec<&str> = out.lines().collect();
        assert_eq!(rows[1], "  a              1.0  first");
        assert_eq!(rows[2], "  long name  1,234.5  second");
    }

    #[test]
    fn the_central_case_adds_up_to_the_engines_gap() {
        let m = kent();
        let text = explain(&m);
        let c = crate::engine::central(&m, f64_of(m.usable_reserves()));
        let gap = money(dec(c.gap), "£m");
        assert!(text.contains(&gap.to_string()), "{gap} in\n{text}");
    }
}

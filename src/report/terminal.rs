//! The terminal summary: what a finance officer reads first.

use std::fmt::Write as _;

use rust_decimal::Decimal;

use super::{amount, count, money, money_positive, money_se, money_up, percent, percent_interval};
use crate::format::amount_in;
use crate::stats::{Spread, Summary};

/// Renders the summary as plain text for a terminal, ending in a newline.
pub fn render(s: &Summary) -> String {
    let unit = s.model.unit.as_str();
    let mut out = String::new();
    if s.model.name.contains(&s.model.year) {
        let _ = writeln!(out, "{}", s.model.name);
    } else {
        let _ = writeln!(out, "{} — {}", s.model.name, s.model.year);
    }
    let _ = writeln!(
        out,
        "{} · model {}, sha256 {} · seed {} · {}",
        s.run.program,
        s.model.file,
        &s.model.sha256[..12.min(s.model.sha256.len())],
        s.run.seed,
        count(s.run.iterations, "simulated year", "simulated years"),
    );
    if let Some(warning) = super::few_iterations_warning(s) {
        let _ = writeln!(out, "{warning}");
    }
    out.push('\n');

    let _ = writeln!(
        out,
        "Budget gap before mitigation and shortfall after it, {unit} (positive = overspend)"
    );
    let _ = writeln!(
        out,
        "  central estimate (mean)  {}  (Monte Carlo standard error {})",
        money(s.gap.mean, unit),
        money_se(s.gap.mean_se, unit),
    );
    percentile_table(
        &mut out,
        unit,
        &[("gap", &s.gap), ("shortfall", &s.shortfall)],
    );
    let _ = writeln!(
        out,
        "  chance of any gap before mitigation (gap > 0)  {}",
        percent(s.gap.p_positive.estimate)
    );
    out.push('\n');

    let _ = writeln!(
        out,
        "After contingency and management action (on average {} used)",
        money(s.mitigation_used, unit)
    );
    let _ = writeln!(
        out,
        "  shortfall: mean {}, P90 {}, P95 {}",
        money(s.shortfall.mean, unit),
        money(pct(&s.shortfall, 90), unit),
        money(pct(&s.shortfall, 95), unit),
    );
    let d = &s.p_drawing_on_reserves;
    let [estimate, low, high] = percent_interval(d.estimate, d.ci95_low, d.ci95_high);
    let question = if no_reserves(s) {
        "chance of any shortfall (shortfall > 0)"
    } else {
        "chance of drawing on reserves at all (shortfall > 0)"
    };
    let _ = writeln!(
        out,
        "  {question}  {estimate}  (95% interval {low} to {high})"
    );
    out.push('\n');

    s114(&mut out, s);
    medium_term(&mut out, s);
    reserves_needed(&mut out, s);
    sensitivity(&mut out, s);
    tail(&mut out, s);

    let sv = &s.savings;
    if !sv.planned.is_zero() {
        let share = (sv.mean / sv.planned)
            .try_into()
            .map_or(String::new(), |x: f64| format!(" ({})", percent(x)));
        let _ = writeln!(
            out,
            "Savings: {} planned; {} delivered on average{share}",
            money(sv.planned, unit),
            money(sv.mean, unit),
        );
        let _ = writeln!(
            out,
            "  range {} to {}; 80% of simulated years between {} and {}",
            money(sv.min, unit),
            money(sv.max, unit),
            money(sv.p10, unit),
            money(sv.p90, unit),
        );
    }
    out
}

/// True when the run had no usable reserves: then any shortfall is S114-level, and the
/// chance of drawing on reserves is not a question that arises.
pub(super) fn no_reserves(s: &Summary) -> bool {
    s.reserves.usable <= Decimal::ZERO
}

/// The S114-level section: the threshold, the chance and the expected excess.
fn s114(out: &mut String, s: &Summary) {
    let unit = s.model.unit.as_str();
    let source = if s.reserves.overridden {
        format!(
            "set on the command line; the model says {}",
            money(s.reserves.model_usable, unit)
        )
    } else {
        "from the model".to_string()
    };
    let share = crate::format::of_net_budget(s.reserves.usable, s.model.net_budget)
        .map_or(String::new(), |x| {
            format!("{x} of the net revenue budget; ")
        });
    if no_reserves(s) {
        // No share of the net budget for nothing at all.
        let _ = writeln!(
            out,
            "S114-level shortfall: with no usable reserves ({source}), any shortfall after \
             mitigation is S114-level"
        );
    } else {
        let _ = writeln!(
            out,
            "S114-level shortfall: the shortfall exceeds usable reserves of {} ({share}{source})",
            money(s.reserves.usable, unit)
        );
    }
    let p = &s.s114.probability;
    let [estimate, low, high] = percent_interval(p.estimate, p.ci95_low, p.ci95_high);
    let _ = writeln!(
        out,
        "  chance                              {estimate}  (95% interval {low} to {high})"
    );
    if let Some(c) = s.convergence.as_ref().filter(|c| !c.reached) {
        let _ = writeln!(
            out,
            "  the interval is wider than the {} asked for with --precision: the cap of {} \
             simulated years came first; raise --iterations",
            percent(c.target_width),
            amount(Decimal::from(s.run.iterations), 0)
        );
    }
    let given = match s.s114.mean_excess_given_breach {
        Some(x) => format!(
            "; {} on average in the years that breach",
            money_positive(x, unit)
        ),
        None => String::new(),
    };
    let excess = if p.count > 0 {
        money_positive(s.s114.expected_excess, unit)
    } else {
        money(s.s114.expected_excess, unit)
    };
    let _ = writeln!(
        out,
        "  expected shortfall beyond reserves  {excess} a year{given}"
    );
    let _ = writeln!(
        out,
        "  (95% intervals show the simulation's precision, not the uncertainty in the \
         model's assumptions)"
    );
    out.push('\n');
}

/// For a plan of several years: the chance of an S114-level year over it, and a line per
/// year.
fn medium_term(out: &mut String, s: &Summary) {
    let Some(m) = s.medium_term.as_ref().filter(|m| !m.years.is_empty()) else {
        return;
    };
    let unit = s.model.unit.as_str();
    let (first, last) = (&m.years[0], &m.years[m.years.len() - 1]);
    let _ = writeln!(out, "Medium term, {} to {}", first.year, last.year);
    let p = &m.s114_any_year;
    let [estimate, low, high] = percent_interval(p.estimate, p.ci95_low, p.ci95_high);
    let when = super::medium::likeliest_first(m).map_or_else(
        || "; no simulation had one".to_string(),
        |y| format!("; the first most likely in {}", y.year),
    );
    let _ = writeln!(
        out,
        "  chance of an S114-level year  {estimate}  (95% interval {low} to {high}){when}"
    );
    let at = super::medium::at;
    let rows: Vec<[String; 8]> = m
        .years
        .iter()
        .map(|y| {
            [
                y.year.clone(),
                amount_in(at(&y.gap, 50), unit),
                amount_in(at(&y.gap, 90), unit),
                percent(y.p_drawing_on_reserves.estimate),
                percent(y.s114.estimate),
                percent(y.s114_by_now.estimate),
                amount_in(at(&y.balance, 50), unit),
                amount_in(at(&y.balance, 5), unit),
            ]
        })
        .collect();
    let header = [
        "year".to_string(),
        "gap P50".into(),
        "gap P90".into(),
        "drawing".into(),
        "S114-level".into(),
        "by its end".into(),
        "reserves P50".into(),
        "reserves P5".into(),
    ];
    let widths: Vec<usize> = (0..8)
        .map(|i| {
            std::iter::once(&header)
                .chain(&rows)
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = format!("  {:<w$}", row[0], w = widths[0]);
        for (cell, w) in row.iter().zip(&widths).skip(1) {
            let _ = write!(line, "  {cell:>w$}");
        }
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(
        out,
        "  (amounts in {unit}: the gap before mitigation; usable reserves at the year's end)"
    );
    out.push('\n');
}

/// The opening usable reserves needed at 95% confidence, against those held.
fn reserves_needed(out: &mut String, s: &Summary) {
    let Some(r) = &s.reserves_needed else {
        return;
    };
    let unit = s.model.unit.as_str();
    let Some(level) = r
        .levels
        .iter()
        .find(|l| l.confidence == 95)
        .or_else(|| r.levels.iter().max_by_key(|l| l.confidence))
    else {
        return;
    };
    let _ = writeln!(
        out,
        "Reserves needed {} (for at most a {}% chance of an S114-level year)",
        crate::format::over_period(&r.period),
        100u32.saturating_sub(level.confidence)
    );
    let of_budget = level.share_of_net_budget.map_or(String::new(), |x| {
        format!("; {} of net budget", super::share(x))
    });
    let _ = writeln!(
        out,
        "  opening usable reserves  {}  (95% interval {} to {}{of_budget})",
        money_up(level.amount, unit),
        money_up(level.ci95_low, unit),
        money_up(level.ci95_high, unit),
    );
    let side = match r.own.cmp(&level.amount) {
        std::cmp::Ordering::Greater => "above",
        std::cmp::Ordering::Less => "below",
        std::cmp::Ordering::Equal => "at",
    };
    let own_share = r
        .own_share_of_net_budget
        .map_or(String::new(), |x| format!(" ({})", super::share(x)));
    let floor = r.floor.map_or(String::new(), |f| {
        let share = r
            .floor_share
            .and_then(|x| x.try_into().ok())
            .map_or(String::new(), |x: f64| {
                format!(" ({})", crate::format::short_percent(x))
            });
        format!("; policy floor {}{share}", money(f, unit))
    });
    let _ = writeln!(
        out,
        "  held                     {}{own_share}, {side} that level{floor}",
        money(r.own, unit)
    );
    out.push('\n');
}

fn pct(s: &Spread, p: u32) -> Decimal {
    s.percentiles
        .iter()
        .find(|x| x.p == p)
        .map_or(Decimal::ZERO, |x| x.value)
}

/// The headline percentiles of each spread, in the model's unit at its display precision.
fn percentile_table(out: &mut String, unit: &str, rows: &[(&str, &Spread)]) {
    let Some((_, first)) = rows.first() else {
        return;
    };
    // Columns wide enough for the widest figure, so large £ amounts never run together.
    let width = rows
        .iter()
        .flat_map(|(_, s)| s.percentiles.iter().map(|p| amount_in(p.value, unit).len()))
        .max()
        .unwrap_or(0)
        .max(6)
        + 3;
    let mut header = format!("  {:<10}", "");
    for p in &first.percentiles {
        let _ = write!(header, "{:>width$}", format!("P{}", p.p));
    }
    let _ = writeln!(out, "{header}");
    for (name, spread) in rows {
        let mut line = format!("  {name:<10}");
        for p in &spread.percentiles {
            let _ = write!(line, "{:>width$}", amount_in(p.value, unit));
        }
        let _ = writeln!(out, "{line}");
    }
}

/// The five factors with the largest share of the gap's variance (the savings programme's
/// delivery counted as one).
fn sensitivity(out: &mut String, s: &Summary) {
    let unit = s.model.unit.as_str();
    let shown = super::shown_factors(s, 5);
    let top: Vec<_> = shown.iter().map(|(_, d)| *d).collect();
    if top.is_empty() {
        return;
    }
    let width = top
        .iter()
        .map(|d| d.label.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(20, 48);
    let effects: Vec<String> = top
        .iter()
        .map(|d| {
            format!(
                "{} / {}",
                super::signed_money(d.low_effect, unit),
                super::signed_money(d.high_effect, unit)
            )
        })
        .collect();
    let effect_width = effects
        .iter()
        .map(|e| e.chars().count())
        .chain(std::iter::once("lowest / highest tenth".len()))
        .max()
        .unwrap_or(0);
    let indent = width + 5;
    let _ = writeln!(
        out,
        "{:<indent$}  {:>8}  {:<effect_width$}  rank",
        "What drives the gap", "share of", "its own effect:",
    );
    let _ = writeln!(
        out,
        "{:<indent$}  {:>8}  {:<effect_width$}  corr.",
        "", "variance", "lowest / highest tenth",
    );
    for ((rank, d), effect) in shown.iter().zip(&effects) {
        let label: String = if d.label.chars().count() > width {
            let mut cut: String = d.label.chars().take(width - 1).collect();
            cut.push('…');
            cut
        } else {
            d.label.clone()
        };
        let _ = writeln!(
            out,
            "  {rank}. {label:<width$}  {:>8}  {effect:<effect_width$}  {:+.2}",
            super::share(d.contribution),
            d.rank_correlation,
        );
    }
    let grouped = if top.iter().any(|d| !d.members.is_empty()) {
        " (the savings programme's delivery counted as one)"
    } else {
        ""
    };
    let _ = writeln!(out, "  Largest share of the variance first{grouped}.");
    let explained = super::share(s.sensitivity.explained);
    if explained == "100.0%" {
        let _ = writeln!(
            out,
            "  The drivers' own effects account for all of the variance."
        );
    } else {
        let _ = writeln!(
            out,
            "  The drivers' own effects account for {explained} of the variance;\n  the rest \
             comes from drivers acting together."
        );
    }
    out.push('\n');
}

/// What the years that breach reserves look like.
fn tail(out: &mut String, s: &Summary) {
    let unit = s.model.unit.as_str();
    let Some(t) = &s.tail else {
        return;
    };
    let _ = writeln!(
        out,
        "What an S114-level year looks like ({} of {})",
        amount(Decimal::from(t.years), 0),
        count(s.run.iterations, "simulated year", "simulated years")
    );
    let _ = writeln!(
        out,
        "  gap {} on average ({} in an average year); management action used {}",
        money(t.mean_gap, unit),
        money(s.gap.mean, unit),
        money(t.mean_mitigation_used, unit)
    );
    for shift in t.drivers.iter().take(5) {
        let _ = writeln!(out, "  {}", super::describe_shift(shift, unit));
    }
    let money_items = super::tail_money(t, unit, 4);
    if !money_items.is_empty() {
        let _ = writeln!(out, "  where the money goes:");
        for item in money_items {
            let _ = writeln!(out, "    {item}");
        }
    }
    let breach_savings: f64 = t.savings.iter().map(|x| x.breach_mean).sum();
    let all_savings: f64 = t.savings.iter().map(|x| x.mean).sum();
    if !t.savings.is_empty() {
        let _ = writeln!(
            out,
            "  savings delivered {} on average in those years ({} in an average year)",
            super::measured_value("money", breach_savings, unit),
            super::measured_value("money", all_savings, unit),
        );
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::fixture;

    #[test]
    fn a_one_year_summary_without_the_new_parts_prints_as_before() {
        let s = &fixture::kent().1;
        let text = render(s);
        assert!(!text.contains("Medium term"), "{text}");
        assert!(!text.contains("Reserves needed"), "{text}");
        // The reserves question adds its three lines and a blank one, and nothing else.
        let with = render(&fixture::one_year());
        let added: Vec<&str> = with
            .lines()
            .filter(|l| !text.lines().any(|t| t == *l))
            .collect();
        assert_eq!(added.len(), 3, "{added:?}");
        assert!(added[0].starts_with("Reserves needed in 2024/25 (for at most a 5% chance"));
        assert_eq!(with.lines().count(), text.lines().count() + 4);
    }

    #[test]
    fn a_plan_prints_a_line_per_year_and_the_reserves_needed() {
        let text = render(&fixture::multi_year());
        assert!(
            text.contains(
                "Medium term, 2024/25 to 2026/27\n  chance of an S114-level year  11.5%  (95% \
             interval 11.3% to 11.7%); the first most likely in 2026/27\n"
            ),
            "{text}"
        );
        assert!(text.contains(
            "  2026/27     50.0     95.0    74.0%       10.8%       11.5%          40.0        -25.0\n"
        ), "{text}");
        assert!(text.contains(
            "  opening usable reserves  £105.4m  (95% interval £102.9m to £108.1m; 7.4% of net budget)\n  \
             held                     £75.0m (5.2%), below that level; policy floor £71.5m (5%)\n"
        ), "{text}");
    }
}

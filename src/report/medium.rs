//! The report's "Medium term" section, for a model of several years: the figures of each
//! year (the gap, the chance of drawing on reserves and of an S114-level year, the
//! reserves left at its end), the chance of an S114-level year over the horizon and when
//! the first is most likely, and what the model assumes after one.

use rust_decimal::Decimal;

use super::document::Block;
use super::{money, percent, percent_interval, signed_money};
use crate::format::amount_in;
use crate::stats::{MediumTerm, Probability, Summary, YearFigures, YearSpread};

/// The value of percentile `p` of a year's spread (its mean if the summary lacks it).
pub fn at(spread: &YearSpread, p: u32) -> Decimal {
    spread
        .percentiles
        .iter()
        .find(|q| q.p == p)
        .map_or(spread.mean, |q| q.value)
}

/// "11.5% (11.3% to 11.7%)".
pub fn with_interval(p: &Probability) -> String {
    let [estimate, low, high] = percent_interval(p.estimate, p.ci95_low, p.ci95_high);
    format!("{estimate} ({low} to {high})")
}

/// The year most likely to be the first S114-level one (the earliest of equals), if any
/// simulation had one.
pub fn likeliest_first(m: &MediumTerm) -> Option<&YearFigures> {
    m.years.iter().filter(|y| y.first_breach.count > 0).fold(
        None,
        |best: Option<&YearFigures>, y| match best {
            Some(b) if b.first_breach.estimate >= y.first_breach.estimate => Some(b),
            _ => Some(y),
        },
    )
}

/// The horizon in one sentence: "The chance of an S114-level year between 2024/25 and
/// 2026/27 is 11.5% (95% interval 11.3% to 11.7%); the first breach is most likely in
/// 2026/27 (8.4%)." `None` for a medium term without years.
pub fn horizon_sentence(m: &MediumTerm) -> Option<String> {
    let (first, last) = (m.years.first()?, m.years.last()?);
    let p = &m.s114_any_year;
    let [estimate, low, high] = percent_interval(p.estimate, p.ci95_low, p.ci95_high);
    let when = match likeliest_first(m) {
        Some(y) => format!(
            "; the first breach is most likely in {} ({})",
            y.year,
            percent(y.first_breach.estimate)
        ),
        None => ": no simulation had one".to_string(),
    };
    Some(format!(
        "The chance of an S114-level year between {} and {} is {estimate} (95% interval \
         {low} to {high}){when}.",
        first.year, last.year
    ))
}

/// The section, for a model of several years; nothing for one year.
pub fn section(s: &Summary) -> Vec<Block> {
    let Some(m) = s.medium_term.as_ref().filter(|m| !m.years.is_empty()) else {
        return Vec::new();
    };
    let unit = s.model.unit.as_str();
    let (first, last) = (&m.years[0], &m.years[m.years.len() - 1]);
    let mut out = vec![Block::Heading(
        2,
        format!("Medium term: {} to {}", first.year, last.year),
    )];
    let never = &m.never_breached;
    if let Some(sentence) = horizon_sentence(m) {
        out.push(Block::Paragraph(format!(
            "{sentence} In {} of simulations (95% interval {}) no year of the plan is \
             S114-level. Each simulation is one path through every year of the plan, so a \
             bad year's shortfall stays with the reserves of the years after it.",
            percent(never.estimate),
            {
                let [_, low, high] =
                    percent_interval(never.estimate, never.ci95_low, never.ci95_high);
                format!("{low} to {high}")
            }
        )));
    }
    if !m.after_breach.trim().is_empty() {
        let text = m.after_breach.trim();
        let stop = if text.ends_with('.') { "" } else { "." };
        out.push(Block::Paragraph(format!(
            "What the model assumes after an S114-level year: {text}{stop}"
        )));
    }
    let rows = m
        .years
        .iter()
        .map(|y| {
            vec![
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
    out.push(Block::Table {
        header: [
            "Year",
            "Gap P50",
            "Gap P90",
            "Drawing on reserves",
            "S114-level in the year",
            "S114-level by its end",
            "Reserves at year end, P50",
            "Reserves at year end, P5",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        numeric: (0..8).map(|i| i > 0).collect(),
    });
    let opening = s
        .reserves_needed
        .as_ref()
        .map_or(s.reserves.usable, |r| r.own);
    let movements: Vec<String> = m
        .years
        .iter()
        .filter(|y| !y.planned_reserves.is_zero())
        .map(|y| format!("{} {}", y.year, signed_money(y.planned_reserves, unit)))
        .collect();
    let planned = if movements.is_empty() {
        String::new()
    } else {
        format!(" The plan moves reserves by {}.", movements.join(", "))
    };
    out.push(Block::Paragraph(format!(
        "Amounts in {unit}. The gap is before contingency and management action. Reserves \
         are usable reserves at the end of each year: the opening {}, plus the planned \
         movements, less each year's shortfall after mitigation (a negative balance is a \
         deficit carried forward); in 95% of simulations they end the year above P5.{planned} \
         Chances are shares of the simulations; their 95% intervals are below, and \
         years.csv gives every figure with its interval.",
        money(opening, unit),
    )));
    out.push(Block::Table {
        header: [
            "Year",
            "S114-level in the year",
            "First S114-level year",
            "S114-level by its end",
        ]
        .map(String::from)
        .to_vec(),
        rows: m
            .years
            .iter()
            .map(|y| {
                vec![
                    y.year.clone(),
                    with_interval(&y.s114),
                    with_interval(&y.first_breach),
                    with_interval(&y.s114_by_now),
                ]
            })
            .collect(),
        numeric: vec![false, true, true, true],
    });
    out.push(Block::Figure {
        chart: "gap_fan",
        caption: "The gap before mitigation in each year: the median, the middle half and \
                  the middle 90% of simulations."
            .into(),
    });
    let floor = s
        .reserves_needed
        .as_ref()
        .and_then(|r| r.floor)
        .map_or(String::new(), |f| {
            format!(", and the policy floor of {}", money(f, unit))
        });
    out.push(Block::Figure {
        chart: "reserves_fan",
        caption: format!(
            "Usable reserves at the end of each year from the opening {}, with £0 marked \
             (below it the year is S114-level){floor}.",
            money(opening, unit)
        ),
    });
    out.push(Block::Figure {
        chart: "first_breach",
        caption: format!(
            "The chance that each year is the first S114-level one, with its 95% interval, \
             and of an S114-level year by the end of each; in {} of simulations no year is.",
            percent(never.estimate)
        ),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::fixture;

    #[test]
    fn the_horizon_in_one_sentence() {
        let m = fixture::medium_term();
        assert_eq!(
            horizon_sentence(&m).unwrap(),
            "The chance of an S114-level year between 2024/25 and 2026/27 is 11.5% (95% \
             interval 11.3% to 11.7%); the first breach is most likely in 2026/27 (8.4%)."
        );
        let mut none = m.clone();
        for y in &mut none.years {
            y.first_breach = fixture::chance(0.0, 0.0, 0.000_04);
        }
        none.s114_any_year = fixture::chance(0.0, 0.0, 0.000_04);
        assert_eq!(
            horizon_sentence(&none).unwrap(),
            "The chance of an S114-level year between 2024/25 and 2026/27 is 0.00% (95% \
             interval 0.00% to <0.01%): no simulation had one."
        );
    }

    #[test]
    fn the_section_has_a_row_per_year_and_the_three_charts() {
        let s = fixture::multi_year();
        let blocks = section(&s);
        assert_eq!(
            blocks[0],
            Block::Heading(2, "Medium term: 2024/25 to 2026/27".into())
        );
        let tables: Vec<&Vec<Vec<String>>> = blocks
            .iter()
            .filter_map(|b| match b {
                Block::Table { rows, .. } => Some(rows),
                _ => None,
            })
            .collect();
        assert_eq!(tables.len(), 2);
        assert_eq!(
            tables[0][2],
            [
                "2026/27", "50.0", "95.0", "74.0%", "10.8%", "11.5%", "40.0", "-25.0"
            ]
        );
        assert_eq!(tables[1][1][2], "2.60% (2.50% to 2.70%)");
        let charts: Vec<&str> = blocks
            .iter()
            .filter_map(|b| match b {
                Block::Figure { chart, .. } => Some(*chart),
                _ => None,
            })
            .collect();
        assert_eq!(charts, ["gap_fan", "reserves_fan", "first_breach"]);
        let text = format!("{blocks:?}");
        assert!(text.contains("no recovery plan is assumed."), "{text}");
        assert!(text.contains("2025/26 -£10.0m, 2026/27 -£5.0m"), "{text}");
        assert!(section(&fixture::one_year()).is_empty());
    }
}

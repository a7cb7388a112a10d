//! The report's "Reserves needed" section: the opening usable reserves that keep the chance
//! of an S114-level year over the period at or below 20%, 10%, 5% and 1%, beside the
//! council's own reserves and its policy floor, and the sentence for the section 25
//! report.

use rust_decimal::Decimal;

use super::document::Block;
use super::{money, money_up, percent, percent_interval, share};
use crate::format::{over_period as over, short_percent};
use crate::stats::{Probability, ReserveLevel, ReservesNeeded, Summary};

/// The level the section 25 sentence states: 95% confidence, or the highest stated.
fn headline_level(r: &ReservesNeeded) -> Option<&ReserveLevel> {
    r.levels
        .iter()
        .find(|l| l.confidence == 95)
        .or_else(|| r.levels.iter().max_by_key(|l| l.confidence))
}

/// A share of the net budget in brackets, " (5.2%)", or "" without one.
fn bracketed(x: Option<f64>) -> String {
    x.filter(|x| x.is_finite())
        .map_or(String::new(), |x| format!(" ({})", share(x)))
}

/// A policy floor given as a share of the net budget: `5%`.
fn floor_share(r: &ReservesNeeded) -> Option<String> {
    r.floor_share
        .and_then(|x| x.try_into().ok())
        .map(|x: f64| short_percent(x))
}

/// The sentence a chief finance officer would put in a section 25 report, e.g. "To keep
/// the chance of an S114-level shortfall over 2024/25 to 2026/27 at or below 5%, the
/// council would need opening usable reserves of £105.5m (95% interval £102.9m to
/// £108.2m), 7.4% of its net budget; it holds £75.0m (5.2%), below that level, against a
/// policy floor of £71.5m (5%)." Amounts needed are rounded up (a reserve that must
/// cover an amount, rounded down, would fall just short); the shares are left out when
/// the model gives no net budget, the floor when it states none. `None` when no level is
/// stated.
pub fn section25(r: &ReservesNeeded, unit: &str) -> Option<String> {
    let level = headline_level(r)?;
    let chance = 100u32.saturating_sub(level.confidence);
    let needed = if level.amount <= Decimal::ZERO {
        if level.ci95_high > Decimal::ZERO {
            format!(
                "would need no opening usable reserves (95% interval {} to {})",
                money_up(level.ci95_low.max(Decimal::ZERO), unit),
                money_up(level.ci95_high, unit)
            )
        } else {
            "would need no opening usable reserves".to_string()
        }
    } else {
        let of_budget = level
            .share_of_net_budget
            .filter(|x| x.is_finite())
            .map_or(String::new(), |x| {
                format!(", {} of its net budget", share(x))
            });
        format!(
            "would need opening usable reserves of {} (95% interval {} to {}){of_budget}",
            money_up(level.amount, unit),
            money_up(level.ci95_low, unit),
            money_up(level.ci95_high, unit)
        )
    };
    let side = if r.own > level.amount {
        "above"
    } else if r.own < level.amount {
        "below"
    } else {
        "at"
    };
    let within = side != "at" && r.own >= level.ci95_low && r.own <= level.ci95_high;
    let position = if within {
        format!("{side} that level but within its 95% interval")
    } else {
        format!("{side} that level")
    };
    let floor = match (r.floor, floor_share(r)) {
        (Some(f), Some(sh)) => format!(", against a policy floor of {} ({sh})", money(f, unit)),
        (Some(f), None) => format!(", against a policy floor of {}", money(f, unit)),
        (None, Some(sh)) => format!(", against a policy floor of {sh} of its net budget"),
        (None, None) => String::new(),
    };
    Some(format!(
        "To keep the chance of an S114-level shortfall {} at or below {chance}%, the council \
         {needed}; it holds {}{}, {position}{floor}.",
        over(&r.period),
        money(r.own, unit),
        bracketed(r.own_share_of_net_budget),
    ))
}

/// The chance of an S114-level year over the period with the council's own reserves: the
/// horizon's for a plan of several years, the year's for one.
pub fn own_chance(s: &Summary) -> &Probability {
    s.medium_term
        .as_ref()
        .map_or(&s.s114.probability, |m| &m.s114_any_year)
}

/// The section, for a summary that has the reserves question; nothing otherwise.
pub fn section(s: &Summary) -> Vec<Block> {
    let Some(r) = &s.reserves_needed else {
        return Vec::new();
    };
    let unit = s.model.unit.as_str();
    let mut out = vec![Block::Heading(2, "Reserves needed".into())];
    if let Some(sentence) = section25(r, unit) {
        out.push(Block::Paragraph(sentence));
    }
    let levels: Vec<String> = r
        .levels
        .iter()
        .map(|l| format!("{}%", 100u32.saturating_sub(l.confidence)))
        .collect();
    let p = own_chance(s);
    let [estimate, low, high] = percent_interval(p.estimate, p.ci95_low, p.ci95_high);
    out.push(Block::Paragraph(format!(
        "With the reserves it holds, the chance of an S114-level year {} is {estimate} (95% \
         interval {low} to {high}). The table gives the opening usable reserves at which \
         that chance is at most {} ({} confidence), beside the reserves the council holds{}. \
         The intervals show how precisely the simulation has found each level (more \
         simulated years would narrow them), not the uncertainty in the model's \
         assumptions.",
        over(&r.period),
        join(&levels),
        join(
            &r.levels
                .iter()
                .map(|l| l.confidence.to_string())
                .collect::<Vec<_>>()
        ) + "%",
        if r.floor.is_some() || r.floor_share.is_some() {
            " and its policy floor"
        } else {
            ""
        },
    )));
    let with_shares = r.levels.iter().any(|l| l.share_of_net_budget.is_some())
        || r.own_share_of_net_budget.is_some()
        || r.floor_share.is_some();
    let mut header = vec![
        String::new(),
        "Opening usable reserves".into(),
        "95% interval".into(),
    ];
    if with_shares {
        header.push("Share of net budget".into());
    }
    let mut rows = Vec::new();
    for l in &r.levels {
        let mut row = vec![
            format!("Needed for {}% confidence", l.confidence),
            money_up(l.amount, unit),
            format!(
                "{} to {}",
                money_up(l.ci95_low, unit),
                money_up(l.ci95_high, unit)
            ),
        ];
        if with_shares {
            row.push(l.share_of_net_budget.map_or("—".into(), share));
        }
        rows.push(row);
    }
    let mut own = vec![
        "Held by the council".to_string(),
        money(r.own, unit),
        "—".into(),
    ];
    if with_shares {
        own.push(r.own_share_of_net_budget.map_or("—".into(), share));
    }
    rows.push(own);
    if r.floor.is_some() || r.floor_share.is_some() {
        let mut floor = vec![
            "Policy floor".to_string(),
            r.floor.map_or("—".into(), |f| money(f, unit)),
            "—".into(),
        ];
        if with_shares {
            floor.push(floor_share(r).unwrap_or_else(|| "—".into()));
        }
        rows.push(floor);
    }
    let columns = header.len();
    out.push(Block::Table {
        header,
        rows,
        numeric: (0..columns).map(|i| i > 0).collect(),
    });
    out.push(Block::Figure {
        chart: "reserves_curve",
        caption: format!(
            "The chance of no S114-level year {} against the opening usable reserves, with \
             the reserves held{}, and the levels needed at each confidence with their 95% \
             intervals. {} with the reserves held.",
            over(&r.period),
            if r.floor.is_some() {
                " and the policy floor"
            } else {
                ""
            },
            percent(1.0 - p.estimate),
        ),
    });
    out
}

/// "20%, 10%, 5% and 1%".
fn join(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::fixture::{self, d};

    fn plan() -> ReservesNeeded {
        fixture::reserves_needed()
    }

    #[test]
    fn the_section_25_sentence_below_the_level_with_a_floor() {
        assert_eq!(
            section25(&plan(), "£m").unwrap(),
            "To keep the chance of an S114-level shortfall over 2024/25 to 2026/27 at or \
             below 5%, the council would need opening usable reserves of £105.4m (95% \
             interval £102.9m to £108.1m), 7.4% of its net budget; it holds £75.0m (5.2%), \
             below that level, against a policy floor of £71.5m (5%)."
        );
    }

    #[test]
    fn the_section_25_sentence_above_the_level_for_one_year() {
        let mut r = plan();
        r.period = "2024/25".into();
        r.own = d("120");
        r.own_share_of_net_budget = Some(120.0 / 1429.0);
        assert_eq!(
            section25(&r, "£m").unwrap(),
            "To keep the chance of an S114-level shortfall in 2024/25 at or below 5%, the \
             council would need opening usable reserves of £105.4m (95% interval £102.9m to \
             £108.1m), 7.4% of its net budget; it holds £120.0m (8.4%), above that level, \
             against a policy floor of £71.5m (5%)."
        );
    }

    #[test]
    fn the_section_25_sentence_without_a_net_budget_or_floor() {
        let mut r = plan();
        r.own_share_of_net_budget = None;
        r.floor = None;
        r.floor_share = None;
        for l in &mut r.levels {
            l.share_of_net_budget = None;
        }
        assert_eq!(
            section25(&r, "£m").unwrap(),
            "To keep the chance of an S114-level shortfall over 2024/25 to 2026/27 at or \
             below 5%, the council would need opening usable reserves of £105.4m (95% \
             interval £102.9m to £108.1m); it holds £75.0m, below that level."
        );
        r.own = d("110");
        assert_eq!(
            section25(&r, "£m").unwrap(),
            "To keep the chance of an S114-level shortfall over 2024/25 to 2026/27 at or \
             below 5%, the council would need opening usable reserves of £105.4m (95% \
             interval £102.9m to £108.1m); it holds £110.0m, above that level."
        );
    }

    #[test]
    fn the_section_25_sentence_says_when_the_reserves_held_are_within_the_interval() {
        let mut r = plan();
        r.own = d("104");
        r.own_share_of_net_budget = None;
        r.floor = None;
        assert_eq!(
            section25(&r, "£m").unwrap(),
            "To keep the chance of an S114-level shortfall over 2024/25 to 2026/27 at or \
             below 5%, the council would need opening usable reserves of £105.4m (95% \
             interval £102.9m to £108.1m), 7.4% of its net budget; it holds £104.0m, below \
             that level but within its 95% interval, against a policy floor of 5% of its net \
             budget."
        );
    }

    #[test]
    fn the_section_25_sentence_when_no_reserves_are_needed() {
        let mut r = plan();
        r.levels = vec![ReserveLevel {
            confidence: 95,
            amount: d("0"),
            ci95_low: d("0"),
            ci95_high: d("0"),
            share_of_net_budget: Some(0.0),
        }];
        r.floor = None;
        r.floor_share = None;
        assert_eq!(
            section25(&r, "£m").unwrap(),
            "To keep the chance of an S114-level shortfall over 2024/25 to 2026/27 at or \
             below 5%, the council would need no opening usable reserves; it holds £75.0m \
             (5.2%), above that level."
        );
        r.levels.clear();
        assert_eq!(section25(&r, "£m"), None);
    }

    #[test]
    fn the_section_lists_each_level_the_reserves_held_and_the_floor() {
        let s = fixture::multi_year();
        let blocks = section(&s);
        assert_eq!(blocks[0], Block::Heading(2, "Reserves needed".into()));
        let Some(Block::Table { header, rows, .. }) =
            blocks.iter().find(|b| matches!(b, Block::Table { .. }))
        else {
            panic!("no table in {blocks:?}");
        };
        assert_eq!(header.len(), 4);
        let names: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(
            names,
            [
                "Needed for 80% confidence",
                "Needed for 90% confidence",
                "Needed for 95% confidence",
                "Needed for 99% confidence",
                "Held by the council",
                "Policy floor"
            ]
        );
        assert_eq!(rows[2][1..], ["£105.4m", "£102.9m to £108.1m", "7.4%"]);
        assert_eq!(rows[4][1..], ["£75.0m", "—", "5.2%"]);
        assert_eq!(rows[5][1..], ["£71.5m", "—", "5%"]);
        let text = format!("{blocks:?}");
        assert!(
            text.contains(
                "With the reserves it holds, the chance of an S114-level year over 2024/25 to \
                 2026/27 is 11.5% (95% interval 11.3% to 11.7%)."
            ),
            "{text}"
        );
        assert!(section(&fixture::kent().1).is_empty());
    }

    #[test]
    fn a_run_without_a_floor_mentions_none() {
        let s = &fixture::kent_as_run().1;
        let text = format!("{:?}", section(s));
        assert!(
            text.contains(
                "To keep the chance of an S114-level shortfall in 2024/25 at or below 5%, the \
                 council would need opening usable reserves of £"
            ),
            "{text}"
        );
        assert!(!text.to_lowercase().contains("policy floor"), "{text}");
    }
}

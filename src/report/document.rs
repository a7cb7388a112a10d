//! The committee report's content, once, as a list of blocks that `html` and `markdown`
//! render: the same words and numbers in both.
//!
//! Every number comes from the [`Summary`] (so it equals `summary.json`'s) and is formatted
//! with [`crate::format`]: £m to one decimal (two significant figures for smaller
//! amounts), percentages to one decimal (two below 1%, so that a small risk and its
//! interval stay distinguishable). Figures with a Monte Carlo uncertainty carry it where a
//! reader needs it: in the headline, in ± columns, and in the precision section
//! ([`super::precision`]). "What drives the gap" is [`super::drivers`].

use rust_decimal::Decimal;

use super::date::Date;
use super::{
    amount, count, describe_shift, measured_value, money, money_positive, money_up, percent,
    percent_interval,
};
use crate::format::{amount_in, of_net_budget};
use crate::model::Model;
use crate::stats::{Spread, Summary};

/// One block of the report.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A heading; level 1 is the title.
    Heading(u8, String),
    /// The line under the title: the report's date and what it was made from.
    Dateline(String),
    /// A paragraph of plain text.
    Paragraph(String),
    /// The headline sentence, set apart, with a note read with it (what its interval
    /// means).
    Headline {
        /// The sentence.
        text: String,
        /// The note beneath it.
        note: String,
    },
    /// A bulleted list.
    List(Vec<String>),
    /// A table: header cells and rows; `numeric[i]` right-aligns column i.
    Table {
        /// Header cells.
        header: Vec<String>,
        /// Body rows.
        rows: Vec<Vec<String>>,
        /// Which columns hold numbers.
        numeric: Vec<bool>,
    },
    /// A chart, by file stem, with its caption.
    Figure {
        /// Chart file stem (`distribution`, ...).
        chart: &'static str,
        /// Caption.
        caption: String,
    },
    /// Preformatted text (the command that reproduces the run).
    Code(String),
}

/// "a" or "an" before a percentage as it is read aloud: "an 8.2%", "an 11%", "an 18.5%",
/// "an 80%", "a 1.3%".
fn article(number: &str) -> &'static str {
    let digits: String = number.chars().take_while(|c| c.is_ascii_digit()).collect();
    // Eight, eighteen, eighty, eight hundred …; eleven; but not "one hundred and eleven".
    if digits.starts_with('8') || digits == "11" || digits == "18" {
        "an"
    } else {
        "a"
    }
}

/// The headline sentence: "There is a X% (95% interval a to b%) chance that …". With no
/// usable reserves it says that any shortfall is then S114-level, rather than call the
/// chance of any shortfall by another name.
pub fn headline(s: &Summary) -> String {
    let p = &s.s114.probability;
    let [estimate, low, high] = percent_interval(p.estimate, p.ci95_low, p.ci95_high);
    if super::terminal::no_reserves(s) {
        format!(
            "With no usable reserves, any shortfall is S114-level: there is {} {estimate} \
             (95% interval {low} to {high}) chance of a {} shortfall after mitigation.",
            article(&estimate),
            s.model.year,
        )
    } else {
        format!(
            "There is {} {estimate} (95% interval {low} to {high}) chance that the {} \
             shortfall exceeds usable reserves of {}.",
            article(&estimate),
            s.model.year,
            money(s.reserves.usable, &s.model.unit)
        )
    }
}

/// What the headline's interval is, said where it is read.
pub const HEADLINE_NOTE: &str = "The interval is the simulation's precision only: it does \
    not cover the uncertainty in the model's assumptions, which the assumptions and sources \
    below set out.";

pub(super) fn pct_value(spread: &Spread, p: u32) -> Decimal {
    spread
        .percentiles
        .iter()
        .find(|x| x.p == p)
        .map_or(Decimal::ZERO, |x| x.value)
}

/// " (5.2% of the net revenue budget)" when the model gives its net budget, else "".
fn of_budget(s: &Summary, value: Decimal) -> String {
    of_net_budget(value, s.model.net_budget).map_or(String::new(), |x| {
        format!(" ({x} of the net revenue budget)")
    })
}

/// Builds the report, dated `date`.
pub fn build(s: &Summary, model: &Model, date: &Date) -> Vec<Block> {
    let mut out = Vec::new();
    out.push(Block::Heading(
        1,
        format!("{}: budget gap risk", s.model.name),
    ));
    out.push(Block::Dateline(format!(
        "Report dated {date}, from {} of the model {} (seed {}, {}).",
        count(s.run.iterations, "simulated year", "simulated years"),
        s.model.file,
        s.run.seed,
        s.run.program
    )));
    // A plan of several years leads with the horizon, then its first year.
    let text = match s
        .medium_term
        .as_ref()
        .and_then(super::medium::horizon_sentence)
    {
        Some(horizon) => format!("{horizon} {}", headline(s)),
        None => headline(s),
    };
    out.push(Block::Headline {
        text,
        note: HEADLINE_NOTE.into(),
    });
    if let Some(warning) = super::few_iterations_warning(s) {
        out.push(Block::Paragraph(warning));
    }
    // The picture straight after the headline: on paper it then shares the first page with
    // the headline, and the words that follow fill the rest of it.
    out.push(Block::Figure {
        chart: "distribution",
        caption: format!(
            "Distribution of the gap and the shortfall. Shaded: shortfall beyond usable \
             reserves ({} of years).",
            percent(s.s114.probability.estimate)
        ),
    });
    out.extend(summary_in_words(s));
    out.extend(super::medium::section(s));
    out.extend(super::reserves::section(s));
    out.extend(range(s));
    out.extend(super::drivers::drivers(s));
    out.extend(tail(s));

    // Central case and savings.
    let heading = if s.savings.planned.is_zero() {
        "The central case"
    } else {
        "The central case and savings at risk"
    };
    out.push(Block::Heading(2, heading.into()));
    out.push(Block::Figure {
        chart: "waterfall",
        caption: "From a balanced budget to the expected gap and shortfall: mean pressures by \
                  group, savings not delivered, funding, and mitigation used."
            .into(),
    });
    out.extend(super::precision::outturns(s));
    if !s.savings.planned.is_zero() {
        out.extend(savings(s));
    }

    out.extend(super::precision::precision(s));
    out.extend(super::assumptions::section(s, model));
    out.extend(super::precision::correlations(s, model));
    out.extend(method(s));
    out
}

/// The paragraphs under the headline: the central case, the chance of drawing on reserves,
/// the reserves that would cover most years, and the expected excess.
fn summary_in_words(s: &Summary) -> Vec<Block> {
    let unit = s.model.unit.as_str();
    let m = |d: Decimal| money(d, unit);
    let mut out = Vec::new();
    if s.reserves.overridden {
        out.push(Block::Paragraph(format!(
            "Usable reserves of {} were set for this run on the command line; the model \
             file's reserves, listed under assumptions, add up to {}.",
            m(s.reserves.usable),
            m(s.reserves.model_usable)
        )));
    }
    let p95 = pct_value(&s.shortfall, 95).max(Decimal::ZERO);
    let p99 = s
        .percentiles
        .iter()
        .find(|r| r.p == 99)
        .map_or(Decimal::ZERO, |r| r.shortfall)
        .max(Decimal::ZERO);
    let d = &s.p_drawing_on_reserves;
    let [drawing, low, high] = percent_interval(d.estimate, d.ci95_low, d.ci95_high);
    let drawing = if super::terminal::no_reserves(s) {
        format!(
            "A shortfall after mitigation occurs in {drawing} of simulated years (95% \
             interval {low} to {high}); with no usable reserves to draw on, every one of them \
             is S114-level."
        )
    } else {
        format!(
            "The council draws on its reserves at all, to meet a shortfall after mitigation, \
             in {drawing} of simulated years (95% interval {low} to {high}); the headline is \
             the rarer case in which reserves are not enough."
        )
    };
    let reserves = match of_net_budget(s.reserves.usable, s.model.net_budget) {
        Some(x) if !super::terminal::no_reserves(s) => format!(
            " Usable reserves of {} are {x} of the net revenue budget of {}.",
            m(s.reserves.usable),
            m(s.model.net_budget.unwrap_or_default())
        ),
        _ => String::new(),
    };
    out.push(Block::Paragraph(format!(
        "The central estimate of the gap before in-year mitigation is {}{}, the mean over \
         {}. Contingency and management action absorb {} of it on average, leaving an \
         expected shortfall of {}. {drawing} In 90% of simulated years the shortfall is \
         below {} and in 95% below {}: usable reserves of {}{} would cover it in 95% of \
         years, and {}{} in 99%.{reserves}",
        m(s.gap.mean),
        of_net_budget(s.gap.mean, s.model.net_budget).map_or(String::new(), |x| format!(
            " ({x} of the net revenue budget)"
        )),
        count(s.run.iterations, "simulated year", "simulated years"),
        m(s.mitigation_used),
        m(s.shortfall.mean),
        m(pct_value(&s.shortfall, 90)),
        m(pct_value(&s.shortfall, 95)),
        money_up(p95, unit),
        of_budget(s, p95),
        money_up(p99, unit),
        of_net_budget(p99, s.model.net_budget).map_or(String::new(), |x| format!(" ({x})")),
    )));
    let excess = if s.s114.probability.count > 0 {
        money_positive(s.s114.expected_excess, unit)
    } else {
        m(s.s114.expected_excess)
    };
    out.push(Block::Paragraph(format!(
        "The chance of any gap before mitigation is {}. The expected shortfall beyond \
         reserves, averaged over all years, is {excess}{}.",
        percent(s.gap.p_positive.estimate),
        match s.s114.mean_excess_given_breach {
            Some(x) => format!(
                "; in the years that breach, the shortfall exceeds reserves by {} on average",
                money_positive(x, unit)
            ),
            None => String::new(),
        }
    )));
    out
}

/// The percentile table and the exceedance chart.
fn range(s: &Summary) -> Vec<Block> {
    let unit = s.model.unit.as_str();
    let mut out = vec![Block::Heading(2, "The range of outcomes".into())];
    let mut rows = Vec::new();
    for (name, spread) in [
        ("Gap before mitigation", &s.gap),
        ("Shortfall after mitigation", &s.shortfall),
    ] {
        let mut row = vec![name.to_string()];
        row.extend(spread.percentiles.iter().map(|p| amount_in(p.value, unit)));
        row.push(amount_in(spread.mean, unit));
        rows.push(row);
    }
    let mut header = vec![unit.to_string()];
    header.extend(s.gap.percentiles.iter().map(|p| format!("P{}", p.p)));
    header.push("Mean".into());
    let columns = header.len();
    out.push(Block::Table {
        header,
        rows,
        numeric: (0..columns).map(|i| i > 0).collect(),
    });
    // The widest distance from a percentile to an end of its 95% interval.
    let widest = s
        .gap
        .percentiles
        .iter()
        .chain(&s.shortfall.percentiles)
        .map(|p| (p.value - p.ci95_low).max(p.ci95_high - p.value))
        .max()
        .unwrap_or_default();
    let mean_se = s
        .gap
        .mean_se
        .max(s.shortfall.mean_se)
        .filter(|_| s.gap.mean_se.is_some() && s.shortfall.mean_se.is_some());
    out.push(Block::Paragraph(format!(
        "P95 is the amount the gap stays below in 95% of simulated years. The shortfall is \
         what is left after contingency and management action, which are used only as far \
         as an overspend needs them. Simulation precision: every percentile in the table is \
         within {} of the figure an unlimited run of the same model would give (95% \
         intervals; percentiles.csv gives each, P1 to P99), and the means have a standard \
         error of at most {}.",
        money(widest, unit),
        super::money_se(mean_se, unit),
    )));
    out.push(Block::Figure {
        chart: "exceedance",
        caption: "Chance that the gap (before mitigation) and the shortfall (after) exceed \
                  each amount, with usable reserves and the shortfall's P90 and P95."
            .into(),
    });
    out
}

/// What an S114-level year looks like: each quantity's average over the years that breach.
fn tail(s: &Summary) -> Vec<Block> {
    let unit = s.model.unit.as_str();
    let m = |d: Decimal| money(d, unit);
    let Some(t) = &s.tail else {
        return Vec::new();
    };
    let mut out = vec![Block::Heading(
        2,
        "What an S114-level year looks like".into(),
    )];
    let mut items: Vec<String> = t
        .drivers
        .iter()
        .take(5)
        .map(|x| describe_shift(x, unit))
        .collect();
    let breach_savings: f64 = t.savings.iter().map(|x| x.breach_mean).sum();
    let all_savings: f64 = t.savings.iter().map(|x| x.mean).sum();
    if !t.savings.is_empty() {
        items.push(format!(
            "Savings delivered: averages {} in breach years ({} in an average year)",
            measured_value("money", breach_savings, unit),
            measured_value("money", all_savings, unit),
        ));
    }
    out.push(Block::Paragraph(format!(
        "In the {} ({}) whose shortfall exceeds usable reserves, the gap \
         before mitigation averages {} against {} in an average year, and management action \
         absorbs {}. Each figure below is the average over those breach years, against the \
         average over all years:",
        count(t.years, "simulated year", "simulated years"),
        percent(s.s114.probability.estimate),
        m(t.mean_gap),
        m(s.gap.mean),
        m(t.mean_mitigation_used),
    )));
    out.push(Block::List(items));
    let money_items = super::tail_money(t, unit, 6);
    if !money_items.is_empty() {
        out.push(Block::Paragraph(
            "Where the money goes in those years, on average, against the average year:".into(),
        ));
        out.push(Block::List(money_items));
    }
    out
}

/// Savings at risk, for a model that plans savings.
fn savings(s: &Summary) -> Vec<Block> {
    let unit = s.model.unit.as_str();
    let m = |d: Decimal| money(d, unit);
    let se = |d: Option<Decimal>| super::money_se(d, unit);
    let mut out = Vec::new();
    let sv = &s.savings;
    let delivered_share: f64 = (sv.mean / sv.planned).try_into().unwrap_or(0.0);
    out.push(Block::Paragraph(format!(
        "The budget counts on {} of savings. On average {} ({}; standard error {}) is \
         delivered; in 80% of simulated years between {} and {} (standard errors {} and {}).",
        m(sv.planned),
        m(sv.mean),
        percent(delivered_share),
        se(sv.mean_se),
        m(sv.p10),
        m(sv.p90),
        se(sv.p10_se),
        se(sv.p90_se),
    )));
    let mut savings: Vec<_> = sv.by_saving.iter().collect();
    savings.sort_by_key(|x| std::cmp::Reverse(x.planned - x.expected));
    out.push(Block::Table {
        header: vec![
            "Saving".into(),
            format!("Planned ({unit})"),
            format!("Expected ({unit})"),
            "±".into(),
            format!("At risk ({unit})"),
            "Recurs".into(),
        ],
        rows: savings
            .iter()
            .map(|x| {
                vec![
                    x.label.clone(),
                    amount_in(x.planned, unit),
                    amount_in(x.expected, unit),
                    crate::format::se_cell(x.expected_se),
                    amount_in(x.planned - x.expected, unit),
                    if x.recurring { "yes" } else { "no, one-off" }.into(),
                ]
            })
            .collect(),
        numeric: vec![false, true, true, true, true, false],
    });
    out.push(Block::Paragraph(
        "± is the Monte Carlo standard error of the expected delivery. Largest amount at \
         risk first."
            .into(),
    ));
    out.push(Block::Figure {
        chart: "savings",
        caption: "Each planned saving against its expected delivery.".into(),
    });
    out
}

/// The run's batches: "one batch", "100 batches of 10,000", "3 batches of up to 10,000".
fn batches(s: &Summary) -> String {
    if s.run.batches <= 1 {
        return "one batch".into();
    }
    let full = s.run.iterations == s.run.batches * s.run.batch_size;
    format!(
        "{} of {}{}",
        count(s.run.batches, "batch", "batches"),
        if full { "" } else { "up to " },
        amount(Decimal::from(s.run.batch_size), 0)
    )
}

/// How the figures were made, and how to reproduce them.
fn method(s: &Summary) -> Vec<Block> {
    let mut out = vec![Block::Heading(2, "Method".into())];
    out.push(Block::Paragraph(
        "gapsim simulates the budget year many times over. In each simulated year it draws \
         every uncertain figure (inflation, unit costs, demand, savings delivery, mitigation) \
         from the range the model gives it, keeping related figures moving together, and \
         computes the outturn against the budget. The share of simulated years in which the \
         shortfall after mitigation exceeds usable reserves estimates the chance of an \
         S114-level shortfall. The 95% intervals show how precisely the simulation has \
         estimated each figure; they do not cover errors in the model's assumptions, which \
         the assumptions table sets out."
            .into(),
    ));
    let mut items = vec![
        format!(
            "Simulated years: {} in {}; seed {}.",
            amount(Decimal::from(s.run.iterations), 0),
            batches(s),
            s.run.seed
        ),
        format!(
            "Sampling: {}.",
            crate::sample::Sampling::from_name(&s.run.sampling)
                .unwrap_or(crate::sample::Sampling::MonteCarlo)
                .words()
        ),
        format!("Correlation: {}.", s.correlation.method),
        format!(
            "Interval for the S114-level chance: {}.",
            s.s114.probability.method
        ),
        format!(
            "Percentiles: {}; sensitivity measured on the first {} simulated years.",
            s.run.quantile_method,
            amount(Decimal::from(s.sensitivity.iterations), 0)
        ),
        format!("Program: {}.", s.run.program),
        format!(
            "Model: {} ({}), SHA-256 {}.",
            s.model.name, s.model.file, s.model.sha256
        ),
    ];
    if let Some(r) = &s.reserves_needed {
        items.push(format!(
            "Reserves needed at each confidence: {}.",
            r.method.trim().trim_end_matches('.')
        ));
    }
    if s.correlation.repaired {
        items.push(
            "The model's correlations could not all hold together and were replaced by the \
             nearest valid matrix (--repair-correlation)."
                .into(),
        );
    }
    if let Some(c) = &s.convergence {
        let judged = if s.run.sampling != "mc" {
            "judged on the spread of the batches' own estimates (batch means, Student's t), \
             which sees the variance the sampling design removes; the exact binomial \
             interval shown with the chance is conservative for such designs and may be wider"
        } else {
            "judged also at the value in the interval nearest 50%"
        };
        items.push(format!(
            "Run to a precision: stopped when the 95% interval of the S114-level chance was at \
             most {} wide, {judged} ({}).",
            percent(c.target_width),
            if c.reached {
                "reached"
            } else {
                "not reached before the iteration cap"
            }
        ));
    }
    out.push(Block::List(items));
    out.push(Block::Paragraph(
        "To reproduce these figures exactly, run the model saved beside this report:".into(),
    ));
    let mut command = format!(
        "gapsim run model.toml --seed {} --iterations {} --sampling {}",
        s.run.seed, s.run.iterations, s.run.sampling
    );
    if let Some(c) = &s.convergence {
        command.push_str(&format!(" --precision {}", c.target_width));
    }
    if s.reserves.overridden {
        command.push_str(&format!(" --reserves {}", s.reserves.usable.normalize()));
    }
    if s.correlation.repaired {
        command.push_str(" --repair-correlation");
    }
    out.push(Block::Code(command));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::fixture;

    fn date() -> Date {
        Date::from_unix_seconds(1_733_000_000)
    }

    fn headings(blocks: &[Block]) -> Vec<&str> {
        blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading(2, t) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_one_year_summary_without_the_new_parts_has_neither() {
        let (model, s) = fixture::kent();
        let blocks = build(s, model, &date());
        let text = format!("{blocks:?}");
        assert!(
            !headings(&blocks)
                .iter()
                .any(|h| h.starts_with("Medium term"))
        );
        assert!(!headings(&blocks).contains(&"Reserves needed"));
        for word in [
            "reserves_curve",
            "gap_fan",
            "years.csv",
            "Reserves needed at",
        ] {
            assert!(!text.contains(word), "{word}");
        }
    }

    #[test]
    fn a_one_year_run_gains_the_reserves_part_and_nothing_else() {
        let (model, s) = fixture::kent();
        let before = build(s, model, &date());
        let with = fixture::one_year();
        let after = build(&with, model, &date());
        // The reserves section, whole, and one line of the method.
        let section = super::super::reserves::section(&with);
        let at = after
            .iter()
            .position(|b| *b == Block::Heading(2, "Reserves needed".into()))
            .expect("a reserves section");
        assert_eq!(after[at..at + section.len()], section[..]);
        let mut rest: Vec<Block> = after[..at]
            .iter()
            .chain(&after[at + section.len()..])
            .cloned()
            .collect();
        for b in &mut rest {
            if let Block::List(items) = b {
                items.retain(|i| !i.starts_with("Reserves needed at each confidence: "));
            }
        }
        assert_eq!(rest, before);
        assert!(
            !headings(&after)
                .iter()
                .any(|h| h.starts_with("Medium term"))
        );
    }

    #[test]
    fn a_plan_of_several_years_leads_with_the_horizon() {
        let (model, _) = fixture::kent();
        let s = fixture::multi_year();
        let blocks = build(&s, model, &date());
        let Some(Block::Headline { text, .. }) =
            blocks.iter().find(|b| matches!(b, Block::Headline { .. }))
        else {
            panic!("no headline");
        };
        assert!(
            text.starts_with(
                "The chance of an S114-level year between 2024/25 and 2026/27 is 11.5% (95% \
                 interval 11.3% to 11.7%); the first breach is most likely in 2026/27 (8.4%). \
                 There is a"
            ),
            "{text}"
        );
        let h = headings(&blocks);
        let medium = h
            .iter()
            .position(|x| *x == "Medium term: 2024/25 to 2026/27");
        let reserves = h.iter().position(|x| *x == "Reserves needed");
        let range = h.iter().position(|x| *x == "The range of outcomes");
        assert!(medium < reserves && reserves < range, "{h:?}");
        let method = format!("{blocks:?}");
        assert!(
            method.contains("Reserves needed at each confidence: the order statistic"),
            "{method}"
        );
    }
}

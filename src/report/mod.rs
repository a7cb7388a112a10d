//! Turning a [`Summary`](crate::stats::Summary) into bytes for people and programs.
//!
//! One file per format, each a pure function of the summary (the hyperfine export shape);
//! the command line owns file names and writing. Numbers are formatted the way a finance
//! reader expects: £m to one decimal with thousands separators, percentages to one decimal.

pub mod assumptions;
pub mod compare;
pub mod csv;
pub mod date;
pub mod document;
pub mod docx;
pub mod drivers;
pub mod explain;
pub mod html;
pub mod json;
pub mod markdown;
pub mod medium;
pub mod portfolio;
pub mod precision;
pub mod reserves;
pub mod terminal;
pub mod xlsx;

use rust_decimal::Decimal;

// The number formats live in `crate::format`, below both the report and the charts; they
// are re-exported here for the command line and other callers of the report.
pub use crate::format::{
    amount, count, measured_value, money, money_positive, money_se, money_up, percent,
    percent_interval, share, short_percent, signed_money,
};

/// A warning for runs too short to trust, or `None`.
pub fn few_iterations_warning(s: &crate::stats::Summary) -> Option<String> {
    (s.run.iterations < MIN_TRUSTED_ITERATIONS).then(|| {
        format!(
            "Warning: only {}. Figures this rough can mislead, and their standard errors \
             cannot be estimated well; run at least {} (the default is 1,000,000).",
            count(s.run.iterations, "simulated year", "simulated years"),
            amount(Decimal::from(MIN_TRUSTED_ITERATIONS), 0)
        )
    })
}

/// Below this many simulated years (two batches) reports carry a warning.
pub const MIN_TRUSTED_ITERATIONS: u64 = 20_000;

/// Where the money goes in the years that breach: the lines, savings and funding streams
/// that are worse than on average, worst first, each its average over those years, e.g.
/// "Older people placements: £24.2m over budget on average (£6.3m over in an average
/// year)". At most `limit` items.
pub fn tail_money(t: &crate::stats::Tail, unit: &str, limit: usize) -> Vec<String> {
    let m = |x: f64| measured_value("money", x, unit);
    let signed = |x: f64, over: &str, under: &str| {
        if x >= 0.0 {
            format!("{} {over}", m(x))
        } else {
            format!("{} {under}", m(-x))
        }
    };
    // (how much worse in breach years, sentence)
    let mut items: Vec<(f64, String)> = Vec::new();
    for l in &t.lines {
        items.push((
            l.breach_mean - l.mean,
            format!(
                "{}: {} on average ({} in an average year)",
                l.label,
                signed(l.breach_mean, "over budget", "under budget"),
                signed(l.mean, "over", "under")
            ),
        ));
    }
    for s in &t.savings {
        items.push((
            s.mean - s.breach_mean,
            format!(
                "{}: {} delivered on average ({} in an average year)",
                s.label,
                m(s.breach_mean),
                m(s.mean)
            ),
        ));
    }
    for f in &t.funding {
        items.push((
            f.mean - f.breach_mean,
            format!(
                "{}: {} on average ({} in an average year)",
                f.label,
                signed(f.breach_mean, "above budget", "below budget"),
                signed(f.mean, "above", "below")
            ),
        ));
    }
    items.sort_by(|a, b| b.0.total_cmp(&a.0));
    items
        .into_iter()
        .filter(|(worse, _)| *worse > 0.0)
        .take(limit)
        .map(|(_, text)| text)
        .collect()
}

/// One line on how a quantity differs in S114-level years, e.g. "Older people: weekly
/// cost drift averages 11.4% in breach years (5.0% over all years)": the figure is the
/// quantity's average over the years that breach reserves.
pub fn describe_shift(s: &crate::stats::Shift, unit: &str) -> String {
    let value = |x: f64| measured_value(&s.measure, x, unit);
    if s.measure == "event" {
        format!(
            "{}: happens in {} of breach years ({} of all years)",
            s.label,
            percent(s.breach_mean),
            percent(s.mean)
        )
    } else {
        format!(
            "{}: averages {} in breach years ({} {})",
            s.label,
            value(s.breach_mean),
            value(s.mean),
            if s.measure == "money" {
                "in an average year"
            } else {
                "over all years"
            }
        )
    }
}

/// The factors the variance tables show, with their rank (1 = largest share of the
/// variance): the `top` largest, and the savings programme's delivery too when it ranks
/// lower, since the waterfall shows undelivered savings as a central-case item and a
/// reader will look for it.
pub fn shown_factors(
    s: &crate::stats::Summary,
    top: usize,
) -> Vec<(usize, &crate::stats::DriverSensitivity)> {
    s.sensitivity
        .factors
        .iter()
        .enumerate()
        .filter(|(i, d)| *i < top || !d.members.is_empty())
        .map(|(i, d)| (i + 1, d))
        .collect()
}

/// A driver's distribution described for readers, in the units of what it measures.
pub fn describe_driver(d: &crate::model::Driver, unit: &str) -> String {
    use crate::model::Measure;
    let trim = |x: f64, dp: usize| -> String {
        let t = format!("{x:.dp$}");
        if t.contains('.') {
            t.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            t
        }
    };
    match d.measure {
        Measure::Fraction => d.dist.describe_with(&|x| short_percent(x)),
        Measure::Money => d.dist.describe_with(&|x| {
            if unit == "£m" {
                format!("£{}m", trim(x, 2))
            } else {
                format!("£{}", trim(x, 0))
            }
        }),
        Measure::Months => d
            .dist
            .describe_with(&|x| crate::format::with_noun(&trim(x, 1), "month", "months")),
        Measure::Event | Measure::Number => d.dist.describe_with(&|x| trim(x, 4)),
    }
}

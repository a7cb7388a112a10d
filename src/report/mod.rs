//! Turning a [`Summary`](crate::stats::Summary) into bytes for people and programs.
//!
//! One file per format, each a pure function of the summary (the hyperfine export shape);
//! the command line owns file names and writing. Numbers are formatted the way a finance
//! reader expects: £m to one decimal with thousands separators, percentages to one decimal.

pub mod csv;
pub mod document;
pub mod html;
pub mod json;
pub mod markdown;
pub mod terminal;

use rust_decimal::{Decimal, RoundingStrategy};

/// Formats an amount with `dp` decimals and thousands separators: `1,234.5`, `-12.0`.
pub fn amount(value: Decimal, dp: u32) -> String {
    let rounded = value.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    let text = format!("{:.*}", dp as usize, rounded.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if rounded.is_sign_negative() && !rounded.is_zero() {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

/// Money in the summary's unit: `£12.3m` for £m models, `£12,345` for £ models.
pub fn money(value: Decimal, unit: &str) -> String {
    money_dp(value, unit, if unit == "£m" { 1 } else { 0 })
}

/// Money with `dp` decimals: `£0.05m`.
pub fn money_dp(value: Decimal, unit: &str, dp: u32) -> String {
    let negative = value.is_sign_negative() && !value.round_dp(dp).is_zero();
    let body = if unit == "£m" {
        format!("£{}m", amount(value.abs(), dp))
    } else {
        format!("£{}", amount(value.abs(), dp))
    };
    if negative { format!("-{body}") } else { body }
}

/// A probability as a percentage to one decimal: `4.2%`; below 1%, to two decimals
/// (`0.27%`), so that a small risk and its interval stay distinguishable. A value that would
/// round to 0 (or 100) without being 0 (or 1) shows as `<0.01%` (`>99.9%`), so a small risk
/// is never printed as none.
pub fn percent(p: f64) -> String {
    if p > 0.0 && p < 0.000_05 {
        "<0.01%".into()
    } else if p < 0.01 {
        format!("{:.2}%", p * 100.0)
    } else if p < 1.0 && p > 0.9995 {
        ">99.9%".into()
    } else {
        format!("{:.1}%", p * 100.0)
    }
}

/// A probability and its 95% interval, with the decimals needed to tell them apart: one
/// (two below 1%, as [`percent`]), and more while the interval is narrower than two units of
/// the last digit, up to three. "1.3% (1.2% to 1.3%)" becomes "1.27% (1.25% to 1.29%)".
pub fn percent_interval(estimate: f64, low: f64, high: f64) -> [String; 3] {
    let plain = [percent(estimate), percent(low), percent(high)];
    if plain
        .iter()
        .any(|t| t.starts_with('<') || t.starts_with('>'))
    {
        return plain;
    }
    let mut dp: i32 = if estimate < 0.01 { 2 } else { 1 };
    while dp < 3 && (high - low) * 100.0 < 2.0 * 10f64.powi(-dp) {
        dp += 1;
    }
    let f = |p: f64| format!("{:.*}%", dp as usize, p * 100.0);
    [f(estimate), f(low), f(high)]
}

/// A count with its noun: `1 simulated year`, `1,000,000 simulated years`.
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!(
        "{} {}",
        amount(Decimal::from(n), 0),
        if n == 1 { one } else { many }
    )
}

/// A share as a percentage to one decimal, never "-0.0%": `17.2%`.
pub fn share(x: f64) -> String {
    let text = format!("{:.1}%", x * 100.0);
    if text == "-0.0%" { "0.0%".into() } else { text }
}

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

/// Money rounded up to the displayed precision: for a reserve that must cover an amount,
/// rounding down would state a figure that falls just short.
pub fn money_up(value: Decimal, unit: &str) -> String {
    let dp = if unit == "£m" { 1 } else { 0 };
    money(
        value.round_dp_with_strategy(dp, RoundingStrategy::ToPositiveInfinity),
        unit,
    )
}

/// A value of something a driver measures, in its own units: `5.7%`, `£12.0m`,
/// `1.5 months`.
pub fn measured_value(measure: &str, x: f64, unit: &str) -> String {
    match measure {
        "fraction" => share(x),
        "money" => money(
            Decimal::from_f64_retain(x).unwrap_or_default().round_dp(4),
            unit,
        ),
        "months" => format!("{x:.1} months"),
        "event" => format!("{x:.2}"),
        _ => format!("{x:.3}"),
    }
}

/// Where the money goes in the years that breach: the lines, savings and funding streams
/// that are worse than on average, worst first, e.g. "Older people placements: £24.2m over
/// budget (£6.3m over in an average year)". At most `limit` items.
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
                "{}: {} ({} in an average year)",
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
                "{}: {} delivered ({} in an average year)",
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
                "{}: {} ({} in an average year)",
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

/// One sentence on how a quantity differs in S114-level years, e.g. "Older people: weekly
/// cost drift averages 11.4% (5.0% over all years)".
pub fn describe_shift(s: &crate::stats::Shift, unit: &str) -> String {
    let value = |x: f64| measured_value(&s.measure, x, unit);
    if s.measure == "event" {
        format!(
            "{}: happens in {} of them ({} of all years)",
            s.label,
            percent(s.breach_mean),
            percent(s.mean)
        )
    } else {
        format!(
            "{}: {} ({} {})",
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

/// A short percentage for descriptions: `7%`, `2.5%`, `-1%` (up to two decimals, trailing
/// zeros dropped).
pub fn short_percent(x: f64) -> String {
    let text = format!("{:.2}", x * 100.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    let text = if text == "-0" { "0" } else { text };
    format!("{text}%")
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
        Measure::Months => d.dist.describe_with(&|x| format!("{} months", trim(x, 1))),
        Measure::Event | Measure::Number => d.dist.describe_with(&|x| trim(x, 4)),
    }
}

/// A signed amount for effects: `+£1.2m`, `-£0.4m`.
pub fn signed_money(value: Decimal, unit: &str) -> String {
    let text = money(value, unit);
    if text.starts_with('-') {
        text
    } else {
        format!("+{text}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn amounts_group_thousands_and_round_half_away_from_zero() {
        assert_eq!(amount(d("1234.55"), 1), "1,234.6");
        assert_eq!(amount(d("-1234.55"), 1), "-1,234.6");
        assert_eq!(amount(d("999.94"), 1), "999.9");
        assert_eq!(amount(d("-0.04"), 1), "0.0");
        assert_eq!(amount(d("1000000"), 0), "1,000,000");
    }

    #[test]
    fn money_and_percent_read_like_a_committee_paper() {
        assert_eq!(money(d("75"), "£m"), "£75.0m");
        assert_eq!(money(d("-12.34"), "£m"), "-£12.3m");
        assert_eq!(money(d("12345.6"), "£"), "£12,346");
        assert_eq!(percent(0.0423), "4.2%");
        assert_eq!(percent(0.0027), "0.27%");
        assert_eq!(percent(0.000_01), "<0.01%");
        assert_eq!(percent(0.0), "0.00%");
        assert_eq!(percent(0.99996), ">99.9%");
        assert_eq!(short_percent(0.07), "7%");
        assert_eq!(short_percent(0.025), "2.5%");
        assert_eq!(short_percent(-0.01), "-1%");
    }

    #[test]
    fn an_interval_gets_the_decimals_that_tell_its_ends_apart() {
        assert_eq!(
            percent_interval(0.0127, 0.0125, 0.0129),
            ["1.27%", "1.25%", "1.29%"]
        );
        assert_eq!(
            percent_interval(0.052, 0.040, 0.064),
            ["5.2%", "4.0%", "6.4%"]
        );
        assert_eq!(
            percent_interval(0.02534, 0.02526, 0.02543),
            ["2.534%", "2.526%", "2.543%"]
        );
        assert_eq!(
            percent_interval(0.0029, 0.0020, 0.0040),
            ["0.29%", "0.20%", "0.40%"]
        );
    }

    #[test]
    fn a_reserve_that_must_cover_an_amount_is_rounded_up() {
        assert_eq!(money_up(d("1.03"), "£m"), "£1.1m");
        assert_eq!(money_up(d("60.5"), "£m"), "£60.5m");
        assert_eq!(money_up(d("1234.2"), "£"), "£1,235");
    }
}

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

/// One sentence on how a quantity differs in S114-level years, e.g. "Older people: weekly
/// cost drift averages 11.4% (5.0% over all years)".
pub fn describe_shift(s: &crate::stats::Shift, unit: &str) -> String {
    let value = |x: f64| -> String {
        match s.measure.as_str() {
            "fraction" => format!("{:.1}%", x * 100.0),
            "money" => money(
                rust_decimal::Decimal::from_f64_retain(x)
                    .unwrap_or_default()
                    .round_dp(4),
                unit,
            ),
            "months" => format!("{x:.1} months"),
            _ => format!("{x:.3}"),
        }
    };
    if s.measure == "event" {
        format!(
            "{}: happens in {} of them ({} of all years)",
            s.label,
            percent(s.breach_mean),
            percent(s.mean)
        )
    } else {
        format!(
            "{}: {} ({} over all years)",
            s.label,
            value(s.breach_mean),
            value(s.mean)
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
}

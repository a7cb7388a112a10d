//! Number formats shared by the reports and the charts: money, percentages, counts and
//! standard errors written the way a finance reader expects.
//!
//! This module sits below both [`report`](crate::report) and [`chart`](crate::chart), so
//! data flows one way: charts and reports format numbers here; the report inlines the
//! charts; nothing here knows about either.
//!
//! Money is shown at a display precision (£m to one decimal, £ to the pound) with thousands
//! separators, but never with fewer than two significant figures: an amount that the
//! display precision would write as `£0.0m` or `£0.4m` is written `£4,900` or `£0.35m`, so
//! that nothing reads as zero, or as twice its size, that is not.

use rust_decimal::{Decimal, RoundingStrategy};

/// Decimals at the display precision of `unit`: one for £m, none for £.
pub fn display_dp(unit: &str) -> u32 {
    if unit == "£m" { 1 } else { 0 }
}

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

/// `value` to `figures` significant figures, with thousands separators and the trailing
/// zeros that show the precision: `0.0049`, `0.020`, `1.2`, `12`, `120`, `4,900`. Zero is
/// `0`.
pub fn significant(value: Decimal, figures: u32) -> String {
    if value.is_zero() {
        return "0".into();
    }
    let rounded = value
        .round_sf_with_strategy(figures.max(1), RoundingStrategy::MidpointAwayFromZero)
        .unwrap_or(value);
    // Digits before the point of the rounded value (0.099 rounds to 0.10: one more).
    let magnitude = magnitude(rounded);
    let dp = (i64::from(figures.max(1)) - 1 - magnitude).clamp(0, 28) as u32;
    amount(rounded, dp)
}

/// ⌊log10 |x|⌋ of a non-zero decimal, exactly (no floating point at the boundaries).
fn magnitude(x: Decimal) -> i64 {
    let mantissa = x.mantissa().unsigned_abs();
    let digits = mantissa.checked_ilog10().map_or(0, i64::from) + 1;
    digits - 1 - i64::from(x.scale())
}

/// An amount for a table column in `unit`: at the display precision, or to two significant
/// figures when that would show fewer (`0.35`, `0.0049` in a £m table). Zero is `0.0`.
pub fn amount_in(value: Decimal, unit: &str) -> String {
    let dp = display_dp(unit);
    if value.is_zero() || magnitude(value) >= 1 - i64::from(dp) {
        amount(value, dp)
    } else {
        significant(value, 2)
    }
}

/// Money in the summary's unit: `£12.3m` for £m models, `£12,345` for £ models; an
/// amount that would show fewer than two significant figures at that precision is written
/// to two: `£0.35m`, and below £0.1m in pounds, `£4,900`; `£4.9` in a £ model.
pub fn money(value: Decimal, unit: &str) -> String {
    let dp = display_dp(unit);
    if value.is_zero() || magnitude(value) >= 1 - i64::from(dp) {
        sign_money(value, &money_body(value.abs(), unit, dp))
    } else {
        money_figures(value, unit, 2)
    }
}

/// Money to exactly `figures` significant figures, for standard errors: `£20,000`,
/// `£0.35m`, `£1.2m`, `£12m`.
pub fn money_figures(value: Decimal, unit: &str, figures: u32) -> String {
    if value.is_zero() {
        return money_body(value, unit, display_dp(unit));
    }
    let abs = value.abs();
    let body = if unit == "£m" && abs < Decimal::new(1, 1) {
        // Below £0.1m a committee reads pounds more easily than £0.0049m.
        format!("£{}", significant(abs * Decimal::from(1_000_000), figures))
    } else if unit == "£m" {
        format!("£{}m", significant(abs, figures))
    } else {
        format!("£{}", significant(abs, figures))
    };
    sign_money(value, &body)
}

fn money_body(abs: Decimal, unit: &str, dp: u32) -> String {
    if unit == "£m" {
        format!("£{}m", amount(abs, dp))
    } else {
        format!("£{}", amount(abs, dp))
    }
}

fn sign_money(value: Decimal, body: &str) -> String {
    let zero = body.chars().all(|c| !c.is_ascii_digit() || c == '0');
    if value.is_sign_negative() && !zero {
        format!("-{body}")
    } else {
        body.to_string()
    }
}

/// A Monte Carlo standard error: money to two significant figures (`£20,000`); `not
/// known` where it cannot be estimated (from a single simulated year, or a single year that
/// breaches), never a false 0.
pub fn money_se(value: Option<Decimal>, unit: &str) -> String {
    value.map_or_else(|| "not known".into(), |v| money_figures(v, unit, 2))
}

/// A standard error for a table cell, to two significant figures in the table's unit; `—`
/// where it cannot be estimated.
pub fn se_cell(value: Option<Decimal>) -> String {
    value.map_or_else(|| "—".into(), |v| significant(v, 2))
}

/// Money for a figure known to be above zero (the expected shortfall beyond reserves when
/// some year breaches): as [`money`], or `less than £100` when `summary.json` rounded it
/// to 0.
pub fn money_positive(value: Decimal, unit: &str) -> String {
    if value.is_zero() {
        // The summary's grid: £100 in a £m model, a penny in a £ model.
        if unit == "£m" {
            "less than £100".into()
        } else {
            "less than £0.01".into()
        }
    } else {
        money(value, unit)
    }
}

/// Money rounded up to the displayed precision: for a reserve that must cover an amount,
/// rounding down would state a figure that falls just short.
pub fn money_up(value: Decimal, unit: &str) -> String {
    let dp = display_dp(unit);
    let up = value.round_dp_with_strategy(dp, RoundingStrategy::ToPositiveInfinity);
    sign_money(up, &money_body(up.abs(), unit, dp))
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
///
/// A risk whose whole interval is below 0.01% (a rare event over a very long run), which
/// would read "<0.01% (<0.01% to <0.01%)", is given to two significant figures instead:
/// "0.00031% (0.00029% to 0.00034%)", its lower end "0%" when no simulation had it and
/// "<0.00001%" when it is positive but below the last digit shown.
pub fn percent_interval(estimate: f64, low: f64, high: f64) -> [String; 3] {
    if estimate > 0.0 && high < 0.000_05 {
        let dp = (1 - (estimate * 100.0).log10().floor() as i32).clamp(3, 12) as usize;
        let f = |p: f64| {
            let unit = 10f64.powi(-(dp as i32));
            if p == 0.0 {
                "0%".to_string()
            } else if p * 100.0 < unit / 2.0 {
                // Positive but below the last digit shown: never written as zeros.
                format!("<{unit:.dp$}%")
            } else {
                format!("{:.*}%", dp, p * 100.0)
            }
        };
        return [f(estimate), f(low), f(high)];
    }
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

/// A number already written (`1`, `1.0`, `2.5`) with its noun, singular when it reads as
/// exactly one: `1 month`, `1.0 month`, `0 months`, `2.5 months`.
pub fn with_noun(number: &str, one: &str, many: &str) -> String {
    let is_one = number.parse::<f64>().is_ok_and(|x| x == 1.0);
    format!("{number} {}", if is_one { one } else { many })
}

/// A share as a percentage to one decimal, never "-0.0%": `17.2%`.
pub fn share(x: f64) -> String {
    let text = format!("{:.1}%", x * 100.0);
    if text == "-0.0%" { "0.0%".into() } else { text }
}

/// A standard error of a share, in percentage points to two significant figures:
/// `0.075 points`.
pub fn share_se(se: f64) -> String {
    format!("{} percentage points", figures_f64(se * 100.0, 2))
}

/// A plain number to `figures` significant figures (`0.00076`, `1.2`); `0` for zero and
/// for what is not finite.
pub fn figures_f64(x: f64, figures: u32) -> String {
    if !x.is_finite() {
        return "0".into();
    }
    Decimal::from_f64_retain(x).map_or_else(|| "0".into(), |d| significant(d, figures))
}

/// An estimate with its standard error, the estimate to the decimals of the error's
/// second significant figure: `0.40180 ± 0.00076`.
pub fn with_se(x: f64, se: f64) -> String {
    let se_text = figures_f64(se, 2);
    let dp = se_text.split_once('.').map_or(0, |(_, f)| f.len());
    format!("{x:.dp$} ± {se_text}")
}

/// A short percentage for descriptions: `7%`, `2.5%`, `-1%` (up to two decimals, trailing
/// zeros dropped).
pub fn short_percent(x: f64) -> String {
    let text = format!("{:.2}", x * 100.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    let text = if text == "-0" { "0" } else { text };
    format!("{text}%")
}

/// A value of something a driver measures, in its own units: `5.7%`, `£12.0m`,
/// `1.5 months`, `1.0 month`.
pub fn measured_value(measure: &str, x: f64, unit: &str) -> String {
    match measure {
        "fraction" => share(x),
        "money" => money(
            Decimal::from_f64_retain(x).unwrap_or_default().round_dp(4),
            unit,
        ),
        "months" => with_noun(&format!("{x:.1}"), "month", "months"),
        "event" => format!("{x:.2}"),
        _ => format!("{x:.3}"),
    }
}

/// An amount as a share of the net revenue budget, as section 25 reports state reserves:
/// `5.2%`; `None` without a (positive) net budget.
pub fn of_net_budget(value: Decimal, net_budget: Option<Decimal>) -> Option<String> {
    let nb = net_budget.filter(|b| *b > Decimal::ZERO)?;
    let ratio: f64 = (value / nb).try_into().ok()?;
    Some(share(ratio))
}

/// A period as a sentence reads it: "over 2024/25 to 2026/27" for several years, "in
/// 2024/25" for one.
pub fn over_period(period: &str) -> String {
    if period.contains(" to ") {
        format!("over {period}")
    } else {
        format!("in {period}")
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
        assert_eq!(money(d("0"), "£m"), "£0.0m");
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
    fn small_amounts_keep_two_significant_figures_and_never_read_as_zero() {
        // The case: an expected shortfall beyond reserves of £4,900 in a £m model
        // was printed "£0.00m".
        assert_eq!(money(d("0.0049"), "£m"), "£4,900");
        assert_eq!(money(d("0.35"), "£m"), "£0.35m");
        assert_eq!(money(d("0.0995"), "£m"), "£100,000");
        assert_eq!(money(d("-0.0053"), "£m"), "-£5,300");
        assert_eq!(money(d("0.0001"), "£m"), "£100");
        assert_eq!(money(d("1.04"), "£m"), "£1.0m");
        assert_eq!(money(d("4.93"), "£"), "£4.9");
        assert_eq!(money(d("0.43"), "£"), "£0.43");
        assert_eq!(money(d("12.4"), "£"), "£12");
        assert_eq!(amount_in(d("0.0049"), "£m"), "0.0049");
        assert_eq!(amount_in(d("0.02"), "£m"), "0.020");
        assert_eq!(amount_in(d("3.74"), "£m"), "3.7");
        assert_eq!(amount_in(d("0"), "£m"), "0.0");
    }

    #[test]
    fn standard_errors_are_written_to_two_significant_figures() {
        assert_eq!(money_se(Some(d("0.01986")), "£m"), "£20,000");
        assert_eq!(money_se(Some(d("0.00004912")), "£m"), "£49");
        assert_eq!(money_se(Some(d("0.000000412")), "£m"), "£0.41");
        assert_eq!(money_se(Some(d("0.2346")), "£m"), "£0.23m");
        assert_eq!(money_se(None, "£m"), "not known");
        assert_eq!(se_cell(None), "—");
        assert_eq!(se_cell(Some(d("0.01986"))), "0.020");
        assert_eq!(money_se(Some(d("12.346")), "£m"), "£12m");
        assert_eq!(money_se(Some(d("12346")), "£"), "£12,000");
        assert_eq!(money_se(Some(d("0.004")), "£"), "£0.0040");
        assert_eq!(money_se(Some(d("0")), "£m"), "£0.0m");
        assert_eq!(significant(d("0.099"), 1), "0.1");
        assert_eq!(significant(d("0.0999"), 2), "0.10");
        assert_eq!(with_se(0.401_802_78, 0.000_759_4), "0.40180 ± 0.00076");
        assert_eq!(with_se(0.4, 0.012), "0.400 ± 0.012");
        assert_eq!(share_se(0.000_748_8), "0.075 percentage points");
    }

    #[test]
    fn below_the_summarys_precision_a_positive_figure_says_so() {
        assert_eq!(money_positive(d("0"), "£m"), "less than £100");
        assert_eq!(money_positive(d("0"), "£"), "less than £0.01");
        assert_eq!(money_positive(d("0.0049"), "£m"), "£4,900");
    }

    #[test]
    fn counts_and_months_agree_in_number() {
        assert_eq!(
            count(1, "simulated year", "simulated years"),
            "1 simulated year"
        );
        assert_eq!(count(2_000, "saving", "savings"), "2,000 savings");
        assert_eq!(measured_value("months", 1.0, "£m"), "1.0 month");
        assert_eq!(measured_value("months", 1.5, "£m"), "1.5 months");
        assert_eq!(with_noun("1", "month", "months"), "1 month");
        assert_eq!(with_noun("0", "month", "months"), "0 months");
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
        // A whole interval below 0.01%: two significant figures, not "<0.01%" three times.
        assert_eq!(
            percent_interval(3.1e-6, 2.9e-6, 3.4e-6),
            ["0.00031%", "0.00029%", "0.00034%"]
        );
        assert_eq!(
            percent_interval(4e-5, 0.0, 4.9e-5),
            ["0.0040%", "0%", "0.0049%"]
        );
        assert_eq!(
            percent_interval(3e-6, 4e-9, 6e-6),
            ["0.00030%", "<0.00001%", "0.00060%"]
        );
        // An interval that reaches 0.01% keeps the plain form.
        assert_eq!(
            percent_interval(3e-5, 1e-5, 6e-5),
            ["<0.01%", "<0.01%", "0.01%"]
        );
    }

    #[test]
    fn a_reserve_that_must_cover_an_amount_is_rounded_up() {
        assert_eq!(money_up(d("1.03"), "£m"), "£1.1m");
        assert_eq!(money_up(d("60.5"), "£m"), "£60.5m");
        assert_eq!(money_up(d("1234.2"), "£"), "£1,235");
    }

    #[test]
    fn shares_of_the_net_budget() {
        assert_eq!(
            of_net_budget(d("75"), Some(d("1429"))).as_deref(),
            Some("5.2%")
        );
        assert_eq!(of_net_budget(d("75"), None), None);
        assert_eq!(of_net_budget(d("75"), Some(d("0"))), None);
    }
}

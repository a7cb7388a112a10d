//! Field by field: each figure of a summary in its range, each list of the right length
//! for the model.

use rust_decimal::Decimal;

use crate::engine::BATCH_SIZE;
use crate::model::Model;
use crate::stats::{CHART_BINS, HEADLINE_PERCENTILES, Spread, Summary};

use super::{Check, SLACK, largest};

impl Check {
    /// Every field of `s` in range (`n` simulated years, already checked).
    pub(super) fn fields(&mut self, s: &Summary, model: &Model, n: u64) {
        self.run(s, n);
        self.model(s, model);
        self.spread("gap", &s.gap, n);
        self.spread("shortfall", &s.shortfall, n);
        self.s114(s, n);
        self.savings(s, model);
        self.items(s, model);
        self.sensitivity(s, n);
        self.tail(s);
        for (k, pair) in s.correlation.pairs.iter().enumerate() {
            let field = format!("correlation.pairs[{k}]");
            self.correlation(&format!("{field}.target"), pair.target);
            self.correlation(&format!("{field}.achieved"), pair.achieved);
            if let Some(se) = pair.achieved_se {
                self.standard_error(&format!("{field}.achieved_se"), se);
            }
        }
        self.convergence(s, n);
        self.percentiles(s);
        self.distributions(s, n);
    }

    fn run(&mut self, s: &Summary, n: u64) {
        let r = &s.run;
        if r.batch_size != BATCH_SIZE as u64 {
            self.fail(
                "run.batch_size",
                format!(
                    "is {}, but every run uses batches of {BATCH_SIZE}",
                    r.batch_size
                ),
            );
        } else if r.batches != n.div_ceil(r.batch_size) {
            self.fail(
                "run.batches",
                format!(
                    "is {}, but {n} simulated years make {} batches",
                    r.batches,
                    n.div_ceil(r.batch_size)
                ),
            );
        }
        if !matches!(r.sampling.as_str(), "mc" | "lhs" | "qmc") {
            self.fail(
                "run.sampling",
                format!("is {:?}, but it is \"mc\", \"lhs\" or \"qmc\"", r.sampling),
            );
        }
    }

    fn model(&mut self, s: &Summary, model: &Model) {
        let m = &model.meta;
        for (field, summary, in_model) in [
            ("model.name", &s.model.name, &m.name),
            ("model.council", &s.model.council, &m.council),
            ("model.year", &s.model.year, &m.year),
        ] {
            if summary != in_model {
                self.fail(
                    field,
                    format!("is {summary:?}, but model.toml says {in_model:?}"),
                );
            }
        }
        if s.model.net_budget != m.net_budget {
            self.fail(
                "model.net_budget",
                format!(
                    "is {:?}, but model.toml's net budget is {:?}",
                    s.model.net_budget, m.net_budget
                ),
            );
        }
        if s.model.unit != m.unit.symbol() {
            self.fail(
                "model.unit",
                format!(
                    "is {:?}, but model.toml's unit is {:?}",
                    s.model.unit,
                    m.unit.symbol()
                ),
            );
        }
        let r = &s.reserves;
        self.money_not_negative("reserves.usable", r.usable);
        self.money_not_negative("reserves.model_usable", r.model_usable);
        if r.model_usable != model.usable_reserves() {
            self.fail(
                "reserves.model_usable",
                format!(
                    "is {}, but model.toml's usable reserves are {}",
                    r.model_usable,
                    model.usable_reserves()
                ),
            );
        } else if !r.overridden
            && (r.usable - r.model_usable).abs() > Decimal::new(1, 2)
            && r.usable.abs() <= largest()
        {
            self.fail(
                "reserves.usable",
                format!(
                    "is {}, but the run used the model's usable reserves ({}): \
                     `reserves.overridden` is false",
                    r.usable, r.model_usable
                ),
            );
        }
    }

    fn spread(&mut self, name: &str, s: &Spread, n: u64) {
        let f = |k: &str| format!("{name}.{k}");
        let ok = [
            self.money(&f("mean"), s.mean),
            self.money(&f("min"), s.min),
            self.money(&f("max"), s.max),
        ];
        self.money_se(&f("mean_se"), s.mean_se, n >= 2);
        self.money_not_negative(&f("sd"), s.sd);
        self.money_se(&f("sd_se"), s.sd_se, n >= 2);
        let range_ok = ok[1] && ok[2];
        if range_ok {
            self.ordered(&f("min"), s.min, &f("max"), s.max);
        }
        if ok.iter().all(|&b| b) && s.min <= s.max {
            // The mean, min and max are of the same values, each rounded to the report's
            // precision, so the mean lies within the range exactly.
            if s.mean < s.min || s.mean > s.max {
                self.fail(
                    f("mean"),
                    format!(
                        "is {}, outside the simulated range {} to {}",
                        s.mean, s.min, s.max
                    ),
                );
            }
        }
        let ps: Vec<u32> = s.percentiles.iter().map(|p| p.p).collect();
        if ps != HEADLINE_PERCENTILES {
            self.fail(
                f("percentiles"),
                format!("lists percentiles {ps:?}, but a summary lists {HEADLINE_PERCENTILES:?}"),
            );
        }
        let mut previous: Option<(String, Decimal)> = None;
        for (k, p) in s.percentiles.iter().enumerate() {
            let g = |x: &str| format!("{name}.percentiles[{k}].{x}");
            let ok = [
                self.money(&g("value"), p.value),
                self.money(&g("ci95_low"), p.ci95_low),
                self.money(&g("ci95_high"), p.ci95_high),
            ];
            if let Some(se) = p.se {
                self.money_not_negative(&g("se"), se);
            }
            if !ok.iter().all(|&b| b) {
                continue;
            }
            self.ordered(&g("ci95_low"), p.ci95_low, &g("value"), p.value);
            self.ordered(&g("value"), p.value, &g("ci95_high"), p.ci95_high);
            if range_ok {
                self.ordered(&f("min"), s.min, &g("value"), p.value);
                self.ordered(&g("value"), p.value, &f("max"), s.max);
            }
            if let Some((field, before)) = &previous {
                self.ordered(field, *before, &g("value"), p.value);
            }
            previous = Some((g("value"), p.value));
        }
        self.probability(&f("p_positive"), &s.p_positive, n);
    }

    fn s114(&mut self, s: &Summary, n: u64) {
        let t = &s.s114;
        self.probability("s114.probability", &t.probability, n);
        self.money_not_negative("s114.expected_excess", t.expected_excess);
        self.money_se("s114.expected_excess_se", t.expected_excess_se, n >= 2);
        let breaches = t.probability.count;
        match t.mean_excess_given_breach {
            Some(x) => {
                self.money_not_negative("s114.mean_excess_given_breach", x);
                if breaches == 0 {
                    self.fail(
                        "s114.mean_excess_given_breach",
                        "is given, but no simulated year breached reserves",
                    );
                }
            }
            None if breaches > 0 => self.fail(
                "s114.mean_excess_given_breach",
                format!("is missing, but {breaches} simulated years breached reserves"),
            ),
            None => {}
        }
        match &s.tail {
            Some(tail) if tail.years != breaches => self.fail(
                "tail.years",
                format!(
                    "is {}, but `s114.probability.count` is {breaches}",
                    tail.years
                ),
            ),
            None if breaches > 0 => self.fail(
                "tail",
                format!("is missing, but {breaches} simulated years breached reserves"),
            ),
            _ => {}
        }
        self.money_not_negative("mitigation_used", s.mitigation_used);
        self.money_se("mitigation_used_se", s.mitigation_used_se, n >= 2);
        self.money_se(
            "s114.mean_excess_given_breach_se",
            t.mean_excess_given_breach_se,
            t.probability.count >= 2,
        );
        if s.p_drawing_on_reserves != s.shortfall.p_positive {
            self.fail(
                "p_drawing_on_reserves",
                "differs from `shortfall.p_positive`, the same chance",
            );
        }
    }

    fn savings(&mut self, s: &Summary, model: &Model) {
        let n = s.run.iterations;
        let v = &s.savings;
        self.money_not_negative("savings.planned", v.planned);
        if v.planned != model.planned_savings() {
            self.fail(
                "savings.planned",
                format!(
                    "is {}, but model.toml plans {}",
                    v.planned,
                    model.planned_savings()
                ),
            );
        }
        let ok = [
            self.money("savings.mean", v.mean),
            self.money("savings.min", v.min),
            self.money("savings.max", v.max),
            self.money("savings.p10", v.p10),
            self.money("savings.p90", v.p90),
        ];
        if ok.iter().all(|&b| b) {
            self.ordered("savings.min", v.min, "savings.max", v.max);
            self.ordered("savings.p10", v.p10, "savings.p90", v.p90);
        }
        if v.by_saving.len() != model.savings.len() {
            self.fail(
                "savings.by_saving",
                format!(
                    "has {} savings, but model.toml has {}",
                    v.by_saving.len(),
                    model.savings.len()
                ),
            );
        }
        for (k, (d, m)) in v.by_saving.iter().zip(&model.savings).enumerate() {
            let field = format!("savings.by_saving[{k}]");
            if d.name != m.name || d.planned != m.amount {
                self.fail(
                    &field,
                    format!(
                        "is {} planned at {}, but model.toml's saving is {} planned at {}",
                        d.name, d.planned, m.name, m.amount
                    ),
                );
            }
            self.money(&format!("{field}.expected"), d.expected);
            self.money_se(&format!("{field}.expected_se"), d.expected_se, n >= 2);
        }
        for (field, se) in [
            ("savings.mean_se", v.mean_se),
            ("savings.p10_se", v.p10_se),
            ("savings.p90_se", v.p90_se),
        ] {
            self.money_se(field, se, n >= 2);
        }
    }

    fn items(&mut self, s: &Summary, model: &Model) {
        let n = s.run.iterations;
        for (what, items, names) in [
            (
                "lines",
                &s.lines,
                model.lines.iter().map(|l| &l.name).collect::<Vec<_>>(),
            ),
            (
                "funding",
                &s.funding,
                model.funding.iter().map(|f| &f.name).collect(),
            ),
            (
                "mitigations",
                &s.mitigations,
                model.mitigations.iter().map(|m| &m.name).collect(),
            ),
        ] {
            let listed: Vec<&String> = items.iter().map(|i| &i.name).collect();
            if listed != names {
                self.fail(
                    what,
                    format!("lists {listed:?}, but model.toml has {names:?}"),
                );
            }
            for (k, item) in items.iter().enumerate() {
                self.money(&format!("{what}[{k}].budget"), item.budget);
                self.money(&format!("{what}[{k}].expected"), item.expected);
                self.money_se(
                    &format!("{what}[{k}].expected_se"),
                    item.expected_se,
                    n >= 2,
                );
            }
        }
    }

    fn sensitivity(&mut self, s: &Summary, n: u64) {
        let sens = &s.sensitivity;
        if sens.iterations > n {
            self.fail(
                "sensitivity.iterations",
                format!(
                    "is {}, more than the run's {n} simulated years",
                    sens.iterations
                ),
            );
        }
        if sens.iterations == 0 && !sens.drivers.is_empty() {
            self.fail(
                "sensitivity.drivers",
                "lists drivers, but `sensitivity.iterations` is 0 (nothing was measured)",
            );
        }
        self.number("sensitivity.explained", sens.explained);
        let listed = sens
            .drivers
            .iter()
            .enumerate()
            .map(|(k, d)| (format!("sensitivity.drivers[{k}]"), d))
            .chain(
                sens.factors
                    .iter()
                    .enumerate()
                    .map(|(k, d)| (format!("sensitivity.factors[{k}]"), d)),
            );
        for (at, d) in listed {
            let field = |x: &str| format!("{at}.{x}");
            self.correlation(&field("rank_correlation"), d.rank_correlation);
            if let Some(se) = d.rank_correlation_se {
                self.standard_error(&field("rank_correlation_se"), se);
            }
            // A contribution can fall outside [0, 1] when correlated drivers pull against
            // each other, so it is only required to be a number.
            self.number(&field("contribution"), d.contribution);
            if let Some(se) = d.contribution_se {
                self.standard_error(&field("contribution_se"), se);
            }
            for (name, x) in [
                ("slope", d.slope),
                ("mean_value", d.mean_value),
                ("low_value", d.low_value),
                ("high_value", d.high_value),
            ] {
                self.number(&field(name), x);
            }
            self.money(&field("low_effect"), d.low_effect);
            self.money(&field("high_effect"), d.high_effect);
        }
    }

    fn tail(&mut self, s: &Summary) {
        let Some(t) = &s.tail else { return };
        self.money("tail.mean_gap", t.mean_gap);
        self.money_not_negative("tail.mean_mitigation_used", t.mean_mitigation_used);
        for (what, shifts) in [
            ("drivers", &t.drivers),
            ("lines", &t.lines),
            ("savings", &t.savings),
            ("funding", &t.funding),
        ] {
            for (k, shift) in shifts.iter().enumerate() {
                let field = |x: &str| format!("tail.{what}[{k}].{x}");
                self.number(&field("breach_mean"), shift.breach_mean);
                self.number(&field("mean"), shift.mean);
                if !matches!(
                    shift.measure.as_str(),
                    "fraction" | "money" | "months" | "event" | "number"
                ) {
                    self.fail(
                        field("measure"),
                        format!(
                            "is {:?}, but it is one of fraction, money, months, event, number",
                            shift.measure
                        ),
                    );
                }
            }
        }
    }

    fn convergence(&mut self, s: &Summary, n: u64) {
        let Some(c) = &s.convergence else { return };
        if !(c.target_width.is_finite() && c.target_width > 0.0 && c.target_width < 1.0) {
            self.fail(
                "convergence.target_width",
                format!(
                    "is {}, but the target width is between 0 and 1",
                    c.target_width
                ),
            );
        }
        let mut before = 0;
        for (k, row) in c.trace.iter().enumerate() {
            let field = |x: &str| format!("convergence.trace[{k}].{x}");
            if row.iterations <= before || row.iterations > n {
                self.fail(
                    field("iterations"),
                    format!(
                        "is {}, but the trace counts up, past {before}, to the run's {n} \
                         simulated years",
                        row.iterations
                    ),
                );
            }
            before = row.iterations;
            let ok = [
                self.share(&field("estimate"), row.estimate),
                self.share(&field("ci95_low"), row.ci95_low),
                self.share(&field("ci95_high"), row.ci95_high),
            ];
            if ok.iter().all(|&b| b) {
                self.ordered(
                    &field("ci95_low"),
                    row.ci95_low - SLACK,
                    &field("estimate"),
                    row.estimate,
                );
                self.ordered(
                    &field("estimate"),
                    row.estimate - SLACK,
                    &field("ci95_high"),
                    row.ci95_high,
                );
            }
        }
        if c.trace.last().map(|r| r.iterations) != Some(n) {
            self.fail(
                "convergence.trace",
                format!("does not end at the run's {n} simulated years"),
            );
        }
    }

    fn percentiles(&mut self, s: &Summary) {
        let ps: Vec<u32> = s.percentiles.iter().map(|r| r.p).collect();
        if ps != (1..=99).collect::<Vec<u32>>() {
            self.fail(
                "percentiles",
                format!(
                    "has {} rows, but it lists P1 to P99 in order, one row each",
                    s.percentiles.len()
                ),
            );
            return;
        }
        let mut previous: Option<(usize, Decimal, Decimal)> = None;
        for (k, row) in s.percentiles.iter().enumerate() {
            let field = |x: &str| format!("percentiles[{k}].{x}");
            if !(self.money(&field("gap"), row.gap)
                && self.money(&field("shortfall"), row.shortfall))
            {
                previous = None;
                continue;
            }
            if let Some((j, gap, shortfall)) = previous {
                let before = |x: &str| format!("percentiles[{j}].{x}");
                self.ordered(&before("gap"), gap, &field("gap"), row.gap);
                self.ordered(
                    &before("shortfall"),
                    shortfall,
                    &field("shortfall"),
                    row.shortfall,
                );
            }
            previous = Some((k, row.gap, row.shortfall));
        }
        // The headline percentiles are rows of the full table.
        for (name, spread) in [("gap", &s.gap), ("shortfall", &s.shortfall)] {
            for (k, p) in spread.percentiles.iter().enumerate() {
                let Some(row) = s.percentiles.get((p.p as usize).wrapping_sub(1)) else {
                    continue;
                };
                let table = if name == "gap" {
                    row.gap
                } else {
                    row.shortfall
                };
                if p.value != table {
                    self.fail(
                        format!("{name}.percentiles[{k}].value"),
                        format!("is {}, but P{} in `percentiles` is {table}", p.value, p.p),
                    );
                }
            }
        }
    }

    fn distributions(&mut self, s: &Summary, n: u64) {
        let d = &s.distributions;
        if self.number("distributions.bin_start", d.bin_start)
            && self.number("distributions.bin_width", d.bin_width)
        {
            if d.bin_width <= 0.0 {
                self.fail(
                    "distributions.bin_width",
                    format!("is {}, but bins have a positive width", d.bin_width),
                );
            } else {
                self.number(
                    "distributions.bin_width",
                    d.bin_start + CHART_BINS as f64 * d.bin_width,
                );
            }
        }
        for (name, counts, outside) in [
            ("gap", &d.gap_counts, d.gap_outside),
            ("shortfall", &d.shortfall_counts, d.shortfall_outside),
        ] {
            if counts.len() != CHART_BINS {
                self.fail(
                    format!("distributions.{name}_counts"),
                    format!(
                        "has {} bins, but the chart histogram has {CHART_BINS}",
                        counts.len()
                    ),
                );
            }
            // Wide sums: a tampered count must not overflow.
            let total: u128 = counts.iter().map(|&c| u128::from(c)).sum::<u128>()
                + u128::from(outside.0)
                + u128::from(outside.1);
            if total != u128::from(n) {
                self.fail(
                    format!("distributions.{name}_counts"),
                    format!(
                        "counts {total} simulated years with `distributions.{name}_outside`, \
                         but the run has {n}"
                    ),
                );
            }
        }
        let expected_p: Vec<f64> = (1..1000).map(|k| f64::from(k) / 1000.0).collect();
        if d.quantile_p.len() != expected_p.len()
            || d.quantile_p
                .iter()
                .zip(&expected_p)
                .any(|(a, b)| (a - b).abs().is_nan() || (a - b).abs() > SLACK)
        {
            self.fail(
                "distributions.quantile_p",
                "is not the probabilities 0.001, 0.002, …, 0.999",
            );
        }
        for (name, q) in [
            ("gap_quantiles", &d.gap_quantiles),
            ("shortfall_quantiles", &d.shortfall_quantiles),
        ] {
            let field = format!("distributions.{name}");
            if q.len() != d.quantile_p.len() {
                self.fail(
                    &field,
                    format!(
                        "has {} values, but `distributions.quantile_p` has {}",
                        q.len(),
                        d.quantile_p.len()
                    ),
                );
            }
            let mut before = f64::NEG_INFINITY;
            for (k, &x) in q.iter().enumerate() {
                if !self.number(&format!("{field}[{k}]"), x) {
                    break;
                }
                if x < before {
                    self.fail(
                        format!("{field}[{k}]"),
                        format!("is {x}, below the quantile before it ({before})"),
                    );
                    break;
                }
                before = x;
            }
        }
    }
}

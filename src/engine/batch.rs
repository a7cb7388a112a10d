//! One batch: draw its drivers, evaluate the model, keep its running sums.

use std::collections::TryReserveError;

use crate::correlation::{Ranked, ranks_of_distinct, ranks_with};
use crate::lanes;
use crate::model::DriverId;
use crate::order::{Collected, quantile, quantile_ranks};
use crate::radix::{RadixScratch, select_ranks};
use crate::sample::{SampleScratch, Sampler};

use super::plan::{Evaluation, Plan, culprit, evaluate, sized};
use super::sums::{BatchSummary, SensitivitySums, m2};
use super::years::{Moments, YearScratch, Years};
use super::{
    BATCH_PERCENTILES, BATCH_SIZE, EngineError, LARGEST, RunConfig, SAVINGS_BINS,
    SENSITIVITY_BATCHES,
};

/// Per-thread working space for one batch.
#[derive(Default)]
pub(super) struct Scratch {
    pub(super) columns: Vec<Vec<f64>>,
    pub(super) eval: Evaluation,
    /// Each year's shortfall beyond reserves (0 when it does not breach).
    pub(super) term: Vec<f64>,
    /// Each year's mitigation used.
    pub(super) used: Vec<f64>,
    /// Each batch's percentiles: the ranks they read, and those ranks' values.
    pub(super) percentile_ranks: Vec<u64>,
    pub(super) sorted: Vec<f64>,
    /// The sampler's permutations and Iman–Conover matrices.
    pub(super) sample: SampleScratch,
    /// The rows of this batch that breach.
    pub(super) breach_rows: Vec<usize>,
    pub(super) radix: RadixScratch,
    pub(super) ranking: Ranking,
    /// The later years' working space, for a multi-year model.
    pub(super) years: YearScratch,
}

/// Sensitivity's working space: the ranks of the gap, of the driver in hand and of each
/// correlated driver.
#[derive(Default)]
pub(super) struct Ranking {
    radix: RadixScratch,
    order: Vec<u32>,
    gap: Vec<f64>,
    driver: Vec<f64>,
    correlated: Vec<Vec<f64>>,
}

impl Scratch {
    /// Makes room for a batch of `n` rows before anything is drawn, so that running out of
    /// memory is an error the caller can report, not an abort: these columns (a batch of
    /// every driver and every term) are most of a thread's memory.
    fn reserve(&mut self, plan: &Plan, n: usize) -> Result<(), EngineError> {
        fn columns(v: &mut Vec<Vec<f64>>, k: usize, n: usize) -> Result<(), TryReserveError> {
            v.try_reserve_exact(k.saturating_sub(v.len()))?;
            v.resize_with(k, Vec::new);
            v.iter_mut()
                .try_for_each(|c| c.try_reserve_exact(n.saturating_sub(c.len())))
        }
        let e = &mut self.eval;
        let outcome = columns(&mut self.columns, plan.drivers, n)
            .and_then(|()| columns(&mut e.line_terms, plan.lines.len(), n))
            .and_then(|()| columns(&mut e.saving_terms, plan.savings.len(), n))
            .and_then(|()| columns(&mut e.funding_terms, plan.funding.len(), n))
            .and_then(|()| columns(&mut e.mitigation_terms, plan.mitigations.len(), n))
            .and_then(|()| {
                [
                    &mut e.gap,
                    &mut e.savings,
                    &mut e.capacity,
                    &mut self.term,
                    &mut self.used,
                    &mut self.sorted,
                ]
                .into_iter()
                .try_for_each(|c| c.try_reserve_exact(n.saturating_sub(c.len())))
            });
        outcome.map_err(|_| {
            let k = plan.drivers
                + plan.lines.len()
                + plan.savings.len()
                + plan.funding.len()
                + plan.mitigations.len()
                + 6;
            EngineError::ScratchOutOfMemory {
                bytes: (k * n * std::mem::size_of::<f64>()) as u64,
            }
        })
    }
}

/// What a batch is simulated with: the first year's sampler and plan, the run's settings,
/// and the later years of a multi-year model.
pub(super) struct Setup<'a, 'm> {
    pub(super) sampler: &'a Sampler<'m>,
    pub(super) plan: &'a Plan,
    pub(super) config: &'a RunConfig,
    pub(super) years: Option<&'a Years<'m>>,
}

/// Simulates batch `b` into `gap_out` and `shortfall_out` (whose length is the batch's)
/// and, for a multi-year model, every year of each row into `paths_out`.
pub(super) fn run_batch(
    setup: &Setup<'_, '_>,
    b: u64,
    s: &mut Scratch,
    gap_out: &mut [f64],
    shortfall_out: &mut [f64],
    paths_out: &mut [f64],
) -> Result<BatchSummary, EngineError> {
    let (sampler, plan, config) = (setup.sampler, setup.plan, setup.config);
    let n = gap_out.len();
    s.reserve(plan, n)?;
    sized(&mut s.columns, plan.drivers, n);
    // Sensitivity ranks every driver again: Iman–Conover's orders spare it the correlated ones.
    s.sample.keep_orders(b < SENSITIVITY_BATCHES);
    s.sample.sum_columns(true);
    sampler.fill_with(config.seed, b, &mut s.columns, &mut s.sample);
    s.eval.moments = true;
    evaluate(plan, &s.columns, n, &mut s.eval);
    let (cols, e) = (&s.columns, &s.eval);

    let mut sum = BatchSummary::new(plan);
    sum.n = n as u64;
    // Each term's sum and spread, taken by `evaluate` as it finished the column.
    let moments = |m: &[Moments], sums: &mut [f64], m2s: &mut [f64]| {
        for ((m, s), q) in m.iter().zip(sums.iter_mut()).zip(m2s.iter_mut()) {
            (*s, *q) = (m.sum, m.m2);
        }
    };
    moments(&e.line_moments, &mut sum.line_outturn, &mut sum.line_m2);
    moments(
        &e.saving_moments,
        &mut sum.saving_delivered,
        &mut sum.saving_m2,
    );
    moments(
        &e.funding_moments,
        &mut sum.funding_actual,
        &mut sum.funding_m2,
    );
    moments(
        &e.mitigation_moments,
        &mut sum.mitigation_capacity,
        &mut sum.mitigation_m2,
    );

    // The first year's threshold: the opening usable reserves and the year's planned
    // movement (reserves are never negative, so adding a planned 0 leaves their bits).
    let reserves = config.reserves + plan.first_planned;
    let tol = plan.tolerance;
    let bin_width = plan.planned_savings / SAVINGS_BINS as f64;
    let mut breach_rows = std::mem::take(&mut s.breach_rows);
    breach_rows.clear();
    s.term.clear();
    s.term.resize(n, 0.0);
    s.used.clear();
    s.used.resize(n, 0.0);
    for i in 0..n {
        let gap = e.gap[i];
        let capacity = e.capacity[i];
        if !gap.is_finite() || gap.abs() > LARGEST || !capacity.is_finite() {
            let (item, span) = culprit(plan, e, i);
            return Err(EngineError::NotFinite {
                iteration: b * BATCH_SIZE as u64 + i as u64,
                item,
                span,
            });
        }
        // Mitigation covers an overspend only: it is not spent in a year that balances.
        let used = gap.max(0.0).min(capacity);
        let shortfall = gap - used;
        let breach = shortfall - reserves > tol;
        let excess = if breach { shortfall - reserves } else { 0.0 };
        sum.sum_gap += gap;
        sum.sum_shortfall += shortfall;
        sum.gap_positive += u64::from(gap > tol);
        sum.shortfall_positive += u64::from(shortfall > tol);
        if breach {
            sum.breaches += 1;
            sum.breach_gap += gap;
            sum.breach_mitigation_used += used;
            breach_rows.push(i);
        }
        sum.sum_excess += excess;
        sum.sum_mitigation_used += used;
        let saved = e.savings[i];
        sum.sum_savings += saved;
        sum.min_savings = sum.min_savings.min(saved);
        sum.max_savings = sum.max_savings.max(saved);
        if bin_width > 0.0 {
            let bin = ((saved / bin_width) as usize).min(SAVINGS_BINS - 1);
            sum.savings_histogram[bin] += 1;
        }
        gap_out[i] = gap;
        shortfall_out[i] = shortfall;
        s.term[i] = excess;
        s.used[i] = used;
    }
    sum.m2_gap = lanes::m2(&e.gap);
    sum.m2_shortfall = lanes::m2(shortfall_out);
    sum.m2_excess = lanes::m2(&s.term);
    sum.m2_breach_excess = m2(breach_rows.iter().map(|&i| s.term[i]));
    sum.m2_savings = lanes::m2(&e.savings);
    sum.m2_mitigation_used = lanes::m2(&s.used);

    // What the years that breach look like.
    for (d, col) in cols.iter().enumerate() {
        sum.driver_sum[d] = s.sample.column_sum(d).unwrap_or_else(|| lanes::sum(col));
    }
    // Each driver, each saving's delivery, each line's and funding stream's variance.
    let (rows, zero) = (&breach_rows, |_| 0.0);
    lanes::sums_at_rows(rows, cols, zero, &mut sum.breach_driver_sum);
    let delivered = &mut sum.breach_saving_delivered;
    lanes::sums_at_rows(rows, &e.saving_terms, zero, delivered);
    let line_budget = |k: usize| plan.lines[k].budget();
    lanes::sums_at_rows(
        rows,
        &e.line_terms,
        line_budget,
        &mut sum.breach_line_variance,
    );
    let funding_budget = |k: usize| plan.funding[k].budget;
    let funding = &mut sum.breach_funding_variance;
    lanes::sums_at_rows(rows, &e.funding_terms, funding_budget, funding);

    // This batch's own percentiles, for batch-means standard errors.
    for (out, values) in [
        (&mut sum.gap_percentiles, &*gap_out),
        (&mut sum.shortfall_percentiles, &*shortfall_out),
    ] {
        // Only the ranks the percentiles interpolate between, selected, not sorted.
        let n = values.len() as u64;
        let p = |k: &u32| f64::from(*k) / 100.0;
        let mut ranks = std::mem::take(&mut s.percentile_ranks);
        ranks.clear();
        if n > 0 {
            for k in &BATCH_PERCENTILES {
                let (lo, hi, _) = quantile_ranks(n, p(k));
                ranks.extend([lo, hi]);
            }
            ranks.dedup();
        }
        select_ranks(values, &ranks, &mut s.sorted, &mut s.radix);
        let picked = Collected {
            n,
            ranks,
            values: std::mem::take(&mut s.sorted),
        };
        *out = BATCH_PERCENTILES
            .iter()
            .map(|k| quantile(&picked, p(k)))
            .collect();
        (s.percentile_ranks, s.sorted) = (picked.ranks, picked.values);
    }

    if b < SENSITIVITY_BATCHES {
        sum.sensitivity = SensitivitySums::new(plan.drivers, plan.correlated.len());
        let (sample, ids) = (&s.sample, sampler.correlated());
        let ascending = |d: usize| {
            let j = ids.iter().position(|c| c.0 == d)?;
            sample.ascending_rows(j)
        };
        sensitivity(
            plan,
            cols,
            &ascending,
            &e.gap,
            &e.savings,
            &mut s.ranking,
            &mut sum.sensitivity,
        );
    }
    s.breach_rows = breach_rows;
    sum.horizon_breaches = sum.breaches;
    if let Some(years) = setup.years {
        sum.years = years.run(
            config.seed,
            b,
            config.reserves,
            tol,
            &mut s.columns,
            &s.eval.gap,
            shortfall_out,
            &mut s.years,
            paths_out,
        )?;
        sum.horizon_breaches = sum.years.last().map_or(0, |y| y.by_now);
    }
    Ok(sum)
}

/// Within one batch: each varying driver's rank correlation with the gap, its co-moment
/// with the gap, and the sums of its lowest and highest tenth of values.
///
/// The same for the savings programme's total delivery (`savings`), which the report ranks
/// as one factor beside the drivers: it is split over one driver per saving and field, none
/// of which is large alone. `ascending(d)` gives driver d's rows in ascending order where
/// Iman–Conover already has them (a correlated driver with no two values equal).
// Never inlined: a profile then names it (it runs on ten batches, so the call costs nothing).
#[inline(never)]
fn sensitivity<'a>(
    plan: &Plan,
    cols: &[Vec<f64>],
    ascending: &dyn Fn(usize) -> Option<&'a [u32]>,
    gap: &[f64],
    savings: &[f64],
    w: &mut Ranking,
    out: &mut SensitivitySums,
) {
    let n = gap.len();
    if n < 10 {
        return;
    }
    let nf = n as f64;
    out.n = n as u64;
    out.gap = lanes::sum(gap);
    let mean_gap = out.gap / nf;
    out.m2_gap = lanes::squared_deviations(gap, mean_gap);
    let tenth = n / 10;
    out.tenth_n = tenth as u64;
    ranks_with(gap, &mut w.gap, &mut w.radix, &mut w.order);
    let gap_ranks = Ranked::new(&w.gap);
    let correlated: &[DriverId] = &plan.correlated;
    w.correlated.resize_with(correlated.len(), Vec::new);
    for r in &mut w.correlated {
        r.clear();
    }
    for (d, col) in cols.iter().enumerate() {
        if !plan.varying[d] {
            continue;
        }
        match ascending(d) {
            Some(rows) => {
                w.order.clear();
                w.order.extend_from_slice(rows);
                ranks_of_distinct(rows, &mut w.driver);
            }
            None => ranks_with(col, &mut w.driver, &mut w.radix, &mut w.order),
        }
        out.spearman[d] = Ranked::new(&w.driver).pearson(&gap_ranks) * nf;
        if let Some(k) = correlated.iter().position(|c| c.0 == d) {
            w.correlated[k].clone_from(&w.driver);
        }
        out.driver_sum[d] = lanes::sum(col);
        let mean = out.driver_sum[d] / nf;
        out.comoment[d] = lanes::co_deviations(col, mean, gap, mean_gap);
        (out.low_sum[d], out.high_sum[d]) = tenths(col, tenth, &w.order);
    }
    if !plan.savings.is_empty() {
        ranks_with(savings, &mut w.driver, &mut w.radix, &mut w.order);
        out.savings_spearman = Ranked::new(&w.driver).pearson(&gap_ranks) * nf;
        out.savings_sum = lanes::sum(savings);
        (out.savings_low, out.savings_high) = tenths(savings, tenth, &w.order);
    }
    let ranked: Vec<Option<Ranked<'_>>> = w
        .correlated
        .iter()
        .map(|r| (!r.is_empty()).then(|| Ranked::new(r)))
        .collect();
    let mut k = 0;
    for i in 0..ranked.len() {
        for j in i + 1..ranked.len() {
            if let (Some(a), Some(b)) = (&ranked[i], &ranked[j]) {
                out.pairs[k] = a.pearson(b) * nf;
            }
            k += 1;
        }
    }
}

/// The sums of the lowest and the highest `tenth` values of `x`, read through `order`, the
/// rows of `x` in ascending order (left by the ranking just done), so each sum runs over the
/// values in ascending order, as over a sorted copy.
fn tenths(x: &[f64], tenth: usize, order: &[u32]) -> (f64, f64) {
    let n = x.len();
    let sum = |rows: &[u32]| rows.iter().map(|&i| x[i as usize]).sum::<f64>();
    (sum(&order[..tenth]), sum(&order[n - tenth..]))
}

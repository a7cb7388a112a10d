//! The running sums of a batch, and how batches merge: exactly, in batch order.

use super::SAVINGS_BINS;
use super::plan::Plan;
use super::years::YearSums;

/// Sums for sensitivity, from the first [`SENSITIVITY_BATCHES`] batches.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct SensitivitySums {
    /// Iterations measured.
    pub n: u64,
    /// Per driver: Σ over batches of (Spearman correlation with the gap × batch size).
    pub spearman: Vec<f64>,
    /// Per driver: Σ of its values.
    pub driver_sum: Vec<f64>,
    /// Per driver: Σ (value − mean)(gap − mean gap), merged with Chan's formula.
    pub comoment: Vec<f64>,
    /// Per driver: Σ of its lowest tenth of values in each batch (the ⌊n/10⌋ smallest,
    /// so ties, as in a yes/no driver, count exactly a tenth).
    pub low_sum: Vec<f64>,
    /// Per driver: Σ of its highest tenth of values in each batch.
    pub high_sum: Vec<f64>,
    /// Values in each driver's lowest (and highest) tenth, over the batches.
    pub tenth_n: u64,
    /// Σ gap over the measured iterations.
    pub gap: f64,
    /// Σ (gap − mean gap)² over the measured iterations.
    pub m2_gap: f64,
    /// For each pair (i < j) of the model's correlated drivers, in row order: Σ over
    /// batches of (achieved Spearman correlation × batch size).
    pub pairs: Vec<f64>,
    /// The savings programme's total delivery: Σ over batches of (its Spearman correlation
    /// with the gap × batch size).
    pub savings_spearman: f64,
    /// Σ of total savings delivered.
    pub savings_sum: f64,
    /// Σ of its lowest tenth in each batch.
    pub savings_low: f64,
    /// Σ of its highest tenth in each batch.
    pub savings_high: f64,
}

impl SensitivitySums {
    pub(super) fn new(drivers: usize, correlated: usize) -> Self {
        SensitivitySums {
            spearman: vec![0.0; drivers],
            driver_sum: vec![0.0; drivers],
            comoment: vec![0.0; drivers],
            low_sum: vec![0.0; drivers],
            high_sum: vec![0.0; drivers],
            pairs: vec![0.0; correlated * correlated.saturating_sub(1) / 2],
            ..SensitivitySums::default()
        }
    }

    pub(super) fn merge(&mut self, o: &SensitivitySums) {
        if o.n == 0 {
            return;
        }
        if self.n == 0 {
            // Nothing measured yet (and the vectors may be unallocated): the sums are o's.
            self.clone_from(o);
            return;
        }
        {
            let (na, nb) = (self.n as f64, o.n as f64);
            let weight = na * nb / (na + nb);
            let dg = o.gap / nb - self.gap / na;
            for ((c, oc), (sx, ox)) in self
                .comoment
                .iter_mut()
                .zip(&o.comoment)
                .zip(self.driver_sum.iter().zip(&o.driver_sum))
            {
                *c += oc + (ox / nb - sx / na) * dg * weight;
            }
        }
        self.m2_gap = chan(self.n, self.gap, self.m2_gap, o.n, o.gap, o.m2_gap);
        self.n += o.n;
        self.gap += o.gap;
        self.tenth_n += o.tenth_n;
        self.savings_spearman += o.savings_spearman;
        self.savings_sum += o.savings_sum;
        self.savings_low += o.savings_low;
        self.savings_high += o.savings_high;
        add(&mut self.pairs, &o.pairs);
        add(&mut self.spearman, &o.spearman);
        add(&mut self.driver_sum, &o.driver_sum);
        add(&mut self.low_sum, &o.low_sum);
        add(&mut self.high_sum, &o.high_sum);
    }
}

/// Running sums of one batch. Merged in batch order to give the run's figures.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BatchSummary {
    /// Iterations in the batch.
    pub n: u64,
    /// Σ gap.
    pub sum_gap: f64,
    /// Σ (gap − batch mean)²: merged with Chan's formula, which keeps its precision when
    /// the mean is large against the spread (Σx² − n·x̄² does not).
    pub m2_gap: f64,
    /// Σ shortfall after mitigation.
    pub sum_shortfall: f64,
    /// Σ (shortfall − batch mean)², as `m2_gap`.
    pub m2_shortfall: f64,
    /// Iterations with a gap above the tolerance ([`TOLERANCE`]).
    pub gap_positive: u64,
    /// Iterations with a shortfall above the tolerance.
    pub shortfall_positive: u64,
    /// Iterations whose shortfall exceeds usable reserves by more than the tolerance
    /// (S114-level).
    pub breaches: u64,
    /// Σ (shortfall − reserves) over the iterations that breach.
    pub sum_excess: f64,
    /// Σ (excess − batch mean excess)², as `m2_gap`.
    pub m2_excess: f64,
    /// Over the years that breach only: Σ (excess − their mean excess)².
    pub m2_breach_excess: f64,
    /// Σ savings delivered.
    pub sum_savings: f64,
    /// Σ (savings delivered − batch mean)², as `m2_gap`.
    pub m2_savings: f64,
    /// Smallest savings delivered in an iteration.
    pub min_savings: f64,
    /// Largest savings delivered in an iteration.
    pub max_savings: f64,
    /// Counts of savings delivered in [`SAVINGS_BINS`] equal bins over 0 .. planned.
    pub savings_histogram: Vec<u32>,
    /// Σ outturn of each spending line.
    pub line_outturn: Vec<f64>,
    /// Σ (outturn − batch mean)² of each spending line, as `m2_gap`.
    pub line_m2: Vec<f64>,
    /// Σ delivery of each saving.
    pub saving_delivered: Vec<f64>,
    /// Σ (delivery − batch mean)² of each saving.
    pub saving_m2: Vec<f64>,
    /// Σ actual of each funding stream.
    pub funding_actual: Vec<f64>,
    /// Σ (actual − batch mean)² of each funding stream.
    pub funding_m2: Vec<f64>,
    /// Σ capacity of each mitigation.
    pub mitigation_capacity: Vec<f64>,
    /// Σ (capacity − batch mean)² of each mitigation.
    pub mitigation_m2: Vec<f64>,
    /// Σ mitigation used.
    pub sum_mitigation_used: f64,
    /// Σ (mitigation used − batch mean)².
    pub m2_mitigation_used: f64,
    /// Σ of each driver.
    pub driver_sum: Vec<f64>,
    /// In the years that breach: Σ of each driver.
    pub breach_driver_sum: Vec<f64>,
    /// In the years that breach: Σ (outturn − budget) of each line.
    pub breach_line_variance: Vec<f64>,
    /// In the years that breach: Σ delivery of each saving.
    pub breach_saving_delivered: Vec<f64>,
    /// In the years that breach: Σ actual − budget of each funding stream.
    pub breach_funding_variance: Vec<f64>,
    /// In the years that breach: Σ gap.
    pub breach_gap: f64,
    /// In the years that breach: Σ mitigation used.
    pub breach_mitigation_used: f64,
    /// This batch's own P5 … P95 of the gap ([`BATCH_PERCENTILES`]), for batch-means
    /// standard errors. Not merged.
    pub gap_percentiles: Vec<f64>,
    /// This batch's own percentiles of the shortfall. Not merged.
    pub shortfall_percentiles: Vec<f64>,
    /// Sensitivity sums (empty outside the first [`SENSITIVITY_BATCHES`] batches).
    pub sensitivity: SensitivitySums,
    /// Rows with an S114-level year anywhere in the horizon (`breaches` for a one-year
    /// model): what a run to a precision stops on.
    pub horizon_breaches: u64,
    /// Per year of a multi-year model, its sums (empty for one year).
    pub years: Vec<YearSums>,
}

impl BatchSummary {
    pub(super) fn new(plan: &Plan) -> Self {
        let d = plan.drivers;
        BatchSummary {
            n: 0,
            sum_gap: 0.0,
            m2_gap: 0.0,
            sum_shortfall: 0.0,
            m2_shortfall: 0.0,
            gap_positive: 0,
            shortfall_positive: 0,
            breaches: 0,
            sum_excess: 0.0,
            m2_excess: 0.0,
            m2_breach_excess: 0.0,
            sum_savings: 0.0,
            m2_savings: 0.0,
            min_savings: f64::INFINITY,
            max_savings: f64::NEG_INFINITY,
            savings_histogram: vec![0; SAVINGS_BINS],
            line_outturn: vec![0.0; plan.lines.len()],
            line_m2: vec![0.0; plan.lines.len()],
            saving_delivered: vec![0.0; plan.savings.len()],
            saving_m2: vec![0.0; plan.savings.len()],
            funding_actual: vec![0.0; plan.funding.len()],
            funding_m2: vec![0.0; plan.funding.len()],
            mitigation_capacity: vec![0.0; plan.mitigations.len()],
            mitigation_m2: vec![0.0; plan.mitigations.len()],
            sum_mitigation_used: 0.0,
            m2_mitigation_used: 0.0,
            driver_sum: vec![0.0; d],
            breach_driver_sum: vec![0.0; d],
            breach_line_variance: vec![0.0; plan.lines.len()],
            breach_saving_delivered: vec![0.0; plan.savings.len()],
            breach_funding_variance: vec![0.0; plan.funding.len()],
            breach_gap: 0.0,
            breach_mitigation_used: 0.0,
            gap_percentiles: Vec::new(),
            shortfall_percentiles: Vec::new(),
            // Allocated only in the batches that measure sensitivity: a model of thousands
            // of drivers would otherwise keep seven vectors of them for every batch.
            sensitivity: SensitivitySums::default(),
            horizon_breaches: 0,
            years: Vec::new(),
        }
    }

    /// Adds `other` into `self`. Merging batches in index order gives the same figures
    /// however the batches were grouped across threads or machines. Per-batch percentiles
    /// are not merged.
    pub fn merge(&mut self, o: &BatchSummary) {
        self.m2_gap = chan(self.n, self.sum_gap, self.m2_gap, o.n, o.sum_gap, o.m2_gap);
        self.m2_shortfall = chan(
            self.n,
            self.sum_shortfall,
            self.m2_shortfall,
            o.n,
            o.sum_shortfall,
            o.m2_shortfall,
        );
        self.m2_excess = chan(
            self.n,
            self.sum_excess,
            self.m2_excess,
            o.n,
            o.sum_excess,
            o.m2_excess,
        );
        self.m2_breach_excess = chan(
            self.breaches,
            self.sum_excess,
            self.m2_breach_excess,
            o.breaches,
            o.sum_excess,
            o.m2_breach_excess,
        );
        self.m2_savings = chan(
            self.n,
            self.sum_savings,
            self.m2_savings,
            o.n,
            o.sum_savings,
            o.m2_savings,
        );
        self.m2_mitigation_used = chan(
            self.n,
            self.sum_mitigation_used,
            self.m2_mitigation_used,
            o.n,
            o.sum_mitigation_used,
            o.m2_mitigation_used,
        );
        for (m2, sums, om2, osums) in [
            (
                &mut self.line_m2,
                &self.line_outturn,
                &o.line_m2,
                &o.line_outturn,
            ),
            (
                &mut self.saving_m2,
                &self.saving_delivered,
                &o.saving_m2,
                &o.saving_delivered,
            ),
            (
                &mut self.funding_m2,
                &self.funding_actual,
                &o.funding_m2,
                &o.funding_actual,
            ),
            (
                &mut self.mitigation_m2,
                &self.mitigation_capacity,
                &o.mitigation_m2,
                &o.mitigation_capacity,
            ),
        ] {
            for (k, m) in m2.iter_mut().enumerate() {
                *m = chan(self.n, sums[k], *m, o.n, osums[k], om2[k]);
            }
        }
        self.n += o.n;
        self.sum_gap += o.sum_gap;
        self.sum_shortfall += o.sum_shortfall;
        self.gap_positive += o.gap_positive;
        self.shortfall_positive += o.shortfall_positive;
        self.breaches += o.breaches;
        self.sum_excess += o.sum_excess;
        self.sum_savings += o.sum_savings;
        self.min_savings = self.min_savings.min(o.min_savings);
        self.max_savings = self.max_savings.max(o.max_savings);
        add(&mut self.savings_histogram, &o.savings_histogram);
        add(&mut self.line_outturn, &o.line_outturn);
        add(&mut self.saving_delivered, &o.saving_delivered);
        add(&mut self.funding_actual, &o.funding_actual);
        add(&mut self.mitigation_capacity, &o.mitigation_capacity);
        self.sum_mitigation_used += o.sum_mitigation_used;
        add(&mut self.driver_sum, &o.driver_sum);
        add(&mut self.breach_driver_sum, &o.breach_driver_sum);
        add(&mut self.breach_line_variance, &o.breach_line_variance);
        add(
            &mut self.breach_saving_delivered,
            &o.breach_saving_delivered,
        );
        add(
            &mut self.breach_funding_variance,
            &o.breach_funding_variance,
        );
        self.breach_gap += o.breach_gap;
        self.breach_mitigation_used += o.breach_mitigation_used;
        self.sensitivity.merge(&o.sensitivity);
        self.horizon_breaches += o.horizon_breaches;
        if self.years.is_empty() {
            self.years.clone_from(&o.years);
        } else {
            for (y, oy) in self.years.iter_mut().zip(&o.years) {
                y.merge(oy);
            }
        }
    }
}

/// Chan et al.'s pairwise update: the sum of squared deviations of two groups combined,
/// from each group's count, sum and sum of squared deviations.
pub(super) fn chan(na: u64, sa: f64, m2a: f64, nb: u64, sb: f64, m2b: f64) -> f64 {
    if na == 0 {
        return m2b;
    }
    if nb == 0 {
        return m2a;
    }
    let (na, nb) = (na as f64, nb as f64);
    let delta = sb / nb - sa / na;
    m2a + m2b + delta * delta * na * nb / (na + nb)
}

/// Σ (x − mean)² over a batch, by two passes (the batch is in memory).
pub(super) fn m2(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let (n, sum) = values
        .clone()
        .fold((0usize, 0.0), |(n, s), x| (n + 1, s + x));
    if n == 0 {
        return 0.0;
    }
    let mean = sum / n as f64;
    values.map(|x| (x - mean) * (x - mean)).sum()
}

pub(super) fn add<T: Copy + std::ops::AddAssign>(into: &mut [T], from: &[T]) {
    for (a, b) in into.iter_mut().zip(from) {
        *a += *b;
    }
}

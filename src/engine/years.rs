//! The later years of a multi-year model: each simulated row is a path of years.
//!
//! A batch first simulates its first year exactly as a one-year model does (the same
//! draws, the same arithmetic, the same sums). [`Years::run`] then carries each row on
//! through the later years: each driver whose path draws again gets the year's draw from
//! its own stream (`NAME@YEAR`), correlated within the year, and moves as its path says
//! ([`crate::model::Path`]); drivers that hold keep their first year's value. The year's
//! plan (its budgets, the items that count in it) is evaluated on those values, and the
//! reserves carry forward: each year's usable reserves are the last year's plus the
//! planned movement, less the year's shortfall after mitigation (an underspend adds to
//! them). A year whose shortfall exceeds the reserves then available ends below zero and
//! is S114-level; the path is marked as breached from its first such year and the deficit
//! carries into the next year's balance.
//!
//! Per year, a batch keeps [`YearSums`], which merge exactly in batch order like every
//! other sum, and writes each row's gap, shortfall and year-end balance, and the reserves
//! the path needed (its largest cumulative draw on reserves), into its slice of the
//! run's kept values.

use crate::model::{Model, Path, PathKind, f64_of};
use crate::sample::{SampleScratch, Sampler, Sampling};

use super::plan::{Evaluation, Plan, culprit, evaluate};
use super::sums::chan;
use super::{BATCH_SIZE, EngineError, LARGEST};

/// Count, sum and sum of squared deviations of one quantity: merged with Chan's formula.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Moments {
    /// Values.
    pub n: u64,
    /// Σ value.
    pub sum: f64,
    /// Σ (value − mean)².
    pub m2: f64,
}

impl Moments {
    /// The moments of a batch's values: the sum as [`crate::lanes::sum`] and the spread as
    /// [`crate::lanes::m2`] give them, the values added up once.
    pub(super) fn of(values: &[f64]) -> Moments {
        let sum = crate::lanes::sum(values);
        let m2 = if values.is_empty() {
            0.0
        } else {
            crate::lanes::squared_deviations(values, sum / values.len() as f64)
        };
        Moments {
            n: values.len() as u64,
            sum,
            m2,
        }
    }

    pub(super) fn merge(&mut self, o: &Moments) {
        self.m2 = chan(self.n, self.sum, self.m2, o.n, o.sum, o.m2);
        self.n += o.n;
        self.sum += o.sum;
    }
}

/// One year's sums over a batch.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct YearSums {
    /// The year's gap before mitigation.
    pub gap: Moments,
    /// The year's shortfall after mitigation.
    pub shortfall: Moments,
    /// Usable reserves at the year's end.
    pub balance: Moments,
    /// Rows whose shortfall is above the tolerance (drawing on reserves).
    pub drawing: u64,
    /// Rows whose year ends with reserves below zero (S114-level in the year).
    pub breaches: u64,
    /// Rows whose first S114-level year is this one.
    pub first_breach: u64,
    /// Rows with an S114-level year at or before this one.
    pub by_now: u64,
}

impl YearSums {
    pub(super) fn merge(&mut self, o: &YearSums) {
        self.gap.merge(&o.gap);
        self.shortfall.merge(&o.shortfall);
        self.balance.merge(&o.balance);
        self.drawing += o.drawing;
        self.breaches += o.breaches;
        self.first_breach += o.first_breach;
        self.by_now += o.by_now;
    }
}

/// Values kept per row of a multi-year run, per year: gap, shortfall and year-end
/// balance; then one for the reserves the path needed.
pub const PER_YEAR: usize = 3;

/// The f64 values a multi-year run keeps for each row: [`PER_YEAR`] per year and the
/// reserves needed.
pub fn kept_per_row(years: usize) -> usize {
    PER_YEAR * years + 1
}

/// The later years, compiled.
pub(super) struct Years<'m> {
    /// Years in the horizon (the first included).
    pub(super) len: usize,
    /// Plans of years 1.. (index t − 1).
    plans: Vec<Plan>,
    /// Samplers of years 1.. (index t − 1).
    samplers: Vec<Sampler<'m>>,
    paths: Vec<Path>,
    /// Per driver: its mean, about which `widen` spreads the draws.
    means: Vec<f64>,
    /// Per driver: whether it draws again in later years.
    draws: Vec<bool>,
    /// Planned movement of usable reserves, per year.
    pub(super) planned: Vec<f64>,
    labels: Vec<String>,
}

/// Per-thread working space of the later years.
#[derive(Default)]
pub(super) struct YearScratch {
    /// The year's draws of the drivers that draw again.
    draws: Vec<Vec<f64>>,
    /// The yearly (not yet compounded) value of compounded AR(1) drivers.
    yearly: Vec<Vec<f64>>,
    eval: Evaluation,
    sample: SampleScratch,
    balance: Vec<f64>,
    cumulative: Vec<f64>,
    /// The largest cumulative draw so far (at least 0).
    need: Vec<f64>,
    breached: Vec<bool>,
}

impl<'m> Years<'m> {
    /// The later years of `model`, or `None` for a model of one year.
    pub(super) fn new(model: &'m Model, sampling: Sampling) -> Result<Option<Self>, EngineError> {
        let h = &model.horizon;
        if !h.is_multi_year() {
            return Ok(None);
        }
        let draws: Vec<bool> = model
            .drivers
            .iter()
            .zip(&h.paths)
            .map(|(d, p)| p.draws_each_year() && !d.dist.is_fixed())
            .collect();
        let samplers = h.years[1..]
            .iter()
            .enumerate()
            .map(|(i, label)| Sampler::for_year(model, sampling, i + 1, label, &draws))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(Years {
            len: h.len(),
            plans: (1..h.len()).map(|t| Plan::for_year(model, t)).collect(),
            samplers,
            paths: h.paths.clone(),
            means: model.drivers.iter().map(|d| d.dist.mean()).collect(),
            draws,
            planned: h.planned_reserves.iter().map(|&p| f64_of(p)).collect(),
            labels: h.years.clone(),
        }))
    }

    /// Carries batch `b`'s rows through the later years. `cols` holds the first year's
    /// driver values (overwritten with each later year's), `shortfall` the first year's
    /// shortfall, `opening` the opening usable reserves and `tolerance` the first year's;
    /// `out` receives [`kept_per_row`] values per row, quantity by quantity.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn run(
        &self,
        seed: u64,
        b: u64,
        opening: f64,
        tolerance: f64,
        cols: &mut [Vec<f64>],
        gap: &[f64],
        shortfall: &[f64],
        w: &mut YearScratch,
        out: &mut [f64],
    ) -> Result<Vec<YearSums>, EngineError> {
        let n = gap.len();
        debug_assert_eq!(out.len(), n * kept_per_row(self.len));
        let mut sums = Vec::with_capacity(self.len);
        let (gaps, rest) = out.split_at_mut(n);
        gaps.copy_from_slice(gap);
        let (shorts, rest) = rest.split_at_mut(n);
        shorts.copy_from_slice(shortfall);
        let (balances, _) = rest.split_at_mut(n);
        w.balance.clear();
        w.cumulative.clear();
        w.need.clear();
        w.breached.clear();
        let mut first = YearSums {
            gap: Moments::of(gap),
            shortfall: Moments::of(shortfall),
            ..YearSums::default()
        };
        let available = opening + self.planned[0];
        for (i, &s) in shortfall.iter().enumerate() {
            let balance = available - s;
            // The same test as the first year's S114 count: −(a − s) is s − a exactly.
            let breach = balance < -tolerance;
            first.drawing += u64::from(s > tolerance);
            first.breaches += u64::from(breach);
            first.first_breach += u64::from(breach);
            first.by_now += u64::from(breach);
            balances[i] = balance;
            w.balance.push(balance);
            let cumulative = s - self.planned[0];
            w.cumulative.push(cumulative);
            w.need.push(if cumulative > 0.0 { cumulative } else { 0.0 });
            w.breached.push(breach);
        }
        first.balance = Moments::of(balances);
        sums.push(first);

        for t in 1..self.len {
            self.advance(seed, b, t, cols, w);
            let plan = &self.plans[t - 1];
            evaluate(plan, cols, n, &mut w.eval);
            let e = &w.eval;
            let at = PER_YEAR * t * n;
            let (gaps, rest) = out[at..].split_at_mut(n);
            let (shorts, rest) = rest.split_at_mut(n);
            let (balances, _) = rest.split_at_mut(n);
            let mut year = YearSums::default();
            let (planned, tol) = (self.planned[t], plan.tolerance);
            for i in 0..n {
                let (g, capacity) = (e.gap[i], e.capacity[i]);
                if !g.is_finite() || g.abs() > LARGEST || !capacity.is_finite() {
                    let (item, span) = culprit(plan, e, i);
                    return Err(EngineError::NotFinite {
                        iteration: b * BATCH_SIZE as u64 + i as u64,
                        item: format!("{item} in {}", self.label(t)),
                        span,
                    });
                }
                let used = g.max(0.0).min(capacity);
                let s = g - used;
                let balance = w.balance[i] + planned - s;
                let breach = balance < -tol;
                year.drawing += u64::from(s > tol);
                year.breaches += u64::from(breach);
                year.first_breach += u64::from(breach && !w.breached[i]);
                w.breached[i] |= breach;
                year.by_now += u64::from(w.breached[i]);
                w.cumulative[i] += s - planned;
                if w.cumulative[i] > w.need[i] {
                    w.need[i] = w.cumulative[i];
                }
                w.balance[i] = balance;
                gaps[i] = g;
                shorts[i] = s;
                balances[i] = balance;
            }
            year.gap = Moments::of(gaps);
            year.shortfall = Moments::of(shorts);
            year.balance = Moments::of(balances);
            sums.push(year);
        }
        // The opening reserves the path needed: its largest cumulative draw (shortfalls
        // less planned movements), and none if it never drew.
        out[PER_YEAR * self.len * n..].copy_from_slice(&w.need);
        Ok(sums)
    }

    fn label(&self, t: usize) -> &str {
        &self.labels[t]
    }

    /// Moves every driver that draws again from year t − 1's value to year t's.
    fn advance(&self, seed: u64, b: u64, t: usize, cols: &mut [Vec<f64>], w: &mut YearScratch) {
        let n = cols.first().map_or(0, Vec::len);
        w.draws.resize_with(cols.len(), Vec::new);
        w.yearly.resize_with(cols.len(), Vec::new);
        for (d, column) in w.draws.iter_mut().enumerate() {
            if self.draws[d] {
                column.resize(n, 0.0);
            }
        }
        self.samplers[t - 1].fill_with(seed, b, &mut w.draws, &mut w.sample);
        let ahead = t as f64;
        for (d, x) in cols.iter_mut().enumerate() {
            if !self.draws[d] {
                continue;
            }
            let path = self.paths[d];
            let mu = self.means[d];
            let (spread, shift) = (1.0 + path.widen * ahead, path.drift * ahead);
            let plain = path.widen == 0.0 && path.drift == 0.0;
            let draw = &w.draws[d];
            let e = |i: usize| {
                if plain {
                    draw[i]
                } else {
                    mu + spread * (draw[i] - mu) + shift
                }
            };
            match (path.kind, path.compound) {
                (PathKind::Hold, _) => {}
                (PathKind::Independent, false) => {
                    for (i, v) in x.iter_mut().enumerate() {
                        *v = e(i);
                    }
                }
                (PathKind::Independent, true) => {
                    for (i, v) in x.iter_mut().enumerate() {
                        *v = compound(*v, e(i));
                    }
                }
                (PathKind::Ar1 { phi }, false) => {
                    for (i, v) in x.iter_mut().enumerate() {
                        *v = mu + phi * (*v - mu) + (e(i) - mu);
                    }
                }
                (PathKind::Ar1 { phi }, true) => {
                    let y = &mut w.yearly[d];
                    if t == 1 {
                        // The first year's yearly value is its value.
                        y.clone_from(x);
                    }
                    for (i, (v, yv)) in x.iter_mut().zip(y.iter_mut()).enumerate() {
                        *yv = mu + phi * (*yv - mu) + (e(i) - mu);
                        *v = compound(*v, *yv);
                    }
                }
            }
        }
    }
}

/// One more year of compounded growth: (1 + x)(1 + y) − 1, a level that never falls
/// below −100% (NaN passes, so an overflow is still caught).
#[inline]
fn compound(x: f64, y: f64) -> f64 {
    let floor = |v: f64| if v < 0.0 { 0.0 } else { v };
    floor(1.0 + x) * floor(1.0 + y) - 1.0
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use rust_decimal::Decimal;

    use super::PER_YEAR;
    use crate::engine::{RunConfig, run};
    use crate::model::{Active, Model, Path, PathKind};
    use crate::sample::Sampling;

    /// A two-year model with an exact answer: a line of 125 against budgets of 120 and
    /// 123; a recurring saving of 10 that happens with chance 1/2, three months late in
    /// its first year; a one-off saving of 4 delivered in full; opening reserves of 20
    /// with a planned draw of 6 in the first year. The gap is 15 − 7.5h then 12 − 10h
    /// (h = 1 when the saving happens).
    fn two_years() -> Model {
        let text = r#"
[meta]
name = "T"
council = "T"
year = "2024/25"
unit = "£m"
net_budget = 100

[lines.a]
kind = "simple"
base = 100
growth = 0.25
budget = 120
source = "assumption: test"

[savings.s1]
amount = 10
recurring = true
probability = 0.5
slippage = 3
source = "assumption: test"

[savings.s2]
amount = 4
recurring = false
source = "assumption: test"

[reserves.general_fund]
kind = "general_fund"
amount = 20
source = "assumption: test"
"#;
        let mut m = Model::from_toml("t.toml", text).unwrap().model;
        let h = &mut m.horizon;
        h.years = vec!["2024/25".into(), "2025/26".into()];
        h.net_budget = vec![Some(Decimal::from(100)); 2];
        h.planned_reserves = vec![Decimal::from(-6), Decimal::ZERO];
        h.lines[0].budget = vec![Decimal::from(120), Decimal::from(123)];
        h.lines[0].base = vec![Decimal::from(100); 2];
        h.savings = vec![
            Active::ALWAYS,
            Active {
                from: 0,
                recurring: false,
            },
        ];
        m
    }

    fn config(iterations: u64) -> RunConfig {
        RunConfig {
            seed: 7,
            iterations,
            reserves: 20.0,
            sampling: Sampling::MonteCarlo,
        }
    }

    #[test]
    fn two_years_carry_gaps_one_off_items_and_reserves_exactly() {
        let m = two_years();
        let n = 25_000;
        let r = run(&m, &config(n), &|_| {}, &AtomicBool::new(false)).unwrap();
        assert_eq!(r.years, 2);
        let (g1, g2) = (r.path_values(0), r.path_values(3));
        let (b1, b2, need) = (r.path_values(2), r.path_values(5), r.path_values(6));
        let mut happened = 0;
        for i in 0..n as usize {
            let h = if g1[i] == 7.5 { 1.0 } else { 0.0 };
            happened += h as u64;
            assert_eq!(g1[i], 15.0 - 7.5 * h, "row {i}");
            // The one-off saving has gone; the recurring one delivers its full year.
            assert_eq!(g2[i], 12.0 - 10.0 * h, "row {i}");
            assert_eq!(b1[i], 14.0 - g1[i]);
            assert_eq!(b2[i], b1[i] - g2[i]);
            assert_eq!(need[i], if h == 1.0 { 15.5 } else { 33.0 });
        }
        let y = &r.total.years;
        let missed = n - happened;
        // Every path whose saving failed breaches in its first year, and stays breached.
        assert_eq!(y[0].first_breach, missed);
        assert_eq!(y[0].breaches, r.total.breaches);
        assert_eq!((y[1].first_breach, y[1].by_now), (0, missed));
        assert_eq!(r.total.horizon_breaches, missed);
        // P(h = 0) = 1/2 within 4 standard errors.
        let se = (0.25 / n as f64).sqrt();
        assert!((missed as f64 / n as f64 - 0.5).abs() < 4.0 * se);
    }

    #[test]
    fn an_ar1_drivers_third_year_variance_matches_its_formula() {
        // x_t = μ + φ(x_{t−1} − μ) + (e_t − μ), e_t ~ N(μ, σ²): Var x_3 = σ²(1 + φ² + φ⁴).
        let text = r#"
[meta]
name = "T"
council = "T"
year = "2024/25"
unit = "£m"

[drivers.g]
dist = "normal"
mean = 0.02
sd = 0.05
source = "assumption: test"

[lines.a]
kind = "simple"
base = 100
growth = "g"
budget = 100
source = "assumption: test"

[reserves.general_fund]
kind = "general_fund"
amount = 1000
source = "assumption: test"
"#;
        let mut m = Model::from_toml("t.toml", text).unwrap().model;
        let h = &mut m.horizon;
        h.years = vec!["2024/25".into(), "2025/26".into(), "2026/27".into()];
        h.net_budget = vec![None; 3];
        h.planned_reserves = vec![Decimal::ZERO; 3];
        h.lines[0].budget = vec![Decimal::from(100); 3];
        h.lines[0].base = vec![Decimal::from(100); 3];
        let phi = 0.6;
        h.paths[0] = Path {
            kind: PathKind::Ar1 { phi },
            ..Path::HOLD
        };
        let n = 200_000;
        let r = run(&m, &config(n), &|_| {}, &AtomicBool::new(false)).unwrap();
        // The year-3 gap is 100·x_3 (the line's budget is its base).
        let g3 = r.path_values(6);
        let nf = n as f64;
        let mean = g3.iter().sum::<f64>() / nf;
        let var = g3.iter().map(|g| (g - mean) * (g - mean)).sum::<f64>() / (nf - 1.0);
        let expected = (100.0 * 0.05_f64).powi(2) * (1.0 + phi * phi + phi.powi(4));
        // The sample variance of normals has sd σ²·√(2/(n − 1)).
        let se = expected * (2.0 / (nf - 1.0)).sqrt();
        assert!((var - expected).abs() < 4.0 * se, "{var} vs {expected}");
        assert!((mean - 2.0).abs() < 4.0 * (expected / nf).sqrt(), "{mean}");
        // Year 1 is the driver's own law: a one-year model's first year.
        let g1 = r.path_values(0);
        let v1 = g1.iter().map(|g| (g - 2.0) * (g - 2.0)).sum::<f64>() / nf;
        assert!((v1 - 25.0).abs() < 4.0 * 25.0 * (2.0 / nf).sqrt(), "{v1}");
    }

    /// A model of `years` years whose only line is a risk of 50 with chance `p` a year,
    /// drawn afresh each year, against reserves of 40: every shock breaches, and a year
    /// without one costs nothing.
    fn shocks(years: usize, p: f64) -> Model {
        let text = format!(
            r#"
[meta]
name = "T"
council = "T"
year = "2024/25"
unit = "£m"

[lines.shock]
kind = "risk"
probability = {p}
impact = 50
source = "assumption: test"

[reserves.general_fund]
kind = "general_fund"
amount = 40
source = "assumption: test"
"#
        );
        let mut m = Model::from_toml("t.toml", &text).unwrap().model;
        let h = &mut m.horizon;
        h.years = (0..years)
            .map(|t| format!("{}/{}", 2024 + t, 25 + t))
            .collect();
        h.net_budget = vec![None; years];
        h.planned_reserves = vec![Decimal::ZERO; years];
        h.lines[0].budget = vec![Decimal::ZERO; years];
        h.lines[0].base = vec![Decimal::ZERO; years];
        h.paths = vec![Path::INDEPENDENT; m.drivers.len()];
        m
    }

    #[test]
    fn the_first_breach_year_of_yearly_shocks_is_geometric() {
        let (years, p, n) = (4, 0.2, 100_000u64);
        let m = shocks(years, p);
        let mut c = config(n);
        c.reserves = 40.0;
        let r = run(&m, &c, &|_| {}, &AtomicBool::new(false)).unwrap();
        let nf = n as f64;
        let mut never = 1.0;
        for (t, y) in r.total.years.iter().enumerate() {
            let exact = (1.0 - p).powi(t as i32) * p;
            let se = (exact * (1.0 - exact) / nf).sqrt();
            let share = y.first_breach as f64 / nf;
            assert!(
                (share - exact).abs() < 4.0 * se,
                "year {t}: {share} vs {exact}"
            );
            // A shock in a later year breaches again, so each year's own chance is p
            // plus the chance of a deficit carried from earlier without a shock now.
            never -= exact;
        }
        let any = r.total.horizon_breaches as f64 / nf;
        let se = (never * (1.0 - never) / nf).sqrt();
        assert!(
            (1.0 - any - never).abs() < 4.0 * se,
            "{any} vs {}",
            1.0 - never
        );
        assert!((never - (1.0 - p).powi(years as i32)).abs() < 1e-12);
    }

    #[test]
    fn later_years_draw_from_their_own_streams_and_the_first_year_is_unchanged() {
        // The first year of a multi-year run is the one-year run, draw for draw.
        let one = shocks(1, 0.3);
        let four = shocks(4, 0.3);
        let r1 = run(&one, &config(20_000), &|_| {}, &AtomicBool::new(false)).unwrap();
        let r4 = run(&four, &config(20_000), &|_| {}, &AtomicBool::new(false)).unwrap();
        assert_eq!(r1.gap, r4.gap);
        assert_eq!(r1.total.breaches, r4.total.breaches);
        assert_eq!(r4.path_values(0), r4.gap);
        // Later years are not copies of the first.
        assert_ne!(r4.path_values(0), r4.path_values(PER_YEAR));
    }
}

//! The model compiled to plain numbers, and its arithmetic over columns of driver values.
//!
//! [`evaluate`] is the whole of the model's arithmetic: the simulated batches and the
//! slopes of the gap at the drivers' means both go through it, so no second copy exists.

use std::ops::Range;

use crate::model::{DriverId, LineKind, Model, UnitCost};

use super::years::Moments;
use super::{LARGEST, TOLERANCE};
use crate::model::f64_of as f;

/// The model compiled to plain numbers in the model's unit, for the hot loop.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    pub(super) drivers: usize,
    /// Amounts closer than this count as equal (see [`Plan::tolerance`]).
    pub(super) tolerance: f64,
    /// What each line, saving and funding stream is called, for error messages.
    pub(super) names: Names,
    pub(super) lines: Vec<PlanLine>,
    pub(super) savings: Vec<PlanSaving>,
    pub(super) funding: Vec<PlanFunding>,
    pub(super) mitigations: Vec<DriverId>,
    pub(super) planned_savings: f64,
    /// Drivers that vary (sensitivity is measured only for these).
    pub(super) varying: Vec<bool>,
    /// Drivers with imposed correlations, in matrix order.
    pub(super) correlated: Vec<DriverId>,
    /// The planned movement of usable reserves in the model's first year (0 unless the
    /// model plans one), added to the opening reserves for the first year's threshold.
    pub(super) first_planned: f64,
}

/// Names, and where each item is written in the model file.
#[derive(Debug, Clone, Default)]
pub(super) struct Names {
    pub(super) lines: Vec<(String, Range<usize>)>,
    pub(super) savings: Vec<(String, Range<usize>)>,
    pub(super) funding: Vec<(String, Range<usize>)>,
}

#[derive(Debug, Clone)]
pub(super) enum PlanLine {
    /// coefficient × Π(1 + x) × Π y against budget: `growth` enter as (1 + x), `factors`
    /// (a cohort line's unit cost as a driver) as themselves.
    Product {
        coefficient: f64,
        growth: Vec<DriverId>,
        factors: Vec<DriverId>,
        budget: f64,
    },
    /// occurs × impact against budget.
    Risk {
        occurs: DriverId,
        impact: DriverId,
        budget: f64,
    },
}

impl PlanLine {
    pub(super) fn budget(&self) -> f64 {
        match self {
            PlanLine::Product { budget, .. } | PlanLine::Risk { budget, .. } => *budget,
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct PlanSaving {
    pub(super) amount: f64,
    pub(super) happens: DriverId,
    pub(super) delivered: DriverId,
    pub(super) slippage: DriverId,
    /// Whether slippage applies: in the saving's first year; a recurring saving's later
    /// years deliver the full year.
    pub(super) slips: bool,
}

#[derive(Debug, Clone)]
pub(super) struct PlanFunding {
    pub(super) budget: f64,
    pub(super) variation: Vec<DriverId>,
}

impl Plan {
    /// Compiles a checked model.
    pub(super) fn new(model: &Model) -> Plan {
        let per_pound = 1.0 / model.meta.unit.pounds();
        let lines = model
            .lines
            .iter()
            .map(|l| match &l.kind {
                LineKind::Cohort {
                    clients,
                    unit_cost,
                    periods,
                    demand,
                    cost,
                    ..
                } => {
                    let growth = demand.iter().chain(cost).copied().collect();
                    match unit_cost {
                        UnitCost::Fixed(u) => PlanLine::Product {
                            coefficient: f(*clients) * f(*u) * f(*periods) * per_pound,
                            growth,
                            factors: Vec::new(),
                            budget: f(l.budget),
                        },
                        UnitCost::Driver(u) => PlanLine::Product {
                            coefficient: f(*clients) * f(*periods) * per_pound,
                            growth,
                            factors: vec![*u],
                            budget: f(l.budget),
                        },
                    }
                }
                LineKind::Simple { base, growth } => PlanLine::Product {
                    coefficient: f(*base),
                    growth: growth.clone(),
                    factors: Vec::new(),
                    budget: f(l.budget),
                },
                LineKind::Risk { occurs, impact, .. } => PlanLine::Risk {
                    occurs: *occurs,
                    impact: *impact,
                    budget: f(l.budget),
                },
            })
            .collect();
        let savings = model
            .savings
            .iter()
            .map(|s| PlanSaving {
                amount: f(s.amount),
                happens: s.happens,
                delivered: s.delivered,
                slippage: s.slippage,
                slips: true,
            })
            .collect();
        let funding = model
            .funding
            .iter()
            .map(|fu| PlanFunding {
                budget: f(fu.budget),
                variation: fu.variation.clone(),
            })
            .collect();
        let scale: f64 = model.lines.iter().map(|l| f(l.budget).abs()).sum::<f64>()
            + model.savings.iter().map(|s| f(s.amount).abs()).sum::<f64>()
            + model
                .funding
                .iter()
                .map(|fu| f(fu.budget).abs())
                .sum::<f64>();
        Plan {
            drivers: model.drivers.len(),
            tolerance: TOLERANCE * scale.max(1.0),
            names: Names {
                lines: model
                    .lines
                    .iter()
                    .map(|l| (l.name.clone(), l.span.clone()))
                    .collect(),
                savings: model
                    .savings
                    .iter()
                    .map(|s| (s.name.clone(), s.span.clone()))
                    .collect(),
                funding: model
                    .funding
                    .iter()
                    .map(|fu| (fu.name.clone(), fu.span.clone()))
                    .collect(),
            },
            lines,
            savings,
            funding,
            mitigations: model.mitigations.iter().map(|m| m.capacity).collect(),
            planned_savings: f(model.planned_savings()),
            varying: model.drivers.iter().map(|d| !d.dist.is_fixed()).collect(),
            correlated: if model.correlation.drivers.len() >= 2 {
                model.correlation.drivers.clone()
            } else {
                Vec::new()
            },
            first_planned: f(model.horizon.planned_reserves[0]),
        }
    }
}

impl Plan {
    /// Compiles year `t` of a multi-year model: each line's and funding stream's figures
    /// for that year, and only the savings, funding streams and mitigations that count in
    /// it (a recurring saving after its first year without slippage). Year 0 of a model is
    /// `Plan::new` of its first year.
    pub(super) fn for_year(model: &Model, t: usize) -> Plan {
        let h = &model.horizon;
        let mut year = model.clone();
        for (l, ly) in year.lines.iter_mut().zip(&h.lines) {
            l.budget = ly.budget[t];
            match &mut l.kind {
                LineKind::Cohort { clients, .. } => *clients = ly.base[t],
                LineKind::Simple { base, .. } => *base = ly.base[t],
                LineKind::Risk { .. } => {}
            }
        }
        for (fu, fy) in year.funding.iter_mut().zip(&h.funding) {
            fu.budget = fy.budget[t];
        }
        let keep = |active: &[crate::model::Active]| -> Vec<bool> {
            active.iter().map(|a| a.in_year(t)).collect()
        };
        let savings = keep(&h.savings);
        let funding: Vec<bool> = h.funding.iter().map(|f| f.active.in_year(t)).collect();
        let mitigations = keep(&h.mitigations);
        let slips: Vec<bool> = h.savings.iter().map(|a| a.from == t).collect();
        fn pick(v: &[bool]) -> impl Iterator<Item = usize> + '_ {
            v.iter().enumerate().filter(|(_, k)| **k).map(|(i, _)| i)
        }
        year.savings = pick(&savings).map(|i| year.savings[i].clone()).collect();
        year.funding = pick(&funding).map(|i| year.funding[i].clone()).collect();
        year.mitigations = pick(&mitigations)
            .map(|i| year.mitigations[i].clone())
            .collect();
        let mut plan = Plan::new(&year);
        for (p, i) in plan.savings.iter_mut().zip(pick(&savings)) {
            p.slips = slips[i];
        }
        plan
    }
}

/// The model evaluated on a set of driver values (one row per simulated year).
#[derive(Default)]
pub(super) struct Evaluation {
    /// Gap before mitigation.
    pub(super) gap: Vec<f64>,
    /// Savings delivered.
    pub(super) savings: Vec<f64>,
    /// Mitigation capacity.
    pub(super) capacity: Vec<f64>,
    /// Each line's outturn.
    pub(super) line_terms: Vec<Vec<f64>>,
    /// Each saving's delivery.
    pub(super) saving_terms: Vec<Vec<f64>>,
    /// Each funding stream's actual.
    pub(super) funding_terms: Vec<Vec<f64>>,
    /// Each mitigation's capacity.
    pub(super) mitigation_terms: Vec<Vec<f64>>,
    /// Whether [`evaluate`] takes each term column's [`Moments`] as it finishes it (while
    /// it is in cache: a large model's batch of columns is far beyond the caches, and a
    /// second pass over it would read every column from memory again).
    pub(super) moments: bool,
    /// Each line's, saving's, funding stream's and mitigation's moments, when `moments`.
    pub(super) line_moments: Vec<Moments>,
    pub(super) saving_moments: Vec<Moments>,
    pub(super) funding_moments: Vec<Moments>,
    pub(super) mitigation_moments: Vec<Moments>,
}

/// `k` columns of `n` rows, their contents left as they were: for columns that are wholly
/// overwritten, so that a batch does not first write zeros over every one of them.
pub(super) fn sized(v: &mut Vec<Vec<f64>>, k: usize, n: usize) {
    v.resize_with(k, Vec::new);
    for c in v.iter_mut() {
        c.resize(n, 0.0);
    }
}

impl Evaluation {
    /// Sizes every column for `n` rows; the totals zeroed (they are summed into), the
    /// terms not (each is wholly written before it is read).
    pub(super) fn resize(&mut self, plan: &Plan, n: usize) {
        sized(&mut self.line_terms, plan.lines.len(), n);
        sized(&mut self.saving_terms, plan.savings.len(), n);
        sized(&mut self.funding_terms, plan.funding.len(), n);
        sized(&mut self.mitigation_terms, plan.mitigations.len(), n);
        for v in [&mut self.gap, &mut self.savings, &mut self.capacity] {
            v.clear();
            v.resize(n, 0.0);
        }
        for m in [
            &mut self.line_moments,
            &mut self.saving_moments,
            &mut self.funding_moments,
            &mut self.mitigation_moments,
        ] {
            m.clear();
        }
    }
}

/// A floor at zero that lets NaN through, so that an overflow is caught downstream rather
/// than silently turned into zero (`f64::max` would return 0 for NaN).
#[inline]
fn floor0(x: f64) -> f64 {
    if x < 0.0 { 0.0 } else { x }
}

/// Evaluates the model column-wise on driver values `cols` (one column per driver, every
/// column of the same length): the whole of the model's arithmetic, used both for the
/// simulated batches and for the slopes of the gap at the drivers' means.
pub(super) fn evaluate(plan: &Plan, cols: &[Vec<f64>], n: usize, e: &mut Evaluation) {
    e.resize(plan, n);
    for (line, terms) in plan.lines.iter().zip(e.line_terms.iter_mut()) {
        match line {
            PlanLine::Product {
                coefficient,
                growth,
                factors,
                ..
            } => {
                terms.fill(*coefficient);
                for g in growth {
                    for (t, x) in terms.iter_mut().zip(&cols[g.0]) {
                        // A growth rate below −100% (allowed only as a one-in-a-million
                        // excursion of an unbounded distribution) stops at zero spend.
                        *t *= floor0(1.0 + x);
                    }
                }
                for k in factors {
                    for (t, x) in terms.iter_mut().zip(&cols[k.0]) {
                        // A unit cost below zero (as rare) is no cost.
                        *t *= floor0(*x);
                    }
                }
            }
            PlanLine::Risk { occurs, impact, .. } => {
                for ((t, o), i) in terms.iter_mut().zip(&cols[occurs.0]).zip(&cols[impact.0]) {
                    *t = o * floor0(*i);
                }
            }
        }
        let budget = line.budget();
        for (gap, t) in e.gap.iter_mut().zip(terms.iter()) {
            *gap += t - budget;
        }
        if e.moments {
            e.line_moments.push(Moments::of(terms));
        }
    }
    for (sv, terms) in plan.savings.iter().zip(e.saving_terms.iter_mut()) {
        let happens = &cols[sv.happens.0];
        let fraction = &cols[sv.delivered.0];
        let slip = &cols[sv.slippage.0];
        if sv.slips {
            for i in 0..n {
                let months = slip[i].clamp(0.0, 12.0);
                let d =
                    sv.amount * happens[i] * fraction[i].clamp(0.0, 1.0) * (12.0 - months) / 12.0;
                terms[i] = d;
                e.savings[i] += d;
                e.gap[i] += sv.amount - d;
            }
        } else {
            for i in 0..n {
                let d = sv.amount * happens[i] * fraction[i].clamp(0.0, 1.0);
                terms[i] = d;
                e.savings[i] += d;
                e.gap[i] += sv.amount - d;
            }
        }
        if e.moments {
            e.saving_moments.push(Moments::of(terms));
        }
    }
    for (fu, terms) in plan.funding.iter().zip(e.funding_terms.iter_mut()) {
        terms.fill(fu.budget);
        for v in &fu.variation {
            for (t, x) in terms.iter_mut().zip(&cols[v.0]) {
                *t *= floor0(1.0 + x);
            }
        }
        for (gap, t) in e.gap.iter_mut().zip(terms.iter()) {
            *gap -= t - fu.budget;
        }
        if e.moments {
            e.funding_moments.push(Moments::of(terms));
        }
    }
    for (m, terms) in plan.mitigations.iter().zip(e.mitigation_terms.iter_mut()) {
        for ((t, c), x) in terms.iter_mut().zip(e.capacity.iter_mut()).zip(&cols[m.0]) {
            *t = floor0(*x);
            *c += *t;
        }
        if e.moments {
            e.mitigation_moments.push(Moments::of(terms));
        }
    }
}

/// What in row `i` is out of range, in words, and where it is written when it is one
/// item, for [`EngineError::NotFinite`](super::EngineError::NotFinite).
pub(super) fn culprit(plan: &Plan, e: &Evaluation, i: usize) -> (String, Option<Range<usize>>) {
    let bad = |x: f64| !x.is_finite() || x.abs() > LARGEST;
    let named = |kind: &str, names: &[(String, Range<usize>)], terms: &[Vec<f64>]| {
        terms.iter().position(|t| bad(t[i])).map(|k| {
            let (name, span) = &names[k];
            (format!("the {kind} `{name}`"), Some(span.clone()))
        })
    };
    named("line", &plan.names.lines, &e.line_terms)
        .or_else(|| named("saving", &plan.names.savings, &e.saving_terms))
        .or_else(|| named("funding stream", &plan.names.funding, &e.funding_terms))
        .or_else(|| bad(e.capacity[i]).then(|| ("the mitigation capacity".to_string(), None)))
        .unwrap_or_else(|| ("the gap".to_string(), None))
}

/// Drivers whose slopes are evaluated together in [`slopes`]: the rows are 1 + 2 × this,
/// so the memory it takes stays linear in the drivers (one evaluation of all of them at
/// once took drivers² × 16 bytes: 1.6 GB for 10,000 drivers).
pub(super) const SLOPE_CHUNK: usize = 256;

/// The slope of the gap with respect to each driver at the drivers' means (0 for fixed
/// drivers), by central differences through [`evaluate`] itself.
///
/// The gap is multilinear in the drivers (each enters a product or a sum once), so the
/// slope is exact for any step as long as no floor or clamp binds. A step of a thousandth of
/// a standard deviation keeps clear of them unless a driver's mean sits on one (a fraction
/// delivered of normal(1.0, 0.05) is clamped at 1, and its slope comes out halved). Sensitivity
/// uses it to separate a driver's own effect from that of the drivers correlated with it.
/// Rows are evaluated independently, so taking the drivers in chunks changes no slope.
pub(super) fn slopes(plan: &Plan, model: &Model) -> Vec<f64> {
    let varying: Vec<(usize, f64)> = model
        .drivers
        .iter()
        .enumerate()
        .filter(|(_, d)| !d.dist.is_fixed())
        .map(|(i, d)| (i, 1e-3 * d.dist.variance().sqrt()))
        .filter(|&(_, h)| h > 0.0 && h.is_finite())
        .collect();
    let mut out = vec![0.0; model.drivers.len()];
    let mut e = Evaluation::default();
    for chunk in varying.chunks(SLOPE_CHUNK) {
        let rows = 1 + 2 * chunk.len();
        let mut cols: Vec<Vec<f64>> = model
            .drivers
            .iter()
            .map(|d| vec![d.dist.mean(); rows])
            .collect();
        for (k, &(i, h)) in chunk.iter().enumerate() {
            cols[i][1 + 2 * k] += h;
            cols[i][2 + 2 * k] -= h;
        }
        evaluate(plan, &cols, rows, &mut e);
        for (k, &(i, h)) in chunk.iter().enumerate() {
            let slope = (e.gap[1 + 2 * k] - e.gap[2 + 2 * k]) / (2.0 * h);
            out[i] = if slope.is_finite() { slope } else { 0.0 };
        }
    }
    out
}

/// The first year's outcome with every driver at its mean: what a budget built on central
/// estimates expects, beside which a stress case's distribution is read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Central {
    /// The gap before mitigation.
    pub gap: f64,
    /// The shortfall after mitigation (mitigation at its mean capacity, used only as far
    /// as needed).
    pub shortfall: f64,
    /// The shortfall is beyond the usable reserves (and the year's planned movement).
    pub s114_level: bool,
}

/// [`Central`] for a model's first year, with `reserves` usable.
pub fn central(model: &Model, reserves: f64) -> Central {
    let first = model.first_year();
    let plan = Plan::new(&first);
    let cols: Vec<Vec<f64>> = first.drivers.iter().map(|d| vec![d.dist.mean()]).collect();
    let mut e = Evaluation::default();
    evaluate(&plan, &cols, 1, &mut e);
    let gap = e.gap[0];
    let shortfall = gap - gap.max(0.0).min(e.capacity[0]);
    Central {
        gap,
        shortfall,
        s114_level: shortfall - (reserves + plan.first_planned) > plan.tolerance,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_central_outcome_is_the_model_at_its_drivers_means() {
        let text = "[meta]\nname = \"c\"\ncouncil = \"c\"\nyear = \"2024/25\"\nunit = \"£m\"\n\
            [drivers.g]\ndist = \"pert\"\nmin = 0\nmode = 0.05\nmax = 0.4\nsource = \"a\"\n\
            [lines.l]\nkind = \"simple\"\nbase = 100\ngrowth = \"g\"\nbudget = 103\nsource = \"a\"\n\
            [mitigation.m]\ncapacity = { dist = \"uniform\", min = 0, max = 2 }\nsource = \"a\"\n\
            [reserves.r]\nkind = \"general_fund\"\namount = 5\nsource = \"a\"\n";
        let model = crate::model::Model::from_toml("c", text).unwrap().model;
        // Mean growth (0 + 4·0.05 + 0.4)/6 = 0.1, so outturn 110 and gap 7; mean capacity 1.
        let c = central(&model, 5.0);
        assert!((c.gap - 7.0).abs() < 1e-12, "{c:?}");
        assert!((c.shortfall - 6.0).abs() < 1e-12);
        assert!(c.s114_level);
        assert!(!central(&model, 6.5).s114_level);
    }

    const MODEL: &str = r#"
[meta]
name = "T"
council = "T"
year = "2024/25"
unit = "£m"

[lines.first]
kind = "simple"
base = 10
growth = { dist = "normal", mean = 0, sd = 0.1 }
budget = 10
source = "assumption: test"

[lines.second]
kind = "simple"
base = 20
growth = { dist = "normal", mean = 0.1, sd = 0.1 }
budget = 20
source = "assumption: test"

[reserves.general_fund]
kind = "general_fund"
amount = 1
source = "assumption: test"
"#;

    #[test]
    fn an_overflowed_draw_reaches_the_gap_and_is_named() {
        // The floor on growth must not turn NaN into −100% (f64::max would): an overflow
        // has to surface as a non-finite gap, which the engine refuses, naming the line.
        assert!(floor0(f64::NAN).is_nan());
        assert_eq!(floor0(-2.0), 0.0);
        let model = Model::from_toml("t.toml", MODEL).unwrap().model;
        let plan = Plan::new(&model);
        let second = model
            .drivers
            .iter()
            .position(|d| d.name == "lines.second.growth")
            .unwrap();
        let mut cols = vec![vec![0.05; 3]; model.drivers.len()];
        cols[second][1] = f64::NAN;
        cols[second][2] = f64::INFINITY;
        let mut e = Evaluation::default();
        evaluate(&plan, &cols, 3, &mut e);
        assert!(e.gap[0].is_finite());
        assert!(e.gap[1].is_nan() && e.gap[2].is_infinite());
        // Named, and placed at its `[lines.second]` header.
        let at = MODEL.find("[lines.second]").unwrap() + "[lines.".len();
        let located = (
            "the line `second`".to_string(),
            Some(at..at + "second".len()),
        );
        assert_eq!(culprit(&plan, &e, 1), located);
        assert_eq!(culprit(&plan, &e, 2), located);
    }

    #[test]
    fn a_unit_cost_driver_multiplies_the_line_as_itself() {
        // 100 clients × U × 52 weeks × (1 + 0.1), U ~ uniform(400, 600): at U = 500 the
        // line is £2.86m, and its slope is 100 × 52 × 1.1 / 10^6 per pound of unit cost.
        let text = r#"
[meta]
name = "T"
council = "T"
year = "2024/25"
unit = "£m"
net_budget = 10

[lines.care]
kind = "cohort"
clients = 100
unit_cost = { dist = "uniform", min = 400, max = 600 }
periods = 52
cost = 0.1
budget = 2.86
source = "assumption: test"

[reserves.general_fund]
kind = "general_fund"
amount = 1
source = "assumption: test"
"#;
        let model = Model::from_toml("t.toml", text).unwrap().model;
        let plan = Plan::new(&model);
        let u = model.driver_named("lines.care.unit_cost").unwrap();
        let mut cols: Vec<Vec<f64>> = model
            .drivers
            .iter()
            .map(|d| vec![d.dist.mean(); 3])
            .collect();
        cols[u.0] = vec![500.0, -1.0, 600.0];
        let mut e = Evaluation::default();
        evaluate(&plan, &cols, 3, &mut e);
        let expected = 100.0 * 500.0 * 52.0 * 1.1 / 1e6;
        assert!(
            (e.line_terms[0][0] - expected).abs() < 1e-12,
            "{}",
            e.line_terms[0][0]
        );
        // A negative unit cost (only ever a rare excursion) is no cost, not a refund.
        assert_eq!(e.line_terms[0][1], 0.0);
        assert!((e.line_terms[0][2] - expected * 1.2).abs() < 1e-12);
        let s = slopes(&plan, &model);
        assert!(
            (s[u.0] - 100.0 * 52.0 * 1.1 / 1e6).abs() < 1e-12,
            "{}",
            s[u.0]
        );
    }

    #[test]
    fn slopes_at_the_means_are_exact_for_a_linear_line() {
        let model = Model::from_toml("t.toml", MODEL).unwrap().model;
        let plan = Plan::new(&model);
        let s = slopes(&plan, &model);
        for (d, slope) in model.drivers.iter().zip(&s) {
            let expected = match d.name.as_str() {
                "lines.first.growth" => 10.0,
                "lines.second.growth" => 20.0,
                _ => 0.0,
            };
            assert!((slope - expected).abs() < 1e-9, "{}: {slope}", d.name);
        }
    }
}

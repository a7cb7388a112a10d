//! What a synthetic council of each tier spends on, and the ranges its figures are drawn
//! from. Budgets are set from the drivers' means less a small optimism (up to 3% of a
//! line, sometimes a little prudence instead), as budgets often are, so the average year
//! overspends somewhat and the spread of drivers, savings and risks does the rest.

use rust_decimal::Decimal;

use super::finance::{correlations, funding, mitigation, reserves, savings};
use super::items::{Council, Driver, Law, Line, LineKind};
use super::{Draws, Share, Tier, money, shares};

/// The financial year every synthetic council budgets for.
const YEAR: &str = "2025/26";

/// What every source says first.
pub(super) const SYNTHETIC: &str = "synthetic assumption";

/// A council being put together.
pub(super) struct Build {
    pub(super) d: Draws,
    pub(super) tier: Tier,
    pub(super) net: Decimal,
    pub(super) drivers: Vec<Driver>,
    pub(super) lines: Vec<Line>,
}

pub(super) fn pert(min: Decimal, mode: Decimal, max: Decimal) -> Law {
    Law::Pert { min, mode, max }
}

/// A normal, not truncated.
pub(super) fn normal(mean: Decimal, sd: Decimal) -> Law {
    Law::Normal {
        mean,
        sd,
        min: None,
        max: None,
    }
}

fn one() -> Decimal {
    Decimal::ONE
}

impl Build {
    pub(super) fn driver(&mut self, name: &'static str, label: &'static str, law: Law, why: &str) {
        self.drivers.push(Driver {
            name,
            label,
            law,
            source: format!("{SYNTHETIC}: {why}"),
        });
    }

    fn mean(&self, name: &str) -> Decimal {
        self.drivers
            .iter()
            .find(|d| d.name == name)
            .map_or(Decimal::ZERO, |d| d.law.mean())
    }

    /// The budget's factor for growth through `drivers`: their means, less the
    /// optimism drawn for the line (−0.5% to +3%, 1.25% on average).
    fn budgeted(&mut self, drivers: &[&str]) -> Decimal {
        let grown = drivers
            .iter()
            .fold(one(), |f, n| f * (one() + self.mean(n)));
        let optimism = self.d.dec(-5, 30, 3);
        grown * (one() - optimism)
    }

    fn simple(
        &mut self,
        name: &'static str,
        label: &'static str,
        group: &'static str,
        target: Decimal,
        growth: Vec<&'static str>,
        why: &str,
    ) {
        let factor = self.budgeted(&growth);
        let base = money(target / factor);
        self.lines.push(Line {
            name,
            label,
            group,
            kind: LineKind::Simple { base, growth },
            budget: money(base * factor),
            source: format!("{SYNTHETIC}: {why}; budget: the base uplifted for growth"),
        });
    }

    /// A cohort line of `target` £m: clients from the target at `unit_cost` pounds a
    /// period, `periods` a year.
    fn cohort(
        &mut self,
        (name, label, group): (&'static str, &'static str, &'static str),
        target: Decimal,
        (unit_cost, periods, period): (u64, u32, &'static str),
        demand: &'static str,
        cost: Vec<&'static str>,
        why: &str,
    ) {
        let mut all = vec![demand];
        all.extend(cost.iter().copied());
        let factor = self.budgeted(&all);
        let per_client =
            Decimal::from(unit_cost) * Decimal::from(periods) / Decimal::from(1_000_000);
        let clients = (target / factor / per_client).round().max(one());
        let clients = u64::try_from(clients.mantissa()).unwrap_or(1);
        self.lines.push(Line {
            name,
            label,
            group,
            kind: LineKind::Cohort {
                clients,
                unit_cost,
                periods,
                period,
                demand,
                cost,
            },
            budget: money(Decimal::from(clients) * per_client * factor),
            source: format!(
                "{SYNTHETIC}: {why}; budget: the clients' cost uplifted for demand and cost"
            ),
        });
    }

    fn risk(
        &mut self,
        (name, label, group): (&'static str, &'static str, &'static str),
        probability: Decimal,
        impact: &'static str,
        why: &str,
    ) {
        self.lines.push(Line {
            name,
            label,
            group,
            kind: LineKind::Risk {
                probability,
                impact,
            },
            budget: Decimal::ZERO,
            source: format!("{SYNTHETIC}: {why}; the budget does not provide for it"),
        });
    }

    /// The target budget of `group`: its drawn share of the net budget.
    fn group(&mut self, group: &str) -> Decimal {
        let share = shares(self.tier)
            .into_iter()
            .find(|s: &Share| s.group == group)
            .map_or(Decimal::ZERO, |s| self.d.share(&s));
        self.net * share
    }
}

/// Council `index` of `tier` from `seed`, drawn from `d`.
pub(super) fn council(tier: Tier, seed: u64, index: u32, d: Draws) -> Council {
    let mut b = Build {
        d,
        tier,
        net: Decimal::ZERO,
        drivers: Vec::new(),
        lines: Vec::new(),
    };
    let (lo, hi) = tier.net_budget_range();
    let to = |x: Decimal| x.mantissa() as i64 * 10;
    b.net = b.d.dec(to(lo), to(hi), 1);
    inflation(&mut b);
    match tier {
        Tier::District => district(&mut b),
        Tier::Unitary | Tier::County => {
            adult_care(&mut b);
            children(&mut b);
            transport(&mut b);
            waste(&mut b, "Waste disposal and recycling");
            if tier == Tier::Unitary {
                housing(&mut b);
            }
            highways(&mut b);
        }
    }
    pay_and_other(&mut b);
    let savings = savings(&mut b);
    let funding = funding(&mut b);
    let mitigation = mitigation(&mut b);
    let reserves = reserves(&mut b);
    let correlations = correlations(&mut b);
    let name = super::council_name(tier, index);
    Council {
        description: format!(
            "A synthetic {} council written by gapsim init --synthetic {} --seed {seed} \
             (council {index}): every figure is an assumption, plausible for its kind, not a \
             real council's.",
            tier.name(),
            tier.name()
        ),
        council: name,
        year: YEAR,
        net_budget: b.net,
        drivers: b.drivers,
        lines: b.lines,
        savings,
        funding,
        mitigation,
        reserves,
        correlations,
    }
}

/// Pay and contract prices, which every council has.
fn inflation(b: &mut Build) {
    let min = b.d.per_mille(20, 30);
    let mode = min + b.d.per_mille(8, 15);
    let max = mode + b.d.per_mille(15, 30);
    b.driver(
        "pay_award",
        "Pay award",
        pert(min, mode, max),
        "the national pay award, most likely a point above the lowest offer",
    );
    let min = b.d.per_mille(10, 25);
    let mode = min + b.d.per_mille(10, 20);
    let max = mode + b.d.per_mille(20, 40);
    b.driver(
        "contract_inflation",
        "Price indexation of contracts",
        pert(min, mode, max),
        "contracts indexed on the autumn CPI, with an upper tail",
    );
}

/// Older people and working-age adults' placements, the rest of adult care, and the
/// chance a care provider fails.
fn adult_care(b: &mut Build) {
    care_drivers(b);
    let total = b.group("Adult social care");
    let older = total * b.d.per_mille(480, 560);
    let working = total * b.d.per_mille(340, 420);
    let uc = b.d.int(600, 850) as u64;
    b.cohort(
        (
            "older_people",
            "Older people placements",
            "Adult social care",
        ),
        older,
        (uc, 52, "week"),
        "op_demand",
        vec!["care_fee_uplift", "op_cost_drift"],
        "clients and the average weekly cost of a council of this size",
    );
    let uc = b.d.int(1000, 1500) as u64;
    b.cohort(
        (
            "working_age_adults",
            "Working-age adults placements",
            "Adult social care",
        ),
        working,
        (uc, 52, "week"),
        "wa_demand",
        vec!["care_fee_uplift", "wa_cost_drift"],
        "learning disability, mental health and physical disability placements together",
    );
    b.simple(
        "asc_operations",
        "Adult care assessment and commissioning",
        "Adult social care",
        total - older - working,
        vec!["pay_award"],
        "staff who assess and commission care",
    );
    let median = money(total * b.d.per_mille(15, 30));
    let p90 = money(median * b.d.dec(18, 26, 1));
    b.driver(
        "care_market_shock",
        "Cost of a care provider failing, if it happens",
        Law::Lognormal {
            median,
            p90,
            max: median * Decimal::from(8),
        },
        "emergency placements and re-provision, a long upper tail",
    );
    let p = b.d.per_mille(80, 200);
    b.risk(
        (
            "care_market_failure",
            "Care market failure",
            "Adult social care",
        ),
        p,
        "care_market_shock",
        "the chance in the year that a major provider fails",
    );
}

/// The fee uplift, and older people's and working-age adults' demand and cost drift.
fn care_drivers(b: &mut Build) {
    let min = b.d.per_mille(30, 50);
    let mode = min + b.d.per_mille(15, 30);
    let max = mode + b.d.per_mille(20, 40);
    b.driver(
        "care_fee_uplift",
        "Care provider fee uplift",
        pert(min, mode, max),
        "providers' fees follow the National Living Wage",
    );
    let (mean, sd) = (b.d.per_mille(15, 35), b.d.per_mille(6, 14));
    b.driver(
        "op_demand",
        "Older people: growth in clients",
        normal(mean, sd),
        "an ageing population",
    );
    let (mode, max) = (b.d.per_mille(20, 50), b.d.per_mille(100, 180));
    b.driver(
        "op_cost_drift",
        "Older people: unit cost drift",
        pert(Decimal::ZERO, mode, max),
        "placement mix and spot purchases, skewed upward",
    );
    let (mean, sd) = (b.d.per_mille(10, 30), b.d.per_mille(5, 12));
    b.driver(
        "wa_demand",
        "Working-age adults: growth in clients",
        normal(mean, sd),
        "transitions from children's services",
    );
    let (mode, max) = (b.d.per_mille(20, 40), b.d.per_mille(80, 140));
    b.driver(
        "wa_cost_drift",
        "Working-age adults: unit cost drift",
        pert(Decimal::ZERO, mode, max),
        "supported living and complex needs, skewed upward",
    );
}

/// Children in care, children's social work and (for a county) unfunded asylum-seeking
/// children.
fn children(b: &mut Build) {
    let (mean, sd) = (b.d.per_mille(-10, 20), b.d.per_mille(20, 40));
    b.driver(
        "cic_demand",
        "Children in care: change in numbers",
        Law::Normal {
            mean,
            sd,
            min: Some(Decimal::new(-15, 2)),
            max: Some(Decimal::new(2, 1)),
        },
        "numbers roughly level, within -15% and +20%",
    );
    let median = b.d.per_mille(50, 90);
    let p90 = median + b.d.per_mille(40, 80);
    b.driver(
        "cic_unit_cost",
        "Children in care: unit cost growth",
        Law::Lognormal {
            median,
            p90,
            max: Decimal::new(4, 1),
        },
        "the shift to dearer residential and agency placements, skewed upward",
    );
    let total = b.group("Children's services");
    let care = total * b.d.per_mille(500, 620);
    let uc = b.d.int(900, 1400) as u64;
    b.cohort(
        (
            "children_in_care",
            "Children in care placements",
            "Children's services",
        ),
        care,
        (uc, 52, "week"),
        "cic_demand",
        vec!["cic_unit_cost"],
        "children in care and the average weekly placement cost",
    );
    b.simple(
        "childrens_social_work",
        "Children's social work and early help",
        "Children's services",
        total - care,
        vec!["pay_award"],
        "social workers and early help",
    );
    if b.tier == Tier::County {
        let n = b.net;
        let (min, mode, max) = (
            money(n * b.d.dec(10, 20, 4)),
            money(n * b.d.dec(30, 50, 4)),
            money(n * b.d.dec(80, 120, 4)),
        );
        b.driver(
            "uasc_cost",
            "Unfunded cost of asylum-seeking children, if it happens",
            Law::Triangular { min, mode, max },
            "Home Office funding below the cost of care",
        );
        let p = b.d.per_mille(200, 500);
        b.risk(
            (
                "uasc",
                "Asylum-seeking children: cost not met",
                "Children's services",
            ),
            p,
            "uasc_cost",
            "the chance that some cost falls on the council",
        );
    }
}

/// SEN home-to-school transport.
fn transport(b: &mut Build) {
    let (min, mode, max) = (
        b.d.per_mille(30, 60),
        b.d.per_mille(70, 110),
        b.d.per_mille(130, 180),
    );
    b.driver(
        "sen_pupils",
        "SEN transport: growth in pupils",
        pert(min, mode, max),
        "growth in pupils with education, health and care plans",
    );
    let (min, mode, max) = (
        b.d.per_mille(20, 40),
        b.d.per_mille(50, 90),
        b.d.per_mille(140, 220),
    );
    b.driver(
        "sen_cost",
        "SEN transport: cost per pupil-day",
        pert(min, mode, max),
        "contract prices, fuel and drivers' pay",
    );
    let target = b.group("Home-to-school transport");
    let uc = b.d.int(35, 60) as u64;
    b.cohort(
        (
            "sen_transport",
            "SEN home-to-school transport",
            "Home-to-school transport",
        ),
        target,
        (uc, 190, "school day"),
        "sen_pupils",
        vec!["sen_cost"],
        "pupils transported and the cost per pupil a school day",
    );
}

/// Waste collection or disposal: tonnage and the contract's own inflation.
fn waste(b: &mut Build, label: &'static str) {
    let (mean, sd) = (b.d.per_mille(0, 15), b.d.per_mille(8, 20));
    b.driver(
        "waste_tonnage",
        "Waste: change in tonnage",
        normal(mean, sd),
        "households and their waste",
    );
    let (min, mode, max) = (
        b.d.per_mille(20, 30),
        b.d.per_mille(40, 60),
        b.d.per_mille(80, 120),
    );
    b.driver(
        "waste_inflation",
        "Waste contract inflation",
        pert(min, mode, max),
        "fuel, fleet and crews' pay in the waste contract",
    );
    let target = b.group("Waste");
    b.simple(
        "waste",
        label,
        "Waste",
        target,
        vec!["waste_tonnage", "waste_inflation"],
        "the waste contract and its tonnage",
    );
}

/// Temporary accommodation for homeless households, and the rest of housing.
fn housing(b: &mut Build) {
    let (mean, sd) = (b.d.per_mille(40, 120), b.d.per_mille(40, 80));
    b.driver(
        "ta_households",
        "Temporary accommodation: growth in households",
        Law::Normal {
            mean,
            sd,
            min: Some(Decimal::new(-2, 1)),
            max: Some(Decimal::new(6, 1)),
        },
        "homelessness rising with rents, within -20% and +60%",
    );
    let (mode, max) = (b.d.per_mille(40, 70), b.d.per_mille(140, 240));
    b.driver(
        "ta_nightly_cost",
        "Temporary accommodation: nightly cost",
        pert(Decimal::ZERO, mode, max),
        "nightly-paid and hotel rooms, skewed upward",
    );
    let total = b.group("Housing and homelessness");
    let ta = total * b.d.per_mille(550, 750);
    let uc = b.d.int(40, 95) as u64;
    b.cohort(
        (
            "temporary_accommodation",
            "Temporary accommodation",
            "Housing and homelessness",
        ),
        ta,
        (uc, 365, "night"),
        "ta_households",
        vec!["ta_nightly_cost"],
        "households in temporary accommodation and the net cost a night",
    );
    b.simple(
        "housing_services",
        "Housing options and prevention",
        "Housing and homelessness",
        total - ta,
        vec!["pay_award"],
        "housing officers and prevention work",
    );
}

/// Highways maintenance.
fn highways(b: &mut Build) {
    let (min, mode, max) = (
        b.d.per_mille(0, 10),
        b.d.per_mille(40, 70),
        b.d.per_mille(150, 220),
    );
    b.driver(
        "construction_inflation",
        "Highways construction inflation",
        pert(min, mode, max),
        "materials and contractors' prices",
    );
    let target = b.group("Highways and transport");
    b.simple(
        "highways",
        "Highways maintenance and transport",
        "Highways and transport",
        target,
        vec!["construction_inflation"],
        "highways contracts and transport services",
    );
}

/// A district's services: waste collection, housing, leisure, planning, and the chance a
/// major contractor or partner fails.
fn district(b: &mut Build) {
    waste(b, "Waste collection and street cleansing");
    housing(b);
    let (min, mode, max) = (
        b.d.per_mille(-100, -50),
        b.d.per_mille(0, 50),
        b.d.per_mille(250, 400),
    );
    b.driver(
        "energy_prices",
        "Energy prices for leisure centres",
        pert(min, mode, max),
        "gas and electricity for pools and leisure centres",
    );
    let target = b.group("Leisure and culture");
    b.simple(
        "leisure",
        "Leisure centres and culture",
        "Leisure and culture",
        target,
        vec!["energy_prices"],
        "the leisure contract and its energy costs",
    );
    let target = b.group("Planning and regulatory");
    b.simple(
        "planning",
        "Planning, licensing and environmental health",
        "Planning and regulatory",
        target,
        vec!["pay_award"],
        "officers' pay",
    );
    let n = b.net;
    let (min, mode, max) = (
        money(n * b.d.per_mille(10, 20)),
        money(n * b.d.per_mille(30, 50)),
        money(n * b.d.per_mille(80, 120)),
    );
    b.driver(
        "contract_failure_cost",
        "Cost of a contractor or partner failing, if it happens",
        pert(min, mode, max),
        "re-procurement and interim services",
    );
    let p = b.d.per_mille(50, 150);
    b.risk(
        (
            "contract_failure",
            "Major contractor or partner failure",
            "Other services",
        ),
        p,
        "contract_failure_cost",
        "the chance in the year that a major contractor fails",
    );
}

/// Staff pay, and whatever the other groups leave as other services.
fn pay_and_other(b: &mut Build) {
    let target = b.group("Pay and prices");
    b.simple(
        "staff_pay",
        "Staff pay (other services)",
        "Pay and prices",
        target,
        vec!["pay_award"],
        "the pay bill of the services not listed above",
    );
    let used: Decimal = b.lines.iter().map(|l| l.budget).sum();
    b.simple(
        "other_services",
        "Other services and contracts",
        "Other services",
        b.net - used,
        vec!["contract_inflation"],
        "every other service, its contracts indexed",
    );
}

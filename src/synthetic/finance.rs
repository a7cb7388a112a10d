//! A synthetic council's savings programme, funding, mitigation, reserves and
//! correlations, with the ranges they are drawn from.

use rust_decimal::Decimal;

use super::items::{Correlation, Funding, Law, Mitigation, Reserve, Saving};
use super::services::{Build, SYNTHETIC, normal, pert};
use super::{Tier, money};

/// Savings a council of a tier may plan: name, label, group, and whether it recurs.
type Plan = (&'static str, &'static str, &'static str, bool);

const COUNCIL_SAVINGS: [Plan; 13] = [
    (
        "asc_reablement",
        "ASC: reablement and hospital discharge",
        "Adult social care",
        true,
    ),
    (
        "asc_home_care",
        "ASC: recommissioning home care",
        "Adult social care",
        true,
    ),
    (
        "asc_direct_payments",
        "ASC: more direct payments",
        "Adult social care",
        true,
    ),
    (
        "cs_fostering",
        "Children's: in-house fostering and placement sufficiency",
        "Children's services",
        true,
    ),
    (
        "cs_early_help",
        "Children's: early help redesign",
        "Children's services",
        true,
    ),
    (
        "htst_routes",
        "Transport: route optimisation and travel training",
        "Home-to-school transport",
        true,
    ),
    (
        "waste_recycling",
        "Waste: recycling and disposal contract changes",
        "Waste",
        true,
    ),
    (
        "back_office",
        "Back-office restructure",
        "Other services",
        true,
    ),
    (
        "property",
        "Property rationalisation",
        "Other services",
        true,
    ),
    (
        "fees_charges",
        "Fees and charges review",
        "Other services",
        true,
    ),
    (
        "digital",
        "Digital services and channel shift",
        "Other services",
        true,
    ),
    (
        "vacancy_management",
        "Vacancy management",
        "Pay and prices",
        false,
    ),
    (
        "capital_receipts",
        "Flexible use of capital receipts",
        "Other services",
        false,
    ),
];

const DISTRICT_SAVINGS: [Plan; 9] = [
    (
        "waste_rounds",
        "Waste: round re-optimisation",
        "Waste",
        true,
    ),
    (
        "garden_waste",
        "Garden waste charge increase",
        "Waste",
        true,
    ),
    (
        "ta_prevention",
        "Homelessness prevention to cut temporary accommodation",
        "Housing and homelessness",
        true,
    ),
    (
        "leisure_contract",
        "Leisure: new operator contract",
        "Leisure and culture",
        true,
    ),
    (
        "planning_shared",
        "Planning: fees and a shared service",
        "Planning and regulatory",
        true,
    ),
    (
        "back_office",
        "Back-office restructure",
        "Other services",
        true,
    ),
    (
        "property",
        "Property rationalisation",
        "Other services",
        true,
    ),
    (
        "digital",
        "Digital services and channel shift",
        "Other services",
        true,
    ),
    (
        "vacancy_management",
        "Vacancy management",
        "Pay and prices",
        false,
    ),
];

/// The savings programme: 3–5 savings (district), 5–8 (unitary) or 6–10 (county),
/// together 2–6% of the net budget, each rated green (4 in 10), amber (4 in 10) or red.
pub(super) fn savings(b: &mut Build) -> Vec<Saving> {
    let (list, (lo, hi)): (&[Plan], _) = match b.tier {
        Tier::District => (&DISTRICT_SAVINGS, (3, 5)),
        Tier::Unitary => (&COUNCIL_SAVINGS, (5, 8)),
        Tier::County => (&COUNCIL_SAVINGS, (6, 10)),
    };
    let k = b.d.int(lo, hi) as usize;
    let chosen = b.d.choose(list.len(), k);
    let total = b.net * b.d.per_mille(20, 60);
    let weights: Vec<i64> = chosen.iter().map(|_| b.d.int(1, 5)).collect();
    let sum = Decimal::from(weights.iter().sum::<i64>());
    let mut out = Vec::with_capacity(k);
    for (&i, w) in chosen.iter().zip(weights) {
        let (name, label, group, recurring) = list[i];
        let amount = money(total * Decimal::from(w) / sum).max(Decimal::new(1, 2));
        out.push(saving(b, (name, label, group, recurring), amount));
    }
    out
}

/// One saving of `amount`, its delivery drawn for a RAG rating.
fn saving(b: &mut Build, (name, label, group, recurring): Plan, amount: Decimal) -> Saving {
    let rag = b.d.int(0, 9);
    let pm = |b: &mut Build, lo, hi| b.d.per_mille(lo, hi);
    let (rating, probability, delivered, slippage) = match rag {
        0..=3 => (
            "green",
            pm(b, 950, 990),
            pert(pm(b, 700, 850), pm(b, 950, 1000), Decimal::ONE),
            pert(Decimal::ZERO, Decimal::ZERO, Decimal::from(b.d.int(2, 3))),
        ),
        4..=7 => (
            "amber",
            pm(b, 800, 920),
            pert(pm(b, 400, 600), pm(b, 800, 900), Decimal::ONE),
            pert(
                Decimal::ZERO,
                Decimal::from(b.d.int(1, 2)),
                Decimal::from(b.d.int(4, 6)),
            ),
        ),
        _ => (
            "red",
            pm(b, 500, 750),
            pert(pm(b, 100, 300), pm(b, 550, 700), Decimal::ONE),
            pert(
                Decimal::from(b.d.int(1, 2)),
                Decimal::from(b.d.int(3, 5)),
                Decimal::from(b.d.int(8, 10)),
            ),
        ),
    };
    let once = if recurring { "" } else { ", one-off" };
    let article = if rating == "amber" { "an" } else { "a" };
    Saving {
        name,
        label,
        group,
        amount,
        recurring,
        probability,
        delivered,
        slippage,
        source: format!(
            "{SYNTHETIC}: {article} {rating}-rated saving{once}; its chance, delivery and months late \
             from that rating"
        ),
    }
}

/// Council tax, business rates, commercial income (not for a county) and government
/// grants, adding up to the net budget.
pub(super) fn funding(b: &mut Build) -> Vec<Funding> {
    let n = b.net;
    let (tax, commercial) = match b.tier {
        Tier::District => ((400, 550), Some((50, 120))),
        Tier::Unitary => ((450, 600), Some((10, 40))),
        Tier::County => ((550, 680), None),
    };
    let council_tax = money(n * b.d.per_mille(tax.0, tax.1));
    let rates = money(n * b.d.per_mille(120, 250));
    let tax_sd = b.d.per_mille(2, 6);
    let rates_sd = b.d.per_mille(10, 30);
    let mut out = vec![
        Funding {
            name: "council_tax",
            label: "Council tax",
            budget: council_tax,
            variation: Some(normal(Decimal::ZERO, tax_sd)),
            source: format!("{SYNTHETIC}: the precept; variation: tax base and collection"),
        },
        Funding {
            name: "business_rates",
            label: "Retained business rates",
            budget: rates,
            variation: Some(normal(Decimal::ZERO, rates_sd)),
            source: format!("{SYNTHETIC}: retained rates; variation: appeals and growth"),
        },
    ];
    if let Some((lo, hi)) = commercial {
        let budget = money(n * b.d.per_mille(lo, hi));
        let mean = b.d.per_mille(-30, 0);
        let sd = b.d.per_mille(30, 80);
        out.push(Funding {
            name: "commercial_income",
            label: "Commercial and investment income",
            budget,
            variation: Some(Law::Normal {
                mean,
                sd,
                min: Some(Decimal::new(-6, 1)),
                max: Some(Decimal::new(3, 1)),
            }),
            source: format!(
                "{SYNTHETIC}: property and investment income, more likely below budget \
                 than above"
            ),
        });
    }
    let used: Decimal = out.iter().map(|f| f.budget).sum();
    out.push(Funding {
        name: "government_grants",
        label: "Un-ringfenced government grants",
        budget: n - used,
        variation: None,
        source: format!("{SYNTHETIC}: the settlement, fixed for the year"),
    });
    out
}

/// A central contingency of 0.3–1.5% of the net budget, and management action of about
/// 0.5–1% (0.1% to 2.5% at the extremes).
pub(super) fn mitigation(b: &mut Build) -> Vec<Mitigation> {
    let n = b.net;
    let contingency = money(n * b.d.dec(30, 150, 4));
    let (min, mode, max) = (
        money(n * b.d.dec(10, 30, 4)),
        money(n * b.d.dec(50, 100, 4)),
        money(n * b.d.dec(150, 250, 4)),
    );
    vec![
        Mitigation {
            name: "contingency",
            label: "Central contingency",
            capacity: Ok(contingency),
            source: format!("{SYNTHETIC}: the contingency in the budget"),
        },
        Mitigation {
            name: "management_action",
            label: "In-year management action and spending controls",
            capacity: Err(pert(min, mode, max)),
            source: format!("{SYNTHETIC}: what in-year action finds in a typical year"),
        },
    ]
}

/// Usable reserves of 3–15% of the net budget, most councils nearer the bottom of the
/// range (3% + 12% × u² for u uniform: half hold less than 6%): the general fund (55–85%
/// of them) and a releasable risk reserve; and committed earmarked reserves (5–20%).
pub(super) fn reserves(b: &mut Build) -> Vec<Reserve> {
    let n = b.net;
    let u = b.d.dec(0, 1000, 3);
    // Kept half a basis point inside the range, so that rounding to £10,000 cannot
    // take a £10m district outside it.
    let share = (Decimal::new(3, 2) + Decimal::new(12, 2) * u * u)
        .round_dp(4)
        .clamp(Decimal::new(305, 4), Decimal::new(1495, 4));
    let usable = money(n * share);
    let general = money(usable * b.d.per_mille(550, 850));
    let risk = usable - general;
    let committed = money(n * b.d.dec(500, 2000, 4));
    vec![
        Reserve {
            name: "general_fund",
            label: "General fund balance",
            releasable: None,
            amount: general,
            source: format!("{SYNTHETIC}: the balance forecast for 1 April"),
        },
        Reserve {
            name: "risk_reserve",
            label: "Budget risk reserve (earmarked, releasable)",
            releasable: Some(true),
            amount: risk,
            source: format!("{SYNTHETIC}: earmarked reserves that could be released"),
        },
        Reserve {
            name: "committed_reserves",
            label: "Other earmarked reserves (committed)",
            releasable: Some(false),
            amount: committed,
            source: format!("{SYNTHETIC}: reserves committed to their purposes"),
        },
    ]
}

/// One inflation shock moves pay, prices and the council's own contract inflations
/// (rank 0.3–0.5); care demand moves together (0.2–0.4); so do homelessness and the cost
/// of a night's accommodation (0.2–0.4).
pub(super) fn correlations(b: &mut Build) -> Vec<Correlation> {
    let has = |b: &Build, n: &str| b.drivers.iter().any(|d| d.name == n);
    let mut inflation = vec!["pay_award", "contract_inflation"];
    for n in [
        "care_fee_uplift",
        "sen_cost",
        "waste_inflation",
        "construction_inflation",
    ] {
        if has(b, n) {
            inflation.push(n);
        }
    }
    let mut out = vec![Correlation {
        name: "inflation",
        label: "One inflation shock lifts pay, fees and contract prices",
        drivers: inflation,
        rank: b.d.dec(30, 50, 2),
        source: format!("{SYNTHETIC}: a moderate rank correlation between each pair"),
    }];
    if has(b, "op_demand") {
        out.push(Correlation {
            name: "care_demand",
            label: "Demand for adult care rises together",
            drivers: vec!["op_demand", "wa_demand"],
            rank: b.d.dec(20, 40, 2),
            source: format!("{SYNTHETIC}: hospital pressures and demography affect both"),
        });
    }
    if has(b, "ta_households") {
        out.push(Correlation {
            name: "homelessness",
            label: "More homeless households, dearer rooms",
            drivers: vec!["ta_households", "ta_nightly_cost"],
            rank: b.d.dec(20, 40, 2),
            source: format!("{SYNTHETIC}: a tight rental market raises both"),
        });
    }
    out
}

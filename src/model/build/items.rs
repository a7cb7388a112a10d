//! Spending lines, savings, funding, mitigation and reserves.

use rust_decimal::Decimal;
use toml::de::DeValue;

use super::series::Sign;
use super::{Builder, OwnedTable, Role};
use crate::model::diagnostic::ProblemKind;
use crate::model::horizon::LineYears;
use crate::model::reader::{Table, Text};
use crate::model::{
    Funding, Line, LineKind, Mitigation, Reserve, ReserveKind, Saving, Unit, UnitCost,
};

impl Builder<'_> {
    pub(super) fn line(&mut self, name: &Text, ot: &OwnedTable<'_, '_>) -> Option<Line> {
        let t = ot.table();
        let kind = t.req_text(
            &mut self.ctx,
            "kind",
            "say how the line is costed: kind = \"cohort\", \"simple\" or \"risk\"",
        );
        let common = ["kind", "label", "group", "budget", "source", "description"];
        let specific: &[&str] = match kind.as_ref().map(|k| k.value.as_str()) {
            Some("cohort") => &[
                "clients",
                "unit_cost",
                "periods",
                "period",
                "demand",
                "cost",
            ],
            Some("simple") => &["base", "growth"],
            Some("risk") => &["probability", "impact"],
            Some(other) => {
                let help = match self.ctx.closest(other, ["cohort", "simple", "risk"]) {
                    Some(s) => format!("did you mean \"{s}\"?"),
                    None => "use kind = \"cohort\", \"simple\" or \"risk\"".into(),
                };
                let span = kind.as_ref().map_or(t.span.clone(), |k| k.span.clone());
                self.ctx.error(
                    ProblemKind::InvalidValue,
                    span,
                    format!("line kind `{other}` is not known"),
                    help,
                );
                return None;
            }
            None => return None,
        };
        let allowed: Vec<&str> = common.iter().chain(specific).copied().collect();
        let what = format!("a {} line", kind.as_ref()?.value);
        t.only(&mut self.ctx, &allowed, &what);
        let label = self.label(&t, name);
        let group = t
            .text(&mut self.ctx, "group")
            .map_or_else(|| "Other".to_string(), |g| g.value);
        let source = self.source(&t).unwrap_or_default();
        let kind_name = kind?.value;
        let budget = if kind_name == "risk" && !t.has("budget") {
            Some(vec![Decimal::ZERO; self.years_or_one()])
        } else {
            self.series(
                &t,
                "budget",
                Sign::NonNegative,
                "give what the budget provides for this line, in the model's unit",
            )
        };
        let (kind, base) = match kind_name.as_str() {
            "cohort" => {
                let clients_by_year = self.series(
                    &t,
                    "clients",
                    Sign::NonNegative,
                    "the number of clients at the base level",
                );
                // The size check holds in every year: the largest counts.
                let clients = clients_by_year
                    .as_ref()
                    .and_then(|c| c.iter().copied().max());
                let unit_cost = self.unit_cost(&t, &source);
                let periods = self.amount(
                    &t,
                    "periods",
                    true,
                    "periods in the year: 52 weeks, or 190 school days",
                );
                let period = t
                    .text(&mut self.ctx, "period")
                    .map_or_else(|| "week".to_string(), |p| p.value);
                if let (Some(c), Some(u), Some(p)) = (clients, &unit_cost, periods) {
                    self.check_cohort_size(&t, c, u, p);
                }
                let demand = self.inputs(&t, "demand", Role::Growth, &source);
                let cost = self.inputs(&t, "cost", Role::Growth, &source);
                let clients_by_year = clients_by_year?;
                let kind = LineKind::Cohort {
                    clients: *clients_by_year.first()?,
                    unit_cost: unit_cost?,
                    periods: periods?,
                    period,
                    demand: demand?,
                    cost: cost?,
                };
                (kind, clients_by_year)
            }
            "simple" => {
                let base = self.series(
                    &t,
                    "base",
                    Sign::NonNegative,
                    "the amount before growth, in the model's unit",
                );
                let growth = self.inputs(&t, "growth", Role::Growth, &source);
                let base = base?;
                let kind = LineKind::Simple {
                    base: *base.first()?,
                    growth: growth?,
                };
                (kind, base)
            }
            _ => {
                let p = self.probability(&t, "probability", true, &source);
                let impact = match t.get("impact") {
                    Some(v) => self.input(
                        &t,
                        "impact",
                        v,
                        Role::NonNegative,
                        format!("{}.impact", t.path),
                        &source,
                    ),
                    None => {
                        t.missing(
                            &mut self.ctx,
                            "impact",
                            "give the cost if it happens: a number, a driver or a distribution",
                        );
                        None
                    }
                };
                let (probability, occurs) = p?;
                let impact = impact?;
                // A risk "in the year" may happen in each year, at its own cost.
                self.yearly(occurs);
                self.yearly(impact);
                let kind = LineKind::Risk {
                    probability,
                    occurs,
                    impact,
                };
                (kind, vec![Decimal::ZERO; self.years_or_one()])
            }
        };
        let budget = budget?;
        let line = Line {
            name: name.value.clone(),
            label,
            group,
            budget: *budget.first()?,
            kind,
            source,
            span: name.span.clone(),
        };
        self.record_line(&line.name, LineYears { budget, base });
        Some(line)
    }

    /// A cohort line's `unit_cost`: a figure in pounds, or a driver (a declared one's name,
    /// or an inline distribution) whose values are the cost itself.
    fn unit_cost(&mut self, t: &Table<'_, '_>, source: &str) -> Option<UnitCost> {
        const HELP: &str = "cost per client per period, in pounds (not £m): a number, a \
                            driver's name, or a distribution such as { dist = \"lognormal\", \
                            median = 600, p90 = 900 }";
        match t.get("unit_cost") {
            Some(v)
                if matches!(v.get_ref(), DeValue::Table(_))
                    || matches!(v.get_ref(), DeValue::String(s) if !s.trim().ends_with('%')) =>
            {
                self.input(
                    t,
                    "unit_cost",
                    v,
                    Role::UnitCost,
                    format!("{}.unit_cost", t.path),
                    source,
                )
                .map(UnitCost::Driver)
            }
            _ => self
                .amount(t, "unit_cost", false, HELP)
                .map(UnitCost::Fixed),
        }
    }

    /// Refuses a cohort line whose central amount, clients × unit cost × periods in the
    /// model's unit, is beyond the 10^15 every model figure is held to: each factor may be
    /// within it while their product is not, and the simulation would then fail, or
    /// overflow, on the first year.
    pub(super) fn check_cohort_size(
        &mut self,
        t: &Table<'_, '_>,
        clients: Decimal,
        unit_cost: &UnitCost,
        periods: Decimal,
    ) {
        use rust_decimal::prelude::ToPrimitive as _;
        let f = |d: Decimal| d.to_f64().unwrap_or(f64::INFINITY);
        let (cost, unit_cost) = match unit_cost {
            UnitCost::Fixed(u) => (f(*u), format!("£{u}")),
            UnitCost::Driver(id) => {
                let mean = self.drivers[id.0].dist.mean();
                (mean, format!("£{mean:.4e} (the mean unit cost)"))
            }
        };
        let pounds = f(clients) * cost * f(periods);
        // Without a unit (a [meta] problem reported elsewhere), judge it in £m, the lenient
        // reading, so as not to add a second error to the first.
        let unit = self.unit.unwrap_or(Unit::Millions);
        let amount = pounds / unit.pounds();
        if amount <= crate::dist::LARGEST {
            return;
        }
        self.ctx.error(
            ProblemKind::OutOfRange,
            t.span_of("clients"),
            format!(
                "`{}` costs clients × unit_cost × periods = {clients} × {unit_cost} × \
                 {periods} = {:.3e} {} a year before any growth, beyond 10^15, the largest \
                 figure a model can hold",
                t.path,
                amount,
                unit.symbol()
            ),
            "check the three figures: unit_cost is in pounds (not £m) per client per period, \
             and periods counts the periods in one year (52 weeks, 190 school days)",
        );
    }

    pub(super) fn saving(&mut self, name: &Text, ot: &OwnedTable<'_, '_>) -> Option<Saving> {
        let t = ot.table();
        t.only(
            &mut self.ctx,
            &[
                "label",
                "group",
                "amount",
                "recurring",
                "probability",
                "delivered",
                "slippage",
                "year",
                "source",
                "description",
            ],
            "a saving",
        );
        let label = self.label(&t, name);
        let group = t
            .text(&mut self.ctx, "group")
            .map_or_else(|| "Savings".to_string(), |g| g.value);
        let source = self.source(&t).unwrap_or_default();
        let amount = self.amount(
            &t,
            "amount",
            true,
            "the saving the budget counts on this year, in the model's unit, as a positive number",
        );
        let recurring = if t.has("recurring") {
            t.boolean(&mut self.ctx, "recurring")
        } else {
            t.missing(
                &mut self.ctx,
                "recurring",
                "say whether the saving recurs next year: recurring = true, or false for one-off",
            );
            None
        };
        let from = self.start(&t);
        let p = self.probability(&t, "probability", false, &source);
        let delivered = self.input_or(&t, "delivered", Role::Fraction, 1.0, &source);
        let slippage = self.input_or(&t, "slippage", Role::Months, 0.0, &source);
        let (probability, happens) = p?;
        let recurring = recurring?;
        self.record_start(
            &name.value,
            crate::model::Active {
                from: from?,
                recurring,
            },
        );
        Some(Saving {
            name: name.value.clone(),
            label,
            group,
            amount: amount?,
            recurring,
            probability,
            happens,
            delivered: delivered?,
            slippage: slippage?,
            source,
            span: name.span.clone(),
        })
    }

    pub(super) fn funding(&mut self, name: &Text, ot: &OwnedTable<'_, '_>) -> Option<Funding> {
        let t = ot.table();
        t.only(
            &mut self.ctx,
            &[
                "label",
                "budget",
                "variation",
                "year",
                "recurring",
                "source",
                "description",
            ],
            "a funding stream",
        );
        let label = self.label(&t, name);
        let source = self.source(&t).unwrap_or_default();
        let budget = self.series(
            &t,
            "budget",
            Sign::NonNegative,
            "the amount the budget assumes, in the model's unit",
        );
        let active = self.active(&t);
        let variation = self.inputs(&t, "variation", Role::Growth, &source);
        let (budget, active) = (budget?, active?);
        let funding = Funding {
            name: name.value.clone(),
            label,
            budget: *budget.first()?,
            variation: variation?,
            source,
            span: name.span.clone(),
        };
        self.record_funding(&funding.name, budget);
        self.record_start(&funding.name, active);
        Some(funding)
    }

    pub(super) fn mitigation(
        &mut self,
        name: &Text,
        ot: &OwnedTable<'_, '_>,
    ) -> Option<Mitigation> {
        let t = ot.table();
        t.only(
            &mut self.ctx,
            &[
                "label",
                "capacity",
                "year",
                "recurring",
                "source",
                "description",
            ],
            "a mitigation",
        );
        let label = self.label(&t, name);
        let source = self.source(&t).unwrap_or_default();
        let capacity = match t.get("capacity") {
            Some(v) => self.input(
                &t,
                "capacity",
                v,
                Role::NonNegative,
                format!("{}.capacity", t.path),
                &source,
            ),
            None => {
                t.missing(
                    &mut self.ctx,
                    "capacity",
                    "give how much it can absorb, in the model's unit: a number or a distribution",
                );
                None
            }
        };
        let active = self.active(&t);
        let (capacity, active) = (capacity?, active?);
        // Contingency is budgeted, and may be used, in each year.
        self.yearly(capacity);
        self.record_start(&name.value, active);
        Some(Mitigation {
            name: name.value.clone(),
            label,
            capacity,
            source,
            span: name.span.clone(),
        })
    }

    pub(super) fn reserve(&mut self, name: &Text, ot: &OwnedTable<'_, '_>) -> Option<Reserve> {
        let t = ot.table();
        t.only(
            &mut self.ctx,
            &[
                "label",
                "kind",
                "amount",
                "releasable",
                "planned",
                "source",
                "description",
            ],
            "a reserve",
        );
        let label = self.label(&t, name);
        let source = self.source(&t);
        let amount = self.amount(&t, "amount", false, "the balance, in the model's unit");
        let kind = t.req_text(
            &mut self.ctx,
            "kind",
            "kind = \"general_fund\" or kind = \"earmarked\"",
        )?;
        let kind = match kind.value.as_str() {
            "general_fund" => ReserveKind::GeneralFund,
            "earmarked" => ReserveKind::Earmarked,
            other => {
                self.ctx.error(
                    ProblemKind::InvalidValue,
                    kind.span,
                    format!("reserve kind `{other}` is not known"),
                    "kind = \"general_fund\" or kind = \"earmarked\"",
                );
                return None;
            }
        };
        let releasable = match kind {
            ReserveKind::GeneralFund => {
                if t.has("releasable") && t.boolean(&mut self.ctx, "releasable") == Some(false) {
                    self.ctx.error(
                        ProblemKind::InvalidValue,
                        t.span_of("releasable"),
                        "the general fund is always usable, so it cannot be releasable = false",
                        "remove `releasable`, or make this an earmarked reserve",
                    );
                    return None;
                }
                true
            }
            ReserveKind::Earmarked => {
                if !t.has("releasable") {
                    t.missing(
                        &mut self.ctx,
                        "releasable",
                        "say whether this earmarked reserve could lawfully be released to \
                         meet a shortfall: releasable = true or false",
                    );
                    return None;
                }
                t.boolean(&mut self.ctx, "releasable")?
            }
        };
        self.planned(&t, &name.value, releasable)?;
        Some(Reserve {
            name: name.value.clone(),
            label,
            kind,
            amount: amount?,
            releasable,
            source: source?,
            span: name.span.clone(),
        })
    }
}

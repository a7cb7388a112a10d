//! The items of a synthetic council as plain data, and the model file's text they make.
//!
//! Every figure is an exact decimal, so the text is the same on every machine; the only
//! floating point is a lognormal's mean, computed with the portable functions and rounded.

use std::fmt::Write as _;

use rust_decimal::Decimal;

use crate::portable::Portable as _;

/// A driver's law, as the model file writes it.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Law {
    /// A three-point estimate (a Beta on [min, max]).
    Pert {
        min: Decimal,
        mode: Decimal,
        max: Decimal,
    },
    /// A triangle.
    Triangular {
        min: Decimal,
        mode: Decimal,
        max: Decimal,
    },
    /// A normal, truncated where `min` and `max` are given.
    Normal {
        mean: Decimal,
        sd: Decimal,
        min: Option<Decimal>,
        max: Option<Decimal>,
    },
    /// A lognormal by its median and 90th percentile, truncated at `max`.
    Lognormal {
        median: Decimal,
        p90: Decimal,
        max: Decimal,
    },
}

/// The standard normal's 90th percentile.
const Z90: f64 = 1.281_551_565_544_600_5;

impl Law {
    /// Its mean, near enough to set a budget by (a normal's truncation and a lognormal's
    /// `max` are far in the tails and are left out), to 6 decimal places.
    pub(super) fn mean(&self) -> Decimal {
        match self {
            Law::Pert { min, mode, max } => {
                ((*min + Decimal::from(4) * *mode + *max) / Decimal::from(6)).round_dp(6)
            }
            Law::Triangular { min, mode, max } => {
                ((*min + *mode + *max) / Decimal::from(3)).round_dp(6)
            }
            Law::Normal { mean, .. } => *mean,
            Law::Lognormal { median, p90, .. } => {
                let (m, h) = (crate::model::f64_of(*median), crate::model::f64_of(*p90));
                let sigma = (h / m).pln() / Z90;
                let mean = m * (sigma * sigma / 2.0).pexp();
                Decimal::try_from(mean).unwrap_or(*median).round_dp(6)
            }
        }
    }

    /// Its keys and values, `dist` first.
    fn fields(&self) -> (&'static str, Vec<(&'static str, Decimal)>) {
        match self {
            Law::Pert { min, mode, max } => {
                ("pert", vec![("min", *min), ("mode", *mode), ("max", *max)])
            }
            Law::Triangular { min, mode, max } => (
                "triangular",
                vec![("min", *min), ("mode", *mode), ("max", *max)],
            ),
            Law::Normal { mean, sd, min, max } => {
                let mut f = vec![("mean", *mean), ("sd", *sd)];
                f.extend(min.map(|m| ("min", m)));
                f.extend(max.map(|m| ("max", m)));
                ("normal", f)
            }
            Law::Lognormal { median, p90, max } => (
                "lognormal",
                vec![("median", *median), ("p90", *p90), ("max", *max)],
            ),
        }
    }

    /// The law as an inline table: `{ dist = "pert", min = 0.5, mode = 0.9, max = 1 }`.
    fn inline(&self) -> String {
        let (dist, fields) = self.fields();
        let mut out = format!("{{ dist = \"{dist}\"");
        for (k, v) in fields {
            let _ = write!(out, ", {k} = {}", num(v));
        }
        out.push_str(" }");
        out
    }
}

/// A decimal as the file writes it: no trailing zeros.
pub(super) fn num(d: Decimal) -> String {
    d.normalize().to_string()
}

/// A declared driver.
#[derive(Debug, Clone)]
pub(super) struct Driver {
    pub name: &'static str,
    pub label: &'static str,
    pub law: Law,
    pub source: String,
}

/// How a line's outturn is computed.
#[derive(Debug, Clone)]
pub(super) enum LineKind {
    /// clients × (1 + demand) × unit cost × (1 + cost) × periods.
    Cohort {
        clients: u64,
        unit_cost: u64,
        periods: u32,
        period: &'static str,
        demand: &'static str,
        cost: Vec<&'static str>,
    },
    /// base × (1 + growth…).
    Simple {
        base: Decimal,
        growth: Vec<&'static str>,
    },
    /// A cost that happens with some probability.
    Risk {
        probability: Decimal,
        impact: &'static str,
    },
}

/// A spending line.
#[derive(Debug, Clone)]
pub(super) struct Line {
    pub name: &'static str,
    pub label: &'static str,
    pub group: &'static str,
    pub kind: LineKind,
    pub budget: Decimal,
    pub source: String,
}

/// A saving of the programme.
#[derive(Debug, Clone)]
pub(super) struct Saving {
    pub name: &'static str,
    pub label: &'static str,
    pub group: &'static str,
    pub amount: Decimal,
    pub recurring: bool,
    pub probability: Decimal,
    pub delivered: Law,
    pub slippage: Law,
    pub source: String,
}

/// A funding stream; `variation` None is fixed for the year.
#[derive(Debug, Clone)]
pub(super) struct Funding {
    pub name: &'static str,
    pub label: &'static str,
    pub budget: Decimal,
    pub variation: Option<Law>,
    pub source: String,
}

/// Contingency or management action: a fixed capacity or a law.
#[derive(Debug, Clone)]
pub(super) struct Mitigation {
    pub name: &'static str,
    pub label: &'static str,
    pub capacity: Result<Decimal, Law>,
    pub source: String,
}

/// A reserve: the general fund (`releasable` None) or an earmarked one.
#[derive(Debug, Clone)]
pub(super) struct Reserve {
    pub name: &'static str,
    pub label: &'static str,
    pub releasable: Option<bool>,
    pub amount: Decimal,
    pub source: String,
}

/// Drivers that move together.
#[derive(Debug, Clone)]
pub(super) struct Correlation {
    pub name: &'static str,
    pub label: &'static str,
    pub drivers: Vec<&'static str>,
    pub rank: Decimal,
    pub source: String,
}

/// A synthetic council, item by item.
#[derive(Debug, Clone)]
pub(super) struct Council {
    pub council: String,
    pub year: &'static str,
    pub net_budget: Decimal,
    pub description: String,
    pub drivers: Vec<Driver>,
    pub lines: Vec<Line>,
    pub savings: Vec<Saving>,
    pub funding: Vec<Funding>,
    pub mitigation: Vec<Mitigation>,
    pub reserves: Vec<Reserve>,
    pub correlations: Vec<Correlation>,
}

/// A list of driver names as TOML: one name as a string, several as an array.
fn names(list: &[&str]) -> String {
    match list {
        [one] => format!("\"{one}\""),
        _ => format!(
            "[{}]",
            list.iter()
                .map(|n| format!("\"{n}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

impl Council {
    /// The model file.
    pub(super) fn to_toml(&self) -> String {
        let mut out = String::with_capacity(16 * 1024);
        self.write_meta(&mut out);
        for d in &self.drivers {
            write_driver(&mut out, d);
        }
        for l in &self.lines {
            write_line(&mut out, l);
        }
        for s in &self.savings {
            write_saving(&mut out, s);
        }
        self.write_rest(&mut out);
        out
    }

    fn write_meta(&self, out: &mut String) {
        let _ = write!(
            out,
            "# A synthetic council written by `gapsim init --synthetic`: every figure is an\n\
             # assumption chosen to be plausible for a council of its kind, not a real council's.\n\n\
             [meta]\n\
             name = \"{c}: {y} revenue budget\"\n\
             council = \"{c}\"\n\
             year = \"{y}\"\n\
             unit = \"£m\"\n\
             net_budget = {n}\n\
             description = \"{d}\"\n",
            c = self.council,
            y = self.year,
            n = num(self.net_budget),
            d = self.description,
        );
    }

    fn write_rest(&self, out: &mut String) {
        for f in &self.funding {
            let variation = f.variation.as_ref().map_or_else(|| "0".into(), Law::inline);
            let _ = write!(
                out,
                "\n[funding.{}]\nlabel = \"{}\"\nbudget = {}\nvariation = {variation}\n\
                 source = \"{}\"\n",
                f.name,
                f.label,
                num(f.budget),
                f.source
            );
        }
        for m in &self.mitigation {
            let capacity = m.capacity.as_ref().map_or_else(Law::inline, |c| num(*c));
            let _ = write!(
                out,
                "\n[mitigation.{}]\nlabel = \"{}\"\ncapacity = {capacity}\nsource = \"{}\"\n",
                m.name, m.label, m.source
            );
        }
        for r in &self.reserves {
            let kind = match r.releasable {
                None => "kind = \"general_fund\"\n".to_string(),
                Some(rel) => format!("kind = \"earmarked\"\nreleasable = {rel}\n"),
            };
            let _ = write!(
                out,
                "\n[reserves.{}]\nlabel = \"{}\"\n{kind}amount = {}\nsource = \"{}\"\n",
                r.name,
                r.label,
                num(r.amount),
                r.source
            );
        }
        for c in &self.correlations {
            let _ = write!(
                out,
                "\n[correlations.{}]\nlabel = \"{}\"\ndrivers = {}\nrank = {}\nsource = \"{}\"\n",
                c.name,
                c.label,
                names(&c.drivers),
                num(c.rank),
                c.source
            );
        }
        let _ = write!(
            out,
            "\n[stress.inflation_2pp]\nlabel = \"Pay and prices 2 points higher\"\n\
             set = [\"pay_award+=0.02\", \"contract_inflation+=0.02\"]\n\
             source = \"synthetic assumption: a stress test of two points more inflation\"\n"
        );
    }
}

fn write_driver(out: &mut String, d: &Driver) {
    let (dist, fields) = d.law.fields();
    let _ = write!(
        out,
        "\n[drivers.{}]\nlabel = \"{}\"\ndist = \"{dist}\"\n",
        d.name, d.label
    );
    for (k, v) in fields {
        let _ = writeln!(out, "{k} = {}", num(v));
    }
    let _ = writeln!(out, "source = \"{}\"", d.source);
}

fn write_line(out: &mut String, l: &Line) {
    let _ = write!(
        out,
        "\n[lines.{}]\nlabel = \"{}\"\ngroup = \"{}\"\n",
        l.name, l.label, l.group
    );
    match &l.kind {
        LineKind::Cohort {
            clients,
            unit_cost,
            periods,
            period,
            demand,
            cost,
        } => {
            let _ = write!(
                out,
                "kind = \"cohort\"\nclients = {clients}\nunit_cost = {unit_cost}\n\
                 periods = {periods}\nperiod = \"{period}\"\ndemand = \"{demand}\"\ncost = {}\n",
                names(cost)
            );
        }
        LineKind::Simple { base, growth } => {
            let _ = write!(
                out,
                "kind = \"simple\"\nbase = {}\ngrowth = {}\n",
                num(*base),
                names(growth)
            );
        }
        LineKind::Risk {
            probability,
            impact,
        } => {
            let _ = write!(
                out,
                "kind = \"risk\"\nprobability = {}\nimpact = \"{impact}\"\n",
                num(*probability)
            );
        }
    }
    let _ = write!(
        out,
        "budget = {}\nsource = \"{}\"\n",
        num(l.budget),
        l.source
    );
}

fn write_saving(out: &mut String, s: &Saving) {
    let _ = write!(
        out,
        "\n[savings.{}]\nlabel = \"{}\"\ngroup = \"{}\"\namount = {}\nrecurring = {}\n\
         probability = {}\ndelivered = {}\nslippage = {}\nsource = \"{}\"\n",
        s.name,
        s.label,
        s.group,
        num(s.amount),
        s.recurring,
        num(s.probability),
        s.delivered.inline(),
        s.slippage.inline(),
        s.source
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn laws_have_their_means_and_inline_forms() {
        let d = |m, s| Decimal::new(m, s);
        let pert = Law::Pert {
            min: d(5, 1),
            mode: d(9, 1),
            max: d(1, 0),
        };
        assert_eq!(pert.mean(), d(85, 2));
        assert_eq!(
            pert.inline(),
            "{ dist = \"pert\", min = 0.5, mode = 0.9, max = 1 }"
        );
        let tri = Law::Triangular {
            min: d(1, 0),
            mode: d(2, 0),
            max: d(6, 0),
        };
        assert_eq!(tri.mean(), d(3, 0));
        // A lognormal with median 1 and p90 e^1.2816 has σ = 1 and mean e^0.5.
        let logn = Law::Lognormal {
            median: d(1, 0),
            p90: Decimal::try_from(Z90.exp()).unwrap(),
            max: d(100, 0),
        };
        assert!(
            (logn.mean() - d(1_648_721, 6)).abs() <= d(1, 6),
            "{}",
            logn.mean()
        );
        assert_eq!(names(&["a"]), "\"a\"");
        assert_eq!(names(&["a", "b"]), "[\"a\", \"b\"]");
        assert_eq!(num(d(1500, 2)), "15");
    }
}

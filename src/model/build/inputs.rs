//! Fields that take a driver: a name, a number or an inline distribution, checked
//! against the role the field gives it.

use rust_decimal::Decimal;
use toml::de::DeValue;

use super::{Builder, Role};
use crate::dist::Distribution;
use crate::model::diagnostic::{Diagnostic, ProblemKind};
pub(super) use crate::model::figures::{short, sig};
use crate::model::reader::{Num, Table, Value, as_table, fraction_number, percent, type_name};
use crate::model::{Driver, DriverId, DriverOrigin, Measure};

impl Builder<'_> {
    /// A field that is a driver: a driver's name, a number (fixed), a percentage in quotes
    /// where the role takes a fraction, or an inline distribution table. Returns `None`
    /// (after recording why) when unusable; an inline driver that fails is remembered, so
    /// that a correlation naming it does not report it again.
    pub(super) fn input(
        &mut self,
        owner: &Table<'_, '_>,
        field: &str,
        v: &Value<'_>,
        role: Role,
        implicit_name: String,
        source: &str,
    ) -> Option<DriverId> {
        let path = format!("{}.{field}", owner.path);
        if let DeValue::String(s) = v.get_ref() {
            // A name holds no `%`, so text ending in one is a percentage.
            if !s.trim().ends_with('%') {
                let id = self.named_input(v, s, role, &path)?;
                self.check_centre(id, role, &path);
                self.check_path_use(id, role, &path, v.span());
                return Some(id);
            }
        }
        let id = self.inline_input(owner, field, v, role, implicit_name.clone(), source);
        match id {
            Some(id) => {
                self.check_centre(id, role, &path);
                self.check_path_use(id, role, &path, v.span());
            }
            None => {
                self.failed.insert(implicit_name);
            }
        }
        id
    }

    /// A field naming a declared driver.
    fn named_input(
        &mut self,
        v: &Value<'_>,
        name: &str,
        role: Role,
        path: &str,
    ) -> Option<DriverId> {
        if super::super::text::longer_than(name, super::super::text::MAX_TEXT_CHARS) {
            // Reported as too long already.
            return None;
        }
        match self.declared.get(name).copied() {
            Some(DriverId(usize::MAX)) => None,
            Some(id) => {
                self.used[id.0] = true;
                if self.drivers[id.0].measure == Measure::Number {
                    self.drivers[id.0].measure = role.measure();
                }
                if let (Some(at), false) = (self.info[id.0].percent.clone(), role.takes_fraction())
                {
                    let line = self.lines.line(at.start);
                    self.ctx.error(
                        ProblemKind::WrongType,
                        v.span(),
                        format!(
                            "driver `{name}` is written in percentages (on line {line}), but \
                             `{path}` takes {}",
                            role.what()
                        ),
                        format!(
                            "in [drivers.{name}], write the figures as plain numbers, not percentages ({}), or \
                             use another driver here",
                            role.allowed()
                        ),
                    );
                    return None;
                }
                if let Err((why, fix)) = role.check(&self.drivers[id.0].dist) {
                    self.ctx.error(
                        ProblemKind::OutOfRange,
                        v.span(),
                        format!("driver `{name}` does not fit `{path}`: {why}"),
                        format!("in [drivers.{name}]: {fix}; or use another driver here"),
                    );
                    return None;
                }
                Some(id)
            }
            None => {
                let help = match self
                    .ctx
                    .closest(name, self.declared.keys().map(String::as_str))
                {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if self.declared.is_empty() => {
                        "declare it as a [drivers.NAME] section, or write a number or an \
                         inline distribution here"
                            .into()
                    }
                    None if self.declared.len() <= 30 => format!(
                        "declare it under [drivers.{name}]; the drivers defined are: {}",
                        self.declared_names().join(", ")
                    ),
                    None => format!(
                        "declare it under [drivers.{name}], or check the spelling against the \
                         {} drivers defined",
                        self.declared.len()
                    ),
                };
                self.ctx.error(
                    ProblemKind::UnknownName,
                    v.span(),
                    format!("`{path}` refers to driver `{name}`, which is not defined"),
                    help,
                );
                None
            }
        }
    }

    /// A field written in place: a number, a percentage in quotes, or a distribution.
    fn inline_input(
        &mut self,
        owner: &Table<'_, '_>,
        field: &str,
        v: &Value<'_>,
        role: Role,
        implicit_name: String,
        source: &str,
    ) -> Option<DriverId> {
        let path = format!("{}.{field}", owner.path);
        let (dist, central, source, path_over_years) = match v.get_ref() {
            DeValue::String(text) if !role.takes_fraction() => {
                self.ctx.error(
                    ProblemKind::WrongType,
                    v.span(),
                    format!(
                        "`{path}` is {}, but \"{text}\" is a percentage",
                        role.what()
                    ),
                    format!(
                        "{}; a percentage is read only where a fraction is expected (growth, \
                         fraction delivered, probability, rank)",
                        role.allowed()
                    ),
                );
                return None;
            }
            DeValue::String(_) | DeValue::Integer(_) | DeValue::Float(_) => {
                let n = fraction_number(&mut self.ctx, &path, v)?;
                let dist = Distribution::fixed(n.f64()).ok()?;
                if let Err((why, fix)) = role.check(&dist) {
                    let written = self.src.get(n.span.clone()).unwrap_or_default().to_string();
                    self.ctx.error(
                        ProblemKind::OutOfRange,
                        n.span,
                        format!("`{path}` = {written}: {why}"),
                        fix,
                    );
                    return None;
                }
                (dist, Some((n.span, None)), source.to_string(), None)
            }
            DeValue::Table(_) => {
                let t = as_table(&mut self.ctx, &path, v, "")?;
                let parsed = self.distribution(&t, false, role.takes_fraction())?;
                if let Err((why, fix)) = role.check(&parsed.dist) {
                    self.ctx.error(
                        ProblemKind::OutOfRange,
                        v.span(),
                        format!("`{path}`: {why}"),
                        fix,
                    );
                    return None;
                }
                let source = t
                    .text(&mut self.ctx, "source")
                    .map_or_else(|| source.to_string(), |s| s.value);
                (parsed.dist, parsed.central, source, parsed.path)
            }
            other => {
                self.ctx.error(
                    ProblemKind::WrongType,
                    v.span(),
                    format!(
                        "`{path}` should be a driver name, a number or a distribution, found {}",
                        type_name(other)
                    ),
                    "write a driver's name in quotes, a number, or an inline table such as \
                     { dist = \"pert\", min = 0.5, mode = 0.9, max = 1 }",
                );
                return None;
            }
        };
        let id = self.push_driver(Driver {
            label: self.inline_label(field),
            name: implicit_name,
            dist,
            source,
            origin: DriverOrigin::Inline,
            measure: role.measure(),
            span: v.span(),
        });
        self.info[id.0].central = central;
        self.info[id.0].path = path_over_years;
        Some(id)
    }

    /// Warns, once per driver, when its centre is far outside what its role means: a
    /// growth rate above +100% (a percentage written as a whole number: 3.2 for 3.2%), or
    /// slippage of more than a year (weeks written as months).
    fn check_centre(&mut self, id: DriverId, role: Role, path: &str) {
        let info = &self.info[id.0];
        if info.warned {
            return;
        }
        let d = &self.drivers[id.0];
        let mean = d.dist.mean();
        let (span, mode) = info
            .central
            .clone()
            .unwrap_or_else(|| (d.span.clone(), None));
        // A three-point estimate is read by its mode (what its author wrote as most
        // likely), anything else by its mean; either above the role's range is flagged.
        let centre = mode.unwrap_or(mean);
        let high = mode.map_or(mean, |m| m.max(mean));
        let what = match mode {
            Some(m) => format!("its mode is {}", sig(m)),
            None => format!("its mean is {}", sig(mean)),
        };
        let name = match d.origin {
            DriverOrigin::Declared => format!("driver `{}`, used as `{path}`,", d.name),
            DriverOrigin::Inline => format!("`{path}`"),
        };
        let warning = match role {
            Role::Growth if high > 1.0 => Diagnostic::warning(
                ProblemKind::Implausible,
                Some(span),
                format!(
                    "{name} is a growth rate applied as (1 + value), and {what}: growth of \
                     {}%, which is almost certainly a percentage written as a whole number",
                    sig(100.0 * centre)
                ),
            )
            .with_help(format!(
                "write growth as a fraction: {} for {}% (divide each figure by 100), or as a \
                 percentage in quotes: \"{}%\"",
                sig(centre / 100.0),
                sig(centre),
                sig(centre)
            )),
            Role::Months if high > 12.0 => Diagnostic::warning(
                ProblemKind::Implausible,
                Some(span),
                format!(
                    "{name} is slippage in months, and {what}: more than a year late, so \
                     the saving would deliver nothing in most years; is it in weeks ({} weeks \
                     is {} months)?",
                    sig(centre),
                    sig(centre * 12.0 / 52.0)
                ),
            )
            .with_help(
                "write the months late: s months late delivers (12 − s)/12 of the saving, and a \
                 saving starting in month k (April = 1) is k − 1 months late; for weeks, \
                 multiply by 12/52",
            ),
            _ => return,
        };
        self.info[id.0].warned = true;
        self.ctx.push(warning);
    }

    /// A reader's label for an inline driver: the item's label and what the field is.
    pub(super) fn inline_label(&self, field: &str) -> String {
        let what = match field {
            "demand" => "growth in clients",
            "cost" => "growth in unit cost",
            "growth" => "growth",
            "variation" => "variation",
            "delivered" => "fraction delivered",
            "slippage" => "months late",
            "impact" => "cost if it happens",
            "capacity" => "capacity",
            "unit_cost" => "unit cost (£ a period)",
            // An event is named by the item itself: "Care market failure".
            "probability" => return self.current_label.clone(),
            other => other,
        };
        format!("{} — {what}", self.current_label)
    }

    pub(super) fn declared_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.declared.keys().cloned().collect();
        names.sort();
        names
    }

    /// A field holding one or several growth drivers (a list multiplies them).
    pub(super) fn inputs(
        &mut self,
        owner: &Table<'_, '_>,
        field: &str,
        role: Role,
        source: &str,
    ) -> Option<Vec<DriverId>> {
        let Some(v) = owner.get(field) else {
            return Some(Vec::new());
        };
        let base = format!("{}.{field}", owner.path);
        match v.get_ref() {
            DeValue::Array(items) => {
                let mut out = Vec::new();
                let mut ok = true;
                for (i, item) in items.iter().enumerate() {
                    match self.input(owner, field, item, role, format!("{base}[{i}]"), source) {
                        Some(id) => out.push(id),
                        None => ok = false,
                    }
                }
                ok.then_some(out)
            }
            _ => self
                .input(owner, field, v, role, base, source)
                .map(|id| vec![id]),
        }
    }

    /// A field that is one driver, defaulting to a fixed value when absent.
    pub(super) fn input_or(
        &mut self,
        owner: &Table<'_, '_>,
        field: &str,
        role: Role,
        default: f64,
        source: &str,
    ) -> Option<DriverId> {
        let name = format!("{}.{field}", owner.path);
        match owner.get(field) {
            Some(v) => self.input(owner, field, v, role, name, source),
            None => Some(self.push_driver(Driver {
                label: self.inline_label(field),
                name,
                dist: Distribution::fixed(default).ok()?,
                source: format!("default: {field} = {default}"),
                origin: DriverOrigin::Inline,
                measure: role.measure(),
                span: owner.span.clone(),
            })),
        }
    }

    /// A probability field, made into a Bernoulli driver.
    pub(super) fn probability(
        &mut self,
        owner: &Table<'_, '_>,
        field: &str,
        required: bool,
        source: &str,
    ) -> Option<(Decimal, DriverId)> {
        if let Some(v) = owner.get(field) {
            let readable_percent =
                matches!(v.get_ref(), DeValue::String(text) if percent(text).is_some());
            if !readable_percent && !matches!(v.get_ref(), DeValue::Integer(_) | DeValue::Float(_))
            {
                let found = type_name(v.get_ref());
                let help = match v.get_ref() {
                    DeValue::String(text) if text.trim().parse::<Decimal>().is_ok() => {
                        format!("remove the quotes: {field} = {}", text.trim())
                    }
                    DeValue::String(_) => "write the chance as a probability between 0 and 1, \
                                           such as 0.9, or as a percentage in quotes, such as \
                                           \"90%\""
                        .to_string(),
                    DeValue::Table(_) => {
                        let elsewhere = if owner.path.starts_with("savings.") {
                            "in `delivered` or `slippage`"
                        } else {
                            "in `impact`"
                        };
                        format!(
                            "write the chance as one number, a probability between 0 and 1 \
                             such as 0.9; it cannot be a distribution (put the uncertainty \
                             {elsewhere})"
                        )
                    }
                    _ => "write a probability between 0 and 1, such as 0.9".to_string(),
                };
                self.ctx.error(
                    ProblemKind::WrongType,
                    v.span(),
                    format!(
                        "`{}.{field}` should be a probability (a number between 0 and 1), \
                         found {found}",
                        owner.path
                    ),
                    help,
                );
                return None;
            }
        }
        let p = match owner.get(field) {
            Some(_) => owner.fraction(&mut self.ctx, field)?,
            None if required => {
                owner.missing(
                    &mut self.ctx,
                    field,
                    "give the chance it happens, between 0 and 1",
                );
                return None;
            }
            None => Num {
                value: Decimal::ONE,
                span: owner.span.clone(),
                percent: false,
            },
        };
        if p.value < Decimal::ZERO || p.value > Decimal::ONE {
            self.ctx.error(
                ProblemKind::OutOfRange,
                p.span,
                format!(
                    "`{}.{field}` is a probability and must be between 0 and 1, found {}",
                    owner.path, p.value
                ),
                if p.value > Decimal::ONE && p.value <= Decimal::ONE_HUNDRED && !p.percent {
                    format!(
                        "write it as a fraction: {} looks like a percentage, so write {} (or \
                         \"{}%\")",
                        p.value,
                        (p.value / Decimal::ONE_HUNDRED).normalize(),
                        p.value
                    )
                } else {
                    "write it as a fraction, e.g. 0.85 for 85% (or \"85%\")".to_string()
                },
            );
            return None;
        }
        let name = format!("{}.{field}", owner.path);
        let dist = Distribution::bernoulli(p.f64()).ok()?;
        let id = self.push_driver(Driver {
            label: self.inline_label(field),
            name,
            dist,
            source: source.to_string(),
            origin: DriverOrigin::Inline,
            measure: Measure::Event,
            span: p.span.clone(),
        });
        Some((p.value, id))
    }
}

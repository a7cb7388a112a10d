//! Fields that take a driver: a name, a number or an inline distribution, checked
//! against the role the field gives it.

use rust_decimal::Decimal;
use toml::de::DeValue;

use super::{Builder, Role, percent};
use crate::dist::Distribution;
use crate::model::diagnostic::{ProblemKind, closest};
use crate::model::reader::{Num, Table, Value, as_table, number, type_name};
use crate::model::{Driver, DriverId, DriverOrigin, Measure};

impl Builder<'_> {
    /// A field that is a driver: a driver's name, a number (fixed), or an inline
    /// distribution table. Returns `None` (after recording why) when unusable.
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
        match v.get_ref() {
            DeValue::String(s) => {
                let name = s.to_string();
                match self.declared.get(&name).copied() {
                    Some(DriverId(usize::MAX)) => None,
                    Some(id) => {
                        self.used[id.0] = true;
                        if self.drivers[id.0].measure == Measure::Number {
                            self.drivers[id.0].measure = role.measure();
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
                        let help = match closest(&name, self.declared.keys().map(String::as_str)) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None if self.declared.is_empty() => {
                                "declare it as a [drivers.NAME] section, or write a number or an \
                                 inline distribution here"
                                    .into()
                            }
                            None => format!(
                                "declare it under [drivers.{name}]; the drivers defined are: {}",
                                self.declared_names().join(", ")
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
            DeValue::Integer(_) | DeValue::Float(_) => {
                let n = number(&mut self.ctx, &path, v)?;
                let dist = Distribution::fixed(n.f64()).ok()?;
                if let Err((why, fix)) = role.check(&dist) {
                    self.ctx.error(
                        ProblemKind::OutOfRange,
                        n.span,
                        format!("`{path}` = {}: {why}", n.value),
                        fix,
                    );
                    return None;
                }
                Some(self.push_driver(Driver {
                    label: self.inline_label(field),
                    name: implicit_name,
                    dist,
                    source: source.to_string(),
                    origin: DriverOrigin::Inline,
                    measure: role.measure(),
                }))
            }
            DeValue::Table(_) => {
                let t = as_table(&mut self.ctx, &path, v, "")?;
                let dist = self.distribution(&t, false)?;
                if let Err((why, fix)) = role.check(&dist) {
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
                Some(self.push_driver(Driver {
                    label: self.inline_label(field),
                    name: implicit_name,
                    dist,
                    source,
                    origin: DriverOrigin::Inline,
                    measure: role.measure(),
                }))
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
                None
            }
        }
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
            if !matches!(v.get_ref(), DeValue::Integer(_) | DeValue::Float(_)) {
                let found = type_name(v.get_ref());
                let help = match v.get_ref() {
                    DeValue::String(text) => match percent(text) {
                        Some(fraction) => format!(
                            "write the chance as a probability between 0 and 1, without \
                             quotes: {field} = {fraction}"
                        ),
                        None if text.trim().parse::<Decimal>().is_ok() => {
                            format!("remove the quotes: {field} = {}", text.trim())
                        }
                        None => "write the chance as a probability between 0 and 1, without \
                                 quotes, such as 0.9"
                            .to_string(),
                    },
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
        let p = if required {
            owner.req_number(
                &mut self.ctx,
                field,
                "give the chance it happens, between 0 and 1",
            )?
        } else {
            match owner.get(field) {
                Some(_) => owner.number(&mut self.ctx, field)?,
                None => Num {
                    value: Decimal::ONE,
                    span: owner.span.clone(),
                },
            }
        };
        if p.value < Decimal::ZERO || p.value > Decimal::ONE {
            self.ctx.error(
                ProblemKind::OutOfRange,
                p.span,
                format!(
                    "`{}.{field}` is a probability and must be between 0 and 1, found {}",
                    owner.path, p.value
                ),
                "write it as a fraction, e.g. 0.85 for 85%",
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
        });
        Some((p.value, id))
    }
}

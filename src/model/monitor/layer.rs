//! A position layered on a budget model of the same year: the model's drivers describe
//! the rest of the year. Each driver keeps its mean and has its spread shrunk to the share
//! of the year still to come (k = months left / 12: a draw x becomes mean + k·(x − mean),
//! written as the driver's `scale` and `shift`, so correlations and common random numbers
//! are kept); an offset line takes away the model's gap at the drivers' means, so that at
//! the means the year ends where the position says. The position's lines, risks,
//! contingency and reserves are added; the model's own mitigation and reserves give way to
//! the position's. The drift is left out unless the monitoring file gives a `[drift]`.

use std::str::FromStr as _;

use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive as _;
use toml_edit::{DocumentMut, TableLike, Value};

use super::super::diagnostic::{Diagnostic, ProblemKind};
use super::super::{DriverOrigin, Model};
use super::compile::{self, Out, money, text};
use super::{Compiled, Drift, Position};

/// Layers `p` on the model `base` (its text and the model it makes), whose gap at the
/// drivers' means is `central_gap`.
///
/// # Errors
/// When the model cannot carry the position: a different year or unit, several years.
pub fn layer(
    base: &str,
    model: &Model,
    p: &Position,
    central_gap: f64,
) -> Result<Compiled, Vec<Diagnostic>> {
    let refuse = |message: String, help: &str| {
        Err(vec![
            Diagnostic::error(ProblemKind::Inconsistent, Some(p.span.clone()), message)
                .with_help(help),
        ])
    };
    if model.meta.year != p.year {
        return refuse(
            format!(
                "the monitoring position is for {}, the model for {}",
                p.year, model.meta.year
            ),
            "layer a position on a budget model of the same year, or run it alone with `gapsim monitor FILE`",
        );
    }
    if model.meta.unit != p.unit {
        return refuse(
            format!(
                "the monitoring file is in {}, the model in {}",
                p.unit.symbol(),
                model.meta.unit.symbol()
            ),
            "write both in the same unit",
        );
    }
    if model.horizon.is_multi_year() {
        return refuse(
            "the model spans several years; a monitoring position is about one".into(),
            "layer the position on a one-year model of its year",
        );
    }
    let Ok(mut doc) = base.parse::<DocumentMut>() else {
        return refuse(
            "the model could not be edited".into(),
            "check the model with `gapsim check`",
        );
    };
    let k = Decimal::from(p.months_remaining()) / Decimal::from(12);
    for d in &model.drivers {
        if d.dist.is_fixed() {
            continue;
        }
        let table = match d.origin {
            DriverOrigin::Declared => doc
                .get_mut("drivers")
                .and_then(|t| t.get_mut(&d.name))
                .and_then(|i| i.as_table_like_mut()),
            DriverOrigin::Inline => {
                let parts: Vec<&str> = d.name.splitn(3, '.').collect();
                let [section, item, field] = parts[..] else {
                    continue;
                };
                doc.get_mut(section)
                    .and_then(|t| t.get_mut(item))
                    .and_then(|t| t.get_mut(field))
                    .and_then(|i| i.as_table_like_mut())
            }
        };
        let Some(table) = table else { continue };
        shrink(table, k, d.dist.mean());
    }
    doc.remove("mitigation");
    doc.remove("reserves");
    if let Some(meta) = doc.get_mut("meta").and_then(|m| m.as_table_like_mut()) {
        meta.insert("net_budget", toml_edit::value(number(p.net_budget)));
    }
    let mut o = Out {
        text: doc.to_string(),
        copied: Vec::new(),
        items: Vec::new(),
    };
    let base_part = 0..o.text.len();
    o.text.push_str(&format!(
        "\n# ---- In-year position at {} layered by gapsim: the model above describes the rest\n\
         # of the year (each driver's spread shrunk to {} of 12 months left, its mean kept).\n",
        compile::month_words(p.month),
        p.months_remaining()
    ));
    let offset = Decimal::from_f64(central_gap)
        .unwrap_or_default()
        .round_dp(6);
    let (obase, obudget) = if offset >= Decimal::ZERO {
        (Decimal::ZERO, offset)
    } else {
        (-offset, Decimal::ZERO)
    };
    o.table(
        "lines.gapsim_model_centre",
        &p.span,
        &[
            ("label", text("The model's central gap, already in the reported position")),
            ("group", text("Reported forecasts")),
            ("kind", text("simple")),
            ("base", money(obase)),
            ("budget", money(obudget)),
            ("source", text("gapsim: the model's gap at its drivers' means, taken away so that the position's forecast is the centre")),
        ],
    );
    let explicit_drift = p.drift != Drift::default_at(p.month);
    compile::body(&mut o, p, explicit_drift);
    let mut items = vec![(base_part, p.span.clone())];
    items.extend(o.items);
    Ok(Compiled {
        text: o.text,
        copied: o.copied,
        items,
        whole: p.span.clone(),
    })
}

/// A decimal as a TOML number.
fn number(d: Decimal) -> Value {
    Value::from_str(&d.normalize().to_string()).unwrap_or_else(|_| Value::from(0))
}

/// The exact value of a `scale` or `shift` as written (a number, or a percentage in quotes).
fn written(v: Option<&toml_edit::Item>, default: Decimal) -> Decimal {
    let Some(v) = v.and_then(|i| i.as_value()) else {
        return default;
    };
    match v {
        Value::String(s) => super::super::reader::percent(s.value()).unwrap_or(default),
        Value::Integer(_) | Value::Float(_) => {
            let repr = v.to_string();
            let t = repr.trim().replace('_', "");
            Decimal::from_str(&t)
                .or_else(|_| Decimal::from_scientific(&t.to_ascii_lowercase()))
                .unwrap_or(default)
        }
        _ => default,
    }
}

/// Shrinks a driver's spread by `k` about its `mean`: scale' = k·scale, shift' = k·shift +
/// (1 − k)·mean.
fn shrink(t: &mut dyn TableLike, k: Decimal, mean: f64) {
    let scale = written(t.get("scale"), Decimal::ONE);
    let shift = written(t.get("shift"), Decimal::ZERO);
    let mean = Decimal::from_f64(mean).unwrap_or_default();
    let new_scale = (k * scale).round_dp(12);
    let new_shift = (k * shift + (Decimal::ONE - k) * mean).round_dp(12);
    t.insert("scale", toml_edit::value(number(new_scale)));
    t.insert("shift", toml_edit::value(number(new_shift)));
}

//! Distributions as written: declared drivers and inline distribution tables.

use std::collections::HashMap;
use std::ops::Range;

use rust_decimal::Decimal;

use super::{Builder, OwnedTable};
use crate::dist::{DistError, Distribution};
use crate::model::diagnostic::ProblemKind;
use crate::model::reader::{Num, Table, Text};
use crate::model::{Driver, DriverId, DriverOrigin, Measure};

const FAMILIES: &[&str] = &[
    "fixed",
    "uniform",
    "normal",
    "lognormal",
    "triangular",
    "pert",
    "beta",
    "bernoulli",
    "discrete",
];

/// Every key a distribution table may hold, across families.
const DIST_KEYS: &[&str] = &[
    "dist",
    "value",
    "mean",
    "sd",
    "median",
    "p90",
    "min",
    "mode",
    "max",
    "shape",
    "alpha",
    "beta",
    "p",
    "values",
    "probabilities",
    "shift",
    "scale",
    "label",
    "source",
    "description",
];

/// Parameters that are values of the driver itself (or their spread), so that a
/// percentage in quotes reads as a fraction where the driver is one. (`shift` is one too,
/// read by `moved`; `scale` is a multiplier, never a percentage.)
const VALUE_PARAMS: &[&str] = &[
    "value", "mean", "sd", "median", "p90", "min", "mode", "max", "values",
];

/// Keys every family takes: what the driver is, and the map its draws go through.
const COMMON_KEYS: &[&str] = &["dist", "label", "source", "description", "shift", "scale"];

/// `shift` and `scale` as written: every value of the law is taken as `scale × value +
/// shift`.
struct Moved {
    scale: f64,
    shift: f64,
    /// Where the shift is written as a percentage in quotes.
    percent: Option<Range<usize>>,
}

/// A distribution as written, with what the checks of its use need.
pub(super) struct Parsed {
    pub(super) dist: Distribution,
    /// Where its centre is written, with a three-point estimate's mode.
    pub(super) central: Option<(Range<usize>, Option<f64>)>,
    /// Where a percentage in quotes is first written in it.
    pub(super) percent: Option<Range<usize>>,
    /// Its path over the years, when the table says one.
    pub(super) path: Option<crate::model::Path>,
}

impl Builder<'_> {
    pub(super) fn declared_driver(&mut self, name: &Text, t: &OwnedTable<'_, '_>) {
        let table = t.table();
        // How a declared driver is used is known only later, so percentages are read
        // here and refused, at the use, where a fraction is not expected.
        let Some(parsed) = self.distribution(&table, true, true) else {
            // Still reserve the name so references to it do not also fail.
            self.declared
                .insert(name.value.clone(), DriverId(usize::MAX));
            self.failed.insert(name.value.clone());
            return;
        };
        let label = table
            .text(&mut self.ctx, "label")
            .map_or_else(|| name.value.clone(), |l| l.value);
        let source = self.source(&table);
        let id = self.push_driver(Driver {
            name: name.value.clone(),
            label,
            dist: parsed.dist,
            source: source.unwrap_or_default(),
            origin: DriverOrigin::Declared,
            measure: Measure::Number,
            span: name.span.clone(),
        });
        self.info[id.0].central = parsed.central;
        self.info[id.0].percent = parsed.percent;
        self.info[id.0].path = parsed.path;
        self.declared.insert(name.value.clone(), id);
    }

    /// Reads a distribution from a table: a declared driver (which may have a label) or an
    /// inline one. Where `fractions`, its values may be written as percentages in quotes;
    /// a probability (`p`, `probabilities`) always may.
    pub(super) fn distribution(
        &mut self,
        t: &Table<'_, '_>,
        declared: bool,
        fractions: bool,
    ) -> Option<Parsed> {
        let mut allowed: Vec<&str> = DIST_KEYS.to_vec();
        if !declared {
            allowed.retain(|k| *k != "label" && *k != "description");
        }
        allowed.extend(super::paths::PATH_KEYS);
        t.only(&mut self.ctx, &allowed, "a distribution");
        let Some(family) = t.text(&mut self.ctx, "dist") else {
            if !t.has("dist") {
                t.missing(
                    &mut self.ctx,
                    "dist",
                    format!(
                        "say which distribution: dist = one of {}",
                        FAMILIES.join(", ")
                    ),
                );
            }
            return None;
        };
        let params: &[&str] = match family.value.as_str() {
            "fixed" => &["value"],
            "uniform" => &["min", "max"],
            "normal" => &["mean", "sd", "min", "max"],
            "lognormal" => &["median", "p90", "mean", "sd", "min", "max"],
            "triangular" => &["min", "mode", "max"],
            "pert" => &["min", "mode", "max", "shape"],
            "beta" => &["alpha", "beta", "mean", "sd", "min", "max"],
            "bernoulli" => &["p"],
            "discrete" => &["values", "probabilities"],
            other => {
                let help = match self.ctx.closest(other, FAMILIES.iter().copied()) {
                    Some(s) => format!("did you mean \"{s}\"?"),
                    None => format!("use one of {}", FAMILIES.join(", ")),
                };
                self.ctx.error(
                    ProblemKind::InvalidValue,
                    family.span,
                    format!("`{other}` is not a distribution gapsim knows"),
                    help,
                );
                return None;
            }
        };
        let fam = family.value.as_str();
        let path = self.driver_path(t, fam);
        // Keys that are distribution parameters, but not of this family.
        for (key, _) in t.entries.iter() {
            let k = key.get_ref().as_ref();
            let common = COMMON_KEYS.contains(&k);
            if !common && DIST_KEYS.contains(&k) && !params.contains(&k) {
                self.ctx.error(
                    ProblemKind::UnknownField,
                    key.span(),
                    format!("`{k}` is not a parameter of a {fam} distribution"),
                    format!("{fam} takes: {}", params.join(", ")),
                );
            }
        }

        let reads_percent = |key: &str| key == "p" || (fractions && VALUE_PARAMS.contains(&key));
        let mut n = |key: &str| -> Option<Num> {
            if !params.contains(&key) {
                None
            } else if reads_percent(key) {
                t.fraction(&mut self.ctx, key)
            } else {
                t.number(&mut self.ctx, key)
            }
        };
        let nums: HashMap<&str, Num> = params
            .iter()
            .filter(|k| **k != "values" && **k != "probabilities")
            .filter_map(|k| n(k).map(|v| (*k, v)))
            .collect();
        let bad_number = params
            .iter()
            .any(|k| t.has(k) && *k != "values" && *k != "probabilities" && !nums.contains_key(k));
        if bad_number {
            return None;
        }
        let get = |k: &str| nums.get(k).map(Num::f64);
        // Where the driver's own values are percentages (a `p` in percent is a chance).
        let mut percent = nums
            .iter()
            .filter(|(k, n)| n.percent && VALUE_PARAMS.contains(k))
            .map(|(_, n)| n.span.clone())
            .min_by_key(|s| s.start);
        let central = ["mode", "mean", "median", "value"]
            .iter()
            .find_map(|k| nums.get(k))
            .map(|n| (n.span.clone(), get("mode")));
        let need = |b: &mut Self, keys: &[&str], help: &str| -> bool {
            let mut ok = true;
            for k in keys {
                if !t.has(k) {
                    t.missing(&mut b.ctx, k, help);
                    ok = false;
                }
            }
            ok
        };
        let result = match fam {
            "fixed" => {
                if !need(self, &["value"], "a fixed driver needs value = ...") {
                    return None;
                }
                Distribution::fixed(get("value")?)
            }
            "uniform" => {
                if !need(self, &["min", "max"], "uniform needs min and max") {
                    return None;
                }
                Distribution::uniform(get("min")?, get("max")?)
            }
            "normal" => {
                if !need(
                    self,
                    &["mean", "sd"],
                    "normal needs mean and sd (standard deviation)",
                ) {
                    return None;
                }
                Distribution::normal(get("mean")?, get("sd")?, get("min"), get("max"))
            }
            "lognormal" => {
                let by_median = t.has("median") || t.has("p90");
                let by_mean = t.has("mean") || t.has("sd");
                if by_median && by_mean {
                    self.ctx.error(
                        ProblemKind::InvalidValue,
                        t.span.clone(),
                        format!("`{}` mixes median/p90 with mean/sd", t.path),
                        "give a lognormal either by median and p90, or by mean and sd",
                    );
                    return None;
                }
                if by_mean {
                    if !need(self, &["mean", "sd"], "give both mean and sd") {
                        return None;
                    }
                    Distribution::lognormal_mean_sd(
                        get("mean")?,
                        get("sd")?,
                        get("min"),
                        get("max"),
                    )
                } else {
                    if !need(
                        self,
                        &["median", "p90"],
                        "give a lognormal by median and p90 (or by mean and sd)",
                    ) {
                        return None;
                    }
                    Distribution::lognormal_median_p90(
                        get("median")?,
                        get("p90")?,
                        get("min"),
                        get("max"),
                    )
                }
            }
            "triangular" | "pert" => {
                if !need(
                    self,
                    &["min", "mode", "max"],
                    "a three-point estimate needs min, mode and max",
                ) {
                    return None;
                }
                let (lo, mode, hi) = (get("min")?, get("mode")?, get("max")?);
                if fam == "pert" {
                    Distribution::pert(lo, mode, hi, get("shape"))
                } else {
                    Distribution::triangular(lo, mode, hi)
                }
            }
            "beta" => {
                let by_shape = t.has("alpha") || t.has("beta");
                let by_mean = t.has("mean") || t.has("sd");
                if by_shape && by_mean {
                    self.ctx.error(
                        ProblemKind::InvalidValue,
                        t.span.clone(),
                        format!("`{}` mixes alpha/beta with mean/sd", t.path),
                        "give a beta either by alpha and beta, or by mean and sd",
                    );
                    return None;
                }
                if by_mean {
                    if !need(self, &["mean", "sd"], "give both mean and sd") {
                        return None;
                    }
                    Distribution::beta_mean_sd(get("mean")?, get("sd")?, get("min"), get("max"))
                } else {
                    if !need(
                        self,
                        &["alpha", "beta"],
                        "give a beta by alpha and beta (or by mean and sd)",
                    ) {
                        return None;
                    }
                    Distribution::beta(get("alpha")?, get("beta")?, get("min"), get("max"))
                }
            }
            "bernoulli" => {
                if !need(self, &["p"], "bernoulli needs p, the probability of a 1") {
                    return None;
                }
                Distribution::bernoulli(get("p")?)
            }
            "discrete" => {
                if !need(
                    self,
                    &["values", "probabilities"],
                    "discrete needs values = [...] and probabilities = [...]",
                ) {
                    return None;
                }
                let values = t.numbers(&mut self.ctx, "values", fractions);
                let probs = t.numbers(&mut self.ctx, "probabilities", true);
                let (values, probs) = (values?, probs?);
                if percent.is_none() {
                    percent = values.iter().find(|n| n.percent).map(|n| n.span.clone());
                }
                // Check the sum exactly, in decimals: 0.2 + 0.3 + 0.5 is exactly 1.
                let total: Decimal = probs.iter().map(|p| p.value).sum();
                if probs
                    .iter()
                    .all(|p| p.value >= Decimal::ZERO && p.value <= Decimal::ONE)
                    && total != Decimal::ONE
                    && (total - Decimal::ONE).abs() > Decimal::new(1, 9)
                {
                    self.ctx.error(
                        ProblemKind::OutOfRange,
                        t.span_of("probabilities"),
                        format!("the probabilities of `{}` add up to {total}, not 1", t.path),
                        "make the probabilities add up to exactly 1",
                    );
                    return None;
                }
                let v: Vec<f64> = values.iter().map(Num::f64).collect();
                let p: Vec<f64> = probs.iter().map(Num::f64).collect();
                match Distribution::discrete(&v, &p) {
                    Err(DistError::NotProbability { value, .. }) => {
                        let at = probs
                            .iter()
                            .find(|n| n.f64() == value)
                            .map_or(t.span.clone(), |n| n.span.clone());
                        self.ctx.error(
                            ProblemKind::OutOfRange,
                            at,
                            format!("probability {value} in `{}` is not between 0 and 1", t.path),
                            "probabilities are fractions between 0 and 1, e.g. 0.25 for 25%",
                        );
                        return None;
                    }
                    other => other,
                }
            }
            _ => unreachable!("family names are matched above"),
        };
        let moved = self.moved(t, fractions);
        let result = result.and_then(|d| match &moved {
            Some(m) => d.affine(m.scale, m.shift),
            None => Ok(d),
        });
        match result {
            Ok(dist) => {
                let m = moved?;
                // The mode a check of the centre reads is the moved law's.
                let central =
                    central.map(|(span, mode)| (span, mode.map(|v| m.scale * v + m.shift)));
                let percent = [percent, m.percent]
                    .into_iter()
                    .flatten()
                    .min_by_key(|s| s.start);
                Some(Parsed {
                    dist,
                    central,
                    percent,
                    path: path?,
                })
            }
            Err(e) => {
                self.dist_error(t, fam, &e);
                None
            }
        }
    }

    /// Reads `scale` (default 1) and `shift` (default 0), exactly as written; a shift may
    /// be a percentage in quotes where the law's values may. `None` (with the error
    /// recorded) when either is written but is not a number a model can hold; whether
    /// the scale is positive is the distribution's check, which names the key.
    fn moved(&mut self, t: &Table<'_, '_>, fractions: bool) -> Option<Moved> {
        let scale = t.number(&mut self.ctx, "scale");
        let shift = if fractions {
            t.fraction(&mut self.ctx, "shift")
        } else {
            t.number(&mut self.ctx, "shift")
        };
        if (t.has("scale") && scale.is_none()) || (t.has("shift") && shift.is_none()) {
            return None;
        }
        Some(Moved {
            scale: scale.as_ref().map_or(1.0, Num::f64),
            shift: shift.as_ref().map_or(0.0, Num::f64),
            percent: shift.filter(|n| n.percent).map(|n| n.span),
        })
    }

    pub(super) fn dist_error(&mut self, t: &Table<'_, '_>, family: &str, e: &DistError) {
        let param = e.param();
        let span = t.span_of(param);
        let (kind, help) = match e {
            DistError::NotPositive { param: "sd", .. } => (
                ProblemKind::OutOfRange,
                "a standard deviation measures spread and must be positive; for a figure \
                 with no uncertainty use dist = \"fixed\""
                    .to_string(),
            ),
            DistError::NotPositive { param: "scale", .. } => (
                ProblemKind::OutOfRange,
                "`scale` multiplies every draw and must be above 0: 1.1 for 10% larger, 0.8 \
                 for 20% smaller; leave it out (or write 1) for no change"
                    .to_string(),
            ),
            DistError::NotPositive { param, .. } => (
                ProblemKind::OutOfRange,
                format!("give `{param}` a value above 0"),
            ),
            DistError::NotProbability { .. } => (
                ProblemKind::OutOfRange,
                "probabilities are fractions between 0 and 1, e.g. 0.85 for 85%".to_string(),
            ),
            DistError::Extreme { fix, .. } => (ProblemKind::OutOfRange, fix.clone()),
            DistError::Order { .. } => (
                ProblemKind::BadOrder,
                if family == "triangular" || family == "pert" {
                    "a three-point estimate needs min <= mode <= max, with min < max".to_string()
                } else {
                    "check the bounds: the lower one must be below the upper one".to_string()
                },
            ),
            _ => (
                ProblemKind::InvalidValue,
                "see docs/model-format.md for this distribution's parameters".to_string(),
            ),
        };
        self.ctx
            .error(kind, span, format!("in `{}` ({family}): {e}", t.path), help);
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{InvalidModel, Model, ProblemKind};

    /// A small valid model; each test changes it in one place.
    const BASE: &str = r#"[meta]
name = "Test"
council = "Test"
year = "2024/25"
unit = "£m"
net_budget = 100
[drivers.growth]
dist = "normal"
mean = 0.03
sd = 0.01
source = "assumption: test"

[lines.care]
kind = "cohort"
clients = 100
unit_cost = 500
periods = 52
demand = "growth"
cost = { dist = "pert", min = 0.0, mode = 0.05, max = 0.2 }
budget = 2.7
source = "assumption: test"

[savings.plan]
amount = 1.5
recurring = true
probability = 0.9
delivered = { dist = "pert", min = 0.5, mode = 0.9, max = 1.0 }
source = "assumption: test"

[reserves.general_fund]
kind = "general_fund"
amount = 1
source = "assumption: test"
"#;

    fn with(from: &str, to: &str) -> String {
        assert!(BASE.contains(from), "{from:?} is not in the base model");
        BASE.replacen(from, to, 1)
    }

    const DELIVERED: &str = "max = 1.0 }";

    fn load(text: &str) -> Model {
        match Model::from_toml("m.toml", text) {
            Ok(loaded) => loaded.model,
            Err(e) => panic!("{e}"),
        }
    }

    fn refused(text: &str) -> (InvalidModel, String) {
        let e = Model::from_toml("m.toml", text).expect_err("refused");
        let rendered = e.to_string();
        assert!(rendered.contains("= help:"), "{rendered}");
        (e, rendered)
    }

    /// Where `needle` is first written in `text`, as a rendered error names it.
    fn at(text: &str, needle: &str) -> String {
        let start = text.find(needle).unwrap();
        let line = text[..start].matches('\n').count() + 1;
        let column = start - text[..start].rfind('\n').map_or(0, |i| i + 1) + 1;
        format!("m.toml:{line}:{column}:")
    }

    fn dist<'m>(m: &'m Model, name: &str) -> &'m crate::dist::Distribution {
        &m.driver(m.driver_named(name).unwrap()).dist
    }

    #[test]
    fn a_delivered_fraction_shifted_past_one_is_refused_and_scaled_within_it_accepted() {
        let model = with(DELIVERED, "max = 1.0, shift = 0.1 }");
        let (e, text) = refused(&model);
        assert_eq!(e.error_kinds(), [ProblemKind::OutOfRange], "{text}");
        assert!(
            text.contains(&at(&model, "{ dist = \"pert\", min = 0.5")),
            "{text}"
        );
        assert!(text.contains("must stay within 0 to 1"), "{text}");
        assert!(text.contains("check its `shift` and `scale`"), "{text}");

        let m = load(&with(DELIVERED, "max = 1.0, scale = 0.7 }"));
        let plain = load(BASE);
        let d = dist(&m, "savings.plan.delivered");
        let p = dist(&plain, "savings.plan.delivered");
        assert_eq!(d.scale_shift(), (0.7, 0.0));
        assert_eq!(d.mean(), 0.7 * p.mean());
        assert_eq!(d.support(), (0.7 * 0.5, 0.7 * 1.0));
        assert_eq!(d.quantile(0.9), 0.7 * p.quantile(0.9));
    }

    #[test]
    fn a_growth_rate_shifted_below_minus_one_is_refused() {
        let (_, text) = refused(&with("sd = 0.01\n", "sd = 0.01\nshift = -2\n"));
        assert!(text.contains("chance of going below -1"), "{text}");
        assert!(text.contains("check its `shift` and `scale`"), "{text}");
        // A shift that keeps it above −1, read exactly, as a percentage too.
        for shift in ["0.03", "\"3%\""] {
            let m = load(&with(
                "sd = 0.01\n",
                &format!("sd = 0.01\nshift = {shift}\n"),
            ));
            assert_eq!(dist(&m, "growth").scale_shift(), (1.0, 0.03), "{shift}");
            assert_eq!(dist(&m, "growth").mean(), 0.03 + 0.03);
        }
    }

    #[test]
    fn a_scale_that_is_not_above_zero_is_refused_at_the_key_with_the_fix() {
        for scale in ["0", "-1", "-0.5"] {
            let model = with(DELIVERED, &format!("max = 1.0, scale = {scale} }}"));
            let (e, text) = refused(&model);
            assert_eq!(e.error_kinds(), [ProblemKind::OutOfRange], "{text}");
            let key = format!("{scale} }}");
            assert!(text.contains(&at(&model, &key)), "{scale}: {text}");
            assert!(text.contains("`scale` must be greater than 0"), "{text}");
            assert!(text.contains("1.1 for 10% larger"), "{text}");
        }
        // Not a number: the reader's errors, at the key.
        for (bad, words) in [
            ("scale = \"110%\"", "should be a number"),
            ("scale = nan", "not a usable number"),
            ("shift = 1e16", "too large"),
            ("shift = \"0.1\"", "remove the quotes"),
        ] {
            let (_, text) = refused(&with(DELIVERED, &format!("max = 1.0, {bad} }}")));
            assert!(text.contains(words), "{bad}: {text}");
        }
    }

    #[test]
    fn a_declared_driver_with_a_percentage_shift_is_refused_where_money_is_meant() {
        let text = with(
            "[lines.care]",
            "[drivers.fee]\ndist = \"uniform\"\nmin = 0\nmax = 1\nshift = \"5%\"\n\
             source = \"assumption: test\"\n\n[lines.care]",
        )
        .replace("unit_cost = 500", "unit_cost = \"fee\"");
        let (_, rendered) = refused(&text);
        assert!(rendered.contains("percentage"), "{rendered}");
    }

    #[test]
    fn a_fixed_value_shifted_is_the_moved_value_everywhere() {
        let m = load(&with(
            "cost = { dist = \"pert\", min = 0.0, mode = 0.05, max = 0.2 }",
            "cost = { dist = \"fixed\", value = 0.05, scale = 2, shift = 0.01 }",
        ));
        let d = dist(&m, "lines.care.cost");
        assert!(d.is_fixed());
        let v = 2.0 * 0.05 + 0.01;
        assert_eq!(d.atoms(), Some(vec![(v, 1.0)]));
        assert_eq!((d.mean(), d.quantile(0.5), d.support()), (v, v, (v, v)));
    }

    #[test]
    fn a_scale_that_takes_a_product_beyond_the_bounds_is_refused_by_check() {
        // A lognormal as wide as a driver may be, times a PERT growth rate: within 10^20
        // as written (£2.6m × 6.6·10^14 × 2), beyond it with the PERT scaled by 10^5.
        let wide = "{ dist = \"lognormal\", median = 1, p90 = 500 }";
        let cost = |scale: &str| {
            with(
                "cost = { dist = \"pert\", min = 0.0, mode = 0.05, max = 0.2 }",
                &format!(
                    "cost = [{wide}, {{ dist = \"pert\", min = 0, mode = 0.5, max = 1{scale} }}]"
                ),
            )
        };
        load(&cost(""));
        let (_, text) = refused(&cost(", scale = 1e5"));
        assert!(text.contains("line `care` can reach"), "{text}");
        assert!(text.contains("beyond 10^20"), "{text}");
    }

    #[test]
    fn the_documented_examples_read() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let doc = std::fs::read_to_string(root.join("docs/model-format.md")).unwrap();
        let section = &doc[doc.find("## Drivers").unwrap()..doc.find("## Spending").unwrap()];
        let start = section.find("[drivers.pay_award_stress]").unwrap();
        let driver = &section[start..start + section[start..].find("\n\n").unwrap()];
        let delivered = section
            .lines()
            .find(|l| l.starts_with("delivered = ") && l.contains("scale"))
            .unwrap();
        let text = with("[lines.care]", &format!("{driver}\n\n[lines.care]")).replace(
            "delivered = { dist = \"pert\", min = 0.5, mode = 0.9, max = 1.0 }",
            delivered,
        );
        let m = load(&text);
        assert_eq!(dist(&m, "pay_award_stress").scale_shift(), (1.0, 0.02));
        assert_eq!(dist(&m, "savings.plan.delivered").scale_shift(), (0.8, 0.0));
    }

    #[test]
    fn shift_and_scale_are_described_to_readers() {
        let m = load(&with(DELIVERED, "max = 1.0, scale = 0.8, shift = 0.05 }"));
        let d = m.driver(m.driver_named("savings.plan.delivered").unwrap());
        let text = crate::report::describe_driver(d, "£m");
        assert!(
            text.ends_with(", scaled by 0.8, then shifted by +5%"),
            "{text}"
        );
    }
}

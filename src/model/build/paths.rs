//! How each driver moves from one year to the next: `path`, `phi`, `compound`, `widen`
//! and `drift` in a driver's table (declared or inline), their checks, and the defaults.

use std::ops::Range;

use rust_decimal::Decimal;

use super::{Builder, Role};
use crate::model::diagnostic::{Diagnostic, ProblemKind};
use crate::model::reader::{Table, fraction_number, number};
use crate::model::{DriverId, DriverOrigin, Path, PathKind};

/// The fields of a driver's path, beside its distribution's parameters.
pub(super) const PATH_KEYS: &[&str] = &["path", "phi", "compound", "widen", "drift"];

/// The paths, as written.
const PATHS: &[&str] = &["hold", "independent", "walk", "ar1"];

/// The widest `widen`: the spread five times wider each year ahead.
const MAX_WIDEN: i64 = 5;

/// A path as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Written {
    Hold,
    Independent,
    Walk,
    Ar1,
}

impl Written {
    fn shown(self) -> &'static str {
        match self {
            Written::Hold => "path = \"hold\"",
            Written::Independent => "path = \"independent\"",
            Written::Walk => "path = \"walk\"",
            Written::Ar1 => "path = \"ar1\"",
        }
    }
}

impl Builder<'_> {
    /// The path a distribution table says: `Some(None)` when it has no path fields,
    /// `None` after an error (reported).
    pub(super) fn driver_path(&mut self, t: &Table<'_, '_>, family: &str) -> Option<Option<Path>> {
        let first = PATH_KEYS
            .iter()
            .filter_map(|k| t.get(k).map(|v| v.span()))
            .min_by_key(|s| s.start);
        let Some(first) = first else {
            return Some(None);
        };
        let written = self.path_kind(t)?;
        let phi = self.phi(t, written);
        let compound = self.compound(t, written);
        let widen = self.spread(t, "widen", written, family);
        let drift = self.spread(t, "drift", written, family);
        let (phi, compound, widen, drift) = (phi?, compound?, widen?, drift?);
        // (A path that fails has its error; only one that reads is worth a warning.)
        self.years.path_fields.push(first);
        let kind = match written {
            Written::Hold => PathKind::Hold,
            Written::Independent | Written::Walk => PathKind::Independent,
            Written::Ar1 => PathKind::Ar1 {
                phi: phi.unwrap_or(0.0),
            },
        };
        Some(Some(Path {
            kind,
            compound,
            widen,
            drift,
        }))
    }

    /// `path`: hold (the default), independent, walk or ar1.
    fn path_kind(&mut self, t: &Table<'_, '_>) -> Option<Written> {
        if !t.has("path") {
            return Some(Written::Hold);
        }
        let text = t.text(&mut self.ctx, "path")?;
        match text.value.as_str() {
            "hold" => Some(Written::Hold),
            "independent" => Some(Written::Independent),
            "walk" => Some(Written::Walk),
            "ar1" => Some(Written::Ar1),
            other => {
                let help = match self.ctx.closest(other, PATHS.iter().copied()) {
                    Some(s) => format!("did you mean \"{s}\"?"),
                    None => "write path = \"hold\" (drawn once and held), \"independent\" \
                             (drawn afresh each year), \"walk\" (growth drawn each year and \
                             compounded) or \"ar1\" (autocorrelated year to year, with phi)"
                        .to_string(),
                };
                self.ctx.error(
                    ProblemKind::InvalidValue,
                    text.span,
                    format!("`{other}` is not a driver path gapsim knows"),
                    help,
                );
                None
            }
        }
    }

    /// `phi`: required by ar1, in [−1, 1]; refused with any other path.
    fn phi(&mut self, t: &Table<'_, '_>, written: Written) -> Option<Option<f64>> {
        let path = format!("{}.phi", t.path);
        match (written, t.get("phi")) {
            (Written::Ar1, None) => {
                self.ctx.error(
                    ProblemKind::MissingField,
                    t.span_of("path"),
                    format!("`{}` has path = \"ar1\", which needs `phi`", t.path),
                    "give the year-to-year coefficient, between -1 and 1: phi = 0.6 (0 is \
                     drawn afresh each year, 1 a random walk)",
                );
                None
            }
            (Written::Ar1, Some(v)) => {
                let n = number(&mut self.ctx, &path, v)?;
                if n.value.abs() > Decimal::ONE {
                    self.ctx.error(
                        ProblemKind::OutOfRange,
                        n.span,
                        format!("`{path}` is {}, outside -1 to 1", n.value),
                        "phi is the share of last year's departure from the mean that carries \
                         into this year: between -1 and 1, e.g. phi = 0.6 (beyond 1 the \
                         departures would grow without limit)",
                    );
                    return None;
                }
                Some(Some(n.f64()))
            }
            (_, Some(v)) => {
                self.ctx.error(
                    ProblemKind::Inconsistent,
                    v.span(),
                    format!(
                        "`{path}` applies only to path = \"ar1\", but this driver has {}",
                        shown(t, written)
                    ),
                    "remove `phi`, or write path = \"ar1\" for a driver autocorrelated year to \
                     year",
                );
                None
            }
            (_, None) => Some(None),
        }
    }

    /// `compound`: only with ar1 (walk is compounded already).
    fn compound(&mut self, t: &Table<'_, '_>, written: Written) -> Option<bool> {
        let Some(v) = t.get("compound") else {
            return Some(written == Written::Walk);
        };
        let (why, fix) = match written {
            Written::Ar1 => return t.boolean(&mut self.ctx, "compound"),
            Written::Walk => (
                "path = \"walk\" is compounded already (a random walk in growth)",
                "remove `compound`; for growth drawn afresh each year that does not compound, \
                 write path = \"independent\"",
            ),
            Written::Independent => (
                "`compound` applies only to path = \"ar1\"",
                "for growth drawn afresh each year and compounded, write path = \"walk\" and \
                 remove `compound`; or remove `compound`",
            ),
            Written::Hold => (
                "a held driver is drawn once, so nothing compounds",
                "for growth that compounds year on year, write path = \"walk\" (drawn afresh \
                 each year) or path = \"ar1\" with compound = true; or remove `compound`",
            ),
        };
        self.ctx.error(
            ProblemKind::Inconsistent,
            v.span(),
            format!("`{}.compound`: {why}", t.path),
            fix,
        );
        None
    }

    /// `widen` (in [0, 5]) or `drift`: 0 when absent; refused with hold, and on a
    /// distribution whose draws cannot be widened or shifted.
    fn spread(
        &mut self,
        t: &Table<'_, '_>,
        key: &str,
        written: Written,
        family: &str,
    ) -> Option<f64> {
        let Some(v) = t.get(key) else {
            return Some(0.0);
        };
        let path = format!("{}.{key}", t.path);
        let what = if key == "widen" {
            "widens the spread of the draws in later years"
        } else {
            "shifts the draws in later years"
        };
        if written == Written::Hold {
            self.ctx.error(
                ProblemKind::Inconsistent,
                v.span(),
                format!(
                    "`{path}` {what}, but with {} nothing is drawn after the first year (the \
                     first year's draw is held)",
                    shown(t, written)
                ),
                format!(
                    "write path = \"independent\", \"walk\" or \"ar1\" for a driver drawn each \
                     year, or remove `{key}`"
                ),
            );
            return None;
        }
        let why = match family {
            "bernoulli" => Some(
                "a bernoulli driver is an event, 0 or 1, and a wider or shifted draw would be \
                 neither",
            ),
            "discrete" => Some(
                "a discrete driver takes only its listed values, and a wider or shifted draw \
                 would fall between them",
            ),
            "fixed" => Some(
                "a fixed driver does not vary: it has no spread to widen, and a drift would \
                 make it vary",
            ),
            _ => None,
        };
        if let Some(why) = why {
            self.ctx.error(
                ProblemKind::Inconsistent,
                v.span(),
                format!("`{path}` cannot apply to a {family} driver: {why}"),
                format!(
                    "remove `{key}`, or use a continuous distribution (normal, pert, \
                     lognormal, ...) whose draws can widen and shift; a figure that changes \
                     by year belongs in the item (budget = [100, 104, 108])"
                ),
            );
            return None;
        }
        let n = fraction_number(&mut self.ctx, &path, v)?;
        if key == "widen" && !(Decimal::ZERO..=Decimal::from(MAX_WIDEN)).contains(&n.value) {
            self.ctx.error(
                ProblemKind::OutOfRange,
                n.span,
                format!(
                    "`{path}` is {}: it is the growth of the draws' spread each year ahead, \
                     from 0 to {MAX_WIDEN}",
                    n.value.normalize()
                ),
                "write it as a fraction: widen = 0.25 (or \"25%\") for a spread a quarter \
                 wider each year",
            );
            return None;
        }
        Some(n.f64())
    }

    /// Marks an inline driver of a yearly event (a risk's occurrence and cost, a
    /// mitigation's capacity) as drawn afresh each year unless it says otherwise.
    pub(super) fn yearly(&mut self, id: DriverId) {
        if self.drivers[id.0].origin == DriverOrigin::Inline {
            self.info[id.0].yearly = true;
        }
    }

    /// Warns when a driver whose values compound is used as something other than growth:
    /// `(1 + y₁)(1 + y₂)… − 1` is growth compounded, not a fraction or an amount.
    pub(super) fn check_path_use(
        &mut self,
        id: DriverId,
        role: Role,
        field: &str,
        at: Range<usize>,
    ) {
        if role == Role::Growth || self.years.count.is_none_or(|n| n <= 1) {
            return;
        }
        let Some(path) = self.info[id.0].path.filter(|p| p.compound) else {
            return;
        };
        let how = match path.kind {
            PathKind::Ar1 { .. } => "path = \"ar1\" with compound = true",
            _ => "path = \"walk\"",
        };
        let d = &self.drivers[id.0];
        let name = match d.origin {
            DriverOrigin::Declared => format!("driver `{}`", d.name),
            DriverOrigin::Inline => "this driver".to_string(),
        };
        self.ctx.push(
            Diagnostic::warning(
                ProblemKind::Implausible,
                Some(at),
                format!(
                    "{name} compounds year on year ({how}), but `{field}` takes {}: \
                     compounding, (1 + y1)(1 + y2)... - 1, is growth accumulating over the \
                     years, which makes sense only for a growth rate",
                    role.what()
                ),
            )
            .with_help(
                "give it path = \"independent\", or \"ar1\" without compound = true, or \
                 \"hold\"; keep compounding for growth (demand, cost, growth, variation)",
            ),
        );
    }

    /// Each driver's path, in the order of the drivers: as written, else hold; in a model
    /// of several years the inline drivers of yearly events are drawn afresh each year.
    pub(super) fn paths(&self, years: usize) -> Vec<Path> {
        self.info
            .iter()
            .map(|i| {
                i.path.unwrap_or(if years > 1 && i.yearly {
                    Path::INDEPENDENT
                } else {
                    Path::HOLD
                })
            })
            .collect()
    }

    /// Warns, once, that path fields change nothing in a model of one year.
    pub(super) fn paths_in_one_year(&mut self, years: usize) {
        if years > 1 || self.years.count.is_none() {
            return;
        }
        let Some(first) = self
            .years
            .path_fields
            .iter()
            .min_by_key(|s| s.start)
            .cloned()
        else {
            return;
        };
        let others = match self.years.path_fields.len() - 1 {
            0 => String::new(),
            1 => " (nor do those of the other driver that has them)".to_string(),
            k => format!(" (nor do those of the {k} other drivers that have them)"),
        };
        let label = self.year_label(0);
        self.ctx.push(
            Diagnostic::warning(
                ProblemKind::Implausible,
                Some(first),
                format!(
                    "a driver's path (`path`, `phi`, `compound`, `widen`, `drift`) says how \
                     it moves from year to year, but this model spans one year, {label}, so \
                     these change no figure{others}"
                ),
            )
            .with_help(
                "to model several years, set horizon = 3 (or years = [...]) in [meta]; \
                 otherwise remove the path fields",
            ),
        );
    }
}

/// The path a table has, for messages: as written, or the default.
fn shown(t: &Table<'_, '_>, written: Written) -> String {
    if t.has("path") {
        written.shown().to_string()
    } else {
        "path = \"hold\" (the default: it has no `path`)".to_string()
    }
}

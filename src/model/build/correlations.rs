//! `[correlations.NAME]`: one rank-correlation matrix over the drivers the entries name,
//! checked to be imposable or repaired.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use rust_decimal::Decimal;
use toml::de::DeValue;

use super::Builder;
use super::conflict;
use super::inputs::short;
use crate::correlation::{self, Matrix};
use crate::model::diagnostic::{Diagnostic, Note, ProblemKind};
use crate::model::reader::{Table, type_name};
use crate::model::text::MAX_CORRELATED_DRIVERS;
use crate::model::{Correlation, CorrelationEntry, DriverId};

/// One correlated pair as written: its target, where, and in which entry.
struct Pair {
    rank: f64,
    span: Range<usize>,
    entry: String,
}

/// The help for a repaired correlation matrix: the pairs whose correlation changed, as
/// written → as used, largest change first (at most `SHOWN`; a model of hundreds of
/// drivers would otherwise print megabytes).
fn repair_changes(written: &Matrix, used: &Matrix) -> String {
    const SHOWN: usize = 20;
    // Changes below this do not show at three decimals.
    const VISIBLE: f64 = 0.0005;
    let mut changes: Vec<(f64, String)> = Vec::new();
    for i in 0..written.len() {
        for j in i + 1..written.len() {
            let (w, u) = (written.get(i, j), used.get(i, j));
            if (w - u).abs() >= VISIBLE {
                changes.push((
                    (w - u).abs(),
                    format!(
                        "{} ~ {}: {w:.3} → {u:.3}{}",
                        written.name(i),
                        written.name(j),
                        if w == 0.0 { " (not set, so 0)" } else { "" }
                    ),
                ));
            }
        }
    }
    changes.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut out = format!(
        "{} pair{} changed (rank correlation as written → as used):",
        changes.len(),
        if changes.len() == 1 { "" } else { "s" }
    );
    for (_, line) in changes.iter().take(SHOWN) {
        out.push_str("\n    ");
        out.push_str(line);
    }
    if changes.len() > SHOWN {
        out.push_str(&format!(
            "\n    and {} more, each by at most {:.3}",
            changes.len() - SHOWN,
            changes[SHOWN - 1].0
        ));
    }
    out.push_str(
        "\n  pairs not listed are unchanged to three decimals; to use values of your own, \
         weaken the entries most in conflict",
    );
    out
}

/// The words and places for a conflicting set of drivers (`rows` of `matrix`): the span
/// of its first pair in the file, the pairs in words, and a note at each entry that sets
/// them.
fn describe_conflict(
    matrix: &Matrix,
    rows: &[usize],
    span_of_pair: &dyn Fn(usize, usize) -> Range<usize>,
    pairs: &HashMap<(DriverId, DriverId), Pair>,
    group: &[DriverId],
) -> (Range<usize>, String, Vec<Note>) {
    let mut set: Vec<(Range<usize>, &Pair, String)> = Vec::new();
    let mut unset: Vec<String> = Vec::new();
    for (x, &i) in rows.iter().enumerate() {
        for &j in &rows[x + 1..] {
            let words = format!("{} ~ {}", matrix.name(i), matrix.name(j));
            let key = (group[i].min(group[j]), group[i].max(group[j]));
            match pairs.get(&key) {
                Some(p) => set.push((
                    span_of_pair(i, j),
                    p,
                    format!("{words} = {}", short(p.rank)),
                )),
                None => unset.push(format!("{words} is not set, so 0")),
            }
        }
    }
    set.sort_by_key(|(s, _, _)| s.start);
    let mut listed: Vec<String> = set.iter().map(|(_, _, w)| w.clone()).collect();
    listed.extend(unset);
    let words = match listed.as_slice() {
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => String::new(),
    };
    // One note per entry, at its rank, naming the pairs of the conflict it sets.
    let mut notes: Vec<Note> = Vec::new();
    let mut k = 0;
    while k < set.len() {
        let (span, p, _) = &set[k];
        let mut these = Vec::new();
        while k < set.len() && set[k].0 == *span {
            these.push(set[k].2.clone());
            k += 1;
        }
        notes.push(Note {
            span: Some(span.clone()),
            message: format!("[correlations.{}] sets {}", p.entry, these.join(", ")),
        });
    }
    let span = set.first().map_or(0..0, |(s, _, _)| s.clone());
    (
        span,
        format!(
            " (the smallest set in conflict, {} drivers: {words})",
            rows.len()
        ),
        notes,
    )
}

impl Builder<'_> {
    /// Reads `[correlations.NAME]` entries into one rank-correlation matrix over the
    /// drivers they mention, checking it can hold (positive semi-definite) or, when asked,
    /// repairing it.
    pub(super) fn correlations(&mut self, root: &Table<'_, '_>) -> Option<Correlation> {
        let by_name: HashMap<String, DriverId> = self
            .drivers
            .iter()
            .enumerate()
            .map(|(i, d)| (d.name.clone(), DriverId(i)))
            .collect();
        let mut entries = Vec::new();
        let mut group: Vec<DriverId> = Vec::new();
        let mut in_group: HashSet<DriverId> = HashSet::new();
        let mut pairs: HashMap<(DriverId, DriverId), Pair> = HashMap::new();
        // Where each driver is first listed, for warnings about it.
        let mut mentions: HashMap<DriverId, Range<usize>> = HashMap::new();
        let mut ok = true;
        for (name, ot) in self.section(root, "correlations") {
            let t = ot.table();
            t.only(
                &mut self.ctx,
                &["drivers", "rank", "label", "source", "description"],
                "a correlation",
            );
            let label = t
                .text(&mut self.ctx, "label")
                .map_or_else(|| name.value.clone(), |l| l.value);
            let source = self.source(&t);
            let rank = if t.has("rank") {
                t.fraction(&mut self.ctx, "rank")
            } else {
                t.missing(
                    &mut self.ctx,
                    "rank",
                    "give the rank (Spearman) correlation, between -1 and 1",
                );
                None
            };
            let rank = match rank {
                Some(r) if r.value.abs() <= Decimal::ONE => Some(r),
                Some(r) => {
                    self.ctx.error(
                        ProblemKind::OutOfRange,
                        r.span,
                        format!(
                            "`{}.rank` is a correlation and must be between -1 and 1, found {}",
                            t.path, r.value
                        ),
                        if r.value.abs() <= Decimal::ONE_HUNDRED && !r.percent {
                            format!(
                                "{} looks like a percentage: write rank = {} (or \"{}%\")",
                                r.value,
                                (r.value / Decimal::ONE_HUNDRED).normalize(),
                                r.value
                            )
                        } else {
                            "write e.g. rank = 0.5 for a moderate positive correlation".into()
                        },
                    );
                    None
                }
                None => None,
            };
            let mut ids = Vec::new();
            let mut listed: HashSet<DriverId> = HashSet::new();
            match t.get("drivers") {
                None => {
                    t.missing(
                        &mut self.ctx,
                        "drivers",
                        "list two or more drivers: drivers = [\"a\", \"b\"]",
                    );
                    ok = false;
                }
                Some(v) => match v.get_ref() {
                    DeValue::Array(items) if items.len() >= 2 => {
                        for item in items.iter() {
                            let DeValue::String(dn) = item.get_ref() else {
                                self.ctx.error(
                                    ProblemKind::WrongType,
                                    item.span(),
                                    format!(
                                        "`{}.drivers` should list driver names in quotes, found {}",
                                        t.path,
                                        type_name(item.get_ref())
                                    ),
                                    "write drivers = [\"a\", \"b\"]",
                                );
                                ok = false;
                                continue;
                            };
                            match by_name.get(dn.as_ref()) {
                                Some(&id) if !listed.insert(id) => {
                                    self.ctx.error(
                                        ProblemKind::DuplicateName,
                                        item.span(),
                                        format!("`{dn}` is listed twice in `{}.drivers`", t.path),
                                        "list each driver once",
                                    );
                                    ok = false;
                                }
                                Some(&id) => {
                                    if self.drivers[id.0].dist.is_fixed() {
                                        self.ctx.push(
                                            Diagnostic::warning(
                                                ProblemKind::InvalidValue,
                                                Some(item.span()),
                                                format!("driver `{dn}` does not vary, so correlating it has no effect"),
                                            )
                                            .with_help("remove it from the list"),
                                        );
                                    }
                                    if let Some(u) = self.used.get_mut(id.0) {
                                        *u = true;
                                    }
                                    mentions.entry(id).or_insert_with(|| item.span());
                                    ids.push(id);
                                }
                                None if self.definition_failed(dn) => {
                                    // Reported where it is defined.
                                    ok = false;
                                }
                                None => {
                                    let help = match self.ctx.closest(dn, by_name.keys().map(String::as_str)) {
                                        Some(s) => format!("did you mean `{s}`?"),
                                        None => "name a driver declared under [drivers], or an inline one by its full name such as `savings.NAME.delivered`".into(),
                                    };
                                    self.ctx.error(
                                        ProblemKind::UnknownName,
                                        item.span(),
                                        format!(
                                            "`{}.drivers` names `{dn}`, which is not a driver",
                                            t.path
                                        ),
                                        help,
                                    );
                                    ok = false;
                                }
                            }
                        }
                    }
                    other => {
                        let found = match other {
                            DeValue::Array(items) => format!("a list of {}", items.len()),
                            _ => type_name(other).to_string(),
                        };
                        self.ctx.error(
                            ProblemKind::WrongType,
                            v.span(),
                            format!("`{}.drivers` should be a list of two or more driver names, found {found}", t.path),
                            "write drivers = [\"a\", \"b\"]",
                        );
                        ok = false;
                    }
                },
            }
            let (Some(rank), Some(source)) = (rank, source) else {
                ok = false;
                continue;
            };
            let new = ids.iter().filter(|d| !in_group.contains(d)).count();
            if in_group.len() + new > MAX_CORRELATED_DRIVERS {
                self.ctx.error(
                    ProblemKind::TooLong,
                    t.span_of("drivers"),
                    format!(
                        "with `{}`, the correlations name {} drivers; at most \
                         {MAX_CORRELATED_DRIVERS} can be correlated",
                        t.path,
                        in_group.len() + new
                    ),
                    "checking that correlations can hold together takes work that grows \
                     with the cube of their number (under a second for 500 drivers, two \
                     minutes for 2,000): correlate the drivers that share a cause, and leave \
                     the others independent",
                );
                ok = false;
                continue;
            }
            for (i, &a) in ids.iter().enumerate() {
                for &b in &ids[i + 1..] {
                    let key = (a.min(b), a.max(b));
                    if let Some(first) = pairs.get(&key) {
                        let line = self.lines.line(first.span.start);
                        self.ctx.error(
                            ProblemKind::DuplicateName,
                            rank.span.clone(),
                            format!(
                                "the correlation of `{}` and `{}` is already set by [correlations.{}] on line {line}",
                                self.drivers[a.0].name, self.drivers[b.0].name, first.entry
                            ),
                            "set each pair once",
                        );
                        ok = false;
                        continue;
                    }
                    pairs.insert(
                        key,
                        Pair {
                            rank: rank.f64(),
                            span: rank.span.clone(),
                            entry: name.value.clone(),
                        },
                    );
                }
                if in_group.insert(a) {
                    group.push(a);
                }
            }
            entries.push(CorrelationEntry {
                name: name.value.clone(),
                label,
                drivers: ids,
                rank: rank.value,
                source,
            });
        }
        if !ok {
            return None;
        }
        let names: Vec<String> = group
            .iter()
            .map(|d| self.drivers[d.0].name.clone())
            .collect();
        let mut matrix = Matrix::identity(group.len()).with_names(names);
        let position: HashMap<DriverId, usize> =
            group.iter().enumerate().map(|(i, &d)| (d, i)).collect();
        let index = |id: DriverId| position.get(&id).copied().unwrap_or(0);
        for (&(a, b), p) in &pairs {
            matrix.set_sym(index(a), index(b), p.rank);
        }
        self.warn_ties(&group, &mentions, &pairs);
        let section_span = root.span_of("correlations");
        let span_of_pair = |i: usize, j: usize| -> Range<usize> {
            pairs
                .get(&(group[i].min(group[j]), group[i].max(group[j])))
                .map_or(section_span.clone(), |p| p.span.clone())
        };
        let mut repaired_from = None;
        if let Err(e) = correlation::check_imposable(&matrix) {
            let correlation::CorrelationError::NotPositiveSemiDefinite {
                culprits,
                min_eigenvalue,
                ..
            } = &e;
            let (span, conflict, notes) =
                match conflict::smallest_conflict(&correlation::normal_scores(&matrix)) {
                    Some(rows) => describe_conflict(&matrix, &rows, &span_of_pair, &pairs, &group),
                    None => {
                        let span = culprits
                            .first()
                            .map_or(section_span.clone(), |&(i, j)| span_of_pair(i, j));
                        let listed: Vec<String> = culprits
                            .iter()
                            .map(|&(i, j)| {
                                format!(
                                    "{} ~ {} = {}",
                                    matrix.name(i),
                                    matrix.name(j),
                                    short(matrix.get(i, j))
                                )
                            })
                            .collect();
                        let conflict = match listed.as_slice() {
                            [] => String::new(),
                            [one] => format!(" ({one} is most in conflict)"),
                            [init @ .., last] => {
                                format!(" ({} and {last} conflict most)", init.join(", "))
                            }
                        };
                        (span, conflict, Vec::new())
                    }
                };
            if !self.options.repair_correlation {
                let mut d = Diagnostic::error(
                    ProblemKind::Inconsistent,
                    Some(span),
                    format!(
                        "these rank correlations cannot all hold together{conflict}: \
                         Iman–Conover imposes them as the normal-score correlations \
                         2·sin(π·ρ/6), and the matrix of those is not positive semi-definite \
                         (smallest eigenvalue {min_eigenvalue:.4})"
                    ),
                )
                .with_help(
                    "weaken or change the sign of one of them (if a~b and b~c are both \
                     strongly positive, a~c cannot be strongly negative; and two strong \
                     correlations through one driver leave the third pair, even unset, no \
                     room to be 0), or run with --repair-correlation to use the nearest set \
                     that can hold",
                );
                d.notes = notes;
                self.ctx.push(d);
                return None;
            }
            let fixed = correlation::repair(&matrix);
            if let Err(still) = correlation::check_imposable(&fixed) {
                // The repair is built to give an imposable matrix; if it ever does not,
                // refuse here rather than let the run fail.
                self.ctx.error(
                    ProblemKind::Inconsistent,
                    span,
                    format!(
                        "these rank correlations cannot all hold together{conflict}, and the \
                         nearest set that can could not be used either ({still})"
                    ),
                    "weaken the entries most in conflict by hand (and please report this \
                     model: --repair-correlation should always succeed)",
                );
                return None;
            }
            let mut d = Diagnostic::warning(
                ProblemKind::Inconsistent,
                Some(span),
                format!(
                    "these rank correlations cannot all hold together{conflict}; as \
                     --repair-correlation asks, the nearest set that can is used instead"
                ),
            )
            .with_help(repair_changes(&matrix, &fixed));
            d.notes = notes;
            self.ctx.push(d);
            repaired_from = Some(matrix);
            matrix = fixed;
        }
        Some(Correlation {
            entries,
            drivers: group,
            spearman: matrix,
            repaired_from,
        })
    }

    /// Warns about correlated drivers that take few values (Bernoulli, discrete): their
    /// draws tie, and reordering cannot separate ties, so their targets cannot be reached.
    fn warn_ties(
        &mut self,
        group: &[DriverId],
        mentions: &HashMap<DriverId, Range<usize>>,
        pairs: &HashMap<(DriverId, DriverId), Pair>,
    ) {
        for &id in group {
            let d = &self.drivers[id.0];
            let Some(atoms) = d.dist.atoms() else {
                continue;
            };
            if d.dist.is_fixed() {
                // Already warned: correlating it has no effect.
                continue;
            }
            let strongest = pairs
                .iter()
                .filter(|((a, b), _)| *a == id || *b == id)
                .map(|(_, p)| p.rank.abs())
                .fold(0.0, f64::max);
            if strongest == 0.0 {
                continue;
            }
            // The largest rank correlation a variable with atoms p_i can have with any
            // continuous one is √(1 − Σp_i³) (it is reached by the comonotone pair).
            let bound = (1.0 - atoms.iter().map(|(_, p)| p * p * p).sum::<f64>())
                .max(0.0)
                .sqrt();
            let family = d.dist.family().name();
            let span = mentions.get(&id).cloned();
            self.ctx.push(
                Diagnostic::warning(
                    ProblemKind::InvalidValue,
                    span,
                    format!(
                        "driver `{}` is {} {family} that takes only {} values, so many of its \
                         draws tie and reordering cannot separate them: its rank correlations \
                         will fall short of their targets (in size at most {bound:.2} even \
                         with a continuous driver, and usually less)",
                        d.name,
                        if family.starts_with(['a', 'e', 'i', 'o', 'u']) {
                            "an"
                        } else {
                            "a"
                        },
                        atoms.iter().filter(|(_, p)| *p > 0.0).count()
                    ),
                )
                .with_help(
                    "the correlations achieved are reported after the run, next to their \
                     targets (summary.json, correlation.pairs); to reach a target, correlate a \
                     continuous driver instead",
                ),
            );
        }
    }
}

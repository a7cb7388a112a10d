//! The budget model: what a model file says, parsed and checked into typed structures.
//!
//! Two stages, as in ripgrep's argument handling: [`reader`] walks the spanned TOML tree
//! and [`build`] turns it into a [`Model`] whose names are resolved and whose
//! distributions are constructed, reporting every problem it finds with its place in the
//! file. The engine only ever sees a checked `Model`. This module does no I/O: the caller
//! reads the file and passes its text.
//!
//! Money is held as exact decimals ([`Decimal`]) in the model's unit (£m or £); unit costs
//! of cohort lines are in pounds. The simulation converts to f64 once, in `engine`.
//!
//! A model describes one financial year, or several (its [`Horizon`]): the items hold the
//! first year's figures, the horizon what differs by year. Names (drivers, lines, savings)
//! are the stable addresses that scenarios and overrides use.

mod build;
pub mod diagnostic;
pub mod figures;
pub mod horizon;
pub mod monitor;
mod reader;
pub mod scenario;
pub mod sheets;
pub mod text;

use std::ops::Range;

use rust_decimal::Decimal;

use crate::correlation::Matrix;
use crate::dist::Distribution;
pub use diagnostic::{Diagnostic, ProblemKind, Severity};
pub use horizon::{Active, Horizon, Path, PathKind};

/// A model figure as the floating point the simulation uses: the nearest f64 (every
/// decimal a model holds converts; NaN would surface one that did not, never a silent 0).
pub fn f64_of(d: Decimal) -> f64 {
    use rust_decimal::prelude::ToPrimitive as _;
    d.to_f64().unwrap_or(f64::NAN)
}

/// The unit money amounts are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Millions of pounds.
    Millions,
    /// Pounds.
    Pounds,
}

impl Unit {
    /// How the unit is written: `£m` or `£`.
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::Millions => "£m",
            Unit::Pounds => "£",
        }
    }

    /// Pounds per unit (1,000,000 for £m).
    pub fn pounds(self) -> f64 {
        match self {
            Unit::Millions => 1e6,
            Unit::Pounds => 1.0,
        }
    }
}

/// What the model is about.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    /// The model's name, shown on every output.
    pub name: String,
    /// The council.
    pub council: String,
    /// The financial year, e.g. `2024/25`.
    pub year: String,
    /// Unit of money amounts.
    pub unit: Unit,
    /// The council's net revenue budget, in the model's unit, when given: reserves and
    /// risks are stated as shares of it (as CIPFA practice and section 25 reports do), and
    /// figures far out of proportion to it are flagged as likely unit mistakes.
    pub net_budget: Option<Decimal>,
    /// Free text.
    pub description: String,
}

/// Index of a driver in [`Model::drivers`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DriverId(pub usize);

/// Where a driver came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DriverOrigin {
    /// Declared under `[drivers]`.
    Declared,
    /// Written inline, as a number or a distribution, at a field of a line, saving,
    /// funding or mitigation item (its name is `section.item.field`).
    Inline,
}

/// What a driver's values measure, for reading them back in reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// A growth rate or a fraction delivered (shown as a percentage).
    Fraction,
    /// Money in the model's unit.
    Money,
    /// Months (of slippage).
    Months,
    /// 1 if something happens, else 0 (shown as how often it happens).
    Event,
    /// Anything else.
    Number,
}

/// A named uncertain quantity.
#[derive(Debug, Clone)]
pub struct Driver {
    /// Its name: the key under `[drivers]`, or `section.item.field` for inline ones.
    pub name: String,
    /// A human label.
    pub label: String,
    /// Its distribution.
    pub dist: Distribution,
    /// Where its figures come from.
    pub source: String,
    /// Declared or inline.
    pub origin: DriverOrigin,
    /// What its values measure (from how the model uses it).
    pub measure: Measure,
    /// Where it is written in the file: a declared driver's name in `[drivers.NAME]`, an
    /// inline one's value (the item's table for a default).
    pub span: Range<usize>,
}

/// A cohort line's cost per client per period, in pounds.
#[derive(Debug, Clone, PartialEq)]
pub enum UnitCost {
    /// A figure, grown by the line's cost drivers.
    Fixed(Decimal),
    /// A driver whose value is the cost itself (a distribution of the weekly cost), which
    /// multiplies the line as it is, not as (1 + value); the cost drivers still apply.
    Driver(DriverId),
}

/// How a spending line's outturn is computed.
#[derive(Debug, Clone, PartialEq)]
pub enum LineKind {
    /// clients × (1 + demand growth) × unit cost × (1 + cost growth) × periods.
    Cohort {
        /// Clients (or pupils, or children) at the base level.
        clients: Decimal,
        /// Cost per client per period, in pounds: a figure or a driver.
        unit_cost: UnitCost,
        /// Periods in the year (52 weeks, 190 school days, ...).
        periods: Decimal,
        /// What a period is, for reports ("week", "day").
        period: String,
        /// Drivers whose (1 + value) multiply the clients.
        demand: Vec<DriverId>,
        /// Drivers whose (1 + value) multiply the unit cost.
        cost: Vec<DriverId>,
    },
    /// base × Π(1 + growth).
    Simple {
        /// Base amount, in the model's unit.
        base: Decimal,
        /// Drivers whose (1 + value) multiply the base.
        growth: Vec<DriverId>,
    },
    /// A cost that happens with some probability: occurs × impact.
    Risk {
        /// Chance the risk materialises in the year.
        probability: Decimal,
        /// The Bernoulli driver made from `probability`.
        occurs: DriverId,
        /// Cost when it does, in the model's unit.
        impact: DriverId,
    },
}

/// A spending line: what it will cost against what the budget provides.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Its name.
    pub name: String,
    /// A human label.
    pub label: String,
    /// Reporting group (adult care, children, transport, pay and prices, ...).
    pub group: String,
    /// What the budget provides, in the model's unit.
    pub budget: Decimal,
    /// How outturn is computed.
    pub kind: LineKind,
    /// Where its figures come from.
    pub source: String,
    /// Where it is written: its name in the `[section.NAME]` header.
    pub span: Range<usize>,
}

/// A planned saving and the uncertainty in delivering it.
#[derive(Debug, Clone, PartialEq)]
pub struct Saving {
    /// Its name.
    pub name: String,
    /// A human label.
    pub label: String,
    /// Reporting group.
    pub group: String,
    /// The saving the budget counts on for the year, in the model's unit.
    pub amount: Decimal,
    /// Whether it recurs in later years (a one-off saving leaves a gap next year).
    pub recurring: bool,
    /// Chance it happens at all.
    pub probability: Decimal,
    /// Bernoulli driver made from `probability`.
    pub happens: DriverId,
    /// Fraction delivered when it happens, in [0, 1].
    pub delivered: DriverId,
    /// Months late: s months late delivers (12 − s)/12 of the amount; a saving starting
    /// in month k (April = 1) is k − 1 months late.
    pub slippage: DriverId,
    /// Where its figures come from.
    pub source: String,
    /// Where it is written: its name in the `[section.NAME]` header.
    pub span: Range<usize>,
}

/// A funding stream and how far it may differ from what the budget assumed.
#[derive(Debug, Clone, PartialEq)]
pub struct Funding {
    /// Its name.
    pub name: String,
    /// A human label.
    pub label: String,
    /// The amount the budget assumes, in the model's unit.
    pub budget: Decimal,
    /// Drivers whose (1 + value) multiply the budgeted amount to give the actual.
    pub variation: Vec<DriverId>,
    /// Where its figures come from.
    pub source: String,
    /// Where it is written: its name in the `[section.NAME]` header.
    pub span: Range<usize>,
}

/// Capacity to absorb an overspend in year before reserves are touched.
#[derive(Debug, Clone, PartialEq)]
pub struct Mitigation {
    /// Its name.
    pub name: String,
    /// A human label.
    pub label: String,
    /// Capacity, in the model's unit (a driver, since capacity is uncertain).
    pub capacity: DriverId,
    /// Where its figures come from.
    pub source: String,
    /// Where it is written: its name in the `[section.NAME]` header.
    pub span: Range<usize>,
}

/// General fund balance, or an earmarked reserve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReserveKind {
    /// The general fund balance: always usable.
    GeneralFund,
    /// An earmarked reserve: usable only if marked releasable.
    Earmarked,
}

/// A reserve.
#[derive(Debug, Clone, PartialEq)]
pub struct Reserve {
    /// Its name.
    pub name: String,
    /// A human label.
    pub label: String,
    /// General fund or earmarked.
    pub kind: ReserveKind,
    /// Balance, in the model's unit.
    pub amount: Decimal,
    /// Whether it counts towards usable reserves.
    pub releasable: bool,
    /// Where its figures come from.
    pub source: String,
    /// Where it is written: its name in the `[section.NAME]` header.
    pub span: Range<usize>,
}

/// One `[correlations.NAME]` entry: every pair among `drivers` has rank correlation `rank`.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelationEntry {
    /// Its name.
    pub name: String,
    /// A human label (its name when it has none).
    pub label: String,
    /// The drivers it correlates.
    pub drivers: Vec<DriverId>,
    /// The Spearman rank correlation of each pair.
    pub rank: Decimal,
    /// Where the figure comes from.
    pub source: String,
}

/// The rank correlations of the model, as one matrix over the drivers they mention.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    /// The entries as written.
    pub entries: Vec<CorrelationEntry>,
    /// The drivers in the matrix, in order of first mention.
    pub drivers: Vec<DriverId>,
    /// Target Spearman correlations (unspecified pairs are 0).
    pub spearman: Matrix,
    /// The matrix as written, when `--repair-correlation` replaced it.
    pub repaired_from: Option<Matrix>,
}

/// Choices made when loading a model.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Replace correlations that cannot hold together by the nearest valid matrix (with a
    /// warning) instead of refusing the model.
    pub repair_correlation: bool,
}

/// A checked budget model.
#[derive(Debug, Clone)]
pub struct Model {
    /// What the model is about.
    pub meta: Meta,
    /// Every driver: declared ones in file order, then inline ones.
    pub drivers: Vec<Driver>,
    /// Spending lines.
    pub lines: Vec<Line>,
    /// Planned savings.
    pub savings: Vec<Saving>,
    /// Funding streams.
    pub funding: Vec<Funding>,
    /// Contingency and management action.
    pub mitigations: Vec<Mitigation>,
    /// Reserves.
    pub reserves: Vec<Reserve>,
    /// Rank correlations between drivers.
    pub correlation: Correlation,
    /// The years the model spans, and what differs by year (a one-year model's is built
    /// from its items).
    pub horizon: Horizon,
}

/// A model with the warnings found while checking it.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The model.
    pub model: Model,
    /// Problems that do not stop a run.
    pub warnings: Vec<Diagnostic>,
}

/// A model file that cannot be used, with every problem found in it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", diagnostic::render(file, text, diagnostics))]
pub struct InvalidModel {
    /// The file name, as the user gave it.
    pub file: String,
    /// The file's text, for rendering snippets.
    pub text: String,
    /// Errors and warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl InvalidModel {
    /// The kinds of the errors (not warnings), for tests.
    pub fn error_kinds(&self) -> Vec<ProblemKind> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.kind)
            .collect()
    }
}

impl Model {
    /// Parses and checks a model file's text. `file` names it in messages.
    ///
    /// # Errors
    /// Every problem found, with its place in the file and a fix.
    pub fn from_toml(file: &str, text: &str) -> Result<Loaded, InvalidModel> {
        Self::from_toml_with(file, text, &LoadOptions::default())
    }

    /// As [`Model::from_toml`], with options.
    ///
    /// # Errors
    /// Every problem found, with its place in the file and a fix.
    pub fn from_toml_with(
        file: &str,
        text: &str,
        options: &LoadOptions,
    ) -> Result<Loaded, InvalidModel> {
        build::build(text, options).map_err(|diagnostics| InvalidModel {
            file: file.to_string(),
            text: text.to_string(),
            diagnostics,
        })
    }

    /// The text of a model file from its bytes, for [`Model::from_toml`]. A model file is
    /// UTF-8 text (a leading byte-order mark is kept: the parser skips it and positions in
    /// messages do not count it).
    ///
    /// # Errors
    /// When the bytes are not UTF-8 (a file saved as Windows-1252 or Latin-1, say), an
    /// [`InvalidModel`] whose one diagnostic points at the first byte that is not, with its
    /// line and column, and says to save the file as UTF-8.
    pub fn text_from_bytes(file: &str, bytes: &[u8]) -> Result<String, InvalidModel> {
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(text.to_string()),
            Err(e) => {
                let at = e.valid_up_to();
                // The lossy text is the same up to `at`, where U+FFFD (three bytes) stands
                // in for the bad bytes, so the span points at it.
                let text = String::from_utf8_lossy(bytes).into_owned();
                let byte = bytes.get(at).copied().unwrap_or(0);
                let d = Diagnostic::error(
                    ProblemKind::Encoding,
                    Some(at..at + '\u{FFFD}'.len_utf8()),
                    format!(
                        "the file is not UTF-8 text: byte 0x{byte:02X} here is not part of a \
                         UTF-8 character (the file was probably saved in another encoding, \
                         such as Windows-1252, where £ and accented letters are single bytes)"
                    ),
                )
                .with_help(
                    "save the file as UTF-8 (in most editors: Save As, then Encoding: UTF-8) \
                     and check the characters around here",
                );
                Err(InvalidModel {
                    file: file.to_string(),
                    text,
                    diagnostics: vec![d],
                })
            }
        }
    }

    /// The driver with this id.
    pub fn driver(&self, id: DriverId) -> &Driver {
        &self.drivers[id.0]
    }

    /// The driver with this name.
    pub fn driver_named(&self, name: &str) -> Option<DriverId> {
        self.drivers
            .iter()
            .position(|d| d.name == name)
            .map(DriverId)
    }

    /// Usable reserves: the general fund plus the earmarked reserves marked releasable.
    pub fn usable_reserves(&self) -> Decimal {
        self.reserves
            .iter()
            .filter(|r| r.releasable)
            .map(|r| r.amount)
            .sum()
    }

    /// Total of the planned savings.
    pub fn planned_savings(&self) -> Decimal {
        self.savings.iter().map(|s| s.amount).sum()
    }

    /// The model's first year as a one-year model: the savings, funding streams and
    /// mitigations that count in it (those that start later are left out), with that
    /// year's figures. Every one-year figure of a run (the gap, the shortfall, sensitivity,
    /// the tail) describes this model; a one-year model is its own first year.
    pub fn first_year(&self) -> Model {
        if !self.horizon.is_multi_year() {
            return self.clone();
        }
        let h = &self.horizon;
        let keep = |active: &[Active], i: usize| active[i].in_year(0);
        let mut m = self.clone();
        m.savings = (0..self.savings.len())
            .filter(|&i| keep(&h.savings, i))
            .map(|i| self.savings[i].clone())
            .collect();
        m.funding = (0..self.funding.len())
            .filter(|&i| h.funding[i].active.in_year(0))
            .map(|i| self.funding[i].clone())
            .collect();
        m.mitigations = (0..self.mitigations.len())
            .filter(|&i| keep(&h.mitigations, i))
            .map(|i| self.mitigations[i].clone())
            .collect();
        let mut one = Horizon::one_year(&m);
        one.planned_reserves = vec![h.planned_reserves[0]];
        one.reserves_floor = h.reserves_floor;
        one.paths.clone_from(&h.paths);
        m.horizon = one;
        m
    }
}

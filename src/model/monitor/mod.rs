//! In-year monitoring: the position a council reports at month m of its year (directorate
//! forecasts, savings by RAG status, management action, contingency, reserves), read from
//! a TOML file or a CSV sheet, and compiled into a model whose run is the re-forecast of
//! the year's outturn. What has happened is fixed; the drift of the forecast to year end,
//! the savings still at risk and the action not yet achieved are simulated.
//!
//! Data flows one way: text → [`Position`] (checked, located) → model text
//! ([`compile`]) → [`crate::model::Model`] → the engine, as any model does. So a
//! re-forecast has the same report, charts, shards and merges as a budget run.

mod cases;
mod compile;
pub(crate) mod csv;
pub mod delivery;
pub mod drift;
mod items;
mod layer;
mod read;
mod sheet;

use std::ops::Range;

use rust_decimal::Decimal;

use super::Unit;
use super::diagnostic::Diagnostic;

pub use cases::{Case, read_cases};
pub use compile::{Compiled, compile, month_words};
pub use delivery::Rag;
pub use drift::{Drift, DriftLaw};
pub use layer::layer;

/// What the forecasts in a monitoring table include.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// No management action planned but not yet achieved is counted: the position if
    /// nothing more were done.
    BeforeAction,
    /// Every planned action is counted as if delivered in full.
    AfterAction,
}

impl Basis {
    /// The word in the file.
    pub fn word(self) -> &'static str {
        match self {
            Basis::BeforeAction => "before_action",
            Basis::AfterAction => "after_action",
        }
    }
}

/// A directorate's or line's reported forecast.
#[derive(Debug, Clone, PartialEq)]
pub struct LinePosition {
    /// Name, unique in the file.
    pub name: String,
    /// Shown in reports.
    pub label: String,
    /// The year's budget, when given.
    pub budget: Option<Decimal>,
    /// Forecast outturn minus budget: positive is an overspend.
    pub variance: Decimal,
    /// Where the figure comes from.
    pub source: String,
    /// Where the item is written, for messages.
    pub span: Range<usize>,
}

/// A saving in the year's budget, as monitored.
#[derive(Debug, Clone, PartialEq)]
pub struct SavingPosition {
    /// Name, unique in the file.
    pub name: String,
    /// Shown in reports.
    pub label: String,
    /// The saving the budget counts on.
    pub amount: Decimal,
    /// Its RAG status.
    pub rag: Rag,
    /// What the directorate forecasts assume it delivers (default: all of it).
    pub forecast: Decimal,
    /// Where the figure comes from.
    pub source: String,
    /// Where the item is written.
    pub span: Range<usize>,
}

/// Management action: planned for the year, part of it achieved already.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionPosition {
    /// Name, unique in the file.
    pub name: String,
    /// Shown in reports.
    pub label: String,
    /// The whole action planned in the year.
    pub planned: Decimal,
    /// The part achieved already (certain).
    pub achieved: Decimal,
    /// How likely the rest is to come: the RAG status its delivery is drawn as.
    pub rag: Rag,
    /// Where the figure comes from.
    pub source: String,
    /// Where the item is written.
    pub span: Range<usize>,
}

/// A usable or committed reserve.
#[derive(Debug, Clone, PartialEq)]
pub struct ReservePosition {
    /// Name, unique in the file.
    pub name: String,
    /// Shown in reports.
    pub label: String,
    /// `true` for the general fund, `false` for an earmarked reserve.
    pub general_fund: bool,
    /// Balance available.
    pub amount: Decimal,
    /// An earmarked reserve that could lawfully be released to meet a shortfall.
    pub releasable: bool,
    /// Where the figure comes from.
    pub source: String,
}

/// The contingency budget: what is left can absorb an overspend before reserves.
#[derive(Debug, Clone, PartialEq)]
pub struct Contingency {
    /// Held at the start of the year, when given.
    pub budget: Option<Decimal>,
    /// Used (released to directorates) so far.
    pub used: Decimal,
    /// Still available to absorb an overspend.
    pub available: Decimal,
    /// Where the figures come from.
    pub source: String,
}

/// A text copied from the monitoring file into the compiled model (an inline
/// distribution), with where it was written, so that a problem the model check finds in
/// it is shown at its place in the monitoring file.
#[derive(Debug, Clone, PartialEq)]
pub struct Copied {
    /// The value's text as written.
    pub text: String,
    /// Where it is in the monitoring file.
    pub span: Range<usize>,
}

/// The monitoring position at month m.
#[derive(Debug, Clone, PartialEq)]
pub struct Position {
    /// Shown on every output.
    pub name: String,
    /// The council.
    pub council: String,
    /// The financial year, e.g. `2023/24`.
    pub year: String,
    /// The month the position is at: 0 at budget setting, 1 (April) to 11 (February).
    pub month: u8,
    /// Unit of money amounts.
    pub unit: Unit,
    /// The net revenue budget of the year.
    pub net_budget: Decimal,
    /// What the forecasts include.
    pub basis: Basis,
    /// Free text.
    pub description: String,
    /// Where the position comes from.
    pub source: String,
    /// Directorates or lines.
    pub lines: Vec<LinePosition>,
    /// Savings by RAG status.
    pub savings: Vec<SavingPosition>,
    /// Management action.
    pub actions: Vec<ActionPosition>,
    /// The contingency, when the file states one.
    pub contingency: Option<Contingency>,
    /// Reserves.
    pub reserves: Vec<ReservePosition>,
    /// The drift of the forecast to the outturn.
    pub drift: Drift,
    /// Delivery laws by RAG status that the file overrides (inline distribution text).
    pub delivery: Vec<(Rag, Copied, String)>,
    /// Where the `[monitoring]` table is written.
    pub span: Range<usize>,
}

impl Position {
    /// The reported variance on the file's basis: the sum of the lines.
    pub fn reported(&self) -> Decimal {
        self.lines.iter().map(|l| l.variance).sum()
    }

    /// The variance after every planned action counts as delivered in full.
    pub fn after_action(&self) -> Decimal {
        match self.basis {
            Basis::AfterAction => self.reported(),
            Basis::BeforeAction => {
                self.reported() - self.actions.iter().map(|a| a.planned).sum::<Decimal>()
            }
        }
    }

    /// The variance before any planned action.
    pub fn before_action(&self) -> Decimal {
        self.after_action() + self.actions.iter().map(|a| a.planned).sum::<Decimal>()
    }

    /// Usable reserves: the general fund and the releasable earmarked reserves.
    pub fn usable_reserves(&self) -> Decimal {
        self.reserves
            .iter()
            .filter(|r| r.general_fund || r.releasable)
            .map(|r| r.amount)
            .sum()
    }

    /// Months left to year end.
    pub fn months_remaining(&self) -> u8 {
        12 - self.month
    }
}

/// A monitoring position read, with its warnings.
#[derive(Debug, Clone)]
pub struct Read {
    /// The position.
    pub position: Position,
    /// Plausibility warnings.
    pub warnings: Vec<Diagnostic>,
}

/// How a monitoring file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// TOML with a `[monitoring]` table.
    Toml,
    /// A CSV sheet: a block of `field,value` rows, then a table with a `section` column.
    Csv,
}

impl Format {
    /// The format a file's name says (`.csv`), else TOML.
    pub fn of(file: &str) -> Format {
        if file.to_ascii_lowercase().ends_with(".csv") {
            Format::Csv
        } else {
            Format::Toml
        }
    }
}

/// Reads and checks a monitoring position.
///
/// # Errors
/// Every problem found (errors and warnings), each with its place and a fix.
pub fn read(text: &str, format: Format) -> Result<Read, Vec<Diagnostic>> {
    match format {
        Format::Toml => read::read(text),
        Format::Csv => sheet::read(text),
    }
}

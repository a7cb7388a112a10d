//! Synthetic councils: plausible model files for portfolios, tests and benchmarks.
//!
//! [`model`] writes, from a tier (a shire district, a unitary or metropolitan council, a
//! county), a seed and an index, the text of a model file for an imaginary council of
//! that kind: a net budget in the tier's range, spending lines in the shares a council of
//! the tier spends them (a district has no social care; a county spends about 35–40% on
//! adult social care and 20–25% on children's services), demand, unit-cost and inflation
//! drivers, correlations, a savings programme rated green, amber or red, funding,
//! contingency and management action, and usable reserves of 3–15% of the net budget, so
//! that some councils are fragile and some safe. Every `source` says it is a synthetic
//! assumption. The shares are [`shares`]; the other ranges are stated beside their draws in
//! `services`.
//!
//! The same (tier, seed, index) gives the same bytes on every machine: the draws come from
//! the stream [`crate::sample::stream`] keys by (seed, index, `synthetic:TIER`), every
//! figure is an exact decimal drawn on a grid, and nothing depends on threads or the
//! clock. Because the stream is keyed by the tier, council 17 of a mixed portfolio that is a
//! district is district 17 of the same seed. Pure: text out, no I/O.

mod finance;
mod items;
mod services;

use rand::Rng as _;
use rand_xoshiro::Xoshiro256PlusPlus;
use rust_decimal::Decimal;

/// The kind of council.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tier {
    /// A shire district: waste collection, housing and homelessness, leisure, planning;
    /// no social care. Net budgets of £10m to £25m.
    District,
    /// A unitary or metropolitan council: every service. Net budgets of £150m to £800m.
    Unitary,
    /// A county council: social care, children's services, transport, waste disposal,
    /// highways. Net budgets of £500m to £1.55bn.
    County,
}

/// The tiers of a mixed portfolio, repeating every 30 councils: 16 districts, 12 unitary
/// and metropolitan councils and 2 counties, about England's own mix (164 districts, 130
/// unitary, metropolitan and London councils, 21 counties).
const MIX: &str = "DUDUDUDCDUDUDUDDUDUDDCDUDUDUDU";

impl Tier {
    /// Every tier, smallest first.
    pub const ALL: [Tier; 3] = [Tier::District, Tier::Unitary, Tier::County];

    /// Its name on the command line and in file names: `district`, `unitary`, `county`.
    pub fn name(self) -> &'static str {
        match self {
            Tier::District => "district",
            Tier::Unitary => "unitary",
            Tier::County => "county",
        }
    }

    /// Its name in a council's name: `District`.
    pub fn title(self) -> &'static str {
        match self {
            Tier::District => "District",
            Tier::Unitary => "Unitary",
            Tier::County => "County",
        }
    }

    /// The tier called `name`, if any.
    pub fn from_name(name: &str) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.name() == name)
    }

    /// The tier of council `index` (from 1) of a mixed portfolio.
    pub fn in_mix(index: u32) -> Tier {
        let k = (index.max(1) - 1) as usize % MIX.len();
        match MIX.as_bytes()[k] {
            b'D' => Tier::District,
            b'U' => Tier::Unitary,
            _ => Tier::County,
        }
    }

    /// The range its net budgets are drawn from, in £m.
    pub fn net_budget_range(self) -> (Decimal, Decimal) {
        match self {
            Tier::District => (Decimal::from(10), Decimal::from(25)),
            Tier::Unitary => (Decimal::from(150), Decimal::from(800)),
            Tier::County => (Decimal::from(500), Decimal::from(1550)),
        }
    }
}

/// A reporting group's share of the net budget: the sum of its lines' budgets over the
/// net budget lies in [low, high] (drawn a tenth of the width inside, so rounding cannot
/// take it out).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Share {
    /// The lines' `group`.
    pub group: &'static str,
    /// Least share.
    pub low: Decimal,
    /// Greatest share.
    pub high: Decimal,
}

/// Groups and their shares of the net budget, in thousandths.
const DISTRICT: [(&str, i64, i64); 5] = [
    ("Waste", 150, 250),
    ("Housing and homelessness", 80, 150),
    ("Leisure and culture", 50, 100),
    ("Planning and regulatory", 50, 100),
    ("Pay and prices", 200, 300),
];
const UNITARY: [(&str, i64, i64); 7] = [
    ("Adult social care", 300, 360),
    ("Children's services", 180, 240),
    ("Home-to-school transport", 30, 60),
    ("Waste", 50, 80),
    ("Housing and homelessness", 20, 50),
    ("Highways and transport", 30, 50),
    ("Pay and prices", 80, 120),
];
const COUNTY: [(&str, i64, i64); 6] = [
    ("Adult social care", 350, 400),
    ("Children's services", 200, 250),
    ("Home-to-school transport", 40, 70),
    ("Waste", 40, 60),
    ("Highways and transport", 50, 80),
    ("Pay and prices", 80, 120),
];

/// The share of the net budget each of the tier's reporting groups is given. Whatever
/// they leave is the group `Other services` (at least 4% of the net budget).
pub fn shares(tier: Tier) -> Vec<Share> {
    let table: &[(&str, i64, i64)] = match tier {
        Tier::District => &DISTRICT,
        Tier::Unitary => &UNITARY,
        Tier::County => &COUNTY,
    };
    table
        .iter()
        .map(|&(group, low, high)| Share {
            group,
            low: Decimal::new(low, 3),
            high: Decimal::new(high, 3),
        })
        .collect()
}

/// The range of usable reserves (the general fund and the releasable earmarked reserves)
/// as a share of the net budget: 3% to 15%.
pub fn usable_reserves_range() -> (Decimal, Decimal) {
    (Decimal::new(3, 2), Decimal::new(15, 2))
}

/// The council's name: `Synthetic District 017`.
pub fn council_name(tier: Tier, index: u32) -> String {
    format!("Synthetic {} {index:03}", tier.title())
}

/// The model's file name: `synthetic-district-017.toml`.
pub fn file_name(tier: Tier, index: u32) -> String {
    format!("synthetic-{}-{index:03}.toml", tier.name())
}

/// The model file of synthetic council `index` of `tier`, from `seed`.
pub fn model(tier: Tier, seed: u64, index: u32) -> String {
    let stream = crate::sample::stream(
        seed,
        u64::from(index),
        &format!("synthetic:{}", tier.name()),
    );
    services::council(tier, seed, index, Draws(stream)).to_toml()
}

/// Draws on fixed grids from one stream: integers by the widening multiply (Lemire), so
/// every figure is an exact decimal and the same on every machine.
struct Draws(Xoshiro256PlusPlus);

impl Draws {
    /// A whole number from `lo` to `hi`, both included.
    fn int(&mut self, lo: i64, hi: i64) -> i64 {
        let span = (hi - lo).unsigned_abs() + 1;
        let k = (u128::from(self.0.next_u64()) * u128::from(span)) >> 64;
        lo.min(hi) + k as i64
    }

    /// A decimal from `lo` to `hi` (both in units of 10^-dp), on that grid.
    fn dec(&mut self, lo: i64, hi: i64, dp: u32) -> Decimal {
        Decimal::new(self.int(lo, hi), dp)
    }

    /// A share inside `share`'s range by a tenth of its width each side, to 0.01%.
    fn share(&mut self, share: &Share) -> Decimal {
        let to = |d: Decimal| (d * Decimal::from(10_000)).round().mantissa() as i64;
        let (lo, hi) = (to(share.low), to(share.high));
        let margin = (hi - lo) / 10;
        self.dec(lo + margin, hi - margin, 4)
    }

    /// A fraction from `lo` to `hi` thousandths, to 0.1%.
    fn per_mille(&mut self, lo: i64, hi: i64) -> Decimal {
        self.dec(lo, hi, 3)
    }

    /// `k` of `n` indices, in the order drawn (a partial Fisher–Yates shuffle).
    fn choose(&mut self, n: usize, k: usize) -> Vec<usize> {
        let mut all: Vec<usize> = (0..n).collect();
        for i in 0..k.min(n) {
            let j = self.int(i as i64, n as i64 - 1) as usize;
            all.swap(i, j);
        }
        all.truncate(k.min(n));
        all
    }
}

/// Money in £m to £10,000.
fn money(x: Decimal) -> Decimal {
    x.round_dp(2)
}

#[cfg(test)]
mod tests;

//! What a driver is used for, and the values each use allows.

use crate::dist::Distribution;
use crate::model::Measure;

/// What a driver is used for, which limits the values it may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// Used as (1 + x): must not go below −1.
    Growth,
    /// A fraction in [0, 1].
    Fraction,
    /// A money amount that cannot be negative (capacity, impact).
    NonNegative,
    /// Months of slippage (cannot be negative).
    Months,
    /// A cohort line's unit cost, in pounds (cannot be negative), multiplying the line.
    UnitCost,
}

impl Role {
    /// The values the role allows, as advice on what to write.
    pub(super) fn allowed(self) -> &'static str {
        match self {
            Role::Growth => {
                "write a growth rate of -1 or more, as a fraction: 0.05 for +5%, -0.02 for -2%"
            }
            Role::Fraction => "write a fraction between 0 and 1: 0.9 for 90% delivered",
            Role::NonNegative => "write an amount of 0 or more, in the model's unit",
            Role::Months => {
                "write the months late, from 0 to 12 (12 or more delivers nothing): e.g. 2"
            }
            Role::UnitCost => "write a cost of 0 or more, in pounds per client per period",
        }
    }

    /// Whether the role takes a fraction, so that a percentage in quotes (`"3.2%"`) reads
    /// as one. Money, unit costs and months are never percentages.
    pub(super) fn takes_fraction(self) -> bool {
        matches!(self, Role::Growth | Role::Fraction)
    }

    /// What the role's values are, for messages.
    pub(super) fn what(self) -> &'static str {
        match self {
            Role::Growth => "a growth rate",
            Role::Fraction => "a fraction delivered",
            Role::NonNegative => "a money amount",
            Role::Months => "months late",
            Role::UnitCost => "a unit cost in pounds",
        }
    }

    pub(super) fn measure(self) -> Measure {
        match self {
            Role::Growth | Role::Fraction => Measure::Fraction,
            Role::NonNegative => Measure::Money,
            Role::Months => Measure::Months,
            Role::UnitCost => Measure::Number,
        }
    }
}

/// Mass allowed outside a role's range: the engine clamps such draws, which changes
/// nothing visible below one chance in a million, so an ordinary unbounded normal growth
/// rate is accepted while a delivery fraction that often exceeds 100% is not.
pub(super) const OUTSIDE_TOLERANCE: f64 = 1e-6;

impl Role {
    /// Whether a driver with this distribution may play this role: `Err((what is wrong,
    /// how to fix it))` when it too often takes values the role cannot use.
    pub(super) fn check(self, dist: &Distribution) -> Result<(), (String, String)> {
        let (lo, hi) = dist.support();
        if lo == hi {
            // A fixed value: it is in range or not; no talk of chances.
            let why = match self {
                Role::Growth if lo < -1.0 => {
                    "it is below -1, and a growth rate is applied as (1 + value), so the \
                     amount would be negative"
                }
                Role::Fraction if !(0.0..=1.0).contains(&lo) => {
                    "it is outside 0 to 1, the range of a fraction delivered"
                }
                Role::NonNegative | Role::Months | Role::UnitCost if lo < 0.0 => {
                    "it is below 0, and it cannot be negative here"
                }
                _ => return Ok(()),
            };
            let fix = if self == Role::Fraction && lo > 1.0 && lo <= 100.0 {
                format!(
                    "{}; it looks like a percentage written as a whole number: {} % is {}, \
                     or write it in quotes as \"{}%\"",
                    self.allowed(),
                    lo,
                    lo / 100.0,
                    lo
                )
            } else {
                self.allowed().to_string()
            };
            return Err((why.into(), fix));
        }
        self.check_spread(dist).map_err(|(why, fix)| {
            if dist.scale_shift() == (1.0, 0.0) {
                (why, fix)
            } else {
                // The parameters may be right and the scenario's move wrong.
                (
                    why,
                    format!("{fix}; or check its `shift` and `scale`, which move every draw"),
                )
            }
        })
    }

    /// [`Role::check`] for a distribution that varies.
    fn check_spread(self, dist: &Distribution) -> Result<(), (String, String)> {
        let (lo, hi) = dist.support();
        let below = |x: f64| dist.cdf(x - 1e-12 * (1.0 + x.abs()));
        match self {
            Role::Growth if below(-1.0) > OUTSIDE_TOLERANCE => Err((
                format!(
                    "it is a growth rate applied as (1 + value), but has a {:.2}% chance of \
                     going below -1, which would make the amount negative",
                    100.0 * below(-1.0)
                ),
                "bound it with min = -1 or above, or narrow its spread".into(),
            )),
            Role::Fraction
                if (lo < 0.0 || hi > 1.0)
                    && below(0.0) + (1.0 - dist.cdf(1.0)) > OUTSIDE_TOLERANCE =>
            {
                Err((
                    format!(
                        "it is the fraction delivered and must stay within 0 to 1, but \
                         {:.1}% of its draws fall outside",
                        100.0 * (below(0.0) + 1.0 - dist.cdf(1.0))
                    ),
                    if dist.mean() > 1.0 && hi <= 100.0 {
                        "it looks like percentages written as whole numbers (90 for 90%): \
                         divide each figure by 100 (0.9), or write it in quotes as \"90%\""
                            .into()
                    } else {
                        "use a pert, triangular, uniform or beta within [0, 1], or truncate \
                         with min = 0, max = 1"
                            .into()
                    },
                ))
            }
            Role::NonNegative | Role::Months | Role::UnitCost
                if lo < 0.0 && below(0.0) > OUTSIDE_TOLERANCE =>
            {
                Err((
                    format!(
                        "it cannot be negative here, but has a {:.2}% chance of being below 0",
                        100.0 * below(0.0)
                    ),
                    "give it a lower bound with min = 0, or use a distribution that starts at 0"
                        .into(),
                ))
            }
            _ => Ok(()),
        }
    }
}

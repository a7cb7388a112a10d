//! The date a report is dated, as a plain value: the report's renderers take it as a
//! parameter (they never read the clock), so the same run and date give the same bytes.

use std::fmt;

/// A calendar date (proleptic Gregorian, UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    /// Year, e.g. 2025.
    pub year: i64,
    /// Month, 1 = January.
    pub month: u32,
    /// Day of the month, from 1.
    pub day: u32,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl Date {
    /// The UTC date of a Unix time in seconds (as `SOURCE_DATE_EPOCH` gives it).
    pub fn from_unix_seconds(seconds: i64) -> Date {
        // Howard Hinnant's days-to-civil algorithm: exact for every day of the
        // proleptic Gregorian calendar.
        let z = seconds.div_euclid(86_400) + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date { year, month, day }
    }

    /// ISO 8601: `2025-03-05`.
    pub fn iso(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// As a British committee paper writes it: `5 March 2025`.
impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let month = MONTHS
            .get(self.month.saturating_sub(1) as usize)
            .copied()
            .unwrap_or("?");
        write!(f, "{} {month} {}", self.day, self.year)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_times_become_calendar_dates() {
        let d = |s| Date::from_unix_seconds(s);
        assert_eq!(d(0).to_string(), "1 January 1970");
        assert_eq!(d(86_399).iso(), "1970-01-01");
        assert_eq!(d(951_782_400).iso(), "2000-02-29");
        assert_eq!(d(1_735_689_600).to_string(), "1 January 2025");
        assert_eq!(d(1_741_132_800).to_string(), "5 March 2025");
        assert_eq!(d(-1).iso(), "1969-12-31");
        assert_eq!(d(4_102_444_800).iso(), "2100-01-01");
    }
}

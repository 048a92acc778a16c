//! When a schedule runs: every fixed period, on a cron pattern in a time
//! zone, or after an upstream dataset gets a new version.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use std::time::Duration;

/// Why a timing could not be parsed.
#[derive(Debug, thiserror::Error)]
pub enum TimingError {
    /// `--every` is not a duration, or is zero.
    #[error("--every {0:?}: {1}")]
    Every(String, String),
    /// `--cron` is not a cron pattern.
    #[error("--cron {0:?}: {1}")]
    Cron(String, String),
    /// `--tz` is not an IANA time zone name.
    #[error("--tz {0:?}: not a time zone name (e.g. Europe/Paris, UTC)")]
    Zone(String),
}

/// When a schedule runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Timing {
    /// Every fixed period, counted from the previous run's start.
    Every {
        /// The period in milliseconds.
        millis: u64,
    },
    /// At the times a cron pattern names, read in a time zone (daylight-saving
    /// changes as croner defines them: a skipped local time runs after the
    /// change, a repeated one once).
    Cron {
        /// The pattern (`0 6 * * *`, `@daily`, optional seconds field).
        pattern: String,
        /// The IANA time zone the pattern is read in.
        tz: String,
    },
    /// When the upstream dataset gets a new version (from any source).
    After {
        /// The upstream `peer/name`.
        upstream: String,
    },
}

impl Timing {
    /// `--every 1h`: a period (humantime units, or bare seconds).
    pub fn every(text: &str) -> Result<Timing, TimingError> {
        let d = match text.trim().parse::<u64>() {
            Ok(secs) => Duration::from_secs(secs),
            Err(_) => humantime::parse_duration(text.trim())
                .map_err(|e| TimingError::Every(text.into(), e.to_string()))?,
        };
        if d.is_zero() {
            return Err(TimingError::Every(
                text.into(),
                "must be more than zero".into(),
            ));
        }
        Ok(Timing::Every {
            millis: u64::try_from(d.as_millis()).unwrap_or(u64::MAX),
        })
    }

    /// `--cron "0 6 * * *" [--tz Europe/Paris]` (UTC without a zone).
    pub fn cron(pattern: &str, tz: Option<&str>) -> Result<Timing, TimingError> {
        parse_cron(pattern)?;
        let tz = tz.unwrap_or("UTC");
        parse_zone(tz)?;
        Ok(Timing::Cron {
            pattern: pattern.to_string(),
            tz: tz.to_string(),
        })
    }

    /// The first run time strictly after `t` (`None` for upstream-triggered
    /// schedules, or a pattern that never matches again).
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Timing::Every { millis } => {
                t.checked_add_signed(chrono::Duration::milliseconds(i64::try_from(*millis).ok()?))
            }
            Timing::Cron { pattern, tz } => {
                let cron = parse_cron(pattern).ok()?;
                let zone = parse_zone(tz).ok()?;
                cron.find_next_occurrence(&t.with_timezone(&zone), false)
                    .ok()
                    .map(|n| n.with_timezone(&Utc))
            }
            Timing::After { .. } => None,
        }
    }

    /// The nominal period, for "refreshes have stopped" (3 periods without a
    /// success): the period itself, or the gap between a cron pattern's next
    /// two runs.
    pub fn period(&self, now: DateTime<Utc>) -> Option<chrono::Duration> {
        match self {
            Timing::Every { millis } => {
                Some(chrono::Duration::milliseconds(i64::try_from(*millis).ok()?))
            }
            Timing::Cron { .. } => {
                let a = self.next_after(now)?;
                let b = self.next_after(a)?;
                Some(b - a)
            }
            Timing::After { .. } => None,
        }
    }

    /// One line for tables: `every 1h`, `cron 0 6 * * * (Europe/Paris)`,
    /// `after me/raw`.
    pub fn describe(&self) -> String {
        match self {
            Timing::Every { millis } => format!(
                "every {}",
                humantime::format_duration(Duration::from_millis(*millis))
            ),
            Timing::Cron { pattern, tz } => format!("cron {pattern} ({tz})"),
            Timing::After { upstream } => format!("after {upstream}"),
        }
    }
}

fn parse_cron(pattern: &str) -> Result<croner::Cron, TimingError> {
    croner::Cron::from_str(pattern).map_err(|e| TimingError::Cron(pattern.into(), e.to_string()))
}

fn parse_zone(tz: &str) -> Result<Tz, TimingError> {
    tz.parse::<Tz>().map_err(|_| TimingError::Zone(tz.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn every_adds_the_period() {
        let t = Timing::every("90m").unwrap();
        assert_eq!(
            t.next_after(at("2026-01-01T00:00:00Z")),
            Some(at("2026-01-01T01:30:00Z"))
        );
        assert!(Timing::every("0s").is_err());
        assert!(Timing::every("soon").is_err());
        assert_eq!(Timing::every("5").unwrap(), Timing::Every { millis: 5000 });
    }

    #[test]
    fn cron_reads_the_pattern_in_its_zone_across_daylight_saving() {
        let t = Timing::cron("0 6 * * *", Some("Europe/Paris")).unwrap();
        // Winter: 06:00 in Paris is 05:00 UTC; summer: 04:00 UTC.
        assert_eq!(
            t.next_after(at("2026-01-10T12:00:00Z")),
            Some(at("2026-01-11T05:00:00Z"))
        );
        assert_eq!(
            t.next_after(at("2026-07-10T12:00:00Z")),
            Some(at("2026-07-11T04:00:00Z"))
        );
        // 02:30 does not exist in Paris on 2026-03-29 (clocks jump 02:00 -> 03:00).
        let skipped = Timing::cron("30 2 * * *", Some("Europe/Paris")).unwrap();
        let next = skipped.next_after(at("2026-03-28T12:00:00Z")).unwrap();
        assert!(
            next > at("2026-03-29T00:00:00Z") && next < at("2026-03-30T12:00:00Z"),
            "{next}"
        );
        assert!(Timing::cron("61 * * * *", None).is_err());
        assert!(Timing::cron("0 6 * * *", Some("Mars/Olympus")).is_err());
        assert_eq!(
            Timing::cron("@hourly", None)
                .unwrap()
                .period(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()),
            Some(chrono::Duration::hours(1))
        );
    }
}

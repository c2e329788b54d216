//! Cron schedules in a time zone, for scheduled syncs. Pure: the current time is passed in.

use std::str::FromStr;

use chrono::{TimeZone, Utc};
use chrono_tz::Tz;
use croner::Cron;

/// A parsed schedule: a five-field cron expression (minute hour day-of-month month weekday,
/// as in crontab) evaluated in an IANA time zone, so "every Monday at 09:00" stays 09:00 across
/// daylight-saving changes.
#[derive(Clone, Debug)]
pub struct Schedule {
    cron: Cron,
    tz: Tz,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScheduleError {
    #[error("`schedule` is not a cron expression Medley understands ({0}); use five fields such as `0 9 * * MON`")]
    Cron(String),
    #[error("`timezone` `{0}` is not an IANA time zone such as `Europe/Berlin`")]
    TimeZone(String),
    #[error("`schedule` never fires")]
    Never,
}

impl Schedule {
    pub fn parse(expression: &str, timezone: &str) -> Result<Schedule, ScheduleError> {
        let tz = Tz::from_str(timezone)
            .map_err(|_| ScheduleError::TimeZone(timezone.chars().take(64).collect()))?;
        if expression.split_whitespace().count() != 5 {
            return Err(ScheduleError::Cron(format!(
                "expected 5 fields, got {}",
                expression.split_whitespace().count()
            )));
        }
        let cron = Cron::from_str(expression).map_err(|e| ScheduleError::Cron(e.to_string()))?;
        let schedule = Schedule { cron, tz };
        schedule.next_after(0).ok_or(ScheduleError::Never)?;
        Ok(schedule)
    }

    /// The first run strictly after `after_ms` (Unix milliseconds), if any.
    pub fn next_after(&self, after_ms: i64) -> Option<i64> {
        let now = Utc
            .timestamp_millis_opt(after_ms)
            .single()?
            .with_timezone(&self.tz);
        let next = self.cron.find_next_occurrence(&now, false).ok()?;
        Some(next.timestamp_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .unwrap()
            .timestamp_millis()
    }

    #[test]
    fn runs_at_local_time_across_daylight_saving() {
        let s = Schedule::parse("0 9 * * MON", "Europe/Berlin").unwrap();
        // Winter: 09:00 in Berlin is 08:00 UTC; summer: 07:00 UTC.
        assert_eq!(
            s.next_after(ms(2026, 1, 6, 0, 0)),
            Some(ms(2026, 1, 12, 8, 0))
        );
        assert_eq!(
            s.next_after(ms(2026, 7, 1, 0, 0)),
            Some(ms(2026, 7, 6, 7, 0))
        );
    }

    #[test]
    fn next_is_strictly_after() {
        let s = Schedule::parse("*/15 * * * *", "UTC").unwrap();
        assert_eq!(
            s.next_after(ms(2026, 1, 1, 0, 0)),
            Some(ms(2026, 1, 1, 0, 15))
        );
    }

    #[test]
    fn bad_expressions_and_zones_are_named() {
        assert!(matches!(
            Schedule::parse("every monday", "UTC"),
            Err(ScheduleError::Cron(_))
        ));
        assert!(matches!(
            Schedule::parse("61 * * * *", "UTC"),
            Err(ScheduleError::Cron(_))
        ));
        assert_eq!(
            Schedule::parse("0 9 * * *", "Mars/Olympus").unwrap_err(),
            ScheduleError::TimeZone("Mars/Olympus".into())
        );
    }
}

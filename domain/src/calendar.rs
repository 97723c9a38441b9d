//! The calendar the method's dates are reckoned in: Amsterdam's. A day, a month, a quarter or a
//! year of Maatwerk begins at midnight in Europe/Amsterdam, not in UTC, so an agreement due
//! today is not overdue at one in the morning, and a decision taken on New Year's night counts
//! in the new year's budget. Every "today" and every month or quarter of an instant goes
//! through here.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Europe::Amsterdam;

/// The date in Amsterdam at `instant`.
pub fn local_date(instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&Amsterdam).date_naive()
}

/// Today in Amsterdam.
pub fn today() -> NaiveDate {
    local_date(Utc::now())
}

/// The first day of the Amsterdam month `instant` falls in.
pub fn local_month(instant: DateTime<Utc>) -> NaiveDate {
    let day = local_date(instant);
    day.with_day(1).expect("every month has a first day")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_day_begins_at_midnight_in_amsterdam() {
        // Winter time, UTC+1.
        assert_eq!(local_date(at("2026-12-01T22:59:59Z")), date("2026-12-01"));
        assert_eq!(local_date(at("2026-12-01T23:00:00Z")), date("2026-12-02"));
        // Summer time, UTC+2.
        assert_eq!(local_date(at("2026-07-01T21:59:59Z")), date("2026-07-01"));
        assert_eq!(local_date(at("2026-07-01T22:00:00Z")), date("2026-07-02"));
    }

    #[test]
    fn across_the_changes_of_summer_time() {
        // 29 March 2026: 02:00 CET becomes 03:00 CEST at 01:00 UTC.
        assert_eq!(local_date(at("2026-03-28T22:59:59Z")), date("2026-03-28"));
        assert_eq!(local_date(at("2026-03-28T23:00:00Z")), date("2026-03-29"));
        assert_eq!(local_date(at("2026-03-29T21:59:59Z")), date("2026-03-29"));
        assert_eq!(local_date(at("2026-03-29T22:00:00Z")), date("2026-03-30"));
        // 25 October 2026: 03:00 CEST becomes 02:00 CET at 01:00 UTC; the day lasts 25 hours.
        assert_eq!(local_date(at("2026-10-24T21:59:59Z")), date("2026-10-24"));
        assert_eq!(local_date(at("2026-10-24T22:00:00Z")), date("2026-10-25"));
        assert_eq!(local_date(at("2026-10-25T22:59:59Z")), date("2026-10-25"));
        assert_eq!(local_date(at("2026-10-25T23:00:00Z")), date("2026-10-26"));
    }

    #[test]
    fn months_and_years_turn_at_amsterdam_midnight() {
        assert_eq!(local_month(at("2026-12-31T22:59:59Z")), date("2026-12-01"));
        assert_eq!(local_month(at("2026-12-31T23:00:00Z")), date("2027-01-01"));
        assert_eq!(local_month(at("2026-05-31T22:30:00Z")), date("2026-06-01"));
        assert_eq!(local_month(at("2026-05-31T21:30:00Z")), date("2026-05-01"));
    }
}

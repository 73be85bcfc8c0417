//! Calendar arithmetic for statutory time limits in England (`docs/law.md`, "Counting").
//!
//! Everything here is a plain function of its inputs: `today` and `now` are arguments, never
//! read from a clock, so the phone and the server compute the same dates.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveDateTime, NaiveTime, Utc, Weekday};

/// Dates as clients send them: exactly `YYYY-MM-DD`. A looser form (`2026-2-3`) is refused
/// rather than guessed at, so a date means the same on every client.
pub mod strict {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer};

    /// `YYYY-MM-DD`, four-two-two digits, and a real date.
    pub fn parse(s: &str) -> Option<NaiveDate> {
        let b = s.as_bytes();
        let shaped = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if shaped { NaiveDate::parse_from_str(s, "%Y-%m-%d").ok() } else { None }
    }

    fn refuse<E: serde::de::Error>(s: &str) -> E {
        E::custom(format!("`{}` is not a date: use YYYY-MM-DD", s.chars().take(20).collect::<String>()))
    }

    /// For `#[serde(deserialize_with = "...")]` on a date field.
    pub fn date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s).ok_or_else(|| refuse(&s))
    }

    /// For an optional date field (with `#[serde(default)]`).
    pub fn option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) => parse(&s).map(Some).ok_or_else(|| refuse(&s)),
        }
    }
}

/// A time of day on the wire: `HH:MM`, 24-hour, nothing else (seconds and offsets are refused:
/// an entry records when a call happened in England, to the minute).
pub mod clock {
    use chrono::{NaiveTime, Timelike};
    use serde::{Deserialize, Deserializer, Serializer};

    /// The wire pattern, as the API's document states it.
    pub const PATTERN: &str = "^(?:[01][0-9]|2[0-3]):[0-5][0-9]$";

    /// `HH:MM` as a time.
    pub fn parse(s: &str) -> Option<NaiveTime> {
        let b = s.as_bytes();
        let shaped = b.len() == 5 && b[2] == b':' && b.iter().enumerate().all(|(i, c)| i == 2 || c.is_ascii_digit());
        if shaped { NaiveTime::parse_from_str(s, "%H:%M").ok() } else { None }
    }

    /// The time as the wire writes it.
    pub fn format(t: NaiveTime) -> String {
        format!("{:02}:{:02}", t.hour(), t.minute())
    }

    /// For an optional time field (with `#[serde(default)]`).
    pub fn option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveTime>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) => parse(&s).map(Some).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "`{}` is not a time: use HH:MM",
                    s.chars().take(20).collect::<String>()
                ))
            }),
        }
    }

    /// Writes an optional time as `HH:MM` (with `skip_serializing_if = "Option::is_none"`).
    pub fn write<S: Serializer>(t: &Option<NaiveTime>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&format(*t)),
            None => s.serialize_none(),
        }
    }
}

/// A date computation that cannot be answered from the data the crate carries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("bank holidays for {0} are not known yet; working-day deadlines cannot be computed")]
    UnknownYear(i32),
    #[error("date out of range")]
    OutOfRange,
}

/// England & Wales bank holidays (including substitute days), versioned with the crate so the
/// phone computes working days offline. Years outside the table are an error, never a guess.
const BANK_HOLIDAYS: &[(i32, &[(u32, u32)])] = &[
    (2025, &[(1, 1), (4, 18), (4, 21), (5, 5), (5, 26), (8, 25), (12, 25), (12, 26)]),
    (2026, &[(1, 1), (4, 3), (4, 6), (5, 4), (5, 25), (8, 31), (12, 25), (12, 28)]),
    (2027, &[(1, 1), (3, 26), (3, 29), (5, 3), (5, 31), (8, 30), (12, 27), (12, 28)]),
    (2028, &[(1, 3), (4, 14), (4, 17), (5, 1), (5, 29), (8, 28), (12, 25), (12, 26)]),
];

/// Is `d` an England & Wales bank holiday?
pub fn is_bank_holiday(d: NaiveDate) -> Result<bool, DateError> {
    let (_, days) = BANK_HOLIDAYS.iter().find(|(y, _)| *y == d.year()).ok_or(DateError::UnknownYear(d.year()))?;
    Ok(days.iter().any(|&(m, day)| d.month() == m && d.day() == day))
}

/// A working day: not Saturday, Sunday or a bank holiday.
pub fn is_working_day(d: NaiveDate) -> Result<bool, DateError> {
    Ok(!matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !is_bank_holiday(d)?)
}

/// Now, to the millisecond (see the server's `SystemClock`; the phone stamps its changes the
/// same way).
pub fn now_to_the_millisecond() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(3)
}

/// "N weeks" from X: X + 7N days.
pub fn add_weeks(x: NaiveDate, n: u32) -> Result<NaiveDate, DateError> {
    x.checked_add_days(Days::new(7 * u64::from(n))).ok_or(DateError::OutOfRange)
}

/// "At least N weeks before" Y: Y − 7N days.
pub fn weeks_before(y: NaiveDate, n: u32) -> Result<NaiveDate, DateError> {
    y.checked_sub_days(Days::new(7 * u64::from(n))).ok_or(DateError::OutOfRange)
}

/// "N days beginning with X": X is day 1, so the last day is X + (N − 1).
pub fn days_beginning_with(x: NaiveDate, n: u32) -> Result<NaiveDate, DateError> {
    x.checked_add_days(Days::new(u64::from(n.saturating_sub(1)))).ok_or(DateError::OutOfRange)
}

/// "Within N days" of X (mediation): X + N.
pub fn days_within(x: NaiveDate, n: u32) -> Result<NaiveDate, DateError> {
    x.checked_add_days(Days::new(u64::from(n))).ok_or(DateError::OutOfRange)
}

/// "N calendar months after/from X": the same day of the month, or that month's last day
/// where the day does not exist (31 Dec + 2 months = 28/29 Feb).
pub fn add_months(x: NaiveDate, n: u32) -> Result<NaiveDate, DateError> {
    x.checked_add_months(Months::new(n)).ok_or(DateError::OutOfRange)
}

/// "N calendar months before Y", clamped like [`add_months`].
pub fn months_before(y: NaiveDate, n: u32) -> Result<NaiveDate, DateError> {
    y.checked_sub_months(Months::new(n)).ok_or(DateError::OutOfRange)
}

/// "A period of N months starting with X" (the corresponding date rule, *Dodds v Walker* [1981]
/// 1 WLR 1441): it ends the day before the date N months on that corresponds to X — or, where
/// that month has no such date, on the month's last day. So 31 Mar 2026 → 30 Mar 2027;
/// 29 Feb 2028 → 28 Feb 2029 (no 29 Feb 2029: the period runs to the end of February); and
/// 1 Mar 2027 → 29 Feb 2028.
pub fn period_of_months_starting_with(x: NaiveDate, n: u32) -> Result<NaiveDate, DateError> {
    let target = add_months(x, n)?;
    if target.day() == x.day() {
        // The corresponding date exists: the period ends the day before it.
        target.pred_opt().ok_or(DateError::OutOfRange)
    } else {
        // It does not (the month is shorter): the period ends on that month's last day, which
        // is where `add_months` clamped to.
        Ok(target)
    }
}

/// The Nth working day after X.
pub fn add_working_days(x: NaiveDate, n: u32) -> Result<NaiveDate, DateError> {
    let mut d = x;
    let mut left = n;
    while left > 0 {
        d = d.succ_opt().ok_or(DateError::OutOfRange)?;
        if is_working_day(d)? {
            left -= 1;
        }
    }
    Ok(d)
}

/// The first working day strictly after `d`.
fn next_working_day_after(d: NaiveDate) -> Result<NaiveDate, DateError> {
    add_working_days(d, 1)
}

/// When a tribunal filing due on `due` is still accepted (HESC r.12): a non-working last day
/// moves to the next working day, and an appeal period ending 25 Dec–1 Jan or in August moves
/// to the first working day after 1 Jan / 31 Aug. Statutory deadlines of the LA never move;
/// only tribunal filings use this.
pub fn tribunal_accepted_until(due: NaiveDate) -> Result<NaiveDate, DateError> {
    let (m, d) = (due.month(), due.day());
    if m == 8 {
        let end_aug = NaiveDate::from_ymd_opt(due.year(), 8, 31).ok_or(DateError::OutOfRange)?;
        return next_working_day_after(end_aug);
    }
    if (m == 12 && d >= 25) || (m == 1 && d == 1) {
        let year = if m == 12 { due.year() + 1 } else { due.year() };
        let jan1 = NaiveDate::from_ymd_opt(year, 1, 1).ok_or(DateError::OutOfRange)?;
        return next_working_day_after(jan1);
    }
    if is_working_day(due)? { Ok(due) } else { next_working_day_after(due) }
}

/// The last Sunday of `month` in `year`.
fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    let first_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let last = first_next.pred_opt()?;
    let back = last.weekday().num_days_from_sunday();
    last.checked_sub_days(Days::new(u64::from(back)))
}

/// The civil date in England (`Europe/London`) at instant `now`. British Summer Time runs from
/// 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October; computing
/// it here keeps the crate free of a time-zone database and identical on every device.
pub fn london_date(now: DateTime<Utc>) -> NaiveDate {
    let utc = now.naive_utc();
    let year = utc.year();
    let one_am = NaiveTime::from_hms_opt(1, 0, 0).unwrap_or(NaiveTime::MIN);
    let bst = match (last_sunday(year, 3), last_sunday(year, 10)) {
        (Some(start), Some(end)) => utc >= NaiveDateTime::new(start, one_am) && utc < NaiveDateTime::new(end, one_am),
        _ => false,
    };
    if bst { (utc + chrono::Duration::hours(1)).date() } else { utc.date() }
}

/// The national curriculum year group in England on `today` of a child born on `date_of_birth`:
/// children born 1 September to 31 August form one cohort, starting Reception (year 0) in the
/// September after they turn four. `None` before Reception. Beyond Year 13 the count carries on
/// (an EHCP can run to 25), which is what "Year 9 onwards" checks need.
pub fn year_group(date_of_birth: NaiveDate, today: NaiveDate) -> Option<u8> {
    let cohort = if date_of_birth.month() >= 9 { date_of_birth.year() + 1 } else { date_of_birth.year() };
    let school_year = if today.month() >= 9 { today.year() } else { today.year() - 1 };
    u8::try_from(school_year - cohort - 4).ok()
}

#[cfg(test)]
pub(crate) fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_written_to_the_millisecond() {
        use chrono::Timelike;
        let now = now_to_the_millisecond();
        assert_eq!(now.nanosecond() % 1_000_000, 0);
        let text = serde_json::to_string(&now).unwrap();
        let fraction = text.trim_matches('"').split('.').nth(1).unwrap_or("Z");
        assert!(fraction.len() <= 4, "at most three digits and the zone: {text}");
    }
    use chrono::TimeZone;

    #[test]
    fn weeks_and_days() {
        assert_eq!(add_weeks(ymd(2026, 1, 15), 6), Ok(ymd(2026, 2, 26)));
        assert_eq!(days_beginning_with(ymd(2026, 5, 12), 15), Ok(ymd(2026, 5, 26)));
        assert_eq!(weeks_before(ymd(2026, 3, 9), 2), Ok(ymd(2026, 2, 23)));
        assert_eq!(days_within(ymd(2026, 1, 1), 30), Ok(ymd(2026, 1, 31)));
    }

    #[test]
    fn client_dates_are_strict() {
        assert_eq!(strict::parse("2026-02-03"), Some(ymd(2026, 2, 3)));
        for bad in [
            "2026-2-3",
            "2026-02-3",
            "26-02-03",
            "2026/02/03",
            "2026-02-30",
            "2026-02-03T00:00",
            " 2026-02-03",
            "२०२६-02-03",
        ] {
            assert_eq!(strict::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn months_clamp_to_month_end() {
        assert_eq!(add_months(ymd(2025, 12, 31), 2), Ok(ymd(2026, 2, 28)));
        assert_eq!(add_months(ymd(2026, 2, 20), 1), Ok(ymd(2026, 3, 20)));
        assert_eq!(period_of_months_starting_with(ymd(2026, 3, 31), 12), Ok(ymd(2027, 3, 30)));
        assert_eq!(add_months(ymd(2027, 2, 29 - 1), 12), Ok(ymd(2028, 2, 28)));
        assert_eq!(months_before(ymd(2027, 3, 31), 1), Ok(ymd(2027, 2, 28)));
    }

    /// A period of months "starting with" X ends the day before the corresponding date, or on
    /// the last day of a month that has none.
    #[test]
    fn periods_starting_with_follow_the_corresponding_date_rule() {
        let p = period_of_months_starting_with;
        // SEND Regs 2014: a period of months "starting with" a date — a plan of 29 Feb 2028 is reviewed by 28 Feb 2029, not the 27th.
        assert_eq!(p(ymd(2028, 2, 29), 12), Ok(ymd(2029, 2, 28)));
        assert_eq!(p(ymd(2026, 3, 31), 12), Ok(ymd(2027, 3, 30)));
        // The day before 1 March 2028 is 29 February (a leap year).
        assert_eq!(p(ymd(2027, 3, 1), 12), Ok(ymd(2028, 2, 29)));
        assert_eq!(p(ymd(2026, 3, 1), 12), Ok(ymd(2027, 2, 28)));
        // One month starting with 31 January ends on the last day of February.
        assert_eq!(p(ymd(2026, 1, 31), 1), Ok(ymd(2026, 2, 28)));
        assert_eq!(p(ymd(2026, 1, 30), 1), Ok(ymd(2026, 2, 28)));
        assert_eq!(p(ymd(2026, 1, 28), 1), Ok(ymd(2026, 2, 27)));
        assert_eq!(p(ymd(2026, 3, 1), 1), Ok(ymd(2026, 3, 31)));
    }

    #[test]
    fn working_days_skip_weekends_and_holidays() {
        // Working days (`docs/law.md`, "Counting"): 25 Dec, the weekend and 28 Dec are skipped.
        assert_eq!(add_working_days(ymd(2026, 12, 24), 3), Ok(ymd(2026, 12, 31)));
        assert_eq!(is_working_day(ymd(2026, 4, 6)), Ok(false));
        assert_eq!(is_working_day(ymd(2026, 4, 7)), Ok(true));
        assert_eq!(add_working_days(ymd(2030, 1, 1), 1), Err(DateError::UnknownYear(2030)));
    }

    #[test]
    fn tribunal_filings_roll_forward() {
        assert_eq!(tribunal_accepted_until(ymd(2026, 2, 28)), Ok(ymd(2026, 3, 2)));
        assert_eq!(tribunal_accepted_until(ymd(2026, 8, 30)), Ok(ymd(2026, 9, 1)));
        assert_eq!(tribunal_accepted_until(ymd(2027, 1, 31)), Ok(ymd(2027, 2, 1)));
        assert_eq!(tribunal_accepted_until(ymd(2026, 12, 29)), Ok(ymd(2027, 1, 4)));
        assert_eq!(tribunal_accepted_until(ymd(2026, 3, 20)), Ok(ymd(2026, 3, 20)));
        // An August period moves even when its last day is a working day.
        assert_eq!(tribunal_accepted_until(ymd(2026, 8, 3)), Ok(ymd(2026, 9, 1)));
    }

    #[test]
    fn year_groups_follow_the_english_cohort() {
        // Born April 2016: turns 10 in Year 5 (2025/26).
        assert_eq!(year_group(ymd(2016, 4, 2), ymd(2026, 1, 20)), Some(5));
        assert_eq!(year_group(ymd(2016, 4, 2), ymd(2026, 9, 1)), Some(6));
        // 31 August and 1 September birthdays are a year apart.
        assert_eq!(year_group(ymd(2012, 8, 31), ymd(2026, 11, 24)), Some(10));
        assert_eq!(year_group(ymd(2012, 9, 1), ymd(2026, 11, 24)), Some(9));
        // Reception is year 0; before it there is no year group.
        assert_eq!(year_group(ymd(2022, 1, 1), ymd(2026, 11, 24)), Some(0));
        assert_eq!(year_group(ymd(2023, 1, 1), ymd(2026, 11, 24)), None);
        assert_eq!(year_group(ymd(2004, 1, 1), ymd(2026, 11, 24)), Some(18));
    }

    #[test]
    fn london_date_follows_bst() {
        // 23:30 UTC on 30 June is 00:30 BST on 1 July.
        let summer = Utc.with_ymd_and_hms(2026, 6, 30, 23, 30, 0).unwrap();
        assert_eq!(london_date(summer), ymd(2026, 7, 1));
        // In winter London is on UTC.
        let winter = Utc.with_ymd_and_hms(2026, 12, 1, 23, 30, 0).unwrap();
        assert_eq!(london_date(winter), ymd(2026, 12, 1));
        // BST 2026 starts 29 March 01:00 UTC and ends 25 October 01:00 UTC.
        let before = Utc.with_ymd_and_hms(2026, 3, 29, 0, 59, 0).unwrap();
        assert_eq!(london_date(before + chrono::Duration::hours(23)), ymd(2026, 3, 30));
        let end = Utc.with_ymd_and_hms(2026, 10, 24, 23, 30, 0).unwrap();
        assert_eq!(london_date(end), ymd(2026, 10, 25));
        let after_end = Utc.with_ymd_and_hms(2026, 10, 25, 23, 30, 0).unwrap();
        assert_eq!(london_date(after_end), ymd(2026, 10, 25));
    }
}

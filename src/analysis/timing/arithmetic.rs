//! The arithmetic behind time estimates and the way they are shown: rates, margins,
//! weekly windows, calendar days. No plan knowledge here.

use super::estimate::REHEARSAL_MARGIN_PERCENT;

use crate::model::{Bytes, BytesPerSecond, DateValue, Seconds, WeekWindow, MINUTES_PER_WEEK};
use crate::syntax::units::{format_duration, format_rate, format_size};

/// A measured duration with the rehearsal margin.
pub(crate) fn with_margin(seconds: Seconds) -> Seconds {
    seconds
        .saturating_mul(REHEARSAL_MARGIN_PERCENT)
        .div_ceil(100)
}

pub(crate) fn margin_text() -> String {
    format!("{}", REHEARSAL_MARGIN_PERCENT as f64 / 100.0)
}

/// Seconds to move `bytes` at `rate`, rounded up.
pub(crate) fn seconds_to_move(bytes: f64, rate: BytesPerSecond) -> Seconds {
    if rate <= 0.0 {
        return Seconds::MAX;
    }
    // `as` saturates: an absurd size gives the longest duration, not a wrap.
    (bytes / rate).ceil() as Seconds
}

/// Whether two weekly windows share a minute.
pub(crate) fn overlaps(a: WeekWindow, b: WeekWindow) -> bool {
    let week = MINUTES_PER_WEEK;
    let (a_start, b_start) = (a.start % week, b.start % week);
    (b_start + week - a_start) % week < a.minutes || (a_start + week - b_start) % week < b.minutes
}

/// Minutes from the end of the window back to a deadline inside it.
pub(crate) fn minutes_left(window: WeekWindow, deadline: u32) -> u32 {
    let offset = (deadline + MINUTES_PER_WEEK - window.start % MINUTES_PER_WEEK) % MINUTES_PER_WEEK;
    window.minutes.saturating_sub(offset)
}

/// The first absolute minute after `previous` that falls on `minute_of_week`.
pub(crate) fn next_occurrence(previous: i64, minute_of_week: u32) -> i64 {
    let week = i64::from(MINUTES_PER_WEEK);
    // Day 0 (1970-01-01) was a Thursday: day 3 of a week that starts on Monday.
    let at = ((previous.div_euclid(1440) + 3).rem_euclid(7)) * 1440 + previous.rem_euclid(1440);
    let mut delta = (i64::from(minute_of_week) - at).rem_euclid(week);
    if delta == 0 {
        delta = week;
    }
    previous + delta
}

/// Dates the stages of a rollout one after another, as the book's "How stages are
/// dated" says: each in the first occurrence of its window that starts after the
/// previous stage's estimated end plus its soak. Times are absolute minutes since
/// 1970-01-01 00:00; without a start date nothing is dated.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StageClock {
    /// The minute after which the next stage may start.
    not_before: Option<i64>,
}

impl StageClock {
    /// A clock for a rollout that may start on `starts` (at 00:00).
    pub(crate) fn new(starts: Option<DateValue>) -> StageClock {
        StageClock {
            not_before: starts.map(|date| day_number(date) * 1440 - 1),
        }
    }

    /// The start of the next stage, in its window's first occurrence; then the clock
    /// moves past the stage's `duration` and `soak`. A stage without a window is not
    /// dated and takes no time but its soak.
    pub(crate) fn date(
        &mut self,
        window: Option<WeekWindow>,
        duration: Seconds,
        soak: Seconds,
    ) -> Option<i64> {
        let minutes = |seconds: Seconds| seconds.div_ceil(60) as i64;
        let Some(window) = window else {
            self.not_before = self.not_before.map(|t| t + minutes(soak));
            return None;
        };
        let start = self.not_before.map(|t| next_occurrence(t, window.start));
        self.not_before = start.map(|t| t + minutes(duration) + minutes(soak));
        start
    }
}

/// Days since 1970-01-01 (proleptic Gregorian).
pub(crate) fn day_number(date: DateValue) -> i64 {
    let (month, day) = (i64::from(date.month), i64::from(date.day));
    let year = i64::from(date.year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date `days` after 1970-01-01.
pub(crate) fn date_of(days: i64) -> DateValue {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted + 2) / 5 + 1;
    let month = if shifted < 10 {
        shifted + 3
    } else {
        shifted - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    DateValue {
        year: year as u16,
        month: month as u8,
        day: day as u8,
    }
}

pub(crate) fn format_date(date: DateValue) -> String {
    format!("{:04}-{:02}-{:02}", date.year, date.month, date.day)
}

/// A minute since 1970-01-01 00:00 as a day and time: `Monday 2014-03-17 07:00`.
pub(crate) fn format_minute(minute: i64) -> String {
    const WEEKDAYS: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    let (day, in_day) = (minute.div_euclid(1440), minute.rem_euclid(1440));
    // Day 0 (1970-01-01) was a Thursday.
    format!(
        "{} {} {:02}:{:02}",
        WEEKDAYS[(day + 3).rem_euclid(7) as usize],
        format_date(date_of(day)),
        in_day / 60,
        in_day % 60
    )
}

pub(crate) fn format_window(window: WeekWindow) -> String {
    window.to_string()
}

/// A duration for a message: whole minutes from ten minutes up, else to the second.
pub(crate) fn show(seconds: Seconds) -> String {
    if seconds >= 600 {
        format_duration(seconds - seconds % 60)
    } else {
        format_duration(seconds)
    }
}

/// `seconds` shown so that it visibly exceeds `limit`.
pub(crate) fn show_over(seconds: Seconds, limit: Seconds) -> String {
    if seconds - seconds % 60 > limit {
        show(seconds)
    } else {
        format_duration(seconds)
    }
}

/// A size the way it was likely written: the largest unit, binary or decimal, that gives
/// at most one decimal exactly (`2TiB`, `2.2TB`, `55GiB`), else binary to one decimal.
pub(crate) fn show_size(bytes: Bytes) -> String {
    const UNITS: [(&str, u64); 10] = [
        ("PiB", 1 << 50),
        ("PB", 1_000_000_000_000_000),
        ("TiB", 1 << 40),
        ("TB", 1_000_000_000_000),
        ("GiB", 1 << 30),
        ("GB", 1_000_000_000),
        ("MiB", 1 << 20),
        ("MB", 1_000_000),
        ("KiB", 1 << 10),
        ("kB", 1_000),
    ];
    for (name, unit) in UNITS {
        if bytes >= unit && (u128::from(bytes) * 10) % u128::from(unit) == 0 {
            let tenths = u128::from(bytes) * 10 / u128::from(unit);
            return match tenths % 10 {
                0 => format!("{}{name}", tenths / 10),
                fraction => format!("{}.{fraction}{name}", tenths / 10),
            };
        }
    }
    format_size(bytes)
}

pub(crate) fn show_rate(rate: BytesPerSecond) -> String {
    format_rate(rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIB: u64 = 1 << 40;

    #[test]
    fn sizes_show_in_the_unit_they_were_likely_written_in() {
        assert_eq!(show_size(2_200_000_000_000), "2.2TB");
        assert_eq!(show_size(2 * TIB), "2TiB");
        assert_eq!(show_size(55 << 30), "55GiB");
    }

    #[test]
    fn weekly_windows_overlap_across_sunday_midnight() {
        let window = |start, minutes| WeekWindow { start, minutes };
        let weekend = window(4 * 1440 + 19 * 60, 59 * 60); // fri 19:00 .. mon 06:00
        assert!(overlaps(weekend, window(5 * 1440, 720))); // sat 00:00 .. sat 12:00
        assert!(overlaps(window(0, 60), weekend)); // mon 00:00 .. mon 01:00
        assert!(!overlaps(weekend, window(7 * 60, 600))); // mon 07:00 .. mon 17:00
        assert_eq!(minutes_left(weekend, 6 * 1440 + 20 * 60), 10 * 60); // sun 20:00
    }

    #[test]
    fn dates_round_trip_through_day_numbers() {
        let date = DateValue {
            year: 2016,
            month: 12,
            day: 9,
        };
        assert_eq!(date_of(day_number(date)), date);
        assert_eq!(
            day_number(DateValue {
                year: 1970,
                month: 1,
                day: 1
            }),
            0
        );
        // 2016-12-09 was a Friday; the next sat 00:00 is the following day.
        let start = day_number(date) * 1440 + 19 * 60;
        assert_eq!(
            next_occurrence(start, 5 * 1440),
            (day_number(date) + 1) * 1440
        );
        // The same window recurs a week later.
        assert_eq!(next_occurrence(start, 4 * 1440 + 19 * 60), start + 7 * 1440);
    }
}

//! Units of measure: the multipliers behind `4h`, `64GiB`, `150MB/s`, and their limits.

/// Seconds per duration unit.
pub const DURATION_UNITS: &[(&str, f64)] = &[
    ("s", 1.0),
    ("sec", 1.0),
    ("m", 60.0),
    ("min", 60.0),
    ("h", 3600.0),
    ("hr", 3600.0),
    ("d", 86_400.0),
    ("w", 604_800.0),
    ("y", 31_536_000.0),
];

/// Bytes per size unit: decimal (kB, MB …) and binary (KiB, MiB …).
pub const SIZE_UNITS: &[(&str, f64)] = &[
    ("B", 1.0),
    ("kB", 1e3),
    ("KB", 1e3),
    ("MB", 1e6),
    ("GB", 1e9),
    ("TB", 1e12),
    ("PB", 1e15),
    ("KiB", 1024.0),
    ("MiB", 1_048_576.0),
    ("GiB", 1_073_741_824.0),
    ("TiB", 1_099_511_627_776.0),
    ("PiB", 1_125_899_906_842_624.0),
];

/// Seconds per time unit in a rate's denominator.
pub const PER_UNITS: &[(&str, f64)] = &[
    ("s", 1.0),
    ("m", 60.0),
    ("min", 60.0),
    ("h", 3600.0),
    ("d", 86_400.0),
];

/// Longest duration accepted: 1000 years.
pub const MAX_DURATION_SECONDS: f64 = 1000.0 * 31_536_000.0;
/// Largest size accepted: 1 EiB.
pub const MAX_SIZE_BYTES: f64 = 1_152_921_504_606_846_976.0;
/// Largest plain integer accepted (cpus, counts).
pub const MAX_INT: u64 = 1_000_000_000;

fn lookup(table: &[(&str, f64)], unit: &str) -> Option<f64> {
    table.iter().find(|(u, _)| *u == unit).map(|(_, m)| *m)
}

pub fn duration_unit(unit: &str) -> Option<f64> {
    lookup(DURATION_UNITS, unit)
}

pub fn size_unit(unit: &str) -> Option<f64> {
    lookup(SIZE_UNITS, unit)
}

/// Bytes per second for a rate unit like `MB/s` or `GiB/d`.
pub fn rate_unit(unit: &str) -> Option<f64> {
    let (size, per) = unit.split_once('/')?;
    Some(size_unit(size)? / lookup(PER_UNITS, per)?)
}

/// Every unit of a table, for help texts.
pub fn list(table: &[(&str, f64)]) -> String {
    table.iter().map(|(u, _)| *u).collect::<Vec<_>>().join(", ")
}

/// Render a duration in seconds the way a person writes it: `5h 50m`, `2d`, `45s`.
pub fn format_duration(seconds: u64) -> String {
    if seconds == 0 {
        return "0s".to_string();
    }
    let parts = [
        (seconds / 86_400, "d"),
        (seconds % 86_400 / 3600, "h"),
        (seconds % 3600 / 60, "m"),
        (seconds % 60, "s"),
    ];
    parts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, u)| format!("{n}{u}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A duration as plan text: one number and the largest unit that divides it (`90m`,
/// `36h`), for suggestions meant to be pasted into a plan. `format_duration` writes
/// `1h 30m`, which reads well but is not a duration the language accepts.
pub fn format_duration_literal(seconds: u64) -> String {
    [(86_400, "d"), (3600, "h"), (60, "m")]
        .into_iter()
        .find(|(size, _)| seconds > 0 && seconds % size == 0)
        .map_or_else(
            || format!("{seconds}s"),
            |(size, unit)| format!("{}{unit}", seconds / size),
        )
}

/// `fri 18:00` from minutes since Monday 00:00.
pub fn format_time_of_week(minute: u32) -> String {
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let day = (minute / 1440) as usize % 7;
    let in_day = minute % 1440;
    format!("{} {:02}:{:02}", DAYS[day], in_day / 60, in_day % 60)
}

/// Render a size in bytes with a binary unit, to three significant figures.
pub fn format_size(bytes: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < units.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 || value.fract() == 0.0 {
        format!("{value}{}", units[unit])
    } else {
        format!("{value:.1}{}", units[unit])
    }
}

/// Render a rate in bytes per second as MB/s.
pub fn format_rate(bytes_per_second: f64) -> String {
    let mb = bytes_per_second / 1e6;
    if mb.fract() == 0.0 {
        format!("{mb}MB/s")
    } else {
        format!("{mb:.1}MB/s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_combine_size_and_time() {
        assert_eq!(rate_unit("MB/s"), Some(1e6));
        assert_eq!(rate_unit("GiB/h"), Some(1_073_741_824.0 / 3600.0));
        assert_eq!(rate_unit("GiB"), None);
    }

    #[test]
    fn durations_format_like_people_write_them() {
        assert_eq!(format_duration(21_000), "5h 50m");
        assert_eq!(format_duration(86_400), "1d");
    }
}

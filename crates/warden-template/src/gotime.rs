//! The parts of Go's `time` package that Sprig's date functions expose:
//! `time.Time` with its location, `Format` and `Parse` in Go's layout language
//! (the reference time `Mon Jan 2 15:04:05 MST 2006`), `time.Duration` with
//! `ParseDuration`, `String` and `Round`, and `LoadLocation`.
//!
//! The layout code follows Go's `time/format.go` step for step (`nextStdChunk`,
//! `appendFormat`, `parse`), so odd layouts behave as they do in goss. Calendar
//! arithmetic is the `time` crate's; IANA zones come from the system zoneinfo
//! database through `jiff`, as Go reads them from `/usr/share/zoneinfo`.
//! Years outside `-9999..=9999`, which Go can represent but no gossfile means, are
//! clamped to that range.

use std::sync::OnceLock;
use std::time::Instant;

use jiff::tz::TimeZone;

/// `time.Nanosecond` … `time.Hour`.
pub(crate) const SECOND: i64 = 1_000_000_000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;

/// Seconds from 0001-01-01 (Go's zero time) to the Unix epoch.
const ZERO_UNIX: i64 = -62_135_596_800;

/// Where a time is shown: Go's `*time.Location`.
#[derive(Debug, Clone)]
pub(crate) enum Loc {
    Utc,
    /// `time.Local`; `name` is what `Location().String()` prints ("Local", or the
    /// `TZ` value).
    Local {
        name: String,
        zone: TimeZone,
    },
    /// A zone loaded by name.
    Named {
        name: String,
        zone: TimeZone,
    },
    /// `time.FixedZone(name, offset)`, as `Parse` fabricates for unknown offsets.
    Fixed {
        name: String,
        offset: i32,
    },
}

impl Loc {
    /// The zone abbreviation and UTC offset (seconds) in effect at `unix`.
    pub(crate) fn zone_at(&self, unix: i64) -> (String, i32) {
        match self {
            Loc::Utc => ("UTC".to_owned(), 0),
            Loc::Fixed { name, offset } => (name.clone(), *offset),
            Loc::Local { zone, .. } | Loc::Named { zone, .. } => {
                let info = zone.to_offset_info(timestamp(unix));
                (info.abbreviation().to_owned(), info.offset().seconds())
            }
        }
    }

    #[cfg(test)]
    pub(crate) fn name(&self) -> &str {
        match self {
            Loc::Utc => "UTC",
            Loc::Local { name, .. } | Loc::Named { name, .. } | Loc::Fixed { name, .. } => name,
        }
    }

    fn same(&self, other: &Loc) -> bool {
        match (self, other) {
            (Loc::Utc, Loc::Utc) => true,
            (Loc::Local { name: a, .. }, Loc::Local { name: b, .. })
            | (Loc::Named { name: a, .. }, Loc::Named { name: b, .. }) => a == b,
            (Loc::Fixed { name: a, offset: x }, Loc::Fixed { name: b, offset: y }) => {
                a == b && x == y
            }
            _ => false,
        }
    }

    /// Go's `lookupName`: the offset of a zone called `abbr` in this location,
    /// preferring one in effect around `unix`.
    fn lookup_name(&self, abbr: &str, unix: i64) -> Option<i32> {
        let zone = match self {
            Loc::Utc => return (abbr == "UTC").then_some(0),
            Loc::Fixed { name, offset } => return (name == abbr).then_some(*offset),
            Loc::Local { zone, .. } | Loc::Named { zone, .. } => zone,
        };
        let at = timestamp(unix);
        let mut candidates = vec![{
            let info = zone.to_offset_info(at);
            (info.abbreviation().to_owned(), info.offset().seconds())
        }];
        for t in zone.preceding(at).take(4).chain(zone.following(at).take(4)) {
            candidates.push((t.abbreviation().to_owned(), t.offset().seconds()));
        }
        for (name, offset) in &candidates {
            if name == abbr && self.zone_at(unix - i64::from(*offset)).0 == *name {
                return Some(*offset);
            }
        }
        candidates
            .iter()
            .find(|(name, _)| name == abbr)
            .map(|(_, offset)| *offset)
    }
}

fn timestamp(unix: i64) -> jiff::Timestamp {
    let min = jiff::Timestamp::MIN.as_second();
    let max = jiff::Timestamp::MAX.as_second();
    jiff::Timestamp::from_second(unix.clamp(min, max)).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// Go's `time.LoadLocation`, with the local zone supplied by the caller.
pub(crate) fn load_location(name: &str, local: impl FnOnce() -> Loc) -> Result<Loc, String> {
    match name {
        "" | "UTC" => return Ok(Loc::Utc),
        "Local" => return Ok(local()),
        _ => {}
    }
    if name.contains("..") || name.starts_with(['/', '\\']) {
        return Err("time: invalid location name".to_owned());
    }
    jiff::tz::db()
        .get(name)
        .map(|zone| Loc::Named {
            name: name.to_owned(),
            zone,
        })
        .map_err(|_| format!("unknown time zone {name}"))
}

/// Go's `time.Local` for a process whose `TZ` variable is `tz`: the system zone
/// (`/etc/localtime`) when unset, UTC when empty, else the named zone (UTC if
/// it cannot be loaded).
pub(crate) fn local_location(tz: Option<String>) -> Loc {
    let utc = || Loc::Local {
        name: "UTC".to_owned(),
        zone: TimeZone::UTC,
    };
    match tz {
        None => match std::fs::read("/etc/localtime")
            .ok()
            .and_then(|bytes| TimeZone::tzif("Local", &bytes).ok())
        {
            Some(zone) => Loc::Local {
                name: "Local".to_owned(),
                zone,
            },
            None => utc(),
        },
        Some(tz) => {
            let tz = tz.strip_prefix(':').unwrap_or(&tz);
            if tz.is_empty() || tz == "UTC" {
                return utc();
            }
            let zone = if tz.starts_with('/') {
                std::fs::read(tz)
                    .ok()
                    .and_then(|bytes| TimeZone::tzif(tz, &bytes).ok())
            } else {
                jiff::tz::db().get(tz).ok()
            };
            match zone {
                Some(zone) => Loc::Local {
                    name: if tz == "/etc/localtime" {
                        "Local".to_owned()
                    } else {
                        tz.to_owned()
                    },
                    zone,
                },
                None => utc(),
            }
        }
    }
}

/// A Go `time.Time`: an instant, the location it is shown in, and, for times that
/// came from the clock, a monotonic reading (nanoseconds since the process began).
#[derive(Debug, Clone)]
pub(crate) struct GoTime {
    pub(crate) unix: i64,
    pub(crate) nsec: u32,
    pub(crate) loc: Loc,
    pub(crate) mono: Option<i64>,
}

/// The date and clock fields of a time in its location.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Civil {
    pub(crate) year: i64,
    pub(crate) month: u8,
    pub(crate) day: u8,
    pub(crate) hour: u8,
    pub(crate) minute: u8,
    pub(crate) second: u8,
    /// 0 = Sunday.
    pub(crate) weekday: u8,
    /// 1-based day of the year.
    pub(crate) yday: u16,
}

pub(crate) const LONG_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const SHORT_DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
pub(crate) const LONG_MONTHS: [&str; 12] = [
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
const SHORT_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The range of seconds the calendar code handles (years -9999 to 9999).
fn clamp_wall(secs: i64) -> i64 {
    const MIN: i64 = -377_705_116_800; // -9999-01-01T00:00:00Z
    const MAX: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z
    secs.clamp(MIN, MAX)
}

fn civil_from_wall(wall: i64) -> Civil {
    let dt = time::OffsetDateTime::from_unix_timestamp(clamp_wall(wall))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    Civil {
        year: i64::from(dt.year()),
        month: u8::from(dt.month()),
        day: dt.day(),
        hour: dt.hour(),
        minute: dt.minute(),
        second: dt.second(),
        weekday: dt.weekday().number_days_from_sunday(),
        yday: dt.ordinal(),
    }
}

/// Seconds since the epoch of a wall-clock reading read as UTC, with Go's
/// normalisation of out-of-range fields (month 13 is January of the next year,
/// day 0 the last day of the previous month, and so on).
fn wall_from_fields(year: i64, month: i64, day: i64, hour: i64, min: i64, sec: i64) -> i64 {
    let m0 = month - 1;
    let year = year.saturating_add(m0.div_euclid(12)).clamp(-9999, 9999);
    let month = (m0.rem_euclid(12) + 1) as u8;
    let first = time::Month::try_from(month)
        .ok()
        .and_then(|m| time::Date::from_calendar_date(year as i32, m, 1).ok())
        .unwrap_or(time::Date::MIN);
    let days = i64::from(first.to_julian_day()) - 2_440_588 + day - 1;
    days.saturating_mul(86_400)
        .saturating_add(hour.saturating_mul(3600))
        .saturating_add(min.saturating_mul(60))
        .saturating_add(sec)
}

fn days_in(month: i64, year: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Cumulative days before each month (non-leap), Go's `daysBefore`.
fn days_before(month: i64) -> i64 {
    const TABLE: [i64; 13] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
    TABLE[(month.clamp(1, 13) - 1) as usize]
}

fn process_start() -> Instant {
    static START: OnceLock<Instant> = OnceLock::new();
    *START.get_or_init(Instant::now)
}

impl GoTime {
    /// `time.Time{}`: January 1, year 1, 00:00:00 UTC.
    pub(crate) fn zero() -> GoTime {
        GoTime {
            unix: ZERO_UNIX,
            nsec: 0,
            loc: Loc::Utc,
            mono: None,
        }
    }

    /// `time.Unix(sec, 0)` in `loc` (Go's `time.Unix` gives local time).
    pub(crate) fn from_unix(unix: i64, loc: Loc) -> GoTime {
        GoTime {
            unix,
            nsec: 0,
            loc,
            mono: None,
        }
    }

    /// A clock reading, with a monotonic reading as `time.Now` has.
    pub(crate) fn now(clock: time::OffsetDateTime, loc: Loc) -> GoTime {
        let mono = i64::try_from(process_start().elapsed().as_nanos()).unwrap_or(i64::MAX);
        GoTime {
            unix: clock.unix_timestamp(),
            nsec: clock.nanosecond(),
            loc,
            mono: Some(mono.max(1)),
        }
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.unix == ZERO_UNIX && self.nsec == 0
    }

    /// Go's `==` on `time.Time`.
    pub(crate) fn same(&self, other: &GoTime) -> bool {
        self.unix == other.unix
            && self.nsec == other.nsec
            && self.mono == other.mono
            && self.loc.same(&other.loc)
    }

    pub(crate) fn zone(&self) -> (String, i32) {
        self.loc.zone_at(self.unix)
    }

    pub(crate) fn civil(&self) -> Civil {
        let (_, offset) = self.zone();
        civil_from_wall(self.unix.saturating_add(i64::from(offset)))
    }

    /// `t.In(loc)`: the same instant shown elsewhere; the monotonic reading goes.
    pub(crate) fn in_loc(&self, loc: Loc) -> GoTime {
        GoTime {
            unix: self.unix,
            nsec: self.nsec,
            loc,
            mono: None,
        }
    }

    /// `t.Add(d)`, saturating as Go's wall arithmetic wraps only far outside any
    /// representable calendar.
    pub(crate) fn add(&self, d: i64) -> GoTime {
        let total = i128::from(self.nsec) + i128::from(d % SECOND);
        let mut unix = self.unix.saturating_add(d / SECOND);
        let mut nsec = total;
        if nsec < 0 {
            nsec += i128::from(SECOND);
            unix = unix.saturating_sub(1);
        } else if nsec >= i128::from(SECOND) {
            nsec -= i128::from(SECOND);
            unix = unix.saturating_add(1);
        }
        GoTime {
            unix,
            nsec: nsec as u32,
            loc: self.loc.clone(),
            mono: self.mono.map(|m| m.saturating_add(d)),
        }
    }

    /// `t.Sub(u)`, saturating at the Duration range; monotonic readings win when
    /// both times have one.
    pub(crate) fn sub(&self, other: &GoTime) -> i64 {
        if let (Some(a), Some(b)) = (self.mono, other.mono) {
            return a.saturating_sub(b);
        }
        let secs = i128::from(self.unix) - i128::from(other.unix);
        let total = secs * i128::from(SECOND) + i128::from(self.nsec) - i128::from(other.nsec);
        total.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }

    /// `time.Date(year, month, day, hour, min, sec, nsec, loc)`, normalising
    /// out-of-range fields and resolving the wall time in `loc` as Go does.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn date(
        year: i64,
        month: i64,
        day: i64,
        hour: i64,
        min: i64,
        sec: i64,
        nsec: i64,
        loc: Loc,
    ) -> GoTime {
        let sec = sec.saturating_add(nsec.div_euclid(SECOND));
        let nsec = nsec.rem_euclid(SECOND) as u32;
        let wall = wall_from_fields(year, month, day, hour, min, sec);
        let (_, offset) = loc.zone_at(wall);
        let mut unix = wall - i64::from(offset);
        if offset != 0 {
            let (_, actual) = loc.zone_at(unix);
            if actual != offset {
                unix = wall - i64::from(actual);
            }
        }
        GoTime {
            unix,
            nsec,
            loc,
            mono: None,
        }
    }

    /// `t.AddDate(years, months, days)`.
    pub(crate) fn add_date(&self, years: i64, months: i64, days: i64) -> GoTime {
        let c = self.civil();
        GoTime::date(
            c.year.saturating_add(years),
            i64::from(c.month).saturating_add(months),
            i64::from(c.day).saturating_add(days),
            i64::from(c.hour),
            i64::from(c.minute),
            i64::from(c.second),
            i64::from(self.nsec),
            self.loc.clone(),
        )
    }

    /// `t.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`, plus
    /// ` m=±<seconds>` for a time with a monotonic reading.
    pub(crate) fn go_string(&self) -> String {
        let mut out = self.format("2006-01-02 15:04:05.999999999 -0700 MST");
        if let Some(mono) = self.mono {
            let sign = if mono < 0 { '-' } else { '+' };
            let abs = mono.unsigned_abs();
            out.push_str(&format!(
                " m={sign}{}.{:09}",
                abs / 1_000_000_000,
                abs % 1_000_000_000
            ));
        }
        out
    }

    /// `t.MarshalJSON()`: RFC 3339 with nanoseconds, quoted.
    pub(crate) fn marshal_json(&self) -> Result<String, String> {
        let year = self.civil().year;
        if !(0..=9999).contains(&year) {
            return Err("Time.MarshalJSON: year outside of range [0,9999]".to_owned());
        }
        Ok(format!(
            "\"{}\"",
            self.format("2006-01-02T15:04:05.999999999Z07:00")
        ))
    }

    /// `t.Format(layout)`.
    pub(crate) fn format(&self, layout: &str) -> String {
        let (name, offset) = self.zone();
        let c = self.civil();
        let mut b = String::with_capacity(layout.len() + 10);
        let mut layout = layout;
        while !layout.is_empty() {
            let (prefix, std, suffix) = next_std_chunk(layout);
            b.push_str(prefix);
            let Some(std) = std else { break };
            layout = suffix;
            match std {
                Std::Year => append_int(&mut b, c.year.abs() % 100, 2),
                Std::LongYear => append_int(&mut b, c.year, 4),
                Std::Month => b.push_str(SHORT_MONTHS[usize::from(c.month - 1)]),
                Std::LongMonth => b.push_str(LONG_MONTHS[usize::from(c.month - 1)]),
                Std::NumMonth => append_int(&mut b, i64::from(c.month), 0),
                Std::ZeroMonth => append_int(&mut b, i64::from(c.month), 2),
                Std::WeekDay => b.push_str(SHORT_DAYS[usize::from(c.weekday)]),
                Std::LongWeekDay => b.push_str(LONG_DAYS[usize::from(c.weekday)]),
                Std::Day => append_int(&mut b, i64::from(c.day), 0),
                Std::UnderDay => {
                    if c.day < 10 {
                        b.push(' ');
                    }
                    append_int(&mut b, i64::from(c.day), 0);
                }
                Std::ZeroDay => append_int(&mut b, i64::from(c.day), 2),
                Std::UnderYearDay => {
                    if c.yday < 100 {
                        b.push(' ');
                        if c.yday < 10 {
                            b.push(' ');
                        }
                    }
                    append_int(&mut b, i64::from(c.yday), 0);
                }
                Std::ZeroYearDay => append_int(&mut b, i64::from(c.yday), 3),
                Std::Hour => append_int(&mut b, i64::from(c.hour), 2),
                Std::Hour12 | Std::ZeroHour12 => {
                    let hr = match c.hour % 12 {
                        0 => 12,
                        h => h,
                    };
                    let width = if std == Std::ZeroHour12 { 2 } else { 0 };
                    append_int(&mut b, i64::from(hr), width);
                }
                Std::Minute => append_int(&mut b, i64::from(c.minute), 0),
                Std::ZeroMinute => append_int(&mut b, i64::from(c.minute), 2),
                Std::Second => append_int(&mut b, i64::from(c.second), 0),
                Std::ZeroSecond => append_int(&mut b, i64::from(c.second), 2),
                Std::PM => b.push_str(if c.hour >= 12 { "PM" } else { "AM" }),
                Std::Pm => b.push_str(if c.hour >= 12 { "pm" } else { "am" }),
                Std::Zone(kind) => {
                    if offset == 0 && kind.iso {
                        b.push('Z');
                        continue;
                    }
                    let mut zone = offset / 60;
                    let mut abs_offset = offset;
                    if zone < 0 {
                        b.push('-');
                        zone = -zone;
                        abs_offset = -abs_offset;
                    } else {
                        b.push('+');
                    }
                    append_int(&mut b, i64::from(zone / 60), 2);
                    if kind.colon {
                        b.push(':');
                    }
                    if !kind.short {
                        append_int(&mut b, i64::from(zone % 60), 2);
                    }
                    if kind.seconds {
                        if kind.colon {
                            b.push(':');
                        }
                        append_int(&mut b, i64::from(abs_offset % 60), 2);
                    }
                }
                Std::TZ => {
                    if !name.is_empty() {
                        b.push_str(&name);
                        continue;
                    }
                    let mut zone = offset / 60;
                    if zone < 0 {
                        b.push('-');
                        zone = -zone;
                    } else {
                        b.push('+');
                    }
                    append_int(&mut b, i64::from(zone / 60), 2);
                    append_int(&mut b, i64::from(zone % 60), 2);
                }
                Std::Frac {
                    digits,
                    trim,
                    separator,
                } => append_nano(&mut b, self.nsec, digits, trim, separator),
            }
        }
        b
    }
}

/// One element of a layout (Go's `std*` constants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    TZ,
    Zone(ZoneKind),
    Frac {
        digits: usize,
        trim: bool,
        separator: char,
    },
}

/// The numeric zone forms: `Z` variants (`iso`) print `Z` for UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ZoneKind {
    iso: bool,
    colon: bool,
    short: bool,
    seconds: bool,
}

const fn zone(iso: bool, colon: bool, short: bool, seconds: bool) -> Std {
    Std::Zone(ZoneKind {
        iso,
        colon,
        short,
        seconds,
    })
}

/// Go's `nextStdChunk`: the text before the first layout element, the element,
/// and the rest.
fn next_std_chunk(layout: &str) -> (&str, Option<Std>, &str) {
    let bytes = layout.as_bytes();
    let at = |i: usize, s: &str| layout.get(i..).is_some_and(|rest| rest.starts_with(s));
    let lower_after = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_lowercase);
    for i in 0..bytes.len() {
        let found = |std: Std, len: usize| Some((&layout[..i], Some(std), &layout[i + len..]));
        let hit = match bytes[i] {
            b'J' if at(i, "Jan") => {
                if at(i, "January") {
                    found(Std::LongMonth, 7)
                } else if !lower_after(i + 3) {
                    found(Std::Month, 3)
                } else {
                    None
                }
            }
            b'M' if at(i, "Mon") => {
                if at(i, "Monday") {
                    found(Std::LongWeekDay, 6)
                } else if !lower_after(i + 3) {
                    found(Std::WeekDay, 3)
                } else {
                    None
                }
            }
            b'M' if at(i, "MST") => found(Std::TZ, 3),
            b'0' => match bytes.get(i + 1) {
                Some(b'1') => found(Std::ZeroMonth, 2),
                Some(b'2') => found(Std::ZeroDay, 2),
                Some(b'3') => found(Std::ZeroHour12, 2),
                Some(b'4') => found(Std::ZeroMinute, 2),
                Some(b'5') => found(Std::ZeroSecond, 2),
                Some(b'6') => found(Std::Year, 2),
                Some(b'0') if bytes.get(i + 2) == Some(&b'2') => found(Std::ZeroYearDay, 3),
                _ => None,
            },
            b'1' => {
                if bytes.get(i + 1) == Some(&b'5') {
                    found(Std::Hour, 2)
                } else {
                    found(Std::NumMonth, 1)
                }
            }
            b'2' => {
                if at(i, "2006") {
                    found(Std::LongYear, 4)
                } else {
                    found(Std::Day, 1)
                }
            }
            b'_' => {
                if bytes.get(i + 1) == Some(&b'2') {
                    if at(i + 1, "2006") {
                        // `_2006` is a literal `_` followed by the long year.
                        return (&layout[..=i], Some(Std::LongYear), &layout[i + 5..]);
                    }
                    found(Std::UnderDay, 2)
                } else if at(i, "__2") {
                    found(Std::UnderYearDay, 3)
                } else {
                    None
                }
            }
            b'3' => found(Std::Hour12, 1),
            b'4' => found(Std::Minute, 1),
            b'5' => found(Std::Second, 1),
            b'P' if bytes.get(i + 1) == Some(&b'M') => found(Std::PM, 2),
            b'p' if bytes.get(i + 1) == Some(&b'm') => found(Std::Pm, 2),
            b'-' => {
                if at(i, "-070000") {
                    found(zone(false, false, false, true), 7)
                } else if at(i, "-07:00:00") {
                    found(zone(false, true, false, true), 9)
                } else if at(i, "-0700") {
                    found(zone(false, false, false, false), 5)
                } else if at(i, "-07:00") {
                    found(zone(false, true, false, false), 6)
                } else if at(i, "-07") {
                    found(zone(false, false, true, false), 3)
                } else {
                    None
                }
            }
            b'Z' => {
                if at(i, "Z070000") {
                    found(zone(true, false, false, true), 7)
                } else if at(i, "Z07:00:00") {
                    found(zone(true, true, false, true), 9)
                } else if at(i, "Z0700") {
                    found(zone(true, false, false, false), 5)
                } else if at(i, "Z07:00") {
                    found(zone(true, true, false, false), 6)
                } else if at(i, "Z07") {
                    found(zone(true, false, true, false), 3)
                } else {
                    None
                }
            }
            c @ (b'.' | b',') if matches!(bytes.get(i + 1), Some(b'0' | b'9')) => {
                let ch = bytes[i + 1];
                let mut j = i + 1;
                while bytes.get(j) == Some(&ch) {
                    j += 1;
                }
                // The run of digits must end here: only a fraction is all digits.
                if bytes.get(j).is_some_and(u8::is_ascii_digit) {
                    None
                } else {
                    found(
                        Std::Frac {
                            // Go keeps the count in 12 bits.
                            digits: (j - (i + 1)) & 0xfff,
                            trim: ch == b'9',
                            separator: char::from(c),
                        },
                        j - i,
                    )
                }
            }
            _ => None,
        };
        if let Some(hit) = hit {
            return hit;
        }
    }
    (layout, None, "")
}

/// Go's `appendInt`: decimal, zero-padded to `width` digits after any sign.
fn append_int(b: &mut String, x: i64, width: usize) {
    if x < 0 {
        b.push('-');
    }
    let digits = x.unsigned_abs().to_string();
    for _ in digits.len()..width {
        b.push('0');
    }
    b.push_str(&digits);
}

/// Go's `appendNano`.
fn append_nano(b: &mut String, nsec: u32, digits: usize, trim: bool, separator: char) {
    if trim && (digits == 0 || nsec == 0) {
        return;
    }
    let mut frac = format!("{nsec:09}");
    if digits < 9 {
        frac.truncate(digits);
    }
    if trim {
        while frac.ends_with('0') {
            frac.pop();
        }
        if frac.is_empty() {
            return;
        }
    }
    b.push(separator);
    b.push_str(&frac);
}

/// The `quote` of Go's time package: like `strconv.Quote` for ASCII, with every
/// byte of other characters as `\xNN`.
pub(crate) fn time_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if (c as u32) >= 0x80 || c < ' ' {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{byte:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

/// A failed parse, printed as Go's `*time.ParseError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError {
    layout: String,
    value: String,
    layout_elem: String,
    value_elem: String,
    message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.message.is_empty() {
            write!(
                f,
                "parsing time {} as {}: cannot parse {} as {}",
                time_quote(&self.value),
                time_quote(&self.layout),
                time_quote(&self.value_elem),
                time_quote(&self.layout_elem)
            )
        } else {
            write!(
                f,
                "parsing time {}{}",
                time_quote(&self.value),
                self.message
            )
        }
    }
}

/// Go's `getnum`: one or two digits (exactly two when `fixed`).
fn getnum(s: &str, fixed: bool) -> Option<(i64, &str)> {
    let b = s.as_bytes();
    let d0 = b.first().filter(|c| c.is_ascii_digit())?;
    match b.get(1).filter(|c| c.is_ascii_digit()) {
        Some(d1) => Some((i64::from(d0 - b'0') * 10 + i64::from(d1 - b'0'), &s[2..])),
        None if fixed => None,
        None => Some((i64::from(d0 - b'0'), &s[1..])),
    }
}

/// Go's `getnum3`.
fn getnum3(s: &str, fixed: bool) -> Option<(i64, &str)> {
    let b = s.as_bytes();
    let mut n = 0;
    let mut i = 0;
    while i < 3 && b.get(i).is_some_and(u8::is_ascii_digit) {
        n = n * 10 + i64::from(b[i] - b'0');
        i += 1;
    }
    if i == 0 || (fixed && i != 3) {
        return None;
    }
    Some((n, &s[i..]))
}

/// Go's `skip`: removes `prefix` from `value`, runs of spaces matching runs.
fn skip<'v>(mut value: &'v str, mut prefix: &str) -> Option<&'v str> {
    while let Some(p) = prefix.chars().next() {
        if p == ' ' {
            if value.as_bytes().first().is_some_and(|&c| c != b' ') {
                return None;
            }
            prefix = prefix.trim_start_matches(' ');
            value = value.trim_start_matches(' ');
            continue;
        }
        value = value.strip_prefix(p)?;
        prefix = &prefix[p.len_utf8()..];
    }
    Some(value)
}

/// Go's `lookup` on a name table, case-insensitively.
fn lookup_name<'v>(table: &[&str], value: &'v str) -> Option<(usize, &'v str)> {
    table.iter().enumerate().find_map(|(i, name)| {
        let head = value.get(..name.len())?;
        head.eq_ignore_ascii_case(name)
            .then(|| (i, &value[name.len()..]))
    })
}

/// Go's `atoi` for the time package: optional sign, then only digits.
fn atoi(s: &str) -> Option<i64> {
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (x, rest) = leading_int(digits)?;
    if !rest.is_empty() {
        return None;
    }
    let x = i64::try_from(x).ok()?;
    Some(if neg { -x } else { x })
}

/// Go's `leadingInt`: the leading digits of `s` (none is zero).
fn leading_int(s: &str) -> Option<(u64, &str)> {
    let mut x: u64 = 0;
    let mut i = 0;
    let b = s.as_bytes();
    while i < b.len() && b[i].is_ascii_digit() {
        if x > (1 << 63) / 10 {
            return None;
        }
        x = x * 10 + u64::from(b[i] - b'0');
        if x > 1 << 63 {
            return None;
        }
        i += 1;
    }
    Some((x, &s[i..]))
}

/// Go's `parseNanoseconds`: the fraction in `value[..nbytes]`, separator first.
fn parse_nanoseconds(value: &str, nbytes: usize) -> Result<i64, &'static str> {
    if !value.starts_with(['.', ',']) {
        return Err("");
    }
    let nbytes = nbytes.min(10);
    let digits = value.get(1..nbytes).ok_or("")?;
    let mut ns = atoi(digits).ok_or("")?;
    if ns < 0 {
        return Err("fractional second");
    }
    for _ in 0..10 - nbytes {
        ns *= 10;
    }
    Ok(ns)
}

/// The sign, hours, minutes, seconds and rest of a numeric zone, if every piece
/// is there (and whole characters).
fn zone_parts<'v>(
    sign: Option<&'v str>,
    hh: Option<&'v str>,
    mm: Option<&'v str>,
    ss: Option<&'v str>,
    rest: Option<&'v str>,
) -> Option<(&'v str, &'v str, &'v str, &'v str, &'v str)> {
    Some((sign?, hh?, mm?, ss?, rest?))
}

/// Go's `parseTimeZone`: the length of a zone abbreviation at the start of `value`.
fn parse_time_zone(value: &str) -> Option<usize> {
    let b = value.as_bytes();
    if b.len() < 3 {
        return None;
    }
    if value.starts_with("ChST") || value.starts_with("MeST") {
        return Some(4);
    }
    if let Some(rest) = value.strip_prefix("GMT") {
        return Some(
            3 + if rest.is_empty() {
                0
            } else {
                parse_signed_offset(rest)
            },
        );
    }
    if b[0] == b'+' || b[0] == b'-' {
        let n = parse_signed_offset(value);
        return (n > 0).then_some(n);
    }
    let upper = b
        .iter()
        .take(6)
        .take_while(|c| c.is_ascii_uppercase())
        .count();
    match upper {
        5 if b[4] == b'T' => Some(5),
        4 if b[3] == b'T' || value.starts_with("WITA") => Some(4),
        3 => Some(3),
        _ => None,
    }
}

/// Go's `parseSignedOffset`: `+hh` or `-hh` with hh at most 23.
fn parse_signed_offset(value: &str) -> usize {
    let Some(rest) = value.strip_prefix(['+', '-']) else {
        return 0;
    };
    match leading_int(rest) {
        Some((x, rem)) if rem.len() != rest.len() && x <= 23 => value.len() - rem.len(),
        _ => 0,
    }
}

/// `time.ParseInLocation(layout, value, default)` (Go's `parse`), with `local`
/// the location whose zones numeric offsets and abbreviations are matched against.
pub(crate) fn parse(
    layout: &str,
    value: &str,
    default: &Loc,
    local: &Loc,
) -> Result<GoTime, ParseError> {
    let (a_layout, a_value) = (layout, value);
    let err = |layout_elem: &str, value_elem: &str, message: String| ParseError {
        layout: a_layout.to_owned(),
        value: a_value.to_owned(),
        layout_elem: layout_elem.to_owned(),
        value_elem: value_elem.to_owned(),
        message,
    };
    let mut layout = layout;
    let mut value = value;
    let (mut am_set, mut pm_set) = (false, false);
    let mut year: i64 = 0;
    let mut month: i64 = -1;
    let mut day: i64 = -1;
    let mut yday: i64 = -1;
    let (mut hour, mut min, mut sec, mut nsec) = (0i64, 0i64, 0i64, 0i64);
    let mut utc = false;
    let mut zone_offset: Option<i64> = None;
    let mut zone_name = String::new();

    loop {
        let (prefix, std, suffix) = next_std_chunk(layout);
        let std_str = &layout[prefix.len()..layout.len() - suffix.len()];
        value = match skip(value, prefix) {
            Some(v) => v,
            None => return Err(err(prefix, value, String::new())),
        };
        let Some(std) = std else {
            if !value.is_empty() {
                return Err(err(
                    "",
                    value,
                    format!(": extra text: {}", time_quote(value)),
                ));
            }
            break;
        };
        layout = suffix;
        let hold = value;
        let mut range_err: &str = "";
        let mut bad = false;
        match std {
            Std::Year => match value.get(..2).and_then(atoi) {
                Some(y) if value.len() >= 2 => {
                    value = &value[2..];
                    year = if y >= 69 { y + 1900 } else { y + 2000 };
                }
                _ => bad = true,
            },
            Std::LongYear => {
                if value.len() < 4 || !value.as_bytes()[0].is_ascii_digit() {
                    bad = true;
                } else {
                    match value.get(..4).and_then(atoi) {
                        Some(y) => {
                            year = y;
                            value = &value[4..];
                        }
                        None => bad = true,
                    }
                }
            }
            Std::Month | Std::LongMonth => {
                let table: &[&str] = if std == Std::Month {
                    &SHORT_MONTHS
                } else {
                    &LONG_MONTHS
                };
                match lookup_name(table, value) {
                    Some((m, rest)) => {
                        month = m as i64 + 1;
                        value = rest;
                    }
                    None => bad = true,
                }
            }
            Std::NumMonth | Std::ZeroMonth => match getnum(value, std == Std::ZeroMonth) {
                Some((m, rest)) => {
                    month = m;
                    value = rest;
                    if !(1..=12).contains(&m) {
                        range_err = "month";
                    }
                }
                None => bad = true,
            },
            Std::WeekDay | Std::LongWeekDay => {
                let table: &[&str] = if std == Std::WeekDay {
                    &SHORT_DAYS
                } else {
                    &LONG_DAYS
                };
                match lookup_name(table, value) {
                    Some((_, rest)) => value = rest,
                    None => bad = true,
                }
            }
            Std::Day | Std::UnderDay | Std::ZeroDay => {
                if std == Std::UnderDay && value.starts_with(' ') {
                    value = &value[1..];
                }
                match getnum(value, std == Std::ZeroDay) {
                    Some((d, rest)) => {
                        day = d;
                        value = rest;
                    }
                    None => bad = true,
                }
            }
            Std::UnderYearDay | Std::ZeroYearDay => {
                for _ in 0..2 {
                    if std == Std::UnderYearDay && value.starts_with(' ') {
                        value = &value[1..];
                    }
                }
                match getnum3(value, std == Std::ZeroYearDay) {
                    Some((d, rest)) => {
                        yday = d;
                        value = rest;
                    }
                    None => bad = true,
                }
            }
            Std::Hour => match getnum(value, false) {
                Some((h, rest)) => {
                    hour = h;
                    value = rest;
                    if !(0..24).contains(&h) {
                        range_err = "hour";
                    }
                }
                None => bad = true,
            },
            Std::Hour12 | Std::ZeroHour12 => match getnum(value, std == Std::ZeroHour12) {
                Some((h, rest)) => {
                    hour = h;
                    value = rest;
                    if !(0..=12).contains(&h) {
                        range_err = "hour";
                    }
                }
                None => bad = true,
            },
            Std::Minute | Std::ZeroMinute => match getnum(value, std == Std::ZeroMinute) {
                Some((m, rest)) => {
                    min = m;
                    value = rest;
                    if !(0..60).contains(&m) {
                        range_err = "minute";
                    }
                }
                None => bad = true,
            },
            Std::Second | Std::ZeroSecond => match getnum(value, std == Std::ZeroSecond) {
                Some((s, rest)) => {
                    sec = s;
                    value = rest;
                    if !(0..60).contains(&s) {
                        range_err = "second";
                    } else if value.len() >= 2
                        && value.starts_with(['.', ','])
                        && value.as_bytes()[1].is_ascii_digit()
                    {
                        // A fraction the layout does not mention is still read.
                        let (_, next, _) = next_std_chunk(layout);
                        if !matches!(next, Some(Std::Frac { .. })) {
                            let mut n = 2;
                            while value.as_bytes().get(n).is_some_and(u8::is_ascii_digit) {
                                n += 1;
                            }
                            match parse_nanoseconds(value, n) {
                                Ok(ns) => nsec = ns,
                                Err("") => bad = true,
                                Err(r) => range_err = r,
                            }
                            value = &value[n..];
                        }
                    }
                }
                None => bad = true,
            },
            Std::PM | Std::Pm => {
                let (pm, am) = if std == Std::PM {
                    ("PM", "AM")
                } else {
                    ("pm", "am")
                };
                match value.get(..2) {
                    Some(p) if p == pm => pm_set = true,
                    Some(p) if p == am => am_set = true,
                    _ => bad = true,
                }
                if !bad {
                    value = &value[2..];
                }
            }
            Std::Zone(kind) => {
                if kind.iso && value.starts_with('Z') {
                    value = &value[1..];
                    utc = true;
                } else {
                    let b = value.as_bytes();
                    let cut = |a: usize, z: usize| value.get(a..z);
                    let from = |a: usize| value.get(a..);
                    let parts = if kind.colon && !kind.seconds {
                        if b.len() >= 6 && b[3] == b':' {
                            zone_parts(cut(0, 1), cut(1, 3), cut(4, 6), Some("00"), from(6))
                        } else {
                            None
                        }
                    } else if kind.short {
                        zone_parts(cut(0, 1), cut(1, 3), Some("00"), Some("00"), from(3))
                    } else if kind.colon && kind.seconds {
                        if b.len() >= 9 && b[3] == b':' && b[6] == b':' {
                            zone_parts(cut(0, 1), cut(1, 3), cut(4, 6), cut(7, 9), from(9))
                        } else {
                            None
                        }
                    } else if kind.seconds {
                        zone_parts(cut(0, 1), cut(1, 3), cut(3, 5), cut(5, 7), from(7))
                    } else {
                        zone_parts(cut(0, 1), cut(1, 3), cut(3, 5), Some("00"), from(5))
                    };
                    // Slicing at byte offsets can split a character; Go's
                    // byte strings cannot, so treat that as a bad value.
                    match parts {
                        Some((sign, hh, mm, ss, rest)) => {
                            value = rest;
                            let nums = (getnum(hh, true), getnum(mm, true), getnum(ss, true));
                            match nums {
                                (Some((hr, _)), Some((mi, _)), Some((se, _))) => {
                                    if hr > 24 {
                                        range_err = "time zone offset hour";
                                    }
                                    if mi > 60 {
                                        range_err = "time zone offset minute";
                                    }
                                    if se > 60 {
                                        range_err = "time zone offset second";
                                    }
                                    let off = (hr * 60 + mi) * 60 + se;
                                    match sign {
                                        "+" => zone_offset = Some(off),
                                        "-" => zone_offset = Some(-off),
                                        _ => bad = true,
                                    }
                                }
                                _ => bad = true,
                            }
                        }
                        None => bad = true,
                    }
                }
            }
            Std::TZ => {
                if value.starts_with("UTC") {
                    utc = true;
                    value = &value[3..];
                } else {
                    match parse_time_zone(value) {
                        Some(n) if value.is_char_boundary(n) => {
                            zone_name = value[..n].to_owned();
                            value = &value[n..];
                        }
                        _ => bad = true,
                    }
                }
            }
            Std::Frac { digits, trim, .. } => {
                if !trim {
                    let ndigit = 1 + digits;
                    if value.len() < ndigit || !value.is_char_boundary(ndigit) {
                        bad = true;
                    } else {
                        match parse_nanoseconds(value, ndigit) {
                            Ok(ns) => nsec = ns,
                            Err("") => bad = true,
                            Err(r) => range_err = r,
                        }
                        value = &value[ndigit..];
                    }
                } else if value.len() >= 2
                    && value.starts_with(['.', ','])
                    && value.as_bytes()[1].is_ascii_digit()
                {
                    let mut i = 0;
                    while value.as_bytes().get(i + 1).is_some_and(u8::is_ascii_digit) {
                        i += 1;
                    }
                    match parse_nanoseconds(value, 1 + i) {
                        Ok(ns) => nsec = ns,
                        Err("") => bad = true,
                        Err(r) => range_err = r,
                    }
                    value = &value[1 + i..];
                }
            }
        }
        if !range_err.is_empty() {
            return Err(err(std_str, value, format!(": {range_err} out of range")));
        }
        if bad {
            return Err(err(std_str, hold, String::new()));
        }
    }
    if pm_set && hour < 12 {
        hour += 12;
    } else if am_set && hour == 12 {
        hour = 0;
    }

    if yday >= 0 {
        let mut d = 0;
        let mut m = 0;
        if is_leap(year) {
            if yday == 31 + 29 {
                m = 2;
                d = 29;
            } else if yday > 31 + 29 {
                yday -= 1;
            }
        }
        if !(1..=365).contains(&yday) {
            return Err(err("", value, ": day-of-year out of range".to_owned()));
        }
        if m == 0 {
            m = (yday - 1) / 31 + 1;
            if days_before(m + 1) < yday {
                m += 1;
            }
            d = yday - days_before(m);
        }
        if month >= 0 && month != m {
            return Err(err(
                "",
                value,
                ": day-of-year does not match month".to_owned(),
            ));
        }
        month = m;
        if day >= 0 && day != d {
            return Err(err(
                "",
                value,
                ": day-of-year does not match day".to_owned(),
            ));
        }
        day = d;
    } else {
        if month < 0 {
            month = 1;
        }
        if day < 0 {
            day = 1;
        }
    }
    if day < 1 || day > days_in(month, year) {
        return Err(err("", value, ": day out of range".to_owned()));
    }

    if utc {
        return Ok(GoTime::date(
            year,
            month,
            day,
            hour,
            min,
            sec,
            nsec,
            Loc::Utc,
        ));
    }
    if let Some(offset) = zone_offset {
        let mut t = GoTime::date(year, month, day, hour, min, sec, nsec, Loc::Utc);
        t.unix -= offset;
        let (name, local_offset) = local.zone_at(t.unix);
        if i64::from(local_offset) == offset && (zone_name.is_empty() || name == zone_name) {
            t.loc = local.clone();
            return Ok(t);
        }
        t.loc = Loc::Fixed {
            name: zone_name,
            offset: offset as i32,
        };
        return Ok(t);
    }
    if !zone_name.is_empty() {
        let mut t = GoTime::date(year, month, day, hour, min, sec, nsec, Loc::Utc);
        if let Some(offset) = local.lookup_name(&zone_name, t.unix) {
            t.unix -= i64::from(offset);
            t.loc = local.clone();
            return Ok(t);
        }
        let mut offset = 0;
        if zone_name.len() > 3 && zone_name.starts_with("GMT") {
            offset = atoi(&zone_name[3..]).unwrap_or(0) * 3600;
        }
        t.loc = Loc::Fixed {
            name: zone_name,
            offset: offset as i32,
        };
        return Ok(t);
    }
    Ok(GoTime::date(
        year,
        month,
        day,
        hour,
        min,
        sec,
        nsec,
        default.clone(),
    ))
}

/// `time.ParseDuration`.
pub(crate) fn parse_duration(s: &str) -> Result<i64, String> {
    let orig = s;
    let invalid = || format!("time: invalid duration {}", time_quote(orig));
    let mut s = s;
    let mut neg = false;
    if let Some(rest) = s.strip_prefix('-') {
        neg = true;
        s = rest;
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest;
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut d: u64 = 0;
    while !s.is_empty() {
        if !s.starts_with(|c: char| c == '.' || c.is_ascii_digit()) {
            return Err(invalid());
        }
        let before = s.len();
        let (mut v, rest) = leading_int(s).ok_or_else(invalid)?;
        s = rest;
        let pre = before != s.len();
        let mut post = false;
        let (mut f, mut scale) = (0u64, 1f64);
        if let Some(rest) = s.strip_prefix('.') {
            s = rest;
            let before = s.len();
            (f, scale, s) = leading_fraction(s);
            post = before != s.len();
        }
        if !pre && !post {
            return Err(invalid());
        }
        let unit_len = s
            .char_indices()
            .find(|&(_, c)| c == '.' || c.is_ascii_digit())
            .map_or(s.len(), |(i, _)| i);
        if unit_len == 0 {
            return Err(format!(
                "time: missing unit in duration {}",
                time_quote(orig)
            ));
        }
        let unit_text = &s[..unit_len];
        s = &s[unit_len..];
        let unit: u64 = match unit_text {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => SECOND as u64,
            "m" => MINUTE as u64,
            "h" => HOUR as u64,
            _ => {
                return Err(format!(
                    "time: unknown unit {} in duration {}",
                    time_quote(unit_text),
                    time_quote(orig)
                ));
            }
        };
        if v > (1 << 63) / unit {
            return Err(invalid());
        }
        v *= unit;
        if f > 0 {
            v += (f as f64 * (unit as f64 / scale)) as u64;
            if v > 1 << 63 {
                return Err(invalid());
            }
        }
        d += v;
        if d > 1 << 63 {
            return Err(invalid());
        }
    }
    if neg {
        return Ok((d as i64).wrapping_neg());
    }
    if d > (1 << 63) - 1 {
        return Err(invalid());
    }
    Ok(d as i64)
}

/// Go's `leadingFraction`.
fn leading_fraction(s: &str) -> (u64, f64, &str) {
    let mut x: u64 = 0;
    let mut scale = 1f64;
    let mut overflow = false;
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        if !overflow {
            if x > ((1u64 << 63) - 1) / 10 {
                overflow = true;
            } else {
                let y = x * 10 + u64::from(b[i] - b'0');
                if y > 1 << 63 {
                    overflow = true;
                } else {
                    x = y;
                    scale *= 10.0;
                }
            }
        }
        i += 1;
    }
    (x, scale, &s[i..])
}

/// `time.Duration.String()`: `72h3m0.5s`, `1.5ms`, `0s`.
pub(crate) fn format_duration(d: i64) -> String {
    let neg = d < 0;
    let mut u = d.unsigned_abs();
    let mut out = String::new();
    if u < SECOND as u64 {
        if u == 0 {
            return "0s".to_owned();
        }
        let (prec, unit) = if u < 1_000 {
            (0, "ns")
        } else if u < 1_000_000 {
            (3, "\u{b5}s")
        } else {
            (6, "ms")
        };
        let (whole, frac) = fmt_frac(u, prec);
        out.push_str(&whole.to_string());
        out.push_str(&frac);
        out.push_str(unit);
    } else {
        let (secs, frac) = fmt_frac(u, 9);
        u = secs;
        let s = u % 60;
        u /= 60;
        if u > 0 {
            let m = u % 60;
            u /= 60;
            if u > 0 {
                out.push_str(&format!("{u}h"));
            }
            out.push_str(&format!("{m}m"));
        }
        out.push_str(&format!("{s}{frac}s"));
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

/// Go's `fmtFrac`: `v / 10^prec` split into its integer part and a `.ddd`
/// fraction without trailing zeros (empty when zero).
fn fmt_frac(v: u64, prec: u32) -> (u64, String) {
    let p = 10u64.pow(prec);
    let (whole, frac) = (v / p, v % p);
    if frac == 0 {
        return (whole, String::new());
    }
    let mut digits = format!("{frac:0width$}", width = prec as usize);
    while digits.ends_with('0') {
        digits.pop();
    }
    (whole, format!(".{digits}"))
}

/// `time.Duration.Round(m)`, halfway values away from zero, saturating.
pub(crate) fn round_duration(d: i64, m: i64) -> i64 {
    if m <= 0 {
        return d;
    }
    let less_than_half = |x: i64, y: i64| (x as u64).wrapping_add(x as u64) < y as u64;
    let (wide_d, wide_m) = (i128::from(d), i128::from(m));
    let mut r = d % m;
    if d < 0 {
        r = -r;
        if less_than_half(r, m) {
            return d + r;
        }
        let d1 = wide_d - wide_m + i128::from(r);
        return i64::try_from(d1).unwrap_or(i64::MIN);
    }
    if less_than_half(r, m) {
        return d - r;
    }
    let d1 = wide_d + wide_m - i128::from(r);
    i64::try_from(d1).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(year: i64, month: i64, day: i64, h: i64, m: i64, s: i64, ns: i64) -> GoTime {
        GoTime::date(year, month, day, h, m, s, ns, Loc::Utc)
    }

    fn pst() -> Loc {
        Loc::Fixed {
            name: "PST".to_owned(),
            offset: -8 * 3600,
        }
    }

    /// Go's `formatTests` (time/format_test.go), on its reference time
    /// 2009-02-04 21:00:57.012345600 PST.
    #[test]
    fn format_matches_go_format_tests() {
        let t = GoTime::date(2009, 2, 4, 21, 0, 57, 12_345_600, pst());
        let cases = [
            (
                "ANSIC",
                "Mon Jan _2 15:04:05 2006",
                "Wed Feb  4 21:00:57 2009",
            ),
            (
                "UnixDate",
                "Mon Jan _2 15:04:05 MST 2006",
                "Wed Feb  4 21:00:57 PST 2009",
            ),
            (
                "RubyDate",
                "Mon Jan 02 15:04:05 -0700 2006",
                "Wed Feb 04 21:00:57 -0800 2009",
            ),
            ("RFC822", "02 Jan 06 15:04 MST", "04 Feb 09 21:00 PST"),
            (
                "RFC850",
                "Monday, 02-Jan-06 15:04:05 MST",
                "Wednesday, 04-Feb-09 21:00:57 PST",
            ),
            (
                "RFC1123",
                "Mon, 02 Jan 2006 15:04:05 MST",
                "Wed, 04 Feb 2009 21:00:57 PST",
            ),
            (
                "RFC1123Z",
                "Mon, 02 Jan 2006 15:04:05 -0700",
                "Wed, 04 Feb 2009 21:00:57 -0800",
            ),
            (
                "RFC3339",
                "2006-01-02T15:04:05Z07:00",
                "2009-02-04T21:00:57-08:00",
            ),
            (
                "RFC3339Nano",
                "2006-01-02T15:04:05.999999999Z07:00",
                "2009-02-04T21:00:57.0123456-08:00",
            ),
            ("Kitchen", "3:04PM", "9:00PM"),
            ("am/pm", "3pm", "9pm"),
            ("AM/PM", "3PM", "9PM"),
            ("two-digit year", "06 01 02", "09 02 04"),
            (
                "Janet",
                "Hi Janet, the Month is January",
                "Hi Janet, the Month is February",
            ),
            ("Stamp", "Jan _2 15:04:05", "Feb  4 21:00:57"),
            ("StampMilli", "Jan _2 15:04:05.000", "Feb  4 21:00:57.012"),
            (
                "StampMicro",
                "Jan _2 15:04:05.000000",
                "Feb  4 21:00:57.012345",
            ),
            (
                "StampNano",
                "Jan _2 15:04:05.000000000",
                "Feb  4 21:00:57.012345600",
            ),
            ("DateTime", "2006-01-02 15:04:05", "2009-02-04 21:00:57"),
            ("DateOnly", "2006-01-02", "2009-02-04"),
            ("TimeOnly", "15:04:05", "21:00:57"),
            ("YearDay", "Jan  2 002 __2 2", "Feb  4 035  35 4"),
            ("Year", "2006 6 06 _6 __6 ___6", "2009 6 09 _6 __6 ___6"),
            ("Month", "Jan January 1 01 _1", "Feb February 2 02 _2"),
            ("DayOfMonth", "2 02 _2 __2", "4 04  4  35"),
            ("DayOfWeek", "Mon Monday", "Wed Wednesday"),
            ("Hour", "15 3 03 _3", "21 9 09 _9"),
            ("Minute", "4 04 _4", "0 00 _0"),
            ("Second", "5 05 _5", "57 57 _57"),
        ];
        for (name, layout, want) in cases {
            assert_eq!(t.format(layout), want, "{name}");
        }
    }

    #[test]
    fn format_zones_and_fractions() {
        let t = GoTime::date(2009, 2, 4, 21, 0, 57, 12_345_600, pst());
        assert_eq!(
            t.format("-07 -0700 -07:00 -070000 -07:00:00"),
            "-08 -0800 -08:00 -080000 -08:00:00"
        );
        assert_eq!(t.format("Z07 Z0700 Z07:00"), "-08 -0800 -08:00");
        let u = utc(2009, 2, 5, 5, 0, 57, 12_345_600);
        assert_eq!(u.format("Z07 Z0700 Z07:00 -0700 MST"), "Z Z Z +0000 UTC");
        assert_eq!(
            u.format("05.000 05,000 05.999999 05.9"),
            "57.012 57,012 57.012345 57"
        );
        let whole = utc(2009, 2, 5, 5, 0, 57, 0);
        assert_eq!(whole.format("05.999"), "57");
        let odd = Loc::Fixed {
            name: String::new(),
            offset: 5 * 3600 + 30 * 60 + 7,
        };
        let o = GoTime::date(2020, 1, 1, 0, 0, 0, 0, odd);
        assert_eq!(o.format("MST -07:00:00"), "+0530 +05:30:07");
        assert_eq!(utc(-1, 1, 1, 0, 0, 0, 0).format("2006 06"), "-0001 01");
        assert_eq!(GoTime::zero().go_string(), "0001-01-01 00:00:00 +0000 UTC");
    }

    /// Go's `parseTests` (time/format_test.go), checked by formatting the result.
    #[test]
    fn parse_matches_go_parse_tests() {
        let cases = [
            (
                "Mon Jan _2 15:04:05 2006",
                "Thu Feb  4 21:00:57 2010",
                "2010-02-04 21:00:57 +0000 UTC",
            ),
            (
                "Mon Jan _2 15:04:05 MST 2006",
                "Thu Feb  4 21:00:57 PST 2010",
                "2010-02-04 21:00:57 +0000 PST",
            ),
            (
                "Mon Jan 02 15:04:05 -0700 2006",
                "Thu Feb 04 21:00:57 -0800 2010",
                "2010-02-04 21:00:57 -0800 -0800",
            ),
            (
                "Monday, 02-Jan-06 15:04:05 MST",
                "Thursday, 04-Feb-10 21:00:57 PST",
                "2010-02-04 21:00:57 +0000 PST",
            ),
            (
                "2006-01-02T15:04:05Z07:00",
                "2010-02-04T21:00:57-08:00",
                "2010-02-04 21:00:57 -0800 -0800",
            ),
            (
                "2006-01-02T15:04:05Z07:00",
                "2010-02-04T21:00:57Z",
                "2010-02-04 21:00:57 +0000 UTC",
            ),
            (
                "Mon Jan _2 15:04:05 2006",
                "Thu Feb  4 21:00:57.012 2010",
                "2010-02-04 21:00:57.012 +0000 UTC",
            ),
            (
                "Mon Jan _2 15:04:05.000 2006",
                "Thu Feb  4 21:00:57.012 2010",
                "2010-02-04 21:00:57.012 +0000 UTC",
            ),
            (
                "Mon Jan _2 15:04:05.999999999 2006",
                "Thu Feb  4 21:00:57.0123456789 2010",
                "2010-02-04 21:00:57.012345678 +0000 UTC",
            ),
            (
                "Mon Jan _2 15:04:05 2006",
                "thu feb  4 21:00:57 2010",
                "2010-02-04 21:00:57 +0000 UTC",
            ),
            (
                "Mon Jan _2 15:04:05 2006",
                "THU FEB  4 21:00:57 2010",
                "2010-02-04 21:00:57 +0000 UTC",
            ),
            (
                "Mon Jan _2 15:04:05 2006",
                "Thu Feb 4     21:00:57     2010",
                "2010-02-04 21:00:57 +0000 UTC",
            ),
            ("3:04PM", "9:00PM", "0000-01-01 21:00:00 +0000 UTC"),
            ("3:04pm", "12:00am", "0000-01-01 00:00:00 +0000 UTC"),
            ("2006-01-02", "2017-12-31", "2017-12-31 00:00:00 +0000 UTC"),
            (
                "2006 002 15:04:05",
                "2010 035 21:00:57",
                "2010-02-04 21:00:57 +0000 UTC",
            ),
            (
                "2006 __2 15:04:05",
                "2012  60 21:00:57",
                "2012-02-29 21:00:57 +0000 UTC",
            ),
            (
                "02 Jan 06 15:04 MST",
                "13 Jun 19 20:39 GMT",
                "2019-06-13 20:39:00 +0000 GMT",
            ),
            (
                "Jan _2 15:04:05 MST 2006",
                "Feb  4 21:00:57 GMT+3 2010",
                "2010-02-05 00:00:57 +0300 GMT+3",
            ),
        ];
        for (layout, value, want) in cases {
            let t = parse(layout, value, &Loc::Utc, &Loc::Utc)
                .unwrap_or_else(|e| panic!("{layout} {value}: {e}"));
            assert_eq!(t.go_string(), want, "{layout} {value}");
        }
    }

    /// Go's `parseErrorTests`.
    #[test]
    fn parse_errors_match_go() {
        let cases = [
            (
                "Mon Jan _2 15:04:05 2006",
                "Thu Feb  4 21:00:57 2010 extra",
                ": extra text: \" extra\"",
            ),
            (
                "Mon Jan _2 15:04:05 2006",
                "Thu Feb  4 21:00:57",
                "cannot parse \"\" as \"2006\"",
            ),
            (
                "Jan _2 15:04:05.000 2006",
                "Feb  4 21:00:57.01 2010",
                "cannot parse \".01 2010\" as \".000\"",
            ),
            ("2006-01-02", "2010-02-30", ": day out of range"),
            ("2006-01-02", "2010-13-01", ": month out of range"),
            ("15:04", "25:00", ": hour out of range"),
            ("2006 002", "2010 366", ": day-of-year out of range"),
            (
                "2006-01-02 002",
                "2010-02-04 036",
                ": day-of-year does not match day",
            ),
            (
                "2006-01-02T15:04:05Z07:00",
                "2006-01-02T15:04:05+25:00",
                ": time zone offset hour out of range",
            ),
            ("2006-01-02", "x", "cannot parse \"x\" as \"2006\""),
        ];
        for (layout, value, want) in cases {
            let e = parse(layout, value, &Loc::Utc, &Loc::Utc)
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{layout} {value}: {e}");
        }
        assert_eq!(
            parse("2006-01-02", "x", &Loc::Utc, &Loc::Utc)
                .unwrap_err()
                .to_string(),
            "parsing time \"x\" as \"2006-01-02\": cannot parse \"x\" as \"2006\""
        );
    }

    /// Go's `parseDurationTests` and `durationTests` (time/time_test.go).
    #[test]
    fn durations_match_go() {
        let parses = [
            ("0", 0),
            ("5s", 5 * SECOND),
            ("30s", 30 * SECOND),
            ("1478s", 1478 * SECOND),
            ("-5s", -5 * SECOND),
            ("+5s", 5 * SECOND),
            ("-0", 0),
            ("+0", 0),
            ("5.0s", 5 * SECOND),
            ("5.6s", 5 * SECOND + 600_000_000),
            ("5.s", 5 * SECOND),
            (".5s", 500_000_000),
            ("1.0s", SECOND),
            ("1.00s", SECOND),
            ("1.004s", SECOND + 4_000_000),
            ("100.00100s", 100 * SECOND + 1_000_000),
            ("10ns", 10),
            ("11us", 11_000),
            ("12µs", 12_000),
            ("12μs", 12_000),
            ("13ms", 13_000_000),
            ("14s", 14 * SECOND),
            ("15m", 15 * MINUTE),
            ("16h", 16 * HOUR),
            ("3h30m", 3 * HOUR + 30 * MINUTE),
            ("10.5s4m", 4 * MINUTE + 10 * SECOND + 500_000_000),
            ("-2m3.4s", -(2 * MINUTE + 3 * SECOND + 400_000_000)),
            (
                "1h2m3s4ms5us6ns",
                HOUR + 2 * MINUTE + 3 * SECOND + 4_000_000 + 5_000 + 6,
            ),
            (
                "39h9m14.425s",
                39 * HOUR + 9 * MINUTE + 14 * SECOND + 425_000_000,
            ),
            ("52763797000ns", 52_763_797_000),
            ("0.3333333333333333333h", 20 * MINUTE),
            ("9007199254740993ns", (1 << 53) + 1),
            ("9223372036854775807ns", i64::MAX),
            ("9223372036854775.807us", i64::MAX),
            ("9223372036s854ms775us807ns", i64::MAX),
            ("-9223372036854775808ns", i64::MIN),
            ("-9223372036854775.808us", i64::MIN),
            ("-9223372036s854ms775us808ns", i64::MIN),
            ("-2562047h47m16.854775808s", i64::MIN),
            ("0.100000000000000000000h", 6 * MINUTE),
            (
                "0.830103483285477580700h",
                49 * MINUTE + 48 * SECOND + 372_539_827,
            ),
        ];
        for (text, want) in parses {
            assert_eq!(parse_duration(text), Ok(want), "{text}");
        }
        for bad in [
            "",
            "3",
            "-",
            "s",
            ".",
            "-.",
            ".s",
            "+.s",
            "1d",
            "\u{85}\u{85}",
            "9223372036854775808ns",
            "9223372036854775.808us",
            "-9223372036854775809ns",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            parse_duration("1d").unwrap_err(),
            "time: unknown unit \"d\" in duration \"1d\""
        );
        assert_eq!(
            parse_duration("3").unwrap_err(),
            "time: missing unit in duration \"3\""
        );
        let formats = [
            (0, "0s"),
            (1, "1ns"),
            (1100, "1.1µs"),
            (2_200_000, "2.2ms"),
            (3_300_000_000, "3.3s"),
            (4 * MINUTE + 5 * SECOND, "4m5s"),
            (4 * MINUTE + 5_001_000_000, "4m5.001s"),
            (5 * HOUR + 6 * MINUTE + 7_001_000_000, "5h6m7.001s"),
            (8 * MINUTE + 1, "8m0.000000001s"),
            (i64::MAX, "2562047h47m16.854775807s"),
            (i64::MIN, "-2562047h47m16.854775808s"),
        ];
        for (d, want) in formats {
            assert_eq!(format_duration(d), want);
        }
        assert_eq!(
            round_duration(2 * HOUR + 5 * SECOND + 600_000_000, SECOND),
            2 * HOUR + 6 * SECOND
        );
        assert_eq!(round_duration(-1_500_000_000, SECOND), -2 * SECOND);
        assert_eq!(round_duration(i64::MAX, SECOND), i64::MAX);
        assert_eq!(
            round_duration(i64::MAX, 2 * SECOND),
            9_223_372_036_000_000_000
        );
    }

    #[test]
    fn dates_normalise_like_go() {
        // Go's Date: month 13 is next January, day 0 the previous month's last.
        assert_eq!(
            utc(2020, 13, 1, 0, 0, 0, 0).format("2006-01-02"),
            "2021-01-01"
        );
        assert_eq!(
            utc(2020, 3, 0, 0, 0, 0, 0).format("2006-01-02"),
            "2020-02-29"
        );
        let t = utc(2020, 1, 31, 12, 0, 0, 0);
        assert_eq!(t.add_date(0, 1, 0).format("2006-01-02"), "2020-03-02");
        assert_eq!(t.add(-HOUR * 13).format("2006-01-02 15"), "2020-01-30 23");
        assert_eq!(
            GoTime::from_unix(1_560_458_379, Loc::Utc).format("02 Jan 06 15:04 -0700"),
            "13 Jun 19 20:39 +0000"
        );
    }

    #[test]
    fn named_zones_follow_the_zoneinfo_database() {
        let Ok(ny) = load_location("America/New_York", || Loc::Utc) else {
            return; // no zoneinfo database on this machine
        };
        let winter = GoTime::from_unix(1_579_000_000, Loc::Utc).in_loc(ny.clone());
        assert_eq!(
            winter.format("2006-01-02 15:04 MST -0700"),
            "2020-01-14 06:06 EST -0500"
        );
        let summer = GoTime::date(2020, 7, 1, 12, 0, 0, 0, ny);
        assert_eq!(summer.format("15:04 MST"), "12:00 EDT");
        assert_eq!(summer.unix, 1_593_619_200);
        assert!(load_location("foobar", || Loc::Utc).is_err());
        assert!(load_location("../etc/passwd", || Loc::Utc).is_err());
        assert_eq!(
            load_location("", || Loc::Utc).map(|l| l.name().to_owned()),
            Ok("UTC".to_owned())
        );
    }
}

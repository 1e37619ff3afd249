//! Sprig's date functions (`date.go`) and the `time.Time` methods templates call
//! on their results. The clock is the host's; zones come from the zoneinfo
//! database, and `Local` follows the host's `TZ` as Go's `time.Local` follows the
//! process's.

use std::rc::Rc;

use super::{Ctx, Func, FuncResult, Ty, arg, func, int_arg, str_arg};
use crate::gotime::{self, GoTime, Loc, SECOND, format_duration, parse_duration};
use crate::value::Val;

fn time_val(t: GoTime) -> Val {
    Val::Time(Rc::new(t))
}

/// `time.Now()`, in the local zone with a monotonic reading.
fn now_time(ctx: &mut Ctx<'_>) -> GoTime {
    let clock = ctx.host.now();
    GoTime::now(clock, ctx.local_location())
}

/// The instant `date` and friends were given: a time, a Unix second count
/// (`int`, `int64`), or anything else meaning now. `*time.Time` and `int32` never
/// reach templates here.
fn date_arg(ctx: &mut Ctx<'_>, v: &Val) -> GoTime {
    match v {
        Val::Time(t) => (**t).clone(),
        Val::Int(secs) | Val::Int64(secs) => GoTime::from_unix(*secs, ctx.local_location()),
        _ => now_time(ctx),
    }
}

/// Sprig's `dateInZone`: an unknown zone falls back to UTC.
fn date_in_zone_impl(ctx: &mut Ctx<'_>, layout: &str, date: &Val, zone: &str) -> FuncResult {
    let t = date_arg(ctx, date);
    let loc = ctx.load_location(zone).unwrap_or(Loc::Utc);
    let shown = t.in_loc(loc);
    let text = shown.format(layout);
    ctx.check_size(text.len())?;
    Ok(Val::str(text))
}

pub(crate) fn now(ctx: &mut Ctx<'_>, _: Vec<Val>) -> FuncResult {
    Ok(time_val(now_time(ctx)))
}

pub(crate) fn date(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    date_in_zone_impl(ctx, str_arg(&args, 0), &arg(&args, 1), "Local")
}

pub(crate) fn date_in_zone(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    date_in_zone_impl(ctx, str_arg(&args, 0), &arg(&args, 1), str_arg(&args, 2))
}

pub(crate) fn html_date(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    date_in_zone_impl(ctx, "2006-01-02", &arg(&args, 0), "Local")
}

pub(crate) fn html_date_in_zone(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    date_in_zone_impl(ctx, "2006-01-02", &arg(&args, 0), str_arg(&args, 1))
}

fn time_arg(args: &[Val], i: usize) -> GoTime {
    match args.get(i) {
        Some(Val::Time(t)) => (**t).clone(),
        _ => GoTime::zero(),
    }
}

/// `dateModify`: an unparsable duration leaves the date as it is.
pub(crate) fn date_modify(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let t = time_arg(&args, 1);
    Ok(time_val(match parse_duration(str_arg(&args, 0)) {
        Ok(d) => t.add(d),
        Err(_) => t,
    }))
}

/// `mustDateModify`: an unparsable duration is the error.
pub(crate) fn must_date_modify(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let d = parse_duration(str_arg(&args, 0))?;
    Ok(time_val(time_arg(&args, 1).add(d)))
}

/// `ago`: time since the date, rounded to the second.
pub(crate) fn ago(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let t = match arg(&args, 0) {
        Val::Time(t) => (*t).clone(),
        Val::Int(secs) | Val::Int64(secs) => GoTime::from_unix(secs, ctx.local_location()),
        _ => now_time(ctx),
    };
    let since = now_time(ctx).sub(&t);
    Ok(Val::str(format_duration(gotime::round_duration(
        since, SECOND,
    ))))
}

/// `duration`: seconds (an `int64`, or a string of them) as a Go duration.
pub(crate) fn duration(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let seconds = match arg(&args, 0) {
        Val::Int64(n) => n,
        Val::Str(s) => parse_int10(&s),
        _ => 0,
    };
    Ok(Val::str(format_duration(seconds.wrapping_mul(SECOND))))
}

/// Go's `strconv.ParseInt(s, 10, 64)` with the error dropped: 0 for bad syntax,
/// the nearest limit on overflow.
fn parse_int10(s: &str) -> i64 {
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    let magnitude = digits.bytes().fold(0u128, |acc, b| {
        (acc * 10 + u128::from(b - b'0')).min(u128::from(u64::MAX))
    });
    if neg {
        i64::try_from(-(magnitude as i128)).unwrap_or(i64::MIN)
    } else {
        i64::try_from(magnitude).unwrap_or(i64::MAX)
    }
}

/// `durationRound`: a duration (string, nanoseconds as `int64`, or the time since
/// a date) as its largest whole unit. Sprig writes months as `m`, like minutes.
pub(crate) fn duration_round(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let d: i64 = match arg(&args, 0) {
        Val::Str(s) => parse_duration(&s).unwrap_or(0),
        Val::Int64(n) => n,
        Val::Time(t) => now_time(ctx).sub(&t),
        _ => 0,
    };
    let u = d.unsigned_abs();
    let hour = 3600 * SECOND as u64;
    let (year, month, day) = (hour * 24 * 365, hour * 24 * 30, hour * 24);
    let (minute, second) = (60 * SECOND as u64, SECOND as u64);
    let text = if u > year {
        format!("{}y", u / year)
    } else if u > month {
        format!("{}m", u / month)
    } else if u > day {
        format!("{}d", u / day)
    } else if u > hour {
        format!("{}h", u / hour)
    } else if u > minute {
        format!("{}m", u / minute)
    } else if u > second {
        format!("{}s", u / second)
    } else {
        "0s".to_owned()
    };
    Ok(Val::str(text))
}

/// `toDate`: `time.ParseInLocation(layout, value, time.Local)`, the zero time on
/// failure.
pub(crate) fn to_date(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let local = ctx.local_location();
    Ok(time_val(
        gotime::parse(str_arg(&args, 0), str_arg(&args, 1), &local, &local)
            .unwrap_or_else(|_| GoTime::zero()),
    ))
}

/// `mustToDate`: as `toDate`, with the parse error.
pub(crate) fn must_to_date(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let local = ctx.local_location();
    gotime::parse(str_arg(&args, 0), str_arg(&args, 1), &local, &local)
        .map(time_val)
        .map_err(|e| e.to_string())
}

pub(crate) fn unix_epoch(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::str(time_arg(&args, 0).unix.to_string()))
}

fn receiver(args: &[Val]) -> GoTime {
    time_arg(args, 0)
}

/// A method returning one of the time's fields as an `int`.
macro_rules! int_field {
    ($get:expr) => {
        func(&[], None, |_, a| {
            let get: fn(&GoTime) -> i64 = $get;
            Ok(Val::Int(get(&receiver(&a))))
        })
    };
}

/// The methods of `time.Time` that templates can call and whose results this
/// engine can represent.
pub(crate) fn method(name: &str) -> Option<Func> {
    Some(match name {
        "Format" => func(&[Ty::Str], None, |ctx, a| {
            let text = receiver(&a).format(str_arg(&a, 1));
            ctx.check_size(text.len())?;
            Ok(Val::str(text))
        }),
        "String" => func(&[], None, |_, a| Ok(Val::str(receiver(&a).go_string()))),
        "Unix" => func(&[], None, |_, a| Ok(Val::Int64(receiver(&a).unix))),
        "UnixMilli" => func(&[], None, |_, a| {
            let t = receiver(&a);
            Ok(Val::Int64(
                t.unix
                    .saturating_mul(1000)
                    .saturating_add(i64::from(t.nsec / 1_000_000)),
            ))
        }),
        "UnixMicro" => func(&[], None, |_, a| {
            let t = receiver(&a);
            Ok(Val::Int64(
                t.unix
                    .saturating_mul(1_000_000)
                    .saturating_add(i64::from(t.nsec / 1000)),
            ))
        }),
        "UnixNano" => func(&[], None, |_, a| {
            let t = receiver(&a);
            Ok(Val::Int64(
                t.unix.wrapping_mul(SECOND).wrapping_add(i64::from(t.nsec)),
            ))
        }),
        "Year" => int_field!(|t| t.civil().year),
        "YearDay" => int_field!(|t| i64::from(t.civil().yday)),
        "Day" => int_field!(|t| i64::from(t.civil().day)),
        "Hour" => int_field!(|t| i64::from(t.civil().hour)),
        "Minute" => int_field!(|t| i64::from(t.civil().minute)),
        "Second" => int_field!(|t| i64::from(t.civil().second)),
        "Nanosecond" => int_field!(|t| i64::from(t.nsec)),
        "IsZero" => func(&[], None, |_, a| Ok(Val::Bool(receiver(&a).is_zero()))),
        "UTC" => func(&[], None, |_, a| {
            Ok(time_val(receiver(&a).in_loc(Loc::Utc)))
        }),
        "Local" => func(&[], None, |ctx, a| {
            let local = ctx.local_location();
            Ok(time_val(receiver(&a).in_loc(local)))
        }),
        "AddDate" => func(&[Ty::Int, Ty::Int, Ty::Int], None, |_, a| {
            let t = receiver(&a);
            Ok(time_val(t.add_date(
                int_arg(&a, 1),
                int_arg(&a, 2),
                int_arg(&a, 3),
            )))
        }),
        "Before" => func(&[Ty::Time], None, |_, a| {
            Ok(Val::Bool(time_arg(&a, 0).sub(&time_arg(&a, 1)) < 0))
        }),
        "After" => func(&[Ty::Time], None, |_, a| {
            Ok(Val::Bool(time_arg(&a, 0).sub(&time_arg(&a, 1)) > 0))
        }),
        "Equal" => func(&[Ty::Time], None, |_, a| {
            Ok(Val::Bool(time_arg(&a, 0).sub(&time_arg(&a, 1)) == 0))
        }),
        _ => return None,
    })
}

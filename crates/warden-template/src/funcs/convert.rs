//! Sprig's conversions. Numbers go through `spf13/cast`, which turns anything it
//! cannot read into 0 instead of failing, and strings through `strval` (`%v`).

use super::{Ctx, FuncResult, arg, str_arg};
use crate::fmt::format_v;
use warden_value::strconv::parse_int;

/// `strconv.ParseFloat(s, 64)` with the error dropped.
fn parse_float(s: &str) -> Option<f64> {
    warden_value::strconv::parse_float(s).ok()
}
use crate::value::Val;

/// Sprig's `strval`: strings as they are, `Stringer`s through `String()`, the rest `%v`.
pub(crate) fn strval(ctx: &Ctx<'_>, v: &Val) -> Result<String, String> {
    match v {
        Val::Str(s) => Ok(s.to_string()),
        Val::Version(version) => Ok(version.to_string()),
        Val::Time(t) => Ok(t.go_string()),
        other => {
            let limit = ctx.limits.max_output_bytes;
            format_v(other, limit).map_err(|e| e.message(limit))
        }
    }
}

/// Sprig's `strslice`: a list's non-nil elements as strings; nil is empty; any
/// other value is a one-element list.
pub(crate) fn str_slice(ctx: &Ctx<'_>, v: &Val) -> Result<Vec<String>, String> {
    match v {
        Val::List(items) => items
            .iter()
            .filter(|i| !matches!(i, Val::Nil))
            .map(|i| strval(ctx, i))
            .collect(),
        Val::Nil => Ok(Vec::new()),
        other => Ok(vec![strval(ctx, other)?]),
    }
}

/// cast's `trimZeroDecimal`: "12.000" reads as "12".
fn trim_zero_decimal(s: &str) -> &str {
    let mut found_zero = false;
    for (i, b) in s.bytes().enumerate().rev() {
        match b {
            b'.' if found_zero => return &s[..i],
            b'.' => {}
            b'0' => found_zero = true,
            _ => return s,
        }
    }
    s
}

/// `cast.ToInt64`: 0 for anything unreadable.
pub(crate) fn to_int64(v: &Val) -> i64 {
    match v {
        Val::Int(i) | Val::Int64(i) => *i,
        Val::Float(f) => *f as i64,
        Val::Str(s) => parse_int(trim_zero_decimal(s)).unwrap_or(0),
        Val::Bool(b) => i64::from(*b),
        _ => 0,
    }
}

/// `cast.ToFloat64`: 0 for anything unreadable.
pub(crate) fn to_float64(v: &Val) -> f64 {
    match v {
        Val::Int(i) | Val::Int64(i) => *i as f64,
        Val::Float(f) => *f,
        Val::Str(s) => parse_float(s).unwrap_or(0.0),
        Val::Bool(b) => f64::from(u8::from(*b)),
        _ => 0.0,
    }
}

pub(crate) fn to_string(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    strval(ctx, &arg(&args, 0)).map(Val::str)
}

pub(crate) fn to_strings(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    str_slice(ctx, &arg(&args, 0)).map(Val::strings)
}

/// `strconv.Atoi` with the error dropped.
pub(crate) fn atoi(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::Int(str_arg(&args, 0).parse::<i64>().unwrap_or(0)))
}

pub(crate) fn int(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::Int(to_int64(&arg(&args, 0))))
}

pub(crate) fn int64(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::Int64(to_int64(&arg(&args, 0))))
}

pub(crate) fn float64(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::Float(to_float64(&arg(&args, 0))))
}

/// Sprig `toDecimal`: reads the value's text as an octal number (`"0777"` is 511).
pub(crate) fn to_decimal(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let text = strval(ctx, &arg(&args, 0))?;
    Ok(Val::Int64(i64::from_str_radix(&text, 8).unwrap_or(0)))
}

//! Sprig math. Integer functions convert every operand with `cast.ToInt64` and
//! return `int64` (wrapping on overflow, as Go does); the `…f` functions work in
//! `shopspring/decimal` arithmetic, so `addf 0.1 0.2` is exactly `0.3`.

use std::str::FromStr;

use bigdecimal::{BigDecimal, RoundingMode, Zero};

use super::convert::{to_float64, to_int64};
use super::{Ctx, FuncResult, arg, float_arg, int_arg};
use crate::value::Val;
use warden_value::strconv::format_float;

const DIVIDE_BY_ZERO: &str = "runtime error: integer divide by zero";

fn ints(args: &[Val]) -> impl Iterator<Item = i64> + '_ {
    args.iter().map(to_int64)
}

pub(crate) fn add(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::Int64(ints(&args).fold(0i64, i64::wrapping_add)))
}

pub(crate) fn add1(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::Int64(to_int64(&arg(&args, 0)).wrapping_add(1)))
}

pub(crate) fn sub(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::Int64(
        to_int64(&arg(&args, 0)).wrapping_sub(to_int64(&arg(&args, 1))),
    ))
}

pub(crate) fn div(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let (a, b) = (to_int64(&arg(&args, 0)), to_int64(&arg(&args, 1)));
    if b == 0 {
        return Err(DIVIDE_BY_ZERO.into());
    }
    Ok(Val::Int64(a.wrapping_div(b)))
}

pub(crate) fn modulo(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let (a, b) = (to_int64(&arg(&args, 0)), to_int64(&arg(&args, 1)));
    if b == 0 {
        return Err(DIVIDE_BY_ZERO.into());
    }
    Ok(Val::Int64(a.wrapping_rem(b)))
}

pub(crate) fn mul(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::Int64(ints(&args).fold(1i64, i64::wrapping_mul)))
}

pub(crate) fn max(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::Int64(ints(&args).max().unwrap_or(0)))
}

pub(crate) fn min(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::Int64(ints(&args).min().unwrap_or(0)))
}

/// Go's `math.Max`: NaN wins, and +0 beats -0.
fn go_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return f64::NAN;
    }
    if a == b && a == 0.0 {
        return if a.is_sign_negative() { b } else { a };
    }
    if a > b { a } else { b }
}

fn go_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return f64::NAN;
    }
    if a == b && a == 0.0 {
        return if a.is_sign_negative() { a } else { b };
    }
    if a < b { a } else { b }
}

pub(crate) fn maxf(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let mut values = args.iter().map(to_float64);
    let first = values.next().unwrap_or(0.0);
    Ok(Val::Float(values.fold(first, go_max)))
}

pub(crate) fn minf(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let mut values = args.iter().map(to_float64);
    let first = values.next().unwrap_or(0.0);
    Ok(Val::Float(values.fold(first, go_min)))
}

pub(crate) fn floor(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::Float(to_float64(&arg(&args, 0)).floor()))
}

pub(crate) fn ceil(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::Float(to_float64(&arg(&args, 0)).ceil()))
}

/// Sprig `round value places [roundOn]`: rounds up when the dropped fraction is at
/// least `roundOn` (0.5 by default).
pub(crate) fn round(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let round_on = if args.len() > 2 {
        float_arg(&args, 2)
    } else {
        0.5
    };
    let value = to_float64(&arg(&args, 0));
    let pow = 10f64.powf(int_arg(&args, 1) as f64);
    let digit = pow * value;
    let fraction = digit.fract();
    let rounded = if fraction >= round_on {
        digit.ceil()
    } else {
        digit.floor()
    };
    Ok(Val::Float(rounded / pow))
}

/// `decimal.NewFromFloat`: the shortest decimal that reads back as `x`.
fn decimal(x: f64) -> Result<BigDecimal, String> {
    if !x.is_finite() {
        return Err(format!(
            "Cannot create a Decimal from {}",
            format_float(x, b'g', -1)
        ));
    }
    BigDecimal::from_str(&format!("{x:e}")).map_err(|e| e.to_string())
}

#[derive(Clone, Copy)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

/// Sprig's `execDecimalOp`: fold the operands in decimal arithmetic, then convert
/// the result to the nearest float64. Division rounds to 16 places, as shopspring's.
fn decimal_fold(first: &Val, rest: &[Val], op: Op) -> FuncResult {
    let mut acc = decimal(to_float64(first))?;
    for operand in rest {
        let d = decimal(to_float64(operand))?;
        acc = match op {
            Op::Add => acc + d,
            Op::Sub => acc - d,
            Op::Mul => acc * d,
            Op::Div => {
                if d.is_zero() {
                    return Err("decimal division by zero".into());
                }
                (acc / d).with_scale_round(16, RoundingMode::HalfUp)
            }
        };
    }
    Ok(Val::Float(acc.to_string().parse::<f64>().unwrap_or(0.0)))
}

pub(crate) fn addf(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    decimal_fold(&Val::Float(0.0), &args, Op::Add)
}

pub(crate) fn add1f(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    decimal_fold(&arg(&args, 0), &[Val::Int(1)], Op::Add)
}

pub(crate) fn subf(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    decimal_fold(&arg(&args, 0), args.get(1..).unwrap_or(&[]), Op::Sub)
}

pub(crate) fn mulf(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    decimal_fold(&arg(&args, 0), args.get(1..).unwrap_or(&[]), Op::Mul)
}

pub(crate) fn divf(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    decimal_fold(&arg(&args, 0), args.get(1..).unwrap_or(&[]), Op::Div)
}

/// Sprig's `untilStep` as numbers, refusing lists beyond the limit before building them.
pub(crate) fn until_step_values(
    ctx: &Ctx<'_>,
    start: i64,
    stop: i64,
    step: i64,
) -> Result<Vec<i64>, String> {
    let (start, stop, step) = (i128::from(start), i128::from(stop), i128::from(step));
    let count = if stop < start {
        if step >= 0 {
            0
        } else {
            (start - stop + (-step) - 1) / (-step)
        }
    } else if step <= 0 {
        0
    } else {
        (stop - start + step - 1) / step
    };
    ctx.check_list_len(usize::try_from(count).unwrap_or(usize::MAX))?;
    Ok((0..count).map(|i| (start + i * step) as i64).collect())
}

pub(crate) fn until(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let count = int_arg(&args, 0);
    let step = if count < 0 { -1 } else { 1 };
    let values = until_step_values(ctx, 0, count, step)?;
    Ok(Val::list(values.into_iter().map(Val::Int).collect()))
}

pub(crate) fn until_step(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let values = until_step_values(ctx, int_arg(&args, 0), int_arg(&args, 1), int_arg(&args, 2))?;
    Ok(Val::list(values.into_iter().map(Val::Int).collect()))
}

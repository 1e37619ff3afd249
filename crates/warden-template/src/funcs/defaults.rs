//! Sprig's defaults and reflection helpers: how templates pick values for optional
//! vars (`default`, `coalesce`, `ternary`) and inspect types (`kindIs`).

use super::{Ctx, FuncResult, arg, bool_arg, str_arg};
use crate::value::Val;

/// Sprig's `empty`: the zero value of its type (nil, 0, "", false, empty list or map).
pub(crate) fn is_empty(v: &Val) -> bool {
    !v.truth()
}

/// Comparisons explored before `deep_equal` gives up (only cyclic data gets there).
const DEEP_EQUAL_BUDGET: usize = 100_000;

/// Go's `reflect.DeepEqual` on template values: types must match exactly
/// (`int` is not `int64`), containers compare element-wise.
pub(crate) fn deep_equal(a: &Val, b: &Val) -> bool {
    let mut budget = DEEP_EQUAL_BUDGET;
    deep_equal_within(a, b, &mut budget, 0)
}

/// Containers nested deeper than this compare as unequal rather than recursing on.
const MAX_DEPTH: usize = 100;

fn deep_equal_within(a: &Val, b: &Val, budget: &mut usize, depth: usize) -> bool {
    if *budget == 0 || depth > MAX_DEPTH {
        return false;
    }
    *budget -= 1;
    match (a, b) {
        (Val::Nil, Val::Nil) => true,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Int(x), Val::Int(y)) | (Val::Int64(x), Val::Int64(y)) => x == y,
        (Val::Float(x), Val::Float(y)) => x == y,
        (Val::Str(x), Val::Str(y)) => x == y,
        (Val::List(x), Val::List(y)) => {
            // Like reflect.DeepEqual, the same backing array is equal without a walk.
            std::rc::Rc::ptr_eq(x, y)
                || x.len() == y.len()
                    && x.iter()
                        .zip(y.iter())
                        .all(|(p, q)| deep_equal_within(p, q, budget, depth + 1))
        }
        (Val::Map(x), Val::Map(y)) => {
            if x.kind != y.kind {
                return false;
            }
            if x.same(y) {
                return true;
            }
            let (xs, ys) = (x.entries(), y.entries());
            xs.len() == ys.len()
                && xs.iter().zip(ys.iter()).all(|((kx, vx), (ky, vy))| {
                    kx == ky && deep_equal_within(vx, vy, budget, depth + 1)
                })
        }
        (Val::Version(x), Val::Version(y)) => x == y,
        (Val::Time(x), Val::Time(y)) => x.same(y),
        (Val::Cert(x), Val::Cert(y)) => x == y,
        _ => false,
    }
}

/// Sprig `default DEFAULT GIVEN`: GIVEN unless it is empty (or absent).
pub(crate) fn default(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    match args.get(1) {
        Some(given) if !is_empty(given) => Ok(given.clone()),
        _ => Ok(arg(&args, 0)),
    }
}

pub(crate) fn empty(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::Bool(is_empty(&arg(&args, 0))))
}

pub(crate) fn coalesce(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(args.into_iter().find(|v| !is_empty(v)).unwrap_or(Val::Nil))
}

pub(crate) fn all(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::Bool(args.iter().all(|v| !is_empty(v))))
}

pub(crate) fn any(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::Bool(args.iter().any(|v| !is_empty(v))))
}

pub(crate) fn ternary(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(if bool_arg(&args, 2) {
        arg(&args, 0)
    } else {
        arg(&args, 1)
    })
}

pub(crate) fn fail(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Err(str_arg(&args, 0).to_owned())
}

pub(crate) fn type_of(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::str(arg(&args, 0).type_name()))
}

pub(crate) fn kind_of(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::str(arg(&args, 0).kind_name()))
}

pub(crate) fn type_is(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::Bool(str_arg(&args, 0) == arg(&args, 1).type_name()))
}

pub(crate) fn type_is_like(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let (target, actual) = (str_arg(&args, 0), arg(&args, 1).type_name());
    Ok(Val::Bool(
        target == actual || actual.strip_prefix('*') == Some(target),
    ))
}

pub(crate) fn kind_is(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::Bool(str_arg(&args, 0) == arg(&args, 1).kind_name()))
}

pub(crate) fn deep_equal_fn(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::Bool(deep_equal(&arg(&args, 0), &arg(&args, 1))))
}

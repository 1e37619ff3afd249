//! Go's `text/template` builtins (`funcs.go`), with Go's error messages.

use std::rc::Rc;

use super::{Ctx, FuncResult, arg, str_arg};
use crate::fmt::{format_v, sprint, sprintf, sprintln};
use crate::value::{MapKind, Val};

pub(crate) fn not(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::Bool(!arg(&args, 0).truth()))
}

pub(crate) fn len(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let n = match arg(&args, 0) {
        Val::Str(s) => s.len(),
        Val::List(items) => items.len(),
        Val::Map(map) => map.len(),
        // Go calls Type() on the zero Value here, and reports the recovered panic.
        Val::Nil => return Err("reflect: call of reflect.Value.Type on zero Value".into()),
        other => return Err(format!("len of type {}", other.type_name())),
    };
    Ok(Val::Int(n as i64))
}

/// Go's `indexArg`: an integer index no greater than `cap`.
fn index_arg(index: &Val, cap: usize) -> Result<usize, String> {
    let x = match index {
        Val::Int(i) | Val::Int64(i) => *i,
        Val::Nil => return Err("cannot index slice/array with nil".into()),
        other => {
            return Err(format!(
                "cannot index slice/array with type {}",
                other.type_name()
            ));
        }
    };
    if x < 0 || x as u64 > cap as u64 {
        return Err(format!("index out of range: {x}"));
    }
    Ok(x as usize)
}

pub(crate) fn index(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let mut item = arg(&args, 0);
    if matches!(item, Val::Nil) {
        return Err("index of untyped nil".into());
    }
    for index in args.iter().skip(1) {
        item = match &item {
            Val::List(items) => {
                let x = index_arg(index, items.len())?;
                items
                    .get(x)
                    .cloned()
                    .ok_or("reflect: slice index out of range")?
            }
            Val::Str(s) => {
                let x = index_arg(index, s.len())?;
                Val::Int(i64::from(
                    *s.as_bytes()
                        .get(x)
                        .ok_or("reflect: string index out of range")?,
                ))
            }
            Val::Map(map) => {
                let key = match index {
                    Val::Str(key) => key,
                    Val::Nil => return Err("value is nil; should be of type string".into()),
                    other => {
                        return Err(format!(
                            "value has type {}; should be string",
                            other.type_name()
                        ));
                    }
                };
                match map.get(key) {
                    Some(value) => value,
                    None if map.kind == MapKind::String => Val::str(""),
                    None => Val::Nil,
                }
            }
            Val::Nil => return Err("index of nil pointer".into()),
            other => return Err(format!("can't index item of type {}", other.type_name())),
        };
    }
    Ok(item)
}

pub(crate) fn print(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let limit = ctx.limits.max_output_bytes;
    sprint(&args, limit)
        .map(Val::str)
        .map_err(|e| e.message(limit))
}

pub(crate) fn printf(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let limit = ctx.limits.max_output_bytes;
    sprintf(str_arg(&args, 0), args.get(1..).unwrap_or(&[]), limit)
        .map(Val::str)
        .map_err(|e| e.message(limit))
}

pub(crate) fn println(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let limit = ctx.limits.max_output_bytes;
    sprintln(&args, limit)
        .map(Val::str)
        .map_err(|e| e.message(limit))
}

/// Go's `evalArgs`: `fmt.Sprint` of the arguments, with nil shown as `<no value>`.
fn eval_args(ctx: &Ctx<'_>, args: Vec<Val>) -> Result<String, String> {
    if let [Val::Str(s)] = args.as_slice() {
        return Ok(s.to_string());
    }
    let args: Vec<Val> = args
        .into_iter()
        .map(|a| {
            if matches!(a, Val::Nil) {
                Val::str("<no value>")
            } else {
                a
            }
        })
        .collect();
    let limit = ctx.limits.max_output_bytes;
    sprint(&args, limit).map_err(|e| e.message(limit))
}

pub(crate) fn html(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let s = eval_args(ctx, args)?;
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\0' => out.push('\u{FFFD}'),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    Ok(Val::str(out))
}

pub(crate) fn js(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let s = eval_args(ctx, args)?;
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            c if c.is_ascii() || crate::text::is_go_print(c) => out.push(c),
            c => out.push_str(&format!("\\u{:04X}", c as u32)),
        }
    }
    Ok(Val::str(out))
}

pub(crate) fn urlquery(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let s = eval_args(ctx, args)?;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    Ok(Val::str(out))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Invalid,
    Bool,
    Int,
    Float,
    String,
}

fn basic_kind(v: &Val) -> Kind {
    match v {
        Val::Bool(_) => Kind::Bool,
        Val::Int(_) | Val::Int64(_) => Kind::Int,
        Val::Float(_) => Kind::Float,
        Val::Str(_) => Kind::String,
        _ => Kind::Invalid,
    }
}

fn shown(v: &Val) -> String {
    format_v(v, 1 << 16).unwrap_or_else(|_| "...".into())
}

/// Go's `eq`: true if the first argument equals any of the others.
fn equal_any(first: &Val, others: &[Val]) -> Result<bool, String> {
    if others.is_empty() {
        return Err("missing argument for comparison".into());
    }
    let k1 = basic_kind(first);
    for other in others {
        let k2 = basic_kind(other);
        let truth = if k1 != k2 {
            if !matches!(first, Val::Nil) && !matches!(other, Val::Nil) {
                return Err(format!(
                    "incompatible types for comparison: {} and {}",
                    first.type_name(),
                    other.type_name()
                ));
            }
            false
        } else {
            match (first, other) {
                (Val::Bool(a), Val::Bool(b)) => a == b,
                (Val::Float(a), Val::Float(b)) => a == b,
                (Val::Int(a) | Val::Int64(a), Val::Int(b) | Val::Int64(b)) => a == b,
                (Val::Str(a), Val::Str(b)) => a == b,
                _ => compare_non_basic(first, other)?,
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Maps, lists, versions and nil: only nil checks and pointer identity are defined.
fn compare_non_basic(a: &Val, b: &Val) -> Result<bool, String> {
    let same_kind = std::mem::discriminant(a) == std::mem::discriminant(b);
    if !same_kind && !matches!(a, Val::Nil) && !matches!(b, Val::Nil) {
        return Err(format!(
            "non-comparable types {}: {}, {}: {}",
            shown(a),
            a.type_name(),
            b.type_name(),
            shown(b)
        ));
    }
    if matches!(a, Val::Nil) || matches!(b, Val::Nil) {
        return Ok(matches!(a, Val::Nil) == matches!(b, Val::Nil));
    }
    match (a, b) {
        (Val::Version(x), Val::Version(y)) => Ok(Rc::ptr_eq(x, y)),
        // Structs compare field by field (`==` on `time.Time` and `certificate`).
        (Val::Time(x), Val::Time(y)) => Ok(x.same(y)),
        (Val::Cert(x), Val::Cert(y)) => Ok(x == y),
        _ => Err(format!(
            "non-comparable type {}: {}",
            shown(b),
            b.type_name()
        )),
    }
}

/// Go's `lt`.
fn less(a: &Val, b: &Val) -> Result<bool, String> {
    let (k1, k2) = (basic_kind(a), basic_kind(b));
    if k1 == Kind::Invalid || k2 == Kind::Invalid {
        return Err("invalid type for comparison".into());
    }
    if k1 != k2 {
        return Err(format!(
            "incompatible types for comparison: {} and {}",
            a.type_name(),
            b.type_name()
        ));
    }
    match (a, b) {
        (Val::Float(x), Val::Float(y)) => Ok(x < y),
        (Val::Int(x) | Val::Int64(x), Val::Int(y) | Val::Int64(y)) => Ok(x < y),
        (Val::Str(x), Val::Str(y)) => Ok(x < y),
        _ => Err("invalid type for comparison".into()),
    }
}

pub(crate) fn eq(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let (first, others) = args
        .split_first()
        .ok_or("missing argument for comparison")?;
    equal_any(first, others).map(Val::Bool)
}

pub(crate) fn ne(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    equal_any(&arg(&args, 0), args.get(1..).unwrap_or(&[])).map(|e| Val::Bool(!e))
}

pub(crate) fn lt(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    less(&arg(&args, 0), &arg(&args, 1)).map(Val::Bool)
}

pub(crate) fn le(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let (a, b) = (arg(&args, 0), arg(&args, 1));
    if less(&a, &b)? {
        return Ok(Val::Bool(true));
    }
    equal_any(&a, std::slice::from_ref(&b)).map(Val::Bool)
}

pub(crate) fn gt(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    match le(ctx, args)? {
        Val::Bool(b) => Ok(Val::Bool(!b)),
        other => Ok(other),
    }
}

pub(crate) fn ge(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    less(&arg(&args, 0), &arg(&args, 1)).map(|l| Val::Bool(!l))
}

//! Sprig's list functions. The `must…` variants share the plain ones' bodies: in a
//! template, the plain ones' panic and the `must` ones' error both end up as
//! `error calling NAME: …`.

use std::rc::Rc;

use super::convert::to_int64;
use super::defaults::{deep_equal, is_empty};
use super::{Ctx, FuncResult, NIL_DEREFERENCE, arg, int_arg};
use crate::value::{Items, Val};

/// The list in `v`, or Sprig's complaint about it (Go dereferences nil's type first).
fn as_list(v: &Val, complaint: impl FnOnce(&str) -> String) -> Result<Rc<Items>, String> {
    match v {
        Val::List(items) => Ok(items.clone()),
        Val::Nil => Err(NIL_DEREFERENCE.into()),
        other => Err(complaint(other.kind_name())),
    }
}

pub(crate) fn list(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::list(args))
}

pub(crate) fn append(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let items = as_list(&arg(&args, 0), |k| format!("Cannot push on type {k}"))?;
    ctx.check_list_len(items.len() + 1)?;
    let mut out = items.to_vec();
    out.push(arg(&args, 1));
    Ok(Val::list(out))
}

pub(crate) fn prepend(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let items = as_list(&arg(&args, 0), |k| format!("Cannot prepend on type {k}"))?;
    ctx.check_list_len(items.len() + 1)?;
    let mut out = Vec::with_capacity(items.len() + 1);
    out.push(arg(&args, 1));
    out.extend(items.iter().cloned());
    Ok(Val::list(out))
}

pub(crate) fn first(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let items = as_list(&arg(&args, 0), |k| format!("Cannot find first on type {k}"))?;
    Ok(items.first().cloned().unwrap_or(Val::Nil))
}

pub(crate) fn last(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let items = as_list(&arg(&args, 0), |k| format!("Cannot find last on type {k}"))?;
    Ok(items.last().cloned().unwrap_or(Val::Nil))
}

pub(crate) fn rest(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let items = as_list(&arg(&args, 0), |k| format!("Cannot find rest on type {k}"))?;
    if items.is_empty() {
        return Ok(Val::Nil);
    }
    Ok(Val::list(items.get(1..).unwrap_or(&[]).to_vec()))
}

pub(crate) fn initial(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let items = as_list(&arg(&args, 0), |k| {
        format!("Cannot find initial on type {k}")
    })?;
    if items.is_empty() {
        return Ok(Val::Nil);
    }
    Ok(Val::list(
        items.get(..items.len() - 1).unwrap_or(&[]).to_vec(),
    ))
}

pub(crate) fn reverse(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let items = as_list(&arg(&args, 0), |k| {
        format!("Cannot find reverse on type {k}")
    })?;
    Ok(Val::list(items.iter().rev().cloned().collect()))
}

pub(crate) fn uniq(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let items = as_list(&arg(&args, 0), |k| format!("Cannot find uniq on type {k}"))?;
    let mut out: Vec<Val> = Vec::new();
    for item in items.iter() {
        if !out.iter().any(|seen| deep_equal(seen, item)) {
            out.push(item.clone());
        }
    }
    Ok(Val::list(out))
}

pub(crate) fn without(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let items = as_list(&arg(&args, 0), |k| {
        format!("Cannot find without on type {k}")
    })?;
    let omit = args.get(1..).unwrap_or(&[]);
    Ok(Val::list(
        items
            .iter()
            .filter(|item| !omit.iter().any(|o| deep_equal(o, item)))
            .cloned()
            .collect(),
    ))
}

pub(crate) fn has(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let haystack = arg(&args, 1);
    if matches!(haystack, Val::Nil) {
        return Ok(Val::Bool(false));
    }
    let items = as_list(&haystack, |k| format!("Cannot find has on type {k}"))?;
    let needle = arg(&args, 0);
    Ok(Val::Bool(
        items.iter().any(|item| deep_equal(&needle, item)),
    ))
}

pub(crate) fn compact(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let items = as_list(&arg(&args, 0), |k| format!("Cannot compact on type {k}"))?;
    Ok(Val::list(
        items
            .iter()
            .filter(|item| !is_empty(item))
            .cloned()
            .collect(),
    ))
}

/// Sprig `slice list [start [end]]`, with `cast.ToInt` indexes.
pub(crate) fn slice(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let items = as_list(&arg(&args, 0), |k| {
        format!("list should be type of slice or array but {k}")
    })?;
    if items.is_empty() {
        return Ok(Val::Nil);
    }
    let start = if args.len() > 1 {
        to_int64(&arg(&args, 1))
    } else {
        0
    };
    let end = if args.len() > 2 {
        to_int64(&arg(&args, 2))
    } else {
        items.len() as i64
    };
    if start < 0 || end < start || end > items.len() as i64 {
        return Err("reflect.Value.Slice: slice index out of bounds".into());
    }
    Ok(Val::list(
        items
            .get(start as usize..end as usize)
            .unwrap_or(&[])
            .to_vec(),
    ))
}

pub(crate) fn concat(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let mut out = Vec::new();
    for list in &args {
        let items = as_list(list, |k| format!("Cannot concat type {k} as list"))?;
        ctx.check_list_len(out.len() + items.len())?;
        out.extend(items.iter().cloned());
    }
    Ok(Val::list(out))
}

pub(crate) fn chunk(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let size = int_arg(&args, 0);
    let items = as_list(&arg(&args, 1), |k| format!("Cannot chunk type {k}"))?;
    if size <= 0 {
        return Err("runtime error: makeslice: len out of range".into());
    }
    let chunks = items
        .chunks(size as usize)
        .map(|c| Val::list(c.to_vec()))
        .collect();
    Ok(Val::list(chunks))
}

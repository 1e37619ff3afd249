//! Sprig's dictionary functions. Go maps are references: `set`, `unset`, `merge`
//! and `mergeOverwrite` change the map they are given, and every variable holding
//! it sees the change. Merging follows `dario.cat/mergo`.

use std::collections::BTreeMap;

use super::convert::strval;
use super::defaults::is_empty;
use super::{Ctx, FuncResult, arg, map_arg, str_arg};
use crate::value::{MapKind, MapRef, Val};

/// Nesting beyond which `merge` and `deepCopy` stop: only cyclic maps get there.
const MAX_DEPTH: usize = 100;

pub(crate) fn dict(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let mut entries = BTreeMap::new();
    for pair in args.chunks(2) {
        let Some(key) = pair.first() else { continue };
        let key = strval(ctx, key)?;
        entries.insert(key, pair.get(1).cloned().unwrap_or_else(|| Val::str("")));
    }
    Ok(Val::Map(MapRef::new(entries)))
}

pub(crate) fn get(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(map_arg(&args, 0)
        .and_then(|m| m.get(str_arg(&args, 1)))
        .unwrap_or_else(|| Val::str("")))
}

pub(crate) fn set(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let Some(map) = map_arg(&args, 0) else {
        return Err("assignment to entry in nil map".into());
    };
    map.insert(str_arg(&args, 1).to_owned(), arg(&args, 2));
    ctx.record_mutation(&map);
    Ok(Val::Map(map))
}

pub(crate) fn unset(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    if let Some(map) = map_arg(&args, 0) {
        map.remove(str_arg(&args, 1));
    }
    Ok(arg(&args, 0))
}

pub(crate) fn has_key(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::Bool(
        map_arg(&args, 0).is_some_and(|m| m.contains(str_arg(&args, 1))),
    ))
}

pub(crate) fn pluck(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let key = str_arg(&args, 0);
    let found = args.iter().skip(1).filter_map(|d| match d {
        Val::Map(m) => m.get(key),
        _ => None,
    });
    Ok(Val::list(found.collect()))
}

pub(crate) fn keys(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let mut out = Vec::new();
    for d in &args {
        if let Val::Map(m) = d {
            out.extend(m.keys());
        }
    }
    Ok(Val::strings(out))
}

pub(crate) fn values(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let entries = map_arg(&args, 0).map(|m| m.entries()).unwrap_or_default();
    Ok(Val::list(entries.into_iter().map(|(_, v)| v).collect()))
}

pub(crate) fn pick(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let map = map_arg(&args, 0);
    let mut out = BTreeMap::new();
    for key in args.iter().skip(1).filter_map(Val::as_str) {
        if let Some(value) = map.as_ref().and_then(|m| m.get(key)) {
            out.insert(key.to_owned(), value);
        }
    }
    Ok(Val::Map(MapRef::new(out)))
}

pub(crate) fn omit(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let omitted: Vec<&str> = args.iter().skip(1).filter_map(Val::as_str).collect();
    let entries = map_arg(&args, 0).map(|m| m.entries()).unwrap_or_default();
    let out = entries
        .into_iter()
        .filter(|(k, _)| !omitted.contains(&k.as_str()))
        .collect();
    Ok(Val::Map(MapRef::new(out)))
}

/// mergo's map merge: nested maps merge recursively in place; other values are
/// copied when the destination lacks them or holds an empty value, or always
/// when overwriting.
fn merge_into(ctx: &mut Ctx<'_>, dst: &MapRef, src: &MapRef, overwrite: bool, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    for (key, src_value) in src.entries() {
        if matches!(src_value, Val::Nil) {
            if overwrite {
                dst.insert(key, Val::Nil);
            }
            continue;
        }
        let dst_value = dst.get(&key);
        if let (Val::Map(src_map), Some(Val::Map(dst_map))) = (&src_value, &dst_value)
            && dst_map.len() > 0
            && dst_map.kind == MapKind::Interface
        {
            if !dst_map.same(src_map) {
                merge_into(ctx, dst_map, src_map, overwrite, depth + 1);
                ctx.record_mutation(dst_map);
            }
            continue;
        }
        let dst_is_empty = dst_value.as_ref().is_none_or(is_empty);
        if matches!(src_value, Val::List(_)) && !dst_is_empty && !overwrite {
            continue;
        }
        if overwrite || dst_is_empty {
            dst.insert(key, src_value);
        }
    }
    ctx.record_mutation(dst);
}

fn merge_all(ctx: &mut Ctx<'_>, args: Vec<Val>, overwrite: bool) -> FuncResult {
    let dst = map_arg(&args, 0).unwrap_or_else(|| MapRef::new(BTreeMap::new()));
    for src in args.iter().skip(1) {
        if let Val::Map(src) = src
            && !src.same(&dst)
        {
            merge_into(ctx, &dst, src, overwrite, 0);
        }
    }
    Ok(Val::Map(dst))
}

pub(crate) fn merge(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    merge_all(ctx, args, false)
}

pub(crate) fn merge_overwrite(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    merge_all(ctx, args, true)
}

/// Go's message for a failed type assertion, which `dig` panics with.
fn conversion_panic(v: &Val, want: &str) -> String {
    let got = if matches!(v, Val::Nil) {
        "nil"
    } else {
        v.type_name()
    };
    format!("interface conversion: interface {{}} is {got}, not {want}")
}

/// Sprig `dig KEY… DEFAULT DICT`: walk nested maps, DEFAULT when a key is missing.
pub(crate) fn dig(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    if args.len() < 3 {
        return Err("dig needs at least three arguments".into());
    }
    let (dict, rest) = args
        .split_last()
        .ok_or("dig needs at least three arguments")?;
    let (default, keys) = rest
        .split_last()
        .ok_or("dig needs at least three arguments")?;
    let mut current = match dict {
        Val::Map(m) if m.kind == MapKind::Interface => m.clone(),
        other => return Err(conversion_panic(other, "map[string]interface {}")),
    };
    let keys: Vec<&str> = keys
        .iter()
        .map(|k| k.as_str().ok_or_else(|| conversion_panic(k, "string")))
        .collect::<Result<_, _>>()?;
    for (i, key) in keys.iter().enumerate() {
        let Some(step) = current.get(key) else {
            return Ok(default.clone());
        };
        if i + 1 == keys.len() {
            return Ok(step);
        }
        current = match step {
            Val::Map(m) if m.kind == MapKind::Interface => m,
            other => return Err(conversion_panic(&other, "map[string]interface {}")),
        };
    }
    Ok(default.clone())
}

fn copy_value(v: &Val, depth: usize) -> Result<Val, String> {
    if depth > MAX_DEPTH {
        return Err("deepCopy error: value nested too deeply".into());
    }
    Ok(match v {
        Val::List(items) => Val::list(
            items
                .iter()
                .map(|i| copy_value(i, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Val::Map(m) => {
            let entries = m
                .entries()
                .into_iter()
                .map(|(k, v)| copy_value(&v, depth + 1).map(|v| (k, v)))
                .collect::<Result<BTreeMap<_, _>, _>>()?;
            Val::Map(if m.kind == MapKind::String {
                MapRef::new_strings(entries)
            } else {
                MapRef::new(entries)
            })
        }
        other => other.clone(),
    })
}

pub(crate) fn deep_copy(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    copy_value(&arg(&args, 0), 0)
}

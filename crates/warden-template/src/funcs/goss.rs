//! goss's own template functions (`template.go`), which override Sprig's.

use std::collections::BTreeMap;

use super::{Ctx, FuncResult, str_arg};
use crate::value::{MapRef, Val};

/// `mkSlice a b …`: its arguments as a list, for `range`.
pub(crate) fn mk_slice(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::list(args))
}

/// `getEnv "K" ["default"]`: the variable, or the default when it is unset or empty.
pub(crate) fn get_env(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let value = ctx.host.env(str_arg(&args, 0)).unwrap_or_default();
    if value.is_empty() && args.len() > 1 {
        return Ok(Val::str(str_arg(&args, 1)));
    }
    Ok(Val::str(value))
}

/// `readFile "path"`: the file's contents with surrounding whitespace trimmed; a
/// missing file is an error, worded as Go's `os.ReadFile` words it.
pub(crate) fn read_file(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let path = str_arg(&args, 0);
    match ctx.host.read_file(path) {
        Ok(contents) => {
            ctx.check_size(contents.len())?;
            Ok(Val::str(contents.trim()))
        }
        Err(e) => Err(match e.kind() {
            std::io::ErrorKind::NotFound => format!("open {path}: no such file or directory"),
            std::io::ErrorKind::PermissionDenied => format!("open {path}: permission denied"),
            std::io::ErrorKind::IsADirectory => format!("read {path}: is a directory"),
            _ => format!("open {path}: {e}"),
        }),
    }
}

/// goss's `regexMatch RE S`, which (unlike Sprig's) reports a bad pattern.
pub(crate) fn regex_match(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let re = ctx.regex(str_arg(&args, 0))?;
    Ok(Val::Bool(re.is_match(str_arg(&args, 1))))
}

/// `findStringSubmatch RE S`: the first match's named groups by name, or, when
/// the pattern names none, every group by its number ("0" is the whole match).
pub(crate) fn find_string_submatch(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let re = ctx.regex(str_arg(&args, 0))?;
    let mut entries = BTreeMap::new();
    if let Some(caps) = re.captures(str_arg(&args, 1)) {
        let named = re.capture_names().any(|n| n.is_some());
        for (i, name) in re.capture_names().enumerate() {
            let text = caps.get(i).map_or("", |m| m.as_str());
            match (named, name) {
                (true, Some(name)) => {
                    entries.insert(name.to_owned(), Val::str(text));
                }
                (false, _) => {
                    entries.insert(i.to_string(), Val::str(text));
                }
                (true, None) => {}
            }
        }
    }
    Ok(Val::Map(MapRef::new(entries)))
}

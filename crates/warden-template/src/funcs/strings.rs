//! Sprig's string functions. Several come from Go's `strings` package and from
//! `Masterminds/goutils`; where those work on bytes rather than characters (as
//! `substr`, `trunc` and `abbrev` do) the byte semantics are kept, and a cut in the
//! middle of a character yields U+FFFD as Go's output would hold an invalid byte.

use std::collections::BTreeMap;

use heck::{ToKebabCase, ToSnakeCase, ToUpperCamelCase};

use super::convert::{str_slice, strval};
use super::{Ctx, FuncResult, arg, int_arg, str_arg};
use crate::text::go_quote;
use crate::value::{MapRef, Val};

/// Go's `unicode.IsSpace`.
pub(crate) fn is_go_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\x0b' | '\x0c' | '\r' | ' ' | '\u{85}' | '\u{A0}'
    ) || (c as u32 > 0xFF && c.is_whitespace())
}

/// Bytes `from..to` of `s`, as Go's `s[from:to]`; out-of-range bounds are Go's panic.
fn byte_slice(s: &str, from: usize, to: usize) -> Result<String, String> {
    if from > to || to > s.len() {
        return Err(format!(
            "runtime error: slice bounds out of range [{from}:{to}] with length {}",
            s.len()
        ));
    }
    Ok(String::from_utf8_lossy(&s.as_bytes()[from..to]).into_owned())
}

/// Go's `unicode.ToUpper` applied per rune: single-rune mappings only, so `ß` stays.
fn map_runes(s: &str, upper: bool) -> String {
    s.chars()
        .map(|c| {
            let mut mapped = if upper {
                c.to_uppercase().collect::<Vec<_>>()
            } else {
                c.to_lowercase().collect()
            };
            if mapped.len() == 1 {
                mapped.pop().unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}

pub(crate) fn to_upper(s: &str) -> String {
    map_runes(s, true)
}

pub(crate) fn to_lower(s: &str) -> String {
    map_runes(s, false)
}

pub(crate) fn hello(_: &mut Ctx<'_>, _: Vec<Val>) -> FuncResult {
    Ok(Val::str("Hello!"))
}

pub(crate) fn trim(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::str(str_arg(&args, 0).trim_matches(is_go_space)))
}

pub(crate) fn trim_all(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let cutset: Vec<char> = str_arg(&args, 0).chars().collect();
    Ok(Val::str(
        str_arg(&args, 1).trim_matches(|c| cutset.contains(&c)),
    ))
}

pub(crate) fn trim_prefix(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let (prefix, s) = (str_arg(&args, 0), str_arg(&args, 1));
    Ok(Val::str(s.strip_prefix(prefix).unwrap_or(s)))
}

pub(crate) fn trim_suffix(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let (suffix, s) = (str_arg(&args, 0), str_arg(&args, 1));
    Ok(Val::str(s.strip_suffix(suffix).unwrap_or(s)))
}

pub(crate) fn upper(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::str(to_upper(str_arg(&args, 0))))
}

pub(crate) fn lower(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::str(to_lower(str_arg(&args, 0))))
}

/// Go's `strings.Title`: upper-case the first letter of each word, where any
/// character other than a letter, digit or underscore separates words.
pub(crate) fn title(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let is_separator = |c: char| {
        if c.is_ascii() {
            !(c.is_ascii_alphanumeric() || c == '_')
        } else if c.is_alphanumeric() {
            false
        } else {
            is_go_space(c)
        }
    };
    let mut prev = ' ';
    let out: String = str_arg(&args, 0)
        .chars()
        .map(|c| {
            let mapped = if is_separator(prev) {
                to_upper(&c.to_string())
            } else {
                c.to_string()
            };
            prev = c;
            mapped
        })
        .collect();
    Ok(Val::str(out))
}

/// goutils `Uncapitalize`: lower-case the first letter of each space-separated word.
pub(crate) fn untitle(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let mut next = true;
    let out: String = str_arg(&args, 0)
        .chars()
        .map(|c| {
            if is_go_space(c) {
                next = true;
                c.to_string()
            } else if next {
                next = false;
                to_lower(&c.to_string())
            } else {
                c.to_string()
            }
        })
        .collect();
    Ok(Val::str(out))
}

pub(crate) fn repeat(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let (count, s) = (int_arg(&args, 0), str_arg(&args, 1));
    if count < 0 {
        return Err("strings: negative Repeat count".into());
    }
    let total = (s.len() as u128) * (count as u128);
    ctx.check_size(usize::try_from(total).unwrap_or(usize::MAX))?;
    Ok(Val::str(s.repeat(count as usize)))
}

/// Sprig `substr start end s`: byte offsets; a negative start means from 0, a
/// negative or too large end means to the end.
pub(crate) fn substr(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let (start, end, s) = (int_arg(&args, 0), int_arg(&args, 1), str_arg(&args, 2));
    let len = s.len() as i64;
    let (from, to) = if start < 0 {
        (0, end)
    } else if end < 0 || end > len {
        (start, len)
    } else {
        (start, end)
    };
    if from < 0 || to < 0 {
        return Err(format!("runtime error: slice bounds out of range [:{to}]"));
    }
    byte_slice(s, from as usize, to as usize).map(Val::str)
}

/// goutils `DeleteWhiteSpace`, which walks bytes and re-encodes each as a rune.
pub(crate) fn nospace(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let s = str_arg(&args, 0);
    let kept: Vec<char> = s
        .bytes()
        .map(char::from)
        .filter(|&c| !is_go_space(c))
        .collect();
    if kept.len() == s.len() {
        return Ok(Val::str(s));
    }
    Ok(Val::str(kept.into_iter().collect::<String>()))
}

pub(crate) fn trunc(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let (c, s) = (int_arg(&args, 0), str_arg(&args, 1));
    let len = s.len() as i64;
    if c < 0 && len + c > 0 {
        return byte_slice(s, (len + c) as usize, s.len()).map(Val::str);
    }
    if c >= 0 && len > c {
        return byte_slice(s, 0, c as usize).map(Val::str);
    }
    Ok(Val::str(s))
}

/// goutils `AbbreviateFull`, on bytes.
fn abbreviate(s: &str, offset: i64, max_width: i64) -> Result<String, String> {
    let len = s.len() as i64;
    if s.is_empty() || len <= max_width {
        return Ok(s.to_owned());
    }
    let mut offset = offset.min(len);
    if len - offset < max_width - 3 {
        offset = len - (max_width - 3);
    }
    if offset <= 4 {
        return Ok(format!(
            "{}...",
            byte_slice(s, 0, (max_width - 3) as usize)?
        ));
    }
    if max_width < 7 {
        return Ok(String::new());
    }
    if offset + max_width - 3 < len {
        let rest = byte_slice(s, offset as usize, s.len())?;
        return Ok(format!("...{}", abbreviate(&rest, 0, max_width - 3)?));
    }
    Ok(format!(
        "...{}",
        byte_slice(s, (len - (max_width - 3)) as usize, s.len())?
    ))
}

pub(crate) fn abbrev(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let (width, s) = (int_arg(&args, 0), str_arg(&args, 1));
    if width < 4 {
        return Ok(Val::str(s));
    }
    abbreviate(s, 0, width).map(Val::str)
}

pub(crate) fn abbrevboth(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let (left, right, s) = (int_arg(&args, 0), int_arg(&args, 1), str_arg(&args, 2));
    if right < 4 || (left > 0 && right < 7) {
        return Ok(Val::str(s));
    }
    abbreviate(s, left, right).map(Val::str)
}

/// goutils `Initials`: the first byte of each space-separated word.
pub(crate) fn initials(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let mut out = String::new();
    let mut gap = true;
    for c in str_arg(&args, 0).bytes().map(char::from) {
        if is_go_space(c) {
            gap = true;
        } else if gap {
            out.push(c);
            gap = false;
        }
    }
    Ok(Val::str(out))
}

pub(crate) fn contains(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::Bool(str_arg(&args, 1).contains(str_arg(&args, 0))))
}

pub(crate) fn has_prefix(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::Bool(str_arg(&args, 1).starts_with(str_arg(&args, 0))))
}

pub(crate) fn has_suffix(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::Bool(str_arg(&args, 1).ends_with(str_arg(&args, 0))))
}

pub(crate) fn quote(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let mut parts = Vec::new();
    for a in args.iter().filter(|a| !matches!(a, Val::Nil)) {
        parts.push(go_quote(&strval(ctx, a)?, false));
    }
    Ok(Val::str(parts.join(" ")))
}

pub(crate) fn squote(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let mut parts = Vec::new();
    for a in args.iter().filter(|a| !matches!(a, Val::Nil)) {
        parts.push(format!("'{}'", strval(ctx, a)?));
    }
    Ok(Val::str(parts.join(" ")))
}

/// Sprig `cat`: the non-nil arguments printed with `%v`, separated by spaces.
pub(crate) fn cat(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let mut parts = Vec::new();
    for a in args.iter().filter(|a| !matches!(a, Val::Nil)) {
        parts.push(strval(ctx, a)?);
    }
    Ok(Val::str(parts.join(" ")))
}

fn indent_by(ctx: &Ctx<'_>, spaces: i64, s: &str) -> Result<String, String> {
    let spaces = usize::try_from(spaces).unwrap_or(0);
    let lines = s.matches('\n').count() + 1;
    ctx.check_size(s.len().saturating_add(spaces.saturating_mul(lines)))?;
    let pad = " ".repeat(spaces);
    Ok(format!("{pad}{}", s.replace('\n', &format!("\n{pad}"))))
}

pub(crate) fn indent(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    indent_by(ctx, int_arg(&args, 0), str_arg(&args, 1)).map(Val::str)
}

pub(crate) fn nindent(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    indent_by(ctx, int_arg(&args, 0), str_arg(&args, 1)).map(|s| Val::str(format!("\n{s}")))
}

/// Go's `strings.Replace(s, old, new, -1)`, including its rule for an empty `old`:
/// insert `new` before every rune and at the end.
pub(crate) fn replace(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let (old, new, s) = (str_arg(&args, 0), str_arg(&args, 1), str_arg(&args, 2));
    let count = if old.is_empty() {
        s.chars().count() + 1
    } else {
        s.matches(old).count()
    };
    ctx.check_size(s.len().saturating_add(count.saturating_mul(new.len())))?;
    if old.is_empty() {
        let mut out = String::from(new);
        for c in s.chars() {
            out.push(c);
            out.push_str(new);
        }
        return Ok(Val::str(out));
    }
    Ok(Val::str(s.replace(old, new)))
}

pub(crate) fn plural(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(if int_arg(&args, 2) == 1 {
        arg(&args, 0)
    } else {
        arg(&args, 1)
    })
}

pub(crate) fn snakecase(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::str(str_arg(&args, 0).to_snake_case()))
}

pub(crate) fn camelcase(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::str(str_arg(&args, 0).to_upper_camel_case()))
}

pub(crate) fn kebabcase(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::str(str_arg(&args, 0).to_kebab_case()))
}

pub(crate) fn swapcase(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let out: String = str_arg(&args, 0)
        .chars()
        .map(|c| {
            if c.is_uppercase() {
                to_lower(&c.to_string())
            } else if c.is_lowercase() {
                to_upper(&c.to_string())
            } else {
                c.to_string()
            }
        })
        .collect();
    Ok(Val::str(out))
}

/// goutils `WrapCustom`: break at the last space within each `width` bytes; words
/// longer than the width are broken only when `wrap_long`.
fn wrap_custom(s: &str, width: i64, newline: &str, wrap_long: bool) -> String {
    let bytes = s.as_bytes();
    let width = width.max(1) as usize;
    let len = bytes.len();
    let mut offset = 0;
    let mut out: Vec<u8> = Vec::with_capacity(len);
    while len - offset > width {
        if bytes[offset] == b' ' {
            offset += 1;
            continue;
        }
        let end = (width + offset + 1).min(len);
        let space = bytes[offset..end].iter().rposition(|&b| b == b' ');
        if let Some(at) = space {
            out.extend_from_slice(&bytes[offset..offset + at]);
            out.extend_from_slice(newline.as_bytes());
            offset += at + 1;
        } else if wrap_long {
            out.extend_from_slice(&bytes[offset..offset + width]);
            out.extend_from_slice(newline.as_bytes());
            offset += width;
        } else {
            let end = offset + width;
            match bytes[end..].iter().position(|&b| b == b' ') {
                None => {
                    out.extend_from_slice(&bytes[offset..]);
                    offset = len;
                }
                Some(at) => {
                    out.extend_from_slice(&bytes[offset..end + at]);
                    out.extend_from_slice(newline.as_bytes());
                    offset = end + at + 1;
                }
            }
        }
    }
    out.extend_from_slice(&bytes[offset..]);
    String::from_utf8_lossy(&out).into_owned()
}

pub(crate) fn wrap(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::str(wrap_custom(
        str_arg(&args, 1),
        int_arg(&args, 0),
        "\n",
        false,
    )))
}

pub(crate) fn wrap_with(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let (width, sep, s) = (int_arg(&args, 0), str_arg(&args, 1), str_arg(&args, 2));
    ctx.check_size(s.len().saturating_mul(sep.len().max(1)))?;
    Ok(Val::str(wrap_custom(s, width, sep, true)))
}

/// Go's `strings.Split`: an empty separator splits into runes.
fn go_split(s: &str, sep: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    let limit = if n < 0 { usize::MAX } else { n as usize };
    if sep.is_empty() {
        let chars: Vec<char> = s.chars().collect();
        let mut parts: Vec<String> = Vec::new();
        for (i, c) in chars.iter().enumerate() {
            if parts.len() + 1 == limit {
                parts.push(chars[i..].iter().collect());
                return parts;
            }
            parts.push(c.to_string());
        }
        return parts;
    }
    s.splitn(limit, sep).map(str::to_owned).collect()
}

fn indexed_map(parts: Vec<String>) -> Val {
    let entries: BTreeMap<String, Val> = parts
        .into_iter()
        .enumerate()
        .map(|(i, part)| (format!("_{i}"), Val::str(part)))
        .collect();
    Val::Map(MapRef::new_strings(entries))
}

pub(crate) fn split(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(indexed_map(go_split(
        str_arg(&args, 1),
        str_arg(&args, 0),
        -1,
    )))
}

pub(crate) fn split_list(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::strings(go_split(
        str_arg(&args, 1),
        str_arg(&args, 0),
        -1,
    )))
}

pub(crate) fn splitn(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(indexed_map(go_split(
        str_arg(&args, 2),
        str_arg(&args, 0),
        int_arg(&args, 1),
    )))
}

pub(crate) fn join(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let parts = str_slice(ctx, &arg(&args, 1))?;
    let joined = parts.join(str_arg(&args, 0));
    ctx.check_size(joined.len())?;
    Ok(Val::str(joined))
}

pub(crate) fn sort_alpha(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let list = arg(&args, 0);
    if !matches!(list, Val::List(_)) {
        return Ok(Val::strings([strval(ctx, &list)?]));
    }
    let mut parts = str_slice(ctx, &list)?;
    parts.sort();
    Ok(Val::strings(parts))
}

/// Sprig `seq`: like the shell's, a space-separated sequence of integers.
pub(crate) fn seq(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let params: Vec<i64> = (0..args.len()).map(|i| int_arg(&args, i)).collect();
    let (start, end, step) = match params.as_slice() {
        [end] => {
            let step = if *end < 1 { -1 } else { 1 };
            (1, end + step, step)
        }
        [start, end] => {
            let step = if end < start { -1 } else { 1 };
            (*start, end + step, step)
        }
        [start, step, end] => {
            let increment = if end < start { -1 } else { 1 };
            if end < start && *step > 0 {
                return Ok(Val::str(""));
            }
            (*start, end + increment, *step)
        }
        _ => return Ok(Val::str("")),
    };
    let numbers = super::math::until_step_values(ctx, start, end, step)?;
    let text: Vec<String> = numbers.iter().map(ToString::to_string).collect();
    Ok(Val::str(text.join(" ")))
}

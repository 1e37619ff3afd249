//! Sprig's regular-expression functions on Go's RE2 syntax. Rust's `regex` crate
//! speaks nearly the same language; the differences that matter are bridged when
//! compiling: `\d`, `\w`, `\s` and `\b` are ASCII-only in Go, and Go accepts `\Q…\E`.

use regex::{NoExpand, Regex};
use warden_value::goregex;

use super::{Ctx, FuncResult, int_arg, str_arg};
use crate::text::{can_backquote, go_quote};
use crate::value::Val;

/// Compiled-program cap, so that an untrusted pattern cannot make compiling or
/// matching unbounded; Go refuses huge patterns as "expression too large".
const SIZE_LIMIT: usize = 1 << 20;

/// Compiles `pattern` with Go's RE2 semantics; errors read like Go's
/// `error parsing regexp: …`.
pub(crate) fn compile(pattern: &str) -> Result<Regex, String> {
    goregex::compile_with_size_limit(pattern, SIZE_LIMIT)
}

/// `regexp.MustCompile`'s panic text, which the non-`must` functions report.
fn must_compile(ctx: &mut Ctx<'_>, pattern: &str) -> Result<Regex, String> {
    ctx.regex(pattern).map_err(|e| {
        let quoted = if can_backquote(pattern) {
            format!("`{pattern}`")
        } else {
            go_quote(pattern, false)
        };
        format!("regexp: Compile({quoted}): {e}")
    })
}

pub(crate) fn must_regex_match(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let re = ctx.regex(str_arg(&args, 0))?;
    Ok(Val::Bool(re.is_match(str_arg(&args, 1))))
}

pub(crate) fn regex_find(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let re = must_compile(ctx, str_arg(&args, 0))?;
    Ok(Val::str(
        re.find(str_arg(&args, 1)).map_or("", |m| m.as_str()),
    ))
}

pub(crate) fn regex_find_all(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let re = must_compile(ctx, str_arg(&args, 0))?;
    let limit = usize::try_from(int_arg(&args, 2)).unwrap_or(usize::MAX);
    let found = re
        .find_iter(str_arg(&args, 1))
        .take(limit)
        .map(|m| m.as_str().to_owned());
    Ok(Val::strings(found))
}

pub(crate) fn regex_replace_all(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let re = must_compile(ctx, str_arg(&args, 0))?;
    let (s, repl) = (str_arg(&args, 1), str_arg(&args, 2));
    let bound = s.len().saturating_add(
        re.find_iter(s)
            .count()
            .saturating_mul(repl.len().saturating_add(s.len())),
    );
    ctx.check_size(bound)?;
    Ok(Val::str(re.replace_all(s, repl).into_owned()))
}

pub(crate) fn regex_replace_all_literal(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let re = must_compile(ctx, str_arg(&args, 0))?;
    let (s, repl) = (str_arg(&args, 1), str_arg(&args, 2));
    ctx.check_size(
        s.len()
            .saturating_add((s.len() + 1).saturating_mul(repl.len())),
    )?;
    Ok(Val::str(re.replace_all(s, NoExpand(repl)).into_owned()))
}

/// Go's `Regexp.Split`, whose edge cases differ from Rust's `split`.
pub(crate) fn regex_split(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let pattern = str_arg(&args, 0);
    let re = must_compile(ctx, pattern)?;
    let (s, n) = (str_arg(&args, 1), int_arg(&args, 2));
    if n == 0 {
        return Ok(Val::list(Vec::new()));
    }
    if !pattern.is_empty() && s.is_empty() {
        return Ok(Val::strings([String::new()]));
    }
    let limit = usize::try_from(n).unwrap_or(usize::MAX);
    let mut parts: Vec<String> = Vec::new();
    let (mut begin, mut end) = (0, 0);
    for m in re.find_iter(s).take(limit) {
        if n > 0 && parts.len() as i64 == n - 1 {
            break;
        }
        end = m.start();
        if m.end() != 0 {
            parts.push(s.get(begin..end).unwrap_or("").to_owned());
        }
        begin = m.end();
    }
    if end != s.len() {
        parts.push(s.get(begin..).unwrap_or("").to_owned());
    }
    Ok(Val::strings(parts))
}

/// Go's `regexp.QuoteMeta`, which escapes fewer characters than `regex::escape`.
pub(crate) fn regex_quote_meta(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::str(goregex::quote_meta(str_arg(&args, 0))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perl_classes_are_ascii_as_in_go() {
        let re = compile(r"^\d+$").unwrap();
        assert!(re.is_match("123"));
        assert!(!re.is_match("١٢٣"));
        assert!(compile(r"[\d.]+").unwrap().is_match("1.2"));
        assert!(compile(r"\bfoo\b").unwrap().is_match("a foo b"));
        assert!(compile(r"\Qa.b\E").unwrap().is_match("a.b"));
        assert!(!compile(r"\Qa.b\E").unwrap().is_match("axb"));
        assert!(compile(r"[[:alpha:]]+").unwrap().is_match("abc"));
        assert!(
            compile("(")
                .unwrap_err()
                .starts_with("error parsing regexp: ")
        );
    }
}

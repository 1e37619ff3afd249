//! Sprig's environment functions (through the [`Host`](crate::Host)) and Go's
//! `path` package, which Sprig exposes for slash-separated paths. On Linux the
//! `os…` (`filepath`) variants behave the same, so they share these bodies.

use super::{Ctx, FuncResult, str_arg};
use crate::value::Val;

pub(crate) fn env(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::str(
        ctx.host.env(str_arg(&args, 0)).unwrap_or_default(),
    ))
}

fn is_shell_special(b: u8) -> bool {
    matches!(
        b,
        b'*' | b'#' | b'$' | b'@' | b'!' | b'?' | b'-' | b'0'..=b'9'
    )
}

/// Go's `getShellName`: the variable name after a `$`, and the bytes it spans.
fn shell_name(s: &[u8]) -> (&[u8], usize) {
    if s.first() == Some(&b'{') {
        if s.len() > 2 && is_shell_special(s[1]) && s[2] == b'}' {
            return (&s[1..2], 3);
        }
        for i in 1..s.len() {
            if s[i] == b'}' {
                if i == 1 {
                    return (&[], 2);
                }
                return (&s[1..i], i + 1);
            }
        }
        return (&[], 1);
    }
    if s.first().is_some_and(|&b| is_shell_special(b)) {
        return (&s[..1], 1);
    }
    let n = s
        .iter()
        .take_while(|&&b| b == b'_' || b.is_ascii_alphanumeric())
        .count();
    (&s[..n], n)
}

/// Go's `os.ExpandEnv`: `$VAR` and `${VAR}` replaced from the environment.
pub(crate) fn expandenv(ctx: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let s = str_arg(&args, 0).as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(s.len());
    let mut i = 0;
    let mut j = 0;
    while j < s.len() {
        if s[j] == b'$' && j + 1 < s.len() {
            out.extend_from_slice(&s[i..j]);
            let (name, width) = shell_name(&s[j + 1..]);
            if name.is_empty() && width > 0 {
                // Bad syntax such as "${}": the characters are eaten.
            } else if name.is_empty() {
                out.push(b'$');
            } else {
                let value = ctx
                    .host
                    .env(&String::from_utf8_lossy(name))
                    .unwrap_or_default();
                out.extend_from_slice(value.as_bytes());
            }
            j += width;
            i = j + 1;
        }
        j += 1;
    }
    out.extend_from_slice(s.get(i..).unwrap_or(&[]));
    ctx.check_size(out.len())?;
    Ok(Val::str(String::from_utf8_lossy(&out).into_owned()))
}

/// Go's `path.Clean`: lexical clean-up of `.`, `..` and repeated slashes.
pub(crate) fn clean_path(path: &str) -> String {
    let p = path.as_bytes();
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p[0] == b'/';
    let n = p.len();
    let mut out: Vec<u8> = Vec::with_capacity(n);
    let (mut r, mut dotdot) = (0, 0);
    if rooted {
        out.push(b'/');
        r = 1;
        dotdot = 1;
    }
    while r < n {
        if p[r] == b'/' || (p[r] == b'.' && (r + 1 == n || p[r + 1] == b'/')) {
            // An empty or `.` element.
            r += 1;
        } else if p[r] == b'.' && p.get(r + 1) == Some(&b'.') && (r + 2 == n || p[r + 2] == b'/') {
            r += 2;
            if out.len() > dotdot {
                let mut popped = out.pop();
                while out.len() > dotdot && popped != Some(b'/') {
                    popped = out.pop();
                }
            } else if !rooted {
                if !out.is_empty() {
                    out.push(b'/');
                }
                out.extend_from_slice(b"..");
                dotdot = out.len();
            }
        } else {
            if (rooted && out.len() != 1) || (!rooted && !out.is_empty()) {
                out.push(b'/');
            }
            while r < n && p[r] != b'/' {
                out.push(p[r]);
                r += 1;
            }
        }
    }
    if out.is_empty() {
        return ".".into();
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(crate) fn base(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let path = str_arg(&args, 0);
    if path.is_empty() {
        return Ok(Val::str("."));
    }
    let trimmed = path.trim_end_matches('/');
    let last = trimmed.rsplit('/').next().unwrap_or(trimmed);
    Ok(Val::str(if last.is_empty() { "/" } else { last }))
}

pub(crate) fn dir(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let path = str_arg(&args, 0);
    let dir = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "",
    };
    Ok(Val::str(clean_path(dir)))
}

pub(crate) fn clean(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::str(clean_path(str_arg(&args, 0))))
}

pub(crate) fn ext(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let path = str_arg(&args, 0);
    for (i, b) in path.bytes().enumerate().rev() {
        match b {
            b'/' => break,
            b'.' => return Ok(Val::str(&path[i..])),
            _ => {}
        }
    }
    Ok(Val::str(""))
}

pub(crate) fn is_abs(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    Ok(Val::Bool(str_arg(&args, 0).starts_with('/')))
}

#[cfg(test)]
mod tests {
    use super::clean_path;

    #[test]
    fn clean_matches_go() {
        let cases = [
            ("", "."),
            ("abc/../..", ".."),
            ("/../a", "/a"),
            ("a//b/./c/", "a/b/c"),
            ("../../x", "../../x"),
            ("/", "/"),
            ("a/b/../../..", ".."),
            ("/abc/def/..", "/abc"),
        ];
        for (input, want) in cases {
            assert_eq!(clean_path(input), want, "{input}");
        }
    }
}

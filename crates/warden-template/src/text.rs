//! Go's `strconv` quoting rules: `Quote`, `QuoteToASCII`, `QuoteRune`, `Unquote`.
//!
//! Templates quote values in error messages, `%q` and Sprig's `quote`, and parse
//! string literals with Go's escape rules, so both directions live here.

use std::fmt::Write;

/// Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the
/// ASCII space. Rust has no category tables in std, so this excludes exactly the
/// classes that are not printable: controls, other spaces, format characters,
/// private use, surrogates and noncharacters.
pub(crate) fn is_go_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let u = c as u32;
    !matches!(u,
        0x00AD | 0x0600..=0x0605 | 0x061C | 0x06DD | 0x070F | 0x180E
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F
        | 0xFEFF | 0xFFF9..=0xFFFB | 0xE000..=0xF8FF
        | 0xFDD0..=0xFDEF | 0xF0000..=0x10FFFF
    ) && (u & 0xFFFE) != 0xFFFE
}

/// `strconv.Quote` (or `QuoteToASCII` when `ascii_only`).
pub(crate) fn go_quote(s: &str, ascii_only: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_escaped(&mut out, c, '"', ascii_only);
    }
    out.push('"');
    out
}

/// `strconv.QuoteRune` (or `QuoteRuneToASCII`).
pub(crate) fn go_quote_rune(c: char, ascii_only: bool) -> String {
    let mut out = String::from("'");
    push_escaped(&mut out, c, '\'', ascii_only);
    out.push('\'');
    out
}

fn push_escaped(out: &mut String, c: char, quote: char, ascii_only: bool) {
    if c == quote || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if (!ascii_only || c.is_ascii()) && is_go_print(c) {
        out.push(c);
        return;
    }
    match c {
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        c if (c as u32) < 0x20 || c as u32 == 0x7f => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        // The replacement character stands for bytes that were not valid UTF-8.
        '\u{FFFD}' if !ascii_only => out.push_str("\\ufffd"),
        c if (c as u32) < 0x10000 => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\U{:08x}", c as u32);
        }
    }
}

/// Whether `strconv.CanBackquote` holds: no control characters other than tab, no backquote.
pub(crate) fn can_backquote(s: &str) -> bool {
    s.chars()
        .all(|c| c == '\t' || (c != '`' && c != '\u{FEFF}' && !(c.is_control())))
}

/// `strconv.Unquote` for `"..."`, `` `...` `` and `'.'` literals. Errors carry Go's
/// message, `invalid syntax`.
pub(crate) fn unquote(lit: &str) -> Result<String, &'static str> {
    const SYNTAX: &str = "invalid syntax";
    let bytes = lit.as_bytes();
    if bytes.len() < 2 {
        return Err(SYNTAX);
    }
    let quote = bytes[0];
    if quote != bytes[bytes.len() - 1] {
        return Err(SYNTAX);
    }
    let body = lit.get(1..lit.len() - 1).ok_or(SYNTAX)?;
    match quote {
        b'`' => {
            if body.contains('`') {
                return Err(SYNTAX);
            }
            // Carriage returns inside raw strings are discarded, as the Go spec says.
            Ok(body.replace('\r', ""))
        }
        b'"' | b'\'' => {
            let quote = char::from(quote);
            let mut out = String::with_capacity(body.len());
            let mut rest = body;
            while !rest.is_empty() {
                let (c, tail) = unquote_char(rest, quote)?;
                out.push(c);
                rest = tail;
                if quote == '\'' && !rest.is_empty() {
                    return Err(SYNTAX);
                }
            }
            if quote == '\'' && out.is_empty() {
                return Err(SYNTAX);
            }
            Ok(out)
        }
        _ => Err(SYNTAX),
    }
}

/// `strconv.UnquoteChar`: the first character of `s` with escapes resolved, and the rest.
/// Byte escapes (`\xff`) that do not form UTF-8 become U+FFFD, since Rust strings
/// cannot hold them.
pub(crate) fn unquote_char(s: &str, quote: char) -> Result<(char, &str), &'static str> {
    const SYNTAX: &str = "invalid syntax";
    let mut chars = s.chars();
    let c = chars.next().ok_or(SYNTAX)?;
    if c == quote && (quote == '\'' || quote == '"') {
        return Err(SYNTAX);
    }
    if c == '\n' {
        return Err(SYNTAX);
    }
    if c != '\\' {
        return Ok((c, chars.as_str()));
    }
    let e = chars.next().ok_or(SYNTAX)?;
    let rest = chars.as_str();
    let simple = match e {
        'a' => Some('\x07'),
        'b' => Some('\x08'),
        'f' => Some('\x0c'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\x0b'),
        '\\' => Some('\\'),
        '\'' | '"' if e == quote => Some(e),
        _ => None,
    };
    if let Some(c) = simple {
        return Ok((c, rest));
    }
    let (digits, radix) = match e {
        'x' => (2, 16),
        'u' => (4, 16),
        'U' => (8, 16),
        '0'..='7' => (3, 8),
        _ => return Err(SYNTAX),
    };
    let (text, tail) = if radix == 8 {
        let all = s.get(1..).ok_or(SYNTAX)?;
        (all.get(..3).ok_or(SYNTAX)?, all.get(3..).ok_or(SYNTAX)?)
    } else {
        (
            rest.get(..digits).ok_or(SYNTAX)?,
            rest.get(digits..).ok_or(SYNTAX)?,
        )
    };
    let value = u32::from_str_radix(text, radix).map_err(|_| SYNTAX)?;
    if !text.chars().all(|c| c.is_digit(radix)) {
        return Err(SYNTAX);
    }
    match e {
        'x' => Ok((
            if value < 0x80 {
                char::from(value as u8)
            } else {
                '\u{FFFD}'
            },
            tail,
        )),
        '0'..='7' => {
            if value > 255 {
                return Err(SYNTAX);
            }
            Ok((
                if value < 0x80 {
                    char::from(value as u8)
                } else {
                    '\u{FFFD}'
                },
                tail,
            ))
        }
        _ => Ok((char::from_u32(value).ok_or(SYNTAX)?, tail)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_matches_strconv() {
        assert_eq!(go_quote("a\"b\\\n\t\u{1}é", false), r#""a\"b\\\n\t\x01é""#);
        assert_eq!(go_quote("é☺", true), r#""\u00e9\u263a""#);
        assert_eq!(go_quote("\u{1F600}", true), r#""\U0001f600""#);
        assert_eq!(go_quote_rune('\'', false), r"'\''");
    }

    #[test]
    fn unquote_matches_strconv() {
        assert_eq!(unquote(r#""a\tb\u00e9\101""#).unwrap(), "a\tbéA");
        assert_eq!(unquote("`a\\n\r`").unwrap(), "a\\n");
        assert_eq!(unquote("'x'").unwrap(), "x");
        assert_eq!(unquote(r"'\n'").unwrap(), "\n");
        assert!(unquote(r#""\q""#).is_err());
        assert!(unquote(r"'ab'").is_err());
        assert!(unquote(r#"'\"'"#).is_err());
    }
}

//! Go's RE2 regular expressions (`regexp` package) on the `regex` crate.
//!
//! The two dialects agree on almost everything. Where they differ, the pattern is
//! rewritten before compiling:
//!
//! - `\d`, `\w`, `\s` and `\b` are ASCII-only in Go; the `regex` crate makes them
//!   Unicode-aware.
//! - Go supports `\Q…\E` quoting and octal escapes (`\0`, `\012`, `\101`).
//! - Inside a character class Go takes `[` (unless it opens `[:alpha:]`), `&` and `~`
//!   literally, where `regex` reads nested classes and set operations.
//! - An escaped punctuation character is always that character in Go (`\<` is `<`),
//!   while `regex` gives some of them meaning.
//! - A `{` that does not start a valid repetition is a literal in Go
//!   (`a{`, `a{x}`, `a{,2}`) and an error in `regex`.
//! - Go accepts only the flags `i`, `m`, `s` and `U`, and repeat counts up to 1000.
//!
//! Compile errors are reported in Go's words (`error parsing regexp: …`).

use regex::{Regex, RegexBuilder};
use regex_syntax::ast::ErrorKind;

/// Go's limit on a repeat count (`{n}`, `{n,m}`).
const MAX_REPEAT: u32 = 1000;

/// Compiles `pattern` with Go's semantics; the error is Go's `regexp.Compile`
/// message.
pub fn compile(pattern: &str) -> Result<Regex, String> {
    compile_with_size_limit(pattern, 10 << 20)
}

/// [`compile`] with a cap on the compiled program (bytes), for callers that must
/// bound the work an untrusted pattern can cause. A pattern over the cap fails as
/// Go reports a too-large one: `expression too large`.
pub fn compile_with_size_limit(pattern: &str, size_limit: usize) -> Result<Regex, String> {
    let translated =
        translate(pattern).map_err(|detail| format!("error parsing regexp: {detail}"))?;
    RegexBuilder::new(&translated)
        .size_limit(size_limit)
        .dfa_size_limit(size_limit)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => {
                "error parsing regexp: expression too large".to_owned()
            }
            _ => go_error(pattern),
        })
}

/// Go's `regexp.QuoteMeta`: escapes exactly `\.+*?()|[]{}^$`.
pub fn quote_meta(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Rewrites Go-only syntax into what `regex` understands with the same meaning.
/// Fails, with Go's message, on what Go rejects but `regex` would accept.
fn translate(pattern: &str) -> Result<String, String> {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.char_indices().peekable();
    // Position inside a character class: None outside, Some(n) = items read since `[`.
    let mut class: Option<usize> = None;
    while let Some((at, c)) = chars.next() {
        match (c, class) {
            ('\\', _) => {
                let Some((_, escaped)) = chars.next() else {
                    out.push('\\');
                    break;
                };
                if escaped == 'Q' {
                    let mut literal = String::new();
                    while let Some((_, q)) = chars.next() {
                        if q == '\\' && chars.peek().map(|&(_, c)| c) == Some('E') {
                            chars.next();
                            break;
                        }
                        literal.push(q);
                    }
                    out.push_str(&regex::escape(&literal));
                } else if escaped.is_ascii_digit() {
                    out.push_str(&octal_escape(pattern, at, escaped, &mut chars)?);
                } else {
                    out.push_str(&translate_escape(escaped, class.is_some()));
                }
                class = class.map(|n| n + 1);
            }
            ('[', None) => {
                out.push('[');
                class = Some(0);
                if chars.peek().map(|&(_, c)| c) == Some('^') {
                    chars.next();
                    out.push('^');
                }
                // A `]` right after the opening bracket is a literal in both dialects.
                if chars.peek().map(|&(_, c)| c) == Some(']') {
                    chars.next();
                    out.push_str("\\]");
                    class = Some(1);
                }
            }
            ('[', Some(n)) => {
                if chars.peek().map(|&(_, c)| c) == Some(':') {
                    // A POSIX class such as `[:alpha:]`; copy it through `:]`.
                    out.push('[');
                    let mut prev = '[';
                    for (_, p) in chars.by_ref() {
                        out.push(p);
                        if prev == ':' && p == ']' {
                            break;
                        }
                        prev = p;
                    }
                } else {
                    out.push_str("\\[");
                }
                class = Some(n + 1);
            }
            (']', Some(_)) => {
                out.push(']');
                class = None;
            }
            ('&' | '~', Some(n)) => {
                out.push('\\');
                out.push(c);
                class = Some(n + 1);
            }
            ('{', None) => {
                let rest = &pattern[at..];
                match repeat_at(rest) {
                    Some(Ok(len)) => {
                        out.push_str(&rest[..len]);
                        for _ in 1..len {
                            chars.next();
                        }
                    }
                    Some(Err(())) => {
                        let end = rest.find('}').map_or(rest.len(), |i| i + 1);
                        return Err(format!("invalid repeat count: `{}`", &rest[..end]));
                    }
                    None => out.push_str("\\{"),
                }
            }
            ('(', None) if pattern[at..].starts_with("(?") => {
                check_flags(&pattern[at..])?;
                out.push('(');
            }
            (_, _) => {
                out.push(c);
                class = class.map(|n| n + 1);
            }
        }
    }
    Ok(out)
}

/// Go's `parseRepeat` on text starting with `{`: `Some(Ok(len))` for a valid
/// `{n}`, `{n,}` or `{n,m}`, `Some(Err)` for one with a count Go refuses, and
/// `None` when the `{` is a literal.
fn repeat_at(rest: &str) -> Option<Result<usize, ()>> {
    let bytes = rest.as_bytes();
    let mut i = 1;
    let number = |i: &mut usize| -> Option<u64> {
        let start = *i;
        while *i < bytes.len() && bytes[*i].is_ascii_digit() {
            *i += 1;
        }
        if *i == start {
            return None;
        }
        // Go refuses leading zeros only in spirit; it caps the value instead.
        Some(rest[start..*i].bytes().fold(0u64, |acc, b| {
            acc.saturating_mul(10).saturating_add(u64::from(b - b'0'))
        }))
    };
    let min = number(&mut i)?;
    let mut max = Some(min);
    if bytes.get(i) == Some(&b',') {
        i += 1;
        max = if bytes.get(i) == Some(&b'}') {
            None
        } else {
            Some(number(&mut i)?)
        };
    }
    if bytes.get(i) != Some(&b'}') {
        return None;
    }
    let limit = u64::from(MAX_REPEAT);
    if min > limit || max.is_some_and(|m| m > limit || m < min) {
        return Some(Err(()));
    }
    Some(Ok(i + 1))
}

/// Go accepts the flags `i`, `m`, `s`, `U` (and `-` to clear) in `(?flags)` and
/// `(?flags:…)`, and named groups `(?P<name>…)` / `(?<name>…)`.
fn check_flags(group: &str) -> Result<(), String> {
    let body = &group[2..];
    if body.starts_with("P<") || body.starts_with('<') {
        return Ok(());
    }
    for (i, c) in body.char_indices() {
        match c {
            ')' | ':' => return Ok(()),
            'i' | 'm' | 's' | 'U' | '-' => {}
            _ => {
                let end = 2 + i + c.len_utf8();
                return Err(format!(
                    "invalid or unsupported Perl syntax: `{}`",
                    &group[..end]
                ));
            }
        }
    }
    Err(format!("missing closing ): `{group}`"))
}

/// Go's octal escapes: `\0` followed by up to two octal digits, or `\1`–`\7`
/// followed by one or two more. A lone `\1`–`\9` (a backreference elsewhere) is
/// an error in Go.
fn octal_escape(
    pattern: &str,
    at: usize,
    first: char,
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
) -> Result<String, String> {
    let is_octal = |c: char| ('0'..='7').contains(&c);
    let next_is_octal = |chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>| {
        chars.peek().is_some_and(|&(_, c)| is_octal(c))
    };
    if first == '8' || first == '9' || (first != '0' && !next_is_octal(chars)) {
        let end = at + 2;
        return Err(format!(
            "invalid escape sequence: `{}`",
            pattern.get(at..end).unwrap_or(pattern)
        ));
    }
    let mut value = first.to_digit(8).unwrap_or(0);
    for _ in 0..2 {
        if !next_is_octal(chars) {
            break;
        }
        if let Some((_, c)) = chars.next() {
            value = value * 8 + c.to_digit(8).unwrap_or(0);
        }
    }
    Ok(format!("\\x{{{value:X}}}"))
}

fn translate_escape(escaped: char, in_class: bool) -> String {
    let replacement = match (escaped, in_class) {
        ('d', false) => "[0-9]",
        ('D', false) => "[^0-9]",
        ('w', false) => "[0-9A-Za-z_]",
        ('W', false) => "[^0-9A-Za-z_]",
        ('s', false) => "[\\t\\n\\f\\r ]",
        ('S', false) => "[^\\t\\n\\f\\r ]",
        ('b', false) => "(?-u:\\b)",
        ('B', false) => "(?-u:\\B)",
        ('d', true) => "0-9",
        ('D', true) => "\\x00-/:-\\x{10FFFF}",
        ('w', true) => "0-9A-Za-z_",
        ('W', true) => "\\x00-/:-@\\[-\\^`\\{-\\x{10FFFF}",
        ('s', true) => "\\t\\n\\f\\r ",
        ('S', true) => "\\x00-\\x08\\x0B\\x0E-\\x1F!-\\x{10FFFF}",
        // Escaped punctuation is the character itself in Go; spell it as a
        // code point so that `regex` gives it no meaning (`\<` is a word
        // boundary there).
        (c, _) if c.is_ascii_punctuation() => return format!("\\x{{{:X}}}", c as u32),
        _ => return format!("\\{escaped}"),
    };
    replacement.to_owned()
}

/// Go's message for a pattern `regexp.Compile` rejects, as far as the `regex` crate's
/// parser can tell which rule was broken.
fn go_error(pattern: &str) -> String {
    let detail = match regex_syntax::ast::parse::Parser::new().parse(pattern) {
        Ok(_) => format!("invalid or unsupported Perl syntax: `{pattern}`"),
        Err(e) => {
            let span = e.span();
            let rest = pattern.get(span.start.offset..).unwrap_or(pattern);
            let text = match pattern.get(span.start.offset..span.end.offset) {
                Some(t) if !t.is_empty() => t,
                // An empty span sits on the offending operator; Go quotes the operator.
                _ => operator_at(rest),
            };
            match e.kind() {
                ErrorKind::GroupUnclosed => format!("missing closing ): `{pattern}`"),
                ErrorKind::GroupUnopened => format!("unexpected ): `{pattern}`"),
                ErrorKind::ClassUnclosed => format!("missing closing ]: `{rest}`"),
                ErrorKind::ClassRangeInvalid | ErrorKind::ClassRangeLiteral => {
                    format!("invalid character class range: `{text}`")
                }
                ErrorKind::EscapeUnrecognized | ErrorKind::EscapeUnexpectedEof => {
                    format!("invalid escape sequence: `{text}`")
                }
                ErrorKind::RepetitionMissing => {
                    format!("missing argument to repetition operator: `{text}`")
                }
                ErrorKind::RepetitionCountInvalid
                | ErrorKind::RepetitionCountUnclosed
                | ErrorKind::RepetitionCountDecimalEmpty => {
                    format!("invalid repeat count: `{text}`")
                }
                ErrorKind::GroupNameDuplicate { .. } => {
                    format!("duplicate capture group name: `{text}`")
                }
                ErrorKind::GroupNameEmpty
                | ErrorKind::GroupNameInvalid
                | ErrorKind::GroupNameUnexpectedEof => {
                    format!("invalid named capture: `{rest}`")
                }
                _ => format!("invalid or unsupported Perl syntax: `{text}`"),
            }
        }
    };
    format!("error parsing regexp: {detail}")
}

/// The repetition operator `rest` starts with: `{…}` or a single character.
fn operator_at(rest: &str) -> &str {
    if rest.starts_with('{') {
        return rest.find('}').map_or(rest, |end| &rest[..=end]);
    }
    rest.char_indices()
        .nth(1)
        .map_or(rest, |(end, _)| &rest[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_match(pattern: &str, text: &str) -> bool {
        compile(pattern).unwrap().is_match(text)
    }

    #[test]
    fn perl_classes_are_ascii_as_in_go() {
        assert!(is_match(r"^\d{3}$", "128"));
        assert!(!is_match(r"^\d$", "٣"));
        assert!(!is_match(r"^\d+$", "١٢٣"));
        assert!(!is_match(r"^\w$", "é"));
        assert!(is_match(r"^[\w.]+$", "a.b_c"));
        assert!(is_match(r"[\d.]+", "1.2"));
        assert!(is_match(r"^[\D]$", "x"));
        assert!(!is_match(r"^[\D]$", "1"));
        assert!(!is_match(r"\s", "\u{a0}"));
        assert!(is_match(r"^.$", "é"));
        assert!(is_match(r"\bfoo\b", "a foo b"));
        assert!(is_match(r"\bfoo\b", "éfooé"));
    }

    #[test]
    fn go_only_syntax_is_understood() {
        assert!(is_match(r"\Qa.b\E", "a.b"));
        assert!(!is_match(r"\Qa.b\E", "axb"));
        assert!(is_match(r"[a[]", "["));
        assert!(is_match(r"[]a]", "]"));
        assert!(is_match(r"[[:digit:]]x", "1x"));
        assert!(is_match(r"[[:alpha:]]+", "abc"));
        assert!(is_match(r"(?i)^FOO$", "foo"));
        assert!(is_match(r"^[a&&b]$", "&"));
        assert!(is_match(r"^[~~]$", "~"));
        // Escaped punctuation is literal, even where `regex` has meaning for it.
        assert!(is_match(r"^\<a\>$", "<a>"));
        // Octal escapes.
        assert!(is_match(r"^\101\0$", "A\0"));
        assert!(is_match(r"^\012$", "\n"));
        // A `{` that starts no repetition is a literal.
        assert!(is_match(r"^a{$", "a{"));
        assert!(is_match(r"^a{x}$", "a{x}"));
        assert!(is_match(r"^a{,2}$", "a{,2}"));
        assert!(is_match(r"^a{2}$", "aa"));
        assert!(is_match(r"^a{2,}$", "aaa"));
        assert!(is_match(r"^a\b{x}$", "a{x}"));
        assert!(is_match(r"^(?P<x>a)(?<y>b)$", "ab"));
    }

    #[test]
    fn errors_read_like_go() {
        let cases = [
            ("(foo", "missing closing ): `(foo`"),
            ("foo)", "unexpected ): `foo)`"),
            ("[a", "missing closing ]: `[a`"),
            ("*a", "missing argument to repetition operator: `*`"),
            ("a{1001}", "invalid repeat count: `{1001}`"),
            ("a{2,1}", "invalid repeat count: `{2,1}`"),
            ("(?x)a", "invalid or unsupported Perl syntax: `(?x`"),
            (r"\1", r"invalid escape sequence: `\1`"),
            (r"a\8", r"invalid escape sequence: `\8`"),
        ];
        for (pattern, want) in cases {
            assert_eq!(
                compile(pattern).unwrap_err(),
                format!("error parsing regexp: {want}"),
                "{pattern}"
            );
        }
        assert_eq!(
            compile_with_size_limit("a{1000}{1000}", 1 << 20).unwrap_err(),
            "error parsing regexp: expression too large"
        );
    }

    #[test]
    fn quote_meta_escapes_what_go_escapes() {
        assert_eq!(quote_meta("1.5-2.0?"), r"1\.5-2\.0\?");
        assert_eq!(quote_meta(r"a\b[c]{d}|^$"), r"a\\b\[c\]\{d\}\|\^\$");
        assert!(is_match(&quote_meta("a.b*"), "a.b*"));
    }
}

//! Go's RE2 regular expressions on the `regex` crate.
//!
//! The two dialects agree on almost everything. Where they differ, the pattern is
//! rewritten before compiling: in Go `\d`, `\w`, `\s` and `\b` are ASCII-only while
//! the `regex` crate makes them Unicode-aware; Go supports `\Q…\E`; and inside a
//! character class Go takes `[`, `&` and `~` literally where `regex` gives them
//! meaning. Compile errors are reported in Go's words (`error parsing regexp: …`).

use regex::Regex;
use regex_syntax::ast::ErrorKind;

/// Compiles `pattern` with Go's semantics; the error is Go's `regexp.Compile` message.
pub(crate) fn compile(pattern: &str) -> Result<Regex, String> {
    Regex::new(&translate(pattern)).map_err(|_| go_error(pattern))
}

fn translate(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars().peekable();
    // Position inside a character class: None outside, Some(n) = chars read since `[`.
    let mut class: Option<usize> = None;
    while let Some(c) = chars.next() {
        match (c, class) {
            ('\\', _) => {
                let Some(escaped) = chars.next() else {
                    out.push('\\');
                    break;
                };
                if escaped == 'Q' {
                    let mut literal = String::new();
                    while let Some(q) = chars.next() {
                        if q == '\\' && chars.peek() == Some(&'E') {
                            chars.next();
                            break;
                        }
                        literal.push(q);
                    }
                    out.push_str(&regex::escape(&literal));
                } else {
                    out.push_str(&translate_escape(escaped, class.is_some()));
                }
                class = class.map(|n| n + 1);
            }
            ('[', None) => {
                out.push('[');
                class = Some(0);
                if chars.peek() == Some(&'^') {
                    chars.next();
                    out.push('^');
                }
                // A `]` right after the opening bracket is a literal in both dialects.
                if chars.peek() == Some(&']') {
                    chars.next();
                    out.push_str("\\]");
                    class = Some(1);
                }
            }
            ('[', Some(n)) => {
                if chars.peek() == Some(&':') {
                    // A POSIX class such as `[:alpha:]`; copy it through `:]`.
                    out.push('[');
                    for p in chars.by_ref() {
                        out.push(p);
                        if p == ']' {
                            break;
                        }
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
            (_, _) => {
                out.push(c);
                class = class.map(|n| n + 1);
            }
        }
    }
    out
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
        assert!(!is_match(r"^\w$", "é"));
        assert!(is_match(r"^[\w.]+$", "a.b_c"));
        assert!(!is_match(r"\s", "\u{a0}"));
        assert!(is_match(r"^.$", "é"));
    }

    #[test]
    fn go_only_syntax_is_understood() {
        assert!(is_match(r"\Qa.b\E", "a.b"));
        assert!(!is_match(r"\Qa.b\E", "axb"));
        assert!(is_match(r"[a[]", "["));
        assert!(is_match(r"[]a]", "]"));
        assert!(is_match(r"[[:digit:]]x", "1x"));
        assert!(is_match(r"(?i)^FOO$", "foo"));
    }

    #[test]
    fn errors_read_like_go() {
        assert_eq!(
            compile("(foo").unwrap_err(),
            "error parsing regexp: missing closing ): `(foo`"
        );
        assert_eq!(
            compile("foo)").unwrap_err(),
            "error parsing regexp: unexpected ): `foo)`"
        );
        assert_eq!(
            compile("[a").unwrap_err(),
            "error parsing regexp: missing closing ]: `[a`"
        );
        assert_eq!(
            compile("*a").unwrap_err(),
            "error parsing regexp: missing argument to repetition operator: `*`"
        );
    }
}

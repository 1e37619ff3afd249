//! JSON text exactly as Go's `encoding/json` writes it: sorted map keys, HTML-safe
//! escapes (`<` is `\u003c`), and Go's float formatting. Goss prints expected and
//! actual values this way, and our golden tests compare those bytes.

use std::fmt::Write;

use crate::Value;
use crate::strconv::format_float;

/// Compact JSON, as `json.Marshal`.
pub fn to_json(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, None, 0, Escape::Html);
    out
}

/// Compact JSON without HTML escaping, as a `json.Encoder` with
/// `SetEscapeHTML(false)` writes it. goss prints expected and actual values in its
/// human-readable outputs this way, so `<` stays `<` there.
pub fn to_json_unescaped_html(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, None, 0, Escape::Plain);
    out
}

/// Indented JSON, as `json.MarshalIndent(v, "", indent)`.
pub fn to_json_pretty(value: &Value, indent: &str) -> String {
    let mut out = String::new();
    write_value(&mut out, value, Some(indent), 0, Escape::Html);
    out
}

/// Whether `<`, `>` and `&` are escaped, as Go's encoder does by default.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Escape {
    Html,
    Plain,
}

fn newline(out: &mut String, indent: Option<&str>, depth: usize) {
    if let Some(unit) = indent {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(unit);
        }
    }
}

fn write_value(
    out: &mut String,
    value: &Value,
    indent: Option<&str>,
    depth: usize,
    escape: Escape,
) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(x) => out.push_str(&format_float_json(*x)),
        Value::String(s) => write_escaped_string(out, s, escape),
        Value::List(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, depth + 1);
                write_value(out, item, indent, depth + 1, escape);
            }
            newline(out, indent, depth);
            out.push(']');
        }
        Value::Map(map) => {
            if map.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, depth + 1);
                write_escaped_string(out, k, escape);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write_value(out, v, indent, depth + 1, escape);
            }
            newline(out, indent, depth);
            out.push('}');
        }
    }
}

/// A JSON string literal with Go's escaping rules (HTML-safe).
pub(crate) fn write_string(out: &mut String, s: &str) {
    write_json_string(out, s, true);
}

fn write_escaped_string(out: &mut String, s: &str, escape: Escape) {
    write_json_string(out, s, escape == Escape::Html);
}

/// A JSON string literal exactly as Go's `encoding/json` (1.22+) writes it: `\"`,
/// `\\`, `\n`, `\r`, `\t`, `\b` and `\f` by name, other control characters,
/// U+2028 and U+2029 as `\u00XX`, and — when `escape_html`, as `json.Marshal` does
/// by default — `<`, `>` and `&` as `\u003c`, `\u003e` and `\u0026`.
pub fn write_json_string(out: &mut String, s: &str, escape_html: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' if escape_html => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Go's JSON float encoding: shortest round-trip digits, exponent form outside
/// `[1e-6, 1e21)`, negative exponents without padding (`1e-7`). `None` for NaN and
/// the infinities, which `encoding/json` refuses to encode.
pub fn format_json_float(x: f64) -> Option<String> {
    if !x.is_finite() {
        return None;
    }
    let abs = x.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let text = format_float(x, b'e', -1);
        return Some(match text.split_once("e-0") {
            Some((mantissa, exp)) => format!("{mantissa}e-{exp}"),
            None => text,
        });
    }
    Some(format_float(x, b'f', -1))
}

/// [`format_json_float`] for documents that must stay valid: `null` where Go
/// would refuse the value.
pub(crate) fn format_float_json(x: f64) -> String {
    format_json_float(x).unwrap_or_else(|| "null".to_owned())
}

/// Go's `%v` for a float64: `strconv.FormatFloat(x, 'g', -1, 64)`.
pub(crate) fn format_float_v(x: f64) -> String {
    format_float(x, b'g', -1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn floats_match_go() {
        assert_eq!(format_float_json(42.0), "42");
        assert_eq!(format_float_json(0.5), "0.5");
        assert_eq!(format_float_json(1e21), "1e+21");
        assert_eq!(format_float_json(1.5e-7), "1.5e-7");
        assert_eq!(format_float_json(123456789.0), "123456789");
        assert_eq!(format_float_v(2.5), "2.5");
        assert_eq!(format_float_v(1e21), "1e+21");
        assert_eq!(format_float_v(1e6), "1e+06");
        assert_eq!(format_float_v(123456.0), "123456");
        assert_eq!(format_float_v(0.0001), "0.0001");
        assert_eq!(format_float_v(0.00001), "1e-05");
    }

    #[test]
    fn strings_are_html_escaped_like_go() {
        let v = Value::String("a<b>&\"c\"\n\u{1}".into());
        assert_eq!(to_json(&v), r#""a\u003cb\u003e\u0026\"c\"\n\u0001""#);
    }

    #[test]
    fn backspace_and_form_feed_are_named_as_go_1_22_writes_them() {
        let v = Value::String("a\u{8}b\u{c}c\u{1f}".into());
        assert_eq!(to_json(&v), r#""a\bb\fc\u001f""#);
        let mut out = String::new();
        write_json_string(&mut out, "<\u{8}>", false);
        assert_eq!(out, r#""<\b>""#);
        assert_eq!(format_json_float(1.5e-7).as_deref(), Some("1.5e-7"));
        assert_eq!(format_json_float(1e21).as_deref(), Some("1e+21"));
        assert_eq!(format_json_float(100.0).as_deref(), Some("100"));
        assert_eq!(format_json_float(f64::NAN), None);
    }

    #[test]
    fn unescaped_html_keeps_angle_brackets_but_still_escapes_line_separators() {
        let v = Value::String("a<b>&\u{2028}".into());
        assert_eq!(to_json_unescaped_html(&v), "\"a<b>&\\u2028\"");
    }

    #[test]
    fn pretty_print_matches_marshal_indent() {
        let mut map = BTreeMap::new();
        map.insert(
            "b".to_owned(),
            Value::List(vec![Value::Int(1), Value::Bool(true)]),
        );
        map.insert("a".to_owned(), Value::Map(BTreeMap::new()));
        let pretty = to_json_pretty(&Value::Map(map), "    ");
        assert_eq!(
            pretty,
            "{\n    \"a\": {},\n    \"b\": [\n        1,\n        true\n    ]\n}"
        );
    }
}

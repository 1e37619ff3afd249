//! JSON text exactly as Go's `encoding/json` writes it: sorted map keys, HTML-safe
//! escapes (`<` is `\u003c`), and Go's float formatting. Goss prints expected and
//! actual values this way, and our golden tests compare those bytes.

use std::fmt::Write;

use crate::Value;

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
    write_escaped_string(out, s, Escape::Html);
}

fn write_escaped_string(out: &mut String, s: &str, escape: Escape) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' if escape == Escape::Html => out.push_str("\\u003c"),
            '>' if escape == Escape::Html => out.push_str("\\u003e"),
            '&' if escape == Escape::Html => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Go's JSON float encoding: shortest round-trip digits, exponent form outside
/// `[1e-6, 1e21)`, exponent without leading zeros and with an explicit `+`.
pub(crate) fn format_float_json(x: f64) -> String {
    if !x.is_finite() {
        // Go refuses to encode these; `null` keeps the document valid.
        return "null".to_owned();
    }
    let abs = x.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        exponent_form(x, false)
    } else {
        format!("{x}")
    }
}

/// Go's `%v` for a float64: `%g` with the shortest representation, which switches to
/// exponent form for exponents < -4 or >= 21.
pub(crate) fn format_float_v(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    // strconv's shortest %g decides on the decimal exponent of the shortest digits.
    let sci = format!("{x:e}");
    let exp: i32 = sci
        .split_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    if !(-4..6).contains(&exp) {
        exponent_form(x, true)
    } else {
        format!("{x}")
    }
}

/// `%e`-style text with Go's exponent: explicit sign, at least two digits, except that
/// JSON strips the padding of negative exponents (`e-07` becomes `e-7`).
fn exponent_form(x: f64, pad_negative: bool) -> String {
    let rust = format!("{x:e}");
    let (mantissa, exp) = rust.split_once('e').unwrap_or((&rust, "0"));
    let (sign, digits) = match exp.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', exp),
    };
    if digits.len() >= 2 || (sign == '-' && !pad_negative) {
        format!("{mantissa}e{sign}{digits}")
    } else {
        format!("{mantissa}e{sign}0{digits}")
    }
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

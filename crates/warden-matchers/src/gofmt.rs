//! Go's `fmt` verbs that goss's error messages are built with (`%q`, `%s`, `%#v`), so
//! that the messages read exactly as goss prints them.

use std::fmt::Write;

use warden_value::Value;

use crate::subject::Subject;

/// `strconv.Quote`: a double-quoted Go string literal.
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_escaped(&mut out, c, '"');
    }
    out.push('"');
    out
}

fn push_escaped(out: &mut String, c: char, delimiter: char) {
    match c {
        '\\' => out.push_str("\\\\"),
        c if c == delimiter => {
            out.push('\\');
            out.push(c);
        }
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        c if is_go_printable(c) => out.push(c),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if (c as u32) < 0x10000 => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\U{:08x}", c as u32);
        }
    }
}

/// An approximation of `unicode.IsPrint`: Go treats controls, and spaces other than
/// U+0020, as unprintable.
fn is_go_printable(c: char) -> bool {
    !(c.is_control() || (c.is_whitespace() && c != ' ') || matches!(c, '\u{ad}' | '\u{feff}'))
}

/// `%q` of a dynamic value, as `fmt` applies it element-wise to slices and maps.
pub(crate) fn percent_q(value: &Value) -> String {
    match value {
        Value::String(s) => quote(s),
        Value::Int(i) => quote_rune(*i),
        Value::Float(_) | Value::Bool(_) => bad_verb('q', value),
        Value::Null => "%!q(<nil>)".to_owned(),
        Value::List(items) => {
            let parts: Vec<String> = items.iter().map(percent_q).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Map(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}:{}", quote(k), percent_q(v)))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

/// `%q` of a `[]string`.
pub(crate) fn percent_q_strings(items: &[String]) -> String {
    let parts: Vec<String> = items.iter().map(|s| quote(s)).collect();
    format!("[{}]", parts.join(" "))
}

/// `%q` of an integer is a single-quoted character literal.
fn quote_rune(i: i64) -> String {
    let c = u32::try_from(i)
        .ok()
        .and_then(char::from_u32)
        .unwrap_or('\u{fffd}');
    let mut out = String::from("'");
    push_escaped(&mut out, c, '\'');
    out.push('\'');
    out
}

/// `%!v(type=value)`, what `fmt` prints for a verb that does not fit the operand.
fn bad_verb(verb: char, value: &Value) -> String {
    format!("%!{verb}({}={value})", value.go_type_name())
}

/// `%s` of a dynamic value.
pub(crate) fn percent_s(subject: &Subject) -> String {
    match subject {
        Subject::Strings(items) => format!("[{}]", items.join(" ")),
        Subject::Value(value) => percent_s_value(value),
    }
}

fn percent_s_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "%!s(<nil>)".to_owned(),
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => bad_verb('s', value),
        Value::List(items) => {
            let parts: Vec<String> = items.iter().map(percent_s_value).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Map(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k}:{}", percent_s_value(v)))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

/// `strconv.FormatFloat(f, 'G', -1, 64)`: `%v` with an upper-case exponent marker.
pub(crate) fn format_float_upper_g(x: f64) -> String {
    Value::Float(x).to_string().replace('e', "E")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_escapes_like_strconv() {
        assert_eq!(quote("a\"b\\c\n\t\u{1}é"), r#""a\"b\\c\n\t\x01é""#);
    }

    #[test]
    fn percent_q_follows_fmt_for_each_type() {
        assert_eq!(percent_q(&Value::from("x")), "\"x\"");
        assert_eq!(percent_q(&Value::Int(65)), "'A'");
        assert_eq!(percent_q(&Value::Float(1.5)), "%!q(float64=1.5)");
        assert_eq!(percent_q(&Value::Bool(true)), "%!q(bool=true)");
        assert_eq!(percent_q(&Value::Null), "%!q(<nil>)");
        assert_eq!(
            percent_q(&Value::List(vec![Value::from("a"), Value::from("b")])),
            r#"["a" "b"]"#
        );
    }

    #[test]
    fn percent_s_reports_non_strings() {
        assert_eq!(percent_s(&Subject::Value(Value::Int(42))), "%!s(int=42)");
        assert_eq!(percent_s(&Subject::string("x")), "x");
    }

    #[test]
    fn upper_g_float() {
        assert_eq!(format_float_upper_g(43.0), "43");
        assert_eq!(format_float_upper_g(1e21), "1E+21");
        assert_eq!(format_float_upper_g(f64::NAN), "NaN");
    }
}

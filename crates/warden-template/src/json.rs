//! JSON as Go's `encoding/json` writes it, for Sprig's `toJson` family: sorted map
//! keys, Go's float layout, HTML-safe escapes unless raw output is asked for, and
//! errors (not `null`) for NaN and infinities.

use std::fmt::Write;

use warden_value::strconv::format_float;
use warden_value::{format_json_float, write_json_string};

use crate::value::Val;

/// Only a map that contains itself nests this deep; Go reports it as a cycle.
const MAX_DEPTH: usize = 100;

pub(crate) struct JsonOptions<'a> {
    pub(crate) escape_html: bool,
    pub(crate) indent: Option<&'a str>,
    pub(crate) limit: usize,
}

/// `json.Marshal` (or `MarshalIndent` with `indent`), with Go's error messages.
pub(crate) fn encode(v: &Val, options: &JsonOptions<'_>) -> Result<String, String> {
    let mut out = String::new();
    write_value(&mut out, v, options, 0)?;
    Ok(out)
}

fn newline(out: &mut String, options: &JsonOptions<'_>, depth: usize) {
    if let Some(unit) = options.indent {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(unit);
        }
    }
}

fn write_value(
    out: &mut String,
    v: &Val,
    options: &JsonOptions<'_>,
    depth: usize,
) -> Result<(), String> {
    if out.len() > options.limit {
        return Err(format!(
            "json: output exceeds the limit of {} bytes",
            options.limit
        ));
    }
    if depth > MAX_DEPTH {
        return Err(format!(
            "json: unsupported value: encountered a cycle via {}",
            v.type_name()
        ));
    }
    match v {
        Val::Nil => out.push_str("null"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Int(i) | Val::Int64(i) => {
            let _ = write!(out, "{i}");
        }
        Val::Float(x) => out.push_str(&json_float(*x)?),
        Val::Str(s) => write_string(out, s, options.escape_html),
        Val::Version(version) => write_string(out, &version.to_string(), options.escape_html),
        Val::Time(t) => out.push_str(
            &t.marshal_json()
                .map_err(|e| format!("json: error calling MarshalJSON for type time.Time: {e}"))?,
        ),
        // A struct encodes as an object of its exported fields, in field order
        // (which is also key order here).
        Val::Cert(pair) => {
            let fields = crate::value::MapRef::new(
                [
                    ("Cert".to_owned(), Val::str(pair.cert.as_str())),
                    ("Key".to_owned(), Val::str(pair.key.as_str())),
                ]
                .into_iter()
                .collect(),
            );
            write_value(out, &Val::Map(fields), options, depth)?;
        }
        Val::List(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, options, depth + 1);
                write_value(out, item, options, depth + 1)?;
            }
            newline(out, options, depth);
            out.push(']');
        }
        Val::Map(map) => {
            let entries = map.entries();
            if entries.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            out.push('{');
            for (i, (key, value)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, options, depth + 1);
                write_string(out, key, options.escape_html);
                out.push(':');
                if options.indent.is_some() {
                    out.push(' ');
                }
                write_value(out, value, options, depth + 1)?;
            }
            newline(out, options, depth);
            out.push('}');
        }
    }
    Ok(())
}

/// Go's float encoding (see [`format_json_float`]), with Go's error for NaN and
/// the infinities.
pub(crate) fn json_float(x: f64) -> Result<String, String> {
    format_json_float(x)
        .ok_or_else(|| format!("json: unsupported value: {}", format_float(x, b'g', -1)))
}

fn write_string(out: &mut String, s: &str, escape_html: bool) {
    write_json_string(out, s, escape_html);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::MapRef;

    fn opts(escape_html: bool, indent: Option<&str>) -> JsonOptions<'_> {
        JsonOptions {
            escape_html,
            indent,
            limit: 1 << 20,
        }
    }

    #[test]
    fn encodes_like_go() {
        let map = MapRef::new(
            [
                (
                    "b".to_owned(),
                    Val::list(vec![Val::Int(1), Val::Float(2.5)]),
                ),
                ("a".to_owned(), Val::str("<x>")),
            ]
            .into_iter()
            .collect(),
        );
        let v = Val::Map(map);
        assert_eq!(
            encode(&v, &opts(true, None)).unwrap(),
            r#"{"a":"\u003cx\u003e","b":[1,2.5]}"#
        );
        assert_eq!(
            encode(&v, &opts(false, None)).unwrap(),
            r#"{"a":"<x>","b":[1,2.5]}"#
        );
        assert_eq!(
            encode(&v, &opts(true, Some("  "))).unwrap(),
            "{\n  \"a\": \"\\u003cx\\u003e\",\n  \"b\": [\n    1,\n    2.5\n  ]\n}"
        );
        assert_eq!(json_float(1e21).unwrap(), "1e+21");
        assert_eq!(json_float(1.5e-7).unwrap(), "1.5e-7");
        assert_eq!(json_float(100.0).unwrap(), "100");
        assert!(encode(&Val::Float(f64::NAN), &opts(true, None)).is_err());
    }
}

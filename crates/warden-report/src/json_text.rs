//! JSON objects with their fields in a fixed order (Go structs marshal in field
//! order, which a sorted `Value::Map` cannot express), and Go's `json.Indent`.

use warden_value::Value;

/// Writes `{"k":v,…}` with the fields in the order given; values use Go's encoder.
pub(crate) fn object(fields: &[(&str, String)]) -> String {
    let parts: Vec<String> = fields
        .iter()
        .map(|(k, v)| {
            format!(
                "{}:{v}",
                warden_value::to_json(&Value::String((*k).to_owned()))
            )
        })
        .collect();
    format!("{{{}}}", parts.join(","))
}

pub(crate) fn array(items: &[String]) -> String {
    format!("[{}]", items.join(","))
}

/// Go's `json.Indent(dst, src, "", indent)` on compact JSON: one member per line,
/// `": "` after keys, empty objects and arrays kept as `{}` and `[]`.
pub(crate) fn indent(compact: &str, unit: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    let mut need_indent = false;
    let mut in_string = false;
    let mut escaped = false;
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(unit);
        }
    };
    for c in compact.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        if need_indent && c != ']' && c != '}' {
            need_indent = false;
            depth += 1;
            newline(&mut out, depth);
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                need_indent = true;
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            '}' | ']' => {
                if need_indent {
                    need_indent = false;
                } else {
                    depth = depth.saturating_sub(1);
                    newline(&mut out, depth);
                }
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indent_matches_go() {
        let compact = r#"{"b":[1,{}],"a":{"x":"y:,{"},"c":[]}"#;
        assert_eq!(
            indent(compact, "  "),
            "{\n  \"b\": [\n    1,\n    {}\n  ],\n  \"a\": {\n    \"x\": \"y:,{\"\n  },\n  \"c\": []\n}"
        );
    }

    #[test]
    fn ordered_objects_keep_field_order() {
        assert_eq!(
            object(&[("z", "1".into()), ("a", "\"<\"".into())]),
            r#"{"z":1,"a":"<"}"#
        );
    }
}

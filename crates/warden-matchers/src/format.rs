//! gomega's `format.Object`, which goss's error messages embed ("Got:\n    <string>: …").

use warden_value::Value;

use crate::gofmt::quote;
use crate::subject::Subject;

const INDENT: &str = "    ";
/// Collections whose longest element renders longer than this are printed one element a line.
const LONG_FORM_THRESHOLD: usize = 20;
/// gomega's `format.MaxLength`.
const MAX_LENGTH: usize = 4000;
const TRUNCATE_HELP: &str = "\nGomega truncated this representation as it exceeds 'format.MaxLength'.\n\
Consider having the object provide a custom 'GomegaStringer' representation\n\
or adjust the parameters in Gomega's 'format' package.\n\
\n\
Learn more here: https://onsi.github.io/gomega/#adjusting-output\n";

/// `format.Object(object, indentation)`: `<type>: value`, indented.
pub(crate) fn object(subject: &Subject, indentation: usize) -> String {
    let indent = INDENT.repeat(indentation);
    let (type_name, value) = match subject {
        Subject::Value(v) => (type_description(v), format_value(v, indentation)),
        Subject::Strings(items) => (
            format!("[]string | len:{n}, cap:{n}", n = items.len()),
            format_strings(items, indentation),
        ),
    };
    format!("{indent}<{type_name}>: {value}")
}

/// `format.Object` of a plain value.
pub(crate) fn object_of(value: &Value, indentation: usize) -> String {
    object(&Subject::Value(value.clone()), indentation)
}

fn type_description(value: &Value) -> String {
    match value {
        Value::Null => "nil".to_owned(),
        Value::List(items) => format!("[]interface {{}} | len:{n}, cap:{n}", n = items.len()),
        Value::Map(map) => format!("map[string]interface {{}} | len:{}", map.len()),
        other => other.go_type_name().to_owned(),
    }
}

fn format_value(value: &Value, indentation: usize) -> String {
    match value {
        Value::Null => "nil".to_owned(),
        Value::Bool(_) | Value::Int(_) | Value::Float(_) => value.to_string(),
        Value::String(s) => truncate(format_string(s, indentation)),
        Value::List(items) => {
            let parts: Vec<String> = items
                .iter()
                .map(|item| format_interface(item, indentation + 1))
                .collect();
            truncate(layout(&parts, indentation, '[', ']'))
        }
        Value::Map(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", quote(k), format_interface(v, indentation + 1)))
                .collect();
            truncate(layout(&parts, indentation, '{', '}'))
        }
    }
}

/// An element of a `[]interface{}` or `map[string]interface{}`: gomega prefixes its
/// dynamic type.
fn format_interface(value: &Value, indentation: usize) -> String {
    match value {
        Value::Null => "nil".to_owned(),
        other => format!(
            "<{}>{}",
            type_description(other),
            format_value(other, indentation)
        ),
    }
}

fn format_strings(items: &[String], indentation: usize) -> String {
    let parts: Vec<String> = items
        .iter()
        .map(|s| format_string(s, indentation + 1))
        .collect();
    truncate(layout(&parts, indentation, '[', ']'))
}

/// Top-level strings are printed raw with continuation lines indented; nested ones quoted.
fn format_string(s: &str, indentation: usize) -> String {
    if indentation == 1 {
        s.split('\n')
            .collect::<Vec<_>>()
            .join(&format!("\n{INDENT}"))
    } else {
        quote(s)
    }
}

fn layout(parts: &[String], indentation: usize, open: char, close: char) -> String {
    let longest = parts.iter().map(String::len).max().unwrap_or(0);
    if longest > LONG_FORM_THRESHOLD {
        let indenter = INDENT.repeat(indentation);
        let inner = format!("{indenter}{INDENT}");
        format!(
            "{open}\n{inner}{},\n{indenter}{close}",
            parts.join(&format!(",\n{inner}"))
        )
    } else {
        format!("{open}{}{close}", parts.join(", "))
    }
}

fn truncate(s: String) -> String {
    if s.len() <= MAX_LENGTH {
        return s;
    }
    let mut out: String = s
        .char_indices()
        .take_while(|(i, _)| *i < MAX_LENGTH)
        .map(|(_, c)| c)
        .collect();
    out.push_str("...\n");
    out.push_str(TRUNCATE_HELP);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_keep_their_lines_indented() {
        let s = Subject::string("foo bar\nmoo cow\n");
        assert_eq!(object(&s, 1), "    <string>: foo bar\n    moo cow\n    ");
    }

    #[test]
    fn short_string_slices_are_inline() {
        let s = Subject::Strings(vec!["4.4.019-1".into()]);
        assert_eq!(
            object(&s, 1),
            "    <[]string | len:1, cap:1>: [\"4.4.019-1\"]"
        );
    }

    #[test]
    fn long_string_slices_are_one_per_line() {
        let s = Subject::Strings(vec!["4.4.019+build+build2".into()]);
        assert_eq!(
            object(&s, 1),
            "    <[]string | len:1, cap:1>: [\n        \"4.4.019+build+build2\",\n    ]"
        );
    }

    #[test]
    fn nil_and_scalars() {
        assert_eq!(object_of(&Value::Null, 1), "    <nil>: nil");
        assert_eq!(object_of(&Value::Int(3), 1), "    <int>: 3");
        assert_eq!(object_of(&Value::Bool(true), 1), "    <bool>: true");
    }

    #[test]
    fn interface_elements_carry_their_type() {
        let v = Value::List(vec![Value::from("a"), Value::Int(1)]);
        assert_eq!(
            object_of(&v, 1),
            "    <[]interface {} | len:2, cap:2>: [<string>\"a\", <int>1]"
        );
    }
}

//! Writing [`Node`] trees back out, keeping map order: YAML in the style goss writes
//! (`goss render`, `goss add`: two-space indent, sequences flush with their key,
//! yaml.v3's quoting choices) and JSON as Go's `json.MarshalIndent` writes structs.

use crate::gojson::{format_float_json, write_string};
use crate::yaml::{Format, NodeKind, resolve_plain};
use crate::{Node, Value};

/// YAML text for a document, ending with a newline.
pub fn to_yaml(node: &Node) -> String {
    let mut out = String::new();
    match &node.kind {
        NodeKind::Map(entries) if !entries.is_empty() => write_map_body(&mut out, node, 0, false),
        NodeKind::List(items) if !items.is_empty() => write_list_body(&mut out, node, 0),
        _ => {
            out.push_str(&inline_scalar(node));
            out.push('\n');
        }
    }
    out
}

/// Indented JSON that keeps map entries in their given order.
pub fn to_json_ordered(node: &Node, indent: &str) -> String {
    let mut out = String::new();
    write_json(&mut out, node, indent, 0);
    out
}

fn pad(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn is_block(node: &Node) -> bool {
    match &node.kind {
        NodeKind::Map(entries) => !entries.is_empty(),
        NodeKind::List(items) => !items.is_empty(),
        _ => false,
    }
}

/// Writes map entries at `depth`; the first entry continues the current line when the
/// map is a sequence item (`- key: value`).
fn write_map_body(out: &mut String, node: &Node, depth: usize, first_inline: bool) {
    let NodeKind::Map(entries) = &node.kind else {
        return;
    };
    for (i, entry) in entries.iter().enumerate() {
        if i > 0 || !first_inline {
            pad(out, depth);
        }
        out.push_str(&yaml_string(&entry.key));
        out.push(':');
        write_value_after_key(out, &entry.value, depth);
    }
}

fn write_value_after_key(out: &mut String, value: &Node, depth: usize) {
    match &value.kind {
        NodeKind::Map(_) if is_block(value) => {
            out.push('\n');
            write_map_body(out, value, depth + 1, false);
        }
        NodeKind::List(_) if is_block(value) => {
            out.push('\n');
            // yaml.v3 as goss configures it writes block sequences flush with their key.
            write_list_body(out, value, depth);
        }
        NodeKind::String(s) if s.contains('\n') => write_literal(out, s, depth + 1),
        _ => {
            out.push(' ');
            out.push_str(&inline_scalar(value));
            out.push('\n');
        }
    }
}

fn write_list_body(out: &mut String, node: &Node, depth: usize) {
    let NodeKind::List(items) = &node.kind else {
        return;
    };
    for item in items {
        pad(out, depth);
        out.push_str("- ");
        match &item.kind {
            NodeKind::Map(_) if is_block(item) => write_map_body(out, item, depth + 1, true),
            NodeKind::List(_) if is_block(item) => {
                out.push('\n');
                write_list_body(out, item, depth + 1);
            }
            NodeKind::String(s) if s.contains('\n') => {
                out.pop();
                write_literal(out, s, depth + 1);
            }
            _ => {
                out.push_str(&inline_scalar(item));
                out.push('\n');
            }
        }
    }
}

/// A `|` block; `|-` when the text has no final newline.
fn write_literal(out: &mut String, text: &str, depth: usize) {
    out.push_str(if text.ends_with('\n') {
        " |\n"
    } else {
        " |-\n"
    });
    for line in text.strip_suffix('\n').unwrap_or(text).split('\n') {
        if !line.is_empty() {
            pad(out, depth);
            out.push_str(line);
        }
        out.push('\n');
    }
}

fn inline_scalar(node: &Node) -> String {
    match &node.kind {
        NodeKind::Null => "null".to_owned(),
        NodeKind::Bool(b) => b.to_string(),
        NodeKind::Int(i) => i.to_string(),
        NodeKind::Float(x) => yaml_float(*x),
        NodeKind::String(s) => yaml_string(s),
        NodeKind::List(_) => "[]".to_owned(),
        NodeKind::Map(_) => "{}".to_owned(),
    }
}

fn yaml_float(x: f64) -> String {
    if x.is_nan() {
        ".nan".to_owned()
    } else if x.is_infinite() {
        if x > 0.0 { ".inf" } else { "-.inf" }.to_owned()
    } else {
        let text = format_float_json(x);
        // Keep floats floats when read back.
        if text.contains(['.', 'e']) {
            text
        } else {
            format!("{text}.0")
        }
    }
}

/// A string scalar quoted as yaml.v3 quotes it: plain when that reads back as the same
/// string, double quotes when plain would read as another type, single quotes when
/// plain syntax is not allowed, double quotes with escapes for unprintable text.
fn yaml_string(s: &str) -> String {
    if s.chars()
        .any(|c| (c.is_control() && c != '\n') || c == '\u{feff}')
    {
        return double_quoted(s);
    }
    let reads_as_other_type = !matches!(resolve_plain(s, Format::Yaml), NodeKind::String(_));
    if s.is_empty() || reads_as_other_type || is_yaml11_special(s) {
        return double_quoted(s);
    }
    if plain_allowed(s) {
        return s.to_owned();
    }
    if s.contains('\n') {
        return double_quoted(s);
    }
    format!("'{}'", s.replace('\'', "''"))
}

/// Words YAML 1.1 readers take for booleans, and sexagesimal numbers; yaml.v3 quotes them.
fn is_yaml11_special(s: &str) -> bool {
    const OLD_BOOLS: [&str; 22] = [
        "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off",
        "OFF", "true", "True", "TRUE", "false", "False", "FALSE",
    ];
    if OLD_BOOLS.contains(&s) {
        return true;
    }
    is_base60_float(s)
}

/// yaml.v3's `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`
/// (so `1:20` and `-1:30.5` are quoted, `127.0.0.1:8053` is not).
fn is_base60_float(s: &str) -> bool {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (sexagesimal, fraction) = body.split_once('.').unwrap_or((body, ""));
    if !fraction.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
        return false;
    }
    let mut groups = sexagesimal.split(':');
    let head_ok = groups.next().is_some_and(|head| {
        head.bytes().next().is_some_and(|b| b.is_ascii_digit())
            && head.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    });
    let mut count = 0;
    let groups_ok = groups.all(|group| {
        count += 1;
        match group.as_bytes() {
            [digit] => digit.is_ascii_digit(),
            [tens, units] => (b'0'..=b'5').contains(tens) && units.is_ascii_digit(),
            _ => false,
        }
    });
    head_ok && groups_ok && count > 0
}

fn plain_allowed(s: &str) -> bool {
    let bytes = s.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if first == b' ' || last == b' ' || s.contains('\n') {
        return false;
    }
    if b"#,[]{}&*!|>'\"%@`".contains(&first) {
        return false;
    }
    if matches!(first, b'-' | b'?' | b':') && bytes.get(1).is_none_or(|&b| b == b' ') {
        return false;
    }
    !(s.contains(": ") || s.contains(" #") || last == b':' || s.contains('\t'))
}

fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || c == '\u{feff}' => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn write_json(out: &mut String, node: &Node, indent: &str, depth: usize) {
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(indent);
        }
    };
    match &node.kind {
        NodeKind::Map(entries) if !entries.is_empty() => {
            out.push('{');
            for (i, entry) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                write_string(out, &entry.key);
                out.push_str(": ");
                write_json(out, &entry.value, indent, depth + 1);
            }
            newline(out, depth);
            out.push('}');
        }
        NodeKind::List(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                write_json(out, item, indent, depth + 1);
            }
            newline(out, depth);
            out.push(']');
        }
        _ => out.push_str(&crate::to_json(&node.to_value())),
    }
}

/// Builds a node for emission from a value (maps in key order).
pub fn node_from_value(value: &Value) -> Node {
    use crate::yaml::MapEntry;
    let kind = match value {
        Value::Null => NodeKind::Null,
        Value::Bool(b) => NodeKind::Bool(*b),
        Value::Int(i) => NodeKind::Int(*i),
        Value::Float(x) => NodeKind::Float(*x),
        Value::String(s) => NodeKind::String(s.clone()),
        Value::List(items) => NodeKind::List(items.iter().map(node_from_value).collect()),
        Value::Map(map) => NodeKind::Map(
            map.iter()
                .map(|(k, v)| MapEntry {
                    key: k.clone(),
                    key_mark: Default::default(),
                    value: node_from_value(v),
                })
                .collect(),
        ),
    };
    Node {
        kind,
        mark: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    fn round_trip(src: &str) -> String {
        to_yaml(&parse(src, Format::Yaml).unwrap())
    }

    #[test]
    fn writes_goss_add_style() {
        let src = "file:\n  /etc/passwd:\n    exists: true\n    mode: \"0644\"\n    contents:\n    - root\n    ip: []\ncommand:\n  foobar:\n    stderr:\n    - 'sh: 1: foobar: not found'\n    stdout: \"\"\n";
        assert_eq!(round_trip(src), src);
    }

    #[test]
    fn quotes_strings_that_would_change_type() {
        for (s, expected) in [
            ("0644", "\"0644\""),
            ("true", "\"true\""),
            ("yes", "\"yes\""),
            ("1.5", "\"1.5\""),
            ("", "\"\""),
            ("null", "\"null\""),
            ("1:20", "\"1:20\""),
            ("-1:30.5", "\"-1:30.5\""),
            ("127.0.0.1:8053", "127.0.0.1:8053"),
            ("1:60", "1:60"),
            ("hello", "hello"),
            ("0.0.0.0", "0.0.0.0"),
            ("a: b", "'a: b'"),
            ("#x", "'#x'"),
            ("it's: x", "'it''s: x'"),
            ("tab\there", "\"tab\\there\""),
        ] {
            assert_eq!(yaml_string(s), expected, "{s:?}");
        }
    }

    #[test]
    fn output_reads_back_to_the_same_value() {
        let src = "a:\n- x: 1\n  y:\n  - - nested\n  z: \"multi\\nline\\n\"\n- [] \n- {}\nb: 2.0\nc: '@at'\n";
        let node = parse(src, Format::Yaml).unwrap();
        let again = parse(&to_yaml(&node), Format::Yaml).unwrap();
        assert_eq!(again.to_value(), node.to_value(), "{}", to_yaml(&node));
    }

    #[test]
    fn json_keeps_entry_order() {
        let node = parse("b: 1\na: [x]\n", Format::Yaml).unwrap();
        assert_eq!(
            to_json_ordered(&node, "    "),
            "{\n    \"b\": 1,\n    \"a\": [\n        \"x\"\n    ]\n}"
        );
    }
}

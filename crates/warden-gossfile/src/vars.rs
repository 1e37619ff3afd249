//! Template variables: `--vars FILE` (repeatable, deep-merged left to right) and
//! `--vars-inline` (replaces top-level keys wholesale), as goss merges them.

use std::path::Path;

use warden_value::{Format, Value};

use crate::error::GossfileError;

/// Reads one vars file. goss sniffs the content: JSON first, then YAML.
pub fn read_vars_file(path: &Path) -> Result<Value, GossfileError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| GossfileError::in_file(path, format!("could not read vars file: {e}")))?;
    parse_vars(&text).map_err(|(mark, message)| GossfileError::at(path, mark, message))
}

/// Parses inline vars (`--vars-inline '{inline: bar}'`).
pub fn parse_inline(text: &str) -> Result<Value, GossfileError> {
    parse_vars(text)
        .map_err(|(mark, message)| GossfileError::at(Path::new("--vars-inline"), mark, message))
}

fn parse_vars(text: &str) -> Result<Value, (warden_value::Mark, String)> {
    let node = match warden_value::parse(text, Format::Json) {
        Ok(node) if serde_json::from_str::<serde_json::Value>(text).is_ok() => node,
        _ => warden_value::parse(text, Format::Yaml).map_err(|e| (e.mark, e.message))?,
    };
    match node.to_value() {
        Value::Null => Ok(Value::Map(Default::default())),
        map @ Value::Map(_) => Ok(map),
        other => Err((
            node.mark,
            format!("vars must be a map, found {}", other.go_type_name()),
        )),
    }
}

/// Deep-merges `overlay` into `base`: maps merge recursively, and any other non-empty
/// value from the overlay wins.
pub fn deep_merge(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Map(base_map), Value::Map(overlay_map)) => {
            for (key, value) in overlay_map {
                match base_map.get_mut(&key) {
                    Some(existing) => deep_merge(existing, value),
                    None => {
                        base_map.insert(key, value);
                    }
                }
            }
        }
        (_, Value::Null) => {}
        (base, overlay) => *base = overlay,
    }
}

/// Applies inline vars: each top-level key replaces the merged value outright.
pub fn apply_inline(base: &mut Value, inline: Value) {
    if let (Value::Map(base_map), Value::Map(inline_map)) = (&mut *base, inline) {
        base_map.extend(inline_map);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(src: &str) -> Value {
        warden_value::parse(src, Format::Yaml).unwrap().to_value()
    }

    #[test]
    fn files_merge_deeply_and_inline_replaces_top_level_keys() {
        let mut vars = yaml("a: {x: 1, y: 2}\nb: keep\n");
        deep_merge(&mut vars, yaml("a: {y: 3, z: 4}\n"));
        assert_eq!(vars, yaml("a: {x: 1, y: 3, z: 4}\nb: keep\n"));
        apply_inline(&mut vars, parse_inline("{a: {only: 1}}").unwrap());
        assert_eq!(vars, yaml("a: {only: 1}\nb: keep\n"));
    }

    #[test]
    fn json_vars_keep_json_number_types() {
        assert_eq!(
            parse_vars(r#"{"n": 1}"#).unwrap(),
            Value::Map([("n".into(), Value::Float(1.0))].into())
        );
        assert_eq!(
            parse_vars("n: 1").unwrap(),
            Value::Map([("n".into(), Value::Int(1))].into())
        );
    }

    #[test]
    fn non_map_vars_are_refused() {
        assert!(
            parse_vars("- a\n- b\n")
                .unwrap_err()
                .1
                .contains("must be a map")
        );
    }
}

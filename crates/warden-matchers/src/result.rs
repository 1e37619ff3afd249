//! `matchers.MatcherResult`: what a matcher reports about one check.

use std::collections::BTreeMap;

use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};
use warden_value::Value;

/// goss's `MatcherResult`. `None`, an empty chain and `Value::Null` stand for Go's
/// nil, which goss's outputs distinguish from an empty list (nil lines are not
/// printed; nil is `null` in JSON).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MatcherResult {
    /// The value the reporting matcher saw (after transforms).
    pub actual: Value,
    /// e.g. `matches expectation`, `to equal`, `not to have patterns`.
    pub message: String,
    /// The expectation, as goss marshals it (matchers as their JSON form).
    pub expected: Value,
    pub missing_elements: Option<Value>,
    pub found_elements: Option<Value>,
    pub extra_elements: Option<Value>,
    /// The transformers applied, as JSON (`{"to-numeric":{}}`, `{"gjson":{"Path":"a"}}`).
    pub transform_chain: Vec<Value>,
    /// The value before transforms, when a transform was applied.
    pub untransformed_value: Value,
}

/// Field names in goss's struct order.
pub const MATCHER_RESULT_FIELDS: [&str; 8] = [
    "actual",
    "message",
    "expected",
    "missing-elements",
    "found-elements",
    "extra-elements",
    "transform-chain",
    "untransformed-value",
];

impl MatcherResult {
    /// The fields in goss's struct order with their JSON values.
    pub fn fields(&self) -> [(&'static str, Value); 8] {
        let optional = |v: &Option<Value>| v.clone().unwrap_or(Value::Null);
        let chain = if self.transform_chain.is_empty() {
            Value::Null
        } else {
            Value::List(self.transform_chain.clone())
        };
        [
            (MATCHER_RESULT_FIELDS[0], self.actual.clone()),
            (
                MATCHER_RESULT_FIELDS[1],
                Value::String(self.message.clone()),
            ),
            (MATCHER_RESULT_FIELDS[2], self.expected.clone()),
            (MATCHER_RESULT_FIELDS[3], optional(&self.missing_elements)),
            (MATCHER_RESULT_FIELDS[4], optional(&self.found_elements)),
            (MATCHER_RESULT_FIELDS[5], optional(&self.extra_elements)),
            (MATCHER_RESULT_FIELDS[6], chain),
            (MATCHER_RESULT_FIELDS[7], self.untransformed_value.clone()),
        ]
    }

    /// The result as a JSON object value (keys sorted, as goss's `json` output has them).
    pub fn to_value(&self) -> Value {
        Value::Map(
            self.fields()
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect::<BTreeMap<_, _>>(),
        )
    }
}

impl Serialize for MatcherResult {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("MatcherResult", 8)?;
        for (name, value) in self.fields() {
            s.serialize_field(name, &GoValue(&value))?;
        }
        s.end()
    }
}

/// Serializes a `Value` structurally (Go-exact bytes come from `warden_value::to_json`).
pub struct GoValue<'a>(pub &'a Value);

impl Serialize for GoValue<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Int(i) => serializer.serialize_i64(*i),
            Value::Float(x) => serializer.serialize_f64(*x),
            Value::String(s) => serializer.serialize_str(s),
            Value::List(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&GoValue(item))?;
                }
                seq.end()
            }
            Value::Map(map) => {
                let mut m = serializer.serialize_map(Some(map.len()))?;
                for (k, v) in map {
                    m.serialize_entry(k, &GoValue(v))?;
                }
                m.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_uses_goss_field_names_and_nulls() {
        let r = MatcherResult {
            actual: Value::Int(1),
            message: "to equal".into(),
            ..Default::default()
        };
        let json = serde_json::to_value(&r).unwrap();
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 8);
        assert_eq!(json["missing-elements"], serde_json::Value::Null);
        assert_eq!(json["transform-chain"], serde_json::Value::Null);
        assert_eq!(json["message"], "to equal");
    }
}

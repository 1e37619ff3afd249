//! `equal` (and bare booleans): gomega's `Equal`, i.e. Go's `reflect.DeepEqual`.

use warden_value::Value;

use crate::subject::Subject;

const REFUSE_NIL: &str = "Refusing to compare <nil> to <nil>.\nBe explicit and use BeNil() instead.  This is to avoid mistakes where both sides of an assertion are erroneously uninitialized.";

/// Deep equality with Go's types: an int never equals a float, and a `[]string`
/// never equals a decoded list.
pub(crate) fn matches(expected: &Value, actual: &Subject) -> Result<bool, String> {
    match actual {
        Subject::Value(Value::Null) if expected.is_null() => Err(REFUSE_NIL.to_owned()),
        Subject::Value(v) => Ok(v == expected),
        Subject::Strings(_) => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_types_must_match() {
        assert_eq!(
            matches(&Value::Int(42), &Subject::Value(Value::Float(42.0))),
            Ok(false)
        );
        assert_eq!(
            matches(&Value::Int(42), &Subject::Value(Value::Int(42))),
            Ok(true)
        );
        let list = Value::List(vec![Value::from("a")]);
        assert_eq!(
            matches(&list, &Subject::Strings(vec!["a".into()])),
            Ok(false)
        );
        assert_eq!(matches(&list, &Subject::Value(list.clone())), Ok(true));
    }

    #[test]
    fn nil_against_nil_is_refused() {
        let err = matches(&Value::Null, &Subject::Value(Value::Null)).unwrap_err();
        assert!(err.starts_with("Refusing to compare <nil> to <nil>."));
    }
}

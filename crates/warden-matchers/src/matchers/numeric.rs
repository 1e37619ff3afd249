//! `gt`, `ge`, `lt`, `le` and bare numbers: gomega's `BeNumerically`.

use warden_value::Value;

use crate::format::object;
use crate::subject::Subject;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Comparator {
    Eq,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Comparator {
    pub(crate) fn from_key(key: &str) -> Option<Comparator> {
        match key {
            "gt" => Some(Comparator::Gt),
            "ge" => Some(Comparator::Ge),
            "lt" => Some(Comparator::Lt),
            "le" => Some(Comparator::Le),
            _ => None,
        }
    }

    /// The name goss prints ("to be numerically le") and marshals (`{"le": 5}`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Comparator::Eq => "eq",
            Comparator::Gt => "gt",
            Comparator::Ge => "ge",
            Comparator::Lt => "lt",
            Comparator::Le => "le",
        }
    }

    fn holds<T: PartialOrd>(self, actual: T, expected: T) -> bool {
        match self {
            Comparator::Eq => actual == expected,
            Comparator::Gt => actual > expected,
            Comparator::Ge => actual >= expected,
            Comparator::Lt => actual < expected,
            Comparator::Le => actual <= expected,
        }
    }
}

/// Both sides must be Go numbers; if either is a float the comparison is in floats
/// (exact, `eq` has no tolerance), otherwise in integers.
pub(crate) fn matches(cmp: Comparator, expected: &Value, actual: &Subject) -> Result<bool, String> {
    let not_a_number = |s: &Subject| format!("Expected a number.  Got:\n{}", object(s, 1));
    let actual = match actual {
        Subject::Value(v @ (Value::Int(_) | Value::Float(_))) => v,
        other => return Err(not_a_number(other)),
    };
    match (actual, expected) {
        (Value::Int(a), Value::Int(e)) => Ok(cmp.holds(a, e)),
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
            Ok(cmp.holds(as_float(actual), as_float(expected)))
        }
        _ => Err(not_a_number(&Subject::Value(expected.clone()))),
    }
}

fn as_float(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(x) => *x,
        _ => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(v: Value) -> Subject {
        Subject::Value(v)
    }

    #[test]
    fn mixed_int_and_float_compare_as_floats() {
        assert_eq!(
            matches(Comparator::Eq, &Value::Float(128.0), &num(Value::Int(128))),
            Ok(true)
        );
        assert_eq!(
            matches(Comparator::Le, &Value::Int(129), &num(Value::Float(128.3))),
            Ok(true)
        );
        assert_eq!(
            matches(
                Comparator::Gt,
                &Value::Float(120.2),
                &num(Value::Float(128.3))
            ),
            Ok(true)
        );
        assert_eq!(
            matches(Comparator::Lt, &Value::Int(20), &num(Value::Int(40))),
            Ok(false)
        );
    }

    #[test]
    fn non_numbers_are_errors() {
        let err = matches(Comparator::Eq, &Value::Int(1), &Subject::string("x")).unwrap_err();
        assert_eq!(err, "Expected a number.  Got:\n    <string>: x");
        let err = matches(Comparator::Gt, &Value::from("5"), &num(Value::Int(1))).unwrap_err();
        assert_eq!(err, "Expected a number.  Got:\n    <string>: 5");
    }
}

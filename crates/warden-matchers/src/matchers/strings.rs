//! `have-prefix`, `have-suffix`, `contain-substring`, `match-regexp`: gomega's string
//! matchers, always applied after goss's `to-string` transform.

use regex::Regex;

use crate::format::object;
use crate::subject::Subject;
use warden_value::goregex;

#[derive(Debug, Clone)]
pub(crate) enum StringCheck {
    Prefix,
    Suffix,
    Substring,
    /// The compiled pattern, or Go's compile error, which goss reports when matching.
    Regexp(Result<Regex, String>),
}

impl StringCheck {
    pub(crate) fn regexp(pattern: &str) -> StringCheck {
        StringCheck::Regexp(goregex::compile(pattern))
    }

    pub(crate) fn key(&self) -> &'static str {
        match self {
            StringCheck::Prefix => "have-prefix",
            StringCheck::Suffix => "have-suffix",
            StringCheck::Substring => "contain-substring",
            StringCheck::Regexp(_) => "match-regexp",
        }
    }

    pub(crate) fn message(&self) -> &'static str {
        match self {
            StringCheck::Prefix => "to have prefix",
            StringCheck::Suffix => "to have suffix",
            StringCheck::Substring => "to contain substring",
            StringCheck::Regexp(_) => "to match regular expression",
        }
    }

    /// gomega's complaint when the actual value is not a string.
    fn not_a_string(&self, actual: &Subject) -> String {
        let got = object(actual, 1);
        match self {
            StringCheck::Prefix => {
                format!("HavePrefix matcher requires a string or stringer.  Got:\n{got}")
            }
            StringCheck::Suffix => {
                format!("HaveSuffix matcher requires a string or stringer.  Got:\n{got}")
            }
            StringCheck::Substring => {
                format!("ContainSubstring matcher requires a string or stringer.  Got:\n{got}")
            }
            StringCheck::Regexp(_) => {
                format!("RegExp matcher requires a string or stringer.\nGot:{got}")
            }
        }
    }
}

pub(crate) fn matches(
    check: &StringCheck,
    expected: &str,
    actual: &Subject,
) -> Result<bool, String> {
    let Some(actual_str) = actual.as_str() else {
        return Err(check.not_a_string(actual));
    };
    match check {
        StringCheck::Prefix => Ok(actual_str.starts_with(expected)),
        StringCheck::Suffix => Ok(actual_str.ends_with(expected)),
        StringCheck::Substring => Ok(actual_str.contains(expected)),
        StringCheck::Regexp(Ok(re)) => Ok(re.is_match(actual_str)),
        StringCheck::Regexp(Err(e)) => {
            Err(format!("RegExp match failed to compile with error:\n\t{e}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_checks() {
        let foo = Subject::string("foo");
        assert_eq!(matches(&StringCheck::Prefix, "f", &foo), Ok(true));
        assert_eq!(matches(&StringCheck::Suffix, "x", &foo), Ok(false));
        assert_eq!(matches(&StringCheck::Substring, "oo", &foo), Ok(true));
        assert_eq!(
            matches(&StringCheck::regexp("^fo+$"), "^fo+$", &foo),
            Ok(true)
        );
    }

    #[test]
    fn bad_regexp_is_reported_when_matching() {
        let err = matches(&StringCheck::regexp("(x"), "(x", &Subject::string("x")).unwrap_err();
        assert_eq!(
            err,
            "RegExp match failed to compile with error:\n\terror parsing regexp: missing closing ): `(x`"
        );
    }
}

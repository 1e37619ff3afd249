//! Enforcement entries and INTERCEPT's level table.

use warden_value::Mark;

use crate::model::eq_fold;
use crate::waiver::Waiver;

/// One `enforcement` entry: how a policy's failures count in one environment.
#[derive(Debug, Clone, PartialEq)]
pub struct EnforcementRule {
    /// An environment name, or `all`.
    pub environment: String,
    /// A failure of the policy in this environment makes `warden audit` exit 1.
    pub fatal: bool,
    pub exceptions: Exceptions,
    /// `high`, `low`, `info` or anything else (which the level table treats alike);
    /// empty when not given.
    pub confidence: String,
    /// Where the entry starts; `None` for INTERCEPT's default rule.
    pub mark: Option<Mark>,
}

impl Default for EnforcementRule {
    /// INTERCEPT's rule for a policy without enforcement entries.
    fn default() -> Self {
        EnforcementRule {
            environment: "all".to_owned(),
            fatal: false,
            exceptions: Exceptions::Flag("false".to_owned()),
            confidence: "low".to_owned(),
            mark: None,
        }
    }
}

impl EnforcementRule {
    pub fn is_for_all(&self) -> bool {
        eq_fold(&self.environment, "all")
    }

    /// `environment` is this rule's, or the rule is for `all`; case is ignored.
    pub fn matches_environment(&self, environment: &str) -> bool {
        self.is_for_all() || eq_fold(&self.environment, environment)
    }

    /// The severity of this rule's failures.
    pub fn level(&self) -> Level {
        Level::from_table(self.fatal, self.exceptions.flag(), &self.confidence)
    }
}

/// `exceptions`: INTERCEPT's flag string, or Warden's list of waivers.
#[derive(Debug, Clone, PartialEq)]
pub enum Exceptions {
    /// The value as written (`"true"`, `"false"`, `"development"`, ...). Only `"true"`
    /// counts as "exceptions allowed" in the level table, as in INTERCEPT.
    Flag(String),
    /// Failures these waivers match are waived instead of failing. The list replaces
    /// the blanket flag: failures it does not cover keep the rule's full level.
    Waivers(Vec<Waiver>),
}

impl Exceptions {
    /// The `exceptions` input of the level table.
    pub fn flag(&self) -> bool {
        matches!(self, Exceptions::Flag(text) if text == "true")
    }

    pub fn waivers(&self) -> &[Waiver] {
        match self {
            Exceptions::Flag(_) => &[],
            Exceptions::Waivers(waivers) => waivers,
        }
    }
}

/// SARIF's result levels, which INTERCEPT derives from an enforcement rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    None,
    Note,
    Warning,
    Error,
}

impl Level {
    /// INTERCEPT's table: `fatal` always means `error`; otherwise the confidence decides,
    /// lowered one step when exceptions are allowed.
    pub fn from_table(fatal: bool, exceptions: bool, confidence: &str) -> Level {
        let confidence = confidence.to_lowercase();
        match (fatal, exceptions, confidence.as_str()) {
            (true, _, _) => Level::Error,
            (false, false, "high") => Level::Error,
            (false, true, "high") => Level::Warning,
            (false, false, "low") => Level::Warning,
            (false, true, "low") => Level::Note,
            (false, true, "info") => Level::None,
            _ => Level::Warning,
        }
    }

    /// The SARIF `level` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Note => "note",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }

    /// INTERCEPT's `sarif-int`: none 0, note 1, warning 2, error 3.
    pub fn sarif_int(self) -> u8 {
        match self {
            Level::None => 0,
            Level::Note => 1,
            Level::Warning => 2,
            Level::Error => 3,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_table_matches_intercept() {
        let cases = [
            (true, false, "", Level::Error),
            (true, true, "info", Level::Error),
            (true, false, "low", Level::Error),
            (false, false, "high", Level::Error),
            (false, false, "HIGH", Level::Error),
            (false, true, "high", Level::Warning),
            (false, false, "low", Level::Warning),
            (false, true, "low", Level::Note),
            (false, true, "info", Level::None),
            (false, false, "info", Level::Warning),
            (false, false, "", Level::Warning),
            (false, true, "medium", Level::Warning),
        ];
        for (fatal, exceptions, confidence, expected) in cases {
            assert_eq!(
                Level::from_table(fatal, exceptions, confidence),
                expected,
                "fatal={fatal} exceptions={exceptions} confidence={confidence:?}"
            );
        }
    }

    #[test]
    fn sarif_ints() {
        let ints: Vec<u8> = [Level::None, Level::Note, Level::Warning, Level::Error]
            .into_iter()
            .map(Level::sarif_int)
            .collect();
        assert_eq!(ints, [0, 1, 2, 3]);
        assert_eq!(Level::Warning.as_str(), "warning");
    }

    #[test]
    fn only_the_string_true_allows_exceptions() {
        assert!(Exceptions::Flag("true".into()).flag());
        assert!(!Exceptions::Flag("development".into()).flag());
        assert!(!Exceptions::Flag("True".into()).flag());
        assert!(!Exceptions::Waivers(Vec::new()).flag());
    }

    #[test]
    fn default_rule_is_intercepts_default() {
        let rule = EnforcementRule::default();
        assert!(rule.is_for_all() && !rule.fatal);
        assert_eq!(rule.level(), Level::Warning);
    }
}

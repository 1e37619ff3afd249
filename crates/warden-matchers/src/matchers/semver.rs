//! `semver-constraint`: goss's `BeSemverConstraint` on blang/semver v4.
//!
//! The range grammar is blang's, ported literally: comparators `= == != ! > >= < <=`
//! (none means `=`), a space between comparator and version is dropped, comparisons
//! separated by spaces are ANDed (blang has no comma syntax), `||` ORs groups, and `x`
//! wildcards expand as blang expands them. Prerelease versions are compared by SemVer rules and
//! are not excluded from ranges (`< 4.0.0` accepts `4.0.0-rc1`).

use std::cmp::Ordering;

use warden_value::Value;

use crate::format::{object, object_of};
use crate::subject::Subject;

pub(crate) fn matches(constraint: &Value, actual: &Subject) -> Result<bool, String> {
    let range = constraint
        .as_str()
        .and_then(|s| Range::parse(s).ok())
        .ok_or_else(|| {
            format!(
                "Expected a valid semver constraint.  Got:\n{}",
                object_of(constraint, 1)
            )
        })?;
    let versions = versions_of(actual).ok_or_else(|| {
        format!(
            "Expected a single or list of semver valid version(s).  Got:\n{}",
            object(actual, 1)
        )
    })?;
    Ok(versions.iter().all(|v| range.contains(v)))
}

/// A version string, or a non-empty list whose elements all are version strings.
fn versions_of(actual: &Subject) -> Option<Vec<Version>> {
    let strings: Vec<&str> = match actual {
        Subject::Value(Value::String(s)) => return Version::parse(s).ok().map(|v| vec![v]),
        Subject::Value(Value::List(items)) => {
            items.iter().map(Value::as_str).collect::<Option<_>>()?
        }
        Subject::Strings(items) => items.iter().map(String::as_str).collect(),
        Subject::Value(_) => return None,
    };
    let versions: Vec<Version> = strings
        .into_iter()
        .map(|s| Version::parse(s).ok())
        .collect::<Option<_>>()?;
    (!versions.is_empty()).then_some(versions)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<Prerelease>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Prerelease {
    Numeric(u64),
    Alphanumeric(String),
}

fn is_numeric(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

fn is_alphanumeric(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn number(s: &str, part: &str) -> Result<u64, String> {
    if !is_numeric(s) {
        return Err(format!("Invalid character(s) found in {part} number {s:?}"));
    }
    if s.len() > 1 && s.starts_with('0') {
        return Err(format!(
            "{part} number must not contain leading zeroes {s:?}"
        ));
    }
    s.parse()
        .map_err(|_| format!("invalid {part} number {s:?}"))
}

impl Version {
    /// blang's `semver.Parse` (strict `MAJOR.MINOR.PATCH[-PRE][+BUILD]`).
    pub(crate) fn parse(s: &str) -> Result<Version, String> {
        if s.is_empty() {
            return Err("Version string empty".to_owned());
        }
        let mut parts = s.splitn(3, '.');
        let (Some(major), Some(minor), Some(rest)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err("No Major.Minor.Patch elements found".to_owned());
        };
        let major = number(major, "Major")?;
        let minor = number(minor, "Minor")?;
        let (rest, build) = match rest.split_once('+') {
            Some((r, b)) => (r, Some(b)),
            None => (rest, None),
        };
        let (patch, pre) = match rest.split_once('-') {
            Some((p, pre)) => (p, Some(pre)),
            None => (rest, None),
        };
        let patch = number(patch, "Patch")?;
        let mut prerelease = Vec::new();
        for part in pre
            .map(|p| p.split('.').collect::<Vec<_>>())
            .unwrap_or_default()
        {
            if part.is_empty() {
                return Err("Prerelease is empty".to_owned());
            }
            if is_numeric(part) {
                if part.len() > 1 && part.starts_with('0') {
                    return Err(format!(
                        "Numeric PreRelease version must not contain leading zeroes {part:?}"
                    ));
                }
                prerelease.push(Prerelease::Numeric(
                    part.parse()
                        .map_err(|_| format!("invalid prerelease {part:?}"))?,
                ));
            } else if is_alphanumeric(part) {
                prerelease.push(Prerelease::Alphanumeric(part.to_owned()));
            } else {
                return Err(format!("Invalid character(s) found in prerelease {part:?}"));
            }
        }
        for part in build
            .map(|b| b.split('.').collect::<Vec<_>>())
            .unwrap_or_default()
        {
            if part.is_empty() {
                return Err("Build meta data is empty".to_owned());
            }
            if !is_alphanumeric(part) {
                return Err(format!(
                    "Invalid character(s) found in build meta data {part:?}"
                ));
            }
        }
        Ok(Version {
            major,
            minor,
            patch,
            pre: prerelease,
        })
    }
}

impl Ord for Prerelease {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Prerelease::Numeric(a), Prerelease::Numeric(b)) => a.cmp(b),
            (Prerelease::Numeric(_), Prerelease::Alphanumeric(_)) => Ordering::Less,
            (Prerelease::Alphanumeric(_), Prerelease::Numeric(_)) => Ordering::Greater,
            (Prerelease::Alphanumeric(a), Prerelease::Alphanumeric(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for Prerelease {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Version {
    fn compare(&self, other: &Version) -> Ordering {
        let core =
            (self.major, self.minor, self.patch).cmp(&(other.major, other.minor, other.patch));
        if core != Ordering::Equal {
            return core;
        }
        match (self.pre.is_empty(), other.pre.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => self.pre.cmp(&other.pre),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Comparator {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Comparator {
    fn parse(s: &str) -> Option<Comparator> {
        match s {
            "" | "=" | "==" => Some(Comparator::Eq),
            "!" | "!=" => Some(Comparator::Ne),
            ">" => Some(Comparator::Gt),
            ">=" => Some(Comparator::Ge),
            "<" => Some(Comparator::Lt),
            "<=" => Some(Comparator::Le),
            _ => None,
        }
    }

    fn holds(self, ordering: Ordering) -> bool {
        match self {
            Comparator::Eq => ordering == Ordering::Equal,
            Comparator::Ne => ordering != Ordering::Equal,
            Comparator::Gt => ordering == Ordering::Greater,
            Comparator::Ge => ordering != Ordering::Less,
            Comparator::Lt => ordering == Ordering::Less,
            Comparator::Le => ordering != Ordering::Greater,
        }
    }
}

/// OR of ANDs of comparisons.
#[derive(Debug)]
pub(crate) struct Range(Vec<Vec<(Comparator, Version)>>);

impl Range {
    /// blang's `ParseRange`.
    pub(crate) fn parse(s: &str) -> Result<Range, String> {
        let parts = split_and_trim(s);
        let mut groups: Vec<Vec<String>> = Vec::new();
        let mut last = 0;
        for (i, p) in parts.iter().enumerate() {
            if p == "||" {
                if i == 0 {
                    return Err("First element in range is '||'".to_owned());
                }
                groups.push(parts[last..i].to_vec());
                last = i + 1;
            }
        }
        if last == parts.len() {
            return Err("Last element in range is '||'".to_owned());
        }
        groups.push(parts[last..].to_vec());
        let mut ors = Vec::new();
        for group in expand_wildcards(groups)? {
            let mut ands = Vec::new();
            for part in group {
                let (op, version) = split_comparator_version(&part)?;
                let cmp = Comparator::parse(op)
                    .ok_or_else(|| format!("Could not parse comparator {op:?} in {part:?}"))?;
                let version = Version::parse(version)
                    .map_err(|e| format!("Could not parse Range {part:?}: {e}"))?;
                ands.push((cmp, version));
            }
            ors.push(ands);
        }
        Ok(Range(ors))
    }

    pub(crate) fn contains(&self, v: &Version) -> bool {
        self.0
            .iter()
            .any(|ands| ands.iter().all(|(cmp, bound)| cmp.holds(v.compare(bound))))
    }
}

/// Splits on spaces, except after `>`, `<` or `=` (so `>= 1.0.0` is one part), then
/// removes the spaces inside each part. Like blang it drops one-character parts.
fn split_and_trim(s: &str) -> Vec<String> {
    let bytes = s.as_bytes();
    let mut result = Vec::new();
    let mut last = 0usize;
    let mut last_char = 0u8;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b' ' && !matches!(last_char, b'>' | b'<' | b'=') {
            if last + 1 < i {
                result.push(s[last..i].to_owned());
            }
            last = i + 1;
        } else if b != b' ' {
            last_char = b;
        }
    }
    if last + 1 < s.len() {
        result.push(s[last..].to_owned());
    }
    result.into_iter().map(|p| p.replace(' ', "")).collect()
}

fn split_comparator_version(s: &str) -> Result<(&str, &str), String> {
    let i = s
        .find(|c: char| c.is_ascii_digit())
        .ok_or_else(|| format!("Could not get version from string: {s:?}"))?;
    Ok((s[..i].trim(), &s[i..]))
}

#[derive(Clone, Copy, PartialEq)]
enum Wildcard {
    None,
    Minor,
    Patch,
}

fn expand_wildcards(groups: Vec<Vec<String>>) -> Result<Vec<Vec<String>>, String> {
    let mut expanded = Vec::new();
    for group in groups {
        let mut parts = Vec::new();
        for part in group {
            if !part.contains('x') {
                parts.push(part);
                continue;
            }
            let (op, version) = split_comparator_version(&part)?;
            let wildcard = match version.split('.').collect::<Vec<_>>().as_slice() {
                [.., "x"] if version.split('.').count() == 2 => Wildcard::Minor,
                [.., "x"] if version.split('.').count() == 3 => Wildcard::Patch,
                _ => Wildcard::None,
            };
            let flat = flatten_wildcard(version);
            let (result_op, increment) = match op {
                ">" => (">=", true),
                ">=" => (">=", false),
                "<" => ("<", false),
                "<=" => ("<", true),
                "" | "=" | "==" => {
                    parts.push(format!(">={flat}"));
                    ("<", true)
                }
                "!=" | "!" => {
                    parts.push(format!("<{flat}"));
                    (">=", true)
                }
                _ => ("", false),
            };
            let result_version = if increment {
                match wildcard {
                    Wildcard::Patch => increment_part(&flat, 1),
                    Wildcard::Minor => increment_part(&flat, 0),
                    Wildcard::None => String::new(),
                }
            } else {
                flat
            };
            parts.push(format!("{result_op}{result_version}"));
        }
        expanded.push(parts);
    }
    Ok(expanded)
}

/// `1.x.x` and `1.x` become `1.0.0`, `1.2.x` becomes `1.2.0`.
fn flatten_wildcard(v: &str) -> String {
    let v = v.replacen(".x.x", ".x", 1).replacen(".x", ".0", 1);
    if v.split('.').count() == 2 {
        format!("{v}.0")
    } else {
        v
    }
}

fn increment_part(v: &str, index: usize) -> String {
    let mut parts: Vec<String> = v.split('.').map(str::to_owned).collect();
    if let Some(n) = parts.get(index).and_then(|p| p.parse::<u64>().ok()) {
        parts[index] = (n + 1).to_string();
        parts.join(".")
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(range: &str, version: &str) -> bool {
        Range::parse(range)
            .unwrap()
            .contains(&Version::parse(version).unwrap())
    }

    #[test]
    fn blang_ranges() {
        assert!(ok(">=1.2.0", "1.2.3"));
        assert!(!ok(">=9.9.0", "1.2.3"));
        assert!(ok("> 1.0.0 < 2.0.0 || > 4.0.0", "4.1.0"));
        assert!(!ok("> 1.0.0 < 2.0.0 || > 4.0.0", "3.0.0"));
        assert!(ok(">1.0.0 <2.0.0 !=1.5.0", "1.4.0"));
        assert!(!ok(">1.0.0 <2.0.0 !=1.5.0", "1.5.0"));
        assert!(ok("1.2.x", "1.2.9"));
        assert!(!ok("1.2.x", "1.3.0"));
        assert!(ok("<=1.x", "1.9.9"));
        assert!(!ok("<=1.x", "2.0.0"));
    }

    #[test]
    fn prerelease_ordering_as_goss_tests_expect() {
        assert!(!ok(">= 4.0.0", "4.0.0-rc1"));
        assert!(ok("< 4.0.0", "4.0.0-rc1"));
        assert!(ok("> 4.0.0", "4.1.0+build"));
        assert!(ok("<1.0.0-beta.2", "1.0.0-beta.1"));
        assert!(ok("<1.0.0-beta", "1.0.0-alpha.1"));
    }

    #[test]
    fn invalid_ranges_and_versions() {
        assert!(Range::parse("").is_err());
        assert!(Range::parse("invalid").is_err());
        assert!(Range::parse("|| 1.0.0").is_err());
        assert!(Version::parse("4.4.019-1").is_err());
        assert!(Version::parse("4.4.019+build+build2").is_err());
        assert!(Version::parse("1.10").is_err());
        assert!(Version::parse("1.2.3+build1").is_ok());
    }

    #[test]
    fn goss_error_messages() {
        let err = matches(&Value::Null, &Subject::Strings(vec!["4.1.0".into()])).unwrap_err();
        assert_eq!(
            err,
            "Expected a valid semver constraint.  Got:\n    <nil>: nil"
        );
        let err = matches(
            &Value::from("> 4.0.0"),
            &Subject::Strings(vec!["4.4.019-1".into()]),
        )
        .unwrap_err();
        assert_eq!(
            err,
            "Expected a single or list of semver valid version(s).  Got:\n    <[]string | len:1, cap:1>: [\"4.4.019-1\"]"
        );
        let err = matches(
            &Value::from("> 4.0.0"),
            &Subject::Strings(vec!["4.4.019+build+build2".into()]),
        )
        .unwrap_err();
        assert_eq!(
            err,
            "Expected a single or list of semver valid version(s).  Got:\n    <[]string | len:1, cap:1>: [\n        \"4.4.019+build+build2\",\n    ]"
        );
    }

    #[test]
    fn every_version_in_a_list_must_satisfy() {
        let list = Subject::Strings(vec!["1.0.0".into(), "2.0.0".into()]);
        assert_eq!(matches(&Value::from(">=1.0.0"), &list), Ok(true));
        assert_eq!(matches(&Value::from("<2.0.0"), &list), Ok(false));
    }
}

//! Sprig's `semver` and `semverCompare`, with `Masterminds/semver/v3` rules: lax
//! versions (`v1.2` is `1.2.0`), and constraints with `||`, ranges (`1.2 - 1.4`),
//! wildcards (`1.x`), `~` and `^`, where prereleases only satisfy constraints that
//! name a prerelease. The `semver` crate implements Cargo's rules instead, so the
//! Masterminds logic is ported here; its own regular expressions do the parsing.

use std::cmp::Ordering;
use std::fmt;
use std::rc::Rc;
use std::sync::OnceLock;

use regex::Regex;

use super::{Ctx, Func, FuncResult, NIL_DEREFERENCE, Ty, arg, func, str_arg};
use crate::value::Val;

/// A `*semver.Version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SemVersion {
    major: u64,
    minor: u64,
    patch: u64,
    pre: String,
    metadata: String,
    original: String,
}

impl fmt::Display for SemVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        if !self.metadata.is_empty() {
            write!(f, "+{}", self.metadata)?;
        }
        Ok(())
    }
}

const CV: &str = r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?";
const OPS: &str = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^";

struct Patterns {
    version: Regex,
    constraint: Regex,
    range: Regex,
    find: Regex,
    valid: Regex,
}

fn patterns() -> Option<&'static Patterns> {
    static PATTERNS: OnceLock<Option<Patterns>> = OnceLock::new();
    PATTERNS
        .get_or_init(|| {
            Some(Patterns {
                version: Regex::new(
                    r"^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?$",
                )
                .ok()?,
                constraint: Regex::new(&format!(r"^\s*({OPS})\s*({CV})\s*$")).ok()?,
                range: Regex::new(&format!(r"\s*({CV})\s+-\s+({CV})\s*")).ok()?,
                find: Regex::new(&format!(r"({OPS})\s*({CV})")).ok()?,
                valid: Regex::new(&format!(r"^(\s*({OPS})\s*({CV})\s*)((?:\s+|,\s*)({OPS})\s*({CV})\s*)*$")).ok()?,
            })
        })
        .as_ref()
}

fn segment(text: &str) -> Result<u64, String> {
    text.parse::<u64>().map_err(|_| {
        format!("Error parsing version segment: strconv.ParseUint: parsing \"{text}\": value out of range")
    })
}

/// Masterminds `NewVersion`.
pub(crate) fn parse_version(text: &str) -> Result<SemVersion, String> {
    const INVALID: &str = "Invalid Semantic Version";
    let caps = patterns()
        .and_then(|p| p.version.captures(text))
        .ok_or(INVALID)?;
    let group = |i: usize| caps.get(i).map_or("", |m| m.as_str());
    let major = segment(group(1))?;
    let minor = match group(2).strip_prefix('.') {
        Some(m) => segment(m)?,
        None => 0,
    };
    let patch = match group(3).strip_prefix('.') {
        Some(p) => segment(p)?,
        None => 0,
    };
    let pre = group(5).to_owned();
    for part in pre.split('.').filter(|_| !pre.is_empty()) {
        if part.len() > 1 && part.starts_with('0') && part.bytes().all(|b| b.is_ascii_digit()) {
            return Err("Invalid Prerelease string".into());
        }
    }
    Ok(SemVersion {
        major,
        minor,
        patch,
        pre,
        metadata: group(8).to_owned(),
        original: text.to_owned(),
    })
}

fn compare_pre_part(s: &str, o: &str) -> Ordering {
    if s == o {
        return Ordering::Equal;
    }
    if s.is_empty() {
        return Ordering::Less;
    }
    if o.is_empty() {
        return Ordering::Greater;
    }
    match (s.parse::<u64>(), o.parse::<u64>()) {
        (Err(_), Err(_)) => {
            if s > o {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        (Ok(_), Err(_)) => Ordering::Less,
        (Err(_), Ok(_)) => Ordering::Greater,
        (Ok(a), Ok(b)) => {
            if a > b {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
    }
}

fn compare_prerelease(v: &str, o: &str) -> Ordering {
    let (sp, op): (Vec<&str>, Vec<&str>) = (v.split('.').collect(), o.split('.').collect());
    for i in 0..sp.len().max(op.len()) {
        let d = compare_pre_part(
            sp.get(i).copied().unwrap_or(""),
            op.get(i).copied().unwrap_or(""),
        );
        if d != Ordering::Equal {
            return d;
        }
    }
    Ordering::Equal
}

impl SemVersion {
    /// Masterminds `Compare`: metadata is ignored; a release beats its prereleases.
    fn compare(&self, o: &SemVersion) -> Ordering {
        let by_numbers = (self.major, self.minor, self.patch).cmp(&(o.major, o.minor, o.patch));
        if by_numbers != Ordering::Equal {
            return by_numbers;
        }
        match (self.pre.is_empty(), o.pre.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => compare_prerelease(&self.pre, &o.pre),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    TildeOrEqual,
    NotEqual,
    Greater,
    Less,
    GreaterEqual,
    LessEqual,
    Tilde,
    Caret,
}

struct Constraint {
    op: Op,
    con: SemVersion,
    minor_dirty: bool,
    patch_dirty: bool,
    dirty: bool,
}

fn is_x(s: &str) -> bool {
    matches!(s, "x" | "X" | "*")
}

fn parse_constraint(text: &str, p: &Patterns) -> Result<Constraint, String> {
    let caps = p
        .constraint
        .captures(text)
        .ok_or_else(|| format!("improper constraint: {text}"))?;
    let group = |i: usize| caps.get(i).map_or("", |m| m.as_str());
    let op = match group(1) {
        "" | "=" => Op::TildeOrEqual,
        "!=" => Op::NotEqual,
        ">" => Op::Greater,
        "<" => Op::Less,
        ">=" | "=>" => Op::GreaterEqual,
        "<=" | "=<" => Op::LessEqual,
        "~" | "~>" => Op::Tilde,
        _ => Op::Caret,
    };
    let (major, minor, patch, pre) = (group(3), group(4), group(5), group(6));
    let (mut minor_dirty, mut patch_dirty, mut dirty) = (false, false, false);
    let version = if is_x(major) || major.is_empty() {
        dirty = true;
        format!("0.0.0{pre}")
    } else if is_x(minor.trim_start_matches('.')) || minor.is_empty() {
        minor_dirty = true;
        dirty = true;
        format!("{major}.0.0{pre}")
    } else if is_x(patch.trim_start_matches('.')) || patch.is_empty() {
        dirty = true;
        patch_dirty = true;
        format!("{major}{minor}.0{pre}")
    } else {
        group(2).to_owned()
    };
    let con = parse_version(&version).map_err(|_| "constraint Parser Error".to_owned())?;
    Ok(Constraint {
        op,
        con,
        minor_dirty,
        patch_dirty,
        dirty,
    })
}

impl Constraint {
    fn check(&self, v: &SemVersion) -> bool {
        let c = &self.con;
        if !v.pre.is_empty() && c.pre.is_empty() {
            return false;
        }
        match self.op {
            Op::TildeOrEqual if self.dirty => self.tilde(v),
            Op::TildeOrEqual => v.compare(c) == Ordering::Equal,
            Op::Tilde => self.tilde(v),
            Op::NotEqual => {
                if self.dirty {
                    if c.major != v.major {
                        return true;
                    }
                    if c.minor != v.minor && !self.minor_dirty {
                        return true;
                    } else if self.minor_dirty {
                        return false;
                    } else if c.patch != v.patch && !self.patch_dirty {
                        return true;
                    } else if self.patch_dirty {
                        if !v.pre.is_empty() || !c.pre.is_empty() {
                            return compare_prerelease(&v.pre, &c.pre) != Ordering::Equal;
                        }
                        return false;
                    }
                }
                v.compare(c) != Ordering::Equal
            }
            Op::Greater => {
                if !self.dirty {
                    return v.compare(c) == Ordering::Greater;
                }
                if v.major != c.major {
                    return v.major > c.major;
                }
                if self.minor_dirty {
                    return false;
                }
                if self.patch_dirty {
                    return v.minor > c.minor;
                }
                v.compare(c) == Ordering::Greater
            }
            Op::Less => v.compare(c) == Ordering::Less,
            Op::GreaterEqual => v.compare(c) != Ordering::Less,
            Op::LessEqual => {
                if !self.dirty {
                    return v.compare(c) != Ordering::Greater;
                }
                if v.major > c.major {
                    return false;
                }
                !(v.major == c.major && v.minor > c.minor && !self.minor_dirty)
            }
            Op::Caret => self.caret(v),
        }
    }

    fn tilde(&self, v: &SemVersion) -> bool {
        let c = &self.con;
        if v.compare(c) == Ordering::Less {
            return false;
        }
        if c.major == 0 && c.minor == 0 && c.patch == 0 && !self.minor_dirty && !self.patch_dirty {
            return true;
        }
        v.major == c.major && (v.minor == c.minor || self.minor_dirty)
    }

    fn caret(&self, v: &SemVersion) -> bool {
        let c = &self.con;
        if v.compare(c) == Ordering::Less {
            return false;
        }
        if c.major > 0 || self.minor_dirty {
            return v.major == c.major;
        }
        if v.major > 0 {
            return false;
        }
        if c.minor > 0 || self.patch_dirty {
            return v.minor == c.minor;
        }
        v.minor == 0 && c.patch == v.patch
    }
}

/// Masterminds `NewConstraint(...).Check(version)`.
fn satisfies(constraint: &str, version: &SemVersion) -> Result<bool, String> {
    let p = patterns().ok_or("semver patterns unavailable")?;
    let mut rewritten = constraint.to_owned();
    for caps in p.range.captures_iter(constraint) {
        let whole = caps.get(0).map_or("", |m| m.as_str());
        let low = caps.get(1).map_or("", |m| m.as_str());
        let high = caps.get(11).map_or("", |m| m.as_str());
        rewritten = rewritten.replacen(whole, &format!(">= {low}, <= {high} "), 1);
    }
    let mut any_group = false;
    for group in rewritten.split("||") {
        if !p.valid.is_match(group) {
            return Err(format!("improper constraint: {group}"));
        }
        let parts: Vec<&str> = p.find.find_iter(group).map(|m| m.as_str()).collect();
        let parts = if parts.is_empty() { vec![group] } else { parts };
        let constraints = parts
            .into_iter()
            .map(|s| parse_constraint(s, p))
            .collect::<Result<Vec<_>, _>>()?;
        if !any_group && constraints.iter().all(|c| c.check(version)) {
            any_group = true;
        }
    }
    Ok(any_group)
}

pub(crate) fn semver(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    parse_version(str_arg(&args, 0)).map(|v| Val::Version(Rc::new(v)))
}

pub(crate) fn semver_compare(_: &mut Ctx<'_>, args: Vec<Val>) -> FuncResult {
    let version = parse_version(str_arg(&args, 1))?;
    satisfies(str_arg(&args, 0), &version).map(Val::Bool)
}

fn receiver_and_other(args: &[Val]) -> Result<(Rc<SemVersion>, Rc<SemVersion>), String> {
    match (arg(args, 0), arg(args, 1)) {
        (Val::Version(v), Val::Version(o)) => Ok((v, o)),
        _ => Err(NIL_DEREFERENCE.into()),
    }
}

fn receiver(args: &[Val]) -> Result<Rc<SemVersion>, String> {
    match arg(args, 0) {
        Val::Version(v) => Ok(v),
        _ => Err(NIL_DEREFERENCE.into()),
    }
}

fn uint(n: u64) -> Val {
    Val::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

/// Methods of `*semver.Version` that templates can call as `.Major` or `.Compare $v`.
/// The receiver is passed as the first argument.
pub(crate) fn method(name: &str) -> Option<Func> {
    Some(match name {
        "Major" => func(&[], None, |_, a| Ok(uint(receiver(&a)?.major))),
        "Minor" => func(&[], None, |_, a| Ok(uint(receiver(&a)?.minor))),
        "Patch" => func(&[], None, |_, a| Ok(uint(receiver(&a)?.patch))),
        "Prerelease" => func(&[], None, |_, a| Ok(Val::str(receiver(&a)?.pre.as_str()))),
        "Metadata" => func(&[], None, |_, a| {
            Ok(Val::str(receiver(&a)?.metadata.as_str()))
        }),
        "Original" => func(&[], None, |_, a| {
            Ok(Val::str(receiver(&a)?.original.as_str()))
        }),
        "String" => func(&[], None, |_, a| Ok(Val::str(receiver(&a)?.to_string()))),
        "Compare" => func(&[Ty::Version], None, |_, a| {
            let (v, o) = receiver_and_other(&a)?;
            Ok(Val::Int(match v.compare(&o) {
                Ordering::Less => -1,
                Ordering::Equal => 0,
                Ordering::Greater => 1,
            }))
        }),
        "LessThan" => func(&[Ty::Version], None, |_, a| {
            compare_with(&a, |o| o == Ordering::Less)
        }),
        "LessThanEqual" => func(&[Ty::Version], None, |_, a| {
            compare_with(&a, |o| o != Ordering::Greater)
        }),
        "GreaterThan" => func(&[Ty::Version], None, |_, a| {
            compare_with(&a, |o| o == Ordering::Greater)
        }),
        "GreaterThanEqual" => func(&[Ty::Version], None, |_, a| {
            compare_with(&a, |o| o != Ordering::Less)
        }),
        "Equal" => func(&[Ty::Version], None, |_, a| {
            compare_with(&a, |o| o == Ordering::Equal)
        }),
        _ => return None,
    })
}

fn compare_with(args: &[Val], test: fn(Ordering) -> bool) -> FuncResult {
    let (v, o) = receiver_and_other(args)?;
    Ok(Val::Bool(test(v.compare(&o))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(constraint: &str, version: &str) -> bool {
        satisfies(constraint, &parse_version(version).unwrap()).unwrap()
    }

    #[test]
    fn constraints_follow_masterminds() {
        assert!(check(">1.0.0 <2.0.0 !=1.5.0", "1.9.9"));
        assert!(!check(">1.0.0 <2.0.0 !=1.5.0", "1.5.0"));
        assert!(check("^1.2.0", "1.9.0"));
        assert!(!check("^1.2.0", "2.0.0"));
        assert!(check("~1.2.3", "1.2.9"));
        assert!(!check("~1.2.3", "1.3.0"));
        assert!(check("1.2.x", "1.2.7"));
        assert!(check("1.2 - 1.4.5", "1.3.0"));
        assert!(!check("1.2 - 1.4.5", "1.5.0"));
        assert!(check("<1.0.0 || >=2.0.0", "2.1.0"));
        assert!(!check(">=1.0.0", "1.2.0-beta"));
        assert!(check(">=1.2.0-alpha", "1.2.0-beta"));
        assert!(check("^0.2.3", "0.2.9"));
        assert!(!check("^0.2.3", "0.3.0"));
        assert!(check("*", "3.0.0"));
        assert!(check(">= 1.2, < 3.0.0", "2.5.0"));
        assert!(satisfies("nope", &parse_version("1.0.0").unwrap()).is_err());
    }

    #[test]
    fn versions_parse_laxly() {
        assert_eq!(parse_version("v1.2").unwrap().to_string(), "1.2.0");
        assert_eq!(
            parse_version("1.2.3-beta.1+build").unwrap().to_string(),
            "1.2.3-beta.1+build"
        );
        assert_eq!(
            parse_version("1.2.3-01").unwrap_err(),
            "Invalid Prerelease string"
        );
        assert_eq!(
            parse_version("one").unwrap_err(),
            "Invalid Semantic Version"
        );
        let older = parse_version("1.0.0-alpha").unwrap();
        assert_eq!(
            older.compare(&parse_version("1.0.0").unwrap()),
            Ordering::Less
        );
    }
}

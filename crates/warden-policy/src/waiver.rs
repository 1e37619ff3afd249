//! Waivers: `exceptions` written as a list of checks that may fail, why, and until when.
//!
//! A waiver names checks as `Type: resource-id[: property]`, the way results print
//! them (`File: /etc/sudoers: mode`). The type is a goss resource type (`File`,
//! `KernelParam`, or its gossfile key such as `kernel-param`, any case); the rest is a
//! glob (`*`, `?`, `[...]`; `*` also crosses `/`). Without a property the waiver covers
//! every check of the matching resources.

use time::{Date, Month};
use warden_gossfile::ResourceKind;
use warden_report::TestResult;
use warden_value::Mark;

/// One waiver of an enforcement entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiver {
    /// The check pattern as written.
    pub check: String,
    pub resource_type: ResourceKind,
    /// The part after the type: a glob over `resource-id` or `resource-id: property`.
    target: glob::Pattern,
    /// Why the failure is accepted; required, and carried into every report.
    pub reason: String,
    /// The last day (UTC) the waiver applies; `None` for no end.
    pub until: Option<Date>,
    /// Where the waiver starts in the policy file.
    pub mark: Mark,
}

impl Waiver {
    /// A waiver for `check`, or why `check` is not a valid pattern.
    pub fn new(
        check: &str,
        reason: String,
        until: Option<Date>,
        mark: Mark,
    ) -> Result<Waiver, String> {
        let Some((type_name, target)) = check.split_once(": ") else {
            return Err(format!(
                "waiver check {check:?} must be \"Type: resource-id\" or \"Type: resource-id: property\", e.g. \"File: /etc/sudoers: mode\""
            ));
        };
        let resource_type = resource_kind(type_name.trim()).ok_or_else(|| {
            let valid: Vec<&str> = checkable_kinds().map(ResourceKind::type_name).collect();
            format!(
                "unknown resource type {type_name:?} in waiver check {check:?}; valid types are: {}",
                valid.join(", ")
            )
        })?;
        if target.trim().is_empty() {
            return Err(format!("waiver check {check:?} names no resource"));
        }
        let target = glob::Pattern::new(target)
            .map_err(|e| format!("invalid pattern in waiver check {check:?}: {e}"))?;
        Ok(Waiver {
            check: check.to_owned(),
            resource_type,
            target,
            reason,
            until,
            mark,
        })
    }

    /// Whether this waiver names the check that produced `result`.
    pub fn matches(&self, result: &TestResult) -> bool {
        if result.resource_type != self.resource_type.type_name() {
            return false;
        }
        let options = glob::MatchOptions {
            case_sensitive: true,
            require_literal_separator: false,
            require_literal_leading_dot: false,
        };
        let with_property = format!("{}: {}", result.resource_id, result.property);
        self.target.matches_with(&result.resource_id, options)
            || self.target.matches_with(&with_property, options)
    }

    /// Whether the waiver still applies on `today` (its `until` day included).
    pub fn is_active(&self, today: Date) -> bool {
        self.until.is_none_or(|until| today <= until)
    }
}

/// The resource type a waiver names: its result name (`KernelParam`) or its gossfile
/// key (`kernel-param`), ignoring case.
fn resource_kind(name: &str) -> Option<ResourceKind> {
    checkable_kinds().find(|kind| {
        kind.type_name().eq_ignore_ascii_case(name) || kind.key().eq_ignore_ascii_case(name)
    })
}

/// Includes are merged at load time and never produce results.
fn checkable_kinds() -> impl Iterator<Item = ResourceKind> {
    ResourceKind::ALL
        .into_iter()
        .filter(|kind| *kind != ResourceKind::Gossfile)
}

/// A `YYYY-MM-DD` calendar date.
pub fn parse_date(text: &str) -> Option<Date> {
    let mut parts = text.split('-');
    let (Some(year), Some(month), Some(day), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    let month = Month::try_from(month.parse::<u8>().ok()?).ok()?;
    Date::from_calendar_date(year.parse().ok()?, month, day.parse().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;
    use warden_report::ResourceInfo;

    fn failing(resource_type: &str, id: &str, property: &str) -> TestResult {
        let info = ResourceInfo {
            resource_type: resource_type.to_owned(),
            id: id.to_owned(),
            ..ResourceInfo::default()
        };
        let now = time::OffsetDateTime::UNIX_EPOCH;
        TestResult::error(&info, property, "boom", now, now)
    }

    fn waiver(check: &str) -> Waiver {
        Waiver::new(check, "accepted".into(), None, Mark::default()).unwrap()
    }

    #[test]
    fn a_property_waiver_matches_only_that_property() {
        let w = waiver("File: /etc/sudoers: mode");
        assert!(w.matches(&failing("File", "/etc/sudoers", "mode")));
        assert!(!w.matches(&failing("File", "/etc/sudoers", "owner")));
        assert!(!w.matches(&failing("File", "/etc/passwd", "mode")));
        assert!(!w.matches(&failing("Command", "/etc/sudoers", "mode")));
    }

    #[test]
    fn a_resource_waiver_matches_every_property() {
        let w = waiver("user: unauthorized_user");
        assert!(w.matches(&failing("User", "unauthorized_user", "exists")));
        assert!(w.matches(&failing("User", "unauthorized_user", "uid")));
        assert!(!w.matches(&failing("User", "unauthorized_user2", "uid")));
    }

    #[test]
    fn globs_cover_ids_and_properties() {
        let w = waiver("File: /etc/*: mode");
        assert!(w.matches(&failing("File", "/etc/sudoers", "mode")));
        assert!(w.matches(&failing("File", "/etc/ssh/sshd_config", "mode")));
        assert!(!w.matches(&failing("File", "/etc/sudoers", "owner")));
        assert!(!w.matches(&failing("File", "/var/log/syslog", "mode")));

        let any_property = waiver("KernelParam: net.ipv4.*");
        assert!(any_property.matches(&failing("KernelParam", "net.ipv4.ip_forward", "value")));
        let by_key = waiver("kernel-param: net.ipv4.ip_forward: value");
        assert!(by_key.matches(&failing("KernelParam", "net.ipv4.ip_forward", "value")));
        let command = waiver("Command: grep *: exit-status");
        assert!(command.matches(&failing(
            "Command",
            "grep '^authorized_user' /etc/sudoers",
            "exit-status"
        )));
        let http = waiver("HTTP: https://www.google.com: status");
        assert!(http.matches(&failing("HTTP", "https://www.google.com", "status")));
    }

    #[test]
    fn bad_checks_are_explained() {
        let err = Waiver::new("/etc/sudoers", String::new(), None, Mark::default()).unwrap_err();
        assert!(err.contains("must be \"Type: resource-id\""), "{err}");
        let err = Waiver::new("Fil: /etc", String::new(), None, Mark::default()).unwrap_err();
        assert!(err.contains("unknown resource type \"Fil\""), "{err}");
        assert!(
            err.contains("KernelParam") && !err.contains("Gossfile"),
            "{err}"
        );
        let err = Waiver::new("File: /etc/[", String::new(), None, Mark::default()).unwrap_err();
        assert!(err.contains("invalid pattern"), "{err}");
    }

    #[test]
    fn expiry_includes_the_last_day() {
        let mut w = waiver("File: /etc/sudoers");
        assert!(w.is_active(date!(2999 - 01 - 01)));
        w.until = Some(date!(2025 - 06 - 30));
        assert!(w.is_active(date!(2025 - 06 - 30)));
        assert!(!w.is_active(date!(2025 - 07 - 01)));
    }

    #[test]
    fn dates_are_strict() {
        assert_eq!(parse_date("2025-06-30"), Some(date!(2025 - 06 - 30)));
        for bad in [
            "2025-6-30",
            "2025-02-30",
            "30-06-2025",
            "2025-06-30-1",
            "soon",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }
}

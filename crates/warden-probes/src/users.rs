//! `user` and `group`, plus the uid/gid → name lookups `file` needs.
//!
//! goss is built without cgo, so Go's `os/user` parses only the local
//! `/etc/passwd` and `/etc/group` (no NSS, LDAP or SSSD); Warden does the same,
//! following the pure-Go parser's rules line for line: surrounding whitespace
//! trimmed, `#` comments and blank lines skipped, `+`/`-` NIS entries and
//! non-numeric ids ignored, first match wins.

use std::path::Path;

use crate::gofmt::go_path_error;
use crate::{ProbeError, System};

/// `/etc/passwd` and `/etc/group` as read once per run.
#[derive(Debug)]
pub(crate) struct Accounts {
    passwd: Result<Vec<String>, ProbeError>,
    group: Result<Vec<String>, ProbeError>,
}

/// One usable `/etc/passwd` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PasswdEntry {
    pub(crate) username: String,
    pub(crate) uid: String,
    pub(crate) gid: String,
    pub(crate) home: String,
}

/// One usable `/etc/group` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct GroupEntry {
    name: String,
    gid: String,
    members: String,
}

impl Accounts {
    pub(crate) fn read(root: &Path) -> Self {
        Self {
            passwd: read_lines(root, "/etc/passwd"),
            group: read_lines(root, "/etc/group"),
        }
    }

    #[cfg(test)]
    fn from_text(passwd: &str, group: &str) -> Self {
        Self {
            passwd: Ok(split_lines(passwd)),
            group: Ok(split_lines(group)),
        }
    }

    fn passwd_lines(&self) -> Result<&[String], ProbeError> {
        self.passwd.as_deref().map_err(Clone::clone)
    }

    fn group_lines(&self) -> Result<&[String], ProbeError> {
        self.group.as_deref().map_err(Clone::clone)
    }

    /// Go's `user.Lookup(name)`.
    pub(crate) fn user_by_name(&self, name: &str) -> Result<PasswdEntry, ProbeError> {
        self.find_user(0, name)?
            .ok_or_else(|| ProbeError::UnknownUser(name.to_string()))
    }

    /// Go's `user.LookupId(uid)`: the name of the first entry whose uid field is `uid`.
    pub(crate) fn user_name_by_uid(&self, uid: u32) -> Option<String> {
        self.find_user(2, &uid.to_string())
            .ok()
            .flatten()
            .map(|user| user.username)
    }

    /// Go's `user.LookupGroup(name)`, returning the gid field.
    pub(crate) fn group_gid_by_name(&self, name: &str) -> Result<String, ProbeError> {
        self.find_group(0, name)?
            .map(|group| group.gid)
            .ok_or_else(|| ProbeError::UnknownGroup(name.to_string()))
    }

    /// Go's `user.LookupGroupId(gid)`: the name of the first entry with that gid field.
    pub(crate) fn group_name_by_gid(&self, gid: u32) -> Option<String> {
        self.find_group(2, &gid.to_string())
            .ok()
            .flatten()
            .map(|group| group.name)
    }

    fn find_user(&self, field: usize, value: &str) -> Result<Option<PasswdEntry>, ProbeError> {
        Ok(self
            .passwd_lines()?
            .iter()
            .find_map(|line| parse_passwd_line(line, field, value)))
    }

    fn find_group(&self, field: usize, value: &str) -> Result<Option<GroupEntry>, ProbeError> {
        Ok(self
            .group_lines()?
            .iter()
            .find_map(|line| parse_group_line(line, field, value)))
    }

    /// Sorted names of the groups whose gid is the user's primary gid or whose
    /// member list names the user.
    fn group_names_of(&self, user: &PasswdEntry) -> Result<Vec<String>, ProbeError> {
        let primary_gid = parse_go_int(&user.gid);
        let mut names: Vec<String> = self
            .group_lines()?
            .iter()
            .filter_map(|line| usable_group(line))
            .filter(|group| {
                (primary_gid.is_some() && parse_go_int(&group.gid) == primary_gid)
                    || group
                        .members
                        .split(',')
                        .any(|member| member == user.username)
            })
            .map(|group| group.name)
            .collect();
        names.sort();
        Ok(names)
    }

    /// goss's own `/etc/passwd` scan for `shell`: stricter than `os/user`, every
    /// line up to the user's must have exactly seven fields.
    fn shell_of(&self, name: &str) -> Result<String, ProbeError> {
        for line in self.passwd_lines()? {
            let fields: Vec<&str> = line.split(':').collect();
            if fields.len() != 7 {
                return Err(ProbeError::InvalidPasswdEntry);
            }
            if fields[0] == name {
                return Ok(fields[6].to_string());
            }
        }
        Err(ProbeError::ShellUnknownUser(name.to_string()))
    }
}

fn read_lines(root: &Path, logical: &str) -> Result<Vec<String>, ProbeError> {
    let path = crate::rooted(root, logical);
    match std::fs::read(&path) {
        Ok(bytes) => Ok(split_lines(&String::from_utf8_lossy(&bytes))),
        Err(err) => Err(ProbeError::Os(go_path_error(
            "open",
            Path::new(logical),
            &err,
        ))),
    }
}

/// Lines as Go's `bufio.Reader.ReadLine` yields them: `\n` or `\r\n` removed,
/// no phantom empty line after a final newline.
fn split_lines(text: &str) -> Vec<String> {
    let body = text.strip_suffix('\n').unwrap_or(text);
    if text.is_empty() {
        return Vec::new();
    }
    body.split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line).to_string())
        .collect()
}

/// The line `os/user` would consider, or `None` for blanks and comments.
fn content_of(line: &str) -> Option<&str> {
    let line = line.trim();
    (!line.is_empty() && !line.starts_with('#')).then_some(line)
}

/// A NIS compat entry (`+name`, `-name`) or an empty name never matches in Go.
fn is_lookup_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('+') && !name.starts_with('-')
}

/// Go's `strconv.Atoi`: optional sign, decimal digits, fits in 64 bits.
pub(crate) fn parse_go_int(text: &str) -> Option<i64> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn parse_passwd_line(line: &str, field: usize, value: &str) -> Option<PasswdEntry> {
    let line = content_of(line)?;
    if line.matches(':').count() < 6 {
        return None;
    }
    let parts: Vec<&str> = line.splitn(7, ':').collect();
    if parts.get(field) != Some(&value) || !is_lookup_name(parts[0]) {
        return None;
    }
    parse_go_int(parts[2])?;
    parse_go_int(parts[3])?;
    Some(PasswdEntry {
        username: parts[0].to_string(),
        uid: parts[2].to_string(),
        gid: parts[3].to_string(),
        home: parts[5].to_string(),
    })
}

fn usable_group(line: &str) -> Option<GroupEntry> {
    let line = content_of(line)?;
    if line.matches(':').count() < 3 {
        return None;
    }
    let parts: Vec<&str> = line.splitn(4, ':').collect();
    if parts.len() < 4 || !is_lookup_name(parts[0]) {
        return None;
    }
    parse_go_int(parts[2])?;
    Some(GroupEntry {
        name: parts[0].to_string(),
        gid: parts[2].to_string(),
        members: parts[3].to_string(),
    })
}

fn parse_group_line(line: &str, field: usize, value: &str) -> Option<GroupEntry> {
    let group = usable_group(line)?;
    let matches = match field {
        0 => group.name == value,
        _ => group.gid == value,
    };
    matches.then_some(group)
}

/// `system.user(name)`: one `user` resource.
#[derive(Debug)]
pub struct UserProbe<'s> {
    system: &'s System,
    username: String,
}

impl<'s> UserProbe<'s> {
    pub(crate) fn new(system: &'s System, username: &str) -> Self {
        Self {
            system,
            username: username.to_string(),
        }
    }

    /// The name looked up.
    pub fn username(&self) -> &str {
        &self.username
    }

    fn entry(&self) -> Result<PasswdEntry, ProbeError> {
        self.system.accounts().user_by_name(&self.username)
    }

    /// Whether `/etc/passwd` has a usable entry; lookup failures read as `false`.
    pub fn exists(&self) -> Result<bool, ProbeError> {
        Ok(self.entry().is_ok())
    }

    /// The numeric uid.
    pub fn uid(&self) -> Result<i64, ProbeError> {
        let entry = self.entry()?;
        parse_go_int(&entry.uid).ok_or_else(|| invalid_number(&entry.uid))
    }

    /// The numeric primary gid.
    pub fn gid(&self) -> Result<i64, ProbeError> {
        let entry = self.entry()?;
        parse_go_int(&entry.gid).ok_or_else(|| invalid_number(&entry.gid))
    }

    /// The home directory field, verbatim.
    pub fn home(&self) -> Result<String, ProbeError> {
        Ok(self.entry()?.home)
    }

    /// Sorted names of the primary group and every group listing the user.
    pub fn groups(&self) -> Result<Vec<String>, ProbeError> {
        let entry = self.entry()?;
        self.system.accounts().group_names_of(&entry)
    }

    /// The login shell field, from goss's strict seven-field scan.
    pub fn shell(&self) -> Result<String, ProbeError> {
        self.system.accounts().shell_of(&self.username)
    }
}

fn invalid_number(text: &str) -> ProbeError {
    ProbeError::Other(format!("strconv.Atoi: parsing \"{text}\": invalid syntax"))
}

/// `system.group(name)`: one `group` resource.
#[derive(Debug)]
pub struct GroupProbe<'s> {
    system: &'s System,
    groupname: String,
}

impl<'s> GroupProbe<'s> {
    pub(crate) fn new(system: &'s System, groupname: &str) -> Self {
        Self {
            system,
            groupname: groupname.to_string(),
        }
    }

    /// The name looked up.
    pub fn groupname(&self) -> &str {
        &self.groupname
    }

    /// Whether `/etc/group` has a usable entry; lookup failures read as `false`.
    pub fn exists(&self) -> Result<bool, ProbeError> {
        Ok(self
            .system
            .accounts()
            .group_gid_by_name(&self.groupname)
            .is_ok())
    }

    /// The numeric gid.
    pub fn gid(&self) -> Result<i64, ProbeError> {
        let gid = self.system.accounts().group_gid_by_name(&self.groupname)?;
        parse_go_int(&gid).ok_or_else(|| invalid_number(&gid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "\
root:x:0:0:root:/root:/bin/bash
# a comment
  daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
+nis:x:7:7::/:/bin/sh
bad:x:abc:1::/:/bin/sh
kevin:x:1005:1006:Kevin,,,:/home/kevin:/usr/bin/zsh
";
    const GROUP: &str = "\
root:x:0:
daemon:x:1:kevin
kevin:x:1006:
staff:x:50:alice,kevin
+nis:x:99:kevin
";

    #[test]
    fn user_lookups_follow_go_os_user() {
        let accounts = Accounts::from_text(PASSWD, GROUP);
        let kevin = accounts.user_by_name("kevin").unwrap();
        assert_eq!((kevin.uid.as_str(), kevin.gid.as_str()), ("1005", "1006"));
        assert_eq!(kevin.home, "/home/kevin");
        // Leading whitespace is trimmed, comments skipped.
        assert!(accounts.user_by_name("daemon").is_ok());
        // NIS entries and non-numeric ids never match.
        assert_eq!(
            accounts.user_by_name("+nis").unwrap_err().to_string(),
            "user: unknown user +nis"
        );
        assert!(accounts.user_by_name("bad").is_err());
        assert_eq!(accounts.user_name_by_uid(1005).as_deref(), Some("kevin"));
        assert_eq!(accounts.user_name_by_uid(4242), None);
    }

    #[test]
    fn groups_are_primary_plus_memberships_sorted() {
        let accounts = Accounts::from_text(PASSWD, GROUP);
        let kevin = accounts.user_by_name("kevin").unwrap();
        assert_eq!(
            accounts.group_names_of(&kevin).unwrap(),
            ["daemon", "kevin", "staff"]
        );
        assert_eq!(accounts.group_gid_by_name("staff").unwrap(), "50");
        assert_eq!(accounts.group_name_by_gid(1006).as_deref(), Some("kevin"));
        assert_eq!(
            accounts.group_gid_by_name("nope").unwrap_err().to_string(),
            "group: unknown group nope"
        );
    }

    #[test]
    fn shell_scan_rejects_malformed_lines_before_the_user() {
        let accounts = Accounts::from_text(PASSWD, GROUP);
        assert_eq!(accounts.shell_of("root").unwrap(), "/bin/bash");
        // The comment line comes before daemon and has one field.
        assert_eq!(
            accounts.shell_of("daemon").unwrap_err().to_string(),
            "invalid entry in /etc/passwd"
        );
        let clean = Accounts::from_text("root:x:0:0:root:/root:/bin/bash\n", "");
        assert_eq!(
            clean.shell_of("ghost").unwrap_err().to_string(),
            "unknown user ghost"
        );
    }

    #[test]
    fn go_atoi_rules() {
        assert_eq!(parse_go_int("+5"), Some(5));
        assert_eq!(parse_go_int("007"), Some(7));
        assert_eq!(parse_go_int("-1"), Some(-1));
        assert_eq!(parse_go_int(""), None);
        assert_eq!(parse_go_int("1a"), None);
        assert_eq!(parse_go_int("99999999999999999999"), None);
    }
}

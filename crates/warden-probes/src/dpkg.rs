//! The dpkg database read directly, once per run, instead of one `dpkg-query`
//! fork per package.
//!
//! It reproduces `dpkg-query -f '${Status} ${Version}\n' -W <name>` as goss
//! reads it: the status file plus any not-yet-integrated journal entries in
//! `updates/`, name patterns matched like dpkg's fnmatch, an optional
//! `:arch` qualifier, every architecture otherwise, and only
//! `install ok installed` / `hold ok installed` records yielding a version.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::ProbeError;

/// One package instance (name + architecture) as the database records it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct DpkgRecord {
    name: String,
    architecture: String,
    status: String,
    version: String,
}

/// The installed-package database, keyed by (name, architecture) in dpkg's output order.
#[derive(Debug, Default)]
pub(crate) struct DpkgDatabase {
    records: BTreeMap<(String, String), DpkgRecord>,
}

impl DpkgDatabase {
    /// Reads `<admindir>/status` and `<admindir>/updates/*`. The admin
    /// directory honours `$DPKG_ADMINDIR` like dpkg-query does.
    pub(crate) fn read(root: &Path) -> Result<Self, ProbeError> {
        let admindir =
            std::env::var("DPKG_ADMINDIR").unwrap_or_else(|_| "/var/lib/dpkg".to_string());
        let admindir = crate::rooted(root, &admindir);
        let status_path = admindir.join("status");
        let status = std::fs::read(&status_path).map_err(|err| {
            ProbeError::Other(format!(
                "dpkg-query: cannot open {}: {}",
                status_path.display(),
                crate::gofmt::go_errno_text(&err)
            ))
        })?;
        let mut database = Self::default();
        database.apply(&String::from_utf8_lossy(&status));
        for journal in journal_files(&admindir.join("updates")) {
            if let Ok(text) = std::fs::read(&journal) {
                database.apply(&String::from_utf8_lossy(&text));
            }
        }
        Ok(database)
    }

    #[cfg(test)]
    pub(crate) fn from_status(text: &str) -> Self {
        let mut database = Self::default();
        database.apply(text);
        database
    }

    /// Adds or replaces the records of every stanza in `text`.
    fn apply(&mut self, text: &str) {
        for stanza in text.split("\n\n") {
            let record = parse_stanza(stanza);
            if !record.name.is_empty() {
                self.records
                    .insert((record.name.clone(), record.architecture.clone()), record);
            }
        }
    }

    /// The installed versions matching a `dpkg-query -W` argument, in dpkg's
    /// output order (by name, then architecture).
    pub(crate) fn installed_versions(&self, query: &str) -> Vec<String> {
        let (name_pattern, arch_pattern) = match query.split_once(':') {
            Some((name, arch)) => (name, Some(arch)),
            None => (query, None),
        };
        self.records
            .values()
            .filter(|record| fnmatch(name_pattern, &record.name))
            .filter(|record| arch_pattern.is_none_or(|arch| fnmatch(arch, &record.architecture)))
            .filter(|record| {
                record.status == "install ok installed" || record.status == "hold ok installed"
            })
            .filter_map(|record| record.version.split_whitespace().next().map(str::to_string))
            .collect()
    }
}

/// Journal files are named by number; dpkg applies them in numeric order.
fn journal_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut numbered: Vec<(u64, PathBuf)> = entries
        .flatten()
        .filter_map(|entry| {
            let number = entry.file_name().to_str()?.parse::<u64>().ok()?;
            Some((number, entry.path()))
        })
        .collect();
    numbered.sort();
    numbered.into_iter().map(|(_, path)| path).collect()
}

/// The fields goss's query looks at; field names are case-insensitive and
/// continuation lines belong to the previous field.
fn parse_stanza(stanza: &str) -> DpkgRecord {
    let mut record = DpkgRecord::default();
    for line in stanza.lines() {
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let Some((field, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match field.to_ascii_lowercase().as_str() {
            "package" => record.name = value.to_string(),
            "architecture" => record.architecture = value.to_string(),
            "status" => record.status = value.split_whitespace().collect::<Vec<_>>().join(" "),
            "version" => record.version = value.to_string(),
            _ => {}
        }
    }
    record
}

/// dpkg matches names with `fnmatch(3)` when they contain `*`, `?` or `[`,
/// and compares them exactly otherwise.
fn fnmatch(pattern: &str, name: &str) -> bool {
    if !pattern.contains(['*', '?', '[']) {
        return pattern == name;
    }
    glob::Pattern::new(pattern).is_ok_and(|pattern| pattern.matches(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = "\
Package: bash
Status: install ok installed
Architecture: amd64
Version: 5.2.15-2+b8
Description: shell
 continuation: not a field

Package: libc6
Status: install ok installed
Architecture: i386
Version: 2.36-9

Package: libc6
Status: hold ok installed
Architecture: amd64
Version: 2.36-9+deb12u1

Package: old
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0
";

    #[test]
    fn installed_and_held_packages_give_versions() {
        let database = DpkgDatabase::from_status(STATUS);
        assert_eq!(database.installed_versions("bash"), ["5.2.15-2+b8"]);
        assert_eq!(
            database.installed_versions("libc6"),
            ["2.36-9+deb12u1", "2.36-9"]
        );
        assert!(database.installed_versions("old").is_empty());
        assert!(database.installed_versions("BASH").is_empty());
    }

    #[test]
    fn architecture_qualifier_and_patterns() {
        let database = DpkgDatabase::from_status(STATUS);
        assert_eq!(database.installed_versions("libc6:i386"), ["2.36-9"]);
        assert!(database.installed_versions("bash:i386").is_empty());
        assert_eq!(database.installed_versions("bash:*"), ["5.2.15-2+b8"]);
        assert_eq!(database.installed_versions("ba?h"), ["5.2.15-2+b8"]);
    }

    #[test]
    fn journal_entries_replace_status_records() {
        let mut database = DpkgDatabase::from_status(STATUS);
        database.apply("Package: bash\nStatus: install ok half-configured\nArchitecture: amd64\nVersion: 5.3\n");
        assert!(database.installed_versions("bash").is_empty());
    }
}

//! `process`: the kernel's command names from every `/proc/<pid>/stat`, read once per run.
//!
//! Like goss's go-ps, the name is the text between the first `(` and the
//! first `)` after it: the exact, case-sensitive, 15-byte-truncated `comm`,
//! never argv. A process whose stat line then fails go-ps's field scan (a
//! `comm` containing `)`), or that vanished mid-scan, is left out.

use std::collections::HashSet;
use std::path::Path;

use crate::gofmt::go_path_error;
use crate::{ProbeError, System};

/// Every running process's `comm`.
#[derive(Debug, Default)]
pub(crate) struct ProcessTable {
    comms: HashSet<String>,
}

impl ProcessTable {
    pub(crate) fn read(root: &Path) -> Result<Self, ProbeError> {
        let proc_dir = crate::rooted(root, "/proc");
        let entries = std::fs::read_dir(&proc_dir)
            .map_err(|err| ProbeError::Os(go_path_error("open", Path::new("/proc"), &err)))?;
        let mut table = Self::default();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if !name.starts_with(|c: char| c.is_ascii_digit()) || name.parse::<i64>().is_err() {
                continue;
            }
            // The process may have exited since the directory was listed.
            let Ok(stat) = std::fs::read(entry.path().join("stat")) else {
                continue;
            };
            if let Some(comm) = comm_from_stat(&String::from_utf8_lossy(&stat)) {
                table.comms.insert(comm);
            }
        }
        Ok(table)
    }
}

/// go-ps's parse of one stat line: the name, provided the fields after it scan
/// as `%c %d %d %d` (state, ppid, pgrp, session).
pub(crate) fn comm_from_stat(stat: &str) -> Option<String> {
    let start = stat.find('(')? + 1;
    let length = stat[start..].find(')')?;
    let comm = &stat[start..start + length];
    let rest = stat.get(start + length + 2..)?;
    let mut chars = rest.chars();
    chars.next()?;
    let numbers: Vec<&str> = chars.as_str().split_whitespace().take(3).collect();
    let all_numbers = numbers.len() == 3
        && numbers
            .iter()
            .all(|n| crate::users::parse_go_int(n).is_some());
    all_numbers.then(|| comm.to_string())
}

/// `system.process(comm)`: one `process` resource.
#[derive(Debug)]
pub struct ProcessProbe<'s> {
    system: &'s System,
    comm: String,
}

impl<'s> ProcessProbe<'s> {
    pub(crate) fn new(system: &'s System, comm: &str) -> Self {
        Self {
            system,
            comm: comm.to_string(),
        }
    }

    /// The command name looked for.
    pub fn comm(&self) -> &str {
        &self.comm
    }

    /// Whether a process with exactly this `comm` is running.
    pub fn running(&self) -> Result<bool, ProbeError> {
        Ok(self.system.processes()?.comms.contains(&self.comm))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comm_is_between_the_first_parentheses() {
        assert_eq!(
            comm_from_stat("1 (systemd) S 0 1 1 0 -1").as_deref(),
            Some("systemd")
        );
        assert_eq!(
            comm_from_stat("42 (my prog) R 1 42 42 0").as_deref(),
            Some("my prog")
        );
    }

    #[test]
    fn a_paren_inside_comm_hides_the_process_like_go_ps() {
        assert_eq!(comm_from_stat("7 (a)b) S 1 7 7 0"), None);
    }

    #[test]
    fn truncated_or_garbage_lines_are_skipped() {
        assert_eq!(comm_from_stat(""), None);
        assert_eq!(comm_from_stat("9 (x"), None);
        assert_eq!(comm_from_stat("9 (x) S"), None);
    }
}

//! User and group names from `/etc/passwd` and `/etc/group`: the host's, or a
//! container's own (read through `/proc/PID/root`, since a container's uid 1000 is
//! not the host's uid 1000).

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// uid and gid → name, from one root's account files.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Accounts {
    users: HashMap<u32, String>,
    groups: HashMap<u32, String>,
}

impl Accounts {
    /// Reads `<root>/etc/passwd` and `<root>/etc/group`; missing files give no names.
    pub(crate) fn read(root: &Path) -> Accounts {
        let read =
            |name: &str| std::fs::read_to_string(root.join("etc").join(name)).unwrap_or_default();
        Accounts {
            users: parse_id_file(&read("passwd")),
            groups: parse_id_file(&read("group")),
        }
    }

    pub(crate) fn user(&self, uid: u32) -> Option<String> {
        self.users.get(&uid).cloned()
    }

    pub(crate) fn group(&self, gid: u32) -> Option<String> {
        self.groups.get(&gid).cloned()
    }
}

/// `name:x:id:...` lines → id → name (the first name for an id wins, as getpwuid).
fn parse_id_file(text: &str) -> HashMap<u32, String> {
    let mut names = HashMap::new();
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        let mut fields = line.split(':');
        let (Some(name), Some(_), Some(id)) = (fields.next(), fields.next(), fields.next()) else {
            continue;
        };
        if let Ok(id) = id.parse::<u32>() {
            names.entry(id).or_insert_with(|| name.to_owned());
        }
    }
    names
}

/// How long account files are trusted before they are read again.
const REFRESH: Duration = Duration::from_secs(10);
/// Containers whose account files are kept; past it the cache starts over.
const MAX_ROOTS: usize = 256;

/// The host's accounts and each container's, read at most every [`REFRESH`].
pub(crate) struct AccountCache {
    host: (Accounts, Instant),
    containers: HashMap<String, (Accounts, Instant)>,
}

impl AccountCache {
    pub(crate) fn new() -> AccountCache {
        AccountCache {
            host: (Accounts::read(Path::new("/")), Instant::now()),
            containers: HashMap::new(),
        }
    }

    pub(crate) fn host(&mut self) -> &Accounts {
        if self.host.1.elapsed() > REFRESH {
            self.host = (Accounts::read(Path::new("/")), Instant::now());
        }
        &self.host.0
    }

    /// The accounts of container `id`, read through the root of the first of `pids`
    /// still running (the process, then its ancestors in the container) when not
    /// cached; `None` when none is left to read them through. Nothing is cached
    /// then, so a later event can still find them.
    pub(crate) fn container(
        &mut self,
        id: &str,
        pids: impl IntoIterator<Item = u32>,
    ) -> Option<&Accounts> {
        let stale = self
            .containers
            .get(id)
            .is_none_or(|(_, read)| read.elapsed() > REFRESH);
        if stale {
            let read = pids
                .into_iter()
                .map(|pid| Accounts::read(&Path::new("/proc").join(pid.to_string()).join("root")))
                .find(|accounts| *accounts != Accounts::default());
            // Processes already gone leave the old names (if any) in place.
            if let Some(accounts) = read {
                if self.containers.len() >= MAX_ROOTS {
                    self.containers.clear();
                }
                self.containers
                    .insert(id.to_owned(), (accounts, Instant::now()));
            }
        }
        self.containers.get(id).map(|(accounts, _)| accounts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_passwd_and_group_lines() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("etc")).unwrap();
        std::fs::write(
            dir.path().join("etc/passwd"),
            "root:x:0:0:root:/root:/bin/bash\n# comment\nbroken line\nalice:x:1000:1000::/home/alice:/bin/sh\nalias:x:1000:1000::/:/bin/sh\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("etc/group"),
            "root:x:0:\nstaff:x:50:alice\nbad:x:notanumber:\n",
        )
        .unwrap();
        let accounts = Accounts::read(dir.path());
        assert_eq!(accounts.user(0).as_deref(), Some("root"));
        assert_eq!(accounts.user(1000).as_deref(), Some("alice"));
        assert_eq!(accounts.user(7), None);
        assert_eq!(accounts.group(50).as_deref(), Some("staff"));
        assert_eq!(
            Accounts::read(&dir.path().join("missing")),
            Accounts::default()
        );
    }
}

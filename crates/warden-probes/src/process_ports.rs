//! Which counted sockets a process holds: the port discovery of `goss autoadd`.
//!
//! goss (GOnetstat with pid lookup) takes each socket's inode from
//! `/proc/net/{tcp,tcp6,udp,udp6}` and finds the processes whose
//! `/proc/<pid>/fd` entries link to `socket:[<inode>]`. Only the sockets a
//! `port` resource counts are considered: TCP in LISTEN state, every UDP
//! socket. Other users' descriptors are readable only by root; unreadable
//! ones are skipped, as goss skips them.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use crate::gofmt::go_path_error;
use crate::process::comm_from_stat;
use crate::{ProbeError, System};

/// The socket tables in the order goss reads them, and whether only LISTEN counts.
const TABLES: [(&str, bool); 4] = [
    ("tcp", true),
    ("tcp6", true),
    ("udp", false),
    ("udp6", false),
];

impl System {
    /// The `port` keys (`tcp:22`, `udp6:53`) of the counted sockets held open by
    /// any process whose kernel `comm` is exactly `comm`, ordered by table then
    /// port, without repeats. Read afresh on every call.
    pub fn ports_of_process(&self, comm: &str) -> Result<Vec<String>, ProbeError> {
        let sockets = socket_ports_by_inode(self.root());
        let proc_dir = crate::rooted(self.root(), "/proc");
        let entries = std::fs::read_dir(&proc_dir)
            .map_err(|err| ProbeError::Os(go_path_error("open", Path::new("/proc"), &err)))?;
        let mut found = BTreeSet::new();
        for entry in entries.flatten() {
            let is_pid = entry
                .file_name()
                .to_str()
                .is_some_and(|name| !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit()));
            if !is_pid {
                continue;
            }
            // The process may have exited since the directory was listed.
            let Ok(stat) = std::fs::read(entry.path().join("stat")) else {
                continue;
            };
            if comm_from_stat(&String::from_utf8_lossy(&stat)).as_deref() != Some(comm) {
                continue;
            }
            let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
                continue;
            };
            for fd in fds.flatten() {
                let Ok(target) = std::fs::read_link(fd.path()) else {
                    continue;
                };
                let inode = target
                    .to_str()
                    .and_then(|t| t.strip_prefix("socket:["))
                    .and_then(|t| t.strip_suffix(']'));
                if let Some(ports) = inode.and_then(|inode| sockets.get(inode)) {
                    found.extend(ports.iter().copied());
                }
            }
        }
        Ok(found
            .into_iter()
            .map(|(_, proto, port)| format!("{proto}:{port}"))
            .collect())
    }
}

/// A counted socket's table (its position in [`TABLES`], for ordering, and its
/// protocol) and local port.
type SocketPort = (usize, &'static str, u16);

/// Socket inode → the table and local port of every counted socket. A missing
/// table means no sockets of that kind, as for `port`.
fn socket_ports_by_inode(root: &Path) -> HashMap<String, Vec<SocketPort>> {
    let mut sockets: HashMap<String, Vec<SocketPort>> = HashMap::new();
    for (table, (proto, only_listening)) in TABLES.into_iter().enumerate() {
        let Ok(text) = std::fs::read_to_string(crate::rooted(root, &format!("/proc/net/{proto}")))
        else {
            continue;
        };
        for (inode, port) in counted_sockets(&text, only_listening) {
            sockets.entry(inode).or_default().push((table, proto, port));
        }
    }
    sockets
}

/// (inode, local port) of each socket line that counts; the header and
/// malformed lines are skipped.
fn counted_sockets(text: &str, only_listening: bool) -> Vec<(String, u16)> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (local, state, inode) = (fields.get(1)?, fields.get(3)?, fields.get(9)?);
            if only_listening && *state != "0A" {
                return None;
            }
            let (_, port_hex) = local.split_once(':')?;
            let port = u16::from_str_radix(port_hex, 16).ok()?;
            Some(((*inode).to_string(), port))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1594 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1F90 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 1595 1 0000000000000000 20 4 30 10 -1
   2: garbage
";

    #[test]
    fn tcp_counts_only_listening_sockets_udp_counts_all() {
        assert_eq!(counted_sockets(TCP, true), [("1594".to_string(), 22)]);
        assert_eq!(
            counted_sockets(TCP, false),
            [("1594".to_string(), 22), ("1595".to_string(), 8080)]
        );
    }
}

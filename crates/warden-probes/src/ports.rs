//! `port`: listening sockets from `/proc/net/{tcp,tcp6,udp,udp6}`, read once per run.
//!
//! Like goss's GOnetstat: a TCP socket counts only in state `0A` (LISTEN),
//! every UDP socket counts, IPv4 addresses are dotted and IPv6 addresses are
//! compressed and upper-case (`::`, `FE80::1`).

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;

use crate::gofmt::go_ipv6_string;
use crate::{ProbeError, System};

/// `"<proto>:<port>"` → local addresses of the matching sockets, in file order.
#[derive(Debug, Default)]
pub(crate) struct PortTable {
    listeners: HashMap<String, Vec<String>>,
}

impl PortTable {
    pub(crate) fn read(root: &Path) -> Self {
        let mut table = Self::default();
        for (proto, only_listening) in [
            ("tcp", true),
            ("tcp6", true),
            ("udp", false),
            ("udp6", false),
        ] {
            // goss treats a missing or unreadable table as "no sockets".
            if let Ok(text) =
                std::fs::read_to_string(crate::rooted(root, &format!("/proc/net/{proto}")))
            {
                table.add(proto, &text, only_listening);
            }
        }
        table
    }

    fn add(&mut self, proto: &str, text: &str, only_listening: bool) {
        // The first line is the column header; malformed lines are skipped.
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state)) = (fields.get(1), fields.get(3)) else {
                continue;
            };
            if only_listening && *state != "0A" {
                continue;
            }
            let Some((ip, port)) = parse_socket_address(local) else {
                continue;
            };
            self.listeners
                .entry(format!("{proto}:{port}"))
                .or_default()
                .push(ip);
        }
    }
}

/// `0100007F:0016` → (`127.0.0.1`, 22). The kernel prints each 32-bit word of
/// the address in host (little-endian) byte order.
fn parse_socket_address(text: &str) -> Option<(String, u16)> {
    let (ip_hex, port_hex) = text.split_once(':')?;
    let port = u16::from_str_radix(port_hex, 16).ok()?;
    let mut words = Vec::with_capacity(4);
    for chunk in ip_hex.as_bytes().chunks(8) {
        let word = u32::from_str_radix(std::str::from_utf8(chunk).ok()?, 16).ok()?;
        words.push(word.swap_bytes());
    }
    let ip = match words.as_slice() {
        [word] if ip_hex.len() == 8 => Ipv4Addr::from(*word).to_string(),
        [a, b, c, d] if ip_hex.len() == 32 => {
            let mut octets = [0u8; 16];
            for (slot, word) in octets.chunks_mut(4).zip([a, b, c, d]) {
                slot.copy_from_slice(&word.to_be_bytes());
            }
            go_ipv6_string(Ipv6Addr::from(octets)).to_uppercase()
        }
        _ => return None,
    };
    Some((ip, port))
}

/// `tcp:22`, `tcp6:22`, `udp:53`, `udp6:53`; a bare `22` means `tcp:22`.
pub(crate) fn normalize_port(key: &str) -> String {
    match key.split_once(':') {
        Some((proto, port)) => format!("{proto}:{port}"),
        None => format!("tcp:{key}"),
    }
}

/// `system.port(key)`: one `port` resource.
#[derive(Debug)]
pub struct PortProbe<'s> {
    system: &'s System,
    port: String,
}

impl<'s> PortProbe<'s> {
    pub(crate) fn new(system: &'s System, key: &str) -> Self {
        Self {
            system,
            port: normalize_port(key),
        }
    }

    /// The normalised `<proto>:<port>` key.
    pub fn port(&self) -> &str {
        &self.port
    }

    /// Whether any matching socket exists.
    pub fn listening(&self) -> Result<bool, ProbeError> {
        Ok(self.system.ports().listeners.contains_key(&self.port))
    }

    /// Local addresses of the matching sockets, in table order (empty when none).
    pub fn ips(&self) -> Result<Vec<String>, ProbeError> {
        Ok(self
            .system
            .ports()
            .listeners
            .get(&self.port)
            .cloned()
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1594 1
   1: 0100007F:1F90 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 1595 1
   2: garbage
";
    const TCP6: &str =
        "  sl  local_address                         remote_address                        st
   0: 00000000000000000000000001000000:0035 00000000000000000000000000000000:0000 0A
   1: 000080FE00000000FF565002BDAA3412:0050 00000000000000000000000000000000:0000 0A
   2: 0000000000000000FFFF00000100007F:0051 00000000000000000000000000000000:0000 0A
";

    #[test]
    fn only_listening_tcp_sockets_count() {
        let mut table = PortTable::default();
        table.add("tcp", TCP, true);
        assert_eq!(
            table.listeners.get("tcp:22"),
            Some(&vec!["0.0.0.0".to_string()])
        );
        assert!(!table.listeners.contains_key("tcp:8080"));
    }

    #[test]
    fn every_udp_socket_counts() {
        let mut table = PortTable::default();
        table.add("udp", TCP, false);
        assert!(table.listeners.contains_key("udp:8080"));
    }

    #[test]
    fn ipv6_is_compressed_upper_case() {
        let mut table = PortTable::default();
        table.add("tcp6", TCP6, true);
        assert_eq!(table.listeners["tcp6:53"], ["::1"]);
        assert_eq!(table.listeners["tcp6:80"], ["FE80::250:56FF:1234:AABD"]);
        assert_eq!(table.listeners["tcp6:81"], ["127.0.0.1"]);
    }

    #[test]
    fn bare_port_means_tcp() {
        assert_eq!(normalize_port("22"), "tcp:22");
        assert_eq!(normalize_port("udp6:53"), "udp6:53");
    }
}

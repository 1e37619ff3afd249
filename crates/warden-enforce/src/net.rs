//! Network deny rules for the cgroup sock_addr programs (and BPF LSM `socket_connect`
//! where it loads): address prefix, port range, protocols, operations and scope.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use crate::EnforceError;
use crate::raw::{OP_BIND, OP_CONNECT, OP_SENDMSG, PROTO_OTHER, PROTO_TCP, PROTO_UDP, RawNetRule};

/// An address prefix (`10.0.0.0/8`, `::1`, `fd00::/8`); host bits are cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpPrefix {
    address: IpAddr,
    len: u8,
}

impl IpPrefix {
    pub fn new(address: IpAddr, len: u8) -> Result<IpPrefix, EnforceError> {
        let max = if address.is_ipv4() { 32 } else { 128 };
        if len > max {
            return Err(EnforceError::Invalid {
                what: "address prefix",
                reason: format!("/{len} is longer than the {max} bits of {address}"),
            });
        }
        let address = match address {
            IpAddr::V4(v4) => IpAddr::V4((u32::from(v4) & v4_mask(len)).into()),
            IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & v6_mask(len)).into()),
        };
        Ok(IpPrefix { address, len })
    }

    /// Every address of one family: `0.0.0.0/0` or `::/0`.
    pub fn any_v4() -> IpPrefix {
        IpPrefix {
            address: IpAddr::from([0u8; 4]),
            len: 0,
        }
    }

    pub fn any_v6() -> IpPrefix {
        IpPrefix {
            address: IpAddr::from([0u8; 16]),
            len: 0,
        }
    }

    pub fn address(&self) -> IpAddr {
        self.address
    }

    pub fn prefix_len(&self) -> u8 {
        self.len
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.address, address) {
            (IpAddr::V4(net), IpAddr::V4(a)) => u32::from(a) & v4_mask(self.len) == u32::from(net),
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                u128::from(a) & v6_mask(self.len) == u128::from(net)
            }
            _ => false,
        }
    }
}

fn v4_mask(len: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0)
}

fn v6_mask(len: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0)
}

impl FromStr for IpPrefix {
    type Err = EnforceError;

    fn from_str(text: &str) -> Result<IpPrefix, EnforceError> {
        let invalid = |reason: String| EnforceError::Invalid {
            what: "address prefix",
            reason,
        };
        let (address, len) = match text.split_once('/') {
            Some((address, len)) => (
                address,
                Some(len.parse::<u8>().map_err(|_| {
                    invalid(format!(
                        "{text:?}: expected a prefix length after '/', found {len:?}"
                    ))
                })?),
            ),
            None => (text, None),
        };
        let address: IpAddr = address.parse().map_err(|_| {
            invalid(format!(
                "{text:?}: expected an IPv4 or IPv6 address, found {address:?}"
            ))
        })?;
        let full = if address.is_ipv4() { 32 } else { 128 };
        IpPrefix::new(address, len.unwrap_or(full))
    }
}

impl fmt::Display for IpPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.len)
    }
}

fn flag(set: bool, bit: u8) -> u8 {
    if set { bit } else { 0 }
}

/// Which protocols a rule covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Protocols {
    pub tcp: bool,
    pub udp: bool,
    /// Anything else on an IP socket (ICMP echo sockets, SCTP, ...).
    pub other: bool,
}

impl Protocols {
    pub const ALL: Protocols = Protocols {
        tcp: true,
        udp: true,
        other: true,
    };
    pub const TCP: Protocols = Protocols {
        tcp: true,
        udp: false,
        other: false,
    };
    pub const UDP: Protocols = Protocols {
        tcp: false,
        udp: true,
        other: false,
    };

    fn bits(self) -> u8 {
        flag(self.tcp, PROTO_TCP) | flag(self.udp, PROTO_UDP) | flag(self.other, PROTO_OTHER)
    }
}

/// Which socket calls a rule denies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NetOperations {
    /// `connect()` (TCP and UDP).
    pub connect: bool,
    /// `sendto()`/`sendmsg()` with a destination on an unconnected UDP socket.
    pub sendmsg: bool,
    /// `bind()` to the rule's local address and port.
    pub bind: bool,
}

impl NetOperations {
    /// Outbound traffic: connect and unconnected sends.
    pub const OUTBOUND: NetOperations = NetOperations {
        connect: true,
        sendmsg: true,
        bind: false,
    };
    pub const BIND: NetOperations = NetOperations {
        connect: false,
        sendmsg: false,
        bind: true,
    };

    fn bits(self) -> u8 {
        flag(self.connect, OP_CONNECT) | flag(self.sendmsg, OP_SENDMSG) | flag(self.bind, OP_BIND)
    }
}

/// Which processes a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Everywhere,
    /// Processes whose cgroup (or an ancestor of it) is in this cgroup set; see
    /// [`crate::KernelEnforcer::add_to_cgroup_set`].
    CgroupSet(u32),
}

/// One network deny rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NetRule {
    /// The agent's number for the rule, echoed in [`crate::KernelEvent`]s.
    pub id: u32,
    pub prefix: IpPrefix,
    /// Inclusive port range (host order); `0..=65535` for every port.
    pub ports: (u16, u16),
    pub protocols: Protocols,
    pub operations: NetOperations,
    pub scope: Scope,
}

impl NetRule {
    /// The cgroup hooks that enforce this rule (`connect4`, `bind6`, ...).
    pub(crate) fn hooks(&self) -> Vec<&'static str> {
        let v4 = self.prefix.address.is_ipv4();
        let ops = self.operations;
        [
            (ops.connect, "connect4", "connect6"),
            (ops.sendmsg, "sendmsg4", "sendmsg6"),
            (ops.bind, "bind4", "bind6"),
        ]
        .into_iter()
        .filter(|(wanted, _, _)| *wanted)
        // IPv4 rules also match IPv4-mapped addresses on IPv6 sockets.
        .flat_map(|(_, four, six)| if v4 { vec![four, six] } else { vec![six] })
        .collect()
    }

    pub(crate) fn to_raw(&self) -> Result<RawNetRule, EnforceError> {
        let (first, last) = self.ports;
        if first > last {
            return Err(EnforceError::Invalid {
                what: "network rule",
                reason: format!("rule {}: port range {first}-{last} is empty", self.id),
            });
        }
        let protocols = self.protocols.bits();
        let operations = self.operations.bits();
        if protocols == 0 || operations == 0 {
            return Err(EnforceError::Invalid {
                what: "network rule",
                reason: format!(
                    "rule {}: names no {} and would never match",
                    self.id,
                    if protocols == 0 {
                        "protocol"
                    } else {
                        "operation"
                    }
                ),
            });
        }
        let cgroup_set = match self.scope {
            Scope::Everywhere => 0,
            Scope::CgroupSet(set) => crate::kernel::check_set(set)?,
        };
        let (family, addr, mask) = match self.prefix.address {
            IpAddr::V4(v4) => {
                let mut addr = [0u8; 16];
                let mut mask = [0u8; 16];
                addr[..4].copy_from_slice(&v4.octets());
                mask[..4].copy_from_slice(&v4_mask(self.prefix.len).to_be_bytes());
                (4, addr, mask)
            }
            IpAddr::V6(v6) => (6, v6.octets(), v6_mask(self.prefix.len).to_be_bytes()),
        };
        Ok(RawNetRule {
            addr,
            mask,
            port_lo: first,
            port_hi: last,
            family,
            protocols,
            operations,
            pad: 0,
            cgroup_set,
            id: self.id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_parse_and_clear_host_bits() {
        let p: IpPrefix = "10.1.2.3/8".parse().unwrap();
        assert_eq!(p.to_string(), "10.0.0.0/8");
        assert!(p.contains("10.200.0.1".parse().unwrap()));
        assert!(!p.contains("11.0.0.1".parse().unwrap()));
        assert!(!p.contains("::1".parse().unwrap()));
        let host: IpPrefix = "127.0.0.1".parse().unwrap();
        assert_eq!(host.prefix_len(), 32);
        let v6: IpPrefix = "fd00::1/8".parse().unwrap();
        assert_eq!(v6.to_string(), "fd00::/8");
        assert!(IpPrefix::any_v6().contains("::1".parse().unwrap()));
        assert!(IpPrefix::any_v4().contains("1.2.3.4".parse().unwrap()));
    }

    #[test]
    fn bad_prefixes_say_what_was_expected() {
        let err = "10.0.0.0/33".parse::<IpPrefix>().unwrap_err().to_string();
        assert!(err.contains("/33 is longer than the 32 bits"), "{err}");
        let err = "10.0.0/8".parse::<IpPrefix>().unwrap_err().to_string();
        assert!(err.contains("expected an IPv4 or IPv6 address"), "{err}");
        let err = "::1/x".parse::<IpPrefix>().unwrap_err().to_string();
        assert!(err.contains("expected a prefix length"), "{err}");
    }

    fn rule(prefix: &str) -> NetRule {
        NetRule {
            id: 7,
            prefix: prefix.parse().unwrap(),
            ports: (80, 443),
            protocols: Protocols::TCP,
            operations: NetOperations::OUTBOUND,
            scope: Scope::CgroupSet(3),
        }
    }

    #[test]
    fn rules_encode_to_the_kernel_layout() {
        let raw = rule("192.168.0.0/16").to_raw().unwrap();
        assert_eq!(raw.family, 4);
        assert_eq!(&raw.addr[..4], &[192, 168, 0, 0]);
        assert_eq!(&raw.mask[..4], &[255, 255, 0, 0]);
        assert_eq!(&raw.mask[4..], &[0; 12]);
        assert_eq!((raw.port_lo, raw.port_hi), (80, 443));
        assert_eq!(raw.protocols, PROTO_TCP);
        assert_eq!(raw.operations, OP_CONNECT | OP_SENDMSG);
        assert_eq!((raw.cgroup_set, raw.id), (3, 7));

        let raw = rule("::1").to_raw().unwrap();
        assert_eq!(raw.family, 6);
        assert_eq!(raw.mask, [0xff; 16]);
        assert_eq!(raw.addr[15], 1);
    }

    #[test]
    fn rules_name_the_hooks_they_need() {
        assert_eq!(
            rule("10.0.0.0/8").hooks(),
            vec!["connect4", "connect6", "sendmsg4", "sendmsg6"]
        );
        let mut bind6 = rule("::/0");
        bind6.operations = NetOperations::BIND;
        assert_eq!(bind6.hooks(), vec!["bind6"]);
    }

    #[test]
    fn rules_that_cannot_match_are_refused() {
        let mut empty_ports = rule("::1");
        empty_ports.ports = (10, 9);
        assert!(
            empty_ports
                .to_raw()
                .unwrap_err()
                .to_string()
                .contains("port range 10-9 is empty")
        );
        let mut no_protocol = rule("::1");
        no_protocol.protocols = Protocols {
            tcp: false,
            udp: false,
            other: false,
        };
        assert!(
            no_protocol
                .to_raw()
                .unwrap_err()
                .to_string()
                .contains("names no protocol")
        );
        let mut reserved_set = rule("::1");
        reserved_set.scope = Scope::CgroupSet(0);
        assert!(reserved_set.to_raw().is_err());
    }
}

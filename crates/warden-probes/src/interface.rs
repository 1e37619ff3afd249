//! `interface`: a network interface's existence, addresses and MTU.
//!
//! goss uses Go's `net.InterfaceByName` and `Interface.Addrs`; Warden reads the
//! same kernel tables through `getifaddrs(3)` and sysfs.

use std::net::IpAddr;

use nix::ifaddrs::getifaddrs;
use nix::sys::socket::SockaddrStorage;

use crate::ProbeError;
use crate::gofmt::go_ip_string;

/// Go's error when no interface has the name.
const NO_SUCH_INTERFACE: &str = "route ip+net: no such network interface";

/// `system.interface(name)`: one `interface` resource.
#[derive(Debug)]
pub struct InterfaceProbe {
    name: String,
}

impl InterfaceProbe {
    pub(crate) fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
        }
    }

    /// The interface name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn require(&self) -> Result<(), ProbeError> {
        if self.exists()? {
            Ok(())
        } else {
            Err(ProbeError::Other(NO_SUCH_INTERFACE.to_string()))
        }
    }

    /// Whether the kernel has an interface with exactly this name.
    pub fn exists(&self) -> Result<bool, ProbeError> {
        let interfaces = getifaddrs().map_err(|errno| os_error("getifaddrs", errno))?;
        Ok(interfaces
            .into_iter()
            .any(|entry| entry.interface_name == self.name))
    }

    /// Every address as `ip/prefix` (`127.0.0.1/8`, `fe80::1/64`), IPv4 before
    /// IPv6 as the kernel lists them, including `eth0:1`-style aliases.
    pub fn addrs(&self) -> Result<Vec<String>, ProbeError> {
        self.require()?;
        let interfaces = getifaddrs().map_err(|errno| os_error("getifaddrs", errno))?;
        let alias_prefix = format!("{}:", self.name);
        Ok(interfaces
            .into_iter()
            .filter(|entry| {
                entry.interface_name == self.name || entry.interface_name.starts_with(&alias_prefix)
            })
            .filter_map(|entry| {
                let ip = socket_ip(entry.address.as_ref()?)?;
                let prefix = entry
                    .netmask
                    .as_ref()
                    .and_then(socket_ip)
                    .map_or(0, prefix_length);
                Some(format!("{}/{prefix}", go_ip_string(ip)))
            })
            .collect())
    }

    /// The MTU in bytes.
    pub fn mtu(&self) -> Result<i64, ProbeError> {
        self.require()?;
        let path = format!("/sys/class/net/{}/mtu", self.name);
        let text = std::fs::read_to_string(&path).map_err(|err| {
            ProbeError::Os(crate::gofmt::go_path_error("open", path.as_ref(), &err))
        })?;
        text.trim()
            .parse()
            .map_err(|_| ProbeError::Other(format!("unexpected MTU {:?} in {path}", text.trim())))
    }
}

fn socket_ip(address: &SockaddrStorage) -> Option<IpAddr> {
    if let Some(v4) = address.as_sockaddr_in() {
        return Some(IpAddr::V4(v4.ip()));
    }
    address.as_sockaddr_in6().map(|v6| IpAddr::V6(v6.ip()))
}

/// The number of leading one bits of a netmask.
fn prefix_length(mask: IpAddr) -> u32 {
    match mask {
        IpAddr::V4(v4) => u32::from(v4).leading_ones(),
        IpAddr::V6(v6) => u128::from(v6).leading_ones(),
    }
}

fn os_error(op: &str, errno: nix::errno::Errno) -> ProbeError {
    ProbeError::Os(format!(
        "{op}: {}",
        crate::gofmt::go_errno_text(&std::io::Error::from(errno))
    ))
}

//! `addr`: whether a TCP connection (or UDP socket) to an address can be made.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::net::{TcpSocket, UdpSocket};

use crate::ProbeError;

/// `tcp://host:port` form of an address; `tcp://` is assumed without a scheme.
pub(crate) fn normalize_address(address: &str) -> String {
    match address.split_once("://") {
        Some(_) => address.to_string(),
        None => format!("tcp://{address}"),
    }
}

/// `system.addr(address, local_address, timeout)`: one `addr` resource.
#[derive(Debug)]
pub struct AddrProbe {
    address: String,
    local_address: Option<IpAddr>,
    timeout: Duration,
}

impl AddrProbe {
    pub(crate) fn new(address: &str, local_address: Option<&str>, timeout: Duration) -> Self {
        Self {
            address: normalize_address(address),
            // Go's `net.ParseIP` turns an unparsable local address into "any".
            local_address: local_address.and_then(|text| text.parse().ok()),
            timeout,
        }
    }

    /// The normalised `<network>://<host>:<port>` address.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// `true` when Go's dialer would succeed within the timeout; any failure
    /// (refused, unresolvable, timed out, unknown network) is `false`, never an error.
    pub async fn reachable(&self) -> Result<bool, ProbeError> {
        let Some((network, target)) = self.address.split_once("://") else {
            return Ok(false);
        };
        let dial = async {
            let Ok(remotes) = tokio::net::lookup_host(target).await else {
                return false;
            };
            let family_ok = |remote: &SocketAddr| match network {
                "tcp4" | "udp4" => remote.is_ipv4(),
                "tcp6" | "udp6" => remote.is_ipv6(),
                _ => true,
            };
            let local_ok = |remote: &SocketAddr| {
                self.local_address
                    .is_none_or(|local| local.is_ipv4() == remote.is_ipv4())
            };
            for remote in remotes.filter(family_ok).filter(local_ok) {
                let connected = match network {
                    "tcp" | "tcp4" | "tcp6" => self.connect_tcp(remote).await,
                    "udp" | "udp4" | "udp6" => self.connect_udp(remote).await,
                    _ => return false,
                };
                if connected {
                    return true;
                }
            }
            false
        };
        Ok(tokio::time::timeout(self.timeout, dial)
            .await
            .unwrap_or(false))
    }

    fn local_for(&self, remote: SocketAddr) -> SocketAddr {
        let unspecified = if remote.is_ipv4() {
            IpAddr::from([0, 0, 0, 0])
        } else {
            IpAddr::from([0u16; 8])
        };
        SocketAddr::new(self.local_address.unwrap_or(unspecified), 0)
    }

    async fn connect_tcp(&self, remote: SocketAddr) -> bool {
        let socket = if remote.is_ipv4() {
            TcpSocket::new_v4()
        } else {
            TcpSocket::new_v6()
        };
        let Ok(socket) = socket else { return false };
        if self.local_address.is_some() && socket.bind(self.local_for(remote)).is_err() {
            return false;
        }
        socket.connect(remote).await.is_ok()
    }

    /// UDP is connectionless: "reachable" means a socket could be bound and
    /// connected, exactly what Go's `Dial("udp", …)` checks.
    async fn connect_udp(&self, remote: SocketAddr) -> bool {
        match UdpSocket::bind(self.local_for(remote)).await {
            Ok(socket) => socket.connect(remote).await.is_ok(),
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcp_is_the_default_scheme() {
        assert_eq!(normalize_address("localhost:22"), "tcp://localhost:22");
        assert_eq!(
            normalize_address("udp://127.0.0.1:53"),
            "udp://127.0.0.1:53"
        );
    }
}

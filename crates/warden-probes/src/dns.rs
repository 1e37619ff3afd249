//! `dns`: host resolution through the system resolver, or typed queries sent
//! straight to a given server.
//!
//! Without a server, goss calls Go's pure resolver (`net.LookupHost`): IP
//! literals resolve to themselves, `/etc/hosts` is consulted first, then the
//! resolv.conf servers for A and AAAA. Every resolver failure there is a
//! `*net.DNSError`, which goss reports as "not resolvable" with no error.
//!
//! With a server, goss (miekg/dns) sends one UDP query per record type and
//! renders the answers itself; an empty answer (NXDOMAIN included) is retried
//! and finally reported as "not resolvable". Each attempt is bounded by the
//! timeout; three attempts are made before a timeout becomes an error.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use hickory_proto::op::{Message, Query};
use hickory_proto::rr::{Name, RData, RecordType};
use hickory_resolver::TokioResolver;
use hickory_resolver::config::{LookupIpStrategy, ResolveHosts};
use tokio::net::UdpSocket;
use tokio::sync::OnceCell;

use crate::gofmt::go_ipv6_string;
use crate::{ProbeError, System};

/// How many times goss tries a lookup before giving up.
const ATTEMPTS: usize = 3;

/// The memoised outcome of a `dns` resource.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Resolution {
    resolvable: bool,
    addrs: Vec<String>,
}

/// The result of one lookup attempt.
enum Attempt {
    /// Answers (possibly none).
    Answers(Vec<String>),
    /// The name definitely does not resolve (Go's `*net.DNSError`).
    NotFound,
    /// A failure worth retrying.
    Failed(ProbeError),
}

/// `system.dns(host, server, timeout)`: one `dns` resource.
pub struct DnsProbe<'s> {
    system: &'s System,
    host: String,
    qtype: Option<String>,
    server: Option<String>,
    timeout: Duration,
    resolution: OnceCell<Result<Resolution, ProbeError>>,
}

impl std::fmt::Debug for DnsProbe<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DnsProbe")
            .field("host", &self.host)
            .field("qtype", &self.qtype)
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

impl<'s> DnsProbe<'s> {
    /// `resolve` may carry a record type prefix (`MX:example.com`): an
    /// all-upper-case word before the first colon.
    pub(crate) fn new(
        system: &'s System,
        resolve: &str,
        server: Option<&str>,
        timeout: Duration,
    ) -> Self {
        let (qtype, host) = match resolve.split_once(':') {
            Some((prefix, host))
                if !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_uppercase()) =>
            {
                (Some(prefix.to_string()), host.to_string())
            }
            _ => (None, resolve.to_string()),
        };
        Self {
            system,
            host,
            qtype,
            server: server
                .filter(|server| !server.is_empty())
                .map(str::to_string),
            timeout,
            resolution: OnceCell::new(),
        }
    }

    /// The name (or, for PTR, the address) looked up, without its type prefix.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The record type prefix, if any.
    pub fn qtype(&self) -> Option<&str> {
        self.qtype.as_deref()
    }

    /// Whether the lookup produced at least one answer.
    pub async fn resolvable(&self) -> Result<bool, ProbeError> {
        Ok(self.resolution().await?.resolvable)
    }

    /// The answers, sorted, rendered as goss renders them.
    pub async fn addrs(&self) -> Result<Vec<String>, ProbeError> {
        Ok(self.resolution().await?.addrs.clone())
    }

    async fn resolution(&self) -> Result<&Resolution, ProbeError> {
        self.resolution
            .get_or_init(|| self.resolve())
            .await
            .as_ref()
            .map_err(Clone::clone)
    }

    async fn resolve(&self) -> Result<Resolution, ProbeError> {
        let not_resolvable = Resolution {
            resolvable: false,
            addrs: Vec::new(),
        };
        let mut last_error = None;
        for _ in 0..ATTEMPTS {
            let attempt = match tokio::time::timeout(self.timeout, self.attempt()).await {
                Ok(attempt) => attempt,
                Err(_) => Attempt::Failed(ProbeError::DnsTimeout(self.timeout)),
            };
            match attempt {
                Attempt::Answers(mut addrs) if !addrs.is_empty() => {
                    addrs.sort();
                    return Ok(Resolution {
                        resolvable: true,
                        addrs,
                    });
                }
                Attempt::NotFound => return Ok(not_resolvable),
                Attempt::Answers(_) => last_error = None,
                Attempt::Failed(err) => last_error = Some(err),
            }
        }
        match last_error {
            Some(err) => Err(err),
            None => Ok(not_resolvable),
        }
    }

    async fn attempt(&self) -> Attempt {
        match &self.server {
            None => self.system_lookup().await,
            Some(server) => match self.server_lookup(server).await {
                Ok(answers) => Attempt::Answers(answers),
                Err(err) => Attempt::Failed(err),
            },
        }
    }

    /// Go's `net.LookupHost` with the pure resolver.
    async fn system_lookup(&self) -> Attempt {
        if self.host.parse::<IpAddr>().is_ok() {
            return Attempt::Answers(vec![self.host.clone()]);
        }
        let from_hosts = hosts_file_lookup(self.system.root(), &self.host);
        if !from_hosts.is_empty() {
            return Attempt::Answers(from_hosts);
        }
        let resolver = match self.system.resolver() {
            Ok(resolver) => resolver,
            Err(_) => return Attempt::NotFound,
        };
        match resolver.lookup_ip(self.host.as_str()).await {
            Ok(lookup) => Attempt::Answers(lookup.iter().map(crate::gofmt::go_ip_string).collect()),
            Err(_) => Attempt::NotFound,
        }
    }

    /// goss's typed lookups against one server.
    async fn server_lookup(&self, server: &str) -> Result<Vec<String>, ProbeError> {
        let server = server_address(server);
        let host = self.host.as_str();
        match self.qtype.as_deref() {
            Some("A") => query(&server, host, RecordType::A).await,
            Some("AAAA") => query(&server, host, RecordType::AAAA).await,
            Some("CNAME") => query(&server, host, RecordType::CNAME).await,
            Some("MX") => query(&server, host, RecordType::MX).await,
            Some("NS") => query(&server, host, RecordType::NS).await,
            Some("SRV") => query(&server, host, RecordType::SRV).await,
            Some("TXT") => query(&server, host, RecordType::TXT).await,
            Some("CAA") => query(&server, host, RecordType::CAA).await,
            Some("SSHFP") => query(&server, host, RecordType::SSHFP).await,
            Some("PTR") => query_ptr(&server, host).await,
            // No (or an unknown) type: A and AAAA merged, failures ignored.
            _ => {
                let mut answers = query(&server, host, RecordType::A)
                    .await
                    .unwrap_or_default();
                answers.extend(
                    query(&server, host, RecordType::AAAA)
                        .await
                        .unwrap_or_default(),
                );
                Ok(answers)
            }
        }
    }
}

/// `ip`, `ip:port`, `[v6]:port` or `host[:port]`, port 53 by default.
fn server_address(server: &str) -> String {
    if server.parse::<SocketAddr>().is_ok() {
        return server.to_string();
    }
    if let Ok(ip) = server.parse::<IpAddr>() {
        return SocketAddr::new(ip, 53).to_string();
    }
    match server.rsplit_once(':') {
        Some((_, port)) if port.parse::<u16>().is_ok() => server.to_string(),
        _ => format!("{server}:53"),
    }
}

/// miekg's `dns.Fqdn`.
fn fqdn(host: &str) -> String {
    if host.ends_with('.') {
        host.to_string()
    } else {
        format!("{host}.")
    }
}

/// miekg's `dns.ReverseAddr`.
fn reverse_name(address: &str) -> Result<String, ProbeError> {
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => {
            let [a, b, c, d] = v4.octets();
            Ok(format!("{d}.{c}.{b}.{a}.in-addr.arpa."))
        }
        Ok(IpAddr::V6(v6)) => {
            let mut name = String::new();
            for byte in v6.octets().iter().rev() {
                name.push_str(&format!("{:x}.{:x}.", byte & 0x0f, byte >> 4));
            }
            name.push_str("ip6.arpa.");
            Ok(name)
        }
        Err(_) => Err(ProbeError::Other(format!(
            "unrecognized address: {address}"
        ))),
    }
}

async fn query_ptr(server: &str, address: &str) -> Result<Vec<String>, ProbeError> {
    let reverse = reverse_name(address)?;
    exchange(server, &reverse, RecordType::PTR).await
}

async fn query(
    server: &str,
    host: &str,
    record_type: RecordType,
) -> Result<Vec<String>, ProbeError> {
    exchange(server, &fqdn(host), record_type).await
}

/// One UDP query and its rendered answers of the asked-for type.
async fn exchange(
    server: &str,
    name: &str,
    record_type: RecordType,
) -> Result<Vec<String>, ProbeError> {
    let qname = Name::from_ascii(name)
        .map_err(|err| ProbeError::Other(format!("dns: bad domain name {name:?}: {err}")))?;
    let mut request = Message::query();
    request.metadata.recursion_desired = true;
    request.add_query(Query::query(qname, record_type));
    let packet = request
        .to_vec()
        .map_err(|err| ProbeError::Other(format!("dns: {err}")))?;

    let remote = tokio::net::lookup_host(server)
        .await
        .map_err(|err| {
            ProbeError::Other(format!(
                "dial udp {server}: {}",
                crate::gofmt::go_errno_text(&err)
            ))
        })?
        .next()
        .ok_or_else(|| ProbeError::Other(format!("dial udp {server}: no such host")))?;
    let bind: SocketAddr = if remote.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        ([0u16; 8], 0).into()
    };
    let socket_error = |op: &str, err: std::io::Error| {
        ProbeError::Other(format!(
            "{op} udp {remote}: {}",
            crate::gofmt::go_errno_text(&err)
        ))
    };
    let socket = UdpSocket::bind(bind)
        .await
        .map_err(|err| socket_error("dial", err))?;
    socket
        .connect(remote)
        .await
        .map_err(|err| socket_error("dial", err))?;
    socket
        .send(&packet)
        .await
        .map_err(|err| socket_error("write", err))?;
    let mut buffer = vec![0u8; 65_535];
    let received = socket
        .recv(&mut buffer)
        .await
        .map_err(|err| socket_error("read", err))?;
    let response = Message::from_vec(&buffer[..received])
        .map_err(|err| ProbeError::Other(format!("dns: {err}")))?;
    if response.metadata.id != request.metadata.id {
        return Err(ProbeError::Other("dns: id mismatch".to_string()));
    }
    let mut answers = Vec::new();
    for record in &response.answers {
        render_answer(&record.data, record_type, &mut answers);
    }
    Ok(answers)
}

/// Appends goss's text for one answer record; records of another type (a
/// CNAME in front of the A records, say) add nothing, and each string of a
/// TXT record is an answer of its own.
fn render_answer(data: &RData, wanted: RecordType, answers: &mut Vec<String>) {
    let text = match (data, wanted) {
        (RData::A(a), RecordType::A) => a.0.to_string(),
        (RData::AAAA(aaaa), RecordType::AAAA) => go_ipv6_string(aaaa.0),
        (RData::CNAME(cname), RecordType::CNAME) => cname.0.to_ascii(),
        (RData::NS(ns), RecordType::NS) => ns.0.to_ascii(),
        (RData::PTR(ptr), RecordType::PTR) => ptr.0.to_ascii(),
        (RData::MX(mx), RecordType::MX) => format!("{} {}", mx.preference, mx.exchange.to_ascii()),
        (RData::SRV(srv), RecordType::SRV) => {
            format!(
                "{} {} {} {}",
                srv.priority,
                srv.weight,
                srv.port,
                srv.target.to_ascii()
            )
        }
        (RData::TXT(txt), RecordType::TXT) => {
            answers.extend(txt.txt_data.iter().map(|part| escape_txt(part)));
            return;
        }
        (RData::CAA(caa), RecordType::CAA) => {
            format!(
                "{} {} {}",
                caa.flags(),
                caa.tag,
                String::from_utf8_lossy(&caa.value)
            )
        }
        (RData::SSHFP(sshfp), RecordType::SSHFP) => format!(
            "{} {} {}",
            u8::from(sshfp.algorithm),
            u8::from(sshfp.fingerprint_type),
            hex::encode_upper(&sshfp.fingerprint)
        ),
        _ => return,
    };
    answers.push(text);
}

/// miekg keeps TXT strings in presentation form: `"` and `\` escaped,
/// non-printable bytes as `\DDD`.
fn escape_txt(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len());
    for &byte in bytes {
        match byte {
            b'"' | b'\\' => {
                text.push('\\');
                text.push(char::from(byte));
            }
            b' '..=b'~' => text.push(char::from(byte)),
            _ => text.push_str(&format!("\\{byte:03}")),
        }
    }
    text
}

/// Go's `/etc/hosts` lookup: names compared case-insensitively (with or
/// without a trailing dot), addresses in file order, normalised.
fn hosts_file_lookup(root: &Path, host: &str) -> Vec<String> {
    let Ok(text) = std::fs::read(crate::rooted(root, "/etc/hosts")) else {
        return Vec::new();
    };
    let wanted = fqdn(&host.to_ascii_lowercase());
    let mut addrs = Vec::new();
    for line in String::from_utf8_lossy(&text).lines() {
        let line = line.split('#').next().unwrap_or_default();
        let mut fields = line.split_whitespace();
        let Some(address) = fields.next().and_then(normalise_hosts_address) else {
            continue;
        };
        if fields.any(|name| fqdn(&name.to_ascii_lowercase()) == wanted) {
            addrs.push(address);
        }
    }
    addrs
}

/// Go's `parseLiteralIP`: the canonical text of an address, zone kept.
fn normalise_hosts_address(text: &str) -> Option<String> {
    let (address, zone) = match text.split_once('%') {
        Some((address, zone)) => (address, Some(zone)),
        None => (text, None),
    };
    let ip: IpAddr = address.parse().ok()?;
    match (ip, zone) {
        (IpAddr::V6(v6), Some(zone)) if !zone.is_empty() => Some(format!("{v6}%{zone}")),
        (_, Some(_)) => None,
        (ip, None) => Some(ip.to_string()),
    }
}

/// The resolv.conf resolver used for names `/etc/hosts` does not know:
/// A and AAAA both, no cache (each run sees the network as it is now).
pub(crate) fn system_resolver() -> Result<TokioResolver, ProbeError> {
    let mut builder = TokioResolver::builder_tokio()
        .map_err(|err| ProbeError::Other(format!("reading resolv.conf: {err}")))?;
    let options = builder.options_mut();
    options.ip_strategy = LookupIpStrategy::Ipv4AndIpv6;
    options.use_hosts_file = ResolveHosts::Never;
    options.cache_size = 0;
    builder
        .build()
        .map_err(|err| ProbeError::Other(format!("building resolver: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_prefix_must_be_upper_case() {
        let system = System::new();
        let typed = DnsProbe::new(
            &system,
            "MX:example.com",
            Some("127.0.0.1"),
            Duration::from_millis(500),
        );
        assert_eq!((typed.qtype(), typed.host()), (Some("MX"), "example.com"));
        let plain = DnsProbe::new(&system, "mx:example.com", None, Duration::from_millis(500));
        assert_eq!((plain.qtype(), plain.host()), (None, "mx:example.com"));
    }

    #[test]
    fn reverse_names_match_miekg() {
        assert_eq!(
            reverse_name("192.0.2.1").unwrap(),
            "1.2.0.192.in-addr.arpa."
        );
        assert_eq!(
            reverse_name("2001:db8::1").unwrap(),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."
        );
        assert_eq!(
            reverse_name("nope").unwrap_err().to_string(),
            "unrecognized address: nope"
        );
    }

    #[test]
    fn server_defaults_to_port_53() {
        assert_eq!(server_address("8.8.8.8"), "8.8.8.8:53");
        assert_eq!(server_address("127.0.0.1:5353"), "127.0.0.1:5353");
        assert_eq!(server_address("::1"), "[::1]:53");
        assert_eq!(server_address("ns.example"), "ns.example:53");
    }

    #[test]
    fn txt_strings_are_escaped_like_miekg() {
        assert_eq!(
            escape_txt(b"v=spf1 \"x\"\\\x01"),
            "v=spf1 \\\"x\\\"\\\\\\001"
        );
    }

    #[test]
    fn hosts_addresses_are_normalised() {
        assert_eq!(normalise_hosts_address("::0001").as_deref(), Some("::1"));
        assert_eq!(
            normalise_hosts_address("fe80::1%lo").as_deref(),
            Some("fe80::1%lo")
        );
        assert_eq!(normalise_hosts_address("bogus"), None);
    }
}

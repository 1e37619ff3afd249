//! One resource read from the live system, with the attributes `goss add` writes.
//!
//! Each type records what goss's `NewX` constructors record: the gate
//! attribute (`exists`, `installed`, `listening`, ...) always, the observed
//! attributes unless excluded or unreadable (an absent file has no mode), and
//! the request settings (`timeout`, `server`, ...) the command line chose.
//! An error reading the gate attribute is returned rather than recorded as
//! `false`: a gossfile claiming absence the system never showed would fail.

use std::collections::BTreeMap;
use std::time::Duration;

use warden_gossfile::{Attr, Origin, Resource, ResourceKind};
use warden_probes::{HttpRequest, ProbeError, System};
use warden_value::{Mark, Node, NodeKind};

use crate::go_match::go_match;

/// What `add` was asked beyond the type and name: goss's per-type flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddOptions {
    /// Shell patterns (Go `filepath.Match`) naming attributes not to record;
    /// `*` keeps only the required one.
    pub exclude_attrs: Vec<String>,
    /// Request timeout for addr, command, dns, http and mount; the type's
    /// default (see [`default_timeout`]) when unset.
    pub timeout: Option<Duration>,
    /// DNS server (`ip` or `ip:port`) to query instead of the system resolver.
    pub server: Option<String>,
    /// HTTP: skip certificate verification.
    pub allow_insecure: bool,
    /// HTTP: report redirects instead of following them.
    pub no_follow_redirects: bool,
    /// HTTP basic-auth user name.
    pub username: Option<String>,
    /// HTTP basic-auth password.
    pub password: Option<String>,
    /// HTTP proxy URL.
    pub proxy: Option<String>,
}

impl AddOptions {
    fn records(&self, attribute: &str) -> bool {
        !self
            .exclude_attrs
            .iter()
            .any(|pattern| go_match(pattern, attribute))
    }

    fn timeout_for(&self, kind: ResourceKind) -> Duration {
        self.timeout
            .or_else(|| default_timeout(kind))
            .unwrap_or_default()
    }
}

/// goss's default `--timeout` for the types that take one.
pub fn default_timeout(kind: ResourceKind) -> Option<Duration> {
    match kind {
        ResourceKind::Addr | ResourceKind::Dns => Some(Duration::from_millis(500)),
        ResourceKind::Command => Some(Duration::from_secs(10)),
        ResourceKind::Http => Some(Duration::from_secs(5)),
        ResourceKind::Mount => Some(Duration::from_secs(1)),
        _ => None,
    }
}

/// Why a resource could not be described.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DescribeError {
    /// Reading the system failed (goss's message).
    #[error(transparent)]
    Probe(#[from] ProbeError),
    /// `matching` compares values the gossfile supplies; there is nothing to read.
    #[error("{} resources hold expectations, not system state, and cannot be added", .0.type_name())]
    NotAddable(ResourceKind),
}

/// Reads `name` as a resource of type `kind` from `system`.
pub async fn describe(
    kind: ResourceKind,
    name: &str,
    options: &AddOptions,
    system: &System,
) -> Result<Resource, DescribeError> {
    let mut described = Described::new(kind, options);
    let key = match kind {
        ResourceKind::File => describe_file(&mut described, name, system)?,
        ResourceKind::Package => {
            let package = system.package(name);
            described.gate("installed", package.installed().await?);
            described.observe_list("versions", package.versions().await);
            name.to_owned()
        }
        ResourceKind::Addr => {
            let timeout = options.timeout_for(kind);
            let addr = system.addr(name, None, timeout);
            described.gate("reachable", addr.reachable().await?);
            described.set("timeout", millis(timeout));
            addr.address().to_owned()
        }
        ResourceKind::Port => {
            let port = system.port(name);
            described.gate("listening", port.listening()?);
            described.observe_list("ip", port.ips());
            port.port().to_owned()
        }
        ResourceKind::Service => {
            let service = system.service(name);
            if described.wants("enabled") {
                described.set("enabled", bool_node(service.enabled().await?));
            }
            if described.wants("running") {
                described.set("running", bool_node(service.running().await?));
            }
            name.to_owned()
        }
        ResourceKind::User => {
            let user = system.user(name);
            described.gate("exists", user.exists()?);
            described.observe("uid", user.uid().map(int_node));
            described.observe("gid", user.gid().map(int_node));
            described.observe_list("groups", user.groups());
            described.observe("home", user.home().map(string_node));
            described.observe("shell", user.shell().map(string_node));
            name.to_owned()
        }
        ResourceKind::Group => {
            let group = system.group(name);
            described.gate("exists", group.exists()?);
            described.observe("gid", group.gid().map(int_node));
            name.to_owned()
        }
        ResourceKind::Command => {
            let timeout = options.timeout_for(kind);
            let command = system.command(name, timeout);
            let output = command.output().await?;
            described.set("exit-status", int_node(i64::from(output.exit_status)));
            if described.wants("stdout") {
                described.set("stdout", output_lines(&output.stdout));
            }
            if described.wants("stderr") {
                described.set("stderr", output_lines(&output.stderr));
            }
            described.set("timeout", millis(timeout));
            name.to_owned()
        }
        ResourceKind::Dns => {
            let timeout = options.timeout_for(kind);
            let server = options.server.as_deref().filter(|s| !s.is_empty());
            let dns = system.dns(name, server, timeout);
            let resolvable = dns.resolvable().await?;
            described.gate("resolvable", resolvable);
            if resolvable {
                described.observe_list("addrs", dns.addrs().await);
            }
            described.set("timeout", millis(timeout));
            if let Some(server) = server {
                described.set("server", string_node(server.to_owned()));
            }
            name.to_owned()
        }
        ResourceKind::Process => {
            described.gate("running", system.process(name).running()?);
            name.to_owned()
        }
        ResourceKind::Gossfile => name.to_owned(),
        ResourceKind::KernelParam => {
            let value = system.kernel_param(name).value()?;
            described.set("value", string_node(value));
            name.to_owned()
        }
        ResourceKind::Mount => {
            let timeout = options.timeout_for(kind);
            let mount = system.mount(name, timeout);
            // goss records an absent mount as `exists: false`, which its own
            // validate then fails (`Mountpoint not found`); the error is clearer.
            described.gate("exists", mount.exists()?);
            described.observe_list("opts", mount.opts());
            described.observe_list("vfs-opts", mount.vfs_opts());
            described.observe("source", mount.source().map(string_node));
            described.observe("filesystem", mount.filesystem().map(string_node));
            described.set("timeout", millis(timeout));
            mount.mountpoint().to_owned()
        }
        ResourceKind::Interface => {
            let interface = system.interface(name);
            described.gate("exists", interface.exists()?);
            described.observe_list("addrs", interface.addrs());
            described.observe("mtu", interface.mtu().map(int_node));
            name.to_owned()
        }
        ResourceKind::Http => describe_http(&mut described, name, options, system).await?,
        ResourceKind::Matching => return Err(DescribeError::NotAddable(kind)),
    };
    Ok(described.into_resource(key))
}

fn describe_file(
    described: &mut Described<'_>,
    name: &str,
    system: &System,
) -> Result<String, ProbeError> {
    let file = system.file(name);
    // goss names the resource by the absolute path, except `~` paths, which
    // it keeps as written and expands when checking.
    let key = if name.starts_with('~') {
        name.to_owned()
    } else {
        file.path()?.to_string_lossy().into_owned()
    };
    described.gate("exists", file.exists()?);
    described.observe("mode", file.mode().map(string_node));
    described.observe("owner", file.owner().map(string_node));
    described.observe("group", file.group().map(string_node));
    described.observe("linked-to", file.linked_to().map(string_node));
    described.observe("filetype", file.filetype().map(string_node));
    Ok(key)
}

async fn describe_http(
    described: &mut Described<'_>,
    url: &str,
    options: &AddOptions,
    system: &System,
) -> Result<String, ProbeError> {
    let non_empty = |value: &Option<String>| value.clone().filter(|v| !v.is_empty());
    let mut request = HttpRequest::new(url);
    request.allow_insecure = options.allow_insecure;
    request.no_follow_redirects = options.no_follow_redirects;
    request.timeout = options.timeout_for(ResourceKind::Http);
    request.username = non_empty(&options.username).unwrap_or_default();
    request.password = non_empty(&options.password).unwrap_or_default();
    request.proxy = non_empty(&options.proxy);
    let status = system.http(request.clone()).status().await?;
    described.set("status", int_node(i64::from(status)));
    described.set("allow-insecure", bool_node(request.allow_insecure));
    described.set(
        "no-follow-redirects",
        bool_node(request.no_follow_redirects),
    );
    described.set("timeout", millis(request.timeout));
    for (attribute, value) in [
        ("username", non_empty(&options.username)),
        ("password", non_empty(&options.password)),
        ("proxy", request.proxy),
    ] {
        if let Some(value) = value {
            described.set(attribute, string_node(value));
        }
    }
    Ok(url.to_owned())
}

/// A resource being filled in, attribute by attribute.
struct Described<'o> {
    kind: ResourceKind,
    options: &'o AddOptions,
    attrs: BTreeMap<&'static str, Attr>,
}

impl<'o> Described<'o> {
    fn new(kind: ResourceKind, options: &'o AddOptions) -> Self {
        Self {
            kind,
            options,
            attrs: BTreeMap::new(),
        }
    }

    /// Whether an optional attribute is to be recorded.
    fn wants(&self, attribute: &str) -> bool {
        self.options.records(attribute)
    }

    /// Records an attribute, under the name the resource-kind table spells it.
    fn set(&mut self, attribute: &str, node: Node) {
        if let Some(spec) = self.kind.attribute(attribute) {
            self.attrs.insert(
                spec.name,
                Attr {
                    node,
                    matcher: None,
                },
            );
        }
    }

    /// A required boolean attribute: recorded whatever the exclusions.
    fn gate(&mut self, attribute: &str, value: bool) {
        self.set(attribute, bool_node(value));
    }

    /// An optional attribute, recorded when wanted and readable (goss leaves
    /// out what fails to read, such as the mode of an absent file).
    fn observe(&mut self, attribute: &str, value: Result<Node, ProbeError>) {
        if let Ok(node) = value
            && self.wants(attribute)
        {
            self.set(attribute, node);
        }
    }

    fn observe_list(&mut self, attribute: &str, value: Result<Vec<String>, ProbeError>) {
        self.observe(attribute, value.map(string_list_node));
    }

    fn into_resource(self, key: String) -> Resource {
        Resource {
            kind: self.kind,
            key,
            title: String::new(),
            meta: None,
            skip: false,
            attrs: self.attrs,
            origin: Origin::default(),
        }
    }
}

/// goss's `readerToSlice`: the trimmed, non-empty lines, each escaped so it
/// reads back as a literal line pattern (a leading `!` or `/` would negate or
/// start a regex); `""` (no output) when there are none.
fn output_lines(output: &[u8]) -> Node {
    let text = String::from_utf8_lossy(output);
    let lines: Vec<String> = text
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line).trim())
        .filter(|line| !line.is_empty())
        .map(|line| {
            if line.starts_with(['!', '/']) {
                format!("\\{line}")
            } else {
                line.to_owned()
            }
        })
        .collect();
    if lines.is_empty() {
        string_node(String::new())
    } else {
        string_list_node(lines)
    }
}

fn millis(duration: Duration) -> Node {
    int_node(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX))
}

fn node(kind: NodeKind) -> Node {
    Node {
        kind,
        mark: Mark::default(),
    }
}

fn bool_node(value: bool) -> Node {
    node(NodeKind::Bool(value))
}

fn int_node(value: i64) -> Node {
    node(NodeKind::Int(value))
}

fn string_node(value: String) -> Node {
    node(NodeKind::String(value))
}

fn string_list_node(values: Vec<String>) -> Node {
    node(NodeKind::List(
        values.into_iter().map(string_node).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(node: &Node) -> Vec<String> {
        match &node.kind {
            NodeKind::List(items) => items
                .iter()
                .map(|i| i.as_str().unwrap_or_default().to_owned())
                .collect(),
            _ => Vec::new(),
        }
    }

    #[test]
    fn output_lines_are_trimmed_escaped_and_never_empty() {
        let node = output_lines(b"  hi  \r\n\n!not\n/etc/x\n\tmid!dle\n");
        assert_eq!(lines(&node), ["hi", "\\!not", "\\/etc/x", "mid!dle"]);
        assert_eq!(output_lines(b"\n  \n").as_str(), Some(""));
        assert_eq!(output_lines(b"").as_str(), Some(""));
    }

    #[test]
    fn exclusions_are_go_patterns() {
        let options = AddOptions {
            exclude_attrs: vec!["linked-*".into(), "[gu]id".into()],
            ..AddOptions::default()
        };
        assert!(!options.records("linked-to"));
        assert!(!options.records("gid"));
        assert!(options.records("mode"));
    }

    #[test]
    fn timeouts_default_per_type() {
        let options = AddOptions::default();
        assert_eq!(
            options.timeout_for(ResourceKind::Addr),
            Duration::from_millis(500)
        );
        assert_eq!(
            options.timeout_for(ResourceKind::Command),
            Duration::from_secs(10)
        );
        let chosen = AddOptions {
            timeout: Some(Duration::from_secs(2)),
            ..AddOptions::default()
        };
        assert_eq!(
            chosen.timeout_for(ResourceKind::Mount),
            Duration::from_secs(2)
        );
    }
}

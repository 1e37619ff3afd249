//! The resource types of a gossfile and the attributes each accepts.
//!
//! One table drives loading (which keys are valid, how each is typed), rendering
//! (goss's struct field order and which fields are written when empty) and the
//! validator (which attributes hold matchers). Orders follow goss's Go structs.

use std::fmt;

/// A gossfile resource type, in the order goss declares (and renders) them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceKind {
    File,
    Package,
    Addr,
    Port,
    Service,
    User,
    Group,
    Command,
    Dns,
    Process,
    Gossfile,
    KernelParam,
    Mount,
    Interface,
    Http,
    Matching,
}

/// How an attribute's YAML value is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrKind {
    /// A matcher compared against a value read from the system.
    Matcher,
    /// A matcher compared against a stream (file contents, command output, HTTP body):
    /// a list means line patterns.
    ReaderMatcher,
    /// `matching.content`: any value.
    Content,
    Str,
    Bool,
    /// Milliseconds or a count.
    Int,
    StrList,
    /// Milliseconds as a number, or a Go duration string such as `"2s"`.
    Duration,
}

/// One attribute of a resource type.
#[derive(Debug, Clone, Copy)]
pub struct AttrSpec {
    pub name: &'static str,
    pub kind: AttrKind,
    /// Missing required attributes fail at validation time, as in goss.
    pub required: bool,
    /// Written by `render` even when unset (Go fields without `omitempty`).
    pub always_rendered: bool,
}

const fn attr(name: &'static str, kind: AttrKind) -> AttrSpec {
    AttrSpec {
        name,
        kind,
        required: false,
        always_rendered: false,
    }
}

/// The attribute every resource must have; goss also renders it when unset.
const fn gate(name: &'static str) -> AttrSpec {
    AttrSpec {
        name,
        kind: AttrKind::Matcher,
        required: true,
        always_rendered: true,
    }
}

const fn rendered(name: &'static str, kind: AttrKind) -> AttrSpec {
    AttrSpec {
        name,
        kind,
        required: false,
        always_rendered: true,
    }
}

use AttrKind::{Bool, Content, Duration, Int, Matcher, ReaderMatcher, Str, StrList};

const FILE: &[AttrSpec] = &[
    attr("path", Str),
    gate("exists"),
    attr("mode", Matcher),
    attr("size", Matcher),
    attr("owner", Matcher),
    attr("uid", Matcher),
    attr("group", Matcher),
    attr("gid", Matcher),
    attr("linked-to", Matcher),
    attr("filetype", Matcher),
    attr("contains", ReaderMatcher),
    attr("contents", ReaderMatcher),
    attr("md5", Matcher),
    attr("sha256", Matcher),
    attr("sha512", Matcher),
];
const PACKAGE: &[AttrSpec] = &[
    attr("name", Str),
    gate("installed"),
    attr("versions", Matcher),
    attr("retry_count", Int),
    attr("retry_delay", Duration),
];
const ADDR: &[AttrSpec] = &[
    attr("address", Str),
    gate("reachable"),
    rendered("timeout", Int),
    attr("local-address", Str),
];
const PORT: &[AttrSpec] = &[attr("port", Str), gate("listening"), attr("ip", Matcher)];
const SERVICE: &[AttrSpec] = &[
    attr("name", Str),
    attr("enabled", Matcher),
    attr("running", Matcher),
    attr("runlevels", Matcher),
];
const USER: &[AttrSpec] = &[
    attr("username", Str),
    gate("exists"),
    attr("uid", Matcher),
    attr("gid", Matcher),
    attr("groups", Matcher),
    attr("home", Matcher),
    attr("shell", Matcher),
];
const GROUP: &[AttrSpec] = &[attr("groupname", Str), gate("exists"), attr("gid", Matcher)];
const COMMAND: &[AttrSpec] = &[
    attr("exec", Str),
    gate("exit-status"),
    attr("stdout", ReaderMatcher),
    attr("stderr", ReaderMatcher),
    rendered("timeout", Int),
    attr("retry_count", Int),
    attr("retry_delay", Duration),
];
const DNS: &[AttrSpec] = &[
    attr("resolve", Str),
    gate("resolvable"),
    attr("addrs", Matcher),
    rendered("timeout", Int),
    attr("server", Str),
    attr("retry_count", Int),
    attr("retry_delay", Duration),
];
const PROCESS: &[AttrSpec] = &[attr("comm", Str), gate("running")];
const GOSSFILE: &[AttrSpec] = &[attr("file", Str)];
const KERNEL_PARAM: &[AttrSpec] = &[attr("name", Str), gate("value")];
const MOUNT: &[AttrSpec] = &[
    attr("mountpoint", Str),
    gate("exists"),
    attr("opts", Matcher),
    attr("vfs-opts", Matcher),
    attr("source", Matcher),
    attr("filesystem", Matcher),
    attr("usage", Matcher),
    rendered("timeout", Int),
];
const INTERFACE: &[AttrSpec] = &[
    attr("name", Str),
    gate("exists"),
    attr("addrs", Matcher),
    attr("mtu", Matcher),
];
const HTTP: &[AttrSpec] = &[
    attr("url", Str),
    attr("method", Str),
    gate("status"),
    rendered("allow-insecure", Bool),
    rendered("no-follow-redirects", Bool),
    attr("timeout", Int),
    attr("request-headers", StrList),
    attr("request-body", Str),
    attr("headers", ReaderMatcher),
    attr("body", ReaderMatcher),
    attr("username", Str),
    attr("password", Str),
    attr("ca-file", Str),
    attr("cert-file", Str),
    attr("key-file", Str),
    attr("proxy", Str),
];
const MATCHING: &[AttrSpec] = &[
    AttrSpec {
        name: "content",
        kind: Content,
        required: false,
        always_rendered: true,
    },
    AttrSpec {
        name: "matches",
        kind: Matcher,
        required: true,
        always_rendered: true,
    },
    attr("as-reader", Bool),
];

/// Attributes every resource type accepts besides its own.
pub const COMMON_ATTRIBUTES: [&str; 3] = ["title", "meta", "skip"];

impl ResourceKind {
    pub const ALL: [ResourceKind; 16] = [
        ResourceKind::File,
        ResourceKind::Package,
        ResourceKind::Addr,
        ResourceKind::Port,
        ResourceKind::Service,
        ResourceKind::User,
        ResourceKind::Group,
        ResourceKind::Command,
        ResourceKind::Dns,
        ResourceKind::Process,
        ResourceKind::Gossfile,
        ResourceKind::KernelParam,
        ResourceKind::Mount,
        ResourceKind::Interface,
        ResourceKind::Http,
        ResourceKind::Matching,
    ];

    /// The top-level gossfile key.
    pub fn key(self) -> &'static str {
        match self {
            ResourceKind::File => "file",
            ResourceKind::Package => "package",
            ResourceKind::Addr => "addr",
            ResourceKind::Port => "port",
            ResourceKind::Service => "service",
            ResourceKind::User => "user",
            ResourceKind::Group => "group",
            ResourceKind::Command => "command",
            ResourceKind::Dns => "dns",
            ResourceKind::Process => "process",
            ResourceKind::Gossfile => "gossfile",
            ResourceKind::KernelParam => "kernel-param",
            ResourceKind::Mount => "mount",
            ResourceKind::Interface => "interface",
            ResourceKind::Http => "http",
            ResourceKind::Matching => "matching",
        }
    }

    /// The type name goss prints in results (`File: /etc/passwd: exists: ...`).
    pub fn type_name(self) -> &'static str {
        match self {
            ResourceKind::File => "File",
            ResourceKind::Package => "Package",
            ResourceKind::Addr => "Addr",
            ResourceKind::Port => "Port",
            ResourceKind::Service => "Service",
            ResourceKind::User => "User",
            ResourceKind::Group => "Group",
            ResourceKind::Command => "Command",
            ResourceKind::Dns => "DNS",
            ResourceKind::Process => "Process",
            ResourceKind::Gossfile => "Gossfile",
            ResourceKind::KernelParam => "KernelParam",
            ResourceKind::Mount => "Mount",
            ResourceKind::Interface => "Interface",
            ResourceKind::Http => "HTTP",
            ResourceKind::Matching => "Matching",
        }
    }

    pub fn from_key(key: &str) -> Option<ResourceKind> {
        ResourceKind::ALL.into_iter().find(|k| k.key() == key)
    }

    pub fn attributes(self) -> &'static [AttrSpec] {
        match self {
            ResourceKind::File => FILE,
            ResourceKind::Package => PACKAGE,
            ResourceKind::Addr => ADDR,
            ResourceKind::Port => PORT,
            ResourceKind::Service => SERVICE,
            ResourceKind::User => USER,
            ResourceKind::Group => GROUP,
            ResourceKind::Command => COMMAND,
            ResourceKind::Dns => DNS,
            ResourceKind::Process => PROCESS,
            ResourceKind::Gossfile => GOSSFILE,
            ResourceKind::KernelParam => KERNEL_PARAM,
            ResourceKind::Mount => MOUNT,
            ResourceKind::Interface => INTERFACE,
            ResourceKind::Http => HTTP,
            ResourceKind::Matching => MATCHING,
        }
    }

    pub fn attribute(self, name: &str) -> Option<&'static AttrSpec> {
        self.attributes().iter().find(|a| a.name == name)
    }

    /// The attribute that names the real system object when it differs from the key
    /// (`path` for files, `exec` for commands, ...).
    pub fn name_attribute(self) -> Option<&'static str> {
        self.attributes()
            .first()
            .filter(|a| a.kind == AttrKind::Str)
            .map(|a| a.name)
    }

    /// Every key accepted in a resource body, for "valid attributes are ..." messages.
    pub fn valid_attribute_names(self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self.attributes().iter().map(|a| a.name).collect();
        names.extend(COMMON_ATTRIBUTES);
        if self == ResourceKind::Dns {
            names.push("resolveable");
        }
        names.sort_unstable();
        names
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for kind in ResourceKind::ALL {
            assert_eq!(ResourceKind::from_key(kind.key()), Some(kind));
        }
        assert_eq!(ResourceKind::from_key("files"), None);
    }

    #[test]
    fn every_kind_but_gossfile_and_service_has_one_gate() {
        for kind in ResourceKind::ALL {
            let gates = kind.attributes().iter().filter(|a| a.required).count();
            let expected = usize::from(!matches!(
                kind,
                ResourceKind::Gossfile | ResourceKind::Service
            ));
            assert_eq!(gates, expected, "{kind}");
        }
    }

    #[test]
    fn name_attributes_default_to_the_key() {
        assert_eq!(ResourceKind::File.name_attribute(), Some("path"));
        assert_eq!(ResourceKind::Command.name_attribute(), Some("exec"));
        assert_eq!(ResourceKind::Matching.name_attribute(), None);
    }
}

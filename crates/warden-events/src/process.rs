//! The process, user and container context of an event.

use serde::{Deserialize, Serialize};

/// The thread that caused an event, and its process, as they were at that moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Process {
    /// Thread-group id (what userspace calls the pid).
    pub pid: u32,
    pub tid: u32,
    pub ppid: u32,
    /// The pid inside the process's own pid namespace.
    pub vpid: u32,
    pub uid: u32,
    pub gid: u32,
    pub euid: u32,
    pub egid: u32,
    /// The audit login uid; `None` when unset (the kernel's 4294967295).
    pub loginuid: Option<u32>,
    /// Names resolved at enrichment from the machine's (or container's) account files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loginname: Option<String>,
    /// The kernel's 15-character task name.
    pub comm: String,
    /// `argv[0]` as the program was started (may be relative or made up).
    pub exe: String,
    /// The resolved path of the executable file.
    pub exepath: String,
    /// `argv[1..]`.
    pub args: Vec<String>,
    pub cwd: String,
    /// The controlling terminal's device number; 0 for none.
    pub tty: u32,
    pub cap_effective: u64,
    pub cap_permitted: u64,
    pub cap_inheritable: u64,
    /// The cgroup v2 id (`bpf_get_current_cgroup_id`).
    pub cgroup_id: u64,
    /// The cgroup path the container identity came from.
    pub cgroup: String,
    pub mntns: u64,
    pub pidns: u64,
    /// When the process started, in nanoseconds since the Unix epoch.
    pub start_time: u64,
    /// Unique for every exec since boot: tells apart processes that reuse a pid.
    pub exec_id: u64,
    pub exe_flags: ExeFlags,
    pub exe_dev: u64,
    pub exe_ino: u64,
    /// The executable's inode change and modification times, ns since the epoch.
    pub exe_ctime: u64,
    pub exe_mtime: u64,
    /// Session id and the session leader's name.
    pub sid: u32,
    pub sname: String,
    /// The process group id in the process's own pid namespace (Falco's `proc.vpgid`);
    /// `None` when the sensor did not read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpgid: Option<u32>,
    /// The environment (`NAME=value`) the program was started with, when the sensor read
    /// it (Falco's `proc.env`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<String>,
    /// Parent first, then its parent, ... (at least eight levels when known).
    pub ancestors: Vec<Ancestor>,
}

impl Process {
    /// `comm` followed by the arguments, as Falco's `proc.cmdline` prints it.
    pub fn cmdline(&self) -> String {
        cmdline(&self.comm, &self.args)
    }
}

/// `name arg1 arg2 ...`.
pub(crate) fn cmdline(name: &str, args: &[String]) -> String {
    let mut line =
        String::with_capacity(name.len() + args.iter().map(|a| a.len() + 1).sum::<usize>());
    line.push_str(name);
    for arg in args {
        line.push(' ');
        line.push_str(arg);
    }
    line
}

/// One ancestor of a process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ancestor {
    pub pid: u32,
    pub comm: String,
    pub exe: String,
    pub exepath: String,
    pub args: Vec<String>,
    pub uid: u32,
    pub exec_id: u64,
}

impl Ancestor {
    pub fn cmdline(&self) -> String {
        cmdline(&self.comm, &self.args)
    }
}

/// Where the executable came from, as far as it is suspicious.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExeFlags {
    /// Executed from a memfd (fileless).
    #[serde(default, skip_serializing_if = "is_false")]
    pub memfd: bool,
    /// The file was unlinked after it was opened for execution.
    #[serde(default, skip_serializing_if = "is_false")]
    pub deleted: bool,
    /// The file lives in an overlayfs upper layer: written after the container started.
    #[serde(default, skip_serializing_if = "is_false")]
    pub upper_layer: bool,
    /// The executing user could write the file.
    #[serde(default, skip_serializing_if = "is_false")]
    pub writable: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The container an event came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Container {
    /// The first 12 hex digits of the full id (Falco's `container.id`).
    pub id: String,
    pub full_id: String,
    /// `docker`, `containerd`, `cri-o`, `podman`, `systemd-nspawn`, ...
    pub runtime: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileged: Option<bool>,
    /// When the container's init process started, ns since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod: Option<Pod>,
    /// The container's mounts, when the runtime reported them (Falco's `container.mounts`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mounts: Vec<Mount>,
}

/// One mount of a container, as the container runtime reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mount {
    /// The host path (or volume name) mounted.
    pub source: String,
    /// Where it is mounted inside the container.
    pub dest: String,
    /// The runtime's mode string (`z`, `ro`, ...), often empty.
    #[serde(default)]
    pub mode: String,
    /// Whether the mount is writable.
    pub rw: bool,
    /// `private`, `rprivate`, `shared`, ...
    #[serde(default)]
    pub propagation: String,
}

impl Container {
    /// The image without its tag or digest (`docker.io/library/nginx`).
    pub fn image_repository(&self) -> Option<&str> {
        let image = self.image.as_deref()?;
        let without_digest = image.split('@').next().unwrap_or(image);
        // A ':' after the last '/' starts a tag; one before it is a registry port.
        let last_slash = without_digest.rfind('/').map_or(0, |i| i + 1);
        Some(match without_digest[last_slash..].find(':') {
            Some(colon) => &without_digest[..last_slash + colon],
            None => without_digest,
        })
    }
}

/// The Kubernetes pod a container belongs to (from the CRI cgroup layout).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pod {
    pub uid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_repository_drops_tags_and_digests_but_not_ports() {
        let with = |image: &str| Container {
            id: "0123456789ab".into(),
            full_id: "0123456789ab".repeat(5),
            runtime: "docker".into(),
            name: None,
            image: Some(image.into()),
            privileged: None,
            start_time: None,
            pod: None,
            mounts: Vec::new(),
        };
        assert_eq!(with("nginx:1.25").image_repository(), Some("nginx"));
        assert_eq!(
            with("registry:5000/team/app:v2").image_repository(),
            Some("registry:5000/team/app")
        );
        assert_eq!(
            with("registry:5000/team/app").image_repository(),
            Some("registry:5000/team/app")
        );
        assert_eq!(
            with("docker.io/library/nginx@sha256:abc").image_repository(),
            Some("docker.io/library/nginx")
        );
    }

    #[test]
    fn cmdline_joins_comm_and_args() {
        assert_eq!(cmdline("sh", &["-c".into(), "ls /".into()]), "sh -c ls /");
        assert_eq!(cmdline("true", &[]), "true");
    }
}

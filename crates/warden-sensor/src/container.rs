//! Container identity from a cgroup path. Pure functions: the path comes from the exec
//! event (the kernel's cgroup v2 path, or the v1 memory hierarchy's on hybrid and v1
//! machines) or from `/proc/PID/cgroup` for processes found at start-up.

use warden_events::{Container, Pod};

/// The container a cgroup path belongs to; `None` for the host (and for paths of
/// runtimes' own helpers, such as podman's conmon).
pub fn container_from_cgroup(path: &str) -> Option<Container> {
    let components: Vec<&str> = path.split('/').filter(|c| !c.is_empty()).collect();
    // The innermost component naming a container wins: runtimes nest helper groups
    // (`.../libpod-<id>/container`, `.../<id>/init.scope`) inside it.
    let pod = pod_uid(&components);
    for (index, component) in components.iter().enumerate().rev() {
        if let Some((runtime, id)) =
            runtime_and_id(component, components.get(index.wrapping_sub(1)).copied())
        {
            let runtime = match (runtime, &pod) {
                // Kubernetes' cgroupfs layout names no runtime; the pod says it is CRI.
                ("unknown", Some(_)) => "cri",
                (runtime, _) => runtime,
            };
            if runtime == "unknown" {
                continue;
            }
            return Some(Container {
                id: short_id(&id),
                full_id: id,
                runtime: runtime.to_owned(),
                name: None,
                image: None,
                privileged: None,
                start_time: None,
                pod: pod.clone().map(|uid| Pod {
                    uid,
                    name: None,
                    namespace: None,
                }),
                mounts: Vec::new(),
            });
        }
    }
    None
}

/// The container named in the contents of `/proc/PID/cgroup`: the unified (`0::`) line
/// first, then the v1 hierarchies (on hybrid machines the v2 path can be the root while
/// the v1 controllers carry the container's path).
pub fn container_from_proc_cgroup(contents: &str) -> (Option<Container>, String) {
    let mut unified = None;
    let mut v1 = Vec::new();
    for line in contents.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(id), Some(controllers), Some(path)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if id == "0" && controllers.is_empty() {
            unified = Some(path);
        } else {
            v1.push(path);
        }
    }
    for path in unified.iter().chain(v1.iter()) {
        if let Some(container) = container_from_cgroup(path) {
            return (Some(container), (*path).to_owned());
        }
    }
    let path = unified.or_else(|| v1.first().copied()).unwrap_or("/");
    (None, path.to_owned())
}

fn is_hex_id(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

fn short_id(id: &str) -> String {
    id.chars().take(12).collect()
}

/// A component that names a container: (runtime, full id). `parent` disambiguates
/// bare 64-hex ids (`/docker/<id>`, `/kubepods/.../pod<uid>/<id>`).
fn runtime_and_id(component: &str, parent: Option<&str>) -> Option<(&'static str, String)> {
    let scoped = component.strip_suffix(".scope").unwrap_or(component);
    for (prefix, runtime) in [
        ("docker-", "docker"),
        ("cri-containerd-", "containerd"),
        ("crio-", "cri-o"),
        ("libpod-", "podman"),
        ("containerd-", "containerd"),
    ] {
        if let Some(id) = scoped.strip_prefix(prefix) {
            // podman's conmon monitor runs beside the container, not in it.
            if id.starts_with("conmon-") {
                return None;
            }
            if is_hex_id(id) {
                return Some((runtime, id.to_owned()));
            }
        }
    }
    if let Some(name) = component
        .strip_prefix("systemd-nspawn@")
        .and_then(|n| n.strip_suffix(".service"))
    {
        return Some(("systemd-nspawn", unescape_systemd(name)));
    }
    if let Some(name) = component.strip_prefix("lxc.payload.") {
        return Some(("lxc", name.to_owned()));
    }
    if is_hex_id(component) {
        let runtime = match parent {
            Some("docker") => "docker",
            Some(p) if p.starts_with("pod") => "unknown",
            Some("libpod_parent") => "podman",
            _ => "unknown",
        };
        return Some((runtime, component.to_owned()));
    }
    None
}

/// The pod uid from `pod<uid>` (cgroupfs) or `kubepods-<qos>-pod<uid_with_underscores>.slice`.
fn pod_uid(components: &[&str]) -> Option<String> {
    if !components.iter().any(|c| c.starts_with("kubepods")) {
        return None;
    }
    components.iter().rev().find_map(|component| {
        let name = component.strip_suffix(".slice").unwrap_or(component);
        let uid = name
            .rsplit_once("-pod")
            .map(|(_, uid)| uid)
            .or_else(|| name.strip_prefix("pod"))?;
        let uid = uid.replace('_', "-");
        (uid.len() == 36 && uid.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')).then_some(uid)
    })
}

/// systemd escapes `-` in unit names as `\x2d`.
fn unescape_systemd(name: &str) -> String {
    name.replace("\\x2d", "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "eecf0621167b1d1b701f907a782df167ad2329b3b260176d8b49b4c8a8dbc523";
    const POD: &str = "6f0b5c8e-1a2b-4c3d-8e9f-0123456789ab";

    /// (cgroup path, runtime, pod uid); the container id is always `ID`.
    const CONTAINERS: &[(&str, &str, Option<&str>)] = &[
        // docker, cgroupfs driver (v1 and v2)
        (
            "/docker/eecf0621167b1d1b701f907a782df167ad2329b3b260176d8b49b4c8a8dbc523",
            "docker",
            None,
        ),
        // docker, systemd driver
        (
            "/system.slice/docker-eecf0621167b1d1b701f907a782df167ad2329b3b260176d8b49b4c8a8dbc523.scope",
            "docker",
            None,
        ),
        // podman (libpod), cgroupfs manager: this machine's layout (kernel-facts §5)
        (
            "/libpod_parent/libpod-eecf0621167b1d1b701f907a782df167ad2329b3b260176d8b49b4c8a8dbc523",
            "podman",
            None,
        ),
        // podman with a private cgroup namespace nests the payload
        (
            "/libpod_parent/libpod-eecf0621167b1d1b701f907a782df167ad2329b3b260176d8b49b4c8a8dbc523/container",
            "podman",
            None,
        ),
        // podman, systemd manager, root and rootless
        (
            "/machine.slice/libpod-eecf0621167b1d1b701f907a782df167ad2329b3b260176d8b49b4c8a8dbc523.scope",
            "podman",
            None,
        ),
        (
            "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-eecf0621167b1d1b701f907a782df167ad2329b3b260176d8b49b4c8a8dbc523.scope",
            "podman",
            None,
        ),
        // Kubernetes, containerd, systemd driver
        (
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod6f0b5c8e_1a2b_4c3d_8e9f_0123456789ab.slice/cri-containerd-eecf0621167b1d1b701f907a782df167ad2329b3b260176d8b49b4c8a8dbc523.scope",
            "containerd",
            Some(POD),
        ),
        // Kubernetes, cri-o, systemd driver, guaranteed QoS (no QoS slice)
        (
            "/kubepods.slice/kubepods-pod6f0b5c8e_1a2b_4c3d_8e9f_0123456789ab.slice/crio-eecf0621167b1d1b701f907a782df167ad2329b3b260176d8b49b4c8a8dbc523.scope",
            "cri-o",
            Some(POD),
        ),
        // Kubernetes, cgroupfs driver: the runtime is not in the path
        (
            "/kubepods/besteffort/pod6f0b5c8e-1a2b-4c3d-8e9f-0123456789ab/eecf0621167b1d1b701f907a782df167ad2329b3b260176d8b49b4c8a8dbc523",
            "cri",
            Some(POD),
        ),
        (
            "/kubepods/pod6f0b5c8e-1a2b-4c3d-8e9f-0123456789ab/crio-eecf0621167b1d1b701f907a782df167ad2329b3b260176d8b49b4c8a8dbc523",
            "cri-o",
            Some(POD),
        ),
        // Kubernetes with docker (dockershim / cri-dockerd), systemd driver
        (
            "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod6f0b5c8e_1a2b_4c3d_8e9f_0123456789ab.slice/docker-eecf0621167b1d1b701f907a782df167ad2329b3b260176d8b49b4c8a8dbc523.scope",
            "docker",
            Some(POD),
        ),
        // containerd outside Kubernetes, systemd driver
        (
            "/system.slice/containerd-eecf0621167b1d1b701f907a782df167ad2329b3b260176d8b49b4c8a8dbc523.scope",
            "containerd",
            None,
        ),
    ];

    #[test]
    fn runtimes_and_ids_come_from_every_known_layout() {
        for &(path, runtime, pod) in CONTAINERS {
            let container =
                container_from_cgroup(path).unwrap_or_else(|| panic!("no container in {path}"));
            assert_eq!(container.runtime, runtime, "{path}");
            assert_eq!(container.full_id, ID, "{path}");
            assert_eq!(container.id, "eecf0621167b", "{path}");
            assert_eq!(container.pod.map(|p| p.uid).as_deref(), pod, "{path}");
        }
    }

    #[test]
    fn host_paths_are_not_containers() {
        for path in [
            "/",
            "",
            "/user.slice/user-1000.slice/session-3.scope",
            "/system.slice/sshd.service",
            "/process_api/e23c0d8b1f",
            "/init.scope",
            "/kubepods.slice/kubepods-burstable.slice",
            // podman's monitor process, beside the container
            "/machine.slice/libpod-conmon-eecf0621167b1d1b701f907a782df167ad2329b3b260176d8b49b4c8a8dbc523.scope",
            // a 64-hex component under an unknown parent is not enough
            "/somewhere/eecf0621167b1d1b701f907a782df167ad2329b3b260176d8b49b4c8a8dbc523",
        ] {
            assert_eq!(container_from_cgroup(path), None, "{path}");
        }
    }

    #[test]
    fn nspawn_and_lxc_are_named_containers() {
        let nspawn =
            container_from_cgroup("/machine.slice/systemd-nspawn@web\\x2d1.service/payload")
                .unwrap();
        assert_eq!(
            (nspawn.runtime.as_str(), nspawn.full_id.as_str()),
            ("systemd-nspawn", "web-1")
        );
        let lxc = container_from_cgroup("/lxc.payload.db").unwrap();
        assert_eq!((lxc.runtime.as_str(), lxc.full_id.as_str()), ("lxc", "db"));
    }

    #[test]
    fn proc_cgroup_files_of_every_layout() {
        // Hybrid (this machine): v2 at the root, the container in the v1 controllers.
        let hybrid = format!(
            "9:name=systemd:/libpod_parent/libpod-{ID}\n8:pids:/libpod_parent/libpod-{ID}\n\
             4:memory:/libpod_parent/libpod-{ID}\n0::/\n"
        );
        let (container, path) = container_from_proc_cgroup(&hybrid);
        assert_eq!(container.unwrap().runtime, "podman");
        assert_eq!(path, format!("/libpod_parent/libpod-{ID}"));
        // cgroup v2 only.
        let v2 = format!("0::/system.slice/docker-{ID}.scope\n");
        assert_eq!(container_from_proc_cgroup(&v2).0.unwrap().runtime, "docker");
        // A host process on a hybrid machine.
        let host = "5:memory:/process_api/e23c\n1:name=systemd:/\n0::/\n";
        assert_eq!(container_from_proc_cgroup(host), (None, "/".to_owned()));
        // Garbage is the host, not a panic.
        assert_eq!(
            container_from_proc_cgroup("::::\nnot a cgroup file").0,
            None
        );
    }
}

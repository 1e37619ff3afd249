//! The sensor against the real kernel (root; CI runs these as root on the project's
//! kernel, so none of them is skipped). Each test starts its own sensor with the
//! committed BPF object, runs real programs in child processes (the sensor drops its
//! own process's events, and the test harness is that process) and asserts the exact
//! events they cause.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use warden_events::{Detail, Event, FdKind, PtraceRequest, SocketFamily, Syscall};
use warden_sensor::{EventSet, Output, PathFilter, Sensor, SensorChoice, SensorConfig, SensorKind};

const PYTHON: &str = "/usr/bin/python3";

fn start(config: SensorConfig) -> Sensor {
    Sensor::start(config)
        .unwrap_or_else(|err| panic!("the sensor must load here (root, BTF): {err}"))
}

fn ebpf_sensor() -> Sensor {
    let sensor = start(SensorConfig {
        choice: SensorChoice::Ebpf,
        ..SensorConfig::default()
    });
    assert!(matches!(sensor.kind(), SensorKind::Ebpf { .. }));
    sensor
}

/// Events until `done` holds for one of them (or 15 s pass, which fails the test).
fn events_until(sensor: &Sensor, mut done: impl FnMut(&Event) -> bool) -> Vec<Event> {
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut events = Vec::new();
    while Instant::now() < deadline {
        if let Some(Output::Event(event)) = sensor.recv_timeout(Duration::from_millis(100)) {
            let finished = done(&event);
            events.push(*event);
            if finished {
                return events;
            }
        }
    }
    panic!(
        "the expected event did not arrive; saw {} events",
        events.len()
    );
}

fn of_pid(events: &[Event], pid: u32) -> Vec<&Event> {
    events.iter().filter(|e| e.process.pid == pid).collect()
}

fn is_exit_of(event: &Event, pid: u32) -> bool {
    event.syscall == Syscall::Exit && event.process.pid == pid
}

/// Runs `script` in a Python child with `cwd`; returns its pid and waits for it.
fn python(script: &str, cwd: &Path) -> u32 {
    let mut child = Command::new(PYTHON)
        .arg("-c")
        .arg(script)
        .current_dir(cwd)
        .spawn()
        .expect("python3");
    let pid = child.id();
    let status = child.wait().expect("wait");
    assert!(status.success(), "python child failed: {status}");
    pid
}

fn canonical(path: &str) -> String {
    std::fs::canonicalize(path)
        .expect("canonicalize")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn exec_of_a_copied_binary_with_arguments() {
    let sensor = ebpf_sensor();
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("warden-true");
    std::fs::copy("/bin/true", &binary).unwrap();
    let meta = std::fs::metadata(&binary).unwrap();
    let mut child = Command::new("./warden-true")
        .args(["first arg", "-x"])
        .current_dir(dir.path())
        .spawn()
        .unwrap();
    let pid = child.id();
    child.wait().unwrap();

    let events = events_until(&sensor, |e| is_exit_of(e, pid));
    let own = of_pid(&events, pid);
    let exec = own
        .iter()
        .find(|e| e.syscall == Syscall::Execve)
        .expect("exec event");
    assert_eq!(
        exec.detail,
        Detail::Exec {
            filename: "./warden-true".into(),
            flags: 0
        }
    );
    assert_eq!(exec.res, 0);
    let p = &exec.process;
    assert_eq!(p.comm, "warden-true");
    assert_eq!(p.exe, "./warden-true");
    assert_eq!(p.exepath, binary.to_string_lossy());
    assert_eq!(p.args, ["first arg", "-x"]);
    assert_eq!(p.cwd, dir.path().to_string_lossy());
    assert_eq!((p.exe_dev, p.exe_ino), (meta.dev(), meta.ino()));
    assert_eq!(
        p.exe_mtime,
        meta.mtime() as u64 * 1_000_000_000 + meta.mtime_nsec() as u64
    );
    assert_eq!((p.uid, p.euid, p.gid), (0, 0, 0));
    assert_eq!(p.ppid, std::process::id());
    assert_eq!(p.user.as_deref(), Some("root"));
    assert!(
        p.exe_flags == Default::default() || p.exe_flags.writable,
        "{:?}",
        p.exe_flags
    );
    assert_eq!(p.ancestors[0].pid, std::process::id());
    assert_ne!(p.exec_id, 0);
    assert_ne!(p.mntns, 0);
    // The exit carries the same exec id and the code.
    let exit = own.iter().find(|e| e.syscall == Syscall::Exit).unwrap();
    assert_eq!(exit.process.exec_id, p.exec_id);
    assert_eq!(
        exit.detail,
        Detail::Exit {
            status: warden_events::ExitStatus {
                code: 0,
                signal: 0,
                core_dumped: false
            }
        }
    );
    // Every event's sequence number increases.
    assert!(events.windows(2).all(|w| w[0].seq < w[1].seq));
}

#[test]
fn a_script_runs_under_its_interpreter() {
    let sensor = ebpf_sensor();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("job.sh");
    std::fs::write(&script, "#!/bin/sh\nexit 3\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut child = Command::new(&script).arg("arg1").spawn().unwrap();
    let pid = child.id();
    assert_eq!(child.wait().unwrap().code(), Some(3));

    let events = events_until(&sensor, |e| is_exit_of(e, pid));
    let exec = events
        .iter()
        .find(|e| e.process.pid == pid && e.syscall == Syscall::Execve)
        .unwrap();
    let script_path = script.to_string_lossy().into_owned();
    assert_eq!(
        exec.detail,
        Detail::Exec {
            filename: script_path.clone(),
            flags: 0
        }
    );
    assert_eq!(exec.process.exepath, canonical("/bin/sh"));
    assert_eq!(exec.process.exe, "/bin/sh");
    assert_eq!(exec.process.args, [script_path.as_str(), "arg1"]);
    assert_eq!(exec.process.comm, "job.sh");
    let exit = events.iter().find(|e| is_exit_of(e, pid)).unwrap();
    assert_eq!(
        exit.detail,
        Detail::Exit {
            status: warden_events::ExitStatus {
                code: 3,
                signal: 0,
                core_dumped: false
            }
        }
    );
}

#[test]
fn a_memfd_exec_is_flagged_fileless() {
    let sensor = ebpf_sensor();
    let dir = tempfile::tempdir().unwrap();
    let script = r#"
import os
fd = os.memfd_create("warden-fileless", 0)
os.write(fd, open("/bin/true", "rb").read())
pid = os.fork()
if pid == 0:
    os.execv("/proc/self/fd/%d" % fd, ["fileless", "--flag"])
os.waitpid(pid, 0)
"#;
    let parent = python(script, dir.path());
    let events = events_until(&sensor, |e| {
        e.syscall == Syscall::Exit && e.process.ppid == parent
    });
    let exec = events
        .iter()
        .find(|e| e.syscall == Syscall::Execve && e.process.ppid == parent)
        .expect("the memfd exec");
    assert!(exec.process.exe_flags.memfd, "{:?}", exec.process.exe_flags);
    assert!(!exec.process.exe_flags.deleted);
    assert!(
        exec.process.exepath.contains("memfd:warden-fileless"),
        "{}",
        exec.process.exepath
    );
    assert_eq!(exec.process.exe, "fileless");
    assert_eq!(exec.process.args, ["--flag"]);
    // The parent's memfd_create was seen too.
    let create = events
        .iter()
        .find(|e| e.syscall == Syscall::MemfdCreate && e.process.pid == parent)
        .unwrap();
    assert_eq!(
        create.detail,
        Detail::MemfdCreate {
            name: "warden-fileless".into(),
            flags: 0
        }
    );
}

#[test]
fn opens_relative_to_the_cwd_and_to_a_dirfd_are_absolute() {
    let sensor = ebpf_sensor();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(dir.path().join("sub/data"), "x").unwrap();
    let script = r#"
import os
os.close(os.open("sub/data", os.O_RDONLY))
d = os.open("sub", os.O_RDONLY | os.O_DIRECTORY)
os.close(os.open("data", os.O_RDONLY, dir_fd=d))
os.close(os.open("new-file", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640, dir_fd=d))
try:
    os.open("missing/../sub/nothing", os.O_RDONLY)
except FileNotFoundError:
    pass
"#;
    let pid = python(script, dir.path());
    let base = dir.path().to_string_lossy().into_owned();
    let events = events_until(&sensor, |e| is_exit_of(e, pid));
    let opens: Vec<(&str, &str, i64, u32, i64)> = of_pid(&events, pid)
        .into_iter()
        .filter_map(|e| match &e.detail {
            Detail::Open {
                path,
                raw,
                fd,
                flags,
                dirfd,
                ..
            } if path.starts_with(&base) => {
                Some((path.as_str(), raw.as_str(), *fd, flags.0, *dirfd))
            }
            _ => None,
        })
        .collect();
    let data = format!("{base}/sub/data");
    assert!(
        opens
            .iter()
            .any(|o| o.0 == data && o.1 == "sub/data" && o.2 >= 0 && o.4 == -100),
        "{opens:?}"
    );
    assert!(
        opens
            .iter()
            .any(|o| o.0 == data && o.1 == "data" && o.2 >= 0 && o.4 >= 0),
        "{opens:?}"
    );
    let created = opens
        .iter()
        .find(|o| o.1 == "new-file")
        .expect("the created file");
    assert_eq!(created.0, format!("{base}/sub/new-file"));
    assert_eq!(created.3 & 0o3, 0o1, "O_WRONLY");
    assert_ne!(created.3 & 0o100, 0, "O_CREAT");
    let missing = opens
        .iter()
        .find(|o| o.1 == "missing/../sub/nothing")
        .expect("the failed open");
    assert_eq!(
        (missing.0, missing.2),
        (format!("{base}/sub/nothing").as_str(), -1)
    );
    let failed = of_pid(&events, pid)
        .into_iter()
        .find(|e| matches!(&e.detail, Detail::Open { raw, .. } if raw == "missing/../sub/nothing"))
        .unwrap();
    assert_eq!(failed.res, -2, "ENOENT");
}

#[test]
fn renames_unlinks_and_other_file_changes() {
    let sensor = ebpf_sensor();
    let dir = tempfile::tempdir().unwrap();
    let script = r#"
import os
open("a", "w").close()
os.rename("a", "b")
os.chmod("b", 0o4755)
os.link("b", "hard")
os.symlink("/etc/shadow", "soft")
os.mkdir("d", 0o700)
os.unlink("b")
os.rmdir("d")
"#;
    let pid = python(script, dir.path());
    let base = dir.path().to_string_lossy().into_owned();
    let events = events_until(&sensor, |e| is_exit_of(e, pid));
    let details: Vec<&Detail> = of_pid(&events, pid)
        .into_iter()
        .map(|e| &e.detail)
        .collect();
    let at = |name: &str| format!("{base}/{name}");
    assert!(
        details.contains(&&Detail::Rename {
            old_path: at("a"),
            new_path: at("b"),
            flags: 0
        }),
        "{details:#?}"
    );
    assert!(details.contains(&&Detail::Chmod {
        path: at("b"),
        mode: 0o4755
    }));
    assert!(details.contains(&&Detail::Link {
        old_path: at("b"),
        new_path: at("hard")
    }));
    assert!(details.contains(&&Detail::Symlink {
        target: "/etc/shadow".into(),
        link_path: at("soft")
    }));
    assert!(details.contains(&&Detail::Mkdir {
        path: at("d"),
        mode: 0o700
    }));
    assert!(
        details.iter().any(
            |d| matches!(d, Detail::Unlink { path, raw, .. } if *path == at("b") && raw == "b")
        )
    );
    assert!(
        details
            .iter()
            .any(|d| matches!(d, Detail::Unlink { path, flags: 0x200, .. } if *path == at("d")))
    );
}

#[test]
fn tcp_and_udp_connects_to_loopback_listeners() {
    let sensor = ebpf_sensor();
    let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let tcp6 = std::net::TcpListener::bind("[::1]:0").unwrap();
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let (tcp_port, tcp6_port, udp_port) = (
        tcp.local_addr().unwrap().port(),
        tcp6.local_addr().unwrap().port(),
        udp.local_addr().unwrap().port(),
    );
    let script = format!(
        r#"
import socket
s = socket.create_connection(("127.0.0.1", {tcp_port}))
s6 = socket.create_connection(("::1", {tcp6_port}))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.connect(("127.0.0.1", {udp_port}))
u.send(b"x")
w = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
w.sendto(b"y", ("127.0.0.1", {udp_port}))
"#
    );
    let dir = tempfile::tempdir().unwrap();
    let pid = python(&script, dir.path());
    let events = events_until(&sensor, |e| is_exit_of(e, pid));
    let own = of_pid(&events, pid);
    let connect_to = |port: u16| {
        own.iter()
            .find(|e| matches!(&e.detail, Detail::Connect { address, .. } if address.port == port))
            .unwrap_or_else(|| panic!("no connect to {port}"))
    };
    let tcp_event = connect_to(tcp_port);
    assert_eq!(tcp_event.res, 0);
    let Detail::Connect { address, info, .. } = &tcp_event.detail else {
        unreachable!()
    };
    assert_eq!(
        (address.family, address.ip.as_str()),
        (SocketFamily::Inet, "127.0.0.1")
    );
    assert_eq!(
        (info.kind, info.l4proto.as_deref(), info.connected),
        (FdKind::Ipv4, Some("tcp"), true)
    );
    let local_port = info.local.as_ref().unwrap().port;
    assert_eq!(
        info.name,
        format!("127.0.0.1:{local_port}->127.0.0.1:{tcp_port}")
    );

    let Detail::Connect { address, info, .. } = &connect_to(tcp6_port).detail else {
        unreachable!()
    };
    assert_eq!(
        (address.family, address.ip.as_str(), info.kind),
        (SocketFamily::Inet6, "::1", FdKind::Ipv6)
    );

    let udp_event = connect_to(udp_port);
    let Detail::Connect { info, .. } = &udp_event.detail else {
        unreachable!()
    };
    assert_eq!(
        (udp_event.res, info.l4proto.as_deref(), info.connected),
        (0, Some("udp"), true)
    );
    // The unconnected datagram is a send with its destination.
    let send = own
        .iter()
        .find(|e| e.syscall == Syscall::Sendto)
        .expect("the unconnected sendto");
    let Detail::Send {
        address: Some(address),
        info,
        ..
    } = &send.detail
    else {
        panic!("{:?}", send.detail)
    };
    assert_eq!((address.port, info.connected), (udp_port, false));
}

#[test]
fn a_socket_duplicated_onto_stdin() {
    let sensor = ebpf_sensor();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let script = format!(
        "import socket, os\ns = socket.create_connection(('127.0.0.1', {port}))\nos.dup2(s.fileno(), 0)\nos.dup2(1, 5)\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let pid = python(&script, dir.path());
    let events = events_until(&sensor, |e| is_exit_of(e, pid));
    let dups: Vec<&Event> = of_pid(&events, pid)
        .into_iter()
        .filter(|e| matches!(e.syscall, Syscall::Dup2 | Syscall::Dup3))
        .collect();
    // Only the socket's dup is reported: duplicating a pipe or file is not.
    assert_eq!(dups.len(), 1, "{dups:#?}");
    let Detail::Dup { new_fd, info, .. } = &dups[0].detail else {
        unreachable!()
    };
    assert_eq!((*new_fd, dups[0].res), (0, 0));
    assert_eq!(
        (info.kind, info.l4proto.as_deref()),
        (FdKind::Ipv4, Some("tcp"))
    );
    assert_eq!(info.remote.as_ref().unwrap().port, port);
}

#[test]
fn ptrace_attach_and_setuid() {
    let sensor = ebpf_sensor();
    let mut sleeper = Command::new("/bin/sleep").arg("30").spawn().unwrap();
    let target = sleeper.id();
    let script = format!(
        r#"
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
assert libc.ptrace(16, {target}, None, None) == 0
os.waitpid({target}, 0)
libc.ptrace(17, {target}, None, None)
os.setgid(65534)
os.setuid(65534)
"#
    );
    let dir = tempfile::tempdir().unwrap();
    let pid = python(&script, dir.path());
    let _ = sleeper.kill();
    let _ = sleeper.wait();
    let events = events_until(&sensor, |e| is_exit_of(e, pid));
    let own = of_pid(&events, pid);
    let attach = own
        .iter()
        .find(|e| e.syscall == Syscall::Ptrace)
        .expect("ptrace event");
    assert_eq!(
        attach.detail,
        Detail::Ptrace {
            request: PtraceRequest::Attach,
            pid: i64::from(target)
        }
    );
    assert_eq!(attach.res, 0);
    // PTRACE_DETACH is not a request rules look for; it is filtered in the kernel.
    assert_eq!(
        own.iter().filter(|e| e.syscall == Syscall::Ptrace).count(),
        1
    );
    let setuid = own
        .iter()
        .find(|e| e.syscall == Syscall::Setuid)
        .expect("setuid event");
    assert_eq!(
        setuid.detail,
        Detail::SetIds {
            real: 65534,
            effective: 65534,
            saved: 65534
        }
    );
    assert_eq!(
        (setuid.res, setuid.process.uid, setuid.process.euid),
        (0, 65534, 65534)
    );
    assert_eq!(setuid.process.user.as_deref(), Some("nobody"));
    let exit = own.iter().find(|e| e.syscall == Syscall::Exit).unwrap();
    assert_eq!(exit.process.uid, 65534);
}

#[test]
fn the_process_tree_after_a_fork_exec_chain() {
    let sensor = ebpf_sensor();
    let dir = tempfile::tempdir().unwrap();
    let leaf = dir.path().join("leaf-true");
    std::fs::copy("/bin/true", &leaf).unwrap();
    let inner = format!(
        "/bin/sh -c '/bin/sh -c \"{} leaf-arg; exit 0\"; exit 0'",
        leaf.display()
    );
    let mut child = Command::new("/bin/sh")
        .arg("-c")
        .arg(format!("{inner}; exit 0"))
        .spawn()
        .unwrap();
    let top = child.id();
    child.wait().unwrap();
    let events = events_until(&sensor, |e| is_exit_of(e, top));
    let exec = events
        .iter()
        .find(|e| e.syscall == Syscall::Execve && e.process.exepath == leaf.to_string_lossy())
        .expect("the leaf exec");
    let chain: Vec<(&str, u32)> = exec
        .process
        .ancestors
        .iter()
        .map(|a| (a.comm.as_str(), a.pid))
        .collect();
    assert!(chain.len() >= 4, "{chain:?}");
    assert_eq!(
        &chain[..3].iter().map(|c| c.0).collect::<Vec<_>>(),
        &["sh", "sh", "sh"],
        "{chain:?}"
    );
    assert_eq!(chain[2].1, top);
    assert_eq!(chain[3].1, std::process::id());
    assert_eq!(
        exec.process.ancestors[0].args,
        ["-c", &format!("{} leaf-arg; exit 0", leaf.display())]
    );
    // Each link was created by a fork event from its parent.
    for window in exec.process.ancestors.windows(2).take(2) {
        let (child, parent) = (&window[0], &window[1]);
        assert!(
            events.iter().any(|e| e.process.pid == parent.pid
                && matches!(e.detail, Detail::Fork { child_pid, .. } if child_pid == child.pid)),
            "no fork {} -> {}",
            parent.pid,
            child.pid
        );
    }
    // Ancestors carry exec ids that match their own exec events.
    let middle = &exec.process.ancestors[1];
    assert!(
        events
            .iter()
            .any(|e| e.syscall == Syscall::Execve && e.process.exec_id == middle.exec_id)
    );
}

#[test]
fn the_in_kernel_path_filter_drops_other_paths() {
    let dir = tempfile::tempdir().unwrap();
    let watched = dir.path().join("watched");
    std::fs::create_dir(&watched).unwrap();
    std::fs::write(watched.join("f"), "x").unwrap();
    let sensor = start(SensorConfig {
        choice: SensorChoice::Ebpf,
        path_filters: vec![PathFilter::Include(format!("{}/", watched.display()))],
        ..SensorConfig::default()
    });
    // A symlink outside the watched tree into it must not slip past either.
    std::os::unix::fs::symlink(watched.join("f"), dir.path().join("link")).unwrap();
    let script = "import os\nfor p in ['/etc/hostname', 'watched/f', 'link', '/tmp/../etc/hostname']:\n    os.close(os.open(p, os.O_RDONLY))\n";
    let pid = python(script, dir.path());
    let events = events_until(&sensor, |e| is_exit_of(e, pid));
    let opened: Vec<&str> = of_pid(&events, pid)
        .into_iter()
        .filter_map(|e| match &e.detail {
            Detail::Open { raw, .. } => Some(raw.as_str()),
            _ => None,
        })
        .collect();
    // The watched file, and the `..` path that must not slip past the filter; not
    // /etc/hostname, nor any of Python's own library opens.
    assert_eq!(opened, ["watched/f", "link", "/tmp/../etc/hostname"]);
}

#[test]
fn a_hand_made_container_is_attributed() {
    let sensor = ebpf_sensor();
    let id = format!("{:016x}", std::process::id()).repeat(4);
    let cgroup2 = cgroup2_root()
        .join("libpod_parent")
        .join(format!("libpod-{id}"));
    std::fs::create_dir_all(&cgroup2).unwrap();
    let rootfs = tempfile::tempdir().unwrap();
    let script = format!(
        "echo $$ > {procs}; exec unshare --fork --pid --mount --uts --ipc --net --mount-proc /bin/sh -c '/bin/true in-container'",
        procs = cgroup2.join("cgroup.procs").display()
    );
    let mut child = Command::new("/bin/sh")
        .arg("-c")
        .arg(&script)
        .current_dir(rootfs.path())
        .spawn()
        .unwrap();
    let top = child.id();
    let status = child.wait().unwrap();
    let events = events_until(&sensor, |e| is_exit_of(e, top));
    let _ = std::fs::remove_dir(&cgroup2);
    assert!(status.success());
    let exec = events
        .iter()
        .find(|e| e.syscall == Syscall::Execve && e.process.args == ["in-container"])
        .unwrap_or_else(|| {
            let execs: Vec<_> = events
                .iter()
                .filter(|e| e.syscall == Syscall::Execve)
                .map(|e| (&e.process.exepath, &e.process.args, &e.process.cgroup))
                .collect();
            panic!("no exec in the container: {execs:?}")
        });
    let container = exec.container.as_ref().expect("a container");
    assert_eq!(container.runtime, "podman");
    assert_eq!(container.full_id, id);
    assert_eq!(container.id, id[..12]);
    assert_eq!(exec.process.cgroup, format!("/libpod_parent/libpod-{id}"));
    assert_eq!(
        exec.process.cgroup_id,
        std::fs::metadata(&cgroup2)
            .map(|m| m.ino())
            .unwrap_or(exec.process.cgroup_id)
    );
    // Its own pid namespace: the shell is pid 1 in there, /bin/true pid 2.
    assert_eq!(exec.process.vpid, 2);
    let host_pidns = std::fs::read_link("/proc/self/ns/pid").unwrap();
    assert!(
        !host_pidns
            .to_string_lossy()
            .contains(&exec.process.pidns.to_string())
    );
    // The host's processes are not in a container.
    let host_exec = events
        .iter()
        .find(|e| e.process.pid == top && e.syscall == Syscall::Execve);
    assert!(host_exec.is_none_or(|e| e.container.is_none() || e.process.comm == "unshare"));
}

/// The cgroup v2 hierarchy: /sys/fs/cgroup/unified on hybrid machines.
fn cgroup2_root() -> PathBuf {
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap();
    mounts
        .lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            (fields.get(2) == Some(&"cgroup2")).then(|| PathBuf::from(fields[1]))
        })
        .expect("a cgroup2 mount")
}

#[test]
fn losses_under_an_exec_storm_are_counted_and_reported() {
    // A one-page ring buffer and one-slot queues that nobody drains during the storm:
    // the kernel must fail reservations, and say so.
    let sensor = start(SensorConfig {
        choice: SensorChoice::Ebpf,
        events: EventSet::Processes,
        ring_buffer_bytes: 4096,
        queue_capacity: 1,
        ..SensorConfig::default()
    });
    let status = Command::new("/bin/sh")
        .arg("-c")
        .arg("i=0; while [ $i -lt 300 ]; do /bin/true; i=$((i+1)); done")
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut reported = 0;
    while Instant::now() < deadline {
        match sensor.recv_timeout(Duration::from_millis(100)) {
            Some(Output::Lost(loss)) => {
                assert_eq!(loss.stage, "kernel");
                assert!(["exec", "fork", "exit"].contains(&loss.kind), "{loss:?}");
                reported += loss.count;
            }
            Some(Output::Event(_)) => {}
            None if reported > 0 => break,
            None => {}
        }
    }
    let stats = sensor.stop();
    let counted: u64 = stats.lost.iter().map(|l| l.count).sum();
    assert!(reported > 0, "no loss reported: {stats:?}");
    assert_eq!(counted, reported, "{stats:?}");
}

#[test]
fn capabilities_are_probed_by_loading() {
    let capabilities = warden_sensor::probe_capabilities();
    let available = |feature: &str| {
        capabilities
            .iter()
            .find(|c| c.feature == feature)
            .map(|c| c.available())
    };
    // Everything the sensor needs loads on the project's kernel kind.
    for feature in [
        "btf",
        "ring_buffer",
        "tp_btf",
        "iter_task",
        "cgroup_sock_addr",
        "bpf_send_signal",
    ] {
        assert_eq!(
            available(feature),
            Some(true),
            "{feature}: {capabilities:?}"
        );
    }
    // LSM and fentry are probed and reported either way.
    assert!(available("lsm").is_some() && available("fentry").is_some());
}

#[test]
fn the_fallback_sensor_sees_execs_exits_and_opens() {
    let sensor = start(SensorConfig {
        choice: SensorChoice::Fallback,
        ..SensorConfig::default()
    });
    let SensorKind::Fallback { sees_opens, .. } = sensor.kind() else {
        panic!("fallback expected")
    };
    assert!(*sees_opens);
    assert!(!sensor.kind().missing().is_empty());
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("warden-sleep");
    std::fs::copy("/bin/sleep", &binary).unwrap();
    std::fs::write(dir.path().join("note"), "x").unwrap();
    // The fallback reads exec details from /proc, so the program must live a moment.
    let mut child = Command::new("/bin/sh")
        .arg("-c")
        .arg(format!(
            "/bin/cat note > /dev/null; exec {} 0.5",
            binary.display()
        ))
        .current_dir(dir.path())
        .spawn()
        .unwrap();
    let pid = child.id();
    child.wait().unwrap();
    let note = dir.path().join("note").to_string_lossy().into_owned();
    let events = events_until(&sensor, |e| is_exit_of(e, pid));
    let own = of_pid(&events, pid);
    let exec = own
        .iter()
        .find(|e| e.syscall == Syscall::Execve && e.process.exepath == binary.to_string_lossy())
        .unwrap_or_else(|| panic!("{own:#?}"));
    assert_eq!(exec.process.args, ["0.5"]);
    assert!(
        events
            .iter()
            .any(|e| matches!(&e.detail, Detail::Open { path, .. } if *path == note))
    );
    let exit = own.iter().find(|e| e.syscall == Syscall::Exit).unwrap();
    assert_eq!(
        exit.detail,
        Detail::Exit {
            status: warden_events::ExitStatus {
                code: 0,
                signal: 0,
                core_dumped: false
            }
        }
    );
}

/// The image `scripts/sensor-container` prepares (once; later calls are instant).
fn podman_image() -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/sensor-container");
    let output = Command::new(&script)
        .output()
        .expect("scripts/sensor-container");
    assert!(
        output.status.success(),
        "the test container could not be prepared: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

#[test]
fn a_real_podman_container_is_attributed() {
    let image = podman_image();
    let sensor = ebpf_sensor();
    let dir = tempfile::tempdir().unwrap();
    let cidfile = dir.path().join("cid");
    // A binary from the image (lower layer) and one written in the container (upper).
    let status = Command::new("podman")
        .args(["run", "--rm", "--network", "none", "--runtime", "runc"])
        .args(["--ulimit", "nofile=20000:20000", "--ulimit", "nproc=32768:32768"])
        .arg("--cidfile")
        .arg(&cidfile)
        .arg(&image)
        .args([
            "/bin/sh",
            "-c",
            // The shell outlives the execs, as a container's init does.
            "/bin/true from-image && cp /bin/true /root/written && /root/written from-upper; sleep 1",
        ])
        .status()
        .expect("podman");
    assert!(status.success(), "the container must start here: {status}");
    let id = std::fs::read_to_string(&cidfile).unwrap().trim().to_owned();
    assert_eq!(id.len(), 64, "{id}");

    let mut saw_image_exec = None;
    let events = events_until(&sensor, |e| {
        if e.syscall == Syscall::Execve && e.process.args == ["from-image"] {
            saw_image_exec = Some(e.process.pid);
        }
        e.syscall == Syscall::Execve && e.process.args == ["from-upper"]
    });
    assert!(saw_image_exec.is_some(), "no exec of the image's /bin/true");
    let exec_with = |arg: &str| {
        events
            .iter()
            .find(|e| e.syscall == Syscall::Execve && e.process.args == [arg])
            .unwrap()
    };
    for arg in ["from-image", "from-upper"] {
        let exec = exec_with(arg);
        let container = exec
            .container
            .as_ref()
            .unwrap_or_else(|| panic!("{arg}: no container: {:?}", exec.process.cgroup));
        assert_eq!(container.runtime, "podman");
        assert_eq!(container.full_id, id);
        assert_eq!(container.id, id[..12]);
        assert_eq!(exec.process.cgroup, format!("/libpod_parent/libpod-{id}"));
        // The container's own account files name its users.
        assert_eq!(exec.process.user.as_deref(), Some("root"));
        // Paths are the container's view (pivot_root).
        assert!(
            exec.process.ancestors[0].comm == "sh",
            "{:?}",
            exec.process.ancestors
        );
    }
    let from_image = exec_with("from-image");
    assert_eq!(from_image.process.exepath, "/usr/bin/true");
    assert!(!from_image.process.exe_flags.upper_layer);
    let from_upper = exec_with("from-upper");
    assert_eq!(from_upper.process.exepath, "/root/written");
    assert!(
        from_upper.process.exe_flags.upper_layer,
        "{:?}",
        from_upper.process.exe_flags
    );
    // Host processes (podman itself) are not in the container.
    assert!(
        events
            .iter()
            .filter(|e| e.process.comm == "podman")
            .all(|e| e.container.is_none())
    );
}

#[test]
fn only_the_selected_syscalls_are_hooked_and_reported() {
    let sensor = start(SensorConfig {
        choice: SensorChoice::Ebpf,
        events: EventSet::Syscalls(vec![Syscall::Connect]),
        ..SensorConfig::default()
    });
    let SensorKind::Ebpf { hooks, .. } = sensor.kind() else {
        panic!("eBPF expected")
    };
    let handlers: Vec<_> = hooks.iter().filter(|h| !h.syscalls.is_empty()).collect();
    assert_eq!(handlers.len(), 1, "{hooks:?}");
    assert_eq!(
        (handlers[0].program, handlers[0].syscalls.as_slice()),
        ("sys_exit_socket", [Syscall::Connect].as_slice())
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let script = format!(
        "import socket\nopen('/etc/hostname').close()\nsocket.create_connection(('127.0.0.1', {port}))\n"
    );
    let pid = python(&script, dir.path());
    let events = events_until(&sensor, |e| is_exit_of(e, pid));
    let kinds: Vec<Syscall> = of_pid(&events, pid).iter().map(|e| e.syscall).collect();
    // exec, fork and exit always; of the rest, the connect alone (no opens, no socket()).
    assert!(kinds.contains(&Syscall::Connect), "{kinds:?}");
    assert!(
        kinds.iter().all(|k| matches!(
            k,
            Syscall::Connect | Syscall::Execve | Syscall::Clone | Syscall::Exit
        )),
        "{kinds:?}"
    );
    // The process table answers for a live process: this one's parent comes first.
    let ancestors = sensor.ancestors(std::process::id()).expect("our ancestors");
    let parent = std::fs::read_to_string("/proc/self/stat").unwrap();
    let ppid: u32 = parent
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(ancestors[0].pid, ppid);
    assert!(sensor.ancestors(u32::MAX).is_none());
}

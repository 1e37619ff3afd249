//! Events built in code for the language tests.

use warden_events::{
    Address, Ancestor, Container, Detail, Event, ExeFlags, FdInfo, FdKind, OpenFlags, Pod, Process,
    SCHEMA, SocketFamily, Syscall,
};

pub(crate) const T0: u64 = 1_763_900_000_000_000_000;

fn ancestor(pid: u32, comm: &str, exepath: &str, args: &[&str]) -> Ancestor {
    Ancestor {
        pid,
        comm: comm.into(),
        exe: comm.into(),
        exepath: exepath.into(),
        args: args.iter().map(|s| s.to_string()).collect(),
        uid: 0,
        exec_id: u64::from(pid),
    }
}

pub(crate) fn process() -> Process {
    Process {
        pid: 4242,
        tid: 4243,
        ppid: 4000,
        vpid: 42,
        uid: 1000,
        gid: 1000,
        euid: 1000,
        egid: 1000,
        loginuid: Some(1000),
        user: Some("alice".into()),
        group: Some("staff".into()),
        loginname: Some("alice".into()),
        comm: "curl".into(),
        exe: "curl".into(),
        exepath: "/usr/bin/curl".into(),
        args: vec!["-s".into(), "https://Example.com/a b".into()],
        cwd: "/home/alice".into(),
        tty: 34816,
        cap_effective: (1 << 21) | (1 << 12),
        cap_permitted: 1 << 21,
        cap_inheritable: 0,
        cgroup_id: 7,
        cgroup: "/user.slice".into(),
        mntns: 1,
        pidns: 2,
        start_time: T0 - 10_000_000_000,
        exec_id: 9,
        exe_flags: ExeFlags {
            upper_layer: true,
            ..ExeFlags::default()
        },
        exe_dev: 1,
        exe_ino: 77,
        exe_ctime: T0 - 20_000_000_000,
        exe_mtime: T0 - 30_000_000_000,
        sid: 3900,
        sname: "bash".into(),
        vpgid: Some(42),
        env: vec![
            "HOME=/home/alice".into(),
            "HTTP_PROXY=http://proxy:3128".into(),
        ],
        ancestors: vec![
            ancestor(4000, "bash", "/usr/bin/bash", &["-l"]),
            ancestor(3900, "sshd", "/usr/sbin/sshd", &["-D"]),
            ancestor(1, "systemd", "/usr/lib/systemd/systemd", &[]),
        ],
    }
}

pub(crate) fn event(syscall: Syscall, res: i64, detail: Detail) -> Event {
    Event {
        schema: SCHEMA.into(),
        seq: 5,
        time: T0,
        syscall,
        res,
        detail,
        process: process(),
        container: None,
    }
}

pub(crate) fn open(path: &str, raw: &str, flags: u32) -> Event {
    event(
        Syscall::Openat,
        3,
        Detail::Open {
            fd: 3,
            path: path.into(),
            raw: raw.into(),
            dirfd: -100,
            flags: OpenFlags(flags),
            mode: 0o755,
        },
    )
}

pub(crate) fn exec() -> Event {
    event(
        Syscall::Execve,
        0,
        Detail::Exec {
            filename: "/usr/bin/curl".into(),
            flags: 0,
        },
    )
}

pub(crate) fn connect(local: (&str, u16), remote: (&str, u16)) -> Event {
    let addr = |(ip, port): (&str, u16)| Address {
        family: SocketFamily::Inet,
        ip: ip.into(),
        port,
    };
    let mut info = FdInfo::socket(FdKind::Ipv4, "tcp", addr(local), addr(remote));
    info.remote_name = Some("example.com".into());
    event(
        Syscall::Connect,
        0,
        Detail::Connect {
            fd: 5,
            address: addr(remote),
            info,
        },
    )
}

pub(crate) fn in_container(mut ev: Event) -> Event {
    ev.container = Some(Container {
        id: "0123456789ab".into(),
        full_id: "0123456789abcdef".into(),
        runtime: "docker".into(),
        name: Some("web".into()),
        image: Some("registry:5000/team/app:v2".into()),
        privileged: Some(false),
        start_time: Some(T0 - 5_000_000_000),
        pod: Some(Pod {
            uid: "u-1".into(),
            name: Some("app-1".into()),
            namespace: Some("prod".into()),
        }),
        mounts: vec![warden_events::Mount {
            source: "/var/run/docker.sock".into(),
            dest: "/run/docker.sock".into(),
            mode: String::new(),
            rw: true,
            propagation: "rprivate".into(),
        }],
    });
    ev
}

//! A deterministic mix of everyday events, weighted roughly as a busy host produces
//! them (mostly opens and network calls, some execs, rare ptrace), none of which should
//! raise an alert with the upstream rules. The benchmark and the allocation test share
//! it.

use warden_events::{
    Address, Ancestor, Container, Detail, Event, ExeFlags, ExitStatus, FdInfo, FdKind, OpenFlags,
    Pod, Process, PtraceRequest, SCHEMA, SocketFamily, Syscall,
};

const T0: u64 = 1_763_900_000_000_000_000;

/// A small PRNG so the mix is the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() as usize) % items.len()]
    }
}

const PROGRAMS: &[(&str, &str, &[&str])] = &[
    ("ls", "/usr/bin/ls", &["-la", "/srv/app"]),
    (
        "python3",
        "/usr/bin/python3.11",
        &["/srv/app/manage.py", "runserver"],
    ),
    ("node", "/usr/bin/node", &["server.js"]),
    ("git", "/usr/bin/git", &["status", "--porcelain"]),
    (
        "java",
        "/usr/lib/jvm/bin/java",
        &["-Xmx2g", "-jar", "app.jar"],
    ),
    (
        "postgres",
        "/usr/lib/postgresql/15/bin/postgres",
        &["-D", "/var/lib/postgresql/15/main"],
    ),
    ("make", "/usr/bin/make", &["-j2"]),
    (
        "cc1",
        "/usr/lib/gcc/x86_64-linux-gnu/12/cc1",
        &["-quiet", "main.c"],
    ),
    ("systemd-journal", "/usr/lib/systemd/systemd-journald", &[]),
    ("containerd", "/usr/bin/containerd", &[]),
    (
        "kubelet",
        "/usr/bin/kubelet",
        &["--config=/var/lib/kubelet/config.yaml"],
    ),
    ("cat", "/usr/bin/cat", &["README.md"]),
    ("grep", "/usr/bin/grep", &["-r", "TODO", "src"]),
    ("date", "/usr/bin/date", &["+%s"]),
];

/// Programs that talk to the network for a living.
const NETWORK_PROGRAMS: &[(&str, &str, &[&str])] = &[
    (
        "python3",
        "/usr/bin/python3.11",
        &["/srv/app/manage.py", "runserver"],
    ),
    ("node", "/usr/bin/node", &["server.js"]),
    (
        "java",
        "/usr/lib/jvm/bin/java",
        &["-Xmx2g", "-jar", "app.jar"],
    ),
    (
        "postgres",
        "/usr/lib/postgresql/15/bin/postgres",
        &["-D", "/var/lib/postgresql/15/main"],
    ),
    (
        "kubelet",
        "/usr/bin/kubelet",
        &["--config=/var/lib/kubelet/config.yaml"],
    ),
];

const PARENTS: &[(&str, &str)] = &[
    ("bash", "/usr/bin/bash"),
    ("make", "/usr/bin/make"),
    ("systemd", "/usr/lib/systemd/systemd"),
    ("containerd-shim", "/usr/bin/containerd-shim-runc-v2"),
    ("sshd", "/usr/sbin/sshd"),
];

const FILES: &[&str] = &[
    "/usr/lib/x86_64-linux-gnu/libc.so.6",
    "/etc/ld.so.cache",
    "/proc/self/status",
    "/srv/app/static/index.html",
    "/var/lib/postgresql/15/main/base/16384/2619",
    "/tmp/build/main.o",
    "/home/alice/.cache/pip/http/abc",
    "/sys/fs/cgroup/memory.max",
    "/etc/nsswitch.conf",
    "/usr/share/zoneinfo/UTC",
];

fn process(rng: &mut Lcg, programs: &[(&str, &str, &[&str])]) -> Process {
    let (comm, exepath, args) = *rng.pick(programs);
    let (parent, parent_path) = *rng.pick(PARENTS);
    let (grand, grand_path) = *rng.pick(PARENTS);
    let ancestor = |pid, comm: &str, path: &str| Ancestor {
        pid,
        comm: comm.into(),
        exe: comm.into(),
        exepath: path.into(),
        args: Vec::new(),
        uid: 1000,
        exec_id: u64::from(pid),
    };
    Process {
        pid: 10_000 + (rng.next() % 5000) as u32,
        tid: 10_000,
        ppid: 9000,
        vpid: 10_000,
        uid: 1000,
        gid: 1000,
        euid: 1000,
        egid: 1000,
        loginuid: Some(1000),
        user: Some("alice".into()),
        group: Some("alice".into()),
        loginname: Some("alice".into()),
        comm: comm.into(),
        exe: comm.into(),
        exepath: exepath.into(),
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        cwd: "/srv/app".into(),
        tty: 0,
        cap_effective: 0,
        cap_permitted: 0,
        cap_inheritable: 0,
        cgroup_id: 1,
        cgroup: "/system.slice/app.service".into(),
        mntns: 4_026_531_840,
        pidns: 4_026_531_836,
        start_time: T0 - 3_600_000_000_000,
        exec_id: rng.next(),
        exe_flags: ExeFlags::default(),
        exe_dev: 64768,
        exe_ino: rng.next(),
        exe_ctime: T0 - 86_400_000_000_000,
        exe_mtime: T0 - 86_400_000_000_000,
        sid: 9000,
        sname: "bash".into(),
        vpgid: Some(10_000),
        env: Vec::new(),
        ancestors: vec![
            ancestor(9000, parent, parent_path),
            ancestor(8000, grand, grand_path),
            ancestor(1, "systemd", "/usr/lib/systemd/systemd"),
        ],
    }
}

fn container(rng: &mut Lcg) -> Option<Container> {
    rng.next().is_multiple_of(3).then(|| Container {
        id: "4f2a9c1d7b3e".into(),
        full_id: "4f2a9c1d7b3e".repeat(5),
        runtime: "containerd".into(),
        name: Some("api".into()),
        image: Some("registry.example.com/team/api:1.4.2".into()),
        privileged: Some(false),
        start_time: Some(T0 - 7_200_000_000_000),
        pod: Some(Pod {
            uid: "3c1e".into(),
            name: Some("api-7d9f".into()),
            namespace: Some("prod".into()),
        }),
        mounts: Vec::new(),
    })
}

fn inet(ip: &str, port: u16) -> Address {
    Address {
        family: SocketFamily::Inet,
        ip: ip.into(),
        port,
    }
}

fn socket_info(rng: &mut Lcg) -> FdInfo {
    let remote = *rng.pick(&[
        ("10.0.3.7", 5432),
        ("10.0.4.2", 6379),
        ("192.168.1.1", 53),
        ("10.96.0.10", 53),
    ]);
    FdInfo::socket(
        FdKind::Ipv4,
        "tcp",
        inet("10.0.2.15", 40_000 + (rng.next() % 20_000) as u16),
        inet(remote.0, remote.1),
    )
}

/// One event of the mix.
fn one(rng: &mut Lcg, seq: u64) -> Event {
    let roll = rng.next() % 1000;
    let path = (*rng.pick(FILES)).to_owned();
    let (syscall, res, detail) = match roll {
        0..=399 => (
            Syscall::Openat,
            3,
            Detail::Open {
                fd: 3,
                path: path.clone(),
                raw: path,
                dirfd: -100,
                flags: OpenFlags(0o2000000),
                mode: 0,
            },
        ),
        400..=449 => (
            Syscall::Openat,
            4,
            Detail::Open {
                fd: 4,
                path: "/tmp/build/out.log".into(),
                raw: "out.log".into(),
                dirfd: -100,
                flags: OpenFlags(0o1101),
                mode: 0o644,
            },
        ),
        450..=529 => {
            let info = socket_info(rng);
            (
                Syscall::Connect,
                0,
                Detail::Connect {
                    fd: 5,
                    address: info.remote.clone().unwrap_or_else(|| inet("10.0.0.1", 1)),
                    info,
                },
            )
        }
        530..=619 => (
            Syscall::Sendto,
            120,
            Detail::Send {
                fd: 5,
                address: None,
                info: socket_info(rng),
            },
        ),
        620..=649 => (
            Syscall::Accept4,
            7,
            Detail::Accept {
                fd: 6,
                info: socket_info(rng),
            },
        ),
        650..=699 => (
            Syscall::Execve,
            0,
            Detail::Exec {
                filename: "/usr/bin/ls".into(),
                flags: 0,
            },
        ),
        700..=759 => (
            Syscall::Clone,
            10_001,
            Detail::Fork {
                child_pid: 10_001,
                child_tid: 10_001,
                clone_flags: 0x1200011,
            },
        ),
        760..=799 => (
            Syscall::Exit,
            0,
            Detail::Exit {
                status: ExitStatus {
                    code: 0,
                    signal: 0,
                    core_dumped: false,
                },
            },
        ),
        800..=829 => (
            Syscall::Dup2,
            10,
            Detail::Dup {
                old_fd: 3,
                new_fd: 10,
                info: FdInfo {
                    kind: FdKind::Pipe,
                    name: "pipe:[1234]".into(),
                    l4proto: None,
                    local: None,
                    remote: None,
                    connected: false,
                    local_name: None,
                    remote_name: None,
                },
            },
        ),
        830..=869 => (
            Syscall::Socket,
            5,
            Detail::Socket {
                domain: 2,
                kind: 1,
                protocol: 0,
            },
        ),
        870..=899 => (
            Syscall::Unlinkat,
            0,
            Detail::Unlink {
                path: "/tmp/build/main.o".into(),
                raw: "main.o".into(),
                flags: 0,
            },
        ),
        900..=919 => (
            Syscall::Renameat2,
            0,
            Detail::Rename {
                old_path: "/srv/app/.tmp1".into(),
                new_path: "/srv/app/cache.db".into(),
                flags: 0,
            },
        ),
        920..=939 => (
            Syscall::Mkdirat,
            0,
            Detail::Mkdir {
                path: "/tmp/build/obj".into(),
                mode: 0o755,
            },
        ),
        940..=954 => (
            Syscall::Fchmodat,
            0,
            Detail::Chmod {
                path: "/tmp/build/a.out".into(),
                mode: 0o755,
            },
        ),
        955..=964 => (
            Syscall::Symlinkat,
            0,
            Detail::Symlink {
                target: "libfoo.so.1".into(),
                link_path: "/tmp/build/libfoo.so".into(),
            },
        ),
        965..=974 => (
            Syscall::Bind,
            0,
            Detail::Bind {
                fd: 6,
                address: inet("0.0.0.0", 8080),
            },
        ),
        975..=984 => (
            Syscall::Listen,
            0,
            Detail::Listen {
                fd: 6,
                backlog: 128,
                info: socket_info(rng),
            },
        ),
        985..=994 => (
            Syscall::Setuid,
            0,
            Detail::SetIds {
                real: 1000,
                effective: -1,
                saved: -1,
            },
        ),
        // ptrace by a debugger stopping its tracee: not an attach, not TRACEME.
        _ => (
            Syscall::Ptrace,
            0,
            Detail::Ptrace {
                request: PtraceRequest::Cont,
                pid: 10_001,
            },
        ),
    };
    let networked = matches!(
        syscall,
        Syscall::Connect
            | Syscall::Sendto
            | Syscall::Accept4
            | Syscall::Socket
            | Syscall::Bind
            | Syscall::Listen
    );
    let mut process = process(
        rng,
        if networked {
            NETWORK_PROGRAMS
        } else {
            PROGRAMS
        },
    );
    if syscall == Syscall::Setuid {
        // Services dropping root privileges.
        process.user = Some("root".into());
        process.uid = 0;
        process.euid = 0;
    }
    Event {
        schema: SCHEMA.into(),
        seq,
        time: T0 + seq * 1000,
        syscall,
        res,
        detail,
        process,
        container: container(rng),
    }
}

/// `n` distinct events of the mix.
pub(crate) fn events(n: usize) -> Vec<Event> {
    let mut rng = Lcg(0x5eed);
    (0..n as u64).map(|seq| one(&mut rng, seq + 1)).collect()
}

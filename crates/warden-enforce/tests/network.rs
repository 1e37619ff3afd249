//! The cgroup sock_addr programs on the real kernel (root). Every deny rule is scoped to
//! a cgroup made for the test, so nothing else on the machine is affected; children
//! moved into it make the calls.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use common::{Ended, TestCgroup, errno_of, in_child};
use warden_enforce::{
    KernelAction, KernelEnforcer, KernelEvent, NetOperation, NetOperations, NetRule, Protocols,
    Scope,
};

const EPERM: Ended = Ended::Exited(libc::EPERM);
const OK: Ended = Ended::Exited(0);

/// A raw socket address built before forking (children may not allocate).
#[derive(Clone, Copy)]
struct RawAddr {
    storage: libc::sockaddr_storage,
    len: libc::socklen_t,
    family: i32,
}

fn raw(addr: SocketAddr) -> RawAddr {
    // SAFETY: sockaddr_storage is plain data; zeroed is valid.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let (len, family) = match addr {
        SocketAddr::V4(v4) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as u16,
                sin_port: v4.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from(*v4.ip()).to_be(),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_in fits in sockaddr_storage.
            unsafe { std::ptr::write((&raw mut storage).cast(), sin) };
            (size_of::<libc::sockaddr_in>(), libc::AF_INET)
        }
        SocketAddr::V6(v6) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as u16,
                sin6_port: v6.port().to_be(),
                sin6_flowinfo: 0,
                sin6_addr: libc::in6_addr {
                    s6_addr: v6.ip().octets(),
                },
                sin6_scope_id: 0,
            };
            // SAFETY: sockaddr_in6 fits in sockaddr_storage.
            unsafe { std::ptr::write((&raw mut storage).cast(), sin6) };
            (size_of::<libc::sockaddr_in6>(), libc::AF_INET6)
        }
    };
    RawAddr {
        storage,
        len: len as libc::socklen_t,
        family,
    }
}

#[derive(Clone, Copy)]
enum Call {
    Connect(i32),
    SendTo,
    Bind(i32),
}

/// The errno of one socket call (0 on success); async-signal-safe.
fn socket_call(call: Call, addr: RawAddr) -> i32 {
    let ty = match call {
        Call::Connect(ty) | Call::Bind(ty) => ty,
        Call::SendTo => libc::SOCK_DGRAM,
    };
    // SAFETY: plain socket syscalls on a socket we create, with a valid address.
    unsafe {
        let fd = libc::socket(addr.family, ty, 0);
        if fd < 0 {
            return 100;
        }
        let ptr = (&raw const addr.storage).cast::<libc::sockaddr>();
        let rc = match call {
            Call::Connect(_) => libc::connect(fd, ptr, addr.len) as libc::c_long,
            Call::SendTo => {
                libc::sendto(fd, b"x".as_ptr().cast(), 1, 0, ptr, addr.len) as libc::c_long
            }
            Call::Bind(_) => libc::bind(fd, ptr, addr.len) as libc::c_long,
        };
        let errno = errno_of(rc);
        libc::close(fd);
        errno
    }
}

fn child_call(cgroup: Option<&TestCgroup>, call: Call, addr: SocketAddr) -> Ended {
    let addr = raw(addr);
    in_child(cgroup.map(|c| c.procs()), || socket_call(call, addr))
}

fn rule(
    id: u32,
    prefix: &str,
    port: u16,
    protocols: Protocols,
    operations: NetOperations,
) -> NetRule {
    NetRule {
        id,
        prefix: prefix.parse().unwrap(),
        ports: (port, port),
        protocols,
        operations,
        scope: Scope::CgroupSet(1),
    }
}

/// Loads the programs and puts a fresh cgroup in set 1.
fn setup(label: &str) -> (KernelEnforcer, TestCgroup) {
    let mut kernel = KernelEnforcer::load().expect("the enforcement BPF object loads (root, BTF)");
    let paths = kernel.paths();
    assert!(
        paths.network_failures.is_empty(),
        "network hooks failed: {:?}",
        paths.network_failures
    );
    let cgroup = TestCgroup::new_v2(label);
    kernel.add_to_cgroup_set(1, cgroup.id).unwrap();
    (kernel, cgroup)
}

fn events_until(kernel: &mut KernelEnforcer, count: usize) -> Vec<KernelEvent> {
    let mut events = Vec::new();
    let started = Instant::now();
    while events.len() < count && started.elapsed() < Duration::from_secs(5) {
        kernel.poll_events(Duration::from_millis(50), |e| events.push(e));
    }
    events
}

fn denied(event: &KernelEvent) -> (NetOperation, IpAddr, u16, u8, u32) {
    match &event.action {
        KernelAction::NetworkDenied {
            operation,
            address,
            port,
            protocol,
            rule_id,
        } => (*operation, *address, *port, *protocol, *rule_id),
        other => panic!("expected a network denial, got {other:?}"),
    }
}

#[test]
fn tcp_connects_to_a_denied_port_fail_with_eperm_and_are_reported() {
    let (mut kernel, cgroup) = setup("connect");
    let v4 = TcpListener::bind("127.0.0.1:0").unwrap();
    let v6 = TcpListener::bind("[::1]:0").unwrap();
    let v4_addr = v4.local_addr().unwrap();
    let v6_addr = v6.local_addr().unwrap();
    kernel
        .set_network_rules(&[
            rule(
                11,
                "127.0.0.0/8",
                v4_addr.port(),
                Protocols::TCP,
                NetOperations::OUTBOUND,
            ),
            rule(
                12,
                "::1",
                v6_addr.port(),
                Protocols::TCP,
                NetOperations::OUTBOUND,
            ),
        ])
        .unwrap();

    let tcp = Call::Connect(libc::SOCK_STREAM);
    assert_eq!(child_call(Some(&cgroup), tcp, v4_addr), EPERM);
    assert_eq!(child_call(Some(&cgroup), tcp, v6_addr), EPERM);
    // An IPv4-mapped address on an IPv6 socket is the IPv4 destination.
    let mapped = SocketAddr::new(
        IpAddr::V6(Ipv4Addr::LOCALHOST.to_ipv6_mapped()),
        v4_addr.port(),
    );
    assert_eq!(child_call(Some(&cgroup), tcp, mapped), EPERM);
    // Outside the rule's cgroup set, and from the agent itself, the same connects work.
    assert_eq!(child_call(None, tcp, v4_addr), OK);
    assert_eq!(child_call(None, tcp, v6_addr), OK);
    TcpStream::connect(v4_addr).expect("the agent itself is never denied");
    // Another port in the cgroup is not denied.
    let other = TcpListener::bind("127.0.0.1:0").unwrap();
    assert_eq!(
        child_call(Some(&cgroup), tcp, other.local_addr().unwrap()),
        OK
    );

    let events = events_until(&mut kernel, 3);
    assert_eq!(events.len(), 3, "{events:?}");
    assert_eq!(
        denied(&events[0]),
        (
            NetOperation::Connect,
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            v4_addr.port(),
            6,
            11
        )
    );
    assert_eq!(
        denied(&events[1]),
        (
            NetOperation::Connect,
            IpAddr::V6(Ipv6Addr::LOCALHOST),
            v6_addr.port(),
            6,
            12
        )
    );
    assert_eq!(denied(&events[2]).1, IpAddr::V4(Ipv4Addr::LOCALHOST));
    for event in &events {
        assert_eq!(event.cgroup_id, cgroup.id);
        assert_ne!(event.pid, std::process::id());
        assert!(event.pid > 0 && event.monotonic_ns > 0);
    }
    assert_eq!(kernel.counters().network_denied, 3);
    assert_eq!(kernel.counters().reports_lost, 0);
}

#[test]
fn udp_sends_and_connects_to_a_denied_port_fail_with_eperm() {
    let (mut kernel, cgroup) = setup("udp");
    let v4 = UdpSocket::bind("127.0.0.1:0").unwrap();
    let v6 = UdpSocket::bind("[::1]:0").unwrap();
    let v4_addr = v4.local_addr().unwrap();
    let v6_addr = v6.local_addr().unwrap();
    kernel
        .set_network_rules(&[
            rule(
                21,
                "127.0.0.1",
                v4_addr.port(),
                Protocols::UDP,
                NetOperations::OUTBOUND,
            ),
            rule(
                22,
                "::/0",
                v6_addr.port(),
                Protocols::UDP,
                NetOperations::OUTBOUND,
            ),
        ])
        .unwrap();

    assert_eq!(child_call(Some(&cgroup), Call::SendTo, v4_addr), EPERM);
    assert_eq!(child_call(Some(&cgroup), Call::SendTo, v6_addr), EPERM);
    assert_eq!(
        child_call(Some(&cgroup), Call::Connect(libc::SOCK_DGRAM), v4_addr),
        EPERM
    );
    // TCP to the same port is not covered by a UDP rule (nothing listens: refused).
    assert_eq!(
        child_call(Some(&cgroup), Call::Connect(libc::SOCK_STREAM), v4_addr),
        Ended::Exited(libc::ECONNREFUSED)
    );
    assert_eq!(child_call(None, Call::SendTo, v4_addr), OK);

    let events = events_until(&mut kernel, 3);
    let seen: Vec<_> = events.iter().map(denied).collect();
    assert_eq!(
        seen,
        vec![
            (
                NetOperation::SendMsg,
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                v4_addr.port(),
                17,
                21
            ),
            (
                NetOperation::SendMsg,
                IpAddr::V6(Ipv6Addr::LOCALHOST),
                v6_addr.port(),
                17,
                22
            ),
            (
                NetOperation::Connect,
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                v4_addr.port(),
                17,
                21
            ),
        ]
    );
}

/// A port nothing is bound to right now.
fn free_port(v6: bool) -> u16 {
    let listener = if v6 {
        TcpListener::bind("[::1]:0")
    } else {
        TcpListener::bind("127.0.0.1:0")
    };
    listener.unwrap().local_addr().unwrap().port()
}

#[test]
fn binds_to_a_denied_port_fail_with_eperm() {
    let (mut kernel, cgroup) = setup("bind");
    let port4 = free_port(false);
    let port6 = free_port(true);
    kernel
        .set_network_rules(&[
            rule(31, "0.0.0.0/0", port4, Protocols::ALL, NetOperations::BIND),
            rule(32, "::/0", port6, Protocols::ALL, NetOperations::BIND),
        ])
        .unwrap();
    let v4 = SocketAddr::from(([127, 0, 0, 1], port4));
    let v6 = SocketAddr::from((Ipv6Addr::LOCALHOST, port6));

    assert_eq!(
        child_call(Some(&cgroup), Call::Bind(libc::SOCK_STREAM), v4),
        EPERM
    );
    assert_eq!(
        child_call(Some(&cgroup), Call::Bind(libc::SOCK_DGRAM), v6),
        EPERM
    );
    assert_eq!(child_call(None, Call::Bind(libc::SOCK_STREAM), v4), OK);
    // A bind rule does not stop connects.
    assert_eq!(
        child_call(Some(&cgroup), Call::Connect(libc::SOCK_STREAM), v4),
        Ended::Exited(libc::ECONNREFUSED)
    );
    let events = events_until(&mut kernel, 2);
    let seen: Vec<_> = events
        .iter()
        .map(|e| (denied(e).0, denied(e).2, denied(e).4))
        .collect();
    assert_eq!(
        seen,
        vec![
            (NetOperation::Bind, port4, 31),
            (NetOperation::Bind, port6, 32)
        ]
    );
}

#[test]
fn rule_sets_replace_each_other_and_port_ranges_match_inclusively() {
    let (mut kernel, cgroup) = setup("ranges");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let tcp = Call::Connect(libc::SOCK_STREAM);
    let mut ranged = rule(
        41,
        "127.0.0.1/32",
        0,
        Protocols::TCP,
        NetOperations::OUTBOUND,
    );
    ranged.ports = (addr.port().saturating_sub(5), addr.port());
    kernel.set_network_rules(&[ranged.clone()]).unwrap();
    assert_eq!(child_call(Some(&cgroup), tcp, addr), EPERM);

    ranged.ports = (addr.port().saturating_add(1), u16::MAX);
    kernel.set_network_rules(&[ranged]).unwrap();
    assert_eq!(child_call(Some(&cgroup), tcp, addr), OK);

    kernel.set_network_rules(&[]).unwrap();
    assert_eq!(child_call(Some(&cgroup), tcp, addr), OK);

    let too_many: Vec<NetRule> = (0..129)
        .map(|i| rule(i, "10.0.0.1", 1, Protocols::TCP, NetOperations::OUTBOUND))
        .collect();
    let err = kernel.set_network_rules(&too_many).unwrap_err().to_string();
    assert!(
        err.contains("129 rules; the kernel table holds 128"),
        "{err}"
    );
}

#[test]
fn rules_for_everywhere_skip_exempt_processes_and_cgroups() {
    let (mut kernel, cgroup) = setup("exempt");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut everywhere = rule(
        51,
        "127.0.0.1",
        addr.port(),
        Protocols::TCP,
        NetOperations::OUTBOUND,
    );
    everywhere.scope = Scope::Everywhere;
    // Unscoped, on a port only this test uses.
    kernel.set_network_rules(&[everywhere]).unwrap();
    let tcp = Call::Connect(libc::SOCK_STREAM);
    assert_eq!(child_call(None, tcp, addr), EPERM);
    TcpStream::connect(addr).expect("the agent itself is never denied");
    kernel.exempt_cgroup(cgroup.id).unwrap();
    assert_eq!(child_call(Some(&cgroup), tcp, addr), OK);
    kernel.set_network_rules(&[]).unwrap();
}

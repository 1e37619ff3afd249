//! command and addr.

use std::net::{TcpListener, UdpSocket};
use std::time::{Duration, Instant};

use warden_probes::System;

#[tokio::test]
async fn exit_status_and_output_are_captured() {
    let system = System::new();
    let command = system.command("echo out; echo err >&2; exit 3", Duration::from_secs(10));
    assert_eq!(command.exit_status().await.unwrap(), 3);
    assert_eq!(command.stdout().await.unwrap(), b"out\n");
    assert_eq!(command.stderr().await.unwrap(), b"err\n");
    assert_eq!(
        system
            .command("warden-no-such-command", Duration::from_secs(10))
            .exit_status()
            .await
            .unwrap(),
        127
    );
}

#[tokio::test]
async fn environment_is_inherited_and_stdin_is_empty() {
    let system = System::new();
    let home = std::env::var("HOME").unwrap_or_default();
    let command = system.command("printf %s \"$HOME\"; cat", Duration::from_secs(10));
    assert_eq!(command.stdout().await.unwrap(), home.as_bytes());
    assert_eq!(command.exit_status().await.unwrap(), 0);
}

#[tokio::test]
async fn the_command_runs_once_per_probe() {
    let dir = tempfile::tempdir().unwrap();
    let counter = dir.path().join("runs");
    let system = System::new();
    let command = system.command(
        &format!(
            "echo run >> {}; cat {}",
            counter.display(),
            counter.display()
        ),
        Duration::from_secs(10),
    );
    assert_eq!(command.stdout().await.unwrap(), b"run\n");
    assert_eq!(command.exit_status().await.unwrap(), 0);
    assert_eq!(command.stdout().await.unwrap(), b"run\n");
}

#[tokio::test]
async fn timeout_reports_goss_error_and_kills_the_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    let system = System::new();
    let command = system.command(
        &format!("sleep 300 & echo $! > {}; wait", pid_file.display()),
        Duration::from_millis(300),
    );
    let started = Instant::now();
    let err = command.exit_status().await.unwrap_err();
    assert_eq!(err.to_string(), "Command execution timed out (300ms)");
    assert!(started.elapsed() < Duration::from_secs(5));
    // Every check of the resource reports the same error.
    assert_eq!(command.stdout().await.unwrap_err(), err);

    let pid = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .to_string();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok();
        // Gone, or a zombie waiting to be reaped: either way it was killed.
        let dead = state.as_deref().is_none_or(|stat| {
            stat.rsplit(") ")
                .next()
                .is_some_and(|rest| rest.starts_with('Z'))
        });
        if dead {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "background sleep {pid} survived the timeout"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn addr_reachability() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let open = listener.local_addr().unwrap();
    let closed = {
        let probe = TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap()
    };
    let system = System::new();
    let timeout = Duration::from_millis(500);
    let tcp = system.addr(&format!("tcp://{open}"), None, timeout);
    assert_eq!(tcp.address(), format!("tcp://{open}"));
    assert!(tcp.reachable().await.unwrap());
    assert!(
        system
            .addr(&open.to_string(), None, timeout)
            .reachable()
            .await
            .unwrap()
    );
    assert!(
        system
            .addr(&format!("tcp://{open}"), Some("127.0.0.1"), timeout)
            .reachable()
            .await
            .unwrap()
    );
    assert!(
        !system
            .addr(&format!("tcp://{closed}"), None, timeout)
            .reachable()
            .await
            .unwrap()
    );
    assert!(
        !system
            .addr("tcp://warden-nonexistent.invalid:80", None, timeout)
            .reachable()
            .await
            .unwrap()
    );
    assert!(
        !system
            .addr(&format!("sctp://{open}"), None, timeout)
            .reachable()
            .await
            .unwrap()
    );
    // Connectionless: a UDP "dial" succeeds whether or not anything listens.
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let udp_addr = udp.local_addr().unwrap();
    assert!(
        system
            .addr(&format!("udp://{udp_addr}"), None, timeout)
            .reachable()
            .await
            .unwrap()
    );
    drop(udp);
    assert!(
        system
            .addr(&format!("udp://{udp_addr}"), None, timeout)
            .reachable()
            .await
            .unwrap()
    );
}

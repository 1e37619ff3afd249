//! Syslog sinks against receivers on loopback (UDP, TCP, TLS with client certificates):
//! every field of the RFC 5424 frame and the CEF record, escapes included, and a TCP
//! receiver that goes away and comes back.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use serde_json::json;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use warden_sinks::{SinkConfig, SinkCounts, Sinks};

use common::{alert, check_syslog_message, take_frames, wait_for};

fn syslog_sink(extra: serde_json::Value) -> Vec<SinkConfig> {
    let mut sink = json!({
        "name": "siem",
        "facility": "local3",
        "app_name": "warden-test",
        "retry": {"initial_backoff": "20ms", "max_backoff": "100ms"},
    });
    sink.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    serde_json::from_value(json!([{ "syslog": sink }])).unwrap()
}

/// Reads octet-counted frames from every connection to `listener`.
fn receive_frames<S>(
    accept: impl Fn(tokio::net::TcpStream) -> S + Send + Sync + 'static,
    listener: TcpListener,
) -> (mpsc::UnboundedReceiver<String>, tokio::task::JoinHandle<()>)
where
    S: std::future::Future<Output = Option<Box<dyn tokio::io::AsyncRead + Unpin + Send>>>
        + Send
        + 'static,
{
    let (frames, received) = mpsc::unbounded_channel();
    let accept = Arc::new(accept);
    let task = tokio::spawn(async move {
        let mut connections = tokio::task::JoinSet::new();
        while let Ok((tcp, _)) = listener.accept().await {
            let frames = frames.clone();
            let accept = Arc::clone(&accept);
            connections.spawn(async move {
                let Some(mut stream) = accept(tcp).await else {
                    return;
                };
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 4096];
                while let Ok(n @ 1..) = stream.read(&mut chunk).await {
                    buffer.extend_from_slice(&chunk[..n]);
                    for frame in take_frames(&mut buffer) {
                        let _ = frames.send(frame);
                    }
                }
            });
        }
    });
    (received, task)
}

fn plain_frames(
    listener: TcpListener,
) -> (mpsc::UnboundedReceiver<String>, tokio::task::JoinHandle<()>) {
    receive_frames(
        |tcp| async move { Some(Box::new(tcp) as Box<dyn tokio::io::AsyncRead + Unpin + Send>) },
        listener,
    )
}

/// A TLS receiver on an ephemeral port with `cert` and its key. With `client_ca`, a
/// client certificate from that authority is required.
async fn tls_frames(
    cert: rustls::pki_types::CertificateDer<'static>,
    key: Vec<u8>,
    client_ca: Option<rustls::pki_types::CertificateDer<'static>>,
) -> (mpsc::UnboundedReceiver<String>, std::net::SocketAddr) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .unwrap();
    let requires_client = client_ca.is_some();
    let builder = match client_ca {
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(ca).unwrap();
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .unwrap();
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let key = rustls::pki_types::PrivateKeyDer::try_from(key).unwrap();
    let config = builder.with_single_cert(vec![cert], key).unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (frames, _receiver) = receive_frames(
        move |tcp| {
            let acceptor = acceptor.clone();
            async move {
                let tls = acceptor.accept(tcp).await.ok()?;
                if requires_client {
                    let presented = tls.get_ref().1.peer_certificates().map(<[_]>::len);
                    assert_eq!(presented, Some(1), "the client certificate");
                }
                Some(Box::new(tls) as Box<dyn tokio::io::AsyncRead + Unpin + Send>)
            }
        },
        listener,
    );
    (frames, address)
}

async fn next_frame(frames: &mut mpsc::UnboundedReceiver<String>) -> String {
    tokio::time::timeout(Duration::from_secs(10), frames.recv())
        .await
        .expect("a frame within 10 s")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn udp_datagrams_carry_every_field() {
    let receiver = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    receiver
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let spool = tempfile::tempdir().unwrap();
    let config = syslog_sink(json!({
        "protocol": "udp",
        "address": receiver.local_addr().unwrap().to_string(),
    }));
    let sinks = Sinks::new(&config, spool.path()).unwrap();
    for n in 0..3 {
        sinks.send(alert(n));
    }
    let mut buffer = vec![0u8; 65_536];
    for n in 0..3 {
        let length = receiver.recv(&mut buffer).unwrap();
        check_syslog_message(std::str::from_utf8(&buffer[..length]).unwrap(), n);
    }
    let status = sinks.shutdown(Duration::from_secs(1)).await;
    assert_eq!(status[0].kind, "syslog");
    assert_eq!(
        status[0].counts,
        SinkCounts {
            received: 3,
            emitted: 3,
            ..SinkCounts::default()
        }
    );
}

/// A TCP receiver, and a TCP syslog sink sending to it with its spool.
async fn tcp_sink() -> (
    tempfile::TempDir,
    Sinks,
    std::net::SocketAddr,
    mpsc::UnboundedReceiver<String>,
    tokio::task::JoinHandle<()>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (frames, receiver) = plain_frames(listener);
    let spool = tempfile::tempdir().unwrap();
    let config = syslog_sink(json!({"protocol": "tcp", "address": address.to_string()}));
    let sinks = Sinks::new(&config, spool.path()).unwrap();
    (spool, sinks, address, frames, receiver)
}

/// Sends alerts `range` and checks they arrive, in order.
async fn send_and_check(
    sinks: &Sinks,
    frames: &mut mpsc::UnboundedReceiver<String>,
    range: std::ops::Range<u64>,
) {
    for n in range.clone() {
        sinks.send(alert(n));
    }
    for n in range {
        check_syslog_message(&next_frame(frames).await, n);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_frames_are_octet_counted_and_carry_every_field() {
    let (_spool, sinks, _address, mut frames, _receiver) = tcp_sink().await;
    send_and_check(&sinks, &mut frames, 0..4).await;
    let status = sinks.shutdown(Duration::from_secs(1)).await;
    let counts = status[0].counts;
    assert_eq!((counts.received, counts.spooled, counts.emitted), (4, 4, 4));
    assert_eq!(
        (counts.dropped, counts.errors, counts.spool_bytes),
        (0, 0, 0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tcp_receiver_that_goes_away_misses_nothing() {
    let (_spool, sinks, address, mut frames, receiver) = tcp_sink().await;
    send_and_check(&sinks, &mut frames, 0..2).await;

    // The receiver stops: its listener and connection close.
    receiver.abort();
    let _ = receiver.await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    for n in 2..5 {
        sinks.send(alert(n));
    }
    wait_for(&sinks, "siem", |c| c.spooled == 5 && c.errors >= 2).await;
    assert_eq!(sinks.counters().get("siem").unwrap().emitted, 2);

    let (mut frames, _receiver) = plain_frames(TcpListener::bind(address).await.unwrap());
    for n in 2..5 {
        check_syslog_message(&next_frame(&mut frames).await, n);
    }
    let status = sinks.shutdown(Duration::from_secs(1)).await;
    assert!(frames.try_recv().is_err(), "each frame exactly once");
    let counts = status[0].counts;
    assert_eq!((counts.received, counts.emitted, counts.dropped), (5, 5, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_with_a_client_certificate_carries_every_field() {
    // A CA, a server certificate for 127.0.0.1 and a client certificate, all from it.
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let ca_der = ca.der().clone();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let issue = |name: &str| {
        let key = KeyPair::generate().unwrap();
        let params = CertificateParams::new(vec![name.to_owned()]).unwrap();
        (params.signed_by(&key, &issuer).unwrap(), key)
    };
    let (server_cert, server_key) = issue("127.0.0.1");
    let (client_cert, client_key) = issue("agent.test");
    let files = tempfile::tempdir().unwrap();
    let write = |name: &str, pem: String| {
        let path = files.path().join(name);
        std::fs::write(&path, pem).unwrap();
        path
    };
    let ca_file = write("ca.pem", ca.pem());
    let cert_file = write("client.pem", client_cert.pem());
    let key_file = write("client.key", client_key.serialize_pem());

    let (mut frames, address) = tls_frames(
        server_cert.der().clone(),
        server_key.serialize_der(),
        Some(ca_der),
    )
    .await;

    let spool = tempfile::tempdir().unwrap();
    let config = syslog_sink(json!({
        "protocol": "tls",
        "address": address.to_string(),
        "tls": {"ca_file": ca_file, "client_cert": cert_file, "client_key": key_file},
    }));
    let sinks = Sinks::new(&config, spool.path()).unwrap();
    send_and_check(&sinks, &mut frames, 0..3).await;
    let status = sinks.shutdown(Duration::from_secs(1)).await;
    assert_eq!((status[0].counts.emitted, status[0].counts.errors), (3, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_from_another_authority_is_refused_unless_insecure() {
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let (mut frames, address) = tls_frames(
        certified.cert.der().clone(),
        certified.signing_key.serialize_der(),
        None,
    )
    .await;
    let other_ca = rcgen::generate_simple_self_signed(vec!["ca.test".to_owned()]).unwrap();
    let files = tempfile::tempdir().unwrap();
    let ca_file = files.path().join("other-ca.pem");
    std::fs::write(&ca_file, other_ca.cert.pem()).unwrap();

    let spool = tempfile::tempdir().unwrap();
    let verified = syslog_sink(json!({
        "protocol": "tls", "address": address.to_string(), "tls": {"ca_file": ca_file},
    }));
    let sinks = Sinks::new(&verified, spool.path()).unwrap();
    sinks.send(alert(0));
    wait_for(&sinks, "siem", |c| c.errors >= 2).await;
    assert_eq!(sinks.counters().get("siem").unwrap().emitted, 0);
    // Still spooled: the next start, with the right settings, sends it.
    sinks.shutdown(Duration::ZERO).await;

    let insecure = syslog_sink(json!({
        "protocol": "tls", "address": address.to_string(), "tls": {"insecure": true},
    }));
    let sinks = Sinks::new(&insecure, spool.path()).unwrap();
    check_syslog_message(&next_frame(&mut frames).await, 0);
    let status = sinks.shutdown(Duration::from_secs(1)).await;
    assert_eq!(
        (status[0].counts.emitted, status[0].counts.received),
        (1, 0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_settings_are_refused_naming_the_sink() {
    let spool = tempfile::tempdir().unwrap();
    for (extra, expected) in [
        (
            json!({"protocol": "tcp", "address": "nowhere"}),
            "expected host:port",
        ),
        (
            json!({"protocol": "udp", "address": "h:99999"}),
            "invalid port",
        ),
        (
            json!({"protocol": "tcp", "address": "h:6514", "tls": {"insecure": true}}),
            "tls settings need protocol: tls",
        ),
        (
            json!({"protocol": "tls", "address": "h:6514", "tls": {"ca_file": "/nonexistent/ca.pem"}}),
            "cannot read /nonexistent/ca.pem",
        ),
        (
            json!({"protocol": "tls", "address": "h:6514", "tls": {"client_cert": "/x.pem"}}),
            "client_cert and client_key go together",
        ),
        (
            json!({"protocol": "udp", "address": "h:514", "app_name": "two words"}),
            "app_name",
        ),
    ] {
        let error = Sinks::new(&syslog_sink(extra.clone()), spool.path()).unwrap_err();
        assert_eq!(error.sink, "siem");
        assert!(error.to_string().contains(expected), "{extra}: {error}");
    }
}

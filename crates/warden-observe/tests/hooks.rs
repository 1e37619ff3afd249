//! Hook delivery against a real receiver on loopback: signatures, retries, and the
//! spool that keeps results while the receiver is down.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use hmac::{KeyInit, Mac};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use warden_observe::{DeliveryOutcome, HookSender, SigningKey, Spool};
use warden_policy::{Hook, HookEvent};

/// One request the receiver saw.
#[derive(Debug, Clone)]
struct Received {
    headers: BTreeMap<String, String>,
    body: String,
}

/// A webhook receiver that answers 500 to its first `failures` requests.
struct Receiver {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
}

async fn receiver(failures: usize) -> Receiver {
    serve(TcpListener::bind("127.0.0.1:0").await.unwrap(), failures)
}

/// A receiver on a given port (the port spooled deliveries point at).
async fn receiver_on(port: u16) -> Receiver {
    serve(TcpListener::bind(("127.0.0.1", port)).await.unwrap(), 0)
}

fn serve(listener: TcpListener, failures: usize) -> Receiver {
    let port = listener.local_addr().unwrap().port();
    let received = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&received);
    tokio::spawn(async move {
        let mut count = 0;
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            reader.read_line(&mut line).await.unwrap();
            let mut headers = BTreeMap::new();
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).await.unwrap();
                if header == "\r\n" || header.is_empty() {
                    break;
                }
                if let Some((name, value)) = header.trim_end().split_once(": ") {
                    headers.insert(name.to_ascii_lowercase(), value.to_owned());
                }
            }
            let length: usize = headers
                .get("content-length")
                .map_or(0, |l| l.parse().unwrap());
            let mut body = vec![0; length];
            reader.read_exact(&mut body).await.unwrap();
            count += 1;
            let status = if count <= failures {
                "500 Internal Server Error"
            } else {
                "200 OK"
            };
            if count > failures {
                seen.lock().unwrap().push(Received {
                    headers,
                    body: String::from_utf8(body).unwrap(),
                });
            }
            let mut stream = reader.into_inner();
            let response =
                format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            let _ = stream.write_all(response.as_bytes()).await;
        }
    });
    Receiver { port, received }
}

fn hook(port: u16, retries: u32) -> Hook {
    Hook {
        name: "siem".into(),
        endpoint: format!("http://127.0.0.1:{port}/events"),
        insecure: false,
        method: None,
        headers: BTreeMap::from([("X-Tenant".to_owned(), "blue".to_owned())]),
        auth: None,
        retry_attempts: retries,
        retry_delay: Some(Duration::from_millis(20)),
        timeout_seconds: Some(2),
        event_types: vec![HookEvent::Policy],
        mark: Default::default(),
    }
}

fn expected_signature(secret: &[u8], body: &str) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
    mac.update(body.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[tokio::test]
async fn deliveries_are_signed_and_retried() {
    let receiver = receiver(2).await;
    let dir = tempfile::tempdir().unwrap();
    let secret = format!(
        "whsec_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b"shared-key")
    );
    let sender = HookSender::new(
        vec![hook(receiver.port, 3)],
        SigningKey::from_secret(&secret),
        Spool::open(dir.path()).unwrap(),
    );
    let outcome = sender
        .send(
            &sender.hooks()[0].clone(),
            "application/json",
            r#"{"a":1}"#.to_owned(),
        )
        .await
        .unwrap();
    assert_eq!(outcome, DeliveryOutcome::Delivered { attempts: 3 });
    let received = receiver.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].body, r#"{"a":1}"#);
    assert_eq!(
        received[0].headers["x-signature"],
        expected_signature(b"shared-key", r#"{"a":1}"#)
    );
    assert_eq!(received[0].headers["x-tenant"], "blue");
    assert_eq!(received[0].headers["content-type"], "application/json");
}

#[tokio::test]
async fn a_receiver_that_is_down_loses_nothing() {
    // Reserve a port, then close it: nothing listens there until the receiver starts.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let dir = tempfile::tempdir().unwrap();
    let key = SigningKey::from_secret("k");
    let sender = HookSender::new(
        vec![hook(port, 1)],
        key.clone(),
        Spool::open(dir.path()).unwrap(),
    );
    for n in 0..3 {
        let outcome = sender
            .send(
                &sender.hooks()[0].clone(),
                "application/json",
                format!("{{\"n\":{n}}}"),
            )
            .await
            .unwrap();
        assert!(
            matches!(outcome, DeliveryOutcome::Spooled { attempts: 2, .. }),
            "{outcome:?}"
        );
    }
    assert_eq!(Spool::open(dir.path()).unwrap().pending().unwrap().len(), 3);
    assert_eq!(sender.flush_spool().await.unwrap(), 0, "still down");

    // The receiver comes back on the same port; a new sender (as after a restart) flushes.
    let receiver = receiver_on(port).await;
    let restarted = HookSender::new(vec![hook(port, 1)], key, Spool::open(dir.path()).unwrap());
    assert_eq!(restarted.flush_spool().await.unwrap(), 3);
    let bodies: Vec<String> = receiver
        .received
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.body.clone())
        .collect();
    assert_eq!(
        bodies,
        [r#"{"n":0}"#, r#"{"n":1}"#, r#"{"n":2}"#],
        "oldest first"
    );
    assert!(
        Spool::open(dir.path())
            .unwrap()
            .pending()
            .unwrap()
            .is_empty()
    );
}

//! The webhook sink against a receiver on loopback: signatures, order, a receiver that
//! is down and comes back, retried and refused deliveries, batches.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use hmac::{KeyInit, Mac};
use serde_json::json;
use warden_sinks::{SinkConfig, Sinks};
use warden_violations::Alert;

use common::{alert, wait_for};

/// One request the receiver accepted.
#[derive(Debug, Clone)]
struct Request {
    headers: HeaderMap,
    body: String,
}

/// Answers each request with `answer(body, request number)`.
#[derive(Clone)]
struct Receiver {
    accepted: Arc<Mutex<Vec<Request>>>,
    seen: Arc<Mutex<usize>>,
    answer: Arc<Answer>,
}

/// The status for a request, from its body and its number (from 1).
type Answer = dyn Fn(&str, usize) -> StatusCode + Send + Sync;

impl Receiver {
    fn new(answer: impl Fn(&str, usize) -> StatusCode + Send + Sync + 'static) -> Receiver {
        Receiver {
            accepted: Arc::default(),
            seen: Arc::default(),
            answer: Arc::new(answer),
        }
    }

    /// Serves on an ephemeral port, which it returns.
    async fn start(
        answer: impl Fn(&str, usize) -> StatusCode + Send + Sync + 'static,
    ) -> (Receiver, u16) {
        let receiver = Receiver::new(answer);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        receiver.serve(listener).await;
        (receiver, port)
    }

    async fn serve(&self, listener: tokio::net::TcpListener) {
        async fn hook(
            State(receiver): State<Receiver>,
            headers: HeaderMap,
            body: String,
        ) -> StatusCode {
            let number = {
                let mut seen = receiver.seen.lock().unwrap();
                *seen += 1;
                *seen
            };
            let status = (receiver.answer)(&body, number);
            if status.is_success() {
                receiver
                    .accepted
                    .lock()
                    .unwrap()
                    .push(Request { headers, body });
            }
            status
        }
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(hook))
            .with_state(self.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    }

    fn accepted(&self) -> Vec<Request> {
        self.accepted.lock().unwrap().clone()
    }
}

const SECRET: &[u8] = b"0123456789abcdef-shared";

struct Setup {
    _dir: tempfile::TempDir,
    spool: std::path::PathBuf,
    config: Vec<SinkConfig>,
}

fn setup(port: u16, extra: serde_json::Value) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, [SECRET, b"\n"].concat()).unwrap();
    let mut sink = json!({
        "name": "soar",
        "url": format!("http://127.0.0.1:{port}/hook"),
        "secret": {"file": secret},
        "headers": {"X-Tenant": "blue"},
        "timeout": "2s",
        "retry": {"initial_backoff": "20ms", "max_backoff": "100ms"},
    });
    sink.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    Setup {
        spool: dir.path().join("spool"),
        _dir: dir,
        config: serde_json::from_value(json!([{ "webhook": sink }])).unwrap(),
    }
}

/// Checks the Standard Webhooks signature with an HMAC computed here.
fn check_signature(request: &Request) {
    let header = |name: &str| request.headers[name].to_str().unwrap().to_owned();
    let signed = format!(
        "{}.{}.{}",
        header("webhook-id"),
        header("webhook-timestamp"),
        request.body
    );
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET).unwrap();
    mac.update(signed.as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(header("webhook-signature"), format!("v1,{expected}"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let timestamp: u64 = header("webhook-timestamp").parse().unwrap();
    assert!(now.abs_diff(timestamp) < 60, "a current timestamp");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_that_is_down_gets_everything_once_in_order() {
    let port = free_port();
    let setup = setup(port, json!({}));
    let sinks = Sinks::new(&setup.config, &setup.spool).unwrap();
    for n in 0..5 {
        sinks.send(alert(n));
    }
    wait_for(&sinks, "soar", |c| c.spooled == 5 && c.errors >= 2).await;
    assert_eq!(sinks.counters().get("soar").unwrap().emitted, 0);

    let receiver = Receiver::new(|_, _| StatusCode::OK);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    receiver.serve(listener).await;
    wait_for(&sinks, "soar", |c| c.emitted == 5).await;
    let status = sinks.shutdown(Duration::from_secs(1)).await;

    let accepted = receiver.accepted();
    assert_eq!(accepted.len(), 5, "each alert exactly once");
    for (n, request) in (0..).zip(&accepted) {
        let alert_sent = alert(n);
        let body: Alert = serde_json::from_str(&request.body).unwrap();
        assert_eq!(body, *alert_sent, "alert {n} in order");
        assert_eq!(request.headers["webhook-id"], alert_sent.id.as_str());
        assert_eq!(request.headers["content-type"], "application/json");
        assert_eq!(request.headers["x-tenant"], "blue");
        assert!(
            request.headers["user-agent"]
                .to_str()
                .unwrap()
                .starts_with("warden/")
        );
        check_signature(request);
    }
    let counts = status[0].counts;
    assert_eq!((counts.received, counts.spooled, counts.emitted), (5, 5, 5));
    assert_eq!((counts.dropped, counts.spool_bytes), (0, 0));
    assert!(
        std::fs::read_dir(setup.spool.join("soar"))
            .unwrap()
            .all(|e| e.unwrap().file_name() == "rejected"),
        "only the empty rejected/ directory is left"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_are_arrays_and_server_errors_are_retried() {
    let (receiver, port) = Receiver::start(|_, number| {
        if number <= 2 {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::OK
        }
    })
    .await;
    let setup = setup(port, json!({"batch": 3, "format": "falco"}));
    let sinks = Sinks::new(&setup.config, &setup.spool).unwrap();
    for n in 0..7 {
        sinks.send(alert(n));
    }
    wait_for(&sinks, "soar", |c| c.emitted == 7).await;
    let status = sinks.shutdown(Duration::from_secs(1)).await;

    let mut rendered = Vec::new();
    for request in receiver.accepted() {
        check_signature(&request);
        let batch: Vec<serde_json::Value> = serde_json::from_str(&request.body).unwrap();
        assert!((1..=3).contains(&batch.len()), "{}", request.body);
        let first = rendered.len();
        assert_eq!(
            request.headers["webhook-id"],
            format!("b00t-1:{first}+{}", batch.len() - 1).as_str()
        );
        rendered.extend(batch);
    }
    let expected: Vec<serde_json::Value> = (0..7)
        .map(|n| {
            serde_json::from_str(&warden_sinks::alert_json(
                &alert(n),
                warden_sinks::Format::Falco,
            ))
            .unwrap()
        })
        .collect();
    assert_eq!(
        rendered, expected,
        "every alert once, in order, Falco-shaped"
    );
    let counts = status[0].counts;
    assert_eq!((counts.emitted, counts.errors, counts.dropped), (7, 2, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_deliveries_are_kept_aside_and_the_rest_flow() {
    let (receiver, port) = Receiver::start(|body, _| {
        if body.contains(r#""id":"b00t-1:1""#) {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        }
    })
    .await;
    let setup = setup(port, json!({}));
    let sinks = Sinks::new(&setup.config, &setup.spool).unwrap();
    for n in 0..3 {
        sinks.send(alert(n));
    }
    wait_for(&sinks, "soar", |c| c.emitted + c.dropped == 3).await;
    let status = sinks.shutdown(Duration::from_secs(1)).await;
    let ids: Vec<String> = receiver
        .accepted()
        .iter()
        .map(|r| r.headers["webhook-id"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["b00t-1:0", "b00t-1:2"]);
    let counts = status[0].counts;
    assert_eq!((counts.emitted, counts.dropped, counts.errors), (2, 1, 1));

    let rejected = warden_spool::Spool::open(&setup.spool.join("soar/rejected")).unwrap();
    let kept = rejected.pending().unwrap();
    assert_eq!(kept.len(), 1);
    let entry = rejected.read::<serde_json::Value>(&kept[0]).unwrap();
    let body: Alert = serde_json::from_slice(&entry.payload).unwrap();
    assert_eq!(body, *alert(1));
    assert_eq!(entry.meta["records"][0]["id"], "b00t-1:1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_settings_are_refused_naming_the_sink() {
    let dir = tempfile::tempdir().unwrap();
    for (extra, expected) in [
        (json!({"url": "ftp://x/"}), "expected an http or https URL"),
        (json!({"url": "not a url"}), "url \"not a url\""),
        (
            json!({"headers": {"Webhook-Signature": "x"}}),
            "is set by Warden",
        ),
        (
            json!({"headers": {"bad header": "x"}}),
            "not a valid header name",
        ),
        (
            json!({"tls": {"insecure": true}}),
            "tls settings need an https url",
        ),
        (
            json!({"secret": {"env": "WARDEN_SINKS_TEST_UNSET_VARIABLE"}}),
            "WARDEN_SINKS_TEST_UNSET_VARIABLE is not set",
        ),
        (
            json!({"secret": {"file": "/nonexistent/secret"}}),
            "cannot read /nonexistent/secret",
        ),
    ] {
        let setup = setup(1, extra.clone());
        let error = Sinks::new(&setup.config, dir.path()).unwrap_err();
        assert_eq!(error.sink, "soar");
        assert!(error.to_string().contains(expected), "{extra}: {error}");
    }
}

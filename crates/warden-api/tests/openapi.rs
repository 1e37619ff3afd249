//! The API on a real socket, every response held to docs/openapi.yaml: its status must be
//! documented for the operation, its body must validate against the documented schema,
//! its documented headers must be there, and every documented response must be seen.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use warden_api::{
    AgentStatus, AgentView, ApiToken, Capability, EnforcementCapabilities, PolicySummary, Server,
    StageCounters, router,
};
use warden_violations::{
    ALERT_SCHEMA, Action, ActionKind, ActionOutcome, Alert, AncestorRecord, BaselineEntry, Entity,
    Mode, Page, PolicyRef, ProcessRecord, Recorded, ResolveRequest, Resolved, Severity,
    SqliteStore, StoreError, Violation, ViolationFilter, ViolationStore,
};

const TOKEN: &str = "test-token-0123456789";
const SECOND: u64 = 1_000_000_000;
/// 2026-01-31T12:00:00Z.
const T0: u64 = 1_769_860_800 * SECOND;

struct OpenApi {
    doc: Value,
    seen: Mutex<BTreeSet<(String, String, String)>>,
}

impl OpenApi {
    fn load() -> Self {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.yaml");
        let text = std::fs::read_to_string(path).unwrap();
        let node = warden_value::parse(&text, warden_value::Format::Yaml).unwrap();
        let doc: Value = serde_json::from_str(&warden_value::to_json_ordered(&node, "")).unwrap();
        assert_eq!(doc["openapi"], "3.1.0");
        Self {
            doc,
            seen: Mutex::new(BTreeSet::new()),
        }
    }

    /// Follows a `$ref` within the document.
    fn deref<'a>(&'a self, value: &'a Value) -> &'a Value {
        match value.get("$ref").and_then(Value::as_str) {
            Some(pointer) => self
                .doc
                .pointer(pointer.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("dangling $ref {pointer}")),
            None => value,
        }
    }

    fn validate(&self, schema: &Value, instance: &Value, context: &str) {
        // The schema with the document's components beside it, so `#/components/…`
        // references resolve as they do in the document.
        let mut root = json!({"allOf": [schema]});
        root["components"] = self.doc["components"].clone();
        let validator = jsonschema::options().build(&root).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{context}: response does not match the OpenAPI document:\n{}\n{instance:#}",
            errors.join("\n")
        );
    }

    /// Checks a response of `method template` against the document.
    fn check(&self, method: &str, template: &str, response: &Response) {
        let context = format!("{method} {template} -> {}", response.status);
        let operation = &self.doc["paths"][template][method.to_ascii_lowercase()];
        assert!(operation.is_object(), "{context}: undocumented operation");
        let status = response.status.to_string();
        let documented = operation["responses"]
            .get(&status)
            .unwrap_or_else(|| panic!("{context}: undocumented status\n{}", response.body));
        let documented = self.deref(documented);
        let body: Value = serde_json::from_str(&response.body)
            .unwrap_or_else(|e| panic!("{context}: body is not JSON ({e}): {}", response.body));
        let schema = &documented["content"]["application/json"]["schema"];
        assert!(schema.is_object(), "{context}: no JSON schema documented");
        assert_eq!(
            response.header("content-type"),
            Some("application/json"),
            "{context}"
        );
        self.validate(schema, &body, &context);
        if let Some(headers) = documented["headers"].as_object() {
            for (name, header) in headers {
                if header["required"] == true {
                    assert!(
                        response.header(name).is_some(),
                        "{context}: no {name} header"
                    );
                }
            }
        }
        self.seen.lock().unwrap().insert((
            template.to_owned(),
            method.to_ascii_lowercase(),
            status,
        ));
    }

    /// Responses outside the operations (unknown routes, wrong methods) use `Error`.
    fn check_error(&self, response: &Response, status: u16) {
        assert_eq!(response.status, status, "{}", response.body);
        let body: Value = serde_json::from_str(&response.body).unwrap();
        self.validate(
            &json!({"$ref": "#/components/schemas/Error"}),
            &body,
            "error",
        );
    }

    fn assert_every_response_seen(&self) {
        let seen = self.seen.lock().unwrap();
        let mut missing = Vec::new();
        for (template, item) in self.doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                for status in operation["responses"].as_object().unwrap().keys() {
                    let key = (template.clone(), method.clone(), status.clone());
                    if status != "default" && !seen.contains(&key) {
                        missing.push(format!("{method} {template} {status}"));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "documented but never seen: {missing:?}");
    }
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// One HTTP/1.1 request on a fresh connection.
async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    authorization: Option<&str>,
    body: Option<&str>,
) -> Response {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(authorization) = authorization {
        request.push_str(&format!("Authorization: {authorization}\r\n"));
    }
    if let Some(body) = body {
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(body.unwrap_or(""));
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap();
            (name.trim().to_owned(), value.trim().to_owned())
        })
        .collect();
    let response = Response {
        status,
        headers,
        body: body.to_owned(),
    };
    assert_eq!(
        response.header("transfer-encoding"),
        None,
        "bodies are sized"
    );
    response
}

struct Client {
    addr: SocketAddr,
}

impl Client {
    async fn get(&self, path: &str) -> Response {
        send(
            self.addr,
            "GET",
            path,
            Some(&format!("Bearer {TOKEN}")),
            None,
        )
        .await
    }

    async fn post(&self, path: &str, body: Option<&str>) -> Response {
        send(
            self.addr,
            "POST",
            path,
            Some(&format!("Bearer {TOKEN}")),
            body,
        )
        .await
    }
}

struct Agent;

impl AgentView for Agent {
    fn policies(&self) -> Vec<PolicySummary> {
        vec![
            PolicySummary {
                id: "shell-in-container".into(),
                name: "Shell in container".into(),
                description: Some("A shell ran inside a container.".into()),
                severity: Severity::High,
                mode: Mode::Enforce,
                enabled: true,
                rules: vec!["Terminal shell in container".into()],
                tags: vec!["mitre_execution".into()],
            },
            PolicySummary {
                id: "package-manager".into(),
                name: "Package manager run".into(),
                description: None,
                severity: Severity::Low,
                mode: Mode::Audit,
                enabled: false,
                rules: vec![],
                tags: vec![],
            },
        ]
    }

    fn status(&self) -> AgentStatus {
        let stage = |name: &str, n: u64| StageCounters {
            stage: name.into(),
            received: n,
            emitted: n - 1,
            dropped: 1,
            errors: 0,
        };
        AgentStatus {
            version: "0.1.0".into(),
            hostname: "node-1".into(),
            started: T0,
            pipeline: vec![stage("sensor", 1000), stage("rules", 999)],
            enforcement: EnforcementCapabilities {
                deny: Capability {
                    available: false,
                    detail: Some("no BPF LSM on this kernel".into()),
                },
                kill: Capability {
                    available: true,
                    detail: Some("bpf_send_signal".into()),
                },
                kill_container: Capability {
                    available: true,
                    detail: None,
                },
            },
        }
    }
}

/// A store that cannot be read, as a damaged file or a lock held too long leaves it.
struct UnavailableStore;

impl UnavailableStore {
    fn error() -> StoreError {
        StoreError::Unavailable {
            location: "/var/lib/warden/warden.db".into(),
            message: "database disk image is malformed".into(),
        }
    }
}

impl ViolationStore for UnavailableStore {
    fn record(&self, _: &Alert) -> Result<Recorded, StoreError> {
        Err(Self::error())
    }
    fn record_all(&self, _: &[Alert]) -> Result<Vec<Recorded>, StoreError> {
        Err(Self::error())
    }
    fn list(&self, _: &ViolationFilter, _: Page) -> Result<Vec<Violation>, StoreError> {
        Err(Self::error())
    }
    fn count(&self, _: &ViolationFilter) -> Result<u64, StoreError> {
        Err(Self::error())
    }
    fn get(&self, _: &str) -> Result<Option<Violation>, StoreError> {
        Err(Self::error())
    }
    fn resolve(&self, _: &str, _: &ResolveRequest) -> Result<Resolved, StoreError> {
        Err(Self::error())
    }
    fn is_baselined(&self, _: &str, _: &Entity, _: &str) -> Result<bool, StoreError> {
        Err(Self::error())
    }
    fn baseline(&self) -> Result<Vec<BaselineEntry>, StoreError> {
        Err(Self::error())
    }
}

fn alert(
    policy: (&str, Severity),
    entity: Entity,
    seconds: u64,
    exepath: &str,
    action: Action,
) -> Alert {
    let time = T0 + seconds * SECOND;
    Alert {
        schema: ALERT_SCHEMA.into(),
        id: format!("boot:{seconds}"),
        time,
        hostname: "node-1".into(),
        policy: PolicyRef {
            id: policy.0.into(),
            name: policy.0.into(),
            severity: policy.1,
            mode: Mode::Enforce,
        },
        rule: "Terminal shell in container".into(),
        priority: "Warning".into(),
        source: "syscall".into(),
        output: "A shell was spawned".into(),
        output_fields: serde_json::Map::new(),
        tags: vec![],
        entity,
        process: ProcessRecord {
            time,
            pid: 4242,
            uid: 0,
            gid: 0,
            loginuid: None,
            exepath: exepath.into(),
            args: vec!["-c".into(), "id".into()],
            cwd: "/".into(),
            tty: 34816,
            ancestors: vec![AncestorRecord {
                exepath: "/usr/bin/conmon".into(),
                pid: 900,
                uid: 0,
            }],
        },
        action,
    }
}

/// Serves `store` on an ephemeral loopback port until the returned sender fires.
async fn start(
    store: Arc<dyn ViolationStore>,
) -> (
    Client,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let server = Server::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let addr = server.local_addr().unwrap();
    let app = router(store, Arc::new(Agent), ApiToken::new(TOKEN).unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run(app, async {
        let _ = stopped.await;
    }));
    (Client { addr }, stop, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_matches_the_openapi_document() {
    let api = OpenApi::load();
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("warden.db")).unwrap();
    let web = Entity::Container {
        id: "c0ffee0123456789".into(),
        name: Some("web".into()),
        image: Some("nginx:1.27".into()),
        runtime: "podman".into(),
    };
    let audit = Action {
        kind: ActionKind::None,
        outcome: ActionOutcome::NotAttempted,
    };
    let shell = ("shell-in-container", Severity::High);
    for (i, exe) in ["/bin/sh", "/bin/bash", "/bin/sh"].into_iter().enumerate() {
        store
            .record(&alert(shell, web.clone(), i as u64, exe, audit.clone()))
            .unwrap();
    }
    let denied = Action {
        kind: ActionKind::Deny,
        outcome: ActionOutcome::Succeeded,
    };
    let on_host = Entity::Host {
        hostname: "node-1".into(),
    };
    store
        .record(&alert(shell, on_host.clone(), 10, "/bin/sh", denied))
        .unwrap();
    let failed_kill = Action {
        kind: ActionKind::Kill,
        outcome: ActionOutcome::Failed {
            reason: "process exited".into(),
        },
    };
    store
        .record(&alert(
            ("package-manager", Severity::Low),
            on_host,
            20,
            "/usr/bin/apt",
            failed_kill,
        ))
        .unwrap();
    let store = Arc::new(store);
    let (client, stop, task) = start(store.clone()).await;

    // Authentication comes first, on every route and on paths that are not routes.
    let routes = [
        ("GET", "/violations", "/api/v1/violations"),
        ("GET", "/violations/{id}", "/api/v1/violations/x"),
        (
            "POST",
            "/violations/{id}/resolve",
            "/api/v1/violations/x/resolve",
        ),
        ("GET", "/policies", "/api/v1/policies"),
        ("GET", "/policies/{id}", "/api/v1/policies/x"),
        ("GET", "/status", "/api/v1/status"),
    ];
    for (method, template, path) in routes {
        let missing = send(client.addr, method, path, None, None).await;
        assert_eq!(missing.status, 401);
        assert_eq!(
            missing.header("www-authenticate"),
            Some(r#"Bearer realm="warden""#)
        );
        api.check(method, template, &missing);
        for wrong in [
            "Bearer not-the-token",
            "bearer test-token-012345678",
            "Basic dGVzdA==",
        ] {
            let refused = send(client.addr, method, path, Some(wrong), None).await;
            assert_eq!(refused.status, 401, "{wrong}");
            api.check(method, template, &refused);
        }
        let invalid = send(client.addr, method, path, Some("Bearer nope"), None).await;
        assert_eq!(
            invalid.header("www-authenticate"),
            Some(r#"Bearer realm="warden", error="invalid_token""#)
        );
    }
    let elsewhere = send(client.addr, "GET", "/metrics", None, None).await;
    assert_eq!(elsewhere.status, 401);
    let lower_case_scheme = send(
        client.addr,
        "GET",
        "/api/v1/status",
        Some(&format!("bearer {TOKEN}")),
        None,
    )
    .await;
    assert_eq!(lower_case_scheme.status, 200);

    // Listing and filters.
    let all = client.get("/api/v1/violations").await;
    api.check("GET", "/violations", &all);
    let all = all.json();
    assert_eq!(
        (all["total"].as_u64(), all["limit"].as_u64()),
        (Some(3), Some(100))
    );
    let newest: Vec<&str> = all["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["policy"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        newest,
        [
            "package-manager",
            "shell-in-container",
            "shell-in-container"
        ]
    );
    let states: Vec<&str> = all["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["ACTIVE", "ATTEMPTED", "ACTIVE"]);
    let web_violation = all["violations"][2].clone();
    assert_eq!(web_violation["count"], 3);
    assert_eq!(web_violation["processes"].as_array().unwrap().len(), 3);

    let filtered = client
        .get("/api/v1/violations?severity=HIGH&state=active&container=c0ffee&since=2026-01-31T12:00:00Z&until=1h&limit=5&offset=0")
        .await;
    api.check("GET", "/violations", &filtered);
    let filtered = filtered.json();
    assert_eq!(filtered["total"], 1);
    assert_eq!(filtered["violations"][0]["id"], web_violation["id"]);
    let page = client
        .get("/api/v1/violations?policy=shell-in-container&limit=1&offset=1")
        .await;
    api.check("GET", "/violations", &page);
    let page = page.json();
    assert_eq!(
        (page["total"].as_u64(), page["violations"][0]["id"].clone()),
        (Some(2), web_violation["id"].clone())
    );

    for (query, names) in [
        (
            "severity=urgent",
            "query parameter severity: unknown severity \"urgent\"",
        ),
        (
            "state=open",
            "query parameter state: unknown state \"open\"",
        ),
        (
            "since=yesterday",
            "query parameter since: invalid time \"yesterday\"",
        ),
        (
            "until=2026-13-01T00:00:00Z",
            "query parameter until: invalid time",
        ),
        (
            "limit=5000",
            "query parameter limit: 5000 is more than 1000",
        ),
        (
            "limit=-1",
            "query parameter limit: \"-1\" is not a non-negative integer",
        ),
        ("offset=x", "query parameter offset: \"x\" is not"),
        ("sevrity=high", "unknown field `sevrity`"),
    ] {
        let bad = client.get(&format!("/api/v1/violations?{query}")).await;
        assert_eq!(bad.status, 400, "{query}");
        api.check("GET", "/violations", &bad);
        let message = bad.json()["error"]["message"].as_str().unwrap().to_owned();
        assert!(message.contains(names), "{query}: {message}");
    }

    // One violation.
    let id = web_violation["id"].as_str().unwrap();
    let one = client.get(&format!("/api/v1/violations/{id}")).await;
    api.check("GET", "/violations/{id}", &one);
    assert_eq!(one.json(), web_violation);
    let missing = client.get("/api/v1/violations/no-such-id").await;
    api.check("GET", "/violations/{id}", &missing);
    assert_eq!(missing.json()["error"]["code"], "not_found");

    // Resolving.
    let resolve = format!("/api/v1/violations/{id}/resolve");
    let long_note = format!(r#"{{"note": "{}"}}"#, "x".repeat(4097));
    for body in [
        "{",
        r#"{"note": 5}"#,
        r#"{"add_to_baselin": true}"#,
        long_note.as_str(),
    ] {
        let bad = client.post(&resolve, Some(body)).await;
        assert_eq!(bad.status, 400, "{body}");
        api.check("POST", "/violations/{id}/resolve", &bad);
        assert!(
            bad.json()["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("request body: ")
        );
    }
    let missing = client
        .post("/api/v1/violations/no-such-id/resolve", None)
        .await;
    api.check("POST", "/violations/{id}/resolve", &missing);
    assert_eq!(missing.status, 404);
    let resolved = client
        .post(
            &resolve,
            Some(r#"{"note": "expected: debugging", "add_to_baseline": true}"#),
        )
        .await;
    api.check("POST", "/violations/{id}/resolve", &resolved);
    let resolved = resolved.json();
    assert_eq!(resolved["violation"]["state"], "RESOLVED");
    assert_eq!(resolved["violation"]["resolution"]["by"], "api");
    assert_eq!(
        resolved["violation"]["resolution"]["note"],
        "expected: debugging"
    );
    let baselined: Vec<&str> = resolved["baselined"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["exepath"].as_str().unwrap())
        .collect();
    assert_eq!(baselined, ["/bin/bash", "/bin/sh"]);
    assert_eq!(
        resolved["baselined"][0]["scope"],
        json!({"type": "image", "name": "nginx:1.27"})
    );
    assert!(
        store
            .is_baselined("shell-in-container", &web, "/bin/bash")
            .unwrap()
    );
    let again = client.post(&resolve, None).await;
    api.check("POST", "/violations/{id}/resolve", &again);
    assert_eq!(again.status, 409);
    assert_eq!(again.json()["error"]["code"], "already_resolved");
    let attempted_id = all["violations"][1]["id"].as_str().unwrap();
    let plain = client
        .post(&format!("/api/v1/violations/{attempted_id}/resolve"), None)
        .await;
    api.check("POST", "/violations/{id}/resolve", &plain);
    assert_eq!(plain.json()["violation"]["resolution"]["note"], Value::Null);
    assert_eq!(plain.json()["baselined"], json!([]));

    // Policies and status.
    let policies = client.get("/api/v1/policies").await;
    api.check("GET", "/policies", &policies);
    assert_eq!(policies.json()["policies"].as_array().unwrap().len(), 2);
    let policy = client.get("/api/v1/policies/shell-in-container").await;
    api.check("GET", "/policies/{id}", &policy);
    assert_eq!(
        policy.json()["violations"],
        json!({"active": 0, "attempted": 0, "resolved": 2})
    );
    assert_eq!(policy.json()["name"], "Shell in container");
    let missing = client.get("/api/v1/policies/nope").await;
    api.check("GET", "/policies/{id}", &missing);
    assert_eq!(missing.status, 404);
    let status = client.get("/api/v1/status").await;
    api.check("GET", "/status", &status);
    let status = status.json();
    assert_eq!(
        status["violations"],
        json!({"active": 1, "attempted": 0, "resolved": 2})
    );
    assert_eq!(status["pipeline"][0]["stage"], "sensor");
    assert_eq!(status["enforcement"]["deny"]["available"], false);

    // Outside the operations.
    api.check_error(&client.get("/api/v1/nothing-here").await, 404);
    api.check_error(&client.get("/").await, 404);
    api.check_error(
        &send(
            client.addr,
            "DELETE",
            "/api/v1/violations",
            Some(&format!("Bearer {TOKEN}")),
            None,
        )
        .await,
        405,
    );

    stop.send(()).unwrap();
    task.await.unwrap().unwrap();

    // A store that cannot be read.
    let (broken, stop, task) = start(Arc::new(UnavailableStore)).await;
    for (method, template, path) in routes {
        let response = match method {
            "POST" => broken.post(path, None).await,
            _ => broken.get(path).await,
        };
        if template == "/policies" {
            // Served from the agent alone.
            assert_eq!(response.status, 200);
            continue;
        }
        if template == "/policies/{id}" {
            // An unknown policy is 404 before the store is asked.
            assert_eq!(response.status, 404);
            let known = broken.get("/api/v1/policies/package-manager").await;
            assert_eq!(known.status, 503);
            api.check(method, template, &known);
            continue;
        }
        assert_eq!(response.status, 503, "{method} {path}");
        api.check(method, template, &response);
        assert_eq!(response.json()["error"]["code"], "store_unavailable");
    }
    stop.send(()).unwrap();
    task.await.unwrap().unwrap();

    api.assert_every_response_seen();
}

//! Requests through a router, and gossfiles and policy files to serve.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;
use warden_gossfile::{LoadOptions, Resource, Source, SystemHost};

/// goss's own serve fixtures: one passing and one failing `command` check.
pub(crate) fn goss_testdata(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/conformance/goss/testdata")
        .join(name)
}

pub(crate) fn load_gossfile(path: &Path) -> Vec<Resource> {
    let options = LoadOptions {
        vars: warden_value::Value::Map(Default::default()),
        host: &SystemHost,
    };
    warden_gossfile::load(&Source::Path(path.to_owned()), &options)
        .unwrap()
        .resources
}

pub(crate) fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

/// A gossfile with one command that appends a line to `counter` (one line per run)
/// after `delay`, and exits `exit_status`.
pub(crate) fn counting_gossfile(
    dir: &Path,
    name: &str,
    counter: &Path,
    delay: &str,
    exit_status: i32,
) -> PathBuf {
    write(
        dir,
        name,
        &format!(
            "command:\n  count runs:\n    exec: \"sleep {delay}; echo run >> {}; exit {exit_status}\"\n    exit-status: 0\n    timeout: 20000\n",
            counter.display()
        ),
    )
}

/// How many runs appended to `counter`.
pub(crate) fn runs(counter: &Path) -> usize {
    std::fs::read_to_string(counter)
        .map(|text| text.lines().count())
        .unwrap_or(0)
}

pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) content_type: String,
    pub(crate) body: String,
}

impl Answer {
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// `GET path` with one `Accept` header per value.
pub(crate) async fn get(router: &Router, path: &str, accept: &[&str]) -> Answer {
    let mut request = Request::get(path);
    for value in accept {
        request = request.header("accept", *value);
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Answer {
        status,
        content_type,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

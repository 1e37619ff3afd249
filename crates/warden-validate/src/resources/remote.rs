//! Resources that wait on another process or the network: packages, services,
//! commands, DNS, addresses and HTTP.

use std::io::Cursor;

use warden_gossfile::Resource;
use warden_matchers::Actual;
use warden_probes::{HttpRequest, System};

use crate::checks::{Checks, Reading, strings, value};

pub(crate) async fn package<'r>(resource: &'r Resource, system: &System) -> Checks<'r> {
    let probe = system.package(resource.target());
    let mut checks = Checks::new(resource);
    checks
        .gate("installed", async || value(probe.installed().await))
        .await;
    checks
        .optional_as("versions", "version", async || {
            strings(probe.versions().await)
        })
        .await;
    checks
}

pub(crate) async fn service<'r>(resource: &'r Resource, system: &System) -> Checks<'r> {
    let probe = system.service(resource.target());
    let mut checks = Checks::new(resource);
    checks
        .optional("enabled", async || value(probe.enabled().await))
        .await;
    checks
        .optional("running", async || value(probe.running().await))
        .await;
    checks
        .optional("runlevels", async || strings(probe.runlevels().await))
        .await;
    checks
}

pub(crate) async fn addr<'r>(resource: &'r Resource, system: &System) -> Checks<'r> {
    let probe = system.addr(
        resource.target(),
        resource.str("local-address"),
        resource.timeout("timeout", 500),
    );
    let mut checks = Checks::new(resource);
    checks
        .gate("reachable", async || value(probe.reachable().await))
        .await;
    checks
}

pub(crate) async fn command<'r>(resource: &'r Resource, system: &System) -> Checks<'r> {
    let probe = system.command(resource.target(), resource.timeout("timeout", 10_000));
    let mut checks = Checks::new(resource);
    checks
        .required("exit-status", async || {
            value(probe.exit_status().await.map(i64::from))
        })
        .await;
    checks
        .optional("stdout", async || reader(probe.stdout().await))
        .await;
    checks
        .optional("stderr", async || reader(probe.stderr().await))
        .await;
    checks
}

pub(crate) async fn dns<'r>(resource: &'r Resource, system: &System) -> Checks<'r> {
    let probe = system.dns(
        resource.target(),
        resource.str("server"),
        resource.timeout("timeout", 500),
    );
    let mut checks = Checks::new(resource);
    checks
        .gate("resolvable", async || value(probe.resolvable().await))
        .await;
    checks
        .optional("addrs", async || strings(probe.addrs().await))
        .await;
    checks
}

pub(crate) async fn http<'r>(resource: &'r Resource, system: &System) -> Checks<'r> {
    let path = |attr: &str| resource.str(attr).filter(|p| !p.is_empty()).map(Into::into);
    let request = HttpRequest {
        method: resource.str("method").unwrap_or_default().to_owned(),
        request_headers: resource.str_list("request-headers"),
        request_body: resource.str("request-body").unwrap_or_default().to_owned(),
        username: resource.str("username").unwrap_or_default().to_owned(),
        password: resource.str("password").unwrap_or_default().to_owned(),
        allow_insecure: resource.bool("allow-insecure"),
        no_follow_redirects: resource.bool("no-follow-redirects"),
        timeout: resource.timeout("timeout", 5000),
        ca_file: path("ca-file"),
        cert_file: path("cert-file"),
        key_file: path("key-file"),
        proxy: resource
            .str("proxy")
            .filter(|p| !p.is_empty())
            .map(Into::into),
        ..HttpRequest::new(resource.target())
    };
    let probe = system.http(request);
    let mut checks = Checks::new(resource);
    checks
        .gate("status", async || {
            value(probe.status().await.map(i64::from))
        })
        .await;
    checks
        .optional_as("headers", "Headers", async || {
            reader(probe.headers().await.map(String::into_bytes))
        })
        .await;
    checks
        .optional_as("body", "Body", async || {
            // Streamed: patterns stop reading once decided, as goss does.
            let runtime = tokio::runtime::Handle::current();
            probe
                .body()
                .await
                .map(|body| Actual::Reader(Box::new(body.into_reader(runtime))))
                .map_err(|e| e.to_string())
        })
        .await;
    checks
}

fn reader<B: AsRef<[u8]>, E: ToString>(read: Result<B, E>) -> Reading {
    read.map(|bytes| Actual::Reader(Box::new(Cursor::new(bytes.as_ref().to_vec()))))
        .map_err(|e| e.to_string())
}

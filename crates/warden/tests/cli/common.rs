//! Shared helpers for the binary's end-to-end tests: running `warden`, writing
//! gossfiles, and small loopback HTTP(S) servers.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

pub(crate) fn warden() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_warden"));
    command
        .env_remove("GOSS_FILE")
        .env_remove("GOSS_FMT")
        .env_remove("GOSS_VARS");
    command
}

/// Runs `warden <args>` with `stdin` as input.
pub(crate) fn run_with_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = warden()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

pub(crate) fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, contents).unwrap();
    path
}

pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Validates `gossfile` with the json format and returns the parsed report.
pub(crate) fn validate_json(gossfile: &Path, extra: &[&str]) -> (i32, serde_json::Value, Output) {
    let output = warden()
        .args(["validate", "--no-color", "-f", "json", "-g"])
        .arg(gossfile)
        .args(extra)
        .output()
        .unwrap();
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "json output ({e}):\n{}\nstderr:\n{}",
            stdout(&output),
            stderr(&output)
        )
    });
    (output.status.code().unwrap_or(-1), report, output)
}

/// The results of a json report whose `successful` is false, as summary lines.
pub(crate) fn failures(report: &serde_json::Value) -> Vec<String> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["successful"] == false)
        .map(|r| r["summary-line"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A canned response for one request path.
pub(crate) struct Route {
    pub(crate) path: &'static str,
    pub(crate) status: u16,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: String,
}

/// Serves `routes` over plain HTTP on 127.0.0.1; returns the port.
pub(crate) fn http_server(routes: Vec<Route>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let routes = Arc::new(routes);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let routes = Arc::clone(&routes);
            thread::spawn(move || serve(stream, &routes));
        }
    });
    port
}

/// Serves `routes` over TLS with `cert_pem`/`key_pem` on `addr` (e.g. `127.0.0.1:0`).
pub(crate) fn https_server(addr: &str, cert_pem: &str, key_pem: &str, routes: Vec<Route>) -> u16 {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).unwrap();
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap(),
    );
    let listener = TcpListener::bind(addr).unwrap();
    let port = listener.local_addr().unwrap().port();
    let routes = Arc::new(routes);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let routes = Arc::clone(&routes);
            let config = Arc::clone(&config);
            thread::spawn(move || {
                let Ok(connection) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let tls = rustls::StreamOwned::new(connection, stream);
                serve(tls, &routes);
            });
        }
    });
    port
}

fn serve<S: Read + Write>(stream: S, routes: &[Route]) {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "\r\n" => break,
            Ok(_) => {}
        }
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let mut stream = reader.into_inner();
    let Some(route) = routes.iter().find(|r| r.path == path) else {
        let _ = stream
            .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        return;
    };
    if route.status == 0 {
        // A server that accepts and never answers, for timeout tests.
        thread::sleep(Duration::from_secs(30));
        return;
    }
    let mut response = format!(
        "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        route.status,
        route.body.len()
    );
    for (name, value) in &route.headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str("\r\n");
    response.push_str(&route.body);
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
}

pub(crate) fn route(path: &'static str, status: u16, body: &str) -> Route {
    Route {
        path,
        status,
        headers: Vec::new(),
        body: body.to_owned(),
    }
}

/// A self-signed certificate for `names`: (cert PEM, key PEM).
pub(crate) fn self_signed(names: &[&str]) -> (String, String) {
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let certified = rcgen::generate_simple_self_signed(names).unwrap();
    (certified.cert.pem(), certified.signing_key.serialize_pem())
}

/// Connecting to `port` on loopback, to wait for a server thread.
pub(crate) fn wait_for(port: u16) {
    for _ in 0..100 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        thread::sleep(Duration::from_millis(20));
    }
    panic!("server on {port} never came up");
}

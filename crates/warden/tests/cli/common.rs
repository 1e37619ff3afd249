//! Shared helpers for the binary's end-to-end tests: running `warden`, writing
//! gossfiles, and small loopback HTTP(S) servers.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::{Arc, Mutex, mpsc};
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

/// Serves a body that never ends (`line` over and over) on 127.0.0.1; returns the port.
pub(crate) fn endless_http_server(line: &'static str) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            thread::spawn(move || {
                let mut reader = BufReader::new(stream);
                let mut header = String::new();
                while reader.read_line(&mut header).is_ok_and(|n| n > 0) && header != "\r\n" {
                    header.clear();
                }
                let mut stream = reader.into_inner();
                if stream
                    .write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
                    .is_err()
                {
                    return;
                }
                // Until the client hangs up.
                while stream.write_all(line.as_bytes()).is_ok() {}
            });
        }
    });
    port
}

/// A running `warden` daemon (`serve`, `observe --listen`), killed when dropped.
pub(crate) struct Daemon {
    child: Child,
    pub(crate) address: String,
    /// Everything the daemon wrote to stderr so far (it keeps growing after exit).
    pub(crate) stderr_log: Arc<Mutex<String>>,
}

/// Starts `warden <args>` and waits for the address it logs when it listens.
pub(crate) fn start_daemon(args: &[&str], env: &[(&str, &str)]) -> Daemon {
    let mut command = warden();
    command
        .args(args)
        .env_remove("GOSS_LISTEN")
        .env_remove("GOSS_ENDPOINT")
        .env_remove("GOSS_CACHE");
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = Arc::new(Mutex::new(String::new()));
    let (address_tx, address_rx) = mpsc::channel();
    let reader = BufReader::new(child.stderr.take().unwrap());
    let collected = Arc::clone(&stderr);
    // Keeps draining stderr so the server never blocks on a full pipe.
    thread::spawn(move || {
        for line in reader.lines().map_while(Result::ok) {
            if let Some((_, address)) = line.split_once("Starting to listen on: ") {
                let _ = address_tx.send(address.trim().to_owned());
            }
            let mut text = collected.lock().unwrap();
            text.push_str(&line);
            text.push('\n');
        }
    });
    let Ok(address) = address_rx.recv_timeout(Duration::from_secs(30)) else {
        let _ = child.kill();
        panic!(
            "warden {args:?} never listened; stderr:\n{}",
            stderr.lock().unwrap()
        );
    };
    Daemon {
        child,
        address,
        stderr_log: stderr,
    }
}

pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) content_type: String,
    pub(crate) body: String,
}

impl Answer {
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// `GET path` from `address` over a fresh connection, one `Accept` header per value.
pub(crate) fn get(address: &str, path: &str, accept: &[&str]) -> Answer {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\n");
    for value in accept {
        request.push_str(&format!("Accept: {value}\r\n"));
    }
    request.push_str("Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines.next().unwrap().split(' ').nth(1).unwrap();
    let content_type = lines
        .filter_map(|line| line.split_once(": "))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        .map(|(_, value)| value.to_owned())
        .unwrap_or_default();
    Answer {
        status: status.parse().unwrap(),
        content_type,
        body: body.to_owned(),
    }
}

impl Daemon {
    pub(crate) fn get(&self, path: &str, accept: &[&str]) -> Answer {
        get(&self.address, path, accept)
    }

    pub(crate) fn stderr(&self) -> String {
        self.stderr_log.lock().unwrap().clone()
    }

    /// Sends SIGTERM and waits for the exit.
    pub(crate) fn terminate(mut self) -> ExitStatus {
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        for _ in 0..300 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            thread::sleep(Duration::from_millis(100));
        }
        panic!("warden ignored SIGTERM; stderr:\n{}", self.stderr());
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

//! http: plain and TLS servers the test runs on loopback.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use warden_probes::{HttpRequest, System};

/// A request as the test server saw it.
struct Seen {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

async fn read_request<S: AsyncRead + Unpin>(stream: &mut S) -> Option<Seen> {
    let mut data = Vec::new();
    let mut buffer = [0u8; 4096];
    let header_end = loop {
        if let Some(at) = data.windows(4).position(|window| window == b"\r\n\r\n") {
            break at;
        }
        let read = stream.read(&mut buffer).await.ok()?;
        if read == 0 {
            return None;
        }
        data.extend_from_slice(&buffer[..read]);
    };
    let head = String::from_utf8_lossy(&data[..header_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_string();
    let target = request_line.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(": "))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .map_or(0, |(_, v)| v.parse().unwrap_or(0));
    let mut body = data[header_end + 4..].to_vec();
    while body.len() < length {
        let read = stream.read(&mut buffer).await.ok()?;
        if read == 0 {
            break;
        }
        body.extend_from_slice(&buffer[..read]);
    }
    Some(Seen {
        method,
        target,
        headers,
        body,
    })
}

async fn respond<S: AsyncWrite + Unpin>(
    stream: &mut S,
    status: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) {
    let mut response = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str("\r\n");
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.write_all(body).await;
    let _ = stream.shutdown().await;
}

async fn handle<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S) {
    let Some(seen) = read_request(&mut stream).await else {
        return;
    };
    // A proxied request carries an absolute URL; route on its path.
    let path = seen.target.find("://").map_or(seen.target.as_str(), |at| {
        let rest = &seen.target[at + 3..];
        rest.find('/').map_or("/", |slash| &rest[slash..])
    });
    match path {
        "/hello" => {
            respond(
                &mut stream,
                "200 OK",
                &[("Content-Type", "text/plain"), ("x-test", "a")],
                b"hello world\n",
            )
            .await
        }
        "/echo" => {
            let mut text = format!("{} {}\n", seen.method, seen.target);
            let mut headers = seen.headers.clone();
            headers.sort();
            for (name, value) in headers {
                text.push_str(&format!("{name}: {value}\n"));
            }
            text.push('\n');
            text.push_str(&String::from_utf8_lossy(&seen.body));
            respond(&mut stream, "200 OK", &[], text.as_bytes()).await;
        }
        "/redirect" => respond(&mut stream, "302 Found", &[("Location", "/hello")], b"").await,
        "/loop" => respond(&mut stream, "302 Found", &[("Location", "/loop")], b"").await,
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            respond(&mut stream, "200 OK", &[], b"late").await;
        }
        _ => respond(&mut stream, "404 Not Found", &[], b"").await,
    }
}

async fn start_plain_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(handle(stream));
        }
    });
    address
}

/// A CA, a server certificate for 127.0.0.1 signed by it, and a client certificate.
struct Pki {
    ca_pem: String,
    server_cert: rustls::pki_types::CertificateDer<'static>,
    server_key: rustls::pki_types::PrivateKeyDer<'static>,
    client_cert_pem: String,
    client_key_pem: String,
    ca_der: rustls::pki_types::CertificateDer<'static>,
}

fn make_pki() -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate().unwrap();
    let server_params =
        CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
    let server = server_params.signed_by(&server_key, &issuer).unwrap();

    let client_key = KeyPair::generate().unwrap();
    let client_params = CertificateParams::new(vec!["client.test".to_string()]).unwrap();
    let client = client_params.signed_by(&client_key, &issuer).unwrap();

    Pki {
        ca_pem: ca.pem(),
        ca_der: ca.der().clone(),
        server_cert: server.der().clone(),
        server_key: rustls::pki_types::PrivateKeyDer::try_from(server_key.serialize_der()).unwrap(),
        client_cert_pem: client.pem(),
        client_key_pem: client_key.serialize_pem(),
    }
}

async fn start_tls_server(pki: &Pki, require_client_cert: bool) -> SocketAddr {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = if require_client_cert {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(pki.ca_der.clone()).unwrap();
        let verifier =
            rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let config = builder
        .with_single_cert(vec![pki.server_cert.clone()], pki.server_key.clone_key())
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(stream).await {
                    handle(tls).await;
                }
            });
        }
    });
    address
}

#[tokio::test]
async fn status_headers_and_body() {
    let server = start_plain_server().await;
    let system = System::new();
    let probe = system.http(HttpRequest::new(&format!("http://{server}/hello")));
    assert_eq!(probe.status().await.unwrap(), 200);
    // Go's view: canonical names, sorted, Connection: close consumed.
    assert_eq!(
        probe.headers().await.unwrap(),
        "Content-Length: 12\nContent-Type: text/plain\nX-Test: a"
    );
    assert_eq!(
        probe.body().await.unwrap().read_to_end().await.unwrap(),
        b"hello world\n"
    );
    // The body is a single stream, as in goss.
    assert!(
        probe
            .body()
            .await
            .unwrap()
            .read_to_end()
            .await
            .unwrap()
            .is_empty()
    );
    let missing = system.http(HttpRequest::new(&format!("http://{server}/nope")));
    assert_eq!(missing.status().await.unwrap(), 404);
}

#[tokio::test]
async fn method_headers_body_and_auth_are_sent() {
    let server = start_plain_server().await;
    let mut request = HttpRequest::new(&format!("http://{server}/echo"));
    request.method = "PUT".to_string();
    request.request_headers = vec![
        "Host: example.test".to_string(),
        "X-Custom: v: w".to_string(),
    ];
    request.request_body = "payload".to_string();
    request.username = "u".to_string();
    request.password = "p".to_string();
    let system = System::new();
    let body = system
        .http(request)
        .body()
        .await
        .unwrap()
        .read_to_end()
        .await
        .unwrap();
    let body = String::from_utf8(body).unwrap();
    assert!(body.starts_with("PUT /echo\n"), "{body}");
    for expected in [
        "authorization: Basic dTpw\n",
        "connection: close\n",
        "host: example.test\n",
        "x-custom: v: w\n",
        &format!("user-agent: {}\n", warden_probes::DEFAULT_USER_AGENT),
    ] {
        assert!(body.contains(expected), "missing {expected:?} in {body}");
    }
    assert!(body.ends_with("\n\npayload"), "{body}");

    let mut own_agent = HttpRequest::new(&format!("http://{server}/echo"));
    own_agent.request_headers = vec!["User-Agent: custom/1".to_string()];
    let body = system
        .http(own_agent)
        .body()
        .await
        .unwrap()
        .read_to_end()
        .await
        .unwrap();
    assert!(
        String::from_utf8(body)
            .unwrap()
            .contains("user-agent: custom/1\n")
    );
}

#[tokio::test]
async fn redirects_are_followed_unless_disabled() {
    let server = start_plain_server().await;
    let system = System::new();
    let followed = system.http(HttpRequest::new(&format!("http://{server}/redirect")));
    assert_eq!(followed.status().await.unwrap(), 200);
    let mut request = HttpRequest::new(&format!("http://{server}/redirect"));
    request.no_follow_redirects = true;
    let not_followed = system.http(request);
    assert_eq!(not_followed.status().await.unwrap(), 302);
    assert!(
        not_followed
            .headers()
            .await
            .unwrap()
            .contains("Location: /hello")
    );
    let looping = system.http(HttpRequest::new(&format!("http://{server}/loop")));
    let err = looping.status().await.unwrap_err().to_string();
    assert!(
        err.starts_with("Get \"http://") && err.ends_with("stopped after 10 redirects"),
        "{err}"
    );
}

#[tokio::test]
async fn timeouts_and_connection_errors() {
    let server = start_plain_server().await;
    let system = System::new();
    let mut slow = HttpRequest::new(&format!("http://{server}/slow"));
    slow.timeout = Duration::from_millis(200);
    let err = system.http(slow).status().await.unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "Get \"http://{server}/slow\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
        )
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let err = system
        .http(HttpRequest::new(&format!("http://{closed}/")))
        .status()
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        format!("Get \"http://{closed}/\": dial tcp {closed}: connect: connection refused")
    );
}

#[tokio::test]
async fn proxy_setting_routes_through_the_proxy() {
    let proxy = start_plain_server().await;
    let mut request = HttpRequest::new("http://warden-proxied.invalid/echo");
    request.proxy = Some(format!("http://{proxy}"));
    let body = System::new()
        .http(request)
        .body()
        .await
        .unwrap()
        .read_to_end()
        .await
        .unwrap();
    assert!(
        String::from_utf8(body)
            .unwrap()
            .starts_with("GET http://warden-proxied.invalid/echo\n")
    );
}

#[tokio::test]
async fn tls_verification_insecure_mode_and_ca_file() {
    let pki = make_pki();
    let server = start_tls_server(&pki, false).await;
    let url = format!("https://{server}/hello");
    let system = System::new();

    let err = system
        .http(HttpRequest::new(&url))
        .status()
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        format!(
            "Get \"{url}\": tls: failed to verify certificate: x509: certificate signed by unknown authority"
        )
    );

    let mut insecure = HttpRequest::new(&url);
    insecure.allow_insecure = true;
    assert_eq!(system.http(insecure).status().await.unwrap(), 200);

    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &pki.ca_pem).unwrap();
    let mut trusted = HttpRequest::new(&url);
    trusted.ca_file = Some(ca_file);
    let probe = system.http(trusted);
    assert_eq!(probe.status().await.unwrap(), 200);
    assert_eq!(
        probe.body().await.unwrap().read_to_end().await.unwrap(),
        b"hello world\n"
    );

    let mut missing_ca = HttpRequest::new(&url);
    missing_ca.ca_file = Some(dir.path().join("absent.pem"));
    assert_eq!(
        system
            .http(missing_ca)
            .status()
            .await
            .unwrap_err()
            .to_string(),
        format!(
            "open {}: no such file or directory",
            dir.path().join("absent.pem").display()
        )
    );
}

#[tokio::test]
async fn client_certificates() {
    let pki = make_pki();
    let server = start_tls_server(&pki, true).await;
    let url = format!("https://{server}/hello");
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    let cert_file = dir.path().join("client.pem");
    let key_file = dir.path().join("client.key");
    std::fs::write(&ca_file, &pki.ca_pem).unwrap();
    std::fs::write(&cert_file, &pki.client_cert_pem).unwrap();
    std::fs::write(&key_file, &pki.client_key_pem).unwrap();
    let system = System::new();

    let mut without = HttpRequest::new(&url);
    without.ca_file = Some(ca_file.clone());
    assert!(system.http(without).status().await.is_err());

    let mut with = HttpRequest::new(&url);
    with.ca_file = Some(ca_file);
    with.cert_file = Some(cert_file);
    with.key_file = Some(key_file);
    assert_eq!(system.http(with).status().await.unwrap(), 200);
}

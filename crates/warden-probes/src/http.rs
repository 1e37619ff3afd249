//! `http`: one request per resource, with goss's client behaviour.
//!
//! As in goss (Go's `net/http`): HTTP/1.1 only, keep-alives off
//! (`Connection: close`), up to 10 redirects followed unless told not to, a
//! timeout covering the whole exchange including the body, gzip
//! transparently decoded, system roots unless a CA file replaces them,
//! proxies from `HTTP(S)_PROXY`/`NO_PROXY` except for loopback targets.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::sync::{Mutex, OnceCell};

use crate::{ProbeError, System};

/// The `User-Agent` sent unless the request headers name one (goss sends `goss/<version>`).
pub const DEFAULT_USER_AGENT: &str = concat!("warden/", env!("CARGO_PKG_VERSION"));

/// Everything an `http` resource configures about its request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The URL requested.
    pub url: String,
    /// The method; empty means `GET`.
    pub method: String,
    /// `"Name: value"` lines; a `Host` header sets the request's host.
    pub request_headers: Vec<String>,
    /// Sent as the body for any method when non-empty.
    pub request_body: String,
    /// Basic auth is sent when either `username` or `password` is non-empty.
    pub username: String,
    /// See `username`.
    pub password: String,
    /// Skip certificate and host name verification.
    pub allow_insecure: bool,
    /// Report a redirect response instead of following it.
    pub no_follow_redirects: bool,
    /// Limit for the whole exchange, body included.
    pub timeout: Duration,
    /// PEM roots that replace the system's.
    pub ca_file: Option<PathBuf>,
    /// PEM client certificate; used together with `key_file`.
    pub cert_file: Option<PathBuf>,
    /// PEM private key for `cert_file`.
    pub key_file: Option<PathBuf>,
    /// Proxy URL for every request; otherwise the environment's.
    pub proxy: Option<String>,
}

impl HttpRequest {
    /// A `GET` of `url` with goss's defaults (5 s timeout, redirects followed).
    pub fn new(url: &str) -> Self {
        Self {
            url: url.to_string(),
            method: String::new(),
            request_headers: Vec::new(),
            request_body: String::new(),
            username: String::new(),
            password: String::new(),
            allow_insecure: false,
            no_follow_redirects: false,
            timeout: Duration::from_millis(5000),
            ca_file: None,
            cert_file: None,
            key_file: None,
            proxy: None,
        }
    }

    fn method(&self) -> &str {
        if self.method.is_empty() {
            "GET"
        } else {
            &self.method
        }
    }

    /// Go's `url.Error` prefix: the method with only its first letter upper-case.
    fn error_op(&self) -> String {
        let method = self.method();
        let mut chars = method.chars();
        match chars.next() {
            Some(first) => first
                .to_uppercase()
                .chain(chars.as_str().to_lowercase().chars())
                .collect(),
            None => String::new(),
        }
    }

    fn url_error(&self, url: &str, cause: &str) -> ProbeError {
        ProbeError::Other(format!("{} \"{url}\": {cause}", self.error_op()))
    }
}

/// Status and rendered headers of the response.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ResponseHead {
    status: u16,
    headers: String,
}

/// `system.http(request)`: one `http` resource; the request is sent once.
pub struct HttpProbe<'s> {
    system: &'s System,
    request: HttpRequest,
    head: OnceCell<Result<ResponseHead, ProbeError>>,
    body: Mutex<Option<reqwest::Response>>,
}

impl std::fmt::Debug for HttpProbe<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpProbe")
            .field("request", &self.request)
            .finish_non_exhaustive()
    }
}

impl<'s> HttpProbe<'s> {
    pub(crate) fn new(system: &'s System, request: HttpRequest) -> Self {
        Self {
            system,
            request,
            head: OnceCell::new(),
            body: Mutex::new(None),
        }
    }

    /// The request this probe sends.
    pub fn request(&self) -> &HttpRequest {
        &self.request
    }

    async fn head(&self) -> Result<&ResponseHead, ProbeError> {
        self.head
            .get_or_init(|| self.send())
            .await
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The response status code.
    pub async fn status(&self) -> Result<u16, ProbeError> {
        Ok(self.head().await?.status)
    }

    /// The response headers as sorted `"Name: value"` lines joined by `\n`
    /// (Go's canonical names, one line per value).
    pub async fn headers(&self) -> Result<String, ProbeError> {
        Ok(self.head().await?.headers.clone())
    }

    /// The response body as a stream. Like goss's single `resp.Body`, it can
    /// be read once: later calls get an already-drained (empty) body.
    pub async fn body(&self) -> Result<HttpBody, ProbeError> {
        self.head().await?;
        let response = self.body.lock().await.take();
        Ok(HttpBody {
            response,
            request: self.request.clone(),
        })
    }

    async fn send(&self) -> Result<ResponseHead, ProbeError> {
        let request = &self.request;
        let url = reqwest::Url::parse(&request.url)
            .map_err(|err| ProbeError::Other(format!("parse \"{}\": {err}", request.url)))?;
        let client = self.client(&url)?;
        let method = reqwest::Method::from_bytes(request.method().as_bytes()).map_err(|_| {
            ProbeError::Other(format!("net/http: invalid method \"{}\"", request.method()))
        })?;
        let mut builder = client
            .request(method, url)
            .headers(request_headers(request)?);
        if !request.request_body.is_empty() {
            builder = builder.body(request.request_body.clone());
        }
        if !request.username.is_empty() || !request.password.is_empty() {
            builder = builder.basic_auth(&request.username, Some(&request.password));
        }
        let response = builder
            .send()
            .await
            .map_err(|err| send_error(request, &err))?;
        let head = ResponseHead {
            status: response.status().as_u16(),
            headers: render_headers(&response),
        };
        *self.body.lock().await = Some(response);
        Ok(head)
    }

    fn client(&self, url: &reqwest::Url) -> Result<reqwest::Client, ProbeError> {
        let request = &self.request;
        let redirects = if request.no_follow_redirects {
            reqwest::redirect::Policy::none()
        } else {
            reqwest::redirect::Policy::limited(10)
        };
        let mut builder = reqwest::Client::builder()
            .tls_backend_preconfigured(self.tls_config()?)
            .http1_only()
            .pool_max_idle_per_host(0)
            .redirect(redirects)
            .timeout(request.timeout);
        builder = match &request.proxy {
            Some(proxy) => builder.proxy(
                reqwest::Proxy::all(proxy.as_str())
                    .map_err(|err| ProbeError::Other(format!("parse \"{proxy}\": {err}")))?,
            ),
            // Go's ProxyFromEnvironment never proxies requests to loopback hosts.
            None if is_loopback_host(url) => builder.no_proxy(),
            None => builder,
        };
        builder
            .build()
            .map_err(|err| ProbeError::Other(format!("building HTTP client: {err}")))
    }

    fn tls_config(&self) -> Result<rustls::ClientConfig, ProbeError> {
        let request = &self.request;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|err| ProbeError::Other(format!("tls: {err}")))?;
        let builder = if request.allow_insecure {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
        } else {
            let roots = match &request.ca_file {
                Some(ca_file) => Arc::new(roots_from_file(ca_file)?),
                None => self.system.native_roots(),
            };
            builder.with_root_certificates(roots)
        };
        match (&request.cert_file, &request.key_file) {
            (Some(cert_file), Some(key_file)) => {
                let (certs, key) = client_identity(cert_file, key_file)?;
                builder
                    .with_client_auth_cert(certs, key)
                    .map_err(|err| ProbeError::Other(format!("tls: {err}")))
            }
            _ => Ok(builder.with_no_client_auth()),
        }
    }
}

/// The response body, read chunk by chunk.
#[derive(Debug)]
pub struct HttpBody {
    response: Option<reqwest::Response>,
    request: HttpRequest,
}

impl HttpBody {
    /// The next piece of the body, or `None` at its end.
    pub async fn chunk(&mut self) -> Result<Option<Vec<u8>>, ProbeError> {
        let Some(response) = self.response.as_mut() else {
            return Ok(None);
        };
        match response.chunk().await {
            Ok(Some(bytes)) => Ok(Some(bytes.to_vec())),
            Ok(None) => {
                self.response = None;
                Ok(None)
            }
            Err(err) if err.is_timeout() => Err(ProbeError::Other(
                "context deadline exceeded (Client.Timeout or context cancellation while reading body)".to_string(),
            )),
            Err(err) => Err(self.request.url_error(&self.request.url, &innermost_cause(&err))),
        }
    }

    /// The body as a blocking reader that fetches chunks on `runtime` only as they are
    /// read, so a line-pattern matcher can stop at its first decision instead of
    /// buffering an endless body. Read it on a blocking thread (`spawn_blocking`),
    /// never on a runtime worker.
    pub fn into_reader(self, runtime: tokio::runtime::Handle) -> HttpBodyReader {
        HttpBodyReader {
            body: self,
            runtime,
            chunk: Vec::new(),
            offset: 0,
        }
    }

    /// The rest of the body.
    pub async fn read_to_end(mut self) -> Result<Vec<u8>, ProbeError> {
        let mut body = Vec::new();
        while let Some(chunk) = self.chunk().await? {
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// Request headers from `"Name: value"` lines, plus goss's defaults.
/// See [`HttpBody::into_reader`].
#[derive(Debug)]
pub struct HttpBodyReader {
    body: HttpBody,
    runtime: tokio::runtime::Handle,
    chunk: Vec<u8>,
    offset: usize,
}

impl std::io::Read for HttpBodyReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.offset == self.chunk.len() {
            match self.runtime.block_on(self.body.chunk()) {
                Ok(Some(chunk)) => {
                    self.chunk = chunk;
                    self.offset = 0;
                }
                Ok(None) => return Ok(0),
                Err(err) => return Err(std::io::Error::other(err.to_string())),
            }
        }
        let n = buf.len().min(self.chunk.len() - self.offset);
        buf[..n].copy_from_slice(&self.chunk[self.offset..self.offset + n]);
        self.offset += n;
        Ok(n)
    }
}

fn request_headers(request: &HttpRequest) -> Result<HeaderMap, ProbeError> {
    let mut headers = HeaderMap::new();
    for line in &request.request_headers {
        let invalid = || {
            ProbeError::Other(format!(
                "invalid request header {line:?}: expected \"Name: value\""
            ))
        };
        let (name, value) = line.split_once(": ").ok_or_else(invalid)?;
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid())?;
        let value = HeaderValue::from_str(value).map_err(|_| invalid())?;
        headers.append(name, value);
    }
    if !headers.contains_key(reqwest::header::USER_AGENT) {
        headers.insert(
            reqwest::header::USER_AGENT,
            HeaderValue::from_static(DEFAULT_USER_AGENT),
        );
    }
    // Go's transport announces that it will close the connection when keep-alives are off.
    headers.insert(
        reqwest::header::CONNECTION,
        HeaderValue::from_static("close"),
    );
    Ok(headers)
}

/// Sorted `"Name: value"` lines as Go's `http.Response.Header` holds them:
/// `Transfer-Encoding` is not a header there, and HTTP/1.1's `Connection: close` is consumed.
fn render_headers(response: &reqwest::Response) -> String {
    let http11 = response.version() == reqwest::Version::HTTP_11;
    let closes = response
        .headers()
        .get_all(reqwest::header::CONNECTION)
        .iter()
        .any(|value| {
            value.to_str().is_ok_and(|v| {
                v.split(',')
                    .any(|token| token.trim().eq_ignore_ascii_case("close"))
            })
        });
    let mut lines: Vec<String> = response
        .headers()
        .iter()
        .filter(|(name, _)| *name != reqwest::header::TRANSFER_ENCODING)
        .filter(|(name, _)| !(http11 && closes && *name == reqwest::header::CONNECTION))
        .map(|(name, value)| {
            format!(
                "{}: {}",
                canonical_header_name(name.as_str()),
                String::from_utf8_lossy(value.as_bytes())
            )
        })
        .collect();
    lines.sort();
    lines.join("\n")
}

/// Go's `textproto.CanonicalMIMEHeaderKey` (`content-type` → `Content-Type`).
fn canonical_header_name(name: &str) -> String {
    let mut upper = true;
    name.chars()
        .map(|c| {
            let out = if upper {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            };
            upper = c == '-';
            out
        })
        .collect()
}

fn is_loopback_host(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Go's error text for a failed exchange where it can be matched, the
/// underlying cause otherwise.
fn send_error(request: &HttpRequest, err: &reqwest::Error) -> ProbeError {
    let url = err
        .url()
        .map_or_else(|| request.url.clone(), ToString::to_string);
    let cause = if err.is_timeout() {
        "context deadline exceeded (Client.Timeout exceeded while awaiting headers)".to_string()
    } else if err.is_redirect() {
        "stopped after 10 redirects".to_string()
    } else {
        let cause = innermost_cause(err);
        let target = err
            .url()
            .cloned()
            .or_else(|| reqwest::Url::parse(&request.url).ok());
        if err.is_connect()
            && let Some(io_error) = find_io_error(err)
            && io_error.raw_os_error().is_some()
            && let Some(target) = target
        {
            let host = target.host_str().unwrap_or_default();
            let port = target.port_or_known_default().unwrap_or(0);
            format!(
                "dial tcp {host}:{port}: connect: {}",
                crate::gofmt::go_errno_text(io_error)
            )
        } else if cause.contains("UnknownIssuer") {
            "tls: failed to verify certificate: x509: certificate signed by unknown authority"
                .to_string()
        } else if cause.contains("NotValidForName") {
            "tls: failed to verify certificate: x509: certificate is not valid for the requested name".to_string()
        } else if cause.contains("Expired") {
            "tls: failed to verify certificate: x509: certificate has expired or is not yet valid"
                .to_string()
        } else {
            cause
        }
    };
    request.url_error(&url, &cause)
}

/// The OS-level error behind a failed connection, if there is one.
fn find_io_error<'e>(err: &'e (dyn std::error::Error + 'static)) -> Option<&'e std::io::Error> {
    let mut current = Some(err);
    while let Some(error) = current {
        if let Some(io_error) = error.downcast_ref::<std::io::Error>() {
            return Some(io_error);
        }
        current = error.source();
    }
    None
}

/// The deepest error in the chain: reqwest wraps hyper wraps io wraps rustls.
fn innermost_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

fn read_pem(path: &PathBuf) -> Result<Vec<u8>, ProbeError> {
    std::fs::read(path)
        .map_err(|err| ProbeError::Os(crate::gofmt::go_path_error("open", path, &err)))
}

/// Go's `AppendCertsFromPEM`: every parsable certificate, errors ignored.
fn roots_from_file(path: &PathBuf) -> Result<RootCertStore, ProbeError> {
    let pem = read_pem(path)?;
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem).flatten() {
        let _ = roots.add(cert);
    }
    Ok(roots)
}

fn client_identity(
    cert_file: &PathBuf,
    key_file: &PathBuf,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), ProbeError> {
    let cert_pem = read_pem(cert_file)?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .flatten()
        .collect();
    if certs.is_empty() {
        return Err(ProbeError::Other(
            "tls: failed to find any PEM data in certificate input".to_string(),
        ));
    }
    let key_pem = read_pem(key_file)?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|_| {
        ProbeError::Other("tls: failed to find any PEM data in key input".to_string())
    })?;
    Ok((certs, key))
}

/// The system's trusted roots (honouring `SSL_CERT_FILE`/`SSL_CERT_DIR`, as Go does).
pub(crate) fn load_native_roots() -> RootCertStore {
    let mut roots = RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    roots
}

/// `allow-insecure` (and the sinks' `insecure: true`): any certificate for any name is
/// accepted, but the handshake signatures are still checked, as with Go's
/// `InsecureSkipVerify`.
#[derive(Debug)]
pub struct AcceptAnyCertificate(pub Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_canonicalised_like_go() {
        assert_eq!(canonical_header_name("content-type"), "Content-Type");
        assert_eq!(canonical_header_name("x-request-id"), "X-Request-Id");
        assert_eq!(canonical_header_name("etag"), "Etag");
    }

    #[test]
    fn error_prefix_is_go_url_error_op() {
        let mut request = HttpRequest::new("http://x/");
        assert_eq!(request.error_op(), "Get");
        request.method = "POST".to_string();
        assert_eq!(request.error_op(), "Post");
    }

    #[test]
    fn malformed_request_header_is_an_error() {
        let mut request = HttpRequest::new("http://x/");
        request.request_headers = vec!["NoSeparator".to_string()];
        assert!(request_headers(&request).is_err());
        request.request_headers = vec!["X-A: 1".to_string(), "User-Agent: me".to_string()];
        let headers = request_headers(&request).unwrap();
        assert_eq!(headers["x-a"], "1");
        assert_eq!(headers["user-agent"], "me");
    }
}

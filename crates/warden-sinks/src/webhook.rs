//! The webhook sink: alerts POSTed as JSON, signed as Standard Webhooks specifies
//! (`webhook-id`, `webhook-timestamp`, `webhook-signature`), through the spool.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use warden_spool::SigningKey;
use warden_violations::Alert;

use crate::config::{SecretSource, WebhookConfig};
use crate::durable::{Encoder, Failure, Record, Transport};
use crate::json::alert_json;
use crate::tls;

/// Headers Warden sets on every request, which configured headers may not replace.
const RESERVED: [&str; 5] = [
    "content-type",
    "content-length",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
];

pub(crate) struct Webhook {
    client: reqwest::Client,
    url: reqwest::Url,
    headers: HeaderMap,
    key: Option<SigningKey>,
}

/// The transport, and the encoder that makes one record per request.
pub(crate) fn webhook(config: &WebhookConfig) -> Result<(Webhook, Encoder), String> {
    let url = reqwest::Url::parse(&config.url).map_err(|e| format!("url {:?}: {e}", config.url))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "url {:?}: expected an http or https URL",
            config.url
        ));
    }
    if config.tls.is_some() && url.scheme() != "https" {
        return Err("tls settings need an https url".to_owned());
    }
    let mut headers = HeaderMap::new();
    for (name, value) in &config.headers {
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("header {name:?}: not a valid header name"))?;
        if RESERVED.contains(&header.as_str()) {
            return Err(format!("header {name:?} is set by Warden"));
        }
        let value = HeaderValue::from_str(value)
            .map_err(|_| format!("header {name:?}: its value is not valid in a header"))?;
        headers.insert(header, value);
    }
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let key = config.secret.as_ref().map(read_secret).transpose()?;

    let tls = tls::client_config(&config.tls.clone().unwrap_or_default())?;
    let mut builder = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .timeout(config.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("warden/", env!("CARGO_PKG_VERSION")));
    if is_loopback(&url) {
        // A proxy from the environment would not reach this machine's own receiver.
        builder = builder.no_proxy();
    }
    let client = builder
        .build()
        .map_err(|e| format!("building the HTTP client: {e}"))?;

    let format = config.format;
    let encoder: Encoder = match config.batch {
        None => Box::new(move |alerts: &[Arc<Alert>]| {
            alerts
                .iter()
                .map(|alert| {
                    let body = alert_json(alert, format).into_bytes();
                    (record(&alert.id, 1, &body), body)
                })
                .collect()
        }),
        Some(size) => Box::new(move |alerts: &[Arc<Alert>]| {
            alerts
                .chunks(size.get())
                .map(|chunk| {
                    let mut body = b"[".to_vec();
                    for (i, alert) in chunk.iter().enumerate() {
                        if i > 0 {
                            body.push(b',');
                        }
                        body.extend_from_slice(alert_json(alert, format).as_bytes());
                    }
                    body.push(b']');
                    // The first alert's id, and how many follow it: unique, since every
                    // alert is in exactly one request.
                    let first = chunk.first().map_or("", |a| a.id.as_str());
                    let id = format!("{first}+{}", chunk.len() - 1);
                    (record(&id, chunk.len(), &body), body)
                })
                .collect()
        }),
    };
    Ok((
        Webhook {
            client,
            url,
            headers,
            key,
        },
        encoder,
    ))
}

fn record(id: &str, alerts: usize, body: &[u8]) -> Record {
    Record {
        id: id.to_owned(),
        alerts: alerts as u64,
        len: body.len() as u64,
    }
}

fn read_secret(source: &SecretSource) -> Result<SigningKey, String> {
    let secret = match source {
        SecretSource::Env(var) => std::env::var(var)
            .map_err(|_| format!("secret: environment variable {var} is not set"))?,
        SecretSource::File(path) => std::fs::read_to_string(path)
            .map_err(|e| format!("secret: cannot read {}: {e}", path.display()))?
            .trim_end_matches(['\r', '\n'])
            .to_owned(),
    };
    if secret.is_empty() {
        return Err("secret: it is empty".to_owned());
    }
    Ok(SigningKey::from_secret(&secret))
}

fn is_loopback(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl Transport for Webhook {
    async fn send(&mut self, record: &Record, bytes: &[u8]) -> Result<(), Failure> {
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut request = self
            .client
            .post(self.url.clone())
            .headers(self.headers.clone())
            .header("webhook-id", &record.id)
            .header("webhook-timestamp", timestamp);
        if let Some(key) = &self.key {
            request = request.header(
                "webhook-signature",
                key.sign_message(&record.id, timestamp, bytes),
            );
        }
        let response = request
            .body(bytes.to_vec())
            .send()
            .await
            .map_err(|e| Failure::Retry(error_chain(&e)))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else if status.is_server_error()
            || status == reqwest::StatusCode::REQUEST_TIMEOUT
            || status == reqwest::StatusCode::TOO_MANY_REQUESTS
        {
            Err(Failure::Retry(format!("{} answered {status}", self.url)))
        } else {
            Err(Failure::Reject(format!("{} answered {status}", self.url)))
        }
    }
}

/// An error with its causes: reqwest's own message rarely says what went wrong.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

//! Posting results to `Config.Hooks` webhooks: signed as INTERCEPT signs them, retried
//! with the hook's delay, and spooled to disk when the receiver stays unreachable.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use warden_policy::{Hook, HookAuth, HookAuthKind};
use warden_probes::{HttpRequest, System};

use crate::spool::{Delivery, Spool};

/// The pause between attempts when a hook sets none (INTERCEPT retries at once, which
/// only hammers a receiver that is struggling).
const DEFAULT_RETRY_DELAY: Duration = Duration::from_secs(5);
/// The limit for one request when a hook sets none, or 0 (INTERCEPT's "no limit"): a
/// receiver that never answers must not hold a delivery forever.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The HMAC key deliveries are signed with.
#[derive(Clone)]
pub struct SigningKey {
    key: Vec<u8>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(..)")
    }
}

impl SigningKey {
    /// A `whsec_<base64url>` secret (INTERCEPT's format) signs with the decoded bytes;
    /// any other secret signs with its own bytes.
    pub fn from_secret(secret: &str) -> SigningKey {
        let key = secret
            .strip_prefix("whsec_")
            .and_then(|encoded| {
                URL_SAFE_NO_PAD
                    .decode(encoded.trim_end_matches('='))
                    .or_else(|_| URL_SAFE.decode(encoded))
                    .ok()
            })
            .unwrap_or_else(|| secret.as_bytes().to_vec());
        SigningKey { key }
    }

    /// A fresh random secret in `whsec_` form, for when the policy file names none;
    /// the caller shows it so receivers can be configured.
    pub fn generate() -> std::io::Result<(SigningKey, String)> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
        let secret = format!("whsec_{}", URL_SAFE_NO_PAD.encode(bytes));
        Ok((
            SigningKey {
                key: bytes.to_vec(),
            },
            secret,
        ))
    }

    /// `X-Signature`: base64 of HMAC-SHA256 over the exact body bytes.
    pub fn sign(&self, body: &[u8]) -> String {
        // HMAC takes keys of any length; `new_from_slice` never fails for it.
        let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key) else {
            return String::new();
        };
        mac.update(body);
        STANDARD.encode(mac.finalize().into_bytes())
    }
}

/// What became of one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Delivered {
        attempts: u32,
    },
    /// Every attempt failed; the delivery is in the spool.
    Spooled {
        attempts: u32,
        error: String,
    },
}

/// A delivery on disk, about to be attempted.
#[derive(Debug)]
pub struct Spooled {
    path: std::path::PathBuf,
    delivery: Delivery,
}

/// Sends deliveries to hooks.
#[derive(Debug)]
pub struct HookSender {
    hooks: Vec<Hook>,
    key: SigningKey,
    spool: Spool,
    system: System,
    /// Spool files whose first attempts are still under way; flushes leave them alone.
    in_flight: std::sync::Mutex<std::collections::HashSet<std::path::PathBuf>>,
    /// One flush at a time, or a slow receiver would be sent the same delivery twice.
    flushing: tokio::sync::Mutex<()>,
}

impl HookSender {
    pub fn new(hooks: Vec<Hook>, key: SigningKey, spool: Spool) -> HookSender {
        HookSender {
            hooks,
            key,
            spool,
            in_flight: Default::default(),
            flushing: Default::default(),
            system: System::new(),
        }
    }

    pub fn hooks(&self) -> &[Hook] {
        &self.hooks
    }

    /// Sends `body` to `hook`: [`HookSender::spool`] then [`HookSender::attempt`].
    pub async fn send(
        &self,
        hook: &Hook,
        content_type: &str,
        body: String,
    ) -> std::io::Result<DeliveryOutcome> {
        let spooled = self.spool(hook, content_type, body)?;
        self.attempt(hook, spooled).await
    }

    /// Writes a delivery to the spool and marks it in flight. From here on nothing can
    /// lose it: whatever becomes of the attempts, it stays on disk until a receiver
    /// accepts it. An error means it could not be written; the caller must say so.
    pub fn spool(&self, hook: &Hook, content_type: &str, body: String) -> std::io::Result<Spooled> {
        let delivery = Delivery {
            hook: hook.name.clone(),
            content_type: content_type.to_owned(),
            body,
            created: OffsetDateTime::now_utc()
                .format(&Rfc3339)
                .unwrap_or_default(),
        };
        let path = self.spool.push(&delivery)?;
        self.lock_in_flight().insert(path.clone());
        Ok(Spooled { path, delivery })
    }

    /// Tries a spooled delivery `retry_attempts + 1` times, `retry_delay` apart; a 2xx
    /// answer takes it out of the spool, anything else leaves it for the next flush.
    pub async fn attempt(&self, hook: &Hook, spooled: Spooled) -> std::io::Result<DeliveryOutcome> {
        let attempts = hook.retry_attempts.saturating_add(1);
        let mut error = String::new();
        let mut outcome = None;
        for attempt in 1..=attempts {
            match self.post(hook, &spooled.delivery).await {
                Ok(()) => {
                    outcome = Some(DeliveryOutcome::Delivered { attempts: attempt });
                    break;
                }
                Err(e) => error = e,
            }
            if attempt < attempts {
                tokio::time::sleep(hook.retry_delay.unwrap_or(DEFAULT_RETRY_DELAY)).await;
            }
        }
        self.lock_in_flight().remove(&spooled.path);
        match outcome {
            Some(delivered) => {
                self.spool.remove(&spooled.path)?;
                Ok(delivered)
            }
            None => Ok(DeliveryOutcome::Spooled { attempts, error }),
        }
    }

    /// Re-sends spooled deliveries, oldest first, stopping at a hook's first failure
    /// so its deliveries keep their order. Returns how many were delivered; 0 when
    /// another flush is already running.
    pub async fn flush_spool(&self) -> std::io::Result<usize> {
        let Ok(_flushing) = self.flushing.try_lock() else {
            return Ok(0);
        };
        let mut delivered = 0;
        let mut unreachable: Vec<String> = Vec::new();
        for path in self.spool.pending()? {
            if self.lock_in_flight().contains(&path) {
                continue;
            }
            let delivery = match self.spool.read(&path) {
                Ok(delivery) => delivery,
                Err(error) => {
                    tracing::error!(file = %path.display(), %error, "unreadable spooled delivery left in place");
                    continue;
                }
            };
            if unreachable.contains(&delivery.hook) {
                continue;
            }
            let Some(hook) = self.hooks.iter().find(|h| h.name == delivery.hook) else {
                tracing::warn!(hook = %delivery.hook, file = %path.display(), "spooled delivery for a hook no longer configured");
                continue;
            };
            match self.post(hook, &delivery).await {
                Ok(()) => {
                    self.spool.remove(&path)?;
                    delivered += 1;
                }
                Err(_) => unreachable.push(delivery.hook.clone()),
            }
        }
        Ok(delivered)
    }

    fn lock_in_flight(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashSet<std::path::PathBuf>> {
        // The set stays consistent whatever a panicking holder did: keep using it.
        self.in_flight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn post(&self, hook: &Hook, delivery: &Delivery) -> Result<(), String> {
        let mut headers = vec![
            format!("Content-Type: {}", delivery.content_type),
            format!("X-Signature: {}", self.key.sign(delivery.body.as_bytes())),
        ];
        headers.extend(
            hook.headers
                .iter()
                .map(|(name, value)| format!("{name}: {value}")),
        );
        if let Some(auth) = &hook.auth {
            headers.push(auth_header(auth)?);
        }
        let request = HttpRequest {
            method: hook.method.clone().unwrap_or_else(|| "POST".to_owned()),
            request_headers: headers,
            request_body: delivery.body.clone(),
            allow_insecure: hook.insecure,
            timeout: hook
                .timeout_seconds
                .filter(|&seconds| seconds > 0)
                .map_or(DEFAULT_TIMEOUT, Duration::from_secs),
            ..HttpRequest::new(&hook.endpoint)
        };
        let status = self
            .system
            .http(request)
            .status()
            .await
            .map_err(|e| e.to_string())?;
        if (200..300).contains(&status) {
            Ok(())
        } else {
            Err(format!("{} answered {status}", hook.endpoint))
        }
    }
}

/// The header an `auth` block asks for, with the secret read from its variable.
fn auth_header(auth: &HookAuth) -> Result<String, String> {
    let secret = |key: &str| {
        let var = auth
            .env_var(key)
            .ok_or_else(|| format!("auth {} needs {key}", auth.kind.name()))?;
        std::env::var(var)
            .map_err(|_| format!("environment variable {var} (from {key}) is not set"))
    };
    Ok(match auth.kind {
        HookAuthKind::Basic => {
            let credentials = format!("{}:{}", secret("username_env")?, secret("password_env")?);
            format!("Authorization: Basic {}", STANDARD.encode(credentials))
        }
        HookAuthKind::Bearer => format!("Authorization: Bearer {}", secret("token_env")?),
        HookAuthKind::Authorization => format!(
            "Authorization: {}",
            first_secret(&secret, &["value_env", "token_env"])?
        ),
        HookAuthKind::Header | HookAuthKind::ApiKey => {
            let default = if auth.kind == HookAuthKind::ApiKey {
                "X-API-Key"
            } else {
                "Authorization"
            };
            let name = auth.header.as_deref().unwrap_or(default);
            format!(
                "{name}: {}",
                first_secret(&secret, &["value_env", "key_env", "token_env"])?
            )
        }
    })
}

fn first_secret(
    secret: &dyn Fn(&str) -> Result<String, String>,
    keys: &[&str],
) -> Result<String, String> {
    let mut last = String::new();
    for key in keys {
        match secret(key) {
            Ok(value) => return Ok(value),
            Err(e) => last = e,
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whsec_secrets_sign_with_their_decoded_bytes() {
        let raw = SigningKey::from_secret("plain-secret");
        let encoded =
            SigningKey::from_secret(&format!("whsec_{}", URL_SAFE_NO_PAD.encode("plain-secret")));
        assert_eq!(raw.sign(b"{}"), encoded.sign(b"{}"));
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), a published test vector.
        let vector =
            SigningKey::from_secret("key").sign(b"The quick brown fox jumps over the lazy dog");
        assert_eq!(
            vector,
            STANDARD.encode(hex_bytes(
                "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
            ))
        );
    }

    #[test]
    fn generated_secrets_round_trip() {
        let (key, secret) = SigningKey::generate().unwrap();
        assert!(secret.starts_with("whsec_"));
        assert_eq!(SigningKey::from_secret(&secret).sign(b"x"), key.sign(b"x"));
    }

    fn hex_bytes(hex: &str) -> Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }
}

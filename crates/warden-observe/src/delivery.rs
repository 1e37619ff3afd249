//! Posting results to `Config.Hooks` webhooks: signed as INTERCEPT signs them, retried
//! with the hook's delay, and spooled to disk when the receiver stays unreachable.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use warden_policy::{Hook, HookAuth, HookAuthKind};
use warden_probes::{HttpRequest, System};
use warden_spool::{SigningKey, Spool};

/// The pause between attempts when a hook sets none (INTERCEPT retries at once, which
/// only hammers a receiver that is struggling).
const DEFAULT_RETRY_DELAY: Duration = Duration::from_secs(5);
/// The limit for one request when a hook sets none, or 0 (INTERCEPT's "no limit"): a
/// receiver that never answers must not hold a delivery forever.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// One request to a hook, exactly as it will be sent. The spool keeps the body as the
/// payload and the rest as metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// The hook's name in the policy file; spooled deliveries go back to it.
    pub hook: String,
    pub content_type: String,
    #[serde(skip)]
    pub body: String,
    /// When the delivery was first attempted (RFC 3339).
    pub created: String,
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
        let path = self.spool.push(&delivery, delivery.body.as_bytes())?;
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
            let delivery = match self.spool.read::<Delivery>(&path).and_then(|entry| {
                String::from_utf8(entry.payload)
                    .map(|body| Delivery { body, ..entry.meta })
                    .map_err(|e| warden_spool::ReadError {
                        path: path.clone(),
                        reason: e.to_string(),
                    })
            }) {
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

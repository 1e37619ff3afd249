//! HMAC-SHA256 signatures for what Warden posts, in the two shapes receivers check:
//! INTERCEPT's `X-Signature` (the body alone) and Standard Webhooks' `webhook-signature`
//! (message id, timestamp and body, so a captured request cannot be replayed later).

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

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
    /// A `whsec_` secret signs with the bytes its base64 decodes to: base64url as
    /// INTERCEPT writes it, or standard base64 as Standard Webhooks does. Any other
    /// secret signs with its own bytes.
    pub fn from_secret(secret: &str) -> SigningKey {
        let key = secret
            .strip_prefix("whsec_")
            .and_then(|encoded| {
                let unpadded = encoded.trim_end_matches('=');
                URL_SAFE_NO_PAD
                    .decode(unpadded)
                    .or_else(|_| URL_SAFE.decode(encoded))
                    .or_else(|_| STANDARD_NO_PAD.decode(unpadded))
                    .ok()
            })
            .unwrap_or_else(|| secret.as_bytes().to_vec());
        SigningKey { key }
    }

    /// A fresh random secret in `whsec_` form, for when none is configured; the caller
    /// shows it so receivers can be configured.
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
        self.mac(&[body])
    }

    /// `webhook-signature` (Standard Webhooks): `v1,` and base64 of HMAC-SHA256 over
    /// `<id>.<timestamp>.<body>`, where `timestamp` is the Unix time in seconds sent in
    /// `webhook-timestamp` and `id` the one sent in `webhook-id`.
    pub fn sign_message(&self, id: &str, timestamp: u64, body: &[u8]) -> String {
        let timestamp = timestamp.to_string();
        let signature = self.mac(&[id.as_bytes(), b".", timestamp.as_bytes(), b".", body]);
        format!("v1,{signature}")
    }

    fn mac(&self, parts: &[&[u8]]) -> String {
        // HMAC takes keys of any length; `new_from_slice` never fails for it.
        let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key) else {
            return String::new();
        };
        for part in parts {
            mac.update(part);
        }
        STANDARD.encode(mac.finalize().into_bytes())
    }
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
        // Bytes whose base64 has '+' and '/' (standard) where base64url has '-' and '_'.
        let bytes = [0xfb, 0xff, 0xbf, 0x01];
        let standard = SigningKey::from_secret(&format!("whsec_{}", STANDARD.encode(bytes)));
        let url_safe = SigningKey::from_secret(&format!("whsec_{}", URL_SAFE.encode(bytes)));
        assert_eq!(standard.key, bytes);
        assert_eq!(url_safe.key, bytes);
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

    #[test]
    fn standard_webhooks_signatures_match_the_specification_example() {
        // The example in the Standard Webhooks specification (and its reference libraries).
        let key = SigningKey::from_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let signature = key.sign_message(
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    fn hex_bytes(hex: &str) -> Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }
}

//! Bearer-token authentication (RFC 6750) for every route.

use std::fmt;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::ApiError;

/// The secret clients present. Only its digest is kept, and presented tokens are hashed
/// and compared in constant time, so neither the comparison nor the token's length
/// leaks through timing.
#[derive(Clone)]
pub struct ApiToken {
    digest: Arc<[u8; 32]>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the API token is empty")]
    Empty,
    #[error("the API token contains whitespace or control characters")]
    NotPrintable,
}

impl ApiToken {
    pub fn new(token: &str) -> Result<Self, TokenError> {
        if token.is_empty() {
            return Err(TokenError::Empty);
        }
        // A token with such characters cannot be sent in an Authorization header.
        if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(TokenError::NotPrintable);
        }
        Ok(Self {
            digest: Arc::new(Sha256::digest(token.as_bytes()).into()),
        })
    }

    fn accepts(&self, presented: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        digest.ct_eq(&*self.digest).into()
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiToken(<redacted>)")
    }
}

const CHALLENGE: &str = r#"Bearer realm="warden""#;
const INVALID: &str = r#"Bearer realm="warden", error="invalid_token""#;

pub(crate) async fn require_token(
    State(token): State<ApiToken>,
    request: Request,
    next: Next,
) -> Response {
    let header = request.headers().get(AUTHORIZATION);
    let challenge = match header.map(HeaderValue::to_str) {
        None => Some((CHALLENGE, "this API needs an Authorization: Bearer token")),
        Some(Ok(value)) => match bearer(value) {
            Some(presented) if token.accepts(presented) => None,
            Some(_) => Some((INVALID, "the bearer token is not valid")),
            None => Some((CHALLENGE, "the Authorization header is not a Bearer token")),
        },
        Some(Err(_)) => Some((INVALID, "the Authorization header is not valid text")),
    };
    match challenge {
        None => next.run(request).await,
        Some((challenge, message)) => {
            let mut response =
                ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message).into_response();
            response
                .headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
            response
        }
    }
}

/// The token of `Bearer <token>`; the scheme is case-insensitive (RFC 7235).
fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_exactly() {
        let token = ApiToken::new("s3cret-token").unwrap();
        assert!(token.accepts("s3cret-token"));
        assert!(!token.accepts("s3cret-toke"));
        assert!(!token.accepts("s3cret-token2"));
        assert!(!token.accepts(""));
        assert_eq!(format!("{token:?}"), "ApiToken(<redacted>)");
    }

    #[test]
    fn unusable_tokens_are_refused() {
        assert_eq!(ApiToken::new("").unwrap_err(), TokenError::Empty);
        assert_eq!(ApiToken::new("a b").unwrap_err(), TokenError::NotPrintable);
        assert_eq!(ApiToken::new("a\n").unwrap_err(), TokenError::NotPrintable);
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("Basic abc"), None);
        assert_eq!(bearer("Bearer "), None);
        assert_eq!(bearer("Bearer"), None);
    }
}

//! What the server is told on start-up: the health endpoint's path, the process-level
//! output format, the cache lifetime and how checks are run.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use warden_report::{Format, FormatOptions};

/// Paths the server always routes itself; the health endpoint may not shadow them.
const RESERVED_PATHS: [&str; 2] = ["/metrics", "/policies"];

/// The path of the health endpoint (goss's `--endpoint`, `/healthz` by default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint(String);

/// Why a path cannot be the health endpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidEndpoint {
    #[error("endpoint {0:?} must start with '/'")]
    NotAbsolute(String),
    #[error("endpoint {0:?} may only contain letters, digits, '/', '-', '.', '_' and '~'")]
    UnsupportedCharacter(String),
    #[error("endpoint {0:?} is taken by Warden's own {1} endpoint")]
    Reserved(String, &'static str),
}

impl Endpoint {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Endpoint {
    fn default() -> Self {
        Endpoint("/healthz".to_owned())
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Endpoint {
    type Err = InvalidEndpoint;

    /// Accepts plain paths only: route patterns (`{id}`, `*rest`) and percent-escapes
    /// would make the endpoint mean something other than what was typed.
    fn from_str(path: &str) -> Result<Self, Self::Err> {
        if !path.starts_with('/') {
            return Err(InvalidEndpoint::NotAbsolute(path.to_owned()));
        }
        let allowed = |c: char| c.is_ascii_alphanumeric() || "/-._~".contains(c);
        if !path.chars().all(allowed) {
            return Err(InvalidEndpoint::UnsupportedCharacter(path.to_owned()));
        }
        let trimmed = path.trim_end_matches('/');
        for reserved in RESERVED_PATHS {
            let below = trimmed
                .strip_prefix(reserved)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
            if below {
                return Err(InvalidEndpoint::Reserved(path.to_owned(), reserved));
            }
        }
        Ok(Endpoint(path.to_owned()))
    }
}

/// How responses are presented, in every mode.
#[derive(Debug, Clone)]
pub struct ServeSettings {
    /// Where the health endpoint answers.
    pub endpoint: Endpoint,
    /// The format used when a request's `Accept` names none (goss's `--format`).
    pub format: Format,
    /// goss's `--format-options`, applied to every response.
    pub format_options: FormatOptions,
}

impl Default for ServeSettings {
    /// goss's defaults: `/healthz`, rspecish, no options.
    fn default() -> Self {
        ServeSettings {
            endpoint: Endpoint::default(),
            format: Format::Rspecish,
            format_options: FormatOptions::default(),
        }
    }
}

/// How results are produced when requests produce them.
#[derive(Debug, Clone)]
pub struct OnDemand {
    /// How long results are reused (goss's `--cache`); zero reuses nothing, though
    /// concurrent requests still share one run.
    pub cache: Duration,
    /// How each run checks resources.
    pub validate: warden_validate::Options,
}

impl Default for OnDemand {
    /// goss's defaults: 5s cache, 50 resources at a time.
    fn default() -> Self {
        OnDemand {
            cache: Duration::from_secs(5),
            validate: warden_validate::Options::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_plain_absolute_paths_outside_reserved_ones() {
        for ok in [
            "/healthz",
            "/",
            "/health/live",
            "/metricsz",
            "/policies-all",
            "/a.b_c~d",
        ] {
            assert_eq!(ok.parse::<Endpoint>().unwrap().as_str(), ok);
        }
        assert_eq!(
            "healthz".parse::<Endpoint>(),
            Err(InvalidEndpoint::NotAbsolute("healthz".to_owned()))
        );
        for bad in ["/{id}", "/a b", "/x%20", "/*rest", "/q?x=1"] {
            assert!(
                matches!(
                    bad.parse::<Endpoint>(),
                    Err(InvalidEndpoint::UnsupportedCharacter(_))
                ),
                "{bad}"
            );
        }
        for taken in ["/metrics", "/metrics/", "/policies", "/policies/x"] {
            assert!(
                matches!(
                    taken.parse::<Endpoint>(),
                    Err(InvalidEndpoint::Reserved(..))
                ),
                "{taken}"
            );
        }
    }
}

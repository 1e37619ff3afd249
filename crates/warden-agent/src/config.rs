//! `/etc/warden/warden.yaml`: what the agent runs, where it records, where it reports.
//!
//! Every key is optional: an empty file (or none) runs the built-in policies in audit
//! mode with the store under `/var/lib/warden`. Unknown keys and wrong types are errors
//! with file, line and column.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use warden_sinks::SinkConfig;

/// Where the agent looks for its configuration when `--config` is not given.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/warden/warden.yaml";

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AgentConfig {
    /// The environment policies' `enforcement` entries are matched against.
    pub environment: Option<String>,
    /// The host name alerts carry; the machine's when absent.
    pub hostname: Option<String>,
    /// Policy files with behaviour policies; the built-in policies when empty.
    pub policies: Vec<PathBuf>,
    /// Falco rule files loaded after the built-in rules and before the ones policies
    /// name, so their lists and macros are in scope everywhere.
    pub rules: Vec<PathBuf>,
    /// Directory of the violation store and the sinks' spools.
    pub state_dir: PathBuf,
    pub api: ApiConfig,
    pub sinks: Vec<SinkConfig>,
    pub enforcement: EnforcementConfig,
}

impl Default for AgentConfig {
    fn default() -> AgentConfig {
        AgentConfig {
            environment: None,
            hostname: None,
            policies: Vec::new(),
            rules: Vec::new(),
            state_dir: PathBuf::from("/var/lib/warden"),
            api: ApiConfig::default(),
            sinks: Vec::new(),
            enforcement: EnforcementConfig::default(),
        }
    }
}

/// The REST API.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApiConfig {
    pub enabled: bool,
    /// `127.0.0.1:7473` by default: the API resolves violations, so exposing it is a
    /// choice.
    #[serde(deserialize_with = "socket_address")]
    pub listen: SocketAddr,
    /// A file holding the bearer token; `<state_dir>/api-token` (created with a random
    /// token, mode 0600) when absent.
    pub token_file: Option<PathBuf>,
}

impl Default for ApiConfig {
    fn default() -> ApiConfig {
        ApiConfig {
            enabled: true,
            listen: warden_api::default_addr(),
            token_file: None,
        }
    }
}

/// How enforcement behaves when it cannot decide.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EnforcementConfig {
    /// What a permission request gets when its decision fails or overruns
    /// `decision_timeout`: `allow` keeps the machine usable, `deny` keeps it closed.
    pub on_error: FailurePolicy,
    #[serde(with = "duration_millis")]
    pub decision_timeout: Duration,
}

impl Default for EnforcementConfig {
    fn default() -> EnforcementConfig {
        EnforcementConfig {
            on_error: FailurePolicy::Allow,
            decision_timeout: Duration::from_millis(200),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailurePolicy {
    Allow,
    Deny,
}

fn socket_address<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
    let text = String::deserialize(d)?;
    text.parse().map_err(|_| {
        serde::de::Error::custom(format!(
            "expected an IP address and port such as 127.0.0.1:7473, found {text:?}"
        ))
    })
}

/// `decision_timeout` is written in milliseconds (`decision_timeout: 200`).
mod duration_millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer};

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

/// A configuration file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}:{column}: {message}")]
pub struct ConfigError {
    pub path: PathBuf,
    /// 0 when the problem is the file as a whole.
    pub line: u64,
    pub column: u64,
    pub message: String,
}

impl AgentConfig {
    /// Reads `path`; relative paths in it are resolved against its directory.
    pub fn load(path: &Path) -> Result<AgentConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: path.to_owned(),
            line: 0,
            column: 0,
            message: format!("could not read the configuration: {e}"),
        })?;
        AgentConfig::parse(path, &text)
    }

    /// Checks configuration `text` as if read from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<AgentConfig, ConfigError> {
        let mut config: AgentConfig = if text.trim().is_empty() {
            AgentConfig::default()
        } else {
            serde_saphyr::from_str(text).map_err(|e| {
                let (line, column) = e
                    .location()
                    .map_or((0, 0), |location| (location.line(), location.column()));
                ConfigError {
                    path: path.to_owned(),
                    line,
                    column,
                    message: first_line(&e.to_string()),
                }
            })?
        };
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
        if let Some(dir) = dir {
            for file in config.policies.iter_mut().chain(config.rules.iter_mut()) {
                if file.is_relative() {
                    *file = dir.join(&*file);
                }
            }
            if config.state_dir.is_relative() {
                config.state_dir = dir.join(&config.state_dir);
            }
        }
        Ok(config)
    }

    /// The violation database.
    pub fn store_path(&self) -> PathBuf {
        self.state_dir.join("warden.db")
    }

    /// Where sinks spool what their receivers have not taken yet.
    pub fn spool_dir(&self) -> PathBuf {
        self.state_dir.join("spool")
    }

    pub fn api_token_path(&self) -> PathBuf {
        self.api
            .token_file
            .clone()
            .unwrap_or_else(|| self.state_dir.join("api-token"))
    }
}

/// serde-saphyr's message without its `error: line L column C:` prefix and the snippet it
/// appends: the position is ours to print.
fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or(message).trim();
    let line = line.strip_prefix("error:").unwrap_or(line).trim_start();
    match line
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(": "))
    {
        Some((position, rest)) if position.contains(" column ") => rest.to_owned(),
        _ => line.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<AgentConfig, ConfigError> {
        AgentConfig::parse(Path::new("/etc/warden/warden.yaml"), text)
    }

    #[test]
    fn an_empty_file_is_the_defaults() {
        let config = parse("").unwrap();
        assert_eq!(config, AgentConfig::default());
        assert_eq!(config.store_path(), Path::new("/var/lib/warden/warden.db"));
        assert_eq!(config.api.listen.to_string(), "127.0.0.1:7473");
        assert_eq!(
            config.api_token_path(),
            Path::new("/var/lib/warden/api-token")
        );
    }

    #[test]
    fn every_key_is_read_and_relative_paths_follow_the_file() {
        let config = parse(
            "environment: production\nhostname: web-1\npolicies: [policies.yaml, /srv/p.yaml]\nrules: [rules/extra.yaml]\nstate_dir: state\napi: {enabled: false, listen: \"0.0.0.0:9000\", token_file: /run/token}\nenforcement: {on_error: deny, decision_timeout: 50}\nsinks:\n  - stdout: {name: console, format: falco}\n",
        )
        .unwrap();
        assert_eq!(config.environment.as_deref(), Some("production"));
        assert_eq!(config.hostname.as_deref(), Some("web-1"));
        assert_eq!(
            config.policies,
            [
                PathBuf::from("/etc/warden/policies.yaml"),
                PathBuf::from("/srv/p.yaml")
            ]
        );
        assert_eq!(
            config.rules,
            [PathBuf::from("/etc/warden/rules/extra.yaml")]
        );
        assert_eq!(config.state_dir, Path::new("/etc/warden/state"));
        assert!(!config.api.enabled);
        assert_eq!(config.api_token_path(), Path::new("/run/token"));
        assert_eq!(config.enforcement.on_error, FailurePolicy::Deny);
        assert_eq!(
            config.enforcement.decision_timeout,
            Duration::from_millis(50)
        );
        assert_eq!(config.sinks.len(), 1);
        assert_eq!(config.sinks[0].name().as_str(), "console");
    }

    #[test]
    fn mistakes_are_reported_with_their_position() {
        let cases = [
            ("policies: [a]\nenvironmnet: prod\n", 2, "environmnet"),
            (
                "api:\n  listen: nowhere\n",
                2,
                "127.0.0.1:7473, found \"nowhere\"",
            ),
            ("enforcement:\n  on_error: maybe\n", 2, "maybe"),
            (
                "sinks:\n  - carrier_pigeon: {name: x}\n",
                2,
                "carrier_pigeon",
            ),
            ("policies: [a\n", 1, ""),
        ];
        for (text, line, mention) in cases {
            let err = parse(text).unwrap_err();
            assert_eq!(err.line, line, "{text:?}: {err}");
            assert!(err.column > 0, "{text:?}: {err}");
            assert!(err.message.contains(mention), "{text:?}: {err}");
            assert!(
                err.to_string()
                    .starts_with(&format!("/etc/warden/warden.yaml:{line}:")),
                "{err}"
            );
        }
    }
}

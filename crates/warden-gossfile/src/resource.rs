//! A loaded resource: its identity, its typed attributes and where it was written.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use warden_matchers::Matcher;
use warden_value::{Mark, Node, Value};

use crate::kinds::ResourceKind;

/// Where something was written: the file (after includes) and the position in it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    pub file: PathBuf,
    pub mark: Mark,
}

/// One attribute value as written.
#[derive(Debug, Clone)]
pub struct Attr {
    pub node: Node,
    /// Compiled once at load time for matcher attributes.
    pub matcher: Option<Arc<Matcher>>,
}

#[derive(Debug, Clone)]
pub struct Resource {
    pub kind: ResourceKind,
    /// The map key in the gossfile.
    pub key: String,
    pub title: String,
    pub meta: Option<Value>,
    pub skip: bool,
    /// Attributes present in the file, keyed by their spec name.
    pub attrs: BTreeMap<&'static str, Attr>,
    pub origin: Origin,
}

impl Resource {
    /// The id goss reports: the key, or `key: name` when a name attribute overrides it.
    pub fn id(&self) -> String {
        match self.name_override() {
            Some(name) if name != self.key => format!("{}: {}", self.key, name),
            _ => self.key.clone(),
        }
    }

    /// The real system object: the name attribute when set and non-empty, else the key.
    pub fn target(&self) -> &str {
        self.name_override()
            .filter(|n| !n.is_empty())
            .unwrap_or(&self.key)
    }

    fn name_override(&self) -> Option<&str> {
        let attr = self.kind.name_attribute()?;
        self.str(attr)
    }

    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.get(name)
    }

    pub fn matcher(&self, name: &str) -> Option<&Arc<Matcher>> {
        self.attrs.get(name).and_then(|a| a.matcher.as_ref())
    }

    /// Whether the attribute holds an expectation: present, not null, and not an empty
    /// list (goss's `isSet`: `stdout: []` asserts nothing and is not checked).
    pub fn is_set(&self, name: &str) -> bool {
        match self.attrs.get(name).map(|a| a.node.to_value()) {
            None | Some(Value::Null) => false,
            Some(Value::List(items)) => !items.is_empty(),
            Some(_) => true,
        }
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        self.attrs.get(name).and_then(|a| a.node.as_str())
    }

    pub fn bool(&self, name: &str) -> bool {
        self.attrs
            .get(name)
            .and_then(|a| a.node.to_value().as_bool())
            .unwrap_or(false)
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        self.attrs
            .get(name)
            .and_then(|a| a.node.to_value().as_i64())
    }

    pub fn str_list(&self, name: &str) -> Vec<String> {
        match self.attrs.get(name).map(|a| a.node.to_value()) {
            Some(Value::List(items)) => items.iter().map(ToString::to_string).collect(),
            _ => Vec::new(),
        }
    }

    /// A millisecond attribute, or `default_ms` when unset or zero (goss treats 0 as unset).
    pub fn timeout(&self, name: &str, default_ms: u64) -> Duration {
        let ms = self
            .int(name)
            .filter(|&ms| ms > 0)
            .map_or(default_ms, |ms| ms.unsigned_abs());
        Duration::from_millis(ms)
    }

    /// `retry_count`/`retry_delay`: extra attempts and the pause between them (1s when unset).
    pub fn retry(&self) -> (u32, Duration) {
        let count = self
            .int("retry_count")
            .filter(|&c| c > 0)
            .map_or(0, |c| c.min(1000) as u32);
        let delay = self
            .attrs
            .get("retry_delay")
            .and_then(|a| crate::duration::from_value(&a.node.to_value()))
            .filter(|d| !d.is_zero())
            .unwrap_or(Duration::from_secs(1));
        (count, delay)
    }
}

//! Helpers shared by the integration tests.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]
#![allow(clippy::unwrap_used, clippy::panic)]

pub(crate) mod events;
pub(crate) mod mix;

use warden_rules::{RuleFile, RuleSet};

pub(crate) fn upstream(name: &str) -> String {
    let path = format!(
        "{}/../../../shared/conformance/falco/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Loads upstream files in order; panics on any error.
pub(crate) fn load_upstream(names: &[&str]) -> RuleSet {
    let texts: Vec<String> = names.iter().map(|n| upstream(n)).collect();
    let files: Vec<RuleFile<'_>> = names
        .iter()
        .zip(&texts)
        .map(|(name, content)| RuleFile { name, content })
        .collect();
    let loaded = RuleSet::load(&files, "test-host");
    let errors: Vec<String> = loaded.errors().map(ToString::to_string).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    loaded.rules.unwrap()
}

/// Loads one rule file given as text.
pub(crate) fn load(text: &str) -> warden_rules::Loaded {
    RuleSet::load(
        &[RuleFile {
            name: "rules.yaml",
            content: text,
        }],
        "test-host",
    )
}

//! Falco's upstream rule files load unchanged, with zero errors.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use warden_rules::{Code, RuleFile, RuleSet};

#[test]
fn all_three_upstream_files_load_without_errors() {
    let names = [
        "falco_rules.yaml",
        "falco-incubating_rules.yaml",
        "falco-sandbox_rules.yaml",
    ];
    let texts: Vec<String> = names.iter().map(|n| common::upstream(n)).collect();
    let files: Vec<RuleFile<'_>> = names
        .iter()
        .zip(&texts)
        .map(|(name, content)| RuleFile { name, content })
        .collect();
    let loaded = RuleSet::load(&files, "test-host");
    let errors: Vec<String> = loaded.errors().map(ToString::to_string).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let rules = loaded.rules.as_ref().unwrap();
    assert_eq!(rules.rules().len(), 25 + 31 + 37);
    // Only the sandbox file disables rules (`enabled: false`, 12 times).
    assert_eq!(rules.rules().iter().filter(|r| !r.enabled).count(), 12);
    // What Warden cannot see is reported, by rule: evt.buffer and recvfrom/recvmsg.
    let not_supplied: Vec<String> = loaded
        .warnings()
        .filter(|w| w.code == Code::NotSupplied)
        .map(|w| w.item.as_ref().unwrap().name.clone())
        .collect();
    assert!(
        not_supplied.contains(&"Java Process Class File Download".to_owned()),
        "{not_supplied:?}"
    );
}

#[test]
fn each_file_loads_on_its_own() {
    for (name, count) in [
        ("falco_rules.yaml", 25),
        ("falco-incubating_rules.yaml", 31),
        ("falco-sandbox_rules.yaml", 37),
    ] {
        assert_eq!(
            common::load_upstream(&[name]).rules().len(),
            count,
            "{name}"
        );
    }
}

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
    // The only warning is what Warden cannot see (I/O buffers), on the rule that depends
    // on it: Falco itself warns about nothing in these files.
    let warnings: Vec<String> = loaded.warnings().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "falco-sandbox_rules.yaml:1675:5: warning WARDEN_NOT_SUPPLIED (rule 'Java Process Class File Download'): no Warden event carries evt.buffer: it is always <NA>",
        ]
    );
    assert!(loaded.warnings().all(|w| w.code == Code::NotSupplied));
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

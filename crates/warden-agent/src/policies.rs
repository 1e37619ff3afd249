//! Behaviour policies compiled for the agent: every rule file they need, loaded once into
//! one rule set in a fixed order, and for every rule the policies that turned it on.
//!
//! Load order (later files see the lists and macros of earlier ones, as in Falco): the
//! built-in rules, the configuration's `rules`, the files policies name (each once, in
//! policy order), then one generated file per policy with an inline condition.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use warden_events::Event;
use warden_policy::{BehaviourPolicy, PolicyFile};
use warden_rules::{MatchMode, Rule, RuleFile, RuleSet};
use warden_violations::Severity;

use crate::config::AgentConfig;
use crate::{DEFAULT_RULES, DEFAULT_RULES_NAME};

/// The built-in policies: every default control, in audit mode.
pub const DEFAULT_POLICIES: &str = include_str!("../policies/default.yaml");
/// The name the built-in policies are reported under.
pub const DEFAULT_POLICIES_NAME: &str = "warden-default-policies.yaml";

/// The policies in force and the rules they evaluate.
#[derive(Debug)]
pub struct ActivePolicies {
    pub rules: RuleSet,
    pub policies: Vec<BehaviourPolicy>,
    /// For each rule name (unique: a redefinition replaces), the policies (by position)
    /// that selected it. Looked up only on a match, which is rare.
    policies_by_rule: HashMap<String, Vec<usize>>,
    /// The files loaded, in order, for `warden agent --check` and the status endpoint.
    pub sources: Vec<String>,
}

/// Policies or rules that cannot be used; every problem found, with positions.
#[derive(Debug, thiserror::Error)]
#[error("{}", problems.join("\n"))]
pub struct PolicyError {
    pub problems: Vec<String>,
}

impl PolicyError {
    fn one(problem: String) -> PolicyError {
        PolicyError {
            problems: vec![problem],
        }
    }
}

/// A rule file as read: the name messages use, and its text.
#[derive(Debug, Clone)]
pub struct RuleText {
    pub name: String,
    pub text: String,
    /// The file on disk, when it came from one (policies select rules by file).
    pub path: Option<PathBuf>,
}

impl ActivePolicies {
    /// Reads the policy and rule files `config` names and compiles them.
    pub fn load(config: &AgentConfig, hostname: &str) -> Result<ActivePolicies, PolicyError> {
        let mut policies = Vec::new();
        if config.policies.is_empty() {
            let file = PolicyFile::parse(Path::new(DEFAULT_POLICIES_NAME), DEFAULT_POLICIES)
                .map_err(|e| PolicyError::one(e.to_string()))?;
            policies.extend(file.behaviour);
        } else {
            let mut problems = Vec::new();
            for path in &config.policies {
                match PolicyFile::load(path) {
                    Ok(file) => policies.extend(file.behaviour),
                    Err(e) => problems.push(e.to_string()),
                }
            }
            if !problems.is_empty() {
                return Err(PolicyError { problems });
            }
        }
        let mut paths: Vec<PathBuf> = config.rules.clone();
        for policy in &policies {
            for file in &policy.rules.files {
                if !paths.contains(file) {
                    paths.push(file.clone());
                }
            }
        }
        let mut rule_files = vec![RuleText {
            name: DEFAULT_RULES_NAME.to_owned(),
            text: DEFAULT_RULES.to_owned(),
            path: None,
        }];
        let mut problems = Vec::new();
        for path in paths {
            match std::fs::read_to_string(&path) {
                Ok(text) => rule_files.push(RuleText {
                    name: path.display().to_string(),
                    text,
                    path: Some(path),
                }),
                Err(e) => {
                    problems.push(format!("{}: could not read rule file: {e}", path.display()))
                }
            }
        }
        if !problems.is_empty() {
            return Err(PolicyError { problems });
        }
        ActivePolicies::compile(policies, rule_files, hostname)
    }

    /// Compiles `policies` over `rule_files` (in load order). Pure.
    pub fn compile(
        policies: Vec<BehaviourPolicy>,
        mut rule_files: Vec<RuleText>,
        hostname: &str,
    ) -> Result<ActivePolicies, PolicyError> {
        for policy in &policies {
            if let Some(inline) = &policy.rules.inline {
                rule_files.push(RuleText {
                    name: inline_file_name(policy),
                    text: inline_rule_text(policy, &inline.condition, &inline.output),
                    path: None,
                });
            }
        }
        let files: Vec<RuleFile<'_>> = rule_files
            .iter()
            .map(|f| RuleFile {
                name: &f.name,
                content: &f.text,
            })
            .collect();
        let loaded = RuleSet::load(&files, hostname);
        let errors: Vec<String> = loaded
            .errors()
            .map(
                |d| match policies.iter().find(|p| inline_file_name(p) == d.file) {
                    // Generated text: point at the condition in the policy file.
                    Some(policy) => {
                        let mark = policy
                            .rules
                            .inline
                            .as_ref()
                            .map_or(policy.origin.mark, |i| i.mark);
                        format!(
                            "{}:{}:{}: policy {:?}: the condition does not compile: {}",
                            policy.origin.file.display(),
                            mark.line,
                            mark.column,
                            policy.original_id,
                            d.message
                        )
                    }
                    None => d.to_string(),
                },
            )
            .collect();
        let Some(rules) = loaded.rules else {
            return Err(PolicyError { problems: errors });
        };
        let mut policies_by_rule: HashMap<String, Vec<usize>> = HashMap::new();
        let mut problems = Vec::new();
        for (index, policy) in policies.iter().enumerate() {
            let selected = selected_rules(policy, rules.rules(), &rule_files);
            for name in &policy.rules.names {
                if !rules.rules().iter().any(|r| &r.name == name) {
                    problems.push(format!(
                        "{}:{}:{}: policy {:?} selects rule {name:?}, which no loaded rule file defines",
                        policy.origin.file.display(),
                        policy.origin.mark.line,
                        policy.origin.mark.column,
                        policy.original_id
                    ));
                }
            }
            if selected.is_empty() && problems.is_empty() {
                problems.push(format!(
                    "{}:{}:{}: policy {:?} selects no enabled rule",
                    policy.origin.file.display(),
                    policy.origin.mark.line,
                    policy.origin.mark.column,
                    policy.original_id
                ));
            }
            for rule in selected {
                policies_by_rule
                    .entry(rules.rules()[rule].name.clone())
                    .or_default()
                    .push(index);
            }
        }
        if !problems.is_empty() {
            return Err(PolicyError { problems });
        }
        Ok(ActivePolicies {
            rules,
            policies,
            policies_by_rule,
            sources: rule_files.into_iter().map(|f| f.name).collect(),
        })
    }

    /// Calls `on_match` for every (rule, policy) pair `event` matches.
    pub fn evaluate<'a>(
        &'a self,
        event: &Event,
        mut on_match: impl FnMut(&'a Rule, &'a BehaviourPolicy),
    ) {
        self.rules.evaluate(event, MatchMode::All, |rule| {
            for &policy in self.policies_by_rule.get(&rule.name).into_iter().flatten() {
                on_match(rule, &self.policies[policy]);
            }
        });
    }

    /// The rules `policy` turned on, in load order.
    pub fn rule_names(&self, policy: &BehaviourPolicy) -> Vec<String> {
        let Some(index) = self.policies.iter().position(|p| p.id == policy.id) else {
            return Vec::new();
        };
        self.rules
            .rules()
            .iter()
            .filter(|rule| {
                self.policies_by_rule
                    .get(&rule.name)
                    .is_some_and(|p| p.contains(&index))
            })
            .map(|rule| rule.name.clone())
            .collect()
    }

    /// How many rules at least one policy turned on.
    pub fn active_rule_count(&self) -> usize {
        self.policies_by_rule.len()
    }
}

/// The enabled rules `policy` selects: by name, by tag, every rule of its files when it
/// names neither, and its inline rule.
fn selected_rules(policy: &BehaviourPolicy, rules: &[Rule], files: &[RuleText]) -> BTreeSet<usize> {
    let selection = &policy.rules;
    let by_file = selection.names.is_empty() && selection.tags.is_empty();
    let policy_files: Vec<&str> = files
        .iter()
        .filter(|f| f.path.as_ref().is_some_and(|p| selection.files.contains(p)))
        .map(|f| f.name.as_str())
        .collect();
    let inline = inline_file_name(policy);
    rules
        .iter()
        .enumerate()
        .filter(|(_, rule)| rule.enabled)
        .filter(|(_, rule)| {
            selection.names.contains(&rule.name)
                || rule.tags.iter().any(|t| selection.tags.contains(t))
                || (by_file && policy_files.contains(&rule.file.as_str()))
                || (selection.inline.is_some() && rule.file == inline)
        })
        .map(|(index, _)| index)
        .collect()
}

fn inline_file_name(policy: &BehaviourPolicy) -> String {
    format!("{}#{}", policy.origin.file.display(), policy.id)
}

/// A rule file holding `policy`'s inline rule, named after the policy.
fn inline_rule_text(policy: &BehaviourPolicy, condition: &str, output: &str) -> String {
    let priority = match policy.severity {
        Severity::Low => "NOTICE",
        Severity::Medium => "WARNING",
        Severity::High => "ERROR",
        Severity::Critical => "CRITICAL",
    };
    // JSON strings are YAML double-quoted scalars: no escaping rules of our own.
    let quote = |s: &str| serde_json::Value::from(s).to_string();
    let tags: Vec<String> = policy.metadata.tags.iter().map(|t| quote(t)).collect();
    format!(
        "- rule: {}\n  desc: {}\n  condition: {}\n  output: {}\n  priority: {priority}\n  tags: [{}]\n",
        quote(&format!("policy {}", policy.id)),
        quote(&format!("The inline condition of policy {}", policy.id)),
        quote(condition),
        quote(output),
        tags.join(", ")
    )
}

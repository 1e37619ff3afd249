//! The loaded rule set: rules indexed by event type, evaluated in load order, in Falco's
//! `first` or `all` matching mode; and standalone filters for `warden trace`.

use std::collections::HashMap;

use warden_events::{Event, Syscall};

use crate::check::{Check, Expr, Folded, Scope, literal};
use crate::compiler::{self, CompileError, Definitions, Rule};
use crate::diagnostics::Diagnostic;
use crate::fields::Host;
use crate::loader::{Collector, RuleFile};
use crate::output::{Alert, time_text};
use crate::text::TimeStyle;

/// Falco's `rule_matching`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MatchMode {
    /// Stop at the first matching rule (Falco's default).
    #[default]
    First,
    /// Every matching rule.
    All,
}

/// What loading rule files produced: the rule set when there was no error, and every
/// error and warning.
#[derive(Debug)]
pub struct Loaded {
    pub rules: Option<RuleSet>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| !d.is_error())
    }
}

/// The rules of one event type.
#[derive(Debug, Clone, Default)]
struct TypeRules {
    /// In load order.
    rules: Vec<TypeRule>,
    /// The distinct checks the conditions refer to ([`Expr::Shared`]).
    checks: Vec<Check>,
}

/// A rule's condition specialised to one event type, as the list of its top-level
/// `and`'s parts, in [`Expr::factor`]'s order. Most rules are rejected by one part, often
/// a check another rule has evaluated for this event already.
#[derive(Debug, Clone)]
struct TypeRule {
    rule: u32,
    parts: Box<[Part]>,
}

#[derive(Debug, Clone)]
enum Part {
    /// A shared check and the result it must have.
    Check(u16, bool),
    Expr(Expr),
}

impl TypeRule {
    fn new(rule: u32, condition: Expr) -> TypeRule {
        let conjuncts = match condition.factor() {
            Expr::And(children) => children.into_vec(),
            other => vec![other],
        };
        let parts: Vec<Part> = conjuncts
            .into_iter()
            .map(|c| match literal(&c) {
                Some((n, want)) => Part::Check(n, want),
                None => Part::Expr(c),
            })
            .collect();
        TypeRule {
            rule,
            parts: parts.into(),
        }
    }

    fn matches(&self, ev: &Event, host: Host<'_>, scope: &mut Scope<'_>) -> bool {
        self.parts.iter().all(|part| match part {
            Part::Check(n, want) => scope.eval(*n, ev, host) == *want,
            Part::Expr(e) => e.eval(ev, host, scope),
        })
    }
}

/// Compiled rules, ready to evaluate events.
#[derive(Debug, Clone)]
pub struct RuleSet {
    rules: Vec<Rule>,
    /// For each event type (by [`Syscall`] ordinal), the enabled rules that can match
    /// it, in load order, each with its condition specialised to that type.
    by_type: Vec<TypeRules>,
    definitions: Definitions,
    hostname: String,
}

impl RuleSet {
    /// Loads and compiles rule files in order (later files override earlier ones, as
    /// Falco loads them). `hostname` is what alerts and `evt.hostname` carry.
    pub fn load(files: &[RuleFile<'_>], hostname: &str) -> Loaded {
        let mut collector = Collector::default();
        for file in files {
            let before = collector
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .count();
            collector.read(file);
            if collector
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .count()
                > before
            {
                // Falco stops loading at the first file with an error.
                return Loaded {
                    rules: None,
                    diagnostics: collector.diagnostics,
                };
            }
        }
        let mut diagnostics = std::mem::take(&mut collector.diagnostics);
        let compiled = compiler::compile(&collector, &mut diagnostics);
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Loaded {
                rules: None,
                diagnostics,
            };
        }
        let mut by_type = vec![TypeRules::default(); Syscall::ALL.len()];
        let mut keys = vec![HashMap::new(); Syscall::ALL.len()];
        for (i, rule) in compiled.rules.iter().enumerate() {
            if !rule.enabled {
                continue;
            }
            for syscall in rule.event_types.iter() {
                let condition = match rule.condition.specialize(syscall) {
                    Folded::Const(false) => continue,
                    Folded::Const(true) => Expr::And(Box::new([])),
                    Folded::Expr(e) => e,
                };
                let of_type = &mut by_type[syscall as usize];
                let condition = condition.share(&mut of_type.checks, &mut keys[syscall as usize]);
                of_type.rules.push(TypeRule::new(i as u32, condition));
            }
        }
        Loaded {
            rules: Some(RuleSet {
                rules: compiled.rules,
                by_type,
                definitions: compiled.definitions,
                hostname: hostname.to_owned(),
            }),
            diagnostics,
        }
    }

    /// Every compiled rule, enabled or not, in load order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The lists and macros the files defined, for [`Filter::compile`].
    pub fn definitions(&self) -> &Definitions {
        &self.definitions
    }

    fn host(&self) -> Host<'_> {
        Host {
            hostname: &self.hostname,
        }
    }

    /// Calls `on_match` for the rules `event` matches, in load order (only the first in
    /// [`MatchMode::First`]). Allocates nothing.
    pub fn evaluate<'r>(
        &'r self,
        event: &Event,
        mode: MatchMode,
        mut on_match: impl FnMut(&'r Rule),
    ) {
        let host = self.host();
        let of_type = &self.by_type[event.syscall as usize];
        let mut scope = Scope::new(&of_type.checks);
        for type_rule in &of_type.rules {
            if type_rule.matches(event, host, &mut scope) {
                let rule = &self.rules[type_rule.rule as usize];
                on_match(rule);
                if mode == MatchMode::First {
                    return;
                }
            }
        }
    }

    /// The alerts `event` raises, in load order (at most one in [`MatchMode::First`]).
    /// The vector is empty, and nothing is allocated, when no rule matches.
    pub fn alerts(&self, event: &Event, mode: MatchMode) -> Vec<Alert> {
        let mut alerts = Vec::new();
        self.evaluate(event, mode, |rule| alerts.push(self.alert(rule, event)));
        alerts
    }

    /// The alert `rule` raises for `event`.
    pub fn alert(&self, rule: &Rule, event: &Event) -> Alert {
        let (message, output_fields) = rule.output.render(event, self.host());
        let mut fields = output_fields;
        fields.insert("evt.time".into(), serde_json::Value::from(event.time));
        Alert {
            time: time_text(event.time, TimeStyle::Iso8601),
            rule: rule.name.clone(),
            priority: rule.priority,
            source: rule.source.clone(),
            hostname: self.hostname.clone(),
            output: format!(
                "{}: {} {message}",
                time_text(event.time, TimeStyle::Clock),
                rule.priority.name()
            ),
            output_fields: fields,
            tags: rule.tags.clone(),
        }
    }
}

/// A standalone condition (`warden trace --filter EXPR`).
#[derive(Debug, Clone)]
pub struct Filter {
    expr: Expr,
}

impl Filter {
    /// Compiles `condition`, with the lists and macros of `definitions` (or none).
    pub fn compile(
        condition: &str,
        definitions: Option<&Definitions>,
    ) -> Result<Filter, CompileError> {
        let empty = Definitions::default();
        let expr = compiler::compile_filter(condition, definitions.unwrap_or(&empty))?;
        Ok(Filter { expr })
    }

    pub fn matches(&self, event: &Event) -> bool {
        self.expr
            .eval(event, Host { hostname: "" }, &mut Scope::new(&[]))
    }
}

/// The benchmark's everyday event mix.
#[cfg(test)]
#[path = "../tests/common/mix.rs"]
mod mix;

#[cfg(test)]
mod tests {
    use super::mix;
    use super::*;
    use crate::check::Scope;

    fn read(path: &str) -> String {
        std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
            .unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// Specialising, sharing, factoring and reordering change the cost of a rule, never
    /// its result: every rule of Falco's three files answers each event as its compiled
    /// condition does when evaluated plainly.
    #[test]
    fn the_optimised_rules_answer_as_the_conditions_do() {
        let names = [
            "falco_rules.yaml",
            "falco-incubating_rules.yaml",
            "falco-sandbox_rules.yaml",
        ];
        let texts: Vec<String> = names
            .iter()
            .map(|n| read(&format!("../../../shared/conformance/falco/{n}")))
            .collect();
        let files: Vec<RuleFile<'_>> = names
            .iter()
            .zip(&texts)
            .map(|(name, content)| RuleFile { name, content })
            .collect();
        let rules = RuleSet::load(&files, "h")
            .rules
            .unwrap_or_else(|| panic!("load"));
        let mut events: Vec<Event> = read("tests/fixtures/stable-rules.jsonl")
            .lines()
            .map(|l| Event::from_json_line(l).unwrap_or_else(|e| panic!("{e}")))
            .collect();
        events.extend(mix::events(3000));
        let mut fired = 0;
        for event in &events {
            let mut matched = Vec::new();
            rules.evaluate(event, MatchMode::All, |r| matched.push(r.name.as_str()));
            for rule in rules.rules().iter().filter(|r| r.enabled) {
                let plain = rule
                    .condition
                    .eval(event, rules.host(), &mut Scope::new(&[]));
                assert_eq!(
                    plain,
                    matched.contains(&rule.name.as_str()),
                    "{} on event {}",
                    rule.name,
                    event.seq
                );
                fired += usize::from(plain);
            }
        }
        assert!(fired >= 25, "{fired}");
    }
}

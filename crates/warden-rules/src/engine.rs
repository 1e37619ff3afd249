//! The loaded rule set: rules indexed by event type, evaluated in load order, in Falco's
//! `first` or `all` matching mode; and standalone filters for `warden trace`.

use warden_events::{Event, Syscall};

use crate::check::{Expr, Folded};
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

/// Compiled rules, ready to evaluate events.
#[derive(Debug, Clone)]
pub struct RuleSet {
    rules: Vec<Rule>,
    /// For each event type (by [`Syscall`] ordinal), the enabled rules that can match
    /// it, in load order, each with its condition specialised to that type.
    by_type: Vec<Vec<(u32, Expr)>>,
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
        let mut by_type = vec![Vec::new(); Syscall::ALL.len()];
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
                by_type[syscall as usize].push((i as u32, condition));
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
        for (i, condition) in &self.by_type[event.syscall as usize] {
            let rule = &self.rules[*i as usize];
            if condition.eval(event, host) {
                on_match(rule);
                if mode == MatchMode::First {
                    return;
                }
            }
        }
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
        self.expr.eval(event, Host { hostname: "" })
    }
}

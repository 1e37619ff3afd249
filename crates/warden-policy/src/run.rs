//! Running policies: load the gossfile, validate the machine, judge every result
//! against the enforcement rule in force, and apply its waivers.

use std::sync::Arc;
use std::time::{Duration, Instant};

use time::{Date, OffsetDateTime};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use warden_gossfile::{Gossfile, GossfileError, LoadOptions, Source, SystemHost};
use warden_report::{ResultCode, TestResult};

use crate::enforcement::{EnforcementRule, Level};
use crate::model::Policy;
use crate::waiver::Waiver;

/// What became of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckStatus {
    Passed,
    Failed,
    Skipped,
    /// Failed, but an active waiver accepts the failure.
    Waived,
}

impl CheckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Passed => "passed",
            CheckStatus::Failed => "failed",
            CheckStatus::Skipped => "skipped",
            CheckStatus::Waived => "waived",
        }
    }
}

/// One check's result and what it counts as.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckVerdict {
    pub result: TestResult,
    pub status: CheckStatus,
    /// For [`CheckStatus::Waived`], the waiver that applied. For
    /// [`CheckStatus::Failed`], an expired waiver that names this check (it would
    /// have applied before it expired).
    pub waiver: Option<Waiver>,
}

/// How many checks ended each way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Every check, whatever its status.
    pub tests: usize,
    pub passed: usize,
    /// Failures no active waiver covers.
    pub failed: usize,
    pub skipped: usize,
    pub waived: usize,
}

/// The outcome of running one policy.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyOutcome {
    /// The policy as loaded (ids, metadata, gossfile path).
    pub policy: Policy,
    /// The environment of the run; `None` when none was named or detected.
    pub environment: Option<String>,
    /// The enforcement rule in force (see [`Policy::rule_for`]).
    pub rule: EnforcementRule,
    /// The severity of this policy's failures under `rule`.
    pub level: Level,
    /// No failed check without an active waiver, and no error.
    pub compliant: bool,
    /// Not compliant, and `rule` is fatal: `warden audit` exits 1.
    pub fatal_failure: bool,
    pub counts: Counts,
    /// One per check, in gossfile order.
    pub checks: Vec<CheckVerdict>,
    /// Why the policy could not be checked (its gossfile failed to load, or has no
    /// checks). An error is never compliant.
    pub error: Option<String>,
    /// Waivers of `rule` whose `until` day has passed; they no longer apply.
    pub expired_waivers: Vec<Waiver>,
    /// The gossfile loader's warnings (deprecations, duplicate ids).
    pub warnings: Vec<String>,
    pub started: OffsetDateTime,
    pub duration: Duration,
}

impl PolicyOutcome {
    /// Judges finished `results` against the rule `policy` has in `environment`:
    /// failures matched by an active waiver become waived, the rest count against
    /// compliance. Waivers expire after their `until` day, read from `started` (UTC).
    pub fn from_results(
        policy: &Policy,
        environment: Option<&str>,
        results: Vec<TestResult>,
        started: OffsetDateTime,
        duration: Duration,
    ) -> PolicyOutcome {
        let rule = policy.rule_for(environment);
        let today = started.to_offset(time::UtcOffset::UTC).date();
        let checks = judge(results, rule.exceptions.waivers(), today);
        let mut counts = Counts {
            tests: checks.len(),
            ..Counts::default()
        };
        for check in &checks {
            match check.status {
                CheckStatus::Passed => counts.passed += 1,
                CheckStatus::Failed => counts.failed += 1,
                CheckStatus::Skipped => counts.skipped += 1,
                CheckStatus::Waived => counts.waived += 1,
            }
        }
        let compliant = counts.failed == 0;
        PolicyOutcome {
            policy: policy.clone(),
            environment: environment.map(str::to_owned),
            level: rule.level(),
            compliant,
            fatal_failure: !compliant && rule.fatal,
            counts,
            checks,
            error: None,
            expired_waivers: expired(&rule, today),
            warnings: Vec::new(),
            rule,
            started,
            duration,
        }
    }

    /// A policy that could not be checked: not compliant, and fatal if its rule is.
    pub fn from_error(
        policy: &Policy,
        environment: Option<&str>,
        error: String,
        started: OffsetDateTime,
        duration: Duration,
    ) -> PolicyOutcome {
        let mut outcome =
            PolicyOutcome::from_results(policy, environment, Vec::new(), started, duration);
        outcome.compliant = false;
        outcome.fatal_failure = outcome.rule.fatal;
        outcome.error = Some(error);
        outcome
    }

    /// The policy's health as an HTTP status: 200 compliant, 503 not.
    pub fn http_status(&self) -> u16 {
        if self.compliant { 200 } else { 503 }
    }

    /// The policy's weight in the compliance score (see [`Policy::weight`]).
    pub fn weight(&self) -> f64 {
        self.policy.weight()
    }

    /// The level one check is reported at: the policy's level for a failure, `note`
    /// for everything else (passes, skips and waived failures are information).
    pub fn check_level(&self, status: CheckStatus) -> Level {
        match status {
            CheckStatus::Failed => self.level,
            CheckStatus::Passed | CheckStatus::Skipped | CheckStatus::Waived => Level::Note,
        }
    }

    /// The failed checks that no waiver covers.
    pub fn failures(&self) -> impl Iterator<Item = &CheckVerdict> {
        self.checks
            .iter()
            .filter(|c| c.status == CheckStatus::Failed)
    }

    /// The failures that a waiver accepted.
    pub fn waived(&self) -> impl Iterator<Item = &CheckVerdict> {
        self.checks
            .iter()
            .filter(|c| c.status == CheckStatus::Waived)
    }
}

/// Runs one policy: loads its gossfile (a load error becomes an outcome with an
/// error), checks the machine, and judges the results in `environment`.
pub async fn run(
    policy: &Policy,
    environment: Option<&str>,
    options: &warden_validate::Options,
) -> PolicyOutcome {
    let started = OffsetDateTime::now_utc();
    let clock = Instant::now();
    let gossfile = match load_gossfile(policy) {
        Ok(gossfile) => gossfile,
        Err(err) => {
            return PolicyOutcome::from_error(
                policy,
                environment,
                err.to_string(),
                started,
                clock.elapsed(),
            );
        }
    };
    if gossfile.is_empty() {
        return PolicyOutcome::from_error(
            policy,
            environment,
            format!("found 0 tests, source: {}", policy.runtime.config.display()),
            started,
            clock.elapsed(),
        );
    }
    let run = warden_validate::validate(gossfile.resources.into(), options).await;
    let results = run.groups.into_iter().flat_map(|g| g.results).collect();
    let mut outcome =
        PolicyOutcome::from_results(policy, environment, results, started, clock.elapsed());
    outcome.warnings = gossfile.warnings;
    outcome
}

/// The policy's gossfile with no template vars (policy files define none).
/// The policy's gossfile, loaded as a run loads it: long-running commands call this at
/// start-up so a broken gossfile stops them instead of failing every run.
pub fn load_gossfile(policy: &Policy) -> Result<Gossfile, GossfileError> {
    let options = LoadOptions {
        vars: warden_value::Value::Map(Default::default()),
        host: &SystemHost,
    };
    warden_gossfile::load(&Source::Path(policy.runtime.config.clone()), &options)
}

/// Runs `policies` with at most `max_concurrent` at a time; outcomes come back in the
/// order of `policies`.
pub async fn run_all(
    policies: &[&Policy],
    environment: Option<&str>,
    options: &warden_validate::Options,
    max_concurrent: usize,
) -> Vec<PolicyOutcome> {
    let permits = Arc::new(Semaphore::new(max_concurrent.max(1)));
    let mut tasks = JoinSet::new();
    for (index, policy) in policies.iter().enumerate() {
        let policy = (*policy).clone();
        let environment = environment.map(str::to_owned);
        let options = options.clone();
        let permits = Arc::clone(&permits);
        tasks.spawn(async move {
            // The semaphore is never closed, so a permit always arrives.
            let _permit = permits.acquire_owned().await.ok();
            (index, run(&policy, environment.as_deref(), &options).await)
        });
    }
    let mut outcomes: Vec<Option<PolicyOutcome>> = vec![None; policies.len()];
    while let Some(joined) = tasks.join_next().await {
        if let Ok((index, outcome)) = joined {
            outcomes[index] = Some(outcome);
        }
    }
    // A run that panicked is a bug; report it on its policy rather than lose the policy.
    outcomes
        .into_iter()
        .zip(policies)
        .map(|(outcome, policy)| {
            outcome.unwrap_or_else(|| {
                PolicyOutcome::from_error(
                    policy,
                    environment,
                    "the policy run did not finish (internal error)".to_owned(),
                    OffsetDateTime::now_utc(),
                    Duration::ZERO,
                )
            })
        })
        .collect()
}

/// The weighted share of compliant policies, 0–100: each policy counts with its
/// weight (`score`, 1 by default, 0 to leave it out). With no weight at all (no
/// policies, or only weight-0 ones) nothing is out of compliance: 100.
pub fn compliance_score(outcomes: &[PolicyOutcome]) -> f64 {
    // Folded from +0.0: `sum` starts at -0.0, which would print as "-0.0".
    let total = outcomes
        .iter()
        .map(PolicyOutcome::weight)
        .fold(0.0, |a, w| a + w);
    if total <= 0.0 {
        return 100.0;
    }
    let compliant = outcomes
        .iter()
        .filter(|o| o.compliant)
        .map(PolicyOutcome::weight)
        .fold(0.0, |a, w| a + w);
    100.0 * compliant / total
}

fn judge(results: Vec<TestResult>, waivers: &[Waiver], today: Date) -> Vec<CheckVerdict> {
    results
        .into_iter()
        .map(|result| {
            let (status, waiver) = match result.result {
                ResultCode::Fail => {
                    let mut matching = waivers.iter().filter(|w| w.matches(&result));
                    let first = matching.clone().next();
                    match matching.find(|w| w.is_active(today)) {
                        Some(active) => (CheckStatus::Waived, Some(active.clone())),
                        None => (CheckStatus::Failed, first.cloned()),
                    }
                }
                ResultCode::Skip => (CheckStatus::Skipped, None),
                ResultCode::Success | ResultCode::Unknown if result.skipped => {
                    (CheckStatus::Skipped, None)
                }
                ResultCode::Success | ResultCode::Unknown => (CheckStatus::Passed, None),
            };
            CheckVerdict {
                result,
                status,
                waiver,
            }
        })
        .collect()
}

fn expired(rule: &EnforcementRule, today: Date) -> Vec<Waiver> {
    rule.exceptions
        .waivers()
        .iter()
        .filter(|w| !w.is_active(today))
        .cloned()
        .collect()
}

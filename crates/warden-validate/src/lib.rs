//! Runs gossfile resources against the system and produces results.
//!
//! Resources are checked concurrently by a bounded pool of tokio tasks, the slow kinds
//! (commands, HTTP, DNS, packages) first, as goss schedules them; attributes of one
//! resource run in order. Results come back in gossfile order so every run of the same
//! file prints the same way. One [`System`] per run shares the tables it reads once.

mod checks;
mod resources;

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use warden_gossfile::{Resource, ResourceKind};
use warden_probes::{PackageManager, System};
use warden_report::{ResultGroup, TestResult};

/// How a run is carried out.
#[derive(Debug, Clone)]
pub struct Options {
    /// Resources checked at the same time (goss's `--max-concurrent`).
    pub max_concurrent: usize,
    /// goss's `--package`; detected when `None`.
    pub package_manager: Option<PackageManager>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_concurrent: 50,
            package_manager: None,
        }
    }
}

impl Options {
    /// A fresh view of the system for one run (goss rebuilds it for every attempt).
    pub fn system(&self) -> System {
        let builder = System::builder();
        match self.package_manager {
            Some(manager) => builder.package_manager(manager).build(),
            None => builder.build(),
        }
    }
}

/// The results of one run, one group per resource, in gossfile order.
#[derive(Debug, Clone)]
pub struct Run {
    pub groups: Vec<ResultGroup>,
    pub duration: Duration,
}

impl Run {
    pub fn failed(&self) -> bool {
        self.groups
            .iter()
            .flat_map(|g| &g.results)
            .any(|r| !r.successful())
    }
}

/// Checks every resource once.
pub async fn validate(resources: Arc<[Resource]>, options: &Options) -> Run {
    let started = Instant::now();
    let system = Arc::new(options.system());
    let permits = Arc::new(Semaphore::new(options.max_concurrent.max(1)));
    let mut order: Vec<usize> = (0..resources.len()).collect();
    order.sort_by_key(|&i| schedule_rank(resources[i].kind));

    let mut tasks = JoinSet::new();
    for index in order {
        let resources = Arc::clone(&resources);
        let system = Arc::clone(&system);
        let permits = Arc::clone(&permits);
        let options = options.clone();
        tasks.spawn(async move {
            // The semaphore is never closed, so a permit always arrives.
            let _permit = permits.acquire_owned().await.ok();
            let results = check_with_retries(&resources[index], &system, &options).await;
            (index, results)
        });
    }

    let mut groups: Vec<Option<ResultGroup>> = vec![None; resources.len()];
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((index, results)) => groups[index] = Some(ResultGroup { results }),
            // A panicking probe is a bug; keep the other results rather than lose the run.
            Err(err) => tracing::error!("a resource check did not finish: {err}"),
        }
    }
    Run {
        groups: groups.into_iter().flatten().collect(),
        duration: started.elapsed(),
    }
}

/// goss hands slow resources to its workers first, so they overlap with the rest.
fn schedule_rank(kind: ResourceKind) -> u8 {
    match kind {
        ResourceKind::Command => 0,
        ResourceKind::Http => 1,
        ResourceKind::Addr => 2,
        ResourceKind::Dns => 3,
        ResourceKind::Package => 4,
        ResourceKind::Service => 5,
        _ => 6,
    }
}

/// `retry_count`/`retry_delay` (packages, commands, DNS): re-run the whole resource
/// against a fresh view of the system until it passes or the attempts run out.
async fn check_with_retries(
    resource: &Resource,
    system: &System,
    options: &Options,
) -> Vec<TestResult> {
    let (retries, delay) = resource.retry();
    let mut results = check(resource, system).await;
    for _ in 0..retries {
        if results.iter().all(TestResult::successful) {
            break;
        }
        tokio::time::sleep(delay).await;
        results = check(resource, &options.system()).await;
    }
    results
}

async fn check(resource: &Resource, system: &System) -> Vec<TestResult> {
    use resources::{local, matching, remote};
    let checks = match resource.kind {
        ResourceKind::File => local::file(resource, system).await,
        ResourceKind::User => local::user(resource, system).await,
        ResourceKind::Group => local::group(resource, system).await,
        ResourceKind::Port => local::port(resource, system).await,
        ResourceKind::Process => local::process(resource, system).await,
        ResourceKind::KernelParam => local::kernel_param(resource, system).await,
        ResourceKind::Mount => local::mount(resource, system).await,
        ResourceKind::Interface => local::interface(resource, system).await,
        ResourceKind::Package => remote::package(resource, system).await,
        ResourceKind::Service => remote::service(resource, system).await,
        ResourceKind::Addr => remote::addr(resource, system).await,
        ResourceKind::Command => remote::command(resource, system).await,
        ResourceKind::Dns => remote::dns(resource, system).await,
        ResourceKind::Http => remote::http(resource, system).await,
        ResourceKind::Matching => matching::check(resource).await,
        // Includes are resolved at load time and never reach a run.
        ResourceKind::Gossfile => return Vec::new(),
    };
    checks.finish()
}

//! A result that is computed on request, kept for a time-to-live, and computed by one
//! run at a time however many requests arrive while it is cold (single-flight).
//!
//! The run is spawned as its own task rather than driven by the request that started
//! it: a client that disconnects mid-run must not cancel the run the other waiting
//! requests are sharing.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tracing::Instrument;

/// The run ended without a result (it panicked); the request cannot be answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the run did not finish")]
pub(crate) struct RunAborted;

pub(crate) struct CachedRun<T> {
    ttl: Duration,
    state: Mutex<CacheState<T>>,
}

struct CacheState<T> {
    /// When the latest run finished, and its result.
    latest: Option<(Instant, Arc<T>)>,
    /// The run in progress; its channel receives the result when it finishes.
    in_flight: Option<watch::Receiver<Option<Arc<T>>>>,
}

impl<T: Send + Sync + 'static> CachedRun<T> {
    /// Results stay fresh for `ttl` after their run finishes (goss's `--cache`). A zero
    /// `ttl` caches nothing, though concurrent requests still share one run.
    pub(crate) fn new(ttl: Duration) -> Arc<CachedRun<T>> {
        Arc::new(CachedRun {
            ttl,
            state: Mutex::new(CacheState {
                latest: None,
                in_flight: None,
            }),
        })
    }

    /// The cached result while it is fresh; otherwise the result of the run in
    /// progress, starting one with `run` if none is.
    pub(crate) async fn get<F, Fut>(self: &Arc<Self>, run: F) -> Result<Arc<T>, RunAborted>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T> + Send + 'static,
    {
        let mut receiver = {
            let mut state = self.lock();
            if let Some((finished, result)) = &state.latest
                && finished.elapsed() < self.ttl
            {
                tracing::trace!("Returning cached results");
                return Ok(Arc::clone(result));
            }
            match &state.in_flight {
                // A closed channel with no value means the run died; start another.
                Some(receiver) if receiver.has_changed().is_ok() => receiver.clone(),
                _ => {
                    tracing::debug!("Stale cache, running tests");
                    let (sender, receiver) = watch::channel(None);
                    state.in_flight = Some(receiver.clone());
                    let cache = Arc::clone(self);
                    let running = run();
                    tokio::spawn(
                        async move {
                            let result = Arc::new(running.await);
                            let mut state = cache.lock();
                            state.latest = Some((Instant::now(), Arc::clone(&result)));
                            state.in_flight = None;
                            drop(state);
                            sender.send_replace(Some(result));
                        }
                        .in_current_span(),
                    );
                    receiver
                }
            }
        };
        let finished = receiver
            .wait_for(Option::is_some)
            .await
            .map_err(|_| RunAborted)?;
        finished.clone().ok_or(RunAborted)
    }

    fn lock(&self) -> MutexGuard<'_, CacheState<T>> {
        // The state is consistent between statements, so a panic elsewhere cannot
        // leave it half-written.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn counting_run(
        runs: &Arc<AtomicUsize>,
        delay: Duration,
    ) -> impl FnOnce() -> std::pin::Pin<Box<dyn Future<Output = usize> + Send>> + use<> {
        let runs = Arc::clone(runs);
        move || {
            Box::pin(async move {
                tokio::time::sleep(delay).await;
                runs.fetch_add(1, Ordering::SeqCst) + 1
            })
        }
    }

    #[tokio::test]
    async fn concurrent_cold_requests_share_one_run() {
        let cache = CachedRun::new(Duration::from_secs(60));
        let runs = Arc::new(AtomicUsize::new(0));
        let mut waiting = tokio::task::JoinSet::new();
        for _ in 0..16 {
            let cache = Arc::clone(&cache);
            let run = counting_run(&runs, Duration::from_millis(100));
            waiting.spawn(async move { *cache.get(run).await.unwrap() });
        }
        let results = waiting.join_all().await;
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert!(results.iter().all(|&seen| seen == 1), "{results:?}");
    }

    #[tokio::test]
    async fn results_are_reused_within_the_ttl_and_rerun_after_it() {
        let cache = CachedRun::new(Duration::from_secs(1));
        let runs = Arc::new(AtomicUsize::new(0));
        assert_eq!(
            *cache
                .get(counting_run(&runs, Duration::ZERO))
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            *cache
                .get(counting_run(&runs, Duration::ZERO))
                .await
                .unwrap(),
            1
        );
        tokio::time::sleep(Duration::from_millis(1200)).await;
        assert_eq!(
            *cache
                .get(counting_run(&runs, Duration::ZERO))
                .await
                .unwrap(),
            2
        );
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn zero_ttl_runs_every_time() {
        let cache = CachedRun::new(Duration::ZERO);
        let runs = Arc::new(AtomicUsize::new(0));
        for expected in 1..=3 {
            let seen = *cache
                .get(counting_run(&runs, Duration::ZERO))
                .await
                .unwrap();
            assert_eq!(seen, expected);
        }
    }

    #[tokio::test]
    async fn a_cancelled_request_does_not_cancel_the_shared_run() {
        let cache = CachedRun::new(Duration::from_secs(60));
        let runs = Arc::new(AtomicUsize::new(0));
        let first = {
            let cache = Arc::clone(&cache);
            let run = counting_run(&runs, Duration::from_millis(200));
            tokio::spawn(async move { cache.get(run).await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        first.abort();
        let seen = *cache
            .get(counting_run(&runs, Duration::ZERO))
            .await
            .unwrap();
        assert_eq!(seen, 1, "the second request joined the first run");
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_run_that_panics_is_reported_and_the_next_request_runs_again() {
        let cache: Arc<CachedRun<usize>> = CachedRun::new(Duration::from_secs(60));
        let panicking = || async { panic!("probe bug") };
        assert_eq!(cache.get(panicking).await, Err(RunAborted));
        assert_eq!(*cache.get(|| async { 7 }).await.unwrap(), 7);
    }
}

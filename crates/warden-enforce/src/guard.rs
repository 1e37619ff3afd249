//! The fanotify permission guard: exec and open decisions before the operation, as
//! fapolicyd makes them. The kernel blocks the process until the guard answers, so the
//! guard always answers, whatever the decider does.
//!
//! Threads: one reader owns the fanotify group. It answers at once what needs no
//! decision (the agent's own threads, exempt processes, read-only opens, the open half
//! of an exec), builds the rest into jobs for a pool of decider threads, and answers
//! each job with the decider's verdict or, past the deadline, with the failure policy.
//! Only the reader touches event descriptors, so an answer can never reach a reused
//! descriptor. The reader never opens a file outside `/proc`: an open of its own on a
//! marked filesystem would wait for an answer only it can give.

use std::collections::{HashMap, HashSet, VecDeque};
use std::os::fd::{AsFd, AsRawFd};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::poll::{PollFd, PollFlags, PollTimeout};
use nix::sys::eventfd::{EfdFlags, EventFd};
use nix::sys::fanotify::{
    EventFFlags, Fanotify, FanotifyEvent, FanotifyResponse, InitFlags, MarkFlags, MaskFlags,
    Response,
};

use crate::procfs::{self, Status};
use crate::request::{self, Access, CallKind, Request};
use crate::{EnforceError, FileId};

/// What a mark covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MarkScope {
    /// Every file of the filesystem (superblock) holding the path, through every mount
    /// of it, in every mount namespace: bind mounts and container mounts of a host
    /// filesystem included. What exec control needs: overlay container files are
    /// opened through their real file on the host filesystem, so a mark on that
    /// filesystem sees container execs too.
    Filesystem,
    /// Files reached through this one mount only; the same files through another
    /// mount (a bind mount, a container) are not seen.
    Mount,
    /// This one file.
    File,
    /// The files directly inside this directory.
    Directory,
}

/// One fanotify mark.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mark {
    pub path: PathBuf,
    pub scope: MarkScope,
    /// Ask about executions (`FAN_OPEN_EXEC_PERM`).
    pub exec: bool,
    /// Ask about opens (`FAN_OPEN_PERM`); read-only opens are passed without asking
    /// unless [`GuardConfig::decide_reads`] is set.
    pub open: bool,
}

impl Mark {
    /// Execs of every file on the filesystem holding `path`.
    pub fn execs_on_filesystem(path: impl Into<PathBuf>) -> Mark {
        Mark {
            path: path.into(),
            scope: MarkScope::Filesystem,
            exec: true,
            open: false,
        }
    }

    /// Execs and opens of every file on the filesystem holding `path`.
    pub fn filesystem(path: impl Into<PathBuf>) -> Mark {
        Mark {
            path: path.into(),
            scope: MarkScope::Filesystem,
            exec: true,
            open: true,
        }
    }

    /// Opens of one file (a protected file: the agent's binary, configuration, store).
    pub fn opens_of_file(path: impl Into<PathBuf>) -> Mark {
        Mark {
            path: path.into(),
            scope: MarkScope::File,
            exec: false,
            open: true,
        }
    }

    fn flags_and_mask(&self) -> (MarkFlags, MaskFlags) {
        let mut mask = MaskFlags::empty();
        if self.exec {
            mask |= MaskFlags::FAN_OPEN_EXEC_PERM;
        }
        if self.open {
            mask |= MaskFlags::FAN_OPEN_PERM;
        }
        let scope = match self.scope {
            MarkScope::Filesystem => MarkFlags::FAN_MARK_FILESYSTEM,
            MarkScope::Mount => MarkFlags::FAN_MARK_MOUNT,
            MarkScope::File => MarkFlags::FAN_MARK_INODE,
            MarkScope::Directory => {
                mask |= MaskFlags::FAN_EVENT_ON_CHILD;
                MarkFlags::FAN_MARK_INODE | MarkFlags::FAN_MARK_ONLYDIR
            }
        };
        (MarkFlags::FAN_MARK_ADD | scope, mask)
    }
}

/// How a request the decider did not answer in time (or at all) is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FailurePolicy {
    /// Let the operation through (fail open): a broken decider never stops the machine.
    #[default]
    Allow,
    /// Fail the operation with EPERM (fail closed).
    Deny,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    Allow,
    Deny,
}

/// The agent's policy. Called on a decider thread, never on the thread that answers
/// the kernel; it may read files (its own opens are allowed at once) but must not
/// block for long: past [`GuardConfig::deadline`] the failure policy answers.
pub trait Decider: Send + Sync + 'static {
    fn decide(&self, request: &Request) -> Result<Verdict, String>;
}

impl<F> Decider for F
where
    F: Fn(&Request) -> Result<Verdict, String> + Send + Sync + 'static,
{
    fn decide(&self, request: &Request) -> Result<Verdict, String> {
        self(request)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardConfig {
    /// Marked at start; a mark that fails fails the start. More with
    /// [`PermissionGuard::add_mark`].
    pub marks: Vec<Mark>,
    pub failure_policy: FailurePolicy,
    /// The longest a request waits for the decider.
    pub deadline: Duration,
    /// Decider threads.
    pub workers: usize,
    /// Ask the decider about read-only opens too (else they pass at once).
    pub decide_reads: bool,
    /// Also exempt every process in the agent's process group (helpers it starts
    /// without `setpgid`). Off by default: started from a script, the group may hold
    /// more than the agent.
    pub exempt_process_group: bool,
}

impl Default for GuardConfig {
    fn default() -> GuardConfig {
        GuardConfig {
            marks: Vec::new(),
            failure_policy: FailurePolicy::Allow,
            deadline: Duration::from_millis(250),
            workers: 2,
            decide_reads: false,
            exempt_process_group: false,
        }
    }
}

/// Counts since the guard started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GuardCounters {
    /// Permission events read from the kernel.
    pub events: u64,
    /// Answered at once: the agent's own threads and exempt processes.
    pub exempted: u64,
    /// Answered at once: read-only opens, and the open half of an exec.
    pub passed: u64,
    /// Handed to the decider.
    pub requests: u64,
    pub allowed: u64,
    pub denied: u64,
    /// Answered by the failure policy: allowed / denied.
    pub failed_open: u64,
    pub failed_closed: u64,
    /// Why the failure policy answered.
    pub decider_errors: u64,
    pub decider_panics: u64,
    pub deadline_overruns: u64,
    /// Events the guard could not build a request for (process gone, unreadable).
    pub unreadable: u64,
    /// Failed reads from or answers to the fanotify group.
    pub group_errors: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureCause {
    DeciderError(String),
    DeciderPanic(String),
    /// No verdict within the deadline.
    Deadline(Duration),
    /// The request could not be built.
    Unreadable(String),
    /// Reading from or answering the fanotify group failed.
    Group(String),
}

/// One request the failure policy answered (or a group error), for the agent to
/// report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionFailure {
    /// The process that asked (its thread id when the failure came before its process
    /// was known; 0 for group errors).
    pub pid: u32,
    pub path: PathBuf,
    pub access: Option<Access>,
    pub cause: FailureCause,
    /// How the request was answered (`None` for group errors).
    pub answered: Option<Verdict>,
}

/// Failures kept until the agent takes them; beyond this only counters grow.
const FAILURES_KEPT: usize = 1024;

#[derive(Default)]
struct Counters {
    events: AtomicU64,
    exempted: AtomicU64,
    passed: AtomicU64,
    requests: AtomicU64,
    allowed: AtomicU64,
    denied: AtomicU64,
    failed_open: AtomicU64,
    failed_closed: AtomicU64,
    decider_errors: AtomicU64,
    decider_panics: AtomicU64,
    deadline_overruns: AtomicU64,
    unreadable: AtomicU64,
    group_errors: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

struct Shared {
    counters: Counters,
    exempt: RwLock<HashSet<u32>>,
    failures: Mutex<VecDeque<DecisionFailure>>,
    failures_dropped: AtomicU64,
    stop: AtomicBool,
    running: AtomicBool,
    wake: EventFd,
}

impl Shared {
    fn record_failure(&self, failure: DecisionFailure) {
        let Ok(mut failures) = self.failures.lock() else {
            bump(&self.failures_dropped);
            return;
        };
        if failures.len() >= FAILURES_KEPT {
            failures.pop_front();
            bump(&self.failures_dropped);
        }
        failures.push_back(failure);
    }
}

/// A running guard. Dropping it (or [`PermissionGuard::stop`]) closes the fanotify
/// group, which lets every waiting and future operation through.
pub struct PermissionGuard {
    shared: Arc<Shared>,
    // Weak: only the reader keeps the group open, so a reader that dies closes it
    // instead of leaving the machine waiting for answers.
    group: Weak<Fanotify>,
    reader: Option<JoinHandle<()>>,
    config: GuardConfig,
}

impl std::fmt::Debug for PermissionGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PermissionGuard")
            .field("config", &self.config)
            .field("counters", &self.counters())
            .finish()
    }
}

fn fanotify_error(what: String) -> impl FnOnce(Errno) -> EnforceError {
    move |errno| EnforceError::Fanotify(format!("{what}: {}", errno.desc()))
}

/// Opens a permission group the way the guard does and marks a private directory:
/// whether fanotify permission events for exec and open work here.
pub fn probe_fanotify() -> Result<(), EnforceError> {
    let group = open_group()?;
    let dir = std::env::temp_dir().join(format!("warden-fanotify-probe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|source| EnforceError::Io {
        what: format!("creating {}", dir.display()),
        source,
    })?;
    let mark = Mark {
        path: dir.clone(),
        scope: MarkScope::File,
        exec: true,
        open: true,
    };
    let result = add_mark_to(&group, &mark);
    drop(group);
    // Best effort: a leftover empty directory in the temp dir is harmless.
    let _ = std::fs::remove_dir(&dir);
    result
}

fn open_group() -> Result<Fanotify, EnforceError> {
    Fanotify::init(
        InitFlags::FAN_CLASS_CONTENT
            | InitFlags::FAN_CLOEXEC
            | InitFlags::FAN_NONBLOCK
            | InitFlags::FAN_UNLIMITED_QUEUE
            | InitFlags::FAN_UNLIMITED_MARKS
            | InitFlags::FAN_REPORT_TID,
        EventFFlags::O_RDONLY | EventFFlags::O_LARGEFILE | EventFFlags::O_CLOEXEC,
    )
    .map_err(fanotify_error(
        "fanotify_init(FAN_CLASS_CONTENT)".to_owned(),
    ))
}

fn add_mark_to(group: &Fanotify, mark: &Mark) -> Result<(), EnforceError> {
    if !mark.exec && !mark.open {
        return Err(EnforceError::Invalid {
            what: "fanotify mark",
            reason: format!("{} asks about neither execs nor opens", mark.path.display()),
        });
    }
    let (flags, mask) = mark.flags_and_mask();
    let cwd = nix::fcntl::AT_FDCWD;
    group
        .mark(flags, mask, cwd, Some(mark.path.as_path()))
        .map_err(fanotify_error(format!(
            "marking {} ({:?}{}{})",
            mark.path.display(),
            mark.scope,
            if mark.exec { ", exec" } else { "" },
            if mark.open { ", open" } else { "" }
        )))
}

/// Raises the soft open-file limit to the hard one: every pending request holds a
/// descriptor, and the kernel denies an event whose descriptor cannot be created.
fn raise_fd_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit with a valid rlimit struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

impl PermissionGuard {
    /// Opens the group, places `config.marks`, and starts answering.
    pub fn start(
        config: GuardConfig,
        decider: impl Decider,
    ) -> Result<PermissionGuard, EnforceError> {
        if config.workers == 0 {
            return Err(EnforceError::Invalid {
                what: "guard configuration",
                reason: "workers is 0; at least one decider thread is needed".to_owned(),
            });
        }
        raise_fd_limit();
        let group = open_group()?;
        let wake = EventFd::from_flags(EfdFlags::EFD_CLOEXEC | EfdFlags::EFD_NONBLOCK)
            .map_err(fanotify_error("eventfd".to_owned()))?;
        let shared = Arc::new(Shared {
            counters: Counters::default(),
            exempt: RwLock::new(HashSet::new()),
            failures: Mutex::new(VecDeque::new()),
            failures_dropped: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            running: AtomicBool::new(true),
            wake,
        });
        let group = Arc::new(group);
        let weak_group = Arc::downgrade(&group);

        let (job_tx, job_rx) = std::sync::mpsc::channel::<Job>();
        let (done_tx, done_rx) = std::sync::mpsc::channel::<Done>();
        let job_rx = Arc::new(Mutex::new(job_rx));
        let decider: Arc<dyn Decider> = Arc::new(decider);
        for index in 0..config.workers {
            let jobs = Arc::clone(&job_rx);
            let done = done_tx.clone();
            let decider = Arc::clone(&decider);
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name(format!("warden-decide-{index}"))
                .spawn(move || decide_loop(&jobs, &done, decider.as_ref(), &shared))
                .map_err(|source| EnforceError::Io {
                    what: "starting a decider thread".to_owned(),
                    source,
                })?;
        }
        drop(done_tx);

        // SAFETY: getpgrp has no preconditions and cannot fail.
        let own_pgid = unsafe { libc::getpgrp() } as u32;
        let reader = Reader {
            group,
            shared: Arc::clone(&shared),
            jobs: job_tx,
            done: done_rx,
            pending: HashMap::new(),
            next_id: 0,
            failure_policy: config.failure_policy,
            deadline: config.deadline,
            decide_reads: config.decide_reads,
            exempt_pgid: config.exempt_process_group.then_some(own_pgid),
        };
        let reader_shared = Arc::clone(&shared);
        let reader = std::thread::Builder::new()
            .name("warden-fanotify".to_owned())
            .spawn(move || {
                let mut reader = reader;
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    reader.run();
                }));
                if outcome.is_err() {
                    bump(&reader_shared.counters.group_errors);
                }
                // Dropping the reader closes the group: the kernel lets everything
                // through rather than waiting on a guard that no longer answers.
                drop(reader);
                reader_shared.running.store(false, Ordering::SeqCst);
            })
            .map_err(|source| EnforceError::Io {
                what: "starting the fanotify reader thread".to_owned(),
                source,
            })?;
        let marks = config.marks.clone();
        let mut guard = PermissionGuard {
            shared,
            group: weak_group,
            reader: Some(reader),
            config: GuardConfig {
                marks: Vec::new(),
                ..config
            },
        };
        // Marked only once the reader answers: an open this thread made on a freshly
        // marked filesystem would otherwise wait for a reader that is not there yet.
        for mark in marks {
            guard.add_mark(mark)?;
        }
        Ok(guard)
    }

    /// Adds a mark while running.
    pub fn add_mark(&mut self, mark: Mark) -> Result<(), EnforceError> {
        let group = self.group.upgrade().ok_or_else(|| {
            EnforceError::Fanotify("the guard's reader has stopped; the group is closed".into())
        })?;
        add_mark_to(&group, &mark)?;
        self.config.marks.push(mark);
        Ok(())
    }

    /// Answers this process's requests at once from now on (a helper the agent runs).
    /// A child must be exempted before it opens or execs anything guarded; to cover
    /// a child from its first exec, start it stopped or use
    /// [`GuardConfig::exempt_process_group`].
    pub fn exempt(&self, pid: u32) {
        if let Ok(mut exempt) = self.shared.exempt.write() {
            exempt.insert(pid);
        }
    }

    pub fn unexempt(&self, pid: u32) {
        if let Ok(mut exempt) = self.shared.exempt.write() {
            exempt.remove(&pid);
        }
    }

    pub fn marks(&self) -> &[Mark] {
        &self.config.marks
    }

    /// Whether the reader is still answering. When it is not, the group is closed and
    /// nothing is being enforced: the agent must say so.
    pub fn is_running(&self) -> bool {
        self.shared.running.load(Ordering::SeqCst)
    }

    pub fn counters(&self) -> GuardCounters {
        let c = &self.shared.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        GuardCounters {
            events: get(&c.events),
            exempted: get(&c.exempted),
            passed: get(&c.passed),
            requests: get(&c.requests),
            allowed: get(&c.allowed),
            denied: get(&c.denied),
            failed_open: get(&c.failed_open),
            failed_closed: get(&c.failed_closed),
            decider_errors: get(&c.decider_errors),
            decider_panics: get(&c.decider_panics),
            deadline_overruns: get(&c.deadline_overruns),
            unreadable: get(&c.unreadable),
            group_errors: get(&c.group_errors),
        }
    }

    /// The failures recorded since the last call (at most 1,024 are kept; the number
    /// dropped beyond that is returned alongside).
    pub fn take_failures(&self) -> (Vec<DecisionFailure>, u64) {
        let failures = self
            .shared
            .failures
            .lock()
            .map(|mut f| f.drain(..).collect())
            .unwrap_or_default();
        (
            failures,
            self.shared.failures_dropped.swap(0, Ordering::Relaxed),
        )
    }

    /// Stops answering and closes the group (everything is let through).
    pub fn stop(mut self) -> GuardCounters {
        self.shutdown();
        self.counters()
    }

    fn shutdown(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // A failed wake-up only delays the reader until its next event or deadline.
        let _ = self.shared.wake.write(1);
        if let Some(reader) = self.reader.take() {
            // A panicking reader was already accounted for in its thread.
            let _ = reader.join();
        }
    }
}

impl Drop for PermissionGuard {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A request on its way to a decider thread.
struct Job {
    id: u64,
    deadline: Instant,
    /// Read already when exemptions needed it.
    status: Option<Status>,
    tid: u32,
    access: Access,
    path: PathBuf,
    file: FileId,
    open_flags: Option<i32>,
    call: CallKind,
}

struct Done {
    id: u64,
    outcome: Result<Verdict, FailureCause>,
}

fn decide_loop(
    jobs: &Mutex<Receiver<Job>>,
    done: &Sender<Done>,
    decider: &dyn Decider,
    shared: &Shared,
) {
    loop {
        let job = match jobs.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else {
            return;
        };
        if Instant::now() >= job.deadline {
            // The reader has answered it already; deciding now is wasted work.
            continue;
        }
        let status = match job.status.map_or_else(|| procfs::read_status(job.tid), Ok) {
            Ok(status) => status,
            Err(err) => {
                let cause = FailureCause::Unreadable(format!("/proc/{}/status: {err}", job.tid));
                if done
                    .send(Done {
                        id: job.id,
                        outcome: Err(cause),
                    })
                    .is_err()
                {
                    return;
                }
                let _ = shared.wake.write(1);
                continue;
            }
        };
        let call = match job.access {
            Access::Exec => request::blocked_call(job.tid),
            _ => job.call,
        };
        let (exec_filename, exec_args) = request::exec_details(job.tid, call);
        let request = Request {
            access: job.access,
            path: job.path,
            file: job.file,
            open_flags: job.open_flags,
            exec_filename,
            exec_args,
            process: request::process_info(job.tid, &status),
        };
        let outcome = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            decider.decide(&request)
        })) {
            Ok(Ok(verdict)) => Ok(verdict),
            Ok(Err(message)) => Err(FailureCause::DeciderError(message)),
            Err(payload) => Err(FailureCause::DeciderPanic(panic_message(payload.as_ref()))),
        };
        if done
            .send(Done {
                id: job.id,
                outcome,
            })
            .is_err()
        {
            return;
        }
        // A failed wake-up only delays the answer until the reader's next wake.
        let _ = shared.wake.write(1);
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "the decider panicked".to_owned()
    }
}

struct Pending {
    event: FanotifyEvent,
    deadline: Instant,
    pid: u32,
    path: PathBuf,
    access: Access,
}

struct Reader {
    group: Arc<Fanotify>,
    shared: Arc<Shared>,
    jobs: Sender<Job>,
    done: Receiver<Done>,
    pending: HashMap<u64, Pending>,
    next_id: u64,
    failure_policy: FailurePolicy,
    deadline: Duration,
    decide_reads: bool,
    exempt_pgid: Option<u32>,
}

fn response(verdict: Verdict) -> Response {
    match verdict {
        Verdict::Allow => Response::FAN_ALLOW,
        Verdict::Deny => Response::FAN_DENY,
    }
}

impl Reader {
    fn run(&mut self) {
        while !self.shared.stop.load(Ordering::SeqCst) {
            let timeout = self.poll_timeout();
            let mut fds = [
                PollFd::new(self.group.as_fd(), PollFlags::POLLIN),
                PollFd::new(self.shared.wake.as_fd(), PollFlags::POLLIN),
            ];
            // EINTR and the like: go round again, the deadlines are still checked.
            let _ = nix::poll::poll(&mut fds, timeout);
            let group_ready = fds[0]
                .revents()
                .is_some_and(|r| r.contains(PollFlags::POLLIN));
            // Resets the counter; EAGAIN when nothing woke us.
            let _ = self.shared.wake.read();
            self.collect_verdicts();
            if group_ready {
                self.read_events();
            }
            self.expire();
        }
        // Stopping: let everything still waiting through.
        for (_, pending) in std::mem::take(&mut self.pending) {
            self.answer(&pending.event, Verdict::Allow);
        }
    }

    fn poll_timeout(&self) -> PollTimeout {
        match self.pending.values().map(|p| p.deadline).min() {
            None => PollTimeout::NONE,
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                // Round up so the deadline has passed when poll returns.
                let ms = left.as_micros().div_ceil(1000).min(60_000);
                PollTimeout::from(ms as u16)
            }
        }
    }

    fn collect_verdicts(&mut self) {
        loop {
            let done = match self.done.try_recv() {
                Ok(done) => done,
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => return,
            };
            // Absent: answered by the failure policy already.
            let Some(pending) = self.pending.remove(&done.id) else {
                continue;
            };
            match done.outcome {
                Ok(verdict) => {
                    bump(match verdict {
                        Verdict::Allow => &self.shared.counters.allowed,
                        Verdict::Deny => &self.shared.counters.denied,
                    });
                    self.answer(&pending.event, verdict);
                }
                Err(cause) => {
                    bump(match cause {
                        FailureCause::DeciderPanic(_) => &self.shared.counters.decider_panics,
                        FailureCause::Unreadable(_) => &self.shared.counters.unreadable,
                        _ => &self.shared.counters.decider_errors,
                    });
                    self.fail(
                        &pending.event,
                        pending.pid,
                        pending.path,
                        Some(pending.access),
                        cause,
                    );
                }
            }
        }
    }

    fn expire(&mut self) {
        let now = Instant::now();
        let expired: Vec<u64> = self
            .pending
            .iter()
            .filter(|(_, p)| p.deadline <= now)
            .map(|(&id, _)| id)
            .collect();
        for id in expired {
            if let Some(pending) = self.pending.remove(&id) {
                bump(&self.shared.counters.deadline_overruns);
                self.fail(
                    &pending.event,
                    pending.pid,
                    pending.path,
                    Some(pending.access),
                    FailureCause::Deadline(self.deadline),
                );
            }
        }
    }

    fn read_events(&mut self) {
        loop {
            match self.group.read_events() {
                Ok(events) if events.is_empty() => return,
                Ok(events) => {
                    for event in events {
                        self.handle(event);
                    }
                }
                Err(Errno::EAGAIN) => return,
                Err(Errno::EINTR) => continue,
                Err(errno) => {
                    // EMFILE/ENFILE: the kernel denied that event for want of a
                    // descriptor. Report and keep answering the rest.
                    bump(&self.shared.counters.group_errors);
                    self.shared.record_failure(DecisionFailure {
                        pid: 0,
                        path: PathBuf::new(),
                        access: None,
                        cause: FailureCause::Group(format!(
                            "reading fanotify events: {}",
                            errno.desc()
                        )),
                        answered: None,
                    });
                    return;
                }
            }
        }
    }

    fn answer(&self, event: &FanotifyEvent, verdict: Verdict) {
        let Some(fd) = event.fd() else {
            return;
        };
        if let Err(errno) = self
            .group
            .write_response(FanotifyResponse::new(fd, response(verdict)))
        {
            bump(&self.shared.counters.group_errors);
            self.shared.record_failure(DecisionFailure {
                pid: 0,
                path: PathBuf::new(),
                access: None,
                cause: FailureCause::Group(format!("answering fanotify: {}", errno.desc())),
                answered: None,
            });
        }
    }

    fn fail(
        &self,
        event: &FanotifyEvent,
        pid: u32,
        path: PathBuf,
        access: Option<Access>,
        cause: FailureCause,
    ) {
        let verdict = match self.failure_policy {
            FailurePolicy::Allow => {
                bump(&self.shared.counters.failed_open);
                Verdict::Allow
            }
            FailurePolicy::Deny => {
                bump(&self.shared.counters.failed_closed);
                Verdict::Deny
            }
        };
        // Recorded before answering: whoever sees the operation's outcome sees the record.
        self.shared.record_failure(DecisionFailure {
            pid,
            path,
            access,
            cause,
            answered: Some(verdict),
        });
        self.answer(event, verdict);
    }

    fn handle(&mut self, event: FanotifyEvent) {
        let mask = event.mask();
        let exec = mask.contains(MaskFlags::FAN_OPEN_EXEC_PERM);
        if !exec && !mask.contains(MaskFlags::FAN_OPEN_PERM) {
            return; // not a permission event: nothing to answer
        }
        let Some(fd) = event.fd() else {
            return;
        };
        bump(&self.shared.counters.events);
        let Ok(tid) = u32::try_from(event.pid()) else {
            bump(&self.shared.counters.unreadable);
            self.fail(
                &event,
                0,
                PathBuf::new(),
                None,
                FailureCause::Unreadable("the event names no thread".to_owned()),
            );
            return;
        };
        if std::path::Path::new(&format!("/proc/self/task/{tid}")).exists() {
            bump(&self.shared.counters.exempted);
            self.answer(&event, Verdict::Allow);
            return;
        }
        // Reading a thread's status is the costliest step here: this thread does it
        // only when exemptions need the process id, else a decider thread does.
        let exemptions = self.exempt_pgid.is_some()
            || self
                .shared
                .exempt
                .read()
                .map(|e| !e.is_empty())
                .unwrap_or(false);
        let status = if exemptions {
            let status = match procfs::read_status(tid) {
                Ok(status) => status,
                Err(err) => {
                    bump(&self.shared.counters.unreadable);
                    self.fail(
                        &event,
                        tid,
                        PathBuf::new(),
                        None,
                        FailureCause::Unreadable(format!("/proc/{tid}/status: {err}")),
                    );
                    return;
                }
            };
            let exempt = self
                .shared
                .exempt
                .read()
                .map(|e| e.contains(&status.tgid))
                .unwrap_or(false)
                || (self.exempt_pgid.is_some() && status.pgid == self.exempt_pgid);
            if exempt {
                bump(&self.shared.counters.exempted);
                self.answer(&event, Verdict::Allow);
                return;
            }
            Some(status)
        } else {
            None
        };
        // An exec's argv is read by the decider thread (from the syscall's arguments):
        // only opens need the blocked call on this thread, for their flags.
        let (access, open_flags, call) = if exec {
            (Access::Exec, None, CallKind::Unknown)
        } else {
            request::open_access(tid)
        };
        // The open half of an exec was (or, unmarked, need not be) decided as an exec;
        // read-only opens pass unless the agent asked to see them.
        if !exec && (access == Access::Exec || (access == Access::Read && !self.decide_reads)) {
            bump(&self.shared.counters.passed);
            self.answer(&event, Verdict::Allow);
            return;
        }
        let raw_fd = fd.as_raw_fd();
        let path = std::fs::read_link(format!("/proc/self/fd/{raw_fd}")).unwrap_or_default();
        let file = match nix::sys::stat::fstat(fd) {
            Ok(stat) => FileId {
                dev: stat.st_dev,
                ino: stat.st_ino,
            },
            Err(errno) => {
                bump(&self.shared.counters.unreadable);
                self.fail(
                    &event,
                    tid,
                    path,
                    Some(access),
                    FailureCause::Unreadable(format!(
                        "fstat of the event's file: {}",
                        errno.desc()
                    )),
                );
                return;
            }
        };
        let id = self.next_id;
        self.next_id += 1;
        let deadline = Instant::now() + self.deadline;
        let job = Job {
            id,
            deadline,
            tid,
            access,
            path: path.clone(),
            file,
            open_flags,
            call,
            status,
        };
        let pid = job.status.as_ref().map_or(tid, |s| s.tgid);
        bump(&self.shared.counters.requests);
        if self.jobs.send(job).is_err() {
            self.fail(
                &event,
                pid,
                path,
                Some(access),
                FailureCause::DeciderError("every decider thread has exited".to_owned()),
            );
            return;
        }
        self.pending.insert(
            id,
            Pending {
                event,
                deadline,
                pid,
                path,
                access,
            },
        );
    }
}

/// The file systems execs can come from, one mount point per filesystem (superblock):
/// what to mark with [`Mark::execs_on_filesystem`]. Pseudo filesystems that hold no
/// programs (proc, sysfs, cgroup, ...) are left out; tmpfs, overlay and every block
/// device filesystem are in, `noexec` mounts too (another mount of the same
/// filesystem may allow exec).
pub fn exec_filesystems() -> std::io::Result<Vec<PathBuf>> {
    let text = std::fs::read_to_string("/proc/self/mountinfo")?;
    Ok(exec_filesystems_from(&procfs::parse_mountinfo(&text)))
}

const NO_PROGRAMS: [&str; 20] = [
    "proc",
    "sysfs",
    "cgroup",
    "cgroup2",
    "bpf",
    "debugfs",
    "tracefs",
    "securityfs",
    "devpts",
    "mqueue",
    "pstore",
    "configfs",
    "fusectl",
    "binfmt_misc",
    "autofs",
    "nsfs",
    "efivarfs",
    "hugetlbfs",
    "rpc_pipefs",
    "selinuxfs",
];

pub(crate) fn exec_filesystems_from(mounts: &[procfs::MountEntry]) -> Vec<PathBuf> {
    let mut chosen: Vec<((u32, u32), PathBuf)> = Vec::new();
    for mount in mounts {
        if NO_PROGRAMS.contains(&mount.fstype.as_str()) {
            continue;
        }
        let device = (mount.major, mount.minor);
        match chosen.iter_mut().find(|(d, _)| *d == device) {
            // Prefer the shortest path to the filesystem: the least likely to vanish.
            Some((_, path)) => {
                if mount.mount_point.as_os_str().len() < path.as_os_str().len() {
                    *path = mount.mount_point.clone();
                }
            }
            None => chosen.push((device, mount.mount_point.clone())),
        }
    }
    chosen.into_iter().map(|(_, path)| path).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_filesystems_skip_pseudo_filesystems_and_repeats() {
        let text = "22 1 254:0 / / rw - ext4 /dev/vda rw\n\
23 22 0:5 / /proc rw - proc proc rw\n\
24 22 0:20 / /dev/shm rw,nosuid,nodev,noexec - tmpfs tmpfs rw\n\
25 22 254:0 /var/lib /mnt/bind rw - ext4 /dev/vda rw\n\
26 22 0:31 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n\
27 22 0:41 / /var/lib/containers/overlay/merged rw - overlay overlay rw,lowerdir=/a\n";
        let found = exec_filesystems_from(&procfs::parse_mountinfo(text));
        assert_eq!(
            found,
            vec![
                PathBuf::from("/"),
                PathBuf::from("/dev/shm"),
                PathBuf::from("/var/lib/containers/overlay/merged"),
            ]
        );
    }

    #[test]
    fn marks_translate_to_fanotify_flags() {
        let (flags, mask) = Mark::execs_on_filesystem("/").flags_and_mask();
        assert_eq!(
            flags,
            MarkFlags::FAN_MARK_ADD | MarkFlags::FAN_MARK_FILESYSTEM
        );
        assert_eq!(mask, MaskFlags::FAN_OPEN_EXEC_PERM);
        let (flags, mask) = Mark::opens_of_file("/etc/warden.yaml").flags_and_mask();
        assert_eq!(flags, MarkFlags::FAN_MARK_ADD | MarkFlags::FAN_MARK_INODE);
        assert_eq!(mask, MaskFlags::FAN_OPEN_PERM);
        let dir = Mark {
            path: "/etc".into(),
            scope: MarkScope::Directory,
            exec: true,
            open: true,
        };
        let (flags, mask) = dir.flags_and_mask();
        assert!(flags.contains(MarkFlags::FAN_MARK_ONLYDIR));
        assert_eq!(
            mask,
            MaskFlags::FAN_OPEN_EXEC_PERM
                | MaskFlags::FAN_OPEN_PERM
                | MaskFlags::FAN_EVENT_ON_CHILD
        );
    }

    #[test]
    fn panic_messages_are_recovered() {
        assert_eq!(panic_message(&"boom"), "boom");
        assert_eq!(panic_message(&String::from("bang")), "bang");
        assert_eq!(panic_message(&42u8), "the decider panicked");
    }
}

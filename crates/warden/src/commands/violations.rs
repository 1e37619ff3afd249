//! `warden violations list|show|resolve`: the agent's violation store, read and resolved
//! from the command line.

use std::io::Write;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Args, Subcommand, ValueEnum};
use warden_violations::{
    DEFAULT_DB_PATH, Page, ResolveRequest, Severity, SqliteStore, StoreError, TimeBoundError,
    ViolationFilter, ViolationState, ViolationStore, human,
};

use crate::exit;

/// No violation has the id given.
const NO_SUCH_VIOLATION: u8 = 4;
/// `resolve` of a violation that is already resolved.
const ALREADY_RESOLVED: u8 = 5;
/// The store is missing, unreadable, damaged or from a newer Warden (sysexits `EX_IOERR`).
const STORE_UNAVAILABLE: u8 = 74;

#[derive(Debug, Args)]
#[command(
    after_help = "Exit codes: 0 done, 4 no violation has that id, 5 already resolved, \
                        64 bad arguments or filters, 74 the store cannot be read."
)]
pub(crate) struct ViolationsArgs {
    /// The violation store the agent writes.
    #[arg(long, env = "WARDEN_DB", default_value = DEFAULT_DB_PATH, global = true)]
    db: PathBuf,
    /// human: a table or a detail view; json: JSON Lines, one warden.violation/v1 per line.
    #[arg(long, value_enum, default_value_t = Format::Human, global = true)]
    format: Format,
    #[command(subcommand)]
    command: ViolationsCommand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
enum ViolationsCommand {
    /// Violations matching every filter given, newest last occurrence first.
    List(ListArgs),
    /// One violation with its latest process records and their ancestry.
    Show {
        /// The violation's id.
        id: String,
    },
    /// Mark a violation resolved; later occurrences open a new one.
    Resolve {
        /// The violation's id.
        id: String,
        /// Why it was resolved.
        #[arg(long)]
        note: Option<String>,
        /// Stop alerting: add every executable of its processes to the policy's baseline
        /// for its container image (or host).
        #[arg(long)]
        add_to_baseline: bool,
    },
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Only this policy id.
    #[arg(long)]
    policy: Option<String>,
    /// This severity or higher: low, medium, high, critical.
    #[arg(long, value_parser = str::parse::<Severity>)]
    severity: Option<Severity>,
    /// Only this state: active, attempted, resolved.
    #[arg(long, value_parser = str::parse::<ViolationState>)]
    state: Option<ViolationState>,
    /// A container's name, id, or id prefix.
    #[arg(long)]
    container: Option<String>,
    /// Last occurred at or after: RFC 3339, or a duration before now (30m, 1h, 7d).
    #[arg(long, value_parser = time_bound)]
    since: Option<u64>,
    /// First occurred at or before: RFC 3339, or a duration before now.
    #[arg(long, value_parser = time_bound)]
    until: Option<u64>,
    /// At most this many.
    #[arg(long)]
    limit: Option<u64>,
    /// Skip this many first.
    #[arg(long, default_value_t = 0)]
    offset: u64,
}

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

fn time_bound(text: &str) -> Result<u64, TimeBoundError> {
    warden_violations::parse_time_bound(text, now_ns())
}

pub(crate) fn run(args: &ViolationsArgs) -> u8 {
    let store = match SqliteStore::open_existing(&args.db) {
        Ok(store) => store,
        Err(err) => return failure(&err),
    };
    let result = match &args.command {
        ViolationsCommand::List(list_args) => list(&store, list_args, args.format),
        ViolationsCommand::Show { id } => show(&store, id, args.format),
        ViolationsCommand::Resolve {
            id,
            note,
            add_to_baseline,
        } => resolve(&store, id, note.clone(), *add_to_baseline, args.format),
    };
    result.unwrap_or_else(|err| failure(&err))
}

fn failure(err: &StoreError) -> u8 {
    exit::print_error(err);
    match err {
        StoreError::NotFound(_) => NO_SUCH_VIOLATION,
        StoreError::AlreadyResolved { .. } => ALREADY_RESOLVED,
        StoreError::Unavailable { .. } | StoreError::InvalidAlert { .. } => STORE_UNAVAILABLE,
    }
}

fn list(store: &SqliteStore, args: &ListArgs, format: Format) -> Result<u8, StoreError> {
    let filter = ViolationFilter {
        policy_id: args.policy.clone(),
        min_severity: args.severity,
        state: args.state,
        container: args.container.clone(),
        since: args.since,
        until: args.until,
    };
    let page = Page {
        limit: args.limit,
        offset: args.offset,
    };
    let violations = store.list(&filter, page)?;
    let text = match format {
        Format::Json => violations
            .iter()
            .map(|violation| violation.to_json_line() + "\n")
            .collect(),
        Format::Human if violations.is_empty() => "No violations.\n".to_owned(),
        Format::Human => human::table(&violations),
    };
    Ok(emit(&text))
}

fn show(store: &SqliteStore, id: &str, format: Format) -> Result<u8, StoreError> {
    let violation = store
        .get(id)?
        .ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
    Ok(emit(&match format {
        Format::Json => violation.to_json_line() + "\n",
        Format::Human => human::detail(&violation),
    }))
}

fn resolve(
    store: &SqliteStore,
    id: &str,
    note: Option<String>,
    add_to_baseline: bool,
    format: Format,
) -> Result<u8, StoreError> {
    let request = ResolveRequest {
        time: now_ns(),
        by: resolver(),
        note,
        add_to_baseline,
    };
    let resolved = store.resolve(id, &request)?;
    for entry in &resolved.baselined {
        eprintln!("Baseline: {}", human::baseline_entry(entry));
    }
    Ok(emit(&match format {
        Format::Json => resolved.violation.to_json_line() + "\n",
        Format::Human => format!("Resolved {}.\n", resolved.violation.id),
    }))
}

/// Writes `text` to standard output. A reader that stopped early (`| head`) is not an
/// error.
fn emit(text: &str) -> u8 {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => exit::OK,
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => exit::OK,
        Err(err) => {
            exit::print_error(&format!("writing to standard output: {err}"));
            exit::FAILED
        }
    }
}

/// `cli:<user>`, naming the person behind sudo when there is one.
fn resolver() -> String {
    ["SUDO_USER", "USER", "LOGNAME"]
        .into_iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .map_or_else(|| "cli".to_owned(), |user| format!("cli:{user}"))
}

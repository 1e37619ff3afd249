//! The SQLite violation store: one file, WAL, every commit synced before it is reported.
//!
//! Two connections: the writer (records and resolutions, one `IMMEDIATE` transaction
//! each) and a query-only reader, so an API request does not wait behind a commit's
//! fsync. Other processes (the CLI while the agent runs) open their own connections;
//! WAL lets them read during a write and `busy_timeout` queues their writes.

use std::fs::{DirBuilder, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use rusqlite_migration::{M, Migrations};

use crate::model::{Alert, Entity, Mode, PolicyRef, Severity};
use crate::query::{Page, ViolationFilter};
use crate::store::{Recorded, ResolveRequest, Resolved, StoreError, ViolationStore};
use crate::violation::{
    BaselineEntry, BaselineScope, MAX_PROCESS_RECORDS, ProcessViolation, Resolution,
    VIOLATION_SCHEMA, Violation, ViolationState, entity_key, new_violation_id,
};

/// Where the agent keeps its store unless told otherwise.
pub const DEFAULT_DB_PATH: &str = "/var/lib/warden/warden.db";

/// `PRAGMA application_id`: "WARD". Marks the file as ours so a store never migrates
/// another program's database.
const APPLICATION_ID: i32 = 0x5741_5244;

/// How long a statement waits for another connection's write before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Each entry is one schema version (`PRAGMA user_version`); entries are only ever
/// appended.
const MIGRATIONS: &[M<'static>] = &[M::up(
    "PRAGMA application_id = 1463898692;

    CREATE TABLE violations (
        id              TEXT PRIMARY KEY NOT NULL,
        policy_id       TEXT NOT NULL,
        policy_name     TEXT NOT NULL,
        severity        INTEGER NOT NULL CHECK (severity BETWEEN 0 AND 3),
        mode            TEXT NOT NULL,
        state           TEXT NOT NULL CHECK (state IN ('ACTIVE', 'ATTEMPTED', 'RESOLVED')),
        hostname        TEXT NOT NULL,
        entity_key      TEXT NOT NULL,
        entity          TEXT NOT NULL,
        container_id    TEXT,
        container_name  TEXT,
        first_occurred  INTEGER NOT NULL,
        last_occurred   INTEGER NOT NULL,
        count           INTEGER NOT NULL,
        resolved_at     INTEGER,
        resolved_by     TEXT,
        resolution_note TEXT
    ) STRICT;
    -- At most one open violation per policy, entity and state: the one alerts merge into.
    CREATE UNIQUE INDEX violations_open ON violations (policy_id, entity_key, state)
        WHERE state <> 'RESOLVED';
    CREATE INDEX violations_last ON violations (last_occurred DESC, id DESC);

    -- seq is the occurrence number (the violation's count when it was recorded).
    CREATE TABLE process_records (
        violation_id TEXT NOT NULL REFERENCES violations (id) ON DELETE CASCADE,
        seq          INTEGER NOT NULL,
        time         INTEGER NOT NULL,
        record       TEXT NOT NULL,
        PRIMARY KEY (violation_id, seq)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE baseline (
        policy_id    TEXT NOT NULL,
        scope_kind   TEXT NOT NULL CHECK (scope_kind IN ('host', 'image', 'container')),
        scope        TEXT NOT NULL,
        exepath      TEXT NOT NULL,
        added_at     INTEGER NOT NULL,
        added_by     TEXT NOT NULL,
        violation_id TEXT NOT NULL,
        PRIMARY KEY (policy_id, scope_kind, scope, exepath)
    ) STRICT, WITHOUT ROWID;",
)];

/// The open violation an alert merges into. The literal `state <> 'RESOLVED'` lets
/// SQLite use the partial index (a bound `?3` alone does not prove it).
const OPEN_VIOLATION: &str = "SELECT id, count, last_occurred FROM violations
     WHERE policy_id = ?1 AND entity_key = ?2 AND state = ?3 AND state <> 'RESOLVED'";

const VIOLATION_COLUMNS: &str = "id, policy_id, policy_name, severity, mode, state, hostname, \
     entity, first_occurred, last_occurred, count, resolved_at, resolved_by, resolution_note";

/// A violation store in one SQLite file.
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens the store at `path`, creating it (mode 0600) and missing parent directories
    /// (mode 0700) first: process arguments can carry secrets.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let fail = |what: &str, err: std::io::Error| unavailable(path, format!("{what}: {err}"));
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(parent)
                .map_err(|e| fail(&format!("creating {}", parent.display()), e))?;
        }
        OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| fail("creating it", e))?;
        Self::open_file(path)
    }

    /// Opens a store that must already exist, as readers do: they must not leave an
    /// empty store where the agent is not writing.
    pub fn open_existing(path: &Path) -> Result<Self, StoreError> {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_file() => Self::open_file(path),
            Ok(_) => Err(unavailable(path, "is not a file".to_owned())),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Err(unavailable(
                path,
                "does not exist (the agent creates it when it starts)".to_owned(),
            )),
            Err(err) => Err(unavailable(path, err.to_string())),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn open_file(path: &Path) -> Result<Self, StoreError> {
        let mut writer = connect(path)?;
        let sql = |err: rusqlite::Error| unavailable(path, err.to_string());
        check_identity(path, &writer)?;
        // WAL lets readers work during a write; FULL syncs the log on every commit, so
        // a recorded alert survives a crash of the process and of the machine.
        writer
            .query_row("PRAGMA journal_mode = WAL", [], |row| {
                row.get::<_, String>(0)
            })
            .map_err(sql)?;
        writer
            .execute_batch("PRAGMA synchronous = FULL")
            .map_err(sql)?;
        Migrations::from_slice(MIGRATIONS)
            .to_latest(&mut writer)
            .map_err(|err| unavailable(path, format!("updating its schema: {err}")))?;
        let reader = connect(path)?;
        reader
            .execute_batch("PRAGMA query_only = ON")
            .map_err(sql)?;
        Ok(Self {
            path: path.to_owned(),
            writer: Mutex::new(writer),
            reader: Mutex::new(reader),
        })
    }

    fn writer(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock rolled its transaction back on unwind; the
        // connection is still sound.
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn reader(&self) -> MutexGuard<'_, Connection> {
        self.reader.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn sql_error(&self, err: rusqlite::Error) -> StoreError {
        unavailable(&self.path, err.to_string())
    }

    fn record_in(&self, tx: &Connection, alert: &Alert) -> Result<Recorded, StoreError> {
        let sql = |err| self.sql_error(err);
        let time = i64::try_from(alert.time).map_err(|_| StoreError::InvalidAlert {
            alert_id: alert.id.clone(),
            message: format!("time {} ns is after the year 2262", alert.time),
        })?;
        let state = ViolationState::of(alert);
        let key = entity_key(&alert.entity);
        let record = json(&ProcessViolation::of(alert));
        let entity = json(&alert.entity);
        let (container_id, container_name) = match &alert.entity {
            Entity::Host { .. } => (None, None),
            Entity::Container { id, name, .. } => (Some(id.as_str()), name.as_deref()),
        };
        let open: Option<(String, i64, i64)> = tx
            .prepare_cached(OPEN_VIOLATION)
            .and_then(|mut statement| {
                statement
                    .query_row(params![alert.policy.id, key, state.as_str()], |row| {
                        Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                    })
                    .optional()
            })
            .map_err(sql)?;
        let policy = &alert.policy;
        let (violation_id, seq, new) = match open {
            Some((id, count, last)) => {
                execute(
                    tx,
                    "UPDATE violations SET count = count + 1,
                         first_occurred = min(first_occurred, ?2),
                         last_occurred = max(last_occurred, ?2)
                     WHERE id = ?1",
                    params![id, time],
                )
                .map_err(sql)?;
                // The policy and entity as the latest alert describes them.
                if time >= last {
                    execute(
                        tx,
                        "UPDATE violations SET policy_name = ?2, severity = ?3, mode = ?4,
                             hostname = ?5, entity = ?6, container_name = ?7
                         WHERE id = ?1",
                        params![
                            id,
                            policy.name,
                            severity_rank(policy.severity),
                            policy.mode.as_str(),
                            alert.hostname,
                            entity,
                            container_name
                        ],
                    )
                    .map_err(sql)?;
                }
                (id, count + 1, false)
            }
            None => {
                let id = new_violation_id().map_err(|err| {
                    unavailable(&self.path, format!("generating a violation id: {err}"))
                })?;
                execute(
                    tx,
                    "INSERT INTO violations (id, policy_id, policy_name, severity, mode, state,
                         hostname, entity_key, entity, container_id, container_name,
                         first_occurred, last_occurred, count)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, 1)",
                    params![
                        id,
                        policy.id,
                        policy.name,
                        severity_rank(policy.severity),
                        policy.mode.as_str(),
                        state.as_str(),
                        alert.hostname,
                        key,
                        entity,
                        container_id,
                        container_name,
                        time
                    ],
                )
                .map_err(sql)?;
                (id, 1, true)
            }
        };
        execute(
            tx,
            "INSERT INTO process_records (violation_id, seq, time, record) VALUES (?1, ?2, ?3, ?4)",
            params![violation_id, seq, time, record],
        )
        .map_err(sql)?;
        execute(
            tx,
            "DELETE FROM process_records WHERE violation_id = ?1 AND seq NOT IN (
                 SELECT seq FROM process_records WHERE violation_id = ?1
                 ORDER BY time DESC, seq DESC LIMIT ?2)",
            params![violation_id, MAX_PROCESS_RECORDS as i64],
        )
        .map_err(sql)?;
        Ok(Recorded { violation_id, new })
    }

    fn get_in(&self, conn: &Connection, id: &str) -> Result<Option<Violation>, StoreError> {
        let row = conn
            .query_row(
                &format!("SELECT {VIOLATION_COLUMNS} FROM violations WHERE id = ?1"),
                [id],
                ViolationRow::read,
            )
            .optional()
            .map_err(|err| self.sql_error(err))?;
        row.map(|row| self.assemble(conn, row)).transpose()
    }

    fn assemble(&self, conn: &Connection, row: ViolationRow) -> Result<Violation, StoreError> {
        let corrupt =
            |what: String| unavailable(&self.path, format!("violation {}: {what}", row.id));
        let mut statement = conn
            .prepare_cached(
                "SELECT record FROM process_records WHERE violation_id = ?1
                 ORDER BY time DESC, seq DESC",
            )
            .map_err(|err| self.sql_error(err))?;
        let records = statement
            .query_map([&row.id], |r| r.get::<_, String>(0))
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .map_err(|err| self.sql_error(err))?;
        let processes = records
            .iter()
            .map(|text| serde_json::from_str(text))
            .collect::<Result<Vec<ProcessViolation>, _>>()
            .map_err(|err| corrupt(format!("process record: {err}")))?;
        let time = |value: i64, what: &str| {
            u64::try_from(value).map_err(|_| corrupt(format!("negative {what} {value}")))
        };
        let resolution = match (row.resolved_at, row.resolved_by) {
            (Some(at), Some(by)) => Some(Resolution {
                time: time(at, "resolution time")?,
                by,
                note: row.resolution_note,
            }),
            _ => None,
        };
        Ok(Violation {
            schema: VIOLATION_SCHEMA.to_owned(),
            policy: PolicyRef {
                id: row.policy_id,
                name: row.policy_name,
                severity: Severity::ALL
                    .get(usize::try_from(row.severity).unwrap_or(usize::MAX))
                    .copied()
                    .ok_or_else(|| corrupt(format!("severity {}", row.severity)))?,
                mode: row
                    .mode
                    .parse::<Mode>()
                    .map_err(|err| corrupt(err.to_string()))?,
            },
            state: row
                .state
                .parse()
                .map_err(|err: crate::UnknownName| corrupt(err.to_string()))?,
            first_occurred: time(row.first_occurred, "first occurrence")?,
            last_occurred: time(row.last_occurred, "last occurrence")?,
            count: time(row.count, "count")?,
            hostname: row.hostname,
            entity: serde_json::from_str(&row.entity)
                .map_err(|err| corrupt(format!("entity: {err}")))?,
            processes,
            resolution,
            id: row.id,
        })
    }
}

impl ViolationStore for SqliteStore {
    fn record(&self, alert: &Alert) -> Result<Recorded, StoreError> {
        let mut recorded = self.record_all(std::slice::from_ref(alert))?;
        recorded
            .pop()
            .ok_or_else(|| unavailable(&self.path, "recorded nothing".to_owned()))
    }

    fn record_all(&self, alerts: &[Alert]) -> Result<Vec<Recorded>, StoreError> {
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|err| self.sql_error(err))?;
        let recorded = alerts
            .iter()
            .map(|alert| self.record_in(&tx, alert))
            .collect::<Result<Vec<_>, _>>()?;
        tx.commit().map_err(|err| self.sql_error(err))?;
        Ok(recorded)
    }

    fn list(&self, filter: &ViolationFilter, page: Page) -> Result<Vec<Violation>, StoreError> {
        let (conditions, mut values) = where_clause(filter);
        values.push(SqlValue::Integer(page.limit.map_or(-1, saturating_i64)));
        values.push(SqlValue::Integer(saturating_i64(page.offset)));
        let limit_at = values.len() - 1;
        let conn = self.reader();
        let mut statement = conn
            .prepare(&format!(
                "SELECT {VIOLATION_COLUMNS} FROM violations {conditions}
                 ORDER BY last_occurred DESC, id DESC LIMIT ?{limit_at} OFFSET ?{}",
                limit_at + 1
            ))
            .map_err(|err| self.sql_error(err))?;
        let rows = statement
            .query_map(rusqlite::params_from_iter(values), ViolationRow::read)
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .map_err(|err| self.sql_error(err))?;
        rows.into_iter()
            .map(|row| self.assemble(&conn, row))
            .collect()
    }

    fn count(&self, filter: &ViolationFilter) -> Result<u64, StoreError> {
        let (conditions, values) = where_clause(filter);
        let count: i64 = self
            .reader()
            .query_row(
                &format!("SELECT count(*) FROM violations {conditions}"),
                rusqlite::params_from_iter(values),
                |row| row.get(0),
            )
            .map_err(|err| self.sql_error(err))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    fn get(&self, id: &str) -> Result<Option<Violation>, StoreError> {
        self.get_in(&self.reader(), id)
    }

    fn resolve(&self, id: &str, request: &ResolveRequest) -> Result<Resolved, StoreError> {
        let sql = |err| self.sql_error(err);
        let time = saturating_i64(request.time);
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        let violation = self
            .get_in(&tx, id)?
            .ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
        if let Some(resolution) = violation.resolution {
            return Err(StoreError::AlreadyResolved {
                id: id.to_owned(),
                resolution,
            });
        }
        tx.execute(
            "UPDATE violations SET state = 'RESOLVED', resolved_at = ?2, resolved_by = ?3,
                 resolution_note = ?4
             WHERE id = ?1",
            params![id, time, request.by, request.note],
        )
        .map_err(sql)?;
        let mut baselined = Vec::new();
        if request.add_to_baseline {
            let scope = BaselineScope::of(&violation.entity);
            let mut exepaths: Vec<&str> = violation
                .processes
                .iter()
                .map(|p| p.process.exepath.as_str())
                .collect();
            exepaths.sort_unstable();
            exepaths.dedup();
            for exepath in exepaths {
                let added = tx
                    .execute(
                        "INSERT OR IGNORE INTO baseline (policy_id, scope_kind, scope, exepath,
                             added_at, added_by, violation_id)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        params![
                            violation.policy.id,
                            scope.kind(),
                            scope.name(),
                            exepath,
                            time,
                            request.by,
                            id
                        ],
                    )
                    .map_err(sql)?;
                if added == 1 {
                    baselined.push(BaselineEntry {
                        policy_id: violation.policy.id.clone(),
                        scope: scope.clone(),
                        exepath: exepath.to_owned(),
                        added_at: request.time,
                        added_by: request.by.clone(),
                        violation_id: id.to_owned(),
                    });
                }
            }
        }
        let violation = self
            .get_in(&tx, id)?
            .ok_or_else(|| StoreError::NotFound(id.to_owned()))?;
        tx.commit().map_err(sql)?;
        Ok(Resolved {
            violation,
            baselined,
        })
    }

    fn is_baselined(
        &self,
        policy_id: &str,
        entity: &Entity,
        exepath: &str,
    ) -> Result<bool, StoreError> {
        let scope = BaselineScope::of(entity);
        self.reader()
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM baseline WHERE policy_id = ?1 AND scope_kind = ?2
                     AND scope = ?3 AND exepath = ?4)",
            )
            .and_then(|mut statement| {
                statement.query_row(
                    params![policy_id, scope.kind(), scope.name(), exepath],
                    |row| row.get(0),
                )
            })
            .map_err(|err| self.sql_error(err))
    }

    fn baseline(&self) -> Result<Vec<BaselineEntry>, StoreError> {
        let conn = self.reader();
        let mut statement = conn
            .prepare(
                "SELECT policy_id, scope_kind, scope, exepath, added_at, added_by, violation_id
                 FROM baseline ORDER BY added_at, policy_id, scope_kind, scope, exepath",
            )
            .map_err(|err| self.sql_error(err))?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, i64>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, String>(6)?,
                ))
            })
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .map_err(|err| self.sql_error(err))?;
        rows.into_iter()
            .map(
                |(policy_id, kind, scope, exepath, added_at, added_by, violation_id)| {
                    let scope = match kind.as_str() {
                        "host" => BaselineScope::Host(scope),
                        "image" => BaselineScope::Image(scope),
                        _ => BaselineScope::Container(scope),
                    };
                    Ok(BaselineEntry {
                        policy_id,
                        scope,
                        exepath,
                        added_at: u64::try_from(added_at).unwrap_or(0),
                        added_by,
                        violation_id,
                    })
                },
            )
            .collect()
    }
}

/// The columns of one `violations` row, before decoding.
struct ViolationRow {
    id: String,
    policy_id: String,
    policy_name: String,
    severity: i64,
    mode: String,
    state: String,
    hostname: String,
    entity: String,
    first_occurred: i64,
    last_occurred: i64,
    count: i64,
    resolved_at: Option<i64>,
    resolved_by: Option<String>,
    resolution_note: Option<String>,
}

impl ViolationRow {
    fn read(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            policy_id: row.get(1)?,
            policy_name: row.get(2)?,
            severity: row.get(3)?,
            mode: row.get(4)?,
            state: row.get(5)?,
            hostname: row.get(6)?,
            entity: row.get(7)?,
            first_occurred: row.get(8)?,
            last_occurred: row.get(9)?,
            count: row.get(10)?,
            resolved_at: row.get(11)?,
            resolved_by: row.get(12)?,
            resolution_note: row.get(13)?,
        })
    }
}

/// `WHERE …` (or nothing) for a filter, with its values bound as `?1`, `?2`, ….
fn where_clause(filter: &ViolationFilter) -> (String, Vec<SqlValue>) {
    let mut conditions = Vec::new();
    let mut values = Vec::new();
    let mut bind = |value: SqlValue| {
        values.push(value);
        values.len()
    };
    if let Some(policy) = &filter.policy_id {
        conditions.push(format!("policy_id = ?{}", bind(policy.clone().into())));
    }
    if let Some(severity) = filter.min_severity {
        conditions.push(format!(
            "severity >= ?{}",
            bind(severity_rank(severity).into())
        ));
    }
    if let Some(state) = filter.state {
        conditions.push(format!(
            "state = ?{}",
            bind(state.as_str().to_owned().into())
        ));
    }
    if let Some(container) = &filter.container {
        let n = bind(container.clone().into());
        conditions.push(format!(
            "(container_name = ?{n} OR substr(container_id, 1, length(?{n})) = ?{n})"
        ));
    }
    if let Some(since) = filter.since {
        conditions.push(format!(
            "last_occurred >= ?{}",
            bind(saturating_i64(since).into())
        ));
    }
    if let Some(until) = filter.until {
        conditions.push(format!(
            "first_occurred <= ?{}",
            bind(saturating_i64(until).into())
        ));
    }
    if conditions.is_empty() {
        (String::new(), values)
    } else {
        (format!("WHERE {}", conditions.join(" AND ")), values)
    }
}

fn connect(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|err| unavailable(path, err.to_string()))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .and_then(|()| conn.execute_batch("PRAGMA foreign_keys = ON"))
        .map_err(|err| unavailable(path, err.to_string()))?;
    Ok(conn)
}

/// Refuses files that are not SQLite, SQLite databases of other programs, and stores of
/// a newer schema than this build knows. The first read of the file happens here.
fn check_identity(path: &Path, conn: &Connection) -> Result<(), StoreError> {
    let read = |pragma: &str| {
        conn.query_row(pragma, [], |row| row.get::<_, i64>(0))
            .map_err(|err| unavailable(path, format!("reading it: {err}")))
    };
    let application_id = read("PRAGMA application_id")?;
    let version = read("PRAGMA user_version")?;
    let objects = read("SELECT count(*) FROM sqlite_schema")?;
    let fresh = application_id == 0 && version == 0 && objects == 0;
    if !fresh && application_id != i64::from(APPLICATION_ID) {
        return Err(unavailable(
            path,
            format!(
                "is a SQLite database of another program (application id {application_id:#x}), not a Warden violation store"
            ),
        ));
    }
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(unavailable(
            path,
            format!(
                "has schema version {version}, newer than this Warden knows ({known}); use a newer warden"
            ),
        ));
    }
    Ok(())
}

/// Runs a statement through the connection's cache: records run the same few statements
/// for every alert.
fn execute(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute(params)
}

fn unavailable(path: &Path, message: String) -> StoreError {
    StoreError::Unavailable {
        location: path.display().to_string(),
        message,
    }
}

fn severity_rank(severity: Severity) -> i64 {
    match severity {
        Severity::Low => 0,
        Severity::Medium => 1,
        Severity::High => 2,
        Severity::Critical => 3,
    }
}

fn saturating_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn json<T: serde::Serialize>(value: &T) -> String {
    // Entities and process records hold strings, numbers and lists only.
    serde_json::to_string(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        Migrations::from_slice(MIGRATIONS).validate().unwrap();
    }

    #[test]
    fn merging_finds_the_open_violation_through_its_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("warden.db")).unwrap();
        let plan: String = store
            .writer()
            .query_row(
                &format!("EXPLAIN QUERY PLAN {OPEN_VIOLATION}"),
                ["p", "k", "ACTIVE"],
                |row| row.get(3),
            )
            .unwrap();
        assert!(plan.contains("USING INDEX violations_open"), "{plan}");
    }

    #[test]
    fn filters_bind_every_value_once() {
        let (sql, values) = where_clause(&ViolationFilter {
            policy_id: Some("p".into()),
            min_severity: Some(Severity::High),
            state: Some(ViolationState::Active),
            container: Some("web".into()),
            since: Some(5),
            until: Some(u64::MAX),
        });
        assert_eq!(
            sql,
            "WHERE policy_id = ?1 AND severity >= ?2 AND state = ?3 AND \
             (container_name = ?4 OR substr(container_id, 1, length(?4)) = ?4) AND \
             last_occurred >= ?5 AND first_occurred <= ?6"
        );
        assert_eq!(values.len(), 6);
        assert_eq!(values[5], SqlValue::Integer(i64::MAX));
        assert_eq!(where_clause(&ViolationFilter::default()).0, "");
    }
}

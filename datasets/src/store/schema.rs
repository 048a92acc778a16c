//! The metadata database: opening the SQLite connection (WAL, full sync,
//! foreign keys) and creating or migrating its schema.

use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{Connection, TransactionBehavior};

use super::is_busy;
use crate::error::{DatasetError, Result};

/// The schema version this build writes (`PRAGMA user_version`).
const SCHEMA_VERSION: i64 = 3;

/// The tables, created when missing.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS datasets (
    id INTEGER PRIMARY KEY,
    peer TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (peer, name)
);
CREATE TABLE IF NOT EXISTS versions (
    dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    parent TEXT,
    manifest TEXT NOT NULL,
    body TEXT NOT NULL,
    structure TEXT NOT NULL,
    commit_blob TEXT NOT NULL,
    meta TEXT,
    transform TEXT,
    readme TEXT,
    provenance TEXT,
    title TEXT NOT NULL,
    message TEXT NOT NULL,
    author TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    rows INTEGER NOT NULL,
    columns INTEGER NOT NULL,
    body_size INTEGER NOT NULL,
    saved_at TEXT NOT NULL,
    PRIMARY KEY (dataset_id, id),
    UNIQUE (dataset_id, seq)
);
CREATE TABLE IF NOT EXISTS heads (
    dataset_id INTEGER PRIMARY KEY REFERENCES datasets(id) ON DELETE CASCADE,
    version_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT NOT NULL,
    dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    version_id TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    output TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, dataset_id)
);
CREATE TABLE IF NOT EXISTS schedules (
    id INTEGER PRIMARY KEY,
    dataset TEXT NOT NULL UNIQUE,
    spec TEXT NOT NULL,
    upstream TEXT,
    upstream_seen TEXT,
    next_run_at TEXT,
    paused INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS run_log (
    run_id TEXT PRIMARY KEY,
    dataset TEXT NOT NULL,
    schedule_id INTEGER,
    trigger TEXT NOT NULL,
    status TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 1,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    error TEXT,
    version_id TEXT,
    output TEXT NOT NULL DEFAULT '',
    starlib TEXT,
    script_hash TEXT NOT NULL DEFAULT '',
    rand_seed INTEGER,
    lease_owner TEXT,
    lease_until TEXT
);
CREATE INDEX IF NOT EXISTS run_log_dataset ON run_log (dataset, started_at);
CREATE INDEX IF NOT EXISTS run_log_status ON run_log (status);
";

/// The tombstones of removed versions (their manifest hashes), which tell
/// a version `remove` dropped from one the database lost. Created by
/// `history::ensure_tombstones`, not with the tables above: when a store
/// first gets it, every manifest its database does not record is entered
/// as removed, and that needs to know the table was missing.
pub(super) const REMOVED_VERSIONS: &str = "
CREATE TABLE IF NOT EXISTS removed_versions (
    id TEXT PRIMARY KEY,
    removed_at TEXT NOT NULL
);
";

/// Open the database at `db`: set the busy timeout, switch to WAL and
/// turn on full sync and foreign keys. The schema is brought up to date
/// by [`migrate`], once the store has checked the database did not lose
/// the history its blobs hold (`history::check`).
pub(super) fn connect(db: &Path, busy_timeout: Duration) -> Result<Connection> {
    let conn = Connection::open(db)?;
    conn.busy_timeout(busy_timeout.max(Duration::from_millis(100)))?;
    enable_wal(&conn, db, busy_timeout)?;
    conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")?;
    Ok(conn)
}

/// An empty database in memory, for reading a directory that holds no
/// store without creating one.
pub(super) fn connect_in_memory() -> Result<Connection> {
    let conn = Connection::open_in_memory()?;
    conn.execute_batch("PRAGMA foreign_keys=ON;")?;
    Ok(conn)
}

/// Switch the database to WAL mode. That needs a moment alone with the
/// file, so retry (for up to five busy timeouts) while another process is
/// doing the same.
fn enable_wal(conn: &Connection, db: &Path, busy_timeout: Duration) -> Result<()> {
    let start = Instant::now();
    loop {
        match conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0)) {
            Ok(mode) if mode.eq_ignore_ascii_case("wal") => return Ok(()),
            Ok(mode) => {
                return Err(DatasetError::Invalid(format!(
                    "{} cannot use WAL mode (got {mode})",
                    db.display()
                )))
            }
            Err(e) if is_busy(&e) && start.elapsed() < busy_timeout * 5 => {
                std::thread::sleep(Duration::from_millis(10))
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Create the tables of an empty database, or add what an older schema
/// lacks, under the write lock (so two processes opening a new store do it
/// once). A database from a newer Quarry is refused.
pub(super) fn migrate(conn: &mut Connection, db: &Path) -> Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(DatasetError::Invalid(format!(
            "{} was written by a newer Quarry (schema {version}, this one knows {SCHEMA_VERSION})",
            db.display()
        )));
    }
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let v: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if v < SCHEMA_VERSION {
        tx.execute_batch(SCHEMA)?;
        if v == 1 {
            // Schema 2 keeps each run's captured output.
            tx.execute_batch("ALTER TABLE runs ADD COLUMN output TEXT NOT NULL DEFAULT ''")?;
        }
        // Schema 3 adds schedules and the run log (created above).
        tx.execute_batch(&format!("PRAGMA user_version={SCHEMA_VERSION}"))?;
    }
    tx.commit()?;
    Ok(())
}

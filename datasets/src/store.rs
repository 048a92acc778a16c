//! The store: one directory holding `quarry.db` (SQLite, WAL) and `blobs/`.
//!
//! SQLite holds the dataset names, heads, the version log and runs. Blobs
//! are written and made durable first; then one `BEGIN IMMEDIATE`
//! transaction checks the head (compare-and-swap), writes the commit and
//! manifest blobs, and records the version. A process killed at any point
//! leaves the previous head intact and no reference to a missing blob.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use crate::blob::{BlobHash, BlobStore};
use crate::body::{self, Format, ImportOptions, ParquetBlobWriter};
use crate::error::{DatasetError, IoContext, Result};
use crate::model::{
    to_canonical_json, Body, Commit, Component, Dataset, DatasetName, Manifest, Meta, Provenance,
    Structure, Transform, VersionId,
};
use crate::refs::{DatasetRef, VersionSpec};

/// The SQLite file name inside the store directory.
pub const DB_FILE: &str = "quarry.db";
/// The blob directory name inside the store directory.
pub const BLOB_DIR: &str = "blobs";
/// The environment variable naming the store directory.
pub const HOME_ENV: &str = "QUARRY_HOME";

const SCHEMA_VERSION: i64 = 2;

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
";

/// Where a store location came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocationSource {
    /// The `--repo` flag.
    Flag,
    /// The `$QUARRY_HOME` environment variable.
    Env,
    /// The platform data directory (`dirs::data_dir()/quarry`).
    Platform,
}

/// A resolved store directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreLocation {
    /// The directory.
    pub path: PathBuf,
    /// Which rule chose it.
    pub source: LocationSource,
}

impl StoreLocation {
    /// Resolve the store directory: `repo` (the `--repo` flag), then
    /// `$QUARRY_HOME`, then the platform data directory plus `quarry`.
    pub fn resolve(repo: Option<&Path>) -> Result<Self> {
        Self::resolve_with(repo, std::env::var_os(HOME_ENV), dirs::data_dir())
    }

    /// [`resolve`](Self::resolve) with the environment and platform
    /// directory given explicitly (for tests and embedding).
    pub fn resolve_with(
        repo: Option<&Path>,
        home_env: Option<std::ffi::OsString>,
        data_dir: Option<PathBuf>,
    ) -> Result<Self> {
        if let Some(r) = repo {
            return Ok(StoreLocation {
                path: r.to_path_buf(),
                source: LocationSource::Flag,
            });
        }
        if let Some(h) = home_env.filter(|h| !h.is_empty()) {
            return Ok(StoreLocation {
                path: PathBuf::from(h),
                source: LocationSource::Env,
            });
        }
        match data_dir {
            Some(d) => Ok(StoreLocation {
                path: d.join("quarry"),
                source: LocationSource::Platform,
            }),
            None => Err(DatasetError::Invalid(format!(
                "no store location: pass --repo or set ${HOME_ENV} (this platform has no data directory)"
            ))),
        }
    }
}

/// Options for opening a store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// How long a save waits for another writer before failing with
    /// [`DatasetError::Busy`] (default 2 s).
    pub busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            busy_timeout: Duration::from_secs(2),
        }
    }
}

/// Anything that names a dataset: `&str` (`peer/name`), [`DatasetName`],
/// or a [`DatasetRef`] (its version part is ignored).
pub trait ToName {
    /// The dataset name.
    fn to_name(&self) -> Result<DatasetName>;
}

impl ToName for str {
    fn to_name(&self) -> Result<DatasetName> {
        if self.contains('@') {
            return Err(DatasetError::BadName {
                name: self.to_string(),
                reason: "expected a dataset name without a version (@...)".into(),
            });
        }
        self.parse()
    }
}
impl ToName for String {
    fn to_name(&self) -> Result<DatasetName> {
        self.as_str().to_name()
    }
}
impl ToName for DatasetName {
    fn to_name(&self) -> Result<DatasetName> {
        Ok(self.clone())
    }
}
impl ToName for DatasetRef {
    fn to_name(&self) -> Result<DatasetName> {
        Ok(self.name.clone())
    }
}

/// Anything that refers to a version: `&str` (`peer/name[@prefix|@~N]`),
/// [`DatasetRef`], or [`DatasetName`] (its head).
pub trait ToRef {
    /// The reference.
    fn to_ref(&self) -> Result<DatasetRef>;
}

impl ToRef for str {
    fn to_ref(&self) -> Result<DatasetRef> {
        DatasetRef::parse(self)
    }
}
impl ToRef for String {
    fn to_ref(&self) -> Result<DatasetRef> {
        DatasetRef::parse(self)
    }
}
impl ToRef for DatasetRef {
    fn to_ref(&self) -> Result<DatasetRef> {
        Ok(self.clone())
    }
}
impl ToRef for DatasetName {
    fn to_ref(&self) -> Result<DatasetRef> {
        Ok(DatasetRef::head(self.clone()))
    }
}

/// Where the body of a new version comes from.
#[derive(Debug, Clone)]
pub enum BodyInput {
    /// Arrow record batches in memory.
    Arrow(Body),
    /// A file to import (CSV is parsed and encoded in one streamed pass).
    File {
        /// The file.
        path: PathBuf,
        /// Its format.
        format: Format,
        /// How to read it.
        options: ImportOptions,
    },
    /// Keep the parent's body (for a change to other components only).
    Parent,
}

/// What the head must be for a save to go ahead (compare-and-swap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExpectedHead {
    /// Save on top of whatever the head is when the save takes the write
    /// lock (a writer that got there first just becomes the parent).
    #[default]
    Any,
    /// The dataset must not exist yet.
    New,
    /// The head must be this version.
    Version(VersionId),
}

impl ExpectedHead {
    /// `None` → [`ExpectedHead::New`], `Some(id)` → [`ExpectedHead::Version`].
    pub fn from_parent(parent: Option<VersionId>) -> Self {
        match parent {
            None => ExpectedHead::New,
            Some(id) => ExpectedHead::Version(id),
        }
    }
}

/// A version to save.
#[derive(Debug, Clone)]
pub struct NewVersion {
    /// The body.
    pub body: BodyInput,
    /// Commit title.
    pub title: String,
    /// Commit message.
    pub message: String,
    /// Commit author.
    pub author: String,
    /// Commit time; `None` means now.
    pub timestamp: Option<DateTime<Utc>>,
    /// Metadata (`None`: inherit the parent's when `inherit` is set).
    pub meta: Option<Meta>,
    /// Transform (`None`: inherit the parent's when `inherit` is set).
    pub transform: Option<Transform>,
    /// Readme (`None`: inherit the parent's when `inherit` is set).
    pub readme: Option<String>,
    /// Provenance of this run (never inherited).
    pub provenance: Option<Provenance>,
    /// Take meta, transform and readme from the parent when not given (default true).
    pub inherit: bool,
    /// Compare-and-swap condition on the head (default [`ExpectedHead::Any`]).
    pub expected_head: ExpectedHead,
    /// What the run printed, kept with its run record (not part of the
    /// version's content; recorded only when `provenance.run_id` is set).
    pub run_output: Option<String>,
}

impl NewVersion {
    /// A version with `body` and commit `title`; everything else default.
    pub fn new(body: BodyInput, title: impl Into<String>) -> Self {
        NewVersion {
            body,
            title: title.into(),
            message: String::new(),
            author: String::new(),
            timestamp: None,
            meta: None,
            transform: None,
            readme: None,
            provenance: None,
            inherit: true,
            expected_head: ExpectedHead::Any,
            run_output: None,
        }
    }

    /// A version whose body is in memory.
    pub fn from_body(body: Body, title: impl Into<String>) -> Self {
        Self::new(BodyInput::Arrow(body), title)
    }
}

/// What a save did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveOutcome {
    /// The new version.
    pub id: VersionId,
    /// Its position in the history (1 for the first).
    pub seq: u64,
    /// Its parent.
    pub parent: Option<VersionId>,
    /// The body blob.
    pub body: BlobHash,
    /// False when the body blob already existed (nothing new written).
    pub body_written: bool,
    /// Rows in the body.
    pub rows: u64,
    /// Size of the body blob.
    pub body_size: u64,
}

/// One entry of a dataset's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    /// The version.
    pub id: VersionId,
    /// Its position (1 for the first).
    pub seq: u64,
    /// Its parent.
    pub parent: Option<VersionId>,
    /// Commit title.
    pub title: String,
    /// Commit message.
    pub message: String,
    /// Commit author.
    pub author: String,
    /// Commit time.
    pub timestamp: DateTime<Utc>,
    /// The body blob.
    pub body: BlobHash,
    /// Rows in the body.
    pub rows: u64,
    /// Size of the body blob in bytes.
    pub body_size: u64,
}

/// One dataset in [`Store::list`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatasetSummary {
    /// Its name.
    pub name: DatasetName,
    /// The head version.
    pub head: VersionId,
    /// How many versions it has.
    pub versions: u64,
    /// The head's commit title.
    pub title: String,
    /// Rows in the head's body.
    pub rows: u64,
    /// Size of the head's body blob.
    pub body_size: u64,
    /// The head's commit time.
    pub updated: DateTime<Utc>,
}

/// A run recorded with a saved version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunRecord {
    /// The run id.
    pub run_id: String,
    /// The version it produced.
    pub version: VersionId,
    /// When it was recorded.
    pub recorded_at: String,
    /// What the run printed.
    pub output: String,
}

/// Which versions [`Store::remove`] drops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoveVersions {
    /// The latest N (all of them, and the dataset, when N ≥ the count).
    Latest(u64),
    /// Every version and the dataset itself.
    All,
}

/// What [`Store::gc`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GcReport {
    /// Unreferenced blobs deleted.
    pub blobs_removed: u64,
    /// Bytes freed by them.
    pub bytes_freed: u64,
    /// Stale temporary files deleted.
    pub temp_removed: u64,
}

/// A version resolved from a reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The dataset.
    pub name: DatasetName,
    /// Its row id in SQLite.
    pub(crate) dataset_id: i64,
    /// The version.
    pub id: VersionId,
    /// Its position.
    pub seq: u64,
    /// Its component hashes.
    pub manifest: Manifest,
}

/// An open store. `Send + Sync`: share one between threads, or open one per
/// thread or process; SQLite serialises writers.
pub struct Store {
    root: PathBuf,
    blobs: BlobStore,
    conn: Mutex<Connection>,
    opts: StoreOptions,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("root", &self.root).finish()
    }
}

fn now_text() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy) | Some(rusqlite::ErrorCode::DatabaseLocked)
    )
}

fn parse_hash(s: &str, what: &str) -> Result<BlobHash> {
    s.parse().map_err(|_| {
        DatasetError::Inconsistent(format!("bad {what} hash '{s}' in the metadata database"))
    })
}

fn parse_opt_hash(s: Option<String>, what: &str) -> Result<Option<BlobHash>> {
    s.map(|s| parse_hash(&s, what)).transpose()
}

fn parse_time(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| {
            DatasetError::Inconsistent(format!("bad timestamp '{s}' in the metadata database: {e}"))
        })
}

/// A row of the versions table, as stored.
pub(crate) struct VersionRow {
    pub(crate) id: String,
    pub(crate) seq: i64,
    pub(crate) parent: Option<String>,
    pub(crate) manifest_json: String,
    pub(crate) manifest: Manifest,
}

const MANIFEST_COLS: &str = "dataset_id, id, seq, parent, manifest, body, structure, commit_blob, meta, transform, readme, provenance";

fn version_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawVersionRow> {
    version_row_at(r, 0)
}

/// Reads the [`MANIFEST_COLS`] columns of a row, starting at column `at`.
fn version_row_at(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<RawVersionRow> {
    Ok((
        r.get(at)?,
        r.get(at + 1)?,
        r.get(at + 2)?,
        r.get(at + 3)?,
        r.get(at + 4)?,
        [
            r.get(at + 5)?,
            r.get(at + 6)?,
            r.get(at + 7)?,
            r.get(at + 8)?,
            r.get(at + 9)?,
            r.get(at + 10)?,
            r.get(at + 11)?,
        ],
    ))
}

type RawVersionRow = (
    i64,
    String,
    i64,
    Option<String>,
    String,
    [Option<String>; 7],
);

fn to_version_row(raw: RawVersionRow) -> Result<VersionRow> {
    let (_dataset_id, id, seq, parent, manifest_json, cols) = raw;
    let [body, structure, commit, meta, transform, readme, provenance] = cols;
    let req = |s: Option<String>, what: &str| -> Result<BlobHash> {
        match s {
            Some(s) => parse_hash(&s, what),
            None => Err(DatasetError::Inconsistent(format!(
                "version {id} has no {what}"
            ))),
        }
    };
    let manifest = Manifest {
        body: req(body, "body")?,
        structure: req(structure, "structure")?,
        commit: req(commit, "commit")?,
        meta: parse_opt_hash(meta, "meta")?,
        transform: parse_opt_hash(transform, "transform")?,
        readme: parse_opt_hash(readme, "readme")?,
        provenance: parse_opt_hash(provenance, "provenance")?,
        parent: parent
            .as_deref()
            .map(|p| parse_hash(p, "parent").map(VersionId))
            .transpose()?,
    };
    Ok(VersionRow {
        id,
        seq,
        parent,
        manifest_json,
        manifest,
    })
}

/// A dataset's head as recorded, for fsck.
pub(crate) struct HeadRow {
    /// The dataset.
    pub(crate) name: DatasetName,
    /// The head version id ("" when there is no head row).
    pub(crate) head: String,
    /// The head's position (-1 when there is no head row).
    pub(crate) seq: i64,
    /// The highest position among its versions.
    pub(crate) max_seq: Option<i64>,
    /// How many versions it has.
    pub(crate) count: i64,
}

/// The parts of a version that depend on its parent, prepared before the
/// transaction.
#[derive(Clone)]
struct Prepared {
    body: BlobHash,
    structure: BlobHash,
    rows: u64,
    columns: u64,
    body_size: u64,
    body_written: bool,
    meta: Option<BlobHash>,
    transform: Option<BlobHash>,
    readme: Option<BlobHash>,
}

impl Store {
    /// Open (creating if needed) the store in directory `root`.
    pub fn open(root: impl AsRef<Path>) -> Result<Self> {
        Self::open_with(root, StoreOptions::default())
    }

    /// Open the store at `location`.
    pub fn open_location(location: &StoreLocation) -> Result<Self> {
        Self::open(&location.path)
    }

    /// Open (creating if needed) the store in `root` with options.
    pub fn open_with(root: impl AsRef<Path>, opts: StoreOptions) -> Result<Self> {
        let root = root.as_ref().to_path_buf();
        std::fs::create_dir_all(&root)
            .ctx(|| format!("creating store directory {}", root.display()))?;
        let blobs = BlobStore::open(root.join(BLOB_DIR))?;
        let db = root.join(DB_FILE);
        let conn = Connection::open(&db)?;
        conn.busy_timeout(opts.busy_timeout.max(Duration::from_millis(100)))?;
        let start = Instant::now();
        // Switching to WAL needs a moment alone with the file; retry while
        // another process is doing the same.
        loop {
            match conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0)) {
                Ok(mode) if mode.eq_ignore_ascii_case("wal") => break,
                Ok(mode) => {
                    return Err(DatasetError::Invalid(format!(
                        "{} cannot use WAL mode (got {mode})",
                        db.display()
                    )))
                }
                Err(e) if is_busy(&e) && start.elapsed() < opts.busy_timeout * 5 => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                Err(e) => return Err(e.into()),
            }
        }
        conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version < SCHEMA_VERSION {
            let mut conn = conn;
            {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let v: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
                if v < SCHEMA_VERSION {
                    tx.execute_batch(SCHEMA)?;
                    if v == 1 {
                        // Schema 2 keeps each run's captured output.
                        tx.execute_batch(
                            "ALTER TABLE runs ADD COLUMN output TEXT NOT NULL DEFAULT ''",
                        )?;
                    }
                    tx.execute_batch(&format!("PRAGMA user_version={SCHEMA_VERSION}"))?;
                }
                tx.commit()?;
            }
            return Ok(Store {
                root,
                blobs,
                conn: Mutex::new(conn),
                opts,
            });
        }
        if version > SCHEMA_VERSION {
            return Err(DatasetError::Invalid(format!(
                "{} was written by a newer Quarry (schema {version}, this one knows {SCHEMA_VERSION})",
                db.display()
            )));
        }
        Ok(Store {
            root,
            blobs,
            conn: Mutex::new(conn),
            opts,
        })
    }

    /// The store directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The blob storage.
    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a transaction open
        // (rusqlite rolls back on drop), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn dataset_id(conn: &Connection, name: &DatasetName) -> Result<Option<i64>> {
        Ok(conn
            .prepare_cached("SELECT id FROM datasets WHERE peer = ?1 AND name = ?2")?
            .query_row(params![name.peer(), name.name()], |r| r.get(0))
            .optional()?)
    }

    fn head_of(conn: &Connection, dataset_id: i64) -> Result<Option<(VersionId, u64)>> {
        let row: Option<(String, i64)> = conn
            .prepare_cached("SELECT version_id, seq FROM heads WHERE dataset_id = ?1")?
            .query_row([dataset_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        row.map(|(id, seq)| Ok((VersionId(parse_hash(&id, "head")?), seq as u64)))
            .transpose()
    }

    fn current_head(&self, name: &DatasetName) -> Result<Option<(VersionId, u64)>> {
        let conn = self.conn();
        match Self::dataset_id(&conn, name)? {
            None => Ok(None),
            Some(id) => Self::head_of(&conn, id),
        }
    }

    /// The head version of a dataset, or None if it does not exist.
    pub fn head<N: ToName + ?Sized>(&self, name: &N) -> Result<Option<VersionId>> {
        Ok(self.current_head(&name.to_name()?)?.map(|(id, _)| id))
    }

    fn load_row(conn: &Connection, dataset_id: i64, id: &str) -> Result<Option<VersionRow>> {
        let raw = conn
            .prepare_cached(&format!(
                "SELECT {MANIFEST_COLS} FROM versions WHERE dataset_id = ?1 AND id = ?2"
            ))?
            .query_row(params![dataset_id, id], version_row)
            .optional()?;
        raw.map(to_version_row).transpose()
    }

    pub(crate) fn all_version_rows(&self) -> Result<Vec<(DatasetName, VersionRow)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT d.peer, d.name, {} FROM versions v JOIN datasets d ON d.id = v.dataset_id ORDER BY v.dataset_id, v.seq",
            MANIFEST_COLS
                .split(", ")
                .map(|c| format!("v.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))?;
        let rows = stmt.query_map([], |r| {
            let peer: String = r.get(0)?;
            let name: String = r.get(1)?;
            let raw = version_row_at(r, 2)?;
            Ok((peer, name, raw))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (peer, name, raw) = row?;
            let dname = DatasetName::new(&peer, &name).map_err(|e| {
                DatasetError::Inconsistent(format!(
                    "bad dataset name in the metadata database: {e}"
                ))
            })?;
            out.push((dname, to_version_row(raw)?));
        }
        Ok(out)
    }

    /// Every dataset's head and version numbering.
    pub(crate) fn all_heads(&self) -> Result<Vec<HeadRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT d.peer, d.name, h.version_id, h.seq,
                    (SELECT MAX(seq) FROM versions v WHERE v.dataset_id = d.id),
                    (SELECT COUNT(*) FROM versions v WHERE v.dataset_id = d.id)
             FROM datasets d LEFT JOIN heads h ON h.dataset_id = d.id ORDER BY d.peer, d.name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (peer, name, head, seq, max, count) = row?;
            let dname = DatasetName::new(&peer, &name).map_err(|e| {
                DatasetError::Inconsistent(format!(
                    "bad dataset name in the metadata database: {e}"
                ))
            })?;
            out.push(HeadRow {
                name: dname,
                head: head.unwrap_or_default(),
                seq: seq.unwrap_or(-1),
                max_seq: max,
                count,
            });
        }
        Ok(out)
    }

    /// Every run row: (run id, dataset, version id, whether that version exists).
    pub(crate) fn all_runs(&self) -> Result<Vec<(String, String, String, bool)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT r.run_id, d.peer || '/' || d.name, r.version_id,
                    EXISTS (SELECT 1 FROM versions v WHERE v.dataset_id = r.dataset_id AND v.id = r.version_id)
             FROM runs r JOIN datasets d ON d.id = r.dataset_id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// SQLite's own `PRAGMA integrity_check` result ("ok" when sound).
    pub(crate) fn sqlite_integrity(&self) -> Result<Vec<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("PRAGMA integrity_check")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Resolve a reference to one version.
    pub fn resolve<R: ToRef + ?Sized>(&self, r: &R) -> Result<Resolved> {
        let r = r.to_ref()?;
        let conn = self.conn();
        let dataset_id =
            Self::dataset_id(&conn, &r.name)?.ok_or_else(|| DatasetError::NotFound {
                name: r.name.to_string(),
            })?;
        let (head, head_seq) =
            Self::head_of(&conn, dataset_id)?.ok_or_else(|| DatasetError::NotFound {
                name: r.name.to_string(),
            })?;
        let not_found = |reason: String| DatasetError::VersionNotFound {
            reference: r.to_string(),
            reason,
        };
        let id = match &r.version {
            VersionSpec::Head => head.to_hex(),
            VersionSpec::Back(n) => {
                if *n >= head_seq {
                    return Err(not_found(format!(
                        "{} has {head_seq} version{}, so @~{} is the furthest back",
                        r.name,
                        if head_seq == 1 { "" } else { "s" },
                        head_seq - 1
                    )));
                }
                let seq = (head_seq - n) as i64;
                conn.prepare_cached("SELECT id FROM versions WHERE dataset_id = ?1 AND seq = ?2")?
                    .query_row(params![dataset_id, seq], |row| row.get::<_, String>(0))
                    .optional()?
                    .ok_or_else(|| {
                        DatasetError::Inconsistent(format!(
                            "{} has no version at position {seq}",
                            r.name
                        ))
                    })?
            }
            VersionSpec::Prefix(p) => {
                let upper = format!("{p}g");
                let mut stmt = conn.prepare_cached(
                    "SELECT id FROM versions WHERE dataset_id = ?1 AND id >= ?2 AND id < ?3 ORDER BY seq DESC LIMIT 6",
                )?;
                let ids = stmt
                    .query_map(params![dataset_id, p, upper], |row| row.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                match ids.len() {
                    0 => {
                        return Err(not_found(format!(
                            "no version of {} starts with '{p}'",
                            r.name
                        )))
                    }
                    1 => ids.into_iter().next().unwrap_or_default(),
                    _ => {
                        return Err(DatasetError::AmbiguousPrefix {
                            name: r.name.to_string(),
                            prefix: p.clone(),
                            matches: ids
                                .iter()
                                .map(|s| s[..12.min(s.len())].to_string())
                                .collect(),
                        })
                    }
                }
            }
        };
        let row = Self::load_row(&conn, dataset_id, &id)?.ok_or_else(|| {
            DatasetError::Inconsistent(format!(
                "{} names version {id}, which is not recorded",
                r.name
            ))
        })?;
        Ok(Resolved {
            name: r.name.clone(),
            dataset_id,
            id: VersionId(parse_hash(&row.id, "version")?),
            seq: row.seq as u64,
            manifest: row.manifest,
        })
    }

    fn read_json<T: serde::de::DeserializeOwned>(
        &self,
        hash: &BlobHash,
        what: Component,
    ) -> Result<T> {
        let bytes = self.blobs.read(hash)?;
        serde_json::from_slice(&bytes).map_err(|e| {
            DatasetError::Inconsistent(format!(
                "{what} blob {hash} is not a valid {what} component: {e}"
            ))
        })
    }

    fn read_text(&self, hash: &BlobHash) -> Result<String> {
        let bytes = self.blobs.read(hash)?;
        String::from_utf8(bytes.to_vec())
            .map_err(|_| DatasetError::Inconsistent(format!("readme blob {hash} is not UTF-8")))
    }

    /// Load every component of a version except the body (which can be large:
    /// see [`body`](Self::body)).
    pub fn get<R: ToRef + ?Sized>(&self, r: &R) -> Result<Dataset> {
        let v = self.resolve(r)?;
        let m = &v.manifest;
        Ok(Dataset {
            name: v.name.clone(),
            id: v.id,
            seq: v.seq,
            structure: self.read_json(&m.structure, Component::Structure)?,
            commit: self.read_json(&m.commit, Component::Commit)?,
            meta: m
                .meta
                .map(|h| self.read_json(&h, Component::Meta))
                .transpose()?,
            transform: m
                .transform
                .map(|h| self.read_json(&h, Component::Transform))
                .transpose()?,
            readme: m.readme.map(|h| self.read_text(&h)).transpose()?,
            provenance: m
                .provenance
                .map(|h| self.read_json(&h, Component::Provenance))
                .transpose()?,
            manifest: v.manifest,
        })
    }

    /// One component of a version as JSON: the component object for
    /// structure, meta, commit, transform and provenance; a string for the
    /// readme; the body as an array of row objects. `null` when absent.
    pub fn component_json<R: ToRef + ?Sized>(
        &self,
        r: &R,
        c: Component,
    ) -> Result<serde_json::Value> {
        let v = self.resolve(r)?;
        let Some(hash) = v.manifest.component(c) else {
            return Ok(serde_json::Value::Null);
        };
        match c {
            Component::Readme => Ok(serde_json::Value::String(self.read_text(&hash)?)),
            Component::Body => {
                let mut buf = Vec::new();
                body::write_body(&self.read_body_blob(&hash)?, Format::Json, &mut buf)?;
                Ok(serde_json::from_slice(&buf)?)
            }
            _ => self.read_json(&hash, c),
        }
    }

    /// The manifest of a version.
    pub fn manifest<R: ToRef + ?Sized>(&self, r: &R) -> Result<Manifest> {
        Ok(self.resolve(r)?.manifest)
    }

    /// The structure of a version.
    pub fn structure<R: ToRef + ?Sized>(&self, r: &R) -> Result<Structure> {
        let v = self.resolve(r)?;
        self.read_json(&v.manifest.structure, Component::Structure)
    }

    /// The commit of a version.
    pub fn commit<R: ToRef + ?Sized>(&self, r: &R) -> Result<Commit> {
        let v = self.resolve(r)?;
        self.read_json(&v.manifest.commit, Component::Commit)
    }

    /// The meta of a version, if it has one.
    pub fn meta<R: ToRef + ?Sized>(&self, r: &R) -> Result<Option<Meta>> {
        let v = self.resolve(r)?;
        v.manifest
            .meta
            .map(|h| self.read_json(&h, Component::Meta))
            .transpose()
    }

    /// The transform of a version, if it has one.
    pub fn transform<R: ToRef + ?Sized>(&self, r: &R) -> Result<Option<Transform>> {
        let v = self.resolve(r)?;
        v.manifest
            .transform
            .map(|h| self.read_json(&h, Component::Transform))
            .transpose()
    }

    /// The readme of a version, if it has one.
    pub fn readme<R: ToRef + ?Sized>(&self, r: &R) -> Result<Option<String>> {
        let v = self.resolve(r)?;
        v.manifest.readme.map(|h| self.read_text(&h)).transpose()
    }

    /// The provenance of a version, if it has one.
    pub fn provenance<R: ToRef + ?Sized>(&self, r: &R) -> Result<Option<Provenance>> {
        let v = self.resolve(r)?;
        v.manifest
            .provenance
            .map(|h| self.read_json(&h, Component::Provenance))
            .transpose()
    }

    pub(crate) fn read_body_blob(&self, hash: &BlobHash) -> Result<Body> {
        let bytes = self.blobs.read(hash)?;
        body::read_parquet(bytes).map_err(|e| match e {
            DatasetError::Parquet(p) => {
                DatasetError::Inconsistent(format!("body blob {hash} is not readable Parquet: {p}"))
            }
            other => other,
        })
    }

    /// The body of a version, decoded (its blob hash verified first).
    pub fn body<R: ToRef + ?Sized>(&self, r: &R) -> Result<Body> {
        let v = self.resolve(r)?;
        self.read_body_blob(&v.manifest.body)
    }

    /// The path of a version's body blob (a Parquet file other tools can
    /// read; do not modify it).
    pub fn body_path<R: ToRef + ?Sized>(&self, r: &R) -> Result<PathBuf> {
        let v = self.resolve(r)?;
        Ok(self.blobs.path(&v.manifest.body))
    }

    /// Write a version's body to `out` as csv, json, ndjson or parquet
    /// (parquet is the stored file itself, verified).
    pub fn export_body<R: ToRef + ?Sized, W: Write + Send>(
        &self,
        r: &R,
        format: Format,
        mut out: W,
    ) -> Result<()> {
        let v = self.resolve(r)?;
        if format == Format::Parquet {
            let bytes = self.blobs.read(&v.manifest.body)?;
            out.write_all(&bytes)
                .ctx(|| "writing parquet output".into())?;
            return out.flush().ctx(|| "flushing parquet output".into());
        }
        let body = self.read_body_blob(&v.manifest.body)?;
        body::write_body(&body, format, out)
    }

    /// Write a version's body to a file (format from `format` or the file's extension).
    pub fn export_body_to_path<R: ToRef + ?Sized>(
        &self,
        r: &R,
        path: &Path,
        format: Option<Format>,
    ) -> Result<()> {
        let format = format.or_else(|| Format::from_path(path)).ok_or_else(|| {
            DatasetError::Invalid(format!(
                "cannot tell the format of {} from its extension; say csv, json, ndjson or parquet",
                path.display()
            ))
        })?;
        let f = std::fs::File::create(path).ctx(|| format!("creating {}", path.display()))?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
        self.export_body(r, format, &mut w)?;
        let f = w
            .into_inner()
            .map_err(|e| DatasetError::io(format!("writing {}", path.display()), e.into_error()))?;
        f.sync_all().ctx(|| format!("syncing {}", path.display()))
    }

    /// The log of a dataset, newest first.
    pub fn log<N: ToName + ?Sized>(&self, name: &N) -> Result<Vec<LogEntry>> {
        let name = name.to_name()?;
        let conn = self.conn();
        let dataset_id = Self::dataset_id(&conn, &name)?.ok_or_else(|| DatasetError::NotFound {
            name: name.to_string(),
        })?;
        let mut stmt = conn.prepare_cached(
            "SELECT id, seq, parent, title, message, author, timestamp, body, rows, body_size
             FROM versions WHERE dataset_id = ?1 ORDER BY seq DESC",
        )?;
        let rows = stmt.query_map([dataset_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, i64>(8)?,
                r.get::<_, i64>(9)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, seq, parent, title, message, author, ts, body, nrows, size) = row?;
            out.push(LogEntry {
                id: VersionId(parse_hash(&id, "version")?),
                seq: seq as u64,
                parent: parent
                    .map(|p| parse_hash(&p, "parent").map(VersionId))
                    .transpose()?,
                title,
                message,
                author,
                timestamp: parse_time(&ts)?,
                body: parse_hash(&body, "body")?,
                rows: nrows as u64,
                body_size: size as u64,
            });
        }
        Ok(out)
    }

    /// Every dataset with its head, sorted by name.
    pub fn list(&self) -> Result<Vec<DatasetSummary>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT d.peer, d.name, h.version_id, h.seq, v.title, v.rows, v.body_size, v.timestamp
             FROM datasets d JOIN heads h ON h.dataset_id = d.id
             JOIN versions v ON v.dataset_id = d.id AND v.id = h.version_id
             ORDER BY d.peer, d.name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, String>(7)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (peer, name, head, seq, title, nrows, size, ts) = row?;
            out.push(DatasetSummary {
                name: DatasetName::new(&peer, &name).map_err(|e| {
                    DatasetError::Inconsistent(format!(
                        "bad dataset name in the metadata database: {e}"
                    ))
                })?,
                head: VersionId(parse_hash(&head, "head")?),
                versions: seq as u64,
                title,
                rows: nrows as u64,
                body_size: size as u64,
                updated: parse_time(&ts)?,
            });
        }
        Ok(out)
    }

    /// The runs recorded for a dataset, newest first.
    pub fn runs<N: ToName + ?Sized>(&self, name: &N) -> Result<Vec<RunRecord>> {
        let name = name.to_name()?;
        let conn = self.conn();
        let dataset_id = Self::dataset_id(&conn, &name)?.ok_or_else(|| DatasetError::NotFound {
            name: name.to_string(),
        })?;
        let mut stmt = conn.prepare_cached(
            "SELECT r.run_id, r.version_id, r.recorded_at, r.output FROM runs r
             JOIN versions v ON v.dataset_id = r.dataset_id AND v.id = r.version_id
             WHERE r.dataset_id = ?1 ORDER BY v.seq DESC",
        )?;
        let rows = stmt.query_map([dataset_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (run_id, version, recorded_at, output) = row?;
            out.push(RunRecord {
                run_id,
                version: VersionId(parse_hash(&version, "version")?),
                recorded_at,
                output,
            });
        }
        Ok(out)
    }

    fn put_json<T: Serialize>(&self, value: &T) -> Result<BlobHash> {
        let bytes = to_canonical_json(value)?;
        Ok(self.blobs.put(&bytes)?.0)
    }

    /// Write the body blob (and its structure) for a save.
    fn prepare_body(&self, input: &BodyInput) -> Result<Option<Prepared>> {
        let (written, rows, schema) = match input {
            BodyInput::Parent => return Ok(None),
            BodyInput::Arrow(b) => body::store_body(&self.blobs, b)?,
            BodyInput::File {
                path,
                format,
                options,
            } => match format {
                Format::Csv => self.save_csv_file(path, options)?,
                _ => body::store_body(&self.blobs, &body::import_file(path, *format, options)?)?,
            },
        };
        let structure = Structure::describe(&schema, rows, written.len);
        let shash = self.put_json(&structure)?;
        Ok(Some(Prepared {
            body: written.hash,
            structure: shash,
            rows,
            columns: structure.columns,
            body_size: written.len,
            body_written: written.written,
            meta: None,
            transform: None,
            readme: None,
        }))
    }

    /// Parse a CSV file on one thread while encoding Parquet on this one.
    fn save_csv_file(
        &self,
        path: &Path,
        options: &ImportOptions,
    ) -> Result<(crate::blob::BlobWritten, u64, arrow_schema::SchemaRef)> {
        let (schema, rx, handle) = body::spawn_csv_file(path, options)?;
        let mut writer = ParquetBlobWriter::new(&self.blobs, schema.clone())?;
        let mut failed = None;
        for batch in rx.iter() {
            match batch.and_then(|b| writer.write(&b)) {
                Ok(()) => {}
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        drop(rx);
        let joined = handle
            .join()
            .map_err(|_| DatasetError::Invalid("csv reader thread panicked".into()))?;
        if let Some(e) = failed {
            return Err(e);
        }
        match joined? {
            Some(full_schema) => {
                drop(writer);
                let opts = ImportOptions {
                    schema: Some(full_schema),
                    ..options.clone()
                };
                self.save_csv_file(path, &opts)
            }
            None => writer.finish(),
        }
    }

    /// Save a new version of `name`. See [`NewVersion`] and [`ExpectedHead`]
    /// for what is written and when the save gives way to another writer.
    pub fn save<N: ToName + ?Sized>(&self, name: &N, new: NewVersion) -> Result<SaveOutcome> {
        let name = name.to_name()?;
        if let Some(m) = &new.meta {
            m.validate()?;
        }
        if new.title.trim().is_empty() {
            return Err(DatasetError::Invalid("a commit title is required".into()));
        }
        let timestamp = new.timestamp.unwrap_or_else(Utc::now);
        // Everything that does not depend on the parent is written first,
        // outside any lock.
        let body_part = self.prepare_body(&new.body)?;
        let own_meta = new.meta.as_ref().map(|m| self.put_json(m)).transpose()?;
        let own_transform = new
            .transform
            .as_ref()
            .map(|t| self.put_json(t))
            .transpose()?;
        let own_readme = new
            .readme
            .as_ref()
            .map(|r| self.blobs.put(r.as_bytes()).map(|(h, _)| h))
            .transpose()?;
        let provenance = new
            .provenance
            .as_ref()
            .map(|p| self.put_json(p))
            .transpose()?;

        self.commit_version(
            &name,
            &new,
            timestamp,
            body_part,
            [own_meta, own_transform, own_readme],
            provenance,
        )
    }

    /// The transaction of a save. Under SQLite's write lock: check the head
    /// (compare-and-swap), take inherited components from the parent, write
    /// the commit and manifest blobs, check every referenced blob exists,
    /// and record the version and the new head.
    fn commit_version(
        &self,
        name: &DatasetName,
        new: &NewVersion,
        timestamp: DateTime<Utc>,
        body_part: Option<Prepared>,
        [own_meta, own_transform, own_readme]: [Option<BlobHash>; 3],
        provenance: Option<BlobHash>,
    ) -> Result<SaveOutcome> {
        let started = Instant::now();
        let busy = |e: rusqlite::Error| -> DatasetError {
            if is_busy(&e) {
                DatasetError::Busy {
                    name: name.to_string(),
                    waited_ms: started.elapsed().as_millis() as u64,
                }
            } else {
                e.into()
            }
        };
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(busy)?;
        let dataset_id = Self::dataset_id(&tx, name)?;
        let head = match dataset_id {
            Some(id) => Self::head_of(&tx, id)?,
            None => None,
        };
        check_expected(name, new.expected_head, head.map(|h| h.0))?;
        let parent = head.map(|h| h.0);
        let seq = head.map(|h| h.1).unwrap_or(0) + 1;
        // Components inherited from (or kept from) the parent.
        let parent_manifest = match (dataset_id, parent) {
            (Some(d), Some(p)) => Some(
                Self::load_row(&tx, d, &p.to_hex())?
                    .ok_or_else(|| {
                        DatasetError::Inconsistent(format!(
                            "{name} names head {p}, which is not recorded"
                        ))
                    })?
                    .manifest,
            ),
            _ => None,
        };
        let inherit = |own: Option<BlobHash>, from: fn(&Manifest) -> Option<BlobHash>| match own {
            Some(h) => Some(h),
            None if new.inherit => parent_manifest.as_ref().and_then(from),
            None => None,
        };
        let p = match body_part {
            Some(p) => p,
            None => {
                let pm = parent_manifest.as_ref().ok_or_else(|| {
                    DatasetError::Invalid(format!(
                        "{name} has no previous version to keep the body of"
                    ))
                })?;
                let s: Structure = self.read_json(&pm.structure, Component::Structure)?;
                Prepared {
                    body: pm.body,
                    structure: pm.structure,
                    rows: s.rows,
                    columns: s.columns,
                    body_size: s.length,
                    body_written: false,
                    meta: None,
                    transform: None,
                    readme: None,
                }
            }
        };
        let p = Prepared {
            meta: inherit(own_meta, |m| m.meta),
            transform: inherit(own_transform, |m| m.transform),
            readme: inherit(own_readme, |m| m.readme),
            ..p
        };
        let commit = Commit {
            title: new.title.clone(),
            message: new.message.clone(),
            author: new.author.clone(),
            timestamp,
            parent,
        };
        let commit_hash = self.put_json(&commit)?;
        let manifest = Manifest {
            body: p.body,
            structure: p.structure,
            commit: commit_hash,
            meta: p.meta,
            transform: p.transform,
            readme: p.readme,
            provenance,
            parent,
        };
        let manifest_bytes = manifest.canonical_bytes()?;
        let (manifest_hash, _) = self.blobs.put(&manifest_bytes)?;
        let id = VersionId(manifest_hash);
        // Never commit a reference to a blob that is not there (a concurrent
        // gc holds this same lock while deleting, so this check stands).
        for (c, h) in manifest.blobs() {
            if !self.blobs.exists(&h) {
                return Err(DatasetError::MissingBlob {
                    hash: format!("{h} ({c})"),
                    path: self.blobs.path(&h),
                });
            }
        }
        if !self.blobs.exists(&manifest_hash) {
            return Err(DatasetError::MissingBlob {
                hash: format!("{manifest_hash} (manifest)"),
                path: self.blobs.path(&manifest_hash),
            });
        }
        let now = now_text();
        let record = || -> Result<()> {
            let dataset_id = match dataset_id {
                Some(d) => d,
                None => {
                    tx.execute(
                        "INSERT INTO datasets (peer, name, created_at) VALUES (?1, ?2, ?3)",
                        params![name.peer(), name.name(), now],
                    )?;
                    tx.last_insert_rowid()
                }
            };
            let hex = |h: Option<BlobHash>| h.map(|h| h.to_hex());
            tx.execute(
                "INSERT INTO versions (dataset_id, id, seq, parent, manifest, body, structure, commit_blob,
                    meta, transform, readme, provenance, title, message, author, timestamp, rows, columns,
                    body_size, saved_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
                params![
                    dataset_id,
                    id.to_hex(),
                    seq as i64,
                    parent.map(|p| p.to_hex()),
                    String::from_utf8_lossy(&manifest_bytes),
                    p.body.to_hex(),
                    p.structure.to_hex(),
                    commit_hash.to_hex(),
                    hex(p.meta),
                    hex(p.transform),
                    hex(p.readme),
                    hex(provenance),
                    commit.title,
                    commit.message,
                    commit.author,
                    timestamp.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                    p.rows as i64,
                    p.columns as i64,
                    p.body_size as i64,
                    now,
                ],
            )?;
            tx.execute(
                "INSERT INTO heads (dataset_id, version_id, seq, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (dataset_id) DO UPDATE SET version_id = excluded.version_id,
                    seq = excluded.seq, updated_at = excluded.updated_at",
                params![dataset_id, id.to_hex(), seq as i64, now],
            )?;
            if let Some(run_id) = new.provenance.as_ref().and_then(|p| p.run_id.as_ref()) {
                tx.execute(
                    "INSERT OR REPLACE INTO runs (run_id, dataset_id, version_id, recorded_at, output) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![run_id, dataset_id, id.to_hex(), now, new.run_output.as_deref().unwrap_or("")],
                )?;
            }
            Ok(())
        };
        record().map_err(|e| match e {
            DatasetError::Sqlite(s) => busy(s),
            other => other,
        })?;
        tx.commit().map_err(busy)?;
        Ok(SaveOutcome {
            id,
            seq,
            parent,
            body: p.body,
            body_written: p.body_written,
            rows: p.rows,
            body_size: p.body_size,
        })
    }

    /// Remove the latest N versions of a dataset, or all of it. Returns the
    /// new head (None when the dataset is gone). Blobs are reclaimed by
    /// [`gc`](Self::gc).
    pub fn remove<N: ToName + ?Sized>(
        &self,
        name: &N,
        which: RemoveVersions,
    ) -> Result<Option<VersionId>> {
        let name = name.to_name()?;
        let started = Instant::now();
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| {
                if is_busy(&e) {
                    DatasetError::Busy {
                        name: name.to_string(),
                        waited_ms: started.elapsed().as_millis() as u64,
                    }
                } else {
                    e.into()
                }
            })?;
        let dataset_id = Self::dataset_id(&tx, &name)?.ok_or_else(|| DatasetError::NotFound {
            name: name.to_string(),
        })?;
        let head_seq = Self::head_of(&tx, dataset_id)?.map(|h| h.1).unwrap_or(0);
        let n = match which {
            RemoveVersions::All => head_seq,
            RemoveVersions::Latest(n) => n.min(head_seq),
        };
        let new_head = if n >= head_seq {
            tx.execute("DELETE FROM runs WHERE dataset_id = ?1", [dataset_id])?;
            tx.execute("DELETE FROM heads WHERE dataset_id = ?1", [dataset_id])?;
            tx.execute("DELETE FROM versions WHERE dataset_id = ?1", [dataset_id])?;
            tx.execute("DELETE FROM datasets WHERE id = ?1", [dataset_id])?;
            None
        } else if n == 0 {
            Self::head_of(&tx, dataset_id)?.map(|h| h.0)
        } else {
            let keep = (head_seq - n) as i64;
            let id: String = tx.query_row(
                "SELECT id FROM versions WHERE dataset_id = ?1 AND seq = ?2",
                params![dataset_id, keep],
                |r| r.get(0),
            )?;
            tx.execute(
                "DELETE FROM runs WHERE dataset_id = ?1 AND version_id IN
                   (SELECT id FROM versions WHERE dataset_id = ?1 AND seq > ?2)",
                params![dataset_id, keep],
            )?;
            tx.execute(
                "DELETE FROM versions WHERE dataset_id = ?1 AND seq > ?2",
                params![dataset_id, keep],
            )?;
            tx.execute(
                "UPDATE heads SET version_id = ?2, seq = ?3, updated_at = ?4 WHERE dataset_id = ?1",
                params![dataset_id, id, keep, now_text()],
            )?;
            Some(VersionId(parse_hash(&id, "version")?))
        };
        tx.commit()?;
        Ok(new_head)
    }

    /// Delete blobs no version references, and temporary files, that are
    /// older than `grace` (so saves in progress keep theirs).
    pub fn gc(&self, grace: Duration) -> Result<GcReport> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| {
                if is_busy(&e) {
                    DatasetError::Busy {
                        name: "(gc)".into(),
                        waited_ms: self.opts.busy_timeout.as_millis() as u64,
                    }
                } else {
                    e.into()
                }
            })?;
        let mut referenced = std::collections::HashSet::new();
        {
            let mut stmt = tx.prepare(
                "SELECT id, body, structure, commit_blob, meta, transform, readme, provenance FROM versions",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                for i in 0..8 {
                    if let Some(s) = r.get::<_, Option<String>>(i)? {
                        referenced.insert(s);
                    }
                }
            }
        }
        let cutoff = std::time::SystemTime::now()
            .checked_sub(grace)
            .unwrap_or(std::time::UNIX_EPOCH);
        let old = |p: &Path| -> bool {
            std::fs::metadata(p)
                .and_then(|m| m.modified())
                .map(|t| t < cutoff)
                .unwrap_or(false)
        };
        let mut report = GcReport::default();
        let (hashes, _) = self.blobs.list()?;
        for h in hashes {
            if referenced.contains(&h.to_hex()) {
                continue;
            }
            let path = self.blobs.path(&h);
            if old(&path) {
                let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                self.blobs.remove(&h)?;
                report.blobs_removed += 1;
                report.bytes_freed += len;
            }
        }
        for t in self.blobs.temp_files()? {
            if old(&t) && std::fs::remove_file(&t).is_ok() {
                report.temp_removed += 1;
            }
        }
        tx.commit()?;
        Ok(report)
    }
}

fn check_expected(
    name: &DatasetName,
    expected: ExpectedHead,
    head: Option<VersionId>,
) -> Result<()> {
    let ok = match expected {
        ExpectedHead::Any => true,
        ExpectedHead::New => head.is_none(),
        ExpectedHead::Version(v) => head == Some(v),
    };
    if ok {
        return Ok(());
    }
    Err(DatasetError::HeadMoved {
        name: name.to_string(),
        expected: match expected {
            ExpectedHead::Version(v) => Some(v.to_hex()),
            _ => None,
        },
        actual: head.map(|h| h.to_hex()),
    })
}

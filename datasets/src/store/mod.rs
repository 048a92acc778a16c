//! The store: one directory holding `quarry.db` (SQLite, WAL) and `blobs/`.
//!
//! SQLite holds the dataset names, heads, the version log and runs. Blobs
//! are written and made durable first; then one `BEGIN IMMEDIATE`
//! transaction checks the head (compare-and-swap), writes the commit and
//! manifest blobs, and records the version. A process killed at any point
//! leaves the previous head intact and no reference to a missing blob.
//!
//! This file holds the [`Store`] handle and opens it; the rest is split by
//! job: `location` (which directory), `schema` (the SQLite schema),
//! `params` and `reports` (the public types going in and out), `rows`
//! (shared row lookups and decoding), `read`, `save`, `prune` (remove and
//! gc), `scan` (whole-store listings for fsck) and `history` (a database
//! that lost the history its blobs hold: detecting it, and rebuilding it).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::Connection;

use crate::blob::BlobStore;
use crate::error::{DatasetError, IoContext, Result};

mod history;
mod location;
mod params;
mod prune;
mod read;
mod reports;
mod rows;
mod save;
mod scan;
mod schedules;
mod schema;

pub use location::{LocationSource, StoreLocation, HOME_ENV};
pub use params::{
    BodyInput, ExpectedHead, NewVersion, RemoveVersions, StoreOptions, ToName, ToRef,
};
pub use reports::{
    DatasetSummary, GcReport, LogEntry, RebuildReport, RebuiltDataset, Resolved, RunRecord,
    SaveOutcome,
};
pub use schedules::{NewRun, RunEnd, RunEntry, RunFilter, RunStatus, ScheduleRow};

/// The SQLite file name inside the store directory.
pub const DB_FILE: &str = "quarry.db";
/// The blob directory name inside the store directory.
pub const BLOB_DIR: &str = "blobs";

/// An open store. `Send + Sync`: share one between threads, or open one per
/// thread or process; SQLite serialises writers.
pub struct Store {
    root: PathBuf,
    blobs: BlobStore,
    conn: Mutex<Connection>,
    opts: StoreOptions,
    /// Set when the metadata database lost the history the blobs hold
    /// (only a store opened with [`Store::open_for_repair`] can be in this
    /// state); every write is refused until [`Store::rebuild`].
    lost: Mutex<Option<history::Lost>>,
}

/// How a store is opened.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OpenMode {
    /// Create the directory and database when missing.
    Create,
    /// The store must exist; nothing is created.
    Existing,
    /// The store must exist, and may have lost its history (fsck, rebuild).
    Repair,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("root", &self.root).finish()
    }
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
        Self::open_mode(root.as_ref(), opts, OpenMode::Create)
    }

    /// Open the store in `root` for reading: nothing is created. A missing
    /// directory is [`DatasetError::NoStore`]; an existing directory that
    /// holds no store reads as an empty store.
    pub fn open_existing(root: impl AsRef<Path>) -> Result<Self> {
        Self::open_mode(root.as_ref(), StoreOptions::default(), OpenMode::Existing)
    }

    /// Open an existing store even when its metadata database lost the
    /// history the blobs hold ([`DatasetError::LostHistory`], which every
    /// other opener fails with): for [`fsck`](Self::fsck), which reports
    /// it, and [`rebuild`](Self::rebuild), which repairs it. Until then
    /// every write is refused.
    pub fn open_for_repair(root: impl AsRef<Path>) -> Result<Self> {
        Self::open_mode(root.as_ref(), StoreOptions::default(), OpenMode::Repair)
    }

    fn open_mode(root: &Path, opts: StoreOptions, mode: OpenMode) -> Result<Self> {
        let root = root.to_path_buf();
        let db = root.join(DB_FILE);
        let (blobs, mut conn) = match mode {
            OpenMode::Create => {
                std::fs::create_dir_all(&root)
                    .ctx(|| format!("creating store directory {}", root.display()))?;
                let blobs = BlobStore::open(root.join(BLOB_DIR))?;
                (blobs, schema::connect(&db, opts.busy_timeout)?)
            }
            _ if db.is_file() => (
                BlobStore::at(root.join(BLOB_DIR)),
                schema::connect(&db, opts.busy_timeout)?,
            ),
            _ if !root.is_dir() => return Err(DatasetError::NoStore { path: root }),
            // A deleted quarry.db beside blobs/: made again (empty) so it
            // can be reported and rebuilt.
            OpenMode::Repair if root.join(BLOB_DIR).is_dir() => (
                BlobStore::at(root.join(BLOB_DIR)),
                schema::connect(&db, opts.busy_timeout)?,
            ),
            // An existing directory without a store reads as an empty one
            // (or as one that lost its history, when blobs/ is there):
            // nothing is created.
            _ => (
                BlobStore::at(root.join(BLOB_DIR)),
                schema::connect_in_memory()?,
            ),
        };
        let lost = history::check(&conn, &blobs, &db)?;
        match lost {
            Some(l) if mode != OpenMode::Repair => return Err(l.error()),
            Some(_) => {}
            None => {
                schema::migrate(&mut conn, &db)?;
                history::ensure_tombstones(&mut conn, &blobs)?;
            }
        }
        Ok(Store {
            root,
            blobs,
            conn: Mutex::new(conn),
            opts,
            lost: Mutex::new(lost),
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

    /// [`DatasetError::LostHistory`] when the metadata database lost the
    /// history the blobs hold (see [`Store::open_for_repair`]).
    pub fn lost_history(&self) -> Option<DatasetError> {
        self.lost_state().as_ref().map(history::Lost::error)
    }

    /// The lost-history state, locked.
    fn lost_state(&self) -> MutexGuard<'_, Option<history::Lost>> {
        self.lost.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Fail with [`DatasetError::LostHistory`] unless the store's history
    /// is intact: every write checks this first.
    pub(crate) fn require_intact(&self) -> Result<()> {
        match self.lost_state().as_ref() {
            None => Ok(()),
            Some(l) => Err(l.error()),
        }
    }

    /// The metadata database connection, locked for this thread.
    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a transaction open
        // (rusqlite rolls back on drop), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// True when SQLite could not take a lock another connection holds.
fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy) | Some(rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// `e` as [`DatasetError::Busy`] (for `name`, after `waited`) when another
/// writer held the lock, otherwise as itself.
fn busy_error(e: rusqlite::Error, name: &str, waited: Duration) -> DatasetError {
    if is_busy(&e) {
        DatasetError::Busy {
            name: name.to_string(),
            waited_ms: waited.as_millis() as u64,
        }
    } else {
        e.into()
    }
}

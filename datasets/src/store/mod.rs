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
//! gc) and `scan` (whole-store listings for fsck).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::Connection;

use crate::blob::BlobStore;
use crate::error::{DatasetError, IoContext, Result};

mod location;
mod params;
mod prune;
mod read;
mod reports;
mod rows;
mod save;
mod scan;
mod schema;

pub use location::{LocationSource, StoreLocation, HOME_ENV};
pub use params::{
    BodyInput, ExpectedHead, NewVersion, RemoveVersions, StoreOptions, ToName, ToRef,
};
pub use reports::{DatasetSummary, GcReport, LogEntry, Resolved, RunRecord, SaveOutcome};

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
        let root = root.as_ref().to_path_buf();
        std::fs::create_dir_all(&root)
            .ctx(|| format!("creating store directory {}", root.display()))?;
        let blobs = BlobStore::open(root.join(BLOB_DIR))?;
        let conn = schema::open_database(&root.join(DB_FILE), opts.busy_timeout)?;
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

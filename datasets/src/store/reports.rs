//! What the store hands back: the outcome of a save ([`SaveOutcome`]), a
//! log entry ([`LogEntry`]), a dataset in the list ([`DatasetSummary`]), a
//! recorded run ([`RunRecord`]), a gc report ([`GcReport`]) and a resolved
//! reference ([`Resolved`]).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::blob::BlobHash;
use crate::model::{DatasetName, Manifest, VersionId};

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

/// One dataset in [`Store::list`](super::Store::list).
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

/// What [`Store::gc`](super::Store::gc) did.
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

//! What the store hands back: the outcome of a save ([`SaveOutcome`]), a
//! log entry ([`LogEntry`]), a dataset in the list ([`DatasetSummary`]), a
//! recorded run ([`RunRecord`]), a gc report ([`GcReport`]), a rebuild
//! report ([`RebuildReport`]) and a resolved reference ([`Resolved`]).

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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GcReport {
    /// Unreferenced blobs deleted.
    pub blobs_removed: u64,
    /// Bytes freed by them and by the temporary files.
    pub bytes_freed: u64,
    /// Stale temporary files deleted.
    pub temp_removed: u64,
}

/// What [`Store::rebuild`](super::Store::rebuild) recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RebuildReport {
    /// The datasets recorded, by name.
    pub datasets: Vec<RebuiltDataset>,
    /// Versions recorded.
    pub versions: u64,
    /// Runs recorded (from provenance).
    pub runs: u64,
    /// Manifests left out because `remove` dropped them.
    pub removed: u64,
    /// Manifests left out for another reason, one line each
    /// (`<id prefix>: why`).
    pub skipped: Vec<String>,
}

/// One dataset [`Store::rebuild`](super::Store::rebuild) recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RebuiltDataset {
    /// Its name.
    pub name: DatasetName,
    /// Its head.
    pub head: VersionId,
    /// How many versions it has.
    pub versions: u64,
    /// Where the name came from: `commit`, `database` (rows that
    /// survived), `provenance` (another version read it) or `generated`.
    pub named_from: String,
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

//! The one error type of the crate, [`DatasetError`].
//!
//! Every variant prints as one line a CLI can show as is.

use std::path::PathBuf;

/// The result type used throughout the crate.
pub type Result<T, E = DatasetError> = std::result::Result<T, E>;

/// Everything that can go wrong in the dataset store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DatasetError {
    /// No dataset by that name exists in the store.
    #[error("dataset not found: {name}")]
    NotFound {
        /// The `peer/name` that was looked up.
        name: String,
    },

    /// The dataset exists but the requested version does not.
    #[error("version not found: {reference}: {reason}")]
    VersionNotFound {
        /// The reference as written (`peer/name@...`).
        reference: String,
        /// Why it did not resolve.
        reason: String,
    },

    /// A version-id prefix matches more than one version of the dataset.
    #[error("ambiguous version prefix '{prefix}' in {name}: matches {} versions ({}); use more characters", .matches.len(), .matches.join(", "))]
    AmbiguousPrefix {
        /// The dataset name.
        name: String,
        /// The prefix that was given.
        prefix: String,
        /// The ids it matches.
        matches: Vec<String>,
    },

    /// Another writer held the dataset for longer than the busy timeout.
    #[error(
        "dataset {name} is busy: another save is in progress (waited {waited_ms} ms); try again"
    )]
    Busy {
        /// The dataset name.
        name: String,
        /// How long this writer waited.
        waited_ms: u64,
    },

    /// A compare-and-swap save found a different head than expected.
    #[error("dataset {name} is busy: its head moved from {} to {} while saving; reload and retry", .expected.as_deref().unwrap_or("(none)"), .actual.as_deref().unwrap_or("(none)"))]
    HeadMoved {
        /// The dataset name.
        name: String,
        /// The head the caller expected (None: a new dataset).
        expected: Option<String>,
        /// The head found in the store.
        actual: Option<String>,
    },

    /// A blob's content does not hash to its name.
    #[error("corrupt blob {hash} at {}: its content hashes to {actual}", .path.display())]
    CorruptBlob {
        /// The expected BLAKE3 hash (the blob's name).
        hash: String,
        /// Where the blob lives.
        path: PathBuf,
        /// The hash of what is actually stored.
        actual: String,
    },

    /// A referenced blob is not in the store.
    #[error("missing blob {hash}: expected at {}", .path.display())]
    MissingBlob {
        /// The BLAKE3 hash.
        hash: String,
        /// Where it should be.
        path: PathBuf,
    },

    /// A dataset name is malformed.
    #[error("invalid dataset name '{name}': {reason}")]
    BadName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A dataset reference (`peer/name@...`) is malformed.
    #[error("invalid reference '{reference}': {reason}")]
    BadRef {
        /// The reference as given.
        reference: String,
        /// What is wrong with it.
        reason: String,
    },

    /// Malformed input while importing a body.
    #[error("cannot import {format} body: {}{}: {msg}", import_location(*.record, *.line), .column.as_ref().map(|c| format!(", column {c}")).unwrap_or_default())]
    Import {
        /// `csv`, `json`, `ndjson` or `parquet`.
        format: String,
        /// The 1-based data record (row) at fault, when known (0 if unknown).
        record: u64,
        /// The 1-based text line at fault, when known.
        line: Option<u64>,
        /// The column at fault, by name when known.
        column: Option<String>,
        /// What was wrong.
        msg: String,
    },

    /// Input that is well formed but not acceptable (bad options, schema mismatch...).
    #[error("invalid input: {0}")]
    Invalid(String),

    /// A diff could not be computed as asked (bad or duplicate key).
    #[error("cannot diff: {0}")]
    Diff(String),

    /// A file system operation failed.
    #[error("i/o error {context}: {source}")]
    Io {
        /// What was being done, with the path.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// The SQLite metadata database failed.
    #[error("metadata database error: {0}")]
    Sqlite(#[from] rusqlite::Error),

    /// Parquet encoding or decoding failed.
    #[error("parquet error: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),

    /// An Arrow operation failed.
    #[error("arrow error: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),

    /// A JSON component could not be encoded or decoded.
    #[error("json error: {0}")]
    Json(#[from] serde_json::Error),

    /// The store's on-disk state contradicts itself (found by a read, fix with fsck).
    #[error("store inconsistency: {0}")]
    Inconsistent(String),

    /// A store opened for reading does not exist (nothing was created).
    #[error("no store at {}", .path.display())]
    NoStore {
        /// The directory that holds no `quarry.db`.
        path: PathBuf,
    },

    /// The metadata database lost the history the blobs still hold.
    #[error("the metadata database {} has lost its history: {reason}, but blobs/ holds the manifests of {manifests} versions; nothing is written until it is rebuilt: run `quarry fsck --rebuild`", .db.display())]
    LostHistory {
        /// The database file.
        db: PathBuf,
        /// What is missing (no versions table, an empty one).
        reason: String,
        /// How many manifests blobs/ holds that the database does not record.
        manifests: usize,
    },
}

fn import_location(record: u64, line: Option<u64>) -> String {
    tabular::position(record, line)
}

impl From<tabular::CsvError> for DatasetError {
    /// A CSV reader's error: malformed input becomes [`DatasetError::Import`]
    /// (format `csv`) with its record, line and column.
    fn from(e: tabular::CsvError) -> Self {
        use tabular::CsvError;
        match e {
            CsvError::Parse {
                record,
                line,
                column,
                msg,
                ..
            } => DatasetError::Import {
                format: "csv".into(),
                record,
                line,
                column: column.map(|c| c.to_string()),
                msg,
            },
            CsvError::Io { context, source } => DatasetError::Io { context, source },
            CsvError::Arrow(e) => DatasetError::Arrow(e),
            CsvError::Panicked => DatasetError::Invalid("csv reader thread panicked".into()),
            other => DatasetError::Invalid(other.to_string()),
        }
    }
}

impl DatasetError {
    /// Wrap an I/O error with a description of what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        DatasetError::Io {
            context: context.into(),
            source,
        }
    }

    /// True for the two "someone else is writing" errors: [`DatasetError::Busy`]
    /// and [`DatasetError::HeadMoved`].
    pub fn is_busy(&self) -> bool {
        matches!(
            self,
            DatasetError::Busy { .. } | DatasetError::HeadMoved { .. }
        )
    }
}

/// Attach a context to an `io::Result`.
pub(crate) trait IoContext<T> {
    fn ctx(self, f: impl FnOnce() -> String) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn ctx(self, f: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| DatasetError::io(f(), e))
    }
}

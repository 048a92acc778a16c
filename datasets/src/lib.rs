//! # datasets: Quarry's versioned, content-addressed dataset store
//!
//! Every successful transform run becomes a new version of a dataset. A
//! version is a set of components — `body` (an Arrow table, stored as
//! Parquet with zstd), `structure`, `meta`, `commit`, `transform`, `readme`
//! and `provenance` — each a blob named by its BLAKE3 hash. The version's id
//! is the hash of its canonical manifest (the component hashes and the
//! parent id), so the same content gets the same id and an unchanged body is
//! stored once.
//!
//! ## Layout
//!
//! ```text
//! $ROOT/quarry.db        SQLite (WAL): datasets, versions, heads, runs
//! $ROOT/blobs/ab/cdef..  blobs by BLAKE3 hex: bodies (.parquet), components (canonical JSON)
//! $ROOT/blobs/tmp/       blobs being written
//! ```
//!
//! The location is `--repo`, then `$QUARRY_HOME`, then the platform data
//! directory: see [`StoreLocation::resolve`].
//!
//! ## Operations
//!
//! ```no_run
//! use datasets::{Store, NewVersion, BodyInput, Format, ImportOptions, DiffOptions, RemoveVersions};
//! # fn main() -> datasets::Result<()> {
//! let store = Store::open("/tmp/quarry-store")?;
//! let v = store.save("me/trees", NewVersion::new(BodyInput::File {
//!     path: "trees.csv".into(), format: Format::Csv, options: ImportOptions::default(),
//! }, "first import"))?;
//! let body = store.body("me/trees")?;                       // head
//! let older = store.get("me/trees@~1");                      // one back
//! let same = store.get(&format!("me/trees@{}", v.id.short(8)))?; // by id prefix
//! let log = store.log("me/trees")?;
//! let d = store.diff("me/trees@~1", "me/trees", &DiffOptions { key: vec!["id".into()], sample: 5 });
//! store.export_body("me/trees", Format::Ndjson, std::io::stdout())?;
//! let report = store.fsck()?;
//! store.remove("me/trees", RemoveVersions::Latest(1))?;
//! # Ok(()) }
//! ```
//!
//! ## Safety
//!
//! Blobs are written to a temporary file, fsynced and renamed before the
//! metadata transaction that references them; that transaction checks the
//! head (compare-and-swap, [`ExpectedHead`]) under SQLite's write lock. A
//! save killed at any point leaves the previous head intact. A blob is
//! re-hashed on every read; a mismatch is [`DatasetError::CorruptBlob`].

#![warn(missing_docs)]

pub mod blob;
pub mod body;
pub mod diff;
pub mod error;
pub mod fsck;
pub mod model;
pub mod refs;
pub mod store;

pub use blob::{BlobHash, BlobStore};
pub use body::{import_file, import_reader, read_parquet, write_body, Format, ImportOptions};
pub use diff::{
    diff_bodies, diff_meta, diff_structure, BodyDiff, BodyDiffMode, ChangedRow, Diff, DiffOptions,
    FieldChange, Retyped, StructureDiff,
};
pub use error::{DatasetError, Result};
pub use fsck::{FsckReport, Problem};
pub use model::{
    to_canonical_json, Body, Column, Commit, Component, DatasetName, InputVersion, Manifest, Meta,
    Provenance, Structure, Transform, Version, VersionId,
};
pub use refs::{DatasetRef, VersionSpec};
pub use store::{
    BodyInput, DatasetSummary, ExpectedHead, GcReport, LocationSource, LogEntry, NewVersion,
    RemoveVersions, Resolved, RunRecord, SaveOutcome, Store, StoreLocation, StoreOptions, ToName,
    ToRef,
};
pub use store::{NewRun, RunEnd, RunEntry, RunFilter, RunStatus, ScheduleRow};
pub use store::{RebuildReport, RebuiltDataset};

//! The save path: write a new version's blobs outside any lock, then check
//! the head (compare-and-swap), write the commit and manifest blobs and
//! record the version, all in one `BEGIN IMMEDIATE` transaction.

use std::path::Path;
use std::time::Instant;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, TransactionBehavior};
use serde::Serialize;

use super::rows::{self, now_text, NewRow};
use super::{busy_error, BodyInput, ExpectedHead, NewVersion, SaveOutcome, Store, ToName};
use crate::blob::{BlobHash, BlobWritten};
use crate::body::{self, Format, ImportOptions, ParquetBlobWriter};
use crate::error::{DatasetError, Result};
use crate::model::{
    to_canonical_json, Commit, Component, DatasetName, Manifest, Structure, VersionId,
};

/// A version's body blob and its structure, written for a save or kept
/// from the parent.
#[derive(Clone)]
struct PreparedBody {
    body: BlobHash,
    structure: BlobHash,
    rows: u64,
    columns: u64,
    body_size: u64,
    body_written: bool,
}

/// The components a version may inherit from its parent.
#[derive(Clone, Copy, Default)]
struct Inheritable {
    meta: Option<BlobHash>,
    transform: Option<BlobHash>,
    readme: Option<BlobHash>,
}

impl Inheritable {
    /// These components, each one not given taken from `parent` when
    /// `inherit` is set.
    fn or_inherited(self, inherit: bool, parent: Option<&Manifest>) -> Self {
        let pick = |own: Option<BlobHash>, from: fn(&Manifest) -> Option<BlobHash>| match own {
            Some(h) => Some(h),
            None if inherit => parent.and_then(from),
            None => None,
        };
        Inheritable {
            meta: pick(self.meta, |m| m.meta),
            transform: pick(self.transform, |m| m.transform),
            readme: pick(self.readme, |m| m.readme),
        }
    }
}

/// The dataset's state as the save transaction found it.
struct HeadState {
    /// The dataset.
    name: DatasetName,
    /// Its row id (None: the save creates it).
    dataset_id: Option<i64>,
    /// The head, which becomes the new version's parent.
    parent: Option<VersionId>,
    /// The parent's manifest.
    parent_manifest: Option<Manifest>,
    /// The new version's position.
    seq: u64,
}

/// The commit and manifest of a new version, written as blobs.
struct BuiltVersion {
    commit: Commit,
    manifest: Manifest,
    manifest_bytes: Vec<u8>,
    id: VersionId,
}

impl Store {
    /// Save a new version of `name`. See [`NewVersion`] and [`ExpectedHead`]
    /// for what is written and when the save gives way to another writer.
    pub fn save<N: ToName + ?Sized>(&self, name: &N, new: NewVersion) -> Result<SaveOutcome> {
        let name = name.to_name()?;
        self.require_intact()?;
        if let Some(m) = &new.meta {
            m.validate()?;
        }
        if new.title.trim().is_empty() {
            return Err(DatasetError::Invalid("a commit title is required".into()));
        }
        let timestamp = new.timestamp.unwrap_or_else(Utc::now);
        // Everything that does not depend on the parent is written first,
        // outside any lock.
        let body = self.prepare_body(&new.body)?;
        let (own, provenance) = self.write_given_components(&new)?;
        self.commit_version(&name, &new, timestamp, body, own, provenance)
    }

    /// Write a component as a canonical JSON blob.
    fn put_json<T: Serialize>(&self, value: &T) -> Result<BlobHash> {
        let bytes = to_canonical_json(value)?;
        Ok(self.blobs.put(&bytes)?.0)
    }

    /// Write the body blob (and its structure) for a save; None when the
    /// body is the parent's.
    fn prepare_body(&self, input: &BodyInput) -> Result<Option<PreparedBody>> {
        let (written, rows, schema) = match input {
            BodyInput::Parent => return Ok(None),
            BodyInput::Arrow(b) => body::store_body(&self.blobs, b)?,
            BodyInput::File {
                path,
                format,
                options,
            } => match format {
                Format::Csv => self.save_csv_file(path, options)?,
                _ => {
                    let b = body::import_file(path, *format, options)?;
                    refuse_empty_file(&b.schema)?;
                    body::store_body(&self.blobs, &b)?
                }
            },
        };
        let structure = Structure::describe(&schema, rows, written.len);
        let shash = self.put_json(&structure)?;
        Ok(Some(PreparedBody {
            body: written.hash,
            structure: shash,
            rows,
            columns: structure.columns,
            body_size: written.len,
            body_written: written.written,
        }))
    }

    /// Parse a CSV file on one thread while encoding Parquet on this one.
    fn save_csv_file(
        &self,
        path: &Path,
        options: &ImportOptions,
    ) -> Result<(BlobWritten, u64, arrow_schema::SchemaRef)> {
        let job = tabular::FileJob::spawn(path, &options.csv())?;
        refuse_empty_file(job.schema())?;
        let mut writer = ParquetBlobWriter::new(&self.blobs, job.schema().clone())?;
        let mut failed = None;
        for batch in job.batches() {
            match batch
                .map_err(DatasetError::from)
                .and_then(|b| writer.write(&b))
            {
                Ok(()) => {}
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        let finished = job.finish();
        if let Some(e) = failed {
            return Err(e);
        }
        match finished? {
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

    /// Write the components the caller gave (meta, transform, readme, then
    /// provenance, which is never inherited).
    fn write_given_components(&self, new: &NewVersion) -> Result<(Inheritable, Option<BlobHash>)> {
        let meta = new.meta.as_ref().map(|m| self.put_json(m)).transpose()?;
        let transform = new
            .transform
            .as_ref()
            .map(|t| self.put_json(t))
            .transpose()?;
        let readme = new
            .readme
            .as_ref()
            .map(|r| self.blobs.put(r.as_bytes()).map(|(h, _)| h))
            .transpose()?;
        let provenance = new
            .provenance
            .as_ref()
            .map(|p| self.put_json(p))
            .transpose()?;
        let own = Inheritable {
            meta,
            transform,
            readme,
        };
        Ok((own, provenance))
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
        body: Option<PreparedBody>,
        own: Inheritable,
        provenance: Option<BlobHash>,
    ) -> Result<SaveOutcome> {
        let started = Instant::now();
        let busy = |e: rusqlite::Error| busy_error(e, &name.to_string(), started.elapsed());
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(busy)?;
        let head = check_head(&tx, name, new.expected_head)?;
        let body = match body {
            Some(b) => b,
            None => self.parent_body(name, head.parent_manifest.as_ref())?,
        };
        let components = own.or_inherited(new.inherit, head.parent_manifest.as_ref());
        let built = self.write_manifest(new, timestamp, &head, &body, components, provenance)?;
        self.check_blobs_present(&built)?;
        record_version(&tx, name, new, &head, &body, &built).map_err(|e| match e {
            DatasetError::Sqlite(s) => busy(s),
            other => other,
        })?;
        tx.commit().map_err(busy)?;
        Ok(SaveOutcome {
            id: built.id,
            seq: head.seq,
            parent: head.parent,
            body: body.body,
            body_written: body.body_written,
            rows: body.rows,
            body_size: body.body_size,
        })
    }

    /// The parent's body and structure, for a save that keeps the body.
    /// The body blob is re-hashed: a new version never takes on a damaged
    /// body ([`DatasetError::CorruptBlob`] instead).
    fn parent_body(&self, name: &DatasetName, parent: Option<&Manifest>) -> Result<PreparedBody> {
        let pm = parent.ok_or_else(|| {
            DatasetError::Invalid(format!(
                "{name} has no previous version to keep the body of"
            ))
        })?;
        let s: Structure = self.read_json(&pm.structure, Component::Structure)?;
        self.blobs.verify(&pm.body)?;
        Ok(PreparedBody {
            body: pm.body,
            structure: pm.structure,
            rows: s.rows,
            columns: s.columns,
            body_size: s.length,
            body_written: false,
        })
    }

    /// Write the commit blob and the manifest blob, whose hash is the new
    /// version's id.
    fn write_manifest(
        &self,
        new: &NewVersion,
        timestamp: DateTime<Utc>,
        head: &HeadState,
        body: &PreparedBody,
        components: Inheritable,
        provenance: Option<BlobHash>,
    ) -> Result<BuiltVersion> {
        let commit = Commit {
            title: new.title.clone(),
            message: new.message.clone(),
            author: new.author.clone(),
            timestamp,
            parent: head.parent,
            dataset: Some(head.name.clone()),
        };
        let commit_hash = self.put_json(&commit)?;
        let manifest = Manifest {
            body: body.body,
            structure: body.structure,
            commit: commit_hash,
            meta: components.meta,
            transform: components.transform,
            readme: components.readme,
            provenance,
            parent: head.parent,
        };
        let manifest_bytes = manifest.canonical_bytes()?;
        let (manifest_hash, _) = self.blobs.put(&manifest_bytes)?;
        Ok(BuiltVersion {
            commit,
            manifest,
            manifest_bytes,
            id: VersionId(manifest_hash),
        })
    }

    /// Fail with [`DatasetError::MissingBlob`] unless every blob the new
    /// version references, and its manifest, is in the store. (A concurrent
    /// gc holds the same write lock while deleting, so this check stands
    /// until the transaction commits.)
    fn check_blobs_present(&self, built: &BuiltVersion) -> Result<()> {
        for (c, h) in built.manifest.blobs() {
            self.require_blob(&h, c)?;
        }
        self.require_blob(&built.id.0, "manifest")
    }

    /// [`DatasetError::MissingBlob`] (naming it `what`) unless blob `h` exists.
    fn require_blob(&self, h: &BlobHash, what: impl std::fmt::Display) -> Result<()> {
        if self.blobs.exists(h) {
            return Ok(());
        }
        Err(DatasetError::MissingBlob {
            hash: format!("{h} ({what})"),
            path: self.blobs.path(h),
        })
    }
}

/// Read the dataset's head in the save transaction and check it against
/// `expected` (the compare-and-swap), then load the parent's manifest.
fn check_head(conn: &Connection, name: &DatasetName, expected: ExpectedHead) -> Result<HeadState> {
    let dataset_id = rows::dataset_id(conn, name)?;
    let head = match dataset_id {
        Some(id) => rows::head_of(conn, id)?,
        None => None,
    };
    check_expected(name, expected, head.map(|h| h.0))?;
    let parent = head.map(|h| h.0);
    let parent_manifest = match (dataset_id, parent) {
        (Some(d), Some(p)) => Some(
            rows::load_row(conn, d, &p.to_hex())?
                .ok_or_else(|| {
                    DatasetError::Inconsistent(format!(
                        "{name} names head {p}, which is not recorded"
                    ))
                })?
                .manifest,
        ),
        _ => None,
    };
    Ok(HeadState {
        name: name.clone(),
        dataset_id,
        parent,
        parent_manifest,
        seq: head.map_or(1, |h| h.1.saturating_add(1)),
    })
}

/// [`DatasetError::HeadMoved`] unless the head is what the save expects.
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

/// Record the new version in the save transaction: the dataset (when new),
/// the version row, the head, and the run when the provenance names one.
fn record_version(
    conn: &Connection,
    name: &DatasetName,
    new: &NewVersion,
    head: &HeadState,
    body: &PreparedBody,
    built: &BuiltVersion,
) -> Result<()> {
    let now = now_text();
    let dataset_id = match head.dataset_id {
        Some(d) => d,
        None => rows::insert_dataset(conn, name, &now)?,
    };
    let manifest_json = String::from_utf8_lossy(&built.manifest_bytes);
    rows::insert_version(
        conn,
        &NewRow {
            dataset_id,
            id: built.id,
            seq: head.seq,
            manifest: &built.manifest,
            manifest_json: &manifest_json,
            commit: &built.commit,
            rows: body.rows,
            columns: body.columns,
            body_size: body.body_size,
            saved_at: &now,
        },
    )?;
    rows::set_head(conn, dataset_id, &built.id, head.seq, &now)?;
    if let Some(run_id) = new.provenance.as_ref().and_then(|p| p.run_id.as_ref()) {
        let output = new.run_output.as_deref().unwrap_or("");
        rows::record_run(conn, run_id, dataset_id, &built.id, &now, output)?;
    }
    Ok(())
}

/// An imported file with no columns is almost certainly empty by mistake;
/// a transform may still make a body of meta alone.
fn refuse_empty_file(schema: &arrow_schema::Schema) -> Result<()> {
    if schema.fields().is_empty() {
        return Err(DatasetError::Invalid(
            "a body needs at least one column (was the input empty?)".into(),
        ));
    }
    Ok(())
}

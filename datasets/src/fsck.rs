//! `fsck`: check every blob's hash and every reference in the store.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::PathBuf;

use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
use serde::Serialize;

use crate::blob::BlobHash;
use crate::error::{DatasetError, Result};
use crate::model::{Commit, Component, Manifest, Meta, Provenance, Structure, Transform};
use crate::store::Store;

/// One thing fsck found wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    /// A blob whose content does not hash to its name.
    CorruptBlob {
        /// Its name.
        hash: String,
        /// Its path.
        path: PathBuf,
        /// What it hashes to.
        actual: String,
    },
    /// A blob a version references that is not in the store.
    MissingBlob {
        /// Its name.
        hash: String,
        /// Where it should be.
        path: PathBuf,
        /// `peer/name@id component`.
        referenced_by: String,
    },
    /// A version whose manifest or components do not agree with its record.
    BadVersion {
        /// `peer/name@id`.
        version: String,
        /// What is wrong.
        reason: String,
    },
    /// A head or history that is inconsistent.
    BadHistory {
        /// `peer/name`.
        dataset: String,
        /// What is wrong.
        reason: String,
    },
    /// A run pointing at a version that does not exist.
    DanglingRun {
        /// The run id.
        run_id: String,
        /// `peer/name@id`.
        version: String,
    },
    /// SQLite's own integrity check failed.
    Database {
        /// Its message.
        message: String,
    },
    /// The metadata database lost history the blobs hold (emptied,
    /// replaced, or versions missing from it): `quarry fsck --rebuild`.
    LostHistory {
        /// What was found.
        message: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::CorruptBlob { hash, path, actual } => {
                write!(
                    f,
                    "corrupt blob {hash} at {}: content hashes to {actual}",
                    path.display()
                )
            }
            Problem::MissingBlob {
                hash,
                path,
                referenced_by,
            } => write!(
                f,
                "missing blob {hash} ({referenced_by}): expected at {}",
                path.display()
            ),
            Problem::BadVersion { version, reason } => write!(f, "bad version {version}: {reason}"),
            Problem::BadHistory { dataset, reason } => {
                write!(f, "bad history of {dataset}: {reason}")
            }
            Problem::DanglingRun { run_id, version } => {
                write!(f, "run {run_id} points at {version}, which does not exist")
            }
            Problem::Database { message } => write!(f, "metadata database: {message}"),
            Problem::LostHistory { message } => f.write_str(message),
        }
    }
}

/// What fsck checked and found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FsckReport {
    /// Blob files re-hashed.
    pub blobs_checked: u64,
    /// Their total size.
    pub bytes_checked: u64,
    /// Versions checked.
    pub versions_checked: u64,
    /// Datasets checked.
    pub datasets_checked: u64,
    /// Everything wrong, one line each.
    pub problems: Vec<Problem>,
    /// Blobs no version references (harmless; reclaimed by gc).
    pub unreferenced_blobs: Vec<String>,
    /// Leftover temporary files of interrupted saves (harmless; reclaimed by gc).
    pub temp_files: Vec<PathBuf>,
    /// Manifests of saves interrupted before they were recorded (a first
    /// version, or the child of a recorded or removed one; harmless,
    /// reclaimed by gc). Unrecorded manifests whose parent is unrecorded
    /// too are history the database lost: a [`Problem::LostHistory`].
    pub unrecorded_versions: Vec<String>,
    /// Files in the blob directory that are not blobs.
    pub stray_files: Vec<PathBuf>,
}

impl FsckReport {
    /// True when there are no problems (unreferenced blobs and temporary
    /// files are not problems).
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

impl Store {
    /// Check the whole store: SQLite integrity, every blob's hash, every
    /// version's manifest and components, parents, heads and runs.
    pub fn fsck(&self) -> Result<FsckReport> {
        let mut report = FsckReport::default();
        let lost = self.lost_history();
        if let Some(e) = &lost {
            report.problems.push(Problem::LostHistory {
                message: e.to_string(),
            });
        }
        let integrity = self.sqlite_integrity()?;
        if integrity != ["ok"] {
            for message in integrity {
                report.problems.push(Problem::Database { message });
            }
        }
        // 1. Every blob's hash.
        let (hashes, strays) = self.blobs().list()?;
        report.stray_files = strays;
        report.temp_files = self.blobs().temp_files()?;
        let mut good: HashSet<BlobHash> = HashSet::new();
        for h in &hashes {
            report.blobs_checked += 1;
            match self.blobs().verify(h) {
                Ok(len) => {
                    report.bytes_checked += len;
                    good.insert(*h);
                }
                Err(DatasetError::CorruptBlob { hash, path, actual }) => report
                    .problems
                    .push(Problem::CorruptBlob { hash, path, actual }),
                Err(DatasetError::MissingBlob { .. }) => {} // removed while we looked
                Err(e) => return Err(e),
            }
        }
        if lost.is_some() {
            // Nothing in the database to check the blobs against.
            return Ok(report);
        }
        let present: HashSet<BlobHash> = hashes.iter().copied().collect();
        // 2. Every version.
        let rows = self.all_version_rows()?;
        let mut referenced: HashSet<BlobHash> = HashSet::new();
        let mut ids_by_dataset: HashMap<(String, String), i64> = HashMap::new();
        for (name, row) in &rows {
            ids_by_dataset.insert((name.to_string(), row.id.clone()), row.seq);
        }
        for (name, row) in &rows {
            report.versions_checked += 1;
            let label = format!("{name}@{}", row.id.chars().take(12).collect::<String>());
            let mut reasons: Vec<String> = Vec::new();
            let m = &row.manifest;
            // The id is the hash of the manifest, stored as a blob.
            match m.canonical_bytes() {
                Ok(bytes) => {
                    if bytes != row.manifest_json.as_bytes() {
                        reasons.push(
                            "its recorded manifest does not match its component columns".into(),
                        );
                    }
                    if BlobHash::of(&bytes).to_hex() != row.id {
                        reasons.push(format!(
                            "its id is not the hash of its manifest ({})",
                            BlobHash::of(&bytes)
                        ));
                    }
                }
                Err(e) => reasons.push(format!("its manifest cannot be encoded: {e}")),
            }
            if let Ok(id) = row.id.parse::<BlobHash>() {
                referenced.insert(id);
                if !present.contains(&id) {
                    report.problems.push(Problem::MissingBlob {
                        hash: row.id.clone(),
                        path: self.blobs().path(&id),
                        referenced_by: format!("{label} manifest"),
                    });
                } else if good.contains(&id) {
                    if let Ok(bytes) = self.blobs().read(&id) {
                        match serde_json::from_slice::<Manifest>(&bytes) {
                            Ok(stored) if stored == *m => {}
                            Ok(_) => {
                                reasons.push("its manifest blob differs from its record".into())
                            }
                            Err(e) => {
                                reasons.push(format!("its manifest blob is not a manifest: {e}"))
                            }
                        }
                    }
                }
            } else {
                reasons.push("its id is not a hash".into());
            }
            for (c, h) in m.blobs() {
                referenced.insert(h);
                if !present.contains(&h) {
                    report.problems.push(Problem::MissingBlob {
                        hash: h.to_hex(),
                        path: self.blobs().path(&h),
                        referenced_by: format!("{label} {c}"),
                    });
                    continue;
                }
                if !good.contains(&h) {
                    continue; // already reported as corrupt
                }
                let Ok(bytes) = self.blobs().read(&h) else {
                    continue;
                };
                let parsed: std::result::Result<(), String> = match c {
                    Component::Structure => serde_json::from_slice::<Structure>(&bytes)
                        .map(|_| ())
                        .map_err(|e| e.to_string()),
                    Component::Meta => serde_json::from_slice::<Meta>(&bytes)
                        .map(|_| ())
                        .map_err(|e| e.to_string()),
                    Component::Transform => serde_json::from_slice::<Transform>(&bytes)
                        .map(|_| ())
                        .map_err(|e| e.to_string()),
                    Component::Provenance => serde_json::from_slice::<Provenance>(&bytes)
                        .map(|_| ())
                        .map_err(|e| e.to_string()),
                    Component::Readme => std::str::from_utf8(&bytes)
                        .map(|_| ())
                        .map_err(|e| e.to_string()),
                    Component::Commit => match serde_json::from_slice::<Commit>(&bytes) {
                        Ok(commit) if commit.parent != m.parent => {
                            Err("the commit's parent differs from the manifest's".into())
                        }
                        Ok(Commit {
                            dataset: Some(d), ..
                        }) if d != *name => Err(format!("the commit names dataset {d}")),
                        Ok(_) => Ok(()),
                        Err(e) => Err(e.to_string()),
                    },
                    Component::Body => {
                        match ArrowReaderMetadata::load(&bytes, ArrowReaderOptions::new()) {
                            Ok(pm) => {
                                let n = pm.metadata().file_metadata().num_rows();
                                let expected = self
                                    .blobs()
                                    .read(&m.structure)
                                    .ok()
                                    .and_then(|s| serde_json::from_slice::<Structure>(&s).ok())
                                    .map(|s| s.rows as i64);
                                match expected {
                                    Some(e) if e != n => Err(format!(
                                        "the body has {n} rows, the structure says {e}"
                                    )),
                                    _ => Ok(()),
                                }
                            }
                            Err(e) => Err(format!("not readable Parquet: {e}")),
                        }
                    }
                };
                if let Err(e) = parsed {
                    reasons.push(format!("its {c} blob {h} is invalid: {e}"));
                }
            }
            // The parent is the previous version of the same dataset.
            match (&row.parent, row.seq) {
                (None, 1) => {}
                (None, s) => reasons.push(format!("it is version {s} but has no parent")),
                (Some(p), s) => match ids_by_dataset.get(&(name.to_string(), p.clone())) {
                    Some(ps) if ps.checked_add(1) == Some(s) => {}
                    Some(ps) => reasons.push(format!(
                        "its parent is version {ps}, expected {}",
                        s.saturating_sub(1)
                    )),
                    None => reasons.push(format!("its parent {p} is not a version of {name}")),
                },
            }
            report
                .problems
                .extend(reasons.into_iter().map(|reason| Problem::BadVersion {
                    version: label.clone(),
                    reason,
                }));
        }
        // 3. Heads.
        for h in self.all_heads()? {
            let (name, head, seq, max, count) = (h.name, h.head, h.seq, h.max_seq, h.count);
            report.datasets_checked += 1;
            let mut bad = |reason: String| {
                report.problems.push(Problem::BadHistory {
                    dataset: name.to_string(),
                    reason,
                })
            };
            if seq < 0 {
                bad("it has no head".into());
                continue;
            }
            match ids_by_dataset.get(&(name.to_string(), head.clone())) {
                Some(s) if *s == seq => {}
                Some(s) => bad(format!(
                    "its head is recorded at position {seq} but is version {s}"
                )),
                None => bad(format!("its head {head} is not one of its versions")),
            }
            if max != Some(seq) {
                bad(format!(
                    "its head is at {seq} but it has versions up to {}",
                    max.unwrap_or(0)
                ));
            }
            if count != seq {
                bad(format!(
                    "it has {count} versions but its head is at position {seq}"
                ));
            }
        }
        // 4. Runs.
        for (run_id, dataset, version, exists) in self.all_runs()? {
            if !exists {
                report.problems.push(Problem::DanglingRun {
                    run_id,
                    version: format!("{dataset}@{version}"),
                });
            }
        }
        // 5. Manifests the database does not record.
        let (lost_ids, interrupted) = self.unrecorded_manifests()?;
        if !lost_ids.is_empty() {
            let first: Vec<String> = lost_ids.iter().take(3).map(|id| id.short(12)).collect();
            report.problems.push(Problem::LostHistory {
                message: format!(
                    "the metadata database lost {} versions whose manifests are in blobs/ ({}{}): \
                     neither they nor their parents are recorded; run `quarry fsck --rebuild`",
                    lost_ids.len(),
                    first.join(", "),
                    if lost_ids.len() > 3 { ", ..." } else { "" }
                ),
            });
        }
        report.unrecorded_versions = interrupted.iter().map(|id| id.to_hex()).collect();
        report.unreferenced_blobs = hashes
            .iter()
            .filter(|h| !referenced.contains(h))
            .map(|h| h.to_hex())
            .collect();
        Ok(report)
    }
}

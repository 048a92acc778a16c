//! The JSON every command prints under `--json`, in one place.
//!
//! Each command's output is one of these types (or a library type named
//! here), so scripts can rely on the field names:
//!
//! | command | JSON |
//! | --- | --- |
//! | `apply`, `save --dry-run` | [`ApplyReport`] |
//! | `save` | [`SaveReport`] |
//! | `get REF` | [`VersionReport`] (a component: that component's stored JSON) |
//! | `export` | [`ExportReport`] |
//! | `log` | a list of [`LogReportEntry`] |
//! | `diff` | [`datasets::Diff`] |
//! | `list` | a list of [`datasets::DatasetSummary`] |
//! | `fsck` | [`datasets::FsckReport`] |
//! | `lock` | a list of [`LockReportEntry`] |
//! | `remove` | [`RemoveReport`] |

use datasets::{
    Commit, DatasetName, InputVersion, LogEntry, Meta, Provenance, RunRecord, Structure, Transform,
    Version, VersionId,
};
use serde::Serialize;
use std::path::PathBuf;
use transforms::preview::Preview;
use transforms::{Candidate, Committed};

/// A dry run: what the transform printed and the preview of its result.
#[derive(Debug, Serialize)]
pub struct ApplyReport {
    /// The dataset, when one was named.
    pub dataset: Option<String>,
    /// The starlib release that ran (`null` for a body import).
    pub starlib: Option<String>,
    /// Whether the script defined `transform`.
    pub had_transform: bool,
    /// What the run printed, one line per `print`.
    pub output: String,
    /// The commit title the script set.
    pub title: Option<String>,
    /// The commit message the script set.
    pub message: Option<String>,
    /// Versions of other datasets the run read.
    pub inputs: Vec<InputVersion>,
    /// Schema, first rows and diff summary.
    pub preview: Preview,
    /// Always false: a dry run commits nothing.
    pub committed: bool,
}

impl ApplyReport {
    /// The report of a dry run of `candidate`.
    pub fn new(dataset: Option<&str>, candidate: &Candidate, preview: Preview) -> ApplyReport {
        let outcome = candidate.outcome();
        ApplyReport {
            dataset: dataset.map(str::to_string),
            starlib: outcome.map(|o| o.starlib_version.clone()),
            had_transform: outcome.is_some_and(|o| o.had_transform),
            output: candidate.output().to_string(),
            title: outcome.and_then(|o| o.title.clone()),
            message: outcome.and_then(|o| o.message.clone()),
            inputs: candidate.inputs().to_vec(),
            preview,
            committed: false,
        }
    }
}

/// A save: the new version, or that nothing changed.
#[derive(Debug, Serialize)]
pub struct SaveReport {
    /// The dataset.
    pub dataset: String,
    /// Whether a version was committed.
    pub committed: bool,
    /// Why nothing was committed (`"no changes"`), when it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The head that stays, when nothing was committed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head: Option<VersionId>,
    /// The new version's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<VersionId>,
    /// Its position in the history (1 for the first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// Its parent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<VersionId>,
    /// Rows in its body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    /// Size of its body blob.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_size: Option<u64>,
    /// False when the body blob already existed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_written: Option<bool>,
    /// The starlib release that ran (`null` for a body import).
    pub starlib: Option<String>,
    /// The run's id (recorded in the version's provenance).
    pub run_id: Option<String>,
    /// Versions of other datasets the run read.
    pub inputs: Vec<InputVersion>,
    /// What the run printed.
    pub output: String,
}

impl SaveReport {
    /// The report of a commit; `run` is the starlib version and run id of
    /// a transform run (`None`: a body import).
    pub fn new(
        name: &DatasetName,
        committed: &Committed,
        run: Option<(String, String)>,
        output: String,
        inputs: Vec<InputVersion>,
    ) -> SaveReport {
        let (starlib, run_id) = run.unzip();
        let mut r = SaveReport {
            dataset: name.to_string(),
            committed: false,
            reason: None,
            head: None,
            id: None,
            seq: None,
            parent: None,
            rows: None,
            body_size: None,
            body_written: None,
            starlib,
            run_id: None,
            inputs,
            output,
        };
        match committed {
            Committed::Unchanged { head } => {
                r.reason = Some("no changes".into());
                r.head = *head;
            }
            Committed::Saved(s) => {
                r.committed = true;
                r.id = Some(s.id);
                r.seq = Some(s.seq);
                r.parent = s.parent;
                r.rows = Some(s.rows);
                r.body_size = Some(s.body_size);
                r.body_written = Some(s.body_written);
                r.run_id = run_id;
            }
        }
        r
    }
}

/// `get REF`: a version with every component but the body.
#[derive(Debug, Serialize)]
pub struct VersionReport {
    /// `peer/name`.
    pub name: String,
    /// The version id.
    pub id: VersionId,
    /// Its position in the history.
    pub seq: u64,
    /// Title, message, author, time.
    pub commit: Commit,
    /// Schema and counts.
    pub structure: Structure,
    /// Metadata.
    pub meta: Option<Meta>,
    /// The transform that made it.
    pub transform: Option<Transform>,
    /// The readme.
    pub readme: Option<String>,
    /// The run that made it and the versions it read.
    pub provenance: Option<Provenance>,
}

impl From<Version> for VersionReport {
    fn from(v: Version) -> Self {
        VersionReport {
            name: v.name.to_string(),
            id: v.id,
            seq: v.seq,
            commit: v.commit,
            structure: v.structure,
            meta: v.meta,
            transform: v.transform,
            readme: v.readme,
            provenance: v.provenance,
        }
    }
}

/// `export`: where the body went.
#[derive(Debug, Serialize)]
pub struct ExportReport {
    /// `peer/name`.
    pub dataset: String,
    /// The version written.
    pub id: VersionId,
    /// The format written.
    pub format: String,
    /// The file written.
    pub path: PathBuf,
}

/// One `log` entry: the version and, when a transform made it, its run.
#[derive(Debug, Serialize)]
pub struct LogReportEntry {
    /// The version.
    #[serde(flatten)]
    pub entry: LogEntry,
    /// The run that made it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// What that run printed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
}

impl LogReportEntry {
    /// The entry with its run, found among `runs`.
    pub fn new(entry: LogEntry, runs: &[RunRecord]) -> LogReportEntry {
        let run = runs.iter().find(|r| r.version == entry.id);
        LogReportEntry {
            run_id: run.map(|r| r.run_id.clone()),
            output: run.map(|r| r.output.clone()),
            entry,
        }
    }
}

/// One script `lock` pinned.
#[derive(Debug, Serialize)]
pub struct LockReportEntry {
    /// The script.
    pub script: PathBuf,
    /// The lock file.
    pub lock: PathBuf,
    /// The entry's path, relative to the lock file.
    pub path: String,
    /// The pinned starlib version.
    pub starlib: String,
    /// The script's hash when locked.
    pub script_hash: String,
    /// The version pinned before, if any.
    pub previous: Option<String>,
}

impl From<&transforms::lockfile::Locked> for LockReportEntry {
    fn from(l: &transforms::lockfile::Locked) -> Self {
        LockReportEntry {
            script: l.script.clone(),
            lock: l.lock.clone(),
            path: l.entry.path.clone(),
            starlib: l.entry.starlib.clone(),
            script_hash: l.entry.script_hash.clone(),
            previous: l.previous.clone(),
        }
    }
}

/// `remove`: the dataset's head afterwards (`null`: the dataset is gone).
#[derive(Debug, Serialize)]
pub struct RemoveReport {
    /// `peer/name`.
    pub dataset: String,
    /// The new head.
    pub head: Option<VersionId>,
}

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
//! | `fsck --rebuild` | [`RebuildFsckReport`] |
//! | `gc` | [`GcReport`] |
//! | `lock` | a list of [`LockReportEntry`] |
//! | `remove` | [`RemoveReport`] |
//! | `schedule add`, `show` | [`scheduler::ScheduleStatus`]; `schedule list`: a list of them |
//! | `schedule remove`, `pause`, `resume` | [`ScheduleChange`] |
//! | `runs` | a list of [`datasets::RunEntry`]; `runs show`: one |
//! | `run` | [`RunReport`] |
//! | `test` | [`TestReport`] |
//! | any failure | [`ErrorReport`], on standard error, with exit status 1 |

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
    /// The seed of `rand`, when the script used it (pass `--seed` to repeat).
    pub rand_seed: Option<u64>,
    /// Schema, first rows and diff summary.
    pub preview: Preview,
    /// Always false: a dry run commits nothing.
    pub committed: bool,
    /// With `--cells`: each cell's report, then the `transform(ds)` call's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cells: Option<Vec<CellJson>>,
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
            rand_seed: outcome.and_then(|o| o.rand_seed),
            preview,
            committed: false,
            cells: None,
        }
    }
}

/// `apply --cells --json` when a cell failed: the cells' reports on
/// standard output (the error itself is an [`ErrorReport`] on standard error).
#[derive(Debug, Serialize)]
pub struct FailedCellsReport {
    /// Each cell's report, the failed one and the skipped ones included.
    pub cells: Vec<CellJson>,
    /// Always false.
    pub committed: bool,
}

/// One cell's report (or the final `transform(ds)` call's).
#[derive(Debug, Clone, Serialize)]
pub struct CellJson {
    /// 0-based; the `transform(ds)` call comes after the last cell.
    pub index: usize,
    /// The cell's title (`# %% Title`), or `transform(ds)` for the call.
    pub title: Option<String>,
    /// The 1-based line its code starts on (0 for the call).
    pub line: u32,
    /// `ok`, `failed`, `skipped` or `reused`.
    pub status: &'static str,
    /// What it printed, one line per `print`.
    pub output: String,
    /// Its trailing expression's value, if it had one.
    pub value: Option<CellValueJson>,
    /// Milliseconds it ran.
    pub elapsed_ms: f64,
    /// The error that ended it (its first line with position).
    pub error: Option<String>,
}

/// A cell's value: a table (columns, row count, first rows) or text.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CellValueJson {
    /// A table.
    Table {
        /// Its columns.
        columns: Vec<transforms::preview::PreviewColumn>,
        /// How many rows it has.
        rows: usize,
        /// Its first rows as text (nulls empty).
        head: Vec<Vec<String>>,
    },
    /// Any other value, as its repr.
    Text {
        /// The repr.
        text: String,
    },
}

impl CellJson {
    /// The JSON form of `r`, with the first `limit` rows of a table value.
    pub fn new(r: &transforms::cells::CellReport, limit: usize) -> CellJson {
        use transforms::cells::{CellStatus, CellValue};
        CellJson {
            index: r.index,
            title: r.title.clone(),
            line: r.line,
            status: match r.status {
                CellStatus::Ok => "ok",
                CellStatus::Failed => "failed",
                CellStatus::Skipped => "skipped",
                CellStatus::Reused => "reused",
            },
            output: r.output.clone(),
            value: r.value.as_ref().map(|v| match v {
                CellValue::Text(text) => CellValueJson::Text { text: text.clone() },
                CellValue::Table(body) => CellValueJson::Table {
                    columns: transforms::preview::columns(body),
                    rows: body.num_rows(),
                    head: transforms::preview::head_rows(body, limit).unwrap_or_default(),
                },
            }),
            elapsed_ms: r.elapsed.as_secs_f64() * 1000.0,
            error: r.error.clone(),
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
    /// The seed of `rand`, when the script used it (recorded in the
    /// version's provenance).
    pub rand_seed: Option<u64>,
    /// Versions of other datasets the run read.
    pub inputs: Vec<InputVersion>,
    /// What the run printed.
    pub output: String,
}

impl SaveReport {
    /// The report of a commit of `candidate`'s result (`candidate` as it
    /// was before the commit consumed it: see [`RunFacts`]).
    pub fn new(name: &DatasetName, committed: &Committed, run: RunFacts) -> SaveReport {
        let RunFacts {
            starlib,
            run_id,
            rand_seed,
            output,
            inputs,
        } = run;
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
            rand_seed,
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

/// What a save reports about the run behind it, taken from the candidate
/// before committing it.
#[derive(Debug, Default)]
pub struct RunFacts {
    /// The starlib release that ran (`None`: a body import).
    pub starlib: Option<String>,
    /// The run's id.
    pub run_id: Option<String>,
    /// The seed of `rand`, when the script used it.
    pub rand_seed: Option<u64>,
    /// What the run printed.
    pub output: String,
    /// Versions of other datasets the run read.
    pub inputs: Vec<InputVersion>,
}

impl RunFacts {
    /// The facts of `candidate`'s run.
    pub fn of(candidate: &Candidate) -> RunFacts {
        let o = candidate.outcome();
        RunFacts {
            starlib: o.map(|o| o.starlib_version.clone()),
            run_id: o.map(|o| o.run_id.clone()),
            rand_seed: o.and_then(|o| o.rand_seed),
            output: candidate.output().to_string(),
            inputs: candidate.inputs().to_vec(),
        }
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
    /// The seed of `rand` that run used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rand_seed: Option<u64>,
}

impl LogReportEntry {
    /// The entry with its run, found among `runs`, and the rand seed its
    /// provenance records.
    pub fn new(entry: LogEntry, runs: &[RunRecord], rand_seed: Option<u64>) -> LogReportEntry {
        let run = runs.iter().find(|r| r.version == entry.id);
        LogReportEntry {
            run_id: run.map(|r| r.run_id.clone()),
            output: run.map(|r| r.output.clone()),
            rand_seed,
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

/// `gc`: what was reclaimed.
#[derive(Debug, Serialize)]
pub struct GcReport {
    /// Unreferenced blobs deleted.
    pub blobs_removed: u64,
    /// Temporary files of interrupted saves deleted.
    pub temp_files_removed: u64,
    /// Bytes freed by both.
    pub bytes_freed: u64,
    /// Blobs and temporary files younger than this many seconds were kept
    /// (a save in progress may still need them).
    pub grace_seconds: u64,
}

impl GcReport {
    /// The report of a gc run with `grace`.
    pub fn new(r: &datasets::GcReport, grace: std::time::Duration) -> GcReport {
        GcReport {
            blobs_removed: r.blobs_removed,
            temp_files_removed: r.temp_removed,
            bytes_freed: r.bytes_freed,
            grace_seconds: grace.as_secs(),
        }
    }
}

/// `fsck --rebuild`: what the rebuild recorded, then the check after it.
#[derive(Debug, Serialize)]
pub struct RebuildFsckReport {
    /// What was rebuilt from the manifests.
    pub rebuild: datasets::RebuildReport,
    /// The check of the rebuilt store.
    pub fsck: datasets::FsckReport,
}

/// A failed command under `--json`, printed on standard error.
#[derive(Debug, Serialize)]
pub struct ErrorReport {
    /// What went wrong, with its causes.
    pub error: String,
    /// What to do about it, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// What a failed run printed before it failed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub output: Vec<String>,
    /// The process's exit status.
    pub exit_code: u8,
}

/// `run`: what the script printed and how it ended.
#[derive(Debug, Serialize)]
pub struct RunReport {
    /// The script.
    pub file: String,
    /// Whether it ran to the end.
    pub ok: bool,
    /// What it printed, one entry per `print`.
    pub output: Vec<String>,
    /// The error with its position and backtrace, when it failed.
    pub error: Option<String>,
    /// Execution steps taken.
    pub steps: u64,
    /// Bytes allocated, as the memory budget counts them.
    pub allocated_bytes: usize,
}

/// `test`: each file's result and the totals.
#[derive(Debug, Serialize)]
pub struct TestReport {
    /// One entry per file.
    pub files: Vec<TestFileReport>,
    /// Files that passed.
    pub passed: usize,
    /// Files that failed.
    pub failed: usize,
}

/// One test file's result.
#[derive(Debug, Serialize)]
pub struct TestFileReport {
    /// The file.
    pub file: String,
    /// Whether every chunk passed.
    pub passed: bool,
    /// Chunks run.
    pub chunks: usize,
    /// What failed.
    pub failures: Vec<String>,
}

/// `schedule remove|pause|resume`: what changed.
#[derive(Debug, Serialize)]
pub struct ScheduleChange {
    /// The dataset whose schedule changed.
    pub dataset: String,
    /// `removed`, `paused` or `resumed`.
    pub action: String,
}

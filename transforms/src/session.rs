//! The one path from a script to a committed version.
//!
//! Every caller that turns a script (or a body file) into a new version —
//! `quarry apply` and `quarry save`, and anything built on them — goes
//! through this module, so no step is implemented twice:
//!
//! ```text
//! Session::open(store, "peer/name")          reads the head (or starts empty)
//!   .run(Script::read(path)?, RunOptions)    runs it: a Candidate, or a RunFailure
//!   .import(path, format, options)           or imports a body file: a Candidate
//! candidate.preview(limit, keys)             schema, first rows, diff against the head
//! candidate.commit(CommitOptions)            Committed::Saved, Committed::Unchanged,
//!                                            or SessionError::HeadMoved
//! ```
//!
//! A run that failed, was cancelled or finished after its deadline never
//! becomes a [`Candidate`] (see [`crate::run`]), so it cannot be committed.
//! A candidate commits only on top of the version it was computed from: the
//! head move is a compare-and-swap in the store.

use crate::lockfile::{self, LockError, Selection};
use crate::preview::{preview, Baseline, Preview};
use crate::{Input, Limits, PrintHook, RunOutcome, RunRequest, TransformError};
use datasets::{
    Body, BodyInput, DatasetError, DatasetName, ExpectedHead, Format, ImportOptions, InputVersion,
    NewVersion, SaveOutcome, Store, Version, VersionId,
};
use engine::CancelHandle;
use starlib::{HostConfig, Release};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Why a session step failed. Nothing is committed after any of these.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The script or body file could not be read.
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// `versions.lock` could not be read or names a release not shipped.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// The dataset name is not `peer/name`, or names a version where a
    /// dataset is expected.
    #[error("{0}")]
    Name(String),
    /// The run failed (script error, timeout, contract violation).
    #[error("{0}")]
    Run(Box<RunFailure>),
    /// The head moved since the run read it: another save committed first.
    #[error("{dataset} moved to {} while this run computed on {}; run again on the new head", short(.found), short(.expected))]
    HeadMoved {
        /// The dataset.
        dataset: String,
        /// The version the run read (`None`: the dataset did not exist).
        expected: Option<VersionId>,
        /// The head found when committing.
        found: Option<VersionId>,
    },
    /// The session started from an older version, which cannot be committed on.
    #[error(
        "{reference} is not the head of its dataset; a result computed on it cannot be committed"
    )]
    NotHead {
        /// The reference the session was opened with.
        reference: String,
    },
    /// The candidate has no dataset to commit to (a session opened without one).
    #[error("no dataset to commit to: name one (peer/name)")]
    NoTarget,
    /// The store failed.
    #[error(transparent)]
    Store(DatasetError),
}

fn short(id: &Option<VersionId>) -> String {
    match id {
        Some(id) => id.short(12),
        None => "nothing (a new dataset)".to_string(),
    }
}

impl From<DatasetError> for SessionError {
    fn from(e: DatasetError) -> Self {
        match e {
            DatasetError::HeadMoved {
                name,
                expected,
                actual,
            } => SessionError::HeadMoved {
                dataset: name,
                expected: expected.and_then(|h| h.parse().ok()),
                found: actual.and_then(|h| h.parse().ok()),
            },
            e => SessionError::Store(e),
        }
    }
}

/// A failed run with what it takes to render it: the script's path and text
/// (for `file:line:col`, the source line and a caret).
#[derive(Debug)]
pub struct RunFailure {
    /// Why the run failed.
    pub error: TransformError,
    /// The script's path as the run named it.
    pub path: String,
    /// The script's text.
    pub script: String,
}

impl std::fmt::Display for RunFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.error)
    }
}

/// A transform script and the starlib release it runs with.
#[derive(Debug, Clone)]
pub struct Script {
    /// Its path; the transform's directory (readable through `fs`) is its parent.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
    /// The release chosen for it, and why.
    pub selection: Selection,
}

impl Script {
    /// Reads `path` and selects its release: the pin in the governing
    /// `versions.lock`, else the newest shipped release. A script changed
    /// since it was locked carries a warning in `selection.warning`.
    pub fn read(path: &Path) -> Result<Script, SessionError> {
        let text = std::fs::read_to_string(path).map_err(|source| SessionError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let selection = lockfile::select_release(path, text.as_bytes())?;
        Ok(Script {
            path: path.to_path_buf(),
            text,
            selection,
        })
    }

    /// A script given as text, run with `release` whatever any lock says.
    pub fn pinned(
        path: impl Into<PathBuf>,
        text: impl Into<String>,
        release: &'static Release,
    ) -> Script {
        Script {
            path: path.into(),
            text: text.into(),
            selection: Selection {
                release,
                lock: None,
                warning: None,
            },
        }
    }

    /// The release the script runs with.
    pub fn release(&self) -> &'static Release {
        self.selection.release
    }

    /// The BLAKE3 hash of the text, as `versions.lock` records it.
    pub fn hash(&self) -> String {
        lockfile::script_hash(self.text.as_bytes())
    }

    /// "2.0.0 (newest; not locked)" or "1.0.0 (pinned in /x/versions.lock)".
    pub fn describe_release(&self) -> String {
        match &self.selection.lock {
            Some(l) => format!("{} (pinned in {})", self.release().version, l.display()),
            None => format!("{} (newest; not locked)", self.release().version),
        }
    }

    /// The directory `fs` reads from: the script's parent, or `.`.
    fn dir(&self) -> PathBuf {
        self.path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    }

    /// The file name, for default commit titles.
    fn file_name(&self) -> String {
        file_name(&self.path)
    }
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// How one run is configured: settings, limits, the host's modules, hooks.
#[derive(Default)]
pub struct RunOptions {
    /// Values for `config.get`.
    pub config: BTreeMap<String, serde_json::Value>,
    /// Values for `secrets.get`; never recorded, redacted from every output.
    pub secrets: BTreeMap<String, String>,
    /// Files `fs` refuses to read even inside the transform's directory
    /// (the secrets file).
    pub hidden_files: Vec<PathBuf>,
    /// Step, memory and time limits.
    pub limits: Limits,
    /// Host settings of starlib's modules (HTTP guard, seed, progress, clock).
    pub host: HostConfig,
    /// Called with each printed line, already redacted, as it is printed.
    pub on_print: Option<PrintHook>,
    /// Cancels the run from elsewhere (another thread, a signal handler); a
    /// cancelled run fails and cannot be committed.
    pub cancel: Option<CancelHandle>,
    /// The run's id (`None`: a fresh one; a recording session sets it).
    pub run_id: Option<String>,
    /// Called with each cell's report as the cell ends (see [`crate::cells`]).
    pub on_cell: Option<crate::cells::CellHook>,
    /// Cells kept from earlier runs of the same file, reused where unchanged
    /// (see [`crate::cells::CellMemory`]).
    pub memory: Option<crate::cells::CellMemory>,
}

/// The version a session starts from: its record, and its body read from
/// the store on first use (a body import that is committed without a
/// preview never reads it).
#[derive(Debug, Clone)]
pub struct Base {
    /// The version.
    pub version: Version,
    store: Arc<Store>,
    body: Arc<OnceLock<Body>>,
}

impl Base {
    /// The version's body.
    pub fn body(&self) -> Result<&Body, SessionError> {
        if let Some(b) = self.body.get() {
            return Ok(b);
        }
        let at = datasets::DatasetRef::at(self.version.name.clone(), self.version.id);
        let body = self.store.body(&at)?;
        Ok(self.body.get_or_init(|| body))
    }
}

/// Where results go: a store and a dataset in it, and the version read.
#[derive(Clone)]
struct Target {
    store: Arc<Store>,
    name: DatasetName,
    /// The reference as given (`peer/name`, or `peer/name@...`).
    reference: String,
    /// Whether the reference names the head (no `@`).
    at_head: bool,
}

/// A dataset opened for runs: the store, the dataset, and the version read.
/// Runs of a session all start from the same version; the base is read once.
pub struct Session {
    store: Option<Arc<Store>>,
    target: Option<Target>,
    base: Option<Base>,
    log: Option<RunLog>,
}

/// How a session records its runs in the store's run log: every run, its
/// end (failed, timed out, unchanged, succeeded) included.
#[derive(Debug, Clone)]
pub struct RunLog {
    /// Why the run happens: `manual`, `schedule`, `upstream`, `retry`.
    pub trigger: String,
    /// The id of a run a scheduler already recorded as running (`None`: the
    /// session records a new run).
    pub run_id: Option<String>,
}

/// The run a candidate will record its end on.
#[derive(Debug, Clone)]
struct LoggedRun {
    store: Arc<Store>,
    run_id: String,
}

impl LoggedRun {
    /// Records the run's end; a failure to record is reported on the
    /// result only when nothing else went wrong.
    fn end(&self, end: datasets::RunEnd) -> Result<(), SessionError> {
        self.store.finish_run(&self.run_id, &end, None)?;
        Ok(())
    }
}

impl Session {
    /// Opens `dataset` (`peer/name`, or `peer/name@version` to start from an
    /// older version, which previews but cannot commit) in `store`. A dataset
    /// that does not exist yet starts empty; a version of a missing dataset
    /// is an error.
    pub fn open(store: Arc<Store>, dataset: &str) -> Result<Session, SessionError> {
        let reference =
            datasets::DatasetRef::parse(dataset).map_err(|e| SessionError::Name(e.to_string()))?;
        let base = match store.get(dataset) {
            Ok(version) => Some(Base {
                version,
                store: store.clone(),
                body: Arc::default(),
            }),
            Err(DatasetError::NotFound { .. }) if !dataset.contains('@') => None,
            Err(e) => return Err(e.into()),
        };
        Ok(Session {
            log: None,
            target: Some(Target {
                store: store.clone(),
                name: reference.name.clone(),
                reference: dataset.to_string(),
                at_head: !dataset.contains('@'),
            }),
            store: Some(store),
            base,
        })
    }

    /// A session with no dataset: runs start from an empty dataset and
    /// cannot be committed. `store`, when given, serves `load_dataset`.
    pub fn detached(store: Option<Arc<Store>>) -> Session {
        Session {
            store,
            target: None,
            base: None,
            log: None,
        }
    }

    /// Records this session's runs in the store's run log (a session with
    /// no dataset records nothing).
    pub fn recording(mut self, log: RunLog) -> Session {
        self.log = Some(log);
        self
    }

    /// Starts the run log's record of a run of `script`, when recording.
    fn start_logged_run(
        &self,
        script: &Script,
        timeout: Option<std::time::Duration>,
    ) -> Result<Option<LoggedRun>, SessionError> {
        let (Some(log), Some(target)) = (&self.log, &self.target) else {
            return Ok(None);
        };
        let run_id = match &log.run_id {
            Some(id) => id.clone(),
            None => {
                let id = crate::run::new_run_id();
                // A lease as long as the run may take: if this process dies,
                // the record is marked failed instead of blocking the dataset.
                let hold = timeout.unwrap_or(std::time::Duration::from_secs(3600))
                    + std::time::Duration::from_secs(60);
                let until = chrono::Utc::now()
                    + chrono::Duration::from_std(hold).unwrap_or(chrono::Duration::hours(1));
                target.store.start_run(&datasets::NewRun {
                    lease: Some((format!("{}:{}", log.trigger, std::process::id()), until)),
                    run_id: id.clone(),
                    dataset: target.name.to_string(),
                    trigger: log.trigger.clone(),
                    attempt: 1,
                    script_hash: script.hash(),
                    ..Default::default()
                })?;
                id
            }
        };
        Ok(Some(LoggedRun {
            store: target.store.clone(),
            run_id,
        }))
    }

    /// The version runs start from (`None`: an empty, new dataset).
    pub fn base(&self) -> Option<&Base> {
        self.base.as_ref()
    }

    /// The dataset's name, when the session has one.
    pub fn dataset(&self) -> Option<&DatasetName> {
        self.target.as_ref().map(|t| &t.name)
    }

    /// Runs `script` against the base. A failed, cancelled or late run is
    /// [`SessionError::Run`], never a candidate.
    pub fn run(&self, script: Script, mut options: RunOptions) -> Result<Candidate, SessionError> {
        let logged = self.start_logged_run(&script, options.limits.timeout)?;
        if let Some(l) = &logged {
            options.run_id = Some(l.run_id.clone());
        }
        let request = self.request(&script, options)?;
        let outcome = match crate::run(request) {
            Ok(o) => o,
            Err(error) => {
                if let Some(l) = &logged {
                    // The run's failure is the error to report; a failure
                    // to record it must not hide it.
                    let _ = l.end(datasets::RunEnd {
                        status: Some(match &error {
                            TransformError::Timeout { .. } => datasets::RunStatus::TimedOut,
                            TransformError::Cancelled { .. } => datasets::RunStatus::Canceled,
                            _ => datasets::RunStatus::Failed,
                        }),
                        error: Some(error.to_string()),
                        starlib: Some(script.release().version.to_string()),
                        script_hash: Some(script.hash()),
                        ..Default::default()
                    });
                }
                return Err(SessionError::Run(Box::new(RunFailure {
                    error,
                    path: script.path.display().to_string(),
                    script: script.text.clone(),
                })));
            }
        };
        Ok(Candidate {
            target: self.target.clone(),
            base: self.base.clone(),
            change: Change::Transform {
                outcome: Box::new(outcome),
                script,
            },
            logged,
        })
    }

    /// Builds the engine-level request for `script` on this session's base.
    fn request(&self, script: &Script, options: RunOptions) -> Result<RunRequest, SessionError> {
        let mut req = RunRequest::new(
            script.path.display().to_string(),
            script.text.clone(),
            script.release(),
        );
        req.input = match &self.base {
            Some(b) => Some(Input::from_version(&b.version, b.body()?.clone())),
            None => None,
        };
        req.config = options.config;
        req.secrets = options.secrets;
        req.hidden_files = options.hidden_files;
        req.limits = options.limits;
        req.host = options.host;
        req.on_print = options.on_print;
        req.cancel = options.cancel;
        req.store = self.store.clone();
        req.dir = Some(script.dir());
        req.run_id = options.run_id;
        req.on_cell = options.on_cell;
        req.memory = options.memory;
        Ok(req)
    }

    /// Proposes a body file (csv, json, ndjson, parquet) as the next body,
    /// keeping the base's meta, readme and transform. The file is read when
    /// a preview or the unchanged check needs it; a commit that needs
    /// neither streams it straight into the store.
    pub fn import(
        &self,
        path: &Path,
        format: Format,
        options: ImportOptions,
    ) -> Result<Candidate, SessionError> {
        if !path.is_file() {
            return Err(SessionError::Read {
                path: path.to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            });
        }
        Ok(Candidate {
            target: self.target.clone(),
            base: self.base.clone(),
            change: Change::Body(BodyFile {
                path: path.to_path_buf(),
                format,
                options,
                body: OnceLock::new(),
            }),
            logged: None,
        })
    }
}

/// What a candidate proposes.
enum Change {
    /// A transform's result.
    Transform {
        outcome: Box<RunOutcome>,
        script: Script,
    },
    /// A body file to import.
    Body(BodyFile),
}

/// A body file, read on first use.
struct BodyFile {
    path: PathBuf,
    format: Format,
    options: ImportOptions,
    body: OnceLock<Body>,
}

impl BodyFile {
    fn body(&self) -> Result<&Body, SessionError> {
        if let Some(b) = self.body.get() {
            return Ok(b);
        }
        let body = datasets::import_file(&self.path, self.format, &self.options)?;
        Ok(self.body.get_or_init(|| body))
    }

    /// The body as the store takes it: in memory when read, else the file.
    fn into_input(self) -> BodyInput {
        match self.body.into_inner() {
            Some(b) => BodyInput::Arrow(b),
            None => BodyInput::File {
                path: self.path,
                format: self.format,
                options: self.options,
            },
        }
    }
}

/// A would-be next version: previewable, and committable on the version it
/// was computed from.
pub struct Candidate {
    target: Option<Target>,
    base: Option<Base>,
    change: Change,
    logged: Option<LoggedRun>,
}

/// How to commit a candidate.
#[derive(Debug, Clone, Default)]
pub struct CommitOptions {
    /// The commit title (default: the script's, else a description).
    pub title: Option<String>,
    /// The commit message (default: the script's, else empty).
    pub message: Option<String>,
    /// Commit even when the result equals the head.
    pub force: bool,
}

/// What a commit did.
#[derive(Debug, Clone)]
pub enum Committed {
    /// A new version is the head.
    Saved(SaveOutcome),
    /// The result equals the head: nothing was written.
    Unchanged {
        /// The head, which stays.
        head: Option<VersionId>,
    },
}

impl Candidate {
    /// The run's result, when the candidate came from a transform.
    pub fn outcome(&self) -> Option<&RunOutcome> {
        match &self.change {
            Change::Transform { outcome, .. } => Some(outcome),
            Change::Body(_) => None,
        }
    }

    /// The script that ran, when the candidate came from a transform.
    pub fn script(&self) -> Option<&Script> {
        match &self.change {
            Change::Transform { script, .. } => Some(script),
            Change::Body(_) => None,
        }
    }

    /// The version the candidate was computed from.
    pub fn base(&self) -> Option<&Base> {
        self.base.as_ref()
    }

    /// The proposed body (an import reads its file on first use).
    pub fn body(&self) -> Result<&Body, SessionError> {
        match &self.change {
            Change::Transform { outcome, .. } => Ok(&outcome.body),
            Change::Body(file) => file.body(),
        }
    }

    /// The proposed meta (an import keeps the base's).
    fn meta(&self) -> Option<&datasets::Meta> {
        match &self.change {
            Change::Transform { outcome, .. } => outcome.meta.as_ref(),
            Change::Body(_) => self.base.as_ref().and_then(|b| b.version.meta.as_ref()),
        }
    }

    /// What the run printed (empty for an import).
    pub fn output(&self) -> &str {
        self.outcome().map(|o| o.output.as_str()).unwrap_or("")
    }

    /// The versions of other datasets the run read.
    pub fn inputs(&self) -> &[InputVersion] {
        self.outcome().map(|o| o.inputs.as_slice()).unwrap_or(&[])
    }

    /// The preview against the base: schema, the first `limit` rows and a
    /// diff summary (rows matched by `key` columns, else by position).
    pub fn preview(&self, limit: usize, key: &[String]) -> Result<Preview, SessionError> {
        let baseline = match &self.base {
            Some(b) => Some(Baseline {
                id: b.version.id,
                body: b.body()?,
                meta: b.version.meta.as_ref(),
            }),
            None => None,
        };
        Ok(preview(self.body()?, self.meta(), baseline, limit, key)?)
    }

    /// Whether the result equals the base in every component a commit would
    /// write (body, meta, readme, transform).
    pub fn is_unchanged(&self) -> Result<bool, SessionError> {
        let Some(base) = &self.base else {
            return Ok(false);
        };
        let (version, body) = (&base.version, base.body()?);
        let new = self.body()?;
        let same_body = body.schema == new.schema
            && body.num_rows() == new.num_rows()
            && matches!((body.concat(), new.concat()), (Ok(a), Ok(b)) if a == b);
        Ok(match &self.change {
            Change::Transform { outcome, .. } => {
                same_body
                    && version.meta == outcome.meta
                    && version.readme == outcome.readme
                    && version.transform.as_ref() == Some(&outcome.transform)
            }
            // An import keeps every other component.
            Change::Body(_) => same_body,
        })
    }

    /// Commits the candidate as the next version of the session's dataset,
    /// on top of the version it was computed from. A transform's result
    /// equal to that version is [`Committed::Unchanged`] unless `force`; a
    /// head that moved meanwhile is [`SessionError::HeadMoved`].
    pub fn commit(self, options: CommitOptions) -> Result<Committed, SessionError> {
        let logged = self.logged.clone();
        let run_facts = self.outcome().map(|o| datasets::RunEnd {
            output: o.output.clone(),
            starlib: Some(o.starlib_version.clone()),
            rand_seed: o.rand_seed,
            script_hash: Some(crate::lockfile::script_hash(o.transform.script.as_bytes())),
            ..Default::default()
        });
        let result = self.commit_unlogged(options);
        if let (Some(l), Some(facts)) = (logged, run_facts) {
            let end = match &result {
                Ok(Committed::Saved(s)) => datasets::RunEnd {
                    status: Some(datasets::RunStatus::Succeeded),
                    version: Some(s.id.to_hex()),
                    ..facts
                },
                Ok(Committed::Unchanged { .. }) => datasets::RunEnd {
                    status: Some(datasets::RunStatus::Unchanged),
                    ..facts
                },
                Err(e) => datasets::RunEnd {
                    status: Some(datasets::RunStatus::Failed),
                    error: Some(e.to_string()),
                    ..facts
                },
            };
            let recorded = l.end(end);
            if result.is_ok() {
                recorded?;
            }
        }
        result
    }

    /// [`Candidate::commit`] without the run log.
    fn commit_unlogged(self, options: CommitOptions) -> Result<Committed, SessionError> {
        let target = self.target.clone().ok_or(SessionError::NoTarget)?;
        if !target.at_head {
            return Err(SessionError::NotHead {
                reference: target.reference,
            });
        }
        let parent = self.base.as_ref().map(|b| b.version.id);
        // A body import is a deliberate act and always commits (its blob is
        // stored once anyway); a transform's unchanged result does not.
        let is_run = self.outcome().is_some();
        if is_run && !options.force && self.is_unchanged()? {
            return Ok(Committed::Unchanged { head: parent });
        }
        let mut new = self.into_new_version(&target.name, options);
        new.author = target.name.peer().to_string();
        new.expected_head = ExpectedHead::from_parent(parent);
        Ok(Committed::Saved(target.store.save(&target.name, new)?))
    }

    /// The [`NewVersion`] the candidate commits, with its title and message.
    fn into_new_version(self, name: &DatasetName, options: CommitOptions) -> NewVersion {
        let is_new = self.base.is_none();
        let mut new = match self.change {
            Change::Transform { outcome, script } => {
                let default_title = if is_new {
                    format!("create {name} with {}", script.file_name())
                } else {
                    format!("run {}", script.file_name())
                };
                outcome.into_new_version(&default_title)
            }
            Change::Body(file) => {
                let title = format!("import {}", file_name(&file.path));
                // An import keeps the other components of the head (inherit).
                NewVersion::new(file.into_input(), title)
            }
        };
        if let Some(t) = options.title {
            new.title = t;
        }
        if let Some(m) = options.message {
            new.message = m;
        }
        new
    }
}

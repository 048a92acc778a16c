//! # transforms: the host that runs a Starlark `transform(ds)`
//!
//! [`run`] executes a script against the head version of a dataset (or an
//! empty dataset) with a chosen starlib [`Release`] and returns the would-be
//! next version as a [`RunOutcome`]; the caller commits it (see
//! [`RunOutcome::into_new_version`]). A failed run returns a
//! [`TransformError`] and produces nothing to commit.
//!
//! ## The contract
//!
//! - The script defines zero or one global `transform`; a `transform` that
//!   is not a function is an error (`transform must be a function, got int`).
//!   Two `def transform` are a resolve error (`cannot reassign global transform`).
//! - `transform(ds)` may mutate `ds` or return a dataset. A returned dataset
//!   is the result and mutations to the argument are ignored. Returning
//!   `None` makes the (mutated) `ds` the result. Any other return value is
//!   an error naming its type (`transform must return a dataset or None, got list`).
//! - With no `transform`, the top level runs (for its output and checks)
//!   and the dataset is unchanged: there is no predeclared `ds`.
//!
//! ## Predeclared names
//!
//! `dataset(...)` (see [`dataset`]), `load_dataset(ref)` (another dataset's
//! version, read-only; recorded in the new version's provenance),
//! `config.get(key, default=None)`,
//! `secrets.get(key, default=None)`, and a `print` that renders values as
//! node's `console.log` does ([`host::console_format`]). Every secret value
//! is replaced by `[redacted]` in captured output and error messages, and
//! secrets are never part of the recorded [`datasets::Transform`]; string
//! cells, meta, readme and commit text of the result are redacted too.
//! `load("fs.star", "fs")` reads files from the transform's directory
//! ([`fs`]). [`lockfile`] chooses the starlib release (`versions.lock`);
//! [`preview`] builds what a dry run shows.

#![warn(missing_docs)]

pub mod convert;
pub mod dataset;
pub mod fs;
pub mod host;
pub mod lockfile;
pub mod preview;
pub mod structure;

use dataset::{empty_body, meta_value, DatasetState, DatasetValue};
use datasets::{Body, BodyInput, InputVersion, Meta, NewVersion, Provenance, Store, Transform};
use engine::{Args, EvalError, Loader, Members, Predeclared, Thread, Value};
use host::{Redactor, Settings};
use starlib::{HostConfig, Release, StarlibLoader};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// A callback receiving each printed line (already redacted).
pub type PrintHook = Box<dyn FnMut(&str)>;

/// Why a run failed. Nothing is committed after any of these.
#[derive(Debug, thiserror::Error)]
pub enum TransformError {
    /// The script failed to parse, resolve or run (secret values redacted).
    /// The engine error carries positions and the backtrace for rendering.
    #[error("{0}")]
    Script(engine::Error),
    /// The run exceeded its time limit and was cancelled.
    #[error("transform timed out after {timeout:?}")]
    Timeout {
        /// The limit that was exceeded.
        timeout: Duration,
        /// The engine's cancellation error, with the backtrace at that point.
        error: engine::Error,
    },
    /// The script broke the transform contract (wrong `transform` type or
    /// return value); the message starts with `path:line:col:` of `def
    /// transform` (or the path alone).
    #[error("{0}")]
    Contract(String),
    /// The result could not be turned into a version (e.g. meta that is not JSON).
    #[error("invalid result: {0}")]
    Result(String),
}

impl TransformError {
    /// The engine error behind a script failure or timeout, for rendering
    /// `file:line:col`, a caret and the backtrace.
    pub fn engine_error(&self) -> Option<&engine::Error> {
        match self {
            TransformError::Script(e) | TransformError::Timeout { error: e, .. } => Some(e),
            _ => None,
        }
    }
}

/// Resource limits of one run; `None` means unlimited.
#[derive(Debug, Clone, Default)]
pub struct Limits {
    /// Maximum execution steps (loop iterations and calls).
    pub max_steps: Option<u64>,
    /// Maximum bytes of values allocated (approximate).
    pub memory: Option<usize>,
    /// Wall-clock limit; the run is cancelled when it passes.
    pub timeout: Option<Duration>,
}

/// The dataset version a transform starts from.
#[derive(Debug, Clone)]
pub struct Input {
    /// The body.
    pub body: Body,
    /// The metadata.
    pub meta: Option<Meta>,
    /// The readme.
    pub readme: Option<String>,
}

impl Input {
    /// An input from a stored version and its body.
    pub fn from_version(version: &datasets::Dataset, body: Body) -> Input {
        Input {
            body,
            meta: version.meta.clone(),
            readme: version.readme.clone(),
        }
    }
}

/// Everything one run needs.
pub struct RunRequest {
    /// The script text.
    pub script: String,
    /// The script's path, used in error positions.
    pub path: String,
    /// The head version of the target dataset; `None` for a new, empty dataset.
    pub input: Option<Input>,
    /// The starlib release to run with (selected by the caller).
    pub release: &'static Release,
    /// Host settings for starlib modules (HTTP, guard, seed, clock).
    pub host: HostConfig,
    /// Configuration values (`config.get`); recorded with the version.
    pub config: BTreeMap<String, serde_json::Value>,
    /// Secret values (`secrets.get`); never recorded, redacted from output and errors.
    pub secrets: BTreeMap<String, String>,
    /// Resource limits.
    pub limits: Limits,
    /// Called with each printed line (already redacted) as it is printed.
    pub on_print: Option<PrintHook>,
    /// The transform's directory, readable through `load("fs.star", "fs")`;
    /// `None` makes loading `fs.star` an error.
    pub dir: Option<PathBuf>,
    /// Files `fs` refuses to read even inside `dir`: the secrets file.
    pub hidden_files: Vec<PathBuf>,
    /// The store `load_dataset` reads from; `None` makes it an error.
    pub store: Option<Arc<Store>>,
}

impl RunRequest {
    /// A request with no input, config, secrets, limits or print callback.
    pub fn new(
        path: impl Into<String>,
        script: impl Into<String>,
        release: &'static Release,
    ) -> Self {
        RunRequest {
            script: script.into(),
            path: path.into(),
            input: None,
            release,
            host: HostConfig::default(),
            config: BTreeMap::new(),
            secrets: BTreeMap::new(),
            limits: Limits::default(),
            on_print: None,
            dir: None,
            hidden_files: Vec::new(),
            store: None,
        }
    }
}

/// The result of a successful run: the next version, not yet committed.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The resulting body.
    pub body: Body,
    /// The resulting metadata (`None` when empty).
    pub meta: Option<Meta>,
    /// The resulting readme.
    pub readme: Option<String>,
    /// The commit title the script set, if any.
    pub title: Option<String>,
    /// The commit message the script set, if any.
    pub message: Option<String>,
    /// The starlib version that ran.
    pub starlib_version: String,
    /// The transform record: script, starlib version and config (never secrets).
    pub transform: Transform,
    /// Captured print output, one line per `print`, each ending in a newline.
    pub output: String,
    /// Whether the script defined a `transform` function.
    pub had_transform: bool,
    /// This run's id (recorded in the version's provenance and the run log).
    pub run_id: String,
    /// The versions of other datasets the run read with `load_dataset`.
    pub inputs: Vec<InputVersion>,
}

impl RunOutcome {
    /// The configuration the run used.
    pub fn config(&self) -> &BTreeMap<String, serde_json::Value> {
        &self.transform.config
    }

    /// A [`NewVersion`] to save; `default_title` is used when the script set none.
    ///
    /// The run started from the head's meta and readme, so the outcome holds
    /// the complete result: `inherit` is off, and a meta or readme the script
    /// cleared stays cleared. The caller sets `expected_head` (and
    /// `provenance`, author, timestamp) as it needs.
    pub fn into_new_version(self, default_title: &str) -> NewVersion {
        let title = self.title.unwrap_or_else(|| default_title.to_string());
        let mut v = NewVersion::new(BodyInput::Arrow(self.body), title);
        v.message = self.message.unwrap_or_default();
        v.meta = self.meta;
        v.readme = self.readme;
        v.transform = Some(self.transform);
        v.inherit = false;
        v.provenance = Some(Provenance {
            run_id: Some(self.run_id),
            inputs: self.inputs,
        });
        v.run_output = Some(self.output);
        v
    }
}

fn redact_engine(e: engine::Error, r: &Redactor) -> engine::Error {
    match e {
        engine::Error::Eval(mut ev) => {
            ev.msg = r.redact(&ev.msg);
            engine::Error::Eval(ev)
        }
        other => other,
    }
}

/// Runs the transform script of `req` and applies the contract (see the
/// crate docs). Commits nothing: the caller saves the outcome.
pub fn run(req: RunRequest) -> Result<RunOutcome, TransformError> {
    let RunRequest {
        script,
        path,
        input,
        release,
        host,
        config,
        secrets,
        limits,
        mut on_print,
        dir,
        hidden_files,
        store,
    } = req;
    let redactor = Redactor::new(secrets.values());

    let mut thread = release.new_thread();
    thread.set_loader(HostLoader {
        starlib: release.loader(host),
        fs: dir
            .as_deref()
            .and_then(fs::FsRoot::new)
            .map(|root| root.hide(&hidden_files)),
    });
    if let Some(n) = limits.max_steps {
        thread.set_max_steps(n);
    }
    if let Some(m) = limits.memory {
        thread.set_memory_limit(m);
    }
    let output = Rc::new(RefCell::new(String::new()));
    {
        let output = output.clone();
        let redactor = redactor.clone();
        thread.set_print(move |line: &str| {
            let line = redactor.redact(line);
            if let Some(cb) = on_print.as_mut() {
                cb(&line);
            }
            let mut o = output.borrow_mut();
            o.push_str(&line);
            o.push('\n');
        });
    }

    // The timer: cancels the thread when the timeout passes; exits early
    // when the run finishes (the sender is dropped).
    let fired = Arc::new(AtomicBool::new(false));
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let timer = limits.timeout.map(|timeout| {
        let cancel = thread.cancel_handle();
        let fired = fired.clone();
        std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = done_rx.recv_timeout(timeout) {
                fired.store(true, Ordering::SeqCst);
                cancel.cancel();
            }
        })
    });

    let input = input.unwrap_or_else(|| Input {
        body: empty_body(),
        meta: None,
        readme: None,
    });
    let meta_json = input
        .meta
        .as_ref()
        .and_then(|m| serde_json::to_value(m).ok());
    let initial = DatasetState {
        body: input.body.clone(),
        meta: meta_value(meta_json.as_ref()),
        readme: input.readme.clone(),
        title: None,
        message: None,
        structure: None,
    };

    let mut pre = Predeclared::default();
    pre.insert("print".into(), host::print_builtin());
    pre.insert("dataset".into(), dataset::constructor(release));
    pre.insert("config".into(), Settings::config(&config));
    pre.insert("secrets".into(), Settings::secrets(&secrets));
    let inputs = Rc::new(RefCell::new(Vec::new()));
    pre.insert(
        "load_dataset".into(),
        dataset::loader(release, store, inputs.clone()),
    );

    let result = execute(&mut thread, &path, &script, pre, release, initial);
    // The result is out: free the module (its functions hold it in a cycle).
    thread.release_modules();
    drop(done_tx);
    if let Some(t) = timer {
        let _ = t.join();
    }

    let state = match result {
        Ok(s) => s,
        Err(Failure::Engine(e)) => {
            let e = redact_engine(e, &redactor);
            return Err(match limits.timeout {
                Some(timeout) if fired.load(Ordering::SeqCst) => {
                    TransformError::Timeout { timeout, error: e }
                }
                _ => TransformError::Script(e),
            });
        }
        Err(Failure::Contract(m)) => return Err(TransformError::Contract(redactor.redact(&m))),
    };
    let (state, had_transform) = match state {
        Some(s) => (s, true),
        None => (
            DatasetState {
                body: input.body,
                meta: Value::None,
                readme: input.readme,
                title: None,
                message: None,
                structure: None,
            },
            false,
        ),
    };
    let meta = if had_transform {
        meta_from_value(&state.meta, &redactor)
            .map_err(|m| TransformError::Result(redactor.redact(&m)))?
    } else {
        input.meta
    };
    let output = output.borrow().clone();
    // A secret never reaches a stored version: redact every text the
    // result holds (meta was redacted as it was converted).
    let text = |t: Option<String>| t.map(|t| redactor.redact(&t));
    let body = state
        .final_body()
        .map_err(|m| TransformError::Result(format!("set_structure: {}", redactor.redact(&m))))?;
    Ok(RunOutcome {
        body: redactor
            .redact_body(&body)
            .map_err(|m| TransformError::Result(redactor.redact(&m)))?,
        meta,
        readme: text(state.readme),
        title: text(state.title),
        message: text(state.message),
        starlib_version: release.version.to_string(),
        transform: Transform {
            script,
            starlib_version: release.version.to_string(),
            config,
        },
        output,
        had_transform,
        run_id: new_run_id(),
        inputs: inputs.take(),
    })
}

/// A fresh run id: 16 hex digits from the clock, the process and a counter.
fn new_run_id() -> String {
    use std::sync::atomic::AtomicU64;
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let seed = format!(
        "{nanos}:{}:{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    blake3::hash(seed.as_bytes()).to_hex()[..16].to_string()
}

/// The loader of a run: starlib's modules plus the host's `fs.star`.
struct HostLoader {
    starlib: StarlibLoader,
    fs: Option<fs::FsRoot>,
}

impl Loader for HostLoader {
    fn load(
        &self,
        thread: &mut Thread,
        module: &str,
        from: &str,
    ) -> engine::error::Result<Members> {
        if module != "fs.star" {
            return self.starlib.load(thread, module, from);
        }
        match &self.fs {
            Some(root) => Ok([("fs".to_string(), fs::module(root.clone()))]
                .into_iter()
                .collect()),
            None => Err(EvalError::new(
                "fs.star: this run has no transform directory to read from",
            )),
        }
    }
}

enum Failure {
    Engine(engine::Error),
    Contract(String),
}

/// Runs the file and `transform`; `Ok(None)` when there is no transform.
fn execute(
    thread: &mut engine::Thread,
    path: &str,
    script: &str,
    pre: Predeclared,
    release: &'static Release,
    initial: DatasetState,
) -> Result<Option<DatasetState>, Failure> {
    let globals = thread
        .exec_file(path, script, pre)
        .map_err(Failure::Engine)?;
    let Some(f) = globals.get("transform") else {
        return Ok(None);
    };
    if !matches!(f, Value::Function(_) | Value::Builtin(_)) {
        return Err(Failure::Contract(format!(
            "{path}: transform must be a function, got {}",
            f.type_name()
        )));
    }
    // Contract errors point at `def transform`.
    let at = match &f {
        Value::Function(c) => format!("{}:{}:{}", c.code.path, c.code.pos.line, c.code.pos.col),
        _ => path.to_string(),
    };
    let ds = Value::native(DatasetValue::new(release, initial));
    let ret = thread
        .call(f, &Args::positional(vec![ds.clone()]))
        .map_err(|e: EvalError| Failure::Engine(engine::Error::Eval(e)))?;
    let result = match &ret {
        Value::None => &ds,
        v if DatasetValue::from_value(v).is_some() => v,
        other => {
            return Err(Failure::Contract(format!(
                "{at}: transform must return a dataset or None, got {}",
                other.type_name()
            )))
        }
    };
    Ok(DatasetValue::from_value(result).map(|d| d.state()))
}

fn meta_from_value(v: &Value, redactor: &Redactor) -> Result<Option<Meta>, String> {
    let mut j = convert::value_to_json("meta", v).map_err(|e| e.msg)?;
    redactor.redact_json(&mut j);
    match &mut j {
        serde_json::Value::Null => return Ok(None),
        serde_json::Value::Object(m) if m.is_empty() => return Ok(None),
        serde_json::Value::Object(m) => {
            // The named keys have fixed types: say which key is wrong. None
            // clears a named key.
            for key in Meta::NAMED_KEYS {
                match m.get(key) {
                    Some(serde_json::Value::Null) => {
                        m.remove(key);
                    }
                    Some(serde_json::Value::String(_)) if key != "keywords" => {}
                    Some(serde_json::Value::Array(a))
                        if key == "keywords" && a.iter().all(|k| k.is_string()) => {}
                    Some(other) => {
                        let want = if key == "keywords" {
                            "a list of strings"
                        } else {
                            "a string"
                        };
                        return Err(format!("meta.{key} must be {want}, got {other}"));
                    }
                    None => {}
                }
            }
        }
        _ => {}
    }
    let meta: Meta = serde_json::from_value(j).map_err(|e| format!("meta: {e}"))?;
    meta.validate().map_err(|e| e.to_string())?;
    Ok(Some(meta))
}

//! What one run needs: [`RunRequest`] with its [`Input`] and [`Limits`].

use crate::cells::{CellHook, CellMemory};
use datasets::{Body, Meta, Store};
use engine::CancelHandle;
use starlib::{HostConfig, Release};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// A callback receiving each printed line (already redacted).
pub type PrintHook = Box<dyn FnMut(&str)>;

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
    /// The version's id (`None`: a new dataset, or an input made by hand).
    pub version: Option<String>,
}

impl Input {
    /// An input from a stored version and its body.
    pub fn from_version(version: &datasets::Version, body: Body) -> Input {
        Input {
            body,
            meta: version.meta.clone(),
            readme: version.readme.clone(),
            version: Some(version.id.to_string()),
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
    /// Cancels the run from elsewhere; a cancelled run fails.
    pub cancel: Option<CancelHandle>,
    /// The run's id (`None`: a fresh one), recorded in the version's provenance.
    pub run_id: Option<String>,
    /// Called with each cell's report as the cell ends (see [`crate::cells`]).
    pub on_cell: Option<CellHook>,
    /// Cells kept from earlier runs of the same file, reused where unchanged
    /// (`None`: every cell runs and nothing is kept).
    pub memory: Option<CellMemory>,
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
            cancel: None,
            run_id: None,
            on_cell: None,
            memory: None,
        }
    }
}

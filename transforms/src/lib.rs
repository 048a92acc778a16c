//! # transforms: the host that runs a Starlark `transform(ds)`
//!
//! [`session`] is the one path from a script to a committed version, for
//! every caller (the CLI's `apply` and `save`, and anything built on them):
//! open a [`Session`] on a dataset, [`Session::run`] a [`Script`] with
//! [`RunOptions`] (or [`Session::import`] a body file), render the
//! [`Candidate`]'s preview, and [`Candidate::commit`] it on the head it read.
//!
//! Underneath, [`run`] executes one script against an [`Input`] with a
//! chosen starlib release and returns the would-be next version as a
//! [`RunOutcome`]; it never commits. A failed, cancelled or late run is a
//! [`TransformError`].
//!
//! | module | job |
//! | --- | --- |
//! | [`session`] | open a dataset, run or import, preview, commit (compare-and-swap) |
//! | [`request`] | what one run needs: [`RunRequest`], [`Input`], [`Limits`] |
//! | [`run`](mod@run) | one run as named steps: thread, deadline, host names, contract, result |
//! | [`cells`] | a file's cells (`---`, `# %%`) and what each produced |
//! | [`contract`] | the return-or-mutate contract of `transform(ds)` |
//! | [`outcome`] | [`RunOutcome`], the result of a successful run |
//! | [`error`] | [`TransformError`], why a run failed |
//! | [`dataset`] | the `ds` value, `dataset(...)`, `load_dataset(ref)` |
//! | [`convert`] | Starlark values ⇄ bodies and JSON |
//! | [`structure`] | `set_structure` declarations and conforming a body to them |
//! | [`print`] | console.log-style `print` |
//! | [`settings`] | `config` and `secrets`, and where their values come from |
//! | [`redact`] | replacing secret values in everything a run returns |
//! | [`fs`] | the read-only `fs` module rooted at the transform's directory |
//! | [`lockfile`] | `versions.lock`: choosing a script's starlib release |
//! | [`preview`] | what a dry run shows: schema, first rows, diff summary |
//! | [`profile`] | column profiles: type, nulls, min/max, distinct, histogram |
//! | [`qri`] | Qri's shapes: `transform(ds, ctx)` after `download(ctx)`, `dataset.latest()`/`dataset.commit(ds)` |
//!
//! ## The contract
//!
//! - The script defines zero or one global `transform`; a `transform` that
//!   is not a function is an error (`transform must be a function, got int`).
//!   Two top-level `def transform` are an error (`transform is defined twice`).
//! - `transform(ds)` may mutate `ds` or return a dataset. A returned dataset
//!   is the result and mutations to the argument are ignored. Returning
//!   `None` makes the (mutated) `ds` the result. Any other return value is
//!   an error naming its type (`transform must return a dataset or None, got list`).
//! - With no `transform`, the top level runs (for its output and checks)
//!   and the dataset is unchanged: there is no predeclared `ds`.
//! - The file runs as [`cells`] (one, unless `---` or `# %%` lines split
//!   it) in one module, frozen when the last ends; then `transform` runs.
//!
//! ## Predeclared names
//!
//! `dataset(...)`, `load_dataset(ref)` (another dataset's version,
//! read-only; recorded in the new version's provenance),
//! `config.get(key, default=None)`, `secrets.get(key, default=None)`, and a
//! `print` that renders values as node's `console.log` does
//! ([`print::console_format`]). Every secret value is replaced by
//! `[redacted]` in captured output and error messages, and secrets are never
//! part of the recorded [`datasets::Transform`]; string cells, meta, readme
//! and commit text of the result are redacted too. `load("fs.star", "fs")`
//! reads files from the transform's directory ([`fs`]).

#![warn(missing_docs)]

pub mod cells;
pub mod contract;
pub mod convert;
pub mod dataset;
pub mod error;
pub mod fs;
pub mod lockfile;
pub mod outcome;
pub mod preview;
pub mod print;
pub mod profile;
pub mod qri;
pub mod redact;
pub mod request;
pub mod run;
pub mod session;
pub mod settings;
pub mod structure;

pub use error::TransformError;
pub use outcome::RunOutcome;
pub use request::{Input, Limits, PrintHook, RunRequest};
pub use run::run;
pub use session::{
    Base, Candidate, CommitOptions, Committed, RunFailure, RunLog, RunOptions, Script, Session,
    SessionError,
};
pub use settings::{SettingSources, SettingsError};

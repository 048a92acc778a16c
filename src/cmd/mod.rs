//! One module per command, plus what they share: the global options, the
//! store, and error rendering.

pub mod apply;
pub mod diff;
pub mod fsck;
pub mod gc;
pub mod get;
pub mod list;
pub mod lock;
pub mod log;
pub mod notebook;
pub mod options;
pub mod progress;
pub mod remove;
pub mod repl;
pub mod run;
pub mod runs;
pub mod save;
pub mod schedule;
pub mod scheduler;
pub mod test;

use anyhow::Result;
use datasets::{Store, StoreLocation};
use std::path::PathBuf;
use std::sync::Arc;

/// Options every command sees.
pub struct Context {
    /// `--repo`: the store directory.
    pub repo: Option<PathBuf>,
    /// `--json`: machine-readable output.
    pub json: bool,
}

impl Context {
    /// Opens the dataset store (`--repo`, `$QUARRY_HOME`, or the platform default).
    pub fn store(&self) -> Result<Store> {
        let loc = StoreLocation::resolve(self.repo.as_deref())?;
        Store::open_location(&loc).map_err(|e| open_error(e, &loc.path))
    }

    /// Opens the store for a command that needs one to exist (reading,
    /// removing, gc): fails with "no store at DIR", creating nothing, when
    /// `--repo` (or `$QUARRY_HOME`) names a directory without one.
    pub fn open_existing(&self) -> Result<Store> {
        let loc = StoreLocation::resolve(self.repo.as_deref())?;
        Store::open_existing(&loc.path).map_err(|e| open_error(e, &loc.path))
    }

    /// Opens the existing store for `fsck`, even when its metadata database
    /// lost the history its blobs hold (which fsck reports and repairs).
    pub fn repair_store(&self) -> Result<Store> {
        let loc = StoreLocation::resolve(self.repo.as_deref())?;
        Store::open_for_repair(&loc.path).map_err(|e| open_error(e, &loc.path))
    }

    /// The store, shareable with a run (`load_dataset` reads from it).
    pub fn shared_store(&self) -> Result<Arc<Store>> {
        Ok(Arc::new(self.store()?))
    }

    /// The store when one exists already; `None` otherwise (nothing is created).
    pub fn existing_store(&self) -> Option<Arc<Store>> {
        let loc = StoreLocation::resolve(self.repo.as_deref()).ok()?;
        Store::open_existing(&loc.path).ok().map(Arc::new)
    }

    /// Prints `value` as pretty JSON on standard output.
    pub fn print_json<T: serde::Serialize>(&self, value: &T) -> Result<()> {
        println!("{}", serde_json::to_string_pretty(value)?);
        Ok(())
    }
}

/// An error opening the store at `path`: one that says it all as it is, the
/// others saying which store could not be opened.
fn open_error(e: datasets::DatasetError, path: &std::path::Path) -> anyhow::Error {
    match e {
        e @ (datasets::DatasetError::NoStore { .. }
        | datasets::DatasetError::LostHistory { .. }) => e.into(),
        e => anyhow::Error::from(e).context(format!(
            "cannot open the dataset store at {}",
            path.display()
        )),
    }
}

/// Reports misuse of the command line the way clap does (exit status 2).
pub fn misuse(msg: String) -> ! {
    use clap::CommandFactory;
    crate::Cli::command()
        .error(clap::error::ErrorKind::InvalidValue, msg)
        .exit()
}

/// `path` relative to the current directory when it is below it.
pub fn display_path(path: &std::path::Path) -> String {
    let rel = std::env::current_dir()
        .ok()
        .and_then(|d| d.canonicalize().ok())
        .and_then(|d| path.strip_prefix(d).ok().map(std::path::Path::to_path_buf));
    rel.unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}

/// The newest starlib release shipped in this binary.
pub fn newest_release() -> &'static starlib::Release {
    transforms::lockfile::newest_release()
}

/// A thread for scripts run from the command line: the newest starlib
/// release's dialect and modules, output to standard output.
pub fn script_thread() -> engine::Thread {
    release_thread(newest_release())
}

/// [`script_thread`] with `release`'s dialect and modules.
pub fn release_thread(release: &'static starlib::Release) -> engine::Thread {
    let mut thread = release.new_thread();
    thread.set_loader(release.loader(starlib::HostConfig::default()));
    thread.set_print(|s| println!("{s}"));
    thread
}

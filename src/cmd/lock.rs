//! `quarry lock [transform.star ...]`: pin transforms to a starlib release
//! in `versions.lock`, recording each script's hash.

use super::Context;
use anyhow::{bail, Result};
use std::path::PathBuf;
use std::process::ExitCode;
use transforms::lockfile::{lock, Lock, LOCK_FILE};

/// `quarry lock`'s arguments.
#[derive(clap::Args, Debug)]
pub struct LockArgs {
    /// Transforms to lock (default: every transform in ./versions.lock,
    /// refreshing their hashes).
    pub files: Vec<PathBuf>,
    /// Pin to the newest shipped release matching this requirement
    /// (`1`, `^2.0`, `=1.0.0`; default: keep the current pin, else the newest).
    #[arg(long, value_name = "REQ")]
    pub starlib: Option<String>,
}

/// `quarry lock`.
pub fn run(ctx: &Context, a: &LockArgs) -> Result<ExitCode> {
    let files = if a.files.is_empty() {
        let path = PathBuf::from(LOCK_FILE);
        if !path.is_file() {
            bail!("no {LOCK_FILE} here: name the transforms to lock, e.g. `quarry lock transform.star`");
        }
        let l = Lock::read(&path)?;
        let dir = l.path().parent().map(PathBuf::from).unwrap_or_default();
        l.entries().iter().map(|e| dir.join(&e.path)).collect()
    } else {
        a.files.clone()
    };
    let locked = lock(&files, a.starlib.as_deref())?;
    if ctx.json {
        let v: Vec<crate::report::LockReportEntry> = locked.iter().map(Into::into).collect();
        ctx.print_json(&v)?;
    } else {
        for l in &locked {
            if let Some(p) = &l.previous {
                let ships = starlib::releases()
                    .iter()
                    .any(|r| r.version.to_string() == *p);
                if !ships {
                    eprintln!(
                        "warning: {} was pinned to starlib {p}, which this quarry does not ship; moved to {}",
                        l.script.display(),
                        l.entry.starlib
                    );
                }
            }
            println!(
                "locked {} to starlib {} in {}",
                l.script.display(),
                l.entry.starlib,
                super::display_path(&l.lock)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

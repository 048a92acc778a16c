//! `quarry apply transform.star [peer/name]`: a dry run. Runs the transform
//! against the dataset's latest version (or an empty dataset), shows what it
//! printed, a preview of the result and a diff summary. Commits nothing.

use super::options::RunArgs;
use super::Context;
use crate::render;
use crate::report::ApplyReport;
use anyhow::Result;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use transforms::{Candidate, Script, Session};

/// `quarry apply`'s arguments.
#[derive(clap::Args, Debug)]
pub struct ApplyArgs {
    /// The transform script.
    pub file: PathBuf,
    /// The dataset the transform updates (`peer/name`; `@version` to start
    /// from an older version). Without it, the transform starts from an
    /// empty dataset.
    pub dataset: Option<String>,
    /// Rows shown in the preview.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Key column(s) matching rows in the diff summary (default: by position).
    #[arg(long = "key", value_name = "COL")]
    pub key: Vec<String>,
    #[command(flatten)]
    pub run: RunArgs,
}

/// Reads a script and its release, warning when it changed since it was
/// locked and, unless `quiet`, saying which release runs it.
pub fn read_script(file: &Path, quiet: bool) -> Result<Script> {
    let script = Script::read(file)?;
    if let Some(w) = &script.selection.warning {
        eprintln!("warning: {w}");
    }
    if !quiet {
        println!(
            "running {} with starlib {}",
            file.display(),
            script.describe_release()
        );
    }
    Ok(script)
}

/// Opens the session a dry run or save works in: `dataset` in the store,
/// or, with no dataset, a detached session that reads from an existing
/// store (so `load_dataset` works without creating an empty store).
pub fn open_session(ctx: &Context, dataset: Option<&str>) -> Result<Session> {
    Ok(match dataset {
        Some(d) => Session::open(ctx.shared_store()?, d)?,
        None => Session::detached(ctx.existing_store()),
    })
}

/// Runs `file` in `session`; a failed run is rendered with its position,
/// caret and backtrace.
pub fn run_script(
    ctx: &Context,
    session: &Session,
    file: &Path,
    run: &RunArgs,
) -> Result<Candidate> {
    let script = read_script(file, ctx.json)?;
    let options = run.options(!ctx.json)?;
    session
        .run(script, options)
        .map_err(render::failure::session)
}

/// Shows a candidate's preview (or its JSON report) and that nothing was
/// committed.
pub fn show_dry_run(
    ctx: &Context,
    candidate: &Candidate,
    dataset: Option<&str>,
    limit: usize,
    key: &[String],
) -> Result<ExitCode> {
    let preview = candidate.preview(limit, key)?;
    if ctx.json {
        ctx.print_json(&ApplyReport::new(dataset, candidate, preview))?;
    } else {
        if candidate.outcome().is_some() {
            println!();
        }
        print!("{}", render::preview::show_preview(&preview, dataset));
        println!("\ndry run: nothing was committed");
    }
    Ok(ExitCode::SUCCESS)
}

/// `quarry apply`.
pub fn run(ctx: &Context, a: &ApplyArgs) -> Result<ExitCode> {
    let session = open_session(ctx, a.dataset.as_deref())?;
    let candidate = run_script(ctx, &session, &a.file, &a.run)?;
    show_dry_run(ctx, &candidate, a.dataset.as_deref(), a.limit, &a.key)
}

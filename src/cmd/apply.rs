//! `quarry apply transform.star [peer/name]`: a dry run. Runs the transform
//! against the dataset's latest version (or an empty dataset), shows what it
//! printed, a preview of the result and a diff summary. Commits nothing.

use super::options::RunArgs;
use super::Context;
use crate::render;
use crate::report::{ApplyReport, CellJson, FailedCellsReport};
use anyhow::Result;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::rc::Rc;
use transforms::cells::CellReport;
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
    /// Show each cell's output, value and time: cells start at lines that
    /// are exactly `---` or start with `# %%`; a file without them is one cell.
    #[arg(long)]
    pub cells: bool,
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
    let mut options = run.options(!ctx.json)?;
    // Under --json, lines are not shown live: a failure's report keeps them.
    let printed = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    if ctx.json {
        let p = printed.clone();
        options.on_print = Some(Box::new(move |line: &str| {
            p.borrow_mut().push(line.to_string())
        }));
    }
    session
        .run(script, options)
        .map_err(|e| render::failure::session_with_output(e, printed.take()))
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
    if a.cells {
        return run_cells(ctx, &session, a);
    }
    let candidate = run_script(ctx, &session, &a.file, &a.run)?;
    show_dry_run(ctx, &candidate, a.dataset.as_deref(), a.limit, &a.key)
}

/// `quarry apply --cells`: each cell's report as it ends (prints grouped
/// under their cell), then the preview; a failed cell's error in full.
fn run_cells(ctx: &Context, session: &Session, a: &ApplyArgs) -> Result<ExitCode> {
    let script = read_script(&a.file, ctx.json)?;
    let total = transforms::cells::split(&script.text).len();
    let mut options = a.run.options(false)?;
    let reports: Rc<RefCell<Vec<CellReport>>> = Rc::default();
    let sink = reports.clone();
    let (json, limit) = (ctx.json, a.limit);
    options.on_cell = Some(Box::new(move |r: CellReport| {
        if !json {
            print!("{}", render::cells::show_cell(&r, total, limit));
        }
        sink.borrow_mut().push(r);
    }));
    let result = session.run(script, options);
    let cells: Vec<CellJson> = reports
        .take()
        .iter()
        .map(|r| CellJson::new(r, limit))
        .collect();
    let candidate = match result {
        Ok(c) => c,
        Err(e) => {
            if ctx.json {
                ctx.print_json(&FailedCellsReport {
                    cells,
                    committed: false,
                })?;
            } else {
                println!();
            }
            return Err(render::failure::session(e));
        }
    };
    let preview = candidate.preview(a.limit, &a.key)?;
    if ctx.json {
        let mut report = ApplyReport::new(a.dataset.as_deref(), &candidate, preview);
        report.cells = Some(cells);
        ctx.print_json(&report)?;
    } else {
        println!();
        print!(
            "{}",
            render::preview::show_preview(&preview, a.dataset.as_deref())
        );
        println!("\ndry run: nothing was committed");
    }
    Ok(ExitCode::SUCCESS)
}

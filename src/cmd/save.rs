//! `quarry save peer/name --file transform.star` runs a transform and
//! commits its result; `--body data.csv` commits a body file directly.
//! Both go through the library's session: the new version goes on top of
//! the head the run started from, or the save fails and commits nothing.

use super::apply::{open_session, run_script, show_dry_run};
use super::options::RunArgs;
use super::{progress, Context};
use crate::render;
use crate::report::{RunFacts, SaveReport};
use anyhow::{anyhow, bail, Result};
use datasets::{DatasetName, Format, ImportOptions};
use std::path::PathBuf;
use std::process::ExitCode;
use transforms::{Candidate, CommitOptions, Committed, RunLog, Session};

/// `quarry save`'s arguments.
#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["file", "body"])))]
pub struct SaveArgs {
    /// The dataset to save to (`peer/name`).
    pub dataset: String,
    /// Run this transform script and commit its result.
    #[arg(long, short = 'f', value_name = "TRANSFORM")]
    pub file: Option<PathBuf>,
    /// Commit this file as the body (csv, json, ndjson or parquet).
    #[arg(long, value_name = "FILE")]
    pub body: Option<PathBuf>,
    /// The body file's format (default: from its extension; `.tsv` is csv).
    #[arg(long, value_parser = parse_format)]
    pub format: Option<Format>,
    /// CSV: the field delimiter, one byte (`;`, `|`, `tab`; default `,`,
    /// a tab for `.tsv`).
    #[arg(long, value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
    /// The commit title (default: the script's, else a description of the save).
    #[arg(long)]
    pub title: Option<String>,
    /// The commit message.
    #[arg(long, short = 'm')]
    pub message: Option<String>,
    /// Run and preview like `apply`, commit nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Commit even when nothing changed.
    #[arg(long)]
    pub force: bool,
    /// Rows shown in the preview.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// The id of a run a scheduler already recorded (the scheduler passes it).
    #[arg(long, hide = true)]
    pub run_id: Option<String>,
    /// Why this run happens, for the run log (`manual` unless a scheduler says).
    #[arg(long, hide = true, default_value = "manual")]
    pub trigger: String,
    #[command(flatten)]
    pub run: RunArgs,
}

/// Parses a body format name.
pub fn parse_format(s: &str) -> std::result::Result<Format, String> {
    s.parse::<Format>().map_err(|e| e.to_string())
}

/// Parses a CSV delimiter: one byte, or `tab` (also `\t`) for a tab.
pub fn parse_delimiter(s: &str) -> std::result::Result<u8, String> {
    let b = match s {
        "tab" | "TAB" | "\\t" | "\t" => b'\t',
        _ if s.len() == 1 => s.as_bytes()[0],
        _ => {
            return Err(format!(
                "the delimiter must be one byte (or `tab`), got '{s}'"
            ))
        }
    };
    if matches!(b, b'"' | b'\n' | b'\r') || !b.is_ascii() {
        return Err(format!("'{}' cannot be a delimiter", s.escape_default()));
    }
    Ok(b)
}

/// `quarry save`.
pub fn run(ctx: &Context, a: &SaveArgs) -> Result<ExitCode> {
    if a.dataset.contains('@') {
        super::misuse(format!(
            "save takes a dataset name without a version (peer/name), got '{}'",
            a.dataset
        ));
    }
    let name: DatasetName = match a.dataset.parse() {
        Ok(n) => n,
        Err(e) => super::misuse(e.to_string()),
    };
    let mut session = open_session(ctx, Some(&a.dataset))?;
    if !a.dry_run && a.file.is_some() {
        // Every transform save is recorded in the run log, failures included.
        session = session.recording(RunLog {
            trigger: a.trigger.clone(),
            run_id: a.run_id.clone(),
        });
    }
    let candidate = match (&a.file, &a.body) {
        (Some(file), _) => run_script(ctx, &session, file, &a.run)?,
        (None, Some(body)) => import(&session, body, a)?,
        (None, None) => bail!("pass --file TRANSFORM or --body FILE"),
    };
    if a.dry_run {
        return show_dry_run(ctx, &candidate, Some(&a.dataset), a.limit, &[]);
    }
    commit(ctx, &name, candidate, a)
}

/// Proposes a body file, its format from `--format` or its extension.
fn import(session: &Session, body: &std::path::Path, a: &SaveArgs) -> Result<Candidate> {
    let Some(format) = a.format.or_else(|| Format::from_path(body)) else {
        bail!(
            "cannot tell the format of {} from its extension; pass --format csv|json|ndjson|parquet",
            body.display()
        )
    };
    if a.delimiter.is_some() && format != Format::Csv {
        bail!("--delimiter applies to csv bodies, not {format}");
    }
    let options = ImportOptions::for_path(body, a.delimiter);
    Ok(session.import(body, format, options)?)
}

/// Commits the candidate and reports the new version, or that nothing changed.
fn commit(
    ctx: &Context,
    name: &DatasetName,
    candidate: Candidate,
    a: &SaveArgs,
) -> Result<ExitCode> {
    let facts = RunFacts::of(&candidate);
    let spinner = progress::spinner(format!("saving {name}"));
    let committed = candidate.commit(CommitOptions {
        title: a.title.clone(),
        message: a.message.clone(),
        force: a.force,
    });
    spinner.finish_and_clear();
    let committed = committed.map_err(|e| anyhow!(e))?;
    let report = SaveReport::new(name, &committed, facts);
    if ctx.json {
        ctx.print_json(&report)?;
        return Ok(ExitCode::SUCCESS);
    }
    match &committed {
        Committed::Unchanged { head } => {
            let head = head.map(|h| h.short(12)).unwrap_or_default();
            println!("no changes: {name} stays at {head} (pass --force to commit anyway)");
        }
        Committed::Saved(saved) => {
            println!(
                "saved {name}@{} (version {}, {} rows, {}{})",
                render::short_id(&saved.id),
                saved.seq,
                saved.rows,
                render::size(saved.body_size),
                if saved.body_written {
                    ""
                } else {
                    "; body unchanged"
                }
            );
            for i in &report.inputs {
                println!("  read {}@{}", i.dataset, render::short_id(&i.version));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

//! `quarry save peer/name --file transform.star` runs a transform and
//! commits its result; `--body data.csv` commits a body file directly.
//! The new version goes on top of the head the run started from, or the
//! save fails: nothing is committed when the run fails or the head moved.

use super::apply::{read_base, run_file, show_preview, Base, RunArgs, Script};
use super::{progress, Context};
use anyhow::{anyhow, bail, Result};
use datasets::{
    BodyInput, DatasetName, ExpectedHead, Format, ImportOptions, NewVersion, Provenance, Store,
};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

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
    /// The body file's format (default: from its extension).
    #[arg(long, value_parser = parse_format)]
    pub format: Option<Format>,
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
    #[command(flatten)]
    pub run: RunArgs,
}

/// Parses a body format name.
pub fn parse_format(s: &str) -> std::result::Result<Format, String> {
    s.parse::<Format>().map_err(|e| e.to_string())
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
    if let Some(file) = &a.file {
        if a.dry_run {
            return super::apply::dry_run(ctx, file, Some(&a.dataset), a.limit, &[], &a.run);
        }
        return save_transform(ctx, &name, file, a);
    }
    let body = a
        .body
        .as_deref()
        .ok_or_else(|| anyhow!("pass --file TRANSFORM or --body FILE"))?;
    save_body(ctx, &name, body, a)
}

fn save_transform(
    ctx: &Context,
    name: &DatasetName,
    file: &Path,
    a: &SaveArgs,
) -> Result<ExitCode> {
    let store = Arc::new(ctx.store()?);
    let base = read_base(&store, &a.dataset)?;
    let script = Script::load(file, !ctx.json)?;
    let ran = run_file(script, base, Some(store.clone()), &a.run, !ctx.json)?;
    let parent = ran.base.as_ref().map(|b| b.version.id);
    if !a.force && unchanged(&ran) {
        let head = parent.map(|p| p.short(12)).unwrap_or_default();
        if ctx.json {
            ctx.print_json(&serde_json::json!({
                "dataset": name.to_string(), "committed": false, "head": parent,
                "output": ran.outcome.output, "reason": "no changes",
            }))?;
        } else {
            println!("no changes: {name} stays at {head} (pass --force to commit anyway)");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let default_title = if ran.base.is_some() {
        format!("run {}", file_name(file))
    } else {
        format!("create {name} with {}", file_name(file))
    };
    let output = ran.outcome.output.clone();
    let starlib_version = ran.outcome.starlib_version.clone();
    let inputs = ran.outcome.inputs.clone();
    let mut new = ran.outcome.into_new_version(&default_title);
    if let Some(t) = &a.title {
        new.title = t.clone();
    }
    if let Some(m) = &a.message {
        new.message = m.clone();
    }
    new.author = name.peer().to_string();
    new.expected_head = ExpectedHead::from_parent(parent);
    commit(ctx, &store, name, new, &output, &starlib_version, &inputs)
}

/// Whether a run's result equals the version it started from.
fn unchanged(ran: &super::apply::Ran) -> bool {
    let Some(Base { version, body }) = &ran.base else {
        return false;
    };
    let o = &ran.outcome;
    let same_body = body.schema == o.body.schema
        && body.num_rows() == o.body.num_rows()
        && matches!((body.concat(), o.body.concat()), (Ok(a), Ok(b)) if a == b);
    same_body
        && version.meta == o.meta
        && version.readme == o.readme
        && version.transform.as_ref() == Some(&o.transform)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

fn save_body(ctx: &Context, name: &DatasetName, body: &Path, a: &SaveArgs) -> Result<ExitCode> {
    let format = match a.format.or_else(|| Format::from_path(body)) {
        Some(f) => f,
        None => bail!(
            "cannot tell the format of {} from its extension; pass --format csv|json|ndjson|parquet",
            body.display()
        ),
    };
    if !body.is_file() {
        bail!("body file {} does not exist", body.display());
    }
    let store = Arc::new(ctx.store()?);
    let parent = store.head(name)?;
    if a.dry_run {
        let spinner = progress::spinner(format!("reading {}", body.display()));
        let new_body = datasets::import_file(body, format, &ImportOptions::default());
        spinner.finish_and_clear();
        let new_body = new_body?;
        let base = read_base(&store, &a.dataset)?;
        let baseline = base.as_ref().map(|b| transforms::preview::Baseline {
            id: b.version.id,
            body: &b.body,
            meta: b.version.meta.as_ref(),
        });
        let meta = base.as_ref().and_then(|b| b.version.meta.as_ref());
        let p = transforms::preview::preview(&new_body, meta, baseline, a.limit, &[])?;
        if ctx.json {
            ctx.print_json(
                &serde_json::json!({"dataset": name.to_string(), "preview": p, "committed": false}),
            )?;
        } else {
            print!("{}", show_preview(&p, Some(&a.dataset)));
            println!("\ndry run: nothing was committed");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let title = a
        .title
        .clone()
        .unwrap_or_else(|| format!("import {}", file_name(body)));
    let mut new = NewVersion::new(
        BodyInput::File {
            path: body.to_path_buf(),
            format,
            options: ImportOptions::default(),
        },
        title,
    );
    new.message = a.message.clone().unwrap_or_default();
    new.author = name.peer().to_string();
    new.expected_head = ExpectedHead::from_parent(parent);
    commit(ctx, &store, name, new, "", "", &[])
}

fn commit(
    ctx: &Context,
    store: &Store,
    name: &DatasetName,
    new: NewVersion,
    output: &str,
    starlib_version: &str,
    inputs: &[datasets::InputVersion],
) -> Result<ExitCode> {
    let provenance: Option<Provenance> = new.provenance.clone();
    let spinner = progress::spinner(format!("saving {name}"));
    let saved = store.save(name, new);
    spinner.finish_and_clear();
    let saved = saved?;
    if ctx.json {
        ctx.print_json(&serde_json::json!({
            "dataset": name.to_string(),
            "committed": true,
            "id": saved.id,
            "seq": saved.seq,
            "parent": saved.parent,
            "rows": saved.rows,
            "body_size": saved.body_size,
            "body_written": saved.body_written,
            "starlib": (!starlib_version.is_empty()).then_some(starlib_version),
            "run_id": provenance.and_then(|p| p.run_id),
            "inputs": inputs,
            "output": output,
        }))?;
    } else {
        println!(
            "saved {name}@{} (version {}, {} rows, {}{})",
            crate::render::short_id(&saved.id),
            saved.seq,
            saved.rows,
            crate::render::size(saved.body_size),
            if saved.body_written {
                ""
            } else {
                "; body unchanged"
            }
        );
        for i in inputs {
            println!(
                "  read {}@{}",
                i.dataset,
                crate::render::short_id(&i.version)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

//! `quarry runs [peer/name] [--failed]` and `quarry runs show ID`: every
//! run as a record (scheduled, retried, triggered by an upstream, or a
//! `quarry save` by hand).

use super::Context;
use crate::render;
use anyhow::{anyhow, Result};
use datasets::{RunEntry, RunFilter};
use std::process::ExitCode;

/// `quarry runs`'s arguments.
#[derive(clap::Args, Debug)]
pub struct RunsArgs {
    /// `show ID` shows one run; otherwise a dataset (`peer/name`) to list the runs of.
    pub target: Vec<String>,
    /// Only failed, timed-out and canceled runs.
    #[arg(long)]
    pub failed: bool,
    /// At most this many runs, newest first.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
}

/// `quarry runs`.
pub fn run(ctx: &Context, a: &RunsArgs) -> Result<ExitCode> {
    let store = ctx.open_existing()?;
    if let [show, id] = a.target.as_slice() {
        if show == "show" {
            let entry = store
                .run_entry(id)?
                .ok_or_else(|| anyhow!("no run {id} (`quarry runs` lists them)"))?;
            if ctx.json {
                ctx.print_json(&entry)?;
            } else {
                print!("{}", details(&entry));
            }
            return Ok(ExitCode::SUCCESS);
        }
    }
    if a.target.len() > 1 {
        super::misuse(format!(
            "expected `runs [peer/name]` or `runs show ID`, got {:?}",
            a.target
        ));
    }
    let runs = store.run_entries(&RunFilter {
        dataset: a.target.first().cloned(),
        failed: a.failed,
        limit: Some(a.limit),
    })?;
    if ctx.json {
        ctx.print_json(&runs)?;
    } else if runs.is_empty() {
        println!("no runs");
    } else {
        print!("{}", table(&runs));
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs as a table.
pub fn table(runs: &[RunEntry]) -> String {
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            vec![
                r.run_id.clone(),
                r.dataset.clone(),
                r.trigger.clone(),
                r.attempt.to_string(),
                render::time(&r.started_at),
                r.ended_at
                    .map(|e| {
                        format!(
                            "{:.1}s",
                            (e - r.started_at).num_milliseconds() as f64 / 1000.0
                        )
                    })
                    .unwrap_or_default(),
                r.status.as_str().to_string(),
                r.version
                    .as_deref()
                    .map(|v| v[..v.len().min(12)].to_string())
                    .unwrap_or_default(),
                r.error
                    .as_deref()
                    .and_then(|e| e.lines().next())
                    .unwrap_or("")
                    .to_string(),
            ]
        })
        .collect();
    render::table(
        &[
            "run", "dataset", "trigger", "attempt", "started", "took", "status", "version", "error",
        ],
        &rows,
    )
}

/// One run in full.
fn details(r: &RunEntry) -> String {
    let mut out = format!(
        "run {}\ndataset:  {}\ntrigger:  {} (attempt {})\nstatus:   {}\nstarted:  {}\n",
        r.run_id,
        r.dataset,
        r.trigger,
        r.attempt,
        r.status.as_str(),
        render::time(&r.started_at)
    );
    if let Some(e) = r.ended_at {
        out.push_str(&format!("ended:    {}\n", render::time(&e)));
    }
    if let Some(v) = &r.version {
        out.push_str(&format!("version:  {v}\n"));
    }
    if let Some(s) = &r.starlib {
        out.push_str(&format!("starlib:  {s}\n"));
    }
    out.push_str(&format!("script:   {}\n", r.script_hash));
    if let Some(seed) = r.rand_seed {
        out.push_str(&format!("seed:     {seed}\n"));
    }
    if let Some(e) = &r.error {
        out.push_str(&format!("error:\n{}\n", e.trim_end()));
    }
    if !r.output.is_empty() {
        out.push_str(&format!("output:\n{}", r.output));
    }
    out
}

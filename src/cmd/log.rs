//! `quarry log REF`: a dataset's history, newest first.

use super::Context;
use anyhow::Result;
use std::process::ExitCode;

/// `quarry log`'s arguments.
#[derive(clap::Args, Debug)]
pub struct LogArgs {
    /// The dataset (`peer/name`; a version part is ignored).
    pub dataset: String,
    /// Show at most this many versions.
    #[arg(long)]
    pub limit: Option<usize>,
}

/// `quarry log`.
pub fn run(ctx: &Context, a: &LogArgs) -> Result<ExitCode> {
    let store = ctx.open_existing()?;
    let r = datasets::DatasetRef::parse(&a.dataset)?;
    let mut log = store.log(&r.name)?;
    if let Some(n) = a.limit {
        log.truncate(n);
    }
    if ctx.json {
        // Each entry with its run, when a transform made it: the run id and
        // what the run printed.
        let runs = store.runs(&r.name)?;
        let entries: Vec<crate::report::LogReportEntry> = log
            .into_iter()
            .map(|e| {
                let at = datasets::DatasetRef::at(r.name.clone(), e.id);
                let seed = store.provenance(&at)?.and_then(|p| p.rand_seed);
                Ok(crate::report::LogReportEntry::new(e, &runs, seed))
            })
            .collect::<Result<_>>()?;
        ctx.print_json(&entries)?;
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = log
        .iter()
        .map(|e| {
            vec![
                e.seq.to_string(),
                crate::render::short_id(&e.id),
                crate::render::time(&e.timestamp),
                e.rows.to_string(),
                crate::render::size(e.body_size),
                e.title.clone(),
            ]
        })
        .collect();
    print!(
        "{}",
        crate::render::table(&["#", "id", "saved", "rows", "size", "title"], &rows)
    );
    Ok(ExitCode::SUCCESS)
}

//! `quarry fsck [--rebuild]`: check the whole store; exit 1 when anything
//! is wrong. `--rebuild` first rebuilds the metadata database's datasets,
//! versions, heads and runs from the manifests in blobs/ (after it lost
//! them), then checks.

use super::Context;
use crate::report::RebuildFsckReport;
use anyhow::Result;
use datasets::{FsckReport, RebuildReport};
use std::process::ExitCode;

/// `quarry fsck`'s arguments.
#[derive(clap::Args, Debug)]
pub struct FsckArgs {
    /// Rebuild the datasets, versions, heads and runs of the metadata
    /// database from the manifests in blobs/ (for a quarry.db that was
    /// emptied, truncated or replaced), then check the store.
    #[arg(long)]
    pub rebuild: bool,
}

/// `quarry fsck`.
pub fn run(ctx: &Context, a: &FsckArgs) -> Result<ExitCode> {
    let store = ctx.repair_store()?;
    let rebuilt = if a.rebuild {
        let spinner = super::progress::spinner("rebuilding the history from blobs/");
        let r = store.rebuild();
        spinner.finish_and_clear();
        Some(r?)
    } else {
        None
    };
    let spinner = super::progress::spinner("checking every blob");
    let report = store.fsck();
    spinner.finish_and_clear();
    let report = report?;
    let code = if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    };
    match (ctx.json, rebuilt) {
        (true, Some(rebuild)) => ctx.print_json(&RebuildFsckReport {
            rebuild,
            fsck: report,
        })?,
        (true, None) => ctx.print_json(&report)?,
        (false, rebuilt) => {
            if let Some(r) = &rebuilt {
                print_rebuild(r);
            }
            print_fsck(&report);
        }
    }
    Ok(code)
}

fn print_rebuild(r: &RebuildReport) {
    println!(
        "rebuilt {} datasets, {} versions and {} runs from the manifests in blobs/",
        r.datasets.len(),
        r.versions,
        r.runs
    );
    for d in &r.datasets {
        println!(
            "  {}: {} versions, head {} (name from {})",
            d.name,
            d.versions,
            crate::render::short_id(&d.head),
            d.named_from
        );
    }
    if r.removed > 0 {
        println!("  left out {} removed versions", r.removed);
    }
    for s in &r.skipped {
        println!("  left out {s}");
    }
}

fn print_fsck(report: &FsckReport) {
    println!(
        "checked {} datasets, {} versions, {} blobs ({})",
        report.datasets_checked,
        report.versions_checked,
        report.blobs_checked,
        crate::render::size(report.bytes_checked)
    );
    for p in &report.problems {
        println!("problem: {p}");
    }
    let leftovers = [
        (report.unreferenced_blobs.len(), "unreferenced blobs"),
        (report.temp_files.len(), "temporary files"),
        (
            report.unrecorded_versions.len(),
            "versions of interrupted saves",
        ),
    ];
    if leftovers.iter().any(|(n, _)| *n > 0) {
        let parts: Vec<String> = leftovers.iter().map(|(n, w)| format!("{n} {w}")).collect();
        println!("{} (harmless; `quarry gc` reclaims them)", parts.join(", "));
    }
    if report.is_clean() {
        println!("ok");
    }
}

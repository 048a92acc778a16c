//! `quarry fsck`: check the whole store; exit 1 when anything is wrong.

use super::Context;
use anyhow::Result;
use std::process::ExitCode;

/// `quarry fsck`.
pub fn run(ctx: &Context) -> Result<ExitCode> {
    let store = ctx.store()?;
    let spinner = super::progress::spinner("checking every blob");
    let report = store.fsck();
    spinner.finish_and_clear();
    let report = report?;
    if ctx.json {
        ctx.print_json(&report)?;
    } else {
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
        if !report.unreferenced_blobs.is_empty() || !report.temp_files.is_empty() {
            println!(
                "{} unreferenced blobs and {} temporary files (harmless)",
                report.unreferenced_blobs.len(),
                report.temp_files.len()
            );
        }
        if report.is_clean() {
            println!("ok");
        }
    }
    Ok(if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

//! `quarry gc [--grace DURATION]`: delete the blobs no version references
//! (left by `remove`, or by saves that were interrupted) and the temporary
//! files of killed saves, sparing anything younger than the grace period,
//! which a save in progress may still need.

use super::options::parse_duration;
use super::Context;
use crate::report::GcReport;
use anyhow::Result;
use std::process::ExitCode;
use std::time::Duration;

/// `quarry gc`'s arguments.
#[derive(clap::Args, Debug)]
pub struct GcArgs {
    /// Keep unreferenced blobs and temporary files younger than this (a
    /// save in progress may still need them): 30m, 1h, 2days, or seconds.
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = parse_duration)]
    pub grace: Duration,
}

/// `quarry gc`.
pub fn run(ctx: &Context, a: &GcArgs) -> Result<ExitCode> {
    let store = ctx.open_existing()?;
    let spinner = super::progress::spinner("collecting unreferenced blobs");
    let report = store.gc(a.grace);
    spinner.finish_and_clear();
    let report = GcReport::new(&report?, a.grace);
    if ctx.json {
        ctx.print_json(&report)?;
    } else {
        println!(
            "removed {} unreferenced blobs and {} temporary files, freeing {}",
            report.blobs_removed,
            report.temp_files_removed,
            crate::render::size(report.bytes_freed)
        );
        if !a.grace.is_zero() {
            println!(
                "(kept anything younger than {}: --grace 0 reclaims it too when no save is running)",
                humantime::format_duration(a.grace)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

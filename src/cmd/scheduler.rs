//! `quarry scheduler`: the foreground daemon that runs due refreshes (one
//! log line per event on standard error; stops on SIGTERM after letting
//! running refreshes finish within `--grace`).

use super::options::parse_duration;
use super::Context;
use anyhow::{Context as _, Result};
use scheduler::supervisor::{self, SupervisorOptions};
use std::process::ExitCode;
use std::time::Duration;

/// `quarry scheduler`'s arguments.
#[derive(clap::Args, Debug)]
pub struct SchedulerArgs {
    /// Refreshes at once (of different datasets; one dataset never runs twice at once).
    #[arg(long, default_value_t = 2)]
    pub jobs: usize,
    /// How long a claimed run is held without renewal; a run whose scheduler
    /// died is retried after it.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub lease: Duration,
    /// After SIGTERM, how long running refreshes may finish before they are canceled.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub grace: Duration,
    /// How often to look for due refreshes.
    #[arg(long, default_value = "1s", value_parser = parse_duration)]
    pub tick: Duration,
}

/// `quarry scheduler`.
pub fn run(ctx: &Context, a: &SchedulerArgs) -> Result<ExitCode> {
    let store = ctx.store()?;
    let exe = std::env::current_exe().context("cannot find the quarry executable")?;
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into());
    let opts = SupervisorOptions {
        exe,
        store_root: store.root().to_path_buf(),
        jobs: a.jobs,
        lease: a.lease,
        grace: a.grace,
        tick: a.tick,
        owner: format!("{host}:{}", std::process::id()),
    };
    let stop = supervisor::stop_on_signals()?;
    supervisor::run(&store, &opts, &stop)?;
    Ok(ExitCode::SUCCESS)
}

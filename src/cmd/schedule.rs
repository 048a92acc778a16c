//! `quarry schedule add|list|show|remove|pause|resume`: the timetable of
//! refreshes, kept in the store's database.

use super::options::{parse_duration, parse_key_value, parse_size};
use super::Context;
use crate::render;
use anyhow::{bail, Result};
use scheduler::spec::RunSpec;
use scheduler::timing::Timing;
use scheduler::{AddSchedule, ScheduleStatus};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// `quarry schedule`'s subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum ScheduleCommand {
    /// Refresh a dataset on a timetable (--every or --cron) or after an
    /// upstream dataset changes (--after).
    Add(Box<AddArgs>),
    /// Every schedule with its next run, last run and health.
    List,
    /// One schedule and its recent runs.
    Show {
        /// The dataset (`peer/name`).
        dataset: String,
    },
    /// Remove a schedule (its runs stay recorded).
    Remove {
        /// The dataset.
        dataset: String,
    },
    /// Stop a schedule's runs until it is resumed.
    Pause {
        /// The dataset.
        dataset: String,
    },
    /// Resume a paused schedule.
    Resume {
        /// The dataset.
        dataset: String,
    },
}

/// `quarry schedule add`'s arguments.
#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("when").required(true).args(["every", "cron", "after"])))]
pub struct AddArgs {
    /// The dataset to refresh (`peer/name`).
    pub dataset: String,
    /// The transform script (read anew at every run).
    #[arg(long, short = 'f', value_name = "TRANSFORM")]
    pub file: PathBuf,
    /// Run every period: 30s, 15m, 1h, 1d.
    #[arg(long, value_name = "PERIOD")]
    pub every: Option<String>,
    /// Run at the times of a cron pattern: "0 6 * * *", @daily.
    #[arg(long, value_name = "PATTERN")]
    pub cron: Option<String>,
    /// The time zone the cron pattern is read in (default UTC).
    #[arg(long, value_name = "ZONE", requires = "cron")]
    pub tz: Option<String>,
    /// Run when this dataset gets a new version (from any source).
    #[arg(long, value_name = "PEER/NAME")]
    pub after: Option<String>,
    /// A value for `config.get` (KEY=VALUE). Repeatable.
    #[arg(long = "config", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub config: Vec<(String, String)>,
    /// A JSON object (or .toml table) of config values, read at each run.
    #[arg(long, value_name = "FILE")]
    pub config_file: Option<PathBuf>,
    /// A JSON object (or .toml table) of secrets, read at each run (never stored).
    #[arg(long, value_name = "FILE")]
    pub secrets_file: Option<PathBuf>,
    /// A secret read from the scheduler's environment variable NAME at each run.
    #[arg(long = "secret", value_name = "NAME")]
    pub secret_env: Vec<String>,
    /// Wall-clock limit of each run (also enforced by killing the process).
    #[arg(long, default_value = "10m", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Allocation budget of each run (also an address-space limit on its process).
    #[arg(long, default_value = "4GiB", value_parser = parse_size)]
    pub memory_limit: u64,
    /// Limit of execution steps of each run (0: none).
    #[arg(long, default_value_t = 1_000_000_000)]
    pub max_steps: u64,
    /// Let `http` reach loopback and private-network addresses.
    #[arg(long)]
    pub allow_private_network: bool,
    /// Restrict `http` to these hosts. Repeatable.
    #[arg(long = "allow-host", value_name = "HOST")]
    pub allow_hosts: Vec<String>,
    /// Retries after a failed run, with doubling backoff.
    #[arg(long, default_value_t = 3)]
    pub retries: u32,
    /// Delay before the first retry.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub retry_backoff: Duration,
    /// Failed runs in a row after which `schedule list` flags the schedule.
    #[arg(long, default_value_t = 3)]
    pub alert_after: u32,
    /// Run this shell command with the run's JSON on standard input on a
    /// failure and on the recovery after one.
    #[arg(long, value_name = "CMD")]
    pub notify_command: Option<String>,
    /// POST the run's JSON to this URL on a failure and on the recovery.
    #[arg(long, value_name = "URL")]
    pub notify_url: Option<String>,
}

impl AddArgs {
    fn request(&self) -> Result<AddSchedule> {
        let timing = match (&self.every, &self.cron, &self.after) {
            (Some(e), _, _) => Timing::every(e)?,
            (_, Some(c), _) => Timing::cron(c, self.tz.as_deref())?,
            (_, _, Some(a)) => Timing::After {
                upstream: a.clone(),
            },
            _ => bail!("pass --every, --cron or --after"),
        };
        let abs = |p: &PathBuf| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
        Ok(AddSchedule {
            dataset: self.dataset.clone(),
            script: self.file.clone(),
            timing,
            run: RunSpec {
                config: self.config.clone(),
                config_file: self.config_file.as_ref().map(abs),
                secrets_file: self.secrets_file.as_ref().map(abs),
                secret_env: self.secret_env.clone(),
                timeout_ms: u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX),
                memory_limit: self.memory_limit,
                max_steps: self.max_steps,
                allow_private_network: self.allow_private_network,
                allow_hosts: self.allow_hosts.clone(),
            },
            max_retries: self.retries,
            retry_backoff_ms: u64::try_from(self.retry_backoff.as_millis()).unwrap_or(u64::MAX),
            alert_after_failures: self.alert_after,
            notify_command: self.notify_command.clone(),
            notify_url: self.notify_url.clone(),
        })
    }
}

/// `quarry schedule ...`.
pub fn run(ctx: &Context, c: &ScheduleCommand) -> Result<ExitCode> {
    match c {
        ScheduleCommand::Add(a) => {
            let store = ctx.store()?;
            let row = scheduler::add(&store, a.request()?)?;
            let status = scheduler::show(&store, &row.dataset)?;
            if ctx.json {
                ctx.print_json(&status)?;
            } else {
                println!(
                    "scheduled {} ({}); next run {}",
                    status.dataset,
                    status.timing,
                    next_text(&status)
                );
            }
        }
        ScheduleCommand::List => {
            let store = ctx.open_existing()?;
            let list = scheduler::list(&store)?;
            if ctx.json {
                ctx.print_json(&list)?;
            } else if list.is_empty() {
                println!("no schedules (`quarry schedule add peer/name --file T.star --every 1h` adds one)");
            } else {
                print!("{}", table(&list));
            }
        }
        ScheduleCommand::Show { dataset } => {
            let store = ctx.open_existing()?;
            let status = scheduler::show(&store, dataset)?;
            if ctx.json {
                ctx.print_json(&status)?;
            } else {
                print!("{}", table(std::slice::from_ref(&status)));
                println!(
                    "script: {} ({})",
                    status.spec.script.display(),
                    short(&status.spec.script_hash)
                );
                let runs = store.run_entries(&datasets::RunFilter {
                    dataset: Some(dataset.clone()),
                    failed: false,
                    limit: Some(10),
                })?;
                if !runs.is_empty() {
                    println!("recent runs:");
                    print!("{}", super::runs::table(&runs));
                }
            }
        }
        ScheduleCommand::Remove { dataset } => {
            scheduler::remove(&ctx.open_existing()?, dataset)?;
            changed(ctx, dataset, "removed")?;
        }
        ScheduleCommand::Pause { dataset } => {
            scheduler::pause(&ctx.open_existing()?, dataset)?;
            changed(ctx, dataset, "paused")?;
        }
        ScheduleCommand::Resume { dataset } => {
            scheduler::resume(&ctx.open_existing()?, dataset)?;
            changed(ctx, dataset, "resumed")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reports that a schedule was removed, paused or resumed.
fn changed(ctx: &Context, dataset: &str, action: &str) -> Result<()> {
    if ctx.json {
        ctx.print_json(&crate::report::ScheduleChange {
            dataset: dataset.to_string(),
            action: action.to_string(),
        })
    } else {
        println!("{action} the schedule of {dataset}");
        Ok(())
    }
}

fn short(hash: &str) -> &str {
    &hash[..hash.len().min(19)]
}

fn next_text(s: &ScheduleStatus) -> String {
    match (&s.paused, &s.next_run_at) {
        (true, _) => "paused".into(),
        (false, Some(t)) => render::time(t),
        (false, None) => "when upstream changes".into(),
    }
}

/// Schedules as a table, with a health column that says what is wrong.
fn table(list: &[ScheduleStatus]) -> String {
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|s| {
            let health = match (&s.health.failing, &s.health.stopped) {
                (true, _) => format!("FAILING ({} in a row)", s.health.failures_in_row),
                (_, true) => "STOPPED (no success for 3 periods)".to_string(),
                _ => "ok".to_string(),
            };
            vec![
                s.dataset.clone(),
                s.timing.clone(),
                next_text(s),
                s.last_run
                    .as_ref()
                    .map(|r| render::time(&r.started_at))
                    .unwrap_or_else(|| "never".into()),
                s.last_run
                    .as_ref()
                    .map(|r| r.status.as_str().to_string())
                    .unwrap_or_default(),
                health,
            ]
        })
        .collect();
    render::table(
        &[
            "dataset",
            "when",
            "next run",
            "last run",
            "last status",
            "health",
        ],
        &rows,
    )
}

//! # scheduler: refreshes on a timetable
//!
//! Schedules live in the store's database; `quarry scheduler` runs the
//! [`supervisor`], which claims due runs through leases in that database
//! (never an in-memory queue), runs each refresh as a child `quarry save`
//! under OS limits, and records every run. Two schedulers on one store
//! never run the same refresh twice; a run whose scheduler died is found
//! by its expired lease and retried.
//!
//! | module | job |
//! | --- | --- |
//! | [`timing`] | when a schedule runs: every period, a cron pattern in a time zone, after an upstream dataset |
//! | [`spec`] | what a schedule stores: script, timing, run options, retry and notify settings |
//! | [`plan`] | the policy without I/O: due runs, attempts, retry backoff, health |
//! | [`child`] | one refresh as a child process under OS limits, killed at its deadline |
//! | [`notify`] | the notify command and URL, on failures and recoveries |
//! | [`supervisor`] | the loop: claim, start, renew, reap, retry, notify, drain on SIGTERM |

#![warn(missing_docs)]

pub mod child;
pub mod notify;
pub mod plan;
pub mod spec;
pub mod supervisor;
pub mod timing;

use chrono::Utc;
use datasets::{DatasetName, RunEntry, RunFilter, ScheduleRow, Store};
use serde::Serialize;
use spec::{RunSpec, ScheduleSpec};
use std::path::{Path, PathBuf};
use timing::Timing;

/// Why a schedule could not be added, changed or run.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    /// The timing is not valid.
    #[error(transparent)]
    Timing(#[from] timing::TimingError),
    /// The script cannot be read, parsed, or loads what its release lacks.
    #[error("{0}")]
    Script(String),
    /// The dataset name is not `peer/name`.
    #[error("{0}")]
    Name(String),
    /// Running after the upstream would make a cycle of schedules.
    #[error("{dataset} cannot run after {upstream}: that makes a cycle ({})", .cycle.join(" -> "))]
    Cycle {
        /// The dataset being scheduled.
        dataset: String,
        /// The upstream it would follow.
        upstream: String,
        /// The cycle, from the dataset back to itself.
        cycle: Vec<String>,
    },
    /// The dataset has no schedule.
    #[error("{0} has no schedule (`quarry schedule list` shows them)")]
    NotScheduled(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] datasets::DatasetError),
    /// A stored schedule is not valid JSON of the expected shape.
    #[error("stored schedule: {0}")]
    Spec(#[from] serde_json::Error),
    /// A system call failed.
    #[error("{0}")]
    Io(std::io::Error),
}

/// What `quarry schedule add` asks for.
#[derive(Debug, Clone)]
pub struct AddSchedule {
    /// The dataset to refresh (`peer/name`).
    pub dataset: String,
    /// The transform script.
    pub script: PathBuf,
    /// When it runs.
    pub timing: Timing,
    /// The options each run gets.
    pub run: RunSpec,
    /// Retries after a failed run.
    pub max_retries: u32,
    /// The first retry's delay; doubled for each further one.
    pub retry_backoff_ms: u64,
    /// Failed runs in a row after which the schedule is flagged.
    pub alert_after_failures: u32,
    /// Run on a failure and on the recovery, with the run's JSON on stdin.
    pub notify_command: Option<String>,
    /// POSTed the run's JSON on a failure and on the recovery.
    pub notify_url: Option<String>,
}

/// Checks that `script` parses and that every module it loads exists in
/// the release it is pinned to (versions.lock, or the newest); returns
/// its absolute path and hash.
pub fn check_script(script: &Path) -> Result<(PathBuf, String), ScheduleError> {
    let abs = script
        .canonicalize()
        .map_err(|e| ScheduleError::Script(format!("{}: {e}", script.display())))?;
    let s = transforms::Script::read(&abs).map_err(|e| ScheduleError::Script(e.to_string()))?;
    transforms::lockfile::check_loads(&abs, &s.text, s.release())
        .map_err(|e| ScheduleError::Script(e.to_string()))?;
    Ok((abs, s.hash()))
}

/// Adds a schedule: checks the name, the script and, for `after`, that no
/// cycle forms; the first run of a periodic schedule is due at once, of a
/// cron schedule at its next time.
pub fn add(store: &Store, req: AddSchedule) -> Result<ScheduleRow, ScheduleError> {
    let name: DatasetName = req
        .dataset
        .parse()
        .map_err(|e: datasets::DatasetError| ScheduleError::Name(e.to_string()))?;
    let dataset = name.to_string();
    if store.schedule(&dataset)?.is_some() {
        return Err(datasets::DatasetError::Invalid(format!(
            "{dataset} already has a schedule: `quarry schedule remove {dataset}` first"
        ))
        .into());
    }
    let (script, script_hash) = check_script(&req.script)?;
    let upstream = match &req.timing {
        Timing::After { upstream } => {
            let up: DatasetName = upstream
                .parse()
                .map_err(|e: datasets::DatasetError| ScheduleError::Name(e.to_string()))?;
            check_no_cycle(store, &dataset, &up.to_string())?;
            Some(up.to_string())
        }
        _ => None,
    };
    let now = Utc::now();
    let next = match &req.timing {
        Timing::Every { .. } => Some(now),
        t => t.next_after(now),
    };
    let spec = ScheduleSpec {
        script,
        script_hash,
        timing: match req.timing {
            Timing::After { .. } => Timing::After {
                upstream: upstream.clone().unwrap_or_default(),
            },
            t => t,
        },
        run: req.run,
        max_retries: req.max_retries,
        retry_backoff_ms: req.retry_backoff_ms,
        alert_after_failures: req.alert_after_failures,
        notify_command: req.notify_command,
        notify_url: req.notify_url,
    };
    Ok(store.add_schedule(
        &dataset,
        &serde_json::to_string(&spec)?,
        upstream.as_deref(),
        next,
    )?)
}

/// Refuses `dataset` after `upstream` when `upstream` already runs after
/// `dataset`, directly or through other schedules.
fn check_no_cycle(store: &Store, dataset: &str, upstream: &str) -> Result<(), ScheduleError> {
    let schedules = store.schedules()?;
    let mut chain = vec![dataset.to_string(), upstream.to_string()];
    let mut current = upstream.to_string();
    while current != dataset {
        let next = schedules
            .iter()
            .find(|s| s.dataset == current)
            .and_then(|s| s.upstream.clone());
        match next {
            Some(n) if chain.len() <= schedules.len() + 2 => {
                chain.push(n.clone());
                current = n;
            }
            _ => return Ok(()),
        }
    }
    Err(ScheduleError::Cycle {
        dataset: dataset.into(),
        upstream: upstream.into(),
        cycle: chain,
    })
}

/// A schedule with its last run, its next run and its health.
#[derive(Debug, Clone, Serialize)]
pub struct ScheduleStatus {
    /// The dataset.
    pub dataset: String,
    /// What it runs and how.
    pub spec: ScheduleSpec,
    /// `every 1h`, `cron 0 6 * * * (UTC)`, `after me/raw`.
    pub timing: String,
    /// Whether it is paused.
    pub paused: bool,
    /// When it is next due.
    pub next_run_at: Option<chrono::DateTime<Utc>>,
    /// Its latest run.
    pub last_run: Option<RunEntry>,
    /// Failing or stopped.
    pub health: plan::Health,
}

/// The status of `row`, from its recent runs.
fn status(store: &Store, row: ScheduleRow) -> Result<ScheduleStatus, ScheduleError> {
    let spec: ScheduleSpec = serde_json::from_str(&row.spec)?;
    let runs = store.run_entries(&RunFilter {
        dataset: Some(row.dataset.clone()),
        failed: false,
        limit: Some(50),
    })?;
    let health = plan::health(&row, &spec, &runs, Utc::now());
    Ok(ScheduleStatus {
        dataset: row.dataset.clone(),
        timing: spec.timing.describe(),
        paused: row.paused,
        next_run_at: row.next_run_at,
        last_run: runs.into_iter().next(),
        health,
        spec,
    })
}

/// Every schedule with its status.
pub fn list(store: &Store) -> Result<Vec<ScheduleStatus>, ScheduleError> {
    store
        .schedules()?
        .into_iter()
        .map(|r| status(store, r))
        .collect()
}

/// One schedule's status.
pub fn show(store: &Store, dataset: &str) -> Result<ScheduleStatus, ScheduleError> {
    let row = store
        .schedule(dataset)?
        .ok_or_else(|| ScheduleError::NotScheduled(dataset.into()))?;
    status(store, row)
}

/// Pauses a schedule: no runs until it is resumed.
pub fn pause(store: &Store, dataset: &str) -> Result<(), ScheduleError> {
    let row = store
        .schedule(dataset)?
        .ok_or_else(|| ScheduleError::NotScheduled(dataset.into()))?;
    store.set_schedule_paused(dataset, true, row.next_run_at)?;
    Ok(())
}

/// Resumes a schedule: a periodic one is due at once (runs missed while
/// paused make one run), a cron one at its next time.
pub fn resume(store: &Store, dataset: &str) -> Result<(), ScheduleError> {
    let row = store
        .schedule(dataset)?
        .ok_or_else(|| ScheduleError::NotScheduled(dataset.into()))?;
    let spec: ScheduleSpec = serde_json::from_str(&row.spec)?;
    let now = Utc::now();
    let next = match &spec.timing {
        Timing::Every { .. } => Some(now),
        t => t.next_after(now),
    };
    store.set_schedule_paused(dataset, false, next)?;
    Ok(())
}

/// Removes a schedule (its runs stay recorded).
pub fn remove(store: &Store, dataset: &str) -> Result<(), ScheduleError> {
    if store.remove_schedule(dataset)? {
        Ok(())
    } else {
        Err(ScheduleError::NotScheduled(dataset.into()))
    }
}

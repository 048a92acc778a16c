//! `quarry scheduler`: the supervisor loop. It claims due runs through
//! leases in the store's database, runs each in a child process, renews
//! the leases while they run, records how they ended, retries failures
//! with backoff, notifies, and on SIGTERM stops taking runs, lets running
//! ones finish within a grace period, then cancels them. It keeps no
//! per-run state once a run is recorded.

use crate::child::{RunTicket, RunningChild};
use crate::spec::ScheduleSpec;
use crate::{notify, plan, ScheduleError};
use chrono::Utc;
use datasets::{NewRun, RunEntry, RunFilter, RunStatus, ScheduleRow, Store};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How the supervisor runs.
#[derive(Debug, Clone)]
pub struct SupervisorOptions {
    /// The `quarry` executable each run starts.
    pub exe: PathBuf,
    /// The store directory.
    pub store_root: PathBuf,
    /// Runs at once, across datasets (one per dataset at most).
    pub jobs: usize,
    /// How long a claim holds without renewal; a run whose scheduler died
    /// is retried once its lease expires.
    pub lease: Duration,
    /// How long running runs may finish after SIGTERM before they are canceled.
    pub grace: Duration,
    /// How often the loop looks for due runs and ended children.
    pub tick: Duration,
    /// This scheduler's name in leases (host and process).
    pub owner: String,
}

/// A claimed run in a child process, with what its end needs.
struct Active {
    child: RunningChild,
    schedule_id: i64,
    spec: ScheduleSpec,
}

/// One log line on standard error: time, event, details.
fn log(event: &str, details: &str) {
    eprintln!(
        "{} {event} {details}",
        Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    );
}

/// Runs the supervisor until `stop` is set (SIGTERM, SIGINT), then drains.
pub fn run(
    store: &Store,
    opts: &SupervisorOptions,
    stop: &AtomicBool,
) -> Result<(), ScheduleError> {
    log(
        "scheduler.start",
        &format!(
            "owner={} jobs={} store={}",
            opts.owner,
            opts.jobs,
            opts.store_root.display()
        ),
    );
    let mut active: Vec<Active> = Vec::new();
    let mut last_renewal = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        for run in store.expire_leases()? {
            log(
                "run.lease_expired",
                &format!(
                    "run={} dataset={} owner={} (will retry)",
                    run.run_id,
                    run.dataset,
                    run.lease_owner.unwrap_or_default()
                ),
            );
        }
        reap(store, &mut active, false)?;
        if last_renewal.elapsed() >= opts.lease / 3 {
            renew(store, opts, &active)?;
            last_renewal = Instant::now();
        }
        if active.len() < opts.jobs.max(1) {
            start_due(store, opts, &mut active)?;
        }
        std::thread::sleep(opts.tick);
    }
    drain(store, opts, &mut active)?;
    log("scheduler.stop", &format!("owner={}", opts.owner));
    Ok(())
}

/// Extends the leases of the runs this scheduler holds.
fn renew(store: &Store, opts: &SupervisorOptions, active: &[Active]) -> Result<(), ScheduleError> {
    if active.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = active
        .iter()
        .map(|a| a.child.ticket.run_id.clone())
        .collect();
    store.renew_leases(&opts.owner, &ids, lease_until(opts))?;
    Ok(())
}

fn lease_until(opts: &SupervisorOptions) -> chrono::DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(opts.lease).unwrap_or(chrono::Duration::seconds(30))
}

/// Claims and starts due runs while there is room.
fn start_due(
    store: &Store,
    opts: &SupervisorOptions,
    active: &mut Vec<Active>,
) -> Result<(), ScheduleError> {
    let now = Utc::now();
    for row in store.schedules()? {
        if active.len() >= opts.jobs.max(1) {
            break;
        }
        if active.iter().any(|a| a.child.ticket.dataset == row.dataset) {
            continue;
        }
        let spec: ScheduleSpec = match serde_json::from_str(&row.spec) {
            Ok(s) => s,
            Err(e) => {
                log(
                    "schedule.invalid",
                    &format!("dataset={} error={e}", row.dataset),
                );
                continue;
            }
        };
        let upstream_head = match &row.upstream {
            Some(u) => store.head(u.as_str())?.map(|h| h.to_hex()),
            None => None,
        };
        let last = last_run(store, &row.dataset)?;
        let Some(due) = plan::due(&row, &spec, upstream_head.as_deref(), last.as_ref(), now) else {
            continue;
        };
        let run_id = transforms::run::new_run_id();
        let script_hash = std::fs::read(&spec.script)
            .map(|t| transforms::lockfile::script_hash(&t))
            .unwrap_or_default();
        let new = NewRun {
            run_id: run_id.clone(),
            dataset: row.dataset.clone(),
            schedule_id: Some(row.id),
            trigger: due.trigger.to_string(),
            attempt: plan::attempt(&spec, last.as_ref()),
            script_hash: script_hash.clone(),
            lease: Some((opts.owner.clone(), lease_until(opts))),
        };
        if !store.claim_run(&row, due.next_run_at, due.upstream_seen.as_deref(), &new)? {
            continue;
        }
        let spec = remember_script_hash(store, &row, spec, &script_hash)?;
        log(
            "run.start",
            &format!(
                "run={run_id} dataset={} trigger={} attempt={}",
                row.dataset, due.trigger, new.attempt
            ),
        );
        let ticket = RunTicket {
            run_id,
            dataset: row.dataset.clone(),
            trigger: due.trigger.to_string(),
        };
        match RunningChild::spawn(&opts.exe, &opts.store_root, ticket.clone(), &spec) {
            Ok(child) => active.push(Active {
                child,
                schedule_id: row.id,
                spec,
            }),
            Err(e) => {
                let end = datasets::RunEnd {
                    status: Some(RunStatus::Failed),
                    error: Some(format!("cannot start {}: {e}", opts.exe.display())),
                    ..Default::default()
                };
                store.finish_run(
                    &ticket.run_id,
                    &end,
                    plan::retry_at(&spec, RunStatus::Failed, new.attempt, Utc::now()),
                )?;
                log(
                    "run.end",
                    &format!(
                        "run={} dataset={} status=failed error={e}",
                        ticket.run_id, ticket.dataset
                    ),
                );
            }
        }
    }
    Ok(())
}

/// The script changed since the schedule last ran: the run uses the new
/// file and its hash is recorded.
fn remember_script_hash(
    store: &Store,
    row: &ScheduleRow,
    mut spec: ScheduleSpec,
    hash: &str,
) -> Result<ScheduleSpec, ScheduleError> {
    if !hash.is_empty() && spec.script_hash != hash {
        log(
            "schedule.script_changed",
            &format!("dataset={} hash={hash}", row.dataset),
        );
        spec.script_hash = hash.to_string();
        store.update_schedule_spec(&row.dataset, &serde_json::to_string(&spec)?)?;
    }
    Ok(spec)
}

fn last_run(store: &Store, dataset: &str) -> Result<Option<RunEntry>, ScheduleError> {
    Ok(store
        .run_entries(&RunFilter {
            dataset: Some(dataset.to_string()),
            failed: false,
            limit: Some(1),
        })?
        .into_iter()
        .next())
}

/// Records ended children (and kills those past their deadline).
fn reap(store: &Store, active: &mut Vec<Active>, canceled: bool) -> Result<(), ScheduleError> {
    let mut i = 0;
    while i < active.len() {
        if active[i].child.enforce_deadline() {
            log(
                "run.killed",
                &format!(
                    "run={} dataset={} reason=deadline",
                    active[i].child.ticket.run_id, active[i].child.ticket.dataset
                ),
            );
        }
        let Some(status) = active[i].child.try_wait() else {
            i += 1;
            continue;
        };
        let a = active.swap_remove(i);
        record_end(store, a, status, canceled)?;
    }
    Ok(())
}

/// Records how a child's run ended, schedules a retry after a failure, and
/// notifies on a failure or a recovery.
fn record_end(
    store: &Store,
    a: Active,
    status: std::process::ExitStatus,
    canceled: bool,
) -> Result<(), ScheduleError> {
    let Active {
        child,
        schedule_id,
        spec,
    } = a;
    let (ticket, end) = child.end(status, canceled);
    // A no-op when the child recorded its run's end itself.
    store.finish_run(&ticket.run_id, &end, None)?;
    let Some(entry) = store.run_entry(&ticket.run_id)? else {
        return Ok(());
    };
    let retry = plan::retry_at(&spec, entry.status, entry.attempt, Utc::now());
    if let Some(at) = retry {
        if !canceled {
            store.set_schedule_next(schedule_id, at)?;
        }
    }
    log(
        "run.end",
        &format!(
            "run={} dataset={} status={} attempt={}{}{}",
            entry.run_id,
            entry.dataset,
            entry.status.as_str(),
            entry.attempt,
            entry
                .version
                .as_deref()
                .map(|v| format!(" version={}", &v[..v.len().min(12)]))
                .unwrap_or_default(),
            entry
                .error
                .as_deref()
                .map(|e| format!(" error={:?}", first_line(e)))
                .unwrap_or_default(),
        ),
    );
    notify_if_needed(store, &spec, &entry)
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// Fires the notifiers on a failure, and on the first good run after one.
fn notify_if_needed(
    store: &Store,
    spec: &ScheduleSpec,
    entry: &RunEntry,
) -> Result<(), ScheduleError> {
    if spec.notify_command.is_none() && spec.notify_url.is_none() {
        return Ok(());
    }
    let event = if entry.status.is_failure() {
        "failure"
    } else {
        let previous = store.run_entries(&RunFilter {
            dataset: Some(entry.dataset.clone()),
            failed: false,
            limit: Some(2),
        })?;
        match previous.get(1) {
            Some(p) if p.status.is_failure() => "recovery",
            _ => return Ok(()),
        }
    };
    let payload = serde_json::to_vec(&serde_json::json!({ "event": event, "run": entry }))?;
    if let Some(cmd) = &spec.notify_command {
        if let Err(e) = notify::run_command(cmd, &payload) {
            log(
                "notify.failed",
                &format!("run={} command error={e:?}", entry.run_id),
            );
        }
    }
    if let Some(url) = &spec.notify_url {
        if let Err(e) = notify::post(url, &payload) {
            log(
                "notify.failed",
                &format!("run={} url error={e:?}", entry.run_id),
            );
        }
    }
    log(
        "notify.sent",
        &format!("run={} event={event}", entry.run_id),
    );
    Ok(())
}

/// After a stop request: lets running runs finish within the grace period,
/// then cancels the rest (their processes are killed; the store's atomic
/// commit means nothing is half-committed).
fn drain(
    store: &Store,
    opts: &SupervisorOptions,
    active: &mut Vec<Active>,
) -> Result<(), ScheduleError> {
    if active.is_empty() {
        return Ok(());
    }
    log(
        "scheduler.draining",
        &format!("runs={} grace={:?}", active.len(), opts.grace),
    );
    let until = Instant::now() + opts.grace;
    while !active.is_empty() && Instant::now() < until {
        reap(store, active, false)?;
        renew(store, opts, active)?;
        std::thread::sleep(opts.tick.min(Duration::from_millis(200)));
    }
    for a in active.iter() {
        a.child.signal(libc::SIGKILL);
    }
    while !active.is_empty() {
        reap(store, active, true)?;
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// Registers SIGTERM and SIGINT to set the returned flag.
pub fn stop_on_signals() -> Result<Arc<AtomicBool>, ScheduleError> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(sig, stop.clone()).map_err(ScheduleError::Io)?;
    }
    Ok(stop)
}

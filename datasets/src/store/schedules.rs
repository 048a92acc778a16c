//! Schedules and run records: which dataset is refreshed when (the
//! timetable itself is opaque JSON to the store: the scheduler owns its
//! meaning), and one record per run attempt, claimed through a lease so
//! that two schedulers on one store never run the same refresh twice.
//!
//! Every change here is one SQLite transaction; a claim is a
//! compare-and-swap on the schedule's next due time (or the upstream
//! version it last saw) plus a check that no live run of the dataset exists.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension, Row, TransactionBehavior};
use serde::Serialize;

use super::Store;
use crate::error::{DatasetError, Result};

/// A stored schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduleRow {
    /// Its id.
    pub id: i64,
    /// The dataset it refreshes (`peer/name`).
    pub dataset: String,
    /// The scheduler's description of it (script, timing, settings, limits), as JSON.
    pub spec: String,
    /// The upstream dataset whose new versions trigger it, if any.
    pub upstream: Option<String>,
    /// The upstream head it last ran for.
    pub upstream_seen: Option<String>,
    /// When it is next due (`None`: only upstream changes trigger it).
    pub next_run_at: Option<DateTime<Utc>>,
    /// Whether it is paused.
    pub paused: bool,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}

/// How a run ended (or that it is still running).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Claimed and running.
    Running,
    /// Committed a new version.
    Succeeded,
    /// Finished with a result identical to the head: no version.
    Unchanged,
    /// Failed: nothing committed.
    Failed,
    /// Passed its deadline and was stopped: nothing committed.
    TimedOut,
    /// Stopped by the scheduler (shutdown): nothing committed.
    Canceled,
    /// Not run (e.g. its script is missing): nothing committed.
    Skipped,
}

impl RunStatus {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Succeeded => "succeeded",
            RunStatus::Unchanged => "unchanged",
            RunStatus::Failed => "failed",
            RunStatus::TimedOut => "timed_out",
            RunStatus::Canceled => "canceled",
            RunStatus::Skipped => "skipped",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<RunStatus> {
        Some(match s {
            "running" => RunStatus::Running,
            "succeeded" => RunStatus::Succeeded,
            "unchanged" => RunStatus::Unchanged,
            "failed" => RunStatus::Failed,
            "timed_out" => RunStatus::TimedOut,
            "canceled" => RunStatus::Canceled,
            "skipped" => RunStatus::Skipped,
            _ => return None,
        })
    }

    /// Whether the run ended badly (failed, timed out, canceled).
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            RunStatus::Failed | RunStatus::TimedOut | RunStatus::Canceled
        )
    }
}

/// A run about to start (or, for a manual run, one that just ended).
#[derive(Debug, Clone, Default)]
pub struct NewRun {
    /// Its id (provenance records it in the version it makes).
    pub run_id: String,
    /// The dataset (`peer/name`).
    pub dataset: String,
    /// The schedule that started it, if any.
    pub schedule_id: Option<i64>,
    /// Why it ran: `schedule`, `upstream`, `retry` or `manual`.
    pub trigger: String,
    /// 1 for the first attempt, 2 for the first retry, ...
    pub attempt: u32,
    /// The BLAKE3 hash of the script that runs.
    pub script_hash: String,
    /// The scheduler holding it and until when (`None`: not leased).
    pub lease: Option<(String, DateTime<Utc>)>,
}

/// How a run ended.
#[derive(Debug, Clone, Default)]
pub struct RunEnd {
    /// The final status (never `Running`).
    pub status: Option<RunStatus>,
    /// Why it failed.
    pub error: Option<String>,
    /// The version it committed.
    pub version: Option<String>,
    /// What it printed.
    pub output: String,
    /// The starlib release that ran.
    pub starlib: Option<String>,
    /// The seed of its `rand` generator.
    pub rand_seed: Option<u64>,
    /// The hash of the script text that ran. A scheduler records the hash
    /// of the file when it starts a run, and its child reads the file
    /// again: if the file changed in between, this is what ran.
    pub script_hash: Option<String>,
}

/// One run, as `quarry runs` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunEntry {
    /// Its id.
    pub run_id: String,
    /// The dataset.
    pub dataset: String,
    /// The schedule that started it.
    pub schedule_id: Option<i64>,
    /// Why it ran.
    pub trigger: String,
    /// Its status.
    pub status: RunStatus,
    /// Which attempt it was.
    pub attempt: u32,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// Why it failed.
    pub error: Option<String>,
    /// The version it committed.
    pub version: Option<String>,
    /// What it printed.
    pub output: String,
    /// The starlib release that ran.
    pub starlib: Option<String>,
    /// The script's hash.
    pub script_hash: String,
    /// The seed of its `rand` generator.
    pub rand_seed: Option<u64>,
    /// The scheduler that held it.
    pub lease_owner: Option<String>,
}

/// Which runs [`Store::run_entries`] lists.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    /// Only this dataset's.
    pub dataset: Option<String>,
    /// Only failed, timed-out and canceled runs.
    pub failed: bool,
    /// At most this many, newest first.
    pub limit: Option<usize>,
}

/// The schedule columns, in [`schedule_row`]'s order.
const SCHEDULE_COLUMNS: &str =
    "id, dataset, spec, upstream, upstream_seen, next_run_at, paused, created_at";

/// The run columns, in [`run_entry`]'s order.
const RUN_COLUMNS: &str = "run_id, dataset, schedule_id, trigger, status, attempt, started_at, \
     ended_at, error, version_id, output, starlib, script_hash, rand_seed, lease_owner";

fn time(s: Option<String>) -> rusqlite::Result<Option<DateTime<Utc>>> {
    Ok(s.and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
        .map(|t| t.with_timezone(&Utc)))
}

fn text(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn schedule_row(r: &Row<'_>) -> rusqlite::Result<ScheduleRow> {
    Ok(ScheduleRow {
        id: r.get(0)?,
        dataset: r.get(1)?,
        spec: r.get(2)?,
        upstream: r.get(3)?,
        upstream_seen: r.get(4)?,
        next_run_at: time(r.get(5)?)?,
        paused: r.get::<_, i64>(6)? != 0,
        created_at: time(Some(r.get(7)?))?.unwrap_or_default(),
    })
}

fn run_entry(r: &Row<'_>) -> rusqlite::Result<RunEntry> {
    let status: String = r.get(4)?;
    Ok(RunEntry {
        run_id: r.get(0)?,
        dataset: r.get(1)?,
        schedule_id: r.get(2)?,
        trigger: r.get(3)?,
        status: RunStatus::parse(&status).unwrap_or(RunStatus::Failed),
        attempt: r.get(5)?,
        started_at: time(Some(r.get(6)?))?.unwrap_or_default(),
        ended_at: time(r.get(7)?)?,
        error: r.get(8)?,
        version: r.get(9)?,
        output: r.get(10)?,
        starlib: r.get(11)?,
        script_hash: r.get(12)?,
        rand_seed: r.get::<_, Option<i64>>(13)?.map(|s| s as u64),
        lease_owner: r.get(14)?,
    })
}

impl Store {
    /// Adds a schedule for `dataset`; a dataset has at most one.
    pub fn add_schedule(
        &self,
        dataset: &str,
        spec: &str,
        upstream: Option<&str>,
        next_run_at: Option<DateTime<Utc>>,
    ) -> Result<ScheduleRow> {
        let conn = self.conn();
        let now = Utc::now();
        let inserted = conn.execute(
            "INSERT INTO schedules (dataset, spec, upstream, upstream_seen, next_run_at, paused, created_at)
             VALUES (?1, ?2, ?3, NULL, ?4, 0, ?5) ON CONFLICT (dataset) DO NOTHING",
            params![dataset, spec, upstream, next_run_at.as_ref().map(text), text(&now)],
        )?;
        if inserted == 0 {
            return Err(DatasetError::Invalid(format!(
                "{dataset} already has a schedule: `quarry schedule remove {dataset}` first"
            )));
        }
        drop(conn);
        self.schedule(dataset)?
            .ok_or_else(|| DatasetError::Inconsistent(format!("schedule of {dataset} vanished")))
    }

    /// Every schedule, by dataset name.
    pub fn schedules(&self) -> Result<Vec<ScheduleRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {SCHEDULE_COLUMNS} FROM schedules ORDER BY dataset"
        ))?;
        let rows = stmt.query_map([], schedule_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The schedule of `dataset`, if it has one.
    pub fn schedule(&self, dataset: &str) -> Result<Option<ScheduleRow>> {
        let conn = self.conn();
        Ok(conn
            .query_row(
                &format!("SELECT {SCHEDULE_COLUMNS} FROM schedules WHERE dataset = ?1"),
                [dataset],
                schedule_row,
            )
            .optional()?)
    }

    /// Removes the schedule of `dataset`; false when it had none. Its run
    /// records stay.
    pub fn remove_schedule(&self, dataset: &str) -> Result<bool> {
        let conn = self.conn();
        Ok(conn.execute("DELETE FROM schedules WHERE dataset = ?1", [dataset])? > 0)
    }

    /// Pauses or resumes the schedule of `dataset`, setting its next due
    /// time; false when it has none.
    pub fn set_schedule_paused(
        &self,
        dataset: &str,
        paused: bool,
        next_run_at: Option<DateTime<Utc>>,
    ) -> Result<bool> {
        let conn = self.conn();
        Ok(conn.execute(
            "UPDATE schedules SET paused = ?2, next_run_at = ?3 WHERE dataset = ?1",
            params![dataset, paused as i64, next_run_at.as_ref().map(text)],
        )? > 0)
    }

    /// Replaces the stored spec of `dataset`'s schedule (the script's hash
    /// changed, say).
    pub fn update_schedule_spec(&self, dataset: &str, spec: &str) -> Result<()> {
        let conn = self.conn();
        conn.execute(
            "UPDATE schedules SET spec = ?2 WHERE dataset = ?1",
            params![dataset, spec],
        )?;
        Ok(())
    }

    /// Claims a due run of `schedule`, in one transaction: the schedule's
    /// due time and upstream head must still be what the caller read
    /// (`seen`), no live run of the dataset may exist (running with a lease
    /// not yet expired), and then the schedule moves to `next` and the run
    /// is recorded as running. `false`: someone else claimed it (or the
    /// dataset is busy); nothing changed.
    pub fn claim_run(
        &self,
        schedule: &ScheduleRow,
        next_run_at: Option<DateTime<Utc>>,
        upstream_seen: Option<&str>,
        run: &NewRun,
    ) -> Result<bool> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let now = Utc::now();
        let live: i64 = tx.query_row(
            "SELECT COUNT(*) FROM run_log WHERE dataset = ?1 AND status = 'running'
             AND (lease_until IS NULL OR lease_until > ?2)",
            params![schedule.dataset, text(&now)],
            |r| r.get(0),
        )?;
        if live > 0 {
            return Ok(false);
        }
        let moved = tx.execute(
            "UPDATE schedules SET next_run_at = ?2, upstream_seen = ?3
             WHERE id = ?1 AND paused = 0 AND next_run_at IS ?4 AND upstream_seen IS ?5",
            params![
                schedule.id,
                next_run_at.as_ref().map(text),
                upstream_seen,
                schedule.next_run_at.as_ref().map(text),
                schedule.upstream_seen,
            ],
        )?;
        if moved == 0 {
            return Ok(false);
        }
        insert_run(&tx, run, &now)?;
        tx.commit()?;
        Ok(true)
    }

    /// Records a run that starts now outside any schedule (a manual save).
    pub fn start_run(&self, run: &NewRun) -> Result<()> {
        let conn = self.conn();
        insert_run(&conn, run, &Utc::now())?;
        Ok(())
    }

    /// Extends the leases `owner` holds on these runs until `until`.
    pub fn renew_leases(
        &self,
        owner: &str,
        run_ids: &[String],
        until: DateTime<Utc>,
    ) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for id in run_ids {
            tx.execute(
                "UPDATE run_log SET lease_until = ?3 WHERE run_id = ?1 AND lease_owner = ?2
                 AND status = 'running'",
                params![id, owner, text(&until)],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Ends a running run. A run no longer running (its lease expired and
    /// another scheduler marked it) keeps its record; `false` then. When
    /// `retry_at` is given, the run's schedule is due again then.
    pub fn finish_run(
        &self,
        run_id: &str,
        end: &RunEnd,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<bool> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = finish(&tx, run_id, end)?;
        if changed {
            if let Some(at) = retry_at {
                tx.execute(
                    "UPDATE schedules SET next_run_at = ?2
                     WHERE id = (SELECT schedule_id FROM run_log WHERE run_id = ?1)",
                    params![run_id, text(&at)],
                )?;
            }
        }
        tx.commit()?;
        Ok(changed)
    }

    /// Makes schedule `id` due at `at` (a retry after a failed run).
    pub fn set_schedule_next(&self, id: i64, at: DateTime<Utc>) -> Result<()> {
        let conn = self.conn();
        conn.execute(
            "UPDATE schedules SET next_run_at = ?2 WHERE id = ?1",
            params![id, text(&at)],
        )?;
        Ok(())
    }

    /// Marks runs whose lease expired (their scheduler died) as failed and
    /// makes their schedules due now, so they are retried; returns them.
    pub fn expire_leases(&self) -> Result<Vec<RunEntry>> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let now = Utc::now();
        let expired: Vec<RunEntry> = {
            let mut stmt = tx.prepare(&format!(
                "SELECT {RUN_COLUMNS} FROM run_log WHERE status = 'running'
                 AND lease_until IS NOT NULL AND lease_until <= ?1"
            ))?;
            let rows = stmt.query_map([text(&now)], run_entry)?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for run in &expired {
            finish(
                &tx,
                &run.run_id,
                &RunEnd {
                    status: Some(RunStatus::Failed),
                    error: Some(format!(
                        "the scheduler running it ({}) stopped before it finished; nothing was committed by this run",
                        run.lease_owner.as_deref().unwrap_or("unknown")
                    )),
                    ..Default::default()
                },
            )?;
            if let Some(id) = run.schedule_id {
                tx.execute(
                    "UPDATE schedules SET next_run_at = ?2 WHERE id = ?1",
                    params![id, text(&now)],
                )?;
            }
        }
        tx.commit()?;
        Ok(expired)
    }

    /// Runs, newest first.
    pub fn run_entries(&self, filter: &RunFilter) -> Result<Vec<RunEntry>> {
        let conn = self.conn();
        let mut sql =
            format!("SELECT {RUN_COLUMNS} FROM run_log WHERE (?1 IS NULL OR dataset = ?1)");
        if filter.failed {
            sql.push_str(" AND status IN ('failed', 'timed_out', 'canceled')");
        }
        sql.push_str(" ORDER BY started_at DESC, rowid DESC LIMIT ?2");
        let limit = filter.limit.map_or(-1, |l| l as i64);
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params![filter.dataset, limit], run_entry)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One run by id, or by a unique prefix of it.
    pub fn run_entry(&self, id: &str) -> Result<Option<RunEntry>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {RUN_COLUMNS} FROM run_log WHERE substr(run_id, 1, length(?1)) = ?1 LIMIT 2"
        ))?;
        let rows: Vec<RunEntry> = stmt
            .query_map([id], run_entry)?
            .collect::<rusqlite::Result<_>>()?;
        match rows.len() {
            0 => Ok(None),
            1 => Ok(rows.into_iter().next()),
            _ => Err(DatasetError::Invalid(format!(
                "run id prefix {id} matches more than one run; give more of it"
            ))),
        }
    }
}

/// Inserts a running run.
fn insert_run(conn: &rusqlite::Connection, run: &NewRun, now: &DateTime<Utc>) -> Result<()> {
    let (owner, until) = match &run.lease {
        Some((o, u)) => (Some(o.as_str()), Some(text(u))),
        None => (None, None),
    };
    conn.execute(
        "INSERT INTO run_log (run_id, dataset, schedule_id, trigger, status, attempt, started_at,
            output, script_hash, lease_owner, lease_until)
         VALUES (?1, ?2, ?3, ?4, 'running', ?5, ?6, '', ?7, ?8, ?9)",
        params![
            run.run_id,
            run.dataset,
            run.schedule_id,
            run.trigger,
            run.attempt,
            text(now),
            run.script_hash,
            owner,
            until,
        ],
    )?;
    Ok(())
}

/// Ends a run still marked running, or completes the details of a run
/// already ended the same way (a version's commit marks its run succeeded;
/// the caller then adds starlib and seed); false when neither.
fn finish(conn: &rusqlite::Connection, run_id: &str, end: &RunEnd) -> Result<bool> {
    let status = end.status.unwrap_or(RunStatus::Failed);
    Ok(conn.execute(
        "UPDATE run_log SET status = ?2, ended_at = ?3, error = ?4,
            version_id = COALESCE(?5, version_id), output = ?6,
            starlib = COALESCE(?7, starlib), rand_seed = COALESCE(?8, rand_seed),
            script_hash = COALESCE(?9, script_hash)
         WHERE run_id = ?1 AND (status = 'running'
            OR (status = ?2 AND ?5 IS NOT NULL AND version_id IS ?5))",
        params![
            run_id,
            status.as_str(),
            text(&Utc::now()),
            end.error,
            end.version,
            end.output,
            end.starlib,
            end.rand_seed.map(|s| s as i64),
            end.script_hash,
        ],
    )? > 0)
}

//! The scheduling policy, free of I/O: when a schedule is due, which
//! attempt a run is, when a failed run is retried, and how healthy a
//! schedule is.

use crate::spec::ScheduleSpec;
use crate::timing::Timing;
use chrono::{DateTime, Utc};
use datasets::{RunEntry, RunStatus, ScheduleRow};
use serde::Serialize;

/// A due run, and the schedule's state once it is claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// Why it runs: `schedule`, `upstream` or `retry`.
    pub trigger: &'static str,
    /// The schedule's next due time after this run starts.
    pub next_run_at: Option<DateTime<Utc>>,
    /// The upstream head this run is for.
    pub upstream_seen: Option<String>,
}

/// Whether `row` is due at `now`. A time that passed while no scheduler
/// ran makes one run, not one per missed slot: the next due time is
/// counted from now. `upstream_head` is the upstream dataset's head, for
/// schedules that run after it; `last` the dataset's latest run.
pub fn due(
    row: &ScheduleRow,
    spec: &ScheduleSpec,
    upstream_head: Option<&str>,
    last: Option<&RunEntry>,
    now: DateTime<Utc>,
) -> Option<Due> {
    if row.paused {
        return None;
    }
    let time_due = row.next_run_at.is_some_and(|t| t <= now);
    let retrying = last.is_some_and(|l| l.status.is_failure() && l.attempt <= spec.max_retries);
    match &spec.timing {
        Timing::After { .. } => {
            let changed = upstream_head.is_some() && upstream_head != row.upstream_seen.as_deref();
            if time_due {
                // A retry of a failed upstream run.
                return Some(Due {
                    trigger: "retry",
                    next_run_at: None,
                    upstream_seen: upstream_head
                        .map(str::to_string)
                        .or(row.upstream_seen.clone()),
                });
            }
            changed.then(|| Due {
                trigger: "upstream",
                next_run_at: None,
                upstream_seen: upstream_head.map(str::to_string),
            })
        }
        timing => time_due.then(|| Due {
            trigger: if retrying { "retry" } else { "schedule" },
            next_run_at: timing.next_after(now),
            upstream_seen: row.upstream_seen.clone(),
        }),
    }
}

/// The attempt number of a run starting after `last`: one more than a
/// failed retryable run's, else 1.
pub fn attempt(spec: &ScheduleSpec, last: Option<&RunEntry>) -> u32 {
    match last {
        Some(l) if l.status.is_failure() && l.attempt <= spec.max_retries => l.attempt + 1,
        _ => 1,
    }
}

/// When a run that ended with `status` on attempt `attempt` is retried:
/// after a failure with retries left, the backoff doubles from the
/// schedule's base up to an hour.
pub fn retry_at(
    spec: &ScheduleSpec,
    status: RunStatus,
    attempt: u32,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if !status.is_failure() || attempt > spec.max_retries {
        return None;
    }
    let factor = 1u64 << attempt.saturating_sub(1).min(20);
    let ms = spec.retry_backoff_ms.saturating_mul(factor).min(3_600_000);
    now.checked_add_signed(chrono::Duration::milliseconds(ms as i64))
}

/// How a schedule is doing, for `quarry schedule list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Health {
    /// The last runs all failed (at least the schedule's alert count).
    pub failing: bool,
    /// No successful run for three periods: refreshes have stopped.
    pub stopped: bool,
    /// Failed runs in a row, newest first.
    pub failures_in_row: u32,
}

/// The health of a schedule from its runs, newest first.
pub fn health(
    row: &ScheduleRow,
    spec: &ScheduleSpec,
    runs: &[RunEntry],
    now: DateTime<Utc>,
) -> Health {
    let failures_in_row = runs.iter().take_while(|r| r.status.is_failure()).count() as u32;
    let last_ok = runs
        .iter()
        .find(|r| matches!(r.status, RunStatus::Succeeded | RunStatus::Unchanged))
        .map(|r| r.started_at);
    let stopped = !row.paused
        && spec.timing.period(now).is_some_and(|p| {
            let since = last_ok.unwrap_or(row.created_at);
            now - since > p * 3
        });
    Health {
        failing: failures_in_row >= spec.alert_after_failures.max(1),
        stopped,
        failures_in_row,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn spec(timing: Timing) -> ScheduleSpec {
        ScheduleSpec {
            script: PathBuf::from("/t.star"),
            script_hash: String::new(),
            timing,
            run: Default::default(),
            max_retries: 2,
            retry_backoff_ms: 1000,
            alert_after_failures: 2,
            notify_command: None,
            notify_url: None,
        }
    }

    fn row(next: Option<&str>) -> ScheduleRow {
        ScheduleRow {
            id: 1,
            dataset: "me/d".into(),
            spec: String::new(),
            upstream: None,
            upstream_seen: None,
            next_run_at: next.map(at),
            paused: false,
            created_at: at("2026-01-01T00:00:00Z"),
        }
    }

    fn run(status: RunStatus, attempt: u32, started: &str) -> RunEntry {
        RunEntry {
            run_id: "r".into(),
            dataset: "me/d".into(),
            schedule_id: Some(1),
            trigger: "schedule".into(),
            status,
            attempt,
            started_at: at(started),
            ended_at: None,
            error: None,
            version: None,
            output: String::new(),
            starlib: None,
            script_hash: String::new(),
            rand_seed: None,
            lease_owner: None,
        }
    }

    #[test]
    fn missed_slots_run_once_and_the_next_is_counted_from_now() {
        let s = spec(Timing::every("1h").unwrap());
        let now = at("2026-01-02T10:30:00Z");
        // Due since yesterday: one run now, the next an hour from now.
        let d = due(&row(Some("2026-01-01T12:00:00Z")), &s, None, None, now).unwrap();
        assert_eq!(d.trigger, "schedule");
        assert_eq!(d.next_run_at, Some(at("2026-01-02T11:30:00Z")));
        assert!(due(&row(Some("2026-01-02T11:00:00Z")), &s, None, None, now).is_none());
        let mut paused = row(Some("2026-01-01T12:00:00Z"));
        paused.paused = true;
        assert!(due(&paused, &s, None, None, now).is_none());
    }

    #[test]
    fn failures_retry_with_doubling_backoff_up_to_the_limit() {
        let s = spec(Timing::every("1h").unwrap());
        let now = at("2026-01-02T10:00:00Z");
        assert_eq!(
            retry_at(&s, RunStatus::Failed, 1, now),
            Some(at("2026-01-02T10:00:01Z"))
        );
        assert_eq!(
            retry_at(&s, RunStatus::TimedOut, 2, now),
            Some(at("2026-01-02T10:00:02Z"))
        );
        assert_eq!(retry_at(&s, RunStatus::Failed, 3, now), None);
        assert_eq!(retry_at(&s, RunStatus::Succeeded, 1, now), None);
        let failed = run(RunStatus::Failed, 1, "2026-01-02T09:00:00Z");
        assert_eq!(attempt(&s, Some(&failed)), 2);
        assert_eq!(
            attempt(&s, Some(&run(RunStatus::Failed, 3, "2026-01-02T09:00:00Z"))),
            1
        );
        assert_eq!(
            attempt(
                &s,
                Some(&run(RunStatus::Succeeded, 2, "2026-01-02T09:00:00Z"))
            ),
            1
        );
        let d = due(
            &row(Some("2026-01-02T09:59:00Z")),
            &s,
            None,
            Some(&failed),
            now,
        )
        .unwrap();
        assert_eq!(d.trigger, "retry");
    }

    #[test]
    fn upstream_schedules_run_when_the_upstream_head_moves() {
        let s = spec(Timing::After {
            upstream: "me/raw".into(),
        });
        let now = at("2026-01-02T10:00:00Z");
        let mut r = row(None);
        let d = due(&r, &s, Some("aaa"), None, now).unwrap();
        assert_eq!(
            (d.trigger, d.upstream_seen.as_deref()),
            ("upstream", Some("aaa"))
        );
        r.upstream_seen = Some("aaa".into());
        assert!(due(&r, &s, Some("aaa"), None, now).is_none());
        assert!(due(&r, &s, None, None, now).is_none());
        assert!(due(&r, &s, Some("bbb"), None, now).is_some());
    }

    #[test]
    fn health_flags_failing_and_stopped_schedules() {
        let s = spec(Timing::every("1h").unwrap());
        let now = at("2026-01-02T10:00:00Z");
        let r = row(Some("2026-01-02T11:00:00Z"));
        let runs = [
            run(RunStatus::Failed, 2, "2026-01-02T09:30:00Z"),
            run(RunStatus::TimedOut, 1, "2026-01-02T09:00:00Z"),
            run(RunStatus::Succeeded, 1, "2026-01-02T08:00:00Z"),
        ];
        let h = health(&r, &s, &runs, now);
        assert_eq!((h.failing, h.stopped, h.failures_in_row), (true, false, 2));
        let h = health(&r, &s, &runs[..1], now);
        // No success at all since creation, more than three hours ago.
        assert!(h.stopped && !h.failing);
        assert!(!health(&r, &s, &runs[2..], now).failing);
    }
}

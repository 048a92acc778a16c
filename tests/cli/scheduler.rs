//! Scheduled refreshes through the real binaries: `quarry schedule`,
//! `quarry scheduler` running refreshes as child processes, and `quarry
//! runs`. Every test has its own store and scripts, talks only to servers
//! on 127.0.0.1 it starts itself, and is bounded in time.

use serde_json::Value as Json;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{text, Env};

/// A scheduler process, killed when dropped so a failing test leaves none
/// behind; its log goes to a file (a pipe nobody reads would block it).
struct Scheduler(Child, PathBuf);

impl Drop for Scheduler {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Scheduler {
    fn pid(&self) -> i32 {
        self.0.id() as i32
    }

    /// Sends SIGTERM and waits for the exit (bounded).
    fn terminate(mut self, within: Duration) -> (Option<i32>, String) {
        unsafe {
            libc::kill(self.pid(), libc::SIGTERM);
        }
        let started = Instant::now();
        loop {
            if let Some(status) = self.0.try_wait().unwrap() {
                return (
                    status.code(),
                    std::fs::read_to_string(&self.1).unwrap_or_default(),
                );
            }
            assert!(
                started.elapsed() < within,
                "the scheduler did not stop within {within:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Env {
    fn scheduler(&self, extra: &[&str]) -> Scheduler {
        let tick = if extra.contains(&"--tick") {
            &[][..]
        } else {
            &["--tick", "50ms"][..]
        };
        static N: AtomicUsize = AtomicUsize::new(0);
        let log = self.dir.path().join(format!(
            "scheduler-{}.log",
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let child = self
            .quarry()
            .args(["scheduler", "--lease", "2s"])
            .args(tick)
            .args(extra)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Scheduler(child, log)
    }

    /// The runs of `dataset`, oldest first.
    fn runs(&self, dataset: &str) -> Vec<Json> {
        let mut v: Vec<Json> = self
            .json(&["runs", dataset, "--limit", "10000"])
            .as_array()
            .unwrap()
            .clone();
        v.reverse();
        v
    }

    /// Waits (bounded) until `done` holds for the runs of `dataset`.
    fn wait_runs(
        &self,
        dataset: &str,
        within: Duration,
        done: impl Fn(&[Json]) -> bool,
    ) -> Vec<Json> {
        let started = Instant::now();
        loop {
            let runs = self.runs(dataset);
            if done(&runs) {
                return runs;
            }
            assert!(
                started.elapsed() < within,
                "runs of {dataset} did not get there within {within:?}: {runs:#?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

fn status(r: &Json) -> &str {
    r["status"].as_str().unwrap_or("")
}

fn p(path: &Path) -> String {
    path.display().to_string()
}

const ROWS: &str =
    "def transform(ds):\n    ds.body = [{\"n\": config.get(\"n\", 1)}]\n    print(\"refreshed\")\n";

#[test]
fn schedule_commands_add_list_show_pause_resume_remove_and_refuse_bad_input() {
    let env = Env::new();
    let t = env.file("t.star", ROWS);
    env.ok(&["schedule", "add", "me/a", "--file", &p(&t), "--every", "1h"]);
    env.ok(&[
        "schedule",
        "add",
        "me/b",
        "--file",
        &p(&t),
        "--cron",
        "0 6 * * *",
        "--tz",
        "Europe/Paris",
    ]);
    env.ok(&[
        "schedule",
        "add",
        "me/c",
        "--file",
        &p(&t),
        "--after",
        "me/b",
    ]);
    let list = env.json(&["schedule", "list"]);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["dataset"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["me/a", "me/b", "me/c"]);
    assert_eq!(list[1]["timing"], "cron 0 6 * * * (Europe/Paris)");
    assert_eq!(list[2]["timing"], "after me/b");
    let human = env.ok(&["schedule", "list"]);
    assert!(
        human.contains("every 1h") && human.contains("when upstream changes"),
        "{human}"
    );

    env.ok(&["schedule", "pause", "me/a"]);
    assert_eq!(env.json(&["schedule", "show", "me/a"])["paused"], true);
    env.ok(&["schedule", "resume", "me/a"]);
    assert_eq!(env.json(&["schedule", "show", "me/a"])["paused"], false);

    // A cycle is refused when added; so are a second schedule, a bad
    // timing, a script that does not parse, and a load the release lacks.
    let err = env.fails(&[
        "schedule",
        "add",
        "me/b",
        "--file",
        &p(&t),
        "--after",
        "me/c",
    ]);
    assert!(err.contains("already has a schedule"), "{err}");
    env.ok(&["schedule", "remove", "me/b"]);
    let err = env.fails(&[
        "schedule",
        "add",
        "me/b",
        "--file",
        &p(&t),
        "--after",
        "me/c",
    ]);
    assert!(
        err.contains("cycle") && err.contains("me/b -> me/c -> me/b"),
        "{err}"
    );
    let err = env.fails(&[
        "schedule",
        "add",
        "me/x",
        "--file",
        &p(&t),
        "--cron",
        "61 * * * *",
    ]);
    assert!(err.contains("--cron"), "{err}");
    let bad = env.file("bad.star", "def transform(ds)\n    pass\n");
    let err = env.fails(&[
        "schedule",
        "add",
        "me/x",
        "--file",
        &p(&bad),
        "--every",
        "1h",
    ]);
    assert!(err.contains("bad.star:2:1: got newline, want ':'"), "{err}");
    env.file("versions.lock", "version = 1\n");
    let old = env.file("old.star", "load(\"table.star\", \"table\")\n");
    env.ok(&["lock", &p(&old), "--starlib", "2"]);
    let lock = std::fs::read_to_string(env.dir.path().join("versions.lock")).unwrap();
    std::fs::write(
        env.dir.path().join("versions.lock"),
        lock.replace("2.0.0", "1.0.0"),
    )
    .unwrap();
    let err = env.fails(&[
        "schedule",
        "add",
        "me/x",
        "--file",
        &p(&old),
        "--every",
        "1h",
    ]);
    assert!(err.contains("table.star") && err.contains("1.0.0"), "{err}");
    env.ok(&["schedule", "remove", "me/a"]);
    let err = env.fails(&["schedule", "remove", "me/a"]);
    assert!(err.contains("has no schedule"), "{err}");
}

#[test]
fn a_schedule_every_second_runs_in_child_processes_and_records_each_run() {
    let env = Env::new();
    let t = env.file("t.star", ROWS);
    env.ok(&[
        "schedule",
        "add",
        "me/a",
        "--file",
        &p(&t),
        "--every",
        "1s",
        "--timeout",
        "30s",
    ]);
    let sched = env.scheduler(&[]);
    let runs = env.wait_runs("me/a", Duration::from_secs(30), |r| r.len() >= 3);
    drop(sched);
    assert_eq!(status(&runs[0]), "succeeded", "{runs:#?}");
    assert!(
        runs[1..]
            .iter()
            .all(|r| matches!(status(r), "unchanged" | "running")),
        "{runs:#?}"
    );
    assert_eq!(runs[0]["trigger"], "schedule");
    assert_eq!(runs[0]["output"], "refreshed\n");
    assert_eq!(runs[0]["starlib"], "2.0.0");
    assert!(runs[0]["script_hash"]
        .as_str()
        .unwrap()
        .starts_with("blake3:"));
    assert_eq!(env.versions("me/a"), 1, "unchanged results make no version");
    // The version records the run that made it.
    let got = env.json(&["get", "me/a"]);
    assert_eq!(got["provenance"]["run_id"], runs[0]["run_id"]);
    // The script changed: the next run uses the new file and records its hash.
    let first_hash = runs[0]["script_hash"].clone();
    env.file(
        "t.star",
        &ROWS.replace("\"n\": config.get(\"n\", 1)", "\"n\": 2"),
    );
    let sched = env.scheduler(&[]);
    let runs = env.wait_runs("me/a", Duration::from_secs(30), |r| {
        r.iter()
            .any(|x| status(x) == "succeeded" && x["script_hash"] != first_hash)
    });
    drop(sched);
    assert_eq!(env.versions("me/a"), 2, "{runs:#?}");
    let shown = env.ok(&["runs", "show", runs[0]["run_id"].as_str().unwrap()]);
    assert!(
        shown.contains("status:   succeeded") && shown.contains("refreshed"),
        "{shown}"
    );
}

/// Serves HTTP on 127.0.0.1: each request takes the next status from
/// `statuses` (the last one repeats); records request bodies.
fn flaky_server(statuses: Vec<u16>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let seen = bodies.clone();
    let count = AtomicUsize::new(0);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut reader = BufReader::new(s.try_clone().unwrap());
            let mut len = 0usize;
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    len = v.trim().parse().unwrap_or(0);
                }
                line.clear();
            }
            let mut body = vec![0u8; len];
            let _ = reader.read_exact(&mut body);
            seen.lock().unwrap().push(text(&body));
            let i = count.fetch_add(1, Ordering::SeqCst);
            let code = *statuses.get(i).or(statuses.last()).unwrap();
            let payload = "{\"ok\": true}";
            let _ = write!(
                s,
                "HTTP/1.1 {code} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
                payload.len()
            );
        }
    });
    (format!("http://{addr}"), bodies)
}

const FETCH: &str = r#"load("http.star", "http")
def transform(ds):
    res = http.get(config.get("url"))
    if res.status_code != 200:
        fail("upstream answered %d" % res.status_code)
    ds.body = [{"ok": True}]
"#;

#[test]
fn a_failing_transform_is_retried_with_backoff_until_it_succeeds_and_notifies() {
    let env = Env::new();
    let (url, _) = flaky_server(vec![500, 500, 200]);
    let (hook, notices) = flaky_server(vec![200]);
    let t = env.file("fetch.star", FETCH);
    env.ok(&[
        "schedule",
        "add",
        "me/f",
        "--file",
        &p(&t),
        "--every",
        "1h",
        "--config",
        &format!("url={url}/data"),
        "--allow-private-network",
        "--retries",
        "3",
        "--retry-backoff",
        "200ms",
        "--alert-after",
        "2",
        "--notify-url",
        &format!("{hook}/hook"),
    ]);
    let sched = env.scheduler(&[]);
    let runs = env.wait_runs("me/f", Duration::from_secs(30), |r| {
        r.iter().any(|x| status(x) == "succeeded")
    });
    // The notifications of the failures and the recovery may trail the run.
    let started = Instant::now();
    while notices.lock().unwrap().len() < 3 && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(sched);
    let seq: Vec<(&str, &str, u64)> = runs
        .iter()
        .map(|r| {
            (
                status(r),
                r["trigger"].as_str().unwrap(),
                r["attempt"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seq,
        [
            ("failed", "schedule", 1),
            ("failed", "retry", 2),
            ("succeeded", "retry", 3)
        ],
        "{runs:#?}"
    );
    assert!(
        runs[0]["error"]
            .as_str()
            .unwrap()
            .contains("upstream answered 500"),
        "{runs:#?}"
    );
    assert_eq!(env.versions("me/f"), 1);
    let notices = notices.lock().unwrap().clone();
    let events: Vec<String> = notices
        .iter()
        .map(|b| {
            serde_json::from_str::<Json>(b).unwrap()["event"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(events, ["failure", "failure", "recovery"], "{notices:#?}");
    let failed = env.json(&["runs", "me/f", "--failed"]);
    assert_eq!(failed.as_array().unwrap().len(), 2);
}

#[test]
fn a_hanging_transform_is_stopped_at_its_deadline_and_the_scheduler_carries_on() {
    let env = Env::new();
    // Interruptible: the run's own timeout cancels it.
    let spin = env.file(
        "spin.star",
        "def transform(ds):\n    while True:\n        pass\n",
    );
    // Long native work (big-int products near the size cap): the engine
    // checks the deadline between them, and the OS-level kill backs it up.
    let native = env.file(
        "native.star",
        "def transform(ds):\n    x = 3\n    for i in range(18):\n        x = x * x\n    for i in range(1000000):\n        y = x * x\n",
    );
    let ok = env.file("t.star", ROWS);
    env.ok(&[
        "schedule",
        "add",
        "me/spin",
        "--file",
        &p(&spin),
        "--every",
        "1h",
        "--timeout",
        "1s",
        "--retries",
        "0",
    ]);
    env.ok(&[
        "schedule",
        "add",
        "me/native",
        "--file",
        &p(&native),
        "--every",
        "1h",
        "--timeout",
        "1s",
        "--retries",
        "0",
    ]);
    env.ok(&[
        "schedule",
        "add",
        "me/ok",
        "--file",
        &p(&ok),
        "--every",
        "1h",
    ]);
    let started = Instant::now();
    let sched = env.scheduler(&["--jobs", "3"]);
    let spin_runs = env.wait_runs("me/spin", Duration::from_secs(30), |r| {
        r.first().is_some_and(|x| status(x) != "running")
    });
    let native_runs = env.wait_runs("me/native", Duration::from_secs(40), |r| {
        r.first().is_some_and(|x| status(x) != "running")
    });
    let ok_runs = env.wait_runs("me/ok", Duration::from_secs(30), |r| {
        r.first().is_some_and(|x| status(x) == "succeeded")
    });
    drop(sched);
    assert_eq!(status(&spin_runs[0]), "timed_out", "{spin_runs:#?}");
    assert_eq!(status(&native_runs[0]), "timed_out", "{native_runs:#?}");
    assert!(
        native_runs[0]["error"]
            .as_str()
            .unwrap()
            .contains("timed out"),
        "{native_runs:#?}"
    );
    assert_eq!(status(&ok_runs[0]), "succeeded");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "killed within the timeout plus its grace"
    );
    assert!(
        env.run(&["log", "me/spin"]).status.code() == Some(1),
        "nothing was committed"
    );
}

#[test]
fn a_memory_hungry_transform_is_stopped_by_its_limit() {
    let env = Env::new();
    let hog = env.file(
        "hog.star",
        "def transform(ds):\n    x = [1] * ((1 << 29) - 1)\n    ds.body = [{\"n\": len(x)}]\n",
    );
    env.ok(&[
        "schedule",
        "add",
        "me/hog",
        "--file",
        &p(&hog),
        "--every",
        "1h",
        "--memory-limit",
        "100MB",
        "--retries",
        "0",
    ]);
    let sched = env.scheduler(&[]);
    let runs = env.wait_runs("me/hog", Duration::from_secs(30), |r| {
        r.first().is_some_and(|x| status(x) != "running")
    });
    drop(sched);
    assert_eq!(status(&runs[0]), "failed", "{runs:#?}");
    assert!(
        env.run(&["log", "me/hog"]).status.code() == Some(1),
        "nothing was committed"
    );
}

/// The pids of processes whose command line contains `needle`.
fn pids_with(needle: &str) -> Vec<i32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        if let Ok(cmd) = std::fs::read(e.path().join("cmdline")) {
            if text(&cmd).replace('\0', " ").contains(needle) {
                out.push(pid);
            }
        }
    }
    out
}

const SLOW: &str = "def transform(ds):\n    n = 0\n    for i in range(config.get(\"loops\", 3000000)):\n        n += i\n    ds.body = [{\"n\": n}]\n";

#[test]
fn a_run_whose_scheduler_died_is_found_by_its_lease_and_retried_once() {
    let env = Env::new();
    let slow = env.file("slow.star", SLOW);
    env.ok(&[
        "schedule",
        "add",
        "me/s",
        "--file",
        &p(&slow),
        "--every",
        "1h",
        "--retry-backoff",
        "100ms",
    ]);
    let a = env.scheduler(&[]);
    let runs = env.wait_runs("me/s", Duration::from_secs(20), |r| {
        r.first().is_some_and(|x| status(x) == "running")
    });
    let run_id = runs[0]["run_id"].as_str().unwrap().to_string();
    // The machine goes down: the scheduler and its refresh die together.
    unsafe {
        libc::kill(a.pid(), libc::SIGKILL);
    }
    for pid in pids_with(&run_id) {
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
    }
    drop(a);
    let b = env.scheduler(&[]);
    let runs = env.wait_runs("me/s", Duration::from_secs(60), |r| {
        r.iter().any(|x| status(x) == "succeeded")
    });
    drop(b);
    assert_eq!(runs.len(), 2, "{runs:#?}");
    assert_eq!(runs[0]["run_id"], run_id.as_str());
    assert_eq!(status(&runs[0]), "failed");
    assert!(
        runs[0]["error"]
            .as_str()
            .unwrap()
            .contains("stopped before it finished"),
        "{runs:#?}"
    );
    assert_eq!(
        (status(&runs[1]), runs[1]["attempt"].as_u64()),
        ("succeeded", Some(2))
    );
    assert_eq!(env.versions("me/s"), 1, "nothing lost, nothing doubled");
}

#[test]
fn two_schedulers_on_one_store_run_each_refresh_once() {
    let env = Env::new();
    let slow = env.file("slow.star", SLOW);
    for d in ["me/p", "me/q"] {
        env.ok(&[
            "schedule",
            "add",
            d,
            "--file",
            &p(&slow),
            "--every",
            "1s",
            "--config",
            "loops=300000",
        ]);
    }
    let a = env.scheduler(&[]);
    let b = env.scheduler(&[]);
    std::thread::sleep(Duration::from_secs(6));
    drop(a);
    drop(b);
    for d in ["me/p", "me/q"] {
        let runs = env.runs(d);
        assert!(runs.len() >= 2, "{d}: {runs:#?}");
        // No two runs of one dataset overlap, and no slot ran twice.
        // Compared as instants: "…58Z" (a whole second) sorts after
        // "…58.791Z" as text.
        let instant = |v: &Json| {
            v.as_str()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        };
        let mut spans: Vec<_> = runs
            .iter()
            .filter(|r| status(r) != "running")
            .map(|r| {
                (
                    instant(&r["started_at"]).unwrap(),
                    instant(&r["ended_at"]).unwrap(),
                )
            })
            .collect();
        spans.sort();
        for w in spans.windows(2) {
            assert!(w[0].1 <= w[1].0, "{d}: runs overlap: {w:?}");
        }
        let owners: std::collections::BTreeSet<&str> = runs
            .iter()
            .filter_map(|r| r["lease_owner"].as_str())
            .collect();
        assert!(!owners.is_empty());
    }
}

#[test]
fn an_upstream_save_triggers_the_downstream_refresh() {
    let env = Env::new();
    let down = env.file(
        "down.star",
        "def transform(ds):\n    ds.body = [{\"rows\": len(load_dataset(\"me/up\").body)}]\n",
    );
    env.ok(&[
        "schedule",
        "add",
        "me/down",
        "--file",
        &p(&down),
        "--after",
        "me/up",
    ]);
    let sched = env.scheduler(&[]);
    std::thread::sleep(Duration::from_millis(500));
    assert!(env.runs("me/down").is_empty(), "nothing upstream yet");
    let csv = env.file("up.csv", "a\n1\n");
    env.ok(&["save", "me/up", "--body", &p(&csv)]);
    let runs = env.wait_runs("me/down", Duration::from_secs(20), |r| {
        r.first().is_some_and(|x| status(x) != "running")
    });
    assert_eq!(
        (status(&runs[0]), runs[0]["trigger"].as_str()),
        ("succeeded", Some("upstream")),
        "{runs:#?}"
    );
    let csv2 = env.file("up2.csv", "a\n1\n2\n");
    env.ok(&["save", "me/up", "--body", &p(&csv2)]);
    let runs = env.wait_runs("me/down", Duration::from_secs(20), |r| {
        r.len() == 2 && status(&r[1]) != "running"
    });
    drop(sched);
    assert_eq!(runs[1]["trigger"], "upstream");
}

#[test]
fn sigterm_lets_running_refreshes_finish_and_a_short_grace_cancels_them() {
    let env = Env::new();
    let slow = env.file("slow.star", SLOW);
    env.ok(&[
        "schedule",
        "add",
        "me/s",
        "--file",
        &p(&slow),
        "--every",
        "1h",
    ]);
    let sched = env.scheduler(&["--grace", "60s"]);
    env.wait_runs("me/s", Duration::from_secs(20), |r| {
        r.first().is_some_and(|x| status(x) == "running")
    });
    let (code, log) = sched.terminate(Duration::from_secs(60));
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("scheduler.draining"), "{log}");
    let runs = env.runs("me/s");
    assert_eq!(status(&runs[0]), "succeeded", "{runs:#?}");

    env.ok(&[
        "schedule",
        "add",
        "me/t",
        "--file",
        &p(&slow),
        "--every",
        "1h",
        "--config",
        "loops=100000000",
    ]);
    let sched = env.scheduler(&["--grace", "200ms"]);
    env.wait_runs("me/t", Duration::from_secs(20), |r| {
        r.first().is_some_and(|x| status(x) == "running")
    });
    let (code, _) = sched.terminate(Duration::from_secs(20));
    assert_eq!(code, Some(0));
    let runs = env.runs("me/t");
    assert_eq!(status(&runs[0]), "canceled", "{runs:#?}");
    assert!(
        env.run(&["log", "me/t"]).status.code() == Some(1),
        "nothing half-committed"
    );
}

#[test]
fn a_manual_save_is_recorded_as_a_run_failures_included() {
    let env = Env::new();
    let t = env.file("t.star", ROWS);
    env.ok(&["save", "me/m", "--file", &p(&t)]);
    env.ok(&["save", "me/m", "--file", &p(&t)]);
    let bad = env.file("bad.star", "def transform(ds):\n    fail(\"broken\")\n");
    env.fails(&["save", "me/m", "--file", &p(&bad)]);
    let runs = env.runs("me/m");
    let seq: Vec<(&str, &str)> = runs
        .iter()
        .map(|r| (status(r), r["trigger"].as_str().unwrap()))
        .collect();
    assert_eq!(
        seq,
        [
            ("succeeded", "manual"),
            ("unchanged", "manual"),
            ("failed", "manual")
        ]
    );
    assert!(runs[2]["error"].as_str().unwrap().contains("broken"));
}

/// Resident memory of `pid` in KiB.
fn rss_kib(pid: i32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// Soak: a thousand short runs; the scheduler keeps no per-run state, so
/// its resident memory stays flat.
#[test]
fn the_scheduler_stays_flat_over_a_thousand_runs() {
    let env = Env::new();
    let t = env.file("t.star", ROWS);
    for d in ["me/s1", "me/s2", "me/s3", "me/s4"] {
        env.ok(&["schedule", "add", d, "--file", &p(&t), "--every", "10ms"]);
    }
    let sched = env.scheduler(&["--jobs", "4", "--tick", "5ms"]);
    let count = || -> usize {
        ["me/s1", "me/s2", "me/s3", "me/s4"]
            .iter()
            .map(|d| env.runs(d).len())
            .sum()
    };
    let started = Instant::now();
    while count() < 150 {
        assert!(started.elapsed() < Duration::from_secs(300), "too slow");
        std::thread::sleep(Duration::from_millis(500));
    }
    let early = rss_kib(sched.pid());
    while count() < 1000 {
        assert!(started.elapsed() < Duration::from_secs(600), "too slow");
        std::thread::sleep(Duration::from_secs(1));
    }
    let late = rss_kib(sched.pid());
    drop(sched);
    assert!(early > 0 && late > 0);
    assert!(
        late < early + 4096,
        "the scheduler grew from {early} KiB to {late} KiB over 850 runs"
    );
}

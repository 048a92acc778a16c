//! Several writers — threads and processes — saving to one dataset: no
//! update is lost; each save either commits or fails with a busy error.

mod common;

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;
use datasets::{DatasetError, ExpectedHead, NewVersion, Store, StoreOptions, VersionId};

fn opts(ms: u64) -> StoreOptions {
    StoreOptions {
        busy_timeout: Duration::from_millis(ms),
    }
}

/// The log is one unbroken chain from the head down to version 1.
fn check_chain(store: &Store, name: &str) -> Vec<VersionId> {
    let log = store.log(name).unwrap();
    for (k, e) in log.iter().enumerate() {
        assert_eq!(e.seq as usize, log.len() - k);
        let expected_parent = log.get(k + 1).map(|p| p.id);
        assert_eq!(e.parent, expected_parent, "chain broken at seq {}", e.seq);
    }
    log.into_iter().map(|e| e.id).collect()
}

#[test]
fn threads_and_processes_never_lose_an_update() {
    let dir = tempdir();
    let root = dir.path().to_path_buf();
    let store = Store::open(&root).unwrap();
    save_rows(&store, "me/shared", &people_rows(50, 0), "base");
    const PROCS: usize = 3;
    const THREADS: usize = 3;
    const EACH: u64 = 8;
    let children: Vec<_> = (0..PROCS)
        .map(|_| {
            Command::new(stress_bin())
                .args([
                    "writer",
                    root.to_str().unwrap(),
                    "me/shared",
                    &EACH.to_string(),
                    "5000",
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let thread_results: Vec<Vec<Result<VersionId, String>>> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..THREADS)
            .map(|t| {
                let root = root.clone();
                s.spawn(move || {
                    let store = Store::open_with(&root, opts(5000)).unwrap();
                    (0..EACH)
                        .map(|i| {
                            let v = NewVersion::from_body(
                                people_body(
                                    &people_rows(40, (t as i64 + 1) * 1000 + i as i64),
                                    100,
                                ),
                                format!("thread {t} #{i}"),
                            );
                            match store.save("me/shared", v) {
                                Ok(o) => Ok(o.id),
                                Err(e) if e.is_busy() => Err(e.to_string()),
                                Err(e) => panic!("unexpected error: {e}"),
                            }
                        })
                        .collect()
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut committed: Vec<VersionId> = Vec::new();
    let mut busy = 0;
    for r in thread_results.into_iter().flatten() {
        match r {
            Ok(id) => committed.push(id),
            Err(msg) => {
                assert!(msg.contains("busy"), "{msg}");
                busy += 1;
            }
        }
    }
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "writer failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(text.lines().count() as u64, EACH, "{text}");
        for line in text.lines() {
            if let Some(id) = line.strip_prefix("ok ") {
                committed.push(id.parse().unwrap());
            } else {
                assert!(
                    line.starts_with("busy ") && line.contains("is busy"),
                    "{line}"
                );
                busy += 1;
            }
        }
    }
    assert_eq!(committed.len() + busy, (PROCS + THREADS) * EACH as usize);
    let chain = check_chain(&store, "me/shared");
    // Every success is in the log, and the log holds nothing else.
    assert_eq!(
        chain.len(),
        1 + committed.len(),
        "log length = base + successes"
    );
    let in_log: HashSet<VersionId> = chain.iter().copied().collect();
    for id in &committed {
        assert!(
            in_log.contains(id),
            "committed {id} is missing from the log"
        );
    }
    assert_eq!(
        committed.iter().collect::<HashSet<_>>().len(),
        committed.len()
    );
    // With a 5 s wait nobody should have given up.
    assert_eq!(busy, 0);
    let r = store.fsck().unwrap();
    assert!(r.is_clean(), "{:?}", r.problems);
}

#[test]
fn compare_and_swap_writers_each_commit_or_fail_busy() {
    let dir = tempdir();
    let root = dir.path().to_path_buf();
    let store = Store::open(&root).unwrap();
    save_rows(&store, "me/cas", &people_rows(10, 0), "base");
    const THREADS: usize = 4;
    const EACH: usize = 10;
    let results: Vec<(usize, usize)> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..THREADS)
            .map(|t| {
                let root = root.clone();
                s.spawn(move || {
                    let store = Store::open_with(&root, opts(2000)).unwrap();
                    let (mut ok, mut moved) = (0, 0);
                    for i in 0..EACH {
                        // Read the head, do "work", then save against it.
                        let head = store.head("me/cas").unwrap();
                        let mut v = NewVersion::from_body(
                            people_body(&people_rows(10, (t * 100 + i) as i64 + 1), 10),
                            format!("t{t} i{i}"),
                        );
                        v.expected_head = ExpectedHead::from_parent(head);
                        match store.save("me/cas", v) {
                            Ok(o) => {
                                assert_eq!(o.parent, head, "committed on top of what it read");
                                ok += 1
                            }
                            Err(DatasetError::HeadMoved { .. }) => moved += 1,
                            Err(e) => panic!("unexpected: {e}"),
                        }
                    }
                    (ok, moved)
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok: usize = results.iter().map(|r| r.0).sum();
    let moved: usize = results.iter().map(|r| r.1).sum();
    assert_eq!(ok + moved, THREADS * EACH);
    assert!(ok >= EACH, "at least one writer's worth committed");
    let chain = check_chain(&store, "me/cas");
    assert_eq!(chain.len(), 1 + ok);
    assert!(store.fsck().unwrap().is_clean());
}

#[test]
fn a_held_write_lock_gives_a_clear_busy_error() {
    let dir = tempdir();
    let store = Store::open_with(dir.path(), opts(300)).unwrap();
    save_rows(&store, "me/locked", &people_rows(10, 0), "base");
    let head = store.head("me/locked").unwrap();
    // Another process-like connection takes SQLite's write lock and holds it.
    let other = rusqlite::Connection::open(dir.path().join("quarry.db")).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let started = std::time::Instant::now();
    let err = store
        .save(
            "me/locked",
            NewVersion::from_body(people_body(&people_rows(5, 1), 5), "blocked"),
        )
        .unwrap_err();
    let waited = started.elapsed();
    assert!(matches!(err, DatasetError::Busy { .. }), "{err}");
    assert!(err.is_busy());
    assert!(
        err.to_string().starts_with("dataset me/locked is busy"),
        "{err}"
    );
    assert!(waited >= Duration::from_millis(250), "waited {waited:?}");
    assert!(waited < Duration::from_secs(5), "waited {waited:?}");
    // Reads are not blocked by a writer (WAL).
    assert_eq!(store.log("me/locked").unwrap().len(), 1);
    other.execute_batch("ROLLBACK").unwrap();
    // Once released, the save goes through; nothing half-done was left.
    let o = store
        .save(
            "me/locked",
            NewVersion::from_body(people_body(&people_rows(5, 1), 5), "after"),
        )
        .unwrap();
    assert_eq!(o.parent, head);
    assert!(store.fsck().unwrap().is_clean());
}

/// gc under a grace period never takes what a save in progress wrote and
/// has not committed yet (its body, or an old unreferenced blob it is
/// reusing), nor what a committed version references: saves and gc run
/// side by side, and every save commits a readable head.
#[test]
fn gc_spares_what_concurrent_saves_need() {
    let dir = tempdir();
    let root = dir.path().to_path_buf();
    let store = Store::open(&root).unwrap();
    // An old body nothing references any more, which saves will reuse.
    let reused = people_rows(300, 7);
    save_rows(&store, "me/old", &reused, "old");
    store
        .remove("me/old", datasets::RemoveVersions::All)
        .unwrap();
    // A blob of a save in progress: written, not yet committed.
    let (pending, _) = store.blobs().put(b"a body being saved").unwrap();
    assert_eq!(store.gc(Duration::from_secs(60)).unwrap().blobs_removed, 0);
    assert!(store.blobs().exists(&pending));

    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let collector = s.spawn(|| {
            let store = Store::open_with(&root, opts(5000)).unwrap();
            let mut runs = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                store.gc(Duration::from_secs(60)).unwrap();
                runs += 1;
                std::thread::sleep(Duration::from_millis(2));
            }
            runs
        });
        // Stops the collector however the writer ends (a failed assertion
        // must not leave it looping).
        struct Stop<'a>(&'a std::sync::atomic::AtomicBool);
        impl Drop for Stop<'_> {
            fn drop(&mut self) {
                self.0.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        }
        let _stop = Stop(&stop);
        let writer = Store::open_with(&root, opts(5000)).unwrap();
        for i in 0..12 {
            let rows = if i % 3 == 0 {
                reused.clone()
            } else {
                people_rows(200 + i, 3)
            };
            let out = save_rows(&writer, "me/live", &rows, "live");
            assert_eq!(
                body_rows(&writer.body(&format!("me/live@{}", out.id)).unwrap()),
                rows
            );
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        assert!(collector.join().unwrap() > 0);
    });
    let f = store.fsck().unwrap();
    assert!(f.is_clean(), "{:?}", f.problems);
    assert_eq!(check_chain(&store, "me/live").len(), 12);
    // With no grace, what nothing references goes.
    let r = store.gc(Duration::ZERO).unwrap();
    assert!(r.blobs_removed >= 1);
    assert!(!store.blobs().exists(&pending));
    assert!(store.fsck().unwrap().is_clean());
}

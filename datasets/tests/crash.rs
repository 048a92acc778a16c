//! Crash safety: a child process saving in a loop is killed (SIGKILL) at
//! random moments, many times. After every kill fsck is clean, the head is
//! a committed version and readable, and no reported commit is lost.

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use datasets::{Store, VersionId};

const ROUNDS: usize = 24;
const ROWS: &str = "20000";

#[test]
fn killing_a_saving_process_never_corrupts_the_store() {
    let dir = tempdir();
    let root = dir.path().to_path_buf();
    let mut rng = Rng::from_time();
    eprintln!("crash test seed {}", rng.0);
    {
        let store = Store::open(&root).unwrap();
        save_rows(&store, "me/crash", &people_rows(10, 0), "base");
    }
    let mut reported: HashSet<VersionId> = HashSet::new();
    let mut log_len = 1usize;
    let mut rounds_with_commits = 0;
    let mut rounds_with_temp_left = 0;
    let mut unreported_commits = 0;
    for round in 0..ROUNDS {
        let mut child = Command::new(stress_bin())
            .args(["save-loop", root.to_str().unwrap(), "me/crash", ROWS])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = Arc::clone(&lines);
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                match line {
                    Ok(l) => sink.lock().unwrap().push(l),
                    Err(_) => break,
                }
            }
        });
        // Anywhere from before the store is open to several saves in.
        let wait = rng.below(400);
        std::thread::sleep(Duration::from_millis(wait));
        child.kill().unwrap(); // SIGKILL on Unix
        let status = child.wait().unwrap();
        assert!(!status.success(), "round {round}: the child was killed");
        reader.join().unwrap();
        let mut stderr = String::new();
        use std::io::Read;
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        assert!(
            stderr.trim().is_empty(),
            "round {round}: the writer reported an error: {stderr}"
        );

        let printed: Vec<VersionId> = lines
            .lock()
            .unwrap()
            .iter()
            .map(|l| {
                l.strip_prefix("committed ")
                    .expect("line format")
                    .parse()
                    .unwrap()
            })
            .collect();
        if !printed.is_empty() {
            rounds_with_commits += 1;
        }
        reported.extend(printed.iter().copied());

        let store = Store::open(&root).unwrap();
        let report = store.fsck().unwrap();
        assert!(
            report.is_clean(),
            "round {round} (after {wait} ms): {:?}",
            report.problems
        );
        if !report.temp_files.is_empty() {
            rounds_with_temp_left += 1;
        }
        let log = store.log("me/crash").unwrap();
        let ids: HashSet<VersionId> = log.iter().map(|e| e.id).collect();
        // Nothing reported as committed is lost.
        for id in &reported {
            assert!(
                ids.contains(id),
                "round {round}: committed version {id} was lost"
            );
        }
        // The log grew by what was reported, plus at most one commit that
        // landed just before the kill but was not printed yet.
        let grown = log.len() - log_len;
        assert!(
            grown == printed.len() || grown == printed.len() + 1,
            "round {round}: log grew by {grown}, {} reported",
            printed.len()
        );
        unreported_commits += grown - printed.len();
        if let Some(last) = printed.last() {
            let head = log[0].id;
            assert!(
                head == *last || log[1].id == *last,
                "round {round}: head is neither the last reported commit nor its child"
            );
        }
        log_len = log.len();
        // The head is readable, its hash verified on the way.
        let body = store.body("me/crash").unwrap();
        let expected_rows = if log_len == 1 { 10 } else { 20000 };
        assert_eq!(body.num_rows(), expected_rows, "round {round}");
        store.get("me/crash").unwrap();
    }
    eprintln!(
        "crash test: {ROUNDS} kills, {rounds_with_commits} rounds with commits, {} versions, \
         {unreported_commits} commits landed unreported, {rounds_with_temp_left} rounds left a temp file",
        log_len
    );
    assert!(
        rounds_with_commits >= ROUNDS / 4,
        "too few rounds got as far as a commit"
    );
    // Clean-up reclaims what the interrupted saves left behind.
    let store = Store::open(&root).unwrap();
    store.gc(Duration::ZERO).unwrap();
    let report = store.fsck().unwrap();
    assert!(
        report.is_clean() && report.temp_files.is_empty() && report.unreferenced_blobs.is_empty()
    );
    assert_eq!(store.log("me/crash").unwrap().len(), log_len);
}

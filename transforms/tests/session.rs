//! The session API end to end on a real store: run → preview → commit →
//! unchanged → head moved, and runs that can never be committed.

use datasets::Store;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use transforms::{
    CommitOptions, Committed, Limits, RunOptions, Script, Session, SessionError, TransformError,
};

fn v2() -> &'static starlib::Release {
    starlib::release::select_str("^2").expect("2.x ships")
}

/// A script file in `dir`, read as the CLI reads it.
fn script(dir: &Path, name: &str, text: &str) -> Script {
    let path: PathBuf = dir.join(name);
    std::fs::write(&path, text).expect("write script");
    Script::read(&path).expect("read script")
}

const ROWS: &str = r#"
def transform(ds):
    ds.body = [{"id": i, "sq": i * i} for i in range(config.get("n", 3))]
    ds.title = "squares"
"#;

fn store(dir: &Path) -> Arc<Store> {
    Arc::new(Store::open(dir.join("store")).expect("open store"))
}

#[test]
fn run_preview_commit_unchanged_and_head_moved() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = store(tmp.path());
    let s = script(tmp.path(), "t.star", ROWS);
    assert_eq!(s.release().version, v2().version);

    // A new dataset: the preview shows every row as new.
    let session = Session::open(store.clone(), "me/sq").expect("open");
    assert!(session.base().is_none());
    let candidate = session.run(s.clone(), RunOptions::default()).expect("run");
    let p = candidate.preview(2, &[]).expect("preview");
    assert_eq!(p.rows, 3);
    assert_eq!(p.head.len(), 2);
    assert!(p.against.is_none());
    let first = match candidate.commit(CommitOptions::default()).expect("commit") {
        Committed::Saved(s) => s,
        other => panic!("expected a new version, got {other:?}"),
    };
    assert_eq!(first.seq, 1);
    assert_eq!(store.head("me/sq").expect("head"), Some(first.id));
    assert_eq!(store.get("me/sq").expect("get").commit.title, "squares");

    // The same script on the new head: unchanged, nothing written.
    let session = Session::open(store.clone(), "me/sq").expect("open");
    let again = session.run(s.clone(), RunOptions::default()).expect("run");
    assert!(again.is_unchanged().expect("compare"));
    match again.commit(CommitOptions::default()).expect("commit") {
        Committed::Unchanged { head } => assert_eq!(head, Some(first.id)),
        other => panic!("expected unchanged, got {other:?}"),
    }
    assert_eq!(store.log("me/sq").expect("log").len(), 1);

    // Two runs computed on the same head: the first commits, the second
    // finds the head moved and commits nothing.
    let session = Session::open(store.clone(), "me/sq").expect("open");
    let opts = |n: i64| RunOptions {
        config: [("n".to_string(), serde_json::json!(n))]
            .into_iter()
            .collect(),
        ..Default::default()
    };
    let a = session.run(s.clone(), opts(4)).expect("run a");
    let b = session.run(s.clone(), opts(5)).expect("run b");
    let p = b.preview(10, &["id".to_string()]).expect("preview");
    assert_eq!((p.body.added, p.body.unchanged), (2, 3));
    let second = match a.commit(CommitOptions::default()).expect("commit a") {
        Committed::Saved(s) => s,
        other => panic!("expected a new version, got {other:?}"),
    };
    match b.commit(CommitOptions::default()) {
        Err(SessionError::HeadMoved {
            dataset,
            expected,
            found,
        }) => {
            assert_eq!(dataset, "me/sq");
            assert_eq!(expected, Some(first.id));
            assert_eq!(found, Some(second.id));
        }
        other => panic!("expected head moved, got {other:?}"),
    }
    assert_eq!(store.log("me/sq").expect("log").len(), 2);

    // --force commits an unchanged result; title and message are the caller's.
    let session = Session::open(store.clone(), "me/sq").expect("open");
    let same = session.run(s, opts(4)).expect("run");
    let forced = CommitOptions {
        title: Some("again".into()),
        message: Some("forced".into()),
        force: true,
    };
    match same.commit(forced).expect("commit") {
        Committed::Saved(s) => assert_eq!(s.seq, 3),
        other => panic!("expected a new version, got {other:?}"),
    }
    let head = store.get("me/sq").expect("get");
    assert_eq!(
        (head.commit.title.as_str(), head.commit.message.as_str()),
        ("again", "forced")
    );
}

#[test]
fn failed_cancelled_and_late_runs_are_never_candidates() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = store(tmp.path());
    let session = Session::open(store.clone(), "me/x").expect("open");

    let bad = script(
        tmp.path(),
        "bad.star",
        "def transform(ds):\n    return 1 // 0\n",
    );
    match session.run(bad, RunOptions::default()) {
        Err(SessionError::Run(f)) => {
            assert!(matches!(f.error, TransformError::Script(_)), "{}", f.error);
            assert!(f.path.ends_with("bad.star"));
        }
        Err(e) => panic!("expected a run failure, got {e}"),
        Ok(_) => panic!("a failing run produced a candidate"),
    }

    // Cancelled before it starts: the script never gets to commit.
    let cancel = engine::CancelHandle::default();
    cancel.cancel();
    let s = script(tmp.path(), "t.star", ROWS);
    let opts = RunOptions {
        cancel: Some(cancel),
        ..Default::default()
    };
    match session.run(s, opts) {
        Err(SessionError::Run(f)) => {
            assert!(
                matches!(f.error, TransformError::Cancelled { .. }),
                "{}",
                f.error
            )
        }
        Err(e) => panic!("expected a cancelled run, got {e}"),
        Ok(_) => panic!("a cancelled run produced a candidate"),
    }

    // A loop past its deadline is cancelled and reported as a timeout.
    let slow = script(
        tmp.path(),
        "slow.star",
        "def transform(ds):\n    n = 0\n    while True:\n        n += 1\n",
    );
    let opts = RunOptions {
        limits: Limits {
            timeout: Some(Duration::from_millis(200)),
            ..Default::default()
        },
        ..Default::default()
    };
    match session.run(slow, opts) {
        Err(SessionError::Run(f)) => {
            assert!(
                matches!(f.error, TransformError::Timeout { .. }),
                "{}",
                f.error
            )
        }
        Err(e) => panic!("expected a timeout, got {e}"),
        Ok(_) => panic!("a timed-out run produced a candidate"),
    }
    assert_eq!(store.head("me/x").expect("head"), None);
}

#[test]
fn sessions_on_older_versions_or_without_a_dataset_cannot_commit() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = store(tmp.path());
    let s = script(tmp.path(), "t.star", ROWS);
    let session = Session::open(store.clone(), "me/sq").expect("open");
    let c = session.run(s.clone(), RunOptions::default()).expect("run");
    assert!(matches!(
        c.commit(CommitOptions::default()),
        Ok(Committed::Saved(_))
    ));

    let old = Session::open(store.clone(), "me/sq@~0").expect("open at a version");
    assert!(old.base().is_some());
    let c = old.run(s.clone(), RunOptions::default()).expect("run");
    assert!(matches!(
        c.commit(CommitOptions {
            force: true,
            ..Default::default()
        }),
        Err(SessionError::NotHead { .. })
    ));

    let detached = Session::detached(Some(store.clone()));
    let c = detached.run(s, RunOptions::default()).expect("run");
    assert_eq!(c.preview(10, &[]).expect("preview").rows, 3);
    assert!(matches!(
        c.commit(CommitOptions::default()),
        Err(SessionError::NoTarget)
    ));
    assert_eq!(store.log("me/sq").expect("log").len(), 1);
}

#[test]
fn a_body_import_previews_and_commits_keeping_other_components() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = store(tmp.path());
    let s = script(
        tmp.path(),
        "t.star",
        "def transform(ds):\n    ds.body = [{\"a\": 1}]\n    ds.set_meta(\"title\", \"kept\")\n",
    );
    let session = Session::open(store.clone(), "me/imp").expect("open");
    let c = session.run(s, RunOptions::default()).expect("run");
    assert!(matches!(
        c.commit(CommitOptions::default()),
        Ok(Committed::Saved(_))
    ));

    let csv = tmp.path().join("b.csv");
    std::fs::write(&csv, "a\n1\n2\n").expect("write csv");
    let session = Session::open(store.clone(), "me/imp").expect("open");
    let c = session
        .import(&csv, datasets::Format::Csv, Default::default())
        .expect("import");
    let p = c.preview(10, &[]).expect("preview");
    assert_eq!((p.rows, p.body.added), (2, 1));
    match c.commit(CommitOptions::default()).expect("commit") {
        Committed::Saved(s) => assert_eq!((s.seq, s.rows), (2, 2)),
        other => panic!("expected a new version, got {other:?}"),
    }
    let head = store.get("me/imp").expect("get");
    assert_eq!(head.commit.title, "import b.csv");
    assert_eq!(head.meta.and_then(|m| m.title).as_deref(), Some("kept"));
}

/// A run a scheduler recorded (with the hash of the file as it was then)
/// ends recording the hash of the text that actually ran: the file may
/// have changed before the child read it.
#[test]
fn a_handed_out_run_records_the_hash_of_what_ran() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let store = store(tmp.path());
    store
        .start_run(&datasets::NewRun {
            run_id: "r1".into(),
            dataset: "me/sq".into(),
            trigger: "schedule".into(),
            attempt: 1,
            script_hash: "blake3:the-file-before-it-changed".into(),
            ..Default::default()
        })
        .expect("start run");
    let s = script(tmp.path(), "t.star", ROWS);
    let session = Session::open(store.clone(), "me/sq")
        .expect("open")
        .recording(transforms::RunLog {
            trigger: "schedule".into(),
            run_id: Some("r1".into()),
        });
    let candidate = session.run(s.clone(), RunOptions::default()).expect("run");
    candidate.commit(CommitOptions::default()).expect("commit");
    let entry = store.run_entry("r1").expect("read").expect("the run");
    assert_eq!(entry.script_hash, s.hash());
    assert_eq!(entry.status.as_str(), "succeeded");
}

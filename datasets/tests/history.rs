//! A metadata database that lost the history its blobs hold (emptied,
//! truncated, its rows deleted) is detected on opening, refused for
//! writing, reported by fsck, and rebuilt from the manifests; removed
//! versions and interrupted saves are not taken for lost history.

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use datasets::{
    to_canonical_json, Commit, DatasetError, NewVersion, Problem, Provenance, RemoveVersions,
    Store, VersionId,
};

fn truncate_db(root: &Path) {
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(root.join("quarry.db"))
        .unwrap();
    f.set_len(0).unwrap();
    for side in ["quarry.db-wal", "quarry.db-shm"] {
        let _ = std::fs::remove_file(root.join(side));
    }
}

fn sql(root: &Path, statements: &str) {
    let conn = rusqlite::Connection::open(root.join("quarry.db")).unwrap();
    conn.execute_batch(statements).unwrap();
}

fn log_ids(store: &Store, name: &str) -> Vec<VersionId> {
    store.log(name).unwrap().into_iter().map(|e| e.id).collect()
}

/// A store at `root` where me/a had two versions, then (`removed`) none.
fn two_versions_of_me_a(root: &Path, removed: bool) {
    let store = Store::open(root).unwrap();
    save_rows(&store, "me/a", &people_rows(3, 1), "one");
    save_rows(&store, "me/a", &people_rows(4, 1), "two");
    if removed {
        store.remove("me/a", RemoveVersions::All).unwrap();
    }
}

fn assert_lost(e: DatasetError) {
    assert!(matches!(e, DatasetError::LostHistory { .. }), "{e}");
    assert!(e.to_string().contains("quarry fsck --rebuild"), "{e}");
}

#[test]
fn an_emptied_database_is_detected_refused_reported_and_rebuilt() {
    let dir = tempdir();
    let root = dir.path();
    let (mut a, b, run_version, dropped);
    {
        let store = Store::open(root).unwrap();
        a = (0..3)
            .map(|i| save_rows(&store, "me/a", &people_rows(10 + i, 1), "a").id)
            .collect::<Vec<_>>();
        // A version made by a run that read me/a.
        let mut v = NewVersion::from_body(people_body(&people_rows(4, 2), 10), "b");
        v.provenance = Some(Provenance {
            run_id: Some("run-1".into()),
            inputs: vec![],
            rand_seed: None,
        });
        v.run_output = Some("printed".into());
        run_version = store.save("me/b", v).unwrap().id;
        b = save_rows(&store, "me/b", &people_rows(5, 2), "b2").id;
        // A version removed and replaced by a later save: the database
        // that knew it was removed is lost, but the later save wins.
        dropped = save_rows(&store, "me/a", &people_rows(99, 1), "dropped").id;
        store.remove("me/a", RemoveVersions::Latest(1)).unwrap();
        let mut v = NewVersion::from_body(people_body(&people_rows(12, 3), 10), "later");
        v.timestamp = Some(chrono::DateTime::from_timestamp(1_700_000_100, 0).unwrap());
        a.push(store.save("me/a", v).unwrap().id);
    }
    truncate_db(root);

    // Every opener but the repair one refuses, naming the way out.
    assert_lost(Store::open(root).unwrap_err());
    assert_lost(Store::open_existing(root).unwrap_err());
    let store = Store::open_for_repair(root).unwrap();
    assert!(store.lost_history().is_some());
    assert_lost(
        store
            .save(
                "me/c",
                NewVersion::from_body(people_body(&people_rows(1, 1), 1), "c"),
            )
            .unwrap_err(),
    );
    assert_lost(store.gc(Duration::ZERO).unwrap_err());
    assert_lost(store.remove("me/a", RemoveVersions::All).unwrap_err());
    let r = store.fsck().unwrap();
    assert!(
        matches!(r.problems.first(), Some(Problem::LostHistory { .. })),
        "{:?}",
        r.problems
    );
    // Nothing was deleted meanwhile.
    assert!(r.blobs_checked > 0);

    let rebuilt = store.rebuild().unwrap();
    assert_eq!(rebuilt.versions, 6, "{rebuilt:?}");
    assert!(
        rebuilt
            .skipped
            .iter()
            .any(|s| s.starts_with(&dropped.short(12))),
        "{rebuilt:?}"
    );
    assert_eq!(rebuilt.runs, 1);
    assert!(rebuilt.datasets.iter().all(|d| d.named_from == "commit"));
    assert!(store.lost_history().is_none());
    drop(store);

    let store = Store::open(root).unwrap();
    assert_eq!(
        log_ids(&store, "me/a"),
        a.iter().rev().copied().collect::<Vec<_>>()
    );
    assert_eq!(log_ids(&store, "me/b"), vec![b, run_version]);
    assert_eq!(store.runs("me/b").unwrap()[0].run_id, "run-1");
    assert_eq!(body_rows(&store.body("me/a").unwrap()), people_rows(12, 3));
    let f = store.fsck().unwrap();
    assert!(f.is_clean(), "{:?}", f.problems);
    // The history goes on where it was.
    let next = save_rows(&store, "me/a", &people_rows(1, 1), "next");
    assert_eq!((next.seq, next.parent), (5, Some(a[3])));
}

#[test]
fn a_database_whose_rows_were_deleted_is_detected() {
    let dir = tempdir();
    let root = dir.path();
    two_versions_of_me_a(root, false);
    sql(
        root,
        "DELETE FROM runs; DELETE FROM heads; DELETE FROM versions; DELETE FROM datasets;",
    );
    assert_lost(Store::open(root).unwrap_err());
    let store = Store::open_for_repair(root).unwrap();
    store.rebuild().unwrap();
    assert_eq!(store.log("me/a").unwrap().len(), 2);
    assert!(store.fsck().unwrap().is_clean());
}

#[test]
fn removed_datasets_and_interrupted_first_saves_are_not_lost_history() {
    let dir = tempdir();
    let root = dir.path();
    two_versions_of_me_a(root, true);
    // The versions table is empty and blobs/ holds a chain of manifests:
    // removed, so the store opens and writes.
    let store = Store::open(root).unwrap();
    assert!(store.fsck().unwrap().is_clean());
    // A first save interrupted after writing its manifest: a manifest with
    // no parent that nothing records.
    let v = save_rows(&store, "me/x", &people_rows(2, 1), "x");
    drop(store);
    sql(
        root,
        "DELETE FROM heads; DELETE FROM versions; DELETE FROM datasets;",
    );
    let store = Store::open(root).unwrap();
    let f = store.fsck().unwrap();
    assert!(f.is_clean(), "{:?}", f.problems);
    assert_eq!(f.unrecorded_versions, vec![v.id.to_hex()]);
    // gc reclaims it like any unreferenced blob.
    store.gc(Duration::ZERO).unwrap();
    assert!(store.fsck().unwrap().unrecorded_versions.is_empty());
}

#[test]
fn a_store_from_before_tombstones_keeps_its_removals() {
    let dir = tempdir();
    let root = dir.path();
    two_versions_of_me_a(root, true);
    // As a store written before removals were recorded.
    sql(root, "DROP TABLE removed_versions;");
    let store = Store::open(root).unwrap();
    assert!(store.list().unwrap().is_empty());
    drop(store);
    // Its unrecorded manifests now count as removed: a later loss of the
    // rows is still told apart, and a rebuild leaves them out.
    let store = Store::open_for_repair(root).unwrap();
    let r = store.rebuild().unwrap();
    assert_eq!((r.versions, r.removed), (0, 2), "{r:?}");
}

#[test]
fn histories_saved_without_a_dataset_name_are_named_by_the_database_or_generated() {
    let dir = tempdir();
    let root = dir.path();
    let store = Store::open(root).unwrap();
    let v = save_rows(&store, "me/old", &people_rows(3, 1), "old");
    // A version as older Quarry saved it: its commit names no dataset.
    let mut commit: Commit = store.commit("me/old").unwrap();
    commit.dataset = None;
    commit.title = "unnamed".into();
    let (commit_hash, _) = store
        .blobs()
        .put(&to_canonical_json(&commit).unwrap())
        .unwrap();
    let mut m = store.manifest("me/old").unwrap();
    m.commit = commit_hash;
    let (unnamed, _) = store.blobs().put(&m.canonical_bytes().unwrap()).unwrap();
    drop(store);

    // Nothing records the unnamed history's name: it is generated.
    let store = Store::open_for_repair(root).unwrap();
    let names = |r: &datasets::RebuildReport| -> Vec<(String, String)> {
        r.datasets
            .iter()
            .map(|d| (d.name.to_string(), d.named_from.clone()))
            .collect()
    };
    let generated = format!("recovered/v-{}", &unnamed.to_hex()[..12]);
    assert_eq!(
        names(&store.rebuild().unwrap()),
        vec![
            ("me/old".to_string(), "commit".to_string()),
            (generated.clone(), "generated".to_string())
        ]
    );
    assert_eq!(store.head("me/old").unwrap(), Some(v.id));
    assert!(store.fsck().unwrap().is_clean());
    // Rebuilt again, the database's rows name it.
    let named = names(&store.rebuild().unwrap());
    assert!(
        named.contains(&(generated, "database".to_string())),
        "{named:?}"
    );
}

#[test]
fn a_fresh_store_and_a_missing_one() {
    let dir = tempdir();
    let missing = dir.path().join("typo");
    for e in [
        Store::open_existing(&missing).unwrap_err(),
        Store::open_for_repair(&missing).unwrap_err(),
    ] {
        assert!(matches!(e, DatasetError::NoStore { .. }), "{e}");
        assert_eq!(e.to_string(), format!("no store at {}", missing.display()));
    }
    assert!(!missing.exists(), "nothing is created");
    // An existing directory without a store reads as an empty one, and
    // stays empty.
    let store = Store::open_existing(dir.path()).unwrap();
    assert!(store.list().unwrap().is_empty());
    assert!(matches!(
        store.get("me/x").unwrap_err(),
        DatasetError::NotFound { .. }
    ));
    drop(store);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // A new store with no versions yet is not "lost".
    Store::open(dir.path()).unwrap();
    let store = Store::open_existing(dir.path()).unwrap();
    assert!(store.list().unwrap().is_empty());
}

#[test]
fn a_deleted_database_beside_its_blobs_is_lost_history() {
    let dir = tempdir();
    let root = dir.path();
    let v = save_rows(
        &Store::open(root).unwrap(),
        "me/a",
        &people_rows(3, 1),
        "one",
    );
    for f in ["quarry.db", "quarry.db-wal", "quarry.db-shm"] {
        let _ = std::fs::remove_file(root.join(f));
    }
    assert_lost(Store::open_existing(root).unwrap_err());
    assert!(!root.join("quarry.db").exists());
    assert_lost(Store::open(root).unwrap_err());
    let store = Store::open_for_repair(root).unwrap();
    store.rebuild().unwrap();
    drop(store);
    assert_eq!(
        Store::open_existing(root).unwrap().head("me/a").unwrap(),
        Some(v.id)
    );
}

//! Corruption: a damaged blob is detected on read (naming it) and by fsck;
//! fsck also finds missing blobs and broken references.

mod common;

use std::io::{Seek, SeekFrom, Write};

use common::*;
use datasets::{Component, DatasetError, Format, Problem, Store};

fn flip_byte(path: &std::path::Path, at: u64) {
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .unwrap();
    let mut b = [0u8; 1];
    use std::io::Read;
    f.seek(SeekFrom::Start(at)).unwrap();
    f.read_exact(&mut b).unwrap();
    f.seek(SeekFrom::Start(at)).unwrap();
    f.write_all(&[b[0] ^ 0x20]).unwrap();
}

#[test]
fn clean_store_passes_fsck() {
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    for i in 0..3 {
        save_rows(&store, "me/a", &people_rows(100 + i, 1), "a");
    }
    save_rows(&store, "me/b", &people_rows(10, 1), "b");
    let r = store.fsck().unwrap();
    assert!(r.is_clean(), "{:?}", r.problems);
    assert_eq!(r.versions_checked, 4);
    assert_eq!(r.datasets_checked, 2);
    // 4 versions x (body, structure, commit, manifest)
    assert_eq!(r.blobs_checked, 16);
    assert!(r.unreferenced_blobs.is_empty());
}

#[test]
fn corrupt_body_is_detected_on_read_and_by_fsck() {
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    save_rows(&store, "me/c", &people_rows(5000, 1), "c");
    let path = store.body_path("me/c").unwrap();
    let hash = store.manifest("me/c").unwrap().body;
    let len = std::fs::metadata(&path).unwrap().len();
    flip_byte(&path, len / 2);

    // Every read path names the blob.
    let errs = vec![
        store.body("me/c").unwrap_err(),
        store
            .export_body("me/c", Format::Csv, Vec::new())
            .unwrap_err(),
        store
            .export_body("me/c", Format::Parquet, Vec::new())
            .unwrap_err(),
        store.component_json("me/c", Component::Body).unwrap_err(),
    ];
    for e in errs {
        match &e {
            DatasetError::CorruptBlob {
                hash: h,
                path: p,
                actual,
            } => {
                assert_eq!(h, &hash.to_hex());
                assert_eq!(p, &path);
                assert_ne!(actual, h);
            }
            other => panic!("expected CorruptBlob, got {other}"),
        }
        let msg = e.to_string();
        assert!(
            msg.contains(&hash.to_hex()) && msg.contains("corrupt"),
            "{msg}"
        );
    }
    let r = store.fsck().unwrap();
    assert!(!r.is_clean());
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    assert!(matches!(&r.problems[0], Problem::CorruptBlob { hash: h, .. } if *h == hash.to_hex()));
    assert!(r.problems[0].to_string().contains(&hash.to_hex()));
}

#[test]
fn corrupt_component_is_detected() {
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    let mut v = datasets::NewVersion::from_body(people_body(&people_rows(5, 1), 10), "m");
    v.meta = Some(datasets::Meta {
        title: Some("a title".into()),
        ..Default::default()
    });
    store.save("me/m", v).unwrap();
    let m = store.manifest("me/m").unwrap();
    let meta_hash = m.meta.unwrap();
    flip_byte(&store.blobs().path(&meta_hash), 5);
    let e = store.meta("me/m").unwrap_err();
    assert!(
        matches!(e, DatasetError::CorruptBlob { ref hash, .. } if *hash == meta_hash.to_hex()),
        "{e}"
    );
    assert!(store.get("me/m").is_err());
    // Other components still read.
    assert_eq!(store.body("me/m").unwrap().num_rows(), 5);
    let r = store.fsck().unwrap();
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
}

#[test]
fn missing_blob_is_found_by_fsck() {
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    save_rows(&store, "me/x", &people_rows(10, 1), "one");
    save_rows(&store, "me/x", &people_rows(11, 1), "two");
    let m = store.manifest("me/x@~1").unwrap();
    std::fs::remove_file(store.blobs().path(&m.structure)).unwrap();
    let r = store.fsck().unwrap();
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    match &r.problems[0] {
        Problem::MissingBlob {
            hash,
            referenced_by,
            ..
        } => {
            assert_eq!(hash, &m.structure.to_hex());
            assert!(
                referenced_by.starts_with("me/x@") && referenced_by.ends_with("structure"),
                "{referenced_by}"
            );
        }
        other => panic!("expected MissingBlob, got {other}"),
    }
    let e = store.structure("me/x@~1").unwrap_err();
    assert!(matches!(e, DatasetError::MissingBlob { .. }), "{e}");
    assert!(e.to_string().contains(&m.structure.to_hex()));
    // Removing the manifest blob is found too.
    let head = store.head("me/x").unwrap().unwrap();
    std::fs::remove_file(store.blobs().path(&head.0)).unwrap();
    let r = store.fsck().unwrap();
    assert_eq!(r.problems.len(), 2, "{:?}", r.problems);
}

#[test]
fn fsck_finds_broken_references_in_the_database() {
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    save_rows(&store, "me/r", &people_rows(10, 1), "one");
    save_rows(&store, "me/r", &people_rows(12, 1), "two");
    drop(store);
    // Tamper with the metadata directly.
    let conn = rusqlite_open(dir.path());
    conn.execute(
        "UPDATE heads SET version_id = 'ff' || substr(version_id, 3)",
        [],
    )
    .unwrap();
    drop(conn);
    let store = Store::open(dir.path()).unwrap();
    let r = store.fsck().unwrap();
    assert!(
        r.problems
            .iter()
            .any(|p| matches!(p, Problem::BadHistory { dataset, .. } if dataset == "me/r")),
        "{:?}",
        r.problems
    );
}

#[test]
fn leftover_temp_files_are_reported_not_problems() {
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    save_rows(&store, "me/t", &people_rows(10, 1), "one");
    std::fs::write(store.blobs().tmp_dir().join("123-0-0.tmp"), b"half a blob").unwrap();
    let r = store.fsck().unwrap();
    assert!(r.is_clean());
    assert_eq!(r.temp_files.len(), 1);
    let g = store.gc(std::time::Duration::ZERO).unwrap();
    assert_eq!(g.temp_removed, 1);
    assert!(store.fsck().unwrap().temp_files.is_empty());
}

fn rusqlite_open(root: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open(root.join("quarry.db")).unwrap()
}

#[test]
fn a_save_rewrites_a_corrupt_blob_it_would_reuse() {
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    let rows = people_rows(5000, 1);
    save_rows(&store, "me/c", &rows, "one");
    let path = store.body_path("me/c").unwrap();
    let len = std::fs::metadata(&path).unwrap().len();
    flip_byte(&path, len / 2);
    // The same body again (same name, same size): the damaged copy is not
    // reused but written anew from the bytes in hand.
    let again = save_rows(&store, "me/d", &rows, "again");
    assert!(again.body_written, "the corrupt blob was reused");
    assert_eq!(body_rows(&store.body("me/d").unwrap()), rows);
    assert_eq!(body_rows(&store.body("me/c").unwrap()), rows);
    assert!(store.fsck().unwrap().is_clean());
    // An intact blob is still stored once.
    assert!(!save_rows(&store, "me/e", &rows, "third").body_written);
}

#[test]
fn keeping_a_corrupt_parent_body_is_refused() {
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    save_rows(&store, "me/k", &people_rows(100, 1), "one");
    let head = store.head("me/k").unwrap();
    flip_byte(&store.body_path("me/k").unwrap(), 200);
    let mut v = datasets::NewVersion::new(datasets::BodyInput::Parent, "meta only");
    v.readme = Some("new readme".into());
    let e = store.save("me/k", v).unwrap_err();
    assert!(matches!(e, DatasetError::CorruptBlob { .. }), "{e}");
    assert_eq!(store.head("me/k").unwrap(), head);
}

#[test]
fn garbage_in_the_database_is_an_error_never_a_panic() {
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    save_rows(&store, "me/g", &people_rows(10, 1), "one");
    save_rows(&store, "me/g", &people_rows(11, 1), "two");
    save_rows(&store, "me/g", &people_rows(12, 1), "three");
    drop(store);
    // A multi-byte id cut mid-character by a 12-byte prefix, a position at
    // the end of i64, a head at position 0.
    let conn = rusqlite_open(dir.path());
    conn.execute_batch(
        "UPDATE versions SET id = 'aééééééééé' || id WHERE seq = 3;
         UPDATE versions SET seq = -9223372036854775808 WHERE seq = 2;
         UPDATE heads SET seq = 0;",
    )
    .unwrap();
    drop(conn);
    let store = Store::open(dir.path()).unwrap();
    for r in ["me/g", "me/g@~0", "me/g@~1", "me/g@é"] {
        assert!(store.resolve(r).is_err(), "{r}");
    }
    assert!(store
        .save(
            "me/g",
            datasets::NewVersion::from_body(people_body(&people_rows(1, 1), 1), "x")
        )
        .is_err());
    let r = store.fsck().unwrap();
    assert!(!r.is_clean());
    assert!(
        r.problems.iter().any(|p| p.to_string().contains("ééé")),
        "{:?}",
        r.problems
    );
}

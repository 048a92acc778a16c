//! Round trips of every component, references, log, list, remove, gc and
//! store location.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use common::*;
use datasets::{
    BlobHash, BodyInput, Component, DatasetError, DatasetName, DatasetRef, ExpectedHead,
    InputVersion, LocationSource, Manifest, Meta, NewVersion, Provenance, RemoveVersions, Store,
    StoreLocation, Transform, VersionSpec,
};
use serde_json::json;

fn ts(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).expect("ts")
}

#[test]
fn every_component_round_trips() {
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    let rows = people_rows(2500, 3);
    let mut extra = BTreeMap::new();
    extra.insert("homepage".to_string(), json!("https://example.org"));
    extra.insert("theme".to_string(), json!({"a": [1, 2, 3]}));
    let meta = Meta {
        title: Some("People".into()),
        description: Some("Test people".into()),
        keywords: vec!["people".into(), "test".into()],
        license: Some("CC-BY-4.0".into()),
        extra,
    };
    let mut config = BTreeMap::new();
    config.insert("limit".to_string(), json!(10));
    let transform = Transform {
        script: "def transform(ds, ctx):\n    pass\n".into(),
        starlib_version: "0.3.1".into(),
        config,
    };
    let prov = Provenance {
        run_id: Some("run-1".into()),
        inputs: vec![InputVersion {
            dataset: "other/source".into(),
            version: "ab".repeat(32).parse().unwrap(),
        }],
        rand_seed: Some(7),
    };
    let mut v = NewVersion::from_body(people_body(&rows, 333), "initial");
    v.message = "first load".into();
    v.author = "alice".into();
    v.timestamp = Some(ts(1_700_000_123));
    v.meta = Some(meta.clone());
    v.transform = Some(transform.clone());
    v.readme = Some("# People\n\nA test dataset. ünïcödé\n".into());
    v.provenance = Some(prov.clone());
    v.expected_head = ExpectedHead::New;
    let out = store.save("alice/people", v).unwrap();
    assert_eq!(out.seq, 1);
    assert_eq!(out.parent, None);
    assert_eq!(out.rows, 2500);
    assert!(out.body_written);

    // Reopen from disk: nothing cached.
    drop(store);
    let store = Store::open(dir.path()).unwrap();
    let ds = store.get("alice/people").unwrap();
    assert_eq!(ds.id, out.id);
    assert_eq!(ds.name.to_string(), "alice/people");
    assert_eq!(ds.meta.as_ref(), Some(&meta));
    assert_eq!(ds.transform.as_ref(), Some(&transform));
    assert_eq!(ds.provenance.as_ref(), Some(&prov));
    assert_eq!(
        ds.readme.as_deref(),
        Some("# People\n\nA test dataset. ünïcödé\n")
    );
    assert_eq!(ds.commit.title, "initial");
    assert_eq!(ds.commit.message, "first load");
    assert_eq!(ds.commit.author, "alice");
    assert_eq!(ds.commit.timestamp, ts(1_700_000_123));
    assert_eq!(ds.commit.parent, None);
    assert_eq!(ds.structure.rows, 2500);
    assert_eq!(ds.structure.columns, 4);
    assert_eq!(ds.structure.format, "parquet");
    let cols: Vec<(&str, &str, bool)> = ds
        .structure
        .schema
        .iter()
        .map(|c| (c.name.as_str(), c.data_type.as_str(), c.nullable))
        .collect();
    assert_eq!(
        cols,
        vec![
            ("id", "Int64", false),
            ("name", "Utf8", true),
            ("score", "Float64", true),
            ("active", "Boolean", true)
        ]
    );
    assert_eq!(
        ds.structure.length,
        std::fs::metadata(store.body_path("alice/people").unwrap())
            .unwrap()
            .len()
    );
    // Body: same rows as generated.
    let body = store.body("alice/people").unwrap();
    assert_eq!(body_rows(&body), rows);
    // Component accessors agree with get().
    assert_eq!(store.meta("alice/people").unwrap(), Some(meta.clone()));
    assert_eq!(store.commit("alice/people").unwrap(), ds.commit);
    assert_eq!(store.structure("alice/people").unwrap(), ds.structure);
    assert_eq!(
        store
            .component_json("alice/people", Component::Meta)
            .unwrap()["homepage"],
        json!("https://example.org")
    );
    assert_eq!(
        store
            .component_json("alice/people", Component::Meta)
            .unwrap()["theme"],
        json!({"a": [1, 2, 3]})
    );
    let body_json = store
        .component_json("alice/people", Component::Body)
        .unwrap();
    assert_eq!(body_json.as_array().unwrap().len(), 2500);
    assert_eq!(
        body_json[4],
        json!({"id": 4, "name": "name-12", "score": 1.0, "active": false})
    );
    assert_eq!(body_json[3]["name"], json!(null));
    // Runs table.
    let runs = store.runs("alice/people").unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].run_id, "run-1");
    assert_eq!(runs[0].version, out.id);
}

#[test]
fn version_id_is_hash_of_canonical_manifest() {
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    let out = save_rows(&store, "me/ds", &people_rows(10, 1), "one");
    let m: Manifest = store.manifest("me/ds").unwrap();
    // Canonical JSON computed independently: sorted keys, no spaces.
    let hex = |h: BlobHash| h.to_hex();
    let expected = format!(
        r#"{{"body":"{}","commit":"{}","meta":null,"parent":null,"provenance":null,"readme":null,"structure":"{}","transform":null}}"#,
        hex(m.body),
        hex(m.commit),
        hex(m.structure)
    );
    assert_eq!(m.canonical_bytes().unwrap(), expected.as_bytes());
    assert_eq!(
        out.id.to_hex(),
        blake3::hash(expected.as_bytes()).to_hex().to_string()
    );
    // The manifest blob is stored under the version id.
    let stored = std::fs::read(store.blobs().path(&out.id.0)).unwrap();
    assert_eq!(stored, expected.as_bytes());
    // The body blob is the Parquet file, named by its BLAKE3.
    let body = std::fs::read(store.body_path("me/ds").unwrap()).unwrap();
    assert_eq!(&body[..4], b"PAR1");
    assert_eq!(m.body.to_hex(), blake3::hash(&body).to_hex().to_string());
}

#[test]
fn same_content_same_id_and_unchanged_body_is_stored_once() {
    let a = tempdir();
    let b = tempdir();
    let rows = people_rows(70_000, 2);
    let sa = Store::open(a.path()).unwrap();
    let sb = Store::open(b.path()).unwrap();
    // Different batch sizes on the way in: the same bytes come out.
    let mut va = NewVersion::from_body(people_body(&rows, 1000), "t");
    va.timestamp = Some(ts(5));
    let mut vb = NewVersion::from_body(people_body(&rows, 65_536 + 17), "t");
    vb.timestamp = Some(ts(5));
    let oa = sa.save("me/x", va).unwrap();
    let ob = sb.save("me/x", vb).unwrap();
    assert_eq!(oa.body, ob.body);
    assert_eq!(oa.id, ob.id, "same content, same version id");

    // Saving the same body again writes no new body blob.
    let before = blob_count(&sa);
    let mut again = NewVersion::from_body(people_body(&rows, 4096), "again");
    again.timestamp = Some(ts(6));
    let o2 = sa.save("me/x", again).unwrap();
    assert!(!o2.body_written);
    assert_eq!(o2.body, oa.body);
    assert_ne!(o2.id, oa.id);
    // Only the new commit and manifest blobs were added.
    assert_eq!(blob_count(&sa), before + 2);
    // Keeping the parent's body works too.
    let mut keep = NewVersion::new(BodyInput::Parent, "meta only");
    keep.meta = Some(Meta {
        title: Some("t".into()),
        ..Default::default()
    });
    let o3 = sa.save("me/x", keep).unwrap();
    assert_eq!(o3.body, oa.body);
    assert_eq!(o3.rows, 70_000);
    assert!(!o3.body_written);
    assert_eq!(sa.log("me/x").unwrap().len(), 3);
}

#[test]
fn components_are_inherited_unless_told_not_to() {
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    let mut v = NewVersion::from_body(people_body(&people_rows(5, 1), 10), "one");
    v.readme = Some("readme".into());
    v.meta = Some(Meta {
        title: Some("T".into()),
        ..Default::default()
    });
    v.provenance = Some(Provenance {
        run_id: Some("r1".into()),
        inputs: vec![],
        rand_seed: None,
    });
    store.save("me/ds", v).unwrap();
    store
        .save(
            "me/ds",
            NewVersion::from_body(people_body(&people_rows(6, 1), 10), "two"),
        )
        .unwrap();
    let ds = store.get("me/ds").unwrap();
    assert_eq!(ds.readme.as_deref(), Some("readme"));
    assert_eq!(ds.meta.and_then(|m| m.title).as_deref(), Some("T"));
    assert_eq!(ds.provenance, None, "provenance belongs to one run");
    let mut v3 = NewVersion::from_body(people_body(&people_rows(6, 1), 10), "three");
    v3.inherit = false;
    store.save("me/ds", v3).unwrap();
    let ds = store.get("me/ds").unwrap();
    assert_eq!(ds.readme, None);
    assert_eq!(ds.meta, None);
}

#[test]
fn references_resolve_and_bad_ones_fail_clearly() {
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(save_rows(&store, "me/refs", &people_rows(3 + i, 1), &format!("v{i}")).id);
    }
    // Head, ~N, and prefixes.
    assert_eq!(store.resolve("me/refs").unwrap().id, ids[4]);
    for n in 0..5 {
        let r = store.resolve(&format!("me/refs@~{n}")).unwrap();
        assert_eq!(r.id, ids[4 - n], "@~{n}");
        assert_eq!(r.seq, 5 - n as u64);
    }
    for id in &ids {
        assert_eq!(
            store
                .resolve(&format!("me/refs@{}", id.short(10)))
                .unwrap()
                .id,
            *id
        );
        assert_eq!(
            store
                .resolve(&format!("me/refs@{}", id.to_hex().to_uppercase()))
                .unwrap()
                .id,
            *id
        );
        assert_eq!(
            store.get(&format!("me/refs@{}", id)).unwrap().commit.title,
            store.commit(&format!("me/refs@{id}")).unwrap().title
        );
    }
    assert_eq!(store.get("me/refs@~2").unwrap().commit.title, "v2");
    assert_eq!(
        body_rows(&store.body("me/refs@~4").unwrap()),
        people_rows(3, 1)
    );
    // Parsing.
    let r = DatasetRef::parse("peer_1/some-name@~3").unwrap();
    assert_eq!(r.name, DatasetName::new("peer_1", "some-name").unwrap());
    assert_eq!(r.version, VersionSpec::Back(3));
    assert_eq!(r.to_string(), "peer_1/some-name@~3");
    // Errors.
    let err = store.resolve("me/refs@~5").unwrap_err();
    assert!(matches!(err, DatasetError::VersionNotFound { .. }), "{err}");
    assert!(err.to_string().contains("has 5 versions"), "{err}");
    let err = store.resolve("me/nothere").unwrap_err();
    assert!(
        matches!(err, DatasetError::NotFound { ref name } if name == "me/nothere"),
        "{err}"
    );
    assert_eq!(err.to_string(), "dataset not found: me/nothere");
    // A prefix no version has: pick one that differs from all ids in the first digit.
    let first: std::collections::HashSet<char> = ids
        .iter()
        .map(|i| i.to_hex().chars().next().unwrap())
        .collect();
    let missing = "0123456789abcdef"
        .chars()
        .find(|c| !first.contains(c))
        .unwrap();
    let err = store.resolve(&format!("me/refs@{missing}")).unwrap_err();
    assert!(matches!(err, DatasetError::VersionNotFound { .. }), "{err}");
    for bad in [
        "noslash",
        "me/refs@",
        "me/refs@xyz",
        "me/refs@~",
        "me/refs@~-1",
        "me/refs@~1x",
        "Me/refs",
        "me/1refs",
        "me/re fs",
        "/refs",
        "me/",
        "a/b/c",
        "",
    ] {
        let err = store.resolve(bad).unwrap_err();
        assert!(
            matches!(
                err,
                DatasetError::BadRef { .. } | DatasetError::BadName { .. }
            ),
            "{bad}: {err}"
        );
        assert!(
            err.to_string().contains(bad),
            "{bad}: message names the reference: {err}"
        );
    }
}

#[test]
fn ambiguous_prefix_is_reported() {
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    // 40 versions: some first hex digit is shared by at least 3 of them.
    let mut ids = Vec::new();
    for i in 0..40 {
        ids.push(save_rows(&store, "me/amb", &people_rows(2, i), &format!("v{i}")).id);
    }
    let mut counts = std::collections::HashMap::new();
    for id in &ids {
        *counts.entry(id.to_hex()[..1].to_string()).or_insert(0) += 1;
    }
    let (prefix, n) = counts.into_iter().max_by_key(|(_, n)| *n).unwrap();
    assert!(n >= 2);
    let err = store.resolve(&format!("me/amb@{prefix}")).unwrap_err();
    match &err {
        DatasetError::AmbiguousPrefix {
            prefix: p, matches, ..
        } => {
            assert_eq!(p, &prefix);
            assert!(matches.len() >= 2);
        }
        other => panic!("expected AmbiguousPrefix, got {other}"),
    }
    assert!(err.to_string().contains("ambiguous"));
}

#[test]
fn log_is_newest_first_with_commit_details() {
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    let mut ids = Vec::new();
    for i in 0..12 {
        let mut v = NewVersion::from_body(
            people_body(&people_rows(i + 1, 1), 100),
            format!("title {i}"),
        );
        v.message = format!("message {i}");
        v.author = format!("author{i}");
        v.timestamp = Some(ts(1_000 + i as i64));
        ids.push(store.save("me/logged", v).unwrap().id);
    }
    let log = store.log("me/logged").unwrap();
    assert_eq!(log.len(), 12);
    for (k, e) in log.iter().enumerate() {
        let i = 11 - k;
        assert_eq!(e.id, ids[i]);
        assert_eq!(e.seq, i as u64 + 1);
        assert_eq!(e.parent, if i == 0 { None } else { Some(ids[i - 1]) });
        assert_eq!(e.title, format!("title {i}"));
        assert_eq!(e.message, format!("message {i}"));
        assert_eq!(e.author, format!("author{i}"));
        assert_eq!(e.timestamp, ts(1_000 + i as i64));
        assert_eq!(e.rows, i as u64 + 1);
    }
    assert!(matches!(
        store.log("me/none").unwrap_err(),
        DatasetError::NotFound { .. }
    ));
    assert!(matches!(
        store.log("me/logged@~1").unwrap_err(),
        DatasetError::BadName { .. }
    ));
}

#[test]
fn list_and_remove() {
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(save_rows(&store, "me/b", &people_rows(10 + i, 1), &format!("b{i}")).id);
    }
    save_rows(&store, "me/a", &people_rows(3, 1), "a0");
    let list = store.list().unwrap();
    let names: Vec<String> = list.iter().map(|d| d.name.to_string()).collect();
    assert_eq!(names, vec!["me/a", "me/b"]);
    assert_eq!(list[1].versions, 5);
    assert_eq!(list[1].head, ids[4]);
    assert_eq!(list[1].rows, 14);
    assert_eq!(list[1].title, "b4");

    // Remove the latest two: the head goes back to the third.
    let head = store.remove("me/b", RemoveVersions::Latest(2)).unwrap();
    assert_eq!(head, Some(ids[2]));
    assert_eq!(store.head("me/b").unwrap(), Some(ids[2]));
    let log: Vec<_> = store
        .log("me/b")
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(log, vec![ids[2], ids[1], ids[0]]);
    assert!(matches!(
        store.resolve(&format!("me/b@{}", ids[4])).unwrap_err(),
        DatasetError::VersionNotFound { .. }
    ));
    assert_eq!(body_rows(&store.body("me/b").unwrap()), people_rows(12, 1));
    // A save after a remove continues from the new head.
    let next = save_rows(&store, "me/b", &people_rows(1, 9), "b-after");
    assert_eq!(next.parent, Some(ids[2]));
    assert_eq!(next.seq, 4);
    // Remove 0 changes nothing; as many as there are, or more, is refused
    // (the whole dataset goes only with All), and changes nothing.
    assert_eq!(
        store.remove("me/b", RemoveVersions::Latest(0)).unwrap(),
        Some(next.id)
    );
    for n in [4, 99] {
        let e = store.remove("me/b", RemoveVersions::Latest(n)).unwrap_err();
        assert!(matches!(e, DatasetError::Invalid(_)), "{e}");
        assert!(e.to_string().contains("has 4 versions"), "{e}");
    }
    assert_eq!(store.head("me/b").unwrap(), Some(next.id));
    assert_eq!(store.remove("me/b", RemoveVersions::All).unwrap(), None);
    assert!(matches!(
        store.get("me/b").unwrap_err(),
        DatasetError::NotFound { .. }
    ));
    assert_eq!(store.remove("me/a", RemoveVersions::All).unwrap(), None);
    assert!(store.list().unwrap().is_empty());
    assert!(matches!(
        store.remove("me/a", RemoveVersions::All).unwrap_err(),
        DatasetError::NotFound { .. }
    ));
    // A removed name can be created again.
    let again = save_rows(&store, "me/a", &people_rows(3, 1), "a0");
    assert_eq!(again.seq, 1);
    assert!(store.fsck().unwrap().is_clean());
}

#[test]
fn gc_reclaims_unreferenced_blobs_only() {
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    save_rows(&store, "me/keep", &people_rows(100, 1), "keep");
    save_rows(&store, "me/drop", &people_rows(100, 2), "drop");
    let before = blob_count(&store);
    store.remove("me/drop", RemoveVersions::All).unwrap();
    // Within the grace period nothing goes.
    assert_eq!(
        store.gc(Duration::from_secs(3600)).unwrap().blobs_removed,
        0
    );
    let r = store.gc(Duration::ZERO).unwrap();
    // body, structure, commit, manifest of me/drop
    assert_eq!(r.blobs_removed, 4);
    assert_eq!(blob_count(&store), before - 4);
    let f = store.fsck().unwrap();
    assert!(f.is_clean(), "{:?}", f.problems);
    assert!(f.unreferenced_blobs.is_empty());
    assert_eq!(
        body_rows(&store.body("me/keep").unwrap()),
        people_rows(100, 1)
    );
}

#[test]
fn head_compare_and_swap() {
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    let first = save_rows(&store, "me/cas", &people_rows(3, 1), "one");
    // New: fails when the dataset exists.
    let mut v = NewVersion::from_body(people_body(&people_rows(3, 2), 10), "x");
    v.expected_head = ExpectedHead::New;
    let err = store.save("me/cas", v).unwrap_err();
    assert!(matches!(err, DatasetError::HeadMoved { .. }), "{err}");
    assert!(err.is_busy());
    // Version(head) succeeds once; the second writer with the same
    // expectation fails with a clear message.
    let mut a = NewVersion::from_body(people_body(&people_rows(3, 3), 10), "a");
    a.expected_head = ExpectedHead::Version(first.id);
    let mut b = NewVersion::from_body(people_body(&people_rows(3, 4), 10), "b");
    b.expected_head = ExpectedHead::from_parent(Some(first.id));
    let oa = store.save("me/cas", a).unwrap();
    let err = store.save("me/cas", b).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("busy") && msg.contains(&first.id.to_hex()) && msg.contains(&oa.id.to_hex()),
        "{msg}"
    );
    assert_eq!(store.log("me/cas").unwrap().len(), 2);
}

#[test]
fn invalid_saves_are_rejected() {
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    let err = store
        .save("me/x", NewVersion::new(BodyInput::Parent, "no parent"))
        .unwrap_err();
    assert!(err.to_string().contains("no previous version"), "{err}");
    let err = store
        .save(
            "me/x",
            NewVersion::from_body(people_body(&people_rows(1, 1), 1), "  "),
        )
        .unwrap_err();
    assert!(err.to_string().contains("title"), "{err}");
    let mut v = NewVersion::from_body(people_body(&people_rows(1, 1), 1), "t");
    let mut extra = BTreeMap::new();
    extra.insert("title".to_string(), json!("dup"));
    v.meta = Some(Meta {
        extra,
        ..Default::default()
    });
    assert!(store
        .save("me/x", v)
        .unwrap_err()
        .to_string()
        .contains("title"));
    let err = store
        .save(
            "Bad/Name",
            NewVersion::from_body(people_body(&people_rows(1, 1), 1), "t"),
        )
        .unwrap_err();
    assert!(matches!(err, DatasetError::BadName { .. }));
    assert!(store.list().unwrap().is_empty(), "nothing was recorded");
}

#[test]
fn empty_body_round_trips() {
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    let o = save_rows(&store, "me/empty", &[], "nothing");
    assert_eq!(o.rows, 0);
    let b = store.body("me/empty").unwrap();
    assert_eq!(b.num_rows(), 0);
    assert_eq!(b.schema.fields().len(), 4);
    let mut csv = Vec::new();
    store
        .export_body("me/empty", datasets::Format::Csv, &mut csv)
        .unwrap();
    assert_eq!(String::from_utf8(csv).unwrap(), "id,name,score,active\n");
    let mut js = Vec::new();
    store
        .export_body("me/empty", datasets::Format::Json, &mut js)
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&js).unwrap(),
        json!([])
    );
}

#[test]
fn store_location_precedence() {
    let flag = Path::new("/from/flag");
    let env = Some(std::ffi::OsString::from("/from/env"));
    let data = Some(PathBuf::from("/data"));
    let l = StoreLocation::resolve_with(Some(flag), env.clone(), data.clone()).unwrap();
    assert_eq!((l.path.as_path(), l.source), (flag, LocationSource::Flag));
    let l = StoreLocation::resolve_with(None, env.clone(), data.clone()).unwrap();
    assert_eq!(
        (l.path, l.source),
        (PathBuf::from("/from/env"), LocationSource::Env)
    );
    let l = StoreLocation::resolve_with(None, Some("".into()), data.clone()).unwrap();
    assert_eq!(
        (l.path, l.source),
        (PathBuf::from("/data/quarry"), LocationSource::Platform)
    );
    let l = StoreLocation::resolve_with(None, None, data).unwrap();
    assert_eq!(l.path, PathBuf::from("/data/quarry"));
    assert!(StoreLocation::resolve_with(None, None, None).is_err());
    // Opening creates the layout.
    let dir = tempdir();
    let root = dir.path().join("nested/store");
    let store =
        Store::open_location(&StoreLocation::resolve_with(Some(&root), None, None).unwrap())
            .unwrap();
    assert!(root.join("quarry.db").is_file());
    assert!(root.join("blobs").is_dir());
    assert_eq!(store.root(), root.as_path());
    let mode: String = rusqlite_mode(&root.join("quarry.db"));
    assert_eq!(mode, "wal");
}

fn rusqlite_mode(db: &Path) -> String {
    // Read the journal mode from the file header: bytes 18 and 19 are 2 in WAL mode.
    let header = std::fs::read(db).unwrap();
    if header.len() > 19 && header[18] == 2 && header[19] == 2 {
        "wal".into()
    } else {
        format!("header {:?}", &header[18..20.min(header.len())])
    }
}

#[test]
fn store_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Store>();
    let dir = tempdir();
    let store = std::sync::Arc::new(Store::open(dir.path()).unwrap());
    save_rows(&store, "me/shared", &people_rows(10, 1), "v0");
    std::thread::scope(|s| {
        for t in 0..4 {
            let store = &store;
            s.spawn(move || {
                for i in 0..5 {
                    save_rows(store, "me/shared", &people_rows(10, t * 100 + i), "x");
                    store.body("me/shared").unwrap();
                }
            });
        }
    });
    assert_eq!(store.log("me/shared").unwrap().len(), 21);
}

//! Diffs: structure, meta, keyed and positional body diffs, identical
//! bodies skipped.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use common::*;
use datasets::{Body, BodyDiffMode, BodyInput, DatasetError, DiffOptions, Meta, NewVersion, Store};
use serde_json::json;

fn keyed(sample: usize) -> DiffOptions {
    DiffOptions {
        key: vec!["id".into()],
        sample,
    }
}

#[test]
fn keyed_body_diff_counts_and_samples() {
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    let old = people_rows(1000, 1);
    let mut new: Vec<Person> = old
        .iter()
        .filter(|p| p.id != 5 && p.id != 10)
        .cloned()
        .collect();
    for p in new.iter_mut() {
        if [20, 30, 40].contains(&p.id) {
            p.name = Some(format!("renamed-{}", p.id));
        }
        if p.id == 40 {
            p.score = Some(-1.0);
        }
    }
    new.extend(people_rows(1004, 1).into_iter().skip(1000));
    new.reverse(); // order does not matter to a keyed diff
    save_rows(&store, "me/d", &old, "old");
    save_rows(&store, "me/d", &new, "new");
    let d = store.diff("me/d@~1", "me/d", &keyed(2)).unwrap();
    assert_eq!(d.body.mode, BodyDiffMode::Keyed(vec!["id".into()]));
    assert_eq!(
        (
            d.body.added,
            d.body.removed,
            d.body.changed,
            d.body.unchanged
        ),
        (4, 2, 3, 995)
    );
    assert_eq!(d.body.compared_columns, vec!["name", "score", "active"]);
    assert_eq!(d.body.sample_added.len(), 2);
    assert_eq!(d.body.sample_removed.len(), 2);
    assert_eq!(d.body.sample_changed.len(), 2);
    // Samples hold real rows: removed are ids 5 and 10 (old order).
    let removed: Vec<i64> = d
        .body
        .sample_removed
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(removed, vec![5, 10]);
    for r in &d.body.sample_added {
        assert!((1000..1004).contains(&r["id"].as_i64().unwrap()));
    }
    // New order is reversed: the first changed row found is id 40.
    let c = &d.body.sample_changed[0];
    assert_eq!(c.old["id"], json!(40));
    assert_eq!(c.old["name"], json!("name-40"));
    assert_eq!(c.new["name"], json!("renamed-40"));
    assert_eq!(c.columns, vec!["name", "score"]);
    assert_eq!(d.structure.rows_before, 1000);
    assert_eq!(d.structure.rows_after, 1002);
    assert!(d.structure.is_empty());
    assert!(d.components_changed.contains(&"body".to_string()));
    // Reverse direction swaps added and removed.
    let r = store.diff("me/d", "me/d@~1", &keyed(0)).unwrap();
    assert_eq!((r.body.added, r.body.removed, r.body.changed), (2, 4, 3));
    assert!(r.body.sample_added.is_empty());
}

#[test]
fn positional_body_diff() {
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    let old = people_rows(100, 1);
    let mut new = old.clone();
    new[7].active = Some(!new[7].active.unwrap());
    new[50].name = None;
    new.push(people_rows(103, 2)[101].clone());
    new.push(people_rows(103, 2)[102].clone());
    save_rows(&store, "me/p", &old, "old");
    save_rows(&store, "me/p", &new, "new");
    let d = store
        .diff("me/p@~1", "me/p", &DiffOptions::default())
        .unwrap();
    assert_eq!(d.body.mode, BodyDiffMode::Positional);
    assert_eq!(
        (
            d.body.added,
            d.body.removed,
            d.body.changed,
            d.body.unchanged
        ),
        (2, 0, 2, 98)
    );
    assert_eq!(d.body.sample_changed[0].columns, vec!["active"]);
    assert_eq!(d.body.sample_changed[1].columns, vec!["name"]);
    assert_eq!(d.body.sample_added[1]["id"], json!(102));
    // Shorter new body: the tail is removed.
    save_rows(&store, "me/p", &old[..90], "shorter");
    let d = store
        .diff("me/p@~2", "me/p", &DiffOptions::default())
        .unwrap();
    assert_eq!(
        (
            d.body.added,
            d.body.removed,
            d.body.changed,
            d.body.unchanged
        ),
        (0, 10, 0, 90)
    );
}

fn other_schema_body() -> Body {
    // id stays Int64, name stays, score becomes Utf8, active is dropped, rank is new.
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("name", DataType::Utf8, true),
        Field::new("score", DataType::Utf8, true),
        Field::new("rank", DataType::Int64, true),
    ]));
    let rows = people_rows(10, 1);
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(
            rows.iter().map(|p| p.id).collect::<Vec<_>>(),
        )),
        Arc::new(StringArray::from(
            rows.iter()
                .map(|p| {
                    if p.id == 2 {
                        Some("changed".to_string())
                    } else {
                        p.name.clone()
                    }
                })
                .collect::<Vec<_>>(),
        )),
        Arc::new(StringArray::from(
            rows.iter()
                .map(|p| p.score.map(|s| s.to_string()))
                .collect::<Vec<_>>(),
        )),
        Arc::new(Int64Array::from(
            rows.iter().map(|p| p.id * 10).collect::<Vec<_>>(),
        )),
    ];
    Body::new(
        schema.clone(),
        vec![RecordBatch::try_new(schema, cols).unwrap()],
    )
    .unwrap()
}

#[test]
fn structure_and_meta_diff() {
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    let mut extra = BTreeMap::new();
    extra.insert("source".to_string(), json!("a"));
    extra.insert("gone".to_string(), json!(1));
    let mut v1 = NewVersion::from_body(people_body(&people_rows(10, 1), 100), "one");
    v1.meta = Some(Meta {
        title: Some("Old title".into()),
        keywords: vec!["a".into()],
        extra,
        ..Default::default()
    });
    store.save("me/s", v1).unwrap();
    let mut extra = BTreeMap::new();
    extra.insert("source".to_string(), json!("b"));
    let mut v2 = NewVersion::from_body(other_schema_body(), "two");
    v2.meta = Some(Meta {
        title: Some("New title".into()),
        keywords: vec!["a".into()],
        license: Some("MIT".into()),
        extra,
        ..Default::default()
    });
    store.save("me/s", v2).unwrap();
    let d = store.diff("me/s@~1", "me/s", &keyed(5)).unwrap();
    let added: Vec<&str> = d
        .structure
        .columns_added
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    let removed: Vec<&str> = d
        .structure
        .columns_removed
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(added, vec!["rank"]);
    assert_eq!(removed, vec!["active"]);
    assert_eq!(d.structure.columns_retyped.len(), 1);
    assert_eq!(d.structure.columns_retyped[0].name, "score");
    assert_eq!(d.structure.columns_retyped[0].from, "Float64");
    assert_eq!(d.structure.columns_retyped[0].to, "Utf8");
    let meta: Vec<(&str, Option<serde_json::Value>, Option<serde_json::Value>)> = d
        .meta
        .iter()
        .map(|c| (c.field.as_str(), c.old.clone(), c.new.clone()))
        .collect();
    assert_eq!(
        meta,
        vec![
            ("gone", Some(json!(1)), None),
            ("license", None, Some(json!("MIT"))),
            ("source", Some(json!("a")), Some(json!("b"))),
            ("title", Some(json!("Old title")), Some(json!("New title"))),
        ]
    );
    // Only the shared, same-typed column (name) is compared.
    assert_eq!(d.body.compared_columns, vec!["name"]);
    assert_eq!(
        (
            d.body.added,
            d.body.removed,
            d.body.changed,
            d.body.unchanged
        ),
        (0, 0, 1, 9)
    );
    assert_eq!(d.body.sample_changed[0].new["name"], json!("changed"));
    let mut comps = d.components_changed.clone();
    comps.sort();
    assert_eq!(comps, vec!["body", "commit", "meta", "structure"]);
}

#[test]
fn identical_bodies_are_not_read() {
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    let rows = people_rows(500, 1);
    save_rows(&store, "me/i", &rows, "one");
    let mut v = NewVersion::new(BodyInput::Parent, "meta only");
    v.meta = Some(Meta {
        title: Some("x".into()),
        ..Default::default()
    });
    store.save("me/i", v).unwrap();
    // Delete the body blob: a diff that read it would fail.
    std::fs::remove_file(store.body_path("me/i").unwrap()).unwrap();
    let d = store.diff("me/i@~1", "me/i", &keyed(10)).unwrap();
    assert_eq!(d.body.mode, BodyDiffMode::Identical);
    assert_eq!(
        (
            d.body.added,
            d.body.removed,
            d.body.changed,
            d.body.unchanged
        ),
        (0, 0, 0, 500)
    );
    assert_eq!(d.components_changed, vec!["meta", "commit"]);
    assert_eq!(d.meta.len(), 1);
    // ...and a diff that must read it names the missing blob.
    save_rows(&store, "me/i", &people_rows(5, 9), "three");
    let err = store.diff("me/i@~1", "me/i", &keyed(10)).unwrap_err();
    assert!(matches!(err, DatasetError::MissingBlob { .. }), "{err}");
}

#[test]
fn bad_keys_are_reported() {
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    let rows = people_rows(20, 1);
    let mut dup = rows.clone();
    dup[3].id = 4;
    save_rows(&store, "me/k", &rows, "one");
    save_rows(&store, "me/k", &dup, "dup");
    let err = store.diff("me/k@~1", "me/k", &keyed(3)).unwrap_err();
    assert!(matches!(err, DatasetError::Diff(_)), "{err}");
    assert!(
        err.to_string().contains("id=4") && err.to_string().contains("newer"),
        "{err}"
    );
    let err = store.diff("me/k", "me/k@~1", &keyed(3)).unwrap_err();
    assert!(err.to_string().contains("older"), "{err}");
    let err = store
        .diff(
            "me/k@~1",
            "me/k",
            &DiffOptions {
                key: vec!["nope".into()],
                sample: 1,
            },
        )
        .unwrap_err();
    assert!(err.to_string().contains("'nope'"), "{err}");
    // Two-column keys work.
    let d = store
        .diff(
            "me/k@~1",
            "me/k",
            &DiffOptions {
                key: vec!["id".into(), "name".into()],
                sample: 3,
            },
        )
        .unwrap();
    // Row 3 now has id 4 and name-3: a new (4, name-3), and (3, name-3)... is null-named
    // (i % 7 == 3), so the old key was (3, null): one removed, one added.
    assert_eq!((d.body.added, d.body.removed, d.body.changed), (1, 1, 0));
}

#[test]
fn diff_across_datasets_and_bad_refs() {
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    save_rows(&store, "me/a", &people_rows(10, 1), "a");
    save_rows(&store, "me/b", &people_rows(12, 1), "b");
    let d = store.diff("me/a", "me/b", &keyed(1)).unwrap();
    assert_eq!((d.body.added, d.body.removed, d.body.changed), (2, 0, 0));
    assert!(matches!(
        store.diff("me/a@~3", "me/b", &keyed(1)).unwrap_err(),
        DatasetError::VersionNotFound { .. }
    ));
}

#[test]
fn aligned_keys_fast_path() {
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    // Same (shuffled, unique) keys in the same order on both sides.
    let mut old = people_rows(3000, 1);
    let mut x: u64 = 7;
    for i in (1..old.len()).rev() {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        old.swap(i, (x >> 33) as usize % (i + 1));
    }
    let mut new = old.clone();
    for k in [0usize, 17, 2999] {
        new[k].score = Some(1e9);
    }
    new[500].name = None;
    new[501].active = None;
    save_rows(&store, "me/al", &old, "old");
    save_rows(&store, "me/al", &new, "new");
    let d = store.diff("me/al@~1", "me/al", &keyed(10)).unwrap();
    assert_eq!(
        (
            d.body.added,
            d.body.removed,
            d.body.changed,
            d.body.unchanged
        ),
        (0, 0, 5, 2995)
    );
    let changed_ids: Vec<i64> = d
        .body
        .sample_changed
        .iter()
        .map(|c| c.new["id"].as_i64().unwrap())
        .collect();
    let expected: Vec<i64> = [0usize, 17, 500, 501, 2999]
        .iter()
        .map(|&k| old[k].id)
        .collect();
    assert_eq!(changed_ids, expected);
    // Duplicate keys in the same places on both sides are still an error.
    let mut dup = people_rows(50, 1);
    dup[10].id = 3;
    let mut dup2 = dup.clone();
    dup2[20].score = Some(-5.0);
    save_rows(&store, "me/dd", &dup, "a");
    save_rows(&store, "me/dd", &dup2, "b");
    let err = store.diff("me/dd@~1", "me/dd", &keyed(1)).unwrap_err();
    assert!(
        err.to_string().contains("id=3") && err.to_string().contains("not unique"),
        "{err}"
    );
}

#[test]
fn nested_columns_are_compared() {
    use arrow_array::types::Int64Type;
    use arrow_array::ListArray;
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new(
            "tags",
            DataType::List(Arc::new(Field::new_list_field(DataType::Int64, true))),
            true,
        ),
    ]));
    let make = |lists: Vec<Option<Vec<Option<i64>>>>| {
        let ids = Int64Array::from((0..lists.len() as i64).collect::<Vec<_>>());
        let tags = ListArray::from_iter_primitive::<Int64Type, _, _>(lists);
        let batch =
            RecordBatch::try_new(schema.clone(), vec![Arc::new(ids), Arc::new(tags)]).unwrap();
        Body::new(schema.clone(), vec![batch]).unwrap()
    };
    let a = make(vec![
        Some(vec![Some(1), Some(2)]),
        None,
        Some(vec![]),
        Some(vec![None]),
    ]);
    let b = make(vec![
        Some(vec![Some(1), Some(2)]),
        None,
        Some(vec![Some(3)]),
        Some(vec![None]),
    ]);
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    store.save("me/n", NewVersion::from_body(a, "a")).unwrap();
    store.save("me/n", NewVersion::from_body(b, "b")).unwrap();
    for opts in [keyed(5), DiffOptions::default()] {
        let d = store.diff("me/n@~1", "me/n", &opts).unwrap();
        assert_eq!(
            (d.body.changed, d.body.unchanged),
            (1, 3),
            "{:?}",
            d.body.mode
        );
        assert_eq!(d.body.sample_changed[0].new["tags"], json!([3]));
    }
}

/// A body of one Utf8 column named `col` holding `values`.
fn one_column(col: &str, values: &[&str]) -> Body {
    let schema = Arc::new(Schema::new(vec![Field::new(col, DataType::Utf8, false)]));
    let array: ArrayRef = Arc::new(StringArray::from(values.to_vec()));
    Body::new(
        schema.clone(),
        vec![RecordBatch::try_new(schema, vec![array]).unwrap()],
    )
    .unwrap()
}

#[test]
fn positional_diff_with_no_shared_columns_counts_every_row_changed() {
    let dir = tempdir();
    let store = Store::open(dir.path()).unwrap();
    for (col, title) in [("a", "one"), ("b", "two")] {
        let v = NewVersion::new(BodyInput::Arrow(one_column(col, &["x", "y"])), title);
        store.save("me/n", v).unwrap();
    }
    let d = store
        .diff("me/n@~1", "me/n", &DiffOptions::default())
        .unwrap();
    assert!(d.body.incomparable);
    assert!(d.body.compared_columns.is_empty());
    assert_eq!((d.body.changed, d.body.unchanged), (2, 0));
    assert!(!d.body.is_empty());
    // Keyed, with nothing but the key in common: the same.
    let keyed_diff = datasets::diff_bodies(
        &one_column("k", &["1", "2"]),
        &one_column("k", &["1", "2"]),
        &DiffOptions {
            key: vec!["k".into()],
            sample: 1,
        },
    )
    .unwrap();
    assert!(!keyed_diff.incomparable, "only the key: rows are equal");
    assert_eq!(keyed_diff.unchanged, 2);
}

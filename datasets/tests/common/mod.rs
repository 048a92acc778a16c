//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use datasets::{Body, NewVersion, Store};

/// A fresh temporary directory (removed on drop).
pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("quarry-ds-test")
        .tempdir()
        .expect("tempdir")
}

/// The schema of [`people`]: id, name, score, active.
pub fn people_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("name", DataType::Utf8, true),
        Field::new("score", DataType::Float64, true),
        Field::new("active", DataType::Boolean, true),
    ]))
}

/// One row of [`people`], computed independently of the store.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub id: i64,
    pub name: Option<String>,
    pub score: Option<f64>,
    pub active: Option<bool>,
}

/// Deterministic rows: row i has id `i`, name `name-<i*seed>`, score i/4,
/// active = i%3==0; every 7th name and every 11th score is null.
pub fn people_rows(n: usize, seed: i64) -> Vec<Person> {
    (0..n as i64)
        .map(|i| Person {
            id: i,
            name: if i % 7 == 3 {
                None
            } else {
                Some(format!("name-{}", i * seed))
            },
            score: if i % 11 == 5 {
                None
            } else {
                Some(i as f64 / 4.0)
            },
            active: Some(i % 3 == 0),
        })
        .collect()
}

/// Rows as an Arrow body, split into batches of `batch` rows.
pub fn people_body(rows: &[Person], batch: usize) -> Body {
    let schema = people_schema();
    let mut batches = Vec::new();
    for chunk in rows.chunks(batch.max(1)) {
        let cols: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(
                chunk.iter().map(|p| p.id).collect::<Vec<_>>(),
            )),
            Arc::new(StringArray::from(
                chunk.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
            )),
            Arc::new(Float64Array::from(
                chunk.iter().map(|p| p.score).collect::<Vec<_>>(),
            )),
            Arc::new(BooleanArray::from(
                chunk.iter().map(|p| p.active).collect::<Vec<_>>(),
            )),
        ];
        batches.push(RecordBatch::try_new(schema.clone(), cols).expect("batch"));
    }
    Body::new(schema, batches).expect("body")
}

/// Read a body back into rows (panics on an unexpected schema).
pub fn body_rows(body: &Body) -> Vec<Person> {
    let mut out = Vec::new();
    for b in &body.batches {
        let id = b
            .column(0)
            .as_any()
            .downcast_ref::<Int64Array>()
            .expect("id");
        let name = b
            .column(1)
            .as_any()
            .downcast_ref::<StringArray>()
            .expect("name");
        let score = b
            .column(2)
            .as_any()
            .downcast_ref::<Float64Array>()
            .expect("score");
        let active = b
            .column(3)
            .as_any()
            .downcast_ref::<BooleanArray>()
            .expect("active");
        for i in 0..b.num_rows() {
            out.push(Person {
                id: id.value(i),
                name: (!name.is_null(i)).then(|| name.value(i).to_string()),
                score: (!score.is_null(i)).then(|| score.value(i)),
                active: (!active.is_null(i)).then(|| active.value(i)),
            });
        }
    }
    out
}

/// Save `rows` as a new version with a fixed timestamp.
pub fn save_rows(store: &Store, name: &str, rows: &[Person], title: &str) -> datasets::SaveOutcome {
    let mut v = NewVersion::from_body(people_body(rows, 1000), title);
    v.timestamp = Some(chrono::DateTime::from_timestamp(1_700_000_000, 0).expect("ts"));
    store.save(name, v).expect("save")
}

/// The blob files currently in a store (names only).
pub fn blob_count(store: &Store) -> usize {
    store.blobs().list().expect("list").0.len()
}

/// Path of the helper binary.
pub fn stress_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_quarry-datasets-stress"))
}

/// A small xorshift PRNG (tests need no crate for this).
pub struct Rng(pub u64);
impl Rng {
    pub fn from_time() -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(42)
            | 1;
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

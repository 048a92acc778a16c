//! Interoperability: pyarrow reads a stored body blob directly and agrees
//! with the store's own export and with the data as generated.
//!
//! Needs `python3` with `pyarrow` (`pip install pyarrow`). Without it the
//! test is skipped with a message, except under CI (`CI` set), where it fails.

mod common;

use std::process::Command;

use common::*;
use datasets::{BodyInput, Format, ImportOptions, NewVersion, Store};
use serde_json::{json, Value};

const SCRIPT: &str = r#"
import json, sys
import pyarrow.parquet as pq
path = sys.argv[1]
f = pq.ParquetFile(path)
md = f.metadata
codecs = sorted({md.row_group(g).column(c).compression for g in range(md.num_row_groups) for c in range(md.num_columns)})
t = pq.read_table(path)
out = {
    "schema": [[fld.name, str(fld.type)] for fld in t.schema],
    "num_rows": t.num_rows,
    "codecs": codecs,
    "rows": t.to_pylist(),
}
print(json.dumps(out, default=lambda o: o.isoformat()))
"#;

fn pyarrow_available() -> bool {
    Command::new("python3")
        .args(["-c", "import pyarrow.parquet"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// True when pyarrow can be run; false (with a message) when the test
/// should be skipped; a failure under CI, where it must be there.
fn have_pyarrow() -> bool {
    if pyarrow_available() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("python3 with pyarrow is required in CI: pip install pyarrow");
    }
    eprintln!("SKIPPED: python3 with pyarrow not found (pip install pyarrow)");
    false
}

fn read_with_pyarrow(path: &std::path::Path) -> Option<Value> {
    if !have_pyarrow() {
        return None;
    }
    let out = Command::new("python3")
        .args(["-c", SCRIPT])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pyarrow failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

#[test]
fn pyarrow_reads_a_stored_body_and_agrees_with_export() {
    let dir = tempdir();
    let store = Store::open(dir.path().join("store")).unwrap();
    // 150k rows: several row groups.
    let rows = people_rows(150_000, 7);
    save_rows(&store, "me/people", &rows, "people");
    let path = store.body_path("me/people").unwrap();
    let Some(py) = read_with_pyarrow(&path) else {
        return;
    };
    assert_eq!(py["num_rows"], json!(150_000));
    assert_eq!(py["codecs"], json!(["ZSTD"]));
    assert_eq!(
        py["schema"],
        json!([
            ["id", "int64"],
            ["name", "string"],
            ["score", "double"],
            ["active", "bool"]
        ])
    );
    let py_rows = py["rows"].as_array().unwrap();
    // Against the data as generated (independent of the store).
    for (p, r) in rows.iter().zip(py_rows) {
        let expected = json!({"id": p.id, "name": p.name, "score": p.score, "active": p.active});
        assert_eq!(*r, expected);
    }
    // Against the store's own NDJSON export.
    let mut nd = Vec::new();
    store
        .export_body("me/people", Format::Ndjson, &mut nd)
        .unwrap();
    let exported: Vec<Value> = String::from_utf8(nd)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(exported.len(), py_rows.len());
    assert!(
        exported.iter().zip(py_rows).all(|(a, b)| a == b),
        "export and pyarrow disagree"
    );
}

#[test]
fn pyarrow_reads_dates_and_strings_imported_from_csv() {
    let dir = tempdir();
    let store = Store::open(dir.path().join("store")).unwrap();
    let csv = "id,city,when,at,amount\n\
               1,Zürich,2024-02-29,2024-02-29T12:30:00,10.25\n\
               2,\"New York, NY\",1999-12-31,1999-12-31T23:59:59,-3\n\
               3,,,,\n";
    let p = dir.path().join("cities.csv");
    std::fs::write(&p, csv).unwrap();
    store
        .save(
            "me/cities",
            NewVersion::new(
                BodyInput::File {
                    path: p,
                    format: Format::Csv,
                    options: ImportOptions::default(),
                },
                "cities",
            ),
        )
        .unwrap();
    let Some(py) = read_with_pyarrow(&store.body_path("me/cities").unwrap()) else {
        return;
    };
    assert_eq!(
        py["schema"],
        json!([
            ["id", "int64"],
            ["city", "string"],
            ["when", "date32[day]"],
            ["at", "timestamp[ms]"],
            ["amount", "double"]
        ])
    );
    let expected = json!([
        {"id": 1, "city": "Zürich", "when": "2024-02-29", "at": "2024-02-29T12:30:00", "amount": 10.25},
        {"id": 2, "city": "New York, NY", "when": "1999-12-31", "at": "1999-12-31T23:59:59", "amount": -3.0},
        {"id": 3, "city": null, "when": null, "at": null, "amount": null},
    ]);
    assert_eq!(py["rows"], expected);
    let mut js = Vec::new();
    store
        .export_body("me/cities", Format::Json, &mut js)
        .unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&js).unwrap(), expected);
}

/// A file pyarrow writes with its defaults (snappy, as pandas' `to_parquet`
/// does) imports, and reads back as pyarrow wrote it.
#[test]
fn parquet_written_by_pyarrow_with_its_defaults_imports() {
    if !have_pyarrow() {
        return;
    }
    let dir = tempdir();
    let path = dir.path().join("pandas.parquet");
    let script = r#"
import sys
import pyarrow as pa, pyarrow.parquet as pq
t = pa.table({"id": list(range(1000)), "name": ["n%d" % i for i in range(1000)]})
pq.write_table(t, sys.argv[1])
print(pq.ParquetFile(sys.argv[1]).metadata.row_group(0).column(0).compression)
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "SNAPPY");
    let store = Store::open(dir.path().join("store")).unwrap();
    let input = BodyInput::File {
        path,
        format: Format::Parquet,
        options: ImportOptions::default(),
    };
    store
        .save("me/pandas", NewVersion::new(input, "from pandas"))
        .unwrap();
    let mut js = Vec::new();
    store
        .export_body("me/pandas", Format::Ndjson, &mut js)
        .unwrap();
    let text = String::from_utf8(js).unwrap();
    assert_eq!(text.lines().count(), 1000);
    assert_eq!(text.lines().nth(7).unwrap(), r#"{"id":7,"name":"n7"}"#);
}

//! One CSV file read by the three paths that read CSV — the store's import
//! (`datasets::import_file`, as `quarry save --body file.csv`), starlib's
//! `csv.read` under 2.x, and `ds.set_body(text, parse_as="csv")` — gets the
//! same column types and the same values.

use arrow_array::RecordBatch;
use arrow_schema::{DataType, SchemaRef, TimeUnit};
use datasets::{import_file, Body, Format, ImportOptions};
use transforms::{run, RunRequest};

/// Ints, floats, quoted strings (a delimiter, doubled quotes, a line break),
/// bools in several cases, empty cells, an ISO timestamp column (`T` and
/// space), ints and floats mixed, a column that looks numeric in its first
/// rows only, dates, and a column with no values at all.
const CSV: &str = "id,price,name,ok,note,at,mixed,code,day,empty\n\
1,1.5,\"Smith, \"\"Jo\"\"\",true,,2024-03-01T10:00:00,1,7,2024-03-01,\n\
2,2,plain,False,\"x\",2024-03-02 11:30:00,2,8,2024-03-02,\n\
3,,\"two\nlines\",TRUE,,2024-03-03T12:00:00,2.5,A9,,\n\
4,-0.25,,false,y,,-3,10,2024-03-04,\n";

fn v2() -> &'static starlib::Release {
    starlib::release::select_str("^2").expect("2.x ships")
}

/// The body a transform leaves, with `DATA` bound to [`CSV`].
fn run_body(body: &str) -> Body {
    let src = format!(
        "load(\"encoding/csv.star\", \"csv\")\nDATA = {CSV:?}\ndef transform(ds):\n    {body}\n"
    );
    match run(RunRequest::new("t.star", src, v2())) {
        Ok(o) => o.body,
        Err(e) => panic!("{body}: {e}"),
    }
}

fn types(schema: &SchemaRef) -> Vec<(String, DataType)> {
    schema
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().clone()))
        .collect()
}

/// All of a body's rows in one batch.
fn rows(body: &Body) -> RecordBatch {
    body.concat().expect("one batch")
}

#[test]
fn every_csv_reader_infers_the_same_types() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("mixed.csv");
    std::fs::write(&path, CSV).expect("write csv");
    let imported = import_file(&path, Format::Csv, &ImportOptions::default()).expect("import");
    let read = run_body("ds.body = csv.read(DATA)");
    let parsed = run_body("ds.set_body(DATA, parse_as = \"csv\")");

    let want: Vec<(String, DataType)> = [
        ("id", DataType::Int64),
        ("price", DataType::Float64),
        ("name", DataType::Utf8),
        ("ok", DataType::Boolean),
        ("note", DataType::Utf8),
        ("at", DataType::Timestamp(TimeUnit::Second, None)),
        ("mixed", DataType::Float64),
        ("code", DataType::Utf8),
        ("day", DataType::Date32),
        ("empty", DataType::Null),
    ]
    .into_iter()
    .map(|(n, t)| (n.to_string(), t))
    .collect();
    assert_eq!(types(&imported.schema), want, "quarry save --body");
    assert_eq!(types(&read.schema), want, "csv.read");
    assert_eq!(types(&parsed.schema), want, "set_body(parse_as=\"csv\")");

    let all = rows(&imported);
    assert_eq!(all.num_rows(), 4);
    assert_eq!(rows(&read), all, "csv.read");
    assert_eq!(rows(&parsed), all, "set_body(parse_as=\"csv\")");
}

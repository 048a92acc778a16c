//! Import and export of csv, json, ndjson and parquet bodies, and clear
//! errors for malformed input.

mod common;

use std::sync::Arc;

use arrow_array::{Array, BooleanArray, Date32Array, Float64Array, Int64Array, StringArray};
use arrow_schema::{DataType, Field, Schema};
use common::*;
use datasets::{
    import_file, import_reader, BodyInput, DatasetError, Format, ImportOptions, NewVersion, Store,
};
use serde_json::{json, Value};

const FRUIT_CSV: &str = "id,name,price,when,ok\n\
1,apple,1.5,2024-01-02,true\n\
2,\"banana, ripe\",2,2024-01-03,false\n\
3,,3.25,,true\n\
4,\"say \"\"hi\"\"\",-0.5,2023-12-31,\n";

fn fruit_expected_json() -> Value {
    json!([
        {"id": 1, "name": "apple", "price": 1.5, "when": "2024-01-02", "ok": true},
        {"id": 2, "name": "banana, ripe", "price": 2.0, "when": "2024-01-03", "ok": false},
        {"id": 3, "name": null, "price": 3.25, "when": null, "ok": true},
        {"id": 4, "name": "say \"hi\"", "price": -0.5, "when": "2023-12-31", "ok": null},
    ])
}

fn write(dir: &std::path::Path, name: &str, content: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

#[test]
fn csv_import_infers_types_and_values() {
    let dir = tempdir();
    let p = write(dir.path(), "fruit.csv", FRUIT_CSV.as_bytes());
    let body = import_file(&p, Format::Csv, &ImportOptions::default()).unwrap();
    let types: Vec<(String, DataType)> = body
        .schema
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().clone()))
        .collect();
    assert_eq!(
        types,
        vec![
            ("id".into(), DataType::Int64),
            ("name".into(), DataType::Utf8),
            ("price".into(), DataType::Float64),
            ("when".into(), DataType::Date32),
            ("ok".into(), DataType::Boolean),
        ]
    );
    let b = body.concat().unwrap();
    let id = b.column(0).as_any().downcast_ref::<Int64Array>().unwrap();
    let name = b.column(1).as_any().downcast_ref::<StringArray>().unwrap();
    let price = b.column(2).as_any().downcast_ref::<Float64Array>().unwrap();
    let when = b.column(3).as_any().downcast_ref::<Date32Array>().unwrap();
    let ok = b.column(4).as_any().downcast_ref::<BooleanArray>().unwrap();
    assert_eq!(id.values().to_vec(), vec![1, 2, 3, 4]);
    assert_eq!(name.value(1), "banana, ripe");
    assert_eq!(name.value(3), "say \"hi\"");
    assert!(name.is_null(2));
    assert_eq!(price.values().to_vec(), vec![1.5, 2.0, 3.25, -0.5]);
    // 2024-01-02 is day 19724 since the epoch.
    assert_eq!(when.value(0), 19724);
    assert!(when.is_null(2));
    assert!(ok.is_null(3));
    assert!(ok.value(0) && !ok.value(1));
}

#[test]
fn every_format_round_trips_through_the_store() {
    let dir = tempdir();
    let store = Store::open(dir.path().join("store")).unwrap();
    let p = write(dir.path(), "fruit.csv", FRUIT_CSV.as_bytes());
    let out = store
        .save(
            "me/fruit",
            NewVersion::new(
                BodyInput::File {
                    path: p.clone(),
                    format: Format::Csv,
                    options: ImportOptions::default(),
                },
                "csv",
            ),
        )
        .unwrap();
    assert_eq!(out.rows, 4);
    // JSON export equals the independently written expectation.
    let mut js = Vec::new();
    store
        .export_body("me/fruit", Format::Json, &mut js)
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&js).unwrap(),
        fruit_expected_json()
    );
    // NDJSON: one object per line, same values.
    let mut nd = Vec::new();
    store
        .export_body("me/fruit", Format::Ndjson, &mut nd)
        .unwrap();
    let lines: Vec<Value> = String::from_utf8(nd.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(Value::Array(lines), fruit_expected_json());
    // CSV: same text back (booleans and numbers as written; 2 → 2.0).
    let mut csv = Vec::new();
    store
        .export_body("me/fruit", Format::Csv, &mut csv)
        .unwrap();
    assert_eq!(
        String::from_utf8(csv.clone()).unwrap(),
        "id,name,price,when,ok\n1,apple,1.5,2024-01-02,true\n2,\"banana, ripe\",2.0,2024-01-03,false\n3,,3.25,,true\n4,\"say \"\"hi\"\"\",-0.5,2023-12-31,\n"
    );
    // Parquet export is the stored blob itself.
    let mut pq = Vec::new();
    store
        .export_body("me/fruit", Format::Parquet, &mut pq)
        .unwrap();
    assert_eq!(
        pq,
        std::fs::read(store.body_path("me/fruit").unwrap()).unwrap()
    );

    // Re-import each export and save it: the body is unchanged every time,
    // so the same body blob is reused.
    for (fmt, bytes) in [
        (Format::Csv, &csv),
        (Format::Ndjson, &nd),
        (Format::Parquet, &pq),
    ] {
        let f = write(dir.path(), &format!("again.{fmt}"), bytes);
        let mut opts = ImportOptions::default();
        if fmt == Format::Ndjson {
            // JSON has no dates: give the schema so types match.
            opts.schema = Some(store.body("me/fruit").unwrap().schema.clone());
        }
        let o = store
            .save(
                "me/fruit",
                NewVersion::new(
                    BodyInput::File {
                        path: f,
                        format: fmt,
                        options: opts,
                    },
                    format!("again {fmt}"),
                ),
            )
            .unwrap();
        assert_eq!(o.body, out.body, "{fmt} round trip changed the body");
        assert!(!o.body_written);
    }
    // JSON array import (schema inferred: when stays a string).
    let f = write(dir.path(), "again.json", &js);
    let b = import_file(&f, Format::Json, &ImportOptions::default()).unwrap();
    assert_eq!(b.num_rows(), 4);
    assert_eq!(
        b.schema.field_with_name("when").unwrap().data_type(),
        &DataType::Utf8
    );
    assert_eq!(
        b.schema.field_with_name("price").unwrap().data_type(),
        &DataType::Float64
    );
    // Exporting to a path picks the format from the extension.
    let outp = dir.path().join("out.ndjson");
    store.export_body_to_path("me/fruit", &outp, None).unwrap();
    assert_eq!(std::fs::read(&outp).unwrap(), nd);
    assert!(store
        .export_body_to_path("me/fruit", &dir.path().join("out.xyz"), None)
        .is_err());
}

#[test]
fn csv_without_header_and_other_delimiter() {
    let opts = ImportOptions {
        has_header: false,
        delimiter: b';',
        ..Default::default()
    };
    let b = import_reader(
        std::io::Cursor::new(b"1;x\n2;y\n".to_vec()),
        Format::Csv,
        &opts,
    )
    .unwrap();
    let names: Vec<&str> = b
        .schema
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    assert_eq!(names, vec!["column_1", "column_2"]);
    assert_eq!(b.num_rows(), 2);
}

#[test]
fn csv_type_error_beyond_the_sample_is_retried_with_full_inference() {
    let dir = tempdir();
    let mut csv = String::from("id,code\n");
    for i in 0..50 {
        csv.push_str(&format!("{i},{}\n", i * 10));
    }
    csv.push_str("50,ABC\n");
    let p = write(dir.path(), "late.csv", csv.as_bytes());
    let opts = ImportOptions {
        infer_records: 10,
        ..Default::default()
    };
    let b = import_file(&p, Format::Csv, &opts).unwrap();
    assert_eq!(b.schema.field(1).data_type(), &DataType::Utf8);
    assert_eq!(b.num_rows(), 51);
    // Same through the streaming save path.
    let store = Store::open(dir.path().join("s")).unwrap();
    let o = store
        .save(
            "me/late",
            NewVersion::new(
                BodyInput::File {
                    path: p,
                    format: Format::Csv,
                    options: opts,
                },
                "late",
            ),
        )
        .unwrap();
    assert_eq!(o.rows, 51);
    assert_eq!(
        store.structure("me/late").unwrap().schema[1].data_type,
        "Utf8"
    );
    assert!(
        store.blobs().temp_files().unwrap().is_empty(),
        "the abandoned attempt left no temp file"
    );
}

fn import_err(content: &str, fmt: Format, opts: &ImportOptions) -> DatasetError {
    let dir = tempdir();
    let p = write(dir.path(), &format!("bad.{fmt}"), content.as_bytes());
    let e1 = import_file(&p, fmt, opts).unwrap_err();
    // The streaming save path reports the same error and records nothing.
    let store = Store::open(dir.path().join("s")).unwrap();
    let e2 = store
        .save(
            "me/bad",
            NewVersion::new(
                BodyInput::File {
                    path: p,
                    format: fmt,
                    options: opts.clone(),
                },
                "bad",
            ),
        )
        .unwrap_err();
    assert_eq!(e1.to_string(), e2.to_string());
    assert!(store.list().unwrap().is_empty());
    assert!(store.blobs().temp_files().unwrap().is_empty());
    e1
}

fn expect_import(
    e: &DatasetError,
    format: &str,
    record: u64,
    line: Option<u64>,
    column: Option<&str>,
) {
    match e {
        DatasetError::Import {
            format: f,
            record: r,
            line: l,
            column: c,
            ..
        } => {
            assert_eq!(f, format, "{e}");
            assert_eq!(*r, record, "record: {e}");
            assert_eq!(*l, line, "line: {e}");
            if let Some(col) = column {
                assert!(c.as_deref().unwrap_or("").contains(col), "column: {e}");
            }
        }
        other => panic!("expected an import error, got {other}"),
    }
}

#[test]
fn malformed_csv_names_record_line_and_column() {
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, true),
        Field::new("name", DataType::Utf8, true),
        Field::new("price", DataType::Float64, true),
    ]));
    let opts = ImportOptions {
        schema: Some(schema.clone()),
        ..Default::default()
    };
    // A value that is not a number in record 4 (line 5), column price.
    let e = import_err(
        "id,name,price\n1,a,1.0\n2,b,2.0\n3,c,3.0\n4,d,zzz\n5,e,5\n",
        Format::Csv,
        &opts,
    );
    expect_import(&e, "csv", 4, Some(5), Some("'price'"));
    let msg = e.to_string();
    assert!(
        msg.contains("record 4")
            && msg.contains("line 5")
            && msg.contains("price")
            && msg.contains("zzz"),
        "{msg}"
    );
    // The same deep inside a big file (beyond the first batch).
    let mut big = String::from("id,name,price\n");
    for i in 0..100_000 {
        big.push_str(&format!("{i},n{i},{i}.5\n"));
    }
    big.push_str("100000,x,oops\n");
    let e = import_err(&big, Format::Csv, &opts);
    expect_import(&e, "csv", 100_001, Some(100_002), Some("'price'"));
    // A bad integer in the first column.
    let e = import_err("id,name,price\n1,a,1.0\nx2,b,2.0\n", Format::Csv, &opts);
    expect_import(&e, "csv", 2, Some(3), Some("'id'"));
    // A record with too many fields (record 3, line 4), with an inferred schema.
    let e = import_err(
        "a,b\n1,2\n3,4\n5,6,7\n8,9\n",
        Format::Csv,
        &ImportOptions::default(),
    );
    expect_import(&e, "csv", 3, Some(4), None);
    assert!(e.to_string().contains("fields"), "{e}");
    // Too few fields deep in the file.
    let mut big = String::from("a,b\n");
    for i in 0..70_000 {
        big.push_str(&format!("{i},{i}\n"));
    }
    big.push_str("1\n");
    let e = import_err(&big, Format::Csv, &ImportOptions::default());
    expect_import(&e, "csv", 70_001, Some(70_002), None);
    // Invalid UTF-8 in record 2, field 2.
    let dir = tempdir();
    let p = write(dir.path(), "utf.csv", b"a,b\nx,y\nz,\xff\xfe\n");
    let e = import_file(&p, Format::Csv, &ImportOptions::default()).unwrap_err();
    expect_import(&e, "csv", 2, Some(3), Some("'b'"));
}

#[test]
fn malformed_json_names_line_record_and_field() {
    // Syntax error on line 3.
    let e = import_err(
        "[\n{\"a\": 1},\n{\"a\": 2,, \"b\": 1}\n]\n",
        Format::Json,
        &ImportOptions::default(),
    );
    expect_import(&e, "json", 0, Some(3), Some("character"));
    // Not an array.
    let e = import_err("{\"a\": 1}", Format::Json, &ImportOptions::default());
    assert!(e.to_string().contains("array"), "{e}");
    // A record that is not an object.
    let e = import_err("[{\"a\": 1}, 7]", Format::Json, &ImportOptions::default());
    expect_import(&e, "json", 2, None, None);
    // NDJSON syntax error on line 4 (blank lines are skipped but counted).
    let e = import_err(
        "{\"a\": 1}\n{\"a\": 2}\n\n{\"a\": }\n",
        Format::Ndjson,
        &ImportOptions::default(),
    );
    expect_import(&e, "ndjson", 3, Some(4), Some("character"));
    // NDJSON type error: record 3 has a string where the schema says Int64.
    let schema = Arc::new(Schema::new(vec![
        Field::new("a", DataType::Int64, true),
        Field::new("b", DataType::Utf8, true),
    ]));
    let opts = ImportOptions {
        schema: Some(schema),
        ..Default::default()
    };
    let e = import_err(
        "{\"a\": 1, \"b\": \"x\"}\n{\"a\": 2}\n{\"a\": \"three\", \"b\": \"y\"}\n",
        Format::Ndjson,
        &opts,
    );
    expect_import(&e, "ndjson", 3, Some(3), Some("'a'"));
    // Parquet that is not Parquet.
    let dir = tempdir();
    let p = write(dir.path(), "x.parquet", b"not parquet at all");
    let e = import_file(&p, Format::Parquet, &ImportOptions::default()).unwrap_err();
    assert!(matches!(e, DatasetError::Import { .. }), "{e}");
}

#[test]
fn json_inference_unifies_mixed_records() {
    let data = "{\"a\": 1, \"b\": \"x\"}\n{\"a\": 2.5, \"c\": true}\n{\"a\": null, \"b\": null}\n";
    let b = import_reader(
        std::io::Cursor::new(data.as_bytes().to_vec()),
        Format::Ndjson,
        &ImportOptions::default(),
    )
    .unwrap();
    let types: Vec<(String, DataType)> = b
        .schema
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().clone()))
        .collect();
    assert_eq!(
        types,
        vec![
            ("a".into(), DataType::Float64),
            ("b".into(), DataType::Utf8),
            ("c".into(), DataType::Boolean)
        ]
    );
    assert_eq!(b.num_rows(), 3);
}

#[test]
fn format_names() {
    assert_eq!("CSV".parse::<Format>().unwrap(), Format::Csv);
    assert_eq!("jsonl".parse::<Format>().unwrap(), Format::Ndjson);
    assert!("xml".parse::<Format>().is_err());
    assert_eq!(
        Format::from_path(std::path::Path::new("a/b.Parquet")),
        Some(Format::Parquet)
    );
    assert_eq!(Format::from_path(std::path::Path::new("a/b")), None);
}

#[test]
fn empty_inputs_fail_clearly() {
    let dir = tempdir();
    let store = Store::open(dir.path().join("s")).unwrap();
    for (name, content, fmt) in [
        ("e.json", "[]", Format::Json),
        ("e.csv", "", Format::Csv),
        ("e.ndjson", "\n", Format::Ndjson),
    ] {
        let p = write(dir.path(), name, content.as_bytes());
        let err = store
            .save(
                "me/empty",
                NewVersion::new(
                    BodyInput::File {
                        path: p,
                        format: fmt,
                        options: ImportOptions::default(),
                    },
                    "empty",
                ),
            )
            .unwrap_err();
        assert!(
            err.to_string().contains("at least one column"),
            "{name}: {err}"
        );
    }
    // A header with no rows is a valid, empty body.
    let p = write(dir.path(), "h.csv", b"a,b\n");
    let o = store
        .save(
            "me/header",
            NewVersion::new(
                BodyInput::File {
                    path: p,
                    format: Format::Csv,
                    options: ImportOptions::default(),
                },
                "header only",
            ),
        )
        .unwrap();
    assert_eq!(o.rows, 0);
    assert_eq!(store.structure("me/header").unwrap().columns, 2);
}

#[test]
fn csv_timestamps_parse_fast_and_fail_clearly() {
    let dir = tempdir();
    let mut csv = String::from("id,at\n");
    for i in 0..70_000 {
        // Mixed forms: the common one and a few others arrow's parser handles.
        let s = match i % 4 {
            0 => format!(
                "2024-03-{:02}T{:02}:{:02}:{:02}",
                1 + i % 28,
                i % 24,
                i % 60,
                (i / 7) % 60
            ),
            1 => format!(
                "2024-03-{:02} {:02}:{:02}:{:02}",
                1 + i % 28,
                i % 24,
                i % 60,
                (i / 7) % 60
            ),
            2 => format!(
                "2024-03-{:02}T{:02}:{:02}:{:02}Z",
                1 + i % 28,
                i % 24,
                i % 60,
                (i / 7) % 60
            ),
            _ => String::new(),
        };
        csv.push_str(&format!("{i},{s}\n"));
    }
    let good = csv.clone();
    let p = write(dir.path(), "ts.csv", good.as_bytes());
    let b = import_file(&p, Format::Csv, &ImportOptions::default()).unwrap();
    let b = b.concat().unwrap();
    let at = b.column(1);
    // Independently computed: 2024-03-01T00:00:00Z is 1709251200.
    let expect = |i: i64| {
        1_709_251_200 + (i % 28) * 86_400 + (i % 24) * 3_600 + (i % 60) * 60 + (i / 7) % 60
    };
    let secs: Vec<Option<i64>> = match at.data_type() {
        DataType::Timestamp(arrow_schema::TimeUnit::Second, None) => {
            let a = at
                .as_any()
                .downcast_ref::<arrow_array::TimestampSecondArray>()
                .unwrap();
            (0..a.len())
                .map(|i| (!a.is_null(i)).then(|| a.value(i)))
                .collect()
        }
        other => panic!("inferred {other}"),
    };
    for (i, v) in secs.iter().enumerate() {
        let i = i as i64;
        assert_eq!(
            *v,
            if i % 4 == 3 { None } else { Some(expect(i)) },
            "row {i}"
        );
    }
    // A bad timestamp deep in the file, with the schema given: an error at
    // its record and column.
    let mut bad = good.clone();
    bad.push_str("70000,not-a-time\n");
    let opts = ImportOptions {
        schema: Some(Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, true),
            Field::new(
                "at",
                DataType::Timestamp(arrow_schema::TimeUnit::Second, None),
                true,
            ),
        ]))),
        ..Default::default()
    };
    let e = import_err(&bad, Format::Csv, &opts);
    expect_import(&e, "csv", 70_001, Some(70_002), Some("'at'"));
    assert!(e.to_string().contains("not-a-time"), "{e}");
    // With an inferred schema the column falls back to text instead.
    let p = write(dir.path(), "ts2.csv", bad.as_bytes());
    let b = import_file(&p, Format::Csv, &ImportOptions::default()).unwrap();
    assert_eq!(b.schema.field(1).data_type(), &DataType::Utf8);
    assert_eq!(b.num_rows(), 70_001);
}

/// Parquet written with every codec the parquet crate has (pandas and
/// pyarrow write snappy by default, Spark snappy or gzip) imports.
#[test]
fn parquet_with_every_codec_imports() {
    use parquet::arrow::ArrowWriter;
    use parquet::basic::{BrotliLevel, Compression, GzipLevel, ZstdLevel};
    use parquet::file::properties::WriterProperties;
    let dir = tempdir();
    let rows = people_rows(3000, 5);
    let body = people_body(&rows, 1000);
    let codecs = [
        Compression::SNAPPY,
        Compression::GZIP(GzipLevel::default()),
        Compression::LZ4,
        Compression::LZ4_RAW,
        Compression::BROTLI(BrotliLevel::default()),
        Compression::ZSTD(ZstdLevel::default()),
        Compression::UNCOMPRESSED,
    ];
    for codec in codecs {
        let path = dir.path().join(format!("{codec}.parquet"));
        let props = WriterProperties::builder().set_compression(codec).build();
        let mut w = ArrowWriter::try_new(
            std::fs::File::create(&path).unwrap(),
            body.schema.clone(),
            Some(props),
        )
        .unwrap();
        for b in &body.batches {
            w.write(b).unwrap();
        }
        w.close().unwrap();
        let back = import_file(&path, Format::Parquet, &ImportOptions::default())
            .unwrap_or_else(|e| panic!("{codec}: {e}"));
        assert_eq!(body_rows(&back), rows, "{codec}");
    }
}

/// A Parquet file damaged inside a data page: one import error that names
/// the file and says what is wrong once.
#[test]
fn damaged_parquet_is_one_import_error_naming_the_file() {
    use parquet::arrow::ArrowWriter;
    use parquet::basic::Compression;
    use parquet::file::properties::WriterProperties;
    let dir = tempdir();
    let body = people_body(&people_rows(20_000, 5), 5000);
    let mut bytes = Vec::new();
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_dictionary_enabled(false)
        .build();
    let mut w = ArrowWriter::try_new(&mut bytes, body.schema.clone(), Some(props)).unwrap();
    for b in &body.batches {
        w.write(b).unwrap();
    }
    w.close().unwrap();
    // Scramble the start of the data pages, leaving the footer intact.
    for b in bytes.iter_mut().skip(64).take(4000).step_by(7) {
        *b ^= 0x5a;
    }
    let p = write(dir.path(), "damaged.parquet", &bytes);
    let e = import_file(&p, Format::Parquet, &ImportOptions::default()).unwrap_err();
    assert!(matches!(e, DatasetError::Import { .. }), "{e}");
    let msg = e.to_string();
    assert!(msg.contains("damaged.parquet"), "{msg}");
    assert!(!msg.contains("arrow error"), "{msg}");
}

#[test]
fn json_arrays_of_arrays_import_as_qri_stored_them() {
    let b = import_reader(
        std::io::Cursor::new(b"[[1, \"a\", true], [2, \"b\", false]]".to_vec()),
        Format::Json,
        &ImportOptions::default(),
    )
    .unwrap();
    let names: Vec<String> = b.schema.fields().iter().map(|f| f.name().clone()).collect();
    assert_eq!(names, ["field_1", "field_2", "field_3"]);
    assert_eq!(b.num_rows(), 2);
    assert_eq!(b.schema.field(0).data_type(), &DataType::Int64);
    // NDJSON rows too; a row of another width, or an object among arrays, is refused.
    let e = import_err("[1, 2]\n[3]\n", Format::Ndjson, &ImportOptions::default());
    expect_import(&e, "ndjson", 2, Some(2), None);
    assert!(
        e.to_string().contains("has 1 values, record 1 has 2"),
        "{e}"
    );
    let e = import_err("[[1], {\"a\": 1}]", Format::Json, &ImportOptions::default());
    expect_import(&e, "json", 2, None, None);
}

//! The data path's accounting (`starlib::budget`): the size helpers, the
//! reservation, and every table, csv, json and encoder operation charging
//! the run's allocation budget before it makes its result.

mod common;
use common::*;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray, UInt32Array};
use engine::{ErrorKind, Predeclared};
use starlib::budget;
use std::sync::Arc;

/// Runs `src` (table, csv and json loaded) with an allocation budget of
/// `limit` bytes: the error message, or None when it succeeded, and the
/// bytes charged.
fn with_budget(limit: usize, src: &str) -> (Option<String>, usize) {
    let release = starlib::release::select_str("^2").expect("release");
    let mut thread = release.new_thread();
    thread.set_loader(release.loader(test_config()));
    thread.set_memory_limit(limit);
    let full = format!(
        "load('table.star', 'table')\nload('encoding/csv.star', 'csv')\nload('encoding/json.star', 'json')\n{src}"
    );
    let r = thread.exec_file("t.star", &full, Predeclared::default());
    let msg = r.err().map(|e| match e {
        engine::Error::Eval(e) => {
            assert_eq!(e.kind, ErrorKind::Memory, "{}", e.msg);
            e.into_data().msg
        }
        other => panic!("{other}"),
    });
    (msg, thread.allocated())
}

/// What `op` costs: the bytes charged by `setup` then `op`, less `setup`'s.
fn cost(setup: &str, op: &str) -> usize {
    let (e, before) = with_budget(usize::MAX, setup);
    assert!(e.is_none());
    let (e, after) = with_budget(usize::MAX, &format!("{setup}\n{op}"));
    assert!(e.is_none());
    after - before
}

#[test]
fn sizes_of_arrays_batches_and_takes() {
    let s: ArrayRef = Arc::new(StringArray::from(vec![Some("abc"), None, Some("de")]));
    let i: ArrayRef = Arc::new(Int64Array::from(vec![1, 2, 3]));
    // Offsets, values and the validity bitmap.
    assert_eq!(budget::array_bytes(s.as_ref()), 4 * 4 + 5 + 1);
    assert_eq!(budget::array_bytes(i.as_ref()), 24);
    let b = RecordBatch::try_from_iter(vec![("s", s.clone()), ("i", i.clone())]).unwrap();
    assert_eq!(budget::batch_bytes(&b), 22 + 24);
    // A slice counts only its rows.
    assert_eq!(budget::batch_bytes(&b.slice(2, 1)), (2 * 4 + 2) + 8);
    // Taking a long string many times costs its length each time.
    let idx = UInt32Array::from(vec![0; 1000]);
    assert!(budget::take_bytes(s.as_ref(), &idx) >= 3000);
    assert_eq!(budget::take_bytes(i.as_ref(), &idx), 1001 * 8 + 125);
    // The rows of a CSV text: widths times lines, plus the text for strings.
    let est = budget::csv_estimate(1000, 10, &[arrow_schema::DataType::Int64]);
    assert_eq!(est, 10 * (8 + 1) + 256);
    let est = budget::csv_estimate(1000, 10, &[arrow_schema::DataType::Utf8]);
    assert!(est >= 1000 + 40, "{est}");
}

#[test]
fn a_reservation_charges_only_beyond_its_estimate() {
    let release = starlib::release::select_str("^2").expect("release");
    let mut thread = release.new_thread();
    thread.set_memory_limit(1000);
    let mut r = budget::Reservation::new(&mut thread, "f", 400).unwrap();
    assert_eq!(thread.allocated(), 400);
    r.cover(&mut thread, 300).unwrap();
    assert_eq!(thread.allocated(), 400);
    r.cover(&mut thread, 900).unwrap();
    assert_eq!((thread.allocated(), r.charged()), (900, 900));
    let e = r.add(&mut thread, 200).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Memory);
    assert!(e.msg.starts_with("f: memory limit exceeded"), "{}", e.msg);
}

#[test]
fn column_operators_are_charged_at_the_next_charge() {
    let setup = "t = table.from_columns({'x': list(range(100000))})\nc = t['x']";
    // c * 2 makes 800 KB; it is charged when the next table call charges.
    let c = cost(setup, "d = c * 2\nn = t.head(1)");
    assert!(c >= 800_000, "{c}");
}

#[test]
fn table_operations_charge_their_results() {
    let setup = "t = table.from_columns({'x': list(range(100000)), 's': ['abcdefgh'] * 100000})";
    // Each result is about 100000 * (8 + 4 + 8) = 2 MB (or a multiple).
    for op in [
        "u = t.concat(t)",
        "u = t.sort_by('x', descending = True)",
        "u = t.filter(t['x'] >= 0)",
        "u = t.distinct()",
        "u = t.with_column('y', 'abcdefgh')",
        "u = t.join(t.select('x'), 'x')",
        "u = t.group_by('x').agg({'s': 'first'})",
        "u = t.to_csv()",
        "u = t.to_json()",
        "u = t.rows()",
        "u = t['s'].to_list()",
        "u = t.cast({'x': 'string'})",
    ] {
        let c = cost(setup, op);
        assert!(c >= 1_500_000, "{op} charged {c}");
    }
    // Views share their arrays: only a header.
    for op in ["u = t.head(50000)", "u = t.select('x')", "u = t.slice(10)"] {
        let c = cost(setup, op);
        assert!(c < 10_000, "{op} charged {c}");
    }
}

#[test]
fn a_join_is_refused_from_its_match_count() {
    let (e, _) = with_budget(
        50 << 20,
        "t = table.from_columns({'k': [1] * 20000})\nj = t.join(t, 'k')",
    );
    let e = e.expect("refused");
    assert!(e.starts_with("join: memory limit exceeded"), "{e}");
    assert!(e.contains("400000000 rows"), "{e}");
}

#[test]
fn decoders_charge_before_the_table_is_whole() {
    // A CSV text charged up front from its size and columns.
    let src = "row = ','.join(['a'] * 1000)\ntext = '\\n'.join([row] * 2000)\nt = csv.read(text, header = False)";
    let (e, _) = with_budget(12 << 20, src);
    assert!(e
        .expect("refused")
        .starts_with("csv.read: memory limit exceeded"));
    let (e, _) = with_budget(usize::MAX, src);
    assert!(e.is_none());
    // JSON records: charged a batch at a time.
    let c = cost(
        "text = '[' + ','.join(['{\"a\": 1}'] * 100000) + ']'",
        "t = json.read(text)",
    );
    assert!(c >= 800_000, "{c}");
    let c = cost(
        "text = '\\n'.join(['{\"a\": \"xyz\"}'] * 100000)",
        "t = json.read(text)",
    );
    assert!(c >= 700_000, "{c}");
}

#[test]
fn json_read_still_reads_arrays_and_lines() {
    ok(
        "^2",
        r#"
load("encoding/json.star", "json")
t = json.read(' [ {"a": 1} ,{"a": 2, "b": [1, 2]}\n, {"b": null} ] ')
assert_eq(t["a"].to_list(), [1, 2, None])
assert_eq(len(json.read("[ ]")), 0)
assert_eq(len(json.read("\n\n")), 0)
"#,
    );
    let e = fails(
        "^2",
        "load('encoding/json.star', 'json')\njson.read('[{\"a\": 1}\\n {\"a\": 2}]')",
        "json.read: invalid JSON",
    );
    assert!(e.contains("line 2"), "{e}");
    fails(
        "^2",
        "load('encoding/json.star', 'json')\njson.read('[{\"a\": 1}] x')",
        "json.read: invalid JSON: trailing characters",
    );
}

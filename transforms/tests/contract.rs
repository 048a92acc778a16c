//! The transform contract, body forms, config/secrets, print and limits.

use arrow_array::{Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use datasets::{Body, BodyInput, NewVersion, Store};
use std::sync::Arc;
use std::time::Duration;
use transforms::{run, Input, RunOutcome, RunRequest, TransformError};

fn v1() -> &'static starlib::Release {
    starlib::release::select_str("^1").expect("1.x ships")
}

fn v2() -> &'static starlib::Release {
    starlib::release::select_str("^2").expect("2.x ships")
}

fn body(names: &[i64]) -> Body {
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, true),
        Field::new("name", DataType::Utf8, true),
    ]));
    let ids = Int64Array::from(names.to_vec());
    let strs = StringArray::from(names.iter().map(|i| format!("n{i}")).collect::<Vec<_>>());
    let batch =
        RecordBatch::try_new(schema.clone(), vec![Arc::new(ids), Arc::new(strs)]).expect("batch");
    Body {
        schema,
        batches: vec![batch],
    }
}

fn input(ids: &[i64]) -> Input {
    Input {
        body: body(ids),
        meta: None,
        readme: None,
        version: None,
    }
}

fn req(release: &'static starlib::Release, src: &str) -> RunRequest {
    let mut r = RunRequest::new("t.star", src, release);
    r.input = Some(input(&[1, 2, 3]));
    r
}

fn ok(r: RunRequest) -> RunOutcome {
    match run(r) {
        Ok(o) => o,
        Err(e) => panic!("run failed: {e}"),
    }
}

fn err(r: RunRequest) -> TransformError {
    match run(r) {
        Ok(_) => panic!("run succeeded"),
        Err(e) => e,
    }
}

fn rows(o: &RunOutcome) -> usize {
    o.body.batches.iter().map(|b| b.num_rows()).sum()
}

fn names(o: &RunOutcome) -> Vec<String> {
    o.body
        .schema
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect()
}

#[test]
fn mutate_ds() {
    let o = ok(req(
        v2(),
        "def transform(ds):\n    ds.body = [[\"a\", \"b\"], [1, \"x\"], [2, \"y\"]]\n",
    ));
    assert!(o.had_transform);
    assert_eq!(names(&o), ["a", "b"]);
    assert_eq!(rows(&o), 2);
    assert_eq!(o.body.schema.field(0).data_type(), &DataType::Int64);
    assert_eq!(o.body.schema.field(1).data_type(), &DataType::Utf8);
}

#[test]
fn return_dataset_ignores_mutations() {
    let o = ok(req(
        v1(),
        "def transform(ds):\n    ds.body = [[9]]\n    ds.readme = \"no\"\n    return dataset(body=[{\"x\": 1.5}, {\"x\": 2}], readme=\"yes\")\n",
    ));
    assert_eq!(names(&o), ["x"]);
    assert_eq!(o.body.schema.field(0).data_type(), &DataType::Float64);
    assert_eq!(o.readme.as_deref(), Some("yes"));
}

#[test]
fn return_none_keeps_mutations() {
    let o = ok(req(
        v1(),
        "def transform(ds):\n    ds.readme = \"hello\"\n    ds.title = \"t\"\n    ds.message = \"m\"\n    return None\n",
    ));
    assert_eq!(o.readme.as_deref(), Some("hello"));
    assert_eq!(o.title.as_deref(), Some("t"));
    assert_eq!(o.message.as_deref(), Some("m"));
    assert_eq!(rows(&o), 3);
}

#[test]
fn wrong_return_type_names_type() {
    let e = err(req(v1(), "def transform(ds):\n    return [1]\n"));
    assert_eq!(
        e.to_string(),
        "t.star:1:1: transform must return a dataset or None, got list"
    );
}

#[test]
fn transform_not_function() {
    let e = err(req(v1(), "transform = 3\n"));
    assert_eq!(
        e.to_string(),
        "t.star: transform must be a function, got int"
    );
}

#[test]
fn no_transform_leaves_dataset_unchanged() {
    let o = ok(req(v1(), "x = 1\nprint(\"top\", x)\n"));
    assert!(!o.had_transform);
    assert_eq!(rows(&o), 3);
    assert_eq!(names(&o), ["id", "name"]);
    assert_eq!(o.output, "top 1\n");
}

#[test]
fn two_transforms_are_refused() {
    // Under 1.x globals may be rebound, as in Qri, but never `transform`;
    // both majors give the same error.
    let src = "def transform(ds):\n    pass\n\ndef transform(ds):\n    pass\n";
    for release in [v1(), v2()] {
        let e = err(req(release, src));
        assert!(matches!(e, TransformError::Contract(_)), "{e}");
        assert!(
            e.to_string()
                .contains("t.star:4:1: transform is defined twice (first at line 1)"),
            "{e}"
        );
    }
}

#[test]
fn body_v1_rows_and_v2_table() {
    // 1.x: `get_body()` is rows; `ds.body` is Qri's DataFrame.
    let o = ok(req(
        v1(),
        "def transform(ds):\n    b = ds.get_body()\n    print(type(b), len(b), b[0])\n    f = ds.body\n    print(type(f), f.columns, f.shape)\n",
    ));
    assert_eq!(
        o.output,
        "list 3 [1, \"n1\"]\ndataframe.DataFrame Index(['id', 'name'], dtype='object') (3, 2)\n"
    );
    let o = ok(req(
        v2(),
        "def transform(ds):\n    b = ds.get_body()\n    print(type(b), len(b.columns))\n    ds.body = b.head(2)\n",
    ));
    assert_eq!(o.output, "table 2\n");
    assert_eq!(rows(&o), 2);
    assert_eq!(names(&o), ["id", "name"]);
}

#[test]
fn v1_lists_of_lists_are_data_rows() {
    // Qri's round trip: rows read back keep the columns' names.
    let o = ok(req(
        v1(),
        "def transform(ds):\n    rows = ds.get_body()\n    rows.append([4, \"n4\"])\n    ds.set_body(rows)\n",
    ));
    assert_eq!(names(&o), ["id", "name"]);
    assert_eq!(rows(&o), 4);
    let o = ok(req(v1(), "def transform(ds):\n    ds.body = ds.body\n"));
    assert_eq!(names(&o), ["id", "name"]);
    assert_eq!(rows(&o), 3);
    // Rows of another width get positional names; JSON arrays are rows too.
    let o = ok(req(
        v1(),
        "def transform(ds):\n    ds.set_body(\"[[1, 2, 3], [4, 5, 6]]\", parse_as = \"json\")\n",
    ));
    assert_eq!(names(&o), ["field_1", "field_2", "field_3"]);
    assert_eq!(rows(&o), 2);
    // A declared (by-name) structure of that width names them.
    let o = ok(req(
        v1(),
        "def transform(ds):\n    ds.set_structure({\"schema\": [{\"name\": \"x\"}, {\"name\": \"y\", \"type\": \"float\"}]})\n    ds.set_body([[1, 2]])\n",
    ));
    assert_eq!(names(&o), ["x", "y"]);
    assert_eq!(o.body.schema.field(1).data_type(), &DataType::Float64);
}

#[test]
fn body_from_table_module() {
    let o = ok(req(
        v2(),
        "load(\"table.star\", \"table\")\ndef transform(ds):\n    return dataset(body=table.from_rows([{\"k\": \"a\"}, {\"k\": \"b\"}]))\n",
    ));
    assert_eq!(names(&o), ["k"]);
    assert_eq!(rows(&o), 2);
}

#[test]
fn body_list_of_dicts_fills_missing() {
    let o = ok(req(
        v1(),
        "def transform(ds):\n    ds.body = [{\"a\": 1}, {\"b\": True}]\n",
    ));
    assert_eq!(names(&o), ["a", "b"]);
    let a = o.body.batches[0].column(0);
    assert!(a.is_null(1));
    assert_eq!(o.body.schema.field(1).data_type(), &DataType::Boolean);
}

#[test]
fn ragged_body_is_one_clear_line() {
    let e = err(req(
        v2(),
        "def transform(ds):\n    ds.body = [[\"a\", \"b\", \"c\"], [1, 2, 3], [1, 2]]\n",
    ));
    let msg = e.to_string();
    assert!(
        msg.contains("body row 3 has 2 values, the header has 3"),
        "{msg}"
    );
    assert!(!msg.contains('\n'));
    let pos = e.engine_error().and_then(|e| e.position());
    assert_eq!(pos.map(|p| p.1), Some(2));
    // Under 1.x every row is data: row 1 sets the width.
    let e = err(req(
        v1(),
        "def transform(ds):\n    ds.set_body([[1, 2, 3], [1, 2]])\n",
    ));
    assert!(
        e.to_string()
            .contains("body row 2 has 2 values, row 1 has 3"),
        "{e}"
    );
}

#[test]
fn mixed_column_types_fail() {
    let e = err(req(
        v2(),
        "def transform(ds):\n    ds.body = [[\"a\"], [1], [\"x\"]]\n",
    ));
    assert!(e.to_string().contains("mixes int and string"), "{e}");
}

#[test]
fn set_body_parse_as() {
    let o = ok(req(
        v1(),
        "def transform(ds):\n    ds.set_body(\"a,b\\n1,x\\n2,\\n\", parse_as=\"csv\")\n",
    ));
    assert_eq!(names(&o), ["a", "b"]);
    assert_eq!(o.body.schema.field(0).data_type(), &DataType::Int64);
    assert_eq!(rows(&o), 2);
    let o = ok(req(
        v1(),
        "def transform(ds):\n    ds.set_body('[{\"q\": 1}, {\"q\": 2}, {\"q\": 3}]', parse_as=\"json\")\n",
    ));
    assert_eq!(names(&o), ["q"]);
    assert_eq!(rows(&o), 3);
    let e = err(req(
        v1(),
        "def transform(ds):\n    ds.set_body(\"x\", parse_as=\"xml\")\n",
    ));
    assert!(e.to_string().contains("unknown parse_as"), "{e}");
}

#[test]
fn meta_view_structure_and_readme() {
    let o = ok(req(
        v1(),
        "def transform(ds):\n    ds.meta[\"title\"] = \"Trees\"\n    ds.set_meta(\"source\", \"city\")\n    m = ds.get_meta()\n    s = ds.get_structure()\n    print(m[\"title\"], s[\"rows\"], s[\"columns\"], s[\"schema\"][0][\"name\"])\n",
    ));
    assert_eq!(o.output, "Trees 3 2 id\n");
    let meta = o.meta.expect("meta");
    assert_eq!(meta.title.as_deref(), Some("Trees"));
    assert_eq!(meta.extra.get("source"), Some(&serde_json::json!("city")));
}

#[test]
fn meta_from_input_is_visible() {
    let mut r = req(v1(), "def transform(ds):\n    print(ds.meta[\"title\"])\n");
    let meta = datasets::Meta {
        title: Some("Old".into()),
        ..Default::default()
    };
    if let Some(i) = r.input.as_mut() {
        i.meta = Some(meta);
    }
    let o = ok(r);
    assert_eq!(o.output, "Old\n");
    assert_eq!(o.meta.and_then(|m| m.title).as_deref(), Some("Old"));
}

#[test]
fn empty_dataset_when_no_input() {
    let mut r = RunRequest::new(
        "t.star",
        "def transform(ds):\n    print(len(ds.body))\n    ds.body = [[1], [2]]\n",
        v1(),
    );
    r.input = None;
    let o = ok(r);
    assert_eq!(o.output, "0\n");
    assert_eq!(rows(&o), 2);
    assert_eq!(names(&o), ["field_1"]);
}

#[test]
fn config_get_and_missing() {
    let mut r = req(
        v1(),
        "def transform(ds):\n    print(config.get(\"n\"), config.get(\"zz\", \"dflt\"))\n",
    );
    r.config.insert("n".into(), serde_json::json!(5));
    let o = ok(r);
    assert_eq!(o.output, "5 dflt\n");
    assert_eq!(o.config().get("n"), Some(&serde_json::json!(5)));
    let e = err(req(
        v1(),
        "def transform(ds):\n    config.get(\"api_url\")\n",
    ));
    assert!(
        e.to_string().contains(
            "config value \"api_url\" is not set: pass --config api_url=... or a config file"
        ),
        "{e}"
    );
}

#[test]
fn secrets_are_redacted() {
    let mut r = req(
        v1(),
        "def transform(ds):\n    k = secrets.get(\"key\")\n    print(\"key is\", k, [k])\n    ds.readme = \"ok\"\n",
    );
    r.secrets.insert("key".into(), "hunter2".into());
    let o = ok(r);
    assert_eq!(o.output, "key is [redacted] [\"[redacted]\"]\n");
    assert!(!format!("{:?}", o.transform).contains("hunter2"));
    assert!(o.transform.config.is_empty());

    let mut r = req(
        v1(),
        "def transform(ds):\n    fail(\"bad \" + secrets.get(\"key\"))\n",
    );
    r.secrets.insert("key".into(), "hunter2".into());
    let e = err(r);
    assert!(!e.to_string().contains("hunter2"), "{e}");
    assert!(e.to_string().contains("[redacted]"), "{e}");
    let bt = match e.engine_error() {
        Some(engine::Error::Eval(ev)) => ev.backtrace_string(),
        _ => String::new(),
    };
    assert!(!bt.contains("hunter2"));

    let e = err(req(
        v1(),
        "def transform(ds):\n    secrets.get(\"token\")\n",
    ));
    assert!(e.to_string().contains("secret \"token\" is not set"), "{e}");
}

const PRINTS: &str = "print({\"a\": 1, \"b\": False})\nprint(\"raw\", [1, 2], [], {}, None, 1.5, (1, \"s\"))\nprint([{\"k\": [\"v\"]}])\nprint()\n";

/// 2.x prints as node's console.log; each line also reaches the hook.
#[test]
fn print_renders_like_console_log() {
    let mut seen = Vec::new();
    let lines = std::rc::Rc::new(std::cell::RefCell::new(Vec::<String>::new()));
    let l2 = lines.clone();
    let mut r = req(v2(), PRINTS);
    r.on_print = Some(Box::new(move |s: &str| l2.borrow_mut().push(s.to_string())));
    let o = ok(r);
    seen.extend(o.output.lines().map(str::to_string));
    assert_eq!(
        seen,
        [
            "{ \"a\": 1, \"b\": False }",
            "raw [ 1, 2 ] [] {} None 1.5 ( 1, \"s\" )",
            "[ { \"k\": [ \"v\" ] } ]",
            "",
        ]
    );
    assert_eq!(*lines.borrow(), seen);
}

/// 1.x prints as Qri did: Starlark's `str` of each value.
#[test]
fn print_in_1x_renders_as_qri_did() {
    let o = ok(req(v1(), PRINTS));
    assert_eq!(
        o.output.lines().collect::<Vec<_>>(),
        [
            "{\"a\": 1, \"b\": False}",
            "raw [1, 2] [] {} None 1.5 (1, \"s\")",
            "[{\"k\": [\"v\"]}]",
            "",
        ]
    );
}

#[test]
fn step_limit_stops_run() {
    let mut r = req(
        v1(),
        "def transform(ds):\n    n = 0\n    while True:\n        n += 1\n",
    );
    r.limits.max_steps = Some(10_000);
    let e = err(r);
    assert!(matches!(e, TransformError::Script(_)));
    assert!(e.to_string().contains("too many steps"), "{e}");
}

#[test]
fn timeout_cancels_run() {
    let mut r = req(
        v1(),
        "def transform(ds):\n    n = 0\n    while True:\n        n += 1\n",
    );
    r.limits.timeout = Some(Duration::from_millis(200));
    let e = err(r);
    assert!(matches!(e, TransformError::Timeout { .. }), "{e}");
}

#[test]
fn fast_run_with_timeout_succeeds() {
    let mut r = req(v1(), "def transform(ds):\n    pass\n");
    r.limits.timeout = Some(Duration::from_secs(30));
    let o = ok(r);
    assert_eq!(rows(&o), 3);
}

#[test]
fn failed_run_leaves_store_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("store");
    store
        .save(
            "me/trees",
            NewVersion::new(BodyInput::Arrow(body(&[1, 2])), "first"),
        )
        .expect("save");
    let head = store.head("me/trees").expect("head");
    let ds = store.get("me/trees").expect("get");
    let b = store.body("me/trees").expect("body");

    let mut r = RunRequest::new(
        "t.star",
        "def transform(ds):\n    ds.body = [[\"a\"], [1]]\n    fail(\"boom\")\n",
        v2(),
    );
    r.input = Some(Input::from_version(&ds, b.clone()));
    let e = err(r);
    assert!(e.to_string().contains("boom"));
    assert_eq!(store.head("me/trees").expect("head"), head);

    // A successful run saves through into_new_version.
    let mut r = RunRequest::new(
        "t.star",
        "def transform(ds):\n    ds.body = ds.body.head(1)\n",
        v2(),
    );
    r.input = Some(Input::from_version(&ds, b));
    let o = ok(r);
    assert_eq!(o.starlib_version, "2.0.0");
    store
        .save("me/trees", o.into_new_version("transform run"))
        .expect("save");
    assert_ne!(store.head("me/trees").expect("head"), head);
    let v = store.get("me/trees").expect("get");
    assert_eq!(v.structure.rows, 1);
    assert_eq!(
        v.transform.map(|t| t.starlib_version).as_deref(),
        Some("2.0.0")
    );
}

#[test]
fn frozen_global_dataset_is_read_only() {
    let e = err(req(
        v1(),
        "d = dataset(readme=\"r\")\ndef transform(ds):\n    d.readme = \"x\"\n",
    ));
    assert!(e.to_string().contains("frozen dataset"), "{e}");
    let o = ok(req(
        v2(),
        "d = dataset(body=[[\"z\"], [1]])\ndef transform(ds):\n    return d\n",
    ));
    assert_eq!(names(&o), ["z"]);
}

#[test]
fn memory_limit_stops_run() {
    let mut r = req(
        v1(),
        "def transform(ds):\n    x = []\n    for i in range(1000000):\n        x.append(\"abcdefghij\" * 10)\n",
    );
    r.limits.memory = Some(64 * 1024);
    let e = err(r);
    assert!(e.to_string().contains("memory limit exceeded"), "{e}");
}

#[test]
fn bad_assignments_fail_clearly() {
    let e = err(req(v1(), "def transform(ds):\n    ds.meta = 3\n"));
    assert_eq!(e.to_string(), "dataset.meta must be a dict, got int");
    let e = err(req(v1(), "def transform(ds):\n    ds.set_body(3)\n"));
    assert!(
        e.to_string()
            .contains("a body must be a table, a list of dicts or a list of lists, got int"),
        "{e}"
    );
    // 1.x: `ds.body = x` makes x a DataFrame, as Qri did.
    let e = err(req(v1(), "def transform(ds):\n    ds.body = 3\n"));
    assert!(
        e.to_string()
            .contains("dataset.body: DataFrame: not implemented, constructing DataFrame using int"),
        "{e}"
    );
    let e = err(req(v1(), "def transform(ds):\n    ds.readme = 1\n"));
    assert!(
        e.to_string().contains("readme must be a string or None"),
        "{e}"
    );
    let e = err(req(v1(), "def transform(ds):\n    ds.meta[\"f\"] = len\n"));
    assert!(matches!(e, TransformError::Result(_)), "{e}");
}

#[test]
fn dir_and_repr_of_dataset() {
    let o = ok(req(
        v1(),
        "def transform(ds):\n    print(dir(ds))\n    print(ds)\n",
    ));
    assert_eq!(
        o.output,
        "[\"body\", \"get_body\", \"get_meta\", \"get_structure\", \"message\", \"meta\", \"readme\", \"set_body\", \"set_meta\", \"set_structure\", \"title\"]\n<dataset 3 rows x 2 columns>\n"
    );
}

#[test]
fn new_dataset_outcome_saves() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("store");
    let r = RunRequest::new(
        "t.star",
        "def transform(ds):\n    ds.body = [{\"a\": 1}]\n    ds.meta = {\"title\": \"New\"}\n    ds.title = \"made\"\n",
        v1(),
    );
    let o = ok(r);
    store
        .save("me/new", o.into_new_version("default"))
        .expect("save");
    let v = store.get("me/new").expect("get");
    assert_eq!(v.commit.title, "made");
    assert_eq!(v.meta.and_then(|m| m.title).as_deref(), Some("New"));
    assert_eq!(v.structure.rows, 1);
}

#[test]
fn transform_arity_error_is_a_contract_error() {
    let e = err(req(v1(), "def transform():\n    pass\n"));
    assert!(matches!(e, TransformError::Contract(_)), "{e}");
    assert!(e.to_string().contains("it takes 0 parameters"), "{e}");
}

#[test]
fn cleared_meta_is_not_inherited() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("store");
    let mut first = NewVersion::new(BodyInput::Arrow(body(&[1])), "first");
    first.meta = Some(datasets::Meta {
        title: Some("Old".into()),
        ..Default::default()
    });
    store.save("me/m", first).expect("save");
    let ds = store.get("me/m").expect("get");
    let b = store.body("me/m").expect("body");
    let mut r = RunRequest::new("t.star", "def transform(ds):\n    ds.meta = {}\n", v1());
    r.input = Some(Input::from_version(&ds, b));
    let o = ok(r);
    assert!(o.meta.is_none());
    store
        .save("me/m", o.into_new_version("clear"))
        .expect("save");
    assert!(store.get("me/m").expect("get").meta.is_none());
}

#[test]
fn set_structure_casts_and_orders_the_body() {
    let o = ok(req(
        v2(),
        "def transform(ds):\n    ds.set_structure({\"schema\": [{\"name\": \"name\"}, {\"name\": \"id\", \"type\": \"float\"}]})\n    s = ds.get_structure()\n    print(s[\"schema\"][1][\"type\"])\n",
    ));
    assert_eq!(names(&o), vec!["name", "id"]);
    assert_eq!(o.body.schema.field(1).data_type(), &DataType::Float64);
    assert_eq!(o.output, "float\n");
    // Qri's JSON schema names rows-as-lists columns by position.
    let o = ok(req(
        v1(),
        "def transform(ds):\n    ds.set_structure({\"format\": \"csv\", \"schema\": {\"type\": \"array\", \"items\": {\"type\": \"array\", \"items\": [{\"title\": \"k\", \"type\": \"integer\"}, {\"title\": \"v\", \"type\": \"string\"}]}}})\n    ds.set_body([[1, \"a\"], [2, \"b\"]])\n",
    ));
    assert_eq!(names(&o), vec!["k", "v"]);
    assert_eq!(rows(&o), 2);
    // A body that does not fit is an error naming the column.
    let e = err(req(
        v2(),
        "def transform(ds):\n    ds.set_structure({\"schema\": [{\"name\": \"id\"}]})\n",
    ));
    assert!(e.to_string().contains("column \"name\""), "{e}");
}

#[test]
fn meta_errors_name_the_key() {
    let e = err(req(
        v2(),
        "def transform(ds):\n    ds.meta[\"keywords\"] = \"a\"\n",
    ));
    assert!(
        e.to_string()
            .contains("meta.keywords must be a list of strings, got \"a\""),
        "{e}"
    );
    let e = err(req(
        v2(),
        "def transform(ds):\n    ds.meta[\"title\"] = 5\n",
    ));
    assert!(
        e.to_string().contains("meta.title must be a string, got 5"),
        "{e}"
    );
    let o = ok(req(
        v2(),
        "def transform(ds):\n    ds.meta[\"title\"] = None\n    ds.meta[\"x\"] = 1\n",
    ));
    assert_eq!(o.meta.map(|m| m.title), Some(None));
}

#[test]
fn body_value_per_body_form() {
    use transforms::convert::body_to_value;
    let b = RecordBatch::try_from_iter(vec![
        (
            "a",
            Arc::new(Int64Array::from(vec![Some(1), None])) as arrow_array::ArrayRef,
        ),
        (
            "b",
            Arc::new(StringArray::from(vec!["x", "y"])) as arrow_array::ArrayRef,
        ),
    ])
    .unwrap();
    let body = Body {
        schema: b.schema(),
        batches: vec![b],
    };
    let rows = body_to_value(v1().body_form, &body).unwrap();
    assert_eq!(engine::values::repr(&rows), r#"[[1, "x"], [None, "y"]]"#);
    let table = body_to_value(v2().body_form, &body).unwrap();
    assert_eq!(table.type_name(), "table");
    // No rows and no batches: the table keeps its columns.
    let empty = Body {
        schema: body.schema.clone(),
        batches: vec![],
    };
    let t = body_to_value(v2().body_form, &empty).unwrap();
    assert_eq!(t.type_name(), "table");
    let rows = body_to_value(v1().body_form, &empty).unwrap();
    assert_eq!(engine::values::repr(&rows), "[]");
}

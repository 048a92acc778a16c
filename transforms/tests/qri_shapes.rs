//! Qri's transform shapes under starlib 1.x, through [`transforms::run`]:
//! `download(ctx)` + `transform(ds, ctx)` (Qri v0.9/v0.10), and top-level
//! steps with `dataset.latest()` / `dataset.commit(ds)` (Qri's last shape),
//! beside the seed's `transform(ds)`.

use arrow_array::{Array, Int64Array};
use datasets::Body;
use std::collections::BTreeMap;
use std::sync::Arc;
use transforms::{run, Input, RunOutcome, RunRequest, TransformError};

fn v1() -> &'static starlib::Release {
    starlib::release::select_str("^1").expect("1.x ships")
}

fn body(ids: &[i64]) -> Body {
    let schema = Arc::new(arrow_schema::Schema::new(vec![arrow_schema::Field::new(
        "id",
        arrow_schema::DataType::Int64,
        true,
    )]));
    let batch = arrow_array::RecordBatch::try_new(
        schema.clone(),
        vec![Arc::new(Int64Array::from(ids.to_vec()))],
    )
    .expect("batch");
    Body {
        schema,
        batches: vec![batch],
    }
}

fn req(src: &str) -> RunRequest {
    let mut r = RunRequest::new("t.star", src, v1());
    r.input = Some(Input {
        body: body(&[1, 2, 3]),
        meta: None,
        readme: None,
        version: None,
    });
    r
}

fn ok(r: RunRequest) -> RunOutcome {
    run(r).unwrap_or_else(|e| panic!("run failed: {e}"))
}

fn err(r: RunRequest) -> String {
    match run(r) {
        Ok(_) => panic!("run succeeded"),
        Err(e) => e.to_string(),
    }
}

/// The body's cells as text, row by row.
fn cells(o: &RunOutcome) -> Vec<Vec<String>> {
    transforms::preview::head_rows(&o.body, 100).expect("rows")
}

const V09: &str = r#"
def download(ctx):
    return {"n": ctx.get_config("n"), "key_len": len(ctx.get_secret("api_key"))}

def transform(ds, ctx):
    d = ctx.download
    ctx.set("seen", "yes")
    ds.set_body([[d["n"], d["key_len"], ctx.get("seen")]])
"#;

#[test]
fn qri_v09_download_then_transform_with_ctx() {
    let mut r = req(V09);
    r.config = BTreeMap::from([("n".to_string(), serde_json::json!(5))]);
    r.secrets = BTreeMap::from([("api_key".to_string(), "s3cr3t-value".to_string())]);
    let o = ok(r);
    assert_eq!(cells(&o), [["5", "12", "yes"]]);
}

#[test]
fn qri_v09_ctx_errors_are_qris() {
    // No config given at all: Qri's "no config provided".
    let e = err(req("def transform(ds, ctx):\n    ctx.get_config('n')\n"));
    assert!(e.contains("no config provided"), "{e}");
    // A key that is not set: None, as in Qri.
    let mut r =
        req("def transform(ds, ctx):\n    ds.set_body([[ctx.get_config('missing') == None]])\n");
    r.config = BTreeMap::from([("n".to_string(), serde_json::json!(1))]);
    assert_eq!(cells(&ok(r)), [["true"]]);
    let e = err(req("def transform(ds, ctx):\n    ctx.get('x')\n"));
    assert!(e.contains("value x not set in context"), "{e}");
    // Without download, ctx.download is not there.
    let e = err(req("def transform(ds, ctx):\n    ctx.download\n"));
    assert!(e.contains("download"), "{e}");
}

#[test]
fn transform_with_other_arities_is_a_contract_error() {
    let e = err(req("def transform(a, b, c):\n    pass\n"));
    assert!(
        e.contains("transform must take (ds) or, as in Qri, (ds, ctx); it takes 3 parameters"),
        "{e}"
    );
}

const LAST: &str = r#"ds = dataset.latest()
print("hello world!")
---
meta = ds.get_meta()
if not meta:
    ds.body = [["no title"]]
else:
    ds.body = [["title: %s" % meta["title"]]]
---
ds = ds
ds.set_meta("title", "new title")
dataset.commit(ds)
"#;

#[test]
fn qri_last_shape_commits_what_top_level_steps_built() {
    let o = ok(req(LAST));
    assert_eq!(cells(&o), [["no title"]]);
    assert_eq!(o.output, "hello world!\n");
    let meta = o.meta.expect("meta");
    assert_eq!(meta.title.as_deref(), Some("new title"));
}

#[test]
fn dataset_latest_is_the_version_the_run_starts_from() {
    let o = ok(req(
        "ds = dataset.latest()\nrows = ds.get_body()\nds.set_body(rows + [[4]])\ndataset.commit(ds)\n",
    ));
    assert_eq!(cells(&o), [["1"], ["2"], ["3"], ["4"]]);
}

#[test]
fn commit_rules() {
    let e = err(req(
        "ds = dataset.latest()\ndataset.commit(ds)\ndataset.commit(ds)\n",
    ));
    assert!(e.contains("commit can only be called once"), "{e}");
    let e = err(req(
        "dataset.commit(dataset.latest())\ndef transform(ds):\n    pass\n",
    ));
    assert!(e.contains("must not also define transform"), "{e}");
    let e = err(req("dataset.commit([1])\n"));
    assert!(e.contains("expected a dataset, got list"), "{e}");
    // No commit and no transform: the dataset is unchanged.
    let o = ok(req("x = 1\n"));
    assert!(!o.had_transform);
    assert_eq!(cells(&o), [["1"], ["2"], ["3"]]);
}

#[test]
fn a_script_defines_zero_or_one_transform_even_where_globals_may_be_rebound() {
    let e = err(req(
        "def transform(ds):\n    pass\n---\ndef transform(ds):\n    pass\n",
    ));
    assert!(
        e.contains("t.star:4:1: transform is defined twice (first at line 1)"),
        "{e}"
    );
}

#[test]
fn qri_error_builtin_stops_the_run() {
    let e = err(req("error('bad input')\n"));
    assert!(e.contains("transform error: bad input"), "{e}");
    match run(req("error('x')\n")) {
        Err(TransformError::Script(_)) => {}
        other => panic!("expected a script error, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn qri_base_schema_and_one_dimensional_bodies() {
    let o = ok(req(
        "ds = dataset.latest()\nds.set_structure({'format': 'json', 'schema': {'type': 'array'}})\nds.body = [[1, 1.5, False, 'a'], [2, 2.3, True, 'd']]\ndataset.commit(ds)\n",
    ));
    assert_eq!(o.body.num_rows(), 2);
    assert_eq!(o.body.schema.fields().len(), 4);
    let col = o.body.batches[0].column(0);
    assert_eq!(col.len(), 2);
}

#[test]
fn qri_dataset_api_details() {
    // A one-dimensional body is one column.
    let o = ok(req("def transform(ds):\n    ds.set_body([10, 20, 30])\n"));
    assert_eq!(cells(&o), [["10"], ["20"], ["30"]]);
    // get_body(default) on a dataset with no body yet gives the default;
    // under 1.x with no default, None.
    let mut r = req(
        "def transform(ds):\n    ds.set_body([[ds.get_body('empty'), ds.get_body() == None]])\n",
    );
    r.input = None;
    assert_eq!(cells(&ok(r)), [["empty", "true"]]);
    // get_meta(key) ignores the key and gives the whole dict, as Qri's did.
    let o = ok(req(
        "def transform(ds):\n    ds.set_meta('title', 't')\n    ds.set_body([[str(ds.get_meta('title'))]])\n",
    ));
    assert_eq!(cells(&o), [["{\"title\": \"t\"}"]]);
}

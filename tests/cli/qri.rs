//! Qri's scripts through the real binary, pinned to starlib 1.x with
//! `quarry lock`: each shape saved and read back, steps shown as cells,
//! Qri's JSON bodies imported, a meta-only script on a new dataset.

use crate::common::Env;

fn pinned(env: &Env, name: &str, text: &str) -> String {
    let f = env.file(name, text);
    let path = env.path(&f);
    env.ok(&["lock", &path, "--starlib", "1"]);
    path
}

#[test]
fn qri_v09_script_with_download_config_and_secret() {
    let env = Env::new();
    let t = pinned(
        &env,
        "v09.star",
        "def download(ctx):\n  return [ctx.get_config('animal'), len(ctx.get_secret('sound'))]\n\ndef transform(ds, ctx):\n  ds.set_body([ctx.download])\n",
    );
    let out = env.ok(&[
        "save",
        "me/v09",
        "--file",
        &t,
        "--config",
        "animal=cat",
        "--secret",
        "sound=meow-meow",
    ]);
    assert!(out.contains("saved me/v09@"), "{out}");
    let csv = env.ok(&["get", "body", "me/v09", "--format", "csv"]);
    assert_eq!(csv, "field_1,field_2\ncat,9\n");
}

#[test]
fn qri_step_file_commits_and_shows_its_steps_as_cells() {
    let env = Env::new();
    let seed = env.file("seed.json", "[[\"Spectre\", 148], [\"Skyfall\", 143]]");
    env.ok(&["save", "me/movies", "--body", &env.path(&seed)]);
    assert_eq!(
        env.ok(&["get", "body", "me/movies", "--format", "csv"]),
        "field_1,field_2\nSpectre,148\nSkyfall,143\n"
    );
    let t = pinned(
        &env,
        "steps.star",
        "ds = dataset.latest()\nprint('rows before:', len(ds.get_body()))\n---\nrows = ds.get_body()\nfor r in rows:\n  r[1] = r[1] + 1\nds.set_body(rows)\n---\ndataset.commit(ds)\n",
    );
    let cells = env.ok(&["apply", "--cells", &t, "me/movies"]);
    assert!(cells.contains("── cell 1 of 3 (line 1)"), "{cells}");
    assert!(cells.contains("  rows before: 2"), "{cells}");
    assert!(cells.contains("── dataset.commit(ds) · "), "{cells}");
    env.ok(&["save", "me/movies", "--file", &t]);
    assert_eq!(
        env.ok(&["get", "body", "me/movies", "--format", "csv"]),
        "field_1,field_2\nSpectre,149\nSkyfall,144\n"
    );
}

#[test]
fn a_meta_only_script_saves_a_new_dataset() {
    let env = Env::new();
    let t = pinned(
        &env,
        "meta.star",
        "ds = dataset.latest()\nds.set_meta('title', 'new title')\ndataset.commit(ds)\n",
    );
    let out = env.ok(&["save", "me/meta_only", "--file", &t]);
    assert!(out.contains("saved me/meta_only@"), "{out}");
    let meta = env.ok(&["get", "meta", "me/meta_only"]);
    assert!(meta.contains("new title"), "{meta}");
}

/// Qri v0.10's fetch script shape: `qri.star` and `http.star` loaded,
/// `download(ctx)` fetches from a server, `transform(ds, ctx)` sets the
/// body from `ctx.download`; the response's `url` as Qri reported it.
#[test]
fn qri_v010_fetch_script_with_qri_star() {
    let env = Env::new();
    let (url, hits) = crate::common::json_server(r#"{"foo": [["a", 1], ["b", 2]]}"#);
    let t = pinned(
        &env,
        "fetch.star",
        &format!(
            "load(\"http.star\", \"http\")\nload(\"qri.star\", \"qri\")\n\ndef download(ctx):\n  res = http.get(\"{url}\", params = {{\"q\": \"x y\"}})\n  print(res.url)\n  return res.json()['foo']\n\ndef transform(ds, ctx):\n  ds.set_body(ctx.download)\n"
        ),
    );
    let out = env.ok(&[
        "save",
        "me/fetched",
        "--file",
        &t,
        "--allow-private-network",
    ]);
    assert!(out.contains(&format!("{url}?q=x+y")), "{out}");
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(
        env.ok(&["get", "body", "me/fetched", "--format", "csv"]),
        "field_1,field_2\na,1\nb,2\n"
    );
    // `qri.list_datasets()` lists the store's datasets.
    let list = pinned(
        &env,
        "list.star",
        "load('qri.star', 'qri')\nprint(qri.list_datasets())\nds = dataset.latest()\ndataset.commit(ds)\n",
    );
    let out = env.ok(&["apply", &list, "me/fetched"]);
    assert!(out.contains("[\"me/fetched\"]"), "{out}");
}

/// Qri's `dataset.star`: `dataset.new()` is a fresh dataset with the 1.x
/// methods, separate from the one the run commits.
#[test]
fn qri_dataset_star_new() {
    let env = Env::new();
    let t = pinned(
        &env,
        "new.star",
        "load('dataset.star', 'dataset')\nds = dataset.new()\nds.set_meta('foo', 'bar')\nprint(ds.get_meta())\nds.set_body([[1, 2, 3]])\nprint(ds.get_body())\nout = dataset.latest()\nout.set_body(ds.get_body())\ndataset.commit(out)\n",
    );
    let out = env.ok(&["save", "me/new", "--file", &t]);
    // 1.x prints as Qri did: Starlark's str, not console.log.
    assert!(out.contains("{\"foo\": \"bar\"}"), "{out}");
    assert!(out.contains("[[1, 2, 3]]"), "{out}");
    assert_eq!(
        env.ok(&["get", "body", "me/new", "--format", "csv"]),
        "field_1,field_2,field_3\n1,2,3\n"
    );
}

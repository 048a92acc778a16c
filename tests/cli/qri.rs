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

/// Qri's last shape reads and sets `ds.body` as a DataFrame, printed as Qri
/// printed it (positional columns labelled 0, 1, ...), in place or
/// replaced; a body only read is committed exactly as it was.
#[test]
fn qri_ds_body_is_a_dataframe() {
    let env = Env::new();
    let seed = env.file(
        "animals.json",
        r#"[["cat", "meow", 5], ["dog", "bark", 6], ["eel", "zap", 7]]"#,
    );
    env.ok(&["save", "me/animals", "--body", &env.path(&seed)]);
    let get = pinned(
        &env,
        "get.star",
        "ds = dataset.latest()\nprint(ds.body)\ndataset.commit(ds)\n",
    );
    let out = env.ok(&["save", "me/animals", "--file", &get]);
    assert!(
        out.contains(
            "       0     1  2\n0    cat  meow  5\n1    dog  bark  6\n2    eel   zap  7\n"
        ),
        "{out}"
    );
    assert!(out.contains("body unchanged"), "{out}");
    let set = pinned(
        &env,
        "set.star",
        "ds = dataset.latest()\nds.body = [['apple', 2, 3, 4], ['banana', 5, 6, 7]]\nprint(ds.body)\n",
    );
    let out = env.ok(&["apply", &set, "me/animals"]);
    assert!(
        out.contains("          0  1  2  3\n0     apple  2  3  4\n1    banana  5  6  7\n"),
        "{out}"
    );

    let movies = env.file("movies.csv", "title,duration\nSpectre,148\nSkyfall,143\n");
    env.ok(&["save", "me/movies", "--body", &env.path(&movies)]);
    let add = pinned(
        &env,
        "add.star",
        "ds = dataset.latest()\nds.body = ds.body.append([['Batman', 126]])\ndataset.commit(ds)\n",
    );
    env.ok(&["save", "me/movies", "--file", &add]);
    assert_eq!(
        env.ok(&["get", "body", "me/movies", "--format", "csv"]),
        "title,duration\nSpectre,148\nSkyfall,143\nBatman,126\n"
    );
    let in_place = pinned(
        &env,
        "inplace.star",
        "ds = dataset.latest()\ndf = ds.body\ndf['duration'] = df['duration'] + 1\ndataset.commit(ds)\n",
    );
    env.ok(&["save", "me/movies", "--file", &in_place]);
    assert_eq!(
        env.ok(&["get", "body", "me/movies", "--format", "csv"]),
        "title,duration\nSpectre,149\nSkyfall,144\nBatman,127\n"
    );
    // Rows assigned to `ds.body` keep the replaced body's names when as
    // wide, as Qri kept its structure's.
    let count = pinned(
        &env,
        "count.star",
        "ds = dataset.latest()\nprev_body = ds.body\nds.body = [['Number of Movies', len(prev_body.index)]]\ndataset.commit(ds)\n",
    );
    env.ok(&["save", "me/movies", "--file", &count]);
    assert_eq!(
        env.ok(&["get", "body", "me/movies", "--format", "csv"]),
        "title,duration\nNumber of Movies,3\n"
    );
}

/// Qri's csv_with_header script: `dataframe.parse_csv` into `ds.body`.
#[test]
fn qri_parse_csv_into_ds_body() {
    let env = Env::new();
    let t = pinned(
        &env,
        "csv_with_header.star",
        "load(\"dataframe.star\", \"dataframe\")\n\ncontent = \"\"\"name,sound\ncat,meow\ndog,bark\n\"\"\"\nresult = dataframe.parse_csv(content)\n\nds = dataset.latest()\nds.body = result\ndataset.commit(ds)\n",
    );
    env.ok(&["save", "me/pets", "--file", &t]);
    assert_eq!(
        env.ok(&["get", "body", "me/pets", "--format", "csv"]),
        "name,sound\ncat,meow\ndog,bark\n"
    );
}

/// `quarry run --starlib 1` runs a script with 1.x's dialect and modules:
/// top-level `for` (Qri's dialect) and `dataframe.star`, printing as Qri.
#[test]
fn run_with_a_chosen_starlib_release() {
    let env = Env::new();
    let f = env.file(
        "df.star",
        "load('dataframe.star', 'dataframe')\nfor i in range(1):\n  print(dataframe.DataFrame({'a': [10, 20]}))\n",
    );
    let out = env.ok(&["run", "--starlib", "1", &env.path(&f)]);
    assert_eq!(out, "      a\n0    10\n1    20\n");
    let out = env.run(&["run", "--starlib", "3", &env.path(&f)]);
    assert_eq!(out.status.code(), Some(1));
}

/// starlib 0.4's `time.sleep` is bounded by `--timeout` like any other
/// work: an hour's sleep ends at the deadline with an error, committing
/// nothing.
#[test]
fn time_sleep_ends_at_the_run_deadline() {
    let env = Env::new();
    let t = pinned(
        &env,
        "sleepy.star",
        "load('time.star', 'time')\n\ndef transform(ds, ctx):\n  time.sleep(time.hour)\n  ds.set_body([[1]])\n",
    );
    let start = std::time::Instant::now();
    let out = env.run(&["save", "me/sleepy", "--file", &t, "--timeout", "1s"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
    let err = crate::common::text(&out.stderr);
    assert!(err.contains("timed out"), "{err}");
    assert!(env
        .fails(&["get", "body", "me/sleepy"])
        .contains("not found"));
}

/// Qri stored any JSON array: under 1.x a column whose values mix kinds
/// (ints, floats, bools, strings, a dict, a list) is a JSON column, read back
/// as the values it held.
#[test]
fn qri_mixed_values_are_a_json_column() {
    let env = Env::new();
    let t = pinned(
        &env,
        "tf.star",
        "def transform(ds, ctx):\n  ds.set_body([1, 1.5, False, 'a', {'a': 1, 'b': True}, [1, 2], None])\n",
    );
    env.ok(&["save", "me/mixed", "--file", &t]);
    let read = pinned(
        &env,
        "read.star",
        "ds = dataset.latest()\nprint(ds.get_body())\n",
    );
    let out = env.ok(&["apply", &read, "me/mixed"]);
    assert!(
        out.contains("[[1], [1.5], [False], [\"a\"], [{\"a\": 1, \"b\": True}], [[1, 2]], [None]]"),
        "{out}"
    );
    // 2.x keeps bodies typed: the same values are refused, naming the column.
    let v2 = env.file(
        "v2.star",
        "def transform(ds):\n    ds.body = [{'x': 1}, {'x': 'a'}]\n",
    );
    env.ok(&["lock", &env.path(&v2), "--starlib", "2"]);
    let err = env.fails(&["save", "me/typed", "--file", &env.path(&v2)]);
    assert!(err.contains("mixes int and string"), "{err}");
}

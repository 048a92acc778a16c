//! The transform host through the real `quarry` binary: apply, save, get,
//! log, diff, list, remove, export, fsck and lock, every rule of the
//! return-or-mutate contract, and every error a user can meet. Each test
//! has its own store (`--repo`) and its own transform directory.

use serde_json::Value as Json;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::common::{text, Env};

impl Env {
    /// The body of `reference` as CSV.
    fn csv(&self, reference: &str) -> String {
        self.ok(&["get", "body", reference, "--format", "csv"])
    }

    /// Saves `csv` as the body of `name`.
    fn seed(&self, name: &str, csv: &str) {
        let p = self.file("seed.csv", csv);
        self.ok(&["save", name, "--body", &self.path(&p)]);
    }
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

// ---------------------------------------------------------------- examples

#[test]
fn cities_example_applies_without_network_and_commits_nothing() {
    let env = Env::new();
    let script = examples().join("cities/transform.star");
    let out = env.ok(&["apply", &env.path(&script)]);
    assert!(out.contains("read 12 cities from cities.csv"), "{out}");
    assert!(out.contains("5 columns, 5 rows"), "{out}");
    assert!(out.contains("density"), "{out}");
    // The first rows, aligned under the header: Sweden has the most people.
    let header = out
        .lines()
        .find(|l| l.contains("country  population"))
        .unwrap();
    let first = out
        .lines()
        .skip_while(|l| !l.contains("country  population"))
        .nth(1)
        .unwrap();
    assert!(first.trim_start().starts_with("Sweden"), "{out}");
    assert_eq!(
        header.find("population"),
        first.find("1946741"),
        "columns are aligned:\n{out}"
    );
    assert!(out.contains("new dataset: all 5 rows are new"), "{out}");
    assert!(out.contains("nothing was committed"), "{out}");
    assert_eq!(env.json(&["list"]), serde_json::json!([]));
}

#[test]
fn cities_example_saves_twice_with_a_change_then_log_and_diff() {
    let env = Env::new();
    let script = env.path(&examples().join("cities/transform.star"));
    env.ok(&["save", "me/nordic", "--file", &script]);
    let csv1 = env.csv("me/nordic");
    assert!(csv1.starts_with("country,population,area_km2,cities,density\n"));
    assert!(csv1.contains("Iceland,139875,273,1,"), "{csv1}");
    env.ok(&[
        "save",
        "me/nordic",
        "--file",
        &script,
        "--config",
        "min_population=300000",
        "-m",
        "only big cities",
    ]);
    assert_eq!(env.versions("me/nordic"), 2);
    let log = env.json(&["log", "me/nordic"]);
    assert_eq!(log[0]["seq"], 2);
    assert_eq!(log[0]["title"], "cities of at least 300000 people");
    assert_eq!(log[0]["message"], "only big cities");
    assert_eq!(log[0]["rows"], 4);
    assert!(log[0]["output"]
        .as_str()
        .unwrap()
        .contains("read 12 cities"));
    let human = env.ok(&["log", "me/nordic"]);
    assert!(human.contains("cities of at least 0 people"), "{human}");
    let d = env.json(&["diff", "me/nordic", "--key", "country"]);
    assert_eq!(d["body"]["removed"], 1);
    assert_eq!(d["body"]["changed"], 3);
    assert_eq!(d["body"]["added"], 0);
    let human = env.ok(&["diff", "me/nordic@~1", "me/nordic", "--key", "country"]);
    assert!(human.contains("\"Iceland\""), "{human}");
    assert!(human.contains("-1 removed"), "{human}");
    // The old version is still there, unchanged.
    assert_eq!(env.csv("me/nordic@~1"), csv1);
    // The config is recorded with the transform, with the starlib version.
    let t = env.json(&["get", "transform", "me/nordic"]);
    assert_eq!(t["config"]["min_population"], 300000);
    assert_eq!(t["starlib_version"], "2.0.0");
}

#[test]
fn unchanged_result_is_not_committed_unless_forced() {
    let env = Env::new();
    let script = env.path(&examples().join("cities/transform.star"));
    env.ok(&["save", "me/nordic", "--file", &script]);
    let out = env.ok(&["save", "me/nordic", "--file", &script]);
    assert!(out.contains("no changes"), "{out}");
    assert_eq!(env.versions("me/nordic"), 1);
    env.ok(&["save", "me/nordic", "--file", &script, "--force"]);
    assert_eq!(env.versions("me/nordic"), 2);
}

#[test]
fn qri_example_runs_pinned_to_starlib_1() {
    let env = Env::new();
    let script = env.path(&examples().join("qri/transform.star"));
    let out = env.ok(&["save", "me/squares", "--file", &script]);
    assert!(out.contains("starlib 1.0.0 (pinned in"), "{out}");
    assert!(!text(&env.run(&["apply", &script]).stderr).contains("warning"));
    env.ok(&["save", "me/squares", "--file", &script]);
    assert_eq!(
        env.csv("me/squares"),
        "n,square,root\n1,1,1.0\n2,4,1.4142135623730951\n"
    );
    let t = env.json(&["get", "transform", "me/squares"]);
    assert_eq!(t["starlib_version"], "1.0.0");
}

/// Serves `body` as JSON to every request on 127.0.0.1; returns the URL.
fn json_server(body: &'static str) -> String {
    crate::common::json_server(body).0
}

#[test]
fn http_example_fetches_json_from_the_configured_url() {
    let env = Env::new();
    let url = json_server(r#"[{"station": "a", "temp": 1.5}, {"station": "b", "temp": -2.0}]"#);
    let script = env.path(&examples().join("http/transform.star"));
    let cfg = format!("url={url}");
    // Loopback is refused unless allowed.
    let err = env.fails(&["apply", &script, "--config", &cfg]);
    assert!(err.contains("loopback"), "{err}");
    let out = env.ok(&[
        "save",
        "me/stations",
        "--file",
        &script,
        "--config",
        &cfg,
        "--allow-private-network",
    ]);
    assert!(out.contains("fetched 2 records"), "{out}");
    assert_eq!(env.csv("me/stations"), "station,temp\na,1.5\nb,-2.0\n");
    // Without the url, one clear line says what to pass.
    let err = env.fails(&["apply", &script]);
    assert!(
        err.contains("config value \"url\" is not set: pass --config url="),
        "{err}"
    );
}

/// Every example transform is pinned in the repository's top-level
/// `versions.lock`, with the hash of its current text, and runs with the
/// release it pins.
#[test]
fn every_example_runs_with_the_release_the_top_level_lock_pins() {
    let env = Env::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lock: toml::Table = toml::from_str(
        &std::fs::read_to_string(root.join("versions.lock")).expect("a top-level versions.lock"),
    )
    .expect("versions.lock is TOML");
    let entries = lock["transform"].as_array().expect("[[transform]] entries");
    let mut pinned: Vec<String> = entries
        .iter()
        .map(|e| e["path"].as_str().expect("path").to_string())
        .collect();
    pinned.sort();
    let mut examples: Vec<String> = std::fs::read_dir(examples())
        .unwrap()
        .filter_map(|d| {
            let p = d.unwrap().path().join("transform.star");
            p.is_file().then(|| {
                format!(
                    "examples/{}/transform.star",
                    p.parent().unwrap().file_name().unwrap().to_string_lossy()
                )
            })
        })
        .collect();
    examples.sort();
    assert_eq!(
        pinned, examples,
        "every example transform is pinned, and only those"
    );

    let url = json_server(r#"[{"station": "a", "temp": 1.5}]"#);
    for e in entries {
        let script = env.path(&root.join(e["path"].as_str().unwrap()));
        let out = env
            .quarry()
            .args(["apply", &script, "--json", "--allow-private-network"])
            .args(["--config", &format!("url={url}")])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{script}: {}",
            text(&out.stderr)
        );
        // A hash that no longer matches the script would warn here.
        assert!(
            !text(&out.stderr).contains("warning"),
            "{}",
            text(&out.stderr)
        );
        let report: Json = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            report["starlib"].as_str(),
            e["starlib"].as_str(),
            "{script}"
        );
    }
}

// ---------------------------------------------------------------- contract

#[test]
fn mutating_ds_is_the_result() {
    let env = Env::new();
    env.seed("me/d", "x\n1\n2\n");
    let s = env.file(
        "t.star",
        "def transform(ds):\n    ds.body = ds.body.with_column(\"y\", ds.body[\"x\"] * 10)\n",
    );
    env.ok(&["save", "me/d", "--file", &env.path(&s)]);
    assert_eq!(env.csv("me/d"), "x,y\n1,10\n2,20\n");
}

#[test]
fn returned_dataset_wins_and_mutations_to_the_argument_are_ignored() {
    let env = Env::new();
    env.seed("me/d", "x\n1\n");
    let s = env.file(
        "t.star",
        "def transform(ds):\n    ds.body = [[\"ignored\"], [0]]\n    ds.set_meta(\"title\", \"ignored\")\n    return dataset(body = [{\"z\": 7}], meta = {\"title\": \"kept\"})\n",
    );
    env.ok(&["save", "me/d", "--file", &env.path(&s)]);
    assert_eq!(env.csv("me/d"), "z\n7\n");
    assert_eq!(env.json(&["get", "meta", "me/d"])["title"], "kept");
}

#[test]
fn returning_none_keeps_mutations() {
    let env = Env::new();
    let s = env.file(
        "t.star",
        "def transform(ds):\n    ds.body = [[\"a\", \"b\"], [1, \"x\"]]\n    return None\n",
    );
    env.ok(&["save", "me/d", "--file", &env.path(&s)]);
    assert_eq!(env.csv("me/d"), "a,b\n1,x\n");
}

#[test]
fn returning_anything_else_is_fatal_and_names_the_type() {
    let env = Env::new();
    env.seed("me/d", "x\n1\n");
    let s = env.file(
        "t.star",
        "def transform(ds):\n    ds.body = [[\"y\"], [2]]\n    return [1, 2]\n",
    );
    let err = env.fails(&["save", "me/d", "--file", &env.path(&s)]);
    assert!(
        err.contains("transform must return a dataset or None, got list"),
        "{err}"
    );
    assert!(err.contains("nothing was committed"), "{err}");
    assert_eq!(env.versions("me/d"), 1);
    assert_eq!(env.csv("me/d"), "x\n1\n");
}

#[test]
fn transform_that_is_not_a_function_is_an_error() {
    let env = Env::new();
    let s = env.file("t.star", "transform = 42\n");
    let err = env.fails(&["apply", &env.path(&s)]);
    assert!(
        err.contains("transform must be a function, got int"),
        "{err}"
    );
}

#[test]
fn two_transforms_are_an_error() {
    let env = Env::new();
    let s = env.file(
        "t.star",
        "def transform(ds):\n    pass\n\ndef transform(ds):\n    pass\n",
    );
    let err = env.fails(&["apply", &env.path(&s)]);
    assert!(
        err.contains("t.star:4:1: transform is defined twice (first at line 1)"),
        "{err}"
    );
}

#[test]
fn without_transform_the_top_level_runs_and_the_dataset_is_unchanged() {
    let env = Env::new();
    env.seed("me/d", "x\n1\n");
    let s = env.file("t.star", "print(\"top level ran\", 1 + 1)\n");
    let out = env.ok(&["save", "me/d", "--file", &env.path(&s), "--force"]);
    assert!(out.contains("top level ran 2"), "{out}");
    assert_eq!(env.csv("me/d"), "x\n1\n");
    let out = env.ok(&["apply", &env.path(&s), "me/d"]);
    assert!(out.contains("no row changes"), "{out}");
}

#[test]
fn print_renders_like_console_log_in_previews_and_run_records() {
    let env = Env::new();
    let s = env.file(
        "t.star",
        "def transform(ds):\n    print({\"a\": 1, \"b\": False}, [1, \"x\"], \"plain\")\n    ds.body = [[\"a\"], [1]]\n",
    );
    let out = env.ok(&["apply", &env.path(&s)]);
    assert!(
        out.contains("{ \"a\": 1, \"b\": False } [ 1, \"x\" ] plain"),
        "{out}"
    );
    env.ok(&["save", "me/p", "--file", &env.path(&s)]);
    let log = env.json(&["log", "me/p"]);
    assert_eq!(
        log[0]["output"],
        "{ \"a\": 1, \"b\": False } [ 1, \"x\" ] plain\n"
    );
}

// ---------------------------------------------------------------- errors

#[test]
fn syntax_error_shows_position_and_caret_and_commits_nothing() {
    let env = Env::new();
    env.seed("me/d", "x\n1\n");
    let s = env.file("bad.star", "def transform(ds):\n    x = (1 +\n");
    let err = env.fails(&["save", "me/d", "--file", &env.path(&s)]);
    assert!(err.contains("bad.star:3:1"), "{err}");
    assert!(err.contains('^'), "{err}");
    assert_eq!(env.versions("me/d"), 1);
}

#[test]
fn runtime_error_shows_caret_and_backtrace_and_commits_nothing() {
    let env = Env::new();
    env.seed("me/d", "x\n1\n");
    let s = env.file(
        "boom.star",
        "def helper(n):\n    return n + \"a\"\n\ndef transform(ds):\n    helper(1)\n",
    );
    let err = env.fails(&["save", "me/d", "--file", &env.path(&s)]);
    assert!(err.contains("boom.star:2:14"), "{err}");
    assert!(err.contains("    return n + \"a\"\n"), "{err}");
    assert!(err.contains("             ^"), "{err}");
    assert!(err.contains("Traceback"), "{err}");
    assert!(err.contains("in helper"), "{err}");
    assert!(err.contains("in transform"), "{err}");
    assert_eq!(env.versions("me/d"), 1);
}

#[test]
fn missing_secret_and_unknown_dataset_get_one_clear_line() {
    let env = Env::new();
    let s = env.file("t.star", "def transform(ds):\n    secrets.get(\"token\")\n");
    let err = env.fails(&["apply", &env.path(&s)]);
    assert!(
        err.contains("secret \"token\" is not set: pass --secret token="),
        "{err}"
    );
    let err = env.fails(&["get", "me/nothing"]);
    assert!(err.contains("dataset not found: me/nothing"), "{err}");
    let err = env.fails(&["log", "me/nothing"]);
    assert!(err.contains("dataset not found: me/nothing"), "{err}");
    let s = env.file(
        "l.star",
        "def transform(ds):\n    load_dataset(\"me/nothing\")\n",
    );
    let err = env.fails(&["apply", &env.path(&s)]);
    assert!(err.contains("dataset not found: me/nothing"), "{err}");
    assert!(err.contains("quarry save me/nothing --body"), "{err}");
}

#[test]
fn body_that_cannot_be_converted_is_one_clear_error() {
    let env = Env::new();
    let s = env.file(
        "t.star",
        "def transform(ds):\n    ds.body = [[\"a\", \"b\"], [1, 2], [3]]\n",
    );
    let err = env.fails(&["save", "me/d", "--file", &env.path(&s)]);
    assert!(
        err.contains("body row 3 has 1 values, the header has 2"),
        "{err}"
    );
    assert_eq!(env.versions("me/d"), 0);
}

#[test]
fn limits_stop_runaway_transforms() {
    let env = Env::new();
    let s = env.file(
        "loop.star",
        "def transform(ds):\n    while True:\n        pass\n",
    );
    let err = env.fails(&[
        "apply",
        &env.path(&s),
        "--timeout",
        "1s",
        "--max-steps",
        "0",
    ]);
    assert!(err.contains("timed out after 1s"), "{err}");
    let err = env.fails(&["apply", &env.path(&s), "--max-steps", "1000"]);
    assert!(err.contains("step"), "{err}");
    let s = env.file(
        "mem.star",
        "def transform(ds):\n    x = []\n    for i in range(10000000):\n        x.append(\"abcdefgh\" * 10)\n",
    );
    let err = env.fails(&["apply", &env.path(&s), "--memory-limit", "10MiB"]);
    assert!(err.contains("memory"), "{err}");
}

#[test]
fn secrets_never_reach_versions_logs_or_errors() {
    let env = Env::new();
    let s = env.file(
        "t.star",
        "def transform(ds):\n    t = secrets.get(\"token\")\n    print(\"using\", t)\n    ds.body = [[\"a\", \"b\"], [1, \"x\" + t]]\n    ds.set_meta(\"note\", \"made with \" + t)\n",
    );
    let secret = "s3cr3t-value-xyz";
    let arg = format!("token={secret}");
    let out = env.ok(&["save", "me/s", "--file", &env.path(&s), "--secret", &arg]);
    assert!(!out.contains(secret), "{out}");
    assert!(out.contains("using [redacted]"), "{out}");
    assert_eq!(env.csv("me/s"), "a,b\n1,x[redacted]\n");
    assert_eq!(
        env.json(&["get", "meta", "me/s"])["note"],
        "made with [redacted]"
    );
    let everything = [
        env.ok(&["--json", "get", "me/s"]),
        env.ok(&["--json", "log", "me/s"]),
        env.ok(&["get", "transform", "me/s"]),
    ]
    .join("\n");
    assert!(!everything.contains(secret), "{everything}");
    // ...nor any stored blob or the database.
    for entry in walk(env.home.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "secret found in {}",
            entry.display()
        );
    }
    // From the environment, and redacted in errors.
    let s = env.file(
        "e.star",
        "def transform(ds):\n    fail(\"bad \" + secrets.get(\"token\"))\n",
    );
    let out = env
        .quarry()
        .args(["apply", &env.path(&s), "--secret", "token"])
        .env("token", secret)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("bad [redacted]"), "{err}");
    assert!(!err.contains(secret), "{err}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn config_from_file_and_flags() {
    let env = Env::new();
    let cfg = env.file("cfg.json", r#"{"n": 3, "label": "from file"}"#);
    let s = env.file(
        "t.star",
        "def transform(ds):\n    ds.body = [[\"n\", \"label\"], [config.get(\"n\"), config.get(\"label\")]]\n",
    );
    env.ok(&[
        "save",
        "me/c",
        "--file",
        &env.path(&s),
        "--config-file",
        &env.path(&cfg),
        "--config",
        "n=5",
    ]);
    assert_eq!(env.csv("me/c"), "n,label\n5,from file\n");
    let bad = env.file("bad.json", "{\"n\": ");
    let err = env.fails(&["apply", &env.path(&s), "--config-file", &env.path(&bad)]);
    assert!(err.contains("bad.json:1:"), "{err}");
}

// ---------------------------------------------------------------- fs, load_dataset

#[test]
fn fs_reads_only_the_transform_directory() {
    let env = Env::new();
    env.file("data.txt", "hello");
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "nope").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        env.dir.path().join("link.txt"),
    )
    .unwrap();
    let ok = env.file(
        "ok.star",
        "load(\"fs.star\", \"fs\")\nprint(fs.read(\"data.txt\"), fs.exists(\"nope.txt\"), fs.list())\n",
    );
    let out = env.ok(&["apply", &env.path(&ok)]);
    assert!(out.contains("hello False [ \"data.txt\""), "{out}");
    let up = env.file("up.star", "load(\"fs.star\", \"fs\")\nfs.read(\"../x\")\n");
    let err = env.fails(&["apply", &env.path(&up)]);
    assert!(err.contains("\"..\" is not allowed"), "{err}");
    let abs = env.file(
        "abs.star",
        "load(\"fs.star\", \"fs\")\nfs.read(\"/etc/hostname\")\n",
    );
    let err = env.fails(&["apply", &env.path(&abs)]);
    assert!(err.contains("absolute paths are not allowed"), "{err}");
    #[cfg(unix)]
    {
        let link = env.file(
            "link.star",
            "load(\"fs.star\", \"fs\")\nfs.read(\"link.txt\")\n",
        );
        let err = env.fails(&["apply", &env.path(&link)]);
        assert!(err.contains("outside the transform's directory"), "{err}");
    }
}

#[test]
fn load_dataset_reads_another_dataset_and_records_provenance() {
    let env = Env::new();
    env.seed("me/source", "k,v\na,1\nb,2\n");
    let s = env.file(
        "t.star",
        "def transform(ds):\n    src = load_dataset(\"me/source\")\n    ds.body = src.body.filter(src.body[\"v\"] > 1)\n",
    );
    env.ok(&["save", "me/derived", "--file", &env.path(&s)]);
    assert_eq!(env.csv("me/derived"), "k,v\nb,2\n");
    let source_id = env.json(&["log", "me/source"])[0]["id"].clone();
    let d = env.json(&["get", "me/derived"]);
    assert_eq!(d["provenance"]["inputs"][0]["dataset"], "me/source");
    assert_eq!(d["provenance"]["inputs"][0]["version"], source_id);
    // load_dataset gives a read-only dataset.
    let w = env.file(
        "w.star",
        "def transform(ds):\n    src = load_dataset(\"me/source\")\n    src.body = [[\"a\"], [1]]\n",
    );
    let err = env.fails(&["apply", &env.path(&w)]);
    assert!(err.contains("frozen"), "{err}");
}

// ---------------------------------------------------------------- versions.lock

#[test]
fn versions_lock_pins_warns_and_refuses_unshipped_releases() {
    let env = Env::new();
    let s = env.file(
        "t.star",
        "load(\"table.star\", \"table\")\ndef transform(ds):\n    ds.body = [[\"a\"], [1]]\n",
    );
    // Unlocked: the newest release, where table.star exists.
    env.ok(&["save", "me/l", "--file", &env.path(&s)]);
    assert_eq!(
        env.json(&["get", "transform", "me/l"])["starlib_version"],
        "2.0.0"
    );
    // Locking to 1.x is refused: table.star does not exist there.
    let out = env.run_in(env.dir.path(), &["lock", "--starlib", "1", "t.star"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("loads table.star that starlib 1.0.0 does not offer"),
        "{}",
        text(&out.stderr)
    );
    assert!(!env.dir.path().join("versions.lock").exists());
    // A lock written by hand (or by an older quarry) with that pin: the
    // run fails with the module's name.
    let out = env.run_in(env.dir.path(), &["lock", "--starlib", "2", "t.star"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let lock = std::fs::read_to_string(env.dir.path().join("versions.lock")).unwrap();
    std::fs::write(
        env.dir.path().join("versions.lock"),
        lock.replace("2.0.0", "1.0.0"),
    )
    .unwrap();
    let lock = std::fs::read_to_string(env.dir.path().join("versions.lock")).unwrap();
    assert!(lock.contains("path = \"t.star\""), "{lock}");
    assert!(lock.contains("starlib = \"1.0.0\""), "{lock}");
    let err = env.fails(&["apply", &env.path(&s)]);
    assert!(
        err.contains("starlib 1.0.0 has no module \"table.star\""),
        "{err}"
    );
    // A changed script gets a warning.
    let s2 = env.file("t.star", "def transform(ds):\n    ds.body = [[1], [2]]\n");
    let out = env.run(&["apply", &env.path(&s2)]);
    assert_eq!(out.status.code(), Some(0));
    let err = text(&out.stderr);
    assert!(
        err.contains("warning: t.star changed since it was locked"),
        "{err}"
    );
    // Re-locking with no arguments refreshes every entry's hash.
    let out = env.run_in(env.dir.path(), &["lock"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!text(&env.run(&["apply", &env.path(&s2)]).stderr).contains("warning"));
    // A pin to a release that does not ship fails clearly.
    let lock = std::fs::read_to_string(env.dir.path().join("versions.lock")).unwrap();
    std::fs::write(
        env.dir.path().join("versions.lock"),
        lock.replace("1.0.0", "1.7.0"),
    )
    .unwrap();
    let err = env.fails(&["apply", &env.path(&s2)]);
    assert!(
        err.contains("pins t.star to starlib 1.7.0, which this quarry does not ship"),
        "{err}"
    );
    assert!(err.contains("1.0.0, 2.0.0"), "{err}");
}

// ---------------------------------------------------------------- store commands

#[test]
fn body_import_get_export_remove_and_fsck() {
    let env = Env::new();
    env.seed("me/b", "id,name\n1,a\n2,b\n3,c\n");
    let out = env.ok(&["get", "body", "me/b", "--limit", "2"]);
    assert_eq!(
        out,
        "id  name\n1   a\n2   b\n... 1 more rows (use --limit N, or --format csv for all)\n"
    );
    let nd = env.ok(&["get", "body", "me/b", "--format", "ndjson", "--limit", "1"]);
    assert_eq!(nd.trim(), r#"{"id":1,"name":"a"}"#);
    let st = env.json(&["get", "structure", "me/b"]);
    assert_eq!(st["rows"], 3);
    let target = env.dir.path().join("out.parquet");
    env.ok(&["export", "me/b", "-o", &env.path(&target)]);
    let magic = std::fs::read(&target).unwrap();
    assert_eq!(&magic[..4], b"PAR1");
    // A second version, then remove it again.
    let p = env.file("more.csv", "id,name\n1,a\n");
    env.ok(&[
        "save",
        "me/b",
        "--body",
        &env.path(&p),
        "--title",
        "smaller",
    ]);
    assert_eq!(env.versions("me/b"), 2);
    env.ok(&["remove", "me/b", "--revisions", "1"]);
    assert_eq!(env.versions("me/b"), 1);
    assert_eq!(env.csv("me/b"), "id,name\n1,a\n2,b\n3,c\n");
    let f = env.json(&["fsck"]);
    assert_eq!(f["problems"], serde_json::json!([]));
    env.ok(&["remove", "me/b", "--all"]);
    assert_eq!(env.versions("me/b"), 0);
    // A malformed CSV body names the line.
    let bad = env.file("bad.csv", "a,b\n1,2\n3\n");
    let err = env.fails(&["save", "me/bad", "--body", &env.path(&bad)]);
    assert!(err.contains("line 3"), "{err}");
    assert_eq!(env.versions("me/bad"), 0);
}

#[test]
fn fsck_exits_1_on_a_corrupt_blob() {
    let env = Env::new();
    env.seed("me/f", "x\n1\n");
    let blobs = walk(&env.home.path().join("blobs"));
    let body = blobs
        .iter()
        .find(|p| {
            let mut head = [0u8; 4];
            std::fs::File::open(p)
                .and_then(|mut f| f.read_exact(&mut head))
                .is_ok()
                && &head == b"PAR1"
        })
        .unwrap();
    let mut bytes = std::fs::read(body).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 0xff;
    std::fs::write(body, bytes).unwrap();
    let out = env.run(&["fsck"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("corrupt"),
        "{}",
        text(&out.stdout)
    );
}

// ---------------------------------------------------------------- CLI surface

#[test]
fn every_command_has_help_and_misuse_exits_2() {
    let env = Env::new();
    for cmd in [
        "apply", "save", "get", "log", "diff", "list", "remove", "export", "fsck", "lock", "run",
        "test", "repl",
    ] {
        let out = env.run(&[cmd, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{cmd} --help");
        assert!(text(&out.stdout).contains("Usage: quarry"), "{cmd}");
    }
    for args in [
        &["frobnicate"][..],
        &["save", "me/x"],
        &["save", "me/x", "--file", "a.star", "--body", "b.csv"],
        &["get", "nonsense", "me/x"],
        &["remove", "me/x"],
        &["apply", "t.star", "--timeout", "soon"],
    ] {
        let out = env.run(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn no_progress_bars_when_stderr_is_not_a_terminal() {
    let env = Env::new();
    let script = env.path(&examples().join("cities/transform.star"));
    let out = env.run(&["save", "me/n", "--file", &script]);
    assert_eq!(out.status.code(), Some(0));
    let err = text(&out.stderr);
    assert!(!err.contains('\u{1b}') && !err.contains('\r'), "{err:?}");
}

// ---------------------------------------------------------------- hostile input and edge cases

#[test]
fn cyclic_values_are_errors_or_marked_never_crashes() {
    let env = Env::new();
    let s = env.file(
        "cyc.star",
        "def transform(ds):\n    m = {}\n    m[\"m\"] = m\n    ds.meta = m\n",
    );
    let err = env.fails(&["save", "me/c", "--file", &env.path(&s)]);
    assert!(err.contains("cycle"), "{err}");
    assert_eq!(env.versions("me/c"), 0);
    let p = env.file(
        "p.star",
        "def main():\n    l = [1]\n    l.append(l)\n    l.append(l)\n    print(l)\n    a = [\"x\"]\n    for i in range(40):\n        a = [a, a]\n    print(a)\n\nmain()\n",
    );
    let out = env.ok(&["apply", &env.path(&p)]);
    assert!(out.contains("[ 1, [Circular], [Circular] ]"), "{out}");
    assert!(out.contains('…'), "the shared-sublist print is capped");
}

#[test]
fn escaped_secrets_are_redacted_too() {
    let env = Env::new();
    let secret = "pa\"ss\\word";
    let s = env.file(
        "t.star",
        "load(\"encoding/json.star\", \"json\")\ndef transform(ds):\n    s = secrets.get(\"k\")\n    print([s])\n    ds.readme = json.encode({\"t\": s})\n    ds.body = [[\"a\"], [1]]\n",
    );
    let arg = format!("k={secret}");
    let out = env.ok(&["save", "me/e", "--file", &env.path(&s), "--secret", &arg]);
    assert!(out.contains("[ \"[redacted]\" ]"), "{out}");
    let readme = env.ok(&["get", "readme", "me/e"]);
    assert_eq!(readme, "{\"t\":\"[redacted]\"}");
    let e = env.file(
        "e.star",
        "def transform(ds):\n    int(secrets.get(\"k\"))\n",
    );
    let err = env.fails(&["apply", &env.path(&e), "--secret", &arg]);
    assert!(
        !err.contains("ss\\\\word") && !err.contains("ss\\word"),
        "{err}"
    );
}

#[test]
fn url_encoded_secrets_are_redacted() {
    let env = Env::new();
    // Nothing listens on port 1: the request fails with its URL in the error.
    let s = env.file(
        "t.star",
        "load(\"http.star\", \"http\")\ndef transform(ds):\n    http.get(\"http://127.0.0.1:1/\", params = {\"key\": secrets.get(\"k\")})\n",
    );
    let err = env.fails(&[
        "apply",
        &env.path(&s),
        "--allow-private-network",
        "--secret",
        "k=a b/c?d",
    ]);
    assert!(err.contains("127.0.0.1:1"), "{err}");
    assert!(err.contains("[redacted]"), "{err}");
    assert!(!err.contains("a+b") && !err.contains("%2Fc"), "{err}");
}

#[test]
fn empty_body_keeps_its_columns_under_2x() {
    let env = Env::new();
    env.seed("me/empty", "a,b\n");
    let s = env.file(
        "t.star",
        "def transform(ds):\n    print(ds.body.columns, len(ds.body))\n    ds.body = ds.body\n",
    );
    let out = env.ok(&["save", "me/empty", "--file", &env.path(&s), "--force"]);
    assert!(out.contains("[ \"a\", \"b\" ] 0"), "{out}");
    let st = env.json(&["get", "structure", "me/empty"]);
    assert_eq!(st["columns"], 2, "{st}");
}

#[test]
fn host_errors_are_one_line_and_contract_errors_point_at_def_transform() {
    let env = Env::new();
    let s = env.file("t.star", "def transform(ds):\n    config.get(\"n\")\n");
    let err = env.fails(&["apply", &env.path(&s)]);
    assert!(
        err.contains("t.star:2:15: config value \"n\" is not set"),
        "{err}"
    );
    assert!(!err.contains("Traceback"), "{err}");
    let r = env.file("r.star", "x = 1\n\ndef transform(ds):\n    return 5\n");
    let err = env.fails(&["apply", &env.path(&r)]);
    assert!(
        err.contains("r.star:3:1: transform must return a dataset or None, got int"),
        "{err}"
    );
}

#[test]
fn misuse_of_values_exits_2() {
    let env = Env::new();
    let s = env.file("t.star", "x = 1\n");
    for args in [
        vec!["apply", &env.path(&s), "--config", "novalue"],
        vec!["apply", &env.path(&s), "--timeout", "99999999999999999999h"],
        vec!["save", "me/x@abc", "--file", &env.path(&s)],
        vec!["save", "not-a-name", "--file", &env.path(&s)],
    ] {
        let out = env.run(&args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    // A version of a dataset that does not exist is an error, not a new dataset.
    let err = env.fails(&["apply", &env.path(&s), "me/none@~1"]);
    assert!(err.contains("dataset not found"), "{err}");
}

#[test]
fn script_sets_commit_title_and_message_and_reads_older_versions() {
    let env = Env::new();
    env.seed("me/src", "v\n1\n");
    let p = env.file("more.csv", "v\n1\n2\n");
    env.ok(&["save", "me/src", "--body", &env.path(&p)]);
    let s = env.file(
        "t.star",
        "def transform(ds):\n    old = load_dataset(\"me/src@~1\")\n    ds.body = old.body\n    ds.title = \"from the first version\"\n    ds.message = \"longer text\"\n",
    );
    env.ok(&["save", "me/d", "--file", &env.path(&s)]);
    assert_eq!(env.csv("me/d"), "v\n1\n");
    let c = env.json(&["get", "commit", "me/d"]);
    assert_eq!(c["title"], "from the first version");
    assert_eq!(c["message"], "longer text");
    let first = env.json(&["log", "me/src"])[1]["id"].clone();
    assert_eq!(
        env.json(&["get", "me/d"])["provenance"]["inputs"][0]["version"],
        first
    );
}

#[test]
fn toml_config_and_secrets_files() {
    let env = Env::new();
    let cfg = env.file("cfg.toml", "n = 7\nname = \"x\"\n");
    let sec = env.file("sec.json", r#"{"token": "t0ken-abc"}"#);
    let s = env.file(
        "t.star",
        "def transform(ds):\n    ds.body = [[\"n\", \"name\", \"t\"], [config.get(\"n\"), config.get(\"name\"), secrets.get(\"token\")]]\n",
    );
    env.ok(&[
        "save",
        "me/t",
        "--file",
        &env.path(&s),
        "--config-file",
        &env.path(&cfg),
        "--secrets-file",
        &env.path(&sec),
    ]);
    assert_eq!(env.csv("me/t"), "n,name,t\n7,x,[redacted]\n");
    // The secrets file sits beside the transform, but fs does not read it.
    let r = env.file(
        "r.star",
        "load(\"fs.star\", \"fs\")\nprint(fs.exists(\"cfg.toml\"))\nprint(fs.read(\"sec.json\"))\n",
    );
    let err = env.fails(&["apply", &env.path(&r), "--secrets-file", &env.path(&sec)]);
    assert!(
        err.contains("\"sec.json\" is this run's secrets file"),
        "{err}"
    );
    assert!(!err.contains("token"), "{err}");
}

/// Under `--json` a failed run's report keeps what the script printed
/// before it failed (lines are not shown live then), and nothing is saved.
#[test]
fn a_failed_run_json_report_keeps_its_output() {
    let env = Env::new();
    let t = env.file(
        "fails.star",
        "def transform(ds):\n    print('step 1 done')\n    print('step 2 done')\n    fail('boom')\n",
    );
    let out = env.run(&["--json", "save", "me/f", "--file", &env.path(&t)]);
    assert_eq!(out.status.code(), Some(1));
    let report: Json = serde_json::from_str(&text(&out.stderr)).unwrap();
    assert_eq!(
        report["output"],
        serde_json::json!(["step 1 done", "step 2 done"])
    );
    assert!(
        report["error"].as_str().unwrap().contains("boom"),
        "{report}"
    );
    assert!(env.fails(&["get", "body", "me/f"]).contains("not found"));
}

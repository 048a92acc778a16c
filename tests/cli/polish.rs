//! The command line's rough edges, through the real binary: closed pipes,
//! `--json` on every command and on errors, recorded rand seeds, `lock`'s
//! checks, completions and `--version`.

use serde_json::Value as Json;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::{text, Env};

fn path(p: &Path) -> String {
    p.display().to_string()
}

/// A reader that closes after the first line: `quarry ... | head -1`.
fn first_line_then_close(mut cmd: Command) -> (Option<i32>, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    let _ = stdout.read(&mut first);
    drop(stdout);
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    (status.code(), err)
}

#[test]
fn writing_to_a_closed_pipe_ends_quietly() {
    let env = Env::new();
    // Enough output to overflow the pipe after the reader has gone.
    let script = env.file(
        "loud.star",
        "def f():\n    for i in range(200000):\n        print(\"line %d of output that fills the pipe\" % i)\nf()\n",
    );
    let mut cmd = env.quarry();
    cmd.args(["run", &path(&script)]);
    let (code, err) = first_line_then_close(cmd);
    assert!(!err.contains("panicked"), "{err}");
    assert_ne!(code, Some(101), "exit 101 is a panic: {err}");
    assert!(err.is_empty(), "nothing on stderr: {err}");
}

#[test]
fn every_command_honours_json_errors_included() {
    let env = Env::new();
    let ok = env.file("ok.star", "print('hi', 1 + 2)\n");
    let report = env.json(&["run", &path(&ok)]);
    assert_eq!(report["ok"], true);
    assert_eq!(report["output"][0], "hi 3");

    let bad = env.file("bad.star", "x = 1\nx()\n");
    let out = env.run(&["--json", "run", &path(&bad)]);
    assert_eq!(out.status.code(), Some(1));
    let report: Json = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert!(
        report["error"].as_str().unwrap().contains("bad.star:2:"),
        "{report}"
    );

    let t = env.file(
        "t.star",
        "load(\"assert.star\", \"assert\")\nassert.eq(1 + 1, 2)\n---\nassert.eq(1, 2)\n",
    );
    let out = env.run(&["test", "--json", &path(&t)]);
    assert_eq!(out.status.code(), Some(1));
    let report: Json = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (report["passed"].as_u64(), report["failed"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(report["files"][0]["chunks"], 2);

    // A failure under --json is a JSON document on stderr, with the exit code.
    let out = env.run(&["--json", "get", "me/missing"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err: Json = serde_json::from_slice(&out.stderr)
        .unwrap_or_else(|e| panic!("stderr is not JSON ({e}): {}", text(&out.stderr)));
    assert!(
        err["error"].as_str().unwrap().contains("me/missing"),
        "{err}"
    );
    assert_eq!(err["exit_code"], 1);
}

#[test]
fn every_version_records_the_rand_seed_it_used() {
    let env = Env::new();
    let script = env.file(
        "r.star",
        "load(\"rand.star\", \"rand\")\ndef transform(ds):\n    ds.body = [{\"x\": rand.int(1000000)} for _ in range(5)]\n",
    );
    let saved = env.json(&["save", "me/r", "--file", &path(&script)]);
    let seed = saved["rand_seed"]
        .as_u64()
        .expect("a drawn seed is reported");
    let got = env.json(&["get", "me/r"]);
    assert_eq!(got["provenance"]["rand_seed"].as_u64(), Some(seed));
    let log = env.json(&["log", "me/r"]);
    assert_eq!(log[0]["rand_seed"].as_u64(), Some(seed));

    // Repeating the run with that seed reproduces the body exactly.
    let first = text(&env.run(&["get", "body", "me/r", "--format", "csv"]).stdout);
    let again = env.json(&[
        "save",
        "me/r",
        "--file",
        &path(&script),
        "--seed",
        &seed.to_string(),
    ]);
    assert_eq!(
        again["committed"], false,
        "the same seed gives the same body: {again}"
    );
    assert_eq!(
        text(&env.run(&["get", "body", "me/r", "--format", "csv"]).stdout),
        first
    );
}

#[test]
fn lock_reports_errors_once_and_checks_loads_against_the_release() {
    let env = Env::new();
    let script = env.file("t.star", "load(\"table.star\", \"table\")\nx = 1\n");
    let out = env.run(&["lock", &path(&script), "--starlib", "3"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(
        err.matches("no shipped starlib release matches ^3").count(),
        1,
        "{err}"
    );

    // table.star does not exist in 1.x: refused, and nothing is written.
    let out = env.run(&["lock", &path(&script), "--starlib", "1"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("loads table.star that starlib 1.0.0 does not offer"),
        "{err}"
    );
    assert!(!env.dir.path().join("versions.lock").exists());
    // 2.x has it.
    let out = env.run(&["lock", &path(&script), "--starlib", "2"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn completions_and_version() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish"] {
        let out = env.run(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0));
        let script = text(&out.stdout);
        assert!(script.contains("quarry"), "{shell}");
        assert!(
            script.contains("apply") && script.contains("save"),
            "{shell}"
        );
    }
    let out = env.run(&["--version"]);
    let v = text(&out.stdout);
    assert!(v.contains(env!("CARGO_PKG_VERSION")), "{v}");
    assert!(
        v.contains("1.0.0") && v.contains("2.0.0"),
        "names the starlib releases: {v}"
    );
}

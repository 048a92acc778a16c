//! The engine's commands, run as real child processes: `quarry run`,
//! `quarry test` and `quarry repl`.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn quarry() -> Command {
    Command::new(env!("CARGO_BIN_EXE_quarry"))
}

fn tmp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("quarry-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn run_script(name: &str, src: &str) -> Output {
    let p = tmp(name, src);
    quarry().arg("run").arg(&p).output().unwrap()
}

#[test]
fn run_prints_output_and_exits_zero() {
    let out = run_script(
        "ok.star",
        "def f(n):\n    return n * 2\nprint(\"result:\", f(21))\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "result: 42\n");
}

#[test]
fn run_reports_a_syntax_error_with_position_and_caret() {
    let out = run_script("syntax.star", "x = 1\ny = (2 +\n");
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("syntax.star:3:1:"), "{err}");
}

#[test]
fn run_reports_a_runtime_error_with_caret_and_backtrace() {
    let out = run_script("boom.star", "def f(x):\n    return x + \"a\"\n\nf(1)\n");
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("boom.star:2:14: unknown binary op: int + string"),
        "{err}"
    );
    assert!(
        err.contains("    return x + \"a\"\n             ^\n"),
        "{err}"
    );
    assert!(err.contains("Traceback (most recent call last):"), "{err}");
    assert!(err.contains("boom.star:4:2: in <toplevel>"), "{err}");
    assert!(err.contains("boom.star:2:14: in f"), "{err}");
}

#[test]
fn run_stops_a_runaway_script_at_the_step_limit() {
    let p = tmp(
        "forever.star",
        "def f():\n    while True:\n        pass\nf()\n",
    );
    let out = quarry()
        .args(["run", "--max-steps", "100000"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("too many steps"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn run_of_a_missing_file_is_a_clear_error() {
    let out = quarry()
        .args(["run", "/nonexistent/x.star"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cannot read /nonexistent/x.star"));
}

#[test]
fn misuse_exits_two() {
    let out = quarry().args(["run"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = quarry().args(["no-such-command"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn test_command_reports_passing_and_failing_files() {
    let good = tmp(
        "good_test.star",
        "load(\"assert.star\", \"assert\")\nassert.eq(1 + 1, 2)\n---\nx = 1 // 0 ### \"division by zero\"\n",
    );
    let bad = tmp(
        "bad_test.star",
        "load(\"assert.star\", \"assert\")\nassert.eq(1 + 1, 3)\n",
    );
    let out = quarry().arg("test").arg(&good).arg(&bad).output().unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!("PASS {} (2 chunks)", good.display())),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("FAIL {} (1 chunks)", bad.display())),
        "{stdout}"
    );
    assert!(stdout.contains("Error: 2 != 3"), "{stdout}");
    assert!(stdout.ends_with("1 passed, 1 failed\n"), "{stdout}");
    let out = quarry().arg("test").arg(&good).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn repl_keeps_state_between_inputs_and_prints_values() {
    let mut child = quarry()
        .arg("repl")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"x = 40\nx + 2\ndef f(n):\n  return n * x\n\nf(3)\nnope\n\"still alive\"\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "42\n120\n\"still alive\"\n");
    assert!(
        text(&out.stderr).contains("undefined: nope"),
        "{}",
        text(&out.stderr)
    );
}

/// A `load` persists to later inputs; a closed multi-line bracket runs at
/// once; the history goes where `QUARRY_HISTORY` says, never to `$HOME`.
#[test]
fn repl_keeps_loads_and_runs_closed_brackets_and_keeps_history_out_of_home() {
    let home = tempfile::tempdir().unwrap();
    let history = home.path().join("hist");
    let mut child = quarry()
        .arg("repl")
        .env("HOME", home.path())
        .env("QUARRY_HISTORY", &history)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"load(\"math.star\", \"math\")\nmath.floor(2.5)\nxs = [1,\n  2]\nlen(xs)\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "2\n2\n", "{}", text(&out.stderr));
    assert!(std::fs::read_to_string(&history)
        .unwrap()
        .contains("math.floor(2.5)"));
    assert!(!home.path().join(".quarry_history").exists());
}

/// `quarry test` shares the conformance harness: starlark-go's own test files
/// pass through the binary exactly as they do in the engine's conformance test.
#[test]
fn test_command_passes_starlark_gos_own_test_files() {
    let root = std::path::Path::new("/usr/share/gocode/src/go.starlark.net");
    assert!(
        root.join("starlark/testdata").is_dir(),
        "install starlark-go's test files: apt-get install golang-starlark-dev"
    );
    let exec: Vec<PathBuf> = [
        "assign",
        "bool",
        "builtins",
        "control",
        "dict",
        "float",
        "function",
        "int",
        "json",
        "list",
        "misc",
        "module",
        "recursion",
        "set",
        "string",
        "tuple",
    ]
    .iter()
    .map(|f| root.join(format!("starlark/testdata/{f}.star")))
    .collect();
    let out = quarry()
        .args(["test", "--legacy-api"])
        .args(&exec)
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.ends_with("16 passed, 0 failed\n"), "{stdout}");
    for (mode, file) in [
        ("resolve", "resolve/testdata/resolve.star"),
        ("parse", "syntax/testdata/errors.star"),
    ] {
        let out = quarry()
            .args(["test", "--legacy-api", "--mode", mode])
            .arg(root.join(file))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    }
    // Without the legacy API, the two files that check dir() of the 2021 API fail.
    let out = quarry()
        .arg("test")
        .arg(root.join("starlark/testdata/builtins.star"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn test_command_reaches_a_loopback_server_only_when_allowed_and_picks_a_release() {
    let (url, hits) = crate::common::json_server(r#"{"ok": true}"#);
    let file = tmp(
        "http_test.star",
        &format!(
            "load('assert.star', 'assert')\nload('http.star', 'http')\nassert.eq(http.get('{url}').json()['ok'], True)\n"
        ),
    );
    let refused = quarry().arg("test").arg(&file).output().unwrap();
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stdout));
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 0);
    let allowed = quarry()
        .args(["test", "--allow-private-network"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(allowed.status.code(), Some(0), "{}", text(&allowed.stdout));
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 1);
    // `table.star` exists only in 2.x: a 1.x test file cannot load it.
    let table = tmp("table_test.star", "load('table.star', 'table')\n");
    let v1 = quarry()
        .args(["test", "--starlib", "1"])
        .arg(&table)
        .output()
        .unwrap();
    assert_eq!(v1.status.code(), Some(1));
    let v2 = quarry()
        .args(["test", "--starlib", "2"])
        .arg(&table)
        .output()
        .unwrap();
    assert_eq!(v2.status.code(), Some(0), "{}", text(&v2.stdout));
}

/// `quarry test --var NAME=TEXT --var-file NAME=PATH` predeclares what a
/// test's Go harness would have (a server's URL, a file's bytes); without
/// them the names are undefined.
#[test]
fn test_command_predeclares_given_values() {
    let data = tmp("blob.bin", "\u{1}PK\u{0}bytes\n");
    let file = tmp(
        "vars_test.star",
        "load('assert.star', 'assert')\nassert.eq(server_url, 'http://127.0.0.1:1')\nassert.eq(len(blob), 10)\nassert.true(blob.startswith('\\x01PK'))\n",
    );
    let with = quarry()
        .args([
            "test",
            "--var",
            "server_url=http://127.0.0.1:1",
            "--var-file",
        ])
        .arg(format!("blob={}", data.display()))
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(with.status.code(), Some(0), "{}", text(&with.stdout));
    let without = quarry().arg("test").arg(&file).output().unwrap();
    assert_eq!(without.status.code(), Some(1));
    assert!(
        text(&without.stdout).contains("server_url"),
        "{}",
        text(&without.stdout)
    );
    let missing = quarry()
        .args([
            "test",
            "--var-file",
            "blob=/nonexistent/x",
            &file.display().to_string(),
        ])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        text(&missing.stderr).contains("--var-file blob: cannot read"),
        "{}",
        text(&missing.stderr)
    );
}

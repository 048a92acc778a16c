//! Importing CSV bodies through the real `quarry` binary, as a user meets
//! it: quotes never closed, duplicate column names, very wide files under a
//! memory limit, delimiters and `.tsv`, and the one vocabulary of type
//! names in `get`, `diff` and previews. Each test has its own store.

use crate::common::{text, Env};
use std::process::Output;

/// What this suite needs beyond the shared environment: files written as
/// bytes (wide and malformed CSV), and both output streams of a run.
impl Env {
    /// Writes a file into the transform directory; returns its path as text.
    fn bytes_file(&self, name: &str, body: &[u8]) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        p.display().to_string()
    }

    /// Runs and expects exit `code`; returns (stdout, stderr).
    fn outputs(&self, code: i32, args: &[&str]) -> (String, String) {
        let out = self.run(args);
        let (so, se) = (text(&out.stdout), text(&out.stderr));
        assert_eq!(
            out.status.code(),
            Some(code),
            "quarry {args:?}\nstdout: {so}\nstderr: {se}"
        );
        (so, se)
    }
}

/// A failure, not a crash: exit code 1 or 2 and a message.
fn failed_cleanly(out: &Output) -> String {
    let se = text(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(1) | Some(2)),
        "status {:?}\nstderr: {se}",
        out.status
    );
    se
}

#[test]
fn an_unterminated_quote_is_an_error_naming_its_line() {
    let env = Env::new();
    let f = env.bytes_file("q.csv", b"a,b\n1,x\n2,\"open\n3,y\n4,z\n");
    let se = failed_cleanly(&env.run(&["save", "me/q", "--body", &f]));
    assert!(se.contains("line 3"), "{se}");
    assert!(se.contains("unterminated quoted field"), "{se}");
    // Nothing was saved.
    assert_ne!(env.run(&["get", "me/q"]).status.code(), Some(0));
    // A script's csv.read and set_body(parse_as="csv") share the reader.
    let script = env.bytes_file(
        "t.star",
        b"load(\"csv.star\", \"csv\")\ndef transform(ds):\n    csv.read('a,b\\n1,\"x\\n2,y\\n')\n",
    );
    let se = failed_cleanly(&env.run(&["save", "me/t", "--file", &script]));
    assert!(se.contains("line 2: unterminated quoted field"), "{se}");
}

#[test]
fn duplicate_column_names_are_refused() {
    let env = Env::new();
    let f = env.bytes_file("d.csv", b"a,a,b\n1,2,3\n");
    let se = failed_cleanly(&env.run(&["save", "me/d", "--body", &f]));
    assert!(se.contains("duplicate column name 'a'"), "{se}");
    let script = env.bytes_file(
        "t.star",
        b"load(\"csv.star\", \"csv\")\ndef transform(ds):\n    csv.read('x,y,x\\n1,2,3\\n')\n",
    );
    let se = failed_cleanly(&env.run(&["save", "me/t", "--file", &script]));
    assert!(se.contains("duplicate column name 'x'"), "{se}");
}

/// A CSV of `cols` integer columns and `rows` rows.
fn wide_csv(cols: usize, rows: usize) -> Vec<u8> {
    let header: Vec<String> = (0..cols).map(|i| format!("c{i}")).collect();
    let mut out = header.join(",");
    out.push('\n');
    for r in 0..rows {
        let row: Vec<String> = (0..cols).map(|i| ((i + r) % 10).to_string()).collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out.into_bytes()
}

#[test]
fn wide_files_import_within_a_memory_limit() {
    let env = Env::new();
    // 2,000 columns (20 KB): once 2 GB.
    let f = env.bytes_file("w2k.csv", &wide_csv(2_000, 5));
    let out = env.run_limited(2_000_000, &["save", "me/w2k", "--body", &f]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    // 200,000 columns (2.5 MB): once 100 GB. Success or a clean error,
    // never an abort.
    let f = env.bytes_file("w200k.csv", &wide_csv(200_000, 5));
    let out = env.run_limited(2_000_000, &["save", "me/w200k", "--body", &f]);
    let se = text(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0..=2)),
        "status {:?}\nstderr: {se}",
        out.status
    );
    assert!(!se.contains("memory allocation"), "{se}");
    assert!(!se.contains("panicked"), "{se}");
    if out.status.code() != Some(0) {
        assert!(se.contains("200000 columns"), "{se}");
    }
}

#[test]
fn delimiters_and_tsv() {
    let env = Env::new();
    let f = env.bytes_file("s.csv", b"a;b\n1;x\n2;y\n");
    env.ok(&["save", "me/s", "--body", &f, "--delimiter", ";"]);
    let body = env.ok(&["get", "body", "me/s", "--format", "csv"]);
    assert_eq!(body, "a,b\n1,x\n2,y\n");
    let f = env.bytes_file("t.txt", b"a\tb\n1\tx\n");
    env.ok(&[
        "save",
        "me/t",
        "--body",
        &f,
        "--format",
        "csv",
        "--delimiter",
        "tab",
    ]);
    assert_eq!(
        env.ok(&["get", "body", "me/t", "--format", "csv"]),
        "a,b\n1,x\n"
    );
    let f = env.bytes_file("v.tsv", b"a\tb\n1\tx\n");
    env.ok(&["save", "me/v", "--body", &f]);
    assert_eq!(
        env.ok(&["get", "body", "me/v", "--format", "csv"]),
        "a,b\n1,x\n"
    );
    let (_, se) = env.outputs(2, &["save", "me/s", "--body", &f, "--delimiter", ";;"]);
    assert!(se.contains("one byte"), "{se}");
}

#[test]
fn type_names_are_one_vocabulary() {
    let env = Env::new();
    let f = env.bytes_file("a.csv", b"id,name\n1,x\n2,y\n");
    env.ok(&["save", "me/a", "--body", &f]);
    let get = env.ok(&["get", "me/a"]);
    assert!(get.contains("int") && get.contains("string"), "{get}");
    assert!(!get.contains("Int64") && !get.contains("Utf8"), "{get}");
    let f = env.bytes_file("b.csv", b"id,name,price\n1.5,x,2\n2,y,3\n");
    env.ok(&["save", "me/a", "--body", &f]);
    let diff = env.ok(&["diff", "me/a@~1", "me/a"]);
    assert!(diff.contains("price (int)"), "{diff}");
    assert!(diff.contains("int -> float"), "{diff}");
    assert!(
        !diff.contains("Int64") && !diff.contains("Float64"),
        "{diff}"
    );
    let dry = env.ok(&["save", "me/a", "--body", &f, "--dry-run"]);
    assert!(dry.contains("float"), "{dry}");
}

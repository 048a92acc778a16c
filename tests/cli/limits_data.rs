//! Attacks on the data path's limits (tables, csv, json, http bodies)
//! through the real binary, each under a memory ulimit: a clean error and
//! exit 1, never a crash or a commit.

use crate::common::{text, Env};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Output;
use std::time::{Duration, Instant};

/// The address-space limit every attack runs under (KiB): well above what
/// a 100 MB budget needs, far below what the attacks would take unchecked.
const ULIMIT_KIB: u64 = 1_500_000;

/// Runs `quarry apply FILE --memory-limit 100MB --timeout T` (plus `extra`)
/// under the ulimit.
fn apply(env: &Env, file: &str, timeout: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "apply",
        file,
        "--memory-limit",
        "100MB",
        "--timeout",
        timeout,
    ];
    args.extend_from_slice(extra);
    env.run_limited(ULIMIT_KIB, &args)
}

/// Writes `script` as `name` and runs it with a 100 MB budget.
fn attack(env: &Env, name: &str, script: &str, extra: &[&str]) -> Output {
    let p = env.file(name, script);
    apply(env, &env.path(&p), "20s", extra)
}

/// Exit 1 with an error (not a crash, not a result): the standard error.
fn refused(out: &Output) -> String {
    let se = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "status {:?}\nstderr: {se}",
        out.status
    );
    se
}

/// Exit 1 on the memory budget, naming `what`.
fn over_budget(out: &Output, what: &str) -> String {
    let se = refused(out);
    assert!(se.contains("memory limit exceeded"), "{se}");
    assert!(se.contains(what), "want {what:?} in: {se}");
    se
}

/// A join of two 60,000-row tables on one key (3.6 billion rows) is
/// refused from its match count before any of it is made.
#[test]
fn a_cross_join_is_refused_before_it_is_made() {
    let env = Env::new();
    let script = r#"
load("table.star", "table")
t = table.from_columns({"k": [1] * 60000, "v": list(range(60000))})
j = t.join(t, "k")
print(len(j))
"#;
    let start = Instant::now();
    let se = over_budget(&attack(&env, "join.star", script, &[]), "join");
    assert!(se.contains("3600000000 rows"), "{se}");
    assert!(start.elapsed() < Duration::from_secs(10));
}

/// A CSV text of 3,000 columns is refused from its size and column count.
#[test]
fn a_wide_csv_is_refused_before_it_is_parsed() {
    let env = Env::new();
    let script = r#"
load("csv.star", "csv")
header = ",".join(["c%d" % i for i in range(3000)])
row = ",".join(["ab"] * 3000)
text = header + "\n" + "\n".join([row] * 4000)
t = csv.read(text)
print(len(t))
"#;
    over_budget(&attack(&env, "wide.star", script, &[]), "csv.read");
}

/// Qri's `set_body(text, parse_as="csv")` is read as `csv.read` is:
/// charged before the body is made.
#[test]
fn a_wide_csv_body_set_with_parse_as_is_refused() {
    let env = Env::new();
    let script = r#"
def transform(ds):
    header = ",".join(["c%d" % i for i in range(3000)])
    row = ",".join(["ab"] * 3000)
    ds.set_body(header + "\n" + "\n".join([row] * 4000), parse_as = "csv")
"#;
    over_budget(&attack(&env, "parse_as.star", script, &[]), "set_body");
}

/// A YAML "billion laughs" document (12 levels of ten aliases: 10^12
/// values from a few hundred bytes) stops at the budget: aliases are
/// copied, and every copy is charged before it is made.
#[test]
fn a_yaml_alias_bomb_stops_at_the_budget() {
    let env = Env::new();
    let script = r#"
load("encoding/yaml.star", "yaml")
def transform(ds):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 12):
        p = "*a%d" % (i - 1)
        lines.append("a%d: &a%d [%s]" % (i, i, ", ".join([p] * 10)))
    doc = yaml.loads("\n".join(lines))
    print(len(doc))
"#;
    over_budget(&attack(&env, "laughs.star", script, &[]), "yaml.loads");
}

/// A gzip bomb read from the transform's directory (256 MiB of zeros in
/// a few hundred kilobytes) stops at the budget as it inflates.
#[test]
fn a_gzip_bomb_stops_at_the_budget() {
    use std::io::Write as _;
    let env = Env::new();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..256 {
        gz.write_all(&zeros).unwrap();
    }
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() < 1 << 20);
    std::fs::write(env.dir.path().join("bomb.gz"), bomb).unwrap();
    let script = r#"
load("fs.star", "fs")
load("compress/gzip.star", "gzip")
def transform(ds):
    print(len(gzip.decompress(fs.read("bomb.gz"))))
"#;
    over_budget(
        &attack(&env, "gzip_bomb.star", script, &[]),
        "gzip.decompress",
    );
}

/// Doubling a table by concatenation stops at the budget.
#[test]
fn concatenating_a_table_with_itself_stops_at_the_budget() {
    let env = Env::new();
    let script = r#"
load("table.star", "table")
def run():
    t = table.from_columns({"x": list(range(100000)), "s": ["some text"] * 100000})
    for i in range(40):
        t = t.concat(t)
    print(len(t))
run()
"#;
    over_budget(&attack(&env, "concat.star", script, &[]), "concat");
}

/// JSON text of many small records (3 million, 60 MB; as `serde_json`
/// values at once, about 2 GB) is charged before it is decoded, and
/// decoded a batch at a time: the budget stops it, not the machine.
#[test]
fn json_read_of_many_records_is_charged() {
    let env = Env::new();
    let mut text = String::with_capacity(61 << 20);
    text.push('[');
    for i in 0..3_000_000 {
        if i > 0 {
            text.push(',');
        }
        text.push_str("{\"a\": 1, \"b\": \"xy\"}");
    }
    text.push(']');
    env.file("big.json", &text);
    drop(text);
    let script = r#"
load("fs.star", "fs")
load("encoding/json.star", "json")
t = json.read(fs.read("big.json"))
print(len(t))
"#;
    over_budget(&attack(&env, "json.star", script, &[]), "json.read");
}

/// Encoding a big table as CSV or JSON text is charged as the text grows.
#[test]
fn encoding_a_big_table_is_charged() {
    let env = Env::new();
    for (name, call) in [("csvw.star", "csv.write(t)"), ("jsonw.star", "t.to_json()")] {
        let script = format!(
            r#"
load("table.star", "table")
load("csv.star", "csv")
def run():
    t = table.from_columns({{"x": list(range(100000)), "y": [1.5] * 100000}})
    for i in range(5):
        t = t.concat(t)
    texts = [{call} for i in range(20)]
    print(len(texts))
run()
"#
        );
        over_budget(&attack(&env, name, &script, &[]), "memory limit");
    }
}

/// Building tables from rows, sorting, grouping, filtering and turning
/// rows back into Starlark values are all charged.
#[test]
fn table_operations_are_charged() {
    let env = Env::new();
    let base = r#"
load("table.star", "table")
def run():
    t = table.from_columns({"x": list(range(200000)), "s": ["text %d" % (i % 1000) for i in range(200000)]})
    for i in range(3):
        t = t.concat(t)
    kept = []
"#;
    for (name, body, what) in [
        (
            "sort.star",
            "t.sort_by(\"x\", descending = True)",
            "sort_by",
        ),
        (
            "group.star",
            "t.group_by(\"x\").agg({\"s\": \"first\"})",
            "",
        ),
        ("filter.star", "t.filter(t[\"x\"] >= 0)", ""),
        ("rows.star", "t.rows()", "rows"),
        ("distinct.star", "t.distinct()", "distinct"),
        (
            "with.star",
            "t.with_column(\"y\", \"a longer constant string\")",
            "with_column",
        ),
    ] {
        let script =
            format!("{base}    for i in range(50):\n        kept.append({body})\n    print(len(kept))\nrun()\n");
        over_budget(&attack(&env, name, &script, &[]), what);
    }
}

/// Operators on columns (`c * 2`, `-c`, `c > 0`) are charged before their
/// results are built: 50 kept results of a 1.6M-row column pass the budget.
#[test]
fn column_operators_are_charged_before_they_build() {
    let env = Env::new();
    let base = r#"
load("table.star", "table")
def run():
    t = table.from_columns({"x": list(range(200000))})
    for i in range(3):
        t = t.concat(t)
    c = t["x"]
    kept = []
"#;
    for (name, body, what) in [
        ("mul.star", "c * 2", "column *"),
        ("neg.star", "-c", "column unary operator"),
        ("cmp.star", "c + c > 0", "column "),
    ] {
        let script =
            format!("{base}    for i in range(50):\n        kept.append({body})\n    print(len(kept))\nrun()\n");
        over_budget(&attack(&env, name, &script, &[]), what);
    }
}

/// Serves `body_len` bytes of JSON-ish text to every request: with a
/// Content-Length when `announce`, else streamed until the connection
/// closes. Returns the URL.
fn big_body_server(body_len: usize, announce: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            std::thread::spawn(move || {
                let mut reader = BufReader::new(s.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let head = if announce {
                    format!("HTTP/1.1 200 OK\r\nContent-Length: {body_len}\r\nConnection: close\r\n\r\n")
                } else {
                    "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_string()
                };
                if s.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let chunk = vec![b'x'; 64 * 1024];
                let mut sent = 0;
                while sent < body_len {
                    let n = chunk.len().min(body_len - sent);
                    if s.write_all(&chunk[..n]).is_err() {
                        return;
                    }
                    sent += n;
                }
            });
        }
    });
    format!("http://{addr}/big")
}

/// A streamed body bigger than the budget fails as it is read; an
/// announced one fails before it is read.
#[test]
fn an_http_body_bigger_than_the_budget_fails_cleanly() {
    let env = Env::new();
    for announce in [false, true] {
        // Under the host's cap (256 MB), over the budget.
        let url = big_body_server(200 << 20, announce);
        let script =
            format!("load(\"http.star\", \"http\")\nr = http.get({url:?})\nprint(len(r.body()))\n");
        let start = Instant::now();
        let out = attack(&env, "get.star", &script, &["--allow-private-network"]);
        let se = over_budget(&out, "reading the body");
        assert!(start.elapsed() < Duration::from_secs(15), "{se}");
    }
}

/// Every copy of a response body a script keeps is charged.
#[test]
fn kept_copies_of_an_http_body_are_charged() {
    let env = Env::new();
    let url = big_body_server(5 << 20, true);
    let script = format!(
        "load(\"http.star\", \"http\")\nr = http.get({url:?})\nkept = [r.body() for i in range(40)]\nprint(len(kept))\n"
    );
    over_budget(
        &attack(&env, "copies.star", &script, &["--allow-private-network"]),
        "body",
    );
}

/// `save` of a transform that runs out of budget commits nothing.
#[test]
fn a_save_over_budget_commits_nothing() {
    let env = Env::new();
    let p = env.file(
        "t.star",
        r#"
load("table.star", "table")
def transform(ds):
    t = table.from_columns({"k": [1] * 60000, "v": list(range(60000))})
    ds.body = t.join(t, "k")
"#,
    );
    let out = env.run_limited(
        ULIMIT_KIB,
        &[
            "save",
            "me/joined",
            "--file",
            &env.path(&p),
            "--memory-limit",
            "100MB",
        ],
    );
    over_budget(&out, "join");
    assert_eq!(env.versions("me/joined"), 0);
}

/// A long table kernel (a sort, a grouping, a join: each several seconds
/// on 3.2 million rows in a debug build) stops within about a second of
/// the deadline, with an error, never a result.
#[test]
fn a_timeout_stops_long_table_kernels() {
    let env = Env::new();
    for (name, kernel) in [
        (
            "sort.star",
            "t.sort_by([\"y\", \"x\"], descending = [True, False])",
        ),
        (
            "group.star",
            "t.group_by(\"y\", \"x\").agg({\"x\": \"count\"})",
        ),
        ("join.star", "t.join(t.select(\"x\"), \"x\")"),
    ] {
        let script = format!(
            r#"
load("table.star", "table")
def run():
    t = table.from_columns({{"x": list(range(100000))}})
    t = t.with_column("y", t["x"] * 7919 % 100003)
    for i in range(5):
        t = t.concat(t)
    for i in range(100):
        r = {kernel}
    print("finished", len(r))
run()
"#
        );
        let p = env.file(name, &script);
        let start = Instant::now();
        let out = env.run_limited(
            ULIMIT_KIB,
            &[
                "apply",
                &env.path(&p),
                "--memory-limit",
                "0",
                "--timeout",
                "1s",
            ],
        );
        let took = start.elapsed();
        let se = refused(&out);
        assert!(se.contains("timed out"), "{name}: {se}");
        assert!(!text(&out.stdout).contains("finished"), "{name}");
        assert!(
            took < Duration::from_millis(2500),
            "{name} took {took:?}: {se}"
        );
    }
}

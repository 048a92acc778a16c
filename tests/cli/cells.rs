//! `quarry apply --cells` and `quarry notebook` through the real binary: each
//! cell's output, value, time and error; the notebook's token, host check,
//! state, table pages, edits written to the file, file edits re-run, and Save.

use crate::common::{text, Env};
use serde_json::Value as Json;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const CELLS: &str = r#"load("table.star", "table")
rows = [[1, "a"], [2, "b"], [3, "c"]]
print("loaded", len(rows))
# %% Build a table
t = table.from_rows(rows, columns=["n", "s"])
print("built")
t
---
total = rows[0][0] + rows[1][0] + rows[2][0]
"total=%d" % total
# %%
def transform(ds):
    print("in transform")
    ds.set_body(t)
"#;

#[test]
fn apply_cells_shows_each_cells_output_value_and_time_then_the_preview() {
    let env = Env::new();
    let f = env.file("cells.star", CELLS);
    let out = env.ok(&["apply", "--cells", &env.path(&f), "me/cells"]);
    // Cell headings in order, with their lines and times.
    let h1 = out.find("── cell 1 of 4 (line 1) · ").expect(&out);
    let h2 = out
        .find("── cell 2 of 4: Build a table (line 5) · ")
        .expect(&out);
    let h3 = out.find("── cell 3 of 4 (line 9) · ").expect(&out);
    let h4 = out.find("── cell 4 of 4 (line 12) · ").expect(&out);
    let ht = out.find("── transform(ds) · ").expect(&out);
    assert!(h1 < h2 && h2 < h3 && h3 < h4 && h4 < ht, "{out}");
    // Prints grouped under their cell; the table value with its row count.
    let loaded = out.find("  loaded 3").expect(&out);
    assert!(h1 < loaded && loaded < h2, "{out}");
    let built = out.find("  built").expect(&out);
    assert!(h2 < built && built < h3, "{out}");
    assert!(out.contains("  => table, 3 rows"), "{out}");
    assert!(out.contains("  => \"total=6\""), "{out}");
    let tr = out.find("  in transform").expect(&out);
    assert!(ht < tr, "{out}");
    // Then the preview as apply shows it; nothing committed.
    assert!(out.contains("2 columns, 3 rows"), "{out}");
    assert!(out.contains("dry run: nothing was committed"), "{out}");
    assert!(env.fails(&["log", "me/cells"]).contains("me/cells"));
}

#[test]
fn a_failing_cell_reports_its_error_at_the_files_line_and_skips_the_rest() {
    let env = Env::new();
    let f = env.file(
        "bad.star",
        "x = 1\n---\nprint('two')\ny = x + 'a'\n---\nprint('never')\ndef transform(ds):\n    pass\n",
    );
    let out = env.run(&["apply", "--cells", &env.path(&f), "me/bad"]);
    assert_eq!(out.status.code(), Some(1));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        stdout.contains("── cell 2 of 3 (line 3) · failed after"),
        "{stdout}"
    );
    assert!(stdout.contains("  two"), "{stdout}");
    assert!(
        stdout.contains("── cell 3 of 3 (line 6) · skipped"),
        "{stdout}"
    );
    assert!(stdout.contains("── transform(ds) · skipped"), "{stdout}");
    assert!(!stdout.contains("never"), "{stdout}");
    // The full error: the file's own line and column, the line and a caret.
    assert!(stderr.contains("bad.star:4:7: "), "{stderr}");
    assert!(stderr.contains("y = x + 'a'\n      ^"), "{stderr}");
    assert!(env.fails(&["log", "me/bad"]).contains("me/bad"));
}

#[test]
fn apply_cells_json_is_one_document_with_every_cell() {
    let env = Env::new();
    let f = env.file("cells.star", CELLS);
    let j = env.json(&["apply", "--cells", &env.path(&f), "me/cells"]);
    let cells = j["cells"].as_array().expect("cells");
    assert_eq!(cells.len(), 5, "{j}");
    assert_eq!(cells[0]["output"], "loaded 3\n");
    assert_eq!(cells[1]["title"], "Build a table");
    assert_eq!(cells[1]["value"]["kind"], "table");
    assert_eq!(cells[1]["value"]["rows"], 3);
    assert_eq!(cells[1]["value"]["head"][2][1], "c");
    assert_eq!(cells[2]["value"]["text"], "\"total=6\"");
    assert_eq!(cells[4]["title"], "transform(ds)");
    assert!(cells.iter().all(|c| c["status"] == "ok"), "{j}");
    assert!(cells[0]["elapsed_ms"].as_f64().is_some());
    assert_eq!(j["preview"]["rows"], 3);
    assert_eq!(j["committed"], false);

    // A failure: the cells on standard output, the error on standard error.
    let bad = env.file("bad.star", "x = 1\n---\nfail('stop here')\n---\nx\n");
    let out = env.run(&["--json", "apply", "--cells", &env.path(&bad)]);
    assert_eq!(out.status.code(), Some(1));
    let doc: Json = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    let statuses: Vec<&str> = doc["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["ok", "failed", "skipped", "skipped"]);
    assert!(doc["cells"][1]["error"]
        .as_str()
        .unwrap()
        .contains("stop here"));
    let err: Json = serde_json::from_slice(&out.stderr).expect("stderr is JSON");
    assert!(
        err["error"].as_str().unwrap().contains("bad.star:3:5"),
        "{err}"
    );
}

#[test]
fn cells_share_globals_and_a_later_cell_can_rebind_an_earlier_global() {
    let env = Env::new();
    let f = env.file(
        "qri.star",
        "n = 1\nitems = []\n---\nn = n + 1\nitems.append(n)\n---\ndef transform(ds):\n    ds.set_body([['n'], [n], [len(items)]])\n",
    );
    let j = env.json(&["apply", "--cells", &env.path(&f), "me/q"]);
    assert_eq!(
        j["preview"]["head"],
        serde_json::json!([["2"], ["1"]]),
        "{j}"
    );
    // The module is frozen when the last cell ends, as when a file ends.
    let frozen = env.file(
        "frozen.star",
        "items = []\n---\ndef transform(ds):\n    items.append(1)\n",
    );
    let err = env.fails(&["apply", "--cells", &env.path(&frozen)]);
    assert!(err.contains("frozen"), "{err}");
}

/// A running `quarry notebook` and its URL.
struct Notebook {
    child: Child,
    port: u16,
    token: String,
}

impl Drop for Notebook {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Notebook {
    fn start(env: &Env, args: &[&str]) -> Notebook {
        let mut child = env
            .quarry()
            .arg("notebook")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim();
        let rest = url.strip_prefix("http://127.0.0.1:").expect(url);
        let (port, token) = rest.split_once("/?token=").expect(url);
        Notebook {
            child,
            port: port.parse().unwrap(),
            token: token.to_string(),
        }
    }

    /// One HTTP/1.1 request; returns the status and body.
    fn request(
        &self,
        method: &str,
        path: &str,
        host: &str,
        token: bool,
        body: &str,
    ) -> (u16, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let auth = if token {
            format!("X-Quarry-Token: {}\r\n", self.token)
        } else {
            String::new()
        };
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut resp = String::new();
        s.read_to_string(&mut resp).unwrap();
        let status = resp[9..12].parse().unwrap();
        let body = resp
            .split_once("\r\n\r\n")
            .map(|x| x.1)
            .unwrap_or("")
            .to_string();
        (status, body)
    }

    fn get(&self, path: &str) -> (u16, String) {
        self.request("GET", path, &format!("127.0.0.1:{}", self.port), true, "")
    }

    fn post(&self, path: &str, body: &str) -> u16 {
        self.request(
            "POST",
            path,
            &format!("127.0.0.1:{}", self.port),
            true,
            body,
        )
        .0
    }

    /// The state once `done` holds for it (panics after 30 s).
    fn wait(&self, what: &str, done: impl Fn(&Json) -> bool) -> Json {
        let start = Instant::now();
        loop {
            let (status, body) = self.get("/api/state");
            assert_eq!(status, 200, "{body}");
            let s: Json = serde_json::from_str(&body).unwrap();
            if done(&s) {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "waiting for {what}: {s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn finished(s: &Json) -> bool {
    s["running"] == false && (s["preview"].is_object() || s["error"].is_string())
}

#[test]
fn the_notebook_refuses_requests_without_its_token_or_from_another_host() {
    let env = Env::new();
    let f = env.file("cells.star", CELLS);
    let nb = Notebook::start(&env, &[&env.path(&f)]);
    assert_eq!(nb.token.len(), 32);
    let host = format!("127.0.0.1:{}", nb.port);
    let (status, body) = nb.request("GET", "/api/state", &host, false, "");
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("token"), "{body}");
    let (status, _) = nb.request("GET", "/?token=wrong", &host, false, "");
    assert_eq!(status, 403);
    // A page of another site that resolves its own name to 127.0.0.1.
    let (status, body) = nb.request("GET", "/api/state", "evil.example:80", true, "");
    assert_eq!(status, 403, "{body}");
    let (status, page) = nb.request("GET", &format!("/?token={}", nb.token), &host, false, "");
    assert_eq!(status, 200);
    assert!(page.contains("Run all"), "{page}");
}

#[test]
fn the_notebook_runs_the_file_shows_cells_and_profiles_follows_edits_and_saves() {
    let env = Env::new();
    let f = env.file("cells.star", CELLS);
    let nb = Notebook::start(&env, &[&env.path(&f), "me/nb", "--limit", "2"]);
    let s = nb.wait("the first run", finished);
    assert_eq!(s["error"], Json::Null, "{s}");
    let cells = s["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 4);
    assert_eq!(cells[0]["report"]["output"], "loaded 3\n");
    assert_eq!(cells[1]["title"], "Build a table");
    assert_eq!(cells[1]["report"]["value"]["rows"], 3);
    // The table's profile: type, nulls, min/max, distinct, histogram.
    let n = &cells[1]["profile"][0];
    assert_eq!(
        (n["name"].as_str(), n["type"].as_str()),
        (Some("n"), Some("int"))
    );
    assert_eq!(
        (n["min"].as_str(), n["max"].as_str()),
        (Some("1"), Some("3"))
    );
    assert_eq!(n["distinct"], 3);
    assert_eq!(
        n["histogram"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_u64().unwrap())
            .sum::<u64>(),
        3
    );
    // Pages of the table, `--limit` rows at a time.
    let (status, page) = nb.get("/api/table?cell=1&offset=2");
    assert_eq!(status, 200, "{page}");
    let page: Json = serde_json::from_str(&page).unwrap();
    assert_eq!(page["head"], serde_json::json!([["3", "c"]]));
    assert_eq!(s["transform"]["output"], "in transform\n");
    assert_eq!(s["preview"]["rows"], 3);
    assert_eq!(s["can_save"], true);

    // An edit made in the page is written to the file and re-runs it.
    let seq = s["seq"].as_u64().unwrap();
    let edited = r#"total = (rows[0][0] + rows[1][0] + rows[2][0]) * 10
"total=%d" % total
"#;
    let body = serde_json::json!({"index": 2, "code": edited}).to_string();
    assert_eq!(nb.post("/api/cell", &body), 202);
    let s = nb.wait("the edit's run", |s| {
        s["seq"].as_u64().unwrap() > seq && finished(s) && s["cells"][2]["report"].is_object()
    });
    assert_eq!(
        s["cells"][2]["report"]["value"]["text"], "\"total=60\"",
        "{s}"
    );
    let on_disk = std::fs::read_to_string(&f).unwrap();
    assert!(on_disk.contains("* 10\n"), "{on_disk}");
    assert!(on_disk.contains("# %% Build a table\n"), "{on_disk}");

    // An edit made to the file re-runs it.
    std::fs::write(
        &f,
        on_disk.replace("print(\"built\")", "print(\"built again\")"),
    )
    .unwrap();
    let s = nb.wait("the file edit's run", |s| {
        finished(s) && s["cells"][1]["report"]["output"] == "built again\n"
    });
    assert_eq!(s["error"], Json::Null);

    // Save commits through the same path as `quarry save`.
    assert_eq!(nb.post("/api/save", ""), 202);
    let s = nb.wait("the save", |s| {
        s["saved"].is_string() || s["save_error"].is_string()
    });
    assert!(
        s["saved"]
            .as_str()
            .unwrap_or_default()
            .starts_with("saved me/nb@"),
        "{s}"
    );
    let log = env.json(&["log", "me/nb"]);
    assert_eq!(log.as_array().unwrap().len(), 1, "{log}");
}

#[test]
fn a_new_run_cancels_the_one_in_progress() {
    let env = Env::new();
    let f = env.file(
        "slow.star",
        "def spin():\n    n = 0\n    while True:\n        n += 1\n---\nspin()\n",
    );
    let nb = Notebook::start(&env, &[&env.path(&f)]);
    nb.wait("the slow run to start", |s| s["running"] == true);
    // Replace the endless cell; the run in progress is cancelled, the new one finishes.
    std::fs::write(&f, "def spin():\n    pass\n---\nspin()\n\"done\"\n").unwrap();
    let s = nb.wait("the new run", |s| {
        finished(s) && s["cells"][1]["report"]["value"]["text"] == "\"done\""
    });
    assert_eq!(s["error"], Json::Null, "{s}");
}

#[test]
fn editing_a_later_cell_does_not_repeat_an_earlier_download() {
    let env = Env::new();
    let (url, hits) = crate::common::json_server(r#"[{"a": 1}, {"a": 2}]"#);
    let f = env.file(
        "fetch.star",
        &format!(
            "load('http.star', 'http')\nrows = http.get('{url}').json()\n# %% Count\nprint('rows:', len(rows))\n"
        ),
    );
    let nb = Notebook::start(&env, &[&env.path(&f), "--allow-private-network"]);
    let s = nb.wait("the first run", finished);
    assert_eq!(s["cells"][1]["report"]["output"], "rows: 2\n", "{s}");
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 1);

    // Edit the second cell: the first (the download) is reused, not repeated.
    let text = std::fs::read_to_string(&f).unwrap();
    std::fs::write(&f, text.replace("'rows:'", "'row count:'")).unwrap();
    let s = nb.wait("the edit's run", |s| {
        finished(s) && s["cells"][1]["report"]["output"] == "row count: 2\n"
    });
    assert_eq!(s["cells"][0]["report"]["status"], "reused", "{s}");
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 1);

    // Run cell 2: still reused. Run all: everything runs again.
    let seq = s["seq"].as_u64().unwrap();
    assert_eq!(nb.post("/api/run?from=1", ""), 202);
    let s = nb.wait("run from cell 2", |s| {
        s["seq"].as_u64().unwrap() > seq && finished(s) && s["cells"][1]["report"].is_object()
    });
    assert_eq!(s["cells"][0]["report"]["status"], "reused", "{s}");
    let seq = s["seq"].as_u64().unwrap();
    assert_eq!(nb.post("/api/run", ""), 202);
    let s = nb.wait("run all", |s| {
        s["seq"].as_u64().unwrap() > seq && finished(s) && s["cells"][1]["report"].is_object()
    });
    assert_eq!(s["cells"][0]["report"]["status"], "ok", "{s}");
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 2);
}

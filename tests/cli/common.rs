//! What the command-line tests share: an environment with its own store
//! (`--repo`) and transform directory, and the real `quarry` binary run in it.

// Each test file uses the part of this it needs.
#![allow(dead_code)]

use serde_json::Value as Json;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Text of a process's output.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Serves `body` as JSON to every request on 127.0.0.1; returns the URL
/// and the number of requests served so far.
pub fn json_server(body: &'static str) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut reader = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            counter.fetch_add(1, Ordering::SeqCst);
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (format!("http://{addr}/stations.json"), hits)
}

/// A store and a transform directory, both temporary.
pub struct Env {
    /// The store directory.
    pub home: tempfile::TempDir,
    /// The transform directory (the working directory of every run).
    pub dir: tempfile::TempDir,
}

impl Env {
    /// A fresh store and directory.
    pub fn new() -> Env {
        Env {
            home: tempfile::tempdir().unwrap(),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// Writes a file into the transform directory.
    pub fn file(&self, name: &str, body: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        p
    }

    /// A path as an argument.
    pub fn path(&self, p: &Path) -> String {
        p.display().to_string()
    }

    /// `quarry --repo STORE` in the transform directory, ignoring `$QUARRY_HOME`.
    pub fn quarry(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_quarry"));
        c.arg("--repo").arg(self.home.path());
        c.env_remove("QUARRY_HOME");
        c.current_dir(self.dir.path());
        c
    }

    /// How many versions `name` has (0 when it does not exist).
    pub fn versions(&self, name: &str) -> usize {
        let list = self.json(&["list"]);
        list.as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == name)
            .map(|d| d["versions"].as_u64().unwrap() as usize)
            .unwrap_or(0)
    }

    /// Runs `quarry ARGS`.
    pub fn run(&self, args: &[&str]) -> Output {
        self.quarry().args(args).output().unwrap()
    }

    /// Runs `quarry ARGS` in the transform directory under a virtual-memory
    /// limit (`ulimit -v`) of `kib` KiB, so a failed limit cannot take the
    /// machine down.
    pub fn run_limited(&self, kib: u64, args: &[&str]) -> Output {
        let mut cmd = format!(
            "ulimit -v {kib}; exec '{}' --repo '{}'",
            env!("CARGO_BIN_EXE_quarry"),
            self.home.path().display()
        );
        for a in args {
            cmd.push_str(&format!(" '{}'", a.replace('\'', "'\\''")));
        }
        Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .current_dir(self.dir.path())
            .env_remove("QUARRY_HOME")
            .output()
            .unwrap()
    }

    /// Runs `quarry ARGS` in `cwd`.
    pub fn run_in(&self, cwd: &Path, args: &[&str]) -> Output {
        self.quarry().current_dir(cwd).args(args).output().unwrap()
    }

    /// Runs and expects exit 0; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "quarry {args:?}\nstdout: {}\nstderr: {}",
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    /// Runs and expects exit 1; returns stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "quarry {args:?} should fail\nstdout: {}\nstderr: {}",
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stderr)
    }

    /// Runs with `--json`, expects exit 0, and parses standard output.
    pub fn json(&self, args: &[&str]) -> Json {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        let out = self.ok(&a);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
    }
}

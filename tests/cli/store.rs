//! The dataset store through the real `quarry` binary, as a user meets it:
//! a lost metadata database (fsck, `fsck --rebuild`), `gc`, `remove`'s
//! limits, read-only commands on a mistyped `--repo`, Parquet from pandas,
//! `get -o` and `export -o`, corrupt blobs a save would reuse, and diffs
//! with nothing to compare. Each test has its own store.

use crate::common::{text, Env};
use serde_json::Value as Json;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};

/// What these tests add to the shared environment.
trait StoreEnv {
    fn repo(&self) -> &Path;
    /// A path in the transform directory, as an argument.
    fn out(&self, name: &str) -> String;
    /// `quarry --repo REPO ARGS`, for another store directory.
    fn run_at(&self, repo: &Path, args: &[&str]) -> Output;
    /// Runs and expects exit `code`; returns (stdout, stderr).
    fn expect(&self, code: i32, args: &[&str]) -> (String, String);
    /// Saves `csv` as the next version of `name`; returns what save printed.
    fn save_csv(&self, name: &str, csv: &str) -> String;
    fn log_len(&self, name: &str) -> usize;
    /// Every blob file in the store.
    fn blob_files(&self) -> Vec<PathBuf>;
    /// Flips a byte in the middle of the body blob of `name`'s head.
    fn corrupt_head_body(&self, name: &str);
}

impl StoreEnv for Env {
    fn repo(&self) -> &Path {
        self.home.path()
    }

    fn out(&self, name: &str) -> String {
        self.path(&self.dir.path().join(name))
    }

    fn run_at(&self, repo: &Path, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_quarry"))
            .arg("--repo")
            .arg(repo)
            .args(args)
            .env_remove("QUARRY_HOME")
            .current_dir(self.dir.path())
            .output()
            .unwrap()
    }

    fn expect(&self, code: i32, args: &[&str]) -> (String, String) {
        let out = self.run(args);
        let (o, e) = (text(&out.stdout), text(&out.stderr));
        assert_eq!(
            out.status.code(),
            Some(code),
            "quarry {args:?}\nstdout: {o}\nstderr: {e}"
        );
        (o, e)
    }

    fn save_csv(&self, name: &str, csv: &str) -> String {
        let p = self.file("body.csv", csv);
        self.ok(&["save", name, "--body", &self.path(&p)])
    }

    fn log_len(&self, name: &str) -> usize {
        self.json(&["log", name]).as_array().unwrap().len()
    }

    fn blob_files(&self) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for shard in std::fs::read_dir(self.repo().join("blobs")).unwrap() {
            let shard = shard.unwrap().path();
            if shard.file_name().unwrap() == "tmp" {
                continue;
            }
            for f in std::fs::read_dir(&shard).unwrap() {
                out.push(f.unwrap().path());
            }
        }
        out
    }

    fn corrupt_head_body(&self, name: &str) {
        let hash = self.json(&["log", name])[0]["body"]
            .as_str()
            .unwrap()
            .to_string();
        let blob = self.repo().join("blobs").join(&hash[..2]).join(&hash[2..]);
        let mut bytes = std::fs::read(&blob).unwrap();
        let n = bytes.len();
        bytes[n / 2] ^= 0xff;
        std::fs::write(&blob, bytes).unwrap();
    }
}

fn pyarrow() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import pyarrow.parquet"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        if std::env::var_os("CI").is_some() {
            panic!("python3 with pyarrow is required in CI: pip install pyarrow");
        }
        eprintln!("SKIPPED: python3 with pyarrow not found (pip install pyarrow)");
    }
    ok
}

#[test]
fn fsck_reports_an_emptied_database_and_rebuild_restores_it() {
    let env = Env::new();
    env.save_csv("me/t", "id,name\n1,a\n");
    env.save_csv("me/t", "id,name\n1,a\n2,b\n");
    std::fs::File::options()
        .write(true)
        .open(env.repo().join("quarry.db"))
        .unwrap()
        .set_len(0)
        .unwrap();
    for side in ["quarry.db-wal", "quarry.db-shm"] {
        let _ = std::fs::remove_file(env.repo().join(side));
    }
    // fsck says so and fails; writes and reads are refused, naming the fix.
    let (out, _) = env.expect(1, &["fsck"]);
    assert!(out.contains("lost its history"), "{out}");
    assert!(out.contains("quarry fsck --rebuild"), "{out}");
    assert!(!out.lines().any(|l| l == "ok"), "{out}");
    let p = env.path(&env.file("next.csv", "id,name\n9,z\n"));
    let (_, err) = env.expect(1, &["save", "me/t", "--body", &p]);
    assert!(err.contains("quarry fsck --rebuild"), "{err}");
    let (_, err) = env.expect(1, &["log", "me/t"]);
    assert!(err.contains("lost its history"), "{err}");
    env.expect(1, &["gc", "--grace", "0"]);
    assert!(!env.blob_files().is_empty(), "nothing was collected");

    let out = env.ok(&["fsck", "--rebuild"]);
    assert!(out.contains("rebuilt 1 datasets, 2 versions"), "{out}");
    assert!(out.lines().any(|l| l == "ok"), "{out}");
    assert_eq!(env.log_len("me/t"), 2);
    let out = env.save_csv("me/t", "id,name\n3,c\n");
    assert!(out.contains("version 3"), "{out}");
    // Under --json: what was rebuilt, then the check.
    let j = env.json(&["fsck", "--rebuild"]);
    assert_eq!(j["rebuild"]["datasets"][0]["name"], "me/t");
    assert_eq!(j["rebuild"]["versions"], 3);
    assert_eq!(j["fsck"]["problems"], serde_json::json!([]));
}

#[test]
fn gc_reclaims_what_remove_all_and_killed_saves_left() {
    let env = Env::new();
    let rows: String = (0..5000).map(|i| format!("{i},name-{i}\n")).collect();
    env.save_csv("me/big", &format!("id,name\n{rows}"));
    env.save_csv("me/keep", "id\n1\n");
    env.ok(&["remove", "me/big", "--all"]);
    // A killed save's temporary file, an hour old, and a fresh one.
    let tmp = env.repo().join("blobs/tmp");
    let old = tmp.join("1-0-0.tmp");
    std::fs::write(&old, vec![7u8; 1000]).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&old)
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_secs(7200))
        .unwrap();
    std::fs::write(tmp.join("2-0-0.tmp"), b"a save in progress").unwrap();
    let before = env.blob_files().len();

    // The default grace keeps the fresh blobs of the removed dataset (a
    // save may be reusing them) and the fresh temporary file.
    let j = env.json(&["gc"]);
    assert_eq!(j["blobs_removed"], 0, "{j}");
    assert_eq!(j["temp_files_removed"], 1, "{j}");
    assert_eq!(j["bytes_freed"], 1000, "{j}");
    assert_eq!(j["grace_seconds"], 3600, "{j}");
    assert!(!old.exists() && tmp.join("2-0-0.tmp").exists());

    let out = env.ok(&["gc", "--grace", "0"]);
    assert!(
        out.starts_with("removed 4 unreferenced blobs and 1 temporary files"),
        "{out}"
    );
    assert_eq!(env.blob_files().len(), before - 4);
    // What is referenced stays; the store is sound.
    assert_eq!(
        env.ok(&["get", "body", "me/keep", "--format", "csv"]),
        "id\n1\n"
    );
    let f = env.json(&["fsck"]);
    assert_eq!(f["problems"], serde_json::json!([]));
    assert_eq!(f["unreferenced_blobs"], serde_json::json!([]));
}

#[test]
fn remove_of_as_many_revisions_as_there_are_is_misuse_without_all() {
    let env = Env::new();
    env.save_csv("me/r", "x\n1\n");
    env.save_csv("me/r", "x\n2\n");
    for n in ["2", "5"] {
        let (_, err) = env.expect(2, &["remove", "me/r", "--revisions", n]);
        assert!(
            err.contains("has 2 versions") && err.contains("--all"),
            "{err}"
        );
        assert_eq!(env.log_len("me/r"), 2);
    }
    env.ok(&["remove", "me/r", "--revisions", "1"]);
    assert_eq!(env.log_len("me/r"), 1);
    let out = env.ok(&["remove", "me/r", "--all"]);
    assert!(out.contains("removed me/r entirely"), "{out}");
}

#[test]
fn read_only_commands_on_a_mistyped_repo_create_nothing() {
    let env = Env::new();
    env.save_csv("me/x", "x\n1\n");
    let typo = env.dir.path().join("no-such-store");
    let out_file = env.out("out.csv");
    let commands: [&[&str]; 8] = [
        &["get", "me/x"],
        &["log", "me/x"],
        &["list"],
        &["fsck"],
        &["diff", "me/x", "me/x"],
        &["export", "me/x", "-o", &out_file],
        &["remove", "me/x", "--all"],
        &["gc"],
    ];
    for args in commands {
        let out = env.run_at(&typo, args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!("no store at {}", typo.display())),
            "{args:?}: {err}"
        );
        assert!(!typo.exists(), "{args:?} created {}", typo.display());
    }
    assert!(!Path::new(&out_file).exists());
    // An existing directory without a store reads as an empty one, and
    // nothing is created in it.
    let empty = tempfile::tempdir().unwrap();
    let out = env.run_at(empty.path(), &["list"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).starts_with("no datasets in"));
    let out = env.run_at(empty.path(), &["get", "me/x"]);
    assert!(text(&out.stderr).contains("dataset not found: me/x"));
    assert_eq!(std::fs::read_dir(empty.path()).unwrap().count(), 0);
}

#[test]
fn get_body_to_a_file_writes_the_format_its_extension_names() {
    let env = Env::new();
    let csv = "id,name\n1,a\n2,b\n";
    env.save_csv("me/g", csv);
    let out = env.out("out.csv");
    env.ok(&["get", "body", "me/g", "-o", &out]);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), csv);
    let out = env.out("out.json");
    env.ok(&["get", "body", "me/g", "-o", &out]);
    let j: Json = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(j[1]["name"], "b");
    // Parquet: the stored file itself, which imports again.
    let out = env.out("out.parquet");
    env.ok(&["get", "body", "me/g", "-o", &out]);
    assert_eq!(&std::fs::read(&out).unwrap()[..4], b"PAR1");
    env.ok(&["save", "me/g2", "--body", &out]);
    assert_eq!(env.ok(&["get", "body", "me/g2", "--format", "csv"]), csv);
    // With no format in the name, the table as on a terminal.
    let out = env.out("out.txt");
    env.ok(&["get", "body", "me/g", "-o", &out]);
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .starts_with("id  name"));
}

#[test]
fn failed_get_and_export_leave_no_file_behind() {
    let env = Env::new();
    env.save_csv("me/e", "id\n1\n");
    for cmd in ["get", "export"] {
        let out = env.out(&format!("{cmd}.csv"));
        let args: Vec<&str> = match cmd {
            "get" => vec!["get", "body", "me/nope", "-o", &out],
            _ => vec!["export", "me/nope", "-o", &out],
        };
        env.expect(1, &args);
        assert!(!Path::new(&out).exists(), "{cmd} left {out}");
    }
    // A failure halfway (a corrupt body) leaves an existing file as it was.
    let out = env.path(&env.file("keep.csv", "precious\n"));
    env.corrupt_head_body("me/e");
    let (_, err) = env.expect(1, &["export", "me/e", "-o", &out]);
    assert!(err.contains("corrupt"), "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "precious\n");
    let leftovers: Vec<_> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_save_over_a_corrupt_blob_commits_a_readable_head() {
    let env = Env::new();
    let rows: String = (0..2000).map(|i| format!("{i},v{i}\n")).collect();
    let csv = format!("id,v\n{rows}");
    env.save_csv("me/a", &csv);
    env.corrupt_head_body("me/a");
    // The same body again: written anew, not "unchanged" on a broken blob.
    let out = env.save_csv("me/b", &csv);
    assert!(!out.contains("body unchanged"), "{out}");
    assert_eq!(env.ok(&["get", "body", "me/b", "--format", "csv"]), csv);
    assert_eq!(env.ok(&["get", "body", "me/a", "--format", "csv"]), csv);
    env.ok(&["fsck"]);
}

#[test]
fn positional_diff_with_no_shared_columns_says_so() {
    let env = Env::new();
    env.save_csv("me/d", "a\n1\n2\n");
    env.save_csv("me/d", "b\nx\ny\n");
    let out = env.ok(&["diff", "me/d@~1", "me/d"]);
    assert!(out.contains("no columns in common to compare"), "{out}");
    assert!(out.contains("~2 changed, 0 unchanged"), "{out}");
    assert!(!out.contains("2 rows unchanged"), "{out}");
    let j = env.json(&["diff", "me/d"]);
    assert_eq!(j["body"]["incomparable"], true);
    assert_eq!(j["body"]["changed"], 2);
}

#[test]
fn save_body_reads_parquet_written_by_pyarrow_and_reports_a_bad_one_once() {
    if !pyarrow() {
        return;
    }
    let env = Env::new();
    let good = env.out("pandas.parquet");
    let bad = env.out("damaged.parquet");
    let script = r#"
import sys
import pyarrow as pa, pyarrow.parquet as pq
n = 20000
t = pa.table({"id": list(range(n)), "name": ["n%d" % i for i in range(n)]})
pq.write_table(t, sys.argv[1])
pq.write_table(t, sys.argv[2], use_dictionary=False)
b = bytearray(open(sys.argv[2], "rb").read())
for i in range(100, 3000, 7):
    b[i] ^= 0x5a
open(sys.argv[2], "wb").write(b)
"#;
    let out = Command::new("python3")
        .args(["-c", script, &good, &bad])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let saved = env.ok(&["save", "me/pd", "--body", &good]);
    assert!(saved.contains("20000 rows"), "{saved}");
    let (_, err) = env.expect(1, &["save", "me/bad", "--body", &bad]);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("damaged.parquet"), "{err}");
    // The cause is said once.
    let cause = err.rsplit(": ").next().unwrap();
    assert_eq!(err.matches(cause).count(), 1, "{err}");
}

/// `export -o x.tsv` writes tabs, as the file's name says (`.csv` commas);
/// a field holding a tab is quoted.
#[test]
fn export_to_a_tsv_file_writes_tabs() {
    let env = Env::new();
    env.save_csv("me/x", "name,note\nada,\"a\tb\"\nbob,plain\n");
    let tsv = env.out("x.tsv");
    env.ok(&["export", "me/x", "-o", &tsv]);
    assert_eq!(
        std::fs::read_to_string(&tsv).unwrap(),
        "name\tnote\nada\t\"a\tb\"\nbob\tplain\n"
    );
    let csv = env.out("x.csv");
    env.ok(&["export", "me/x", "-o", &csv]);
    assert_eq!(
        std::fs::read_to_string(&csv).unwrap(),
        "name,note\nada,a\tb\nbob,plain\n"
    );
}

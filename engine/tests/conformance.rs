//! starlark-go's own test files, run through Quarry's engine with a faithful
//! re-implementation of starlark-go's chunked-test harness. The files are read
//! from Debian's golang-starlark-dev package; nothing is copied into the repo.

use engine::starlarktest::{conformance_predeclared, Harness, Mode, ASSERT_STAR};
use std::path::{Path, PathBuf};
use std::rc::Rc;

const ROOT: &str = "/usr/share/gocode/src/go.starlark.net";

fn root() -> PathBuf {
    let root = PathBuf::from(std::env::var("STARLARK_GO_SRC").unwrap_or_else(|_| ROOT.into()));
    assert!(
        root.join("starlark/testdata").is_dir(),
        "starlark-go's test files are missing at {}: install them with \
         `apt-get install golang-starlark-dev` (or set STARLARK_GO_SRC)",
        root.display()
    );
    root
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

fn run(rel: &str, mode: Mode, assert_source: &str) -> engine::starlarktest::FileReport {
    let root = root();
    let path = root.join(rel);
    let harness = Harness {
        assert_source,
        modules: Rc::new(engine::starlarktest::library_provider),
        predeclared: &conformance_predeclared,
        max_steps: 50_000_000,
        // The packaged test files are from 2021: use that API surface.
        legacy_api: true,
    };
    harness.run_file(&path.display().to_string(), &read(&path), mode)
}

const EXEC_FILES: &[&str] = &[
    "assign.star",
    "bool.star",
    "builtins.star",
    "control.star",
    "dict.star",
    "float.star",
    "function.star",
    "int.star",
    "json.star",
    "list.star",
    "misc.star",
    "module.star",
    "recursion.star",
    "set.star",
    "string.star",
    "tuple.star",
];

fn check_all(assert_source: &str) {
    let mut failed = Vec::new();
    let mut chunks = 0;
    let mut files: Vec<(String, Mode)> = EXEC_FILES
        .iter()
        .map(|f| (format!("starlark/testdata/{f}"), Mode::Exec))
        .collect();
    files.push(("resolve/testdata/resolve.star".into(), Mode::Resolve));
    files.push(("syntax/testdata/errors.star".into(), Mode::Parse));
    for (rel, mode) in &files {
        let report = run(rel, *mode, assert_source);
        chunks += report.chunks;
        eprintln!(
            "{} {rel} ({} chunks)",
            if report.passed() { "PASS" } else { "FAIL" },
            report.chunks
        );
        for f in &report.failures {
            eprintln!("    {f}");
        }
        if !report.passed() {
            failed.push(rel.clone());
        }
    }
    eprintln!("{} files, {chunks} chunks", files.len());
    assert!(failed.is_empty(), "conformance failures in: {failed:?}");
}

#[test]
fn starlark_go_test_files_pass_with_their_own_assert_module() {
    let assert_source = read(&root().join("starlarktest/assert.star"));
    check_all(&assert_source);
}

#[test]
fn starlark_go_test_files_pass_with_quarrys_assert_module() {
    check_all(ASSERT_STAR);
}

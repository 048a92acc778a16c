//! `quarry test FILE.star...`: run chunked Starlark test files with the same
//! harness as the engine's conformance suite.

use super::Context;
use crate::report::{TestFileReport, TestReport};
use anyhow::{Context as _, Result};
use engine::starlarktest::{conformance_predeclared, Harness, Mode, ASSERT_STAR};
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;

/// What `quarry test` checks in each chunk.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum TestMode {
    /// Parse, resolve and run.
    Exec,
    /// Parse and resolve only (expected errors are static errors).
    Resolve,
    /// Parse only (expected errors are syntax errors).
    Parse,
}

/// `quarry test`'s arguments: the files and how to run them.
#[derive(clap::Args)]
pub struct TestArgs {
    /// Test files.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// What to check: run the chunks (exec), or only resolve or parse them.
    #[arg(long, value_enum, default_value_t = TestMode::Exec)]
    pub mode: TestMode,
    /// Use starlark-go 2021's API surface (sets with only `union`, json
    /// without `encode_indent`, `# option:recursion` also allowing while
    /// loops), as the packaged starlark-go test files expect.
    #[arg(long)]
    pub legacy_api: bool,
    /// The starlib release whose modules the files load (a semver
    /// requirement such as `1`; default: the newest).
    #[arg(long, value_name = "REQ")]
    pub starlib: Option<String>,
    /// Let `http` reach loopback and private addresses, for tests
    /// against a local server.
    #[arg(long)]
    pub allow_private_network: bool,
    /// Predeclare NAME as the string TEXT in every file (e.g. a test
    /// server's URL); repeatable.
    #[arg(long = "var", value_name = "NAME=TEXT", value_parser = super::options::parse_key_value)]
    pub vars: Vec<(String, String)>,
    /// Predeclare NAME as the contents of the file PATH (bytes as a
    /// string, e.g. a zip archive); repeatable.
    #[arg(long = "var-file", value_name = "NAME=PATH", value_parser = super::options::parse_key_value)]
    pub var_files: Vec<(String, String)>,
}

/// Test files load the chosen starlib release's modules; under the legacy
/// API, `json.star` and `math.star` are the engine's modules instead (which
/// the harness shows with their 2021 API).
fn modules(
    legacy_api: bool,
    release: &'static starlib::Release,
    host: &Rc<starlib::HostConfig>,
    thread: &mut engine::Thread,
    name: &str,
) -> Option<engine::error::Result<engine::Members>> {
    if legacy_api {
        if let Some(m) = engine::starlarktest::library_provider(thread, name) {
            return Some(m);
        }
    }
    Some(release.load_module(thread, name, host))
}

/// Runs each file, prints a line per file and a summary; exit 1 if any failed.
pub fn run(ctx: &Context, o: TestArgs) -> Result<ExitCode> {
    let mode = match o.mode {
        TestMode::Exec => Mode::Exec,
        TestMode::Resolve => Mode::Resolve,
        TestMode::Parse => Mode::Parse,
    };
    let release = match &o.starlib {
        Some(req) => starlib::release::select_str(req)?,
        None => super::newest_release(),
    };
    let host = Rc::new(starlib::HostConfig {
        guard: starlib::Guard {
            allow_private: o.allow_private_network,
            ..Default::default()
        },
        ..Default::default()
    });
    let legacy_api = o.legacy_api;
    // What a test's Go harness would have predeclared: values given on
    // the command line.
    let mut given: Vec<(String, Vec<u8>)> = o
        .vars
        .into_iter()
        .map(|(k, v)| (k, v.into_bytes()))
        .collect();
    for (name, path) in o.var_files {
        let bytes = std::fs::read(&path)
            .with_context(|| format!("--var-file {name}: cannot read {path}"))?;
        given.push((name, bytes));
    }
    let predeclared = move || {
        let mut p = conformance_predeclared();
        for (name, bytes) in &given {
            p.insert(name.clone(), engine::Value::str_bytes(bytes.as_slice()));
        }
        p
    };
    let harness = Harness {
        assert_source: ASSERT_STAR,
        modules: Rc::new(move |thread, name| modules(legacy_api, release, &host, thread, name)),
        predeclared: &predeclared,
        max_steps: 0,
        legacy_api,
    };
    let results: Vec<TestFileReport> = o
        .files
        .iter()
        .map(|f| {
            let path = f.display().to_string();
            match std::fs::read_to_string(f) {
                Ok(data) => {
                    let r = harness.run_file(&path, &data, mode);
                    TestFileReport {
                        file: path,
                        passed: r.passed(),
                        chunks: r.chunks,
                        failures: r.failures.clone(),
                    }
                }
                Err(e) => TestFileReport {
                    file: path,
                    passed: false,
                    chunks: 0,
                    failures: vec![format!("cannot read: {e}")],
                },
            }
        })
        .collect();
    let passed = results.iter().filter(|r| r.passed).count();
    let failed = results.len() - passed;
    if ctx.json {
        ctx.print_json(&TestReport {
            files: results,
            passed,
            failed,
        })?;
    } else {
        for r in &results {
            let verdict = if r.passed { "PASS" } else { "FAIL" };
            println!("{verdict} {} ({} chunks)", r.file, r.chunks);
            for line in &r.failures {
                println!("    {line}");
            }
        }
        println!("{passed} passed, {failed} failed");
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

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

/// How `quarry test` runs its files.
pub struct TestOptions {
    /// What to check in each chunk.
    pub mode: TestMode,
    /// starlark-go 2021's API surface.
    pub legacy_api: bool,
    /// The starlib release to load modules from (`None`: the newest).
    pub starlib: Option<String>,
    /// Whether `http` may reach loopback and private addresses.
    pub allow_private_network: bool,
    /// Names predeclared as strings (`--var NAME=TEXT`).
    pub vars: Vec<(String, String)>,
    /// Names predeclared as a file's bytes (`--var-file NAME=PATH`).
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
pub fn run(ctx: &Context, files: &[PathBuf], o: TestOptions) -> Result<ExitCode> {
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
    let results: Vec<TestFileReport> = files
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

//! `quarry test FILE.star...`: run chunked Starlark test files with the same
//! harness as the engine's conformance suite.

use super::Context;
use crate::report::{TestFileReport, TestReport};
use anyhow::Result;
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

/// Test files load the newest starlib release's modules; under the legacy
/// API, `json.star` and `math.star` are the engine's modules instead (which
/// the harness shows with their 2021 API).
fn modules(
    legacy_api: bool,
    thread: &mut engine::Thread,
    name: &str,
) -> Option<engine::error::Result<engine::Members>> {
    if legacy_api {
        if let Some(m) = engine::starlarktest::library_provider(thread, name) {
            return Some(m);
        }
    }
    let release = super::newest_release();
    Some(release.load_module(thread, name, &Rc::new(starlib::HostConfig::default())))
}

/// Runs each file, prints a line per file and a summary; exit 1 if any failed.
pub fn run(ctx: &Context, files: &[PathBuf], mode: TestMode, legacy_api: bool) -> Result<ExitCode> {
    let mode = match mode {
        TestMode::Exec => Mode::Exec,
        TestMode::Resolve => Mode::Resolve,
        TestMode::Parse => Mode::Parse,
    };
    let harness = Harness {
        assert_source: ASSERT_STAR,
        modules: Rc::new(move |thread, name| modules(legacy_api, thread, name)),
        predeclared: &conformance_predeclared,
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

//! The `quarry` command line: parses arguments, calls the library crates, renders output.
//!
//! Exit codes: 0 on success, 1 on failure (a failed run, a missing dataset,
//! an fsck problem), 2 on misuse (bad arguments; clap's own code).

mod alloc;
mod cmd;
mod notebook;
mod render;
mod report;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

#[global_allocator]
static ALLOCATOR: alloc::QuarryAlloc = alloc::QuarryAlloc;
use std::path::PathBuf;
use std::process::ExitCode;

/// Quarry: versioned datasets kept up to date by Starlark transforms.
#[derive(Parser)]
#[command(name = "quarry", about)]
struct Cli {
    /// The dataset store directory (default: $QUARRY_HOME, else the
    /// platform data directory).
    #[arg(long, global = true, value_name = "DIR")]
    repo: Option<PathBuf>,
    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Dry-run a transform: show its output, a preview of the result and a
    /// diff against the dataset's latest version. Commits nothing.
    Apply(cmd::apply::ApplyArgs),
    /// Open a transform in a local notebook page: its cells with their
    /// output, the result's preview and diff, and Save. Serves 127.0.0.1 only.
    Notebook(cmd::notebook::NotebookArgs),
    /// Run a transform (--file) or import a body (--body) and commit the
    /// result as the dataset's next version.
    Save(cmd::save::SaveArgs),
    /// Show a version, or one of its components.
    Get(cmd::get::GetArgs),
    /// Show a dataset's history, newest first.
    Log(cmd::log::LogArgs),
    /// Compare two versions (one REF: that version against its parent).
    Diff(cmd::diff::DiffArgs),
    /// List the datasets in the store.
    List,
    /// Remove the latest versions of a dataset, or all of it.
    Remove(cmd::remove::RemoveArgs),
    /// Write a version's body to a file.
    Export(cmd::get::ExportArgs),
    /// Check the store: every blob present and matching its hash, every
    /// version complete.
    Fsck(cmd::fsck::FsckArgs),
    /// Delete blobs no version references and temporary files of
    /// interrupted saves (sparing recent ones a save may still need).
    Gc(cmd::gc::GcArgs),
    /// Pin transforms to a starlib release in versions.lock.
    Lock(cmd::lock::LockArgs),
    /// Refresh datasets on a timetable: add, list, show, remove, pause, resume.
    #[command(subcommand)]
    Schedule(cmd::schedule::ScheduleCommand),
    /// Run due refreshes in the foreground until SIGTERM (one log line per event).
    Scheduler(cmd::scheduler::SchedulerArgs),
    /// List runs (`runs [peer/name] [--failed]`) or show one (`runs show ID`).
    Runs(cmd::runs::RunsArgs),
    /// Run a Starlark script with a starlib release's dialect and modules
    /// (the newest unless `--starlib`), and print its output. The engine
    /// alone: no dataset, config or fs (use `apply` for transforms).
    Run {
        /// The script to run.
        file: PathBuf,
        /// Stop after this many execution steps (0: no limit).
        #[arg(long, default_value_t = 0)]
        max_steps: u64,
        /// Print resource use to standard error when done: steps, bytes
        /// allocated (as the memory budget counts them) and peak RSS.
        #[arg(long)]
        stats: bool,
        /// The starlib release to run with, as a semver requirement (`1`,
        /// `^2`); the newest by default.
        #[arg(long, value_name = "REQ")]
        starlib: Option<String>,
    },
    /// Run Starlark test files (chunks split on `---`, `### "regexp"` expected
    /// errors, `load("assert.star", "assert")`) and summarise the results.
    Test(cmd::test::TestArgs),
    /// An interactive Starlark session with line editing and history.
    Repl,
    /// Print a shell completion script: `quarry completions bash > /etc/bash_completion.d/quarry`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// `quarry --version`: the binary's version and the starlib releases it ships.
fn version_text() -> &'static str {
    let releases: Vec<String> = starlib::releases()
        .iter()
        .map(|r| r.version.to_string())
        .collect();
    let text = format!(
        "{} (starlib releases: {})",
        env!("CARGO_PKG_VERSION"),
        releases.join(", ")
    );
    Box::leak(text.into_boxed_str())
}

/// The message of an error and its causes, each cause shown once: a cause
/// whose text its parent already includes is not repeated.
fn error_text(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let msg = cause.to_string();
        if out.contains(&msg) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&msg);
    }
    out
}

/// Lets a write to a closed pipe end the process quietly, as Unix tools do
/// (`quarry log | head -1`), instead of failing on EPIPE.
fn exit_quietly_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE, before any
    // thread is started, has no preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    let matches = Cli::command().version(version_text()).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    // The scheduler writes to its notify commands' pipes: a closed one is an
    // error to log there, not a reason to stop.
    if !matches!(cli.command, Command::Scheduler(_)) {
        exit_quietly_on_closed_pipe();
    }
    let ctx = cmd::Context {
        repo: cli.repo,
        json: cli.json,
    };
    let result = match cli.command {
        Command::Apply(a) => cmd::apply::run(&ctx, &a),
        Command::Notebook(a) => cmd::notebook::run(&ctx, &a),
        Command::Save(a) => cmd::save::run(&ctx, &a),
        Command::Get(a) => cmd::get::run(&ctx, &a),
        Command::Log(a) => cmd::log::run(&ctx, &a),
        Command::Diff(a) => cmd::diff::run(&ctx, &a),
        Command::List => cmd::list::run(&ctx),
        Command::Remove(a) => cmd::remove::run(&ctx, &a),
        Command::Export(a) => cmd::get::export(&ctx, &a),
        Command::Fsck(a) => cmd::fsck::run(&ctx, &a),
        Command::Gc(a) => cmd::gc::run(&ctx, &a),
        Command::Lock(a) => cmd::lock::run(&ctx, &a),
        Command::Schedule(c) => cmd::schedule::run(&ctx, &c),
        Command::Scheduler(a) => cmd::scheduler::run(&ctx, &a),
        Command::Runs(a) => cmd::runs::run(&ctx, &a),
        Command::Run {
            file,
            max_steps,
            stats,
            starlib,
        } => cmd::run::run(&ctx, &file, max_steps, stats, starlib.as_deref()),
        Command::Test(a) => cmd::test::run(&ctx, a),
        Command::Repl => cmd::repl::run(),
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "quarry", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let hint = match e.downcast_ref() {
                Some(datasets::DatasetError::NotFound { .. }) => Some("`quarry list` shows the datasets in the store; `quarry save peer/name --body FILE` creates one"),
                _ => None,
            };
            if ctx.json {
                let report = report::ErrorReport {
                    error: error_text(&e),
                    hint: hint.map(str::to_string),
                    output: e
                        .downcast_ref::<render::failure::FailedRun>()
                        .map(|f| f.output.clone())
                        .unwrap_or_default(),
                    exit_code: 1,
                };
                eprintln!(
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                );
            } else {
                eprintln!("error: {}", error_text(&e));
                if let Some(h) = hint {
                    eprintln!("({h})");
                }
            }
            ExitCode::from(1)
        }
    }
}

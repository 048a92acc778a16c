//! The `quarry` command line: parses arguments, calls the library crates, renders output.

mod cmd;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Quarry: versioned datasets kept up to date by Starlark transforms.
#[derive(Parser)]
#[command(name = "quarry", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a Starlark script in the transform dialect and print its output.
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
    },
    /// Run Starlark test files (chunks split on `---`, `### "regexp"` expected
    /// errors, `load("assert.star", "assert")`) and summarise the results.
    Test {
        /// Test files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// What to check: run the chunks (exec), or only resolve or parse them.
        #[arg(long, value_enum, default_value_t = cmd::test::TestMode::Exec)]
        mode: cmd::test::TestMode,
        /// Use starlark-go 2021's API surface (sets with only `union`, json
        /// without `encode_indent`), as the packaged starlark-go test files expect.
        #[arg(long)]
        legacy_api: bool,
    },
    /// An interactive Starlark session with line editing and history.
    Repl,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run {
            file,
            max_steps,
            stats,
        } => cmd::run::run(&file, max_steps, stats),
        Command::Test {
            files,
            mode,
            legacy_api,
        } => cmd::test::run(&files, mode, legacy_api),
        Command::Repl => cmd::repl::run(),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

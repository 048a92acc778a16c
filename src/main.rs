//! The `quarry` command line: parses arguments, calls the library crates, renders output.

use anyhow::{Context, Result};
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
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Run { file } => {
            let src = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let mut thread = engine::Thread::new(engine::Dialect::transform());
            thread.set_print(|s| println!("{s}"));
            let path = file.display().to_string();
            match thread.exec_file(&path, &src, Default::default()) {
                Ok(_) => Ok(ExitCode::SUCCESS),
                Err(e) => {
                    eprintln!("{e}");
                    if let engine::Error::Eval(ev) = &e {
                        eprintln!("{}", ev.backtrace_string());
                    }
                    Ok(ExitCode::from(1))
                }
            }
        }
    }
}

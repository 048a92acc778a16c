//! One module per command, plus what they share: the global options, the
//! store, and error rendering.

pub mod apply;
pub mod diff;
pub mod fsck;
pub mod get;
pub mod list;
pub mod lock;
pub mod log;
pub mod progress;
pub mod remove;
pub mod repl;
pub mod run;
pub mod save;
pub mod test;

use anyhow::{Context as _, Result};
use datasets::{Store, StoreLocation};
use std::path::PathBuf;

/// Options every command sees.
pub struct Context {
    /// `--repo`: the store directory.
    pub repo: Option<PathBuf>,
    /// `--json`: machine-readable output.
    pub json: bool,
}

impl Context {
    /// Opens the dataset store (`--repo`, `$QUARRY_HOME`, or the platform default).
    pub fn store(&self) -> Result<Store> {
        let loc = StoreLocation::resolve(self.repo.as_deref())?;
        Store::open_location(&loc)
            .with_context(|| format!("cannot open the dataset store at {}", loc.path.display()))
    }

    /// Prints `value` as pretty JSON on standard output.
    pub fn print_json<T: serde::Serialize>(&self, value: &T) -> Result<()> {
        println!("{}", serde_json::to_string_pretty(value)?);
        Ok(())
    }
}

/// Reports misuse of the command line the way clap does (exit status 2).
pub fn misuse(msg: String) -> ! {
    use clap::CommandFactory;
    crate::Cli::command()
        .error(clap::error::ErrorKind::InvalidValue, msg)
        .exit()
}

/// `path` relative to the current directory when it is below it.
pub fn display_path(path: &std::path::Path) -> String {
    let rel = std::env::current_dir()
        .ok()
        .and_then(|d| d.canonicalize().ok())
        .and_then(|d| path.strip_prefix(d).ok().map(std::path::Path::to_path_buf));
    rel.unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}

/// The newest starlib release shipped in this binary.
pub fn newest_release() -> &'static starlib::Release {
    transforms::lockfile::newest_release()
}

/// A thread for scripts run from the command line: the newest starlib
/// release's dialect and modules, output to standard output.
pub fn script_thread() -> engine::Thread {
    let release = newest_release();
    let mut thread = release.new_thread();
    thread.set_loader(release.loader(starlib::HostConfig::default()));
    thread.set_print(|s| println!("{s}"));
    thread
}

/// Renders an engine error for a terminal: the message with file:line:col,
/// the source line with a caret, and the Starlark backtrace for run-time errors.
pub fn render_error(err: &engine::Error, source_of: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let caret = |path: &str, line: u32, col: u32| -> String {
        let Some(src) = source_of(path) else {
            return String::new();
        };
        let (text, col) = match src.lines().nth(line.saturating_sub(1) as usize) {
            Some(t) => (t, col),
            // An error at the end of the input: point just past the last line.
            None => match src.lines().rev().find(|l| !l.trim().is_empty()) {
                Some(t) => (t, t.len() as u32 + 1),
                None => return String::new(),
            },
        };
        // Columns count bytes; pad by the characters before the column.
        let before = text
            .get(..(col.saturating_sub(1) as usize).min(text.len()))
            .unwrap_or(text);
        let pad: String = before
            .chars()
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        format!("{text}\n{pad}^\n")
    };
    match err {
        engine::Error::Syntax(e) => {
            out.push_str(&format!("{e}\n"));
            out.push_str(&caret(&e.path, e.pos.line, e.pos.col));
        }
        engine::Error::Resolve(errs) => {
            for e in errs {
                out.push_str(&format!("{e}\n"));
                out.push_str(&caret(&e.path, e.pos.line, e.pos.col));
            }
        }
        engine::Error::Eval(e) if e.kind == engine::ErrorKind::Host => {
            // A missing setting or input: one line that says what to do.
            match e.innermost() {
                Some(f) => out.push_str(&format!(
                    "{}:{}:{}: {}\n",
                    f.path, f.pos.line, f.pos.col, e.msg
                )),
                None => out.push_str(&format!("{}\n", e.msg)),
            }
        }
        engine::Error::Eval(e) => {
            if let Some(f) = e.innermost() {
                out.push_str(&format!(
                    "{}:{}:{}: {}\n",
                    f.path, f.pos.line, f.pos.col, e.msg
                ));
                out.push_str(&caret(&f.path, f.pos.line, f.pos.col));
            } else {
                out.push_str(&format!("{}\n", e.msg));
            }
            out.push_str(&e.backtrace_string());
            out.push('\n');
        }
    }
    out
}

//! Errors for a terminal: engine errors with `file:line:col`, the source
//! line with a caret and the Starlark backtrace; failed runs with what
//! happened to the commit.

use transforms::{RunFailure, TransformError};

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

/// The text of a failed run: the engine error with its position, caret and
/// backtrace, or the contract violation, and that nothing was committed.
pub fn run_failure(f: &RunFailure) -> String {
    let source = |p: &str| (p == f.path).then(|| f.script.clone());
    let engine = |e: &Option<engine::Error>| match e {
        Some(e) => render_error(e, &source),
        None => "the script finished after the deadline; its result was discarded\n".to_string(),
    };
    let text = match &f.error {
        TransformError::Timeout { timeout, error } => format!(
            "transform timed out after {} (raise --timeout)\n{}",
            humantime::format_duration(*timeout),
            engine(error)
        ),
        TransformError::Cancelled { error } => {
            format!("transform was cancelled\n{}", engine(error))
        }
        TransformError::Script(error) => render_error(error, &source),
        TransformError::Contract(m) => m.clone(),
        TransformError::Result(m) => format!("{}: invalid result: {m}", f.path),
    };
    format!("{}\nnothing was committed", text.trim_end())
}

/// A failed run with what the script printed before it failed (shown in the
/// `--json` error report; without `--json` the lines were shown live).
#[derive(Debug)]
pub struct FailedRun {
    /// The rendered failure.
    pub message: String,
    /// The lines printed before the failure.
    pub output: Vec<String>,
}

impl std::fmt::Display for FailedRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FailedRun {}

/// [`session`], keeping `output` with a failed run.
pub fn session_with_output(e: transforms::SessionError, output: Vec<String>) -> anyhow::Error {
    match e {
        transforms::SessionError::Run(f) => anyhow::Error::new(FailedRun {
            message: run_failure(&f),
            output,
        }),
        other => other.into(),
    }
}

/// A session error as the command line reports it: a failed run rendered
/// with [`run_failure`], anything else as its message.
pub fn session(e: transforms::SessionError) -> anyhow::Error {
    session_with_output(e, Vec::new())
}

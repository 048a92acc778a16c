//! The return-or-mutate contract: run the file's cells, find `transform`,
//! call it with `ds`, and decide which dataset is the result. Qri's shapes
//! (`transform(ds, ctx)` after `download(ctx)`, and `dataset.commit(ds)`)
//! are decided here too; see [`crate::qri`].
//!
//! `transform(ds)` may mutate `ds` or return a dataset. A returned dataset
//! is the result and mutations to the argument are ignored; `None` makes the
//! mutated `ds` the result; anything else is an error naming its type. A
//! `transform` that is not a function is an error. A script with no
//! `transform` leaves the dataset unchanged.

use crate::cells::Cell;
use crate::dataset::{DatasetState, DatasetValue};
use crate::qri::CommitSlot;
use engine::{Args, EvalError, Value};
use starlib::Release;
use std::time::Instant;

/// How running the script failed before a result existed.
pub enum Failure {
    /// The engine failed (syntax, resolve or run-time error, cancellation).
    Engine(engine::Error),
    /// The script broke the contract; the message says how.
    Contract(String),
}

/// What the host learns as each step ends: a cell, or the final step that
/// decides the result (index = the number of cells).
pub struct StepEnd<'a> {
    /// The step's index.
    pub index: usize,
    /// For the final step, what it did: `transform(ds)`, `transform(ds, ctx)`,
    /// `dataset.commit(ds)` or `no transform`.
    pub title: Option<&'static str>,
    /// The trailing expression's value (cells only; `None` when there was none).
    pub value: Option<&'a Value>,
    /// The error that ended it, if it failed.
    pub error: Option<String>,
    /// How long it ran.
    pub elapsed: std::time::Duration,
    /// The module, as the step left it.
    pub module: &'a engine::Session,
}

/// What deciding the result needs besides the module.
pub struct Host<'a> {
    /// The release the run uses.
    pub release: &'static Release,
    /// The dataset `transform` starts from.
    pub initial: DatasetState,
    /// What `dataset.commit(ds)` proposed, if it was called.
    pub committed: &'a CommitSlot,
    /// Qri's `ctx`, for `download(ctx)` and `transform(ds, ctx)`.
    pub ctx: Value,
}

/// Runs the file's cells from `start` on (earlier ones already ran in
/// `module`) in order, freezes the module, then decides the result by the
/// script's shape (see [`crate::qri`]); `Ok(None)`: the dataset is
/// unchanged. `on_step` hears of each step as it ends, failed ones included.
pub fn execute(
    thread: &mut engine::Thread,
    cells: &[Cell],
    module: &mut engine::Session,
    start: usize,
    host: Host<'_>,
    on_step: &mut dyn FnMut(StepEnd<'_>),
) -> Result<Option<DatasetState>, Failure> {
    for (index, cell) in cells.iter().enumerate().skip(start) {
        let started = Instant::now();
        let outcome = thread.exec_chunk(module, &cell.source());
        on_step(StepEnd {
            index,
            title: None,
            value: outcome.value.as_ref(),
            error: outcome.error.as_ref().map(describe),
            elapsed: started.elapsed(),
            module,
        });
        if let Some(e) = outcome.error {
            return Err(Failure::Engine(e));
        }
    }
    // As when a file finishes: the module's values are frozen.
    module.freeze();
    let path = module.path().to_string();
    let started = Instant::now();
    let (title, result) = decide(thread, &path, &module.members(), host);
    on_step(StepEnd {
        index: cells.len(),
        title: Some(title),
        value: None,
        error: match &result {
            Err(Failure::Engine(e)) => Some(describe(e)),
            Err(Failure::Contract(m)) => Some(m.clone()),
            Ok(_) => None,
        },
        elapsed: started.elapsed(),
        module,
    });
    result
}

/// An engine error on one line, with its position: `file:line:col: message`.
fn describe(e: &engine::Error) -> String {
    match (e, e.position()) {
        (engine::Error::Eval(ev), Some((path, line, col))) => {
            format!("{path}:{line}:{col}: {}", ev.msg)
        }
        _ => e.to_string(),
    }
}

/// Where a function is defined, for contract errors.
fn position(path: &str, f: &Value) -> String {
    match f {
        Value::Function(c) => format!("{}:{}:{}", c.path(), c.pos().line, c.pos().col),
        _ => path.to_string(),
    }
}

/// Picks the result by the script's shape: a dataset it committed, or
/// `transform` called as `transform(ds)` or `transform(ds, ctx)`.
fn decide(
    thread: &mut engine::Thread,
    path: &str,
    globals: &engine::Members,
    host: Host<'_>,
) -> (&'static str, Result<Option<DatasetState>, Failure>) {
    let committed = host.committed.borrow_mut().take();
    match (committed, globals.get("transform")) {
        (Some(_), Some(f)) => (
            "dataset.commit(ds)",
            Err(Failure::Contract(format!(
                "{}: a script that calls dataset.commit(ds) must not also define transform",
                position(path, f)
            ))),
        ),
        (Some(state), None) => ("dataset.commit(ds)", Ok(Some(state))),
        (None, None) => ("no transform", Ok(None)),
        (None, Some(f)) => call_transform(thread, path, f, globals, host),
    }
}

/// Calls `transform` with `ds` (and, for Qri v0.9's shape, `ctx` after
/// `download(ctx)`), and applies the return-or-mutate contract.
fn call_transform(
    thread: &mut engine::Thread,
    path: &str,
    f: &Value,
    globals: &engine::Members,
    host: Host<'_>,
) -> (&'static str, Result<Option<DatasetState>, Failure>) {
    let at = position(path, f);
    let arity = match f {
        Value::Function(c) => c.positional_params(),
        Value::Builtin(_) => (1, false),
        other => {
            return (
                "transform(ds)",
                Err(Failure::Contract(format!(
                    "{path}: transform must be a function, got {}",
                    other.type_name()
                ))),
            )
        }
    };
    let with_ctx = match arity {
        (1, _) | (0, true) => false,
        (2, _) => true,
        (n, _) => {
            return (
                "transform(ds)",
                Err(Failure::Contract(format!(
                "{at}: transform must take (ds) or, as in Qri, (ds, ctx); it takes {n} parameters"
            ))),
            )
        }
    };
    let title = if with_ctx {
        "transform(ds, ctx)"
    } else {
        "transform(ds)"
    };
    let engine_error = |e: EvalError| Failure::Engine(engine::Error::Eval(e));
    let ds = Value::native(DatasetValue::new(host.release, host.initial));
    let args = if with_ctx {
        if let Some(download) = globals.get("download") {
            match thread.call(download, &Args::positional(vec![host.ctx.clone()])) {
                Ok(v) => crate::qri::Context::set_result(&host.ctx, "download", v),
                Err(e) => return (title, Err(engine_error(e))),
            }
        }
        vec![ds.clone(), host.ctx.clone()]
    } else {
        vec![ds.clone()]
    };
    let ret = match thread.call(f, &Args::positional(args)) {
        Ok(v) => v,
        Err(e) => return (title, Err(engine_error(e))),
    };
    let result = match &ret {
        Value::None => &ds,
        v if DatasetValue::from_value(v).is_some() => v,
        other => {
            return (
                title,
                Err(Failure::Contract(format!(
                    "{at}: transform must return a dataset or None, got {}",
                    other.type_name()
                ))),
            )
        }
    };
    (
        title,
        Ok(DatasetValue::from_value(result).map(|d| d.state())),
    )
}

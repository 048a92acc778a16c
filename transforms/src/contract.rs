//! The return-or-mutate contract: run the file's cells, find `transform`,
//! call it with `ds`, and decide which dataset is the result.
//!
//! `transform(ds)` may mutate `ds` or return a dataset. A returned dataset
//! is the result and mutations to the argument are ignored; `None` makes the
//! mutated `ds` the result; anything else is an error naming its type. A
//! `transform` that is not a function is an error. A script with no
//! `transform` leaves the dataset unchanged.

use crate::cells::Cell;
use crate::dataset::{DatasetState, DatasetValue};
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

/// What the host learns as each step ends: a cell, or the final
/// `transform(ds)` call (index = the number of cells).
pub struct StepEnd<'a> {
    /// The step's index.
    pub index: usize,
    /// The trailing expression's value (cells only; `None` when there was none).
    pub value: Option<&'a Value>,
    /// The error that ended it, if it failed.
    pub error: Option<String>,
    /// How long it ran.
    pub elapsed: std::time::Duration,
    /// The module, as the step left it.
    pub module: &'a engine::Session,
}

/// Runs the file's cells from `start` on (earlier ones already ran in
/// `module`) in order, then `transform`; `Ok(None)` when there is no
/// transform. `on_step` hears of each step as it ends, failed ones included.
pub fn execute(
    thread: &mut engine::Thread,
    cells: &[Cell],
    module: &mut engine::Session,
    start: usize,
    release: &'static Release,
    initial: DatasetState,
    on_step: &mut dyn FnMut(StepEnd<'_>),
) -> Result<Option<DatasetState>, Failure> {
    for (index, cell) in cells.iter().enumerate().skip(start) {
        let started = Instant::now();
        let outcome = thread.exec_chunk(module, &cell.source());
        on_step(StepEnd {
            index,
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
    let result = call_transform(thread, &path, &module.members(), release, initial);
    on_step(StepEnd {
        index: cells.len(),
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

/// Finds `transform` among the module's globals, calls it with `ds` and
/// applies the contract.
fn call_transform(
    thread: &mut engine::Thread,
    path: &str,
    globals: &engine::Members,
    release: &'static Release,
    initial: DatasetState,
) -> Result<Option<DatasetState>, Failure> {
    let Some(f) = globals.get("transform") else {
        return Ok(None);
    };
    if !matches!(f, Value::Function(_) | Value::Builtin(_)) {
        return Err(Failure::Contract(format!(
            "{path}: transform must be a function, got {}",
            f.type_name()
        )));
    }
    // Contract errors point at `def transform`.
    let at = match &f {
        Value::Function(c) => format!("{}:{}:{}", c.path(), c.pos().line, c.pos().col),
        _ => path.to_string(),
    };
    let ds = Value::native(DatasetValue::new(release, initial));
    let ret = thread
        .call(f, &Args::positional(vec![ds.clone()]))
        .map_err(|e: EvalError| Failure::Engine(engine::Error::Eval(e)))?;
    let result = match &ret {
        Value::None => &ds,
        v if DatasetValue::from_value(v).is_some() => v,
        other => {
            return Err(Failure::Contract(format!(
                "{at}: transform must return a dataset or None, got {}",
                other.type_name()
            )))
        }
    };
    Ok(DatasetValue::from_value(result).map(|d| d.state()))
}

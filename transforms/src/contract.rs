//! The return-or-mutate contract: run the file, find `transform`, call it
//! with `ds`, and decide which dataset is the result.
//!
//! `transform(ds)` may mutate `ds` or return a dataset. A returned dataset
//! is the result and mutations to the argument are ignored; `None` makes the
//! mutated `ds` the result; anything else is an error naming its type. A
//! `transform` that is not a function is an error. A script with no
//! `transform` leaves the dataset unchanged.

use crate::dataset::{DatasetState, DatasetValue};
use engine::{Args, EvalError, Predeclared, Value};
use starlib::Release;

/// How running the script failed before a result existed.
pub enum Failure {
    /// The engine failed (syntax, resolve or run-time error, cancellation).
    Engine(engine::Error),
    /// The script broke the contract; the message says how.
    Contract(String),
}

/// Runs the file and `transform`; `Ok(None)` when there is no transform.
pub fn execute(
    thread: &mut engine::Thread,
    path: &str,
    script: &str,
    pre: Predeclared,
    release: &'static Release,
    initial: DatasetState,
) -> Result<Option<DatasetState>, Failure> {
    let globals = thread
        .exec_file(path, script, pre)
        .map_err(Failure::Engine)?;
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

//! Qri's transform shapes beside the seed's `transform(ds)`: the host
//! values they need and the rule that picks the shape.
//!
//! - **`transform(ds)`**: the seed's contract ([`crate::contract`]).
//! - **Qri v0.9/v0.10**: `def download(ctx)` (optional) and
//!   `def transform(ds, ctx)`. `download(ctx)` runs first; its return value
//!   is `ctx.download` when `transform(ds, ctx)` runs. `ctx.get_config(name)`
//!   and `ctx.get_secret(name)` read settings (None when unset; an error when
//!   none were given at all, as in Qri), `ctx.set(key, value)` and
//!   `ctx.get(key)` pass values along.
//! - **Qri's last shape**: top-level code (usually in `---` steps) takes
//!   `ds = dataset.latest()`, changes it, and calls `dataset.commit(ds)`
//!   once; the committed dataset is the result. A script that commits must
//!   not also define `transform`.
//!
//! The predeclared `dataset` is one value for all of them: called, it makes
//! a new dataset (`dataset(body=..., meta=...)`); `dataset.latest()` is a
//! copy of the version the run starts from; `dataset.commit(ds)` proposes
//! `ds` as the result.

use crate::dataset::{self, DatasetState, DatasetValue};
use engine::error::{ErrorKind, EvalError, Result};
use engine::values::{Builtin, DeepCopier, NativeValue};
use engine::{Args, Thread, Value};
use starlib::Release;
use std::any::Any;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// The state `dataset.commit(ds)` sets: the committed dataset, if any.
pub type CommitSlot = Rc<RefCell<Option<DatasetState>>>;

/// The predeclared `dataset`: a constructor with `latest()` and `commit(ds)`.
pub struct DatasetModule {
    release: &'static Release,
    constructor: Value,
    latest: DatasetState,
    committed: CommitSlot,
}

impl DatasetModule {
    /// The `dataset` value of a run on `latest` (the version it starts from),
    /// whose `commit` fills `committed`.
    pub fn value(release: &'static Release, latest: DatasetState, committed: CommitSlot) -> Value {
        Value::native(DatasetModule {
            release,
            constructor: dataset::constructor(release),
            latest,
            committed,
        })
    }
}

fn this(recv: &Value) -> Result<&DatasetModule> {
    match recv {
        Value::Native(n) => n
            .as_any()
            .downcast_ref::<DatasetModule>()
            .ok_or_else(|| EvalError::new("not the dataset module")),
        _ => Err(EvalError::new("not the dataset module")),
    }
}

fn m_latest(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    args.positional_only("latest", 0, 0)?;
    let m = this(recv)?;
    let mut state = m.latest.clone();
    // Each call is a copy: changing one does not change the version read.
    state.meta = DeepCopier::new().copy(&state.meta);
    Ok(Value::native(DatasetValue::new(m.release, state)))
}

fn m_commit(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let [ds] = args.bind("commit", &["ds"])?;
    let m = this(recv)?;
    let ds = ds.unwrap_or(Value::None);
    let Some(d) = DatasetValue::from_value(&ds) else {
        return Err(EvalError::new(format!(
            "dataset.commit: expected a dataset, got {}",
            ds.type_name()
        )));
    };
    let mut slot = m.committed.borrow_mut();
    if slot.is_some() {
        return Err(EvalError::new(
            "dataset.commit: commit can only be called once in a transform script",
        ));
    }
    let mut state = d.state();
    // What is committed is the dataset now: later changes do not reach it.
    let mut copier = DeepCopier::new();
    state.meta = copier.copy(&state.meta);
    if let Some(f) = state.frame.as_mut() {
        f.value = copier.copy(&f.value);
    }
    *slot = Some(state);
    Ok(Value::None)
}

impl NativeValue for DatasetModule {
    fn type_name(&self) -> &str {
        "dataset"
    }

    fn repr(&self, out: &mut String) {
        out.push_str("<built-in function dataset>");
    }

    fn is_callable(&self) -> bool {
        true
    }

    fn call(&self, thread: &mut Thread, args: &Args) -> Result<Value> {
        thread.call(&self.constructor, args)
    }

    fn get_attr(&self, this: &Value, name: &str) -> Result<Option<Value>> {
        Ok(match name {
            "latest" => Some(Builtin::method("latest", this.clone(), m_latest)),
            "commit" => Some(Builtin::method("commit", this.clone(), m_commit)),
            // Qri's `dataset.star`: `dataset.new()` is an empty dataset.
            "new" => Some(self.constructor.clone()),
            _ => None,
        })
    }

    fn attr_names(&self) -> Vec<String> {
        vec!["commit".into(), "latest".into(), "new".into()]
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Qri's `qri.star` module: `qri.list_datasets()`, the names (`peer/name`)
/// of the datasets in the run's store, sorted.
pub fn qri_module(store: Option<std::sync::Arc<datasets::Store>>) -> Value {
    let list = Builtin::host("list_datasets", move |_thread, args| {
        const F: &str = "list_datasets";
        args.positional_only(F, 0, 0)?;
        let Some(store) = store.as_ref() else {
            return Err(EvalError::with_kind(
                ErrorKind::Host,
                format!("{F}: no dataset store is available to this run"),
            ));
        };
        let names = store
            .list()
            .map_err(|e| EvalError::with_kind(ErrorKind::Host, format!("{F}: {e}")))?;
        Ok(Value::list(
            names
                .into_iter()
                .map(|d| Value::from(d.name.to_string()))
                .collect(),
        ))
    });
    let members = [("list_datasets".to_string(), list)].into_iter().collect();
    Value::Module(Rc::new(engine::values::Module::new("qri", members)))
}

/// Qri v0.9's `ctx`: settings, values passed between functions, and the
/// results of the special functions that ran (`ctx.download`).
pub struct Context {
    config: Option<BTreeMap<String, Value>>,
    secrets: Option<BTreeMap<String, Value>>,
    values: RefCell<BTreeMap<String, Value>>,
    results: RefCell<BTreeMap<String, Value>>,
}

impl Context {
    /// A context over the run's settings (`None`: none were given).
    pub fn value(
        config: &BTreeMap<String, serde_json::Value>,
        secrets: &BTreeMap<String, String>,
    ) -> Value {
        let config = (!config.is_empty()).then(|| {
            config
                .iter()
                .map(|(k, v)| (k.clone(), crate::convert::json_to_value(v)))
                .collect()
        });
        let secrets = (!secrets.is_empty()).then(|| {
            secrets
                .iter()
                .map(|(k, v)| (k.clone(), Value::str(v)))
                .collect()
        });
        Value::native(Context {
            config,
            secrets,
            values: RefCell::default(),
            results: RefCell::default(),
        })
    }

    /// Records what special function `name` returned (`ctx.download`).
    pub fn set_result(ctx: &Value, name: &str, value: Value) {
        if let Some(c) = context(ctx) {
            c.results.borrow_mut().insert(name.to_string(), value);
        }
    }
}

fn context(v: &Value) -> Option<&Context> {
    match v {
        Value::Native(n) => n.as_any().downcast_ref::<Context>(),
        _ => None,
    }
}

fn ctx_of(recv: &Value) -> Result<&Context> {
    context(recv).ok_or_else(|| EvalError::new("not a context"))
}

fn key_arg(fname: &str, args: &Args) -> Result<String> {
    let [key] = args.bind(fname, &["key"])?;
    let key = key.unwrap_or(Value::None);
    key.as_str()
        .map(|s| s.to_str_lossy().into_owned())
        .ok_or_else(|| engine::args::type_error(fname, "key", &key, "string"))
}

fn setting(
    fname: &str,
    what: &str,
    map: &Option<BTreeMap<String, Value>>,
    args: &Args,
) -> Result<Value> {
    let key = key_arg(fname, args)?;
    match map {
        None => Err(EvalError::new(format!("{fname}: no {what} provided"))),
        Some(m) => Ok(m.get(&key).cloned().unwrap_or(Value::None)),
    }
}

fn c_get_config(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    setting("get_config", "config", &ctx_of(recv)?.config, args)
}

fn c_get_secret(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    setting("get_secret", "secrets", &ctx_of(recv)?.secrets, args)
}

fn c_set(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let [key, value] = args.bind("set", &["key", "value"])?;
    let key = key.unwrap_or(Value::None);
    let Some(k) = key.as_str().map(|s| s.to_str_lossy().into_owned()) else {
        return Err(engine::args::type_error("set", "key", &key, "string"));
    };
    ctx_of(recv)?
        .values
        .borrow_mut()
        .insert(k, value.unwrap_or(Value::None));
    Ok(Value::None)
}

fn c_get(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let key = key_arg("get", args)?;
    ctx_of(recv)?
        .values
        .borrow()
        .get(&key)
        .cloned()
        .ok_or_else(|| EvalError::new(format!("get: value {key} not set in context")))
}

impl NativeValue for Context {
    fn type_name(&self) -> &str {
        "context"
    }

    fn repr(&self, out: &mut String) {
        out.push_str("<context>");
    }

    fn get_attr(&self, this: &Value, name: &str) -> Result<Option<Value>> {
        let method = |n: &str, f| Some(Builtin::method(n, this.clone(), f));
        Ok(match name {
            "get_config" => method("get_config", c_get_config),
            "get_secret" => method("get_secret", c_get_secret),
            "set" => method("set", c_set),
            "get" => method("get", c_get),
            other => self.results.borrow().get(other).cloned(),
        })
    }

    fn attr_names(&self) -> Vec<String> {
        let mut v: Vec<String> = ["get", "get_config", "get_secret", "set"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        v.extend(self.results.borrow().keys().cloned());
        v.sort();
        v
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Qri's `error(msg)`: stops the run with `transform error: msg`.
pub fn error_builtin() -> Value {
    Builtin::host("error", |_t: &mut Thread, args: &Args| {
        let a = args.positional_only("error", 1, 1)?;
        let msg = match &a[0] {
            v if v.as_str().is_some() => engine::values::to_str(v),
            v => engine::values::repr(v),
        };
        Err(EvalError::new(format!("transform error: {msg}")))
    })
}

/// A top-level `def transform` on more than one line: `(first, second)`
/// 1-based line numbers. A script defines zero or one `transform`, whatever
/// its dialect allows for other globals.
pub fn second_transform(text: &str) -> Option<(u32, u32)> {
    let mut first = None;
    for (i, line) in text.lines().enumerate() {
        let Some(rest) = line.strip_prefix("def") else {
            continue;
        };
        let rest = rest.trim_start();
        if rest.len() == line.len() - 3 {
            continue; // `define...`, not `def `
        }
        let name_end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if &rest[..name_end] != "transform" {
            continue;
        }
        let n = i as u32 + 1;
        match first {
            None => first = Some(n),
            Some(f) => return Some((f, n)),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_top_level_def_transform_is_found() {
        assert_eq!(second_transform("def transform(ds):\n  pass\n"), None);
        assert_eq!(
            second_transform("def transform(ds):\n  pass\n---\ndef transform(ds, ctx):\n  pass\n"),
            Some((1, 4))
        );
        assert_eq!(
            second_transform("def transformer(ds):\n  pass\ndef transform(ds):\n  pass\n"),
            None
        );
        assert_eq!(
            second_transform("definitely = 1\n  def transform(x):\n    pass\n"),
            None
        );
    }
}

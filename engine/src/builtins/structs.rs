//! The `struct` and `module` constructors of starlark-go's starlarkstruct
//! package. They are not in the universe: a host predeclares them.

use super::unpack::{as_str, count, param_err};
use crate::args::Args;
use crate::error::{EvalError, Result};
use crate::eval::Thread;
use crate::values::{Module, Struct, Value};
use std::collections::BTreeMap;
use std::rc::Rc;

/// `struct(**kwargs)`: an immutable struct of the named fields, printed in
/// name order (starlarkstruct.Make).
pub fn make_struct(_thread: &mut Thread, args: &Args) -> Result<Value> {
    if !args.positional.is_empty() {
        return Err(EvalError::new("struct: unexpected positional arguments"));
    }
    let fields: BTreeMap<String, Value> = args
        .named
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    Ok(Value::Struct(Rc::new(Struct::new(fields))))
}

/// `module(name, **kwargs)`: a module value named `name` whose members are
/// the keyword arguments (starlarkstruct.MakeModule).
pub fn make_module(_thread: &mut Thread, args: &Args) -> Result<Value> {
    let a = count("module", &args.positional, 1, 1)?;
    let name = as_str(&a[0]).map_err(|e| param_err("module", 1, e))?;
    let members: BTreeMap<String, Value> = args
        .named
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    Ok(Value::Module(Rc::new(Module::new(
        name.to_str_lossy().into_owned(),
        members,
    ))))
}

//! The `json` module: starlark-go's `encode`, `decode`, `indent` and
//! `encode_indent` (the engine's implementation), plus in 2.x
//! `json.read(source, ndjson=None)`, which reads a JSON array of objects or
//! newline-delimited JSON into a `Table`.

use engine::values::{Builtin, Module};
use engine::Value;
use std::rc::Rc;

/// The `json` module for a major release.
pub fn module(major: u64) -> Value {
    let base = engine::library::json::module();
    if major < 2 {
        return base;
    }
    let Value::Module(m) = &base else { return base };
    let mut members = m.members.clone();
    members.insert(
        "read".to_string(),
        Builtin::func("json.read", crate::table::io::json_read),
    );
    Value::Module(Rc::new(Module::new("json", members)))
}

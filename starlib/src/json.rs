//! The `json` module: starlark-go's `encode`, `decode`, `indent` and
//! `encode_indent` (the engine's implementation). 1.x also keeps the names
//! older Qri scripts used (starlib v0.4): `json.loads(s)` (`decode`) and
//! `json.dumps(x, indent=None)` (`encode`, or `encode_indent` with that
//! many spaces, or that string, per level). 2.x adds
//! `json.read(source, ndjson=None)`, which reads a JSON array of objects or
//! newline-delimited JSON into a `Table`.

use crate::util::err;
use engine::args::optional;
use engine::values::{Builtin, Module};
use engine::{Args, Thread, Value};
use std::collections::BTreeMap;
use std::rc::Rc;

/// The `json` module for a major release.
pub fn module(major: u64) -> Value {
    let base = engine::library::json::module();
    let Value::Module(m) = &base else { return base };
    let mut members = m.members.clone();
    if major < 2 {
        add_v04_names(&mut members);
    } else {
        members.insert(
            "read".to_string(),
            Builtin::func("json.read", crate::table::io::json_read),
        );
    }
    Value::Module(Rc::new(Module::new("json", members)))
}

/// `loads` and `dumps`, over the engine's `decode` and `encode`.
fn add_v04_names(members: &mut BTreeMap<String, Value>) {
    if let Some(decode) = members.get("decode").cloned() {
        members.insert("loads".to_string(), decode);
    }
    let (Some(encode), Some(encode_indent)) = (
        members.get("encode").cloned(),
        members.get("encode_indent").cloned(),
    ) else {
        return;
    };
    let dumps = Builtin::host("json.dumps", move |thread: &mut Thread, args: &Args| {
        const F: &str = "json.dumps";
        let [obj, indent] = args.bind(F, &["obj", "indent?"])?;
        let obj = obj.unwrap_or(Value::None);
        let indent = match optional::<Value>(F, "indent", &indent, Value::None)? {
            Value::None => None,
            Value::Int(n) if (0..=64).contains(&n) => Some(" ".repeat(n as usize)),
            Value::Str(s) => Some(s.to_str_lossy().into_owned()),
            other => {
                return Err(err(
                    F,
                    format!(
                        "for parameter indent: got {}, want int (0 to 64) or string",
                        other.type_name()
                    ),
                ))
            }
        };
        match indent {
            None => thread.call(&encode, &Args::positional(vec![obj])),
            Some(ind) => thread.call(
                &encode_indent,
                &Args {
                    positional: vec![obj],
                    named: vec![("indent".into(), Value::str(&ind))],
                },
            ),
        }
    });
    members.insert("dumps".to_string(), dumps);
}

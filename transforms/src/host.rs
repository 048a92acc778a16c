//! Predeclared host values: `print` (console.log-style), `config` and `secrets`.

use engine::args::type_error;
use engine::error::{EvalError, Result};
use engine::values::{write_repr, Builtin, NativeValue};
use engine::{Args, Thread, Value};
use std::any::Any;
use std::collections::BTreeMap;

/// Renders `v` the way node's `console.log` shows a value: a string at the
/// top level is its own text; nested strings are quoted; dicts are
/// `{ "a": 1, "b": False }`, lists `[ 1, 2 ]`, tuples `( 1, 2 )`, empty ones
/// `{}`/`[]`/`()`; everything else is its Starlark repr.
pub fn console_format(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_str_lossy().into_owned(),
        _ => {
            let mut out = String::new();
            nested(&mut out, v, 0);
            out
        }
    }
}

fn nested(out: &mut String, v: &Value, depth: usize) {
    if depth > 64 {
        out.push_str("...");
        return;
    }
    let seq = |out: &mut String, open: &str, close: &str, items: &[Value]| {
        if items.is_empty() {
            out.push_str(open);
            out.push_str(close);
            return;
        }
        out.push_str(open);
        out.push(' ');
        for (i, x) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            nested(out, x, depth + 1);
        }
        out.push(' ');
        out.push_str(close);
    };
    match v {
        Value::List(l) => {
            let items = l.items().clone();
            seq(out, "[", "]", &items)
        }
        Value::Tuple(t) => seq(out, "(", ")", t),
        Value::Dict(d) => {
            let entries: Vec<(Value, Value)> = d
                .entries()
                .iter()
                .map(|(k, x)| (k.value.clone(), x.clone()))
                .collect();
            if entries.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push_str("{ ");
            for (i, (k, x)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                nested(out, k, depth + 1);
                out.push_str(": ");
                nested(out, x, depth + 1);
            }
            out.push_str(" }");
        }
        _ => write_repr(out, v),
    }
}

/// The predeclared `print(*args)`: console.log rendering, arguments joined
/// by spaces, sent to the thread's print hook.
pub fn print_builtin() -> Value {
    Builtin::host("print", |thread: &mut Thread, args: &Args| {
        if !args.named.is_empty() {
            return Err(EvalError::new("print: unexpected keyword arguments"));
        }
        let line = args
            .positional
            .iter()
            .map(console_format)
            .collect::<Vec<_>>()
            .join(" ");
        thread.print(&line);
        Ok(Value::None)
    })
}

/// `config` or `secrets`: a read-only map with `.get(key, default=None)`.
pub struct Settings {
    kind: Kind,
    values: BTreeMap<String, Value>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Config,
    Secrets,
}

impl Settings {
    /// The `config` value.
    pub fn config(values: &BTreeMap<String, serde_json::Value>) -> Value {
        Value::native(Settings {
            kind: Kind::Config,
            values: values
                .iter()
                .map(|(k, v)| (k.clone(), crate::convert::json_to_value(v)))
                .collect(),
        })
    }

    /// The `secrets` value.
    pub fn secrets(values: &BTreeMap<String, String>) -> Value {
        Value::native(Settings {
            kind: Kind::Secrets,
            values: values
                .iter()
                .map(|(k, v)| (k.clone(), Value::str(v)))
                .collect(),
        })
    }
}

fn settings_get(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let Some(s) = (match recv {
        Value::Native(n) => n.as_any().downcast_ref::<Settings>(),
        _ => None,
    }) else {
        return Err(EvalError::new("get: not a config value"));
    };
    let fname = match s.kind {
        Kind::Config => "config.get",
        Kind::Secrets => "secrets.get",
    };
    let [key, default] = args.bind(fname, &["key", "default?"])?;
    let key = key.unwrap_or(Value::None);
    let Some(k) = key.as_str().map(|k| k.to_str_lossy().into_owned()) else {
        return Err(type_error(fname, "key", &key, "string"));
    };
    if let Some(v) = s.values.get(&k) {
        return Ok(v.clone());
    }
    match default {
        Some(d) => Ok(d),
        None => Err(EvalError::new(match s.kind {
            Kind::Config => {
                format!("config value {k:?} is not set: pass --config {k}=... or a config file")
            }
            Kind::Secrets => {
                format!("secret {k:?} is not set: pass --secret {k}=... or a secrets file")
            }
        })),
    }
}

impl NativeValue for Settings {
    fn type_name(&self) -> &str {
        match self.kind {
            Kind::Config => "config",
            Kind::Secrets => "secrets",
        }
    }

    fn repr(&self, out: &mut String) {
        out.push('<');
        out.push_str(self.type_name());
        out.push_str(" keys=[");
        out.push_str(
            &self
                .values
                .keys()
                .map(|k| format!("{k:?}"))
                .collect::<Vec<_>>()
                .join(", "),
        );
        out.push_str("]>");
    }

    fn get_attr(&self, this: &Value, name: &str) -> Result<Option<Value>> {
        Ok(match name {
            "get" => Some(Builtin::method("get", this.clone(), settings_get)),
            _ => None,
        })
    }

    fn attr_names(&self) -> Vec<String> {
        vec!["get".into()]
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Replaces every occurrence of each (non-empty) secret value with `[redacted]`.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// A redactor for these secret values.
    pub fn new<'a>(values: impl IntoIterator<Item = &'a String>) -> Redactor {
        let mut secrets: Vec<String> = values
            .into_iter()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect();
        // Longest first, so a secret containing another is hidden whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Redactor { secrets }
    }

    /// True when there are no secrets to hide.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// Whether `text` contains a secret.
    pub fn leaks(&self, text: &str) -> bool {
        self.secrets.iter().any(|s| text.contains(s.as_str()))
    }

    /// Redacts every string (and object key) inside a JSON value.
    pub fn redact_json(&self, v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) if self.leaks(s) => *s = self.redact(s),
            serde_json::Value::Array(a) => a.iter_mut().for_each(|x| self.redact_json(x)),
            serde_json::Value::Object(m) => {
                let entries = std::mem::take(m);
                for (k, mut x) in entries {
                    self.redact_json(&mut x);
                    m.insert(self.redact(&k), x);
                }
            }
            _ => {}
        }
    }

    /// Redacts every string cell (and column name) of a body.
    pub fn redact_body(&self, body: &datasets::Body) -> datasets::Body {
        use arrow_array::{Array, ArrayRef, RecordBatch, StringArray};
        use arrow_schema::{DataType, Field, Schema};
        use std::sync::Arc;
        if self.is_empty() {
            return body.clone();
        }
        let fields: Vec<Field> = body
            .schema
            .fields()
            .iter()
            .map(|f| f.as_ref().clone().with_name(self.redact(f.name())))
            .collect();
        let schema = Arc::new(Schema::new_with_metadata(
            fields,
            body.schema.metadata().clone(),
        ));
        let batches = body
            .batches
            .iter()
            .map(|b| {
                let columns: Vec<ArrayRef> = b
                    .columns()
                    .iter()
                    .map(|c| match c.data_type() {
                        DataType::Utf8 => {
                            let Some(a) = c.as_any().downcast_ref::<StringArray>() else {
                                return c.clone();
                            };
                            if !a.iter().flatten().any(|s| self.leaks(s)) {
                                return c.clone();
                            }
                            let red: StringArray =
                                a.iter().map(|v| v.map(|s| self.redact(s))).collect();
                            Arc::new(red) as ArrayRef
                        }
                        _ => c.clone(),
                    })
                    .collect();
                RecordBatch::try_new(schema.clone(), columns).unwrap_or_else(|_| b.clone())
            })
            .collect();
        datasets::Body { schema, batches }
    }

    /// `text` with every secret value replaced.
    pub fn redact(&self, text: &str) -> String {
        let mut s = text.to_string();
        for secret in &self.secrets {
            if s.contains(secret.as_str()) {
                s = s.replace(secret.as_str(), "[redacted]");
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redactor_hides_longest_first() {
        let r = Redactor::new(&["abc".to_string(), "abcdef".to_string(), String::new()]);
        assert_eq!(r.redact("x abcdef y abc"), "x [redacted] y [redacted]");
        assert_eq!(r.redact("nothing"), "nothing");
    }

    #[test]
    fn console_format_quotes_nested_strings_only() {
        assert_eq!(console_format(&Value::str("a\"b")), "a\"b");
        let l = Value::list(vec![Value::str("a\"b"), Value::None, Value::Bool(true)]);
        assert_eq!(console_format(&l), "[ \"a\\\"b\", None, True ]");
    }
}

//! Predeclared host values: `print` (console.log-style), `config` and `secrets`.

use engine::args::type_error;
use engine::error::{ErrorKind, EvalError, Result};
use engine::values::{write_repr, Builtin, NativeValue};
use engine::{Args, Thread, Value};
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS, NON_ALPHANUMERIC};
use std::any::Any;
use std::collections::BTreeMap;

/// The most text one `print` renders (1 MiB); longer output ends in `…`.
pub const MAX_PRINT_BYTES: usize = 1 << 20;

/// Renders `v` the way node's `console.log` shows a value: a string at the
/// top level is its own text; nested strings are quoted; dicts are
/// `{ "a": 1, "b": False }`, lists `[ 1, 2 ]`, tuples `( 1, 2 )`, empty ones
/// `{}`/`[]`/`()`; everything else is its Starlark repr. A value that
/// contains itself shows `[Circular]` where it recurs, and the text stops
/// at [`MAX_PRINT_BYTES`].
pub fn console_format(v: &Value) -> String {
    match v {
        Value::Str(s) => {
            let mut t = s.to_str_lossy().into_owned();
            truncate(&mut t);
            t
        }
        _ => {
            let mut c = Console {
                out: String::new(),
                path: Vec::new(),
            };
            c.value(v);
            truncate(&mut c.out);
            c.out
        }
    }
}

fn truncate(s: &mut String) {
    if s.len() > MAX_PRINT_BYTES {
        let mut cut = MAX_PRINT_BYTES;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
}

struct Console {
    out: String,
    /// Addresses of the containers being rendered.
    path: Vec<usize>,
}

impl Console {
    fn full(&self) -> bool {
        self.out.len() > MAX_PRINT_BYTES
    }

    fn seq(&mut self, open: &str, close: &str, items: &[Value]) {
        if items.is_empty() {
            self.out.push_str(open);
            self.out.push_str(close);
            return;
        }
        self.out.push_str(open);
        self.out.push(' ');
        for (i, x) in items.iter().enumerate() {
            if self.full() {
                return;
            }
            if i > 0 {
                self.out.push_str(", ");
            }
            self.value(x);
        }
        self.out.push(' ');
        self.out.push_str(close);
    }

    fn value(&mut self, v: &Value) {
        if self.full() {
            return;
        }
        let addr = match v {
            Value::List(l) => std::rc::Rc::as_ptr(l) as *const u8 as usize,
            Value::Tuple(t) => std::rc::Rc::as_ptr(t) as *const u8 as usize,
            Value::Dict(d) => std::rc::Rc::as_ptr(d) as *const u8 as usize,
            _ => {
                write_repr(&mut self.out, v);
                return;
            }
        };
        if self.path.contains(&addr) {
            self.out.push_str("[Circular]");
            return;
        }
        if self.path.len() >= 64 {
            self.out.push_str("...");
            return;
        }
        self.path.push(addr);
        match v {
            Value::List(l) => {
                let items = l.items().clone();
                self.seq("[", "]", &items)
            }
            Value::Tuple(t) => self.seq("(", ")", t),
            Value::Dict(d) => {
                let entries: Vec<(Value, Value)> = d
                    .entries()
                    .iter()
                    .map(|(k, x)| (k.value.clone(), x.clone()))
                    .collect();
                if entries.is_empty() {
                    self.out.push_str("{}");
                } else {
                    self.out.push_str("{ ");
                    for (i, (k, x)) in entries.iter().enumerate() {
                        if self.full() {
                            break;
                        }
                        if i > 0 {
                            self.out.push_str(", ");
                        }
                        self.value(k);
                        self.out.push_str(": ");
                        self.value(x);
                    }
                    self.out.push_str(" }");
                }
            }
            _ => {}
        }
        self.path.pop();
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
        // Printed output is kept with the run: it counts against the budget.
        thread.account(line.len())?;
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
        None => Err(EvalError::with_kind(
            ErrorKind::Host,
            match s.kind {
                Kind::Config => {
                    format!("config value {k:?} is not set: pass --config {k}=... or a config file")
                }
                Kind::Secrets => {
                    format!("secret {k:?} is not set: pass --secret {k}=... or a secrets file")
                }
            },
        )),
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

/// Characters percent-encoded in a URL component by a careful client: all
/// but RFC 3986's unreserved ones.
const URL_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// Characters a URL parser percent-encodes in a query (WHATWG URL).
const URL_QUERY: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'\'');
/// Characters a URL parser percent-encodes in a path (WHATWG URL).
const URL_PATH: &AsciiSet = &URL_QUERY.add(b'?').add(b'`').add(b'{').add(b'}');

/// The escaped forms in which a secret value shows up: inside a Starlark
/// string literal (`repr`, nested `print`, error messages), a JSON string
/// (`json.encode`) and a URL (`http` params, form bodies, a URL built by
/// hand and normalized by the parser).
fn escaped_forms(v: &str) -> Vec<String> {
    let mut forms = Vec::with_capacity(6);
    let quoted = engine::values::repr(&Value::str(v));
    if let Some(inner) = quoted.get(1..quoted.len().saturating_sub(1)) {
        forms.push(inner.to_string());
    }
    if let Ok(json) = serde_json::to_string(v) {
        if let Some(inner) = json.get(1..json.len().saturating_sub(1)) {
            forms.push(inner.to_string());
        }
    }
    forms.push(form_urlencoded::byte_serialize(v.as_bytes()).collect());
    for set in [URL_COMPONENT, URL_QUERY, URL_PATH] {
        forms.push(utf8_percent_encode(v, set).to_string());
    }
    forms
}

impl Redactor {
    /// A redactor for these secret values: it hides each value as given and
    /// in every escaped form it may take (see [`escaped_forms`]).
    pub fn new<'a>(values: impl IntoIterator<Item = &'a String>) -> Redactor {
        let mut secrets: Vec<String> = Vec::new();
        for v in values.into_iter().filter(|s| !s.is_empty()) {
            secrets.push(v.clone());
            secrets.extend(escaped_forms(v));
        }
        secrets.retain(|s| !s.is_empty());
        // Longest first, so a secret containing another is hidden whole.
        secrets.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        secrets.dedup();
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

    /// Redacts every string cell (and column name) of a body. String
    /// columns of any encoding are redacted in place; a secret inside a
    /// column of another type (a list, a struct, a dictionary) cannot be, and
    /// is an error naming the column, so it is never stored.
    pub fn redact_body(&self, body: &datasets::Body) -> Result<datasets::Body, String> {
        use arrow_array::{Array, ArrayRef, RecordBatch, StringArray};
        use arrow_cast::display::{ArrayFormatter, FormatOptions};
        use arrow_schema::{DataType, Field, Schema};
        use std::sync::Arc;
        if self.is_empty() {
            return Ok(body.clone());
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
        let redact_column = |name: &str, c: &ArrayRef| -> Result<ArrayRef, String> {
            match c.data_type() {
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                    let utf8 = arrow_cast::cast(c, &DataType::Utf8).map_err(|e| e.to_string())?;
                    let Some(a) = utf8.as_any().downcast_ref::<StringArray>() else {
                        return Err(format!("column {name:?}: not a string column"));
                    };
                    if !a.iter().flatten().any(|s| self.leaks(s)) {
                        return Ok(c.clone());
                    }
                    let red: StringArray = a.iter().map(|v| v.map(|s| self.redact(s))).collect();
                    arrow_cast::cast(&red, c.data_type()).map_err(|e| e.to_string())
                }
                DataType::Null
                | DataType::Boolean
                | DataType::Int8
                | DataType::Int16
                | DataType::Int32
                | DataType::Int64
                | DataType::UInt8
                | DataType::UInt16
                | DataType::UInt32
                | DataType::UInt64
                | DataType::Float16
                | DataType::Float32
                | DataType::Float64
                | DataType::Date32
                | DataType::Date64
                | DataType::Timestamp(..) => Ok(c.clone()),
                other => {
                    let f = ArrayFormatter::try_new(c.as_ref(), &FormatOptions::default())
                        .map_err(|e| e.to_string())?;
                    if (0..c.len()).any(|i| self.leaks(&f.value(i).to_string())) {
                        return Err(format!(
                            "column {name:?} ({other}) holds a secret value, which cannot be redacted inside this type; store it as a string column or leave the secret out"
                        ));
                    }
                    Ok(c.clone())
                }
            }
        };
        let mut batches = Vec::with_capacity(body.batches.len());
        for b in &body.batches {
            let columns = b
                .columns()
                .iter()
                .zip(schema.fields())
                .map(|(c, f)| redact_column(f.name(), c))
                .collect::<Result<Vec<_>, String>>()?;
            batches.push(RecordBatch::try_new(schema.clone(), columns).map_err(|e| e.to_string())?);
        }
        Ok(datasets::Body { schema, batches })
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
    fn redactor_hides_escaped_forms() {
        let r = Redactor::new(&["pa\"ss\\w".to_string()]);
        let nested = console_format(&Value::list(vec![Value::str("pa\"ss\\w")]));
        assert_eq!(r.redact(&nested), "[ \"[redacted]\" ]");
        assert_eq!(r.redact(r#"{"t":"pa\"ss\\w"}"#), r#"{"t":"[redacted]"}"#);
    }

    #[test]
    fn redactor_hides_url_encoded_forms() {
        let r = Redactor::new(&["a b/c?d&é".to_string()]);
        for text in [
            "https://x/?key=a+b%2Fc%3Fd%26%C3%A9",
            "https://x/?key=a%20b%2Fc%3Fd%26%C3%A9",
            "https://x/a%20b/c%3Fd&%C3%A9",
            "https://x/?key=a%20b/c?d&%C3%A9",
        ] {
            assert!(r.leaks(text), "{text}");
            assert!(!r.redact(text).contains("%2Fc") && !r.redact(text).contains("b/c"));
        }
    }

    #[test]
    fn redactor_hides_longest_first() {
        let r = Redactor::new(&["abc".to_string(), "abcdef".to_string(), String::new()]);
        assert_eq!(r.redact("x abcdef y abc"), "x [redacted] y [redacted]");
        assert_eq!(r.redact("nothing"), "nothing");
    }

    #[test]
    fn console_format_marks_cycles_and_stops_at_the_cap() {
        let l = Value::list(vec![Value::Int(1)]);
        if let Value::List(inner) = &l {
            inner.push(l.clone()).unwrap();
            inner.push(l.clone()).unwrap();
        }
        assert_eq!(console_format(&l), "[ 1, [Circular], [Circular] ]");
        // Shared (not cyclic) sublists doubling 40 times: capped, not 2^40.
        let mut a = Value::list(vec![Value::str("xxxxxxxx")]);
        for _ in 0..40 {
            a = Value::list(vec![a.clone(), a.clone()]);
        }
        let s = console_format(&a);
        assert!(
            s.len() <= MAX_PRINT_BYTES + 4 && s.ends_with('…'),
            "{}",
            s.len()
        );
    }

    #[test]
    fn console_format_quotes_nested_strings_only() {
        assert_eq!(console_format(&Value::str("a\"b")), "a\"b");
        let l = Value::list(vec![Value::str("a\"b"), Value::None, Value::Bool(true)]);
        assert_eq!(console_format(&l), "[ \"a\\\"b\", None, True ]");
    }
}

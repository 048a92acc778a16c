//! Redaction: every secret value, in each escaped form it may take, is
//! replaced by `[redacted]` in what a run returns and prints.

use engine::Value;
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS, NON_ALPHANUMERIC};

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
    use crate::print::console_format;

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
}

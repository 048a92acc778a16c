//! Redaction: every secret value, in each escaped form it may take, is
//! replaced by `[redacted]` in what a run returns and prints.
//!
//! What redaction cannot catch: a script that transforms a secret (reverses,
//! base64-encodes, hashes or splits it, or escapes it in a way not listed in
//! [`escaped_forms`]) gets the transformed text past it.

use aho_corasick::AhoCorasick;
use engine::Value;
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS, NON_ALPHANUMERIC};

/// Replaces every occurrence of each (non-empty) secret value with `[redacted]`.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Every form of every secret, longest first.
    forms: Vec<String>,
    /// Finds the forms, ignoring ASCII case; `None` when there are none.
    matcher: Option<AhoCorasick>,
}

/// Characters percent-encoded in a URL component by a careful client: all
/// but RFC 3986's unreserved ones.
const URL_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// The WHATWG URL parser's percent-encode sets (the `url` crate's):
/// fragment, query, special-scheme query, path and userinfo.
const URL_FRAGMENT: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'<').add(b'>').add(b'`');
const URL_QUERY: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'#').add(b'<').add(b'>');
const URL_SPECIAL_QUERY: &AsciiSet = &URL_QUERY.add(b'\'');
const URL_PATH: &AsciiSet = &URL_QUERY.add(b'?').add(b'`').add(b'{').add(b'}');
const URL_USERINFO: &AsciiSet = &URL_PATH
    .add(b'/')
    .add(b':')
    .add(b';')
    .add(b'=')
    .add(b'@')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'|');

/// The escaped forms in which a secret value shows up: inside a Starlark
/// string literal (`repr`, nested `print`, error messages), a JSON string
/// (`json.encode`), a quoted CSV field (`"` doubled) and a URL (`http`
/// params, form bodies, and a URL built by hand and rewritten by the parser:
/// percent-encoded in the userinfo, path, query or fragment). Host names
/// are lower-cased by the parser, and percent-escapes may be written `%2f`
/// or `%2F`, so the forms are matched ignoring ASCII case.
fn escaped_forms(v: &str) -> Vec<String> {
    let mut forms = Vec::with_capacity(10);
    let quoted = engine::values::repr(&Value::str(v));
    if let Some(inner) = quoted.get(1..quoted.len().saturating_sub(1)) {
        forms.push(inner.to_string());
    }
    if let Ok(json) = serde_json::to_string(v) {
        if let Some(inner) = json.get(1..json.len().saturating_sub(1)) {
            forms.push(inner.to_string());
        }
    }
    forms.push(v.replace('"', "\"\""));
    forms.push(form_urlencoded::byte_serialize(v.as_bytes()).collect());
    for set in [
        URL_COMPONENT,
        URL_FRAGMENT,
        URL_QUERY,
        URL_SPECIAL_QUERY,
        URL_PATH,
        URL_USERINFO,
    ] {
        forms.push(utf8_percent_encode(v, set).to_string());
    }
    forms
}

impl Redactor {
    /// A redactor for these secret values: it hides each value as given and
    /// in every escaped form it may take (see [`escaped_forms`]).
    pub fn new<'a>(values: impl IntoIterator<Item = &'a String>) -> Redactor {
        let mut forms: Vec<String> = Vec::new();
        for v in values.into_iter().filter(|s| !s.is_empty()) {
            forms.push(v.clone());
            forms.extend(escaped_forms(v));
        }
        forms.retain(|s| !s.is_empty());
        forms.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        forms.dedup();
        let matcher = (!forms.is_empty()).then(|| {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(&forms)
                .expect("secret values fit the matcher")
        });
        Redactor { forms, matcher }
    }

    /// True when there are no secrets to hide.
    pub fn is_empty(&self) -> bool {
        self.forms.is_empty()
    }

    /// Whether `text` contains a secret.
    pub fn leaks(&self, text: &str) -> bool {
        self.matcher.as_ref().is_some_and(|m| m.is_match(text))
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

    /// `text` with every secret value replaced. Where occurrences overlap,
    /// every byte of each is hidden under one `[redacted]`.
    pub fn redact(&self, text: &str) -> String {
        let Some(m) = &self.matcher else {
            return text.to_string();
        };
        let mut hits: Vec<(usize, usize)> = m
            .find_overlapping_iter(text)
            .map(|h| (h.start(), h.end()))
            .collect();
        if hits.is_empty() {
            return text.to_string();
        }
        hits.sort_unstable();
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (start, end) in hits {
            if start >= at {
                out.push_str(&text[at..start]);
                out.push_str("[redacted]");
            }
            at = at.max(end);
        }
        out.push_str(&text[at..]);
        out
    }

    /// `text` redacted, then cut to at most `max` bytes (and `…`). When the
    /// text is cut, here or before (`cut`), the beginning of a secret left at
    /// the cut is dropped too: no part of a secret survives a cut edge.
    pub fn redact_capped(&self, text: &str, max: usize, cut: bool) -> String {
        let mut s = self.redact(text);
        let cut = cut || s.len() > max;
        if !cut {
            return s;
        }
        s.truncate(floor_char_boundary(&s, max));
        let tail = self
            .forms
            .iter()
            .filter_map(|f| {
                (1..f.len().min(s.len() + 1))
                    .rev()
                    .find(|&k| s.as_bytes()[s.len() - k..].eq_ignore_ascii_case(&f.as_bytes()[..k]))
            })
            .max()
            .unwrap_or(0);
        s.truncate(floor_char_boundary(&s, s.len() - tail));
        s.push('…');
        s
    }
}

/// The largest char boundary of `s` at or below `at`.
pub(crate) fn floor_char_boundary(s: &str, at: usize) -> usize {
    let mut cut = at.min(s.len());
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    cut
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

    #[test]
    fn redactor_hides_csv_quoted_and_parser_rewritten_forms() {
        let r = Redactor::new(&["ab\"cd".to_string()]);
        assert_eq!(r.redact("x,\"ab\"\"cd\"\n"), "x,\"[redacted]\"\n");
        // Userinfo: the URL parser encodes ^ and | there, but not & or !.
        let r = Redactor::new(&["Tok^en&x|y!z".to_string()]);
        let url = "http://user:Tok%5Een&x%7Cy!z@example.invalid/";
        assert_eq!(r.redact(url), "http://user:[redacted]@example.invalid/");
        // Host names are lower-cased by the parser; %2f and %2F both occur.
        let r = Redactor::new(&["HostSecret42".to_string(), "a/b".to_string()]);
        assert_eq!(
            r.redact("http://hostsecret42.example.invalid/?k=a%2fb"),
            "http://[redacted].example.invalid/?k=[redacted]"
        );
    }

    #[test]
    fn overlapping_secrets_are_hidden_whole() {
        let r = Redactor::new(&["abcd".to_string(), "cdef".to_string()]);
        assert_eq!(
            r.redact("xabcdefy abcd cdef"),
            "x[redacted]y [redacted] [redacted]"
        );
        assert_eq!(r.redact("abcdabcd"), "[redacted][redacted]");
    }

    #[test]
    fn a_cut_drops_the_beginning_of_a_secret() {
        let r = Redactor::new(&["secret-token".to_string()]);
        assert_eq!(r.redact_capped("abc secret-tok", 100, true), "abc …");
        assert_eq!(r.redact_capped("abc SECRET-tok", 100, true), "abc …");
        assert_eq!(
            r.redact_capped("abc secret-token xyz", 14, false),
            "abc [redacted]…"
        );
        assert_eq!(
            r.redact_capped("abc secret-token xyz", 12, false),
            "abc [redacte…"
        );
        assert_eq!(
            r.redact_capped("abc secret-token", 100, false),
            "abc [redacted]"
        );
        // A form's beginning too (form-urlencoded: "a b" is "a+b").
        let r = Redactor::new(&["a b c d".to_string()]);
        assert_eq!(r.redact_capped("k=a+b+c", 100, true), "k=…");
    }
}

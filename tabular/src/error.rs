//! [`CsvError`], the one error type of the crate, and turning arrow-csv's
//! messages (which count lines and columns in several ways) into a record,
//! a line and a named column.

use arrow_schema::{ArrowError, SchemaRef};
use std::fmt;

/// Everything that can go wrong reading CSV.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CsvError {
    /// Input that does not read: a value that does not fit its column's
    /// type, a record with the wrong number of fields, invalid UTF-8...
    #[error("{}{}: {msg}", position(*.record, *.line), .column.as_ref().map(|c| format!(", column {c}")).unwrap_or_default())]
    Parse {
        /// The 1-based data record (row) at fault, when known (0 if unknown).
        record: u64,
        /// The 1-based text line at fault, when known.
        line: Option<u64>,
        /// The column at fault, when known.
        column: Option<Column>,
        /// What was wrong.
        msg: String,
        /// The value does not fit its column's type: types inferred from
        /// more records might fit.
        type_mismatch: bool,
    },

    /// Reading the input failed.
    #[error("i/o error {context}: {source}")]
    Io {
        /// What was being done, with the path when there is one.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// An Arrow operation failed (not because of the input's text).
    #[error("arrow error: {0}")]
    Arrow(#[from] ArrowError),

    /// The thread parsing a file panicked.
    #[error("the csv reader thread panicked")]
    Panicked,

    /// The caller's watcher stopped the read (see [`crate::read_slice_watched`]):
    /// a budget ran out or the run was cancelled.
    #[error("{0}")]
    Stopped(String),
}

impl CsvError {
    /// True when a value does not fit its column's type (a schema inferred
    /// from more of the input might fit).
    pub fn is_type_mismatch(&self) -> bool {
        matches!(
            self,
            CsvError::Parse {
                type_mismatch: true,
                ..
            }
        )
    }

    /// Wrap an I/O error with a description of what was being done.
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        CsvError::Io {
            context: context.into(),
            source,
        }
    }
}

/// A column named in an error: its 0-based index and, when known, name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The 0-based position of the column.
    pub index: usize,
    /// The column's name, when the schema is known.
    pub name: Option<String>,
}

impl Column {
    /// Column `index` of `schema`, named when the schema has it.
    pub(crate) fn of(schema: &SchemaRef, index: usize) -> Column {
        Column {
            index,
            name: schema.fields().get(index).map(|f| f.name().clone()),
        }
    }
}

impl fmt::Display for Column {
    /// `'name' (#3)`, or `#3` without a name (1-based).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(n) => write!(f, "'{n}' (#{})", self.index + 1),
            None => write!(f, "#{}", self.index + 1),
        }
    }
}

/// Where in a text input something is: `record 4 (line 5)`, `record 4`,
/// `line 5` (record 0 is unknown), or `unknown position`.
pub fn position(record: u64, line: Option<u64>) -> String {
    match (record, line) {
        (0, Some(l)) => format!("line {l}"),
        (r, Some(l)) => format!("record {r} (line {l})"),
        (0, None) => "unknown position".to_string(),
        (r, None) => format!("record {r}"),
    }
}

/// Find `word <number>` in an arrow error message.
fn number_after(msg: &str, word: &str) -> Option<u64> {
    let mut rest = msg;
    while let Some(i) = rest.find(word) {
        rest = &rest[i + word.len()..];
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        if !digits.is_empty() {
            return digits.parse().ok();
        }
    }
    None
}

/// Turn an arrow-csv error into [`CsvError::Parse`] with the record, line
/// and column (named from `schema`).
pub(crate) fn from_arrow(e: ArrowError, schema: &SchemaRef, has_header: bool) -> CsvError {
    let type_mismatch = matches!(e, ArrowError::ParseError(_));
    let msg = match e {
        ArrowError::ParseError(m) | ArrowError::CsvError(m) => m,
        other => other.to_string(),
    };
    let header = u64::from(has_header);
    let (record, column) =
        if msg.contains("Error while parsing value") || msg.contains("Error parsing column") {
            // arrow-csv value errors count lines from 0 including the header,
            // so with a header the number is the 1-based record.
            let line = number_after(&msg, "at line ").unwrap_or(0);
            let col = number_after(&msg, "for column ")
                .or_else(|| number_after(&msg, "Error parsing column "));
            (if has_header { line } else { line + 1 }, col)
        } else if let Some(line) = number_after(&msg, "for line ") {
            // arrow-csv field-count and UTF-8 errors: the 1-based file line,
            // field numbers from 1.
            let col = number_after(&msg, "and field ").map(|f| f.saturating_sub(1));
            (line.saturating_sub(header), col)
        } else if let Some(line) = number_after(&msg, "at line ") {
            // The csv crate (schema inference): the 1-based file line, fields from 0.
            (line.saturating_sub(header), number_after(&msg, "in field "))
        } else {
            (0, None)
        };
    CsvError::Parse {
        record,
        line: (record > 0).then_some(record + header),
        column: column.map(|c| Column::of(schema, c as usize)),
        msg: short_message(msg),
        type_mismatch,
    }
}

/// arrow-csv's message without what the position already says (the line
/// and column numbers, the row's data).
fn short_message(msg: String) -> String {
    if msg.contains("unequal lengths") || msg.contains("incorrect number of fields") {
        // From the csv crate ("Expected 2 records, found 1 records") or
        // arrow-csv ("expected 2 got 1").
        let expected = number_after(&msg, "Expected ").or_else(|| number_after(&msg, "expected "));
        let found = number_after(&msg, "found ").or_else(|| number_after(&msg, "got "));
        return match (expected, found) {
            (Some(e), Some(f)) => format!("Expected {e} fields, found {f}"),
            _ => msg,
        };
    }
    let mut short = match msg.find(". Row data:") {
        Some(i) => &msg[..i],
        None => &msg[..],
    };
    if short.starts_with("Error while parsing value") {
        if let Some(i) = short.rfind(" for column ") {
            short = &short[..i];
        }
    }
    short.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_schema::{DataType, Field, Schema};
    use std::sync::Arc;

    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, true),
            Field::new("price", DataType::Float64, true),
        ]))
    }

    #[test]
    fn value_errors_name_record_line_and_column() {
        let e = ArrowError::ParseError(
            "Error while parsing value 'zzz' as type 'Float64' for column 1 at line 4. Row data: '[4,zzz]'"
                .into(),
        );
        let e = from_arrow(e, &schema(), true);
        assert!(e.is_type_mismatch());
        assert_eq!(
            e.to_string(),
            "record 4 (line 5), column 'price' (#2): Error while parsing value 'zzz' as type 'Float64'"
        );
    }

    #[test]
    fn field_counts_read_the_same_from_both_parsers() {
        let infer = ArrowError::CsvError(
            "Encountered unequal lengths between records on CSV file. Expected 2 records, found 1 records at line 3"
                .into(),
        );
        let read =
            ArrowError::CsvError("incorrect number of fields for line 3, expected 2 got 1".into());
        for e in [infer, read] {
            let e = from_arrow(e, &schema(), true);
            assert!(!e.is_type_mismatch());
            assert_eq!(
                e.to_string(),
                "record 2 (line 3): Expected 2 fields, found 1"
            );
        }
    }

    #[test]
    fn utf8_errors_name_the_field() {
        let e =
            ArrowError::CsvError("Encountered invalid UTF-8 data for line 3 and field 2".into());
        match from_arrow(e, &schema(), true) {
            CsvError::Parse { record, column, .. } => {
                assert_eq!(record, 2);
                assert_eq!(
                    column.map(|c| c.to_string()).as_deref(),
                    Some("'price' (#2)")
                );
            }
            other => panic!("{other}"),
        }
    }
}

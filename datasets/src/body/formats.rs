//! The body file formats (CSV, JSON, NDJSON, Parquet): their names, and
//! telling them from a file extension or a name.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::error::{DatasetError, Result};

/// A body file format for import and export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON array of objects.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// Apache Parquet.
    Parquet,
}

impl Format {
    /// The lowercase name (`csv`, `json`, `ndjson`, `parquet`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::Parquet => "parquet",
        }
    }

    /// Guess the format from a file extension (`.csv`, `.tsv` (CSV
    /// separated by tabs, see [`Format::delimiter_of`]), `.json`,
    /// `.ndjson`/`.jsonl`, `.parquet`).
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "tsv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            "ndjson" | "jsonl" => Some(Format::Ndjson),
            "parquet" | "pq" => Some(Format::Parquet),
            _ => None,
        }
    }
}

impl Format {
    /// The field delimiter a CSV-like file's extension implies: a tab for
    /// `.tsv`, else None (a comma unless told otherwise).
    pub fn delimiter_of(path: &Path) -> Option<u8> {
        let ext = path.extension()?.to_str()?;
        ext.eq_ignore_ascii_case("tsv").then_some(b'\t')
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = DatasetError;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "ndjson" | "jsonl" => Ok(Format::Ndjson),
            "parquet" => Ok(Format::Parquet),
            _ => Err(DatasetError::Invalid(format!(
                "unknown body format '{s}'; expected csv, json, ndjson or parquet"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_is_csv_separated_by_tabs() {
        let p = Path::new("data/Trees.TSV");
        assert_eq!(Format::from_path(p), Some(Format::Csv));
        assert_eq!(Format::delimiter_of(p), Some(b'\t'));
        assert_eq!(Format::delimiter_of(Path::new("t.csv")), None);
    }
}

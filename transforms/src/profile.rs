//! Column profiles of a body, as a notebook shows them beside a table:
//! type, nulls, min and max, distinct values, and a histogram of numeric
//! columns.

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::Array;
use arrow_cast::display::{ArrayFormatter, FormatOptions};
use arrow_schema::DataType;
use datasets::Body;
use serde::Serialize;
use std::collections::HashSet;

/// Bins in a numeric column's histogram.
pub const BINS: usize = 10;

/// Distinct values are counted up to this many; beyond it the count is a
/// lower bound (`distinct_capped`).
pub const DISTINCT_CAP: usize = 100_000;

/// One column's profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnProfile {
    /// The column's name.
    pub name: String,
    /// Its type as scripts see it.
    #[serde(rename = "type")]
    pub type_name: String,
    /// Null cells.
    pub nulls: usize,
    /// The smallest value, as text (`None` when every cell is null).
    pub min: Option<String>,
    /// The largest value, as text.
    pub max: Option<String>,
    /// Distinct non-null values (at most [`DISTINCT_CAP`]).
    pub distinct: usize,
    /// Whether `distinct` stopped at the cap.
    pub distinct_capped: bool,
    /// For numeric columns: [`BINS`] equal-width bins from min to max.
    pub histogram: Option<Vec<usize>>,
}

/// The profile of every column of `body`.
pub fn profile(body: &Body) -> Vec<ColumnProfile> {
    body.schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, field)| {
            let columns: Vec<&dyn Array> =
                body.batches.iter().map(|b| b.column(i).as_ref()).collect();
            profile_column(field.name(), field.data_type(), &columns)
        })
        .collect()
}

fn is_numeric(dt: &DataType) -> bool {
    dt.is_numeric() && !matches!(dt, DataType::Decimal128(..) | DataType::Decimal256(..))
}

fn profile_column(name: &str, dt: &DataType, chunks: &[&dyn Array]) -> ColumnProfile {
    let nulls = chunks.iter().map(|c| c.null_count()).sum();
    let mut p = ColumnProfile {
        name: name.to_string(),
        type_name: starlib::table::convert::type_name(dt),
        nulls,
        min: None,
        max: None,
        distinct: 0,
        distinct_capped: false,
        histogram: None,
    };
    if is_numeric(dt) {
        numeric(&mut p, chunks);
    } else {
        textual(&mut p, chunks);
    }
    p
}

/// Min, max, distinct and histogram of a numeric column, read as f64.
fn numeric(p: &mut ColumnProfile, chunks: &[&dyn Array]) {
    let mut values: Vec<f64> = Vec::new();
    for c in chunks {
        let Ok(f) = arrow_cast::cast(*c, &DataType::Float64) else {
            return textual(p, chunks);
        };
        let f = f.as_primitive::<Float64Type>();
        values.extend(f.iter().flatten().filter(|v| v.is_finite()));
    }
    let (Some(min), Some(max)) = (
        values.iter().copied().reduce(f64::min),
        values.iter().copied().reduce(f64::max),
    ) else {
        return;
    };
    let show = |v: f64| {
        if v.fract() == 0.0 && v.abs() < 1e15 {
            format!("{}", v as i64)
        } else {
            format!("{v}")
        }
    };
    p.min = Some(show(min));
    p.max = Some(show(max));
    let mut seen: HashSet<u64> = HashSet::new();
    for v in &values {
        if seen.len() >= DISTINCT_CAP {
            p.distinct_capped = true;
            break;
        }
        seen.insert(v.to_bits());
    }
    p.distinct = seen.len();
    let mut bins = vec![0usize; BINS];
    let width = (max - min) / BINS as f64;
    for v in &values {
        let i = if width > 0.0 {
            (((v - min) / width) as usize).min(BINS - 1)
        } else {
            0
        };
        bins[i] += 1;
    }
    p.histogram = Some(bins);
}

/// Min, max (by text order) and distinct values of any other column.
fn textual(p: &mut ColumnProfile, chunks: &[&dyn Array]) {
    let opts = FormatOptions::default();
    let mut seen: HashSet<String> = HashSet::new();
    let (mut min, mut max): (Option<String>, Option<String>) = (None, None);
    for c in chunks {
        let Ok(f) = ArrayFormatter::try_new(*c, &opts) else {
            return;
        };
        for i in 0..c.len() {
            if c.is_null(i) {
                continue;
            }
            let v = f.value(i).to_string();
            if min.as_ref().is_none_or(|m| v < *m) {
                min = Some(v.clone());
            }
            if max.as_ref().is_none_or(|m| v > *m) {
                max = Some(v.clone());
            }
            if seen.len() < DISTINCT_CAP {
                seen.insert(v);
            } else if !seen.contains(&v) {
                p.distinct_capped = true;
            }
        }
    }
    p.min = min;
    p.max = max;
    p.distinct = seen.len();
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Int64Array, RecordBatch, StringArray};
    use arrow_schema::{Field, Schema};
    use std::sync::Arc;

    fn body() -> Body {
        let schema = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int64, true),
            Field::new("s", DataType::Utf8, true),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Int64Array::from(vec![Some(1), Some(10), None, Some(10)])),
                Arc::new(StringArray::from(vec![
                    Some("b"),
                    None,
                    Some("a"),
                    Some("b"),
                ])),
            ],
        )
        .unwrap();
        Body {
            schema,
            batches: vec![batch],
        }
    }

    #[test]
    fn numeric_columns_get_min_max_distinct_and_a_histogram() {
        let p = profile(&body());
        assert_eq!(p[0].type_name, "int");
        assert_eq!(p[0].nulls, 1);
        assert_eq!(
            (p[0].min.as_deref(), p[0].max.as_deref()),
            (Some("1"), Some("10"))
        );
        assert_eq!(p[0].distinct, 2);
        let h = p[0].histogram.as_ref().unwrap();
        assert_eq!((h[0], h[BINS - 1], h.iter().sum::<usize>()), (1, 2, 3));
    }

    #[test]
    fn text_columns_get_min_max_and_distinct_but_no_histogram() {
        let p = profile(&body());
        assert_eq!(p[1].nulls, 1);
        assert_eq!(
            (p[1].min.as_deref(), p[1].max.as_deref()),
            (Some("a"), Some("b"))
        );
        assert_eq!(p[1].distinct, 2);
        assert!(p[1].histogram.is_none());
    }
}

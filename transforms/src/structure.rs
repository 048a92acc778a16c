//! `ds.set_structure(...)`: a declared schema the body must take.
//!
//! Two forms are accepted:
//!
//! - Quarry's: `{"schema": [{"name": "city", "type": "string"}, ...]}`. The
//!   body's columns are matched by name, put in the declared order and cast
//!   to the declared types (`int`, `float`, `string`, `bool`, `date`,
//!   `timestamp`; a column without `type` keeps its own).
//! - Qri's JSON schema for rows as arrays: `{"format": "csv", "schema":
//!   {"type": "array", "items": {"type": "array", "items": [{"title": "city",
//!   "type": "string"}, ...]}}}`. Columns are matched by position, renamed
//!   to the titles and cast (`string`, `integer`, `number`, `boolean`).
//!
//! Other keys (`format`, `formatConfig`, ...) are accepted and ignored: the
//! stored format is always Parquet. The declaration applies to the body
//! when the run ends and to `get_structure()`; a body that does not fit is
//! an error naming the column.

use arrow_array::{ArrayRef, RecordBatch};
use arrow_cast::{cast_with_options, CastOptions};
use arrow_schema::{DataType, Field, Schema};
use datasets::Body;
use serde_json::Value as Json;
use std::sync::Arc;

/// One declared column.
#[derive(Debug, Clone, PartialEq)]
pub struct DeclaredColumn {
    /// Its name.
    pub name: String,
    /// Its type; `None` keeps the body's.
    pub data_type: Option<DataType>,
}

/// A declared structure.
#[derive(Debug, Clone, PartialEq)]
pub struct Declared {
    /// The columns, in order.
    pub columns: Vec<DeclaredColumn>,
    /// Match body columns by position (Qri's form) instead of by name.
    pub by_position: bool,
}

fn qri_type(t: &str) -> Result<Option<DataType>, String> {
    Ok(match t {
        "string" => Some(DataType::Utf8),
        "integer" => Some(DataType::Int64),
        "number" => Some(DataType::Float64),
        "boolean" => Some(DataType::Boolean),
        "" | "any" | "null" => None,
        other => {
            return Err(format!(
                "unknown JSON-schema type {other:?}: want string, integer, number or boolean"
            ))
        }
    })
}

fn field<'a>(obj: &'a Json, key: &str) -> Option<&'a str> {
    obj.get(key).and_then(Json::as_str)
}

/// Whether `v` declares Qri's base schema, `{"schema": {"type": "array"}}`
/// with no `items`: any rows, no column declared (so nothing to conform).
pub fn is_base_schema(v: &Json) -> bool {
    v.get("schema").is_some_and(|s| {
        field(s, "type") == Some("array") && s.get("items").is_none_or(Json::is_null)
    })
}

/// Parses a structure dict (as JSON) into a declaration.
pub fn parse(v: &Json) -> Result<Declared, String> {
    let Some(schema) = v.get("schema") else {
        return Err(
            "the structure has no \"schema\" (want {\"schema\": [{\"name\": ..., \"type\": ...}]})"
                .into(),
        );
    };
    if let Some(cols) = schema.as_array() {
        let columns = cols
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let name = field(c, "name")
                    .ok_or_else(|| format!("schema column {i} needs a \"name\" string"))?;
                let data_type = match c.get("type") {
                    None | Some(Json::Null) => None,
                    Some(Json::String(t)) => Some(
                        starlib::table::convert::parse_type("set_structure", t)
                            .map_err(|e| e.into_data().msg)?,
                    ),
                    Some(other) => {
                        return Err(format!(
                            "schema column {name:?}: \"type\" must be a string such as \"int\", got {other}"
                        ))
                    }
                };
                Ok(DeclaredColumn {
                    name: name.to_string(),
                    data_type,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        if let Some(dup) = columns
            .iter()
            .enumerate()
            .find(|(i, c)| columns[..*i].iter().any(|p| p.name == c.name))
        {
            return Err(format!("the schema declares column {:?} twice", dup.1.name));
        }
        return Ok(Declared {
            columns,
            by_position: false,
        });
    }
    let items = schema
        .get("items")
        .filter(|_| field(schema, "type") == Some("array"))
        .and_then(|rows| rows.get("items"))
        .and_then(Json::as_array)
        .ok_or_else(|| {
            "unsupported schema: want a list of {\"name\", \"type\"} or Qri's {\"type\": \"array\", \"items\": {\"type\": \"array\", \"items\": [...]}}".to_string()
        })?;
    let columns = items
        .iter()
        .enumerate()
        .map(|(i, c)| {
            Ok(DeclaredColumn {
                name: field(c, "title")
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("column_{}", i + 1)),
                data_type: qri_type(field(c, "type").unwrap_or(""))?,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Declared {
        columns,
        by_position: true,
    })
}

/// The body reshaped to the declaration: columns matched, ordered, renamed
/// and cast. A missing, extra or uncastable column is an error.
pub fn conform(body: &Body, d: &Declared) -> Result<Body, String> {
    let schema = &body.schema;
    let n = schema.fields().len();
    let mut picks = Vec::with_capacity(d.columns.len());
    if d.by_position {
        if n != d.columns.len() {
            return Err(format!(
                "the structure declares {} columns, the body has {n}",
                d.columns.len()
            ));
        }
        picks.extend(0..n);
    } else {
        for c in &d.columns {
            let i = schema.index_of(&c.name).map_err(|_| {
                format!(
                    "the structure declares column {:?}, which the body does not have (body columns: {})",
                    c.name,
                    names(schema).join(", ")
                )
            })?;
            picks.push(i);
        }
        if let Some(extra) = names(schema)
            .into_iter()
            .find(|b| !d.columns.iter().any(|c| c.name == *b))
        {
            return Err(format!(
                "the body has column {extra:?}, which the structure does not declare"
            ));
        }
    }
    let fields: Vec<Field> = picks
        .iter()
        .zip(&d.columns)
        .map(|(&i, c)| {
            let f = schema.field(i);
            Field::new(
                &c.name,
                c.data_type.clone().unwrap_or_else(|| f.data_type().clone()),
                true,
            )
        })
        .collect();
    let out_schema = Arc::new(Schema::new(fields));
    let opts = CastOptions {
        safe: false,
        ..Default::default()
    };
    let mut batches = Vec::with_capacity(body.batches.len());
    for b in &body.batches {
        let cols = picks
            .iter()
            .zip(out_schema.fields())
            .map(|(&i, f)| {
                cast_with_options(b.column(i), f.data_type(), &opts).map_err(|e| {
                    format!(
                        "column {:?} cannot be cast to {}: {e}",
                        f.name(),
                        starlib::table::convert::type_name(f.data_type())
                    )
                })
            })
            .collect::<Result<Vec<ArrayRef>, String>>()?;
        batches.push(RecordBatch::try_new(out_schema.clone(), cols).map_err(|e| e.to_string())?);
    }
    Ok(Body {
        schema: out_schema,
        batches,
    })
}

fn names(schema: &Schema) -> Vec<String> {
    schema.fields().iter().map(|f| f.name().clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Int64Array, StringArray};

    fn body() -> Body {
        let schema = Arc::new(Schema::new(vec![
            Field::new("a", DataType::Utf8, true),
            Field::new("b", DataType::Int64, true),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(vec!["1", "2"])),
                Arc::new(Int64Array::from(vec![3, 4])),
            ],
        )
        .unwrap();
        Body {
            schema,
            batches: vec![batch],
        }
    }

    #[test]
    fn by_name_reorders_and_casts() {
        let d = parse(&serde_json::json!({"schema": [
            {"name": "b", "type": "float"}, {"name": "a", "type": "int"}
        ]}))
        .unwrap();
        let out = conform(&body(), &d).unwrap();
        assert_eq!(out.schema.field(0).name(), "b");
        assert_eq!(out.schema.field(0).data_type(), &DataType::Float64);
        assert_eq!(out.schema.field(1).data_type(), &DataType::Int64);
    }

    #[test]
    fn qri_form_renames_by_position() {
        let d = parse(&serde_json::json!({"format": "csv", "schema": {"type": "array", "items":
            {"type": "array", "items": [{"title": "x", "type": "integer"}, {"title": "y", "type": "string"}]}}}))
        .unwrap();
        let out = conform(&body(), &d).unwrap();
        assert_eq!(out.schema.field(0).name(), "x");
        assert_eq!(out.schema.field(1).data_type(), &DataType::Utf8);
    }

    #[test]
    fn mismatches_are_errors_naming_the_column() {
        let d = parse(&serde_json::json!({"schema": [{"name": "a"}]})).unwrap();
        assert!(conform(&body(), &d).unwrap_err().contains("\"b\""));
        let d = parse(&serde_json::json!({"schema": [{"name": "a"}, {"name": "zz"}]})).unwrap();
        assert!(conform(&body(), &d).unwrap_err().contains("\"zz\""));
        let d =
            parse(&serde_json::json!({"schema": [{"name": "a", "type": "bool"}, {"name": "b"}]}))
                .unwrap();
        assert!(conform(&body(), &d).unwrap_err().contains("cannot be cast"));
        assert!(parse(&serde_json::json!({"format": "csv"})).is_err());
    }
}

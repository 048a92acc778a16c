//! What `quarry apply` shows before anything is committed: the result's
//! schema, its row count, its first rows as text, and a diff summary
//! against the dataset's latest version.

use arrow_cast::display::{ArrayFormatter, FormatOptions};
use datasets::{
    diff_bodies, diff_meta, diff_structure, Body, BodyDiff, DatasetError, DiffOptions, FieldChange,
    Meta, Structure, StructureDiff, VersionId,
};
use serde::Serialize;

/// A column of the previewed body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreviewColumn {
    /// Its name.
    pub name: String,
    /// Its type as scripts see it (`int`, `float`, `string`, ...).
    #[serde(rename = "type")]
    pub type_name: String,
    /// Whether it may hold nulls.
    pub nullable: bool,
}

/// A dry run's result, ready to render.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Preview {
    /// The columns.
    pub columns: Vec<PreviewColumn>,
    /// Rows in the result.
    pub rows: u64,
    /// The first rows, each cell formatted as text (nulls as empty strings).
    pub head: Vec<Vec<String>>,
    /// The version compared against (`None`: the dataset is new).
    pub against: Option<VersionId>,
    /// Column changes against that version.
    pub structure: StructureDiff,
    /// Meta field changes.
    pub meta: Vec<FieldChange>,
    /// Row changes.
    pub body: BodyDiff,
}

/// The latest version a preview compares against.
pub struct Baseline<'a> {
    /// Its id.
    pub id: VersionId,
    /// Its body.
    pub body: &'a Body,
    /// Its meta.
    pub meta: Option<&'a Meta>,
}

/// The first `limit` rows of `body`, each cell as display text.
pub fn head_rows(body: &Body, limit: usize) -> Result<Vec<Vec<String>>, DatasetError> {
    rows_at(body, 0, limit)
}

/// Rows `offset..offset + limit` of `body` (fewer at its end), each cell as
/// display text (nulls empty).
pub fn rows_at(body: &Body, offset: usize, limit: usize) -> Result<Vec<Vec<String>>, DatasetError> {
    let opts = FormatOptions::default().with_null("");
    let mut out = Vec::new();
    let mut skip = offset;
    for batch in &body.batches {
        if out.len() >= limit {
            break;
        }
        if skip >= batch.num_rows() {
            skip -= batch.num_rows();
            continue;
        }
        let formatters = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &opts))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| DatasetError::Invalid(format!("formatting rows: {e}")))?;
        for i in std::mem::take(&mut skip)..batch.num_rows() {
            if out.len() >= limit {
                break;
            }
            out.push(formatters.iter().map(|f| f.value(i).to_string()).collect());
        }
    }
    Ok(out)
}

/// The columns of `body` as previews show them.
pub fn columns(body: &Body) -> Vec<PreviewColumn> {
    body.schema
        .fields()
        .iter()
        .map(|f| PreviewColumn {
            name: f.name().clone(),
            type_name: starlib::table::convert::type_name(f.data_type()),
            nullable: f.is_nullable(),
        })
        .collect()
}

/// Builds the preview of a result `body` and `meta` against `baseline`
/// (rows matched by `key` columns when given, else by position).
pub fn preview(
    body: &Body,
    meta: Option<&Meta>,
    baseline: Option<Baseline<'_>>,
    limit: usize,
    key: &[String],
) -> Result<Preview, DatasetError> {
    let rows = body.num_rows() as u64;
    let empty = crate::dataset::empty_body();
    let (old_body, old_meta, against) = match &baseline {
        Some(b) => (b.body, b.meta, Some(b.id)),
        None => (&empty, None, None),
    };
    let describe = |b: &Body| Structure::describe(&b.schema, b.num_rows() as u64, 0);
    let opts = DiffOptions {
        key: key.to_vec(),
        sample: 0,
    };
    Ok(Preview {
        columns: columns(body),
        rows,
        head: head_rows(body, limit)?,
        against,
        structure: diff_structure(&describe(old_body), &describe(body)),
        meta: diff_meta(old_meta, meta)?,
        body: diff_bodies(old_body, body, &opts)?,
    })
}

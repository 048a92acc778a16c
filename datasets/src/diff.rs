//! Diffs between two versions: structure, meta, and body rows.
//!
//! Body rows are compared by key column(s) when given (added, removed,
//! changed) or by position otherwise, on the columns both versions share
//! with the same type; when they share none (besides the key), every
//! matched row counts as changed and the diff says it is `incomparable`. Rows are encoded with arrow-row, so a comparison is
//! a byte comparison and keys go in a hash map. When the two body hashes
//! are equal the bodies are not read at all.
//!
//! [`Store::diff`](crate::Store::diff) loads two versions and calls these.

use arrow_array::{Array, ArrayRef, BooleanArray, RecordBatch, UInt32Array};
use arrow_buffer::BooleanBuffer;
use arrow_row::{RowConverter, Rows, SortField};
use arrow_schema::{ArrowError, DataType, SchemaRef};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::error::{DatasetError, Result};
use crate::model::{Body, Column, Meta, Structure, VersionId};

/// How to diff.
#[derive(Debug, Clone)]
pub struct DiffOptions {
    /// Key column(s) identifying a row; empty for a positional diff.
    pub key: Vec<String>,
    /// How many rows of each kind (added, removed, changed) to include as a sample.
    pub sample: usize,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions {
            key: Vec::new(),
            sample: 10,
        }
    }
}

/// The difference between two versions (`from` → `to`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    /// The older side.
    pub from: VersionId,
    /// The newer side.
    pub to: VersionId,
    /// Components whose hashes differ.
    pub components_changed: Vec<String>,
    /// Column changes.
    pub structure: StructureDiff,
    /// Meta field changes.
    pub meta: Vec<FieldChange>,
    /// Row changes.
    pub body: BodyDiff,
}

/// A column whose type changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Retyped {
    /// Column name.
    pub name: String,
    /// Old type.
    pub from: String,
    /// New type.
    pub to: String,
}

/// Column changes between two structures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StructureDiff {
    /// Columns only in the newer version.
    pub columns_added: Vec<Column>,
    /// Columns only in the older version.
    pub columns_removed: Vec<Column>,
    /// Columns in both whose type changed.
    pub columns_retyped: Vec<Retyped>,
    /// Row count before.
    pub rows_before: u64,
    /// Row count after.
    pub rows_after: u64,
}

impl StructureDiff {
    /// True when no column was added, removed or retyped.
    pub fn is_empty(&self) -> bool {
        self.columns_added.is_empty()
            && self.columns_removed.is_empty()
            && self.columns_retyped.is_empty()
    }
}

/// A meta field that was added, removed or changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// The key.
    pub field: String,
    /// Its old value (None: added).
    pub old: Option<Value>,
    /// Its new value (None: removed).
    pub new: Option<Value>,
}

/// How body rows were matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyDiffMode {
    /// The body hashes were equal: nothing was read.
    Identical,
    /// Rows matched by these key columns.
    Keyed(Vec<String>),
    /// Row i against row i.
    Positional,
}

/// A changed row in a sample.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangedRow {
    /// The row before.
    pub old: Value,
    /// The row after.
    pub new: Value,
    /// The compared columns whose values differ.
    pub columns: Vec<String>,
}

/// Row changes between two bodies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BodyDiff {
    /// How rows were matched.
    pub mode: BodyDiffMode,
    /// The columns compared for "changed" (in both, same type; keys excluded).
    pub compared_columns: Vec<String>,
    /// True when the bodies have columns besides the key but none of them
    /// can be compared (no column in both with the same type): matched rows
    /// cannot be told equal, so every one counts as changed.
    pub incomparable: bool,
    /// Rows only in the newer body.
    pub added: u64,
    /// Rows only in the older body.
    pub removed: u64,
    /// Rows in both whose compared columns differ.
    pub changed: u64,
    /// Rows in both that are equal.
    pub unchanged: u64,
    /// Up to `sample` added rows.
    pub sample_added: Vec<Value>,
    /// Up to `sample` removed rows.
    pub sample_removed: Vec<Value>,
    /// Up to `sample` changed rows.
    pub sample_changed: Vec<ChangedRow>,
}

impl BodyDiff {
    /// The diff of two bodies with the same hash: `rows` rows, all unchanged.
    pub(crate) fn identical(rows: u64) -> Self {
        BodyDiff {
            mode: BodyDiffMode::Identical,
            compared_columns: Vec::new(),
            incomparable: false,
            added: 0,
            removed: 0,
            changed: 0,
            unchanged: rows,
            sample_added: Vec::new(),
            sample_removed: Vec::new(),
            sample_changed: Vec::new(),
        }
    }

    /// True when no row was added, removed or changed.
    pub fn is_empty(&self) -> bool {
        self.added == 0 && self.removed == 0 && self.changed == 0
    }
}

/// Compare two structures' columns.
pub fn diff_structure(old: &Structure, new: &Structure) -> StructureDiff {
    let old_cols: BTreeMap<&str, &Column> =
        old.schema.iter().map(|c| (c.name.as_str(), c)).collect();
    let new_cols: BTreeMap<&str, &Column> =
        new.schema.iter().map(|c| (c.name.as_str(), c)).collect();
    let mut d = StructureDiff {
        rows_before: old.rows,
        rows_after: new.rows,
        ..Default::default()
    };
    for c in &new.schema {
        match old_cols.get(c.name.as_str()) {
            None => d.columns_added.push(c.clone()),
            Some(o) if o.data_type != c.data_type => d.columns_retyped.push(Retyped {
                name: c.name.clone(),
                from: o.data_type.clone(),
                to: c.data_type.clone(),
            }),
            Some(_) => {}
        }
    }
    for c in &old.schema {
        if !new_cols.contains_key(c.name.as_str()) {
            d.columns_removed.push(c.clone());
        }
    }
    d
}

/// Compare two metas field by field (named fields and extra keys alike).
pub fn diff_meta(old: Option<&Meta>, new: Option<&Meta>) -> Result<Vec<FieldChange>> {
    let as_map = |m: Option<&Meta>| -> Result<serde_json::Map<String, Value>> {
        match m.map(serde_json::to_value).transpose()? {
            Some(Value::Object(o)) => Ok(o),
            _ => Ok(serde_json::Map::new()),
        }
    };
    let (o, n) = (as_map(old)?, as_map(new)?);
    let keys: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
    Ok(keys
        .into_iter()
        .filter(|k| o.get(*k) != n.get(*k))
        .map(|k| FieldChange {
            field: k.clone(),
            old: o.get(k).cloned(),
            new: n.get(k).cloned(),
        })
        .collect())
}

/// Encode columns of `batch` as rows with `conv`.
fn encode(conv: &RowConverter, batch: &RecordBatch, cols: &[usize]) -> Result<Rows> {
    let arrays: Vec<ArrayRef> = cols.iter().map(|&i| batch.column(i).clone()).collect();
    Ok(conv.convert_columns(&arrays)?)
}

/// A row converter for columns `cols` of `schema`.
fn converter(schema: &SchemaRef, cols: &[usize]) -> Result<RowConverter> {
    Ok(RowConverter::new(
        cols.iter()
            .map(|&i| SortField::new(schema.field(i).data_type().clone()))
            .collect(),
    )?)
}

/// Run two closures on two threads and return both results.
fn both<A: Send, B: Send>(
    a: impl FnOnce() -> Result<A> + Send,
    b: impl FnOnce() -> Result<B> + Send,
) -> Result<(A, B)> {
    std::thread::scope(|s| {
        let h = s.spawn(a);
        let rb = b();
        let ra = h
            .join()
            .unwrap_or_else(|_| Err(DatasetError::Diff("diff worker thread panicked".into())));
        Ok((ra?, rb?))
    })
}

/// Rows `idx` of `batch` as JSON objects (every column, nulls as `null`).
fn rows_json(batch: &RecordBatch, idx: &[u32]) -> Result<Vec<Value>> {
    if idx.is_empty() {
        return Ok(Vec::new());
    }
    let taken = arrow_select::take::take_record_batch(batch, &UInt32Array::from(idx.to_vec()))?;
    let mut buf = Vec::new();
    {
        let mut w = arrow_json::WriterBuilder::new()
            .with_explicit_nulls(true)
            .build::<_, arrow_json::writer::JsonArray>(&mut buf);
        w.write(&taken)?;
        w.finish()?;
    }
    match serde_json::from_slice(&buf)? {
        Value::Array(a) => Ok(a),
        _ => Ok(Vec::new()),
    }
}

/// Which rows of two equally long, aligned columns differ (nulls equal to
/// nulls): vectorised where arrow can compare the type, by row encoding
/// otherwise (nested types).
fn differing(a: &ArrayRef, b: &ArrayRef) -> Result<BooleanBuffer> {
    match arrow_ord::cmp::distinct(a, b) {
        Ok(d) => Ok(d.values().clone()),
        Err(_) => {
            let conv = RowConverter::new(vec![SortField::new(a.data_type().clone())])?;
            let (ra, rb) = (
                conv.convert_columns(std::slice::from_ref(a))?,
                conv.convert_columns(std::slice::from_ref(b))?,
            );
            Ok(BooleanBuffer::collect_bool(a.len(), |i| {
                ra.row(i).data() != rb.row(i).data()
            }))
        }
    }
}

/// True when a single key column is strictly increasing or strictly
/// decreasing with no nulls (so its values are unique), checked vectorised.
fn strictly_monotonic(col: &ArrayRef) -> bool {
    let n = col.len();
    if n < 2 {
        return true;
    }
    if col.null_count() > 0 {
        return false;
    }
    let (a, b) = (col.slice(0, n - 1), col.slice(1, n - 1));
    let all = |r: std::result::Result<BooleanArray, ArrowError>| {
        r.map(|x| x.null_count() == 0 && x.true_count() == n - 1)
            .unwrap_or(false)
    };
    all(arrow_ord::cmp::lt(&a, &b)) || all(arrow_ord::cmp::gt(&a, &b))
}

/// The first duplicate among `rows`, if any.
fn first_duplicate(rows: &Rows) -> Option<usize> {
    let mut seen: HashSet<&[u8], rustc_hash::FxBuildHasher> =
        HashSet::with_capacity_and_hasher(rows.num_rows(), rustc_hash::FxBuildHasher);
    (0..rows.num_rows()).find(|&i| !seen.insert(rows.row(i).data()))
}

/// The columns a body diff works on, by index in each side's schema.
struct ColumnPlan {
    /// The key columns in the older body.
    key_old: Vec<usize>,
    /// The same key columns in the newer body.
    key_new: Vec<usize>,
    /// The compared columns in the older body.
    val_old: Vec<usize>,
    /// The same compared columns in the newer body.
    val_new: Vec<usize>,
    /// The compared columns' names.
    compared: Vec<String>,
}

/// How the rows of the two bodies were paired up.
struct RowMatching {
    /// Matched pairs (older row, newer row); None: row i with row i for the
    /// first `aligned` rows.
    pairs: Option<(Vec<u32>, Vec<u32>)>,
    /// How many leading rows are paired with themselves (when `pairs` is None).
    aligned: usize,
    /// Rows only in the newer body.
    added: Vec<u32>,
    /// Rows only in the older body.
    removed: Vec<u32>,
}

impl RowMatching {
    /// How many row pairs there are.
    fn matched(&self) -> usize {
        self.pairs
            .as_ref()
            .map(|p| p.0.len())
            .unwrap_or(self.aligned)
    }

    /// The `k`th pair (older row, newer row).
    fn pair(&self, k: usize) -> (u32, u32) {
        match &self.pairs {
            Some((po, pn)) => (po[k], pn[k]),
            None => (k as u32, k as u32),
        }
    }
}

/// Diff two bodies by `opts.key` (or by position when it is empty).
///
/// Matched rows are compared column by column with arrow's vectorised
/// kernels. When the key columns of both sides are equal row for row (the
/// usual case: same order, some values changed), no hash map is needed.
pub fn diff_bodies(old: &Body, new: &Body, opts: &DiffOptions) -> Result<BodyDiff> {
    let (old_b, new_b) = both(|| old.concat(), || new.concat())?;
    let plan = plan_columns(&old.schema, &new.schema, &opts.key)?;
    let (mode, matching) = if opts.key.is_empty() {
        let matching = match_by_position(old_b.num_rows(), new_b.num_rows());
        (BodyDiffMode::Positional, matching)
    } else {
        let keys = KeyMatcher {
            os: &old.schema,
            old_b: &old_b,
            new_b: &new_b,
            plan: &plan,
            key: &opts.key,
        };
        let matching = keys.match_rows()?;
        (BodyDiffMode::Keyed(opts.key.clone()), matching)
    };
    let non_key = |s: &SchemaRef| s.fields().iter().any(|f| !opts.key.contains(f.name()));
    let incomparable = plan.compared.is_empty() && (non_key(&old.schema) || non_key(&new.schema));
    let changed_mask = if incomparable {
        BooleanBuffer::new_set(matching.matched())
    } else {
        changed_rows(&old_b, &new_b, &plan, &matching)?
    };
    let changed = changed_mask.count_set_bits() as u64;
    let cap = opts.sample;
    let sample_changed = sample_changed_rows(
        &old_b,
        &new_b,
        &matching,
        &changed_mask,
        &plan.compared,
        cap,
    )?;
    let (added, removed) = (&matching.added, &matching.removed);
    Ok(BodyDiff {
        mode,
        added: added.len() as u64,
        removed: removed.len() as u64,
        changed,
        unchanged: matching.matched() as u64 - changed,
        sample_added: rows_json(&new_b, &added[..added.len().min(cap)])?,
        sample_removed: rows_json(&old_b, &removed[..removed.len().min(cap)])?,
        sample_changed,
        compared_columns: plan.compared,
        incomparable,
    })
}

/// Choose the columns to work on: the key columns (which must be in both
/// bodies with the same type) and the compared columns (in both, same
/// type, not keys, not of the Null type).
fn plan_columns(os: &SchemaRef, ns: &SchemaRef, key: &[String]) -> Result<ColumnPlan> {
    let find = |schema: &SchemaRef, name: &str| schema.index_of(name).ok();
    let mut plan = ColumnPlan {
        key_old: Vec::new(),
        key_new: Vec::new(),
        val_old: Vec::new(),
        val_new: Vec::new(),
        compared: Vec::new(),
    };
    for k in key {
        let (Some(i), Some(j)) = (find(os, k), find(ns, k)) else {
            return Err(DatasetError::Diff(format!(
                "key column '{k}' is not in both versions"
            )));
        };
        if os.field(i).data_type() != ns.field(j).data_type() {
            return Err(DatasetError::Diff(format!(
                "key column '{k}' changed type ({} → {}); diff by position instead",
                os.field(i).data_type(),
                ns.field(j).data_type()
            )));
        }
        plan.key_old.push(i);
        plan.key_new.push(j);
    }
    for (i, f) in os.fields().iter().enumerate() {
        if key.iter().any(|k| k == f.name()) {
            continue;
        }
        if let Some(j) = find(ns, f.name()) {
            if ns.field(j).data_type() == f.data_type() && !matches!(f.data_type(), DataType::Null)
            {
                plan.val_old.push(i);
                plan.val_new.push(j);
                plan.compared.push(f.name().clone());
            }
        }
    }
    Ok(plan)
}

/// Positional matching: row i with row i; the longer side's extra rows are
/// added (newer) or removed (older).
fn match_by_position(n_old: usize, n_new: usize) -> RowMatching {
    let aligned = n_old.min(n_new);
    RowMatching {
        pairs: None,
        aligned,
        added: (aligned as u32..n_new as u32).collect(),
        removed: (aligned as u32..n_old as u32).collect(),
    }
}

/// What key matching works on: both bodies as one batch each, the older
/// body's schema (both sides' keys are encoded with its types), the column
/// plan and the key column names.
struct KeyMatcher<'a> {
    os: &'a SchemaRef,
    old_b: &'a RecordBatch,
    new_b: &'a RecordBatch,
    plan: &'a ColumnPlan,
    key: &'a [String],
}

impl KeyMatcher<'_> {
    /// Key matching. When both sides have the same keys in the same order,
    /// rows pair with themselves and only uniqueness is checked; otherwise
    /// the keys are matched through a hash map.
    fn match_rows(&self) -> Result<RowMatching> {
        let (old_b, new_b) = (self.old_b, self.new_b);
        let (key_old, key_new) = (&self.plan.key_old, &self.plan.key_new);
        let n_old = old_b.num_rows();
        let same_keys = n_old == new_b.num_rows()
            && key_old
                .iter()
                .zip(key_new)
                .all(|(&i, &j)| old_b.column(i).as_ref() == new_b.column(j).as_ref());
        if !same_keys {
            return self.match_by_index();
        }
        let unique = key_old.len() == 1 && strictly_monotonic(old_b.column(key_old[0]));
        if !unique {
            let rows = encode(&converter(self.os, key_old)?, old_b, key_old)?;
            if let Some(i) = first_duplicate(&rows) {
                return Err(duplicate_key("older", old_b, i, self.key));
            }
        }
        Ok(RowMatching {
            pairs: None,
            aligned: n_old,
            added: Vec::new(),
            removed: Vec::new(),
        })
    }

    /// Key matching through a hash map of the older body's encoded keys:
    /// newer rows whose key is there are pairs, the rest are added; older
    /// rows no newer row claimed are removed. A repeated key on either
    /// side fails.
    fn match_by_index(&self) -> Result<RowMatching> {
        let (old_b, new_b, key) = (self.old_b, self.new_b, self.key);
        let (key_old, key_new) = (&self.plan.key_old, &self.plan.key_new);
        let n_new = new_b.num_rows();
        let conv = converter(self.os, key_old)?;
        let (ko, kn) = both(
            || encode(&conv, old_b, key_old),
            || encode(&conv, new_b, key_new),
        )?;
        let mut index: HashMap<&[u8], u32, rustc_hash::FxBuildHasher> =
            HashMap::with_capacity_and_hasher(ko.num_rows(), rustc_hash::FxBuildHasher);
        for i in 0..ko.num_rows() {
            if index.insert(ko.row(i).data(), i as u32).is_some() {
                return Err(duplicate_key("older", old_b, i, key));
            }
        }
        let mut seen = vec![false; ko.num_rows()];
        let (mut po, mut pn) = (Vec::with_capacity(n_new), Vec::with_capacity(n_new));
        let mut added = Vec::new();
        let mut new_only: HashSet<&[u8], rustc_hash::FxBuildHasher> = HashSet::default();
        for j in 0..kn.num_rows() {
            let k = kn.row(j).data();
            match index.get(k) {
                Some(&i) => {
                    if std::mem::replace(&mut seen[i as usize], true) {
                        return Err(duplicate_key("newer", new_b, j, key));
                    }
                    po.push(i);
                    pn.push(j as u32);
                }
                None => {
                    if !new_only.insert(k) {
                        return Err(duplicate_key("newer", new_b, j, key));
                    }
                    added.push(j as u32);
                }
            }
        }
        let removed = seen
            .iter()
            .enumerate()
            .filter(|(_, s)| !**s)
            .map(|(i, _)| i as u32)
            .collect();
        Ok(RowMatching {
            pairs: Some((po, pn)),
            aligned: 0,
            added,
            removed,
        })
    }
}

/// The error for a key that is not unique in one side (`side`: "older" or
/// "newer"), showing the key's values and the row.
fn duplicate_key(side: &str, batch: &RecordBatch, row: usize, key: &[String]) -> DatasetError {
    let values = rows_json(batch, &[row as u32]).unwrap_or_default();
    DatasetError::Diff(format!(
        "key {} is not unique in the {side} version (row {})",
        key_text(&values, key),
        row + 1
    ))
}

/// Which matched pairs differ in a compared column: one bit per pair,
/// comparing column by column (each side's column gathered on its own
/// thread).
fn changed_rows(
    old_b: &RecordBatch,
    new_b: &RecordBatch,
    plan: &ColumnPlan,
    matching: &RowMatching,
) -> Result<BooleanBuffer> {
    let matched = matching.matched();
    let mut changed_mask = BooleanBuffer::new_unset(matched);
    let (take_old, take_new) = match &matching.pairs {
        Some((po, pn)) => (
            Some(UInt32Array::from(po.clone())),
            Some(UInt32Array::from(pn.clone())),
        ),
        None => (None, None),
    };
    for (&i, &j) in plan.val_old.iter().zip(&plan.val_new) {
        let side = |b: &RecordBatch, c: usize, idx: &Option<UInt32Array>| -> Result<ArrayRef> {
            Ok(match idx {
                Some(idx) => arrow_select::take::take(b.column(c).as_ref(), idx, None)?,
                None => b.column(c).slice(0, matched),
            })
        };
        let (a, b) = both(|| side(old_b, i, &take_old), || side(new_b, j, &take_new))?;
        changed_mask = &changed_mask | &differing(&a, &b)?;
    }
    Ok(changed_mask)
}

/// Up to `cap` changed pairs as JSON rows, each with the compared columns
/// whose values differ.
fn sample_changed_rows(
    old_b: &RecordBatch,
    new_b: &RecordBatch,
    matching: &RowMatching,
    changed_mask: &BooleanBuffer,
    compared: &[String],
    cap: usize,
) -> Result<Vec<ChangedRow>> {
    let changed_idx: Vec<(u32, u32)> = changed_mask
        .set_indices()
        .take(cap)
        .map(|k| matching.pair(k))
        .collect();
    let olds = rows_json(old_b, &changed_idx.iter().map(|p| p.0).collect::<Vec<_>>())?;
    let news = rows_json(new_b, &changed_idx.iter().map(|p| p.1).collect::<Vec<_>>())?;
    Ok(olds
        .into_iter()
        .zip(news)
        .map(|(o, n)| {
            let columns = compared
                .iter()
                .filter(|c| o.get(c.as_str()) != n.get(c.as_str()))
                .cloned()
                .collect();
            ChangedRow {
                old: o,
                new: n,
                columns,
            }
        })
        .collect())
}

/// A key's values as `(k1=v1, k2=v2)`, from a row shown as JSON.
fn key_text(row: &[Value], key: &[String]) -> String {
    let parts: Vec<String> = key
        .iter()
        .map(|k| {
            let v = row
                .first()
                .and_then(|r| r.get(k))
                .cloned()
                .unwrap_or(Value::Null);
            format!("{k}={v}")
        })
        .collect();
    format!("({})", parts.join(", "))
}

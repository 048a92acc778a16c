//! The dataset model: names, version ids, components and the manifest.
//!
//! A version is made of components, each stored as a blob:
//! `body` (Parquet), `structure`, `meta`, `commit`, `transform`,
//! `provenance` (canonical JSON) and `readme` (UTF-8 text). The
//! [`Manifest`] lists their hashes and the parent version; a version's id
//! is the BLAKE3 hash of the manifest's canonical JSON.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use arrow_array::RecordBatch;
use arrow_schema::{Schema, SchemaRef};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::blob::BlobHash;
use crate::error::{DatasetError, Result};

/// The longest peer or dataset name accepted.
pub const MAX_NAME_LEN: usize = 144;

/// A dataset name, `peer/name`, as in Qri.
///
/// Both parts start with a lowercase ASCII letter and hold only lowercase
/// letters, digits, `-` and `_`, at most [`MAX_NAME_LEN`] characters each.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DatasetName {
    peer: String,
    name: String,
}

impl DatasetName {
    /// Build and validate a name from its two parts.
    pub fn new(peer: &str, name: &str) -> Result<Self> {
        let full = format!("{peer}/{name}");
        check_part(&full, "peer", peer)?;
        check_part(&full, "name", name)?;
        Ok(DatasetName {
            peer: peer.to_string(),
            name: name.to_string(),
        })
    }

    /// The peer (owner) part.
    pub fn peer(&self) -> &str {
        &self.peer
    }

    /// The dataset part.
    pub fn name(&self) -> &str {
        &self.name
    }
}

fn check_part(full: &str, what: &str, s: &str) -> Result<()> {
    let bad = |reason: String| DatasetError::BadName {
        name: full.to_string(),
        reason,
    };
    if s.is_empty() {
        return Err(bad(format!("the {what} is empty (expected peer/name)")));
    }
    if s.len() > MAX_NAME_LEN {
        return Err(bad(format!(
            "the {what} is longer than {MAX_NAME_LEN} characters"
        )));
    }
    let first = s.as_bytes()[0];
    if !first.is_ascii_lowercase() {
        return Err(bad(format!(
            "the {what} must start with a lowercase letter"
        )));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_'))
    {
        return Err(bad(format!(
            "the {what} contains '{c}'; use lowercase letters, digits, '-' and '_'"
        )));
    }
    Ok(())
}

impl FromStr for DatasetName {
    type Err = DatasetError;
    fn from_str(s: &str) -> Result<Self> {
        match s.split_once('/') {
            Some((peer, name)) if !name.contains('/') => DatasetName::new(peer, name),
            Some(_) => Err(DatasetError::BadName {
                name: s.to_string(),
                reason: "expected exactly one '/' (peer/name)".into(),
            }),
            None => Err(DatasetError::BadName {
                name: s.to_string(),
                reason: "expected peer/name".into(),
            }),
        }
    }
}

impl fmt::Display for DatasetName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.peer, self.name)
    }
}

impl Serialize for DatasetName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DatasetName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// A version's id: the BLAKE3 hash of its canonical manifest, shown as hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VersionId(pub BlobHash);

impl VersionId {
    /// The 64-digit hex form.
    pub fn to_hex(&self) -> String {
        self.0.to_hex()
    }

    /// The first `n` hex digits (for display).
    pub fn short(&self, n: usize) -> String {
        let mut s = self.to_hex();
        s.truncate(n.min(64));
        s
    }
}

impl fmt::Display for VersionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for VersionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VersionId({})", self.to_hex())
    }
}

impl FromStr for VersionId {
    type Err = DatasetError;
    fn from_str(s: &str) -> Result<Self> {
        Ok(VersionId(s.parse()?))
    }
}

/// Descriptive metadata: the named fields plus any extra keys.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// Human title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Longer description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Keywords for search.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// License (an SPDX identifier or a URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    /// Any other keys, kept as given (they may not reuse the names above).
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl Meta {
    /// The reserved (named) keys, which `extra` may not use.
    pub const NAMED_KEYS: [&'static str; 4] = ["title", "description", "keywords", "license"];

    /// Check that `extra` does not shadow a named key.
    pub fn validate(&self) -> Result<()> {
        for k in Self::NAMED_KEYS {
            if self.extra.contains_key(k) {
                return Err(DatasetError::Invalid(format!(
                    "meta.extra may not contain the named key '{k}'; set the field instead"
                )));
            }
        }
        Ok(())
    }
}

/// One column of a body's schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// The Arrow data type, as Arrow prints it (`Int64`, `Utf8`, `Timestamp(s)`...).
    #[serde(rename = "type")]
    pub data_type: String,
    /// Whether the column may hold nulls.
    pub nullable: bool,
}

/// The shape of a body, derived from its Arrow schema and Parquet file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Structure {
    /// Storage format of the body blob: always `parquet`.
    pub format: String,
    /// Compression codec of the body blob: `zstd`.
    pub compression: String,
    /// The columns, in order.
    pub schema: Vec<Column>,
    /// Number of rows.
    pub rows: u64,
    /// Number of columns.
    pub columns: u64,
    /// Size of the body blob in bytes.
    pub length: u64,
}

impl Structure {
    /// Describe a body of `rows` rows with `schema`, stored in `length` bytes.
    pub fn describe(schema: &Schema, rows: u64, length: u64) -> Self {
        Structure {
            format: "parquet".into(),
            compression: "zstd".into(),
            schema: schema
                .fields()
                .iter()
                .map(|f| Column {
                    name: f.name().clone(),
                    data_type: f.data_type().to_string(),
                    nullable: f.is_nullable(),
                })
                .collect(),
            rows,
            columns: schema.fields().len() as u64,
            length,
        }
    }
}

/// Who saved a version, when, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commit {
    /// One-line summary.
    pub title: String,
    /// Longer message.
    #[serde(default)]
    pub message: String,
    /// Author (a peer name or an email).
    #[serde(default)]
    pub author: String,
    /// When the version was saved (UTC).
    pub timestamp: DateTime<Utc>,
    /// The previous version (set by the store at save time).
    #[serde(default)]
    pub parent: Option<VersionId>,
    /// The dataset the version was saved to (set by the store at save
    /// time, so the history can be rebuilt from the blobs alone; absent in
    /// versions saved before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<DatasetName>,
}

/// The transform that produced a version.
///
/// Never put secrets in `config`: it is stored in the clear and is part of
/// the version's content. The host strips secrets before saving.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Transform {
    /// The Starlark script text.
    pub script: String,
    /// The version of the starlib that ran it.
    pub starlib_version: String,
    /// The (non-secret) configuration the script ran with.
    #[serde(default)]
    pub config: BTreeMap<String, Value>,
}

/// A version of another dataset that a run read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputVersion {
    /// `peer/name` of the input dataset.
    pub dataset: String,
    /// The version read.
    pub version: VersionId,
}

/// Where a version came from: the run that made it and what it read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The run id (also recorded in the store's runs table).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// The versions of other datasets the run read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<InputVersion>,
    /// The seed of the run's `rand` generator, to repeat the run (`--seed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rand_seed: Option<u64>,
}

/// The hashes of a version's components and its parent. Its canonical JSON
/// is stored as a blob whose hash is the [`VersionId`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The body blob (Parquet).
    pub body: BlobHash,
    /// The structure component.
    pub structure: BlobHash,
    /// The commit component.
    pub commit: BlobHash,
    /// The meta component, if any.
    pub meta: Option<BlobHash>,
    /// The transform component, if any.
    pub transform: Option<BlobHash>,
    /// The readme (UTF-8 text), if any.
    pub readme: Option<BlobHash>,
    /// The provenance component, if any.
    pub provenance: Option<BlobHash>,
    /// The previous version, None for the first.
    pub parent: Option<VersionId>,
}

impl Manifest {
    /// The canonical JSON bytes (sorted keys, no whitespace).
    pub fn canonical_bytes(&self) -> Result<Vec<u8>> {
        to_canonical_json(self)
    }

    /// The version id: BLAKE3 of the canonical bytes.
    pub fn id(&self) -> Result<VersionId> {
        Ok(VersionId(BlobHash::of(&self.canonical_bytes()?)))
    }

    /// Every blob the manifest references, with the component's name.
    pub fn blobs(&self) -> Vec<(Component, BlobHash)> {
        let mut v = vec![
            (Component::Body, self.body),
            (Component::Structure, self.structure),
            (Component::Commit, self.commit),
        ];
        let opt = [
            (Component::Meta, self.meta),
            (Component::Transform, self.transform),
            (Component::Readme, self.readme),
            (Component::Provenance, self.provenance),
        ];
        v.extend(opt.into_iter().filter_map(|(c, h)| h.map(|h| (c, h))));
        v
    }

    /// The hash of one component, if present.
    pub fn component(&self, c: Component) -> Option<BlobHash> {
        match c {
            Component::Body => Some(self.body),
            Component::Structure => Some(self.structure),
            Component::Commit => Some(self.commit),
            Component::Meta => self.meta,
            Component::Transform => self.transform,
            Component::Readme => self.readme,
            Component::Provenance => self.provenance,
        }
    }
}

/// The components of a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Component {
    /// The data (Parquet).
    Body,
    /// Schema and counts.
    Structure,
    /// Descriptive metadata.
    Meta,
    /// Title, message, author, time, parent.
    Commit,
    /// The script that made the version.
    Transform,
    /// Free text.
    Readme,
    /// Inputs and run id.
    Provenance,
}

impl Component {
    /// All components, in a fixed order.
    pub const ALL: [Component; 7] = [
        Component::Body,
        Component::Structure,
        Component::Meta,
        Component::Commit,
        Component::Transform,
        Component::Readme,
        Component::Provenance,
    ];

    /// The lowercase name (`body`, `meta`, ...).
    pub fn as_str(&self) -> &'static str {
        match self {
            Component::Body => "body",
            Component::Structure => "structure",
            Component::Meta => "meta",
            Component::Commit => "commit",
            Component::Transform => "transform",
            Component::Readme => "readme",
            Component::Provenance => "provenance",
        }
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Component {
    type Err = DatasetError;
    fn from_str(s: &str) -> Result<Self> {
        Component::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                DatasetError::Invalid(format!(
                    "unknown component '{s}'; expected one of body, structure, meta, commit, transform, readme, provenance"
                ))
            })
    }
}

/// A body in memory: one Arrow schema and its record batches.
#[derive(Debug, Clone)]
pub struct Body {
    /// The schema every batch has.
    pub schema: SchemaRef,
    /// The rows.
    pub batches: Vec<RecordBatch>,
}

impl Body {
    /// Build a body, checking every batch has `schema`.
    pub fn new(schema: SchemaRef, batches: Vec<RecordBatch>) -> Result<Self> {
        for (i, b) in batches.iter().enumerate() {
            if b.schema().fields() != schema.fields() {
                return Err(DatasetError::Invalid(format!(
                    "record batch {i} has schema {:?}, expected {:?}",
                    b.schema().fields(),
                    schema.fields()
                )));
            }
        }
        Ok(Body { schema, batches })
    }

    /// A body from batches, taking the schema of the first (an empty body
    /// with no columns when there are none).
    pub fn from_batches(batches: Vec<RecordBatch>) -> Result<Self> {
        let schema = batches
            .first()
            .map(|b| b.schema())
            .unwrap_or_else(|| std::sync::Arc::new(Schema::empty()));
        Body::new(schema, batches)
    }

    /// Total rows.
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(|b| b.num_rows()).sum()
    }

    /// All rows as one batch (copies unless there is exactly one batch).
    pub fn concat(&self) -> Result<RecordBatch> {
        if self.batches.len() == 1 {
            return Ok(self.batches[0].clone());
        }
        Ok(arrow_select::concat::concat_batches(
            &self.schema,
            &self.batches,
        )?)
    }
}

/// A stored version of a dataset, with every component but the body loaded.
#[derive(Debug, Clone)]
pub struct Version {
    /// The dataset's name.
    pub name: DatasetName,
    /// The version id.
    pub id: VersionId,
    /// Position in the history: 1 for the first version.
    pub seq: u64,
    /// The component hashes.
    pub manifest: Manifest,
    /// Schema and counts.
    pub structure: Structure,
    /// Commit info.
    pub commit: Commit,
    /// Metadata, if saved.
    pub meta: Option<Meta>,
    /// Transform, if saved.
    pub transform: Option<Transform>,
    /// Readme, if saved.
    pub readme: Option<String>,
    /// Provenance, if saved.
    pub provenance: Option<Provenance>,
}

/// Serialize to canonical JSON: object keys sorted, no insignificant
/// whitespace, numbers as serde_json prints them.
pub fn to_canonical_json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>> {
    let v = serde_json::to_value(value)?;
    let mut out = Vec::with_capacity(256);
    write_canonical(&v, &mut out)?;
    Ok(out)
}

fn write_canonical(v: &Value, out: &mut Vec<u8>) -> Result<()> {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push(b'{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, k)?;
                out.push(b':');
                if let Some(val) = map.get(*k) {
                    write_canonical(val, out)?;
                }
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(item, out)?;
            }
            out.push(b']');
        }
        scalar => serde_json::to_writer(&mut *out, scalar)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let v = json!({"b": 1, "a": {"z": [3, {"y": null, "x": "s"}], "c": 1.5}});
        let bytes = to_canonical_json(&v).unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            r#"{"a":{"c":1.5,"z":[3,{"x":"s","y":null}]},"b":1}"#
        );
    }

    #[test]
    fn meta_extra_is_flattened() {
        let mut m = Meta {
            title: Some("T".into()),
            ..Default::default()
        };
        m.extra.insert("zeta".into(), json!(1));
        m.extra.insert("alpha".into(), json!([1]));
        let bytes = to_canonical_json(&m).unwrap();
        assert_eq!(
            String::from_utf8(bytes.clone()).unwrap(),
            r#"{"alpha":[1],"title":"T","zeta":1}"#
        );
        let back: Meta = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back, m);
        m.extra.insert("license".into(), json!("x"));
        assert!(m.validate().is_err());
    }

    #[test]
    fn names_are_validated() {
        for ok in ["a/b", "peer_1/data-set_2", "x/y0"] {
            assert!(ok.parse::<DatasetName>().is_ok(), "{ok}");
        }
        for bad in [
            "a", "a/", "/b", "A/b", "a/B", "1a/b", "a/b/c", "a/b c", "a/é",
        ] {
            assert!(bad.parse::<DatasetName>().is_err(), "{bad}");
        }
        let long = format!("a/{}", "b".repeat(MAX_NAME_LEN + 1));
        assert!(long.parse::<DatasetName>().is_err());
    }

    #[test]
    fn version_ids_parse_strictly() {
        let h = "0f".repeat(32);
        assert_eq!(h.parse::<VersionId>().unwrap().to_hex(), h);
        assert!("0F".repeat(32).parse::<VersionId>().is_err());
        assert!("0f".repeat(31).parse::<VersionId>().is_err());
        assert!(format!("{}zz", "0f".repeat(31))
            .parse::<VersionId>()
            .is_err());
    }
}

//! The metadata database's rows: the lookups every path shares (a
//! dataset's row id, its head, one version's row) and turning stored
//! columns into typed values (hashes, times, names) and back.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::blob::BlobHash;
use crate::error::{DatasetError, Result};
use crate::model::{Commit, DatasetName, Manifest, VersionId};

/// The current time as stored in the `*_at` columns.
pub(super) fn now_text() -> String {
    Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// A stored hex hash; a bad one means the database is inconsistent.
pub(super) fn parse_hash(s: &str, what: &str) -> Result<BlobHash> {
    s.parse().map_err(|_| {
        DatasetError::Inconsistent(format!("bad {what} hash '{s}' in the metadata database"))
    })
}

/// A stored optional hex hash (see [`parse_hash`]).
fn parse_opt_hash(s: Option<String>, what: &str) -> Result<Option<BlobHash>> {
    s.map(|s| parse_hash(&s, what)).transpose()
}

/// A stored RFC 3339 time.
pub(super) fn parse_time(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| {
            DatasetError::Inconsistent(format!("bad timestamp '{s}' in the metadata database: {e}"))
        })
}

/// A stored dataset name (its `peer` and `name` columns).
pub(super) fn parse_name(peer: &str, name: &str) -> Result<DatasetName> {
    DatasetName::new(peer, name).map_err(|e| {
        DatasetError::Inconsistent(format!("bad dataset name in the metadata database: {e}"))
    })
}

/// The row id of a dataset, if it exists.
pub(super) fn dataset_id(conn: &Connection, name: &DatasetName) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM datasets WHERE peer = ?1 AND name = ?2")?
        .query_row(params![name.peer(), name.name()], |r| r.get(0))
        .optional()?)
}

/// The row id of a dataset, or [`DatasetError::NotFound`].
pub(super) fn existing_dataset_id(conn: &Connection, name: &DatasetName) -> Result<i64> {
    dataset_id(conn, name)?.ok_or_else(|| DatasetError::NotFound {
        name: name.to_string(),
    })
}

/// A dataset's head version and its position, if it has one.
pub(super) fn head_of(conn: &Connection, dataset_id: i64) -> Result<Option<(VersionId, u64)>> {
    let row: Option<(String, i64)> = conn
        .prepare_cached("SELECT version_id, seq FROM heads WHERE dataset_id = ?1")?
        .query_row([dataset_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    row.map(|(id, seq)| Ok((VersionId(parse_hash(&id, "head")?), parse_seq(seq)?)))
        .transpose()
}

/// A stored head position: 1 or more.
fn parse_seq(seq: i64) -> Result<u64> {
    match u64::try_from(seq) {
        Ok(s) if s > 0 => Ok(s),
        _ => Err(DatasetError::Inconsistent(format!(
            "bad head position {seq} in the metadata database"
        ))),
    }
}

/// Record a new dataset; returns its row id.
pub(super) fn insert_dataset(
    conn: &Connection,
    name: &DatasetName,
    created_at: &str,
) -> Result<i64> {
    conn.execute(
        "INSERT INTO datasets (peer, name, created_at) VALUES (?1, ?2, ?3)",
        params![name.peer(), name.name(), created_at],
    )?;
    Ok(conn.last_insert_rowid())
}

/// A version row to record (its parent is the manifest's).
pub(super) struct NewRow<'a> {
    pub(super) dataset_id: i64,
    pub(super) id: VersionId,
    pub(super) seq: u64,
    pub(super) manifest: &'a Manifest,
    /// The manifest's canonical JSON (the bytes its id hashes).
    pub(super) manifest_json: &'a str,
    pub(super) commit: &'a Commit,
    pub(super) rows: u64,
    pub(super) columns: u64,
    pub(super) body_size: u64,
    pub(super) saved_at: &'a str,
}

/// Record a version (a save of a manifest `remove` once dropped takes it
/// back from the tombstones).
pub(super) fn insert_version(conn: &Connection, v: &NewRow<'_>) -> Result<()> {
    let (m, commit) = (v.manifest, v.commit);
    let hex = |h: Option<BlobHash>| h.map(|h| h.to_hex());
    conn.prepare_cached(
        "INSERT INTO versions (dataset_id, id, seq, parent, manifest, body, structure, commit_blob,
            meta, transform, readme, provenance, title, message, author, timestamp, rows, columns,
            body_size, saved_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
    )?
    .execute(params![
        v.dataset_id,
        v.id.to_hex(),
        v.seq as i64,
        m.parent.map(|p| p.to_hex()),
        v.manifest_json,
        m.body.to_hex(),
        m.structure.to_hex(),
        m.commit.to_hex(),
        hex(m.meta),
        hex(m.transform),
        hex(m.readme),
        hex(m.provenance),
        commit.title,
        commit.message,
        commit.author,
        commit
            .timestamp
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        v.rows as i64,
        v.columns as i64,
        v.body_size as i64,
        v.saved_at,
    ])?;
    conn.prepare_cached("DELETE FROM removed_versions WHERE id = ?1")?
        .execute([v.id.to_hex()])?;
    Ok(())
}

/// Point a dataset's head at version `id`, at position `seq`.
pub(super) fn set_head(
    conn: &Connection,
    dataset_id: i64,
    id: &VersionId,
    seq: u64,
    at: &str,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO heads (dataset_id, version_id, seq, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (dataset_id) DO UPDATE SET version_id = excluded.version_id,
            seq = excluded.seq, updated_at = excluded.updated_at",
    )?
    .execute(params![dataset_id, id.to_hex(), seq as i64, at])?;
    Ok(())
}

/// Record the run that made version `id`, with what it printed.
pub(super) fn record_run(
    conn: &Connection,
    run_id: &str,
    dataset_id: i64,
    id: &VersionId,
    at: &str,
    output: &str,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO runs (run_id, dataset_id, version_id, recorded_at, output) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![run_id, dataset_id, id.to_hex(), at, output])?;
    // The run log's record of a running run ends in the same transaction
    // that commits its version: a crash cannot leave one without the other.
    conn.prepare_cached(
        "UPDATE run_log SET status = 'succeeded', version_id = ?2, ended_at = ?3, output = ?4
         WHERE run_id = ?1 AND status = 'running'",
    )?
    .execute(params![run_id, id.to_hex(), at, output])?;
    Ok(())
}

/// A row of the versions table, as stored.
pub(crate) struct VersionRow {
    pub(crate) id: String,
    pub(crate) seq: i64,
    pub(crate) parent: Option<String>,
    pub(crate) manifest_json: String,
    pub(crate) manifest: Manifest,
}

/// The versions columns [`version_row_at`] reads, in order.
pub(super) const MANIFEST_COLS: &str = "dataset_id, id, seq, parent, manifest, body, structure, commit_blob, meta, transform, readme, provenance";

/// One version's row, if it is recorded.
pub(super) fn load_row(conn: &Connection, dataset_id: i64, id: &str) -> Result<Option<VersionRow>> {
    let raw = conn
        .prepare_cached(&format!(
            "SELECT {MANIFEST_COLS} FROM versions WHERE dataset_id = ?1 AND id = ?2"
        ))?
        .query_row(params![dataset_id, id], |r| version_row_at(r, 0))
        .optional()?;
    raw.map(to_version_row).transpose()
}

/// The [`MANIFEST_COLS`] columns of a row as read, before any parsing.
pub(super) type RawVersionRow = (
    i64,
    String,
    i64,
    Option<String>,
    String,
    [Option<String>; 7],
);

/// Reads the [`MANIFEST_COLS`] columns of a row, starting at column `at`.
pub(super) fn version_row_at(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<RawVersionRow> {
    Ok((
        r.get(at)?,
        r.get(at + 1)?,
        r.get(at + 2)?,
        r.get(at + 3)?,
        r.get(at + 4)?,
        [
            r.get(at + 5)?,
            r.get(at + 6)?,
            r.get(at + 7)?,
            r.get(at + 8)?,
            r.get(at + 9)?,
            r.get(at + 10)?,
            r.get(at + 11)?,
        ],
    ))
}

/// Parse a raw row's hashes into a [`VersionRow`] and its [`Manifest`].
pub(super) fn to_version_row(raw: RawVersionRow) -> Result<VersionRow> {
    let (_dataset_id, id, seq, parent, manifest_json, cols) = raw;
    let [body, structure, commit, meta, transform, readme, provenance] = cols;
    let req = |s: Option<String>, what: &str| -> Result<BlobHash> {
        match s {
            Some(s) => parse_hash(&s, what),
            None => Err(DatasetError::Inconsistent(format!(
                "version {id} has no {what}"
            ))),
        }
    };
    let manifest = Manifest {
        body: req(body, "body")?,
        structure: req(structure, "structure")?,
        commit: req(commit, "commit")?,
        meta: parse_opt_hash(meta, "meta")?,
        transform: parse_opt_hash(transform, "transform")?,
        readme: parse_opt_hash(readme, "readme")?,
        provenance: parse_opt_hash(provenance, "provenance")?,
        parent: parent
            .as_deref()
            .map(|p| parse_hash(p, "parent").map(VersionId))
            .transpose()?,
    };
    Ok(VersionRow {
        id,
        seq,
        parent,
        manifest_json,
        manifest,
    })
}

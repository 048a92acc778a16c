//! The read side of the store: resolving references, loading a version's
//! components and body, exporting bodies, the log, the dataset list, runs
//! and diffs.

use std::io::Write;
use std::path::{Path, PathBuf};

use rusqlite::{params, OptionalExtension};

use super::rows::{self, parse_hash, parse_name, parse_time};
use super::{DatasetSummary, LogEntry, Resolved, RunRecord, Store, ToName, ToRef};
use crate::blob::BlobHash;
use crate::body::{self, Format};
use crate::diff::{diff_bodies, diff_meta, diff_structure, BodyDiff, Diff, DiffOptions};
use crate::error::{DatasetError, IoContext, Result};
use crate::model::{
    Body, Commit, Component, DatasetName, Manifest, Meta, Provenance, Structure, Transform,
    Version, VersionId,
};
use crate::refs::{DatasetRef, VersionSpec};

impl Store {
    /// The head of `name` and its position, if the dataset exists.
    fn current_head(&self, name: &DatasetName) -> Result<Option<(VersionId, u64)>> {
        let conn = self.conn();
        match rows::dataset_id(&conn, name)? {
            None => Ok(None),
            Some(id) => rows::head_of(&conn, id),
        }
    }

    /// The head version of a dataset, or None if it does not exist.
    pub fn head<N: ToName + ?Sized>(&self, name: &N) -> Result<Option<VersionId>> {
        Ok(self.current_head(&name.to_name()?)?.map(|(id, _)| id))
    }

    /// Resolve a reference to one version.
    pub fn resolve<R: ToRef + ?Sized>(&self, r: &R) -> Result<Resolved> {
        let r = r.to_ref()?;
        let conn = self.conn();
        let dataset_id = rows::existing_dataset_id(&conn, &r.name)?;
        let (head, head_seq) =
            rows::head_of(&conn, dataset_id)?.ok_or_else(|| DatasetError::NotFound {
                name: r.name.to_string(),
            })?;
        let not_found = |reason: String| DatasetError::VersionNotFound {
            reference: r.to_string(),
            reason,
        };
        let id = match &r.version {
            VersionSpec::Head => head.to_hex(),
            VersionSpec::Back(n) => {
                if *n >= head_seq {
                    return Err(not_found(format!(
                        "{} has {head_seq} version{}, so @~{} is the furthest back",
                        r.name,
                        if head_seq == 1 { "" } else { "s" },
                        head_seq.saturating_sub(1)
                    )));
                }
                let seq = (head_seq - n) as i64;
                conn.prepare_cached("SELECT id FROM versions WHERE dataset_id = ?1 AND seq = ?2")?
                    .query_row(params![dataset_id, seq], |row| row.get::<_, String>(0))
                    .optional()?
                    .ok_or_else(|| {
                        DatasetError::Inconsistent(format!(
                            "{} has no version at position {seq}",
                            r.name
                        ))
                    })?
            }
            VersionSpec::Prefix(p) => {
                let upper = format!("{p}g");
                let mut stmt = conn.prepare_cached(
                    "SELECT id FROM versions WHERE dataset_id = ?1 AND id >= ?2 AND id < ?3 ORDER BY seq DESC LIMIT 6",
                )?;
                let ids = stmt
                    .query_map(params![dataset_id, p, upper], |row| row.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                match ids.len() {
                    0 => {
                        return Err(not_found(format!(
                            "no version of {} starts with '{p}'",
                            r.name
                        )))
                    }
                    1 => ids.into_iter().next().unwrap_or_default(),
                    _ => {
                        return Err(DatasetError::AmbiguousPrefix {
                            name: r.name.to_string(),
                            prefix: p.clone(),
                            matches: ids.iter().map(|s| s.chars().take(12).collect()).collect(),
                        })
                    }
                }
            }
        };
        let row = rows::load_row(&conn, dataset_id, &id)?.ok_or_else(|| {
            DatasetError::Inconsistent(format!(
                "{} names version {id}, which is not recorded",
                r.name
            ))
        })?;
        Ok(Resolved {
            name: r.name.clone(),
            dataset_id,
            id: VersionId(parse_hash(&row.id, "version")?),
            seq: row.seq as u64,
            manifest: row.manifest,
        })
    }

    /// Read a JSON component blob (its hash verified) as `T`.
    pub(super) fn read_json<T: serde::de::DeserializeOwned>(
        &self,
        hash: &BlobHash,
        what: Component,
    ) -> Result<T> {
        let bytes = self.blobs.read(hash)?;
        serde_json::from_slice(&bytes).map_err(|e| {
            DatasetError::Inconsistent(format!(
                "{what} blob {hash} is not a valid {what} component: {e}"
            ))
        })
    }

    /// Read the optional JSON component `c` (meta, transform or provenance)
    /// of a version with manifest `m`, if it has one.
    fn read_optional<T: serde::de::DeserializeOwned>(
        &self,
        m: &Manifest,
        c: Component,
    ) -> Result<Option<T>> {
        m.component(c).map(|h| self.read_json(&h, c)).transpose()
    }

    /// Read a readme blob (its hash verified) as UTF-8 text.
    fn read_text(&self, hash: &BlobHash) -> Result<String> {
        let bytes = self.blobs.read(hash)?;
        String::from_utf8(bytes.to_vec())
            .map_err(|_| DatasetError::Inconsistent(format!("readme blob {hash} is not UTF-8")))
    }

    /// Load every component of a version except the body (which can be large:
    /// see [`body`](Self::body)).
    pub fn get<R: ToRef + ?Sized>(&self, r: &R) -> Result<Version> {
        let v = self.resolve(r)?;
        let m = &v.manifest;
        Ok(Version {
            name: v.name.clone(),
            id: v.id,
            seq: v.seq,
            structure: self.read_json(&m.structure, Component::Structure)?,
            commit: self.read_json(&m.commit, Component::Commit)?,
            meta: self.read_optional(m, Component::Meta)?,
            transform: self.read_optional(m, Component::Transform)?,
            readme: m.readme.map(|h| self.read_text(&h)).transpose()?,
            provenance: self.read_optional(m, Component::Provenance)?,
            manifest: v.manifest,
        })
    }

    /// One component of a version as JSON: the component object for
    /// structure, meta, commit, transform and provenance; a string for the
    /// readme; the body as an array of row objects. `null` when absent.
    pub fn component_json<R: ToRef + ?Sized>(
        &self,
        r: &R,
        c: Component,
    ) -> Result<serde_json::Value> {
        let v = self.resolve(r)?;
        let Some(hash) = v.manifest.component(c) else {
            return Ok(serde_json::Value::Null);
        };
        match c {
            Component::Readme => Ok(serde_json::Value::String(self.read_text(&hash)?)),
            Component::Body => {
                let mut buf = Vec::new();
                body::write_body(&self.read_body_blob(&hash)?, Format::Json, &mut buf)?;
                Ok(serde_json::from_slice(&buf)?)
            }
            _ => self.read_json(&hash, c),
        }
    }

    /// The manifest of a version.
    pub fn manifest<R: ToRef + ?Sized>(&self, r: &R) -> Result<Manifest> {
        Ok(self.resolve(r)?.manifest)
    }

    /// The structure of a version.
    pub fn structure<R: ToRef + ?Sized>(&self, r: &R) -> Result<Structure> {
        let v = self.resolve(r)?;
        self.read_json(&v.manifest.structure, Component::Structure)
    }

    /// The commit of a version.
    pub fn commit<R: ToRef + ?Sized>(&self, r: &R) -> Result<Commit> {
        let v = self.resolve(r)?;
        self.read_json(&v.manifest.commit, Component::Commit)
    }

    /// The meta of a version, if it has one.
    pub fn meta<R: ToRef + ?Sized>(&self, r: &R) -> Result<Option<Meta>> {
        self.read_optional(&self.resolve(r)?.manifest, Component::Meta)
    }

    /// The transform of a version, if it has one.
    pub fn transform<R: ToRef + ?Sized>(&self, r: &R) -> Result<Option<Transform>> {
        self.read_optional(&self.resolve(r)?.manifest, Component::Transform)
    }

    /// The readme of a version, if it has one.
    pub fn readme<R: ToRef + ?Sized>(&self, r: &R) -> Result<Option<String>> {
        let v = self.resolve(r)?;
        v.manifest.readme.map(|h| self.read_text(&h)).transpose()
    }

    /// The provenance of a version, if it has one.
    pub fn provenance<R: ToRef + ?Sized>(&self, r: &R) -> Result<Option<Provenance>> {
        self.read_optional(&self.resolve(r)?.manifest, Component::Provenance)
    }

    /// Decode a body blob (its hash verified); unreadable Parquet means the
    /// store is inconsistent.
    fn read_body_blob(&self, hash: &BlobHash) -> Result<Body> {
        let bytes = self.blobs.read(hash)?;
        body::read_parquet(bytes).map_err(|e| match e {
            DatasetError::Parquet(p) => {
                DatasetError::Inconsistent(format!("body blob {hash} is not readable Parquet: {p}"))
            }
            other => other,
        })
    }

    /// The body of a version, decoded (its blob hash verified first).
    pub fn body<R: ToRef + ?Sized>(&self, r: &R) -> Result<Body> {
        let v = self.resolve(r)?;
        self.read_body_blob(&v.manifest.body)
    }

    /// The path of a version's body blob (a Parquet file other tools can
    /// read; do not modify it).
    pub fn body_path<R: ToRef + ?Sized>(&self, r: &R) -> Result<PathBuf> {
        let v = self.resolve(r)?;
        Ok(self.blobs.path(&v.manifest.body))
    }

    /// Write a version's body to `out` as csv, json, ndjson or parquet
    /// (parquet is the stored file itself, verified).
    pub fn export_body<R: ToRef + ?Sized, W: Write + Send>(
        &self,
        r: &R,
        format: Format,
        mut out: W,
    ) -> Result<()> {
        let v = self.resolve(r)?;
        if format == Format::Parquet {
            let bytes = self.blobs.read(&v.manifest.body)?;
            out.write_all(&bytes)
                .ctx(|| "writing parquet output".into())?;
            return out.flush().ctx(|| "flushing parquet output".into());
        }
        let body = self.read_body_blob(&v.manifest.body)?;
        body::write_body(&body, format, out)
    }

    /// Write a version's body to a file (format from `format` or the
    /// file's extension). The reference is resolved first and the file is
    /// written under a temporary name beside it, then renamed into place:
    /// a failed export leaves no file behind (and an existing one as it was).
    pub fn export_body_to_path<R: ToRef + ?Sized>(
        &self,
        r: &R,
        path: &Path,
        format: Option<Format>,
    ) -> Result<()> {
        let format = format.or_else(|| Format::from_path(path)).ok_or_else(|| {
            DatasetError::Invalid(format!(
                "cannot tell the format of {} from its extension; say csv, json, ndjson or parquet",
                path.display()
            ))
        })?;
        let v = self.resolve(r)?;
        let at = DatasetRef::at(v.name, v.id);
        // A `.tsv` file gets tabs, as its name says.
        let delimiter = Format::delimiter_of(path);
        body::write_file_atomically(path, |w| match (format, delimiter) {
            (Format::Csv, Some(d)) => body::write_csv(&self.body(&at)?, d, w),
            _ => self.export_body(&at, format, w),
        })
    }

    /// The log of a dataset, newest first.
    pub fn log<N: ToName + ?Sized>(&self, name: &N) -> Result<Vec<LogEntry>> {
        let name = name.to_name()?;
        let conn = self.conn();
        let dataset_id = rows::existing_dataset_id(&conn, &name)?;
        let mut stmt = conn.prepare_cached(
            "SELECT id, seq, parent, title, message, author, timestamp, body, rows, body_size
             FROM versions WHERE dataset_id = ?1 ORDER BY seq DESC",
        )?;
        let rows = stmt.query_map([dataset_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, i64>(8)?,
                r.get::<_, i64>(9)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, seq, parent, title, message, author, ts, body, nrows, size) = row?;
            out.push(LogEntry {
                id: VersionId(parse_hash(&id, "version")?),
                seq: seq as u64,
                parent: parent
                    .map(|p| parse_hash(&p, "parent").map(VersionId))
                    .transpose()?,
                title,
                message,
                author,
                timestamp: parse_time(&ts)?,
                body: parse_hash(&body, "body")?,
                rows: nrows as u64,
                body_size: size as u64,
            });
        }
        Ok(out)
    }

    /// Every dataset with its head, sorted by name.
    pub fn list(&self) -> Result<Vec<DatasetSummary>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT d.peer, d.name, h.version_id, h.seq, v.title, v.rows, v.body_size, v.timestamp
             FROM datasets d JOIN heads h ON h.dataset_id = d.id
             JOIN versions v ON v.dataset_id = d.id AND v.id = h.version_id
             ORDER BY d.peer, d.name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, String>(7)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (peer, name, head, seq, title, nrows, size, ts) = row?;
            out.push(DatasetSummary {
                name: parse_name(&peer, &name)?,
                head: VersionId(parse_hash(&head, "head")?),
                versions: seq as u64,
                title,
                rows: nrows as u64,
                body_size: size as u64,
                updated: parse_time(&ts)?,
            });
        }
        Ok(out)
    }

    /// The runs recorded for a dataset, newest first.
    pub fn runs<N: ToName + ?Sized>(&self, name: &N) -> Result<Vec<RunRecord>> {
        let name = name.to_name()?;
        let conn = self.conn();
        let dataset_id = rows::existing_dataset_id(&conn, &name)?;
        let mut stmt = conn.prepare_cached(
            "SELECT r.run_id, r.version_id, r.recorded_at, r.output FROM runs r
             JOIN versions v ON v.dataset_id = r.dataset_id AND v.id = r.version_id
             WHERE r.dataset_id = ?1 ORDER BY v.seq DESC",
        )?;
        let rows = stmt.query_map([dataset_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (run_id, version, recorded_at, output) = row?;
            out.push(RunRecord {
                run_id,
                version: VersionId(parse_hash(&version, "version")?),
                recorded_at,
                output,
            });
        }
        Ok(out)
    }

    /// Diff two versions: `from` (older) → `to` (newer).
    pub fn diff<A: ToRef + ?Sized, B: ToRef + ?Sized>(
        &self,
        from: &A,
        to: &B,
        opts: &DiffOptions,
    ) -> Result<Diff> {
        let a = self.resolve(from)?;
        let b = self.resolve(to)?;
        let da = self.get(&DatasetRef::at(a.name.clone(), a.id))?;
        let db = self.get(&DatasetRef::at(b.name.clone(), b.id))?;
        let components_changed = Component::ALL
            .into_iter()
            .filter(|c| a.manifest.component(*c) != b.manifest.component(*c))
            .map(|c| c.as_str().to_string())
            .collect();
        let structure = diff_structure(&da.structure, &db.structure);
        let meta = diff_meta(da.meta.as_ref(), db.meta.as_ref())?;
        let body = if a.manifest.body == b.manifest.body {
            BodyDiff::identical(da.structure.rows)
        } else {
            let (ba, bb) = std::thread::scope(|s| {
                let h = s.spawn(|| self.read_body_blob(&a.manifest.body));
                let bb = self.read_body_blob(&b.manifest.body);
                let ba = h.join().unwrap_or_else(|_| {
                    Err(DatasetError::Diff("body reader thread panicked".into()))
                });
                (ba, bb)
            });
            diff_bodies(&ba?, &bb?, opts)?
        };
        Ok(Diff {
            from: a.id,
            to: b.id,
            components_changed,
            structure,
            meta,
            body,
        })
    }
}

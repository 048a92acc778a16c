//! Dropping data: removing a dataset's latest versions (or all of it) and
//! garbage-collecting the blobs no version references.

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, TransactionBehavior};

use super::history;
use super::rows::{self, now_text, parse_hash};
use super::{busy_error, GcReport, RemoveVersions, Store, ToName};
use crate::error::{DatasetError, Result};
use crate::model::VersionId;

impl Store {
    /// Remove the latest N versions of a dataset, or all of it. Returns the
    /// new head (None when the dataset is gone). Removing the latest N of a
    /// dataset with N versions or fewer is refused ([`DatasetError::Invalid`]):
    /// dropping a whole dataset takes [`RemoveVersions::All`]. Removed
    /// versions are recorded as such (so they are never taken for lost
    /// history); their blobs are reclaimed by [`gc`](Self::gc).
    pub fn remove<N: ToName + ?Sized>(
        &self,
        name: &N,
        which: RemoveVersions,
    ) -> Result<Option<VersionId>> {
        let name = name.to_name()?;
        self.require_intact()?;
        let started = Instant::now();
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| busy_error(e, &name.to_string(), started.elapsed()))?;
        let dataset_id = rows::existing_dataset_id(&tx, &name)?;
        let head_seq = rows::head_of(&tx, dataset_id)?.map(|h| h.1).unwrap_or(0);
        let n = match which {
            RemoveVersions::All => head_seq,
            RemoveVersions::Latest(n) if n >= head_seq => {
                return Err(DatasetError::Invalid(format!(
                    "{name} has {head_seq} version{}: removing the latest {n} would remove the whole dataset; remove all of it explicitly (--all)",
                    if head_seq == 1 { "" } else { "s" }
                )))
            }
            RemoveVersions::Latest(n) => n,
        };
        let removed: Vec<String> = {
            let mut stmt =
                tx.prepare("SELECT id FROM versions WHERE dataset_id = ?1 AND seq > ?2")?;
            let ids = stmt.query_map(params![dataset_id, (head_seq - n) as i64], |r| r.get(0))?;
            ids.collect::<rusqlite::Result<_>>()?
        };
        history::tombstone(&tx, &removed)?;
        let new_head = if n >= head_seq {
            tx.execute("DELETE FROM runs WHERE dataset_id = ?1", [dataset_id])?;
            tx.execute("DELETE FROM heads WHERE dataset_id = ?1", [dataset_id])?;
            tx.execute("DELETE FROM versions WHERE dataset_id = ?1", [dataset_id])?;
            tx.execute("DELETE FROM datasets WHERE id = ?1", [dataset_id])?;
            None
        } else if n == 0 {
            rows::head_of(&tx, dataset_id)?.map(|h| h.0)
        } else {
            let keep = (head_seq - n) as i64;
            let id: String = tx.query_row(
                "SELECT id FROM versions WHERE dataset_id = ?1 AND seq = ?2",
                params![dataset_id, keep],
                |r| r.get(0),
            )?;
            tx.execute(
                "DELETE FROM runs WHERE dataset_id = ?1 AND version_id IN
                   (SELECT id FROM versions WHERE dataset_id = ?1 AND seq > ?2)",
                params![dataset_id, keep],
            )?;
            tx.execute(
                "DELETE FROM versions WHERE dataset_id = ?1 AND seq > ?2",
                params![dataset_id, keep],
            )?;
            tx.execute(
                "UPDATE heads SET version_id = ?2, seq = ?3, updated_at = ?4 WHERE dataset_id = ?1",
                params![dataset_id, id, keep, now_text()],
            )?;
            Some(VersionId(parse_hash(&id, "version")?))
        };
        tx.commit()?;
        Ok(new_head)
    }

    /// Delete blobs no version references, and temporary files, that are
    /// older than `grace` (so saves in progress keep theirs).
    pub fn gc(&self, grace: Duration) -> Result<GcReport> {
        // A database that lost its history references nothing: refuse
        // rather than delete every blob.
        self.require_intact()?;
        let mut conn = self.conn();
        // The write lock keeps saves from committing a reference to a blob
        // while it is deleted.
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| busy_error(e, "(gc)", self.opts.busy_timeout))?;
        let referenced = referenced_hashes(&tx)?;
        let cutoff = SystemTime::now().checked_sub(grace).unwrap_or(UNIX_EPOCH);
        let old = |p: &Path| -> bool {
            std::fs::metadata(p)
                .and_then(|m| m.modified())
                .map(|t| t < cutoff)
                .unwrap_or(false)
        };
        let mut report = GcReport::default();
        let (hashes, _) = self.blobs.list()?;
        for h in hashes {
            if referenced.contains(&h.to_hex()) {
                continue;
            }
            let path = self.blobs.path(&h);
            if old(&path) {
                let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                self.blobs.remove(&h)?;
                report.blobs_removed += 1;
                report.bytes_freed += len;
            }
        }
        for t in self.blobs.temp_files()? {
            let len = std::fs::metadata(&t).map(|m| m.len()).unwrap_or(0);
            if old(&t) && std::fs::remove_file(&t).is_ok() {
                report.temp_removed += 1;
                report.bytes_freed += len;
            }
        }
        tx.commit()?;
        Ok(report)
    }
}

/// The hex hash of every blob some version references: its manifest (the
/// version id) and each component.
fn referenced_hashes(conn: &Connection) -> Result<HashSet<String>> {
    let mut referenced = HashSet::new();
    let mut stmt = conn.prepare(
        "SELECT id, body, structure, commit_blob, meta, transform, readme, provenance FROM versions",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        for i in 0..8 {
            if let Some(s) = r.get::<_, Option<String>>(i)? {
                referenced.insert(s);
            }
        }
    }
    Ok(referenced)
}

//! Whole-store scans for fsck: every version row, every dataset's head,
//! every run, and SQLite's own integrity check.

use super::rows::{parse_name, to_version_row, version_row_at, VersionRow, MANIFEST_COLS};
use super::Store;
use crate::error::Result;
use crate::model::DatasetName;

/// A dataset's head as recorded, for fsck.
pub(crate) struct HeadRow {
    /// The dataset.
    pub(crate) name: DatasetName,
    /// The head version id ("" when there is no head row).
    pub(crate) head: String,
    /// The head's position (-1 when there is no head row).
    pub(crate) seq: i64,
    /// The highest position among its versions.
    pub(crate) max_seq: Option<i64>,
    /// How many versions it has.
    pub(crate) count: i64,
}

impl Store {
    /// Every version of every dataset, by dataset and position.
    pub(crate) fn all_version_rows(&self) -> Result<Vec<(DatasetName, VersionRow)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT d.peer, d.name, {} FROM versions v JOIN datasets d ON d.id = v.dataset_id ORDER BY v.dataset_id, v.seq",
            MANIFEST_COLS
                .split(", ")
                .map(|c| format!("v.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))?;
        let rows = stmt.query_map([], |r| {
            let peer: String = r.get(0)?;
            let name: String = r.get(1)?;
            let raw = version_row_at(r, 2)?;
            Ok((peer, name, raw))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (peer, name, raw) = row?;
            out.push((parse_name(&peer, &name)?, to_version_row(raw)?));
        }
        Ok(out)
    }

    /// Every dataset's head and version numbering.
    pub(crate) fn all_heads(&self) -> Result<Vec<HeadRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT d.peer, d.name, h.version_id, h.seq,
                    (SELECT MAX(seq) FROM versions v WHERE v.dataset_id = d.id),
                    (SELECT COUNT(*) FROM versions v WHERE v.dataset_id = d.id)
             FROM datasets d LEFT JOIN heads h ON h.dataset_id = d.id ORDER BY d.peer, d.name",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (peer, name, head, seq, max, count) = row?;
            out.push(HeadRow {
                name: parse_name(&peer, &name)?,
                head: head.unwrap_or_default(),
                seq: seq.unwrap_or(-1),
                max_seq: max,
                count,
            });
        }
        Ok(out)
    }

    /// Every run row: (run id, dataset, version id, whether that version exists).
    pub(crate) fn all_runs(&self) -> Result<Vec<(String, String, String, bool)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT r.run_id, d.peer || '/' || d.name, r.version_id,
                    EXISTS (SELECT 1 FROM versions v WHERE v.dataset_id = r.dataset_id AND v.id = r.version_id)
             FROM runs r JOIN datasets d ON d.id = r.dataset_id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// SQLite's own `PRAGMA integrity_check` result ("ok" when sound).
    pub(crate) fn sqlite_integrity(&self) -> Result<Vec<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("PRAGMA integrity_check")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

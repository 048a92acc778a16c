//! The history the blobs hold, against the metadata database's record of
//! it: finding the manifest blobs, telling a database that lost its
//! history (emptied, replaced, truncated) from one whose versions were
//! removed (tombstones), and rebuilding datasets, versions, heads and runs
//! from the manifests and their commits.
//!
//! A version's manifest names its parent, so the manifests of a dataset
//! form a chain; its commit names the dataset (recorded since the dataset
//! name was added to commits). A `remove` enters each version it drops in
//! `removed_versions`, so a manifest the database does not record is either
//! removed (a tombstone), an interrupted save (a first version, or a
//! child of a recorded or removed version), or lost (a child of a version
//! that is none of these).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, TransactionBehavior};

use super::rows::{self, now_text, NewRow};
use super::schema::{self, REMOVED_VERSIONS};
use super::{busy_error, RebuildReport, RebuiltDataset, Store, DB_FILE};
use crate::blob::BlobStore;
use crate::error::{DatasetError, Result};
use crate::model::{Commit, Component, DatasetName, Manifest, Provenance, Structure, VersionId};

/// The peer of the names given to histories whose name nothing recorded.
const RECOVERED_PEER: &str = "recovered";

/// The largest blob read as a possible manifest (a manifest is under 1 KiB).
const MANIFEST_MAX_BYTES: u64 = 4096;

/// A metadata database found to have lost the history its blobs hold.
#[derive(Debug, Clone)]
pub(crate) struct Lost {
    db: PathBuf,
    reason: String,
    manifests: usize,
}

impl Lost {
    /// As the error every opener but `open_for_repair` fails with.
    pub(crate) fn error(&self) -> DatasetError {
        DatasetError::LostHistory {
            db: self.db.clone(),
            reason: self.reason.clone(),
            manifests: self.manifests,
        }
    }
}

/// Every manifest blob in `blobs`, by version id: a blob that is small,
/// intact, and whose bytes are the canonical JSON of a manifest.
pub(crate) fn manifest_blobs(blobs: &BlobStore) -> Result<BTreeMap<VersionId, Manifest>> {
    let (hashes, _) = blobs.list()?;
    let mut out = BTreeMap::new();
    for h in hashes {
        let small = std::fs::metadata(blobs.path(&h))
            .is_ok_and(|m| m.is_file() && m.len() <= MANIFEST_MAX_BYTES);
        if !small {
            continue;
        }
        let Ok(bytes) = blobs.read(&h) else {
            continue; // corrupt or gone: fsck reports it
        };
        if !bytes.starts_with(b"{\"body\":") {
            continue;
        }
        let Ok(m) = serde_json::from_slice::<Manifest>(&bytes) else {
            continue;
        };
        if m.canonical_bytes().ok().as_deref() == Some(&bytes[..]) {
            out.insert(VersionId(h), m);
        }
    }
    Ok(out)
}

/// Whether the database has table `name`.
fn has_table(conn: &Connection, name: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
        [name],
        |r| r.get(0),
    )?)
}

/// Whether the versions table (which must exist) has a row.
fn has_versions(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM versions)", [], |r| r.get(0))?)
}

/// The ids of the versions `remove` dropped.
fn tombstones(conn: &Connection) -> Result<HashSet<VersionId>> {
    id_set(conn, "SELECT id FROM removed_versions")
}

/// The version ids `query` selects (ones that are not ids are skipped:
/// fsck reports them).
fn id_set(conn: &Connection, query: &str) -> Result<HashSet<VersionId>> {
    let mut stmt = conn.prepare(query)?;
    let ids = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = HashSet::new();
    for id in ids {
        if let Ok(id) = id?.parse() {
            out.insert(id);
        }
    }
    Ok(out)
}

/// The manifests (by id) that are not tombstoned and whose parent is
/// neither recorded nor tombstoned: history the database lost (an
/// interrupted save's manifest is a first version or the child of a
/// recorded or removed one). `recorded` is every version id the database
/// records.
pub(crate) fn lost_manifests(
    manifests: &BTreeMap<VersionId, Manifest>,
    recorded: &HashSet<VersionId>,
    removed: &HashSet<VersionId>,
) -> Vec<VersionId> {
    let accounted = |id: &VersionId| recorded.contains(id) || removed.contains(id);
    manifests
        .iter()
        .filter(|(id, m)| !accounted(id) && m.parent.is_some_and(|p| !accounted(&p)))
        .map(|(id, _)| *id)
        .collect()
}

/// On opening: has the database lost the history the blobs hold? Cheap
/// when the database records a version. Otherwise the blobs are listed
/// first and the database read after, so a save committed meanwhile by
/// another process is seen as recorded, never as lost.
pub(super) fn check(conn: &Connection, blobs: &BlobStore, db: &Path) -> Result<Option<Lost>> {
    if has_table(conn, "versions")? && has_versions(conn)? {
        return Ok(None);
    }
    let manifests = manifest_blobs(blobs)?;
    if manifests.is_empty() {
        return Ok(None);
    }
    let lost = |reason: &str, manifests: usize| Lost {
        db: db.to_path_buf(),
        reason: reason.to_string(),
        manifests,
    };
    // Blobs are only written once the schema exists: a database without
    // it, beside manifests, was emptied or replaced.
    if !has_table(conn, "versions")? {
        return Ok(Some(lost("it has no versions table", manifests.len())));
    }
    // A database from before tombstones is trusted (ensure_tombstones
    // enters what it does not record as removed).
    if has_versions(conn)? || !has_table(conn, "removed_versions")? {
        return Ok(None);
    }
    let removed = tombstones(conn)?;
    if lost_manifests(&manifests, &HashSet::new(), &removed).is_empty() {
        return Ok(None);
    }
    let unrecorded = manifests.keys().filter(|id| !removed.contains(id)).count();
    Ok(Some(lost("its versions table is empty", unrecorded)))
}

/// Create the tombstone table when the database has none: every manifest
/// it does not record then counts as removed (the database is trusted as
/// it was before tombstones existed).
pub(super) fn ensure_tombstones(conn: &mut Connection, blobs: &BlobStore) -> Result<()> {
    if has_table(conn, "removed_versions")? {
        return Ok(());
    }
    let manifests = manifest_blobs(blobs)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if !has_table(&tx, "removed_versions")? {
        tx.execute_batch(REMOVED_VERSIONS)?;
        let recorded = recorded_ids(&tx)?;
        let unrecorded: Vec<String> = manifests
            .keys()
            .filter(|id| !recorded.contains(id))
            .map(VersionId::to_hex)
            .collect();
        tombstone(&tx, &unrecorded)?;
    }
    tx.commit()?;
    Ok(())
}

/// Enter versions (`remove` dropped them) as removed: tombstones, so they
/// are never taken for lost history.
pub(super) fn tombstone(conn: &Connection, ids: &[String]) -> Result<()> {
    let now = now_text();
    for id in ids {
        conn.execute(
            "INSERT OR IGNORE INTO removed_versions (id, removed_at) VALUES (?1, ?2)",
            params![id, now],
        )?;
    }
    Ok(())
}

/// Every version id the versions table records.
fn recorded_ids(conn: &Connection) -> Result<HashSet<VersionId>> {
    id_set(conn, "SELECT id FROM versions")
}

/// A manifest with the components a rebuild reads.
struct Found {
    manifest: Manifest,
    commit: Commit,
    structure: Structure,
    provenance: Option<Provenance>,
}

/// One dataset's rebuilt history: its versions, first to head.
struct Chain {
    name: DatasetName,
    named_from: &'static str,
    ids: Vec<VersionId>,
}

impl Store {
    /// The manifests in blobs/ the database neither records nor lists as
    /// removed: those whose parent is in the same case (history the
    /// database lost), then the rest (interrupted saves). The blobs are
    /// listed before the database is read, as in [`check`].
    pub(crate) fn unrecorded_manifests(&self) -> Result<(Vec<VersionId>, Vec<VersionId>)> {
        let manifests = manifest_blobs(&self.blobs)?;
        let conn = self.conn();
        let recorded = recorded_ids(&conn)?;
        let removed = if has_table(&conn, "removed_versions")? {
            tombstones(&conn)?
        } else {
            HashSet::new()
        };
        let lost = lost_manifests(&manifests, &recorded, &removed);
        let interrupted = manifests
            .keys()
            .filter(|id| !recorded.contains(id) && !removed.contains(id) && !lost.contains(id))
            .copied()
            .collect();
        Ok((lost, interrupted))
    }

    /// Rebuild the datasets, versions, heads and runs of the metadata
    /// database from the manifest blobs and their commits: each dataset's
    /// history is the chain of manifests from its first version to its
    /// newest tip (by commit time); versions `remove` dropped stay out when
    /// the database still says so. The dataset name comes from the commits
    /// (saves record it); for versions saved before that, from the rows the
    /// database still has, then from other versions' provenance, else it is
    /// `recovered/v-<first 12 digits of the first version's id>`. Run
    /// records are rebuilt from provenance (keeping the outputs the database
    /// still has). Schedules and the run log are left as they are.
    pub fn rebuild(&self) -> Result<RebuildReport> {
        let mut conn = self.conn();
        schema::migrate(&mut conn, &self.root.join(DB_FILE))?;
        conn.execute_batch(REMOVED_VERSIONS)?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| busy_error(e, "(rebuild)", self.opts.busy_timeout))?;
        let removed = tombstones(&tx)?;
        let known_names = recorded_names(&tx)?;
        let outputs = run_outputs(&tx)?;
        let mut report = RebuildReport::default();
        let mut found = BTreeMap::new();
        for (id, manifest) in manifest_blobs(&self.blobs)? {
            if removed.contains(&id) {
                report.removed += 1;
                continue;
            }
            match self.read_found(manifest) {
                Ok(f) => {
                    found.insert(id, f);
                }
                Err(e) => report.skipped.push(format!("{}: {e}", id.short(12))),
            }
        }
        let chains = plan_chains(&found, &known_names, &mut report.skipped);
        tx.execute_batch(
            "DELETE FROM runs; DELETE FROM heads; DELETE FROM versions; DELETE FROM datasets;",
        )?;
        for chain in chains {
            self.insert_chain(&tx, &chain, &found, &outputs, &mut report)?;
        }
        tx.commit()?;
        *self.lost_state() = None;
        Ok(report)
    }

    /// Read the commit, structure and provenance a rebuild needs.
    fn read_found(&self, manifest: Manifest) -> Result<Found> {
        Ok(Found {
            commit: self.read_json(&manifest.commit, Component::Commit)?,
            structure: self.read_json(&manifest.structure, Component::Structure)?,
            provenance: manifest
                .provenance
                .map(|h| self.read_json(&h, Component::Provenance))
                .transpose()?,
            manifest,
        })
    }

    /// Record one rebuilt dataset: its row, versions, head and runs.
    fn insert_chain(
        &self,
        conn: &Connection,
        chain: &Chain,
        found: &BTreeMap<VersionId, Found>,
        outputs: &HashMap<(String, String), String>,
        report: &mut RebuildReport,
    ) -> Result<()> {
        let time = |f: &Found| {
            f.commit
                .timestamp
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        };
        let first = chain.ids.first().and_then(|id| found.get(id));
        let created = first.map(time).unwrap_or_else(now_text);
        let dataset_id = rows::insert_dataset(conn, &chain.name, &created)?;
        let mut head = None;
        for (i, id) in chain.ids.iter().enumerate() {
            let Some(f) = found.get(id) else { continue };
            let seq = i as u64 + 1;
            let at = time(f);
            let manifest_json = String::from_utf8(f.manifest.canonical_bytes()?)
                .map_err(|e| DatasetError::Inconsistent(e.to_string()))?;
            rows::insert_version(
                conn,
                &NewRow {
                    dataset_id,
                    id: *id,
                    seq,
                    manifest: &f.manifest,
                    manifest_json: &manifest_json,
                    commit: &f.commit,
                    rows: f.structure.rows,
                    columns: f.structure.columns,
                    body_size: f.structure.length,
                    saved_at: &at,
                },
            )?;
            if let Some(run_id) = f.provenance.as_ref().and_then(|p| p.run_id.as_ref()) {
                let output = outputs
                    .get(&(run_id.clone(), id.to_hex()))
                    .map(String::as_str)
                    .unwrap_or("");
                rows::record_run(conn, run_id, dataset_id, id, &at, output)?;
                report.runs += 1;
            }
            head = Some((*id, seq));
        }
        if let Some((id, seq)) = head {
            rows::set_head(conn, dataset_id, &id, seq, &now_text())?;
            report.versions += seq;
            report.datasets.push(RebuiltDataset {
                name: chain.name.clone(),
                head: id,
                versions: seq,
                named_from: chain.named_from.to_string(),
            });
        }
        Ok(())
    }
}

/// The dataset each version the database still records belongs to.
fn recorded_names(conn: &Connection) -> Result<HashMap<VersionId, DatasetName>> {
    let mut stmt = conn.prepare(
        "SELECT v.id, d.peer, d.name FROM versions v JOIN datasets d ON d.id = v.dataset_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut out = HashMap::new();
    for row in rows {
        let (id, peer, name) = row?;
        if let (Ok(id), Ok(name)) = (id.parse(), DatasetName::new(&peer, &name)) {
            out.insert(id, name);
        }
    }
    Ok(out)
}

/// The outputs of the runs the database still records, by (run id, version id).
fn run_outputs(conn: &Connection) -> Result<HashMap<(String, String), String>> {
    let mut stmt = conn.prepare("SELECT run_id, version_id, output FROM runs")?;
    let rows = stmt.query_map([], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Choose each dataset's history among the manifests: chains from a first
/// version, each ending at its newest tip; per name, the chain with the
/// newest tip. What is left out is explained in `skipped`.
fn plan_chains(
    found: &BTreeMap<VersionId, Found>,
    known_names: &HashMap<VersionId, DatasetName>,
    skipped: &mut Vec<String>,
) -> Vec<Chain> {
    let mut left_out: BTreeMap<VersionId, String> = BTreeMap::new();
    // Each version's first version and depth (None: an ancestor is missing).
    let mut roots: HashMap<VersionId, Option<(VersionId, usize)>> = HashMap::new();
    for id in found.keys() {
        root_of(*id, found, &mut roots);
    }
    let parents: HashSet<VersionId> = found.values().filter_map(|f| f.manifest.parent).collect();
    // The newest tip of each tree (by commit time, then depth, then id).
    let mut tips: BTreeMap<VersionId, (VersionId, usize)> = BTreeMap::new();
    for (id, f) in found {
        let Some(Some((root, depth))) = roots.get(id).copied() else {
            let parent = f.manifest.parent.map(|p| p.short(12)).unwrap_or_default();
            left_out.insert(
                *id,
                format!("an ancestor ({parent} or older) is missing, unreadable or removed"),
            );
            continue;
        };
        if parents.contains(id) {
            continue;
        }
        let newer = match tips.get(&root) {
            None => true,
            Some((tip, d)) => {
                let tip_time = found.get(tip).map(|t| &t.commit.timestamp);
                (Some(&f.commit.timestamp), depth, id) > (tip_time, *d, tip)
            }
        };
        if newer {
            tips.insert(root, (*id, depth));
        }
    }
    // Each tree's chain and name; per name, the chain with the newest tip.
    let mut by_name: BTreeMap<DatasetName, Chain> = BTreeMap::new();
    let tip_time = |c: &Chain| {
        c.ids
            .last()
            .and_then(|t| found.get(t))
            .map(|f| f.commit.timestamp)
    };
    for (root, (tip, _)) in tips {
        let mut ids = vec![tip];
        while let Some(p) = ids
            .last()
            .and_then(|id| found.get(id))
            .and_then(|f| f.manifest.parent)
        {
            ids.push(p);
        }
        let Some((name, named_from)) = chain_name(&ids, found, known_names, &root) else {
            continue; // not reached: a generated name is always valid
        };
        ids.reverse();
        let chain = Chain {
            name: name.clone(),
            named_from,
            ids,
        };
        let older = match by_name.get(&name) {
            Some(other) if tip_time(other) >= tip_time(&chain) => Some(chain),
            _ => by_name.insert(name.clone(), chain),
        };
        for id in older.iter().flat_map(|c| &c.ids) {
            left_out.insert(*id, format!("an older history of {name}"));
        }
    }
    // Versions on no chosen chain: branches (removed versions whose removal
    // the database no longer knows, or interrupted saves).
    let chosen: HashSet<VersionId> = by_name.values().flat_map(|c| c.ids.clone()).collect();
    for id in found.keys() {
        if !chosen.contains(id) && !left_out.contains_key(id) {
            left_out.insert(
                *id,
                "not on the newest history of its dataset (a removed version, or an interrupted save)".into(),
            );
        }
    }
    skipped.extend(
        left_out
            .into_iter()
            .map(|(id, why)| format!("{}: {why}", id.short(12))),
    );
    by_name.into_values().collect()
}

/// The first version and depth of `id`'s history, memoised in `roots`;
/// None when an ancestor is not among `found`.
fn root_of(
    id: VersionId,
    found: &BTreeMap<VersionId, Found>,
    roots: &mut HashMap<VersionId, Option<(VersionId, usize)>>,
) -> Option<(VersionId, usize)> {
    // Walk up to a version whose answer is known, a first version or a
    // missing parent, then fill in the versions walked, top down.
    let mut path = Vec::new();
    let mut cur = id;
    let mut above = loop {
        if let Some(known) = roots.get(&cur) {
            break *known;
        }
        let Some(f) = found.get(&cur) else {
            break None;
        };
        match f.manifest.parent {
            None => {
                roots.insert(cur, Some((cur, 0)));
                break Some((cur, 0));
            }
            Some(p) if path.len() < found.len() => {
                path.push(cur);
                cur = p;
            }
            Some(_) => break None,
        }
    };
    for v in path.iter().rev() {
        above = above.map(|(root, depth)| (root, depth + 1));
        roots.insert(*v, above);
    }
    roots.get(&id).copied().flatten()
}

/// A chain's dataset name (`ids` from tip to first version), and where it
/// came from: a commit, the database's surviving rows, another version's
/// provenance, or generated from the first version's id.
fn chain_name(
    ids: &[VersionId],
    found: &BTreeMap<VersionId, Found>,
    known_names: &HashMap<VersionId, DatasetName>,
    root: &VersionId,
) -> Option<(DatasetName, &'static str)> {
    if let Some(n) = ids
        .iter()
        .find_map(|id| found.get(id).and_then(|f| f.commit.dataset.clone()))
    {
        return Some((n, "commit"));
    }
    if let Some(n) = ids.iter().find_map(|id| known_names.get(id).cloned()) {
        return Some((n, "database"));
    }
    let read_as: HashMap<VersionId, &str> = found
        .values()
        .filter_map(|f| f.provenance.as_ref())
        .flat_map(|p| p.inputs.iter().map(|i| (i.version, i.dataset.as_str())))
        .collect();
    if let Some(n) = ids
        .iter()
        .find_map(|id| read_as.get(id).and_then(|d| d.parse().ok()))
    {
        return Some((n, "provenance"));
    }
    DatasetName::new(RECOVERED_PEER, &format!("v-{}", root.short(12)))
        .ok()
        .map(|n| (n, "generated"))
}

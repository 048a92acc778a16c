//! What the notebook page shows, shared between the runner thread and the
//! HTTP handlers: the file's cells, each cell's latest report and table, the
//! run's preview or error, and what a save did. Every change bumps `seq`,
//! which the page polls.

use crate::report::CellJson;
use datasets::Body;
use engine::CancelHandle;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use transforms::cells::{self, CellReport, CellValue};
use transforms::preview::Preview;
use transforms::profile::ColumnProfile;

/// How the last run ended.
pub enum Outcome {
    /// It produced a result: its preview (and the preview as `apply` prints it).
    Ok {
        /// The preview.
        preview: Box<Preview>,
        /// The preview as text.
        text: String,
        /// Whether the result can be committed (a dataset at its head).
        can_save: bool,
    },
    /// It failed: the error as `apply` prints it.
    Failed(String),
}

/// The state behind the page.
pub struct Shared {
    /// The secret the page's URL carries; every request must present it.
    pub token: String,
    /// The transform file.
    pub path: PathBuf,
    /// The dataset, as named on the command line.
    pub dataset: Option<String>,
    /// Rows per table page and in the preview.
    pub limit: usize,
    state: Mutex<State>,
    cancel: Mutex<Option<CancelHandle>>,
}

#[derive(Default)]
struct State {
    seq: u64,
    text: String,
    running: bool,
    reports: BTreeMap<usize, CellJson>,
    tables: BTreeMap<usize, Body>,
    profiles: BTreeMap<usize, Vec<ColumnProfile>>,
    error: Option<String>,
    preview: Option<Box<Preview>>,
    preview_text: Option<String>,
    can_save: bool,
    saved: Option<Result<String, String>>,
}

/// The page's view of the notebook (`GET /api/state`).
#[derive(Serialize)]
pub struct StateJson {
    seq: u64,
    file: String,
    dataset: Option<String>,
    running: bool,
    cells: Vec<CellView>,
    transform: Option<CellJson>,
    error: Option<String>,
    preview: Option<Box<Preview>>,
    preview_text: Option<String>,
    can_save: bool,
    saved: Option<String>,
    save_error: Option<String>,
}

/// One cell as the page shows it.
#[derive(Serialize)]
struct CellView {
    index: usize,
    title: Option<String>,
    line: u32,
    code: String,
    report: Option<CellJson>,
    profile: Option<Vec<ColumnProfile>>,
}

/// One page of a cell's table (`GET /api/table`).
#[derive(Serialize)]
pub struct TablePage {
    rows: usize,
    offset: usize,
    head: Vec<Vec<String>>,
}

impl Shared {
    /// The state of a notebook on `path`, not yet run.
    pub fn new(token: String, path: PathBuf, dataset: Option<String>, limit: usize) -> Shared {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        Shared {
            token,
            path,
            dataset,
            limit,
            state: Mutex::new(State {
                text,
                ..State::default()
            }),
            cancel: Mutex::new(None),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A handler that panicked left consistent data behind: keep serving.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the run in progress (or the last run) is of `text`.
    pub fn is_current(&self, text: &str) -> bool {
        self.lock().text == text
    }

    /// Cancels the run in progress, if any.
    pub fn cancel_run(&self) {
        if let Some(c) = self.cancel.lock().unwrap_or_else(|e| e.into_inner()).take() {
            c.cancel();
        }
    }

    /// A run of `text` starts: earlier reports are cleared; the returned
    /// handle cancels it.
    pub fn start(&self, text: &str) -> CancelHandle {
        let handle = CancelHandle::default();
        *self.cancel.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle.clone());
        let mut s = self.lock();
        s.seq += 1;
        s.text = text.to_string();
        s.running = true;
        s.reports.clear();
        s.tables.clear();
        s.profiles.clear();
        s.error = None;
        s.preview = None;
        s.preview_text = None;
        s.can_save = false;
        s.saved = None;
        handle
    }

    /// A cell (or the `transform(ds)` call) ended.
    pub fn record(&self, r: CellReport) {
        let json = CellJson::new(&r, self.limit);
        let mut s = self.lock();
        s.seq += 1;
        if let Some(CellValue::Table(body)) = r.value {
            s.profiles
                .insert(r.index, transforms::profile::profile(&body));
            s.tables.insert(r.index, body);
        }
        s.reports.insert(r.index, json);
    }

    /// The run ended.
    pub fn finish(&self, outcome: Outcome) {
        let mut s = self.lock();
        s.seq += 1;
        s.running = false;
        match outcome {
            Outcome::Ok {
                preview,
                text,
                can_save,
            } => {
                s.preview = Some(preview);
                s.preview_text = Some(text);
                s.can_save = can_save;
            }
            Outcome::Failed(e) => s.error = Some(e),
        }
    }

    /// A save ended.
    pub fn saved(&self, result: Result<String, String>) {
        let mut s = self.lock();
        s.seq += 1;
        if result.is_ok() {
            s.can_save = false;
        }
        s.saved = Some(result);
    }

    /// Replaces cell `index`'s code and returns the file's new text
    /// (`None`: no such cell).
    pub fn edit(&self, index: usize, code: &str) -> Option<String> {
        let s = self.lock();
        let mut cells = cells::split(&s.text);
        let cell = cells.get_mut(index)?;
        cell.code = code.to_string();
        if !cell.code.is_empty() && !cell.code.ends_with('\n') {
            cell.code.push('\n');
        }
        Some(cells::join(&cells))
    }

    /// The page's view.
    pub fn json(&self) -> StateJson {
        let s = self.lock();
        let cells = cells::split(&s.text);
        let n = cells.len();
        StateJson {
            seq: s.seq,
            file: self.path.display().to_string(),
            dataset: self.dataset.clone(),
            running: s.running,
            cells: cells
                .into_iter()
                .enumerate()
                .map(|(i, c)| CellView {
                    index: i,
                    title: c.title,
                    line: c.line,
                    code: c.code,
                    report: s.reports.get(&i).cloned(),
                    profile: s.profiles.get(&i).cloned(),
                })
                .collect(),
            transform: s.reports.get(&n).cloned(),
            error: s.error.clone(),
            preview: s.preview.clone(),
            preview_text: s.preview_text.clone(),
            can_save: s.can_save,
            saved: s.saved.clone().and_then(Result::ok),
            save_error: s.saved.clone().and_then(Result::err),
        }
    }

    /// Rows `offset..offset + limit` of cell `index`'s table.
    pub fn table(&self, index: usize, offset: usize, limit: usize) -> Option<TablePage> {
        let s = self.lock();
        let body = s.tables.get(&index)?;
        let head = transforms::preview::rows_at(body, offset, limit).ok()?;
        Some(TablePage {
            rows: body.num_rows(),
            offset,
            head,
        })
    }
}

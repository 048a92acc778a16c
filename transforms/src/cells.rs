//! Cells: a transform file split into steps that run in order and share
//! globals, as in a notebook, and what each step produced ([`CellReport`]).
//!
//! A line that is exactly `---` (Qri's step files) or starts with `# %%`
//! (the Jupytext / VS Code convention; the rest of the line is the cell's
//! title) starts a new cell. A file without such lines is one cell. Each
//! cell is compiled with the lines before it blanked out, so positions in
//! errors are the file's own.

use datasets::{Body, InputVersion};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

/// One cell of a transform file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// The marker line that starts it, verbatim (`None` for text before the
    /// first marker).
    pub marker: Option<String>,
    /// Its title: the text after `# %%`, if any.
    pub title: Option<String>,
    /// The 1-based line of its first code line (the line after its marker).
    pub line: u32,
    /// Its code: the lines up to the next marker, each ending in a newline
    /// (the last one as the file ends).
    pub code: String,
}

impl Cell {
    /// The code with the `line - 1` lines before it blank, so the engine
    /// reports the file's positions.
    pub fn source(&self) -> String {
        let mut s = "\n".repeat(self.line.saturating_sub(1) as usize);
        s.push_str(&self.code);
        s
    }

    /// Whether the cell holds only blank lines and comments.
    pub fn is_empty(&self) -> bool {
        self.code
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    }
}

/// Whether `line` starts a new cell.
fn is_marker(line: &str) -> bool {
    let line = line.trim_end_matches(['\r', '\n']);
    line.trim_end() == "---" || line.starts_with("# %%")
}

/// Splits a transform file into cells. Text before the first marker is a
/// cell of its own unless it is blank; every marker starts a cell, even an
/// empty one. [`join`] puts the file back together.
pub fn split(text: &str) -> Vec<Cell> {
    let mut cells: Vec<Cell> = Vec::new();
    let mut current = Cell {
        marker: None,
        title: None,
        line: 1,
        code: String::new(),
    };
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if is_marker(line) {
            let next_line = i as u32 + 2;
            let done = std::mem::replace(
                &mut current,
                Cell {
                    marker: Some(line.to_string()),
                    title: title_of(line),
                    line: next_line,
                    code: String::new(),
                },
            );
            if done.marker.is_some() || !done.code.trim().is_empty() {
                cells.push(done);
            }
        } else {
            current.code.push_str(line);
        }
    }
    if current.marker.is_some() || !current.code.trim().is_empty() || cells.is_empty() {
        cells.push(current);
    }
    cells
}

fn title_of(marker: &str) -> Option<String> {
    let rest = marker.trim().strip_prefix("# %%")?.trim();
    (!rest.is_empty()).then(|| rest.to_string())
}

/// The file text of `cells` ([`split`]'s inverse, up to blank text before
/// the first marker).
pub fn join(cells: &[Cell]) -> String {
    let mut out = String::new();
    for c in cells {
        if let Some(m) = &c.marker {
            out.push_str(m);
            if !m.ends_with('\n') {
                out.push('\n');
            }
        }
        out.push_str(&c.code);
        if !c.code.is_empty() && !c.code.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// The value of a cell's trailing expression, ready to show.
#[derive(Debug, Clone)]
pub enum CellValue {
    /// A table (or a dataset's body): shown as rows.
    Table(Body),
    /// Anything else, as its `repr` (redacted).
    Text(String),
}

/// How a cell's run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CellStatus {
    /// It ran to the end.
    Ok,
    /// It failed; the run's error says why.
    Failed,
    /// An earlier cell failed, so it did not run.
    Skipped,
    /// Its state was reused from an earlier run: nothing in it or before
    /// it changed.
    Reused,
}

/// What one cell (or the final `transform(ds)` call) produced.
#[derive(Debug, Clone)]
pub struct CellReport {
    /// The cell's index (the final `transform(ds)` call comes after the last cell).
    pub index: usize,
    /// The cell's title, or `transform(ds)` for the call.
    pub title: Option<String>,
    /// The 1-based line its code starts on.
    pub line: u32,
    /// How it ended.
    pub status: CellStatus,
    /// What it printed, one line per `print`, each ending in a newline (redacted).
    pub output: String,
    /// Its trailing expression's value, if it had one (not None).
    pub value: Option<CellValue>,
    /// How long it ran.
    pub elapsed: Duration,
    /// The error that ended it, rendered as text (redacted).
    pub error: Option<String>,
}

/// A callback receiving each cell's report as soon as the cell ends.
pub type CellHook = Box<dyn FnMut(CellReport)>;

/// What runs of one file keep between them so a later run starts at its
/// first changed cell, as a notebook does: the module, and after each cell
/// a snapshot of its globals (mutable values copied), its report and how
/// many datasets it had loaded. A run reuses the longest unchanged prefix
/// of cells when its release, config, secrets and directory are the same
/// and no kept cell used `rand` (its generator lives with the run).
///
/// Engine values live here, so it stays on the thread that runs the file.
#[derive(Clone, Default)]
pub struct CellMemory(pub(crate) Rc<RefCell<Option<Kept>>>);

impl CellMemory {
    /// An empty memory: the next run runs every cell.
    pub fn new() -> CellMemory {
        CellMemory::default()
    }

    /// Forgets every cell: the next run runs them all.
    pub fn forget(&self) {
        self.0.borrow_mut().take();
    }

    /// Forgets cell `index` and every cell after it: the next run starts at
    /// `index` at the latest.
    pub fn forget_from(&self, index: usize) {
        if let Some(k) = self.0.borrow_mut().as_mut() {
            k.cells.truncate(index);
        }
    }

    /// How many cells are kept.
    pub fn kept(&self) -> usize {
        self.0.borrow().as_ref().map_or(0, |k| k.cells.len())
    }
}

/// One file's kept state.
pub(crate) struct Kept {
    /// What must match for the state to be reused (release, settings, directory).
    pub key: String,
    /// The module the cells ran in.
    pub module: engine::Session,
    /// Each kept cell, in order.
    pub cells: Vec<KeptCell>,
    /// The host state the module's predeclared values share.
    pub host: HostState,
    /// Whether a kept cell drew from `rand`.
    pub used_rand: bool,
}

impl Drop for Kept {
    fn drop(&mut self) {
        // The module's functions hold the module: break the cycle.
        self.module.release();
    }
}

/// One kept cell.
pub(crate) struct KeptCell {
    /// Its source as compiled (line offset included).
    pub source: String,
    /// The module's globals after it.
    pub snapshot: engine::Snapshot,
    /// Its report.
    pub report: CellReport,
    /// The host state after it.
    pub host: HostMark,
}

/// What a run's predeclared values share with the host: the datasets
/// `load_dataset` read, and the dataset `dataset.commit(ds)` proposed.
#[derive(Clone, Default)]
pub(crate) struct HostState {
    /// The datasets read, in order.
    pub inputs: Rc<RefCell<Vec<InputVersion>>>,
    /// The committed dataset, if any.
    pub committed: crate::qri::CommitSlot,
}

/// [`HostState`] at one moment.
pub(crate) struct HostMark {
    inputs: usize,
    committed: Option<crate::dataset::DatasetState>,
}

impl HostState {
    /// The state now.
    pub fn mark(&self) -> HostMark {
        HostMark {
            inputs: self.inputs.borrow().len(),
            committed: self.committed.borrow().clone(),
        }
    }

    /// Back to `mark`.
    pub fn restore(&self, mark: &HostMark) {
        self.inputs.borrow_mut().truncate(mark.inputs);
        *self.committed.borrow_mut() = mark.committed.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_without_markers_is_one_cell() {
        let cells = split("x = 1\nprint(x)\n");
        assert_eq!(cells.len(), 1);
        assert_eq!(cells[0].line, 1);
        assert_eq!(cells[0].source(), "x = 1\nprint(x)\n");
    }

    #[test]
    fn both_marker_styles_split_and_keep_line_numbers() {
        let text = "load('a.star', 'a')\n# %% Download\nx = 1\n---\ny = 2\n";
        let cells = split(text);
        assert_eq!(cells.len(), 3);
        assert_eq!(cells[1].title.as_deref(), Some("Download"));
        assert_eq!(cells[1].line, 3);
        assert_eq!(cells[2].line, 5);
        assert_eq!(cells[2].source(), "\n\n\n\ny = 2\n");
        assert_eq!(join(&cells), text);
    }

    #[test]
    fn blank_text_before_the_first_marker_is_not_a_cell() {
        let cells = split("\n---\nx = 1");
        assert_eq!(cells.len(), 1);
        assert_eq!(cells[0].line, 3);
        assert_eq!(join(&cells), "---\nx = 1\n");
    }

    #[test]
    fn only_exactly_three_dashes_split() {
        assert_eq!(split("a = 1\n----\n").len(), 1);
        assert_eq!(split("a = 1\n--- \n").len(), 2);
    }
}

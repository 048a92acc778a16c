//! The notebook's runner: one thread that owns every run of the file
//! (engine values are not `Send`), so runs go through the same library
//! path as `quarry apply` and `save`, and the page only sees reports.

use super::state::{Outcome, Shared};
use crate::cmd::options::RunArgs;
use crate::render;
use datasets::Store;
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use transforms::cells::{CellMemory, CellReport};
use transforms::{Candidate, CommitOptions, Committed, Script, Session};

/// How long a file change settles before the file is read.
const SETTLE: std::time::Duration = std::time::Duration::from_millis(100);

/// What the runner is asked to do.
#[derive(Debug)]
pub enum Command {
    /// Run the file: every cell (`None`), or from cell `k` on, reusing the
    /// kept state of the cells before it where they are unchanged.
    Run(Option<usize>),
    /// The file changed on disk: run it if its text differs from the last run's.
    FileChanged,
    /// Commit the last successful run's result.
    Save,
}

/// Where runs read from and commit to.
pub struct Target {
    /// The store (`None`: no store yet and no dataset named).
    pub store: Option<Arc<Store>>,
    /// The dataset (`None`: runs start empty and cannot be saved).
    pub dataset: Option<String>,
}

/// Runs commands until the channel closes.
pub fn serve(shared: Arc<Shared>, target: Target, run: RunArgs, commands: Receiver<Command>) {
    let mut candidate: Option<Candidate> = None;
    let mut last_text: Option<String> = None;
    let memory = CellMemory::new();
    while let Ok(first) = commands.recv() {
        // A write arrives as several events (truncate, write, close): let
        // them settle, then coalesce what queued up.
        if matches!(first, Command::FileChanged) {
            std::thread::sleep(SETTLE);
        }
        let mut batch = vec![first];
        batch.extend(commands.try_iter());
        if batch.iter().any(|c| matches!(c, Command::Save)) {
            save(&shared, &target, candidate.take());
            batch.retain(|c| !matches!(c, Command::Save));
            if batch.is_empty() {
                continue;
            }
        }
        let text = std::fs::read_to_string(&shared.path).ok();
        // The earliest cell asked for decides; `Run all` forgets everything.
        let from = batch
            .iter()
            .filter_map(|c| match c {
                Command::Run(from) => Some(from.unwrap_or(0)),
                _ => None,
            })
            .min();
        match from {
            Some(k) => memory.forget_from(k),
            None if text.is_some() && text == last_text => continue,
            None => {}
        }
        last_text = text;
        candidate = run_once(&shared, &target, &run, &memory);
    }
}

/// One run of the file as it is on disk; its reports go to the shared state.
fn run_once(
    shared: &Arc<Shared>,
    target: &Target,
    run: &RunArgs,
    memory: &CellMemory,
) -> Option<Candidate> {
    let script = match Script::read(&shared.path) {
        Ok(s) => s,
        Err(e) => {
            shared.finish(Outcome::Failed(e.to_string()));
            return None;
        }
    };
    let mut options = match run.options(false) {
        Ok(o) => o,
        Err(e) => {
            shared.finish(Outcome::Failed(format!("{e:#}")));
            return None;
        }
    };
    options.cancel = Some(shared.start(&script.text));
    options.memory = Some(memory.clone());
    let sink = shared.clone();
    options.on_cell = Some(Box::new(move |r: CellReport| sink.record(r)));
    let session = match open(target) {
        Ok(s) => s,
        Err(e) => {
            shared.finish(Outcome::Failed(e.to_string()));
            return None;
        }
    };
    match session.run(script, options) {
        Ok(candidate) => match candidate.preview(shared.limit, &[]) {
            Ok(preview) => {
                let text = render::preview::show_preview(&preview, target.dataset.as_deref());
                shared.finish(Outcome::Ok {
                    preview: Box::new(preview),
                    text,
                    can_save: target.dataset.is_some()
                        && !target.dataset.iter().any(|d| d.contains('@')),
                });
                Some(candidate)
            }
            Err(e) => {
                shared.finish(Outcome::Failed(e.to_string()));
                None
            }
        },
        Err(e) => {
            shared.finish(Outcome::Failed(format!("{}", render::failure::session(e))));
            None
        }
    }
}

fn open(target: &Target) -> Result<Session, transforms::SessionError> {
    match (&target.store, &target.dataset) {
        (Some(store), Some(d)) => Session::open(store.clone(), d),
        (store, _) => Ok(Session::detached(store.clone())),
    }
}

/// Commits the last run's result through the same API as `quarry save`.
fn save(shared: &Shared, target: &Target, candidate: Option<Candidate>) {
    let Some(candidate) = candidate else {
        shared.saved(Err(
            "nothing to save: run the file first (and fix any error)".into(),
        ));
        return;
    };
    let name = target.dataset.clone().unwrap_or_default();
    let result = candidate.commit(CommitOptions {
        title: None,
        message: None,
        force: false,
    });
    shared.saved(match result {
        Ok(Committed::Saved(s)) => Ok(format!(
            "saved {name}@{} (version {}, {} rows)",
            render::short_id(&s.id),
            s.seq,
            s.rows
        )),
        Ok(Committed::Unchanged { .. }) => {
            Ok(format!("no changes: {name} stays at its latest version"))
        }
        Err(e) => Err(e.to_string()),
    });
}

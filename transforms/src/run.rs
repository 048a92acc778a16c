//! [`run`]: one transform run, as named steps — build the thread, start the
//! deadline, predeclare the host names, apply the contract, and turn the
//! resulting dataset into a redacted [`RunOutcome`]. Commits nothing.

use crate::cells::{
    self, Cell, CellHook, CellMemory, CellReport, CellStatus, CellValue, HostState, Kept, KeptCell,
};
use crate::contract::{self, Failure, StepEnd};
use crate::convert;
use crate::dataset::{self, empty_body, meta_value, DatasetState};
use crate::redact::Redactor;
use crate::settings::Settings;
use crate::{fs, print, qri, Input, Limits, PrintHook, RunOutcome, RunRequest, TransformError};
use datasets::{Meta, Transform};
use engine::{CancelHandle, EvalError, Loader, Members, Predeclared, Thread, Value};
use starlib::{HostConfig, Release, StarlibLoader};
use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Runs the transform script of `req` and applies the contract (see
/// [`crate::contract`]). A run that fails, is cancelled, or passes its
/// deadline (even if the script finished) returns an error, never a result.
pub fn run(req: RunRequest) -> Result<RunOutcome, TransformError> {
    let RunRequest {
        script,
        path,
        input,
        release,
        host,
        config,
        secrets,
        limits,
        on_print,
        dir,
        hidden_files,
        store,
        cancel,
        run_id,
        on_cell,
        memory,
    } = req;
    let redactor = Redactor::new(secrets.values());
    // Every HTTP request ends by the run's deadline at the latest.
    let run_deadline = limits.timeout.and_then(|t| Instant::now().checked_add(t));
    let host = HostConfig {
        deadline: host.deadline.into_iter().chain(run_deadline).min(),
        ..host
    };
    let dataset_cell: Rc<RefCell<Option<Value>>> = Rc::default();
    let mut thread = build_thread(
        release,
        HostLoader {
            starlib: release.loader(host),
            fs: dir
                .as_deref()
                .and_then(fs::FsRoot::new)
                .map(|root| root.hide(&hidden_files)),
            dataset: dataset_cell.clone(),
            store: store.clone(),
        },
        &limits,
        cancel,
    );
    let output = capture_print(&mut thread, &redactor, on_print);
    let deadline = Deadline::start(&thread, limits.timeout);

    let input = input.unwrap_or_else(|| Input {
        body: empty_body(),
        meta: None,
        readme: None,
        version: None,
    });
    let cells = cells::split(&script);
    // Only a run that keeps cells needs the key that guards reuse.
    let kept = memory.as_ref().map(|m| {
        (
            m,
            memory_key(release, &config, &secrets, dir.as_deref(), &input),
        )
    });
    let resumed = kept.as_ref().and_then(|(m, key)| resume(m, key, &cells));
    let mut fresh_dataset = None;
    let (mut module, start, host, reused) = match resumed {
        Some(r) => r,
        None => {
            let host = HostState::default();
            let mut pre = Predeclared::default();
            // 1.x prints as Qri did (Starlark's `str`), 2.x as console.log.
            let style = match release.body_form {
                starlib::BodyForm::RowLists => print::PrintStyle::Starlark,
                starlib::BodyForm::Table => print::PrintStyle::Console,
            };
            pre.insert(
                "print".into(),
                print::print_builtin(style, redactor.clone()),
            );
            let dataset =
                qri::DatasetModule::value(release, initial_state(&input), host.committed.clone());
            pre.insert("dataset".into(), dataset.clone());
            fresh_dataset = Some(dataset);
            pre.insert("config".into(), Settings::config(&config));
            pre.insert("secrets".into(), Settings::secrets(&secrets));
            pre.insert(
                "load_dataset".into(),
                dataset::loader(release, store, host.inputs.clone()),
            );
            if release.body_form == starlib::BodyForm::RowLists {
                pre.insert("error".into(), qri::error_builtin());
            }
            let module = engine::Session::new(&path, pre);
            if let Some((m, key)) = kept {
                *m.0.borrow_mut() = Some(Kept {
                    key,
                    module: module.clone(),
                    cells: Vec::new(),
                    host: host.clone(),
                    used_rand: false,
                });
            }
            (module, 0, host, Vec::new())
        }
    };

    let mut steps = StepReporter {
        cells: &cells,
        output: output.clone(),
        printed: 0,
        redactor: &redactor,
        hook: on_cell,
        failed: false,
        steps: 0,
        memory: memory.clone(),
        host: host.clone(),
    };
    steps.replay(reused);
    // `load("dataset.star", "dataset")` binds the run's `dataset` (for a
    // kept module, an equivalent one: same release, input and commit slot).
    *dataset_cell.borrow_mut() = Some(fresh_dataset.unwrap_or_else(|| {
        qri::DatasetModule::value(release, initial_state(&input), host.committed.clone())
    }));
    let result = match qri::second_transform(&script) {
        Some((first, second)) => Err(Failure::Contract(format!(
            "{path}:{second}:1: transform is defined twice (first at line {first}); a script defines zero or one transform"
        ))),
        None => contract::execute(
            &mut thread,
            &cells,
            &mut module,
            start,
            contract::Host {
                release,
                initial: initial_state(&input),
                committed: &host.committed,
                ctx: qri::Context::value(&config, &secrets),
            },
            &mut |step| steps.step(step),
        ),
    };
    steps.skip_rest();
    if let Some(kept) = memory.as_ref().map(|m| m.0.clone()) {
        if let Some(k) = kept.borrow_mut().as_mut() {
            k.used_rand |= starlib::rand::seed_used(&thread).is_some();
        }
    }
    // The result is out: free the module (its functions hold it in a cycle;
    // a kept module is restored from its snapshots).
    thread.release_modules();
    let late = deadline.finish();
    let state = check_finished(result, late, thread.cancel_handle(), &redactor)?;

    let output = output.borrow().clone();
    let mut outcome = collect(state, input, &redactor)?;
    outcome.output = output;
    outcome.starlib_version = release.version.to_string();
    outcome.transform = Transform {
        script,
        starlib_version: release.version.to_string(),
        config,
    };
    outcome.inputs = host.inputs.take();
    if let Some(id) = run_id {
        outcome.run_id = id;
    }
    outcome.rand_seed = starlib::rand::seed_used(&thread);
    Ok(outcome)
}

/// A thread with the release's dialect, the run's loader and its limits.
fn build_thread(
    release: &'static Release,
    loader: HostLoader,
    limits: &Limits,
    cancel: Option<CancelHandle>,
) -> Thread {
    let mut thread = release.new_thread();
    thread.set_loader(loader);
    if let Some(n) = limits.max_steps {
        thread.set_max_steps(n);
    }
    if let Some(m) = limits.memory {
        thread.set_memory_limit(m);
    }
    if let Some(c) = cancel {
        thread.set_cancel_handle(c);
    }
    thread
}

/// Sends each printed line, redacted, to `on_print` and to the captured output.
fn capture_print(
    thread: &mut Thread,
    redactor: &Redactor,
    mut on_print: Option<PrintHook>,
) -> Rc<RefCell<String>> {
    let output = Rc::new(RefCell::new(String::new()));
    let captured = output.clone();
    let redactor = redactor.clone();
    thread.set_print(move |line: &str| {
        let line = redactor.redact(line);
        if let Some(cb) = on_print.as_mut() {
            cb(&line);
        }
        let mut o = captured.borrow_mut();
        o.push_str(&line);
        o.push('\n');
    });
    output
}

/// Turns each step's end into a [`CellReport`] for the run's cell hook:
/// what the step printed, its value (a table as rows, anything else as its
/// redacted repr), its time and error; after a failure the rest are skipped.
struct StepReporter<'a> {
    cells: &'a [Cell],
    output: Rc<RefCell<String>>,
    /// How much of the output earlier steps printed.
    printed: usize,
    redactor: &'a Redactor,
    hook: Option<CellHook>,
    failed: bool,
    /// How many steps have ended.
    steps: usize,
    /// Where successful cells are kept for later runs, if anywhere.
    memory: Option<CellMemory>,
    /// The host state the module shares.
    host: HostState,
}

impl StepReporter<'_> {
    fn step(&mut self, step: StepEnd<'_>) {
        let output = {
            let o = self.output.borrow();
            let new = o.get(self.printed..).unwrap_or_default().to_string();
            self.printed = o.len();
            new
        };
        self.failed |= step.error.is_some();
        self.steps = step.index + 1;
        let keep = self.memory.is_some() && step.error.is_none() && step.index < self.cells.len();
        if self.hook.is_none() && !keep {
            return;
        }
        let value = step.value.map(|v| cell_value(v, self.redactor));
        let report = CellReport {
            status: if step.error.is_some() {
                CellStatus::Failed
            } else {
                CellStatus::Ok
            },
            output,
            value,
            elapsed: step.elapsed,
            error: step.error.map(|e| self.redactor.redact(&e)),
            ..self.report_for(step.index)
        };
        let report = match step.title {
            Some(t) => CellReport {
                title: Some(t.to_string()),
                ..report
            },
            None => report,
        };
        if keep {
            if let Some(kept) = self.memory.as_ref().map(|m| m.0.clone()) {
                if let Some(kept) = kept.borrow_mut().as_mut() {
                    kept.cells.truncate(step.index);
                    kept.cells.push(KeptCell {
                        source: self.cells[step.index].source(),
                        snapshot: step.module.snapshot(),
                        report: report.clone(),
                        host: self.host.mark(),
                    });
                }
            }
        }
        if let Some(hook) = self.hook.as_mut() {
            hook(report);
        }
    }

    /// Reports the cells a run reused, with what they printed and produced
    /// when they last ran; their output is part of this run's output.
    fn replay(&mut self, reused: Vec<CellReport>) {
        for mut report in reused {
            report.status = CellStatus::Reused;
            {
                let mut o = self.output.borrow_mut();
                o.push_str(&report.output);
                self.printed = o.len();
            }
            self.steps = report.index + 1;
            if let Some(hook) = self.hook.as_mut() {
                hook(report);
            }
        }
    }

    /// An empty report for step `index`: a cell, or the `transform(ds)` call.
    fn report_for(&self, index: usize) -> CellReport {
        let cell = self.cells.get(index);
        CellReport {
            index,
            title: match cell {
                Some(c) => c.title.clone(),
                None => Some("transform(ds)".to_string()),
            },
            line: cell.map_or(0, |c| c.line),
            status: CellStatus::Skipped,
            output: String::new(),
            value: None,
            elapsed: Duration::ZERO,
            error: None,
        }
    }

    /// Reports every step after a failed one as skipped.
    fn skip_rest(&mut self) {
        if !self.failed {
            return;
        }
        for index in self.steps..=self.cells.len() {
            let report = self.report_for(index);
            if let Some(hook) = self.hook.as_mut() {
                hook(report);
            }
        }
    }
}

/// What must be the same for kept cells to be reused: the version the run
/// starts from, the release, the settings (secrets by hash) and the
/// transform's directory.
fn memory_key(
    release: &Release,
    config: &std::collections::BTreeMap<String, serde_json::Value>,
    secrets: &std::collections::BTreeMap<String, String>,
    dir: Option<&Path>,
    input: &Input,
) -> String {
    let mut h = blake3::Hasher::new();
    // `dataset.latest()` in a kept cell read the version the run starts from.
    h.update(input.version.as_deref().unwrap_or("new").as_bytes());
    h.update(&[0]);
    h.update(release.version.to_string().as_bytes());
    h.update(serde_json::to_string(config).unwrap_or_default().as_bytes());
    for (k, v) in secrets {
        h.update(k.as_bytes());
        h.update(&[0]);
        h.update(v.as_bytes());
        h.update(&[0]);
    }
    h.update(
        dir.map(|d| d.display().to_string())
            .unwrap_or_default()
            .as_bytes(),
    );
    h.finalize().to_hex().to_string()
}

/// The kept module restored after the longest prefix of `cells` that is
/// unchanged since it ran, with where to start and the reused cells'
/// reports; `None` (and the memory cleared) when nothing can be reused.
#[allow(clippy::type_complexity)]
fn resume(
    memory: &CellMemory,
    key: &str,
    cells: &[Cell],
) -> Option<(engine::Session, usize, HostState, Vec<CellReport>)> {
    let mut slot = memory.0.borrow_mut();
    let usable = slot.as_ref().is_some_and(|k| k.key == key && !k.used_rand);
    if !usable {
        *slot = None;
        return None;
    }
    let kept = slot.as_mut()?;
    let start = kept
        .cells
        .iter()
        .zip(cells)
        .take_while(|(k, c)| k.source == c.source())
        .count();
    kept.cells.truncate(start);
    let Some(last) = kept.cells.last() else {
        *slot = None;
        return None;
    };
    kept.module.restore(&last.snapshot);
    kept.host.restore(&last.host);
    let reports = kept.cells.iter().map(|c| c.report.clone()).collect();
    Some((kept.module.clone(), start, kept.host.clone(), reports))
}

/// A trailing expression's value as a cell shows it.
fn cell_value(v: &Value, redactor: &Redactor) -> CellValue {
    if convert::as_table(v).is_some() {
        if let Ok(body) = convert::value_to_body("value", v, &convert::RowLists::HeaderFirst) {
            if let Ok(body) = redactor.redact_body(&body) {
                return CellValue::Table(body);
            }
        }
    }
    CellValue::Text(redactor.redact(&engine::values::repr(v)))
}

/// The run's wall-clock limit: a timer thread cancels the thread when it
/// passes, and exits early when the run finishes.
struct Deadline {
    timeout: Option<Duration>,
    started: Instant,
    fired: Arc<AtomicBool>,
    done: Option<mpsc::Sender<()>>,
    timer: Option<JoinHandle<()>>,
}

impl Deadline {
    fn start(thread: &Thread, timeout: Option<Duration>) -> Deadline {
        let fired = Arc::new(AtomicBool::new(false));
        let (done, done_rx) = mpsc::channel::<()>();
        let timer = timeout.map(|timeout| {
            let cancel = thread.cancel_handle();
            let fired = fired.clone();
            std::thread::spawn(move || {
                if let Err(mpsc::RecvTimeoutError::Timeout) = done_rx.recv_timeout(timeout) {
                    fired.store(true, Ordering::SeqCst);
                    cancel.cancel();
                }
            })
        });
        Deadline {
            timeout,
            started: Instant::now(),
            fired,
            done: Some(done),
            timer,
        }
    }

    /// Stops the timer; `Some(timeout)` when the run passed its deadline
    /// (the timer fired, or the run ended after it).
    fn finish(mut self) -> Option<Duration> {
        drop(self.done.take());
        if let Some(t) = self.timer.take() {
            let _ = t.join();
        }
        let timeout = self.timeout?;
        (self.fired.load(Ordering::SeqCst) || self.started.elapsed() > timeout).then_some(timeout)
    }
}

/// Turns the contract's result into the run's verdict: a late or cancelled
/// run is an error even when the script finished; errors are redacted.
fn check_finished(
    result: Result<Option<DatasetState>, Failure>,
    late: Option<Duration>,
    cancel: CancelHandle,
    redactor: &Redactor,
) -> Result<Option<DatasetState>, TransformError> {
    let error = match result {
        Err(Failure::Contract(m)) => return Err(TransformError::Contract(redactor.redact(&m))),
        Err(Failure::Engine(e)) => Some(redact_engine(e, redactor)),
        Ok(state) if late.is_none() && !cancel.is_cancelled() => return Ok(state),
        Ok(_) => None,
    };
    Err(match (late, error) {
        (Some(timeout), error) => TransformError::Timeout { timeout, error },
        (None, error) if cancel.is_cancelled() => TransformError::Cancelled { error },
        (None, Some(error)) => TransformError::Script(error),
        (None, None) => TransformError::Cancelled { error: None },
    })
}

fn redact_engine(e: engine::Error, r: &Redactor) -> engine::Error {
    match e {
        engine::Error::Eval(mut ev) => {
            ev.msg = r.redact(&ev.msg);
            engine::Error::Eval(ev)
        }
        other => other,
    }
}

/// The dataset `transform(ds)` starts from.
fn initial_state(input: &Input) -> DatasetState {
    let meta_json = input
        .meta
        .as_ref()
        .and_then(|m| serde_json::to_value(m).ok());
    DatasetState {
        body: input.body.clone(),
        meta: meta_value(meta_json.as_ref()),
        readme: input.readme.clone(),
        title: None,
        message: None,
        structure: None,
        frame: None,
    }
}

/// The run's result from the final dataset (`None`: no `transform`, the
/// input unchanged), with every text redacted: body cells, meta, readme,
/// commit title and message. Output, versions and inputs are filled in by
/// the caller.
fn collect(
    state: Option<DatasetState>,
    input: Input,
    redactor: &Redactor,
) -> Result<RunOutcome, TransformError> {
    let had_transform = state.is_some();
    let Some(state) = state else {
        return Ok(RunOutcome {
            had_transform,
            ..RunOutcome::new(input.body, input.meta, input.readme)
        });
    };
    let meta = meta_from_value(&state.meta, redactor)
        .map_err(|m| TransformError::Result(redactor.redact(&m)))?;
    let text = |t: Option<String>| t.map(|t| redactor.redact(&t));
    let body = state
        .final_body()
        .map_err(|m| TransformError::Result(format!("set_structure: {}", redactor.redact(&m))))?;
    let body = redactor
        .redact_body(&body)
        .map_err(|m| TransformError::Result(redactor.redact(&m)))?;
    Ok(RunOutcome {
        title: text(state.title),
        message: text(state.message),
        had_transform,
        ..RunOutcome::new(body, meta, text(state.readme))
    })
}

/// A fresh run id: 16 hex digits from the clock, the process and a counter.
pub fn new_run_id() -> String {
    use std::sync::atomic::AtomicU64;
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let seed = format!(
        "{nanos}:{}:{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    blake3::hash(seed.as_bytes()).to_hex()[..16].to_string()
}

/// The loader of a run: starlib's modules plus the host's modules:
/// `fs.star`, and Qri's `dataset.star` (the predeclared `dataset`, with
/// `new()`) and `qri.star` ([`qri::qri_module`]).
struct HostLoader {
    starlib: StarlibLoader,
    fs: Option<fs::FsRoot>,
    /// The run's predeclared `dataset`, set once the module is built.
    dataset: Rc<RefCell<Option<Value>>>,
    store: Option<Arc<datasets::Store>>,
}

impl Loader for HostLoader {
    fn load(
        &self,
        thread: &mut Thread,
        module: &str,
        from: &str,
    ) -> engine::error::Result<Members> {
        let one = |name: &str, value: Value| Ok([(name.to_string(), value)].into_iter().collect());
        match module {
            "fs.star" => match &self.fs {
                Some(root) => one("fs", fs::module(root.clone())),
                None => Err(EvalError::new(
                    "fs.star: this run has no transform directory to read from",
                )),
            },
            "dataset.star" => match self.dataset.borrow().clone() {
                Some(d) => one("dataset", d),
                None => Err(EvalError::new("dataset.star: no dataset in this run")),
            },
            "qri.star" => one("qri", qri::qri_module(self.store.clone())),
            _ => self.starlib.load(thread, module, from),
        }
    }
}

fn meta_from_value(v: &Value, redactor: &Redactor) -> Result<Option<Meta>, String> {
    let mut j = crate::convert::value_to_json("meta", v).map_err(|e| e.into_data().msg)?;
    redactor.redact_json(&mut j);
    match &mut j {
        serde_json::Value::Null => return Ok(None),
        serde_json::Value::Object(m) if m.is_empty() => return Ok(None),
        serde_json::Value::Object(m) => {
            // The named keys have fixed types: say which key is wrong. None
            // clears a named key.
            for key in Meta::NAMED_KEYS {
                match m.get(key) {
                    Some(serde_json::Value::Null) => {
                        m.remove(key);
                    }
                    Some(serde_json::Value::String(_)) if key != "keywords" => {}
                    Some(serde_json::Value::Array(a))
                        if key == "keywords" && a.iter().all(|k| k.is_string()) => {}
                    Some(other) => {
                        let want = if key == "keywords" {
                            "a list of strings"
                        } else {
                            "a string"
                        };
                        return Err(format!("meta.{key} must be {want}, got {other}"));
                    }
                    None => {}
                }
            }
        }
        _ => {}
    }
    let meta: Meta = serde_json::from_value(j).map_err(|e| format!("meta: {e}"))?;
    meta.validate().map_err(|e| e.to_string())?;
    Ok(Some(meta))
}

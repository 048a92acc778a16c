//! Cells through the session API: each cell's report, and a
//! [`CellMemory`] that lets a re-run start at the first changed cell with
//! the earlier cells' state restored as it was (mutations by later cells
//! undone), and that is not used when it cannot be trusted.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;
use transforms::cells::{CellMemory, CellReport, CellStatus, CellValue};
use transforms::{RunOptions, Script, Session};

/// Runs `text` as `t.star` in `dir` with `memory`; returns each step's
/// status and output, and the run's whole output.
fn run(
    dir: &Path,
    text: &str,
    memory: &CellMemory,
    config: &[(&str, i64)],
) -> (Vec<(CellStatus, String)>, Result<String, String>) {
    let path = dir.join("t.star");
    std::fs::write(&path, text).expect("write");
    let script = Script::read(&path).expect("read");
    let reports: Rc<RefCell<Vec<CellReport>>> = Rc::default();
    let sink = reports.clone();
    let options = RunOptions {
        on_cell: Some(Box::new(move |r| sink.borrow_mut().push(r))),
        memory: Some(memory.clone()),
        config: config
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::json!(v)))
            .collect(),
        ..RunOptions::default()
    };
    let result = Session::detached(None)
        .run(script, options)
        .map(|c| c.output().to_string())
        .map_err(|e| e.to_string());
    let steps = reports
        .take()
        .into_iter()
        .map(|r| (r.status, r.output))
        .collect();
    (steps, result)
}

fn statuses(steps: &[(CellStatus, String)]) -> Vec<CellStatus> {
    steps.iter().map(|s| s.0.clone()).collect()
}

const FILE: &str = "items = []\nprint('cell one')\n---\nitems.append(len(items))\nprint('cell two', items)\n---\nprint('cell three')\n";

#[test]
fn a_rerun_reuses_unchanged_cells_with_their_state_as_it_was() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let memory = CellMemory::new();
    let (steps, out) = run(tmp.path(), FILE, &memory, &[]);
    use CellStatus::{Ok as Ran, Reused};
    assert_eq!(statuses(&steps), [Ran, Ran, Ran, Ran]);
    assert_eq!(steps[1].1, "cell two [ 0 ]\n");
    assert_eq!(memory.kept(), 3);

    // Only the last cell changed: the first two are reused.
    let edited = FILE.replace("cell three", "cell 3");
    let (steps, out2) = run(tmp.path(), &edited, &memory, &[]);
    assert_eq!(statuses(&steps), [Reused, Reused, Ran, Ran]);
    assert_eq!(steps[2].1, "cell 3\n");
    // Reused cells' output is part of the run's output, as if they ran.
    assert_eq!(
        out2.expect("second run"),
        out.expect("first run").replace("cell three", "cell 3")
    );

    // The second cell changed: it runs again on the first cell's state as
    // that cell left it: its own earlier append is not seen.
    let edited = edited.replace("print('cell two', items)", "print('cell 2', items)");
    let (steps, _) = run(tmp.path(), &edited, &memory, &[]);
    assert_eq!(statuses(&steps), [Reused, Ran, Ran, Ran]);
    assert_eq!(steps[1].1, "cell 2 [ 0 ]\n");

    // Forgetting from a cell re-runs it and those after it.
    memory.forget_from(0);
    let (steps, _) = run(tmp.path(), &edited, &memory, &[]);
    assert_eq!(statuses(&steps), [Ran, Ran, Ran, Ran]);
}

#[test]
fn a_failed_cell_keeps_the_cells_before_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let memory = CellMemory::new();
    let broken = FILE.replace("print('cell three')", "fail('broken')");
    let (steps, result) = run(tmp.path(), &broken, &memory, &[]);
    assert!(result.is_err());
    assert_eq!(steps[2].0, CellStatus::Failed);
    assert_eq!(memory.kept(), 2);
    let (steps, result) = run(tmp.path(), FILE, &memory, &[]);
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(
        statuses(&steps),
        [
            CellStatus::Reused,
            CellStatus::Reused,
            CellStatus::Ok,
            CellStatus::Ok
        ]
    );
}

#[test]
fn kept_state_is_not_used_when_settings_change_or_rand_was_drawn() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let memory = CellMemory::new();
    let text = "n = config.get('n')\n---\nprint(n)\n";
    let (_, first) = run(tmp.path(), text, &memory, &[("n", 1)]);
    assert!(first.is_ok(), "{first:?}");
    let (steps, _) = run(tmp.path(), text, &memory, &[("n", 2)]);
    assert_eq!(steps[0].0, CellStatus::Ok, "other config: nothing reused");
    assert_eq!(steps[1].1, "2\n");

    let text = "load('rand.star', 'rand')\nx = rand.int(0, 1000)\n---\nprint(x)\n";
    let (_, first) = run(tmp.path(), text, &memory, &[]);
    assert!(first.is_ok(), "{first:?}");
    let (steps, _) = run(tmp.path(), text, &memory, &[]);
    assert_eq!(steps[0].0, CellStatus::Ok, "rand drawn: nothing reused");
}

#[test]
fn a_table_value_is_reported_as_a_table() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let text = "load('table.star', 'table')\ntable.from_rows([[1], [2]], columns=['a'])\n";
    let path = tmp.path().join("t.star");
    std::fs::write(&path, text).expect("write");
    let reports: Rc<RefCell<Vec<CellReport>>> = Rc::default();
    let sink = reports.clone();
    let options = RunOptions {
        on_cell: Some(Box::new(move |r| sink.borrow_mut().push(r))),
        ..RunOptions::default()
    };
    Session::detached(None)
        .run(Script::read(&path).expect("read"), options)
        .expect("run");
    let reports = reports.take();
    match &reports[0].value {
        Some(CellValue::Table(body)) => assert_eq!(body.num_rows(), 2),
        other => panic!("expected a table, got {other:?}"),
    }
}

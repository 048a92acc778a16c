//! Shared test helpers: run a script against a starlib release.
#![allow(dead_code)]

use engine::{Members, Predeclared, Thread};
use starlib::{Guard, HostConfig};
use std::cell::RefCell;
use std::rc::Rc;

pub const PRELUDE: &str = r#"
def assert_eq(got, want, msg = ""):
    if got != want:
        fail("assert_eq failed %s: got %r, want %r" % (msg, got, want))

def assert_true(c, msg = ""):
    if not c:
        fail("assert_true failed: %s" % msg)
"#;

pub struct Run {
    pub result: Result<Members, String>,
    pub output: Vec<String>,
    pub thread: Thread,
}

/// A config for tests: loopback allowed, a fixed seed.
pub fn test_config() -> HostConfig {
    HostConfig {
        guard: Guard::permissive(),
        rand_seed: Some(42),
        ..HostConfig::default()
    }
}

pub fn run_with(req: &str, src: &str, config: HostConfig, predeclared: Predeclared) -> Run {
    let release = starlib::release::select_str(req).expect("release");
    let mut thread = release.new_thread();
    thread.set_loader(release.loader(config));
    let out = Rc::new(RefCell::new(Vec::new()));
    let o = out.clone();
    thread.set_print(move |s| o.borrow_mut().push(s.to_string()));
    let full = format!("{PRELUDE}\n{src}");
    let result = thread
        .exec_file("test.star", &full, predeclared)
        .map_err(|e| match e {
            engine::Error::Eval(e) => e.into_data().msg,
            other => other.to_string(),
        });
    let output = out.borrow().clone();
    Run {
        result,
        output,
        thread,
    }
}

pub fn run(req: &str, src: &str) -> Result<Members, String> {
    run_with(req, src, test_config(), Predeclared::default()).result
}

/// Runs and panics with the error if the script fails.
#[track_caller]
pub fn ok(req: &str, src: &str) -> Members {
    match run(req, src) {
        Ok(m) => m,
        Err(e) => panic!("script failed: {e}\n--- script ---\n{src}"),
    }
}

/// Runs and asserts the script fails with a message containing `want`.
#[track_caller]
pub fn fails(req: &str, src: &str, want: &str) -> String {
    match run(req, src) {
        Ok(_) => panic!("script succeeded, want error containing {want:?}\n--- script ---\n{src}"),
        Err(e) => {
            assert!(
                e.contains(want),
                "error {e:?} does not contain {want:?}\n--- script ---\n{src}"
            );
            e
        }
    }
}

pub fn get_str(m: &Members, name: &str) -> String {
    match m.get(name) {
        Some(engine::Value::Str(s)) => s.to_str_lossy().into_owned(),
        Some(v) => engine::values::to_str(v),
        None => panic!("no global {name}"),
    }
}

//! Shared by the builtins tests: run an expression or statements and compare
//! results or error messages with expected values produced by starlark-go.
#![allow(dead_code)]

pub use engine::values::{repr, Builtin};
pub use engine::{Dialect, Error, Predeclared, Thread};
pub use std::cell::RefCell;
pub use std::rc::Rc;

pub fn predeclared() -> Predeclared {
    let mut p = Predeclared::default();
    p.insert(
        "struct".into(),
        Builtin::func("struct", engine::make_struct),
    );
    p.insert(
        "module".into(),
        Builtin::func("module", engine::make_module),
    );
    p.insert("json".into(), engine::library::json::module());
    p.insert("math".into(), engine::library::math::module());
    p
}

pub fn message(e: Error) -> String {
    match e {
        Error::Eval(e) => e.into_data().msg,
        other => format!("static error: {other}"),
    }
}

/// Evaluates an expression (its repr), or runs statements (after a `!`,
/// their printed lines); either way, or the error message.
pub fn run(src: &str) -> Result<String, String> {
    if let Some(stmts) = src.strip_prefix('!') {
        let out = Rc::new(RefCell::new(Vec::<String>::new()));
        let mut thread = Thread::new(Dialect::permissive());
        let o = out.clone();
        thread.set_print(move |s| o.borrow_mut().push(s.to_string()));
        thread
            .exec_file("t.star", &stmts.replace("\\n", "\n"), predeclared())
            .map_err(message)?;
        let lines = out.borrow().join("\n");
        return Ok(lines);
    }
    let mut thread = Thread::new(Dialect::transform());
    thread
        .eval_expr("t.star", src, predeclared())
        .map(|v| repr(&v))
        .map_err(message)
}

pub fn check(cases: &[(&str, Result<&str, &str>)]) {
    let mut failures = Vec::new();
    for (src, want) in cases {
        let got = run(src);
        let ok = match (&got, want) {
            (Ok(g), Ok(w)) => g == w,
            (Err(g), Err(w)) => g == w,
            _ => false,
        };
        if !ok {
            failures.push(format!("{src}\n    got:  {got:?}\n    want: {want:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

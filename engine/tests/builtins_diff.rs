//! A differential-testing driver (ignored by default): runs every `.star`
//! file in `$BUILTINS_DIFF_DIR` with `json`, `math`, `struct` and `module`
//! predeclared, and writes its output (print lines, then `ERROR: msg` if it
//! fails) to a `.out` file beside it, for comparison with starlark-go.

use engine::values::Builtin;
use engine::{Dialect, Predeclared, Thread};
use std::cell::RefCell;
use std::rc::Rc;

fn predeclared() -> Predeclared {
    let mut p = Predeclared::default();
    p.insert("json".into(), engine::library::json::module());
    p.insert("math".into(), engine::library::math::module());
    p.insert(
        "struct".into(),
        Builtin::func("struct", engine::builtins::make_struct),
    );
    p.insert(
        "module".into(),
        Builtin::func("module", engine::builtins::make_module),
    );
    p
}

#[test]
#[ignore]
fn diff_driver() {
    let Ok(dir) = std::env::var("BUILTINS_DIFF_DIR") else {
        return;
    };
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.extension().and_then(|e| e.to_str()) != Some("star") {
            continue;
        }
        let src = std::fs::read_to_string(&path).unwrap();
        let out = Rc::new(RefCell::new(String::new()));
        let mut thread = Thread::new(Dialect::permissive());
        let o = out.clone();
        thread.set_print(move |s| {
            o.borrow_mut().push_str(s);
            o.borrow_mut().push('\n');
        });
        if let Err(e) = thread.exec_file(&path.display().to_string(), &src, predeclared()) {
            let msg = match &e {
                engine::Error::Eval(e) => e.msg.clone(),
                other => other.to_string(),
            };
            out.borrow_mut().push_str(&format!("ERROR: {msg}\n"));
        }
        std::fs::write(path.with_extension("rs.out"), out.borrow().as_bytes()).unwrap();
    }
}

//! The embedding API and the evaluator's limits: step budget, cancellation,
//! call depth, allocation budget, compiled programs, REPL sessions, loading,
//! backtraces and hints.

use engine::{compile, Dialect, Error, ErrorKind, EvalError, Members, Session, Thread, Value};
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

fn exec(src: &str) -> Result<Members, Error> {
    Thread::new(Dialect::transform()).exec_file("t.star", src, Default::default())
}

fn eval_error(src: &str) -> EvalError {
    match exec(src) {
        Err(Error::Eval(e)) => e,
        Err(other) => panic!("expected a run-time error, got {other}"),
        Ok(_) => panic!("expected a run-time error, got success"),
    }
}

fn int_of(m: &Members, name: &str) -> i64 {
    match m.get(name) {
        Some(Value::Int(i)) => *i,
        other => panic!("{name} = {other:?}, want an int"),
    }
}

#[test]
fn globals_are_returned_and_frozen() {
    let m = exec("x = [1, 2]\ny = len(x) + 40\n").unwrap();
    assert_eq!(int_of(&m, "y"), 42);
    let mut t = Thread::new(Dialect::transform());
    let mut pre = engine::Predeclared::default();
    pre.insert("x".into(), m["x"].clone());
    let err = t
        .exec_file("u.star", "x.append(3) if False else None\nx[0] = 9\n", pre)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("cannot assign to element of frozen list"),
        "{err}"
    );
}

#[test]
fn step_budget_stops_an_infinite_loop() {
    let mut t = Thread::new(Dialect::transform());
    t.set_max_steps(10_000);
    let err = t
        .exec_file(
            "t.star",
            "def f():\n    while True:\n        pass\nf()\n",
            Default::default(),
        )
        .unwrap_err();
    match err {
        Error::Eval(e) => {
            assert_eq!(e.kind, ErrorKind::StepBudget);
            assert!(e.msg.contains("too many steps"), "{}", e.msg);
        }
        other => panic!("{other}"),
    }
    assert!(t.steps() >= 10_000);
}

#[test]
fn cancellation_from_another_thread_stops_a_tight_loop_promptly() {
    let mut t = Thread::new(Dialect::transform());
    let handle = t.cancel_handle();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        handle.cancel();
    });
    let start = Instant::now();
    let err = t
        .exec_file(
            "t.star",
            "def f():\n    while True:\n        pass\nf()\n",
            Default::default(),
        )
        .unwrap_err();
    let waited = start.elapsed();
    canceller.join().unwrap();
    match err {
        Error::Eval(e) => assert_eq!(e.kind, ErrorKind::Cancelled),
        other => panic!("{other}"),
    }
    assert!(
        waited < Duration::from_secs(5),
        "cancellation took {waited:?}"
    );
}

#[test]
fn deep_recursion_is_a_starlark_error_not_a_crash() {
    // Runs on a 2 MiB test thread: the depth limit, not the Rust stack, must stop it.
    let e = eval_error("def f(n):\n    return f(n + 1)\nf(0)\n");
    assert_eq!(e.kind, ErrorKind::StackOverflow);
    assert!(e.msg.contains("stack overflow"), "{}", e.msg);
    assert!(
        e.backtrace.len() > 900,
        "backtrace has {} frames",
        e.backtrace.len()
    );
}

#[test]
fn recursion_within_the_depth_limit_works_on_a_small_stack() {
    let m = exec("def depth(n):\n    return 0 if n == 0 else 1 + depth(n - 1)\nd = depth(900)\n")
        .unwrap();
    assert_eq!(int_of(&m, "d"), 900);
}

#[test]
fn a_thread_runs_again_after_an_error_deep_in_recursion() {
    // The frames suspended by the failed run must all be released.
    let mut t = Thread::new(Dialect::transform());
    let err = t
        .exec_file(
            "a.star",
            "def f(n):\n    return 1 // 0 if n == 500 else f(n + 1)\nf(0)\n",
            Default::default(),
        )
        .unwrap_err();
    assert!(err.to_string().contains("division by zero"), "{err}");
    assert_eq!(t.depth(), 0);
    let m = t
        .exec_file(
            "b.star",
            "def depth(n):\n    return 0 if n == 0 else 1 + depth(n - 1)\nd = depth(900)\n",
            Default::default(),
        )
        .unwrap();
    assert_eq!(int_of(&m, "d"), 900);
}

#[test]
fn backtrace_runs_through_a_native_that_calls_back() {
    let src = "def bad(x):\n    return x + \"a\"\n\ndef outer():\n    return sorted([1, 2], key = bad)\n\ndef top():\n    return outer()\n\ntop()\n";
    let e = eval_error(src);
    let frames: Vec<(String, u32)> = e
        .backtrace
        .iter()
        .filter(|f| f.pos.line > 0)
        .map(|f| (f.function.clone(), f.pos.line))
        .collect();
    assert_eq!(
        frames,
        vec![
            ("<toplevel>".to_string(), 10),
            ("top".to_string(), 8),
            ("outer".to_string(), 5),
            ("bad".to_string(), 2)
        ]
    );
}

#[test]
fn recursion_is_refused_when_the_dialect_forbids_it() {
    let mut t = Thread::new(Dialect::standard());
    let err = t
        .exec_file(
            "t.star",
            "def f(n):\n    return 0 if n == 0 else f(n - 1)\nf(3)\n",
            Default::default(),
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("function f called recursively"),
        "{err}"
    );
}

#[test]
fn memory_budget_gives_a_clear_error() {
    let mut t = Thread::new(Dialect::transform());
    t.set_memory_limit(1 << 20);
    let err = t
        .exec_file(
            "t.star",
            "def f():\n    x = []\n    for i in range(1000000):\n        x.append(i) if False else None\n        x = x + [i]\n    return x\nf()\n",
            Default::default(),
        )
        .unwrap_err();
    match err {
        Error::Eval(e) => {
            assert_eq!(e.kind, ErrorKind::Memory);
            assert!(e.msg.contains("memory limit exceeded"), "{}", e.msg);
        }
        other => panic!("{other}"),
    }
}

#[test]
fn runtime_errors_carry_a_backtrace_innermost_last() {
    let src =
        "def inner(x):\n    return x + \"a\"\n\ndef outer():\n    return inner(1)\n\nouter()\n";
    let e = eval_error(src);
    assert_eq!(e.msg, "unknown binary op: int + string");
    let frames: Vec<(String, u32)> = e
        .backtrace
        .iter()
        .map(|f| (f.function.clone(), f.pos.line))
        .collect();
    assert_eq!(
        frames,
        vec![
            ("<toplevel>".to_string(), 7),
            ("outer".to_string(), 5),
            ("inner".to_string(), 2)
        ]
    );
    let text = e.backtrace_string();
    assert!(
        text.starts_with("Traceback (most recent call last):\n  t.star:7:"),
        "{text}"
    );
    assert!(
        text.ends_with("Error: unknown binary op: int + string"),
        "{text}"
    );
}

#[test]
fn static_errors_have_positions_and_hints() {
    let err = exec("hello = 1\nprint(hollo)\n").unwrap_err();
    match &err {
        Error::Resolve(errs) => {
            assert_eq!(errs.len(), 1);
            assert_eq!((errs[0].pos.line, errs[0].pos.col), (2, 7));
            assert_eq!(errs[0].msg, "undefined: hollo (did you mean hello?)");
        }
        other => panic!("{other}"),
    }
    assert_eq!(err.position(), Some(("t.star".to_string(), 2, 7)));
}

#[test]
fn keyword_argument_hints() {
    let e = eval_error("def f(count=1):\n    return count\nf(cuont=2)\n");
    assert_eq!(
        e.msg,
        "function f got an unexpected keyword argument \"cuont\" (did you mean count?)"
    );
}

#[test]
fn compiled_programs_round_trip_through_bytes() {
    let src = "def f(a, b=2, *args, k=3, **kw):\n    return [a, b, len(args), k, len(kw)]\nr = f(1, 5, 6, 7, k=8, z=9)\nbig = 123456789012345678901234567890\ns = \"h\\xe9llo\"\n";
    let program = compile("p.star", src, &Dialect::transform(), &|_| false).unwrap();
    let bytes = program.to_bytes();
    let back = engine::Program::from_bytes(&bytes).unwrap();
    let m1 = Thread::new(Dialect::transform())
        .exec_program(&program, Default::default())
        .unwrap();
    let m2 = Thread::new(Dialect::transform())
        .exec_program(&back, Default::default())
        .unwrap();
    for name in ["r", "big", "s"] {
        assert_eq!(
            engine::values::repr(&m1[name]),
            engine::values::repr(&m2[name]),
            "{name}"
        );
    }
    assert_eq!(engine::values::repr(&m2["r"]), "[1, 5, 2, 8, 1]");
    assert_eq!(
        engine::values::repr(&m2["big"]),
        "123456789012345678901234567890"
    );
}

#[test]
fn corrupt_program_bytes_are_rejected_not_panicking() {
    let program = compile(
        "p.star",
        "x = [i for i in range(3)]\n",
        &Dialect::transform(),
        &|_| false,
    )
    .unwrap();
    let bytes = program.to_bytes();
    for cut in 0..bytes.len() {
        assert!(engine::Program::from_bytes(&bytes[..cut]).is_err());
    }
    let mut flipped = bytes.clone();
    for i in 8..flipped.len() {
        flipped[i] ^= 0x5a;
        // Must not panic; it may or may not decode.
        if let Ok(p) = engine::Program::from_bytes(&flipped) {
            let mut t = Thread::new(Dialect::transform());
            t.set_max_steps(10_000);
            let _ = t.exec_program(&p, Default::default());
        }
        flipped[i] ^= 0x5a;
    }
}

#[test]
fn repl_sessions_keep_globals_and_partial_state() {
    let mut t = Thread::new(Dialect::permissive());
    let mut s = Session::new("<repl>", Default::default());
    let out = t.exec_chunk(&mut s, "x = 20\ny = x + 1\n");
    assert!(out.error.is_none());
    let out = t.exec_chunk(&mut s, "x * 2 + y");
    assert_eq!(
        out.value.map(|v| engine::values::repr(&v)),
        Some("61".into())
    );
    let out = t.exec_chunk(&mut s, "z = 5\nw = z + \"boom\"\n");
    assert!(out.error.is_some());
    let m = s.members();
    assert_eq!(int_of(&m, "z"), 5, "partial module keeps z");
    assert!(!m.contains_key("w"));
    let out = t.exec_chunk(&mut s, "def f():\n    return x + z\nf()\n");
    assert_eq!(
        out.value.map(|v| engine::values::repr(&v)),
        Some("25".into())
    );
}

#[test]
fn eval_expr_with_predeclared_names() {
    let mut t = Thread::new(Dialect::transform());
    let mut pre = engine::Predeclared::default();
    pre.insert("n".into(), Value::Int(6));
    let v = t.eval_expr("e", "[n * i for i in range(3)]", pre).unwrap();
    assert_eq!(engine::values::repr(&v), "[0, 6, 12]");
}

#[test]
fn load_caches_modules_and_detects_cycles() {
    let sources: Rc<Vec<(&str, &str)>> = Rc::new(vec![
        ("a.star", "load(\"b.star\", \"b\")\na = b + 1\n"),
        ("b.star", "b = 41\n"),
        ("c.star", "load(\"d.star\", \"d\")\nc = d\n"),
        ("d.star", "load(\"c.star\", \"c\")\nd = c\n"),
    ]);
    let loads = Rc::new(RefCell::new(Vec::<String>::new()));
    let make_thread = || {
        let mut t = Thread::new(Dialect::transform());
        let sources = sources.clone();
        let loads = loads.clone();
        t.set_loader(
            move |t: &mut Thread, module: &str, _from: &str| -> engine::error::Result<Members> {
                loads.borrow_mut().push(module.to_string());
                let src = sources
                    .iter()
                    .find(|(n, _)| *n == module)
                    .map(|(_, s)| *s)
                    .ok_or_else(|| EvalError::new(format!("no module {module}")))?;
                t.exec_file(module, src, Default::default())
                    .map_err(|e| EvalError::new(e.to_string()))
            },
        );
        t
    };
    let mut t = make_thread();
    let m = t
        .exec_file(
            "main.star",
            "load(\"a.star\", \"a\")\nload(\"b.star\", bee=\"b\")\nr = a + bee\n",
            Default::default(),
        )
        .unwrap();
    assert_eq!(int_of(&m, "r"), 83);
    assert_eq!(
        *loads.borrow(),
        vec!["a.star".to_string(), "b.star".to_string()],
        "b.star loaded once"
    );
    let err = make_thread()
        .exec_file("main.star", "load(\"c.star\", \"c\")\n", Default::default())
        .unwrap_err();
    assert!(err.to_string().contains("cycle in load graph"), "{err}");
    let err = make_thread()
        .exec_file("main.star", "load(\"b.star\", \"B\")\n", Default::default())
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("load: name B not found in module b.star (did you mean b?)"),
        "{err}"
    );
}

#[test]
fn print_hook_receives_output() {
    let out = Rc::new(RefCell::new(Vec::new()));
    let mut t = Thread::new(Dialect::transform());
    let o = out.clone();
    t.set_print(move |s| o.borrow_mut().push(s.to_string()));
    t.exec_file(
        "t.star",
        "print(\"a\", 1, [2])\nprint(\"x\", \"y\", sep=\"-\")\n",
        Default::default(),
    )
    .unwrap();
    assert_eq!(
        *out.borrow(),
        vec!["a 1 [2]".to_string(), "x-y".to_string()]
    );
}

#[test]
fn dialect_options_are_per_thread() {
    let src = "def f():\n    i = 0\n    while i < 3:\n        i += 1\n    return i\nx = f()\n";
    let standard = Thread::new(Dialect::standard()).exec_file("t.star", src, Default::default());
    assert!(standard
        .unwrap_err()
        .to_string()
        .contains("does not support while loops"));
    let m = Thread::new(Dialect::transform())
        .exec_file("t.star", src, Default::default())
        .unwrap();
    assert_eq!(int_of(&m, "x"), 3);
    let toplevel = "for i in range(3):\n    pass\n";
    assert!(Thread::new(Dialect::transform())
        .exec_file("t.star", toplevel, Default::default())
        .is_err());
    assert!(Thread::new(Dialect::permissive())
        .exec_file("t.star", toplevel, Default::default())
        .is_ok());
}

#[test]
fn mutation_during_iteration_is_an_error() {
    let e = eval_error("def f():\n    x = [1, 2]\n    for i in x:\n        x.append(i)\nf()\n");
    assert!(e.msg.contains("during iteration"), "{}", e.msg);
}

#[test]
fn builtin_loops_obey_the_step_budget() {
    for src in [
        "all(range(1, 1 << 62))",
        "max(range(1 << 62))",
        "list(range(1 << 40))",
        "\",\".join([\"a\"] * 3 + [str(i) for i in range(1 << 40)])",
    ] {
        let mut t = Thread::new(Dialect::transform());
        t.set_max_steps(100_000);
        let start = Instant::now();
        match t.eval_expr("e", src, Default::default()) {
            Err(Error::Eval(e)) => assert!(
                matches!(e.kind, ErrorKind::StepBudget | ErrorKind::Memory)
                    || e.msg.contains("excessive size"),
                "{src}: {}",
                e.msg
            ),
            other => panic!(
                "{src}: expected the budget to stop it, got {other:?}",
                other = other.map(|v| engine::values::repr(&v))
            ),
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{src} took {:?}",
            start.elapsed()
        );
    }
}

#[test]
fn structs_add_field_by_field() {
    let mut t = Thread::new(Dialect::transform());
    let mut pre = engine::Predeclared::default();
    pre.insert(
        "struct".into(),
        engine::values::Builtin::func("struct", engine::make_struct),
    );
    let v = t
        .eval_expr("e", "struct(a = 1, b = 2) + struct(b = 3, c = 4)", pre)
        .unwrap();
    assert_eq!(engine::values::repr(&v), "struct(a = 1, b = 3, c = 4)");
}

#[test]
fn an_attribute_filter_hides_attributes_everywhere() {
    let mut t = Thread::new(Dialect::transform());
    t.set_attr_filter(|x, name| !(matches!(x, Value::List(_)) && name == "append"));
    let v = t
        .eval_expr(
            "e",
            "(dir([])[:2], hasattr([], 'append'), getattr([], 'append', 0), hasattr([], 'clear'))",
            Default::default(),
        )
        .unwrap();
    assert_eq!(
        engine::values::repr(&v),
        r#"(["clear", "extend"], False, 0, True)"#
    );
    let e = t
        .exec_file("f.star", "x = []\nx.append(1)\n", Default::default())
        .unwrap_err();
    assert_eq!(e.to_string(), "list has no .append field or method");
}

#[test]
fn method_calls_on_every_kind_of_receiver() {
    let mut t = Thread::new(Dialect::transform());
    let mut pre = engine::Predeclared::default();
    pre.insert(
        "struct".into(),
        engine::values::Builtin::func("struct", engine::make_struct),
    );
    let src = "l = []\nl.append(1)\nl.extend([2, 3])\ns = struct(f = lambda x: x * 2)\nd = {}\nd.setdefault(\"k\", []).append(l.pop())\nr = [l, s.f(21), d, \"a,b\".split(\",\"), \"-\".join([\"x\", \"y\"])]\n";
    let m = t.exec_file("t.star", src, pre).unwrap();
    assert_eq!(
        engine::values::repr(&m["r"]),
        "[[1, 2], 42, {\"k\": [3]}, [\"a\", \"b\"], \"x-y\"]"
    );
    let err = Thread::new(Dialect::transform())
        .exec_file("t.star", "x = [1]\nx.apend(2)\n", Default::default())
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("list has no .apend field or method (did you mean .append?)"),
        "{err}"
    );
}

#[test]
fn release_modules_frees_modules_that_define_functions() {
    use engine::values::Builtin;
    // The module's predeclared host function holds a marker: when the
    // module is freed, so is the marker.
    let marker = Rc::new(());
    let seen = Rc::downgrade(&marker);
    let mut pre = engine::Predeclared::default();
    pre.insert(
        "host".into(),
        Builtin::host("host", move |_, _| {
            let _ = &marker;
            Ok(Value::None)
        }),
    );
    let mut thread = Thread::new(Dialect::transform());
    let src = "big = list(range(1000))\ndef f():\n    return g()\ndef g():\n    return big\n";
    let members = thread.exec_file("m.star", src, pre).expect("runs");
    drop(members);
    assert!(
        seen.upgrade().is_some(),
        "a function and its module keep each other alive"
    );
    thread.release_modules();
    assert!(seen.upgrade().is_none(), "release_modules breaks the cycle");
}

#[test]
fn a_function_of_a_released_module_fails_cleanly() {
    let mut thread = Thread::new(Dialect::transform());
    let members = thread
        .exec_file(
            "m.star",
            "x = 1\ndef f():\n    return x\n",
            Default::default(),
        )
        .expect("runs");
    let f = members.get("f").cloned().expect("f is defined");
    thread.release_modules();
    let e = thread
        .call(&f, &engine::Args::positional(vec![]))
        .expect_err("globals are unset");
    assert!(
        e.to_string()
            .contains("global variable x referenced before assignment"),
        "{e}"
    );
}

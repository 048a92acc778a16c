//! The engine's limits against hostile scripts: allocations are charged to
//! the memory budget before they are made, huge requests fail cleanly
//! instead of aborting, nesting depth cannot exhaust the native stack, and
//! long native work notices cancellation.

use engine::{Dialect, Error, ErrorKind, EvalError, Predeclared, Thread};
use std::time::{Duration, Instant};

/// Runs `src` (top-level statements allowed) on a thread with a memory
/// limit of `mem` bytes (None: no limit).
fn run_with(
    src: &str,
    mem: Option<usize>,
    setup: impl FnOnce(&mut Thread),
) -> Result<(), EvalError> {
    let mut thread = Thread::new(Dialect::permissive());
    if let Some(m) = mem {
        thread.set_memory_limit(m);
    }
    setup(&mut thread);
    // The members go before the thread: the thread then frees the globals
    // (a host that drops the members last frees a deep tuple chain itself).
    let result = thread.exec_file("t.star", src, Predeclared::default());
    let out = match result {
        Ok(members) => {
            drop(members);
            Ok(())
        }
        Err(Error::Eval(e)) => Err(e),
        Err(other) => panic!("static error: {other}"),
    };
    drop(thread);
    out
}

fn run(src: &str, mem: Option<usize>) -> Result<(), EvalError> {
    run_with(src, mem, |_| {})
}

const MB: usize = 1 << 20;

/// Expects a memory error from `src` under a 100 MB budget, quickly.
fn expect_memory_error(src: &str) {
    expect_memory_error_within(src, 100 * MB);
}

/// Expects a memory error from `src` under a budget of `mem` bytes, quickly.
fn expect_memory_error_within(src: &str, mem: usize) {
    let start = Instant::now();
    let err = run(src, Some(mem)).expect_err(src);
    assert_eq!(err.kind, ErrorKind::Memory, "{src}: {}", err.msg);
    assert!(
        err.msg.contains("memory limit") || err.msg.contains("too large"),
        "{src}: {}",
        err.msg
    );
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{src} took {:?}",
        start.elapsed()
    );
}

/// Runs `f` on a thread with a small (1 MiB) native stack, as a host might.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn repetition_is_refused_before_allocating() {
    for src in [
        "x = [1] * ((1 << 29) - 1)",
        "x = (1,) * ((1 << 29) - 1)",
        "x = 'ab' * ((1 << 30) - 1)",
        "x = b'ab' * ((1 << 30) - 1)",
        "x = [1, 2] * (1 << 26)",
        "x = 'x' * (1 << 20)\ny = x * 200",
    ] {
        expect_memory_error(src);
    }
}

#[test]
fn concatenation_is_charged_before_allocating() {
    expect_memory_error("x = 'x' * (1 << 20)\nfor i in range(200):\n    x = x + 'y'");
    expect_memory_error("x = [0] * (1 << 20)\nfor i in range(20):\n    x = x + x");
    expect_memory_error("x = [0] * (1 << 20)\nfor i in range(200):\n    x += range(1 << 20)");
    expect_memory_error("x = []\nx += range(1 << 62)");
}

#[test]
fn container_growth_is_charged() {
    for src in [
        "d = {}\nfor i in range(8000000):\n    d[i] = i",
        "l = []\nfor i in range(8000000):\n    l.append(i)",
        "l = []\nfor i in range(8000000):\n    l.insert(len(l), i)",
        "s = set()\nfor i in range(8000000):\n    s.add(i)",
        "d = {}\nfor i in range(8000000):\n    d.setdefault(i, i)",
        "l = [i for i in range(8000000)]",
        "d = {i: i for i in range(8000000)}",
        "l = list(range(100000))\nfor i in range(100):\n    s = repr(l)",
        "l = list(range(100000))\nfor i in range(100):\n    s = str(l)",
        "x = 'ab' * 1000\nl = [x] * 100000\nfor i in range(100):\n    s = ','.join(l)",
    ] {
        // A small budget keeps the loops short in debug builds.
        expect_memory_error_within(src, 4 * MB);
    }
}

#[test]
fn growth_within_the_budget_still_works() {
    // Replacing existing keys does not grow a dict: not charged again.
    run(
        "d = {'a': 0}\nfor i in range(2000000):\n    d['a'] = i",
        Some(10 * MB),
    )
    .unwrap();
    run(
        "l = list(range(100000))\ns = repr(l)\nd = {i: i for i in range(10000)}",
        Some(100 * MB),
    )
    .unwrap();
}

#[test]
fn slicing_a_range_is_constant_time() {
    run(
        r#"
r = range(0, 9223372036854775807, 2)[1:]
if len(r) != 4611686018427387903 or r[0] != 2 or r[-1] != 9223372036854775806:
    fail("bad slice", r)
r = range(9223372036854775806)[::-1][1:][::3]
if r[0] != 9223372036854775804 or r[1] != 9223372036854775801:
    fail("bad reverse slice", r)
for rng in [range(10), range(3, 20, 3), range(20, -7, -4), range(0), range(5, 5)]:
    items = list(rng)
    for lo in [None, -30, -5, -1, 0, 1, 3, 7, 30]:
        for hi in [None, -30, -5, -1, 0, 2, 6, 30]:
            for step in [None, -7, -2, -1, 1, 2, 3, 9]:
                got = list(rng[lo:hi:step])
                want = items[lo:hi:step]
                if got != want:
                    fail("range slice", rng, lo, hi, step, got, want)
"#,
        Some(100 * MB),
    )
    .unwrap();
}

#[test]
fn deep_values_are_dropped_without_recursion() {
    on_small_stack(|| {
        for src in [
            "x = []\nfor i in range(100000):\n    x = [x]\nx = None",
            "x = {}\nfor i in range(100000):\n    x = {'k': x}\nx = None",
            "x = ()\nfor i in range(100000):\n    x = (x,)\nx = None",
            "def f():\n    x = ()\n    for i in range(100000):\n        x = (x,)\n    return 1\nf()",
            "x = {}\nfor i in range(100000):\n    x = {'k': (x, [x])}",
            "x = ()\nfor i in range(100000):\n    x = ([x], {1: (x,)})\nx = None",
            // Bound to a global: frozen (and later freed) at the end of the module.
            "x = []\nfor i in range(150000):\n    x = [x]",
            "def f():\n    x = []\n    for i in range(100000):\n        x = [x]\n    return len(x)\nf()",
        ] {
            run(src, None).unwrap_or_else(|e| panic!("{src}: {}", e.msg));
        }
    });
}

#[test]
fn deep_values_hash_compare_and_print_within_limits() {
    on_small_stack(|| {
        let deep = "t = ()\nfor i in range(100000):\n    t = (t,)\n";
        let err = run(&format!("{deep}d = {{t: 1}}"), None).unwrap_err();
        assert!(err.msg.contains("nested too deeply"), "{}", err.msg);
        let err = run(&format!("{deep}s = set([t])"), None).unwrap_err();
        assert!(err.msg.contains("nested too deeply"), "{}", err.msg);
        let err = run(&format!("{deep}u = (t,)\nx = t == u[0]"), None).unwrap_err();
        assert!(err.msg.contains("maximum recursion depth"), "{}", err.msg);
        let err = run(
            "a = []\nb = []\nfor i in range(100000):\n    a = [a]\n    b = [b]\nx = a < b",
            None,
        )
        .unwrap_err();
        assert!(err.msg.contains("maximum recursion depth"), "{}", err.msg);
        run(
            &format!("{deep}s = repr(t)\nif not s.startswith('((((') or '...' not in s:\n    fail(s[:20])"),
            None,
        )
        .unwrap();
        run(
            "x = []\nfor i in range(150000):\n    x = [x]\ns = str(x)\nif '[...]' not in s:\n    fail('no ellipsis')",
            None,
        )
        .unwrap();
        // Moderate nesting still hashes and compares.
        run(
            "t = ()\nfor i in range(500):\n    t = (t,)\nd = {t: 1}\nif d[t] != 1 or not (t == t):\n    fail('lost')",
            None,
        )
        .unwrap();
    });
}

#[test]
fn big_ints_are_capped_and_charged() {
    let start = Instant::now();
    // Without any memory limit, squaring stops at the size cap.
    let err = run("x = 3\nfor i in range(40):\n    x = x * x", None).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Memory, "{}", err.msg);
    assert!(err.msg.contains("int too large"), "{}", err.msg);
    // Under a budget, big results are charged before they are computed.
    let err = run("x = 3\nfor i in range(40):\n    x = x * x", Some(MB / 4)).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Memory, "{}", err.msg);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    // Ordinary big ints still work.
    run(
        "x = 1\nfor i in range(1, 500):\n    x = x * i\nif len(str(x)) < 1000:\n    fail('short')",
        None,
    )
    .unwrap();
    let err = run("x = int('1' * 2000000)", None).unwrap_err();
    assert!(err.msg.contains("too long"), "{}", err.msg);
}

#[test]
fn long_native_work_notices_cancellation() {
    // A handle that already fired: the loop below runs too few steps to
    // reach a periodic poll, so only the checks inside native work stop it.
    let cancelled = |t: &mut Thread| {
        let h = engine::CancelHandle::default();
        h.cancel();
        t.set_cancel_handle(h);
    };
    let err = run_with("x = 3\nfor i in range(19):\n    x = x * x", None, cancelled).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Cancelled, "{}", err.msg);
    let err = run_with(
        "l = list(range(100000))\nl = sorted(l, key = lambda v: -v)",
        None,
        cancelled,
    )
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Cancelled, "{}", err.msg);
    let err = run_with("l = ['ab'] * 100000\ns = ''.join(l)", None, cancelled).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Cancelled, "{}", err.msg);
    let err = run_with("s = 'ab' * 100000", None, cancelled).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Cancelled, "{}", err.msg);
}

//! Attacks on the engine's limits through the real binary, each under a
//! memory ulimit: a clean error and exit 1, never a crash or a commit.

#[allow(unused_imports)]
use crate::common::{text, Env};
use std::time::{Duration, Instant};

/// Virtual-memory ceiling of each run (KiB): far above the 100 MB budget,
/// far below what an unchecked attack asks for.
const ULIMIT_KIB: u64 = 1_500_000;

/// Runs `body` as the body of a function the transform calls (the
/// transform dialect has no top-level loops), under `--memory-limit 100MB`
/// and a `--timeout` of `timeout`; returns the exit code, the output and
/// the time taken.
fn apply(env: &Env, body: &str, timeout: &str) -> (Option<i32>, String, Duration) {
    apply_with(env, body, timeout, "100MB")
}

/// [`apply`] under a memory limit of `limit`.
fn apply_with(
    env: &Env,
    body: &str,
    timeout: &str,
    limit: &str,
) -> (Option<i32>, String, Duration) {
    let indented: String = body.lines().map(|l| format!("    {l}\n")).collect();
    let src = format!("def attack():\n{indented}    return None\n\ndef transform(ds):\n    attack()\n    return ds\n");
    apply_script(env, &src, timeout, limit)
}

/// Runs the transform `src` as [`apply`] does.
fn apply_script(
    env: &Env,
    src: &str,
    timeout: &str,
    limit: &str,
) -> (Option<i32>, String, Duration) {
    let path = env.file("attack.star", src);
    let start = Instant::now();
    let out = env.run_limited(
        ULIMIT_KIB,
        &[
            "apply",
            &env.path(&path),
            "--memory-limit",
            limit,
            "--timeout",
            timeout,
        ],
    );
    let err = format!("{}{}", text(&out.stdout), text(&out.stderr));
    (out.status.code(), err, start.elapsed())
}

/// Expects exit 1 with a memory-limit error, in well under the timeout.
fn expect_memory_error(body: &str) {
    expect_memory_error_within(body, "100MB");
}

/// [`expect_memory_error`] under a memory limit of `limit` (a smaller one
/// keeps loops that grow by a few bytes a step short).
fn expect_memory_error_within(body: &str, limit: &str) {
    let env = Env::new();
    let (code, err, took) = apply_with(&env, body, "20s", limit);
    assert_eq!(code, Some(1), "{body}\n{err}");
    assert!(
        err.contains("memory limit") || err.contains("int too large"),
        "{body}\n{err}"
    );
    assert!(!err.contains("panicked"), "{body}\n{err}");
    assert!(took < Duration::from_secs(15), "{body}: took {took:?}");
}

#[test]
fn huge_repetitions_fail_cleanly_instead_of_aborting() {
    expect_memory_error("x = [1] * ((1 << 29) - 1)");
    expect_memory_error("x = 'ab' * ((1 << 30) - 1)");
    expect_memory_error("x = (1, 2) * ((1 << 28) - 1)");
    expect_memory_error("x = []\nx += range(1 << 62)");
}

#[test]
fn container_growth_is_charged_to_the_budget() {
    expect_memory_error_within("d = {}\nfor i in range(8000000):\n    d[i] = i", "20MB");
    expect_memory_error_within("l = []\nfor i in range(8000000):\n    l.append(i)", "20MB");
    expect_memory_error_within("s = set()\nfor i in range(8000000):\n    s.add(i)", "20MB");
    expect_memory_error_within(
        "d = {}\nfor i in range(8000000):\n    d.setdefault(i, i)",
        "20MB",
    );
}

#[test]
fn building_strings_is_charged_to_the_budget() {
    expect_memory_error("l = list(range(1000000))\nfor i in range(100):\n    s = repr(l)");
    expect_memory_error(
        "x = 'ab' * 1000\nl = [x] * 100000\nfor i in range(100):\n    s = ','.join(l)",
    );
    // A value whose text is 1.5 GB (a list of one shared 10 kB string) is
    // refused while it is formatted, not after: the ulimit is 1.5 GB.
    for fmt in [
        "'%s' % (l,)",
        "'%r' % (l,)",
        "'{}'.format(l)",
        "'{!r}'.format(l)",
    ] {
        expect_memory_error(&format!("x = 'a' * 10000\nl = [x] * 150000\ns = {fmt}"));
    }
}

#[test]
fn slicing_a_huge_range_is_constant_time() {
    let env = Env::new();
    let (code, err, took) = apply(
        &env,
        "r = range(0, 9223372036854775807, 2)[1:]\nif len(r) != 4611686018427387903:\n    fail('bad')",
        "20s",
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(took < Duration::from_secs(15), "took {took:?}");
}

#[test]
fn deeply_nested_values_do_not_crash() {
    // Dropped, bound to a global (frozen), printed: no stack overflow.
    for body in [
        "x = []\nfor i in range(200000):\n    x = [x]\nx = None",
        "x = {}\nfor i in range(200000):\n    x = {'k': x}\nx = None",
        "x = ()\nfor i in range(200000):\n    x = (x,)\nx = None",
        "x = []\nfor i in range(200000):\n    x = [x]\ns = repr(x)",
    ] {
        let env = Env::new();
        let (code, err, _) = apply(&env, body, "20s");
        assert_eq!(code, Some(0), "{body}\n{err}");
    }
    // Bound to a global (frozen when the module ends, freed after the run).
    let env = Env::new();
    let (code, err, _) = apply_script(
        &env,
        "def build():\n    x = []\n    for i in range(300000):\n        x = [x]\n    return x\n\nx = build()\n\ndef transform(ds):\n    return ds\n",
        "20s",
        "100MB",
    );
    assert_eq!(code, Some(0), "{err}");
    // Hashing or comparing them fails cleanly.
    for (body, want) in [
        (
            "t = ()\nfor i in range(100000):\n    t = (t,)\nd = {t: 1}",
            "nested too deeply",
        ),
        (
            "a = []\nb = []\nfor i in range(100000):\n    a = [a]\n    b = [b]\nx = a == b",
            "maximum recursion depth",
        ),
    ] {
        let env = Env::new();
        let (code, err, _) = apply(&env, body, "20s");
        assert_eq!(code, Some(1), "{body}\n{err}");
        assert!(err.contains(want), "{body}\n{err}");
    }
}

#[test]
fn functions_capturing_functions_do_not_crash() {
    // A recursive nested function captures itself: freezing it (bound to a
    // global) must stop at the cycle. A chain of 300 000 closures, each
    // capturing the last, and a tuple chain, kept as globals: frozen, then
    // freed by the host after the run, without recursion.
    let src = "def outer():\n    def rec(n):\n        return rec(n - 1) if n > 0 else 0\n    return rec\n\nr = outer()\n\n\
def mk(prev):\n    def g():\n        return prev\n    return g\n\n\
def chain(n):\n    h = None\n    for i in range(n):\n        h = mk(h)\n    return h\n\n\
def tuples(n):\n    t = ()\n    for i in range(n):\n        t = (t,)\n    return t\n\n\
h = chain(300000)\nt = tuples(300000)\n\n\
def transform(ds):\n    print(r(5), h() != None, len(t))\n    chain(300000)\n    return ds\n";
    let env = Env::new();
    let (code, out, _) = apply_script(&env, src, "20s", "500MB");
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("0 True 1"), "{out}");
}

#[test]
fn big_int_growth_is_capped() {
    expect_memory_error("x = 3\nfor i in range(27):\n    x = x * x");
}

#[test]
fn timeout_interrupts_long_native_work() {
    let env = Env::new();
    // Each multiplication is long native work; few steps run between them.
    let (code, err, took) = apply(
        &env,
        "x = (1 << 500) - 1\nfor i in range(10):\n    x = x * x\nfor i in range(1000000):\n    y = x * x",
        "1s",
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("timed out after 1s"), "{err}");
    assert!(took < Duration::from_secs(6), "took {took:?}");
}

//! Behaviour of today's starlark-go (its doc/spec.md and its implementation)
//! that the packaged 2021 test files do not cover: set and dict operators,
//! bytes indexing and repr, the string views, keyword-argument hints, the
//! recursion limit, and the test harness's `option:` lines and 2021 surface.

mod common;
use common::*;
use engine::starlarktest::{conformance_predeclared, library_provider, Harness, Mode, ASSERT_STAR};
use engine::ErrorKind;

#[test]
fn set_operators_compute_new_sets() {
    check(&[
        ("set([1, 2, 3]) | set([3, 4])", Ok("set([1, 2, 3, 4])")),
        ("set([3, 1, 2]) & set([2, 3, 4])", Ok("set([3, 2])")),
        ("set([1, 2, 3]) - set([2, 9])", Ok("set([1, 3])")),
        ("set([1, 2, 3]) ^ set([3, 4])", Ok("set([1, 2, 4])")),
        ("set() - set([1])", Ok("set([])")),
        ("set([1]) - [1]", Err("unknown binary op: set - list")),
        ("set([1]) | [1]", Err("unknown binary op: set | list")),
        ("set([1]) ^ (1,)", Err("unknown binary op: set ^ tuple")),
        ("set([1]) & {1: 2}", Err("unknown binary op: set & dict")),
        ("set([1]) + set([2])", Err("unknown binary op: set + set")),
        // Augmented forms assign a new set (the old one is unchanged).
        (
            "!s = set([1, 2])\nt = s\ns -= set([2])\nprint(s, t)",
            Ok("set([1]) set([1, 2])"),
        ),
        (
            "!s = set([1])\nt = s\ns |= set([2])\nprint(s, t)",
            Ok("set([1, 2]) set([1])"),
        ),
        (
            "!s = set([1, 2])\ns &= set([2, 3])\nprint(s)",
            Ok("set([2])"),
        ),
        (
            "!s = set([1, 2])\ns ^= set([2, 3])\nprint(s)",
            Ok("set([1, 3])"),
        ),
    ]);
}

#[test]
fn set_methods_include_the_update_forms() {
    check(&[
        (
            "!s = set([1, 2, 3])\nprint(s.difference_update([1], (3,)), s)",
            Ok("None set([2])"),
        ),
        (
            "!s = set([1, 2, 3])\nprint(s.intersection_update([3, 2]), s)",
            Ok("None set([2, 3])"),
        ),
        (
            "!s = set([1, 2])\nprint(s.symmetric_difference_update([2, 3]), s)",
            Ok("None set([1, 3])"),
        ),
        ("set([1, 2]).isdisjoint([3])", Ok("True")),
        ("set([1, 2]).isdisjoint([2])", Ok("False")),
        ("set([1, 2]).issubset([1, 2, 3])", Ok("True")),
        ("set([1, 2]).issuperset([2])", Ok("True")),
        (
            "!s = set([1, 2])\ns.discard(2)\ns.discard(9)\nprint(s.pop(), s)",
            Ok("1 set([])"),
        ),
        ("!s = set([1, 2])\ns.clear()\nprint(s)", Ok("set([])")),
        ("set([1]).union([2], (3,))", Ok("set([1, 2, 3])")),
        ("set([1, 2]).intersection([2])", Ok("set([2])")),
        ("set([1, 2]).difference([2])", Ok("set([1])")),
        (
            "set([1, 2]).symmetric_difference([2, 3])",
            Ok("set([1, 3])"),
        ),
        (
            "set([1]).difference_update(1)",
            Err("difference_update: for parameter 1: got int, want iterable"),
        ),
    ]);
}

#[test]
fn dict_union_keeps_left_order_and_right_values() {
    check(&[
        (
            "{\"a\": 1, \"b\": 2} | {\"c\": 3, \"a\": 4}",
            Ok("{\"a\": 4, \"b\": 2, \"c\": 3}"),
        ),
        ("{} | {}", Ok("{}")),
        ("{1: 2} | []", Err("unknown binary op: dict | list")),
        ("[] | {1: 2}", Err("unknown binary op: list | dict")),
        // `|` leaves both operands alone.
        (
            "!a = {1: 1}\nb = {2: 2}\nc = a | b\nprint(a, b, c)",
            Ok("{1: 1} {2: 2} {1: 1, 2: 2}"),
        ),
        // `|=` updates the dict in place: aliases see the change.
        (
            "!d = {\"a\": 1}\nalias = d\nd |= {\"b\": 2, \"a\": 0}\nprint(alias, alias == d)",
            Ok("{\"a\": 0, \"b\": 2} True"),
        ),
        ("!d = {1: 1}\nd |= d\nprint(d)", Ok("{1: 1}")),
        ("!d = {}\nd |= []", Err("unknown binary op: dict | list")),
        (
            "!d = {1: 1}\nfor k in d:\n  d |= {2: 2}",
            Err("cannot apply |= to hash table during iteration"),
        ),
    ]);
}

#[test]
fn frozen_dict_refuses_in_place_union() {
    let mut thread = Thread::new(Dialect::permissive());
    let d = thread
        .exec_file("lib.star", "d = {1: 1}\n", Predeclared::default())
        .expect("lib")
        .get("d")
        .cloned()
        .expect("d");
    d.freeze();
    let mut pre = predeclared();
    pre.insert("d".into(), d);
    let err = thread
        .exec_file("t.star", "def f(x):\n    x |= {2: 2}\nf(d)\n", pre)
        .expect_err("frozen");
    assert_eq!(message(err), "cannot apply |= to frozen hash table");
}

#[test]
fn bytes_index_to_one_byte_bytes_and_repr_as_text() {
    check(&[
        ("b\"goodbye\"[0]", Ok("b\"g\"")),
        ("b\"goodbye\"[-1]", Ok("b\"e\"")),
        ("b\"ab\"[2]", Err("bytes index 2 out of range [-2:1]")),
        ("b\"\"[0]", Err("index 0 out of range: empty bytes")),
        ("b\"ab\"[\"x\"]", Err("bytes index: got string, want int")),
        ("list(b\"ab\".elems())", Ok("[97, 98]")),
        ("type(b\"ab\".elems())", Ok("\"bytes.elems\"")),
        ("b\"hello, 世界\"", Ok("b\"hello, 世界\"")),
        ("b\"hello, 世界\"[:-1]", Ok("b\"hello, 世\\xe7\\x95\"")),
        ("b\"\\t\\n\\x7F\\u200D\"", Ok("b\"\\t\\n\\x7f\\u200d\"")),
        ("b\"\\xff\\\"\\\\\"", Ok("b\"\\xff\\\"\\\\\"")),
        ("b\"\"", Ok("b\"\"")),
        ("str(b\"hello\")", Ok("\"hello\"")),
        (
            "str(b\"hello, 世界\"[:-1])",
            Ok("\"hello, 世\u{fffd}\u{fffd}\""),
        ),
        (
            "str(b\"\\xED\\xB0\\x80\")",
            Ok("\"\u{fffd}\u{fffd}\u{fffd}\""),
        ),
        ("bytes(\"\\xff\")", Ok("b\"\u{fffd}\"")),
    ]);
}

#[test]
fn string_views_have_current_types_indexing_and_decoding() {
    check(&[
        ("type(\"ab\".elems())", Ok("\"string.elems\"")),
        ("type(\"ab\".elem_ords())", Ok("\"string.elems\"")),
        ("type(\"ab\".codepoints())", Ok("\"string.codepoints\"")),
        ("type(\"ab\".codepoint_ords())", Ok("\"string.codepoints\"")),
        ("str(\"aЙ\".elem_ords())", Ok("\"\\\"aЙ\\\".elem_ords()\"")),
        // The element views are sequences of bytes: indexable, with a length.
        ("\"abcЙ😿\".elems()[2]", Ok("\"c\"")),
        ("\"abcЙ😿\".elems()[3]", Ok("\"\\xd0\"")),
        ("\"abcЙ😿\".elem_ords()[-1]", Ok("191")),
        ("len(\"abcЙ😿\".elems())", Ok("9")),
        ("len(\"abcЙ😿\".elem_ords())", Ok("9")),
        (
            "\"ab\".elems()[2]",
            Err("string.elems index 2 out of range [-2:1]"),
        ),
        (
            "\"\".elem_ords()[0]",
            Err("index 0 out of range: empty string.elems"),
        ),
        (
            "\"ab\".elems()[None]",
            Err("string.elems index: got NoneType, want int"),
        ),
        // The code-point views are only iterable.
        (
            "\"ab\".codepoints()[0]",
            Err("unhandled index operation string.codepoints[int]"),
        ),
        (
            "len(\"ab\".codepoint_ords())",
            Err("len: value of type string.codepoints has no len"),
        ),
        // Invalid UTF-8 decodes one byte at a time, each to U+FFFD.
        (
            "list((\"A\" + \"😿Z\"[1:]).codepoints())",
            Ok("[\"A\", \"\u{fffd}\", \"\u{fffd}\", \"\u{fffd}\", \"Z\"]"),
        ),
        (
            "list((\"A\" + \"😿Z\"[1:]).codepoint_ords())",
            Ok("[65, 65533, 65533, 65533, 90]"),
        ),
        (
            "list(\"a\\uFFFDb\".codepoints())",
            Ok("[\"a\", \"\u{fffd}\", \"b\"]"),
        ),
        ("list(\"aЙ😿\".codepoints())", Ok("[\"a\", \"Й\", \"😿\"]")),
        (
            "list((\"A\" + \"😿Z\"[1:]).elems())",
            Ok("[\"A\", \"\\x9f\", \"\\x98\", \"\\xbf\", \"Z\"]"),
        ),
    ]);
}

#[test]
fn misspelled_keyword_arguments_get_hints() {
    check(&[
        (
            "sorted([2, 1], revers=True)",
            Err("sorted: unexpected keyword argument \"revers\" (did you mean reverse?)"),
        ),
        (
            "sorted([2, 1], keyy=len)",
            Err("sorted: unexpected keyword argument \"keyy\" (did you mean key?)"),
        ),
        (
            "sorted([2, 1], kye=len)",
            Err("sorted: unexpected keyword argument \"kye\""),
        ),
        (
            "sorted([2, 1], zzzzzz=1)",
            Err("sorted: unexpected keyword argument \"zzzzzz\""),
        ),
        (
            "!def f(alpha, beta=1):\n  pass\nf(1, betta=2)",
            Err("function f got an unexpected keyword argument \"betta\" (did you mean beta?)"),
        ),
        (
            "!def f(alpha):\n  pass\nf(ALPHA=1)",
            Err("function f got an unexpected keyword argument \"ALPHA\" (did you mean alpha?)"),
        ),
        // Positional-only built-ins reject keywords without naming them.
        (
            "{}.get(1, default=2)",
            Err("get: unexpected keyword arguments"),
        ),
    ]);
}

fn eval_error(src: &str) -> engine::EvalError {
    let mut thread = Thread::new(Dialect::transform());
    match thread.exec_file("t.star", src, predeclared()) {
        Err(Error::Eval(e)) => e,
        other => panic!("want an evaluation error, got {other:?}"),
    }
}

#[test]
fn runaway_recursion_is_a_starlark_stack_overflow() {
    for src in [
        "def runaway():\n    return runaway()\nrunaway()\n",
        // Through a built-in that calls back into Starlark.
        "def f(n):\n    return sorted([1, 2], key = lambda x: f(n + 1))\nf(0)\n",
        // Through a comprehension.
        "def g(n):\n    return [g(n + 1) for x in [1]]\ng(0)\n",
    ] {
        let e = eval_error(src);
        assert_eq!(e.kind, ErrorKind::StackOverflow, "{src}");
        assert!(
            e.msg.starts_with("Starlark stack overflow"),
            "{src}: {}",
            e.msg
        );
    }
    // A higher limit still ends cleanly, on the engine's own stack segments.
    let mut thread = Thread::new(Dialect::transform());
    thread.set_max_depth(20_000);
    let e = thread
        .exec_file("t.star", "def f():\n    return f()\nf()\n", predeclared())
        .expect_err("overflow");
    assert!(message(e).contains("maximum call depth (20000) exceeded in f"));
}

fn harness(legacy_api: bool) -> Harness<'static> {
    Harness {
        assert_source: ASSERT_STAR,
        modules: Rc::new(library_provider),
        predeclared: &conformance_predeclared,
        max_steps: 10_000_000,
        legacy_api,
    }
}

#[test]
fn harness_reads_current_option_lines() {
    let exec = r#"# option:while
def f():
    n = 0
    while n < 3:
        n += 1
    return n
---
# option:toplevelcontrol
for x in [1]:
    pass
---
# option:toplevelcontrol option:while
acc = []
while len(acc) < 2:
    acc.append(1)
---
# option:set option:globalreassign
x = set([1])
x = set([2])
"#;
    let report = harness(false).run_file("options.star", exec, Mode::Exec);
    assert!(report.passed(), "{:?}", report.failures);
    assert_eq!(report.chunks, 4);
    // Today each option allows exactly one feature.
    let resolve = r#"# option:recursion
def f():
    while U: ### "does not support while loops"
        pass
---
# option:globalreassign
for x in U: ### "for loop not within a function"
    pass
---
# option:while
while U: ### "while loop not within a function"
    pass
"#;
    let report = harness(false).run_file("options.star", resolve, Mode::Resolve);
    assert!(report.passed(), "{:?}", report.failures);
}

#[test]
fn harness_keeps_2021_option_implications_in_legacy_mode() {
    let file = r#"# option:recursion
def f():
    n = 0
    while n < 3:
        n += 1
    return n
---
# option:globalreassign
for x in "ab".elems():
    pass
"#;
    let report = harness(true).run_file("legacy.star", file, Mode::Resolve);
    assert!(report.passed(), "{:?}", report.failures);
    let report = harness(true).run_file("legacy.star", file, Mode::Exec);
    assert!(report.passed(), "{:?}", report.failures);
    let report = harness(false).run_file("legacy.star", file, Mode::Resolve);
    assert_eq!(report.failures.len(), 2, "{:?}", report.failures);
}

#[test]
fn harness_presents_the_2021_surface_only_when_asked() {
    let current = r#"# option:set
load("assert.star", "assert")
assert.eq(type("ab".elems()), "string.elems")
assert.eq(type("ab".codepoints()), "string.codepoints")
assert.eq(list(("A" + "😿"[1:]).codepoints()), ["A", "�", "�", "�"])
assert.eq(len("ab".elems()), 2)
assert.eq(set([1, 2]) - set([1]), set([2]))
assert.eq({1: 1} | {2: 2}, {1: 1, 2: 2})
assert.eq(set([1]).isdisjoint([2]), True)
assert.eq(b"a"[0], b"a")
"#;
    let report = harness(false).run_file("current.star", current, Mode::Exec);
    assert!(report.passed(), "{:?}", report.failures);
    let legacy = r#"# option:set
load("assert.star", "assert")
assert.eq(type("ab".elems()), "elems")
assert.eq(type("ab".codepoint_ords()), "codepoints")
assert.eq(list(("A" + "😿"[1:]).codepoints()), ["A", "\x9f", "\x98", "\xbf"])
assert.fails(lambda: set([1]).isdisjoint, "has no .isdisjoint field or method")
"#;
    let report = harness(true).run_file("legacy.star", legacy, Mode::Exec);
    assert!(report.passed(), "{:?}", report.failures);
}

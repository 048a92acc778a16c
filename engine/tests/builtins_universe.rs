//! The universe's functions: results and error messages, checked against
//! starlark-go (the expected values were produced by starlark-go itself).

mod common;
use common::*;

#[test]
fn universe_functions_match_starlark_go() {
    check(&[
    ("all([1, True, \"x\"])", Ok("True")),
    ("all([1, 0])", Ok("False")),
    ("any([0, \"\", None])", Ok("False")),
    ("any([0, 2])", Ok("True")),
    ("all(\"abc\")", Err("all: for parameter 1: got string, want iterable")),
    ("any(1)", Err("any: for parameter 1: got int, want iterable")),
    ("bool()", Ok("False")),
    ("bool(0.0)", Ok("False")),
    ("bool([0])", Ok("True")),
    ("chr(65)", Ok("\"A\"")),
    ("chr(0x1F63F)", Ok("\"😿\"")),
    ("chr(-1)", Err("chr: Unicode code point -1 out of range (<0)")),
    ("chr(0x110000)", Err("chr: Unicode code point U+110000 out of range (>0x10FFFF)")),
    ("chr(\"a\")", Err("chr: got string, want int")),
    ("chr(1, 2)", Err("chr: got 2 arguments, want 1")),
    ("dict([(1, 2), (3, 4)], a=5)", Ok("{1: 2, 3: 4, \"a\": 5}")),
    ("dict({\"b\": 1}, a=2)", Ok("{\"b\": 1, \"a\": 2}")),
    ("dict(1)", Err("dict: got int, want iterable")),
    ("dict([1])", Err("dict: dictionary update sequence element #0 is not iterable (int)")),
    ("dict([\"ab\"])", Err("dict: dictionary update sequence element #0 is not iterable (string)")),
    ("dict([(1, 2, 3)])", Err("dict: dictionary update sequence element #0 has length 3, want 2")),
    ("dict({\"b\": 3}, a=4, **dict(a=5))", Err("dict: duplicate keyword arg: \"a\"")),
    ("dict(1, 2)", Err("dict: got 2 arguments, want at most 1")),
    ("dir(None)", Ok("[]")),
    ("dir({})[:3]", Ok("[\"clear\", \"get\", \"items\"]")),
    ("enumerate([\"a\", \"b\"], 10)", Ok("[(10, \"a\"), (11, \"b\")]")),
    ("enumerate({\"x\": 1})", Ok("[(0, \"x\")]")),
    ("enumerate(\"ab\")", Err("enumerate: for parameter 1: got string, want iterable")),
    ("enumerate([1], \"x\")", Err("enumerate: for parameter 2: got string, want int")),
    ("float()", Ok("0.0")),
    ("float(True)", Ok("1.0")),
    ("float(7)", Ok("7.0")),
    ("float(\"1.5e3\")", Ok("1500.0")),
    ("float(\"  1\")", Err("invalid float literal:   1")),
    ("float(\"1_000.5\")", Ok("1000.5")),
    ("float(\"0x1p-2\")", Ok("0.25")),
    ("float(\"-Infinity\")", Ok("-inf")),
    ("float(\"+NaN\") == float(\"nan\")", Ok("True")),
    ("float(\"1e400\")", Err("floating-point number too large")),
    ("float(\"one\")", Err("invalid float literal: one")),
    ("float(None)", Err("float got NoneType, want number or string")),
    ("float(1, 2)", Err("float got 2 arguments, wants 1")),
    ("float(int(\"1\" + \"0\" * 400))", Err("int too large to convert to float")),
    ("getattr(\"\", \"nope\", 42)", Ok("42")),
    ("getattr(\"\", \"nope\")", Err("getattr: string has no .nope field or method")),
    ("getattr(1, \"x\")", Err("getattr: int has no .x field or method")),
    ("getattr(struct(a=1), \"a\")", Ok("1")),
    ("getattr(struct(a=1), \"b\")", Err("getattr: struct has no .b attribute")),
    ("getattr({}, 1)", Err("getattr: for parameter 2: got int, want string")),
    ("hasattr([], \"append\")", Ok("True")),
    ("hasattr([], \"nope\")", Ok("False")),
    ("hasattr(struct(a=1), \"a\")", Ok("True")),
    ("hash(\"hello\")", Ok("99162322")),
    ("hash(\"\")", Ok("0")),
    ("hash(\"\\0\" * 100)", Ok("0")),
    ("hash(\"Hello, 世界!\")", Ok("417292677")),
    ("int(\"0x1f\", 16)", Ok("31")),
    // Around the machine-integer fast path: 18 and 19 digits, i64's ends, base 36.
    ("int(\"999999999999999999\")", Ok("999999999999999999")),
    ("int(\"-999999999999999999\")", Ok("-999999999999999999")),
    ("int(\"9223372036854775807\") + 1", Ok("9223372036854775808")),
    ("int(\"-9223372036854775808\") - 1", Ok("-9223372036854775809")),
    ("int(\"99999999999999999999999\") // 1000", Ok("99999999999999999999")),
    ("int(\"zzzzzzzzzzzz\", 36)", Ok("4738381338321616895")),
    ("int(\"zzzzzzzzzzzzz\", 36)", Ok("170581728179578208255")),
    ("int(\"+0042\", 10)", Ok("42")),
    ("int(\"-0o17\", 0)", Ok("-15")),
    ("int(\"0b101\", 0)", Ok("5")),
    ("int(\"0755\", 0)", Err("int: invalid literal with base 0: 0755")),
    ("int(\"0755\")", Ok("755")),
    ("int(\"12\", 1)", Err("int: base must be an integer >= 2 && <= 36")),
    ("int(\"10\", 36)", Ok("36")),
    ("int(\"zz\", 36)", Ok("1295")),
    ("int(\"1_0\")", Err("int: invalid literal with base 10: 1_0")),
    ("int(\"\")", Err("int: invalid literal with base 10: ")),
    ("int(\" 1\")", Err("int: invalid literal with base 10:  1")),
    ("int(3.99)", Ok("3")),
    ("int(-3.99)", Ok("-3")),
    ("int(1e30)", Ok("1000000000000000019884624838656")),
    ("int(float(\"inf\"))", Err("int: cannot convert float infinity to integer")),
    ("int(True)", Ok("1")),
    ("int(None)", Err("int: cannot convert NoneType to int")),
    ("int(5, 10)", Err("int: can't convert non-string with explicit base")),
    ("int()", Err("int: missing argument for x")),
    ("len(\"héllo\")", Ok("6")),
    ("len([1, 2])", Ok("2")),
    ("len(1)", Err("len: value of type int has no len")),
    ("len(range(10, 0, -3))", Ok("4")),
    ("list(range(3))", Ok("[0, 1, 2]")),
    ("list({\"a\": 1, \"b\": 2})", Ok("[\"a\", \"b\"]")),
    ("list(\"ab\")", Err("list: for parameter 1: got string, want iterable")),
    ("list(1, 2)", Err("list: got 2 arguments, want at most 1")),
    ("max(3, 1, 2)", Ok("3")),
    ("max([3, 1, 2])", Ok("3")),
    ("max([\"aa\", \"b\"], key=len)", Ok("\"aa\"")),
    ("min(\"b\", \"a\", \"c\")", Ok("\"a\"")),
    ("min([], )", Err("min: argument is an empty sequence")),
    ("min(1)", Err("min: int value is not iterable")),
    ("max()", Err("max requires at least one positional argument")),
    ("max(1, \"a\")", Err("max: string > int not implemented")),
    ("max([1], key=1)", Err("max: for parameter \"key\": got int, want callable")),
    ("max([1], foo=1)", Err("max: unexpected keyword argument \"foo\"")),
    ("min(5, -2, 1, 7, 3, key=lambda x: x*x)", Ok("1")),
    ("ord(\"A\")", Ok("65")),
    ("ord(\"世\")", Ok("19990")),
    ("ord(\"ab\")", Err("ord: string encodes 2 Unicode code points, want 1")),
    ("ord(\"\")", Err("ord: string encodes 0 Unicode code points, want 1")),
    ("ord(1.5)", Err("ord: got float, want string or bytes")),
    ("list(range(3))", Ok("[0, 1, 2]")),
    ("list(range(1, 5, 2))", Ok("[1, 3]")),
    ("range(0, 5, 0)", Err("range: step argument must not be zero")),
    ("range(1<<64)", Err("range: for parameter 1: 18446744073709551616 out of range (want value in signed 64-bit range)")),
    ("range(\"a\")", Err("range: for parameter 1: got string, want int")),
    ("range(1, 2, 3, 4)", Err("range: got 4 arguments, want at most 3")),
    ("repr([1, \"a\", None])", Ok("\"[1, \\\"a\\\", None]\"")),
    ("reversed([1, 2, 3])", Ok("[3, 2, 1]")),
    ("reversed(range(3))", Ok("[2, 1, 0]")),
    ("reversed(\"abc\")", Err("reversed: for parameter 1: got string, want iterable")),
    ("set([1, 2, 1])", Ok("set([1, 2])")),
    ("set(1)", Err("set: for parameter 1: got int, want iterable")),
    ("set([[]])", Err("set: unhashable type: list")),
    ("sorted([3, 1, 2])", Ok("[1, 2, 3]")),
    ("sorted([3, 1, 2], reverse=True)", Ok("[3, 2, 1]")),
    ("sorted([\"bb\", \"a\", \"ccc\"], key=len)", Ok("[\"a\", \"bb\", \"ccc\"]")),
    ("sorted([(2, \"b\"), (1, \"z\"), (2, \"a\")], key=lambda p: p[0])", Ok("[(1, \"z\"), (2, \"b\"), (2, \"a\")]")),
    ("sorted([1, \"a\"])", Err("string < int not implemented")),
    ("sorted([1, 2, None, 3])", Err("int < NoneType not implemented")),
    ("sorted(1)", Err("sorted: for parameter iterable: got int, want iterable")),
    ("sorted([1], key=None)", Err("sorted: for parameter \"key\": got NoneType, want callable")),
    ("sorted([1], reverse=1)", Err("sorted: for parameter \"reverse\": got int, want bool")),
    ("sorted([1], foo=1)", Err("sorted: unexpected keyword argument \"foo\"")),
    ("str(1.0)", Ok("\"1.0\"")),
    ("str(\"x\")", Ok("\"x\"")),
    ("str([1, \"x\"])", Ok("\"[1, \\\"x\\\"]\"")),
    ("str(1, 2)", Err("str: got 2 arguments, want exactly 1")),
    ("str(x=1)", Err("str does not accept keyword arguments")),
    ("tuple([1, 2])", Ok("(1, 2)")),
    ("tuple()", Ok("()")),
    ("tuple(\"ab\")", Err("tuple: for parameter 1: got string, want iterable")),
    ("type(1)", Ok("\"int\"")),
    ("type(None)", Ok("\"NoneType\"")),
    ("type(len)", Ok("\"builtin_function_or_method\"")),
    ("type(1, 2)", Err("type: got 2 arguments, want exactly 1")),
    ("zip([1, 2, 3], \"ab\".elems())", Ok("[(1, \"a\"), (2, \"b\")]")),
    ("zip()", Ok("[]")),
    ("zip([1], 2)", Err("zip: argument #2 is not iterable: int")),
    ("zip(a=1)", Err("zip does not accept keyword arguments")),
    ]);
}

/// Functions and behaviours of newer starlark-go than the installed test
/// files (bytes, abs, hash of bytes), with values computed independently.
#[test]
fn newer_universe_functions() {
    check(&[
        ("abs(-3)", Ok("3")),
        ("abs(-3.5)", Ok("3.5")),
        ("abs(-(1 << 70))", Ok("1180591620717411303424")),
        ("abs(-9223372036854775807 - 1)", Ok("9223372036854775808")),
        ("abs(\"x\")", Err("got string, want int or float")),
        ("bytes(\"abc\")", Ok("b\"abc\"")),
        ("bytes([65, 66, 255])", Ok("b\"AB\\xff\"")),
        ("bytes(\"\\xff\")", Ok("b\"\u{fffd}\"")),
        (
            "bytes([256])",
            Err("bytes: at index 0, 256 out of range (want value in unsigned 8-bit range)"),
        ),
        (
            "bytes([\"a\"])",
            Err("bytes: at index 0, got string, want int"),
        ),
        (
            "bytes(1)",
            Err("bytes: got int, want string, bytes, or iterable of ints"),
        ),
        ("bytes()", Err("bytes: got 0 arguments, want exactly 1")),
        ("str(bytes([97, 255, 98]))", Ok("\"a\u{fffd}b\"")),
        ("ord(bytes([7]))", Ok("7")),
        ("ord(bytes([7, 8]))", Err("ord: bytes has length 2, want 1")),
        ("hash(bytes([97, 98, 99]))", Ok("440920331")),
        ("hash(1)", Err("hash: got int, want string or bytes")),
        ("list(bytes([1, 2]).elems())", Ok("[1, 2]")),
        ("type(bytes([1]).elems())", Ok("\"bytes.elems\"")),
        ("int(\"0b101\", 16)", Ok("45313")),
        (
            "int(\"12\", \"x\")",
            Err("int: for base, got string, want int"),
        ),
    ]);
}

#[test]
fn print_and_fail() {
    check(&[
        ("!print(1, \"a\", None, [\"b\"])", Ok("1 a None [\"b\"]")),
        ("!print(1, 2, sep=\"--\")", Ok("1--2")),
        (
            "!print(sep=1)",
            Err("print: for parameter \"sep\": got int, want string"),
        ),
        (
            "!print(end=\"\")",
            Err("print: unexpected keyword argument \"end\""),
        ),
        ("!fail()", Err("fail: ")),
        ("!fail(1, \"x\", [2])", Err("fail: 1 x [2]")),
        ("!fail(1, 2, sep=\"/\")", Err("fail: 1/2")),
        (
            "!fail(1, x=2)",
            Err("fail: unexpected keyword argument \"x\""),
        ),
    ]);
}

/// Keys of one shape (numbers of either kind, strings, tuples of one layout)
/// sort through a total order; any other mix goes through the general,
/// fallible comparison. Both must give the same answers.
#[test]
fn sorted_keys_of_one_shape_and_of_mixed_shapes() {
    check(&[
        // Ints, floats and big ints mixed are one shape: numbers, exactly.
        (
            "sorted([2, 1.5, -1, 9223372036854775808, float(\"nan\"), 1])",
            Ok("[-1, 1, 1.5, 2, 9223372036854775808, nan]"),
        ),
        // Tuples of (string, number), reversed, equal keys kept in order.
        (
            "sorted([(\"b\", 1), (\"a\", 2.5), (\"b\", 0), (\"a\", 2.5, )], reverse=True)",
            Ok("[(\"b\", 1), (\"b\", 0), (\"a\", 2.5), (\"a\", 2.5)]"),
        ),
        (
            "[p[1] for p in sorted([(\"x\", 1), (\"x\", 0)], key=lambda p: (p[0], -p[1]))]",
            Ok("[1, 0]"),
        ),
        // Tuples of different lengths order by their common prefix, then length.
        (
            "sorted([(1, 2), (1,), (0, 5, 5)])",
            Ok("[(0, 5, 5), (1,), (1, 2)]"),
        ),
        // Equal unordered elements let the comparison go on to the next.
        (
            "sorted([(None, 2), (None, 1)])",
            Ok("[(None, 1), (None, 2)]"),
        ),
        // Tuples whose elements differ in kind at one position fail there.
        (
            "sorted([(1, \"a\"), (\"a\", 1)])",
            Err("string < int not implemented"),
        ),
        (
            "sorted([(None, 1), (1, 2)])",
            Err("int < NoneType not implemented"),
        ),
    ]);
}

#[test]
fn sorted_is_stable_and_reports_go_s_last_comparison_error() {
    check(&[
        // Equal keys keep their order, in either direction.
        (
            "sorted([(1, \"b\"), (0, \"x\"), (1, \"a\")], key=lambda p: p[0], reverse=True)",
            Ok("[(1, \"b\"), (1, \"a\"), (0, \"x\")]"),
        ),
        (
            "sorted([1.0, 1, True == True and 1], key=lambda x: 0)",
            Ok("[1.0, 1, 1]"),
        ),
        // More than one block of Go's insertion sort, then merges.
        (
            "sorted(list(range(50, 0, -1)) + list(range(25)))[:5]",
            Ok("[0, 1, 1, 2, 2]"),
        ),
        // starlark-go keeps sorting after a failed comparison and reports the last one.
        (
            "sorted([1, 2, None, 3])",
            Err("int < NoneType not implemented"),
        ),
        (
            "sorted([None, 1] * 15)",
            Err("NoneType < int not implemented"),
        ),
        (
            "sorted([3, 1], key=lambda x: 1 // 0)",
            Err("floored division by zero"),
        ),
    ]);
}

#[test]
fn struct_and_module_constructors() {
    check(&[
        ("struct(b=1, a=\"x\")", Ok("struct(a = \"x\", b = 1)")),
        ("struct(a=1).a", Ok("1")),
        ("struct(a=1).b", Err("struct has no .b attribute")),
        (
            "struct(abc=1).abd",
            Err("struct has no .abd attribute (did you mean .abc?)"),
        ),
        ("struct(1)", Err("struct: unexpected positional arguments")),
        ("dir(struct(b=1, a=2))", Ok("[\"a\", \"b\"]")),
        ("type(struct())", Ok("\"struct\"")),
        ("struct(a=[1]) == struct(a=[1])", Ok("True")),
        ("module(\"m\", x=1)", Ok("<module \"m\">")),
        ("module(\"m\", x=1).x", Ok("1")),
        ("dir(module(\"m\", y=1, x=2))", Ok("[\"x\", \"y\"]")),
        (
            "module(\"m\").nope",
            Err("module has no .nope field or method"),
        ),
        (
            "module(1)",
            Err("module: for parameter 1: got int, want string"),
        ),
        ("module()", Err("module: got 0 arguments, want 1")),
    ]);
}

#[test]
fn huge_or_hostile_arguments_fail_cleanly() {
    check(&[
        ("list(range(1 << 40))", Err("list: excessive size (1099511627776 elements)")),
        ("sorted(range(1 << 40))", Err("sorted: excessive size (1099511627776 elements)")),
        ("zip(range(1 << 40), range(1 << 40))", Err("zip: excessive size (3298534883328 elements)")),
        ("range(-(1 << 63), (1 << 63) - 1)", Err("range: too many elements")),
        ("chr(1 << 62)", Err("chr: Unicode code point U+4000000000000000 out of range (>0x10FFFF)")),
        ("enumerate([1], 1 << 63)", Err("enumerate: for parameter 2: 9223372036854775808 out of range (want value in signed 64-bit range)")),
        ("enumerate([1, 2], (1 << 63) - 1)", Ok("[(9223372036854775807, 1), (9223372036854775808, 2)]")),
    ]);
}

#[test]
fn allocation_budget_is_charged() {
    let mut thread = Thread::new(Dialect::transform());
    thread.set_memory_limit(1 << 20);
    let err = thread
        .eval_expr("t.star", "list(range(1000000))", predeclared())
        .map(|v| repr(&v))
        .map_err(message)
        .unwrap_err();
    assert!(err.starts_with("memory limit exceeded"), "{err}");
}

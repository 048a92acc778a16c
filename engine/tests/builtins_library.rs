//! The `json` and `math` library modules: starlark-go's json.star run
//! through the chunked-test harness, and focused checks of both modules
//! (json expectations produced by starlark-go itself except where noted;
//! math expectations computed independently).

use engine::starlarktest::{conformance_predeclared, Harness, Mode};

mod common;
use common::*;

const JSON_STAR: &str = "/usr/share/gocode/src/go.starlark.net/starlark/testdata/json.star";
const ASSERT_STAR: &str = "/usr/share/gocode/src/go.starlark.net/starlarktest/assert.star";

#[test]
fn starlark_go_json_star_passes_with_the_current_api() {
    let (Ok(data), Ok(assert_source)) = (
        std::fs::read_to_string(JSON_STAR),
        std::fs::read_to_string(ASSERT_STAR),
    ) else {
        panic!("starlark-go's test files are missing: apt-get install golang-starlark-dev");
    };
    // This vintage of json.star predates json.encode_indent.
    let data = data.replace(
        r#"assert.eq(dir(json), ["decode", "encode", "indent"])"#,
        r#"assert.eq(dir(json), ["decode", "encode", "encode_indent", "indent"])"#,
    );
    let harness = Harness {
        assert_source: &assert_source,
        modules: Rc::new(engine::starlarktest::library_provider),
        predeclared: &conformance_predeclared,
        max_steps: 50_000_000,
        legacy_api: false,
    };
    let report = harness.run_file(JSON_STAR, &data, Mode::Exec);
    assert!(report.passed(), "{:#?}", report.failures);
}

#[test]
fn json_matches_starlark_go() {
    check(&[
    ("json.encode([None, True, False, -1, \"x\"])", Ok("\"[null,true,false,-1,\\\"x\\\"]\"")),
    ("json.encode((1, 2))", Ok("\"[1,2]\"")),
    ("json.encode(range(3))", Ok("\"[0,1,2]\"")),
    ("json.encode({\"b\": [1], \"a\": {}})", Ok("\"{\\\"a\\\":{},\\\"b\\\":[1]}\"")),
    ("json.encode(struct(y=1, x=\"s\"))", Ok("\"{\\\"x\\\":\\\"s\\\",\\\"y\\\":1}\"")),
    ("json.encode(1 << 70)", Ok("\"1180591620717411303424\"")),
    ("json.encode(1.5e300)", Ok("\"1.5e+300\"")),
    ("json.encode(\"<a&b>\u{2028}\")", Ok("\"\\\"\\\\u003ca\\\\u0026b\\\\u003e\\\\u2028\\\"\"")),
    ("json.encode(\"\\x00\\x1f\\\"\\\\\\n\\r\\t\")", Ok("\"\\\"\\\\u0000\\\\u001f\\\\\\\"\\\\\\\\\\\\n\\\\r\\\\t\\\"\"")),
    ("json.encode(\"é😿\")", Ok("\"\\\"é😿\\\"\"")),
    ("json.encode(\"\\xff\")", Ok("\"\\\"\\\\ufffd\\\"\"")),
    ("json.encode(float(\"nan\"))", Err("json.encode: cannot encode non-finite float nan")),
    ("json.encode(float(\"-inf\"))", Err("json.encode: cannot encode non-finite float -inf")),
    ("json.encode({1: 2})", Err("json.encode: dict has int key, want string")),
    ("json.encode(len)", Err("json.encode: cannot encode builtin_function_or_method as JSON")),
    ("json.encode(struct(x=[1, {\"y\": len}]))", Err("json.encode: in field .x: at list index 1: in dict key \"y\": cannot encode builtin_function_or_method as JSON")),
    ("json.encode(1, 2)", Err("json.encode: got 2 arguments, want 1")),
    ("json.encode(x=1)", Err("json.encode: unexpected keyword arguments")),
    ("json.decode(\"null\")", Ok("None")),
    ("json.decode(\" [1, -2, 3.5, 1e2, -0.0, \\\"a\\\", true, false, null] \")", Ok("[1, -2, 3.5, 100.0, -0.0, \"a\", True, False, None]")),
    ("json.decode(\"{\\\"a\\\": {\\\"b\\\": [1]}, \\\"a\\\": 2}\")", Ok("{\"a\": 2}")),
    ("json.decode(\"123456789012345678901234567890\")", Ok("123456789012345678901234567890")),
    ("json.decode(\"\\\"\\\\u00e9\\\\ud83d\\\\ude39\\\\ud800x\\\\/\\\"\")", Ok("\"é😹�x/\"")),
    ("json.decode(\"\\\"\\xc3\\\"\")", Ok("\"�\"")),
    ("json.decode(\"\")", Err("json.decode: at offset 0, unexpected end of file")),
    ("json.decode(\"[1, 2\")", Err("json.decode: at offset 5, unexpected end of file")),
    ("json.decode(\"[1 2]\")", Err("json.decode: at offset 3, got '2', want ',' or ']'")),
    ("json.decode(\"{\\\"a\\\" 1}\")", Err("json.decode: at offset 5, after object key, got '1', want ':' ")),
    ("json.decode(\"{\\\"a\\\": 1,}\")", Err("json.decode: at offset 8, unexpected character '}'")),
    ("json.decode(\"{1: 2}\")", Err("json.decode: at offset 2, got int for object key, want string")),
    ("json.decode(\"tru\")", Err("json.decode: at offset 0, unexpected character 't'")),
    ("json.decode(\"01\")", Err("json.decode: at offset 2, invalid number: 01")),
    ("json.decode(\"1.\")", Ok("1.0")),
    ("json.decode(\"1e\")", Err("json.decode: at offset 2, invalid number: 1e")),
    ("json.decode(\"-\")", Err("json.decode: at offset 1, invalid number: -")),
    ("json.decode(\"\\\"a\\\\x\\\"\")", Err("json.decode: at offset 5, invalid character 'x' in string escape code")),
    ("json.decode(\"\\\"a\\\\u12x4\\\"\")", Err("json.decode: at offset 9, invalid character 'x' in \\u hexadecimal character escape")),
    ("json.decode(\"\\\"a\\tb\\\\n\\\"\")", Err("json.decode: at offset 7, invalid character '\\t' in string literal")),
    ("json.decode(\"\\\"abc\")", Err("json.decode: at offset 0, unclosed string literal")),
    ("json.decode(\"1 2\")", Err("json.decode: at offset 2, unexpected character '2' after value")),
    ("json.decode(1)", Err("json.decode: for parameter x: got int, want string")),
    ("json.indent(\"[1,{\\\"a\\\":[]},{}]\")", Ok("\"[\\n\\t1,\\n\\t{\\n\\t\\t\\\"a\\\": []\\n\\t},\\n\\t{}\\n]\"")),
    ("json.indent(\"[1,{\\\"a\\\":2}]\", prefix=\">\", indent=\"  \")", Ok("\"[\\n>  1,\\n>  {\\n>    \\\"a\\\": 2\\n>  }\\n>]\"")),
    ("json.indent(\" {\\\"a\\\" : 1 } \\n\")", Ok("\"{\\n\\t\\\"a\\\": 1\\n} \\n\"")),
    ("json.indent(\"[1,]\")", Err("json.indent: invalid character ']' looking for beginning of value")),
    ("json.indent(\"{\\\"a\\\" 1}\")", Err("json.indent: invalid character '1' after object key")),
    ("json.indent(\"[1\")", Err("json.indent: unexpected end of JSON input")),
    ("json.indent(\"tru\")", Err("json.indent: invalid character ' ' in literal true (expecting 'e')")),
    ("json.indent(\"1 2\")", Err("json.indent: invalid character '2' after top-level value")),
    ("json.indent(\"\\\"\\\\q\\\"\")", Err("json.indent: invalid character 'q' in string escape code")),
    ("json.indent(\"-x\")", Err("json.indent: invalid character 'x' in numeric literal")),
    ("json.indent(\"1.e1\")", Err("json.indent: invalid character 'e' after decimal point in numeric literal")),
    ("json.indent(\"1e+\")", Err("json.indent: invalid character ' ' in exponent of numeric literal")),
    ("json.indent(\"nulx\")", Err("json.indent: invalid character 'x' in literal null (expecting 'l')")),
    ("json.indent(\"{1:1}\")", Err("json.indent: invalid character '1' looking for beginning of object key string")),
    ("json.indent(\"[1], 2\")", Err("json.indent: invalid character ',' after top-level value")),
    ("json.indent(1)", Err("json.indent: for parameter 1: got int, want string")),
    ("json.indent(\"[]\", indent=1)", Err("json.indent: for parameter \"indent\": got int, want string")),
    ("json.indent(\"[]\", \"x\")", Err("json.indent: got 2 arguments, want 1")),
    ]);
}

/// The newer parts of starlark-go's json module, and where this one differs.
#[test]
fn json_newer_features_and_deliberate_differences() {
    check(&[
        (
            "dir(json)",
            Ok("[\"decode\", \"encode\", \"encode_indent\", \"indent\"]"),
        ),
        (
            "json.encode_indent({\"a\": [1, 2]})",
            Ok("\"{\\n\\t\\\"a\\\": [\\n\\t\\t1,\\n\\t\\t2\\n\\t]\\n}\""),
        ),
        (
            "json.encode_indent([], prefix=\"x\", indent=\" \")",
            Ok("\"[]\""),
        ),
        (
            "json.encode_indent([1], indent=\" \")",
            Ok("\"[\\n 1\\n]\""),
        ),
        (
            "json.encode_indent(len)",
            Err("json.encode_indent: cannot encode builtin_function_or_method as JSON"),
        ),
        ("json.decode(\"[1,\", default=None)", Ok("None")),
        ("json.decode(\"bad\", 42)", Ok("42")),
        ("json.decode(\"[1]\", default=0)", Ok("[1]")),
        (
            "json.decode(x=\"1\")",
            Err("json.decode: unexpected keyword argument x"),
        ),
        // Floats always have a point or an exponent (Go's %g would drop it).
        ("json.encode([1.0, -2.0, 1e6])", Ok("\"[1.0,-2.0,1e+06]\"")),
        // DEL is written as itself (valid JSON; Go's strconv.Quote writes \\x7f).
        ("json.encode(\"\\x7f\")", Ok("\"\\\"\\x7f\\\"\"")),
        // Cycles and extreme nesting are errors, not crashes.
        (
            "!x = [1]\nx.append(x)\njson.encode(x)",
            Err("json.encode: at list index 1: cycle in JSON structure"),
        ),
        (
            "!d = {}\nd[\"k\"] = [d]\njson.encode(d)",
            Err("json.encode: in dict key \"k\": at list index 0: cycle in JSON structure"),
        ),
        ("len(json.decode(\"[\" * 1000 + \"]\" * 1000))", Ok("1")),
        (
            "json.decode(\"[\" * 1001 + \"]\" * 1001)",
            Err("json.decode: value is nested more than 1000 levels deep"),
        ),
        (
            "json.decode(\"[\" * 1001, default=1)",
            Err("json.decode: value is nested more than 1000 levels deep"),
        ),
        (
            "!x = []\nfor i in range(2000):\n  x = [x]\njson.encode(x)",
            Err("json.encode: value is nested more than 1000 levels deep"),
        ),
    ]);
}

#[test]
fn math_module() {
    check(&[
        ("dir(math)", Ok("[\"acos\", \"acosh\", \"asin\", \"asinh\", \"atan\", \"atan2\", \"atanh\", \"ceil\", \"copysign\", \"cos\", \"cosh\", \"degrees\", \"e\", \"exp\", \"fabs\", \"floor\", \"gamma\", \"hypot\", \"log\", \"mod\", \"pi\", \"pow\", \"radians\", \"remainder\", \"round\", \"sin\", \"sinh\", \"sqrt\", \"tan\", \"tanh\"]")),
        ("math.pi", Ok("3.141592653589793")),
        ("math.e", Ok("2.718281828459045")),
        ("math.ceil(1.2)", Ok("2")),
        ("math.ceil(-1.2)", Ok("-1")),
        ("math.ceil(7)", Ok("7")),
        ("math.ceil(1e20)", Ok("100000000000000000000")),
        ("math.ceil(float(\"inf\"))", Err("cannot convert float infinity to integer")),
        ("math.floor(-1.5)", Ok("-2")),
        ("math.floor(float(\"nan\"))", Err("cannot convert float NaN to integer")),
        ("math.floor(\"1\")", Err("got string, want float or int")),
        ("math.round(2.5)", Ok("3.0")),
        ("math.round(-0.5)", Ok("-1.0")),
        ("math.fabs(-3)", Ok("3.0")),
        ("math.copysign(3, -0.0)", Ok("-3.0")),
        ("math.mod(-7, 3)", Ok("-1.0")),
        ("math.remainder(5, 3)", Ok("-1.0")),
        ("math.remainder(7, 2)", Ok("-1.0")),
        ("math.pow(2, 10)", Ok("1024.0")),
        ("math.sqrt(16)", Ok("4.0")),
        ("math.sqrt(-1)", Ok("nan")),
        ("math.exp(0)", Ok("1.0")),
        ("math.log(8, 2)", Ok("3.0")),
        ("math.log(math.e)", Ok("1.0")),
        ("math.log(1, 1)", Err("division by zero")),
        ("math.log(0)", Ok("-inf")),
        ("math.hypot(3, 4)", Ok("5.0")),
        ("math.atan2(1, 1) == math.pi / 4", Ok("True")),
        ("math.degrees(math.pi)", Ok("180.0")),
        ("math.radians(180) == math.pi", Ok("True")),
        ("math.gamma(5)", Ok("24.0")),
        ("math.gamma(0.5)", Ok("1.7724538509055159")),
        ("math.gamma(5.5)", Ok("52.34277778455352")),
        ("abs(math.gamma(33.5) / 1.505856975626702e+36 - 1) < 1e-14", Ok("True")),
        ("math.gamma(-2.5)", Ok("-0.9453087204829419")),
        ("abs(math.gamma(171.5) / 9.483367566824793e+307 - 1) < 1e-14", Ok("True")),
        ("math.gamma(1e-10)", Ok("9.999999999422785e+09")),
        // Go's own sin, cos and tan, bit for bit (C's tan(pi/4) is 0.9999999999999999).
        ("math.tan(math.pi / 4)", Ok("1.0")),
        ("math.tan(-math.pi / 4)", Ok("-1.0")),
        ("math.sin(1e22)", Ok("-0.8522008497671889")),
        ("math.cos(1e22)", Ok("0.5232147853951389")),
        ("math.tan(12345.678)", Ok("-0.9914971407432149")),
        ("math.sin(math.pi)", Ok("1.2246467991473515e-16")),
        ("math.gamma(-1)", Ok("nan")),
        ("math.gamma(-0.0)", Ok("-inf")),
        ("math.tanh(float(\"inf\"))", Ok("1.0")),
        ("math.sin(\"x\")", Err("sin: for parameter 1: got string, want float or int")),
        ("math.atan2(1)", Err("atan2: got 1 arguments, want 2")),
        ("math.hypot(1, \"x\")", Err("hypot: for parameter 2: got string, want float or int")),
        ("math.cos(x=1)", Err("cos: unexpected keyword arguments")),
        ("math.sqrt(int(\"1\" + \"0\" * 700))", Ok("+inf")),
    ]);
}

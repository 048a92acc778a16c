//! The `json` module: starlark-go's functions in both majors, and the 2.x
//! table reader.

mod common;
use common::*;

#[test]
fn starlark_go_functions_both_majors() {
    for req in ["^1", "^2"] {
        ok(
            req,
            r#"
load("encoding/json.star", "json")
assert_eq(json.encode({"a": [1, 2.5, None, True, "x"]}), '{"a":[1,2.5,null,true,"x"]}')
assert_eq(json.decode('{"a": [1, 2.5, null]}'), {"a": [1, 2.5, None]})
assert_eq(json.indent('{"a":1}'), '{\n\t"a": 1\n}')
assert_eq(json.encode_indent([1], indent = "  "), '[\n  1\n]')
assert_eq(json.decode("[", None), None)
"#,
        );
        fails(
            req,
            "load('json.star', 'json')\njson.decode('{bad')",
            "json.decode",
        );
        fails(
            req,
            "load('json.star', 'json')\njson.encode(lambda: 1)",
            "json.encode",
        );
    }
}

#[test]
fn read_table_v2() {
    ok(
        "^2",
        r#"
load("encoding/json.star", "json")
t = json.read('[{"a": 1, "b": "x"}, {"a": 2, "b": null, "c": 1.5}]')
assert_eq(t.columns, ["a", "b", "c"])
assert_eq(t.schema, {"a": "int", "b": "string", "c": "float"})
assert_eq(t.rows(), [{"a": 1, "b": "x", "c": None}, {"a": 2, "b": None, "c": 1.5}])
n = json.read('{"a": 1}\n\n{"a": 2}\n')
assert_eq(n["a"].to_list(), [1, 2])
assert_eq(json.read('{"a": true}', ndjson = True)["a"].to_list(), [True])
assert_eq(len(json.read("[]")), 0)
assert_eq(json.read(t.to_json()), t)
"#,
    );
}

#[test]
fn read_table_errors() {
    let l = "load('encoding/json.star', 'json')\n";
    fails(
        "^2",
        &format!("{l}json.read('[{{\"a\": 1}}, 2]')"),
        "json.read: record 2: want a JSON object, got a JSON number",
    );
    fails(
        "^2",
        &format!("{l}json.read('{{\"a\": 1}}\\n{{bad')"),
        "json.read: line 2: invalid JSON",
    );
    fails(
        "^2",
        &format!("{l}json.read('[1')"),
        "json.read: invalid JSON",
    );
    fails(
        "^2",
        &format!("{l}json.read('\"s\"', ndjson = False)"),
        "want a JSON array of objects, got a JSON string",
    );
    fails(
        "^2",
        &format!("{l}json.read(1)"),
        "json.read: for parameter source: got int, want string or bytes",
    );
    fails(
        "^2",
        &format!("{l}json.read('[]', ndjson = 1)"),
        "for parameter ndjson: got int, want bool",
    );
    fails(
        "^2",
        &format!("{l}json.read('[{{\"a\": 1}}, {{\"a\": \"x\"}}]')"),
        "json.read",
    );
}

//! The `csv` module: 1.x read_all/write_all (Qri's behaviour) and 2.x
//! read/write with tables; malformed input names the record.

mod common;
use common::*;

#[test]
fn read_all_v1() {
    ok(
        "^1",
        r##"
load("encoding/csv.star", "csv")
assert_eq(csv.read_all("a,b,c\n1,2,3\n"), [["a", "b", "c"], ["1", "2", "3"]])
assert_eq(csv.read_all('x,"y, z",""\n'), [["x", "y, z", ""]])
assert_eq(csv.read_all('"multi\nline",b\n'), [["multi\nline", "b"]])
assert_eq(csv.read_all("a;b\n1;2", comma = ";"), [["a", "b"], ["1", "2"]])
assert_eq(csv.read_all("# note\na,b\n", comment = "#"), [["a", "b"]])
assert_eq(csv.read_all("a, b\n", trim_leading_space = True), [["a", "b"]])
assert_eq(csv.read_all("h1,h2\nskip,me\n1,2\n", skip = 2), [["1", "2"]])
assert_eq(csv.read_all("a,b\n1\n", fields_per_record = -1), [["a", "b"], ["1"]])
assert_eq(csv.read_all("a,b\r\n1,2\r\n"), [["a", "b"], ["1", "2"]])
assert_eq(csv.read_all(""), [])
assert_eq(csv.read_all(b"a,b\n"), [["a", "b"]])
assert_eq(csv.read_all('a,b"c\n', lazy_quotes = True), [["a", 'b"c']])
assert_eq(csv.read_all('x,"q ""y"" z"\r\n"m\nn",2\n'), [["x", 'q "y" z'], ["m\nn", "2"]])
assert_eq(csv.read_all('a,  "b"\n', trim_leading_space = True), [["a", "b"]])
"##,
    );
}

#[test]
fn read_all_errors() {
    let l = "load('encoding/csv.star', 'csv')\n";
    fails(
        "^1",
        &format!("{l}csv.read_all('a,b\\n1,2\\n3\\n')"),
        "csv.read_all: record 3 (line 3): wrong number of fields: got 1, want 2",
    );
    fails(
        "^1",
        &format!("{l}csv.read_all('a,b\\n1,2,3\\n', fields_per_record = 2)"),
        "record 2 (line 2): wrong number of fields: got 3, want 2",
    );
    fails(
        "^1",
        &format!("{l}csv.read_all('a\\n', fields_per_record = 2)"),
        "record 1 (line 1): wrong number of fields: got 1, want 2",
    );
    fails(
        "^1",
        &format!("{l}csv.read_all(1)"),
        "csv.read_all: for parameter source: got int, want string or bytes",
    );
    fails(
        "^1",
        &format!("{l}csv.read_all('a', comma = ';;')"),
        "expected comma param to be a single-character string",
    );
    fails(
        "^1",
        &format!("{l}csv.read_all('a', comment = 'ab')"),
        "expected comment param to be a single-character string",
    );
    fails(
        "^1",
        &format!("{l}csv.read_all('a', comma = '#', comment = '#')"),
        "comma and comment must differ",
    );
    fails(
        "^1",
        &format!("{l}csv.read_all('a', skip = -1)"),
        "skip must be non-negative",
    );
    fails(
        "^1",
        &format!("{l}csv.read_all('a', skip = 'x')"),
        "for parameter skip: got string, want int",
    );
    fails(
        "^1",
        &format!("{l}csv.read_all('a', lazy_quotes = 1)"),
        "for parameter lazy_quotes: got int, want bool",
    );
    fails(
        "^1",
        &format!("{l}csv.read_all('a', bogus = 1)"),
        "unexpected keyword argument \"bogus\"",
    );
}

#[test]
fn write_all_v1() {
    ok(
        "^1",
        r##"
load("encoding/csv.star", "csv")
assert_eq(csv.write_all([["a", "b"], ["1", "2"]]), "a,b\n1,2\n")
assert_eq(csv.write_all([["x, y", 'q"t', "line\nbreak"]]), '"x, y","q""t","line\nbreak"\n')
assert_eq(csv.write_all([[1, 2.5, True, None]]), "1,2.5,true,\n")
assert_eq(csv.write_all([("a", "b")], comma = "\t"), "a\tb\n")
assert_eq(csv.read_all(csv.write_all([["p,q", "r"]])), [["p,q", "r"]])
"##,
    );
    let l = "load('encoding/csv.star', 'csv')\n";
    fails(
        "^1",
        &format!("{l}csv.write_all('abc')"),
        "csv.write_all: expected value to be an array type, got string",
    );
    fails(
        "^1",
        &format!("{l}csv.write_all([['a'], 'b'])"),
        "csv.write_all: row 1 is not an array type (got string)",
    );
    fails(
        "^1",
        &format!("{l}csv.write_all([['a']], comma = 'ab')"),
        "single-character",
    );
}

#[test]
fn read_table_v2() {
    ok(
        "^2",
        r##"
load("encoding/csv.star", "csv")
t = csv.read("name,age,score,ok\nann,30,1.5,true\nbob,,2.5,false\n")
assert_eq(type(t), "table")
assert_eq(len(t), 2)
assert_eq(t.columns, ["name", "age", "score", "ok"])
assert_eq(t.schema, {"name": "string", "age": "int", "score": "float", "ok": "bool"})
assert_eq(t.rows(), [{"name": "ann", "age": 30, "score": 1.5, "ok": True}, {"name": "bob", "age": None, "score": 2.5, "ok": False}])
u = csv.read("1;2\n3;4\n", header = False, delimiter = ";")
assert_eq(u.columns, ["column_1", "column_2"])
assert_eq(u["column_2"].to_list(), [2, 4])
s = csv.read("a,b\n1,x\n", schema = {"a": "string", "b": "string"})
assert_eq(s.schema, {"a": "string", "b": "string"})
assert_eq(s.row(0), {"a": "1", "b": "x"})
assert_eq(csv.write(t), "name,age,score,ok\nann,30,1.5,true\nbob,,2.5,false\n")
assert_eq(csv.write(t, delimiter = "|", header = False), "ann|30|1.5|true\nbob||2.5|false\n")
assert_eq(csv.read(csv.write(t)), t)
"##,
    );
}

#[test]
fn read_table_errors() {
    let l = "load('encoding/csv.star', 'csv')\n";
    fails(
        "^2",
        &format!("{l}csv.read('a,b\\n1,2\\n3\\n')"),
        "csv.read: ",
    );
    let e = fails("^2", &format!("{l}csv.read('a,b\\n1,2\\n3\\n')"), "line");
    assert!(e.contains("line 3") && e.contains("Expected 2"), "{e}");
    fails(
        "^2",
        &format!("{l}csv.read('a\\nx\\n', schema = {{'a': 'int'}})"),
        "csv.read: ",
    );
    fails(
        "^2",
        &format!("{l}csv.read('a\\nx\\n', schema = {{'a': 'decimal'}})"),
        "unknown type \"decimal\"",
    );
    fails(
        "^2",
        &format!("{l}csv.read('a', schema = ['a'])"),
        "for parameter schema: got list, want dict",
    );
    fails(
        "^2",
        &format!("{l}csv.read(None)"),
        "csv.read: for parameter source: got NoneType, want string or bytes",
    );
    fails(
        "^2",
        &format!("{l}csv.read('a', delimiter = 'xx')"),
        "single-character",
    );
    fails(
        "^2",
        &format!("{l}csv.write([1])"),
        "csv.write: for parameter table: got list, want table",
    );
}

#[test]
fn type_inference_beyond_sample() {
    // A column that looks like ints for the first 10,000 records and then
    // holds a float is re-read with types inferred from everything.
    let mut data = String::from("x\n");
    for i in 0..10_050 {
        data.push_str(&format!("{i}\n"));
    }
    data.push_str("1.5\n");
    let src = format!("load('encoding/csv.star', 'csv')\nt = csv.read({data:?})\nty = t.schema['x']\nn = len(t)\n");
    let m = ok("^2", &src);
    assert_eq!(get_str(&m, "ty"), "float");
    assert_eq!(get_str(&m, "n"), "10051");
}

#[test]
fn strict_quotes_v1() {
    let l = "load('encoding/csv.star', 'csv')\n";
    fails(
        "^1",
        &format!("{l}csv.read_all('a,b\\nc,d\"e\\n')"),
        "csv.read_all: record 2 (line 2, column 4): bare \" in non-quoted field",
    );
    fails(
        "^1",
        &format!("{l}csv.read_all('a,\"b\"x\\n')"),
        "record 1 (line 1, column 6): extraneous or missing \" in quoted-field",
    );
    fails(
        "^1",
        &format!("{l}csv.read_all('a\\n\\n\"open,b\\n')"),
        "record 2 (line 3): extraneous or missing \" in quoted-field starting at column 1",
    );
    fails(
        "^1",
        &format!("{l}csv.read_all('# c\\nx\\n\"y\"\"\\n', comment = '#')"),
        "record 2 (line 3): extraneous or missing \" in quoted-field",
    );
}

//! The release registry: selection by semver, module names per release,
//! loading every module in both majors, and the error for unknown modules.

mod common;
use common::*;
use semver::{Version, VersionReq};

#[test]
fn ships_two_majors() {
    let v: Vec<String> = starlib::releases()
        .iter()
        .map(|r| r.version.to_string())
        .collect();
    assert_eq!(v, vec!["1.0.0", "2.0.0"]);
    // 1.x runs Qri's dialect (top-level control flow, global reassignment,
    // loads bound globally); 2.x the transform dialect.
    let dialects: Vec<engine::Dialect> = starlib::releases()
        .iter()
        .map(|r| r.dialect.clone())
        .collect();
    assert_eq!(
        dialects,
        vec![engine::Dialect::qri(), engine::Dialect::transform()]
    );
}

#[test]
fn select_by_requirement() {
    assert_eq!(
        starlib::select(&VersionReq::parse("^1").unwrap())
            .unwrap()
            .version,
        Version::new(1, 0, 0)
    );
    assert_eq!(
        starlib::select(&VersionReq::parse("^2").unwrap())
            .unwrap()
            .version,
        Version::new(2, 0, 0)
    );
    assert_eq!(
        starlib::select(&VersionReq::parse("*").unwrap())
            .unwrap()
            .version,
        Version::new(2, 0, 0)
    );
    assert_eq!(
        starlib::select(&VersionReq::parse(">=1, <2").unwrap())
            .unwrap()
            .major(),
        1
    );
}

#[test]
fn select_error_lists_shipped() {
    let e = starlib::select(&VersionReq::parse("^3").unwrap()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "no shipped starlib release matches ^3: shipped releases are 1.0.0, 2.0.0"
    );
    let e = starlib::release::select_str("not a version").unwrap_err();
    assert!(
        e.to_string()
            .contains("invalid starlib version requirement"),
        "{e}"
    );
}

#[test]
fn module_names_per_release() {
    let v1 = starlib::release::select_str("^1").unwrap().module_names();
    assert!(
        v1.contains(&"http.star")
            && v1.contains(&"encoding/json.star")
            && v1.contains(&"json.star")
    );
    assert!(!v1.contains(&"table.star") && !v1.contains(&"rand.star"));
    let v2 = starlib::release::select_str("^2").unwrap().module_names();
    assert!(v2.contains(&"table.star") && v2.contains(&"rand.star") && v2.contains(&"csv.star"));
    assert!(v1.contains(&"dataframe.star") && v2.contains(&"dataframe.star"));
}

const LOAD_ALL_V1: &str = r#"
load("http.star", "http")
load("encoding/json.star", "json")
load("json.star", json2 = "json")
load("encoding/csv.star", "csv")
load("csv.star", csv2 = "csv")
load("math.star", "math")
load("time.star", "time")
assert_eq(type(http.get), "builtin_function_or_method")
assert_eq(json.encode([1]), "[1]")
assert_eq(json2.decode("2"), 2)
assert_eq(csv.read_all("a,b\n"), [["a", "b"]])
assert_eq(csv2.write_all([["x"]]), "x\n")
assert_eq(math.floor(2.5), 2)
assert_eq(time.parse_duration("1s"), time.second)
"#;

#[test]
fn loads_every_module_v1() {
    ok("^1", LOAD_ALL_V1);
    // 1.x csv and json have no table functions; json keeps starlib v0.4's
    // loads and dumps.
    let m = ok("^1", "load('encoding/csv.star', 'csv')\nload('encoding/json.star', 'json')\nd = dir(csv)\nj = dir(json)");
    assert_eq!(get_str(&m, "d"), r#"["read_all", "write_all"]"#);
    assert_eq!(
        get_str(&m, "j"),
        r#"["decode", "dumps", "encode", "encode_indent", "indent", "loads"]"#
    );
}

#[test]
fn loads_every_module_v2() {
    ok("^2", LOAD_ALL_V1);
    let m = ok(
        "^2",
        r#"
load("rand.star", "rand")
load("table.star", "table")
load("encoding/csv.star", "csv")
load("encoding/json.star", "json")
d = dir(csv)
j = dir(json)
t = table.from_rows([{"a": 1}])
n = len(t)
"#,
    );
    assert_eq!(
        get_str(&m, "d"),
        r#"["read", "read_all", "write", "write_all"]"#
    );
    assert_eq!(
        get_str(&m, "j"),
        r#"["decode", "encode", "encode_indent", "indent", "read"]"#
    );
    assert_eq!(get_str(&m, "n"), "1");
}

#[test]
fn unknown_module_lists_names() {
    let e = fails(
        "^1",
        r#"load("table.star", "table")"#,
        "starlib 1.0.0 has no module \"table.star\"",
    );
    assert!(
        e.contains(
            "loadable modules are: bsoup.star, compress/gzip.star, csv.star, dataframe.star, encoding/base64.star"
        ),
        "{e}"
    );
    fails("^2", r#"load("nope.star", "x")"#, "loadable modules are:");
}

#[test]
fn qri_extra_modules_load_in_both_majors() {
    for req in ["^1", "^2"] {
        let names = starlib::release::select_str(req).unwrap().module_names();
        for n in [
            "hash.star",
            "encoding/base64.star",
            "re.star",
            "encoding/yaml.star",
            "compress/gzip.star",
            "zipfile.star",
            "html.star",
            "bsoup.star",
            "xlsx.star",
            "geo.star",
        ] {
            assert!(names.contains(&n), "{req} lacks {n}");
        }
    }
}

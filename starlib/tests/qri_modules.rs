//! Qri's extra starlib modules (hash, base64, re, yaml, gzip, zipfile,
//! html, bsoup, xlsx, geo): the values Qri's own tests document, in both
//! majors, and one error case each.

mod common;
use common::*;

/// Runs `src` under 1.x and 2.x; both must pass.
#[track_caller]
fn both(src: &str) {
    ok("^1", src);
    ok("^2", src);
}

#[test]
fn hash_digests() {
    both(
        r#"
load("hash.star", "hash")
assert_eq(hash.md5("helloworld"), "fc5e038d38a57032085441e7fe7010b0")
assert_eq(hash.sha1("helloworld"), "6adfb183a4a2c94a2f92dab5ade762a47889a5a1")
assert_eq(hash.sha256("helloworld"), "936a185caaa266bb9cbe981e9e05cb78cd732b0b3280eb944412bb6f8f8f07af")
assert_eq(hash.md5(""), "d41d8cd98f00b204e9800998ecf8427e")
assert_eq(hash.sha256(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
"#,
    );
}

#[test]
fn hash_wants_a_string() {
    fails(
        "^1",
        r#"load("hash.star", "hash")
hash.md5(1)"#,
        "hash.md5: for parameter s: got int",
    );
}

#[test]
fn base64_variants() {
    both(
        r#"
load("encoding/base64.star", "base64")
assert_eq(base64.encode("hello"), "aGVsbG8=")
assert_eq(base64.encode("hello", encoding="standard_raw"), "aGVsbG8")
assert_eq(base64.encode("hello friend!", encoding="url"), "aGVsbG8gZnJpZW5kIQ==")
assert_eq(base64.encode("hello friend!", encoding="url_raw"), "aGVsbG8gZnJpZW5kIQ")
assert_eq(base64.decode("aGVsbG8="), "hello")
assert_eq(base64.decode("aGVsbG8", encoding="standard_raw"), "hello")
assert_eq(base64.decode("aGVsbG8gZnJpZW5kIQ==", encoding="url"), "hello friend!")
assert_eq(base64.decode("aGVsbG8gZnJpZW5kIQ", encoding="url_raw"), "hello friend!")
# the two alphabets differ in 62 and 63
assert_eq(base64.encode("\xfb\xff", encoding="standard"), "+/8=")
assert_eq(base64.encode("\xfb\xff", encoding="url"), "-_8=")
"#,
    );
}

#[test]
fn base64_errors() {
    fails(
        "^1",
        r#"load("encoding/base64.star", "base64")
base64.decode("not base64!!")"#,
        "base64.decode: illegal base64 data",
    );
    fails(
        "^1",
        r#"load("encoding/base64.star", "base64")
base64.encode("x", encoding="hex")"#,
        "base64.encode: unsupported encoding format",
    );
}

#[test]
fn re_shapes() {
    both(
        r#"
load("re.star", "re")
match_pattern = r"(\w*)\s*(ADD|REM|DEL|EXT|TRF)\s*(.*)\s*(NAT|INT)\s*(.*)\s*(\(\w{2}\))\s*(.*)"
match_test = "EDM ADD FROM INJURED NAT Jordan BEAULIEU (DB) Western University"
match_r = re.compile(match_pattern)
want = [(match_test, "EDM", "ADD", "FROM INJURED ", "NAT", "Jordan BEAULIEU ", "(DB)", "Western University")]
assert_eq(re.match(match_pattern, match_test), want)
assert_eq(match_r.match(match_test), want)
assert_eq(re.sub(match_pattern, "", match_test), "")
assert_eq(match_r.sub("", match_test), "")
assert_eq(type(match_r), "regexp")

space_r = re.compile(" ")
assert_eq(re.split(" ", "foo bar baz bat"), ("foo", "bar", "baz", "bat"))
assert_eq(space_r.split("foo bar baz bat"), ("foo", "bar", "baz", "bat"))
assert_eq(re.split(" ", "foo bar baz bat", maxsplit=2), ("foo", "bar baz bat"))

foo_r = re.compile("foo")
assert_eq(re.findall("foo", "foo bar baz"), ("foo",))
assert_eq(foo_r.findall("foo bar baz"), ("foo",))
assert_eq(re.findall(r"\d+", "a1 b22 c333"), ("1", "22", "333"))

# search: byte offsets of the first match, or None
assert_eq(re.search("b+", "aabbbcc"), [2, 5])
assert_eq(re.search("z", "abc"), None)
assert_eq(foo_r.search("xxfoo"), [2, 5])

# groups that did not take part are empty strings; one tuple per match
assert_eq(re.match("(a)|(b)", "ab"), [("a", "a", ""), ("b", "", "b")])
assert_eq(re.match("x", "abc"), [])

# Go's replacement syntax
assert_eq(re.sub(r"(\w+)@(\w+)", "$2 at ${1}", "bob@example"), "example at bob")
assert_eq(re.sub("a", "b", "aaa", count=2), "bba")
# Go's \w is ASCII, while . and (?i) are Unicode-aware
assert_eq(re.findall(r"\w+", "héllo"), ("h", "llo"))
assert_eq(re.findall(r"(?i)É", "éÉ"), ("é", "É"))
"#,
    );
}

#[test]
fn re_bad_pattern() {
    fails(
        "^1",
        r#"load("re.star", "re")
re.compile("(unclosed")"#,
        "re.compile: invalid pattern \"(unclosed\"",
    );
    fails(
        "^2",
        r#"load("re.star", "re")
re.findall("a[", "a")"#,
        "re.findall: invalid pattern",
    );
}

#[test]
fn yaml_round_trips() {
    both(
        r#"
load("encoding/yaml.star", "yaml")
yaml_list = """- Apple
- Orange
- Strawberry
- Mango
"""
native_list = ["Apple", "Orange", "Strawberry", "Mango"]
assert_eq(yaml.loads(yaml_list), native_list)
assert_eq(yaml.dumps(native_list), yaml_list)

yaml_dict = """martin:
  job: Developer
  name: Martin D'vloper
  skill: Elite
"""
native_dict = {"martin": {"name": "Martin D'vloper", "job": "Developer", "skill": "Elite"}}
assert_eq(yaml.loads(yaml_dict), native_dict)
assert_eq(yaml.dumps(native_dict), yaml_dict)

# go-yaml v2's layout: sequences under keys not indented, sorted keys
# ("y" is quoted: YAML 1.1 reads a bare y as True)
nested = {"b": [1, 2.5, {"y": True, "x": None}], "a": {"c": [[1, 2], []], "d": {}}}
want = """a:
  c:
  - - 1
    - 2
  - []
  d: {}
b:
- 1
- 2.5
- x: null
  "y": true
"""
assert_eq(yaml.dumps(nested), want)
assert_eq(yaml.loads(want), nested)

# strings that would read back as something else are quoted
assert_eq(yaml.dumps(["yes", "123", "", "1.5", "null", "a: b", "- x", "ok"]),
          '- "yes"\n- "123"\n- ""\n- "1.5"\n- "null"\n- \'a: b\'\n- \'- x\'\n- ok\n')
assert_eq(yaml.dumps("tab\there"), '"tab\\there"\n')
assert_eq(yaml.dumps({"k": "two\nlines"}), "k: 'two\n\n  lines'\n")
assert_eq(yaml.loads(yaml.dumps({"k": "two\nlines"})), {"k": "two\nlines"})
assert_eq(yaml.dumps(1000000.0), "1e+06\n")

# YAML 1.1 scalars, as go-yaml v2 reads them
assert_eq(yaml.loads("[yes, No, on, ~, 0x1f, 010, 1_000, .inf, '010', 2001-12-14]"),
          [True, False, True, None, 31, 8, 1000, float("inf"), "010", "2001-12-14"])
# anchors, aliases and merge keys
doc = """
base: &b {x: 1, z: 2}
child:
  <<: *b
  z: 3
again: *b
"""
assert_eq(yaml.loads(doc), {"base": {"x": 1, "z": 2}, "child": {"x": 1, "z": 3}, "again": {"x": 1, "z": 2}})
assert_eq(yaml.loads("y: 1"), {True: 1})
assert_eq(yaml.loads(""), None)
"#,
    );
}

#[test]
fn yaml_errors() {
    fails(
        "^1",
        r#"load("encoding/yaml.star", "yaml")
yaml.loads("a: [1, 2")"#,
        "yaml.loads: invalid YAML",
    );
    fails(
        "^1",
        r#"load("encoding/yaml.star", "yaml")
yaml.dumps({"a": set([1])})"#,
        "yaml.dumps: unsupported type: set",
    );
    fails(
        "^2",
        r#"load("encoding/yaml.star", "yaml")
l = []
l.append(l)
yaml.dumps(l)"#,
        "yaml.dumps: value nested deeper than",
    );
}

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
# line breaks are ignored when decoding, as in Go
assert_eq(base64.decode("aGVs\r\nbG8="), "hello")
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

/// Runs `src` under `req` with `name` bound to `bytes` (as a bytes value).
fn run_with_bytes(req: &str, src: &str, name: &str, bytes: Vec<u8>) -> Result<(), String> {
    let mut p = engine::Predeclared::default();
    p.insert(
        name.to_string(),
        engine::Value::Bytes(std::rc::Rc::new(bytes)),
    );
    run_with(req, src, test_config(), p).result.map(|_| ())
}

/// Runs `src` under 1.x with a 16 MiB budget and `name` bound to `value`;
/// asserts it fails on the budget inside `fname`.
#[track_caller]
fn refused_on_budget(src: &str, name: &str, value: engine::Value, fname: &str) {
    let release = starlib::release::select_str("^1").unwrap();
    let mut thread = release.new_thread();
    thread.set_loader(release.loader(test_config()));
    thread.set_memory_limit(16 << 20);
    let mut p = engine::Predeclared::default();
    p.insert(name.into(), value);
    let Err(engine::Error::Eval(e)) = thread.exec_file("t.star", src, p) else {
        panic!("{fname}: not refused")
    };
    assert_eq!(e.kind, engine::error::ErrorKind::Memory, "{}", e.msg);
    assert!(
        e.msg
            .starts_with(&format!("{fname}: memory limit exceeded")),
        "{}",
        e.msg
    );
}

fn gzip_bytes(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn gzip_decompresses() {
    let src = r#"
load("compress/gzip.star", "gzip")
out = gzip.decompress(data)
assert_eq(type(out), "bytes")
assert_eq(str(out), str(b"hello, gzip\n"))
assert_eq(len(out), 12)
"#;
    for req in ["^1", "^2"] {
        run_with_bytes(req, src, "data", gzip_bytes(b"hello, gzip\n")).unwrap();
    }
    // Two concatenated members read as one stream, as Go's reader does.
    let mut two = gzip_bytes(b"hello, ");
    two.extend(gzip_bytes(b"gzip\n"));
    run_with_bytes("^1", src, "data", two).unwrap();
}

#[test]
fn gzip_errors_and_bombs() {
    let e = run_with_bytes(
        "^1",
        r#"load("compress/gzip.star", "gzip")
gzip.decompress(data)"#,
        "data",
        b"not gzip at all".to_vec(),
    )
    .unwrap_err();
    assert!(e.contains("gzip.decompress: gzip: invalid header"), "{e}");
    // 64 MiB of zeros compress to ~64 KiB; a 16 MiB budget refuses it.
    let bomb = gzip_bytes(&vec![0u8; 64 << 20]);
    assert!(bomb.len() < 1 << 20);
    refused_on_budget(
        "load('compress/gzip.star', 'gzip')\nx = gzip.decompress(data)",
        "data",
        engine::Value::Bytes(std::rc::Rc::new(bomb)),
        "gzip.decompress",
    );
}

/// A zip archive shaped like Qri's testdata/hello_world.zip.
fn hello_world_zip() -> Vec<u8> {
    use std::io::Write;
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    w.add_directory("testdata/", opts).unwrap();
    w.add_directory("testdata/world/", opts).unwrap();
    w.start_file("testdata/world/world.txt", opts).unwrap();
    w.write_all(b"world\n").unwrap();
    w.start_file(
        "testdata/hello.txt",
        SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored),
    )
    .unwrap();
    w.write_all(b"hello\n").unwrap();
    w.finish().unwrap().into_inner()
}

#[test]
fn zipfile_reads_entries() {
    let src = r#"
load("zipfile.star", "ZipFile")
zr = ZipFile(hello_world_zip)
assert_eq(zr.namelist(), ["testdata/", "testdata/world/", "testdata/world/world.txt", "testdata/hello.txt"])
assert_eq(zr.open("testdata/hello.txt").read(), "hello\n")
assert_eq(zr.open("testdata/world/world.txt").read(), "world\n")
assert_eq(type(zr), "ZipFile")
"#;
    for req in ["^1", "^2"] {
        run_with_bytes(req, src, "hello_world_zip", hello_world_zip()).unwrap();
    }
    let e = run_with_bytes(
        "^1",
        r#"load("zipfile.star", "ZipFile")
ZipFile(hello_world_zip).open("nope.txt")"#,
        "hello_world_zip",
        hello_world_zip(),
    )
    .unwrap_err();
    assert!(e.contains("ZipFile.open: not found"), "{e}");
}

#[test]
fn zipfile_refuses_non_zip() {
    fails(
        "^1",
        r#"load("zipfile.star", "ZipFile")
ZipFile("this is not a zip archive")"#,
        "ZipFile: not a zip archive",
    );
}

const HTML_DOC: &str = r##"
htmlstr = """
<!DOCTYPE html>
<html>
<head>
  <title>example page</title>
</head>
<body id="A" class="le_body">
  <header id="B">Header Tag</header>
  <section id="C">
    <div id="D" class="le_div">
      <h1 id="E" data-name="foo">Heading One</h1>
      <p id="F" class="paragraph">Paragraph</p>
    </div>
  </section>
  <footer id="G">
    <a id="H" href="http://foo.com">link</a>
  </footer>
</body>
</html>
"""
"##;

#[test]
fn html_selections() {
    both(&format!(
        r##"
load("html.star", "html")
{HTML_DOC}
doc = html(htmlstr)
all_text = "\n  example page\n\n\n  Header Tag\n  \n    \n      Heading One\n      Paragraph\n    \n  \n  \n    link\n  \n\n\n"
assert_eq(doc.children().text(), all_text)
assert_eq(doc.contents().text(), all_text)
assert_eq(doc.find("#E").text(), "Heading One")
assert_eq(doc.find("body header").text(), "Header Tag")
assert_eq(doc.find("#F").text(), "Paragraph")
assert_eq(doc.find("#E").attr("data-name"), "foo")
assert_eq(doc.find("#E").attr("missing"), None)
assert_eq(doc.find("footer").children().attr("href"), "http://foo.com")
assert_eq(doc.find("#D").children_filtered("#E").attr("data-name"), "foo")
assert_eq(doc.find("#D").children().filter("h1").attr("data-name"), "foo")
assert_eq(doc.has("#B").find("header").text(), "Header Tag")
assert_eq(doc.find("#A").children().first().text(), "Header Tag")
assert_eq(doc.find("#A").children().last().text(), "\n    link\n  ")
assert_eq(doc.find("#A").children().eq(0).text(), "Header Tag")
assert_eq(doc.find("#A").children().eq(-1).get(), ("footer",))
assert_eq(doc.find("#A").children().len(), 3)
p = doc.find("p")
assert_eq(p.parent().attr("class"), "le_div")
assert_eq(p.parents_until("body").attr("class"), "le_div")
assert_eq(p.parents_until("body").get(), ("div", "section"))
assert_eq(p.siblings().text(), "Heading One")
assert_eq(p.get(), ("p",))
assert_eq(p.get(0), "p")
assert_eq(p.get(5), None)
assert_eq(p.is_selector("p"), True)
assert_eq(p.is_selector("div"), False)
assert_eq(doc.find("h1, p").get(), ("h1", "p"))
"##
    ));
}

#[test]
fn html_bad_selector() {
    fails(
        "^1",
        r#"load("html.star", "html")
html("<p>x</p>").find("p[")"#,
        "find: invalid selector \"p[\"",
    );
}

const SOUP_PAGE: &str = r#"
page = """<html>
  <head>
    <title>Sample page</title>
  </head>
  <body>
    <div id="header">header</div>
    <div id="content">
      <ul>
        <li>one</li>
        <li>two</li>
        <li>
          <b>three</b>
        </li>
      </ul>
    </div>
    <div class="footer main">
      <span id="abc" style="color:red;">foot</span>
    </div>
  </body>
</html>"""
def squash(v):
    return str(v).replace(" ", "").replace("\n", "")
"#;

#[test]
fn bsoup_nodes() {
    both(&format!(
        r##"
load("bsoup.star", "bsoup")
{SOUP_PAGE}
doc = bsoup.parseHtml(page)
assert_eq(squash(doc.find("ul")), "<ul><li>one</li><li>two</li><li><b>three</b></li></ul>")
assert_eq(squash(doc.find("ul").child("li")), "<li>one</li>")
assert_eq(squash(doc.find("ul").contents()), "[,<li>one</li>,,<li>two</li>,,<li><b>three</b></li>,]")
assert_eq(squash(doc.find("b").parent()), "<li><b>three</b></li>")
footer = '<divclass="footermain"><spanid="abc"style="color:red;">foot</span></div>'
assert_eq(squash(doc.find("div", {{"class": "footer"}})), footer)
assert_eq(squash(doc.find("", {{"class": "footer"}})), footer)
content = '<divid="content"><ul><li>one</li><li>two</li><li><b>three</b></li></ul></div>'
assert_eq(squash(doc.find("", {{"id": "content"}})), content)
assert_eq(squash(doc.find("", id="content")), content)
assert_eq(squash(doc.find(id="content")), content)
assert_eq(squash(doc.find(id="content").next_sibling().next_sibling()), footer)
assert_eq(squash(doc.find(id="content").prev_sibling().prev_sibling()), '<divid="header">header</div>')
assert_eq(doc.find("span").attrs(), {{"id": "abc", "style": "color:red;"}})
assert_eq([n.get_text() for n in doc.find_all("li")], ["one", "two", ""])
assert_eq(doc.find("title").get_text(), "Sample page")
assert_eq(doc.find("table"), None)
assert_eq(doc.find("ul").child("p"), None)
assert_eq(type(doc), "SoupNode")
"##
    ));
}

#[test]
fn bsoup_bad_arguments() {
    fails(
        "^1",
        r#"load("bsoup.star", "bsoup")
bsoup.parseHtml("<p>x</p>").find("p", "div")"#,
        "find: only one tagName parameter is allowed",
    );
}

/// A minimal two-sheet xlsx workbook, written part by part.
fn tiny_xlsx() -> Vec<u8> {
    use std::io::Write;
    use zip::write::SimpleFileOptions;
    let parts: &[(&str, &str)] = &[
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/><sheet name="Numbers" sheetId="2" r:id="rId2"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/></Relationships>"#,
        ),
        (
            "xl/worksheets/sheet1.xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>foo</t></is></c><c r="B1" t="inlineStr"><is><t>bar</t></is></c><c r="C1" t="inlineStr"><is><t>baz</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>bat</t></is></c><c r="B2" t="inlineStr"><is><t>cat</t></is></c><c r="C2" t="inlineStr"><is><t>mouse</t></is></c></row></sheetData></worksheet>"#,
        ),
        (
            "xl/worksheets/sheet2.xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="2"><c r="B2"><v>1.5</v></c><c r="C2"><v>42</v></c><c r="D2" t="b"><v>1</v></c></row></sheetData></worksheet>"#,
        ),
    ];
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, body) in parts {
        w.start_file(*name, opts).unwrap();
        w.write_all(body.as_bytes()).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Serves `files` (path → body; anything else 404) on 127.0.0.1 from a
/// background thread, one connection at a time; returns the base URL.
fn serve(files: Vec<(&'static str, Vec<u8>)>) -> String {
    use std::io::{BufRead, BufReader, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            if r.read_line(&mut line).is_err() {
                continue;
            }
            let path = line.split_whitespace().nth(1).unwrap_or("").to_string();
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).is_err() || h == "\r\n" || h.is_empty() {
                    break;
                }
            }
            let (status, body) = match files.iter().find(|(p, _)| *p == path) {
                Some((_, b)) => ("200 OK", b.clone()),
                None => ("404 Not Found", b"not found".to_vec()),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes());
            let _ = s.write_all(&body);
        }
    });
    url
}

#[test]
fn xlsx_over_http() {
    let url = serve(vec![
        ("/eg_one.xlsx", tiny_xlsx()),
        ("/not.xlsx", b"plain text".to_vec()),
    ]);
    let src = r#"
load("xlsx.star", "xlsx")
file_1 = xlsx.get_url(test_server_url + "/eg_one.xlsx")
assert_eq(file_1.get_sheets(), {1: "Sheet1", 2: "Numbers"})
assert_eq(file_1.get_rows("Sheet1"), [["foo", "bar", "baz"], ["bat", "cat", "mouse"]])
assert_eq(file_1.get_rows("Numbers"), [["", "", "", ""], ["", "1.5", "42", "1"]])
"#;
    for req in ["^1", "^2"] {
        let mut p = engine::Predeclared::default();
        p.insert("test_server_url".into(), engine::Value::str(&url));
        run_with(req, src, test_config(), p).result.unwrap();
    }
    for (path, want) in [
        ("/not.xlsx", "xlsx.get_url: not an xlsx workbook"),
        ("/missing.xlsx", "returned status 404"),
    ] {
        let mut p = engine::Predeclared::default();
        p.insert("test_server_url".into(), engine::Value::str(&url));
        let src =
            format!("load(\"xlsx.star\", \"xlsx\")\nxlsx.get_url(test_server_url + \"{path}\")");
        let e = run_with("^1", &src, test_config(), p).result.unwrap_err();
        assert!(e.contains(want), "{e}");
    }
    // The host's guard applies: loopback is refused by default.
    let mut p = engine::Predeclared::default();
    p.insert("test_server_url".into(), engine::Value::str(&url));
    let e = run_with(
        "^1",
        "load(\"xlsx.star\", \"xlsx\")\nxlsx.get_url(test_server_url + \"/eg_one.xlsx\")",
        starlib::HostConfig::default(),
        p,
    )
    .result
    .unwrap_err();
    assert!(e.starts_with("xlsx.get_url: "), "{e}");
}

#[test]
fn geo_measures() {
    both(
        r#"
load("geo.star", "geo")
p1 = geo.Point(-44.34, 33)
assert_eq(p1.x, -44.34)
assert_eq(p1.lat, -44.34)
assert_eq(p1.y, 33)
assert_eq(p1.lng, 33)
p2 = geo.Point(-44, 33)
assert_eq(p1.distanceGeodesic(p2), 31742.52939277697)
assert_eq(geo.Point(1, 1).distance(geo.Point(2, 1)), 1)
assert_eq(geo.Point(1, 2), geo.Point(1, 2))
assert_eq(str(geo.Point(1, 2)), "(1.000000,2.000000)")

line = geo.Line([[1, 2], geo.Point(2, 2)])
assert_eq(line.length(), 1)
assert_eq(line.lengthGeodesic(), 111251.67796723428)
assert_eq(len(line), 2)
assert_eq(line[1].x, 2)

outer = [
    [-93.515625, 54.16243396806779],
    [-99.49218749999999, 42.5530802889558],
    [-72.0703125, 32.24997445586331],
    [-72.0703125, 43.83452678223682],
    [-72.0703125, 54.36775852406841],
    [-80.85937499999999, 57.326521225217064],
    [-93.515625, 54.16243396806779],
]
hole = [
    [-87.1875, 49.61070993807422],
    [-87.890625, 44.59046718130883],
    [-81.2109375, 43.83452678223682],
    [-80.5078125, 48.22467264956519],
    [-87.1875, 49.61070993807422],
]
p = geo.Polygon([outer, hole])
poly1 = geo.Polygon([outer])
assert_eq(geo.within(geo.Point(-65.390625, 48.45835188280866), poly1), False)
assert_eq(geo.within(geo.Point(-93.5, 53.1), poly1), True)
in_hole = geo.Point(-84, 47)
assert_eq(geo.within(in_hole, poly1), True)
assert_eq(geo.within(in_hole, p), False)
combine_poly = geo.MultiPolygon([poly1, p])
assert_eq(len(combine_poly), 2)
assert_eq(geo.within(in_hole, combine_poly), True)
assert_eq(geo.within(geo.Line([[-93.5, 53.1], [-84, 47]]), p), False)

geoms, properties = geo.parseGeoJSON('''{
  "type": "FeatureCollection",
  "features": [
    {"type": "Feature", "properties": {"ufo_sightings": 20, "population": 40},
     "geometry": {"type": "Point", "coordinates": [-103.0078125, 38.272688535980976]}},
    {"type": "Feature", "properties": {"ufo_sightings": 100, "population": 2},
     "geometry": {"type": "LineString", "coordinates": [[-87.1875, 47.989921667414194], [1, 2]]}}
  ]
}''')
assert_eq(geoms[0].lat, -103.0078125)
assert_eq(geoms[0].lng, 38.272688535980976)
assert_eq(type(geoms[1]), "Line")
assert_eq(properties[1]["ufo_sightings"], 100)
"#,
    );
}

#[test]
fn geo_errors() {
    fails(
        "^1",
        r#"load("geo.star", "geo")
geo.Polygon([[[0, 0], [1, 1], [1, 0]]])"#,
        "geo.Polygon: line 0 is not closed",
    );
    fails(
        "^1",
        r#"load("geo.star", "geo")
geo.parseGeoJSON("{not json")"#,
        "geo.parseGeoJSON: invalid JSON",
    );
}

#[test]
fn v04_json_and_math_names_in_1x_only() {
    ok(
        "^1",
        r#"
load("encoding/json.star", "json")
load("math.star", "math")
assert_eq(json.loads('{"a": [1, 2.5, null]}'), {"a": [1, 2.5, None]})
assert_eq(json.dumps({"a": [1, True]}), '{"a":[1,true]}')
assert_eq(json.dumps({"a": 1}, indent=2), '{\n  "a": 1\n}')
assert_eq(math.tau, 2 * math.pi)
assert_eq(math.phi, 1.618033988749895)
assert_eq(math.inf, float("inf"))
assert_eq(str(math.nan), "nan")
"#,
    );
    fails(
        "^2",
        r#"load("encoding/json.star", "json")
json.loads("1")"#,
        "loads",
    );
    fails(
        "^2",
        r#"load("math.star", "math")
math.tau"#,
        "tau",
    );
}

#[test]
fn zipfile_bomb_refused() {
    use std::io::Write;
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(false);
    w.start_file("zeros.bin", opts).unwrap();
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..64 {
        w.write_all(&chunk).unwrap();
    }
    let bomb = w.finish().unwrap().into_inner();
    assert!(bomb.len() < 1 << 20);
    refused_on_budget(
        "load('zipfile.star', 'ZipFile')\nx = ZipFile(data).open('zeros.bin').read()",
        "data",
        engine::Value::Bytes(std::rc::Rc::new(bomb)),
        "ZipInfo.read",
    );
}

#[test]
fn yaml_aliases_copy_and_laughs_run_out_of_budget() {
    ok(
        "^1",
        r#"
load("encoding/yaml.star", "yaml")
d = yaml.loads("a: &x [1, 2]\nb: *x\n")
d["b"].append(3)
assert_eq(d["a"], [1, 2])
"#,
    );
    let mut doc = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        doc.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    refused_on_budget(
        "load('encoding/yaml.star', 'yaml')\nx = yaml.loads(doc)",
        "doc",
        engine::Value::str(&doc),
        "yaml.loads",
    );
}

//! The `http` module against a real HTTP server on 127.0.0.1 started here:
//! every request feature, and every failure (timeout, 404, refused
//! connection, invalid JSON, oversized body, redirect limit, guard refusal).

mod common;
use common::*;
use engine::{Predeclared, Value};
use starlib::{Guard, HostConfig, Progress};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

struct Server {
    base: String,
    hits: Arc<AtomicUsize>,
}

fn respond(s: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &[u8]) {
    let mut head = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("transfer-encoding"))
    {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let _ = s.write_all(head.as_bytes());
    let _ = s.write_all(body);
}

fn handle(mut s: TcpStream, hits: Arc<AtomicUsize>, flaky: Arc<AtomicUsize>) {
    hits.fetch_add(1, Ordering::SeqCst);
    let mut r = BufReader::new(s.try_clone().unwrap());
    let mut line = String::new();
    if r.read_line(&mut line).is_err() {
        return;
    }
    let parts: Vec<&str> = line.split_whitespace().collect();
    let (method, target) = (parts[0].to_string(), parts[1].to_string());
    let mut headers = serde_json::Map::new();
    let mut len = 0usize;
    loop {
        let mut h = String::new();
        r.read_line(&mut h).unwrap();
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':').unwrap();
        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim().to_string());
        if k == "content-length" {
            len = v.parse().unwrap();
        }
        headers.insert(k, serde_json::Value::String(v));
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).unwrap();
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    match path {
        "/hello" => respond(
            &mut s,
            "200 OK",
            &[
                ("Content-Type", "text/plain".into()),
                ("X-Test", "yes".into()),
            ],
            b"hello",
        ),
        "/echo" => {
            let v = serde_json::json!({
                "method": method,
                "path": path,
                "query": query,
                "headers": headers,
                "body": String::from_utf8_lossy(&body),
            });
            respond(
                &mut s,
                "200 OK",
                &[("Content-Type", "application/json".into())],
                v.to_string().as_bytes(),
            )
        }
        "/json" => respond(
            &mut s,
            "200 OK",
            &[],
            br#"{"a": [1, 2.5, "x", null, true], "b": {"c": "d"}}"#,
        ),
        "/badjson" => respond(&mut s, "200 OK", &[], b"{not json"),
        "/missing" => respond(&mut s, "404 Not Found", &[], b"no such page"),
        "/slow" => {
            std::thread::sleep(Duration::from_millis(1500));
            respond(&mut s, "200 OK", &[], b"late")
        }
        "/big" => respond(&mut s, "200 OK", &[], &vec![b'x'; 5000]),
        "/trickle" => {
            // Headers at once, then one byte every 100 ms for 100 s.
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
            for _ in 0..1000 {
                if s.write_all(b"x").is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        "/chunked" => {
            let mut out = String::new();
            for _ in 0..10 {
                out.push_str(&format!("{:x}\r\n{}\r\n", 500, "y".repeat(500)));
            }
            out.push_str("0\r\n\r\n");
            respond(
                &mut s,
                "200 OK",
                &[("Transfer-Encoding", "chunked".into())],
                out.as_bytes(),
            )
        }
        "/flaky" => {
            if flaky.fetch_add(1, Ordering::SeqCst) < 2 {
                respond(&mut s, "503 Service Unavailable", &[], b"try again")
            } else {
                respond(&mut s, "200 OK", &[], b"recovered")
            }
        }
        p if p.starts_with("/redirect/") => {
            let n: u32 = p["/redirect/".len()..].parse().unwrap();
            if n == 0 {
                respond(&mut s, "200 OK", &[], b"arrived")
            } else {
                respond(
                    &mut s,
                    "302 Found",
                    &[("Location", format!("/redirect/{}", n - 1))],
                    b"",
                )
            }
        }
        _ => respond(&mut s, "500 Internal Server Error", &[], b"unknown path"),
    }
}

fn server() -> Server {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let flaky = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    std::thread::spawn(move || {
        for s in l.incoming().take(200).flatten() {
            let (h, f) = (h.clone(), flaky.clone());
            std::thread::spawn(move || handle(s, h, f));
        }
    });
    Server { base, hits }
}

fn pre(base: &str) -> Predeclared {
    let mut p = Predeclared::default();
    p.insert("BASE".into(), Value::from(base));
    p
}

fn run_http(cfg: HostConfig, base: &str, src: &str) -> Result<engine::Members, String> {
    let src = format!("load('http.star', 'http')\nload('encoding/json.star', 'json')\n{src}");
    run_with("^1", &src, cfg, pre(base)).result
}

#[track_caller]
fn http_ok(base: &str, src: &str) -> engine::Members {
    run_http(test_config(), base, src).unwrap_or_else(|e| panic!("{e}\n{src}"))
}

#[track_caller]
fn http_fails(cfg: HostConfig, base: &str, src: &str, want: &str) -> String {
    let e = run_http(cfg, base, src).expect_err("want failure");
    assert!(e.contains(want), "error {e:?} does not contain {want:?}");
    e
}

#[test]
fn get_response_fields() {
    let s = server();
    http_ok(
        &s.base,
        r#"
r = http.get(BASE + "/hello")
assert_eq(r.status_code, 200)
assert_eq(r.url, BASE + "/hello")
assert_eq(r.body(), "hello")
assert_eq(r.body(), "hello")
assert_eq(r.headers["Content-Type"], "text/plain")
assert_eq(r.headers["X-Test"], "yes")
assert_eq(r.encoding, "")
assert_eq(type(r), "struct")
j = http.get(BASE + "/json").json()
assert_eq(j, {"a": [1, 2.5, "x", None, True], "b": {"c": "d"}})
"#,
    );
}

/// Qri reported a response's `url` as Go renders the request: the URL as
/// written (no slash added after the port), params merged, keys sorted,
/// values query-escaped; after a redirect, where the request ended.
#[test]
fn response_url_as_qri_reports_it() {
    let s = server();
    http_ok(
        &s.base,
        r#"
r = http.get(BASE, params = {"c": "d", "a": "b b/~*"})
assert_eq(r.url, BASE + "?a=b+b%2F~%2A&c=d")
r = http.get(BASE + "/hello?c=old&z=1#frag", params = {"c": "new"})
assert_eq(r.url, BASE + "/hello?c=new&z=1#frag")
assert_eq(http.get(BASE + "/hello").url, BASE + "/hello")
assert_eq(http.get(BASE + "/redirect/2").url, BASE + "/redirect/0")
"#,
    );
}

#[test]
fn request_features() {
    let s = server();
    http_ok(
        &s.base,
        r#"
e1 = http.get(BASE + "/echo?z=1&a=old", params = {"a": "new", "b": "x y"}, headers = {"X-Custom": "v"}).json()
assert_eq(e1["method"], "GET")
assert_eq(e1["query"], "a=new&b=x+y&z=1")
assert_eq(e1["headers"]["x-custom"], "v")
assert_true(e1["headers"]["user-agent"].startswith("quarry-starlib/"))

e2 = http.get(BASE + "/echo", auth = ("user", "pass")).json()
assert_eq(e2["headers"]["authorization"], "Basic dXNlcjpwYXNz")

e3 = http.post(BASE + "/echo", body = "raw text").json()
assert_eq([e3["method"], e3["body"]], ["POST", "raw text"])

e4 = http.put(BASE + "/echo", json_body = {"k": [1, 2], "s": "x"}).json()
assert_eq(e4["method"], "PUT")
assert_eq(json.decode(e4["body"]), {"k": [1, 2], "s": "x"})
assert_eq(e4["headers"]["content-type"], "application/json")

e5 = http.patch(BASE + "/echo", form_body = {"a": "1", "b": "x y"}).json()
assert_eq(e5["method"], "PATCH")
assert_eq(e5["body"], "a=1&b=x+y")
assert_eq(e5["headers"]["content-type"], "application/x-www-form-urlencoded")

e6 = http.post(BASE + "/echo", form_body = {"a": "1"}, form_encoding = "multipart/form-data").json()
assert_true(e6["headers"]["content-type"].startswith("multipart/form-data; boundary="))
assert_true('name="a"' in e6["body"] and "\r\n1\r\n" in e6["body"])

assert_eq(http.delete(BASE + "/echo").json()["method"], "DELETE")
assert_eq(http.options(BASE + "/echo").json()["method"], "OPTIONS")
e7 = http.post(BASE + "/echo", json_body = [1], headers = {"Content-Type": "application/vnd.x+json"}).json()
assert_eq(e7["headers"]["content-type"], "application/vnd.x+json")
"#,
    );
}

#[test]
fn not_found_is_a_response() {
    let s = server();
    http_ok(
        &s.base,
        r#"
r = http.get(BASE + "/missing")
assert_eq(r.status_code, 404)
assert_eq(r.body(), "no such page")
"#,
    );
}

#[test]
fn redirects_followed_and_limited() {
    let s = server();
    http_ok(
        &s.base,
        r#"
r = http.get(BASE + "/redirect/3")
assert_eq(r.body(), "arrived")
assert_eq(r.url, BASE + "/redirect/0")
"#,
    );
    let mut cfg = test_config();
    cfg.http.max_redirects = 2;
    http_fails(
        cfg,
        &s.base,
        r#"http.get(BASE + "/redirect/5")"#,
        "stopped after 2 redirects",
    );
}

#[test]
fn timeout() {
    let s = server();
    let mut cfg = test_config();
    cfg.http.timeout = Duration::from_millis(300);
    http_fails(
        cfg,
        &s.base,
        r#"http.get(BASE + "/slow")"#,
        "http.get: request to",
    );
    let mut cfg = test_config();
    cfg.http.timeout = Duration::from_millis(300);
    http_fails(
        cfg,
        &s.base,
        r#"http.get(BASE + "/slow")"#,
        "timed out after 300ms",
    );
}

#[test]
fn refused_connection() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    drop(l);
    let e = http_fails(
        test_config(),
        &base,
        r#"http.get(BASE + "/x")"#,
        "http.get: cannot connect to",
    );
    assert!(e.to_lowercase().contains("refused"), "{e}");
}

#[test]
fn invalid_json() {
    let s = server();
    http_fails(
        test_config(),
        &s.base,
        r#"http.get(BASE + "/badjson").json()"#,
        "json: response body is not valid JSON",
    );
}

#[test]
fn oversized_body() {
    let s = server();
    let mut cfg = test_config();
    cfg.http.max_response_bytes = 1000;
    http_fails(
        cfg.clone(),
        &s.base,
        r#"http.get(BASE + "/big")"#,
        "is 5000 bytes, larger than the limit of 1000 bytes",
    );
    // Without a Content-Length the cap applies while streaming.
    http_fails(
        cfg,
        &s.base,
        r#"http.get(BASE + "/chunked")"#,
        "larger than the limit of 1000 bytes",
    );
    // Under the cap, a chunked body arrives whole and reports its encoding.
    http_ok(
        &s.base,
        r#"
r = http.get(BASE + "/chunked")
assert_eq(len(r.body()), 5000)
assert_eq(r.encoding, "chunked")
"#,
    );
}

#[test]
fn guard_refusals_before_sending() {
    let s = server();
    // Default guard: loopback is private.
    let cfg = HostConfig::default();
    let e = http_fails(
        cfg,
        &s.base,
        r#"http.get(BASE + "/hello")"#,
        "refused by the host's guard",
    );
    assert!(
        e.contains("127.0.0.1 is in 127.0.0.0/8 (Loopback)")
            && e.contains("--allow-private-network"),
        "{e}"
    );
    // Deny list wins.
    let cfg = HostConfig {
        guard: Guard {
            deny_hosts: vec!["127.0.0.1".into()],
            allow_private: true,
            ..Guard::default()
        },
        ..HostConfig::default()
    };
    http_fails(
        cfg,
        &s.base,
        r#"http.get(BASE + "/hello")"#,
        "127.0.0.1 is on the deny list",
    );
    // Allow list.
    let cfg = HostConfig {
        guard: Guard {
            allow_hosts: vec!["*.example.com".into()],
            allow_private: true,
            ..Guard::default()
        },
        ..HostConfig::default()
    };
    http_fails(
        cfg,
        &s.base,
        r#"http.get(BASE + "/hello")"#,
        "is not on the allow list (*.example.com)",
    );
    // localhost resolves to loopback too.
    http_fails(
        HostConfig::default(),
        "http://localhost:1",
        r#"http.get(BASE + "/")"#,
        "localhost resolves to",
    );
    assert_eq!(
        s.hits.load(Ordering::SeqCst),
        0,
        "guarded requests must not reach the server"
    );
}

#[test]
fn guard_address_classes() {
    use starlib::http::non_public;
    for a in [
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "127.0.0.1",
        "0.0.0.0",
        "100.64.0.1",
        "192.0.0.1",
        "192.0.0.170",
        "192.0.2.1",
        "192.88.99.1",
        "198.18.0.1",
        "198.19.255.255",
        "198.51.100.7",
        "203.0.113.9",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fd00::1",
        "fec0::1",
        "ff02::1",
        "100::1",
        "2001:2::1",
        "2001:db8::1",
        "3fff::1",
        "5f00::1",
        "::ffff:10.0.0.1",
        "::ffff:8.8.8.8",
        "::127.0.0.1",
        "::8.8.8.8",
        "64:ff9b::7f00:1",
        "64:ff9b::a9fe:a9fe",
        "64:ff9b:1::1",
        "2002:7f00:1::1",
        "2002:808:808::1",
        "2001:0:4136:e378:8000:63bf:80ff:fffe",
        "2001:0:808:808::1",
    ] {
        assert!(
            non_public(&a.parse().unwrap()).is_some(),
            "{a} should be blocked"
        );
    }
    for a in [
        "8.8.8.8",
        "1.1.1.1",
        "198.20.0.1",
        "192.0.3.1",
        "223.255.255.255",
        "2606:4700::1111",
        "2a00:1450::1",
        "64:ff9b::808:808",
    ] {
        assert!(
            non_public(&a.parse().unwrap()).is_none(),
            "{a} should be allowed: {:?}",
            non_public(&a.parse().unwrap())
        );
    }
    // Embedded IPv4 is decoded and named; blocks go by the registry's names.
    let why = |a: &str| non_public(&a.parse().unwrap()).unwrap();
    assert_eq!(
        why("64:ff9b::7f00:1"),
        "64:ff9b::7f00:1 embeds IPv4 127.0.0.1, which is in 127.0.0.0/8 (Loopback)"
    );
    assert_eq!(
        why("2002:7f00:1::1"),
        "2002:7f00:1::1 embeds IPv4 127.0.0.1, which is in 127.0.0.0/8 (Loopback)"
    );
    // Teredo: the client is stored inverted (127.0.0.1 as 80ff:fffe).
    assert!(why("2001:0:4136:e378:8000:63bf:80ff:fffe").contains("embeds IPv4 127.0.0.1"));
    assert_eq!(
        why("198.18.0.1"),
        "198.18.0.1 is in 198.18.0.0/15 (Benchmarking)"
    );
    assert_eq!(
        why("192.0.0.8"),
        "192.0.0.8 is in 192.0.0.8/32 (IPv4 dummy address)"
    );
    assert_eq!(
        why("fec0::1"),
        "fec0::1 is in fec0::/10 (Site-Local (deprecated))"
    );
    assert_eq!(
        why("::ffff:8.8.8.8"),
        "::ffff:8.8.8.8 is in ::ffff:0:0/96 (IPv4-mapped Address)"
    );
}

#[test]
fn guard_refuses_special_purpose_urls_before_connecting() {
    let s = server();
    let port = s.base.rsplit(':').next().unwrap().to_string();
    for host in [
        "[::127.0.0.1]",
        "[::ffff:127.0.0.1]",
        "[64:ff9b::7f00:1]",
        "[64:ff9b:1::7f00:1]",
        "[2002:7f00:1::1]",
        "[2001:0:4136:e378:8000:63bf:80ff:fffe]",
        "[fec0::1]",
        "[::]",
        "198.18.0.1",
        "198.19.1.1",
        "240.0.0.1",
        "192.0.0.1",
        "0x7f.1",
        "2130706433",
    ] {
        let e = http_fails(
            HostConfig::default(),
            &format!("http://{host}:{port}"),
            r#"http.get(BASE + "/hello")"#,
            "refused by the host's guard",
        );
        assert!(e.contains("--allow-private-network"), "{e}");
    }
    assert_eq!(
        s.hits.load(Ordering::SeqCst),
        0,
        "refused addresses must not be connected to"
    );
}

/// [`http_fails`], within `secs` seconds.
#[track_caller]
fn http_fails_within(secs: u64, cfg: HostConfig, base: &str, src: &str, want: &str) -> String {
    let start = std::time::Instant::now();
    let e = http_fails(cfg, base, src, want);
    let took = start.elapsed();
    assert!(took < Duration::from_secs(secs), "took {took:?}: {e}");
    e
}

#[test]
fn http_timeout_is_one_deadline_for_a_trickling_body() {
    let s = server();
    let mut cfg = test_config();
    cfg.http.timeout = Duration::from_millis(600);
    let trickle = r#"http.get(BASE + "/trickle")"#;
    let e = http_fails_within(3, cfg, &s.base, trickle, "timed out after 600ms");
    assert!(e.contains("reading the body of"), "{e}");
}

#[test]
fn run_deadline_bounds_every_request() {
    let s = server();
    let mut cfg = test_config();
    cfg.deadline = Some(std::time::Instant::now() + Duration::from_millis(700));
    let trickle = r#"http.get(BASE + "/trickle")"#;
    http_fails_within(
        3,
        cfg.clone(),
        &s.base,
        trickle,
        "(the time left in the run)",
    );
    // Past the deadline, no request starts.
    let hello = r#"http.get(BASE + "/hello")"#;
    http_fails(cfg, &s.base, hello, "no time left in the run");
    // Retries wait no longer than the run has left.
    let mut cfg = test_config();
    cfg.http.retry.max_retries = 5;
    cfg.http.retry.initial_backoff = Duration::from_secs(10);
    cfg.deadline = Some(std::time::Instant::now() + Duration::from_millis(500));
    http_fails_within(3, cfg, &s.base, r#"http.get(BASE + "/slow")"#, "timed out");
}

#[test]
fn retries_with_backoff() {
    let s = server();
    let mut cfg = test_config();
    cfg.http.retry.max_retries = 3;
    cfg.http.retry.initial_backoff = Duration::from_millis(10);
    let m = run_http(
        cfg,
        &s.base,
        "r = http.get(BASE + '/flaky')\nb = r.body()\nc = r.status_code",
    )
    .unwrap();
    assert_eq!(get_str(&m, "b"), "recovered");
    assert_eq!(get_str(&m, "c"), "200");
    // Without retries, the 503 is returned as is.
    let s = server();
    let m = run_http(
        test_config(),
        &s.base,
        "c = http.get(BASE + '/flaky').status_code",
    )
    .unwrap();
    assert_eq!(get_str(&m, "c"), "503");
}

#[test]
fn progress_hook() {
    let s = server();
    let events: Arc<Mutex<Vec<Progress>>> = Arc::default();
    let e2 = events.clone();
    let mut cfg = test_config();
    cfg.progress = Some(Arc::new(move |p: &Progress| {
        e2.lock().unwrap().push(p.clone())
    }));
    run_http(cfg, &s.base, "http.get(BASE + '/big')").unwrap();
    let ev = events.lock().unwrap();
    let last = ev.last().expect("progress reported");
    assert!(last.done);
    assert_eq!(last.bytes, 5000);
    assert_eq!(last.total, Some(5000));
    assert!(last.url.ends_with("/big"));
}

#[test]
fn bad_arguments() {
    let s = server();
    let c = test_config;
    http_fails(
        c(),
        &s.base,
        "http.get(1)",
        "http.get: for parameter url: got int, want string",
    );
    http_fails(
        c(),
        &s.base,
        "http.get()",
        "http.get: missing argument for url",
    );
    http_fails(
        c(),
        &s.base,
        "http.get('not a url')",
        "http.get: invalid URL \"not a url\"",
    );
    http_fails(
        c(),
        &s.base,
        "http.get('ftp://x/')",
        "unsupported URL scheme \"ftp\"",
    );
    http_fails(
        c(),
        &s.base,
        "http.get(BASE, params = {'a': 1})",
        "for parameter params: value for key \"a\" must be a string, got int",
    );
    http_fails(
        c(),
        &s.base,
        "http.get(BASE, params = [1])",
        "http.get: for parameter params: got list, want dict",
    );
    http_fails(
        c(),
        &s.base,
        "http.get(BASE, headers = {1: 'x'})",
        "for parameter headers: keys must be strings",
    );
    http_fails(
        c(),
        &s.base,
        "http.get(BASE, auth = ('a',))",
        "expected two values for auth params tuple",
    );
    http_fails(
        c(),
        &s.base,
        "http.get(BASE, auth = 'a')",
        "for parameter auth: got string, want tuple",
    );
    http_fails(
        c(),
        &s.base,
        "http.post(BASE, body = 'x', json_body = {})",
        "give only one of body, json_body and form_body",
    );
    http_fails(
        c(),
        &s.base,
        "http.post(BASE, form_body = {'a': 'b'}, form_encoding = 'text/xml')",
        "unsupported form_encoding",
    );
    http_fails(
        c(),
        &s.base,
        "http.post(BASE, body = 1)",
        "for parameter body: got int, want string",
    );
    http_fails(
        c(),
        &s.base,
        "http.post(BASE, json_body = lambda: 1)",
        "for parameter json_body",
    );
    http_fails(
        c(),
        &s.base,
        "http.get(BASE, nope = 1)",
        "http.get: unexpected keyword argument \"nope\"",
    );
    http_fails(
        c(),
        &s.base,
        "http.get(BASE + '/hello').body(1)",
        "body: got 1 argument",
    );
}

#[test]
fn positional_parameters_in_qri_order() {
    let s = server();
    // url, params, headers, body, form_body, form_encoding, json_body, auth
    http_ok(
        &s.base,
        r#"
e = http.post(BASE + "/echo", {"p": "1"}, {"X-H": "h"}, "", {}, "", {"j": 1}, ("u", "p")).json()
assert_eq(e["query"], "p=1")
assert_eq(e["headers"]["x-h"], "h")
assert_eq(json.decode(e["body"]), {"j": 1})
assert_eq(e["headers"]["authorization"], "Basic dTpw")
"#,
    );
}

//! Security properties through the real `quarry` binary: redaction at the
//! print cap and in CSV and URL forms, `fs` under a concurrent symlink swap,
//! the http guard's special-purpose addresses, and the http deadline.
//! Every test has its own store (`--repo`); network traffic stays on
//! 127.0.0.1, on servers started here.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::{text, Env};

impl Env {
    /// Writes a script into the transform directory; returns its path.
    fn script(&self, name: &str, body: &str) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        p.to_string_lossy().into_owned()
    }

    /// Runs and expects `code`; returns stdout and stderr together.
    fn expect(&self, code: i32, args: &[&str]) -> String {
        let out = self.run(args);
        let both = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(code), "quarry {args:?}\n{both}");
        both
    }

    /// Every byte the store holds (database, WAL, blobs).
    fn store_bytes(&self) -> Vec<u8> {
        let mut all = Vec::new();
        for f in walk(self.home.path()) {
            all.extend(std::fs::read(f).unwrap_or_default());
        }
        all
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Item 13: a line over the 1 MiB print cap is redacted before it is cut,
/// and the beginning of a secret left at the cut is dropped, in what is
/// printed, in `log --json` and in the store.
#[test]
fn print_never_keeps_half_a_secret_at_the_line_cap() {
    let env = Env::new();
    let secret = "Zq9kP2x7-secret-token";
    let s = env.script(
        "t.star",
        "def transform(ds):\n    s = secrets.get(\"k\")\n    print(\"x\" * (1048576 - 6) + s)\n    print([\"y\" * (1048576 - 9) + s])\n    ds.body = [[\"a\"], [1]]\n",
    );
    let arg = format!("k={secret}");
    let out = env.expect(0, &["save", "me/p", "--file", &s, "--secret", &arg]);
    let log = env.expect(0, &["--json", "log", "me/p"]);
    assert!(log.contains('…'), "the run output is kept and cut");
    let stored = env.store_bytes();
    let prefix = &secret[..5];
    for (what, bytes) in [
        ("output", out.as_bytes()),
        ("log --json", log.as_bytes()),
        ("store", &stored),
    ] {
        assert!(!contains(bytes, prefix), "{prefix:?} found in {what}");
    }
}

/// Item 14: a secret quoted as a CSV field (`"` doubled), percent-encoded
/// in a URL's userinfo by the parser, or lower-cased in a host name is
/// redacted from output, errors and the stored version.
#[test]
fn secrets_quoted_as_csv_or_rewritten_by_the_url_parser_are_redacted() {
    let env = Env::new();
    let csv_secret = "ab\"cd,ef";
    let s = env.script(
        "csv.star",
        "load(\"encoding/csv.star\", \"csv\")\ndef transform(ds):\n    t = csv.write_all([[\"a\", secrets.get(\"k\")]])\n    print(t)\n    ds.readme = t\n    ds.body = [[\"a\"], [1]]\n",
    );
    let arg = format!("k={csv_secret}");
    let out = env.expect(0, &["save", "me/c", "--file", &s, "--secret", &arg]);
    assert!(out.contains("a,\"[redacted]\""), "{out}");
    let readme = env.expect(0, &["get", "readme", "me/c"]);
    assert!(readme.contains("[redacted]"), "{readme}");
    assert!(!contains(&env.store_bytes(), "ab\"\"cd"), "CSV form stored");

    // Userinfo: the parser encodes ^ and | there but leaves & and ! as they are.
    // Host: the parser lower-cases it. The allow list refuses both before any
    // name is resolved, quoting the parsed URL.
    for (secret, url) in [
        (
            "Tok^en&x|y!z",
            "\"http://user:\" + s + \"@example.invalid/\"",
        ),
        ("HostSecret42", "\"http://\" + s + \".example.invalid/\""),
    ] {
        let s = env.script(
            "url.star",
            &format!(
                "load(\"http.star\", \"http\")\ndef transform(ds):\n    s = secrets.get(\"k\")\n    http.get({url})\n"
            ),
        );
        let arg = format!("k={secret}");
        let err = env.expect(
            1,
            &["apply", &s, "--secret", &arg, "--allow-host", "127.0.0.1"],
        );
        assert!(err.contains("not on the allow list"), "{err}");
        assert!(err.contains("[redacted]"), "{err}");
        for leak in ["Tok%5Een&x%7Cy!z", "hostsecret42", "HostSecret42"] {
            assert!(!err.contains(leak), "{leak} in {err}");
        }
    }
}

/// Swaps `a` and `b` atomically where the kernel can (so `d` always
/// exists), else by renaming through a third name.
fn swap(a: &Path, b: &Path) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::ffi::OsStrExt;
        let ca = std::ffi::CString::new(a.as_os_str().as_bytes()).unwrap();
        let cb = std::ffi::CString::new(b.as_os_str().as_bytes()).unwrap();
        // SAFETY: two valid NUL-terminated paths.
        let rc = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                ca.as_ptr(),
                libc::AT_FDCWD,
                cb.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if rc == 0 {
            return;
        }
    }
    let tmp = a.with_extension("swap");
    let _ = std::fs::rename(a, &tmp);
    let _ = std::fs::rename(b, a);
    let _ = std::fs::rename(&tmp, b);
}

/// Item 15: while another process swaps a directory of the transform for a
/// symlink to a directory outside, over and over, scripts reading, listing
/// and testing paths through it in a loop never see outside (for 3 s).
#[cfg(unix)]
#[test]
fn fs_never_reads_outside_while_a_directory_is_swapped_for_a_symlink() {
    let env = Env::new();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("f.txt"), "OUTSIDE-LEAK").unwrap();
    std::fs::write(outside.path().join("only-outside.txt"), "OUTSIDE-LEAK").unwrap();
    let d = env.dir.path().join("d");
    std::fs::create_dir(&d).unwrap();
    std::fs::write(d.join("f.txt"), "inside").unwrap();
    let link = env.dir.path().join("d-link");
    std::os::unix::fs::symlink(outside.path(), &link).unwrap();
    let s = env.script(
        "race.star",
        "load(\"fs.star\", \"fs\")\ndef transform(ds):\n    for i in range(5000):\n        t = fs.read(\"d/f.txt\")\n        if t != \"inside\":\n            fail(\"LEAK read \" + t)\n        if \"only-outside.txt\" in fs.list(\"d\"):\n            fail(\"LEAK listed\")\n        if fs.exists(\"d/only-outside.txt\"):\n            fail(\"LEAK exists\")\n",
    );
    let stop = Arc::new(AtomicBool::new(false));
    let swaps = Arc::new(AtomicUsize::new(0));
    let swapper = {
        let (stop, swaps, d, link) = (stop.clone(), swaps.clone(), d.clone(), link.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                swap(&d, &link);
                swaps.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    let start = Instant::now();
    let mut runs = 0;
    let mut escapes_refused = 0;
    while start.elapsed() < Duration::from_secs(3) {
        let out = env.run(&["apply", &s, "--timeout", "20s"]);
        let both = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(
            !both.contains("LEAK") && !both.contains("OUTSIDE"),
            "read outside the transform's directory:\n{both}"
        );
        escapes_refused += usize::from(both.contains("outside the transform's directory"));
        runs += 1;
    }
    stop.store(true, Ordering::Relaxed);
    swapper.join().unwrap();
    assert!(
        runs >= 3 && swaps.load(Ordering::Relaxed) > 100,
        "{runs} runs"
    );
    assert!(escapes_refused > 0, "no run met the symlink in {runs} runs");
}

/// Item 16: IPv6 forms embedding a special IPv4 address, site-local, and
/// the reserved IPv4 blocks are refused before anything connects, with an
/// error naming --allow-private-network.
#[test]
fn http_refuses_special_purpose_addresses_in_every_form() {
    let env = Env::new();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let s = env.script(
        "get.star",
        "load(\"http.star\", \"http\")\ndef transform(ds):\n    http.get(config.get(\"url\"))\n",
    );
    for host in [
        "[::127.0.0.1]",
        "[::ffff:127.0.0.1]",
        "[64:ff9b::7f00:1]",
        "[2002:7f00:1::1]",
        "[fec0::1]",
        "198.18.0.1",
        "240.0.0.1",
        "192.0.0.1",
    ] {
        let url = format!("url=http://{host}:{port}/");
        let err = env.expect(1, &["apply", &s, "--config", &url]);
        assert!(err.contains("refused by the host's guard"), "{host}: {err}");
        assert!(err.contains("--allow-private-network"), "{host}: {err}");
    }
    assert!(
        listener.accept().is_err(),
        "a refused address was connected to"
    );
}

/// A server on 127.0.0.1 that sends headers, then one body byte a second.
fn trickle_server() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut b = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && s.read(&mut b).unwrap_or(0) == 1 {
                    head.push(b[0]);
                }
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
                for _ in 0..100 {
                    if s.write_all(b"x").is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_secs(1));
                }
            });
        }
    });
    url
}

/// Item 17: a server trickling its body cannot keep `http.get` past the
/// run's `--timeout`: apply and save fail in well under 10 s with a timeout
/// error, and nothing is committed.
#[test]
fn a_trickling_server_cannot_outlast_the_run_timeout() {
    let env = Env::new();
    let url = format!("url={}", trickle_server());
    let s = env.script(
        "slow.star",
        "load(\"http.star\", \"http\")\ndef transform(ds):\n    r = http.get(config.get(\"url\"))\n    ds.body = [[\"b\"], [r.body()]]\n",
    );
    for cmd in [vec!["apply", &s], vec!["save", "me/slow", "--file", &s]] {
        let mut args = cmd.clone();
        args.extend([
            "--timeout",
            "2s",
            "--allow-private-network",
            "--config",
            &url,
        ]);
        let start = Instant::now();
        let err = env.expect(1, &args);
        let took = start.elapsed();
        assert!(took < Duration::from_secs(6), "{cmd:?} took {took:?}");
        assert!(err.contains("timed out"), "{err}");
    }
    let err = env.expect(1, &["log", "me/slow"]);
    assert!(err.contains("me/slow"), "{err}");
}

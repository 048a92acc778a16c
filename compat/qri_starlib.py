#!/usr/bin/env python3
"""Run the module tests of Qri's starlib, unchanged, under `quarry test`.

For each module of Qri's starlib that has a `testdata/test.star` (and
`dataframe/testdata/index.star`), this runner extracts the test file and its
module's testdata from a starlib checkout, then runs `quarry test --starlib
1` on it with what Qri's Go test predeclared: `test_server_url` (a local
HTTP server on 127.0.0.1 started here, answering as the Go test's server
did) via `--var`, a file's bytes via `--var-file`, and
`--allow-private-network` so http can reach that server.

Nothing of Qri is stored here: tests and testdata are read from the
starlib checkout named on the command line.

Usage:
    python3 compat/qri_starlib.py --starlib /path/to/qri-io/starlib[.git] --quarry path/to/quarry

Then each `dataframe/testdata/X.star` that has an `X.expect.txt` runs with
`quarry run --starlib 1` in the extracted testdata directory, its output
compared with the expected text as Qri's runner compared them (both trimmed
of leading and trailing newlines).

Output: one `PASS`/`FAIL` line per test file (FAIL with quarry's report or
the first differing line), then `N of M ... pass unchanged` for each part.
Exit status 1 if any fails.
"""

import argparse
import http.server
import os
import subprocess
import sys
import tempfile
import threading

# module directory -> (test file, what the Go test predeclared)
#   ("server", KIND): test_server_url = a local server of that KIND
#   ("file", NAME, PATH): NAME = the bytes of testdata file PATH
TESTS = {
    "hash": ("hash/testdata/test.star", []),
    "encoding/base64": ("encoding/base64/testdata/test.star", []),
    "encoding/csv": ("encoding/csv/testdata/test.star", []),
    "encoding/yaml": ("encoding/yaml/testdata/test.star", []),
    "re": ("re/testdata/test.star", []),
    "html": ("html/testdata/test.star", []),
    "geo": ("geo/testdata/test.star", []),
    "http": ("http/testdata/test.star", [("server", "hello")]),
    "xlsx": ("xlsx/testdata/test.star", [("server", "files")]),
    "zipfile": ("zipfile/testdata/test.star",
                [("file", "hello_world_zip", "zipfile/testdata/hello_world.zip")]),
    "dataframe (index)": ("dataframe/testdata/index.star", []),
}


class Hello(http.server.BaseHTTPRequestHandler):
    """http_test.go's server: every request gets `{"hello":"world"}` with a
    fixed Date header."""

    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        body = b'{"hello":"world"}'
        self.send_response_only(200)
        self.send_header("Date", "Mon, 01 Jun 2000 00:00:00 GMT")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = answer

    def log_message(self, *args):
        pass


def file_server(root):
    """xlsx_test.go's server: the module's testdata directory."""

    class Files(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=root, **kw)

        def log_message(self, *args):
            pass

    return Files


def serve(handler):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, "http://127.0.0.1:%d" % srv.server_address[1]


class Starlib:
    def __init__(self, path):
        self.path = path

    def git(self, *args):
        return subprocess.run(["git", "-C", self.path] + list(args), check=True,
                              capture_output=True).stdout

    def files_under(self, folder):
        out = self.git("ls-tree", "-r", "--name-only", "HEAD", folder + "/")
        return [l for l in out.decode().splitlines() if l]

    def extract(self, folder, into):
        for f in self.files_under(folder):
            dest = os.path.join(into, f)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "wb") as out:
                out.write(self.git("show", "HEAD:" + f))


def run_test(args, lib, module, test, needs):
    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.dirname(os.path.dirname(test))
        lib.extract(os.path.dirname(test), tmp)
        cmd = [args.quarry, "test", "--starlib", "1"]
        servers = []
        for need in needs:
            if need[0] == "server":
                handler = Hello if need[1] == "hello" else file_server(
                    os.path.join(tmp, folder, "testdata"))
                srv, url = serve(handler)
                servers.append(srv)
                cmd += ["--allow-private-network", "--var", "test_server_url=" + url]
            elif need[0] == "file":
                cmd += ["--var-file", "%s=%s" % (need[1], os.path.join(tmp, need[2]))]
        cmd.append(os.path.join(tmp, test))
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        finally:
            for srv in servers:
                srv.shutdown()
        return r.returncode == 0, (r.stdout + r.stderr).replace(tmp + os.sep, "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--starlib", required=True, help="qri-io/starlib git directory")
    ap.add_argument("--quarry", required=True, help="the quarry binary")
    args = ap.parse_args()
    args.quarry = os.path.abspath(args.quarry) if os.sep in args.quarry else args.quarry
    lib = Starlib(args.starlib)
    passed = failed = 0
    for module, (test, needs) in TESTS.items():
        ok, report = run_test(args, lib, module, test, needs)
        if ok:
            passed += 1
            print("PASS %s" % module)
        else:
            failed += 1
            print("FAIL %s:\n%s" % (module, "\n".join("    " + l for l in report.splitlines())))
        sys.stdout.flush()
    print("%d of %d starlib module tests pass unchanged" % (passed, passed + failed))
    df_passed, df_failed = run_dataframe_scripts(args, lib)
    print("%d of %d dataframe scripts print Qri's expected output unchanged"
          % (df_passed, df_passed + df_failed))
    return 1 if failed or df_failed else 0


def run_dataframe_scripts(args, lib):
    """(passed, failed) over dataframe/testdata's scripts with expected output."""
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        lib.extract("dataframe/testdata", tmp)
        root = os.path.join(tmp, "dataframe", "testdata")
        for name in sorted(os.listdir(root)):
            if not name.endswith(".star"):
                continue
            expect = os.path.join(root, name[:-len(".star")] + ".expect.txt")
            if not os.path.exists(expect):
                continue
            r = subprocess.run([args.quarry, "run", "--starlib", "1", name], cwd=root,
                               capture_output=True, text=True, timeout=120)
            want = open(expect).read().strip("\n")
            got = r.stdout.strip("\n")
            if r.returncode == 0 and got == want:
                passed += 1
                print("PASS dataframe/%s" % name)
            else:
                failed += 1
                diff = next((i for i, (a, b) in enumerate(zip(want.splitlines(), got.splitlines()))
                             if a != b), None)
                why = r.stderr.strip().splitlines()[:1] if r.returncode else [
                    "line %s differs" % (diff + 1 if diff is not None else "count")]
                print("FAIL dataframe/%s: %s" % (name, "; ".join(why)))
            sys.stdout.flush()
    return passed, failed


if __name__ == "__main__":
    sys.exit(main())

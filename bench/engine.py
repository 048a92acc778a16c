#!/usr/bin/env python3
"""Engine benchmark: runs each program in bench/starlark under quarry,
starlark-go, CPython and starlark-rust, checks they print the same result,
and prints each one's best time and peak memory (max RSS) with quarry's
ratios against each peer, then the targets: faster than starlark-go and
CPython on every program, geometric mean within 1.3x of starlark-rust, peak
RSS at or below CPython's on every program.

Every program is plain Starlark that is also valid Python, written as a
user would (row-wise aggregation over dicts, string building and
splitting, float and integer loops, recursion, comprehensions, sorting with
keys, string methods, dict/set code, a table-free transform) and sized to
run at least a second in the fastest interpreter, so start-up is noise.

Usage: python3 bench/engine.py [--runs N] [--only NAME]   (from the repository root)
Builds what it needs: quarry (release), starlark-go (Go, GOPATH mode,
from Debian's golang-starlark-dev), starlark-rust (cargo install starlark_bin).
Peak RSS is read by GNU time (`apt-get install time`) around each process.
"""
import argparse, math, os, re, shutil, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROGRAMS = os.path.join(ROOT, "bench", "starlark")
TOOLS = os.path.join(ROOT, "target", "bench-tools")


def sh(cmd, **kw):
    print("+", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True, **kw)


def build():
    sh(["cargo", "build", "--release", "-q", "--bin", "quarry"], cwd=ROOT)
    os.makedirs(TOOLS, exist_ok=True)
    go_bin = os.path.join(TOOLS, "starlark-go")
    if not os.path.exists(go_bin):
        if not os.path.isdir("/usr/share/gocode/src/go.starlark.net"):
            sh(["apt-get", "install", "-y", "-qq", "golang-go", "golang-starlark-dev"])
        env = dict(os.environ, GOPATH="/usr/share/gocode", GO111MODULE="off", GOCACHE=os.path.join(TOOLS, "gocache"))
        sh(["go", "build", "-o", go_bin, "./bench/starlark-go/"], cwd=ROOT, env=env)
    rust_bin = os.path.join(TOOLS, "srust", "bin", "starlark")
    if not os.path.exists(rust_bin):
        sh(["cargo", "install", "--locked", "--root", os.path.join(TOOLS, "srust"), "starlark_bin"])
    return {
        "quarry": [os.path.join(ROOT, "target", "release", "quarry"), "run"],
        "starlark-go": [go_bin],
        "cpython": [sys.executable],
        "starlark-rust": [rust_bin],
    }


def run_once(cmd, path):
    """(seconds, stdout, peak RSS in KiB) of one run. GNU time forks the
    program from its own small process, so the peak is the program's, not
    this Python process's pages shared at fork."""
    with tempfile.NamedTemporaryFile("r") as rss:
        start = time.perf_counter()
        # Merge the streams: starlark-rust prints to stderr.
        p = subprocess.Popen(["/usr/bin/time", "-q", "-f", "%M", "-o", rss.name] + cmd + [path],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out, _ = p.communicate()
        elapsed = time.perf_counter() - start
        if p.returncode != 0:
            raise RuntimeError(f"{cmd[0]} failed on {path}: {out.decode(errors='replace')}")
        peak = int(rss.read().strip().splitlines()[-1])
    # starlark-rust appends a summary ("1 files, 0 errors, ...") to its output.
    lines = [l for l in out.decode().splitlines() if not re.match(r"^\d+ files?, \d+ errors", l)]
    return elapsed, "\n".join(lines), peak


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", help="run only programs whose name contains this")
    args = ap.parse_args()
    interps = build()
    names = list(interps)
    peers = ("starlark-go", "cpython", "starlark-rust")
    programs = sorted(f for f in os.listdir(PROGRAMS) if f.endswith(".star") and (not args.only or args.only in f))
    rows = []
    ok = True
    for prog in programs:
        path = os.path.join(PROGRAMS, prog)
        times, outputs, peaks = {}, {}, {}
        # Round-robin: each repetition runs every interpreter once, so a burst
        # of load from elsewhere on a shared machine hits them alike.
        for _ in range(args.runs):
            for name in names:
                t, out, peak = run_once(interps[name], path)
                times[name] = min(times.get(name, t), t)
                peaks[name] = max(peaks.get(name, 0), peak)
                outputs[name] = out
        agree = all(outputs[n] == outputs["quarry"] for n in names)
        if not agree:
            ok = False
            print(f"MISMATCH on {prog}: " + "; ".join(f"{n}={outputs[n].strip()!r}" for n in names))
        rows.append((prog, times, peaks))
        print(f"{prog}: " + ", ".join(f"{n} {times[n]:.2f}s {peaks[n] // 1024}MB" for n in names), file=sys.stderr)

    print()
    print("time (best of %d runs)" % args.runs)
    print(f"{'program':<22}" + "".join(f"{n:>15}" for n in names) + "   quarry speed-up vs go / cpython / rust")
    geo = {n: 0.0 for n in names}
    for prog, times, _ in rows:
        ratios = [times[p] / times["quarry"] for p in peers]
        for n in names:
            geo[n] += math.log(times[n])
        print(f"{prog:<22}" + "".join(f"{times[n]:>14.2f}s" for n in names)
              + "   " + " / ".join(f"{r:.2f}x" for r in ratios))
    k = len(rows)
    g = {n: math.exp(geo[n] / k) for n in names}
    print(f"{'geometric mean':<22}" + "".join(f"{g[n]:>14.2f}s" for n in names)
          + "   " + " / ".join(f"{g[p]/g['quarry']:.2f}x" for p in peers))
    print()
    print("peak memory (max RSS)")
    print(f"{'program':<22}" + "".join(f"{n:>15}" for n in names) + "   quarry / cpython")
    for prog, _, peaks in rows:
        print(f"{prog:<22}" + "".join(f"{peaks[n] / 1024:>13.0f}MB" for n in names)
              + f"   {peaks['quarry'] / peaks['cpython']:.2f}")
    print()
    short = [prog for prog, times, _ in rows if min(times.values()) < 1.0]
    if short:
        print(f"note: under 1 s in the fastest interpreter: {', '.join(short)}")
    slowest_vs = {p: min(t[p] / t["quarry"] for _, t, _ in rows) for p in ("starlark-go", "cpython")}
    print(f"target: faster than starlark-go and CPython on every program: "
          f"worst ratio vs starlark-go {slowest_vs['starlark-go']:.2f}x, vs CPython {slowest_vs['cpython']:.2f}x "
          f"-> {'MET' if min(slowest_vs.values()) > 1 else 'NOT MET'}")
    rust_ratio = g["quarry"] / g["starlark-rust"]
    print(f"target: geometric mean within 1.3x of starlark-rust: quarry/rust = {rust_ratio:.2f} "
          f"-> {'MET' if rust_ratio <= 1.3 else 'NOT MET'}")
    over = [prog for prog, _, peaks in rows if peaks["quarry"] > peaks["cpython"]]
    print(f"target: peak RSS at or below CPython's on every program: "
          f"{'MET' if not over else 'NOT MET (over on ' + ', '.join(over) + ')'}")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()

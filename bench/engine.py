#!/usr/bin/env python3
"""Engine benchmark: runs each program in bench/starlark under quarry,
starlark-go, CPython and starlark-rust, checks they print the same result,
and prints each time with quarry's speed ratio against each peer.

Usage: python3 bench/engine.py [--runs N]   (from the repository root)
Builds what it needs: quarry (release), starlark-go (Go, GOPATH mode,
from Debian's golang-starlark-dev), starlark-rust (cargo install starlark_bin).
"""
import argparse, math, os, re, shutil, subprocess, sys, time

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
    rust_bin = shutil.which("starlark") or os.path.expanduser("~/.cargo/bin/starlark")
    if not os.path.exists(rust_bin):
        sh(["cargo", "install", "--locked", "starlark_bin"])
    return {
        "quarry": [os.path.join(ROOT, "target", "release", "quarry"), "run"],
        "starlark-go": [go_bin],
        "cpython": [sys.executable],
        "starlark-rust": [rust_bin],
    }


def run_once(cmd, path):
    """(seconds, stdout, max RSS in KiB) of one run."""
    start = time.perf_counter()
    # Merge the streams: starlark-rust prints to stderr.
    p = subprocess.Popen(cmd + [path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out, _ = p.communicate()
    elapsed = time.perf_counter() - start
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed on {path}: {out.decode(errors='replace')}")
    # starlark-rust appends a summary ("1 files, 0 errors, ...") to its output.
    lines = [l for l in out.decode().splitlines() if not re.match(r"^\d+ files?, \d+ errors", l)]
    return elapsed, "\n".join(lines), 0


def max_rss_kib(cmd, path):
    """Peak RSS as quarry itself reports it (`run --stats`): measuring from
    outside would count this Python process's pages, shared at fork."""
    out = subprocess.run(cmd + ["--stats", path], capture_output=True, text=True, check=True)
    m = re.search(r"peak_rss_kib=(\d+)", out.stderr)
    if not m:
        raise RuntimeError(f"no stats from {cmd}: {out.stderr}")
    return int(m.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    interps = build()
    names = list(interps)
    programs = sorted(f for f in os.listdir(PROGRAMS) if f.endswith(".star"))
    rows = []
    ok = True
    for prog in programs:
        path = os.path.join(PROGRAMS, prog)
        times, outputs = {}, {}
        # Round-robin: each repetition runs every interpreter once, so a burst
        # of load from elsewhere on a shared machine hits them alike.
        for _ in range(args.runs):
            for name in names:
                t, out, _ = run_once(interps[name], path)
                times[name] = min(times.get(name, t), t)
                outputs[name] = out
        agree = all(outputs[n] == outputs["quarry"] for n in names)
        if not agree:
            ok = False
            print(f"MISMATCH on {prog}: " + "; ".join(f"{n}={outputs[n].strip()!r}" for n in names))
        rows.append((prog, times))

    print()
    print(f"{'program':<22}" + "".join(f"{n:>15}" for n in names) + "   quarry speed-up vs go / cpython / rust")
    geo = {n: 0.0 for n in names}
    for prog, times in rows:
        ratios = [times[p] / times["quarry"] for p in ("starlark-go", "cpython", "starlark-rust")]
        for n in names:
            geo[n] += math.log(times[n])
        print(f"{prog:<22}" + "".join(f"{times[n]*1000:>13.0f}ms" for n in names)
              + "   " + " / ".join(f"{r:.2f}x" for r in ratios))
    k = len(rows)
    g = {n: math.exp(geo[n] / k) for n in names}
    print(f"{'geometric mean':<22}" + "".join(f"{g[n]*1000:>13.0f}ms" for n in names)
          + "   " + " / ".join(f"{g[p]/g['quarry']:.2f}x" for p in ("starlark-go", "cpython", "starlark-rust")))
    slowest_vs = {p: min(t[p] / t["quarry"] for _, t in rows) for p in ("starlark-go", "cpython")}
    print()
    print(f"target: faster than starlark-go and CPython on every program: "
          f"worst ratio vs starlark-go {slowest_vs['starlark-go']:.2f}x, vs CPython {slowest_vs['cpython']:.2f}x "
          f"-> {'MET' if min(slowest_vs.values()) > 1 else 'NOT MET'}")
    rust_ratio = g["quarry"] / g["starlark-rust"]
    print(f"target: geometric mean within 1.5x of starlark-rust: quarry/rust = {rust_ratio:.2f} "
          f"-> {'MET' if rust_ratio <= 1.5 else 'NOT MET'}")

    # Memory: a list of a million small ints.
    mem_dir = os.path.join(TOOLS, "mem")
    os.makedirs(mem_dir, exist_ok=True)
    base = os.path.join(mem_dir, "base.star")
    big = os.path.join(mem_dir, "million.star")
    open(base, "w").write("x = [0]\nprint(len(x))\n")
    open(big, "w").write("x = list(range(1000000))\nprint(len(x))\n")
    added = (max_rss_kib(interps["quarry"], big) - max_rss_kib(interps["quarry"], base)) / 1024
    print(f"target: a list of 1M small ints adds <= 24 MB: quarry adds {added:.1f} MB "
          f"-> {'MET' if added <= 24 else 'NOT MET'}")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()

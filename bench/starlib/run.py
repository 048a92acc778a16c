#!/usr/bin/env python3
"""starlib table benchmark: prints the ratios issue 4 asks for.

1. csv.read (Starlark, starlib 2.x) vs arrow-csv reading the same 1M-row,
   6-column (~60 MB) CSV in the same run: want >= 80% of arrow-csv's throughput.
2. filter + with_column + group_by in Starlark on tables vs polars doing the
   same: want within 1.5x of polars.
3. the same pipeline written row by row in Starlark: want >= 10x slower.
4. a table's memory vs its Arrow buffers: want <= 1.5x.

Usage (from the repository root): python3 bench/starlib/run.py [--runs N]
Installs polars with pip if it is missing; builds the Rust side with
`cargo bench -p starlib --bench pipeline` (release profile).
"""
import argparse, json, os, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "target", "bench-data", "starlib_1m.csv")
OUT = os.path.join(ROOT, "target", "bench-data", "starlib_rust.json")


def ensure_polars():
    try:
        import polars  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "polars"], check=True)


def polars_pipeline(runs):
    import polars as pl
    df = pl.read_csv(DATA)
    best = float("inf")
    groups = None
    for _ in range(runs):
        t = time.perf_counter()
        out = (
            df.filter(pl.col("a") > 0.5)
            .with_columns((pl.col("a") * pl.col("b")).alias("e"))
            .group_by("key")
            .agg(pl.col("e").sum(), pl.col("d").mean(), pl.col("b").max())
        )
        best = min(best, time.perf_counter() - t)
        groups = out.height
    return best, groups


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    os.makedirs(os.path.dirname(DATA), exist_ok=True)
    ensure_polars()
    subprocess.run(
        ["cargo", "bench", "-q", "-p", "starlib", "--bench", "pipeline", "--",
         "--csv", DATA, "--runs", str(a.runs), "--json", OUT],
        cwd=ROOT, check=True,
    )
    r = json.load(open(OUT))
    t_polars, groups = polars_pipeline(a.runs)
    assert groups == r["groups"], (groups, r["groups"])
    vs_polars = r["pipeline_s"] / t_polars
    vs_rows = r["row_by_row_s"] / r["pipeline_s"]
    mem = r["table_bytes"] / r["arrow_buffer_bytes"]
    checks = [
        ("csv.read throughput vs arrow-csv", r["csv_read_throughput_ratio"], ">= 0.80", r["csv_read_throughput_ratio"] >= 0.80),
        ("pipeline time vs polars", vs_polars, "<= 1.5", vs_polars <= 1.5),
        ("row-by-row time vs pipeline", vs_rows, ">= 10", vs_rows >= 10),
        ("table memory vs Arrow buffers", mem, "<= 1.5", mem <= 1.5),
    ]
    print(f"\npolars pipeline:       {t_polars:.4f} s ({groups} groups)")
    print("\nratio                                  value   want      ok")
    for name, v, want, ok in checks:
        print(f"{name:<38} {v:7.2f}   {want:<8}  {'yes' if ok else 'NO'}")
    passed = sum(1 for c in checks if c[3])
    print(f"\n{passed} passed, {len(checks) - passed} failed")
    sys.exit(0 if passed == len(checks) else 1)


if __name__ == "__main__":
    main()

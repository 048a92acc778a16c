//! Benchmark of the dataset store against the targets of its issue:
//!
//! * import + save a 1M-row, ~60 MB, 6-column CSV: >= 150 MB/s
//! * read a stored body back: >= 500 MB/s (of the CSV's size)
//! * `log` over 1,000 versions: < 50 ms
//! * keyed diff of two 1M-row versions differing in 1% of rows: < 1 s
//! * saving an unchanged body writes no new body blob
//!
//! Run with `cargo bench -p datasets` (release build). Set
//! `QUARRY_BENCH_STRICT=1` to exit non-zero when a target is missed, and
//! `QUARRY_BENCH_ROWS` to change the row count.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use datasets::{BodyInput, DiffOptions, Format, ImportOptions, NewVersion, Store};

const CITIES: [&str; 16] = [
    "Amsterdam",
    "Berlin",
    "Chicago",
    "Delhi",
    "Edinburgh",
    "Fukuoka",
    "Geneva",
    "Houston",
    "Istanbul",
    "Jakarta",
    "Kyiv",
    "Lagos",
    "Madrid",
    "Nairobi",
    "Oslo",
    "Porto",
];

/// Write the benchmark CSV: id, name, city, amount, quantity, created.
/// Every `change_every`-th row (if any) gets a different amount.
fn write_csv(path: &Path, rows: usize, change_every: Option<usize>) -> u64 {
    let f = std::fs::File::create(path).expect("create csv");
    let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
    writeln!(w, "id,name,city,amount,quantity,created").expect("write");
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..rows {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let mut amount = (x % 1_000_000) as f64 / 100.0;
        if let Some(n) = change_every {
            if i % n == 7 {
                amount += 1.0;
            }
        }
        let city = CITIES[(x >> 20) as usize % CITIES.len()];
        let qty = (x >> 32) % 1000;
        let day = 1 + (x >> 40) % 28;
        let month = 1 + (x >> 45) % 12;
        let secs = (x >> 50) % 86_400;
        writeln!(
            w,
            "{i},user_{:07x},{city},{amount:.2},{qty},2024-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            (x >> 8) & 0xFFF_FFFF,
            secs / 3600,
            (secs / 60) % 60,
            secs % 60
        )
        .expect("write");
    }
    w.flush().expect("flush");
    std::fs::metadata(path).expect("stat").len()
}

fn csv_input(path: &Path) -> BodyInput {
    BodyInput::File {
        path: path.to_path_buf(),
        format: Format::Csv,
        options: ImportOptions::default(),
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

struct Row {
    name: String,
    measured: String,
    target: &'static str,
    ok: bool,
}

fn main() {
    // `cargo bench` passes --bench; ignore arguments.
    let rows: usize = std::env::var("QUARRY_BENCH_ROWS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let tmp = tempfile::Builder::new()
        .prefix("quarry-bench")
        .tempdir()
        .expect("tempdir");
    let dir = tmp.path();
    let csv_a = dir.join("a.csv");
    let csv_b = dir.join("b.csv");
    let t = Instant::now();
    let size = write_csv(&csv_a, rows, None);
    write_csv(&csv_b, rows, Some(100));
    println!(
        "generated {rows} rows x 6 columns: {:.1} MB of CSV (x2) in {:.1} s; {} cores",
        mb(size),
        t.elapsed().as_secs_f64(),
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    let mut results = Vec::new();

    // 1. Import + save, best of 3, each into a fresh store.
    let mut times = Vec::new();
    let mut body_size = 0;
    for i in 0..3 {
        let store = Store::open(dir.join(format!("import{i}"))).expect("open");
        let t = Instant::now();
        let out = store
            .save("bench/import", NewVersion::new(csv_input(&csv_a), "import"))
            .expect("save");
        times.push(t.elapsed());
        assert_eq!(out.rows, rows as u64);
        body_size = out.body_size;
    }
    let best = times.iter().min().copied().unwrap_or_default();
    let rate = mb(size) / best.as_secs_f64();
    println!(
        "import+save runs: {} (Parquet body {:.1} MB, {:.1}x smaller)",
        times
            .iter()
            .map(|d| format!("{:.0} ms", ms(*d)))
            .collect::<Vec<_>>()
            .join(", "),
        mb(body_size),
        size as f64 / body_size as f64
    );
    results.push(Row {
        name: format!("import+save {rows}-row CSV ({:.0} MB)", mb(size)),
        measured: format!("{rate:.0} MB/s ({:.0} ms)", ms(best)),
        target: ">= 150 MB/s",
        ok: rate >= 150.0,
    });

    let store = Store::open(dir.join("main")).expect("open");
    let a = store
        .save("bench/body", NewVersion::new(csv_input(&csv_a), "a"))
        .expect("save a");

    // 2. Read the body back, best of 5 (hash verified, decoded to Arrow).
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        let body = store.body("bench/body").expect("read");
        let e = t.elapsed();
        assert_eq!(body.num_rows(), rows);
        best = best.min(e);
    }
    let rate = mb(size) / best.as_secs_f64();
    println!(
        "read body: {:.0} ms = {rate:.0} MB/s of CSV-equivalent data, {:.0} MB/s of Parquet",
        ms(best),
        mb(a.body_size) / best.as_secs_f64()
    );
    results.push(Row {
        name: "read stored body back".into(),
        measured: format!("{rate:.0} MB/s ({:.0} ms)", ms(best)),
        target: ">= 500 MB/s",
        ok: rate >= 500.0,
    });

    // 3. Unchanged body: the same CSV again writes no new body blob.
    let blobs_before = store.blobs().list().expect("list").0.len();
    let again = store
        .save("bench/body", NewVersion::new(csv_input(&csv_a), "again"))
        .expect("save again");
    let blobs_after = store.blobs().list().expect("list").0.len();
    let no_new = !again.body_written && again.body == a.body && blobs_after == blobs_before + 2;
    println!(
        "unchanged body: body_written={}, same hash={}, blobs {} -> {} (commit + manifest only)",
        again.body_written,
        again.body == a.body,
        blobs_before,
        blobs_after
    );
    results.push(Row {
        name: "unchanged body writes no new body blob".into(),
        measured: if no_new { "yes".into() } else { "no".into() },
        target: "yes",
        ok: no_new,
    });

    // 4. Keyed diff of two 1M-row versions differing in 1% of rows.
    store
        .save("bench/body", NewVersion::new(csv_input(&csv_b), "b"))
        .expect("save b");
    let opts = DiffOptions {
        key: vec!["id".into()],
        sample: 10,
    };
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let d = store
            .diff("bench/body@~1", "bench/body", &opts)
            .expect("diff");
        let e = t.elapsed();
        assert_eq!(d.body.changed, rows.div_ceil(100) as u64);
        assert_eq!(d.body.added + d.body.removed, 0);
        best = best.min(e);
    }
    println!(
        "keyed diff: {:.0} ms (reads both bodies, {} rows changed)",
        ms(best),
        rows.div_ceil(100)
    );
    results.push(Row {
        name: format!("keyed diff, {rows} rows, 1% changed"),
        measured: format!("{:.0} ms", ms(best)),
        target: "< 1000 ms",
        ok: best < Duration::from_secs(1),
    });

    // 4b. The same diff with the newer rows in another order (hash-join path).
    let b = store
        .body("bench/body")
        .expect("read b")
        .concat()
        .expect("concat");
    let mut perm: Vec<u32> = (0..rows as u32).collect();
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for i in (1..perm.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        perm.swap(i, (x % (i as u64 + 1)) as usize);
    }
    let shuffled = arrow_select::take::take_record_batch(&b, &arrow_array::UInt32Array::from(perm))
        .expect("take");
    let body = datasets::Body::new(b.schema(), vec![shuffled]).expect("body");
    store
        .save("bench/shuffled", NewVersion::from_body(body, "shuffled b"))
        .expect("save shuffled");
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let d = store
            .diff("bench/body@~1", "bench/shuffled", &opts)
            .expect("diff");
        best = best.min(t.elapsed());
        assert_eq!(d.body.changed, rows.div_ceil(100) as u64);
    }
    println!(
        "keyed diff with the newer rows reordered: {:.0} ms",
        ms(best)
    );
    results.push(Row {
        name: "  same, newer rows in another order".into(),
        measured: format!("{:.0} ms", ms(best)),
        target: "< 1000 ms",
        ok: best < Duration::from_secs(1),
    });

    // 5. Log over 1,000 versions.
    let t = Instant::now();
    let small = datasets::import_reader(
        std::io::Cursor::new(b"id,v\n1,2\n".to_vec()),
        Format::Csv,
        &ImportOptions::default(),
    )
    .expect("small body");
    store
        .save("bench/log", NewVersion::from_body(small, "v0"))
        .expect("save");
    for i in 1..1000 {
        let mut v = NewVersion::new(BodyInput::Parent, format!("version {i}"));
        v.message = format!("message for version {i}");
        v.author = "bench".into();
        store.save("bench/log", v).expect("save");
    }
    println!("saved 1,000 versions in {:.1} s", t.elapsed().as_secs_f64());
    let reopened = Store::open(dir.join("main")).expect("reopen");
    let mut samples = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let log = reopened.log("bench/log").expect("log");
        samples.push(t.elapsed());
        assert_eq!(log.len(), 1000);
    }
    let first = samples[0];
    samples.sort();
    let median = samples[samples.len() / 2];
    let worst = samples[samples.len() - 1];
    println!(
        "log over 1,000 versions: first {:.2} ms, median {:.2} ms, worst {:.2} ms",
        ms(first),
        ms(median),
        ms(worst)
    );
    results.push(Row {
        name: "log over 1,000 versions (worst of 20)".into(),
        measured: format!("{:.2} ms", ms(worst)),
        target: "< 50 ms",
        ok: worst < Duration::from_millis(50),
    });

    let report = store.fsck().expect("fsck");
    println!(
        "fsck: {} blobs, {:.1} MB re-hashed, clean = {}",
        report.blobs_checked,
        mb(report.bytes_checked),
        report.is_clean()
    );

    println!();
    println!("{:<46} {:>22} {:>14}  met", "figure", "measured", "target");
    for r in &results {
        println!(
            "{:<46} {:>22} {:>14}  {}",
            r.name,
            r.measured,
            r.target,
            if r.ok { "yes" } else { "NO" }
        );
    }
    let missed = results.iter().filter(|r| !r.ok).count();
    if missed > 0 && std::env::var_os("QUARRY_BENCH_STRICT").is_some() {
        std::process::exit(1);
    }
}

//! `quarry run FILE.star`: run a script and print its output.

use anyhow::{Context, Result};
use std::path::Path;
use std::process::ExitCode;

/// Peak resident set size of this process in KiB (Linux), if known.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs the script; exit 1 with the rendered error on failure.
pub fn run(file: &Path, max_steps: u64, stats: bool) -> Result<ExitCode> {
    let src =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let mut thread = super::script_thread();
    if max_steps > 0 {
        thread.set_max_steps(max_steps);
    }
    let path = file.display().to_string();
    let result = thread.exec_file(&path, &src, Default::default());
    if stats {
        eprintln!(
            "stats: steps={} allocated_bytes={} peak_rss_kib={}",
            thread.steps(),
            thread.allocated(),
            peak_rss_kib().map_or("unknown".to_string(), |k| k.to_string())
        );
    }
    match result {
        Ok(_) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            let src2 = src.clone();
            let p2 = path.clone();
            eprint!(
                "{}",
                crate::render::failure::render_error(&e, &move |p| (p == p2).then(|| src2.clone()))
            );
            Ok(ExitCode::from(1))
        }
    }
}

//! `quarry run FILE.star`: run a script and print its output.

use super::Context;
use crate::report::RunReport;
use anyhow::{Context as _, Result};
use std::cell::RefCell;
use std::path::Path;
use std::process::ExitCode;
use std::rc::Rc;

/// Peak resident set size of this process in KiB (Linux), if known.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs the script; exit 1 with the rendered error on failure. With
/// `--json`, the output, the error and the resource use come as one
/// [`RunReport`] on standard output instead.
pub fn run(
    ctx: &Context,
    file: &Path,
    max_steps: u64,
    stats: bool,
    starlib: Option<&str>,
) -> Result<ExitCode> {
    let src =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let release = match starlib {
        Some(req) => starlib::release::select_str(req)?,
        None => super::newest_release(),
    };
    let mut thread = super::release_thread(release);
    let printed = Rc::new(RefCell::new(Vec::new()));
    if ctx.json {
        let printed = printed.clone();
        thread.set_print(move |line| printed.borrow_mut().push(line.to_string()));
    }
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
    let error = result.err().map(|e| {
        let p2 = path.clone();
        crate::render::failure::render_error(&e, &move |p| (p == p2).then(|| src.clone()))
    });
    let code = if error.is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    if ctx.json {
        ctx.print_json(&RunReport {
            file: path,
            ok: error.is_none(),
            output: printed.take(),
            error,
            steps: thread.steps(),
            allocated_bytes: thread.allocated(),
        })?;
    } else if let Some(e) = error {
        eprint!("{e}");
    }
    Ok(code)
}

//! `quarry run FILE.star`: run a script and print its output.

use anyhow::{Context, Result};
use std::path::Path;
use std::process::ExitCode;

/// Runs the script; exit 1 with the rendered error on failure.
pub fn run(file: &Path, max_steps: u64) -> Result<ExitCode> {
    let src =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let mut thread = engine::Thread::new(engine::Dialect::transform());
    if max_steps > 0 {
        thread.set_max_steps(max_steps);
    }
    thread.set_print(|s| println!("{s}"));
    let path = file.display().to_string();
    match thread.exec_file(&path, &src, Default::default()) {
        Ok(_) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            let src2 = src.clone();
            let p2 = path.clone();
            eprint!(
                "{}",
                super::render_error(&e, &move |p| (p == p2).then(|| src2.clone()))
            );
            Ok(ExitCode::from(1))
        }
    }
}

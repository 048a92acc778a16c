//! `quarry repl`: an interactive session. Each input runs as a chunk of one
//! module, so globals persist; a trailing expression's value is printed.

use anyhow::Result;
use rustyline::error::ReadlineError;
use std::process::ExitCode;

/// Whether the buffered input is an unfinished block (more lines to come).
fn needs_more(buf: &str) -> bool {
    let last = buf.lines().last().unwrap_or("");
    if last.trim_end().ends_with(':') || last.trim_end().ends_with('\\') {
        return true;
    }
    // Inside a block: continue until a blank line.
    buf.lines().count() > 1 && !buf.ends_with("\n\n") || {
        let opens = buf.matches(['(', '[', '{']).count();
        let closes = buf.matches([')', ']', '}']).count();
        opens > closes
    }
}

/// Runs the REPL until end of input.
pub fn run() -> Result<ExitCode> {
    let mut rl = rustyline::DefaultEditor::new()?;
    let history =
        std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".quarry_history"));
    if let Some(h) = &history {
        let _ = rl.load_history(h);
    }
    let mut thread = super::script_thread();
    // Cells re-run and rebind names: the REPL allows top-level reassignment and control flow.
    thread.dialect = engine::Dialect {
        global_reassign: true,
        top_level_control: true,
        ..thread.dialect.clone()
    };
    let mut session = engine::Session::new("<stdin>", Default::default());
    let mut buf = String::new();
    loop {
        let prompt = if buf.is_empty() { ">>> " } else { "... " };
        match rl.readline(prompt) {
            Ok(line) => {
                buf.push_str(&line);
                buf.push('\n');
                if needs_more(&buf) {
                    continue;
                }
                let chunk = std::mem::take(&mut buf);
                if chunk.trim().is_empty() {
                    continue;
                }
                let _ = rl.add_history_entry(chunk.trim_end());
                let out = thread.exec_chunk(&mut session, &chunk);
                if let Some(v) = out.value {
                    println!("{}", engine::values::repr(&v));
                }
                if let Some(e) = out.error {
                    let src = chunk.clone();
                    eprint!(
                        "{}",
                        crate::render::failure::render_error(&e, &move |_| Some(src.clone()))
                    );
                }
            }
            Err(ReadlineError::Interrupted) => buf.clear(),
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(h) = &history {
        let _ = rl.save_history(h);
    }
    Ok(ExitCode::SUCCESS)
}

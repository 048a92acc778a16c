//! `quarry repl`: an interactive session. Each input runs as a chunk of one
//! module, so globals persist; a trailing expression's value is printed.

use anyhow::Result;
use rustyline::error::ReadlineError;
use std::process::ExitCode;

/// Whether the buffered input is unfinished (more lines to come): a
/// bracket still open, a line continued with `\\`, or a compound statement
/// (a line ending in `:`) not yet closed by a blank line.
fn needs_more(buf: &str) -> bool {
    let opens = buf.matches(['(', '[', '{']).count();
    let closes = buf.matches([')', ']', '}']).count();
    if opens > closes {
        return true;
    }
    let last = buf.lines().last().unwrap_or("").trim_end();
    if last.ends_with('\\') {
        return true;
    }
    let in_block = buf.lines().any(|l| l.trim_end().ends_with(':'));
    in_block && !buf.ends_with("\n\n")
}

/// Where the REPL keeps its history: `$QUARRY_HISTORY`, else
/// `~/.quarry_history`; none when standard input is not a terminal (a
/// piped session is a script, not a person's history).
fn history_file() -> Option<std::path::PathBuf> {
    use std::io::IsTerminal;
    if let Some(p) = std::env::var_os("QUARRY_HISTORY") {
        return Some(p.into());
    }
    if !std::io::stdin().is_terminal() {
        return None;
    }
    std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".quarry_history"))
}

/// Runs the REPL until end of input.
pub fn run() -> Result<ExitCode> {
    let mut rl = rustyline::DefaultEditor::new()?;
    let history = history_file();
    if let Some(h) = &history {
        let _ = rl.load_history(h);
    }
    let mut thread = super::script_thread();
    // Inputs re-run and rebind names: the REPL allows top-level reassignment
    // and control flow, and a `load` binds module globals so later inputs
    // see it.
    thread.dialect = engine::Dialect {
        global_reassign: true,
        top_level_control: true,
        load_binds_globally: true,
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

//! One module per command.

pub mod repl;
pub mod run;
pub mod test;

/// The newest starlib release shipped in this binary.
pub fn newest_release() -> &'static starlib::Release {
    starlib::releases()
        .iter()
        .max_by(|a, b| a.version.cmp(&b.version))
        .expect("the binary ships at least one starlib release")
}

/// A thread for scripts run from the command line: the newest starlib
/// release's dialect and modules, output to standard output.
pub fn script_thread() -> engine::Thread {
    let release = newest_release();
    let mut thread = release.new_thread();
    thread.set_loader(release.loader(starlib::HostConfig::default()));
    thread.set_print(|s| println!("{s}"));
    thread
}

/// Renders an engine error for a terminal: the message with file:line:col,
/// the source line with a caret, and the Starlark backtrace for run-time errors.
pub fn render_error(err: &engine::Error, source_of: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let caret = |path: &str, line: u32, col: u32| -> String {
        let Some(src) = source_of(path) else {
            return String::new();
        };
        let Some(text) = src.lines().nth(line.saturating_sub(1) as usize) else {
            return String::new();
        };
        let pad: String = text
            .bytes()
            .take(col.saturating_sub(1) as usize)
            .map(|b| if b == b'\t' { '\t' } else { ' ' })
            .collect();
        format!("{text}\n{pad}^\n")
    };
    match err {
        engine::Error::Syntax(e) => {
            out.push_str(&format!("{e}\n"));
            out.push_str(&caret(&e.path, e.pos.line, e.pos.col));
        }
        engine::Error::Resolve(errs) => {
            for e in errs {
                out.push_str(&format!("{e}\n"));
                out.push_str(&caret(&e.path, e.pos.line, e.pos.col));
            }
        }
        engine::Error::Eval(e) => {
            if let Some(f) = e.innermost() {
                out.push_str(&format!(
                    "{}:{}:{}: {}\n",
                    f.path, f.pos.line, f.pos.col, e.msg
                ));
                out.push_str(&caret(&f.path, f.pos.line, f.pos.col));
            } else {
                out.push_str(&format!("{}\n", e.msg));
            }
            out.push_str(&e.backtrace_string());
            out.push('\n');
        }
    }
    out
}

//! One module per command.

pub mod repl;
pub mod run;
pub mod test;

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

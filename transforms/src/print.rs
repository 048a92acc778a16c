//! `print` for transforms: values rendered as node's `console.log` shows
//! them (starlib 2.x) or as Starlark's `str` does (1.x, as Qri printed),
//! capped in length and charged to the run's memory budget.

use crate::redact::{floor_char_boundary, Redactor};
use engine::values::{write_repr, Builtin};
use engine::{Args, EvalError, Thread, Value};

/// The most text one `print` renders (1 MiB); longer output ends in `…`.
pub const MAX_PRINT_BYTES: usize = 1 << 20;

/// Renders `v` the way node's `console.log` shows a value: a string at the
/// top level is its own text; nested strings are quoted; dicts are
/// `{ "a": 1, "b": False }`, lists `[ 1, 2 ]`, tuples `( 1, 2 )`, empty ones
/// `{}`/`[]`/`()`; everything else is its Starlark repr. A value that
/// contains itself shows `[Circular]` where it recurs, and the text stops
/// at [`MAX_PRINT_BYTES`].
pub fn console_format(v: &Value) -> String {
    let (mut text, cut) = render(v);
    if cut {
        text.push('…');
    }
    text
}

/// How `print` renders a value that is not a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrintStyle {
    /// As node's `console.log` ([`console_format`]): starlib 2.x.
    Console,
    /// As Starlark's `str` (a repr): starlib 1.x, as Qri printed.
    Starlark,
}

/// The text of `v` in `style`, without the `…`, and whether it was cut at
/// [`MAX_PRINT_BYTES`].
fn render_in(style: PrintStyle, v: &Value) -> (String, bool) {
    if style == PrintStyle::Console {
        return render(v);
    }
    let mut out = match v {
        Value::Str(s) => s.to_str_lossy().into_owned(),
        _ => {
            let mut out = String::new();
            write_repr(&mut out, v);
            out
        }
    };
    let cut = out.len() > MAX_PRINT_BYTES;
    out.truncate(floor_char_boundary(&out, MAX_PRINT_BYTES));
    (out, cut)
}

/// [`console_format`]'s text without the `…`, and whether it was cut at
/// [`MAX_PRINT_BYTES`].
fn render(v: &Value) -> (String, bool) {
    let mut out = match v {
        Value::Str(s) => s.to_str_lossy().into_owned(),
        _ => {
            let mut c = Console {
                out: String::new(),
                path: Vec::new(),
            };
            c.value(v);
            c.out
        }
    };
    let cut = out.len() > MAX_PRINT_BYTES;
    out.truncate(floor_char_boundary(&out, MAX_PRINT_BYTES));
    (out, cut)
}

struct Console {
    out: String,
    /// Addresses of the containers being rendered.
    path: Vec<usize>,
}

impl Console {
    fn full(&self) -> bool {
        self.out.len() > MAX_PRINT_BYTES
    }

    fn seq(&mut self, open: &str, close: &str, items: &[Value]) {
        if items.is_empty() {
            self.out.push_str(open);
            self.out.push_str(close);
            return;
        }
        self.out.push_str(open);
        self.out.push(' ');
        for (i, x) in items.iter().enumerate() {
            if self.full() {
                return;
            }
            if i > 0 {
                self.out.push_str(", ");
            }
            self.value(x);
        }
        self.out.push(' ');
        self.out.push_str(close);
    }

    fn value(&mut self, v: &Value) {
        if self.full() {
            return;
        }
        let addr = match v {
            Value::List(l) => std::rc::Rc::as_ptr(l) as *const u8 as usize,
            Value::Tuple(t) => std::rc::Rc::as_ptr(t) as *const u8 as usize,
            Value::Dict(d) => std::rc::Rc::as_ptr(d) as *const u8 as usize,
            _ => {
                write_repr(&mut self.out, v);
                return;
            }
        };
        if self.path.contains(&addr) {
            self.out.push_str("[Circular]");
            return;
        }
        if self.path.len() >= 64 {
            self.out.push_str("...");
            return;
        }
        self.path.push(addr);
        match v {
            Value::List(l) => {
                let items = l.items().clone();
                self.seq("[", "]", &items)
            }
            Value::Tuple(t) => self.seq("(", ")", t),
            Value::Dict(d) => {
                let entries = d.items();
                if entries.is_empty() {
                    self.out.push_str("{}");
                } else {
                    self.out.push_str("{ ");
                    for (i, (k, x)) in entries.iter().enumerate() {
                        if self.full() {
                            break;
                        }
                        if i > 0 {
                            self.out.push_str(", ");
                        }
                        self.value(k);
                        self.out.push_str(": ");
                        self.value(x);
                    }
                    self.out.push_str(" }");
                }
            }
            _ => {}
        }
        self.path.pop();
    }
}

/// One `print` line: console.log rendering of each value, joined by
/// spaces, redacted and then cut at [`MAX_PRINT_BYTES`], so no part of a
/// secret is left at the cut.
pub fn print_line(redactor: &Redactor, values: &[Value]) -> String {
    print_line_in(PrintStyle::Console, redactor, values)
}

/// [`print_line`] with values rendered in `style`.
pub fn print_line_in(style: PrintStyle, redactor: &Redactor, values: &[Value]) -> String {
    let mut line = String::new();
    let mut cut = false;
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            line.push(' ');
        }
        let (text, part_cut) = render_in(style, v);
        line.push_str(&text);
        // A part cut at the cap fills the line: nothing after it shows.
        if part_cut {
            cut = true;
            break;
        }
    }
    redactor.redact_capped(&line, MAX_PRINT_BYTES, cut)
}

/// The predeclared `print(*args)`: a [`print_line`] sent to the thread's
/// print hook.
pub fn print_builtin(style: PrintStyle, redactor: Redactor) -> Value {
    Builtin::host("print", move |thread: &mut Thread, args: &Args| {
        if !args.named.is_empty() {
            return Err(EvalError::new("print: unexpected keyword arguments"));
        }
        let line = print_line_in(style, &redactor, &args.positional);
        // Printed output is kept with the run: it counts against the budget.
        thread.account(line.len())?;
        thread.print(&line);
        Ok(Value::None)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_format_marks_cycles_and_stops_at_the_cap() {
        let l = Value::list(vec![Value::Int(1)]);
        if let Value::List(inner) = &l {
            inner.push(l.clone()).unwrap();
            inner.push(l.clone()).unwrap();
        }
        assert_eq!(console_format(&l), "[ 1, [Circular], [Circular] ]");
        // Shared (not cyclic) sublists doubling 40 times: capped, not 2^40.
        let mut a = Value::list(vec![Value::str("xxxxxxxx")]);
        for _ in 0..40 {
            a = Value::list(vec![a.clone(), a.clone()]);
        }
        let s = console_format(&a);
        assert!(
            s.len() <= MAX_PRINT_BYTES + 4 && s.ends_with('…'),
            "{}",
            s.len()
        );
    }

    #[test]
    fn console_format_quotes_nested_strings_only() {
        assert_eq!(console_format(&Value::str("a\"b")), "a\"b");
        let l = Value::list(vec![Value::str("a\"b"), Value::None, Value::Bool(true)]);
        assert_eq!(console_format(&l), "[ \"a\\\"b\", None, True ]");
    }

    /// Every way a line reaches the cap with a secret across it: no byte
    /// of the secret's beginning survives at the cut.
    #[test]
    fn a_secret_across_the_cut_is_never_half_printed() {
        let secret = "Zq9kP2x7-SECRET-value";
        let r = Redactor::new(&[secret.to_string()]);
        let at_cut = |prefix: usize| "x".repeat(MAX_PRINT_BYTES - prefix) + secret;
        let cases: Vec<Vec<Value>> = vec![
            // A top-level string, cut inside the secret.
            vec![Value::str(&at_cut(6))],
            // Two arguments whose join crosses the cap inside the secret.
            vec![
                Value::str(&"x".repeat(MAX_PRINT_BYTES / 2)),
                Value::str(&("y".repeat(MAX_PRINT_BYTES / 2 - 8) + secret)),
            ],
            // A nested string: its repr is cut inside the secret.
            vec![Value::list(vec![Value::str(&at_cut(9))])],
            // A part cut at the cap, then more parts.
            vec![Value::str(&at_cut(3)), Value::str(secret)],
            // Redaction shrinks the line first (secrets before the cut).
            vec![Value::str(&(secret.repeat(1000) + &at_cut(5)))],
            // The secret's beginning across the cut, in another case.
            vec![Value::str(&("x".repeat(MAX_PRINT_BYTES - 4) + "ZQ9KP2"))],
        ];
        for (i, args) in cases.iter().enumerate() {
            let line = print_line(&r, args);
            assert!(
                line.len() <= MAX_PRINT_BYTES + '…'.len_utf8(),
                "case {i}: {}",
                line.len()
            );
            assert!(line.ends_with('…'), "case {i}");
            let end = &line[line.len().saturating_sub(40)..];
            for k in 1..secret.len() {
                assert!(
                    !end.to_ascii_lowercase()
                        .trim_end_matches('…')
                        .ends_with(&secret[..k].to_ascii_lowercase()),
                    "case {i}: {end:?} ends with {:?}",
                    &secret[..k]
                );
            }
        }
        // Nothing to hide: the cut is where it was.
        let plain = print_line(&Redactor::default(), &[Value::str(&at_cut(6))]);
        assert!(plain.ends_with("Zq9kP2…"), "{}", &plain[plain.len() - 10..]);
    }
}

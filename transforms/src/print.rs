//! `print` for transforms: values rendered as node's `console.log` shows
//! them, capped in length and charged to the run's memory budget.

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
    match v {
        Value::Str(s) => {
            let mut t = s.to_str_lossy().into_owned();
            truncate(&mut t);
            t
        }
        _ => {
            let mut c = Console {
                out: String::new(),
                path: Vec::new(),
            };
            c.value(v);
            truncate(&mut c.out);
            c.out
        }
    }
}

fn truncate(s: &mut String) {
    if s.len() > MAX_PRINT_BYTES {
        let mut cut = MAX_PRINT_BYTES;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
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
                let entries: Vec<(Value, Value)> = d
                    .entries()
                    .iter()
                    .map(|(k, x)| (k.value.clone(), x.clone()))
                    .collect();
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

/// The predeclared `print(*args)`: console.log rendering, arguments joined
/// by spaces, sent to the thread's print hook.
pub fn print_builtin() -> Value {
    Builtin::host("print", |thread: &mut Thread, args: &Args| {
        if !args.named.is_empty() {
            return Err(EvalError::new("print: unexpected keyword arguments"));
        }
        let line = args
            .positional
            .iter()
            .map(console_format)
            .collect::<Vec<_>>()
            .join(" ");
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
}

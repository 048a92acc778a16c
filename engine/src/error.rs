//! Run-time errors: what a failing Starlark operation reports, with the
//! backtrace of Starlark frames that the evaluator adds while unwinding.

use crate::syntax::ast::Pos;
use std::fmt;

/// Why evaluation stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// An ordinary Starlark error (a failed operation, `fail()`, a bad argument).
    Value,
    /// The host cancelled the run.
    Cancelled,
    /// The step budget ran out.
    StepBudget,
    /// The call depth limit was reached.
    StackOverflow,
    /// The memory budget ran out.
    Memory,
    /// Something the host provides is missing or unusable (a setting, an
    /// input, a conversion of the result): the message says what to do, and
    /// hosts may show it without a backtrace.
    Host,
}

/// One Starlark frame of a backtrace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Function name (`<toplevel>` for module code).
    pub function: String,
    /// File name.
    pub path: String,
    /// Position of the call or failing operation in that frame.
    pub pos: Pos,
}

/// A Starlark run-time error: a message plus the frames it unwound through,
/// innermost last (the order in which a Python-style traceback prints them).
///
/// Boxed, so that `Result<Value, EvalError>` (what every operation returns)
/// is no larger than a value and comes back in registers; the fields are
/// reached through `Deref` ([`ErrorData`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError(Box<ErrorData>);

/// What an [`EvalError`] holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorData {
    /// The message, as starlark-go words it.
    pub msg: String,
    /// The kind of failure.
    pub kind: ErrorKind,
    /// Frames from outermost to innermost; empty until the evaluator unwinds.
    pub backtrace: Vec<Frame>,
}

impl std::ops::Deref for EvalError {
    type Target = ErrorData;
    fn deref(&self) -> &ErrorData {
        &self.0
    }
}

impl std::ops::DerefMut for EvalError {
    fn deref_mut(&mut self) -> &mut ErrorData {
        &mut self.0
    }
}

impl EvalError {
    /// An ordinary error with a message.
    pub fn new(msg: impl Into<String>) -> EvalError {
        EvalError::with_kind(ErrorKind::Value, msg)
    }

    /// An error of a particular kind.
    #[cold]
    pub fn with_kind(kind: ErrorKind, msg: impl Into<String>) -> EvalError {
        EvalError(Box::new(ErrorData {
            msg: msg.into(),
            kind,
            backtrace: Vec::new(),
        }))
    }

    /// The error's parts, by value.
    pub fn into_data(self) -> ErrorData {
        *self.0
    }

    /// The Python-style traceback: `Traceback (most recent call last):`, one
    /// line per frame (`  path:line:col: in function`), then `Error: msg`.
    pub fn backtrace_string(&self) -> String {
        let mut s = String::from("Traceback (most recent call last):\n");
        for f in &self.backtrace {
            s.push_str(&format!(
                "  {}:{}:{}: in {}\n",
                f.path, f.pos.line, f.pos.col, f.function
            ));
        }
        s.push_str("Error: ");
        s.push_str(&self.msg);
        s
    }

    /// The innermost frame, if any.
    pub fn innermost(&self) -> Option<&Frame> {
        self.backtrace.last()
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for EvalError {}

/// Shorthand for results of Starlark operations.
pub type Result<T, E = EvalError> = std::result::Result<T, E>;

/// Return early with a formatted [`EvalError`].
#[macro_export]
macro_rules! bail {
    ($($arg:tt)*) => {
        return Err($crate::error::EvalError::new(format!($($arg)*)))
    };
}

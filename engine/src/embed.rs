//! The embedding API: execute a file and get its globals, evaluate an
//! expression, run REPL/notebook chunks that share a module, and compile
//! once to a [`Program`] that can be stored as bytes and run many times.

use crate::compile::{compile_expr, compile_file, Program};
use crate::error::EvalError;
use crate::eval::{Members, ModuleEnv, Predeclared, Thread};
use crate::resolve::{resolve_expr, resolve_file, Environment, ResolveError};
use crate::syntax::{parse_expr, parse_file, SyntaxError};
use crate::values::Value;
use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

/// Any failure of the embedding API: a syntax error, static (resolve)
/// errors, or a run-time error with its backtrace.
#[derive(Debug, Clone)]
pub enum Error {
    /// The source does not parse.
    Syntax(SyntaxError),
    /// The source parses but has static errors (all of them, in order).
    Resolve(Vec<ResolveError>),
    /// Evaluation failed.
    Eval(EvalError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Syntax(e) => write!(f, "{e}"),
            Error::Resolve(errs) => {
                for (i, e) in errs.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    write!(f, "{e}")?;
                }
                Ok(())
            }
            Error::Eval(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<SyntaxError> for Error {
    fn from(e: SyntaxError) -> Error {
        Error::Syntax(e)
    }
}

impl From<EvalError> for Error {
    fn from(e: EvalError) -> Error {
        Error::Eval(e)
    }
}

impl Error {
    /// The position of the (first) error, if it has one: (path, line, col).
    pub fn position(&self) -> Option<(String, u32, u32)> {
        match self {
            Error::Syntax(e) => Some((e.path.clone(), e.pos.line, e.pos.col)),
            Error::Resolve(errs) => errs
                .first()
                .map(|e| (e.path.clone(), e.pos.line, e.pos.col)),
            Error::Eval(e) => e
                .innermost()
                .map(|f| (f.path.clone(), f.pos.line, f.pos.col)),
        }
    }
}

/// Parses, resolves and compiles a file for `dialect`, with the given
/// predeclared names.
pub fn compile(
    path: &str,
    src: &str,
    dialect: &crate::Dialect,
    is_predeclared: &dyn Fn(&str) -> bool,
) -> Result<Program, Error> {
    let mut file = parse_file(path, src)?;
    let env = Environment {
        is_predeclared,
        is_universal: &crate::builtins::is_universal,
        is_global: None,
    };
    resolve_file(&mut file, dialect, &env, &[]).map_err(Error::Resolve)?;
    Ok(compile_file(&file, false))
}

/// A REPL or notebook session: one module whose globals persist across
/// chunks. A clone is another handle to the same module.
#[derive(Clone)]
pub struct Session {
    env: Rc<ModuleEnv>,
}

/// The result of running one chunk in a [`Session`].
pub struct ChunkOutcome {
    /// The value of the chunk's trailing expression statement, if it had one and succeeded.
    pub value: Option<Value>,
    /// The error, if the chunk failed; the session keeps whatever globals it set before failing.
    pub error: Option<Error>,
}

impl Session {
    /// A new, empty session for a file name, with predeclared names.
    pub fn new(path: &str, predeclared: Predeclared) -> Session {
        Session {
            env: Rc::new(ModuleEnv {
                path: path.to_string(),
                names: RefCell::new(Vec::new()),
                globals: RefCell::new(Vec::new()),
                predeclared: Rc::new(predeclared),
            }),
        }
    }

    /// The file name the session's chunks are compiled under.
    pub fn path(&self) -> &str {
        &self.env.path
    }

    /// The module's current globals (partial after a failed chunk).
    pub fn members(&self) -> Members {
        self.env.members()
    }

    /// Freezes every global value, as a module is frozen when its file
    /// finishes: later code cannot mutate them.
    pub fn freeze(&self) {
        self.env.freeze();
    }

    /// The module's globals as they are now, mutable values deep-copied
    /// (see [`crate::values::DeepCopier`]), so later chunks cannot change
    /// the snapshot.
    pub fn snapshot(&self) -> Snapshot {
        let mut copier = crate::values::DeepCopier::new();
        Snapshot {
            names: self.env.names.borrow().clone(),
            globals: self
                .env
                .globals
                .borrow()
                .iter()
                .map(|v| v.as_ref().map(|v| copier.copy(v)))
                .collect(),
        }
    }

    /// Puts the module back as it was at `snapshot` (copying again, so the
    /// snapshot can be restored any number of times). Functions defined
    /// before the snapshot see the restored globals: they belong to this module.
    pub fn restore(&self, snapshot: &Snapshot) {
        let mut copier = crate::values::DeepCopier::new();
        let globals: Vec<Option<Value>> = snapshot
            .globals
            .iter()
            .map(|v| v.as_ref().map(|v| copier.copy(v)))
            .collect();
        *self.env.names.borrow_mut() = snapshot.names.clone();
        let old = std::mem::replace(&mut *self.env.globals.borrow_mut(), globals);
        drop(old);
    }

    /// Unsets every global, breaking the cycles between the module and the
    /// functions it defined; call it when the session is done with.
    pub fn release(&self) {
        let old = std::mem::take(&mut *self.env.globals.borrow_mut());
        drop(old);
    }
}

/// A session's globals at one moment (see [`Session::snapshot`]).
pub struct Snapshot {
    names: Vec<String>,
    globals: Vec<Option<Value>>,
}

impl Thread {
    /// Executes a file with predeclared names and returns its (frozen) globals.
    pub fn exec_file(
        &mut self,
        path: &str,
        src: &str,
        predeclared: Predeclared,
    ) -> Result<Members, Error> {
        let pre = Rc::new(predeclared);
        let program = {
            let p = pre.clone();
            let is_pre = move |n: &str| p.contains_key(n);
            compile(path, src, &self.dialect.clone(), &is_pre)?
        };
        let env = self.run_program(&program, pre)?;
        Ok(env.members())
    }

    /// Runs a compiled program and returns its (frozen) globals.
    pub fn exec_program(
        &mut self,
        program: &Program,
        predeclared: Predeclared,
    ) -> Result<Members, Error> {
        let env = self.run_program(program, Rc::new(predeclared))?;
        Ok(env.members())
    }

    /// Evaluates a single expression.
    pub fn eval_expr(
        &mut self,
        path: &str,
        src: &str,
        predeclared: Predeclared,
    ) -> Result<Value, Error> {
        let mut expr = parse_expr(path, src)?;
        let pre = Rc::new(predeclared);
        let p2 = pre.clone();
        let is_pre = move |n: &str| p2.contains_key(n);
        let env = Environment {
            is_predeclared: &is_pre,
            is_universal: &crate::builtins::is_universal,
            is_global: None,
        };
        let scope = resolve_expr(path, &mut expr, &self.dialect, &env).map_err(Error::Resolve)?;
        let code = Rc::new(compile_expr(path, &expr, &scope));
        let module = Rc::new(ModuleEnv {
            path: path.to_string(),
            names: RefCell::new(Vec::new()),
            globals: RefCell::new(Vec::new()),
            predeclared: pre,
        });
        Ok(self.run_toplevel(&code, &module)?)
    }

    /// Runs one chunk of a session (exec-and-eval): statements run against the
    /// session's module; a trailing expression's value is returned. Names a
    /// chunk binds with `load` are globals, seen by later chunks. On failure
    /// the outcome carries the error and the session keeps its partial module.
    pub fn exec_chunk(&mut self, session: &mut Session, src: &str) -> ChunkOutcome {
        let fail = |e: Error| ChunkOutcome {
            value: None,
            error: Some(e),
        };
        let mut file = match parse_file(&session.env.path, src) {
            Ok(f) => f,
            Err(e) => return fail(e.into()),
        };
        let prior: Vec<String> = session.env.names.borrow().clone();
        let pre = session.env.predeclared.clone();
        let is_pre = move |n: &str| pre.contains_key(n);
        let prior2 = prior.clone();
        let is_global = move |n: &str| prior2.iter().any(|g| g == n);
        let env = Environment {
            is_predeclared: &is_pre,
            is_universal: &crate::builtins::is_universal,
            is_global: Some(&is_global),
        };
        // A chunk's loads are seen by the chunks after it, as its globals are.
        let dialect = crate::Dialect {
            load_binds_globally: true,
            ..self.dialect.clone()
        };
        if let Err(e) = resolve_file(&mut file, &dialect, &env, &prior) {
            return fail(Error::Resolve(e));
        }
        let program = compile_file(&file, true);
        self.register_module(&session.env);
        {
            let mut names = session.env.names.borrow_mut();
            *names = program.globals.clone();
            let mut g = session.env.globals.borrow_mut();
            let n = names.len();
            g.resize(n, None);
        }
        match self.run_toplevel(&program.toplevel, &session.env) {
            Ok(v) => ChunkOutcome {
                value: if v.is_none() { None } else { Some(v) },
                error: None,
            },
            Err(e) => fail(Error::Eval(e)),
        }
    }
}

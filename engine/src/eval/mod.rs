//! Eval: the interpreter. A [`Thread`] runs compiled code: the instruction
//! loop, frames, calls and argument binding, the step budget, cancellation
//! from another thread, the call-depth limit, the allocation budget, `load`
//! with caching and cycle detection, and backtraces on error.

mod budget;
mod call;
mod vm;

pub use budget::{DICT_ENTRY, HEADER, MAX_INT_BITS, SET_ENTRY, SLOT};

use crate::args::Args;
use crate::compile::{FuncCode, Program};
use crate::dialect::Dialect;
use crate::error::{ErrorKind, EvalError, Result};
use crate::values::{Cell, Value};
use rustc_hash::FxHashMap;
use std::any::Any;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A module's members after it ran: global name to value.
pub type Members = BTreeMap<String, Value>;

/// Names the host predeclares for a module (`config`, `ds`, `struct`, ...).
pub type Predeclared = FxHashMap<String, Value>;

/// The run-time environment of one module: its globals and predeclared names.
pub(crate) struct ModuleEnv {
    /// The file name.
    pub path: String,
    /// Global names by index (grows as REPL chunks add globals).
    pub names: RefCell<Vec<String>>,
    /// Global values by index; `None` until assigned.
    pub globals: RefCell<Vec<Option<Value>>>,
    /// Predeclared names.
    pub predeclared: Rc<Predeclared>,
}

impl Drop for ModuleEnv {
    /// Frees the globals without recursing into deeply nested tuples.
    fn drop(&mut self) {
        for v in self.globals.get_mut().drain(..).flatten() {
            crate::values::drop_value(v);
        }
    }
}

impl ModuleEnv {
    /// The bound globals as members.
    pub fn members(&self) -> Members {
        let g = self.globals.borrow();
        self.names
            .borrow()
            .iter()
            .zip(g.iter())
            .filter_map(|(n, v)| v.as_ref().map(|v| (n.clone(), v.clone())))
            .collect()
    }

    /// Freezes every global value.
    pub fn freeze(&self) {
        for v in self.globals.borrow().iter().flatten() {
            v.freeze();
        }
    }
}

/// Resolves `load("name")`: returns the members of the named module.
/// The thread caches results and detects cycles; a loader may run Starlark
/// itself (including nested loads) by calling back into the thread it is
/// given, so it must be re-entrant: it takes `&self`.
pub trait Loader {
    /// Loads `module`, requested by the file `from`.
    fn load(&self, thread: &mut Thread, module: &str, from: &str) -> Result<Members>;
}

impl<F> Loader for F
where
    F: Fn(&mut Thread, &str, &str) -> Result<Members>,
{
    fn load(&self, thread: &mut Thread, module: &str, from: &str) -> Result<Members> {
        self(thread, module, from)
    }
}

/// Decides which attributes of values a thread's programs see: given a value
/// and an attribute name (a field, module member or method), whether it is
/// visible. A hidden attribute is absent from `x.name`, method calls,
/// `getattr`, `hasattr` and `dir`. Set with [`Thread::set_attr_filter`].
pub type AttrFilter = dyn Fn(&Value, &str) -> bool;

/// Where `print` output goes.
type PrintHook = Box<dyn FnMut(&str)>;

/// A cached outcome of loading a module.
type LoadResult = std::result::Result<Members, EvalError>;

/// A handle that cancels a running thread from anywhere (another OS thread, a timer).
#[derive(Clone, Default)]
pub struct CancelHandle(Arc<AtomicBool>);

impl CancelHandle {
    /// Asks the thread to stop at its next check (within a few thousand steps).
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether cancellation was requested.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// An active Starlark call, for backtraces and recursion checks.
pub(crate) struct CallRecord {
    pub code: Rc<FuncCode>,
    /// The instruction being executed in this frame.
    pub pc: usize,
}

/// The state of one evaluation: limits, hooks and the call stack. A thread
/// runs one Starlark computation at a time; values are not shared between
/// OS threads.
pub struct Thread {
    /// The language dialect for code this thread compiles.
    pub dialect: Dialect,
    pub(crate) stack: Vec<Value>,
    pub(crate) calls: Vec<CallRecord>,
    steps: u64,
    max_steps: u64,
    cancel: CancelHandle,
    max_depth: usize,
    allocated: usize,
    alloc_limit: usize,
    print: Option<PrintHook>,
    attr_filter: Option<Box<AttrFilter>>,
    loader: Option<Rc<dyn Loader>>,
    load_cache: FxHashMap<String, LoadResult>,
    loading: Vec<String>,
    pub(crate) universe: Rc<FxHashMap<String, Value>>,
    locals: FxHashMap<String, Box<dyn Any>>,
    /// Emptied local-variable vectors of finished calls, reused by new calls.
    pub(crate) locals_pool: Vec<Vec<Option<Value>>>,
    /// Argument vectors of finished native calls, emptied, reused by the
    /// next ones (boxed: handing one to a native and back moves a pointer, not three
    /// vectors).
    #[allow(
        clippy::vec_box,
        reason = "boxed so that handing one over moves a pointer"
    )]
    pub(crate) args_pool: Vec<Box<Args>>,
    /// The modules this thread ran, for [`Thread::release_modules`].
    modules: Vec<Weak<ModuleEnv>>,
    /// Modules run as files, kept until the thread is dropped or released:
    /// their globals are then freed by the engine (without recursion), not
    /// by whoever drops the members it returned.
    retained: Vec<Rc<ModuleEnv>>,
    /// The cells of the running frames, each frame's above its caller's.
    pub(crate) cells: Vec<crate::values::Cell>,
    /// The loop iterators of the running frames, each frame's above its caller's.
    pub(crate) iters: Vec<crate::values::ops::ValueIter>,
    /// Starlark callers suspended by the instruction loop while their callees
    /// run (boxed: suspending and resuming a frame moves a pointer).
    #[allow(
        clippy::vec_box,
        reason = "boxed so that handing one over moves a pointer"
    )]
    pub(crate) frames: Vec<Box<vm::FrameState>>,
    /// Boxes of finished frames, emptied, reused by new calls.
    #[allow(
        clippy::vec_box,
        reason = "boxed so that handing one over moves a pointer"
    )]
    pub(crate) frame_pool: Vec<Box<std::mem::MaybeUninit<vm::FrameState>>>,
}

/// How often (in steps) the thread polls for cancellation.
const CANCEL_POLL: u64 = 1 << 12;

impl Thread {
    /// A thread with the given dialect and no limits but the default call depth.
    pub fn new(dialect: Dialect) -> Thread {
        Thread {
            dialect,
            stack: Vec::with_capacity(256),
            calls: Vec::new(),
            steps: 0,
            max_steps: u64::MAX,
            cancel: CancelHandle::default(),
            max_depth: 1000,
            allocated: 0,
            alloc_limit: usize::MAX,
            print: None,
            attr_filter: None,
            loader: None,
            load_cache: FxHashMap::default(),
            loading: Vec::new(),
            universe: Rc::new(crate::builtins::universe()),
            locals: FxHashMap::default(),
            locals_pool: Vec::new(),
            args_pool: Vec::new(),
            modules: Vec::new(),
            retained: Vec::new(),
            cells: Vec::new(),
            iters: Vec::new(),
            frames: Vec::new(),
            frame_pool: Vec::new(),
        }
    }

    /// Frees what the modules this thread ran still hold.
    ///
    /// Values are reference counted, and a module that defines a function
    /// forms a cycle: the function holds its module, whose globals hold the
    /// function. Such a module outlives every handle to it. This unsets the
    /// globals of every module the thread ran (and forgets loaded modules),
    /// which breaks those cycles. Call it when the run's results have been
    /// taken out: a function of a released module that runs afterwards finds
    /// its globals unset, which is an error, not a crash.
    pub fn release_modules(&mut self) {
        self.load_cache.clear();
        self.retained.clear();
        let mut freed: Vec<Value> = Vec::new();
        for module in self.modules.drain(..) {
            if let Some(module) = module.upgrade() {
                // Collect first: dropping a value may drop another module.
                let mut globals = module.globals.borrow_mut();
                freed.extend(globals.iter_mut().filter_map(Option::take));
            }
        }
        freed.into_iter().for_each(crate::values::drop_value);
    }

    /// Limits the number of execution steps (loop iterations and calls).
    pub fn set_max_steps(&mut self, n: u64) {
        self.max_steps = n;
    }

    /// Steps executed so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Limits the Starlark call depth (default 1000).
    pub fn set_max_depth(&mut self, n: usize) {
        self.max_depth = n;
    }

    /// Limits the bytes of values the run may allocate (approximate accounting).
    pub fn set_memory_limit(&mut self, bytes: usize) {
        self.alloc_limit = bytes;
    }

    /// Bytes accounted so far.
    pub fn allocated(&self) -> usize {
        self.allocated
    }

    /// A handle to cancel this thread from elsewhere.
    pub fn cancel_handle(&self) -> CancelHandle {
        self.cancel.clone()
    }

    /// Makes `handle` cancel this thread, so a host can hold the handle
    /// before the thread exists (a handle that already fired stops the
    /// thread at its first check).
    pub fn set_cancel_handle(&mut self, handle: CancelHandle) {
        self.cancel = handle;
    }

    /// Sets the hook that receives `print` output (default: standard error is
    /// not touched; output is dropped).
    pub fn set_print(&mut self, f: impl FnMut(&str) + 'static) {
        self.print = Some(Box::new(f));
    }

    /// Hides the attributes of values for which `f` returns false from this
    /// thread's programs (see [`AttrFilter`]); by default every attribute is
    /// visible. A test harness uses it to present an older API surface.
    pub fn set_attr_filter(&mut self, f: impl Fn(&Value, &str) -> bool + 'static) {
        self.attr_filter = Some(Box::new(f));
    }

    /// The attribute filter, if one is set.
    pub(crate) fn attr_filter(&self) -> Option<&AttrFilter> {
        self.attr_filter.as_deref()
    }

    /// Sets the loader for `load` statements.
    pub fn set_loader(&mut self, l: impl Loader + 'static) {
        self.loader = Some(Rc::new(l));
    }

    /// Sends a line to the print hook.
    pub fn print(&mut self, s: &str) {
        if let Some(p) = self.print.as_mut() {
            p(s);
        }
    }

    /// Stores host data on the thread (like starlark-go's Thread.SetLocal).
    pub fn set_local<T: Any>(&mut self, key: &str, v: T) {
        self.locals.insert(key.to_string(), Box::new(v));
    }

    /// Reads host data stored with [`Thread::set_local`].
    pub fn local<T: Any>(&self, key: &str) -> Option<&T> {
        self.locals.get(key).and_then(|b| b.downcast_ref())
    }

    /// Mutable access to host data stored with [`Thread::set_local`].
    pub fn local_mut<T: Any>(&mut self, key: &str) -> Option<&mut T> {
        self.locals.get_mut(key).and_then(|b| b.downcast_mut())
    }

    /// Accounts `bytes` against the allocation budget.
    pub fn account(&mut self, bytes: usize) -> Result<()> {
        self.allocated = self.allocated.saturating_add(bytes);
        if self.allocated > self.alloc_limit {
            return Err(EvalError::with_kind(
                ErrorKind::Memory,
                format!(
                    "memory limit exceeded: allocated more than {} bytes",
                    self.alloc_limit
                ),
            ));
        }
        Ok(())
    }

    /// Counts one step; fails when the budget is spent or the run was cancelled.
    /// Native functions that loop over user data call it once per element, so
    /// that long built-in loops obey the step budget and cancellation.
    #[inline]
    pub fn step(&mut self) -> Result<()> {
        self.steps += 1;
        if self.steps & (CANCEL_POLL - 1) == 0 || self.steps > self.max_steps {
            self.check_limits()?;
        }
        Ok(())
    }

    #[cold]
    fn check_limits(&mut self) -> Result<()> {
        if self.steps > self.max_steps {
            return Err(EvalError::with_kind(
                ErrorKind::StepBudget,
                format!(
                    "Starlark computation cancelled: too many steps (limit {})",
                    self.max_steps
                ),
            ));
        }
        if self.cancel.is_cancelled() {
            return Err(EvalError::with_kind(
                ErrorKind::Cancelled,
                "Starlark computation cancelled",
            ));
        }
        Ok(())
    }

    /// The current call stack as "path:line:col: in name" lines, innermost last.
    pub fn call_stack(&self) -> Vec<crate::error::Frame> {
        self.calls
            .iter()
            .map(|c| crate::error::Frame {
                function: c.code.name.clone(),
                path: c.code.path.to_string(),
                pos: c.code.pos_at(c.pc),
            })
            .collect()
    }

    /// Calls a callable value with arguments.
    pub fn call(&mut self, f: &Value, args: &Args) -> Result<Value> {
        call::call_value(self, f, args)
    }

    /// Calls `f` with the one positional argument `x` (a key function, a
    /// callback) in a pooled argument vector: no allocation per call.
    pub fn call1(&mut self, f: &Value, x: Value) -> Result<Value> {
        let mut args = self.args_pool.pop().unwrap_or_default();
        args.positional.push(x);
        let r = call::call_value(self, f, &args);
        vm::recycle_args(self, args);
        r
    }

    /// Runs a compiled program as a new module; returns its environment.
    /// Globals are frozen when the module completes successfully.
    pub(crate) fn run_program(
        &mut self,
        program: &Program,
        predeclared: Rc<Predeclared>,
    ) -> Result<Rc<ModuleEnv>> {
        let env = Rc::new(ModuleEnv {
            path: program.path.clone(),
            names: RefCell::new(program.globals.clone()),
            globals: RefCell::new(vec![None; program.globals.len()]),
            predeclared,
        });
        self.register_module(&env);
        if self.retained.len() < 64 {
            self.retained.push(env.clone());
        }
        self.run_toplevel(&program.toplevel, &env)?;
        env.freeze();
        Ok(env)
    }

    /// Remembers a module for [`Thread::release_modules`] (once).
    pub(crate) fn register_module(&mut self, env: &Rc<ModuleEnv>) {
        self.modules.retain(|m| m.strong_count() > 0);
        if !self
            .modules
            .iter()
            .any(|m| std::ptr::eq(m.as_ptr(), Rc::as_ptr(env)))
        {
            self.modules.push(Rc::downgrade(env));
        }
    }

    /// Runs top-level code against an existing module environment and returns
    /// the value it returns (None, or a REPL chunk's trailing expression).
    pub(crate) fn run_toplevel(
        &mut self,
        code: &Rc<FuncCode>,
        env: &Rc<ModuleEnv>,
    ) -> Result<Value> {
        let locals = vec![None; code.locals.len()];
        let frame = vm::FrameState::enter(self, code, env, None, locals)?;
        vm::run_frame(self, frame)
    }

    /// Loads a module through the loader, with caching and cycle detection.
    pub(crate) fn load_module(&mut self, module: &str, from: &str) -> Result<Members> {
        if let Some(r) = self.load_cache.get(module) {
            return r.clone();
        }
        if self.loading.iter().any(|m| m == module) {
            return Err(EvalError::new(format!(
                "cannot load {module}: cycle in load graph"
            )));
        }
        let loader = match self.loader.clone() {
            Some(l) => l,
            None => {
                return Err(EvalError::new(format!(
                    "cannot load {module}: no loader configured"
                )))
            }
        };
        self.loading.push(module.to_string());
        let saved_calls = std::mem::take(&mut self.calls);
        let r = loader.load(self, module, from);
        self.calls = saved_calls;
        self.loading.pop();
        let r = r.map_err(|e| {
            let mut e2 = EvalError::with_kind(e.kind, format!("cannot load {module}: {}", e.msg));
            e2.backtrace = Vec::new();
            e2
        });
        self.load_cache.insert(module.to_string(), r.clone());
        r
    }

    /// Current number of active Starlark calls.
    pub fn depth(&self) -> usize {
        self.calls.len()
    }

    pub(crate) fn max_depth(&self) -> usize {
        self.max_depth
    }

    /// Binds a free variable list for a new closure (used by the VM).
    pub(crate) fn new_cell(v: Option<Value>) -> Cell {
        Rc::new(RefCell::new(v))
    }
}

//! The instruction loop: executes one function's bytecode in a frame whose
//! operand stack lives on the thread. Every fallible instruction returns a
//! Starlark error; the frame's position is added to the error's backtrace
//! as it unwinds.

use super::budget::{self, fresh_size, DICT_ENTRY, HEADER, SLOT};
use super::call::{self, bind_args_into};
use super::{ModuleEnv, Thread};
use crate::args::Args;
use crate::compile::{unpack2, CallShape, FuncCode, Op};
use crate::error::{EvalError, Frame, Result};
use crate::syntax::ast::{BinaryOp, Scope};
use crate::values::ops;
use crate::values::{drop_value, Cell, Closure, HashKey, Module, Value};
use std::rc::Rc;

/// Runs a Starlark function's frame (parameters already bound in its
/// locals) and returns its result. Calls from this frame to other Starlark
/// functions run in the same instruction loop: the caller is suspended on
/// the thread's frame stack, not on the native stack, so Starlark recursion
/// costs no native stack (only natives that call back into Starlark nest).
pub(crate) fn run_frame(thread: &mut Thread, mut frame: Box<FrameState>) -> Result<Value> {
    let entry = thread.frames.len();
    let result = crate::stack::guard(|| exec(thread, &mut frame, entry));
    match result {
        Ok(v) => {
            leave(thread, frame);
            Ok(v)
        }
        Err(mut e) => {
            // Unwind the frames this loop suspended, innermost first; the
            // outermost ends up first in the backtrace.
            let mut frame = Some(frame);
            while let Some(f) = frame {
                e.backtrace.insert(
                    0,
                    Frame {
                        function: f.code.name.clone(),
                        path: f.code.path.to_string(),
                        pos: f.code.pos_at(f.cur),
                    },
                );
                leave(thread, f);
                frame = if thread.frames.len() > entry {
                    thread.frames.pop()
                } else {
                    None
                };
            }
            Err(e)
        }
    }
}

/// The state of one running (or suspended) Starlark function call.
pub(crate) struct FrameState {
    code: Rc<FuncCode>,
    module: Rc<ModuleEnv>,
    /// The function being run (None for a module's top level): its free variables.
    closure: Option<Rc<Closure>>,
    locals: Vec<Option<Value>>,
    /// Where this frame's cells start in the thread's cell stack.
    cell_base: usize,
    /// Where this frame's loop iterators start in the thread's iterator stack.
    iter_base: usize,
    /// Where this frame's operands start in the thread's operand stack.
    base: usize,
    /// The next instruction to run (where a suspended caller resumes).
    pc: usize,
    /// The instruction being run, for error positions.
    cur: usize,
}

impl FrameState {
    /// Enters a call of `code` with initial locals `locals`: checks the call
    /// depth, pushes the call record and moves captured parameters into cells.
    pub(crate) fn enter(
        thread: &mut Thread,
        code: &Rc<FuncCode>,
        module: &Rc<ModuleEnv>,
        closure: Option<&Rc<Closure>>,
        mut locals: Vec<Option<Value>>,
    ) -> Result<Box<FrameState>> {
        if let Err(e) = call::enter(thread, code) {
            recycle_locals(thread, locals);
            return Err(e);
        }
        let cell_base = thread.cells.len();
        for &slot in code.cells.iter() {
            let v = locals.get_mut(slot as usize).and_then(|v| v.take());
            thread.cells.push(Thread::new_cell(v));
        }
        let slot = thread.frame_pool.pop().unwrap_or_else(Box::new_uninit);
        Ok(Box::write(
            slot,
            FrameState {
                code: code.clone(),
                module: module.clone(),
                closure: closure.cloned(),
                locals,
                cell_base,
                iter_base: thread.iters.len(),
                base: thread.stack.len(),
                pc: 0,
                cur: 0,
            },
        ))
    }

    /// Local `i`, or the error for reading it before it is assigned.
    #[inline]
    fn local(&self, i: u32) -> Result<&Value> {
        local_in(&self.locals, &self.code, i)
    }

    /// The free variables of the function being run.
    #[inline]
    fn freevars(&self) -> &[Cell] {
        self.closure.as_deref().map_or(&[], |c| &c.freevars)
    }

    /// Cell `k` of this frame.
    #[inline]
    fn cell<'t>(&self, thread: &'t Thread, k: u32) -> Option<&'t Cell> {
        thread
            .cells
            .get(self.cell_base..)
            .and_then(|c| c.get(k as usize))
    }

    /// The innermost loop iterator of this frame (never one of a caller's).
    #[inline]
    fn iter<'t>(&self, thread: &'t mut Thread) -> Option<&'t mut ops::ValueIter> {
        thread
            .iters
            .get_mut(self.iter_base..)
            .and_then(|i| i.last_mut())
    }

    /// Ends this frame's innermost loop (never one of a caller's).
    #[inline]
    fn pop_iter(&self, thread: &mut Thread) {
        if thread.iters.len() > self.iter_base {
            thread.iters.pop();
        }
    }
}

/// Local `i` of `locals` (a frame of `code`), or the error for reading it
/// before it is assigned. (A free function so that a caller can borrow a
/// frame's locals and set its other fields.)
#[inline]
fn local_in<'a>(locals: &'a [Option<Value>], code: &FuncCode, i: u32) -> Result<&'a Value> {
    match locals.get(i as usize) {
        Some(Some(v)) => Ok(v),
        _ => Err(unassigned_local(local_name(code, i))),
    }
}

/// Ends a frame: releases its iterators (and their guards), cells, operands
/// and call record, frees its locals and keeps its box for the next call.
fn leave(thread: &mut Thread, mut frame: Box<FrameState>) {
    thread.iters.truncate(frame.iter_base);
    thread.cells.truncate(frame.cell_base);
    thread.stack.truncate(frame.base);
    thread.calls.pop();
    recycle_locals(thread, std::mem::take(&mut frame.locals));
    if thread.frame_pool.len() < 64 {
        let raw = Box::into_raw(frame);
        // SAFETY: `raw` comes from `Box::into_raw`, so it is valid, aligned
        // and owned here; its contents are dropped exactly once, and the
        // allocation is then owned again as an uninitialised box of the
        // same layout (`MaybeUninit<T>` has `T`'s), which `enter` fills
        // with `Box::write` before any read.
        unsafe {
            std::ptr::drop_in_place(raw);
            thread.frame_pool.push(Box::from_raw(
                raw.cast::<std::mem::MaybeUninit<FrameState>>(),
            ));
        }
    }
}

/// Frees the values in a locals vector and keeps the vector for the next
/// call. Pooled vectors keep their length, every slot `None`, so a call of
/// a function with as many locals as the last one rewrites nothing.
pub(crate) fn recycle_locals(thread: &mut Thread, mut locals: Vec<Option<Value>>) {
    for slot in locals.iter_mut() {
        if let Some(v) = slot.take() {
            drop_value(v);
        }
    }
    if thread.locals_pool.len() < 64 {
        thread.locals_pool.push(locals);
    }
}

/// Pushes `v` on the operand stack as two word stores. A value returned
/// by a call comes back in two registers; `Vec::push` spills them to a
/// temporary and copies it with one 16-byte load, which stalls on store
/// forwarding (perf showed a fifth of the loop there on row-wise code).
#[inline(always)]
fn push(stack: &mut Vec<Value>, v: Value) {
    if stack.len() == stack.capacity() {
        stack.reserve(1);
    }
    // SAFETY: `Value` is 16 bytes aligned to 8 (asserted in `values`), so
    // it is exactly two words, each possibly holding uninitialised padding
    // (hence `MaybeUninit`). The slot at `len` is within capacity (reserved
    // above) and uninitialised; both words are written before `set_len`
    // makes it part of the vector, and `v` is moved in, not dropped.
    unsafe {
        let words: [std::mem::MaybeUninit<u64>; 2] = std::mem::transmute(v);
        let len = stack.len();
        let slot = stack
            .as_mut_ptr()
            .add(len)
            .cast::<std::mem::MaybeUninit<u64>>();
        slot.write(words[0]);
        slot.add(1).write(words[1]);
        stack.set_len(len + 1);
    }
}

/// Pops the top operand (`None` on an empty stack, which compiled code
/// never pops) with two word loads: a 16-byte load of a value [`push`]ed
/// as two words would stall on store forwarding.
#[inline(always)]
fn pop(stack: &mut Vec<Value>) -> Value {
    let Some(len) = stack.len().checked_sub(1) else {
        return Value::None;
    };
    // SAFETY: slot `len` holds an initialised value; `set_len` first takes
    // it out of the vector, so it is read (moved) exactly once. Its two
    // words, padding included, are copied as `MaybeUninit`.
    unsafe {
        stack.set_len(len);
        let slot = stack.as_ptr().add(len).cast::<std::mem::MaybeUninit<u64>>();
        let words = [slot.read(), slot.add(1).read()];
        std::mem::transmute::<[std::mem::MaybeUninit<u64>; 2], Value>(words)
    }
}

#[inline]
fn top(stack: &[Value]) -> Value {
    stack.last().cloned().unwrap_or(Value::None)
}

fn unassigned_local(name: &str) -> EvalError {
    EvalError::new(format!(
        "local variable {name} referenced before assignment"
    ))
}

/// The instruction loop. It runs `f` and, without leaving, the Starlark
/// functions `f` calls: a call suspends the caller on `thread.frames` and
/// makes the callee `f`; a return resumes the caller. It returns when the
/// frame it was entered with returns (the frames above `entry`); on an
/// error, `f` is the innermost frame and the callers are still suspended.
fn exec(thread: &mut Thread, f: &mut Box<FrameState>, entry: usize) -> Result<Value> {
    'frame: loop {
        let code_rc = f.code.clone();
        let code: &FuncCode = &code_rc;
        let mut pc = f.pc;
        loop {
            let Some(&op) = code.code.get(pc) else {
                // Falling off the end returns None.
                if thread.frames.len() > entry {
                    resume_caller(thread, f, Value::None);
                    continue 'frame;
                }
                return Ok(Value::None);
            };
            f.cur = pc;
            pc += 1;
            match op {
                Op::Pop => {
                    if let Some(v) = thread.stack.pop() {
                        drop_value(v);
                    }
                }
                Op::Dup => {
                    let v = top(&thread.stack);
                    push(&mut thread.stack, v);
                }
                Op::Dup2 => {
                    let n = thread.stack.len();
                    if n >= 2 {
                        let a = thread.stack[n - 2].clone();
                        let b = thread.stack[n - 1].clone();
                        push(&mut thread.stack, a);
                        push(&mut thread.stack, b);
                    }
                }
                Op::Swap => {
                    let n = thread.stack.len();
                    if n >= 2 {
                        thread.stack.swap(n - 1, n - 2);
                    }
                }
                Op::Rot3 => {
                    let n = thread.stack.len();
                    if n >= 3 {
                        let c = pop(&mut thread.stack);
                        thread.stack.insert(n - 3, c);
                    }
                }
                Op::Const(i) => {
                    let v = constant(code, i).clone();
                    push(&mut thread.stack, v);
                }
                Op::None => push(&mut thread.stack, Value::None),
                Op::True => push(&mut thread.stack, Value::Bool(true)),
                Op::False => push(&mut thread.stack, Value::Bool(false)),
                Op::LoadLocal(i) => {
                    let v = f.local(i)?.clone();
                    push(&mut thread.stack, v);
                }
                Op::StoreLocal(i) => {
                    let v = pop(&mut thread.stack);
                    if let Some(slot) = f.locals.get_mut(i as usize) {
                        if let Some(old) = slot.replace(v) {
                            drop_value(old);
                        }
                    }
                }
                Op::LoadLocal2(v) => {
                    let (a, b) = unpack2(v);
                    let x = f.local(a)?.clone();
                    push(&mut thread.stack, x);
                    // An error in the second load belongs to the instruction skipped.
                    f.cur = pc;
                    pc += 1;
                    let y = f.local(b)?.clone();
                    push(&mut thread.stack, y);
                }
                Op::LoadLocalConst(v) => {
                    let (a, k) = unpack2(v);
                    let x = f.local(a)?.clone();
                    push(&mut thread.stack, x);
                    push(&mut thread.stack, constant(code, k).clone());
                    pc += 1;
                }
                Op::StoreLoadLocal(v) => {
                    let (a, b) = unpack2(v);
                    let x = pop(&mut thread.stack);
                    if let Some(slot) = f.locals.get_mut(a as usize) {
                        if let Some(old) = slot.replace(x) {
                            drop_value(old);
                        }
                    }
                    f.cur = pc;
                    pc += 1;
                    let y = f.local(b)?.clone();
                    push(&mut thread.stack, y);
                }
                Op::IndexConst(k) => {
                    // Errors point at the index operation, the skipped instruction.
                    f.cur = pc;
                    pc += 1;
                    let x = pop(&mut thread.stack);
                    let r = ops::index(&x, constant(code, k))?;
                    push(&mut thread.stack, r);
                }
                Op::LoadCell(k) => {
                    let v = f.cell(thread, k).and_then(|c| c.borrow().clone());
                    match v {
                        Some(v) => push(&mut thread.stack, v),
                        None => {
                            let slot = code.cells.get(k as usize).copied().unwrap_or(0);
                            return Err(unassigned_local(local_name(code, slot)));
                        }
                    }
                }
                Op::StoreCell(k) => {
                    let v = pop(&mut thread.stack);
                    if let Some(c) = f.cell(thread, k) {
                        *c.borrow_mut() = Some(v);
                    }
                }
                Op::LoadFree(i) => {
                    let v = f
                        .freevars()
                        .get(i as usize)
                        .and_then(|c| c.borrow().clone());
                    match v {
                        Some(v) => push(&mut thread.stack, v),
                        None => {
                            let name = code
                                .free_vars
                                .get(i as usize)
                                .map_or("?", |fv| fv.0.as_str());
                            return Err(unassigned_local(name));
                        }
                    }
                }
                Op::LoadGlobal(i) => {
                    let v = f.module.globals.borrow().get(i as usize).cloned().flatten();
                    match v {
                        Some(v) => push(&mut thread.stack, v),
                        None => {
                            let names = f.module.names.borrow();
                            let name = names.get(i as usize).map_or("?", |s| s.as_str());
                            return Err(EvalError::new(format!(
                                "global variable {name} referenced before assignment"
                            )));
                        }
                    }
                }
                Op::StoreGlobal(i) => {
                    let v = pop(&mut thread.stack);
                    // Globals are sized before the module runs; an index beyond them
                    // can only come from a corrupt program.
                    let old = match f.module.globals.borrow_mut().get_mut(i as usize) {
                        Some(slot) => slot.replace(v),
                        None => {
                            return Err(EvalError::new("internal error: global index out of range"))
                        }
                    };
                    // Freed after the globals are released (it may be large).
                    if let Some(old) = old {
                        drop_value(old);
                    }
                }
                Op::LoadPredeclared(n) => {
                    let name = code.names.get(n as usize).map_or("", |s| s);
                    match f.module.predeclared.get(name) {
                        Some(v) => push(&mut thread.stack, v.clone()),
                        None => match thread.universe.get(name) {
                            Some(v) => push(&mut thread.stack, v.clone()),
                            None => return Err(EvalError::new(format!("undefined: {name}"))),
                        },
                    }
                }
                Op::LoadUniversal(n) => {
                    let name = code.names.get(n as usize).map_or("", |s| s);
                    match thread.universe.get(name) {
                        Some(v) => {
                            let v = v.clone();
                            push(&mut thread.stack, v)
                        }
                        None => match f.module.predeclared.get(name) {
                            Some(v) => push(&mut thread.stack, v.clone()),
                            None => return Err(EvalError::new(format!("undefined: {name}"))),
                        },
                    }
                }
                Op::Unary(u) => {
                    let x = pop(&mut thread.stack);
                    let r = match &x {
                        Value::Native(n) => match n.unary_in(thread, u)? {
                            Some(r) => r,
                            None => ops::unary(u, &x)?,
                        },
                        _ => ops::unary(u, &x)?,
                    };
                    push(&mut thread.stack, r);
                }
                Op::Binary(b) | Op::InplaceBinary(b) => {
                    if binary_in_place(&mut thread.stack, b) {
                        continue;
                    }
                    let y = pop(&mut thread.stack);
                    binary_general(thread, b, matches!(op, Op::InplaceBinary(_)), y)?;
                }
                Op::BinaryLocal(b, i) | Op::InplaceBinaryLocal(b, i) => {
                    let inplace = matches!(op, Op::InplaceBinaryLocal(..));
                    // Errors point at the operator, the skipped instruction.
                    f.cur = pc;
                    pc += 1;
                    binary_operand(thread, b, inplace, f.local(i)?)?;
                }
                Op::BinaryConst(b, k) => {
                    f.cur = pc;
                    pc += 1;
                    let y = constant(code, k);
                    binary_operand(thread, b, false, y)?;
                }
                Op::CompareJumpIfFalse(b, t) => {
                    pc += 1;
                    let n = thread.stack.len();
                    let truth = match (n >= 2)
                        .then(|| scalar_fast_path(b, &thread.stack[n - 2], &thread.stack[n - 1]))
                        .flatten()
                    {
                        Some(Value::Bool(r)) => {
                            forget_scalar(thread.stack.pop());
                            forget_scalar(thread.stack.pop());
                            r
                        }
                        _ => {
                            let y = pop(&mut thread.stack);
                            let x = pop(&mut thread.stack);
                            ops::binary(b, &x, &y)?.truth()
                        }
                    };
                    if !truth {
                        pc = jump(thread, pc, t)?;
                    }
                }
                Op::Jump(t) => pc = jump(thread, pc, t)?,
                Op::JumpIfFalse(t) => {
                    let truth = match thread.stack.last() {
                        Some(Value::Bool(b)) => {
                            let b = *b;
                            forget_scalar(thread.stack.pop());
                            b
                        }
                        _ => pop(&mut thread.stack).truth(),
                    };
                    if !truth {
                        pc = jump(thread, pc, t)?;
                    }
                }
                Op::JumpIfTrue(t) => {
                    if pop(&mut thread.stack).truth() {
                        pc = jump(thread, pc, t)?;
                    }
                }
                Op::JumpIfFalseOrPop(t) => {
                    if !thread.stack.last().is_some_and(|v| v.truth()) {
                        pc = jump(thread, pc, t)?;
                    } else {
                        thread.stack.pop();
                    }
                }
                Op::JumpIfTrueOrPop(t) => {
                    if thread.stack.last().is_some_and(|v| v.truth()) {
                        pc = jump(thread, pc, t)?;
                    } else {
                        thread.stack.pop();
                    }
                }
                Op::IterPush => {
                    let x = pop(&mut thread.stack);
                    let it = ops::iterate_or_err(&x)?;
                    thread.iters.push(it);
                }
                Op::IterNext(t) => {
                    thread.step()?;
                    match f.iter(thread).and_then(|it| it.next()) {
                        Some(v) => push(&mut thread.stack, v),
                        None => {
                            f.pop_iter(thread);
                            pc = t as usize;
                        }
                    }
                }
                Op::IterPop => f.pop_iter(thread),
                Op::MakeList(n) => {
                    let at = thread.stack.len().saturating_sub(n as usize);
                    thread.account(HEADER + SLOT * (thread.stack.len() - at))?;
                    let items = thread.stack.split_off(at);
                    push(&mut thread.stack, Value::list(items));
                }
                Op::MakeTuple(n) => {
                    let at = thread.stack.len().saturating_sub(n as usize);
                    thread.account(HEADER + SLOT * (thread.stack.len() - at))?;
                    let items = thread.stack.split_off(at);
                    push(&mut thread.stack, Value::tuple(items));
                }
                Op::MakeDict(n) => {
                    thread.account(HEADER + DICT_ENTRY * n as usize)?;
                    // The operand is a size hint; cap it so a corrupt program cannot over-allocate.
                    let d = crate::values::Dict::with_capacity((n as usize).min(1 << 16));
                    push(&mut thread.stack, Value::Dict(Rc::new(d)));
                }
                Op::DictInsertUnique => {
                    let v = pop(&mut thread.stack);
                    let k = pop(&mut thread.stack);
                    if let Some(Value::Dict(d)) = thread.stack.last() {
                        let key = HashKey::new(k.clone())?;
                        if d.insert_key(key, v)?.is_some() {
                            return Err(EvalError::new(format!(
                                "duplicate key: {}",
                                crate::values::repr(&k)
                            )));
                        }
                    }
                }
                Op::ListAppend => {
                    thread.account(SLOT)?;
                    let v = pop(&mut thread.stack);
                    if let Some(Value::List(l)) = thread.stack.last() {
                        l.push(v)?;
                    }
                }
                Op::DictInsert => {
                    let v = pop(&mut thread.stack);
                    let k = pop(&mut thread.stack);
                    thread.account(DICT_ENTRY)?;
                    if let Some(Value::Dict(d)) = thread.stack.last() {
                        d.insert(k, v)?;
                    }
                }
                Op::Index => {
                    let i = pop(&mut thread.stack);
                    let x = pop(&mut thread.stack);
                    let r = ops::index(&x, &i)?;
                    push(&mut thread.stack, r);
                }
                Op::SetIndex => {
                    let i = pop(&mut thread.stack);
                    let x = pop(&mut thread.stack);
                    let v = pop(&mut thread.stack);
                    set_index_charged(thread, &x, &i, v)?;
                }
                Op::IndexLocals(v) | Op::IndexLocalConst(v) | Op::SetIndexLocals(v) => {
                    let (a, b) = unpack2(v);
                    let x = local_in(&f.locals, code, a)?;
                    let key = if let Op::IndexLocalConst(_) = op {
                        constant(code, b)
                    } else {
                        // An error in the second load belongs to the instruction skipped.
                        f.cur = pc;
                        local_in(&f.locals, code, b)?
                    };
                    // Errors point at the subscript, the last of the three.
                    f.cur = pc + 1;
                    pc += 2;
                    if let Op::SetIndexLocals(_) = op {
                        let v = pop(&mut thread.stack);
                        set_index_charged(thread, x, key, v)?;
                    } else {
                        let r = ops::index(x, key)?;
                        push(&mut thread.stack, r);
                    }
                }
                Op::Slice => {
                    let step = pop(&mut thread.stack);
                    let hi = pop(&mut thread.stack);
                    let lo = pop(&mut thread.stack);
                    let x = pop(&mut thread.stack);
                    let r = ops::slice(&x, &lo, &hi, &step)?;
                    thread.account(fresh_size(&r))?;
                    push(&mut thread.stack, r);
                }
                Op::Attr(n) => {
                    let x = pop(&mut thread.stack);
                    let name = code.names.get(n as usize).map_or("", |s| s);
                    let r = crate::builtins::get_attr(&x, name, thread.attr_filter())?;
                    push(&mut thread.stack, r);
                }
                Op::SetAttr(n) => {
                    let x = pop(&mut thread.stack);
                    let v = pop(&mut thread.stack);
                    let name = code.names.get(n as usize).map_or("", |s| s);
                    crate::builtins::set_attr(thread, &x, name, v)?;
                }
                Op::Unpack(n) => {
                    let x = pop(&mut thread.stack);
                    unpack(thread, &x, n as usize)?;
                }
                Op::Call(_) | Op::CallMethod(_) => {
                    if let Some(rec) = thread.calls.last_mut() {
                        rec.pc = f.cur;
                    }
                    let called = match op {
                        Op::CallMethod(packed) => {
                            let (shape, n) = CallShape::unpack_method(packed);
                            let name = code.names.get(n as usize).map_or("", |s| s);
                            do_call_method(thread, shape, name, code.method_cache.get(n as usize))?
                        }
                        Op::Call(packed) => do_call(thread, CallShape::unpack(packed))?,
                        _ => return Err(EvalError::new("internal error: not a call")),
                    };
                    match called {
                        Called::Done(r) => push(&mut thread.stack, r),
                        Called::Enter(callee) => {
                            f.pc = pc;
                            let caller = std::mem::replace(f, callee);
                            thread.frames.push(caller);
                            continue 'frame;
                        }
                    }
                }
                Op::MakeFunc(i) => {
                    let v = make_func(thread, f, i as usize)?;
                    push(&mut thread.stack, v);
                }
                Op::Return => {
                    let v = pop(&mut thread.stack);
                    if thread.frames.len() > entry {
                        resume_caller(thread, f, v);
                        continue 'frame;
                    }
                    return Ok(v);
                }
                Op::LoadModule(k) => {
                    let name = const_str(code, k);
                    let members = thread.load_module(&name, &f.module.path)?;
                    thread
                        .stack
                        .push(Value::Module(Rc::new(Module::new(name, members))));
                }
                Op::LoadExport(k) => {
                    let m = pop(&mut thread.stack);
                    let name = const_str(code, k);
                    let Value::Module(m) = &m else {
                        return Err(EvalError::new("load: internal error: not a module"));
                    };
                    match m.members.get(&name) {
                        Some(v) => push(&mut thread.stack, v.clone()),
                        None => {
                            let hint = crate::hint::did_you_mean(
                                &name,
                                m.members.keys().map(|s| s.as_str()),
                            );
                            return Err(EvalError::new(format!(
                                "load: name {name} not found in module {}{hint}",
                                m.name
                            )));
                        }
                    }
                }
            }
        }
    }
}

/// Ends the returning frame `f` and resumes its caller (suspended on the
/// thread's frame stack) with the result `v` on its operand stack.
fn resume_caller(thread: &mut Thread, f: &mut Box<FrameState>, v: Value) {
    if let Some(caller) = thread.frames.pop() {
        let done = std::mem::replace(f, caller);
        leave(thread, done);
    }
    push(&mut thread.stack, v);
}

/// `x[i] = v`, charging the entry when it grows a dict.
#[inline]
fn set_index_charged(thread: &mut Thread, x: &Value, i: &Value, v: Value) -> Result<()> {
    match x {
        Value::Dict(d) => {
            let before = d.len();
            ops::set_index(x, i, v)?;
            if d.len() > before {
                thread.account(DICT_ENTRY)?;
            }
            Ok(())
        }
        _ => ops::set_index(x, i, v),
    }
}

/// `x op y` (or `x op= y`) with `x` on top of the stack (replaced by the
/// result) and `y` from a local or constant: in place for scalars, else
/// through the general path.
#[inline(always)]
fn binary_operand(thread: &mut Thread, b: BinaryOp, inplace: bool, y: &Value) -> Result<()> {
    if let Some(x) = thread.stack.last_mut() {
        if let Some(r) = scalar_fast_path(b, x, y) {
            forget_scalar(Some(std::mem::replace(x, r)));
            return Ok(());
        }
    }
    binary_general(thread, b, inplace, y.clone())
}

/// `x op y` (or `x op= y`) through the general path, with `x` popped from
/// the stack and the result pushed.
fn binary_general(thread: &mut Thread, b: BinaryOp, inplace: bool, y: Value) -> Result<()> {
    let x = pop(&mut thread.stack);
    // Charged before the operation allocates; `str % x` stops formatting
    // at what is left of the budget, then its result is charged.
    let mut sz = budget::binary_cost(b, inplace, &x, &y)?;
    if sz > 0 {
        thread.account(sz)?;
    }
    let r = if let (BinaryOp::Mod, Value::Str(_)) = (b, &x) {
        let limit = thread.memory_remaining();
        let r = crate::builtins::format::percent_limited(&x, &y, limit)?
            .ok_or_else(|| thread.memory_error())?;
        sz = fresh_size(&r);
        thread.account(sz)?;
        r
    } else if matches!(x, Value::Native(_)) || matches!(y, Value::Native(_)) {
        // Native operands (table columns, frames) are asked with the thread,
        // so what they build is charged before it is made.
        let mut native = |n: &dyn crate::values::NativeValue, op, other: &Value, left| {
            n.binary_in(thread, op, other, left)
        };
        if inplace {
            ops::inplace_binary_with(b, &x, &y, &mut native)?
        } else {
            ops::binary_with(b, &x, &y, &mut native)?
        }
    } else if inplace {
        ops::inplace_binary(b, &x, &y)?
    } else {
        ops::binary(b, &x, &y)?
    };
    thread.after_large_work(sz)?;
    push(&mut thread.stack, r);
    Ok(())
}

/// Applies `op` to the two values on top of the stack in place, when both are
/// small ints or floats and the fast path applies; returns whether it did.
#[inline(always)]
fn binary_in_place(stack: &mut Vec<Value>, op: BinaryOp) -> bool {
    let n = stack.len();
    if n < 2 {
        return false;
    }
    match scalar_fast_path(op, &stack[n - 2], &stack[n - 1]) {
        Some(r) => {
            // Both operands are scalars (no heap data): forgetting them skips
            // the out-of-line drop glue of `Value`.
            forget_scalar(stack.pop());
            forget_scalar(Some(std::mem::replace(&mut stack[n - 2], r)));
            true
        }
        None => false,
    }
}

/// Discards a value known to be a scalar (None, bool, small int, float)
/// without running drop glue; anything else is dropped normally.
#[inline(always)]
fn forget_scalar(v: Option<Value>) {
    match v {
        Some(v @ (Value::None | Value::Bool(_) | Value::Int(_) | Value::Float(_))) => {
            std::mem::forget(v)
        }
        other => drop(other),
    }
}

/// `x op y` on small ints and floats, when the result is cheap and exact;
/// None sends the operation down the general path (which also reports errors).
#[inline(always)]
fn scalar_fast_path(op: BinaryOp, x: &Value, y: &Value) -> Option<Value> {
    match (x, y) {
        (Value::Int(a), Value::Int(b)) => int_fast_path(op, *a, *b),
        (Value::Float(a), Value::Float(b)) => float_fast_path(op, *a, *b),
        (Value::Float(a), Value::Int(b)) if b.unsigned_abs() < (1 << 53) => {
            float_fast_path(op, *a, *b as f64)
        }
        (Value::Int(a), Value::Float(b)) if a.unsigned_abs() < (1 << 53) => {
            float_fast_path(op, *a as f64, *b)
        }
        _ => None,
    }
}

/// Float arithmetic and comparisons without NaN (NaN ordering is special).
#[inline(always)]
fn float_fast_path(op: BinaryOp, x: f64, y: f64) -> Option<Value> {
    use BinaryOp::*;
    if x.is_nan() || y.is_nan() {
        return None;
    }
    Some(match op {
        Add => Value::Float(x + y),
        Sub => Value::Float(x - y),
        Mul => Value::Float(x * y),
        Div if y != 0.0 => Value::Float(x / y),
        Lt => Value::Bool(x < y),
        Le => Value::Bool(x <= y),
        Gt => Value::Bool(x > y),
        Ge => Value::Bool(x >= y),
        Eq => Value::Bool(x == y),
        Ne => Value::Bool(x != y),
        _ => return None,
    })
}

/// `x op y` on two small ints when the result is cheap and exact.
#[inline(always)]
fn int_fast_path(op: BinaryOp, x: i64, y: i64) -> Option<Value> {
    use BinaryOp::*;
    Some(match op {
        Add => Value::Int(x.checked_add(y)?),
        Sub => Value::Int(x.checked_sub(y)?),
        Mul => Value::Int(x.checked_mul(y)?),
        Mod if y > 0 && x >= 0 => Value::Int(x % y),
        FloorDiv if y > 0 && x >= 0 => Value::Int(x / y),
        Lt => Value::Bool(x < y),
        Le => Value::Bool(x <= y),
        Gt => Value::Bool(x > y),
        Ge => Value::Bool(x >= y),
        Eq => Value::Bool(x == y),
        Ne => Value::Bool(x != y),
        BitAnd => Value::Int(x & y),
        BitOr => Value::Int(x | y),
        BitXor => Value::Int(x ^ y),
        _ => return None,
    })
}

/// The target of a jump; a backward jump counts as a step, so that every
/// loop (even one in a corrupt program) is bounded by the step budget.
#[inline]
fn jump(thread: &mut Thread, pc: usize, target: u32) -> Result<usize> {
    let t = target as usize;
    if t < pc {
        thread.step()?;
    }
    Ok(t)
}

/// Constant `k` of `code` (None for an index a corrupt program made up).
#[inline]
fn constant(code: &FuncCode, k: u32) -> &Value {
    code.consts.get(k as usize).unwrap_or(&Value::None)
}

fn local_name(code: &FuncCode, i: u32) -> &str {
    code.locals.get(i as usize).map_or("?", |s| s.as_str())
}

fn const_str(code: &FuncCode, k: u32) -> String {
    match code.consts.get(k as usize) {
        Some(Value::Str(s)) => s.to_str_lossy().into_owned(),
        _ => String::new(),
    }
}

fn unpack(thread: &mut Thread, x: &Value, n: usize) -> Result<()> {
    let items = match x {
        Value::List(_) | Value::Tuple(_) | Value::Dict(_) | Value::Set(_) | Value::Range(_) => {
            ops::collect(x)?
        }
        Value::Native(nv) => match nv.iterate() {
            Some(it) => it.take(n + 1).collect(),
            None => {
                return Err(EvalError::new(format!(
                    "got {} in sequence assignment",
                    x.type_name()
                )))
            }
        },
        _ => {
            return Err(EvalError::new(format!(
                "got {} in sequence assignment",
                x.type_name()
            )))
        }
    };
    if items.len() > n {
        return Err(EvalError::new(format!(
            "too many values to unpack (got {}, want {n})",
            items.len()
        )));
    }
    if items.len() < n {
        return Err(EvalError::new(format!(
            "too few values to unpack (got {}, want {n})",
            items.len()
        )));
    }
    thread.stack.extend(items.into_iter().rev());
    Ok(())
}

fn make_func(thread: &mut Thread, f: &FrameState, i: usize) -> Result<Value> {
    let fcode = match f.code.functions.get(i) {
        Some(c) => c.clone(),
        None => return Err(EvalError::new("internal error: bad function index")),
    };
    let ndefaults = fcode.has_default.iter().filter(|d| **d).count();
    let at = thread.stack.len().saturating_sub(ndefaults);
    let mut given = thread.stack.split_off(at).into_iter();
    let defaults = fcode
        .has_default
        .iter()
        .map(|&d| if d { given.next() } else { None })
        .collect();
    let mut freevars = Vec::with_capacity(fcode.free_vars.len());
    for (name, scope) in &fcode.free_vars {
        let cell = match scope {
            Scope::Cell(slot) | Scope::Local(slot) => f
                .code
                .cell_index(*slot)
                .and_then(|k| f.cell(thread, k as u32).cloned()),
            Scope::Free(k) => f.freevars().get(*k as usize).cloned(),
            _ => None,
        };
        match cell {
            Some(c) => freevars.push(c),
            None => {
                return Err(EvalError::new(format!(
                    "internal error: cannot capture {name}"
                )))
            }
        }
    }
    Ok(Value::Function(Rc::new(Closure {
        code: fcode,
        module: f.module.clone(),
        defaults,
        freevars,
        frozen: std::cell::Cell::new(false),
    })))
}

/// What a call instruction produced: a value (a built-in or host function
/// ran), or a Starlark function's frame for the instruction loop to enter.
enum Called {
    Done(Value),
    Enter(Box<FrameState>),
}

/// Calls the callee laid out on the stack by `shape`, consuming it and its arguments.
fn do_call(thread: &mut Thread, shape: CallShape) -> Result<Called> {
    let nargs = shape.stack_len();
    let len = thread.stack.len();
    if len < nargs + 1 {
        return Err(EvalError::new("internal error: stack underflow in call"));
    }
    let fpos = len - nargs - 1;
    let positional_only = shape.named == 0 && !shape.star && !shape.star_star;
    if !matches!(thread.stack[fpos], Value::Function(_)) {
        let func = thread.stack[fpos].clone();
        let args = take_args(thread, fpos, shape)?;
        let r = call::call_value(thread, &func, &args);
        recycle_args(thread, args);
        return r.map(Called::Done);
    }
    // A Starlark function: bind its locals and hand its frame to the loop.
    // The function moves off the stack (no reference-count traffic).
    let Value::Function(c) = std::mem::replace(&mut thread.stack[fpos], Value::None) else {
        return Err(EvalError::new("internal error: callee moved"));
    };
    let mut locals = thread.locals_pool.pop().unwrap_or_default();
    if positional_only && call::binds_exactly(&c.code, nargs) {
        // The arguments are the first locals: move them too. (A pooled
        // vector holds only `None`.)
        locals.resize(c.code.locals.len().max(nargs), None);
        for slot in locals[..nargs].iter_mut().rev() {
            *slot = thread.stack.pop();
        }
        thread.stack.pop();
    } else if positional_only {
        let bound = bind_args_into(&c, &thread.stack[fpos + 1..], &[], locals);
        shrink_stack(thread, fpos);
        locals = bound?;
    } else {
        let args = take_args(thread, fpos, shape)?;
        let bound = bind_args_into(&c, &args.positional, &args.named, locals);
        recycle_args(thread, args);
        locals = bound?;
    }
    call::start_call(thread, &c, locals).map(Called::Enter)
}

/// Returns an argument vector to the thread's pool (emptied).
#[inline]
pub(crate) fn recycle_args(thread: &mut Thread, mut args: Box<Args>) {
    if thread.args_pool.len() < 16 {
        while let Some(v) = args.positional.pop() {
            forget_scalar(Some(v));
        }
        if !args.named.is_empty() {
            args.named.clear();
        }
        thread.args_pool.push(args);
    }
}

/// `recv.name(args)`: a built-in type's method is called straight from its
/// method table; anything else goes through attribute lookup and a call.
fn do_call_method(
    thread: &mut Thread,
    shape: CallShape,
    name: &str,
    cache: Option<&std::cell::Cell<(usize, u32)>>,
) -> Result<Called> {
    let nargs = shape.stack_len();
    let len = thread.stack.len();
    if len < nargs + 1 {
        return Err(EvalError::new("internal error: stack underflow in call"));
    }
    let fpos = len - nargs - 1;
    // The receiver moves off the stack (the slot is rewritten or truncated below).
    let recv = std::mem::replace(&mut thread.stack[fpos], Value::None);
    let table = crate::builtins::methods(&recv);
    let addr = table.as_ptr() as usize;
    let found = match cache.map(|c| c.get()) {
        Some((a, i)) if a == addr && (i as usize) < table.len() => Some(i as usize),
        _ => {
            let i = table.binary_search_by(|(n, _)| (*n).cmp(name)).ok();
            if let (Some(i), Some(c)) = (i, cache) {
                c.set((addr, i as u32));
            }
            i
        }
    };
    let found = found
        .and_then(|i| table.get(i))
        .filter(|(n, _)| crate::builtins::visible(thread.attr_filter(), &recv, n));
    if let Some((_, method)) = found {
        let method = *method;
        let args = take_args(thread, fpos, shape)?;
        let r = method(thread, &recv, &args);
        recycle_args(thread, args);
        return r.map(Called::Done);
    }
    match crate::builtins::get_attr(&recv, name, thread.attr_filter()) {
        Ok(f) => {
            thread.stack[fpos] = f;
            do_call(thread, shape)
        }
        Err(e) => {
            thread.stack.truncate(fpos);
            Err(e)
        }
    }
}

/// Truncates the operand stack to `len`, dropping what is above it.
#[inline]
fn shrink_stack(thread: &mut Thread, len: usize) {
    while thread.stack.len() > len {
        forget_scalar(thread.stack.pop());
    }
}

/// Collects the arguments laid out on the stack above `fpos` by `shape`
/// (expanding `*args` and `**kwargs`) and truncates the stack to `fpos`.
#[inline]
fn take_args(thread: &mut Thread, fpos: usize, shape: CallShape) -> Result<Box<Args>> {
    let mut args = thread.args_pool.pop().unwrap_or_default();
    let mut at = fpos + 1;
    if shape.named == 0 && !shape.star && !shape.star_star {
        // Positional arguments only: move them off the stack (no count
        // traffic), then drop the callee.
        let n = thread.stack.len().saturating_sub(at);
        args.positional.reserve(n);
        for v in thread.stack.iter_mut().skip(at) {
            args.positional.push(std::mem::replace(v, Value::None));
        }
        shrink_stack(thread, fpos);
        return Ok(args);
    }
    args.positional
        .extend_from_slice(&thread.stack[at..at + shape.positional as usize]);
    at += shape.positional as usize;
    for _ in 0..shape.named {
        let name = match &thread.stack[at] {
            Value::Str(s) => Rc::from(s.to_str_lossy().as_ref()),
            _ => Rc::from(""),
        };
        args.named.push((name, thread.stack[at + 1].clone()));
        at += 2;
    }
    if shape.star {
        let x = thread.stack[at].clone();
        at += 1;
        match ops::iterate(&x) {
            Some(mut it) => {
                while let Some(v) = it.next() {
                    args.positional.push(v);
                }
            }
            None => {
                thread.stack.truncate(fpos);
                return Err(EvalError::new(format!(
                    "argument after * must be iterable, not {}",
                    x.type_name()
                )));
            }
        }
    }
    if shape.star_star {
        let x = thread.stack[at].clone();
        match &x {
            Value::Dict(d) => {
                for (k, v) in d.entries().iter() {
                    match &k.value {
                        Value::Str(s) => args
                            .named
                            .push((Rc::from(s.to_str_lossy().as_ref()), v.clone())),
                        other => {
                            let msg =
                                format!("keywords must be strings, not {}", other.type_name());
                            thread.stack.truncate(fpos);
                            return Err(EvalError::new(msg));
                        }
                    }
                }
            }
            _ => {
                thread.stack.truncate(fpos);
                return Err(EvalError::new(format!(
                    "argument after ** must be a mapping, not {}",
                    x.type_name()
                )));
            }
        }
    }
    thread.stack.truncate(fpos);
    Ok(args)
}

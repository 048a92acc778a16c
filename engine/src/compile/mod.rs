//! Compile: turns a resolved AST into compact bytecode ([`FuncCode`]) with a
//! position for every instruction. A whole file becomes a [`Program`], which
//! can be written to bytes and read back to run many times without re-parsing.

mod encode;
mod opcode;
mod peephole;

pub use encode::DecodeError;
pub(crate) use opcode::unpack2;
pub use opcode::{CallShape, Op};

use crate::syntax::ast::*;
use crate::values::Value;
use num_traits::ToPrimitive;
use rustc_hash::FxHashMap;
use std::rc::Rc;

/// Compiled code of one function (or of a module's top level).
#[derive(Debug)]
pub struct FuncCode {
    /// Function name (`<toplevel>` for module code, `<expr>` for an expression).
    pub name: String,
    /// File name, for backtraces.
    pub path: Rc<str>,
    /// Position of `def` / `lambda`.
    pub pos: Pos,
    /// Instructions.
    pub code: Vec<Op>,
    /// Source position of each instruction.
    pub positions: Vec<Pos>,
    /// Constants (ints, floats, strings, bytes).
    pub consts: Vec<Value>,
    /// Names used by attribute and predeclared/universal lookups.
    pub names: Vec<Rc<str>>,
    /// Names of local slots (parameters first).
    pub locals: Vec<String>,
    /// Local slots that live in cells, in cell-index order.
    pub cells: Vec<u32>,
    /// Captured variables: name and where to find them in the enclosing function.
    pub free_vars: Vec<(String, Scope)>,
    /// Number of named parameters (positional and keyword-only).
    pub num_params: u32,
    /// Number of keyword-only parameters (the last of `num_params`).
    pub num_kwonly: u32,
    /// Whether there is a `*args` parameter (slot `num_params`).
    pub has_varargs: bool,
    /// Whether there is a `**kwargs` parameter (the slot after `*args`).
    pub has_kwargs: bool,
    /// Which named parameters have a default, in parameter order.
    pub has_default: Vec<bool>,
    /// Nested functions, referenced by [`Op::MakeFunc`].
    pub functions: Vec<Rc<FuncCode>>,
    /// Per name: where the last `CallMethod` with that name found its method
    /// (the method table's address and the index in it). Filled as the code runs.
    pub method_cache: Vec<std::cell::Cell<(usize, u32)>>,
}

impl FuncCode {
    /// The source position of instruction `pc`.
    pub fn pos_at(&self, pc: usize) -> Pos {
        self.positions.get(pc).copied().unwrap_or(self.pos)
    }

    /// Readies compiled or decoded code to run: fuses instruction pairs
    /// and sizes the method cache.
    pub(crate) fn prepare(&mut self) {
        peephole::fuse(&mut self.code);
        self.method_cache = vec![std::cell::Cell::new((0, 0)); self.names.len()];
    }

    /// The cell index of local `slot`, if it is a cell.
    pub fn cell_index(&self, slot: u32) -> Option<usize> {
        self.cells.iter().position(|&c| c == slot)
    }
}

/// A compiled file: its top-level code, its globals and the modules it loads.
#[derive(Debug)]
pub struct Program {
    /// The file name.
    pub(crate) path: String,
    /// The module's top-level code.
    pub(crate) toplevel: Rc<FuncCode>,
    /// Names of the module's globals, by index.
    pub(crate) globals: Vec<String>,
    /// Module names of `load` statements, in order.
    pub(crate) loads: Vec<String>,
}

impl Program {
    /// Serialises the program.
    pub fn to_bytes(&self) -> Vec<u8> {
        encode::encode_program(self)
    }

    /// Reads a program written by [`Program::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Program, DecodeError> {
        encode::decode_program(bytes)
    }
}

/// Compiles a resolved file. With `keep_last_expr`, a trailing expression
/// statement's value is returned from the top-level code (for REPLs).
pub fn compile_file(file: &File, keep_last_expr: bool) -> Program {
    let path: Rc<str> = Rc::from(file.path.as_str());
    let mut loads = Vec::new();
    for s in &file.stmts {
        if let StmtKind::Load { module, .. } = &s.kind {
            loads.push(module.clone());
        }
    }
    let mut c = Compiler::new(path.clone(), "<toplevel>", Pos::new(1, 1), &file.scope);
    let n = file.stmts.len();
    for (i, s) in file.stmts.iter().enumerate() {
        if keep_last_expr && i + 1 == n {
            if let StmtKind::Expr(e) = &s.kind {
                c.expr(e);
                c.emit(Op::Return, s.pos);
                continue;
            }
        }
        c.stmt(s);
    }
    c.emit(Op::None, Pos::default());
    c.emit(Op::Return, Pos::default());
    Program {
        path: file.path.clone(),
        toplevel: Rc::new(c.finish()),
        globals: file.globals.clone(),
        loads,
    }
}

/// Compiles a resolved expression into code that returns its value.
pub fn compile_expr(path: &str, expr: &Expr, scope: &FunctionScope) -> FuncCode {
    let mut c = Compiler::new(Rc::from(path), "<expr>", expr.pos, scope);
    c.expr(expr);
    c.emit(Op::Return, expr.pos);
    c.finish()
}

struct Loop {
    /// Where `continue` jumps.
    cont: u32,
    /// Jumps to patch to the loop's end.
    breaks: Vec<usize>,
    /// Whether the loop holds an iterator (for loops) that `break` must pop.
    is_for: bool,
}

struct Compiler {
    f: FuncCode,
    const_ints: FxHashMap<i64, u32>,
    const_strs: FxHashMap<Vec<u8>, u32>,
    name_idx: FxHashMap<String, u32>,
    loops: Vec<Loop>,
}

impl Compiler {
    fn new(path: Rc<str>, name: &str, pos: Pos, scope: &FunctionScope) -> Compiler {
        Compiler {
            f: FuncCode {
                name: name.to_string(),
                path,
                pos,
                code: Vec::new(),
                positions: Vec::new(),
                consts: Vec::new(),
                names: Vec::new(),
                locals: scope.locals.clone(),
                cells: scope.cells.clone(),
                free_vars: scope.free_vars.clone(),
                num_params: 0,
                num_kwonly: scope.num_kwonly,
                has_varargs: scope.has_varargs,
                has_kwargs: scope.has_kwargs,
                has_default: Vec::new(),
                functions: Vec::new(),
                method_cache: Vec::new(),
            },
            const_ints: FxHashMap::default(),
            const_strs: FxHashMap::default(),
            name_idx: FxHashMap::default(),
            loops: Vec::new(),
        }
    }

    fn finish(mut self) -> FuncCode {
        self.f.prepare();
        self.f
    }

    fn emit(&mut self, op: Op, pos: Pos) -> usize {
        self.f.code.push(op);
        self.f.positions.push(pos);
        self.f.code.len() - 1
    }

    fn here(&self) -> u32 {
        self.f.code.len() as u32
    }

    fn patch(&mut self, at: usize) {
        let target = self.here();
        match &mut self.f.code[at] {
            Op::Jump(t)
            | Op::JumpIfFalse(t)
            | Op::JumpIfTrue(t)
            | Op::JumpIfFalseOrPop(t)
            | Op::JumpIfTrueOrPop(t)
            | Op::IterNext(t) => *t = target,
            _ => {}
        }
    }

    fn const_value(&mut self, v: Value) -> u32 {
        self.f.consts.push(v);
        (self.f.consts.len() - 1) as u32
    }

    fn const_str(&mut self, s: &[u8]) -> u32 {
        if let Some(&i) = self.const_strs.get(s) {
            return i;
        }
        let i = self.const_value(Value::str_bytes(s.to_vec()));
        self.const_strs.insert(s.to_vec(), i);
        i
    }

    fn const_int(&mut self, i: i64) -> u32 {
        if let Some(&k) = self.const_ints.get(&i) {
            return k;
        }
        let k = self.const_value(Value::Int(i));
        self.const_ints.insert(i, k);
        k
    }

    fn name(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.name_idx.get(s) {
            return i;
        }
        self.f.names.push(Rc::from(s));
        let i = (self.f.names.len() - 1) as u32;
        self.name_idx.insert(s.to_string(), i);
        i
    }

    fn cell_of(&self, slot: u32) -> u32 {
        self.f.cell_index(slot).unwrap_or(0) as u32
    }

    // ---- statements ----

    fn stmts(&mut self, stmts: &[Stmt]) {
        for s in stmts {
            self.stmt(s);
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        crate::stack::guard(|| self.stmt_inner(s))
    }

    fn stmt_inner(&mut self, s: &Stmt) {
        let pos = s.pos;
        match &s.kind {
            StmtKind::Expr(e) => {
                self.expr(e);
                self.emit(Op::Pop, pos);
            }
            StmtKind::Pass => {}
            StmtKind::Assign {
                lhs,
                op,
                op_pos,
                rhs,
            } => match op {
                None => {
                    self.expr(rhs);
                    self.assign(lhs);
                }
                Some(op) => self.aug_assign(lhs, *op, *op_pos, rhs),
            },
            StmtKind::Def(name, func) => {
                self.function(func);
                self.store_ident(name);
            }
            StmtKind::If { cond, then, else_ } => {
                self.expr(cond);
                let jf = self.emit(Op::JumpIfFalse(0), pos);
                self.stmts(then);
                if else_.is_empty() {
                    self.patch(jf);
                } else {
                    let j = self.emit(Op::Jump(0), pos);
                    self.patch(jf);
                    self.stmts(else_);
                    self.patch(j);
                }
            }
            StmtKind::For { vars, iter, body } => {
                self.expr(iter);
                self.emit(Op::IterPush, pos);
                let top = self.here();
                let next = self.emit(Op::IterNext(0), pos);
                self.assign(vars);
                self.loops.push(Loop {
                    cont: top,
                    breaks: Vec::new(),
                    is_for: true,
                });
                self.stmts(body);
                self.emit(Op::Jump(top), pos);
                self.patch(next);
                let lp = self.loops.pop();
                for b in lp.map(|l| l.breaks).unwrap_or_default() {
                    self.patch(b);
                }
            }
            StmtKind::While { cond, body } => {
                let top = self.here();
                self.expr(cond);
                let jf = self.emit(Op::JumpIfFalse(0), pos);
                self.loops.push(Loop {
                    cont: top,
                    breaks: Vec::new(),
                    is_for: false,
                });
                self.stmts(body);
                self.emit(Op::Jump(top), pos);
                self.patch(jf);
                let lp = self.loops.pop();
                for b in lp.map(|l| l.breaks).unwrap_or_default() {
                    self.patch(b);
                }
            }
            StmtKind::Break => {
                if let Some(l) = self.loops.last() {
                    if l.is_for {
                        self.emit(Op::IterPop, pos);
                    }
                    let j = self.emit(Op::Jump(0), pos);
                    if let Some(l) = self.loops.last_mut() {
                        l.breaks.push(j);
                    }
                }
            }
            StmtKind::Continue => {
                if let Some(l) = self.loops.last() {
                    let t = l.cont;
                    self.emit(Op::Jump(t), pos);
                }
            }
            StmtKind::Return(x) => {
                match x {
                    Some(x) => self.expr(x),
                    None => {
                        self.emit(Op::None, pos);
                    }
                }
                self.emit(Op::Return, pos);
            }
            StmtKind::Load {
                module,
                module_pos,
                bindings,
            } => {
                let m = self.const_str(module.as_bytes());
                self.emit(Op::LoadModule(m), *module_pos);
                for (local, name, name_pos) in bindings {
                    self.emit(Op::Dup, *name_pos);
                    let n = self.const_str(name.as_bytes());
                    self.emit(Op::LoadExport(n), *name_pos);
                    self.store_ident(local);
                }
                self.emit(Op::Pop, pos);
            }
        }
    }

    fn store_ident(&mut self, id: &Ident) {
        let pos = id.pos;
        match id.scope {
            Some(Scope::Local(i)) => self.emit(Op::StoreLocal(i), pos),
            Some(Scope::Cell(i)) => {
                let c = self.cell_of(i);
                self.emit(Op::StoreCell(c), pos)
            }
            Some(Scope::Global(i)) => self.emit(Op::StoreGlobal(i), pos),
            // The resolver never binds other scopes; keep the stack balanced.
            _ => self.emit(Op::Pop, pos),
        };
    }

    fn load_ident(&mut self, id: &Ident) {
        let pos = id.pos;
        match id.scope {
            Some(Scope::Local(i)) => self.emit(Op::LoadLocal(i), pos),
            Some(Scope::Cell(i)) => {
                let c = self.cell_of(i);
                self.emit(Op::LoadCell(c), pos)
            }
            Some(Scope::Free(i)) => self.emit(Op::LoadFree(i), pos),
            Some(Scope::Global(i)) => self.emit(Op::LoadGlobal(i), pos),
            Some(Scope::Predeclared) => {
                let n = self.name(&id.name);
                self.emit(Op::LoadPredeclared(n), pos)
            }
            Some(Scope::Universal) | None => {
                let n = self.name(&id.name);
                self.emit(Op::LoadUniversal(n), pos)
            }
        };
    }

    /// Stores the value on top of the stack into an assignment target.
    fn assign(&mut self, lhs: &Expr) {
        match &lhs.kind {
            ExprKind::Ident(id) => self.store_ident(id),
            ExprKind::Paren(x) => self.assign(x),
            ExprKind::Index { x, lbrack, index } => {
                self.expr(x);
                self.expr(index);
                self.emit(Op::SetIndex, *lbrack);
            }
            ExprKind::Dot { x, name } => {
                self.expr(x);
                let n = self.name(&name.name);
                self.emit(Op::SetAttr(n), name.pos);
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                self.emit(Op::Unpack(items.len() as u32), lhs.pos);
                for item in items {
                    self.assign(item);
                }
            }
            _ => {
                self.emit(Op::Pop, lhs.pos);
            }
        }
    }

    fn aug_assign(&mut self, lhs: &Expr, op: BinaryOp, op_pos: Pos, rhs: &Expr) {
        match &lhs.kind {
            ExprKind::Paren(x) => self.aug_assign(x, op, op_pos, rhs),
            ExprKind::Ident(id) => {
                self.load_ident(id);
                self.expr(rhs);
                self.emit(Op::InplaceBinary(op), op_pos);
                self.store_ident(id);
            }
            ExprKind::Index { x, lbrack, index } => {
                self.expr(x);
                self.expr(index);
                self.emit(Op::Dup2, *lbrack);
                self.emit(Op::Index, *lbrack);
                self.expr(rhs);
                self.emit(Op::InplaceBinary(op), op_pos);
                self.emit(Op::Rot3, op_pos);
                self.emit(Op::SetIndex, *lbrack);
            }
            ExprKind::Dot { x, name } => {
                self.expr(x);
                self.emit(Op::Dup, name.pos);
                let n = self.name(&name.name);
                self.emit(Op::Attr(n), name.pos);
                self.expr(rhs);
                self.emit(Op::InplaceBinary(op), op_pos);
                self.emit(Op::Swap, op_pos);
                self.emit(Op::SetAttr(n), name.pos);
            }
            _ => {}
        }
    }

    /// Compiles a nested function and emits the instruction that creates it.
    fn function(&mut self, func: &Function) {
        let mut c = Compiler::new(self.f.path.clone(), &func.name, func.pos, &func.scope);
        let mut num_params = 0;
        for p in &func.params {
            match p {
                Param::Required(_) => {
                    c.f.has_default.push(false);
                    num_params += 1;
                }
                Param::Optional(_, d) => {
                    c.f.has_default.push(true);
                    num_params += 1;
                    // Defaults are evaluated in the enclosing scope, in order.
                    self.expr(d);
                }
                _ => {}
            }
        }
        c.f.num_params = num_params;
        c.stmts(&func.body);
        c.emit(Op::None, func.pos);
        c.emit(Op::Return, func.pos);
        self.f.functions.push(Rc::new(c.finish()));
        let idx = (self.f.functions.len() - 1) as u32;
        self.emit(Op::MakeFunc(idx), func.pos);
    }

    // ---- expressions ----

    fn expr(&mut self, e: &Expr) {
        crate::stack::guard(|| self.expr_inner(e))
    }

    fn expr_inner(&mut self, e: &Expr) {
        let pos = e.pos;
        match &e.kind {
            ExprKind::Ident(id) => self.load_ident(id),
            ExprKind::Literal(lit) => {
                let k = match lit {
                    Literal::Int(b) => match b.to_i64() {
                        Some(i) => self.const_int(i),
                        None => self.const_value(Value::from_bigint(b.clone())),
                    },
                    Literal::Float(f) => self.const_value(Value::Float(*f)),
                    Literal::String(s) => self.const_str(s),
                    Literal::Bytes(b) => self.const_value(Value::Bytes(Rc::new(b.clone()))),
                };
                self.emit(Op::Const(k), pos);
            }
            ExprKind::Paren(x) => self.expr(x),
            ExprKind::List(items) => {
                for x in items {
                    self.expr(x);
                }
                self.emit(Op::MakeList(items.len() as u32), pos);
            }
            ExprKind::Tuple(items) => {
                for x in items {
                    self.expr(x);
                }
                self.emit(Op::MakeTuple(items.len() as u32), pos);
            }
            ExprKind::Dict(entries) => {
                self.emit(Op::MakeDict(entries.len() as u32), pos);
                for (k, v) in entries {
                    self.expr(k);
                    self.expr(v);
                    self.emit(Op::DictInsertUnique, k.pos);
                }
            }
            ExprKind::Comprehension { body, clauses } => {
                match body {
                    ComprehensionBody::List(_) => self.emit(Op::MakeList(0), pos),
                    ComprehensionBody::Dict(..) => self.emit(Op::MakeDict(0), pos),
                };
                self.clauses(body, clauses, 0);
            }
            ExprKind::Unary { op, x } => {
                self.expr(x);
                self.emit(Op::Unary(*op), pos);
            }
            ExprKind::Binary { op, op_pos, x, y } => match op {
                BinaryOp::And => {
                    self.expr(x);
                    let j = self.emit(Op::JumpIfFalseOrPop(0), *op_pos);
                    self.expr(y);
                    self.patch(j);
                }
                BinaryOp::Or => {
                    self.expr(x);
                    let j = self.emit(Op::JumpIfTrueOrPop(0), *op_pos);
                    self.expr(y);
                    self.patch(j);
                }
                _ => {
                    self.expr(x);
                    self.expr(y);
                    self.emit(Op::Binary(*op), *op_pos);
                }
            },
            ExprKind::Cond { cond, then, else_ } => {
                self.expr(cond);
                let jf = self.emit(Op::JumpIfFalse(0), pos);
                self.expr(then);
                let j = self.emit(Op::Jump(0), pos);
                self.patch(jf);
                self.expr(else_);
                self.patch(j);
            }
            ExprKind::Dot { x, name } => {
                self.expr(x);
                let n = self.name(&name.name);
                self.emit(Op::Attr(n), name.pos);
            }
            ExprKind::Index { x, lbrack, index } => {
                self.expr(x);
                self.expr(index);
                self.emit(Op::Index, *lbrack);
            }
            ExprKind::Slice {
                x,
                lbrack,
                lo,
                hi,
                step,
            } => {
                self.expr(x);
                for p in [lo, hi, step] {
                    match p {
                        Some(p) => self.expr(p),
                        None => {
                            self.emit(Op::None, *lbrack);
                        }
                    }
                }
                self.emit(Op::Slice, *lbrack);
            }
            ExprKind::Call { func, lparen, args } => {
                // `x.name(...)` calls the method without building a bound method.
                let method = match &func.kind {
                    ExprKind::Dot { x, name } => {
                        let n = self.name(&name.name);
                        (n <= CallShape::MAX_METHOD_NAME).then(|| {
                            self.expr(x);
                            n
                        })
                    }
                    _ => None,
                };
                if method.is_none() {
                    self.expr(func);
                }
                let mut shape = CallShape {
                    positional: 0,
                    named: 0,
                    star: false,
                    star_star: false,
                };
                for a in args {
                    match a {
                        Arg::Positional(x) => {
                            self.expr(x);
                            shape.positional = shape.positional.saturating_add(1);
                        }
                        Arg::Named(id, x) => {
                            let k = self.const_str(id.name.as_bytes());
                            self.emit(Op::Const(k), id.pos);
                            self.expr(x);
                            shape.named = shape.named.saturating_add(1);
                        }
                        Arg::Star(_) | Arg::StarStar(_) => {}
                    }
                }
                for a in args {
                    if let Arg::Star(x) = a {
                        self.expr(x);
                        shape.star = true;
                    }
                }
                for a in args {
                    if let Arg::StarStar(x) = a {
                        self.expr(x);
                        shape.star_star = true;
                    }
                }
                match method {
                    Some(n) => self.emit(Op::CallMethod(shape.pack_method(n)), *lparen),
                    None => self.emit(Op::Call(shape.pack()), *lparen),
                };
            }
            ExprKind::Lambda(f) => self.function(f),
        }
    }

    /// Compiles comprehension clauses from `i`; the accumulator is on the stack.
    fn clauses(&mut self, body: &ComprehensionBody, clauses: &[Clause], i: usize) {
        match clauses.get(i) {
            None => match body {
                ComprehensionBody::List(x) => {
                    self.expr(x);
                    self.emit(Op::ListAppend, x.pos);
                }
                ComprehensionBody::Dict(k, v) => {
                    self.expr(k);
                    self.expr(v);
                    self.emit(Op::DictInsert, k.pos);
                }
            },
            Some(Clause::If { pos, cond }) => {
                self.expr(cond);
                let jf = self.emit(Op::JumpIfFalse(0), *pos);
                self.clauses(body, clauses, i + 1);
                self.patch(jf);
            }
            Some(Clause::For { pos, vars, iter }) => {
                self.expr(iter);
                self.emit(Op::IterPush, *pos);
                let top = self.here();
                let next = self.emit(Op::IterNext(0), *pos);
                self.assign(vars);
                self.clauses(body, clauses, i + 1);
                self.emit(Op::Jump(top), *pos);
                self.patch(next);
            }
        }
    }
}

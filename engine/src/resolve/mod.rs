//! Resolve: one walk over the AST that classifies every name as local, cell,
//! free, global, predeclared or universal, gives locals their slot numbers,
//! computes each function's captured variables, and reports static errors
//! (undefined names, reassigned globals, misplaced statements, bad parameter
//! and argument lists). Dialect options are checked here.
//!
//! The walker runs twice in the same order. The first phase builds blocks
//! and bindings in an arena (a binding may turn from local into cell after
//! its uses were seen, so nothing final can be written yet) and records one
//! reference per identifier; the second phase writes each identifier's
//! final [`Scope`] and each function's [`FunctionScope`].

use crate::dialect::Dialect;
use crate::hint;
use crate::syntax::ast::*;
use rustc_hash::FxHashMap;
use std::fmt;

/// A static error found by the resolver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveError {
    /// File name.
    pub path: String,
    /// Where.
    pub pos: Pos,
    /// What, worded as starlark-go words it.
    pub msg: String,
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path, self.pos.line, self.pos.col, self.msg
        )
    }
}

/// Which names exist outside the file.
pub struct Environment<'a> {
    /// Names the host predeclares for this module.
    pub is_predeclared: &'a dyn Fn(&str) -> bool,
    /// Names of the universe.
    pub is_universal: &'a dyn Fn(&str) -> bool,
    /// Globals from earlier chunks (a REPL session), if any.
    pub is_global: Option<&'a dyn Fn(&str) -> bool>,
}

/// Resolves a file in place, filling every identifier's scope and every
/// function's [`FunctionScope`]. `prior_globals` (REPL chunks) keep their indices.
pub fn resolve_file(
    file: &mut File,
    dialect: &Dialect,
    env: &Environment<'_>,
    prior_globals: &[String],
) -> Result<(), Vec<ResolveError>> {
    let mut r = Resolver::new(file.path.clone(), dialect, env);
    for g in prior_globals {
        let b = r.add_global(g, Pos::default());
        r.rebindable.insert(b);
    }
    // Phase 1.
    r.stmts(&mut file.stmts);
    r.resolve_local_uses(0);
    r.resolve_non_local_uses(0);
    if !r.errors.is_empty() {
        r.errors.sort_by_key(|e| e.pos);
        return Err(r.errors);
    }
    // Phase 2.
    r.phase2 = true;
    r.next_ref = 0;
    r.next_func = 0;
    r.stmts(&mut file.stmts);
    file.scope = r.function_scope(r.module_locals.clone(), Vec::new(), None);
    file.globals = r
        .globals_order
        .iter()
        .map(|&b| r.bindings[b].name.clone())
        .collect();
    Ok(())
}

/// Resolves a standalone expression (for `eval`); its comprehension variables
/// become the returned scope's locals.
pub fn resolve_expr(
    path: &str,
    expr: &mut Expr,
    dialect: &Dialect,
    env: &Environment<'_>,
) -> Result<FunctionScope, Vec<ResolveError>> {
    let mut r = Resolver::new(path.to_string(), dialect, env);
    r.expr(expr);
    r.resolve_local_uses(0);
    r.resolve_non_local_uses(0);
    if !r.errors.is_empty() {
        return Err(r.errors);
    }
    r.phase2 = true;
    r.next_ref = 0;
    r.next_func = 0;
    r.expr(expr);
    Ok(r.function_scope(r.module_locals.clone(), Vec::new(), None))
}

type BindingId = usize;
type BlockId = usize;
type FuncId = usize;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Local,
    Cell,
    Free,
    Global,
    Predeclared,
    Universal,
    Undefined,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Local => "local",
            Kind::Cell => "cell",
            Kind::Free => "free",
            Kind::Global => "global",
            Kind::Predeclared => "predeclared",
            Kind::Universal => "universal",
            Kind::Undefined => "undefined",
        }
    }
}

struct Binding {
    name: String,
    kind: Kind,
    index: u32,
    first: Pos,
}

struct Block {
    parent: Option<BlockId>,
    /// Set for function blocks; None for the file block and comprehensions.
    function: Option<FuncId>,
    bindings: FxHashMap<String, BindingId>,
    children: Vec<BlockId>,
    /// Uses of names not yet resolved (only on container blocks): (ref, name, pos, block of use).
    uses: Vec<(usize, String, Pos, BlockId)>,
}

struct Func {
    locals: Vec<BindingId>,
    free_vars: Vec<BindingId>,
    num_kwonly: u32,
    has_varargs: bool,
    has_kwargs: bool,
}

struct Resolver<'a> {
    path: String,
    dialect: &'a Dialect,
    env: &'a Environment<'a>,
    phase2: bool,
    errors: Vec<ResolveError>,
    bindings: Vec<Binding>,
    blocks: Vec<Block>,
    funcs: Vec<Func>,
    /// Current block.
    cur: BlockId,
    /// Binding of each identifier reference, in walk order.
    refs: Vec<Option<BindingId>>,
    next_ref: usize,
    next_func: usize,
    module_locals: Vec<BindingId>,
    globals: FxHashMap<String, BindingId>,
    globals_order: Vec<BindingId>,
    /// Globals of earlier chunks not yet rebound in this one: a chunk may
    /// bind each once, as a notebook cell redefines what an earlier cell made.
    rebindable: rustc_hash::FxHashSet<BindingId>,
    predeclared: FxHashMap<String, BindingId>,
    loops: u32,
    ifs: u32,
}

impl<'a> Resolver<'a> {
    fn new(path: String, dialect: &'a Dialect, env: &'a Environment<'a>) -> Resolver<'a> {
        Resolver {
            path,
            dialect,
            env,
            phase2: false,
            errors: Vec::new(),
            bindings: Vec::new(),
            blocks: vec![Block {
                parent: None,
                function: None,
                bindings: FxHashMap::default(),
                children: Vec::new(),
                uses: Vec::new(),
            }],
            funcs: Vec::new(),
            cur: 0,
            refs: Vec::new(),
            next_ref: 0,
            next_func: 0,
            module_locals: Vec::new(),
            globals: FxHashMap::default(),
            rebindable: Default::default(),
            globals_order: Vec::new(),
            predeclared: FxHashMap::default(),
            loops: 0,
            ifs: 0,
        }
    }

    fn error(&mut self, pos: Pos, msg: impl Into<String>) {
        if !self.phase2 {
            self.errors.push(ResolveError {
                path: self.path.clone(),
                pos,
                msg: msg.into(),
            });
        }
    }

    fn new_binding(&mut self, name: &str, kind: Kind, index: u32, first: Pos) -> BindingId {
        self.bindings.push(Binding {
            name: name.to_string(),
            kind,
            index,
            first,
        });
        self.bindings.len() - 1
    }

    fn add_global(&mut self, name: &str, pos: Pos) -> BindingId {
        let idx = self.globals_order.len() as u32;
        let b = self.new_binding(name, Kind::Global, idx, pos);
        self.globals.insert(name.to_string(), b);
        self.globals_order.push(b);
        b
    }

    /// The innermost function block, or the file block.
    fn container(&self) -> BlockId {
        let mut b = self.cur;
        loop {
            if self.blocks[b].function.is_some() {
                return b;
            }
            match self.blocks[b].parent {
                Some(p) => b = p,
                None => return b,
            }
        }
    }

    fn in_function(&self) -> bool {
        self.blocks[self.container()].function.is_some()
    }

    fn push_block(&mut self, function: Option<FuncId>) {
        if self.phase2 {
            return;
        }
        let id = self.blocks.len();
        self.blocks.push(Block {
            parent: Some(self.cur),
            function,
            bindings: FxHashMap::default(),
            children: Vec::new(),
            uses: Vec::new(),
        });
        self.blocks[self.cur].children.push(id);
        self.cur = id;
    }

    fn pop_block(&mut self) {
        if self.phase2 {
            return;
        }
        if let Some(p) = self.blocks[self.cur].parent {
            self.cur = p;
        }
    }

    /// Allocates the next identifier reference (phase 1) or finalises the
    /// identifier from it (phase 2). Returns the ref index in phase 1.
    fn take_ref(&mut self, id: &mut Ident, binding: Option<BindingId>) -> usize {
        if self.phase2 {
            let r = self.next_ref;
            self.next_ref += 1;
            id.scope = Some(match self.refs.get(r).copied().flatten() {
                Some(b) => self.final_scope(b),
                None => Scope::Universal,
            });
            return r;
        }
        self.refs.push(binding);
        self.refs.len() - 1
    }

    fn final_scope(&self, b: BindingId) -> Scope {
        let bd = &self.bindings[b];
        match bd.kind {
            Kind::Local => Scope::Local(bd.index),
            Kind::Cell => Scope::Cell(bd.index),
            Kind::Free => Scope::Free(bd.index),
            Kind::Global => Scope::Global(bd.index),
            Kind::Predeclared => Scope::Predeclared,
            Kind::Universal | Kind::Undefined => Scope::Universal,
        }
    }

    /// A binding use of `id`: global at top level, local otherwise.
    /// Returns whether a binding already existed.
    fn bind(&mut self, id: &mut Ident) -> bool {
        if self.phase2 {
            self.take_ref(id, None);
            return false;
        }
        if self.cur == 0 {
            let existing = self.blocks[0]
                .bindings
                .get(&id.name)
                .or_else(|| self.globals.get(&id.name))
                .copied();
            let b = match existing {
                Some(b) => b,
                None => self.add_global(&id.name, id.pos),
            };
            if existing.is_some() && self.rebindable.remove(&b) {
                self.bindings[b].first = id.pos;
            } else if existing.is_some() && !self.dialect.global_reassign {
                let bd = &self.bindings[b];
                let msg = format!(
                    "cannot reassign {} {} declared at {}:{}:{}",
                    bd.kind.word(),
                    id.name,
                    self.path,
                    bd.first.line,
                    bd.first.col
                );
                self.error(id.pos, msg);
            }
            self.take_ref(id, Some(b));
            return existing.is_some();
        }
        self.bind_local(id)
    }

    fn bind_local(&mut self, id: &mut Ident) -> bool {
        if self.phase2 {
            self.take_ref(id, None);
            return false;
        }
        let existed = self.blocks[self.cur].bindings.contains_key(&id.name);
        if !existed {
            let container = self.container();
            let locals_len = match self.blocks[container].function {
                Some(f) => self.funcs[f].locals.len(),
                None => self.module_locals.len(),
            } as u32;
            let b = self.new_binding(&id.name, Kind::Local, locals_len, id.pos);
            match self.blocks[container].function {
                Some(f) => self.funcs[f].locals.push(b),
                None => self.module_locals.push(b),
            }
            self.blocks[self.cur].bindings.insert(id.name.clone(), b);
        }
        self.use_name(id);
        existed
    }

    /// A non-binding use of `id`.
    fn use_name(&mut self, id: &mut Ident) {
        if self.phase2 {
            self.take_ref(id, None);
            return;
        }
        if self.dialect.global_reassign && self.cur == 0 {
            let r = self.take_ref(id, None);
            let b = self.use_toplevel(&id.name, id.pos, self.cur);
            self.refs[r] = Some(b);
            return;
        }
        let r = self.take_ref(id, None);
        let c = self.container();
        let env = self.cur;
        self.blocks[c].uses.push((r, id.name.clone(), id.pos, env));
    }

    fn use_toplevel(&mut self, name: &str, pos: Pos, env: BlockId) -> BindingId {
        if let Some(&b) = self.blocks[0].bindings.get(name) {
            return b;
        }
        if let Some(&b) = self.globals.get(name) {
            return b;
        }
        if let Some(is_global) = self.env.is_global {
            if is_global(name) {
                return self.add_global(name, pos);
            }
        }
        if let Some(&b) = self.predeclared.get(name) {
            return b;
        }
        if (self.env.is_predeclared)(name) {
            let b = self.new_binding(name, Kind::Predeclared, 0, pos);
            self.predeclared.insert(name.to_string(), b);
            return b;
        }
        if (self.env.is_universal)(name) {
            if name == "set" && !self.dialect.sets {
                self.error(pos, "this Starlark dialect does not support sets");
            }
            let b = self.new_binding(name, Kind::Universal, 0, pos);
            self.predeclared.insert(name.to_string(), b);
            return b;
        }
        let hint = self.spellcheck(name, env);
        self.error(pos, format!("undefined: {name}{hint}"));
        self.new_binding(name, Kind::Undefined, 0, pos)
    }

    fn spellcheck(&self, name: &str, env: BlockId) -> String {
        let mut names: Vec<&str> = Vec::new();
        let mut b = Some(env);
        while let Some(id) = b {
            names.extend(self.blocks[id].bindings.keys().map(|s| s.as_str()));
            b = self.blocks[id].parent;
        }
        names.extend(
            self.globals_order
                .iter()
                .map(|&g| self.bindings[g].name.as_str()),
        );
        names.sort_unstable();
        hint::did_you_mean(name, names.into_iter())
    }

    /// On leaving a container block: resolve uses of its own locals.
    fn resolve_local_uses(&mut self, block: BlockId) {
        let uses = std::mem::take(&mut self.blocks[block].uses);
        let mut rest = Vec::new();
        for u in uses {
            match self.lookup_local(&u.1, u.3) {
                Some(b) if matches!(self.bindings[b].kind, Kind::Local | Kind::Cell) => {
                    self.refs[u.0] = Some(b)
                }
                _ => rest.push(u),
            }
        }
        self.blocks[block].uses = rest;
    }

    fn lookup_local(&self, name: &str, env: BlockId) -> Option<BindingId> {
        let mut b = Some(env);
        while let Some(id) = b {
            if let Some(&bd) = self.blocks[id].bindings.get(name) {
                return Some(bd);
            }
            if self.blocks[id].function.is_some() {
                break;
            }
            b = self.blocks[id].parent;
        }
        None
    }

    fn resolve_non_local_uses(&mut self, block: BlockId) {
        let children = self.blocks[block].children.clone();
        for c in children {
            self.resolve_non_local_uses(c);
        }
        let uses = std::mem::take(&mut self.blocks[block].uses);
        for (r, name, pos, env) in uses {
            let b = self.lookup_lexical(&name, pos, env, env);
            self.refs[r] = Some(b);
        }
    }

    fn lookup_lexical(
        &mut self,
        name: &str,
        pos: Pos,
        use_env: BlockId,
        env: BlockId,
    ) -> BindingId {
        if env == 0 {
            return self.use_toplevel(name, pos, use_env);
        }
        if let Some(&b) = self.blocks[env].bindings.get(name) {
            return b;
        }
        let parent = self.blocks[env].parent.unwrap_or(0);
        let mut b = self.lookup_lexical(name, pos, use_env, parent);
        if let Some(f) = self.blocks[env].function {
            let kind = self.bindings[b].kind;
            if matches!(kind, Kind::Local | Kind::Free | Kind::Cell) {
                if kind == Kind::Local {
                    self.bindings[b].kind = Kind::Cell;
                }
                let index = self.funcs[f].free_vars.len() as u32;
                self.funcs[f].free_vars.push(b);
                let first = self.bindings[b].first;
                b = self.new_binding(name, Kind::Free, index, first);
            }
        }
        self.blocks[env].bindings.insert(name.to_string(), b);
        b
    }

    fn function_scope(
        &self,
        locals: Vec<BindingId>,
        free_vars: Vec<BindingId>,
        f: Option<&Func>,
    ) -> FunctionScope {
        FunctionScope {
            locals: locals
                .iter()
                .map(|&b| self.bindings[b].name.clone())
                .collect(),
            cells: locals
                .iter()
                .enumerate()
                .filter(|(_, &b)| self.bindings[b].kind == Kind::Cell)
                .map(|(i, _)| i as u32)
                .collect(),
            free_vars: free_vars
                .iter()
                .map(|&b| (self.bindings[b].name.clone(), self.final_scope(b)))
                .collect(),
            num_kwonly: f.map_or(0, |f| f.num_kwonly),
            has_varargs: f.is_some_and(|f| f.has_varargs),
            has_kwargs: f.is_some_and(|f| f.has_kwargs),
        }
    }

    // ---- statements ----

    fn stmts(&mut self, stmts: &mut [Stmt]) {
        for s in stmts {
            self.stmt(s);
        }
    }

    fn stmt(&mut self, stmt: &mut Stmt) {
        crate::stack::guard(|| self.stmt_inner(stmt))
    }

    fn stmt_inner(&mut self, stmt: &mut Stmt) {
        let pos = stmt.pos;
        match &mut stmt.kind {
            StmtKind::Expr(e) => self.expr(e),
            StmtKind::Break | StmtKind::Continue => {
                if self.loops == 0 {
                    let word = if matches!(stmt.kind, StmtKind::Break) {
                        "break"
                    } else {
                        "continue"
                    };
                    self.error(pos, format!("{word} not in a loop"));
                }
            }
            StmtKind::Pass => {}
            StmtKind::If { cond, then, else_ } => {
                if !self.dialect.top_level_control && !self.in_function() {
                    self.error(pos, "if statement not within a function");
                }
                self.expr(cond);
                self.ifs += 1;
                self.stmts(then);
                self.stmts(else_);
                self.ifs -= 1;
            }
            StmtKind::Assign { lhs, op, rhs, .. } => {
                self.expr(rhs);
                self.assign(lhs, op.is_some());
            }
            StmtKind::Def(name, func) => {
                self.bind(name);
                self.function(func);
            }
            StmtKind::For { vars, iter, body } => {
                if !self.dialect.top_level_control && !self.in_function() {
                    self.error(pos, "for loop not within a function");
                }
                self.expr(iter);
                self.assign(vars, false);
                self.loops += 1;
                self.stmts(body);
                self.loops -= 1;
            }
            StmtKind::While { cond, body } => {
                if !self.dialect.while_loops {
                    self.error(pos, "this Starlark dialect does not support while loops");
                }
                if !self.dialect.top_level_control && !self.in_function() {
                    self.error(pos, "while loop not within a function");
                }
                self.expr(cond);
                self.loops += 1;
                self.stmts(body);
                self.loops -= 1;
            }
            StmtKind::Return(x) => {
                if !self.in_function() {
                    self.error(pos, "return statement not within a function");
                }
                if let Some(x) = x {
                    self.expr(x);
                }
            }
            StmtKind::Load { bindings, .. } => {
                if self.in_function() {
                    self.error(pos, "load statement within a function");
                } else if self.loops > 0 {
                    self.error(pos, "load statement within a loop");
                } else if self.ifs > 0 {
                    self.error(pos, "load statement within a conditional");
                }
                for (local, name, name_pos) in bindings.iter_mut() {
                    if name.is_empty() {
                        self.error(*name_pos, "load: empty identifier");
                        continue;
                    }
                    if name.starts_with('_') {
                        self.error(
                            *name_pos,
                            format!(
                                "load: names with leading underscores are not exported: {name}"
                            ),
                        );
                    }
                    if self.dialect.load_binds_globally {
                        self.bind(local);
                    } else if self.bind_local(local) && !self.dialect.global_reassign {
                        self.error(
                            local.pos,
                            format!("cannot reassign top-level {}", local.name),
                        );
                    }
                }
            }
        }
    }

    fn assign(&mut self, lhs: &mut Expr, augmented: bool) {
        let pos = lhs.pos;
        match &mut lhs.kind {
            ExprKind::Ident(id) => {
                self.bind(id);
            }
            ExprKind::Index { x, index, .. } => {
                self.expr(x);
                self.expr(index);
            }
            ExprKind::Dot { x, .. } => self.expr(x),
            ExprKind::Tuple(items) => {
                if augmented {
                    self.error(pos, "can't use tuple expression in augmented assignment");
                }
                for e in items {
                    self.assign(e, augmented);
                }
            }
            ExprKind::List(items) => {
                if augmented {
                    self.error(pos, "can't use list expression in augmented assignment");
                }
                for e in items {
                    self.assign(e, augmented);
                }
            }
            ExprKind::Paren(x) => self.assign(x, augmented),
            other => {
                let name = match other {
                    ExprKind::Literal(_) => "literal",
                    ExprKind::Binary { .. } => "binaryexpr",
                    ExprKind::Unary { .. } => "unaryexpr",
                    ExprKind::Call { .. } => "callexpr",
                    ExprKind::Cond { .. } => "condexpr",
                    ExprKind::Comprehension { .. } => "comprehension",
                    ExprKind::Dict(_) => "dictexpr",
                    ExprKind::Lambda(_) => "lambdaexpr",
                    ExprKind::Slice { .. } => "sliceexpr",
                    _ => "expression",
                };
                self.error(pos, format!("can't assign to {name}"));
            }
        }
    }

    // ---- expressions ----

    fn expr(&mut self, e: &mut Expr) {
        crate::stack::guard(|| self.expr_inner(e))
    }

    fn expr_inner(&mut self, e: &mut Expr) {
        match &mut e.kind {
            ExprKind::Ident(id) => self.use_name(id),
            ExprKind::Literal(_) => {}
            ExprKind::List(items) | ExprKind::Tuple(items) => {
                for x in items {
                    self.expr(x);
                }
            }
            ExprKind::Paren(x) => self.expr(x),
            ExprKind::Dict(entries) => {
                for (k, v) in entries {
                    self.expr(k);
                    self.expr(v);
                }
            }
            ExprKind::Cond { cond, then, else_ } => {
                self.expr(cond);
                self.expr(then);
                self.expr(else_);
            }
            ExprKind::Index { x, index, .. } => {
                self.expr(x);
                self.expr(index);
            }
            ExprKind::Slice {
                x, lo, hi, step, ..
            } => {
                self.expr(x);
                for p in [lo, hi, step].into_iter().flatten() {
                    self.expr(p);
                }
            }
            ExprKind::Unary { x, .. } => self.expr(x),
            ExprKind::Binary { x, y, .. } => {
                self.expr(x);
                self.expr(y);
            }
            ExprKind::Dot { x, .. } => self.expr(x),
            ExprKind::Comprehension { body, clauses } => {
                let (first, rest) = match clauses.split_first_mut() {
                    Some(p) => p,
                    None => return,
                };
                if let Clause::For { iter, .. } = first {
                    self.expr(iter);
                }
                self.push_block(None);
                if let Clause::For { vars, .. } = first {
                    self.assign(vars, false);
                }
                for c in rest {
                    match c {
                        Clause::If { cond, .. } => self.expr(cond),
                        Clause::For { vars, iter, .. } => {
                            self.assign(vars, false);
                            self.expr(iter);
                        }
                    }
                }
                match body {
                    ComprehensionBody::List(x) => self.expr(x),
                    ComprehensionBody::Dict(k, v) => {
                        self.expr(k);
                        self.expr(v);
                    }
                }
                self.pop_block();
            }
            ExprKind::Call { func, args, .. } => {
                self.expr(func);
                self.call_args(args);
            }
            ExprKind::Lambda(f) => self.function(f),
        }
    }

    fn call_args(&mut self, args: &mut [Arg]) {
        let (mut seen_varargs, mut seen_kwargs) = (false, false);
        let mut seen_names: Vec<String> = Vec::new();
        let (mut npos, mut nnamed) = (0usize, 0usize);
        for a in args.iter_mut() {
            match a {
                Arg::StarStar(x) => {
                    if seen_kwargs {
                        self.error(x.pos, "multiple **kwargs not allowed");
                    }
                    seen_kwargs = true;
                    self.expr(x);
                }
                Arg::Star(x) => {
                    if seen_kwargs {
                        self.error(x.pos, "*args may not follow **kwargs");
                    } else if seen_varargs {
                        self.error(x.pos, "multiple *args not allowed");
                    }
                    seen_varargs = true;
                    self.expr(x);
                }
                Arg::Named(id, x) => {
                    nnamed += 1;
                    if seen_kwargs {
                        self.error(id.pos, "keyword argument may not follow **kwargs");
                    } else if seen_varargs {
                        self.error(id.pos, "keyword argument may not follow *args");
                    }
                    if seen_names.contains(&id.name) {
                        self.error(id.pos, format!("keyword argument {} repeated", id.name));
                    } else {
                        seen_names.push(id.name.clone());
                    }
                    self.expr(x);
                }
                Arg::Positional(x) => {
                    npos += 1;
                    if seen_varargs {
                        self.error(x.pos, "positional argument may not follow *args");
                    } else if seen_kwargs {
                        self.error(x.pos, "positional argument may not follow **kwargs");
                    } else if !seen_names.is_empty() {
                        self.error(x.pos, "positional argument may not follow named");
                    }
                    self.expr(x);
                }
            }
        }
        if let Some(first) = args.first() {
            let pos = match first {
                Arg::Positional(x) | Arg::Star(x) | Arg::StarStar(x) => x.pos,
                Arg::Named(id, _) => id.pos,
            };
            if npos > 255 {
                self.error(
                    pos,
                    format!("{npos} positional arguments in call, limit is 255"),
                );
            }
            if nnamed > 255 {
                self.error(
                    pos,
                    format!("{nnamed} keyword arguments in call, limit is 255"),
                );
            }
        }
    }

    fn function(&mut self, f: &mut Function) {
        // Defaults are evaluated in the enclosing block.
        for p in f.params.iter_mut() {
            if let Param::Optional(_, d) = p {
                self.expr(d);
            }
        }
        let fid = if self.phase2 {
            let id = self.next_func;
            self.next_func += 1;
            id
        } else {
            self.funcs.push(Func {
                locals: Vec::new(),
                free_vars: Vec::new(),
                num_kwonly: 0,
                has_varargs: false,
                has_kwargs: false,
            });
            self.funcs.len() - 1
        };
        self.push_block(Some(fid));
        let saved_loops = std::mem::replace(&mut self.loops, 0);
        let saved_ifs = std::mem::replace(&mut self.ifs, 0);

        let mut seen_optional = false;
        let mut star: Option<(Option<usize>, Pos)> = None;
        let mut star_star: Option<(usize, String)> = None;
        let mut num_kwonly = 0u32;
        for (i, p) in f.params.iter_mut().enumerate() {
            match p {
                Param::Required(id) => {
                    if let Some((_, ss)) = &star_star {
                        let msg = format!("required parameter may not follow **{ss}");
                        self.error(id.pos, msg);
                    } else if star.is_some() {
                        num_kwonly += 1;
                    } else if seen_optional {
                        self.error(id.pos, "required parameter may not follow optional");
                    }
                    if self.bind(id) {
                        self.error(id.pos, format!("duplicate parameter: {}", id.name));
                    }
                }
                Param::Optional(id, _) => {
                    if let Some((_, ss)) = &star_star {
                        let msg = format!("optional parameter may not follow **{ss}");
                        self.error(id.pos, msg);
                    } else if star.is_some() {
                        num_kwonly += 1;
                    }
                    if self.bind(id) {
                        self.error(id.pos, format!("duplicate parameter: {}", id.name));
                    }
                    seen_optional = true;
                }
                Param::Star(id, pos) => {
                    if let Some((_, ss)) = &star_star {
                        let msg = format!("* parameter may not follow **{ss}");
                        self.error(*pos, msg);
                    } else if star.is_some() {
                        self.error(*pos, "multiple * parameters not allowed");
                    } else {
                        star = Some((id.as_ref().map(|_| i), *pos));
                    }
                }
                Param::StarStar(id) => {
                    if star_star.is_some() {
                        self.error(id.pos, "multiple ** parameters not allowed");
                    }
                    star_star = Some((i, id.name.clone()));
                }
            }
        }
        let mut has_varargs = false;
        let mut has_kwargs = false;
        if let Some((idx, pos)) = star {
            match idx {
                Some(i) => {
                    if let Param::Star(Some(id), _) = &mut f.params[i] {
                        if self.bind(id) {
                            self.error(id.pos, format!("duplicate parameter: {}", id.name));
                        }
                    }
                    has_varargs = true;
                }
                None => {
                    if num_kwonly == 0 {
                        self.error(pos, "bare * must be followed by keyword-only parameters");
                    }
                }
            }
        }
        if let Some((i, _)) = star_star {
            if let Param::StarStar(id) = &mut f.params[i] {
                if self.bind(id) {
                    self.error(id.pos, format!("duplicate parameter: {}", id.name));
                }
            }
            has_kwargs = true;
        }
        if !self.phase2 {
            let func = &mut self.funcs[fid];
            func.num_kwonly = num_kwonly;
            func.has_varargs = has_varargs;
            func.has_kwargs = has_kwargs;
        }
        self.stmts(&mut f.body);
        if !self.phase2 {
            let b = self.cur;
            self.resolve_local_uses(b);
        }
        self.pop_block();
        self.loops = saved_loops;
        self.ifs = saved_ifs;
        if self.phase2 {
            let func = &self.funcs[fid];
            f.scope = self.function_scope(func.locals.clone(), func.free_vars.clone(), Some(func));
        }
    }
}

//! The abstract syntax tree produced by the parser and annotated by the resolver.
//!
//! Every node carries the [`Pos`] of its first token (binary operators and calls
//! also carry the position of the operator or parenthesis, which is where
//! starlark-go reports their run-time errors).

use num_bigint::BigInt;

/// A 1-based line and column in a source file. Columns count bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Pos {
    /// 1-based line number.
    pub line: u32,
    /// 1-based column number (in bytes).
    pub col: u32,
}

impl Pos {
    /// A position at `line`, `col`.
    pub fn new(line: u32, col: u32) -> Pos {
        Pos { line, col }
    }
}

/// Where the resolver found a name's binding. `None` in [`Ident::scope`] before resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A local variable of the enclosing function (or of the module's top level), by slot.
    Local(u32),
    /// A local variable captured by a nested function: the slot holds a shared cell.
    Cell(u32),
    /// A variable of an enclosing function, by index into the closure's free variables.
    Free(u32),
    /// A module-level global, by index into the module's globals.
    Global(u32),
    /// A name predeclared by the host for this module.
    Predeclared,
    /// A name of the universe (built-in functions and constants).
    Universal,
}

/// An identifier: a use or a binding of a name.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Position of the name.
    pub pos: Pos,
    /// Filled in by the resolver.
    pub scope: Option<Scope>,
}

impl Ident {
    /// An unresolved identifier.
    pub fn new(name: impl Into<String>, pos: Pos) -> Ident {
        Ident {
            name: name.into(),
            pos,
            scope: None,
        }
    }
}

/// A literal constant.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// An integer literal (decimal, hex `0x`, octal `0o`, binary `0b`), any size.
    Int(BigInt),
    /// A floating-point literal.
    Float(f64),
    /// A string literal, already unescaped. Strings may hold arbitrary bytes
    /// (from `\x` escapes), so the value is bytes that are usually UTF-8.
    String(Vec<u8>),
    /// A bytes literal `b"..."`, already unescaped.
    Bytes(Vec<u8>),
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-x`
    Minus,
    /// `+x`
    Plus,
    /// `~x`
    Tilde,
    /// `not x`
    Not,
}

/// Binary operators, including comparisons and the short-circuit `and`/`or`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `//`
    FloorDiv,
    /// `%`
    Mod,
    /// `&`
    BitAnd,
    /// `|`
    BitOr,
    /// `^`
    BitXor,
    /// `<<`
    Shl,
    /// `>>`
    Shr,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `in`
    In,
    /// `not in`
    NotIn,
    /// `and` (short-circuit)
    And,
    /// `or` (short-circuit)
    Or,
}

impl BinaryOp {
    /// The operator as written in source, e.g. `"//"` or `"not in"`.
    pub fn symbol(self) -> &'static str {
        use BinaryOp::*;
        match self {
            Add => "+",
            Sub => "-",
            Mul => "*",
            Div => "/",
            FloorDiv => "//",
            Mod => "%",
            BitAnd => "&",
            BitOr => "|",
            BitXor => "^",
            Shl => "<<",
            Shr => ">>",
            Eq => "==",
            Ne => "!=",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            In => "in",
            NotIn => "not in",
            And => "and",
            Or => "or",
        }
    }
}

/// One argument in a call.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// `f(x)`
    Positional(Expr),
    /// `f(name=x)`
    Named(Ident, Expr),
    /// `f(*x)`
    Star(Expr),
    /// `f(**x)`
    StarStar(Expr),
}

/// One `for` or `if` clause of a comprehension.
#[derive(Debug, Clone, PartialEq)]
pub enum Clause {
    /// `for vars in iter`; `vars` is an assignable expression.
    For {
        /// Position of the `for` keyword.
        pos: Pos,
        /// The loop variable(s).
        vars: Expr,
        /// The iterable.
        iter: Expr,
    },
    /// `if cond`
    If {
        /// Position of the `if` keyword.
        pos: Pos,
        /// The condition.
        cond: Expr,
    },
}

/// The body of a comprehension.
#[derive(Debug, Clone, PartialEq)]
pub enum ComprehensionBody {
    /// `[x for ...]`
    List(Box<Expr>),
    /// `{k: v for ...}`
    Dict(Box<Expr>, Box<Expr>),
}

/// An expression with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// Position of the expression's first token.
    pub pos: Pos,
    /// What kind of expression.
    pub kind: ExprKind,
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A name.
    Ident(Ident),
    /// A literal.
    Literal(Literal),
    /// `[a, b]`
    List(Vec<Expr>),
    /// `(a, b)` or `a, b`. A parenthesized single expression `(a)` is not a tuple
    /// but is kept as [`ExprKind::Paren`].
    Tuple(Vec<Expr>),
    /// `(a)`: kept so that errors and assignment checks can tell `(a)` from `a`.
    Paren(Box<Expr>),
    /// `{k: v, ...}`
    Dict(Vec<(Expr, Expr)>),
    /// `[... for ...]` or `{... for ...}`
    Comprehension {
        /// The element (or key/value) expression.
        body: ComprehensionBody,
        /// The clauses; the first is always a `for`.
        clauses: Vec<Clause>,
    },
    /// `op x`
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        x: Box<Expr>,
    },
    /// `x op y`
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Position of the operator token.
        op_pos: Pos,
        /// Left operand.
        x: Box<Expr>,
        /// Right operand.
        y: Box<Expr>,
    },
    /// `then if cond else else_`
    Cond {
        /// The condition.
        cond: Box<Expr>,
        /// Value when true.
        then: Box<Expr>,
        /// Value when false.
        else_: Box<Expr>,
    },
    /// `x.name`
    Dot {
        /// The operand.
        x: Box<Expr>,
        /// The attribute name (its `scope` is unused).
        name: Ident,
    },
    /// `x[index]`
    Index {
        /// The operand.
        x: Box<Expr>,
        /// Position of `[`.
        lbrack: Pos,
        /// The index.
        index: Box<Expr>,
    },
    /// `x[lo:hi:step]`
    Slice {
        /// The operand.
        x: Box<Expr>,
        /// Position of `[`.
        lbrack: Pos,
        /// Lower bound.
        lo: Option<Box<Expr>>,
        /// Upper bound.
        hi: Option<Box<Expr>>,
        /// Step.
        step: Option<Box<Expr>>,
    },
    /// `f(args)`
    Call {
        /// The callee.
        func: Box<Expr>,
        /// Position of `(`.
        lparen: Pos,
        /// The arguments in source order.
        args: Vec<Arg>,
    },
    /// `lambda params: body`
    Lambda(Box<Function>),
}

/// One parameter of a `def` or `lambda`.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// `x`
    Required(Ident),
    /// `x=default`
    Optional(Ident, Expr),
    /// `*args`, or a bare `*` (None) that starts keyword-only parameters.
    Star(Option<Ident>, Pos),
    /// `**kwargs`
    StarStar(Ident),
}

/// What the resolver learns about a function (or the module's top level).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FunctionScope {
    /// Names of local slots, in slot order (parameters first).
    pub locals: Vec<String>,
    /// Slots (indices into `locals`) that hold cells because a nested function captures them.
    pub cells: Vec<u32>,
    /// Variables captured from the enclosing function: name and where they live there.
    pub free_vars: Vec<(String, Scope)>,
    /// Number of keyword-only parameters (after `*` or `*args`).
    pub num_kwonly: u32,
    /// Whether the function has `*args`.
    pub has_varargs: bool,
    /// Whether the function has `**kwargs`.
    pub has_kwargs: bool,
}

/// A function: the shared shape of `def` and `lambda`.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    /// Name (`"lambda"` for lambdas).
    pub name: String,
    /// Position of `def` or `lambda`.
    pub pos: Pos,
    /// Parameters in source order.
    pub params: Vec<Param>,
    /// The body. A lambda's body is a single `return` statement.
    pub body: Vec<Stmt>,
    /// Filled in by the resolver.
    pub scope: FunctionScope,
}

/// A statement with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    /// Position of the statement's first token.
    pub pos: Pos,
    /// What kind of statement.
    pub kind: StmtKind,
}

/// The kinds of statement.
#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    /// An expression evaluated for effect.
    Expr(Expr),
    /// `lhs = rhs`, or `lhs op= rhs` when `op` is set.
    Assign {
        /// Target: an identifier, index, dot, or (for `=` only) a tuple/list of targets.
        lhs: Expr,
        /// Augmented operator, if any.
        op: Option<BinaryOp>,
        /// Position of `=` or `op=`.
        op_pos: Pos,
        /// The value.
        rhs: Expr,
    },
    /// `def name(params): body`; the function's ident is bound in the enclosing scope.
    Def(Ident, Box<Function>),
    /// `if cond: then else: else_` (`elif` nests an `If` in `else_`).
    If {
        /// Condition.
        cond: Expr,
        /// True branch.
        then: Vec<Stmt>,
        /// False branch (empty when absent).
        else_: Vec<Stmt>,
    },
    /// `for vars in iter: body`
    For {
        /// Loop variable(s).
        vars: Expr,
        /// Iterable.
        iter: Expr,
        /// Body.
        body: Vec<Stmt>,
    },
    /// `while cond: body`
    While {
        /// Condition.
        cond: Expr,
        /// Body.
        body: Vec<Stmt>,
    },
    /// `return` or `return x`
    Return(Option<Expr>),
    /// `break`
    Break,
    /// `continue`
    Continue,
    /// `pass`
    Pass,
    /// `load("module", "a", b="c")`
    Load {
        /// The module string.
        module: String,
        /// Position of the module string.
        module_pos: Pos,
        /// (local binding, exported name in the module, position of the name string).
        bindings: Vec<(Ident, String, Pos)>,
    },
}

/// A parsed (and, after resolution, annotated) source file.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    /// The file name used in positions and errors.
    pub path: String,
    /// Top-level statements.
    pub stmts: Vec<Stmt>,
    /// The top level's locals (comprehension variables, file-local load bindings) and cells.
    pub scope: FunctionScope,
    /// Names of the module's globals, by global index. Filled in by the resolver.
    pub globals: Vec<String>,
}

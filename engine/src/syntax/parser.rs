//! The parser: recursive descent over the scanner's tokens, following
//! starlark-go's grammar, operator precedence and error messages.
//!
//! Like starlark-go, the parser looks one token ahead and stops at the first
//! error. Most errors are reported where starlark-go reports them: at the
//! scanner's position just after the lookahead token.
//!
//! Some checks starlark-go makes in its resolver, not its parser, are left to
//! the resolver here too: what may be assigned to, the order of parameters
//! and of call arguments, and where `load`, `break`, `return` etc. may appear.

use super::ast::{
    Arg, BinaryOp, Clause, ComprehensionBody, Expr, ExprKind, File, Function, FunctionScope,
    Ident, Literal, Param, Pos, Stmt, StmtKind, UnaryOp,
};
use super::scanner::{ScanError, Scanner, Tok, Token, Value};
use super::SyntaxError;

/// Budget for nesting, which bounds both the parser's recursion and the
/// height of the tree it builds (so later passes can recurse safely).
const MAX_DEPTH: u32 = 1000;
/// Cost of one level of recursion: a bracket, a unary operator, a lambda,
/// an indented block. The budget allows 200 such levels.
const NEST_COST: u32 = 5;
/// Cost of one link of a left-nested chain (`a + b + c`, `f()()`, `x.y.z`,
/// `elif`), which deepens the tree but not the parser's recursion.
const CHAIN_COST: u32 = 1;

/// Precedence of unary `not`.
const NOT_PREC: i8 = 2;
/// Precedence of the (non-associative) comparison operators.
const CMP_PREC: i8 = 3;

type PResult<T> = Result<T, SyntaxError>;

/// Parses a whole file. The result's `scope` and `globals` are left empty
/// for the resolver to fill.
pub fn parse_file(path: &str, src: &str) -> Result<File, SyntaxError> {
    let mut p = Parser::new(path, src)?;
    let stmts = p.file_input()?;
    Ok(File {
        path: path.to_owned(),
        stmts,
        scope: FunctionScope::default(),
        globals: Vec::new(),
    })
}

/// Parses a single expression, which may be an unparenthesized tuple
/// `a, b`. Trailing newlines and comments are allowed.
pub fn parse_expr(path: &str, src: &str) -> Result<Expr, SyntaxError> {
    let mut p = Parser::new(path, src)?;
    let x = p.expr(false)?;
    if p.tok.kind == Tok::Newline {
        p.advance()?;
    }
    if p.tok.kind != Tok::Eof {
        return Err(p.error_here(format!(
            "got {} after expression, want EOF",
            p.tok.kind.describe()
        )));
    }
    Ok(x)
}

/// The parser state: the scanner and one token of lookahead.
struct Parser<'a> {
    path: &'a str,
    scanner: Scanner<'a>,
    /// The lookahead token.
    tok: Token,
    /// Nesting budget spent so far (see [`MAX_DEPTH`]).
    depth: u32,
}

impl<'a> Parser<'a> {
    fn new(path: &'a str, src: &'a str) -> PResult<Parser<'a>> {
        let mut scanner = Scanner::new(src);
        let tok = scanner
            .next_token()
            .map_err(|e| scan_error(path, e))?;
        Ok(Parser {
            path,
            scanner,
            tok,
            depth: 0,
        })
    }

    // ---- Token helpers ----

    /// Moves to the next token, returning the one consumed.
    fn advance(&mut self) -> PResult<Token> {
        let next = self
            .scanner
            .next_token()
            .map_err(|e| scan_error(self.path, e))?;
        Ok(std::mem::replace(&mut self.tok, next))
    }

    /// Consumes a token of kind `want`, or fails with "got X, want Y".
    fn expect(&mut self, want: Tok) -> PResult<Token> {
        if self.tok.kind != want {
            return Err(self.error_here(format!(
                "got {}, want {}",
                self.tok.kind.describe(),
                want.describe()
            )));
        }
        self.advance()
    }

    fn error_at(&self, pos: Pos, msg: impl Into<String>) -> SyntaxError {
        SyntaxError {
            path: self.path.to_owned(),
            pos,
            msg: msg.into(),
        }
    }

    /// An error at the end of the lookahead token, where starlark-go
    /// reports most parse errors.
    fn error_here(&self, msg: impl Into<String>) -> SyntaxError {
        self.error_at(self.tok.end, msg)
    }

    /// Spends `cost` of the nesting budget.
    fn enter(&mut self, cost: u32) -> PResult<()> {
        self.depth += cost;
        if self.depth > MAX_DEPTH {
            return Err(self.error_at(self.tok.pos, "nesting too deep"));
        }
        Ok(())
    }

    /// Gives back `cost` of the nesting budget.
    fn leave(&mut self, cost: u32) {
        self.depth -= cost;
    }

    /// ident = IDENT
    fn ident(&mut self) -> PResult<Ident> {
        if self.tok.kind != Tok::Ident {
            return Err(self.error_here("not an identifier"));
        }
        let t = self.advance()?;
        Ok(Ident::new(name_of(t.value), t.pos))
    }

    // ---- Statements ----

    /// file_input = (NEWLINE | stmt)* EOF
    fn file_input(&mut self) -> PResult<Vec<Stmt>> {
        let mut stmts = Vec::new();
        while self.tok.kind != Tok::Eof {
            if self.tok.kind == Tok::Newline {
                self.advance()?;
                continue;
            }
            self.stmt(&mut stmts)?;
        }
        Ok(stmts)
    }

    /// stmt = def_stmt | if_stmt | for_stmt | while_stmt | simple_stmt
    fn stmt(&mut self, stmts: &mut Vec<Stmt>) -> PResult<()> {
        let stmt = match self.tok.kind {
            Tok::Def => self.def_stmt()?,
            Tok::If => self.if_stmt()?,
            Tok::For => self.for_stmt()?,
            Tok::While => self.while_stmt()?,
            _ => return self.simple_stmt(stmts),
        };
        stmts.push(stmt);
        Ok(())
    }

    /// def_stmt = DEF IDENT '(' params ')' ':' suite
    fn def_stmt(&mut self) -> PResult<Stmt> {
        let pos = self.advance()?.pos;
        let name = self.ident()?;
        self.expect(Tok::LParen)?;
        let params = self.params()?;
        self.expect(Tok::RParen)?;
        self.expect(Tok::Colon)?;
        let body = self.suite()?;
        let function = Function {
            name: name.name.clone(),
            pos,
            params,
            body,
            scope: FunctionScope::default(),
        };
        Ok(Stmt {
            pos,
            kind: StmtKind::Def(name, Box::new(function)),
        })
    }

    /// if_stmt = IF test ':' suite {ELIF test ':' suite} [ELSE ':' suite]
    ///
    /// Each `elif` becomes an `If` nested in the `else_` of the previous one.
    fn if_stmt(&mut self) -> PResult<Stmt> {
        let pos = self.advance()?.pos;
        let cond = self.test()?;
        self.expect(Tok::Colon)?;
        let then = self.suite()?;
        let mut elifs = Vec::new();
        let mut spent = 0;
        while self.tok.kind == Tok::Elif {
            self.enter(CHAIN_COST)?;
            spent += CHAIN_COST;
            let pos = self.advance()?.pos;
            let cond = self.test()?;
            self.expect(Tok::Colon)?;
            let body = self.suite()?;
            elifs.push((pos, cond, body));
        }
        let mut else_ = Vec::new();
        if self.tok.kind == Tok::Else {
            self.advance()?;
            self.expect(Tok::Colon)?;
            else_ = self.suite()?;
        }
        self.leave(spent);
        for (pos, cond, then) in elifs.into_iter().rev() {
            let kind = StmtKind::If { cond, then, else_ };
            else_ = vec![Stmt { pos, kind }];
        }
        Ok(Stmt {
            pos,
            kind: StmtKind::If { cond, then, else_ },
        })
    }

    /// for_stmt = FOR loop_variables IN expr ':' suite
    fn for_stmt(&mut self) -> PResult<Stmt> {
        let pos = self.advance()?.pos;
        let vars = self.loop_variables()?;
        self.expect(Tok::In)?;
        let iter = self.expr(false)?;
        self.expect(Tok::Colon)?;
        let body = self.suite()?;
        Ok(Stmt {
            pos,
            kind: StmtKind::For { vars, iter, body },
        })
    }

    /// while_stmt = WHILE test ':' suite
    fn while_stmt(&mut self) -> PResult<Stmt> {
        let pos = self.advance()?.pos;
        let cond = self.test()?;
        self.expect(Tok::Colon)?;
        let body = self.suite()?;
        Ok(Stmt {
            pos,
            kind: StmtKind::While { cond, body },
        })
    }

    /// loop_variables = primary_with_suffix {',' primary_with_suffix} [',']
    ///
    /// Not `expr`, which would consume the `in` of `for x in y`.
    fn loop_variables(&mut self) -> PResult<Expr> {
        let first = self.primary_with_suffix()?;
        if self.tok.kind != Tok::Comma {
            return Ok(first);
        }
        let pos = first.pos;
        let mut list = vec![first];
        while self.tok.kind == Tok::Comma {
            self.advance()?;
            if terminates_expr_list(self.tok.kind) {
                break;
            }
            list.push(self.primary_with_suffix()?);
        }
        Ok(Expr {
            pos,
            kind: ExprKind::Tuple(list),
        })
    }

    /// suite = simple_stmt | NEWLINE INDENT stmt+ OUTDENT
    fn suite(&mut self) -> PResult<Vec<Stmt>> {
        self.enter(NEST_COST)?;
        let mut stmts = Vec::new();
        if self.tok.kind == Tok::Newline {
            self.advance()?;
            self.expect(Tok::Indent)?;
            while !matches!(self.tok.kind, Tok::Outdent | Tok::Eof) {
                self.stmt(&mut stmts)?;
            }
            self.expect(Tok::Outdent)?;
        } else {
            self.simple_stmt(&mut stmts)?;
        }
        self.leave(NEST_COST);
        Ok(stmts)
    }

    /// simple_stmt = small_stmt {';' small_stmt} [';'] NEWLINE
    ///
    /// The NEWLINE may be missing at the end of the file.
    fn simple_stmt(&mut self, stmts: &mut Vec<Stmt>) -> PResult<()> {
        loop {
            stmts.push(self.small_stmt()?);
            if self.tok.kind != Tok::Semi {
                break;
            }
            self.advance()?;
            if matches!(self.tok.kind, Tok::Newline | Tok::Eof) {
                break;
            }
        }
        if self.tok.kind != Tok::Eof {
            self.expect(Tok::Newline)?;
        }
        Ok(())
    }

    /// small_stmt = RETURN [expr] | BREAK | CONTINUE | PASS | load_stmt
    ///            | expr [('=' | '+=' | ...) expr]
    fn small_stmt(&mut self) -> PResult<Stmt> {
        let kind = match self.tok.kind {
            Tok::Return => return self.return_stmt(),
            Tok::Break => StmtKind::Break,
            Tok::Continue => StmtKind::Continue,
            Tok::Pass => StmtKind::Pass,
            Tok::Load => return self.load_stmt(),
            _ => return self.expr_or_assign_stmt(),
        };
        let pos = self.advance()?.pos;
        Ok(Stmt { pos, kind })
    }

    /// return_stmt = RETURN [expr]
    fn return_stmt(&mut self) -> PResult<Stmt> {
        let pos = self.advance()?.pos;
        let result = if matches!(self.tok.kind, Tok::Eof | Tok::Newline | Tok::Semi) {
            None
        } else {
            Some(self.expr(false)?)
        };
        Ok(Stmt {
            pos,
            kind: StmtKind::Return(result),
        })
    }

    /// An expression statement or an (augmented) assignment. Whether the
    /// left-hand side is assignable is checked by the resolver.
    fn expr_or_assign_stmt(&mut self) -> PResult<Stmt> {
        let lhs = self.expr(false)?;
        let pos = lhs.pos;
        let Some(op) = assign_op(self.tok.kind) else {
            return Ok(Stmt {
                pos,
                kind: StmtKind::Expr(lhs),
            });
        };
        let op_pos = self.advance()?.pos;
        let rhs = self.expr(false)?;
        Ok(Stmt {
            pos,
            kind: StmtKind::Assign {
                lhs,
                op,
                op_pos,
                rhs,
            },
        })
    }

    /// load_stmt = LOAD '(' STRING {',' (IDENT '=')? STRING} [','] ')'
    fn load_stmt(&mut self) -> PResult<Stmt> {
        let pos = self.advance()?.pos;
        let lparen = self.expect(Tok::LParen)?.pos;
        if self.tok.kind != Tok::String {
            return Err(self.error_here("first operand of load statement must be a string literal"));
        }
        let module_tok = self.advance()?;
        let module_pos = module_tok.pos;
        let module = string_of(module_tok.value);
        let mut bindings = Vec::new();
        while !matches!(self.tok.kind, Tok::RParen | Tok::Eof) {
            self.expect(Tok::Comma)?;
            match self.tok.kind {
                Tok::RParen => break, // trailing comma
                Tok::String => {
                    let (name, name_pos) = self.load_name()?;
                    bindings.push((Ident::new(name.clone(), name_pos), name, name_pos));
                }
                Tok::Ident => {
                    let local = self.ident()?;
                    if self.tok.kind != Tok::Eq {
                        return Err(self.error_here(format!(
                            "load operand must be \"{0}\" or {0}=\"originalname\" (want '=' after {0})",
                            local.name
                        )));
                    }
                    self.advance()?;
                    if self.tok.kind != Tok::String {
                        return Err(self.error_here(format!(
                            "original name of loaded symbol must be quoted: {}=\"originalname\"",
                            local.name
                        )));
                    }
                    let (name, name_pos) = self.load_name()?;
                    bindings.push((local, name, name_pos));
                }
                other => {
                    return Err(self.error_here(format!(
                        "load operand must be \"name\" or localname=\"name\" (got {})",
                        other.describe()
                    )))
                }
            }
        }
        self.expect(Tok::RParen)?;
        if bindings.is_empty() {
            return Err(self.error_at(lparen, "load statement must import at least 1 symbol"));
        }
        Ok(Stmt {
            pos,
            kind: StmtKind::Load {
                module,
                module_pos,
                bindings,
            },
        })
    }

    /// A quoted name in a load statement, and the position of the name
    /// inside the quotes (one column after the string's start, as in
    /// starlark-go).
    fn load_name(&mut self) -> PResult<(String, Pos)> {
        let t = self.advance()?;
        let pos = Pos::new(t.pos.line, t.pos.col.saturating_add(1));
        Ok((string_of(t.value), pos))
    }

    /// params = [param {',' param} [',']]
    /// param = IDENT | IDENT '=' test | '*' | '*' IDENT | '**' IDENT
    ///
    /// The order and uniqueness of parameters is checked by the resolver.
    fn params(&mut self) -> PResult<Vec<Param>> {
        let mut params = Vec::new();
        while !matches!(self.tok.kind, Tok::RParen | Tok::Colon | Tok::Eof) {
            if !params.is_empty() {
                self.expect(Tok::Comma)?;
            }
            if self.tok.kind == Tok::RParen {
                break;
            }
            let param = match self.tok.kind {
                Tok::StarStar => {
                    self.advance()?;
                    Param::StarStar(self.ident()?)
                }
                Tok::Star => {
                    let star = self.advance()?.pos;
                    let name = if self.tok.kind == Tok::Ident {
                        Some(self.ident()?)
                    } else {
                        None
                    };
                    Param::Star(name, star)
                }
                _ => {
                    let name = self.ident()?;
                    if self.tok.kind == Tok::Eq {
                        self.advance()?;
                        Param::Optional(name, self.test()?)
                    } else {
                        Param::Required(name)
                    }
                }
            };
            params.push(param);
        }
        Ok(params)
    }

    // ---- Expressions ----

    /// expr = test {',' test} [',']: a test, or an unparenthesized tuple.
    /// A trailing comma is allowed only `in_parens`.
    fn expr(&mut self, in_parens: bool) -> PResult<Expr> {
        let x = self.test()?;
        if self.tok.kind != Tok::Comma {
            return Ok(x);
        }
        let pos = x.pos;
        let list = self.exprs(vec![x], in_parens)?;
        Ok(Expr {
            pos,
            kind: ExprKind::Tuple(list),
        })
    }

    /// expr_list = {',' test} [','], appended to `list`.
    fn exprs(&mut self, mut list: Vec<Expr>, allow_trailing_comma: bool) -> PResult<Vec<Expr>> {
        while self.tok.kind == Tok::Comma {
            let comma = self.advance()?.pos;
            if terminates_expr_list(self.tok.kind) {
                if !allow_trailing_comma {
                    return Err(self.error_at(comma, "unparenthesized tuple with trailing comma"));
                }
                break;
            }
            list.push(self.test()?);
        }
        Ok(list)
    }

    /// test = lambda | or_expr [IF or_expr ELSE test]
    fn test(&mut self) -> PResult<Expr> {
        self.enter(NEST_COST)?;
        let x = if self.tok.kind == Tok::Lambda {
            self.lambda(true)?
        } else {
            let x = self.binary(0)?;
            if self.tok.kind == Tok::If {
                self.cond_tail(x)?
            } else {
                x
            }
        };
        self.leave(NEST_COST);
        Ok(x)
    }

    /// The `IF or_expr ELSE test` of a conditional expression.
    fn cond_tail(&mut self, then: Expr) -> PResult<Expr> {
        let if_pos = self.advance()?.pos;
        let cond = self.binary(0)?;
        if self.tok.kind != Tok::Else {
            return Err(self.error_at(if_pos, "conditional expression without else clause"));
        }
        self.advance()?;
        let else_ = self.test()?;
        Ok(Expr {
            pos: then.pos,
            kind: ExprKind::Cond {
                cond: Box::new(cond),
                then: Box::new(then),
                else_: Box::new(else_),
            },
        })
    }

    /// test_nocond = lambda_nocond | or_expr: a test that does not consume
    /// a trailing `if ... else ...` (used after `if` in comprehensions).
    fn test_no_cond(&mut self) -> PResult<Expr> {
        self.enter(NEST_COST)?;
        let x = if self.tok.kind == Tok::Lambda {
            self.lambda(false)?
        } else {
            self.binary(0)?
        };
        self.leave(NEST_COST);
        Ok(x)
    }

    /// lambda = LAMBDA [params] ':' test. With `!allow_cond` the body is a
    /// test_nocond.
    fn lambda(&mut self, allow_cond: bool) -> PResult<Expr> {
        let pos = self.advance()?.pos;
        let params = if self.tok.kind == Tok::Colon {
            Vec::new()
        } else {
            self.params()?
        };
        self.expect(Tok::Colon)?;
        let body = if allow_cond {
            self.test()?
        } else {
            self.test_no_cond()?
        };
        let ret = Stmt {
            pos: body.pos,
            kind: StmtKind::Return(Some(body)),
        };
        let function = Function {
            name: "lambda".to_owned(),
            pos,
            params,
            body: vec![ret],
            scope: FunctionScope::default(),
        };
        Ok(Expr {
            pos,
            kind: ExprKind::Lambda(Box::new(function)),
        })
    }

    /// Binary operators of precedence `min_prec` or higher, and unary `not`
    /// if `min_prec` allows it, by precedence climbing. Operators associate
    /// to the left, except comparisons, which do not associate at all.
    fn binary(&mut self, min_prec: i8) -> PResult<Expr> {
        let mut x = if self.tok.kind == Tok::Not && min_prec <= NOT_PREC {
            self.not_expr()?
        } else {
            self.primary_with_suffix()?
        };
        let mut prev_cmp: Option<Tok> = None;
        let mut spent = 0;
        loop {
            if self.tok.kind == Tok::Not {
                // In this context `not` must be followed by `in`.
                self.advance()?;
                if self.tok.kind != Tok::In {
                    return Err(self.error_here(format!(
                        "got {}, want in",
                        self.tok.kind.describe()
                    )));
                }
                self.tok.kind = Tok::NotIn;
            }
            let Some((op, prec)) = binary_op(self.tok.kind) else {
                break;
            };
            if prec < min_prec {
                break;
            }
            if let (Some(prev), CMP_PREC) = (prev_cmp, prec) {
                return Err(self.error_here(format!(
                    "{} does not associate with {} (use parens)",
                    prev.name(),
                    self.tok.kind.name()
                )));
            }
            self.enter(CHAIN_COST)?;
            spent += CHAIN_COST;
            let op_tok = self.advance()?;
            let y = self.binary(prec + 1)?;
            prev_cmp = (prec == CMP_PREC).then_some(op_tok.kind);
            x = Expr {
                pos: x.pos,
                kind: ExprKind::Binary {
                    op,
                    op_pos: op_tok.pos,
                    x: Box::new(x),
                    y: Box::new(y),
                },
            };
        }
        self.leave(spent);
        Ok(x)
    }

    /// not_expr = NOT not_expr | comparison
    fn not_expr(&mut self) -> PResult<Expr> {
        self.enter(NEST_COST)?;
        let pos = self.advance()?.pos;
        let x = self.binary(NOT_PREC)?;
        self.leave(NEST_COST);
        Ok(Expr {
            pos,
            kind: ExprKind::Unary {
                op: UnaryOp::Not,
                x: Box::new(x),
            },
        })
    }

    /// primary_with_suffix = primary {'.' IDENT | slice_suffix | call_suffix}
    fn primary_with_suffix(&mut self) -> PResult<Expr> {
        let mut x = self.primary()?;
        let mut spent = 0;
        while matches!(self.tok.kind, Tok::Dot | Tok::LBrack | Tok::LParen) {
            self.enter(CHAIN_COST)?;
            spent += CHAIN_COST;
            x = match self.tok.kind {
                Tok::Dot => {
                    self.advance()?;
                    let name = self.ident()?;
                    Expr {
                        pos: x.pos,
                        kind: ExprKind::Dot {
                            x: Box::new(x),
                            name,
                        },
                    }
                }
                Tok::LBrack => self.slice_suffix(x)?,
                _ => self.call_suffix(x)?,
            };
        }
        self.leave(spent);
        Ok(x)
    }

    /// slice_suffix = '[' expr ']' | '[' [expr] ':' [test] [':' [test]] ']'
    fn slice_suffix(&mut self, x: Expr) -> PResult<Expr> {
        let lbrack = self.advance()?.pos;
        let pos = x.pos;
        let x = Box::new(x);
        let mut lo = None;
        if self.tok.kind != Tok::Colon {
            let y = self.expr(false)?;
            if self.tok.kind == Tok::RBrack {
                self.advance()?;
                return Ok(Expr {
                    pos,
                    kind: ExprKind::Index {
                        x,
                        lbrack,
                        index: Box::new(y),
                    },
                });
            }
            lo = Some(Box::new(y));
        }
        let mut hi = None;
        let mut step = None;
        if self.tok.kind == Tok::Colon {
            self.advance()?;
            if !matches!(self.tok.kind, Tok::Colon | Tok::RBrack) {
                hi = Some(Box::new(self.test()?));
            }
        }
        if self.tok.kind == Tok::Colon {
            self.advance()?;
            if self.tok.kind != Tok::RBrack {
                step = Some(Box::new(self.test()?));
            }
        }
        self.expect(Tok::RBrack)?;
        Ok(Expr {
            pos,
            kind: ExprKind::Slice {
                x,
                lbrack,
                lo,
                hi,
                step,
            },
        })
    }

    /// call_suffix = '(' [args] ')'
    fn call_suffix(&mut self, func: Expr) -> PResult<Expr> {
        let lparen = self.expect(Tok::LParen)?.pos;
        let args = if self.tok.kind == Tok::RParen {
            Vec::new()
        } else {
            self.args()?
        };
        self.expect(Tok::RParen)?;
        Ok(Expr {
            pos: func.pos,
            kind: ExprKind::Call {
                func: Box::new(func),
                lparen,
                args,
            },
        })
    }

    /// args = arg {',' arg} [',']
    /// arg = test | IDENT '=' test | '*' test | '**' test
    ///
    /// The order of arguments is checked by the resolver.
    fn args(&mut self) -> PResult<Vec<Arg>> {
        let mut args = Vec::new();
        while !matches!(self.tok.kind, Tok::RParen | Tok::Eof) {
            if !args.is_empty() {
                self.expect(Tok::Comma)?;
            }
            if self.tok.kind == Tok::RParen {
                break;
            }
            let arg = match self.tok.kind {
                Tok::Star => {
                    self.advance()?;
                    Arg::Star(self.test()?)
                }
                Tok::StarStar => {
                    self.advance()?;
                    Arg::StarStar(self.test()?)
                }
                _ => self.positional_or_named_arg()?,
            };
            args.push(arg);
        }
        Ok(args)
    }

    /// test | IDENT '=' test. As in starlark-go, parses `test` first and
    /// then checks it was an identifier if `=` follows.
    fn positional_or_named_arg(&mut self) -> PResult<Arg> {
        let x = self.test()?;
        if self.tok.kind != Tok::Eq {
            return Ok(Arg::Positional(x));
        }
        let ExprKind::Ident(name) = x.kind else {
            return Err(self.error_here("keyword argument must have form name=expr"));
        };
        self.advance()?;
        Ok(Arg::Named(name, self.test()?))
    }

    /// primary = IDENT | INT | FLOAT | STRING | BYTES | list | dict | paren
    ///         | ('-' | '+' | '~') primary_with_suffix
    fn primary(&mut self) -> PResult<Expr> {
        match self.tok.kind {
            Tok::Ident => {
                let id = self.ident()?;
                Ok(Expr {
                    pos: id.pos,
                    kind: ExprKind::Ident(id),
                })
            }
            Tok::Int | Tok::Float | Tok::String | Tok::Bytes => {
                let t = self.advance()?;
                let lit = match t.value {
                    Value::Int(n) => Literal::Int(n),
                    Value::Float(f) => Literal::Float(f),
                    Value::Str(s) => Literal::String(s),
                    Value::Bytes(b) => Literal::Bytes(b),
                    Value::None | Value::Name(_) => {
                        return Err(self.error_at(t.pos, "internal error: literal without value"))
                    }
                };
                Ok(Expr {
                    pos: t.pos,
                    kind: ExprKind::Literal(lit),
                })
            }
            Tok::LBrack => self.list(),
            Tok::LBrace => self.dict(),
            Tok::LParen => self.paren(),
            Tok::Minus | Tok::Plus | Tok::Tilde => self.unary(),
            other => Err(self.error_here(format!(
                "got {}, want primary expression",
                other.describe()
            ))),
        }
    }

    /// unary = ('-' | '+' | '~') primary_with_suffix
    fn unary(&mut self) -> PResult<Expr> {
        self.enter(NEST_COST)?;
        let t = self.advance()?;
        let op = match t.kind {
            Tok::Minus => UnaryOp::Minus,
            Tok::Plus => UnaryOp::Plus,
            _ => UnaryOp::Tilde,
        };
        let x = self.primary_with_suffix()?;
        self.leave(NEST_COST);
        Ok(Expr {
            pos: t.pos,
            kind: ExprKind::Unary {
                op,
                x: Box::new(x),
            },
        })
    }

    /// paren = '(' ')' | '(' test ')' | '(' test expr_list ')'
    ///
    /// `(x)` is a [`ExprKind::Paren`]; `()`, `(x,)` and `(x, y)` are tuples
    /// positioned at the `(`.
    fn paren(&mut self) -> PResult<Expr> {
        let pos = self.advance()?.pos;
        if self.tok.kind == Tok::RParen {
            self.advance()?;
            return Ok(Expr {
                pos,
                kind: ExprKind::Tuple(Vec::new()),
            });
        }
        let x = self.test()?;
        let kind = if self.tok.kind == Tok::Comma {
            ExprKind::Tuple(self.exprs(vec![x], true)?)
        } else {
            ExprKind::Paren(Box::new(x))
        };
        self.expect(Tok::RParen)?;
        Ok(Expr { pos, kind })
    }

    /// list = '[' ']' | '[' test expr_list ']' | '[' test comp_suffix
    fn list(&mut self) -> PResult<Expr> {
        let pos = self.advance()?.pos;
        if self.tok.kind == Tok::RBrack {
            self.advance()?;
            return Ok(Expr {
                pos,
                kind: ExprKind::List(Vec::new()),
            });
        }
        let x = self.test()?;
        if self.tok.kind == Tok::For {
            let body = ComprehensionBody::List(Box::new(x));
            return self.comprehension(pos, body, Tok::RBrack);
        }
        let list = self.exprs(vec![x], true)?;
        self.expect(Tok::RBrack)?;
        Ok(Expr {
            pos,
            kind: ExprKind::List(list),
        })
    }

    /// dict = '{' '}' | '{' entry {',' entry} [','] '}' | '{' entry comp_suffix
    fn dict(&mut self) -> PResult<Expr> {
        let pos = self.advance()?.pos;
        if self.tok.kind == Tok::RBrace {
            self.advance()?;
            return Ok(Expr {
                pos,
                kind: ExprKind::Dict(Vec::new()),
            });
        }
        let (k, v) = self.dict_entry()?;
        if self.tok.kind == Tok::For {
            let body = ComprehensionBody::Dict(Box::new(k), Box::new(v));
            return self.comprehension(pos, body, Tok::RBrace);
        }
        let mut entries = vec![(k, v)];
        while self.tok.kind == Tok::Comma {
            self.advance()?;
            if self.tok.kind == Tok::RBrace {
                break;
            }
            entries.push(self.dict_entry()?);
        }
        self.expect(Tok::RBrace)?;
        Ok(Expr {
            pos,
            kind: ExprKind::Dict(entries),
        })
    }

    /// entry = test ':' test
    fn dict_entry(&mut self) -> PResult<(Expr, Expr)> {
        let k = self.test()?;
        self.expect(Tok::Colon)?;
        let v = self.test()?;
        Ok((k, v))
    }

    /// comp_suffix = {FOR loop_variables IN or_expr | IF test_nocond} end
    ///
    /// As in Python 3, the operand of `in` may not be a conditional, a
    /// lambda or an unparenthesized tuple.
    fn comprehension(&mut self, pos: Pos, body: ComprehensionBody, end: Tok) -> PResult<Expr> {
        let mut clauses = Vec::new();
        while self.tok.kind != end {
            let clause = match self.tok.kind {
                Tok::For => {
                    let pos = self.advance()?.pos;
                    let vars = self.loop_variables()?;
                    self.expect(Tok::In)?;
                    let iter = self.binary(0)?;
                    Clause::For { pos, vars, iter }
                }
                Tok::If => {
                    let pos = self.advance()?.pos;
                    let cond = self.test_no_cond()?;
                    Clause::If { pos, cond }
                }
                other => {
                    return Err(self.error_here(format!(
                        "got {}, want '{}', for, or if",
                        other.describe(),
                        end.name()
                    )))
                }
            };
            clauses.push(clause);
        }
        self.advance()?;
        Ok(Expr {
            pos,
            kind: ExprKind::Comprehension { body, clauses },
        })
    }
}

fn scan_error(path: &str, e: ScanError) -> SyntaxError {
    SyntaxError {
        path: path.to_owned(),
        pos: e.pos,
        msg: e.msg,
    }
}

/// An identifier token's name.
fn name_of(value: Value) -> String {
    match value {
        Value::Name(name) => name,
        _ => String::new(),
    }
}

/// A string literal token's value as text (invalid UTF-8 is replaced).
fn string_of(value: Value) -> String {
    match value {
        Value::Str(s) => String::from_utf8(s)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        _ => String::new(),
    }
}

/// Tokens that may follow the last element of a comma-separated list.
fn terminates_expr_list(tok: Tok) -> bool {
    matches!(
        tok,
        Tok::Eof | Tok::Newline | Tok::Eq | Tok::RBrace | Tok::RBrack | Tok::RParen | Tok::Semi
    )
}

/// For an assignment token: `Some(None)` for `=`, `Some(Some(op))` for `op=`.
fn assign_op(tok: Tok) -> Option<Option<BinaryOp>> {
    Some(Some(match tok {
        Tok::Eq => return Some(None),
        Tok::PlusEq => BinaryOp::Add,
        Tok::MinusEq => BinaryOp::Sub,
        Tok::StarEq => BinaryOp::Mul,
        Tok::SlashEq => BinaryOp::Div,
        Tok::SlashSlashEq => BinaryOp::FloorDiv,
        Tok::PercentEq => BinaryOp::Mod,
        Tok::AmpEq => BinaryOp::BitAnd,
        Tok::PipeEq => BinaryOp::BitOr,
        Tok::CircumflexEq => BinaryOp::BitXor,
        Tok::LtLtEq => BinaryOp::Shl,
        Tok::GtGtEq => BinaryOp::Shr,
        _ => return None,
    }))
}

/// A binary operator token's operator and precedence (0 binds loosest).
fn binary_op(tok: Tok) -> Option<(BinaryOp, i8)> {
    use BinaryOp::*;
    Some(match tok {
        Tok::Or => (Or, 0),
        Tok::And => (And, 1),
        Tok::Eql => (Eq, CMP_PREC),
        Tok::Neq => (Ne, CMP_PREC),
        Tok::Lt => (Lt, CMP_PREC),
        Tok::Gt => (Gt, CMP_PREC),
        Tok::Le => (Le, CMP_PREC),
        Tok::Ge => (Ge, CMP_PREC),
        Tok::In => (In, CMP_PREC),
        Tok::NotIn => (NotIn, CMP_PREC),
        Tok::Pipe => (BitOr, 4),
        Tok::Circumflex => (BitXor, 5),
        Tok::Amp => (BitAnd, 6),
        Tok::LtLt => (Shl, 7),
        Tok::GtGt => (Shr, 7),
        Tok::Minus => (Sub, 8),
        Tok::Plus => (Add, 8),
        Tok::Star => (Mul, 9),
        Tok::Percent => (Mod, 9),
        Tok::Slash => (Div, 9),
        Tok::SlashSlash => (FloorDiv, 9),
        _ => return None,
    })
}

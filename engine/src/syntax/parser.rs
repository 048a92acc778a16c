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
    Arg, BinaryOp, Clause, ComprehensionBody, Expr, ExprKind, File, Function, FunctionScope, Ident,
    Literal, Param, Pos, Stmt, StmtKind, UnaryOp,
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

/// Parser results. Errors are boxed to keep the (recursive) parser's stack
/// frames small.
type PResult<T> = Result<T, Box<SyntaxError>>;

/// Parses a whole file. The result's `scope` and `globals` are left empty
/// for the resolver to fill.
pub fn parse_file(path: &str, src: &str) -> Result<File, SyntaxError> {
    let mut p = Parser::new(path, src).map_err(|e| *e)?;
    let stmts = p.file_input().map_err(|e| *e)?;
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
    let mut p = Parser::new(path, src).map_err(|e| *e)?;
    p.expr_input().map_err(|e| *e)
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
        let tok = scanner.next_token().map_err(|e| scan_error(path, e))?;
        Ok(Parser {
            path,
            scanner,
            tok,
            depth: 0,
        })
    }

    /// expr_input = expr [NEWLINE] EOF
    fn expr_input(&mut self) -> PResult<Expr> {
        let x = self.expr(false)?;
        if self.tok.kind == Tok::Newline {
            self.advance()?;
        }
        if self.tok.kind != Tok::Eof {
            return Err(self.error_got_after_expr());
        }
        Ok(x)
    }

    // ---- Token helpers ----

    /// Moves to the next token, returning the position of the one consumed.
    fn advance(&mut self) -> PResult<Pos> {
        let next = match self.scanner.next_token() {
            Ok(next) => next,
            Err(e) => return Err(scan_error(self.path, e)),
        };
        Ok(std::mem::replace(&mut self.tok, next).pos)
    }

    /// Takes the lookahead token's value and moves to the next token.
    fn advance_value(&mut self) -> PResult<(Pos, Value)> {
        let value = std::mem::take(&mut self.tok.value);
        Ok((self.advance()?, value))
    }

    /// Consumes a token of kind `want`, or fails with "got X, want Y".
    fn expect(&mut self, want: Tok) -> PResult<Pos> {
        if self.tok.kind != want {
            return Err(self.error_got(&want.describe()));
        }
        self.advance()
    }

    // ---- Errors (kept out of line, to keep the parser's frames small) ----

    /// An error at `pos`.
    #[cold]
    #[inline(never)]
    fn error_at(&self, pos: Pos, msg: String) -> Box<SyntaxError> {
        Box::new(SyntaxError {
            path: self.path.to_owned(),
            pos,
            msg,
        })
    }

    /// An error at the end of the lookahead token, where starlark-go
    /// reports most parse errors.
    #[cold]
    #[inline(never)]
    fn error_here(&self, msg: &str) -> Box<SyntaxError> {
        self.error_at(self.tok.end, msg.to_owned())
    }

    /// "got <lookahead>, want <want>"
    #[cold]
    #[inline(never)]
    fn error_got(&self, want: &str) -> Box<SyntaxError> {
        let got = self.tok.kind.describe();
        self.error_at(self.tok.end, format!("got {got}, want {want}"))
    }

    /// "got <lookahead> after expression, want EOF"
    #[cold]
    #[inline(never)]
    fn error_got_after_expr(&self) -> Box<SyntaxError> {
        let got = self.tok.kind.describe();
        self.error_at(
            self.tok.end,
            format!("got {got} after expression, want EOF"),
        )
    }

    /// "<prev> does not associate with <lookahead> (use parens)"
    #[cold]
    #[inline(never)]
    fn error_not_associative(&self, prev: Tok) -> Box<SyntaxError> {
        let (prev, op) = (prev.name(), self.tok.kind.name());
        self.error_at(
            self.tok.end,
            format!("{prev} does not associate with {op} (use parens)"),
        )
    }

    /// "got <lookahead>, want '<end>', for, or if"
    #[cold]
    #[inline(never)]
    fn error_want_clause(&self, end: Tok) -> Box<SyntaxError> {
        self.error_got(&format!("'{}', for, or if", end.name()))
    }

    /// Spends `cost` of the nesting budget.
    fn enter(&mut self, cost: u32) -> PResult<()> {
        self.depth += cost;
        if self.depth > MAX_DEPTH {
            return Err(self.error_at(self.tok.pos, "nesting too deep".to_owned()));
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
        let (pos, value) = self.advance_value()?;
        Ok(Ident::new(name_of(value), pos))
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
        // (One `?` for all arms keeps this recursive frame small.)
        let stmt = match self.tok.kind {
            Tok::Def => self.def_stmt(),
            Tok::If => self.if_stmt(),
            Tok::For => self.for_stmt(),
            Tok::While => self.while_stmt(),
            _ => return self.simple_stmt(stmts),
        };
        stmts.push(stmt?);
        Ok(())
    }

    /// def_stmt = DEF IDENT '(' params ')' ':' suite
    fn def_stmt(&mut self) -> PResult<Stmt> {
        let pos = self.advance()?;
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
        let (pos, cond, then) = self.if_arm()?;
        let mut elifs = Vec::new();
        let mut spent = 0;
        while self.tok.kind == Tok::Elif {
            self.enter(CHAIN_COST)?;
            spent += CHAIN_COST;
            elifs.push(self.if_arm()?);
        }
        let else_ = if self.tok.kind == Tok::Else {
            self.else_arm()
        } else {
            Ok(Vec::new())
        };
        self.leave(spent);
        Ok(if_node(pos, cond, then, elifs, else_?))
    }

    /// (IF | ELIF) test ':' suite
    fn if_arm(&mut self) -> PResult<(Pos, Expr, Vec<Stmt>)> {
        let pos = self.advance()?;
        let cond = self.test()?;
        self.expect(Tok::Colon)?;
        let body = self.suite()?;
        Ok((pos, cond, body))
    }

    /// ELSE ':' suite
    fn else_arm(&mut self) -> PResult<Vec<Stmt>> {
        self.advance()?;
        self.expect(Tok::Colon)?;
        self.suite()
    }

    /// for_stmt = FOR loop_variables IN expr ':' suite
    fn for_stmt(&mut self) -> PResult<Stmt> {
        let pos = self.advance()?;
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
        let pos = self.advance()?;
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
        let pos = self.advance()?;
        Ok(Stmt { pos, kind })
    }

    /// return_stmt = RETURN [expr]
    fn return_stmt(&mut self) -> PResult<Stmt> {
        let pos = self.advance()?;
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
        let op_pos = self.advance()?;
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
        let pos = self.advance()?;
        let lparen = self.expect(Tok::LParen)?;
        if self.tok.kind != Tok::String {
            return Err(self.error_here("first operand of load statement must be a string literal"));
        }
        let (module_pos, value) = self.advance_value()?;
        let module = string_of(value);
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
                        let msg = format!(
                            "load operand must be \"{0}\" or {0}=\"originalname\" (want '=' after {0})",
                            local.name
                        );
                        return Err(self.error_here(&msg));
                    }
                    self.advance()?;
                    if self.tok.kind != Tok::String {
                        let msg = format!(
                            "original name of loaded symbol must be quoted: {}=\"originalname\"",
                            local.name
                        );
                        return Err(self.error_here(&msg));
                    }
                    let (name, name_pos) = self.load_name()?;
                    bindings.push((local, name, name_pos));
                }
                other => {
                    let msg = format!(
                        "load operand must be \"name\" or localname=\"name\" (got {})",
                        other.describe()
                    );
                    return Err(self.error_here(&msg));
                }
            }
        }
        self.expect(Tok::RParen)?;
        if bindings.is_empty() {
            let msg = "load statement must import at least 1 symbol";
            return Err(self.error_at(lparen, msg.to_owned()));
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
        let (pos, value) = self.advance_value()?;
        let pos = Pos::new(pos.line, pos.col.saturating_add(1));
        Ok((string_of(value), pos))
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
                    let star = self.advance()?;
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
            let comma = self.advance()?;
            if terminates_expr_list(self.tok.kind) {
                if !allow_trailing_comma {
                    let msg = "unparenthesized tuple with trailing comma";
                    return Err(self.error_at(comma, msg.to_owned()));
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
            self.lambda(true)
        } else {
            self.or_expr_or_cond()
        };
        self.leave(NEST_COST);
        x
    }

    /// or_expr [IF or_expr ELSE test]
    fn or_expr_or_cond(&mut self) -> PResult<Expr> {
        let x = self.binary(0)?;
        if self.tok.kind == Tok::If {
            self.cond_tail(x)
        } else {
            Ok(x)
        }
    }

    /// The `IF or_expr ELSE test` of a conditional expression.
    fn cond_tail(&mut self, then: Expr) -> PResult<Expr> {
        let if_pos = self.advance()?;
        let cond = self.binary(0)?;
        if self.tok.kind != Tok::Else {
            let msg = "conditional expression without else clause";
            return Err(self.error_at(if_pos, msg.to_owned()));
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
        let pos = self.advance()?;
        let params = if self.tok.kind == Tok::Colon {
            Vec::new()
        } else {
            self.params()?
        };
        self.expect(Tok::Colon)?;
        let body = if allow_cond {
            self.test()
        } else {
            self.test_no_cond()
        };
        Ok(lambda_node(pos, params, body?))
    }

    /// Binary operators of precedence `min_prec` or higher, and unary `not`
    /// if `min_prec` allows it, by precedence climbing. Operators associate
    /// to the left, except comparisons, which do not associate at all.
    fn binary(&mut self, min_prec: i8) -> PResult<Expr> {
        let first = if self.tok.kind == Tok::Not && min_prec <= NOT_PREC {
            self.not_expr()
        } else {
            self.primary_with_suffix()
        };
        let mut x = first?;
        let mut prev_cmp: Option<Tok> = None;
        let mut spent = 0;
        loop {
            if self.tok.kind == Tok::Not {
                self.not_in()?;
            }
            let Some((op, prec)) = binary_op(self.tok.kind) else {
                break;
            };
            if prec < min_prec {
                break;
            }
            if let (Some(prev), CMP_PREC) = (prev_cmp, prec) {
                return Err(self.error_not_associative(prev));
            }
            self.enter(CHAIN_COST)?;
            spent += CHAIN_COST;
            let op_kind = self.tok.kind;
            let op_pos = self.advance()?;
            let y = self.binary(prec + 1)?;
            prev_cmp = (prec == CMP_PREC).then_some(op_kind);
            x = binary_node(op, op_pos, x, y);
        }
        self.leave(spent);
        Ok(x)
    }

    /// Consumes the `not` of a binary `not in`, and turns the following
    /// `in` into a `not in` token (positioned at the `in`).
    fn not_in(&mut self) -> PResult<()> {
        self.advance()?;
        if self.tok.kind != Tok::In {
            return Err(self.error_got("in"));
        }
        self.tok.kind = Tok::NotIn;
        Ok(())
    }

    /// not_expr = NOT not_expr | comparison
    fn not_expr(&mut self) -> PResult<Expr> {
        self.enter(NEST_COST)?;
        let pos = self.advance()?;
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
            let suffixed = match self.tok.kind {
                Tok::Dot => self.dot_suffix(x),
                Tok::LBrack => self.slice_suffix(x),
                _ => self.call_suffix(x),
            };
            x = suffixed?;
        }
        self.leave(spent);
        Ok(x)
    }

    /// dot_suffix = '.' IDENT
    fn dot_suffix(&mut self, x: Expr) -> PResult<Expr> {
        self.advance()?;
        let name = self.ident()?;
        Ok(Expr {
            pos: x.pos,
            kind: ExprKind::Dot {
                x: Box::new(x),
                name,
            },
        })
    }

    /// slice_suffix = '[' expr ']' | '[' [expr] ':' [test] [':' [test]] ']'
    fn slice_suffix(&mut self, x: Expr) -> PResult<Expr> {
        let lbrack = self.advance()?;
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
        let lparen = self.expect(Tok::LParen)?;
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
            Tok::Ident => self.ident_expr(),
            Tok::Int | Tok::Float | Tok::String | Tok::Bytes => self.literal(),
            Tok::LBrack => self.list(),
            Tok::LBrace => self.dict(),
            Tok::LParen => self.paren(),
            Tok::Minus | Tok::Plus | Tok::Tilde => self.unary(),
            _ => Err(self.error_got("primary expression")),
        }
    }

    /// An identifier as an expression.
    fn ident_expr(&mut self) -> PResult<Expr> {
        let id = self.ident()?;
        Ok(Expr {
            pos: id.pos,
            kind: ExprKind::Ident(id),
        })
    }

    /// An int, float, string or bytes literal.
    fn literal(&mut self) -> PResult<Expr> {
        let (pos, value) = self.advance_value()?;
        let lit = match value {
            Value::Int(n) => Literal::Int(n),
            Value::Float(f) => Literal::Float(f),
            Value::Str(s) => Literal::String(s),
            Value::Bytes(b) => Literal::Bytes(b),
            Value::None | Value::Name(_) => {
                let msg = "internal error: literal without value";
                return Err(self.error_at(pos, msg.to_owned()));
            }
        };
        Ok(Expr {
            pos,
            kind: ExprKind::Literal(lit),
        })
    }

    /// unary = ('-' | '+' | '~') primary_with_suffix
    fn unary(&mut self) -> PResult<Expr> {
        self.enter(NEST_COST)?;
        let op = match self.tok.kind {
            Tok::Minus => UnaryOp::Minus,
            Tok::Plus => UnaryOp::Plus,
            _ => UnaryOp::Tilde,
        };
        let pos = self.advance()?;
        let x = self.primary_with_suffix()?;
        self.leave(NEST_COST);
        Ok(Expr {
            pos,
            kind: ExprKind::Unary { op, x: Box::new(x) },
        })
    }

    /// paren = '(' ')' | '(' test ')' | '(' test expr_list ')'
    ///
    /// `(x)` is a [`ExprKind::Paren`]; `()`, `(x,)` and `(x, y)` are tuples
    /// positioned at the `(`.
    fn paren(&mut self) -> PResult<Expr> {
        let pos = self.advance()?;
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
        let pos = self.advance()?;
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
        let pos = self.advance()?;
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
        self.dict_entries(pos, vec![(k, v)])
    }

    /// The rest of a dict literal after its first entry.
    fn dict_entries(&mut self, pos: Pos, mut entries: Vec<(Expr, Expr)>) -> PResult<Expr> {
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
                    let pos = self.advance()?;
                    let vars = self.loop_variables()?;
                    self.expect(Tok::In)?;
                    self.enter(NEST_COST)?;
                    let iter = self.binary(0)?;
                    self.leave(NEST_COST);
                    Clause::For { pos, vars, iter }
                }
                Tok::If => {
                    let pos = self.advance()?;
                    let cond = self.test_no_cond()?;
                    Clause::If { pos, cond }
                }
                _ => return Err(self.error_want_clause(end)),
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

/// A scanner error, as a syntax error in file `path`.
#[cold]
#[inline(never)]
fn scan_error(path: &str, e: ScanError) -> Box<SyntaxError> {
    Box::new(SyntaxError {
        path: path.to_owned(),
        pos: e.pos,
        msg: e.msg,
    })
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

/// An `if` statement; each `elif` becomes an `If` nested in the `else_` of
/// the previous one.
fn if_node(
    pos: Pos,
    cond: Expr,
    then: Vec<Stmt>,
    elifs: Vec<(Pos, Expr, Vec<Stmt>)>,
    mut else_: Vec<Stmt>,
) -> Stmt {
    for (pos, cond, then) in elifs.into_iter().rev() {
        let kind = StmtKind::If { cond, then, else_ };
        else_ = vec![Stmt { pos, kind }];
    }
    Stmt {
        pos,
        kind: StmtKind::If { cond, then, else_ },
    }
}

/// A lambda: a function named "lambda" whose body returns `body`.
fn lambda_node(pos: Pos, params: Vec<Param>, body: Expr) -> Expr {
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
    Expr {
        pos,
        kind: ExprKind::Lambda(Box::new(function)),
    }
}

/// The binary expression `x op y`.
fn binary_node(op: BinaryOp, op_pos: Pos, x: Expr, y: Expr) -> Expr {
    Expr {
        pos: x.pos,
        kind: ExprKind::Binary {
            op,
            op_pos,
            x: Box::new(x),
            y: Box::new(y),
        },
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

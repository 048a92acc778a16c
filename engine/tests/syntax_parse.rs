//! Focused tests of the scanner and parser: literal values, tree shapes,
//! positions, error messages and robustness.

use engine::syntax::ast::*;
use engine::syntax::{parse_expr, parse_file, SyntaxError};
use num_bigint::BigInt;

// ---- Helpers ----

fn expr(src: &str) -> Expr {
    parse_expr("t.star", src).unwrap_or_else(|e| panic!("{src:?}: {e}"))
}

fn file(src: &str) -> File {
    parse_file("t.star", src).unwrap_or_else(|e| panic!("{src:?}: {e}"))
}

fn file_err(src: &str) -> SyntaxError {
    match parse_file("t.star", src) {
        Ok(f) => panic!("{src:?}: parsed, want error: {:?}", f.stmts),
        Err(e) => e,
    }
}

fn expr_err(src: &str) -> SyntaxError {
    match parse_expr("t.star", src) {
        Ok(x) => panic!("{src:?}: parsed, want error: {x:?}"),
        Err(e) => e,
    }
}

/// Asserts that `src` fails to parse with `msg` at `line:col`.
fn assert_err(src: &str, line: u32, col: u32, msg: &str) {
    let e = file_err(src);
    assert_eq!(
        (e.pos.line, e.pos.col, e.msg.as_str()),
        (line, col, msg),
        "{src:?}"
    );
}

fn literal(src: &str) -> Literal {
    match expr(src).kind {
        ExprKind::Literal(lit) => lit,
        other => panic!("{src:?}: not a literal: {other:?}"),
    }
}

fn string(src: &str) -> Vec<u8> {
    match literal(src) {
        Literal::String(s) => s,
        other => panic!("{src:?}: not a string: {other:?}"),
    }
}

fn int(src: &str) -> BigInt {
    match literal(src) {
        Literal::Int(n) => n,
        other => panic!("{src:?}: not an int: {other:?}"),
    }
}

fn float(src: &str) -> f64 {
    match literal(src) {
        Literal::Float(f) => f,
        other => panic!("{src:?}: not a float: {other:?}"),
    }
}

/// A compact, position-free rendering of an expression's tree.
fn sx(e: &Expr) -> String {
    let list = |tag: &str, xs: &[Expr]| {
        let mut s = format!("({tag}");
        for x in xs {
            s += " ";
            s += &sx(x);
        }
        s + ")"
    };
    match &e.kind {
        ExprKind::Ident(id) => id.name.clone(),
        ExprKind::Literal(Literal::Int(n)) => n.to_string(),
        ExprKind::Literal(Literal::Float(f)) => format!("{f:?}"),
        ExprKind::Literal(Literal::String(s)) => format!("{:?}", String::from_utf8_lossy(s)),
        ExprKind::Literal(Literal::Bytes(s)) => format!("b{:?}", String::from_utf8_lossy(s)),
        ExprKind::List(xs) => list("list", xs),
        ExprKind::Tuple(xs) => list("tuple", xs),
        ExprKind::Paren(x) => format!("(paren {})", sx(x)),
        ExprKind::Dict(es) => {
            let entries: Vec<String> = es
                .iter()
                .map(|(k, v)| format!(" {}:{}", sx(k), sx(v)))
                .collect();
            format!("(dict{})", entries.concat())
        }
        ExprKind::Comprehension { body, clauses } => {
            let mut s = match body {
                ComprehensionBody::List(x) => format!("(listcomp {}", sx(x)),
                ComprehensionBody::Dict(k, v) => format!("(dictcomp {}:{}", sx(k), sx(v)),
            };
            for c in clauses {
                match c {
                    Clause::For { vars, iter, .. } => {
                        s += &format!(" (for {} {})", sx(vars), sx(iter))
                    }
                    Clause::If { cond, .. } => s += &format!(" (if {})", sx(cond)),
                }
            }
            s + ")"
        }
        ExprKind::Unary { op, x } => {
            let op = match op {
                UnaryOp::Minus => "-",
                UnaryOp::Plus => "+",
                UnaryOp::Tilde => "~",
                UnaryOp::Not => "not",
            };
            format!("({op} {})", sx(x))
        }
        ExprKind::Binary { op, x, y, .. } => format!("({} {} {})", op.symbol(), sx(x), sx(y)),
        ExprKind::Cond { cond, then, else_ } => {
            format!("(if {} {} {})", sx(cond), sx(then), sx(else_))
        }
        ExprKind::Dot { x, name } => format!("(. {} {})", sx(x), name.name),
        ExprKind::Index { x, index, .. } => format!("(index {} {})", sx(x), sx(index)),
        ExprKind::Slice {
            x, lo, hi, step, ..
        } => {
            let o = |e: &Option<Box<Expr>>| e.as_ref().map_or("_".to_owned(), |e| sx(e));
            format!("(slice {} {} {} {})", sx(x), o(lo), o(hi), o(step))
        }
        ExprKind::Call { func, args, .. } => {
            let mut s = format!("(call {}", sx(func));
            for a in args {
                s += &match a {
                    Arg::Positional(x) => format!(" {}", sx(x)),
                    Arg::Named(n, x) => format!(" {}={}", n.name, sx(x)),
                    Arg::Star(x) => format!(" *{}", sx(x)),
                    Arg::StarStar(x) => format!(" **{}", sx(x)),
                };
            }
            s + ")"
        }
        ExprKind::Lambda(f) => match &f.body[..] {
            [Stmt {
                kind: StmtKind::Return(Some(body)),
                ..
            }] => format!("(lambda/{} {})", f.params.len(), sx(body)),
            other => panic!("lambda body {other:?}"),
        },
    }
}

fn shape(src: &str) -> String {
    sx(&expr(src))
}

fn p(line: u32, col: u32) -> Pos {
    Pos::new(line, col)
}

// ---- Literals ----

#[test]
fn int_literals() {
    assert_eq!(int("0"), BigInt::from(0));
    assert_eq!(int("000"), BigInt::from(0));
    assert_eq!(int("123"), BigInt::from(123));
    assert_eq!(int("0x1F"), BigInt::from(31));
    assert_eq!(int("0XfF"), BigInt::from(255));
    assert_eq!(int("0o17"), BigInt::from(15));
    assert_eq!(int("0O7"), BigInt::from(7));
    assert_eq!(int("0b101"), BigInt::from(5));
    assert_eq!(int("0B1"), BigInt::from(1));
    let big: BigInt = "123456789012345678901234567890".parse().unwrap();
    assert_eq!(int("123456789012345678901234567890"), big);
    assert_eq!(
        int("0xffffffffffffffffffff"),
        BigInt::parse_bytes(b"ffffffffffffffffffff", 16).unwrap()
    );
    assert_eq!(
        int("0o7777777777777777777777777"),
        BigInt::parse_bytes(b"7777777777777777777777777", 8).unwrap()
    );
    let bits = format!("0b1{}", "0".repeat(70));
    assert_eq!(int(&bits), BigInt::from(1) << 70u32);
}

#[test]
fn int_literal_errors() {
    assert_err("x = 012", 1, 8, "obsolete form of octal literal; use 0o12");
    assert_err("x = 09", 1, 5, "invalid int literal");
    assert_err("x = 0x", 1, 5, "invalid hex literal");
    assert_err("x = 0o8", 1, 7, "invalid octal literal");
    assert_err("x = 0b2", 1, 7, "invalid binary literal");
}

#[test]
fn float_literals() {
    assert_eq!(float("1.5"), 1.5);
    assert_eq!(float("1."), 1.0);
    assert_eq!(float(".5"), 0.5);
    assert_eq!(float("1e10"), 1e10);
    assert_eq!(float("1E+2"), 100.0);
    assert_eq!(float("1.5e-3"), 1.5e-3);
    assert_eq!(float("1.e2"), 100.0);
    assert_eq!(float("0.0"), 0.0);
    assert_eq!(float("09.5"), 9.5);
    assert_eq!(float("0e0"), 0.0);
    assert_err("x = 1e", 1, 7, "invalid float literal");
    assert_err("x = 1e+", 1, 8, "invalid float literal");
    assert_err("x = 1e999", 1, 10, "invalid float literal");
}

#[test]
fn string_literals() {
    assert_eq!(string(r#""abc""#), b"abc");
    assert_eq!(string("'abc'"), b"abc");
    assert_eq!(string("''"), b"");
    assert_eq!(string(r#""it's""#), b"it's");
    assert_eq!(
        string(r#""\a\b\f\n\r\t\v\\\'\"""#),
        b"\x07\x08\x0c\n\r\t\x0b\\'\""
    );
    assert_eq!(string(r#""\101\0\7\1010""#), b"A\0\x07A0");
    assert_eq!(string(r#""\x41\xff\x00""#), b"A\xff\x00");
    assert_eq!(string(r#""\u00e9\U0001F600""#), "é😀".as_bytes());
    assert_eq!(string("\"a\\\nb\""), b"ab");
    assert_eq!(string("\"a\\\r\nb\""), b"ab");
    assert_eq!(string("\"é\""), "é".as_bytes());
    // Triple-quoted.
    assert_eq!(string("'''a\nb'''"), b"a\nb");
    assert_eq!(string("\"\"\"a\"b\"\"c\"\"\""), b"a\"b\"\"c");
    assert_eq!(string("'''a\r\nb\rc'''"), b"a\nb\nc");
    assert_eq!(string("'''\\''''"), b"'");
    // Raw.
    assert_eq!(string(r#"r"a\nb""#), br"a\nb");
    assert_eq!(string(r#"r'\''"#), br"\'");
    assert_eq!(string("r'''a\\\nb'''"), b"a\\\nb");
    assert_eq!(string(r#"r"\q""#), br"\q");
}

#[test]
fn bytes_literals() {
    let bytes = |src: &str| match literal(src) {
        Literal::Bytes(b) => b,
        other => panic!("{src:?}: not bytes: {other:?}"),
    };
    assert_eq!(bytes(r#"b"abc""#), b"abc");
    assert_eq!(bytes(r#"b'\xff\377'"#), b"\xff\xff");
    assert_eq!(bytes(r#"b"\u00e9""#), "é".as_bytes());
    assert_eq!(bytes(r#"rb"\x""#), br"\x");
    assert_eq!(bytes(r#"br"\x""#), br"\x");
    assert_eq!(bytes("b'''a\nb'''"), b"a\nb");
    // `b` and `r` alone are identifiers.
    assert_eq!(shape("b + r"), "(+ b r)");
}

#[test]
fn string_literal_errors() {
    assert_err(r#"x = "\q""#, 1, 5, r"invalid escape sequence \q");
    assert_err(
        r#"x = r"a" + "\x4""#,
        1,
        12,
        r"truncated escape sequence \x4",
    );
    assert_err(r#"x = "\x-0""#, 1, 5, r"invalid escape sequence \x-0");
    assert_err(r#"x = "\400""#, 1, 5, r"invalid escape sequence \400");
    assert_err(r#"x = "\u12""#, 1, 5, r"truncated escape sequence \u12");
    assert_err(r#"x = "\ud800""#, 1, 5, "invalid Unicode code point U+D800");
    assert_err(
        r#"x = "\U00110000""#,
        1,
        5,
        r"code point out of range: \U00110000 (max \U0010ffff)",
    );
    // Escape errors are reported at the quote, after any prefix.
    assert_err(r#"x = b"\q""#, 1, 6, r"invalid escape sequence \q");
    // Errors about the extent of a literal are reported at its start.
    assert_err("x = 'abc", 1, 5, "unexpected EOF in string");
    assert_err("x = r'a\nb'", 1, 5, "unexpected newline in string");
    assert_err("x = '''abc\n\n", 1, 5, "unexpected EOF in string");
    assert_err("x = 'a\\", 1, 5, "unexpected EOF in string");
    // The extent is checked before escapes.
    assert_err("x = '\\q", 1, 5, "unexpected EOF in string");
}

// ---- Scanner errors and layout ----

#[test]
fn scanner_errors() {
    assert_err("x = 1 $ 2", 1, 7, "unexpected input character '$'");
    assert_err("x = a ! b", 1, 7, "unexpected input character '!'");
    assert_err("x = 1\u{a0}", 1, 6, r"unexpected input character '\u00a0'");
    assert_err("x = 1 \\ 2", 1, 8, "stray backslash in program");
    assert_err("f())", 1, 4, "unexpected ')'");
    assert_err(
        "if x:\n    a\n  b\n",
        3,
        3,
        "unindent does not match any outer indentation level",
    );
}

#[test]
fn layout() {
    // Implicit line joining, continuation lines, comments, blank lines, CRLF.
    let f = file("x = (1 +\n  2)  # c\n\n# only a comment\ny = 1 + \\\n 2\r\nz = [\r\n1,\r\n]\r\n");
    assert_eq!(f.stmts.len(), 3);
    assert_eq!(f.stmts[2].pos, p(7, 1));
    // Tabs indent to multiples of 8.
    file("if x:\n\ta = 1\n        b = 2\n");
    // No newline at end of file, inside and outside blocks.
    file("def f():\n  pass");
    file("x = 1");
    file("");
    file("\n\n# c");
    // Unicode identifiers.
    assert_eq!(shape("café.éclair"), "(. café éclair)");
}

#[test]
fn reserved_words() {
    assert_err(
        "x = class",
        1,
        10,
        "got illegal token, want primary expression",
    );
    assert_err(
        "import foo",
        1,
        7,
        "got illegal token, want primary expression",
    );
    // starlark-go does not reserve `assert`.
    file("assert.eq(1, 1)\n");
}

// ---- Expressions ----

#[test]
fn precedence() {
    assert_eq!(shape("1 + 2 * 3"), "(+ 1 (* 2 3))");
    assert_eq!(shape("1 * 2 + 3"), "(+ (* 1 2) 3)");
    assert_eq!(shape("1 - 2 - 3"), "(- (- 1 2) 3)");
    assert_eq!(shape("a // b % c / d"), "(/ (% (// a b) c) d)");
    assert_eq!(shape("not a == b"), "(not (== a b))");
    assert_eq!(shape("not a and b"), "(and (not a) b)");
    assert_eq!(shape("a or not b and c"), "(or a (and (not b) c))");
    assert_eq!(shape("not not a"), "(not (not a))");
    assert_eq!(shape("a if b else c if d else e"), "(if b a (if d c e))");
    assert_eq!(shape("a or b if c or d else e"), "(if (or c d) (or a b) e)");
    assert_eq!(
        shape("a | b ^ c & d << e + f"),
        "(| a (^ b (& c (<< d (+ e f)))))"
    );
    assert_eq!(shape("a << b >> c"), "(>> (<< a b) c)");
    assert_eq!(shape("-a * b"), "(* (- a) b)");
    assert_eq!(shape("-a.b(c)[d]"), "(- (index (call (. a b) c) d))");
    assert_eq!(shape("- - ~+x"), "(- (- (~ (+ x))))");
    assert_eq!(shape("a in b"), "(in a b)");
    assert_eq!(shape("a not in b | c"), "(not in a (| b c))");
    assert_eq!(shape("a < b and b < c"), "(and (< a b) (< b c))");
    assert_eq!(shape("(a < b) < c"), "(< (paren (< a b)) c)");
    assert_eq!(shape("lambda x: x if a else b"), "(lambda/1 (if a x b))");
}

#[test]
fn comparisons_do_not_associate() {
    assert_err(
        "x = a < b < c",
        1,
        12,
        "< does not associate with < (use parens)",
    );
    assert_err(
        "x = a == b != c",
        1,
        14,
        "== does not associate with != (use parens)",
    );
    assert_err(
        "x = a in b not in c",
        1,
        18,
        "in does not associate with not in (use parens)",
    );
    assert_err(
        "x = a == b | c > d",
        1,
        17,
        "== does not associate with > (use parens)",
    );
    assert_err("x = a not b", 1, 12, "got identifier, want in");
    assert_err("x = a + not b", 1, 12, "got not, want primary expression");
}

#[test]
fn primaries_and_suffixes() {
    assert_eq!(shape("(x)"), "(paren x)");
    assert_eq!(shape("((x))"), "(paren (paren x))");
    assert_eq!(shape("()"), "(tuple)");
    assert_eq!(shape("(x,)"), "(tuple x)");
    assert_eq!(shape("((x, y))"), "(paren (tuple x y))");
    assert_eq!(shape("a, b"), "(tuple a b)");
    assert_eq!(shape("a, (b, c)"), "(tuple a (tuple b c))");
    assert_eq!(shape("[]"), "(list)");
    assert_eq!(shape("[1, 2,]"), "(list 1 2)");
    assert_eq!(shape("{}"), "(dict)");
    assert_eq!(shape("{1: 2, 3: 4,}"), "(dict 1:2 3:4)");
    assert_eq!(shape("x[1]"), "(index x 1)");
    assert_eq!(shape("x[1, 2]"), "(index x (tuple 1 2))");
    assert_eq!(shape("x[:]"), "(slice x _ _ _)");
    assert_eq!(shape("x[::]"), "(slice x _ _ _)");
    assert_eq!(shape("x[1:]"), "(slice x 1 _ _)");
    assert_eq!(shape("x[:2]"), "(slice x _ 2 _)");
    assert_eq!(shape("x[::3]"), "(slice x _ _ 3)");
    assert_eq!(shape("x[1:2:3]"), "(slice x 1 2 3)");
    assert_eq!(shape("x[1, 2:]"), "(slice x (tuple 1 2) _ _)");
    assert_eq!(shape("f()"), "(call f)");
    assert_eq!(shape("f(a, b=1, *c, **d,)"), "(call f a b=1 *c **d)");
    // Argument order is the resolver's business.
    assert_eq!(shape("f(**d, *c, b=1, a)"), "(call f **d *c b=1 a)");
    assert_eq!(shape("f()()"), "(call (call f))");
    assert_eq!(shape("a.b.c"), "(. (. a b) c)");
}

#[test]
fn comprehensions() {
    assert_eq!(shape("[x for x in y]"), "(listcomp x (for x y))");
    assert_eq!(
        shape("[x for x in y if c for z in w]"),
        "(listcomp x (for x y) (if c) (for z w))"
    );
    assert_eq!(
        shape("{k: v for k, v in d.items() if k if v}"),
        "(dictcomp k:v (for (tuple k v) (call (. d items))) (if k) (if v))"
    );
    assert_err(
        "_ = [x for x, in y]",
        1,
        17,
        "got in, want primary expression",
    );
    assert_eq!(
        shape("[a for b in c or d]"),
        "(listcomp a (for b (or c d)))"
    );
    assert_eq!(
        shape("[a for b in c if lambda: d]"),
        "(listcomp a (for b c) (if (lambda/0 d)))"
    );
    assert_eq!(
        shape("[x for x in (lambda: 1, 2)]"),
        "(listcomp x (for x (tuple (lambda/0 1) 2)))"
    );
    // The operand of `in` is restricted.
    assert_err(
        "_ = [x for x in 1, 2]",
        1,
        19,
        "got ',', want ']', for, or if",
    );
    assert_err(
        "_ = [x for x in a if b else c]",
        1,
        28,
        "got else, want ']', for, or if",
    );
    assert_err(
        "_ = [x for x in lambda: y]",
        1,
        23,
        "got lambda, want primary expression",
    );
    assert_err("_ = {x for y in z}", 1, 11, "got for, want ':'");
}

#[test]
fn lambdas() {
    let x = expr("lambda a, b=1, *c, d, **e: a");
    assert_eq!(x.pos, p(1, 1));
    let ExprKind::Lambda(f) = &x.kind else {
        panic!("{x:?}")
    };
    assert_eq!(f.name, "lambda");
    assert_eq!(f.pos, p(1, 1));
    assert_eq!(f.params.len(), 5);
    assert!(
        matches!(&f.body[..], [Stmt { pos, kind: StmtKind::Return(Some(_)) }] if *pos == p(1, 28))
    );
    assert_eq!(shape("lambda: lambda: 1"), "(lambda/0 (lambda/0 1))");
}

#[test]
fn expression_positions() {
    let x = expr("a + f(b)[c].d");
    assert_eq!(x.pos, p(1, 1));
    let ExprKind::Binary { op_pos, y, .. } = &x.kind else {
        panic!()
    };
    assert_eq!(*op_pos, p(1, 3));
    assert_eq!(y.pos, p(1, 5));
    let ExprKind::Dot { x: idx, name } = &y.kind else {
        panic!()
    };
    assert_eq!(name.pos, p(1, 13));
    let ExprKind::Index {
        x: call, lbrack, ..
    } = &idx.kind
    else {
        panic!()
    };
    assert_eq!(*lbrack, p(1, 9));
    let ExprKind::Call { lparen, .. } = &call.kind else {
        panic!()
    };
    assert_eq!(*lparen, p(1, 6));

    // `not in` is positioned at its `in`, as in starlark-go.
    let ExprKind::Binary { op, op_pos, .. } = expr("a not in b").kind else {
        panic!()
    };
    assert_eq!((op, op_pos), (BinaryOp::NotIn, p(1, 7)));

    // Parenthesized tuples start at the paren; bare ones at their first element.
    let ExprKind::List(elems) = expr("[(a, b)]").kind else {
        panic!()
    };
    assert_eq!(elems[0].pos, p(1, 2));
    assert_eq!(expr("a , b").pos, p(1, 1));
    assert_eq!(expr("[x for x in y]").pos, p(1, 1));
    assert_eq!(expr("x if y else z").pos, p(1, 1));
    assert_eq!(expr("-x").pos, p(1, 1));
    let ExprKind::Slice { lbrack, .. } = expr("xs[1:]").kind else {
        panic!()
    };
    assert_eq!(lbrack, p(1, 3));
}

#[test]
fn parse_expr_api() {
    assert_eq!(shape("a, b\n\n# comment\n"), "(tuple a b)");
    let e = expr_err("a b");
    assert_eq!(
        (e.pos, e.msg.as_str()),
        (p(1, 4), "got identifier after expression, want EOF")
    );
    let e = expr_err("");
    assert_eq!(e.msg, "got end of file, want primary expression");
    let e = expr_err("a, b,");
    assert_eq!(
        (e.pos, e.msg.as_str()),
        (p(1, 5), "unparenthesized tuple with trailing comma")
    );
    assert_eq!(e.path, "t.star");
    assert_eq!(
        e.to_string(),
        "t.star:1:5: unparenthesized tuple with trailing comma"
    );
}

// ---- Statements ----

#[test]
fn assignments() {
    let f = file("x = 1\na.b, [c[0], (d, e)] = f\nx += 1; y //= 2; z >>= 3;\n");
    assert_eq!(f.stmts.len(), 5);
    let StmtKind::Assign {
        lhs, op, op_pos, ..
    } = &f.stmts[1].kind
    else {
        panic!()
    };
    assert_eq!((*op, *op_pos), (None, p(2, 21)));
    assert_eq!(sx(lhs), "(tuple (. a b) (list (index c 0) (tuple d e)))");
    let ops: Vec<_> = f.stmts[2..]
        .iter()
        .map(|s| match &s.kind {
            StmtKind::Assign { op, op_pos, .. } => (*op, *op_pos, s.pos),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        ops,
        [
            (Some(BinaryOp::Add), p(3, 3), p(3, 1)),
            (Some(BinaryOp::FloorDiv), p(3, 11), p(3, 9)),
            (Some(BinaryOp::Shr), p(3, 20), p(3, 18)),
        ]
    );
    // All augmented operators.
    for op in ["+", "-", "*", "/", "//", "%", "&", "|", "^", "<<", ">>"] {
        let f = file(&format!("x {op}= 1"));
        let StmtKind::Assign { op: Some(got), .. } = &f.stmts[0].kind else {
            panic!("{op}")
        };
        assert_eq!(got.symbol(), op);
    }
    // Assignability is checked by the resolver.
    file("1 = 2\n(a, b) += 1\n");
    assert_err(
        "a, b, = 1, 2",
        1,
        5,
        "unparenthesized tuple with trailing comma",
    );
    file("(a, b,) = 1, 2");
}

#[test]
fn def_params() {
    let f = file("def f(a, b=1, *args, c, d=2, **kwargs,):\n  return a\n");
    let Stmt {
        pos,
        kind: StmtKind::Def(name, func),
    } = &f.stmts[0]
    else {
        panic!()
    };
    assert_eq!(
        (*pos, name.name.as_str(), name.pos),
        (p(1, 1), "f", p(1, 5))
    );
    assert_eq!((func.name.as_str(), func.pos), ("f", p(1, 1)));
    assert!(name.scope.is_none());
    let params: Vec<String> = func
        .params
        .iter()
        .map(|p| match p {
            Param::Required(id) => id.name.clone(),
            Param::Optional(id, d) => format!("{}={}", id.name, sx(d)),
            Param::Star(Some(id), _) => format!("*{}", id.name),
            Param::Star(None, _) => "*".to_owned(),
            Param::StarStar(id) => format!("**{}", id.name),
        })
        .collect();
    assert_eq!(params, ["a", "b=1", "*args", "c", "d=2", "**kwargs"]);
    assert_eq!(func.body.len(), 1);
    assert_eq!(func.body[0].pos, p(2, 3));

    let f = file("def g(*, k): pass");
    let StmtKind::Def(_, func) = &f.stmts[0].kind else {
        panic!()
    };
    assert!(
        matches!(&func.params[..], [Param::Star(None, star), Param::Required(_)] if *star == p(1, 7))
    );
    file("def h(): pass\n");
    assert_err("def f(a, *-b): pass", 1, 12, "got '-', want ','");
    assert_err("def pass(): pass", 1, 9, "not an identifier");
    assert_err("def f : pass", 1, 8, "got ':', want '('");
    assert_err("def f(**): pass", 1, 10, "not an identifier");
}

#[test]
fn compound_statements() {
    let f = file(
        "if a:\n  pass\nelif b:\n  break\nelif c: continue\nelse:\n  return\n\
         for x, y in z, w:\n  pass\nwhile x: x -= 1\n",
    );
    assert_eq!(f.stmts.len(), 3);
    let StmtKind::If { else_, .. } = &f.stmts[0].kind else {
        panic!()
    };
    assert_eq!(else_[0].pos, p(3, 1));
    let StmtKind::If { else_, .. } = &else_[0].kind else {
        panic!()
    };
    assert_eq!(else_[0].pos, p(5, 1));
    let StmtKind::If { then, else_, .. } = &else_[0].kind else {
        panic!()
    };
    assert!(matches!(then[0].kind, StmtKind::Continue));
    assert!(matches!(else_[..], [Stmt { kind: StmtKind::Return(None), pos }] if pos == p(7, 3)));
    let StmtKind::For { vars, iter, body } = &f.stmts[1].kind else {
        panic!()
    };
    assert_eq!(
        (sx(vars), sx(iter)),
        ("(tuple x y)".into(), "(tuple z w)".into())
    );
    assert_eq!(body.len(), 1);
    assert_eq!(f.stmts[2].pos, p(10, 1));
    // `if` without `elif`/`else` has an empty else branch.
    let f = file("if x: a; b;\n");
    let StmtKind::If { then, else_, .. } = &f.stmts[0].kind else {
        panic!()
    };
    assert_eq!((then.len(), else_.len()), (2, 0));
    // Statements the resolver rejects still parse.
    file("break\nreturn 1\ndef f():\n  load('m', 'x')\n");
    assert_err("if x:\npass", 2, 5, "got pass, want indent");
    assert_err("print 1 2", 1, 8, "got int literal, want newline");
    assert_err("x = 1 +\n2", 2, 1, "got newline, want primary expression");
    assert_err(
        "_ = a if b",
        1,
        7,
        "conditional expression without else clause",
    );
    assert_err(
        "f(1+2 = 3)",
        1,
        8,
        "keyword argument must have form name=expr",
    );
    assert_err("f(a=1, *, b=2)", 1, 10, "got ',', want primary expression");
    assert_err("print(1, 2, 3\n", 2, 1, "got end of file, want ')'");
}

#[test]
fn load_statements() {
    let f = file("load('m.star', 'a', b = \"c\",)\n");
    let Stmt {
        pos,
        kind:
            StmtKind::Load {
                module,
                module_pos,
                bindings,
            },
    } = &f.stmts[0]
    else {
        panic!()
    };
    assert_eq!(
        (*pos, module.as_str(), *module_pos),
        (p(1, 1), "m.star", p(1, 6))
    );
    assert_eq!(bindings.len(), 2);
    let (local, name, name_pos) = &bindings[0];
    assert_eq!((local.name.as_str(), local.pos), ("a", p(1, 17)));
    assert_eq!((name.as_str(), *name_pos), ("a", p(1, 17)));
    let (local, name, name_pos) = &bindings[1];
    assert_eq!((local.name.as_str(), local.pos), ("b", p(1, 21)));
    assert_eq!((name.as_str(), *name_pos), ("c", p(1, 26)));

    assert_err(
        "load('')",
        1,
        5,
        "load statement must import at least 1 symbol",
    );
    assert_err(
        "load(1, 2)",
        1,
        7,
        "first operand of load statement must be a string literal",
    );
    assert_err(
        "load('a', 1)",
        1,
        12,
        "load operand must be \"name\" or localname=\"name\" (got int literal)",
    );
    assert_err(
        "load('a', x)",
        1,
        13,
        "load operand must be \"x\" or x=\"originalname\" (want '=' after x)",
    );
    assert_err(
        "load('a', x2=x)",
        1,
        15,
        "original name of loaded symbol must be quoted: x2=\"originalname\"",
    );
    assert_err("load = 1", 1, 7, "got '=', want '('");
}

#[test]
fn file_fields() {
    let f = file("x = 1\n");
    assert_eq!(f.path, "t.star");
    assert!(f.globals.is_empty());
    assert_eq!(f.scope, FunctionScope::default());
}

// ---- Robustness ----

/// Runs `f` on a thread with a small stack, to show that parsing does not
/// depend on a large one.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("no panic or stack overflow")
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    on_small_stack(|| {
        let deep = |open: &str, mid: &str, close: &str, n: usize| {
            format!("x = {}{mid}{}\n", open.repeat(n), close.repeat(n))
        };
        for (open, mid, close) in [
            ("(", "1", ")"),
            ("[", "1", "]"),
            ("{1: ", "1", "}"),
            ("f(", "1", ")"),
            ("x[", "1", "]"),
            ("-", "1", ""),
            ("not ", "1", ""),
            ("lambda: ", "1", ""),
            ("1 if 1 else ", "1", ""),
            ("[x for x in ", "1", "]"),
        ] {
            let e = file_err(&deep(open, mid, close, 100_000));
            assert_eq!(e.msg, "nesting too deep", "{open}");
            file(&deep(open, mid, close, 150));
        }
        // Long left-nested chains make deep trees too.
        let e = file_err(&format!("x = 1{}\n", " + 1".repeat(100_000)));
        assert_eq!(e.msg, "nesting too deep");
        let e = file_err(&format!("x = f{}\n", "()".repeat(100_000)));
        assert_eq!(e.msg, "nesting too deep");
        file(&format!("x = 1{}\n", " + 1".repeat(500)));
        // Deeply indented blocks and long elif chains.
        let mut src = String::new();
        for i in 0..1000 {
            src += &format!("{}if x:\n", " ".repeat(i));
        }
        src += &format!("{}pass\n", " ".repeat(1000));
        assert_eq!(file_err(&src).msg, "nesting too deep");
        let src = format!("if x: pass\n{}", "elif x: pass\n".repeat(100_000));
        assert_eq!(file_err(&src).msg, "nesting too deep");
        file(&format!("if x: pass\n{}", "elif x: pass\n".repeat(500)));
    });
}

/// A small deterministic pseudo-random generator (xorshift).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn garbage_does_not_panic() {
    const PIECES: &[&str] = &[
        "(", ")", "[", "]", "{", "}", ",", ":", ";", "=", "==", "<", "+", "-", "*", "**", "/",
        "//", "%", "|", "~", ".", "!", "!=", "<<=", "if", "else", "elif", "for", "in", "not",
        "and", "or", "lambda", "def", "return", "load", "while", "pass", "class", "x", "f", "1",
        "0x", "012", "1e", "1.5", "'", "\"", "'''", "r'", "b'", "\\", "\\x", "\\u12", "\n", "\n  ",
        "\n\t", " ", "#", "\r", "\r\n", "é", "\u{a0}", "😀", "\0", "$", "'a'", "\"\\q\"",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut errors = 0;
    for _ in 0..20_000 {
        let n = 1 + rng.below(30);
        let src: String = (0..n).map(|_| PIECES[rng.below(PIECES.len())]).collect();
        let file = parse_file("g.star", &src);
        let _ = parse_expr("g.star", &src);
        if let Err(e) = file {
            errors += 1;
            assert!(e.pos.line >= 1 && e.pos.col >= 1, "{src:?}: {e}");
            assert!(!e.msg.is_empty());
        }
    }
    assert!(errors > 10_000, "garbage mostly parsed? {errors}");
    // Every prefix of a valid program parses or fails cleanly.
    let program = "def f(a, *b, **c):\n  '''doc'''\n  return [x for x in a if x] + {1: 2}[1]\nload('m', y='z')\n";
    for i in 0..=program.len() {
        if program.is_char_boundary(i) {
            let _ = parse_file("p.star", &program[..i]);
        }
    }
}

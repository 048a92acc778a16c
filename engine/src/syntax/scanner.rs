//! The scanner: turns source text into tokens, with Python-style INDENT,
//! OUTDENT and NEWLINE tokens, as starlark-go's scanner does.
//!
//! The scanner works on bytes. Lines end with `\n`, `\r\n` or `\r`.
//! Columns count bytes. Newlines inside brackets are ignored (implicit line
//! joining) and a backslash at the end of a line joins it with the next.

use num_bigint::BigInt;

use super::ast::Pos;

/// Width of a tab stop when computing indentation.
const TAB_WIDTH: u32 = 8;

/// The kinds of token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    /// A reserved word such as `class` or `import`.
    Illegal,
    Eof,
    Newline,
    Indent,
    Outdent,
    Ident,
    Int,
    Float,
    String,
    Bytes,
    // Punctuation, from `Plus` to `StarStar` (quoted in messages).
    Plus,
    Minus,
    Star,
    Slash,
    SlashSlash,
    Percent,
    Amp,
    Pipe,
    Circumflex,
    LtLt,
    GtGt,
    Tilde,
    Dot,
    Comma,
    Eq,
    Semi,
    Colon,
    LParen,
    RParen,
    LBrack,
    RBrack,
    LBrace,
    RBrace,
    Lt,
    Gt,
    Ge,
    Le,
    Eql,
    Neq,
    PlusEq,
    MinusEq,
    StarEq,
    SlashEq,
    SlashSlashEq,
    PercentEq,
    AmpEq,
    PipeEq,
    CircumflexEq,
    LtLtEq,
    GtGtEq,
    StarStar,
    // Keywords.
    And,
    Break,
    Continue,
    Def,
    Elif,
    Else,
    For,
    If,
    In,
    Lambda,
    Load,
    Not,
    /// Synthesized by the parser from `not` `in`.
    NotIn,
    Or,
    Pass,
    Return,
    While,
}

impl Tok {
    /// The token's name as starlark-go prints it, e.g. `newline` or `+`.
    pub(crate) fn name(self) -> &'static str {
        use Tok::*;
        match self {
            Illegal => "illegal token",
            Eof => "end of file",
            Newline => "newline",
            Indent => "indent",
            Outdent => "outdent",
            Ident => "identifier",
            Int => "int literal",
            Float => "float literal",
            String => "string literal",
            Bytes => "bytes literal",
            Plus => "+",
            Minus => "-",
            Star => "*",
            Slash => "/",
            SlashSlash => "//",
            Percent => "%",
            Amp => "&",
            Pipe => "|",
            Circumflex => "^",
            LtLt => "<<",
            GtGt => ">>",
            Tilde => "~",
            Dot => ".",
            Comma => ",",
            Eq => "=",
            Semi => ";",
            Colon => ":",
            LParen => "(",
            RParen => ")",
            LBrack => "[",
            RBrack => "]",
            LBrace => "{",
            RBrace => "}",
            Lt => "<",
            Gt => ">",
            Ge => ">=",
            Le => "<=",
            Eql => "==",
            Neq => "!=",
            PlusEq => "+=",
            MinusEq => "-=",
            StarEq => "*=",
            SlashEq => "/=",
            SlashSlashEq => "//=",
            PercentEq => "%=",
            AmpEq => "&=",
            PipeEq => "|=",
            CircumflexEq => "^=",
            LtLtEq => "<<=",
            GtGtEq => ">>=",
            StarStar => "**",
            And => "and",
            Break => "break",
            Continue => "continue",
            Def => "def",
            Elif => "elif",
            Else => "else",
            For => "for",
            If => "if",
            In => "in",
            Lambda => "lambda",
            Load => "load",
            Not => "not",
            NotIn => "not in",
            Or => "or",
            Pass => "pass",
            Return => "return",
            While => "while",
        }
    }

    /// Whether the token is punctuation (quoted when described in messages).
    fn is_punct(self) -> bool {
        (Tok::Plus as u8..=Tok::StarStar as u8).contains(&(self as u8))
    }

    /// The token as described in error messages: punctuation is quoted
    /// (`'('`), everything else is named (`newline`, `for`).
    pub(crate) fn describe(self) -> std::borrow::Cow<'static, str> {
        if self.is_punct() {
            format!("'{}'", self.name()).into()
        } else {
            self.name().into()
        }
    }
}

/// The value carried by a token.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) enum Value {
    /// Punctuation, keywords, layout tokens.
    #[default]
    None,
    /// An identifier's name.
    Name(String),
    /// An integer literal's value.
    Int(BigInt),
    /// A float literal's value.
    Float(f64),
    /// A string literal's unescaped value.
    Str(Vec<u8>),
    /// A bytes literal's unescaped value.
    Bytes(Vec<u8>),
}

/// A token with its position and value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    /// What kind of token.
    pub kind: Tok,
    /// Where the token starts.
    pub pos: Pos,
    /// The scanner's position just after the token (where starlark-go
    /// reports most parse errors).
    pub end: Pos,
    /// The token's value, for identifiers and literals.
    pub value: Value,
}

/// A scan error: a position and a message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ScanError {
    /// Where the error was detected.
    pub pos: Pos,
    /// The message, worded as starlark-go words it.
    pub msg: String,
}

/// Result of a scanner step.
type ScanResult<T> = Result<T, ScanError>;

/// A scanner over one source text.
pub(crate) struct Scanner<'a> {
    src: &'a str,
    bytes: &'a [u8],
    /// Offset of the next unread byte.
    offset: usize,
    line: u32,
    col: u32,
    /// Nesting of `(` `[` `{`.
    depth: u32,
    /// Stack of indentation levels; never empty.
    indents: Vec<u32>,
    /// Pending INDENT (> 0) or OUTDENT (< 0) tokens.
    dents: i64,
    /// At the start of a line: measure indentation before the next token.
    line_start: bool,
}

impl<'a> Scanner<'a> {
    /// A scanner positioned at the start of `src`.
    pub(crate) fn new(src: &'a str) -> Scanner<'a> {
        Scanner {
            src,
            bytes: src.as_bytes(),
            offset: 0,
            line: 1,
            col: 1,
            depth: 0,
            indents: vec![0],
            dents: 0,
            line_start: true,
        }
    }

    /// The current position.
    fn pos(&self) -> Pos {
        Pos::new(self.line, self.col)
    }

    fn error<T>(&self, pos: Pos, msg: impl Into<String>) -> ScanResult<T> {
        Err(ScanError {
            pos,
            msg: msg.into(),
        })
    }

    fn at_eof(&self) -> bool {
        self.offset >= self.bytes.len()
    }

    /// The next byte without consuming it; `\r` reads as `\n`, EOF as 0.
    fn peek(&self) -> u8 {
        match self.bytes.get(self.offset) {
            None => 0,
            Some(b'\r') => b'\n',
            Some(&b) => b,
        }
    }

    /// The byte `n` places ahead, raw; 0 past the end.
    fn peek_at(&self, n: usize) -> u8 {
        self.bytes.get(self.offset + n).copied().unwrap_or(0)
    }

    /// The next character (for non-ASCII input).
    fn peek_char(&self) -> Option<char> {
        self.src.get(self.offset..).and_then(|s| s.chars().next())
    }

    /// Consumes one byte, treating `\r\n` and `\r` as a single newline.
    fn read(&mut self) {
        match self.bytes.get(self.offset) {
            None => {}
            Some(b'\r') => {
                self.offset += 1;
                if self.bytes.get(self.offset) == Some(&b'\n') {
                    self.offset += 1;
                }
                self.newline();
            }
            Some(b'\n') => {
                self.offset += 1;
                self.newline();
            }
            Some(_) => {
                self.offset += 1;
                self.col = self.col.saturating_add(1);
            }
        }
    }

    /// Consumes `n` bytes known not to contain newlines.
    fn skip(&mut self, n: usize) {
        self.offset += n;
        self.col = self.col.saturating_add(n as u32);
    }

    fn newline(&mut self) {
        self.line = self.line.saturating_add(1);
        self.col = 1;
    }

    fn token(&self, kind: Tok, pos: Pos) -> Token {
        Token {
            kind,
            pos,
            end: self.pos(),
            value: Value::None,
        }
    }

    /// Scans the next token.
    pub(crate) fn next_token(&mut self) -> ScanResult<Token> {
        loop {
            let saved_line_start = self.line_start;
            let blank = if self.line_start {
                self.line_start = false;
                self.indentation()?
            } else {
                false
            };

            if self.dents != 0 {
                let pos = self.pos();
                if self.dents < 0 {
                    self.dents += 1;
                    return Ok(self.token(Tok::Outdent, pos));
                }
                self.dents -= 1;
                return Ok(self.token(Tok::Indent, pos));
            }

            while matches!(self.peek(), b' ' | b'\t') {
                self.read();
            }
            if self.peek() == b'#' {
                self.skip_comment();
            }

            if self.peek() == b'\n' {
                self.line_start = true;
                if self.depth > 0 || blank {
                    self.read();
                    continue;
                }
                let pos = self.pos();
                self.read();
                return Ok(self.token(Tok::Newline, pos));
            }

            if self.at_eof() {
                if self.indents.len() > 1 {
                    if saved_line_start {
                        self.dents = 1 - self.indents.len() as i64;
                        self.indents.truncate(1);
                        continue;
                    }
                    self.line_start = true;
                    return Ok(self.token(Tok::Newline, self.pos()));
                }
                return Ok(self.token(Tok::Eof, self.pos()));
            }

            if self.peek() == b'\\' {
                self.read();
                if self.peek() != b'\n' {
                    return self.error(self.pos(), "stray backslash in program");
                }
                self.read();
                continue;
            }

            return self.scan_token();
        }
    }

    /// Measures the indentation at the start of a line and queues INDENT or
    /// OUTDENT tokens. Returns whether the line is blank (or a comment).
    fn indentation(&mut self) -> ScanResult<bool> {
        let mut col: u32 = 0;
        loop {
            match self.peek() {
                b' ' => col = col.saturating_add(1),
                b'\t' => col = col.saturating_add(TAB_WIDTH - (self.col - 1) % TAB_WIDTH),
                _ => break,
            }
            self.read();
        }
        let blank = self.at_eof() || matches!(self.peek(), b'#' | b'\n');
        if blank || self.depth > 0 {
            return Ok(blank);
        }
        let cur = self.indents.last().copied().unwrap_or(0);
        if col > cur {
            self.dents += 1;
            self.indents.push(col);
        } else if col < cur {
            while self.indents.last().is_some_and(|&level| col < level) {
                self.dents -= 1;
                self.indents.pop();
            }
            if self.indents.last() != Some(&col) {
                return self.error(
                    self.pos(),
                    "unindent does not match any outer indentation level",
                );
            }
        }
        Ok(false)
    }

    /// Skips a comment up to (not including) the end of the line.
    fn skip_comment(&mut self) {
        let rest = &self.bytes[self.offset..];
        let n = rest
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .unwrap_or(rest.len());
        self.skip(n);
    }

    /// Scans a token that starts at the current, non-blank position.
    fn scan_token(&mut self) -> ScanResult<Token> {
        let pos = self.pos();
        let c = self.peek();
        match c {
            b',' => self.punct(Tok::Comma, 1, pos),
            b'"' | b'\'' => self.scan_string(pos, 0),
            b'r' | b'b' => {
                let prefix = match (c, self.peek_at(1), self.peek_at(2)) {
                    (_, b'"' | b'\'', _) => 1,
                    (b'r', b'b', b'"' | b'\'') | (b'b', b'r', b'"' | b'\'') => 2,
                    _ => 0,
                };
                if prefix > 0 {
                    self.scan_string(pos, prefix)
                } else {
                    self.scan_ident(pos)
                }
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => self.scan_ident(pos),
            b'(' | b'[' | b'{' => {
                self.depth += 1;
                let kind = match c {
                    b'(' => Tok::LParen,
                    b'[' => Tok::LBrack,
                    _ => Tok::LBrace,
                };
                self.punct(kind, 1, pos)
            }
            b')' | b']' | b'}' => {
                if self.depth == 0 {
                    return self.error(pos, format!("unexpected '{}'", c as char));
                }
                self.depth -= 1;
                let kind = match c {
                    b')' => Tok::RParen,
                    b']' => Tok::RBrack,
                    _ => Tok::RBrace,
                };
                self.punct(kind, 1, pos)
            }
            b'0'..=b'9' | b'.' => self.scan_number(pos),
            b'=' | b'<' | b'>' | b'!' | b'+' | b'-' | b'%' | b'/' | b'&' | b'|' | b'^' | b':'
            | b';' | b'~' | b'*' => self.scan_operator(pos),
            _ if c >= 0x80 => match self.peek_char() {
                Some(ch) if ch.is_alphabetic() => self.scan_ident(pos),
                ch => self.error(
                    pos,
                    format!(
                        "unexpected input character {}",
                        quote_rune(ch.unwrap_or('\u{fffd}'))
                    ),
                ),
            },
            _ => self.error(
                pos,
                format!("unexpected input character {}", quote_rune(c as char)),
            ),
        }
    }

    /// Consumes an `n`-byte punctuation token.
    fn punct(&mut self, kind: Tok, n: usize, pos: Pos) -> ScanResult<Token> {
        self.skip(n);
        Ok(self.token(kind, pos))
    }

    /// Scans an operator or other punctuation (not brackets or comma).
    fn scan_operator(&mut self, pos: Pos) -> ScanResult<Token> {
        use Tok::*;
        let (c1, c2) = (self.peek_at(1), self.peek_at(2));
        let (kind, n) = match (self.peek(), c1, c2) {
            (b'<', b'<', b'=') => (LtLtEq, 3),
            (b'>', b'>', b'=') => (GtGtEq, 3),
            (b'/', b'/', b'=') => (SlashSlashEq, 3),
            (b'<', b'<', _) => (LtLt, 2),
            (b'>', b'>', _) => (GtGt, 2),
            (b'/', b'/', _) => (SlashSlash, 2),
            (b'*', b'*', _) => (StarStar, 2),
            (b'<', b'=', _) => (Le, 2),
            (b'>', b'=', _) => (Ge, 2),
            (b'=', b'=', _) => (Eql, 2),
            (b'!', b'=', _) => (Neq, 2),
            (b'+', b'=', _) => (PlusEq, 2),
            (b'-', b'=', _) => (MinusEq, 2),
            (b'*', b'=', _) => (StarEq, 2),
            (b'/', b'=', _) => (SlashEq, 2),
            (b'%', b'=', _) => (PercentEq, 2),
            (b'&', b'=', _) => (AmpEq, 2),
            (b'|', b'=', _) => (PipeEq, 2),
            (b'^', b'=', _) => (CircumflexEq, 2),
            (b'=', _, _) => (Eq, 1),
            (b'<', _, _) => (Lt, 1),
            (b'>', _, _) => (Gt, 1),
            (b'+', _, _) => (Plus, 1),
            (b'-', _, _) => (Minus, 1),
            (b'*', _, _) => (Star, 1),
            (b'/', _, _) => (Slash, 1),
            (b'%', _, _) => (Percent, 1),
            (b'&', _, _) => (Amp, 1),
            (b'|', _, _) => (Pipe, 1),
            (b'^', _, _) => (Circumflex, 1),
            (b':', _, _) => (Colon, 1),
            (b';', _, _) => (Semi, 1),
            (b'~', _, _) => (Tilde, 1),
            _ => return self.error(pos, "unexpected input character '!'"),
        };
        self.punct(kind, n, pos)
    }

    /// Scans an identifier or keyword.
    fn scan_ident(&mut self, pos: Pos) -> ScanResult<Token> {
        let start = self.offset;
        loop {
            match self.peek() {
                b'a'..=b'z' | b'A'..=b'Z' | b'_' | b'0'..=b'9' => self.skip(1),
                c if c >= 0x80 => match self.peek_char() {
                    Some(ch) if ch.is_alphabetic() => self.skip(ch.len_utf8()),
                    _ => break,
                },
                _ => break,
            }
        }
        let word = self.src.get(start..self.offset).unwrap_or_default();
        let mut tok = self.token(keyword(word).unwrap_or(Tok::Ident), pos);
        if tok.kind == Tok::Ident {
            tok.value = Value::Name(word.to_owned());
        }
        Ok(tok)
    }

    /// Scans a string or bytes literal whose prefix (`r`, `b`, `rb`, `br`)
    /// is `prefix` bytes long. Errors about the extent of the literal are
    /// reported at its start; errors about escapes, at its opening quote.
    fn scan_string(&mut self, pos: Pos, prefix: usize) -> ScanResult<Token> {
        let flags = &self.bytes[self.offset..self.offset + prefix];
        let raw = flags.contains(&b'r');
        let is_bytes = flags.contains(&b'b');
        self.skip(prefix);
        let quote_pos = self.pos();
        let quote = self.peek();
        let triple = self.peek_at(1) == quote && self.peek_at(2) == quote;
        let delim = if triple { 3 } else { 1 };
        self.skip(delim);
        let start = self.offset;
        let mut run = 0; // consecutive closing quotes seen (triple only)
        let end = loop {
            if self.at_eof() {
                return self.error(pos, "unexpected EOF in string");
            }
            let c = self.peek();
            let here = self.offset;
            self.read();
            if c == quote {
                run += 1;
                if run == delim {
                    break here + 1 - delim;
                }
                continue;
            }
            run = 0;
            if c == b'\n' && !triple {
                return self.error(pos, "unexpected newline in string");
            }
            if c == b'\\' {
                if self.at_eof() {
                    return self.error(pos, "unexpected EOF in string");
                }
                self.read();
            }
        };
        let content = &self.bytes[start..end];
        let value = unquote(content, raw).map_err(|msg| ScanError {
            pos: quote_pos,
            msg,
        })?;
        let mut tok;
        if is_bytes {
            tok = self.token(Tok::Bytes, pos);
            tok.value = Value::Bytes(value);
        } else {
            tok = self.token(Tok::String, pos);
            tok.value = Value::Str(value);
        }
        Ok(tok)
    }

    /// Consumes a run of bytes satisfying `pred`.
    fn skip_while(&mut self, pred: impl Fn(u8) -> bool) {
        while pred(self.peek()) {
            self.skip(1);
        }
    }

    /// Scans an int or float literal, or a lone `.`.
    fn scan_number(&mut self, pos: Pos) -> ScanResult<Token> {
        let start = self.offset;
        let mut fraction = false;
        let mut exponent = false;
        let c = self.peek();
        if c == b'.' {
            self.skip(1);
            if !self.peek().is_ascii_digit() {
                return Ok(self.token(Tok::Dot, pos));
            }
            fraction = true;
        } else if c == b'0' {
            self.skip(1);
            match self.peek() {
                b'.' => fraction = true,
                b'x' | b'X' => {
                    self.skip(1);
                    if !self.peek().is_ascii_hexdigit() {
                        return self.error(pos, "invalid hex literal");
                    }
                    self.skip_while(|b| b.is_ascii_hexdigit());
                }
                b'o' | b'O' => {
                    self.skip(1);
                    if !is_octal(self.peek()) {
                        return self.error(self.pos(), "invalid octal literal");
                    }
                    self.skip_while(is_octal);
                }
                b'b' | b'B' => {
                    self.skip(1);
                    if !is_binary(self.peek()) {
                        return self.error(self.pos(), "invalid binary literal");
                    }
                    self.skip_while(is_binary);
                }
                _ => {
                    let digits = self.offset;
                    self.skip_while(|b| b.is_ascii_digit());
                    let digits = &self.bytes[digits..self.offset];
                    match self.peek() {
                        b'.' => fraction = true,
                        b'e' | b'E' => exponent = true,
                        _ if digits.iter().all(|&b| is_octal(b))
                            && digits.iter().any(|&b| b != b'0') =>
                        {
                            return self.error(
                                self.pos(),
                                format!(
                                    "obsolete form of octal literal; use 0o{}",
                                    String::from_utf8_lossy(digits)
                                ),
                            );
                        }
                        _ => {}
                    }
                }
            }
        } else {
            self.skip_while(|b| b.is_ascii_digit());
            match self.peek() {
                b'.' => fraction = true,
                b'e' | b'E' => exponent = true,
                _ => {}
            }
        }

        if fraction {
            self.skip(1); // '.'
            self.skip_while(|b| b.is_ascii_digit());
            exponent = matches!(self.peek(), b'e' | b'E');
        }
        if exponent {
            self.skip(1); // 'e'
            if matches!(self.peek(), b'+' | b'-') {
                self.skip(1);
                if !self.peek().is_ascii_digit() {
                    return self.error(self.pos(), "invalid float literal");
                }
            }
            self.skip_while(|b| b.is_ascii_digit());
        }

        let text = self.src.get(start..self.offset).unwrap_or_default();
        if fraction || exponent {
            return match text.parse::<f64>() {
                Ok(f) if f.is_finite() => {
                    let mut tok = self.token(Tok::Float, pos);
                    tok.value = Value::Float(f);
                    Ok(tok)
                }
                _ => self.error(self.pos(), "invalid float literal"),
            };
        }
        match parse_int(text) {
            Some(n) => {
                let mut tok = self.token(Tok::Int, pos);
                tok.value = Value::Int(n);
                Ok(tok)
            }
            None => self.error(pos, "invalid int literal"),
        }
    }
}

fn is_octal(b: u8) -> bool {
    matches!(b, b'0'..=b'7')
}

fn is_binary(b: u8) -> bool {
    matches!(b, b'0' | b'1')
}

/// Parses the text of an int literal. A decimal literal with a leading zero
/// is valid only if it is all zeros.
fn parse_int(text: &str) -> Option<BigInt> {
    let b = text.as_bytes();
    let (digits, radix) = match b {
        [b'0', b'x' | b'X', rest @ ..] => (rest, 16),
        [b'0', b'o' | b'O', rest @ ..] => (rest, 8),
        [b'0', b'b' | b'B', rest @ ..] => (rest, 2),
        [b'0', rest @ ..] if rest.iter().any(|&d| d != b'0') => return None,
        _ => (b, 10),
    };
    BigInt::parse_bytes(digits, radix)
}

/// The token kind of a keyword or reserved word, if `word` is one.
fn keyword(word: &str) -> Option<Tok> {
    use Tok::*;
    Some(match word {
        "and" => And,
        "break" => Break,
        "continue" => Continue,
        "def" => Def,
        "elif" => Elif,
        "else" => Else,
        "for" => For,
        "if" => If,
        "in" => In,
        "lambda" => Lambda,
        "load" => Load,
        "not" => Not,
        "or" => Or,
        "pass" => Pass,
        "return" => Return,
        "while" => While,
        // Reserved words. (starlark-go does not reserve `assert`.)
        "as" | "class" | "del" | "except" | "finally" | "from" | "global" | "import" | "is"
        | "nonlocal" | "raise" | "try" | "with" | "yield" => Illegal,
        _ => return None,
    })
}

/// Decodes the content of a string literal (between its quotes).
/// `\r` and `\r\n` become `\n`; unless `raw`, escapes are interpreted.
///
/// Like starlark-go of the vintage this follows, `\x` and octal escapes may
/// denote any byte, even in a string literal.
fn unquote(content: &[u8], raw: bool) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(content.len());
    let mut i = 0;
    while i < content.len() {
        let c = content[i];
        if c == b'\r' {
            out.push(b'\n');
            i += if content.get(i + 1) == Some(&b'\n') {
                2
            } else {
                1
            };
            continue;
        }
        if c != b'\\' || raw {
            out.push(c);
            i += 1;
            continue;
        }
        i += unescape(&content[i..], &mut out)?;
    }
    Ok(out)
}

/// Decodes the escape sequence at the start of `s` (which begins with a
/// backslash), appending its value to `out`. Returns its length.
fn unescape(s: &[u8], out: &mut Vec<u8>) -> Result<usize, String> {
    let Some(&c) = s.get(1) else {
        return Err("truncated escape sequence \\".into());
    };
    match c {
        b'\n' => Ok(2),
        b'\r' => Ok(if s.get(2) == Some(&b'\n') { 3 } else { 2 }),
        b'a' | b'b' | b'f' | b'n' | b'r' | b't' | b'v' | b'\\' | b'\'' | b'"' => {
            out.push(match c {
                b'a' => 0x07,
                b'b' => 0x08,
                b'f' => 0x0c,
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                b'v' => 0x0b,
                other => other,
            });
            Ok(2)
        }
        b'0'..=b'7' => {
            let mut n: u32 = 0;
            let mut len = 1;
            while len < 4 && s.get(len).is_some_and(|&d| is_octal(d)) {
                n = n * 8 + u32::from(s[len] - b'0');
                len += 1;
            }
            let byte = u8::try_from(n).map_err(|_| format!("invalid escape sequence \\{n:03o}"))?;
            out.push(byte);
            Ok(len)
        }
        b'x' => {
            out.push(hex_escape(s, 4)? as u8);
            Ok(4)
        }
        b'u' | b'U' => {
            let size = if c == b'u' { 6 } else { 10 };
            let n = hex_escape(s, size)?;
            if n > 0x10ffff {
                return Err(format!(
                    "code point out of range: {} (max \\U{:08x})",
                    String::from_utf8_lossy(&s[..size]),
                    0x10ffff
                ));
            }
            let ch =
                char::from_u32(n).ok_or_else(|| format!("invalid Unicode code point U+{n:04X}"))?;
            let mut buf = [0u8; 4];
            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            Ok(size)
        }
        _ => {
            let text = std::str::from_utf8(&s[1..]).unwrap_or_default();
            let ch = text.chars().next().unwrap_or(char::from(c));
            Err(format!("invalid escape sequence \\{ch}"))
        }
    }
}

/// Parses the hex digits of a `\x`, `\u` or `\U` escape of total length
/// `size` at the start of `s`.
fn hex_escape(s: &[u8], size: usize) -> Result<u32, String> {
    let Some(seq) = s.get(..size) else {
        return Err(format!(
            "truncated escape sequence {}",
            String::from_utf8_lossy(s)
        ));
    };
    let digits = &seq[2..];
    if !digits.iter().all(u8::is_ascii_hexdigit) {
        return Err(format!(
            "invalid escape sequence {}",
            String::from_utf8_lossy(seq)
        ));
    }
    Ok(digits
        .iter()
        .fold(0u32, |n, &d| n * 16 + (d as char).to_digit(16).unwrap_or(0)))
}

/// Quotes a character as Go's `%q` does: `'x'`, `'\n'`, `'\x00'`, `'\u00a0'`.
fn quote_rune(c: char) -> String {
    let body = match c {
        '\'' => "\\'".to_owned(),
        '\\' => "\\\\".to_owned(),
        '\x07' => "\\a".to_owned(),
        '\x08' => "\\b".to_owned(),
        '\x0c' => "\\f".to_owned(),
        '\n' => "\\n".to_owned(),
        '\r' => "\\r".to_owned(),
        '\t' => "\\t".to_owned(),
        '\x0b' => "\\v".to_owned(),
        c if (c as u32) < 0x20 || c as u32 == 0x7f => format!("\\x{:02x}", c as u32),
        c if is_printable(c) => c.to_string(),
        c if (c as u32) < 0x10000 => format!("\\u{:04x}", c as u32),
        c => format!("\\U{:08x}", c as u32),
    };
    format!("'{body}'")
}

/// An approximation of Go's `unicode.IsPrint`.
fn is_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    let n = c as u32;
    !(c.is_control()
        || c.is_whitespace()
        || n == 0xad
        || (0x600..=0x605).contains(&n)
        || (0x200b..=0x200f).contains(&n)
        || (0x202a..=0x202e).contains(&n)
        || (0x2060..=0x206f).contains(&n)
        || (0xe000..=0xf8ff).contains(&n)
        || n == 0xfeff
        || (0xfff9..=0xfffb).contains(&n)
        || n >= 0xf0000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tok> {
        let mut sc = Scanner::new(src);
        let mut out = vec![];
        loop {
            let t = sc.next_token().expect("scan");
            out.push(t.kind);
            if t.kind == Tok::Eof {
                return out;
            }
        }
    }

    #[test]
    fn layout_tokens() {
        use Tok::*;
        assert_eq!(
            kinds("def f():\n  pass\n"),
            [Def, Ident, LParen, RParen, Colon, Newline, Indent, Pass, Newline, Outdent, Eof]
        );
        assert_eq!(
            kinds("f(\n1\n)\n"),
            [Ident, LParen, Int, RParen, Newline, Eof]
        );
        assert_eq!(
            kinds("/ // /= //= ///="),
            [
                Slash,
                SlashSlash,
                SlashEq,
                SlashSlashEq,
                SlashSlash,
                SlashEq,
                Eof
            ]
        );
    }
}

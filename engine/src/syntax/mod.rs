//! Syntax: the scanner (tokens, indentation, every literal form) and the
//! recursive-descent parser that turns Starlark source into an [`ast::File`].

pub mod ast;
mod parser;
mod scanner;

pub use parser::{parse_expr, parse_file};

use ast::Pos;

/// A scan or parse error, at a position in a named file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}:{}:{}: {msg}", pos.line, pos.col)]
pub struct SyntaxError {
    /// The file name given to the parser.
    pub path: String,
    /// Where the error was detected.
    pub pos: Pos,
    /// The message, worded as starlark-go words it.
    pub msg: String,
}

//! Quarry's Starlark interpreter.
//!
//! Layers, each a module with one job: syntax (source to AST), resolve
//! (names to bindings), compile (AST to bytecode), eval (the VM), values
//! (the value representation) and builtins (the universe and the methods of
//! built-in types). The crate does no I/O: the host supplies source text, a
//! loader and a print hook.
//!
//! The public surface is what hosts use: a [`Thread`] runs code (or a
//! [`Session`] of REPL chunks, or a compiled [`Program`]) in a [`Dialect`];
//! [`values`] holds the value types and the [`NativeValue`] trait for host
//! types; [`args`] and [`error`] serve native functions; [`library`] holds
//! the `json` and `math` modules; [`syntax`] is the parser (for tools such as
//! fuzzers, and for the operators native types overload). With the
//! `starlarktest` feature, the `starlarktest` module is starlark-go's
//! chunked-test harness.

#![warn(missing_docs)]

pub mod args;
mod builtins;
mod compile;
mod dialect;
mod embed;
pub mod error;
mod eval;
mod hint;
pub mod library;
mod resolve;
mod stack;
#[cfg(feature = "starlarktest")]
pub mod starlarktest;
mod surface;
pub mod syntax;
pub mod values;

pub use args::Args;
pub use builtins::{make_module, make_struct};
pub use compile::{DecodeError, Program};
pub use dialect::Dialect;
pub use embed::{compile, ChunkOutcome, Error, Session, Snapshot};
pub use error::{ErrorData, ErrorKind, EvalError};
pub use eval::{AttrFilter, CancelHandle, Loader, Members, Predeclared, Thread};
pub use resolve::ResolveError;
pub use stack::guard as stack_guard;
pub use syntax::SyntaxError;
pub use values::{NativeValue, Value};

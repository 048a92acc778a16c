//! Quarry's Starlark interpreter.
//!
//! Layers, each a module with one job: [`syntax`] (source to AST),
//! [`resolve`] (names to bindings), [`compile`] (AST to bytecode), [`eval`]
//! (the VM), [`values`] (the value representation) and [`builtins`] (the
//! universe and the methods of built-in types). [`embed`] is the API a host
//! uses. The crate does no I/O: the host supplies source text, a loader and
//! a print hook.

pub mod args;
pub mod builtins;
pub mod compile;
pub mod dialect;
pub mod embed;
pub mod error;
pub mod eval;
pub mod hint;
pub mod library;
pub mod resolve;
pub mod stack;
pub mod starlarktest;
pub mod syntax;
pub mod values;

pub use args::Args;
pub use dialect::Dialect;
pub use embed::{compile, ChunkOutcome, Error, Session};
pub use error::{ErrorKind, EvalError};
pub use eval::{CancelHandle, Loader, Members, Predeclared, Thread};
pub use values::Value;

//! Dialect options: which non-standard language features a run allows.
//! They belong to one interpreter instance (never process-global state), so
//! runs with different dialects can share a process, even a thread.

/// The language features a program may use.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Dialect {
    /// `while` loops.
    pub while_loops: bool,
    /// Recursive calls (a function already on the call stack may be called again).
    pub recursion: bool,
    /// The `set` built-in.
    pub sets: bool,
    /// Reassigning a top-level name.
    pub global_reassign: bool,
    /// `if`, `for` and `while` statements at top level.
    pub top_level_control: bool,
    /// `load` binds module globals instead of file-local names.
    pub load_binds_globally: bool,
}

impl Dialect {
    /// Standard Starlark as starlark-go runs it by default: no while, no
    /// recursion, no sets, no top-level reassignment or control flow.
    pub fn standard() -> Dialect {
        Dialect {
            while_loops: false,
            recursion: false,
            sets: false,
            global_reassign: false,
            top_level_control: false,
            load_binds_globally: false,
        }
    }

    /// The dialect of Quarry transforms: while loops, recursion and sets on
    /// (floats are always on), top-level rules as standard Starlark.
    pub fn transform() -> Dialect {
        Dialect {
            while_loops: true,
            recursion: true,
            sets: true,
            ..Dialect::standard()
        }
    }

    /// Qri's transform dialect (starlib 1.x): the transform dialect plus
    /// top-level reassignment and control flow, and loads bound globally,
    /// as Qri's runner set them, so Qri's step files run unchanged.
    pub fn qri() -> Dialect {
        Dialect {
            global_reassign: true,
            top_level_control: true,
            load_binds_globally: true,
            ..Dialect::transform()
        }
    }

    /// Everything on: for REPLs and notebooks, where cells re-run and rebind.
    pub fn permissive() -> Dialect {
        Dialect {
            while_loops: true,
            recursion: true,
            sets: true,
            global_reassign: true,
            top_level_control: true,
            load_binds_globally: false,
        }
    }
}

impl Default for Dialect {
    fn default() -> Dialect {
        Dialect::transform()
    }
}

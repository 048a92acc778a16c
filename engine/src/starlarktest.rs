//! Starlarktest: the chunked-test harness of starlark-go, re-implemented.
//!
//! A test file is split into chunks on lines `---`; each chunk runs as its
//! own module. A comment `### "regexp"` (a Go string literal, quoted or
//! backquoted) on a line says that an error matching the regexp is expected
//! on that line; `option:NAME` anywhere in a chunk (conventionally a
//! `# option:NAME` comment line) turns on a dialect option.
//! Files load `assert.star`, a Starlark module built on the natives `error`,
//! `catch`, `matches`, `module` and `_freeze`. The same code serves the
//! conformance suite and `quarry test`. It is pure: callers supply file text.
//! It and its test-only values exist only with the `starlarktest` feature.

use crate::args::{type_error, Args};
use crate::error::{EvalError, Result};
use crate::eval::{Members, Predeclared, Thread};
use crate::resolve::{resolve_file, Environment};
use crate::surface::ApiSurface;
use crate::syntax::parse_file;
use crate::values::{Builtin, NativeValue, Value};
use crate::{Dialect, Error};
use regex::Regex;
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

/// How chunks are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Parse, resolve and run each chunk; run-time errors are matched against `###`.
    Exec,
    /// Parse and resolve only; resolve errors are matched (starlark-go's resolve tests).
    Resolve,
    /// Parse only; syntax errors are matched (starlark-go's syntax tests).
    Parse,
}

/// The outcome of one test file.
#[derive(Debug, Clone, Default)]
pub struct FileReport {
    /// The file name.
    pub path: String,
    /// Number of chunks run.
    pub chunks: usize,
    /// One line per failure: `path:line: what went wrong`.
    pub failures: Vec<String>,
}

impl FileReport {
    /// Whether every chunk passed.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// One chunk of a chunked file.
#[derive(Debug, Clone)]
struct Chunk {
    /// The chunk's source, prefixed with newlines so that line numbers match the file.
    source: String,
    /// Expected errors by line.
    want_errors: BTreeMap<u32, Regex>,
}

/// Splits a chunked file as starlark-go's chunkedfile package does. Bad
/// `###` comments are reported as failures.
fn split_chunks(path: &str, data: &str, failures: &mut Vec<String>) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut linenum: u32 = 1;
    for chunk in data.split("\n---\n") {
        let source = format!(
            "{}{}",
            "\n".repeat(linenum.saturating_sub(1) as usize),
            chunk
        );
        let mut want_errors = BTreeMap::new();
        for line in chunk.split('\n') {
            if let Some(at) = line.find("###") {
                let rest = line[at + 3..].trim();
                match go_unquote(rest) {
                    Some(pattern) => match go_regex(&pattern) {
                        Ok(rx) => {
                            want_errors.insert(linenum, rx);
                        }
                        Err(e) => failures.push(format!("{path}:{linenum}: bad regexp: {e}")),
                    },
                    None => failures.push(format!("{path}:{linenum}: not a quoted regexp: {rest}")),
                }
            }
            linenum += 1;
        }
        // The "---" separator line.
        linenum += 1;
        chunks.push(Chunk {
            source,
            want_errors,
        });
    }
    chunks
}

/// Compiles a Go (RE2) regexp. The syntaxes agree except that Go reads a
/// `{` or `}` that does not form a repetition (`{n}`, `{n,}`, `{n,m}`) as a
/// literal, where the regex crate rejects it; such braces are escaped.
fn go_regex(pattern: &str) -> std::result::Result<Regex, regex::Error> {
    let b = pattern.as_bytes();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut i = 0;
    let mut repetition_end: Option<usize> = None;
    while i < b.len() {
        let c = b[i];
        if c == b'\\' && i + 1 < b.len() {
            out.push_str(&pattern[i..i + 2]);
            i += 2;
            continue;
        }
        if c == b'{' {
            // A repetition: digits, optionally a comma and digits, then '}'.
            let rest = &pattern[i + 1..];
            let close = rest.find('}');
            let is_rep = close.is_some_and(|k| {
                let body = &rest[..k];
                let mut parts = body.splitn(2, ',');
                let first = parts.next().unwrap_or("");
                !first.is_empty()
                    && first.bytes().all(|d| d.is_ascii_digit())
                    && parts
                        .next()
                        .is_none_or(|s| s.bytes().all(|d| d.is_ascii_digit()))
            }) && i > 0;
            if is_rep {
                repetition_end = close.map(|k| i + 1 + k);
                out.push('{');
            } else {
                out.push_str("\\{");
            }
        } else if c == b'}' {
            if repetition_end == Some(i) {
                out.push('}');
                repetition_end = None;
            } else {
                out.push_str("\\}");
            }
        } else {
            let ch = pattern[i..].chars().next().unwrap_or('\0');
            out.push(ch);
            i += ch.len_utf8();
            continue;
        }
        i += 1;
    }
    Regex::new(&out)
}

/// Unquotes a Go string literal: "..." with escapes, or `...` raw.
fn go_unquote(s: &str) -> Option<String> {
    if s.len() >= 2 && s.starts_with('`') && s.ends_with('`') {
        return Some(s[1..s.len() - 1].to_string());
    }
    if !(s.len() >= 2 && s.starts_with('"') && s.ends_with('"')) {
        return None;
    }
    let inner = &s[1..s.len() - 1];
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '\\' => out.push('\\'),
            '"' => out.push('"'),
            '\'' => out.push('\''),
            'x' => {
                let h: String = chars.by_ref().take(2).collect();
                out.push(char::from(u8::from_str_radix(&h, 16).ok()?));
            }
            'u' => {
                let h: String = chars.by_ref().take(4).collect();
                out.push(char::from_u32(u32::from_str_radix(&h, 16).ok()?)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

/// The dialect a chunk asks for with `option:NAME` comments (starlark-go
/// looks for the text `option:NAME` anywhere in the chunk, so one comment
/// line may hold several: `# option:set option:globalreassign`). Today's
/// names are those of starlark-go's `syntax.FileOptions`: `set`, `while`,
/// `toplevelcontrol`, `globalreassign`, `loadbindsglobally`, `recursion`.
/// The 2021 test files predate `while` and `toplevelcontrol`: there
/// `recursion` also allowed while loops, and `globalreassign` also allowed
/// top-level control flow, so with `legacy` those options imply the others.
fn chunk_dialect(source: &str, legacy: bool) -> Dialect {
    let has = |name: &str| source.contains(&format!("option:{name}"));
    let global_reassign = has("globalreassign");
    let recursion = has("recursion");
    Dialect {
        while_loops: has("while") || (legacy && recursion),
        recursion,
        sets: has("set"),
        global_reassign,
        top_level_control: has("toplevelcontrol") || (legacy && global_reassign),
        load_binds_globally: has("loadbindsglobally"),
    }
}

/// What a test run may load besides `assert.star`: given the loading thread
/// and a module name, its members (`None` if there is no such module).
pub type ModuleProvider = dyn Fn(&mut Thread, &str) -> Option<Result<Members>>;

/// Runs chunked test files.
pub struct Harness<'a> {
    /// Source of `assert.star` (starlark-go's own, or Quarry's [`ASSERT_STAR`]).
    pub assert_source: &'a str,
    /// Other loadable modules (`json.star`, ...).
    pub modules: Rc<ModuleProvider>,
    /// Extra predeclared names for exec mode (e.g. `struct`, `hasfields`).
    pub predeclared: &'a dyn Fn() -> Predeclared,
    /// A step budget per chunk (0 for none), so a runaway test cannot hang the run.
    pub max_steps: u64,
    /// Run with starlark-go 2021's API surface, as the packaged starlark-go
    /// test files expect: sets have only `union`, `json` has no
    /// `encode_indent` (the harness's threads hide the rest), the string
    /// views are typed `elems` and `codepoints` with `codepoints()` yielding
    /// invalid bytes as they are, and the `option:` names are 2021's.
    pub legacy_api: bool,
}

const FAILURES_KEY: &str = "starlarktest.failures";
const TEST_PATH_KEY: &str = "starlarktest.path";

impl Harness<'_> {
    /// Runs every chunk of a file in the given mode.
    pub fn run_file(&self, path: &str, data: &str, mode: Mode) -> FileReport {
        let mut report = FileReport {
            path: path.to_string(),
            ..FileReport::default()
        };
        let chunks = split_chunks(path, data, &mut report.failures);
        for chunk in chunks {
            report.chunks += 1;
            let mut want = chunk.want_errors.clone();
            let mut got =
                |line: u32, msg: &str, failures: &mut Vec<String>| match want.remove(&line) {
                    Some(rx) => {
                        if !rx.is_match(msg) {
                            failures.push(format!(
                                "{path}:{line}: error {msg:?} does not match pattern {:?}",
                                rx.as_str()
                            ));
                        }
                    }
                    None => failures.push(format!("{path}:{line}: unexpected error: {msg}")),
                };
            let dialect = chunk_dialect(&chunk.source, self.legacy_api);
            match mode {
                Mode::Parse => {
                    if let Err(e) = parse_file(path, &chunk.source) {
                        got(e.pos.line, &e.msg, &mut report.failures);
                    }
                }
                Mode::Resolve => match parse_file(path, &chunk.source) {
                    Err(e) => report.failures.push(e.to_string()),
                    Ok(mut file) => {
                        let env = Environment {
                            is_predeclared: &|n| n == "M",
                            is_universal: &|n| n == "U" || n == "float",
                            is_global: None,
                        };
                        if let Err(errs) = resolve_file(&mut file, &dialect, &env, &[]) {
                            for e in errs {
                                got(e.pos.line, &e.msg, &mut report.failures);
                            }
                        }
                    }
                },
                Mode::Exec => {
                    let mut thread = self.new_thread(path, dialect);
                    let r = thread.exec_file(path, &chunk.source, (self.predeclared)());
                    if let Some(fs) = thread.local_mut::<Vec<String>>(FAILURES_KEY) {
                        report.failures.append(fs);
                    }
                    match r {
                        Ok(_) => {}
                        Err(Error::Eval(e)) => {
                            match e.backtrace.iter().rev().find(|f| f.path == path) {
                                Some(f) => got(f.pos.line, &e.msg, &mut report.failures),
                                None => report.failures.push(e.backtrace_string()),
                            }
                        }
                        Err(e) => report.failures.push(e.to_string()),
                    }
                }
            }
            for (line, rx) in want {
                report.failures.push(format!(
                    "{path}:{line}: expected error matching {:?}",
                    rx.as_str()
                ));
            }
        }
        report
    }

    fn new_thread(&self, path: &str, dialect: Dialect) -> Thread {
        let mut thread = Thread::new(dialect);
        if self.max_steps > 0 {
            thread.set_max_steps(self.max_steps);
        }
        if self.legacy_api {
            thread.set_attr_filter(legacy_api);
            ApiSurface::Legacy2021.install(&mut thread);
        }
        thread.set_local(FAILURES_KEY, Vec::<String>::new());
        thread.set_local(TEST_PATH_KEY, path.to_string());
        let assert_source = self.assert_source.to_string();
        let modules = self.modules.clone();
        thread.set_loader(
            move |t: &mut Thread, module: &str, _from: &str| -> Result<Members> {
                if module == "assert.star" {
                    return load_assert(t, &assert_source);
                }
                match modules(t, module) {
                    Some(m) => m,
                    None => Err(EvalError::new(format!("no such module: {module}"))),
                }
            },
        );
        thread
    }
}

/// Runs `assert.star` with its native helpers and returns its members.
fn load_assert(thread: &mut Thread, source: &str) -> Result<Members> {
    let mut pre = Predeclared::default();
    pre.insert("error".into(), Builtin::func("error", native_error));
    pre.insert("catch".into(), Builtin::func("catch", native_catch));
    pre.insert("matches".into(), Builtin::func("matches", native_matches));
    pre.insert(
        "module".into(),
        Builtin::func("module", crate::builtins::make_module),
    );
    pre.insert("_freeze".into(), Builtin::func("freeze", native_freeze));
    let saved = std::mem::replace(&mut thread.dialect, Dialect::standard());
    let r = thread.exec_file("assert.star", source, pre);
    thread.dialect = saved;
    r.map_err(|e| EvalError::new(e.to_string()))
}

fn native_error(thread: &mut Thread, args: &Args) -> Result<Value> {
    let a = args.positional_only("error", 1, 1)?;
    let msg = match &a[0] {
        Value::Str(s) => s.to_str_lossy().into_owned(),
        v => crate::values::repr(v),
    };
    let path = thread
        .local::<String>(TEST_PATH_KEY)
        .cloned()
        .unwrap_or_default();
    let stack = thread.call_stack();
    let at = stack
        .iter()
        .rev()
        .find(|f| f.path == path)
        .map(|f| format!("{}:{}:{}", f.path, f.pos.line, f.pos.col))
        .unwrap_or_else(|| path.clone());
    let line = format!("{at}: Error: {msg}");
    if let Some(fs) = thread.local_mut::<Vec<String>>(FAILURES_KEY) {
        fs.push(line);
    }
    Ok(Value::None)
}

fn native_catch(thread: &mut Thread, args: &Args) -> Result<Value> {
    let [f] = args.bind("catch", &["fn"])?;
    let f = f.unwrap_or(Value::None);
    match thread.call(&f, &Args::default()) {
        Ok(_) => Ok(Value::None),
        Err(e) => Ok(Value::from(e.into_data().msg)),
    }
}

fn native_matches(_thread: &mut Thread, args: &Args) -> Result<Value> {
    let [pattern, s] = args.bind("matches", &["pattern", "str"])?;
    let pattern = string_arg("matches", "pattern", pattern)?;
    let s = string_arg("matches", "str", s)?;
    let rx = go_regex(&pattern).map_err(|e| EvalError::new(format!("matches: {e}")))?;
    Ok(Value::Bool(rx.is_match(&s)))
}

/// A string argument, or a "for parameter" type error.
fn string_arg(fname: &str, pname: &str, v: Option<Value>) -> Result<String> {
    match v.unwrap_or(Value::None) {
        Value::Str(s) => Ok(s.to_str_lossy().into_owned()),
        other => Err(type_error(fname, pname, &other, "string")),
    }
}

fn native_freeze(_thread: &mut Thread, args: &Args) -> Result<Value> {
    if !args.named.is_empty() {
        return Err(EvalError::new("freeze does not accept keyword arguments"));
    }
    if args.positional.len() != 1 {
        return Err(EvalError::new(format!(
            "freeze got {} arguments, wants 1",
            args.positional.len()
        )));
    }
    args.positional[0].freeze();
    Ok(args.positional[0].clone())
}

/// Quarry's own `assert.star`, for `quarry test` on users' files: the same
/// API as starlark-go's (eq, ne, true, lt, contains, fails, fail, freeze).
pub const ASSERT_STAR: &str = r#"
def _eq(x, y):
    if x != y:
        error("%r != %r" % (x, y))

def _ne(x, y):
    if x == y:
        error("%r == %r" % (x, y))

def _true(cond, msg = "assertion failed"):
    if not cond:
        error(msg)

def _lt(x, y):
    if not (x < y):
        error("%s is not less than %s" % (x, y))

def _contains(x, y):
    if y not in x:
        error("%s does not contain %s" % (x, y))

def _fails(f, pattern):
    msg = catch(f)
    if msg == None:
        error("evaluation succeeded unexpectedly (want error matching %r)" % pattern)
    elif not matches(pattern, msg):
        error("regular expression (%s) did not match error (%s)" % (pattern, msg))

freeze = _freeze

assert = module(
    "assert",
    fail = error,
    eq = _eq,
    ne = _ne,
    true = _true,
    lt = _lt,
    contains = _contains,
    fails = _fails,
)
"#;

/// The test-only value `hasfields()`: any field may be set until it is frozen.
struct HasFields {
    attrs: RefCell<BTreeMap<String, Value>>,
    frozen: Cell<bool>,
}

impl NativeValue for HasFields {
    fn type_name(&self) -> &str {
        "hasfields"
    }
    fn repr(&self, out: &mut String) {
        out.push_str("hasfields");
    }
    fn hash(&self) -> Result<u64> {
        Ok(42)
    }
    fn freeze(&self) {
        if !self.frozen.replace(true) {
            for v in self.attrs.borrow().values() {
                v.freeze();
            }
        }
    }
    fn get_attr(&self, _this: &Value, name: &str) -> Result<Option<Value>> {
        Ok(self.attrs.borrow().get(name).cloned())
    }
    fn attr_names(&self) -> Vec<String> {
        self.attrs.borrow().keys().cloned().collect()
    }
    fn set_attr(&self, name: &str, value: Value) -> Result<()> {
        if self.frozen.get() {
            return Err(EvalError::new("cannot set field on a frozen hasfields"));
        }
        if name.starts_with("no") {
            let names = self.attr_names();
            let hint = match crate::hint::nearest(name, names.iter().map(|s| s.as_str())) {
                Some(c) => format!(" (did you mean .{c}?)"),
                None => String::new(),
            };
            return Err(EvalError::new(format!("no .{name} field{hint}")));
        }
        self.attrs.borrow_mut().insert(name.to_string(), value);
        Ok(())
    }
    fn binary(
        &self,
        op: crate::syntax::ast::BinaryOp,
        other: &Value,
        left: bool,
    ) -> Result<Option<Value>> {
        if op == crate::syntax::ast::BinaryOp::Add && !left {
            if let Value::List(_) = other {
                return Ok(Some(Value::Int(42)));
            }
        }
        Ok(None)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The test-only infinite iterable `fibonacci`.
struct Fibonacci;

impl NativeValue for Fibonacci {
    fn type_name(&self) -> &str {
        "fib"
    }
    fn repr(&self, out: &mut String) {
        out.push_str("fib");
    }
    fn iterate(&self) -> Option<crate::values::NativeIter> {
        let mut state = (0i64, 1i64);
        Some(Box::new(std::iter::from_fn(move || {
            let x = state.0;
            state = (state.1, state.0.wrapping_add(state.1));
            Some(Value::Int(x))
        })))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The predeclared names starlark-go's evaluator tests use: `hasfields`,
/// `fibonacci` and `struct`.
pub fn conformance_predeclared() -> Predeclared {
    let mut p = Predeclared::default();
    p.insert(
        "hasfields".into(),
        Builtin::func("hasfields", |_t, args| {
            if !args.positional.is_empty() || !args.named.is_empty() {
                return Err(EvalError::new("hasfields: unexpected arguments"));
            }
            Ok(Value::native(HasFields {
                attrs: RefCell::new(BTreeMap::new()),
                frozen: Cell::new(false),
            }))
        }),
    );
    p.insert("fibonacci".into(), Value::native(Fibonacci));
    p.insert(
        "struct".into(),
        Builtin::func("struct", crate::builtins::make_struct),
    );
    p
}

/// starlark-go's API surface as packaged in 2021 (Debian bookworm's
/// golang-starlark-dev, the Qri era), whose test files the conformance suite
/// runs: sets have only `union`, and `json` has no `encode_indent`. An
/// attribute filter for [`Thread::set_attr_filter`] that hides the rest.
fn legacy_api(x: &Value, name: &str) -> bool {
    match x {
        Value::Set(_) => name == "union",
        Value::Module(m) if m.name == "json" => name != "encode_indent",
        _ => true,
    }
}

/// A [`ModuleProvider`] serving the engine's own library modules by load
/// name, as starlark-go's tests load them: `json.star` and `math.star`, each
/// binding one member named after the module.
pub fn library_provider(_thread: &mut Thread, name: &str) -> Option<Result<Members>> {
    let (member, value) = match name {
        "json.star" => ("json", crate::library::json::module()),
        "math.star" => ("math", crate::library::math::module()),
        _ => return None,
    };
    let mut m = Members::new();
    m.insert(member.to_string(), value);
    Some(Ok(m))
}

//! The read-only `fs` module (`load("fs.star", "fs")`): files in the
//! transform's own directory and below it, nothing else.
//!
//! `fs.read(path)` gives a file's content as a string, `fs.exists(path)`
//! whether it is there, `fs.list(dir=".")` the sorted names in a directory.
//! Paths are relative to the transform's directory and written with `/`. An
//! absolute path, a `..` component, or a path that resolves (through a
//! symlink) outside the directory is refused with an error naming the rule.
//! Files the host hides (the run's secrets file) are refused too.

use engine::args::type_error;
use engine::error::{EvalError, Result};
use engine::values::{Builtin, Module};
use engine::{Args, Thread, Value};
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

/// The largest file `fs.read` returns (1 GiB); the run's memory budget
/// applies as well.
pub const MAX_READ_BYTES: u64 = 1 << 30;

/// The directory a transform may read: its own.
#[derive(Debug, Clone)]
pub struct FsRoot {
    root: PathBuf,
    /// Canonical paths of files inside the root that scripts may not read.
    hidden: Vec<PathBuf>,
}

impl FsRoot {
    /// The root for a transform in `dir`; `None` if `dir` does not exist.
    pub fn new(dir: &Path) -> Option<FsRoot> {
        let root = dir.canonicalize().ok()?;
        Some(FsRoot {
            root,
            hidden: Vec::new(),
        })
    }

    /// Refuses these files (the run's secrets file) to scripts; a file that
    /// does not exist is ignored.
    pub fn hide<'a>(mut self, files: impl IntoIterator<Item = &'a PathBuf>) -> FsRoot {
        self.hidden
            .extend(files.into_iter().filter_map(|f| f.canonicalize().ok()));
        self
    }

    /// The canonical directory.
    pub fn dir(&self) -> &Path {
        &self.root
    }

    /// Resolves a script-given relative path to a real path inside the root.
    /// `Ok(None)` when the path is allowed but does not exist.
    pub fn resolve(&self, rel: &str) -> std::result::Result<Option<PathBuf>, String> {
        if rel.is_empty() {
            return Err("empty path".into());
        }
        if rel.contains('\0') {
            return Err(format!("{rel:?}: path contains a NUL byte"));
        }
        let p = Path::new(rel);
        for c in p.components() {
            match c {
                Component::Normal(_) | Component::CurDir => {}
                Component::ParentDir => {
                    return Err(format!(
                        "{rel:?}: \"..\" is not allowed; fs reads only the transform's directory"
                    ))
                }
                Component::RootDir | Component::Prefix(_) => {
                    return Err(format!(
                        "{rel:?}: absolute paths are not allowed; give a path relative to the transform's directory"
                    ))
                }
            }
        }
        let joined = self.root.join(p);
        let real = match joined.canonicalize() {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{rel:?}: {e}")),
        };
        if !real.starts_with(&self.root) {
            return Err(format!(
                "{rel:?} resolves (through a symlink) outside the transform's directory"
            ));
        }
        if self.hidden.contains(&real) {
            return Err(format!(
                "{rel:?} is this run's secrets file; read secrets with secrets.get"
            ));
        }
        Ok(Some(real))
    }
}

fn path_arg(fname: &str, v: Option<Value>, default: Option<&str>) -> Result<String> {
    match v {
        None => default
            .map(str::to_string)
            .ok_or_else(|| EvalError::new(format!("{fname}: missing argument for path"))),
        Some(v) => v
            .as_str()
            .map(|s| s.to_str_lossy().into_owned())
            .ok_or_else(|| type_error(fname, "path", &v, "string")),
    }
}

fn fail(fname: &str, msg: impl std::fmt::Display) -> EvalError {
    EvalError::new(format!("{fname}: {msg}"))
}

fn read(root: &FsRoot, thread: &mut Thread, args: &Args) -> Result<Value> {
    const F: &str = "fs.read";
    let [path] = args.bind(F, &["path"])?;
    let rel = path_arg(F, path, None)?;
    let real = root.resolve(&rel).map_err(|m| fail(F, m))?.ok_or_else(|| {
        fail(
            F,
            format!("{rel:?}: no such file in the transform's directory"),
        )
    })?;
    let md = std::fs::metadata(&real).map_err(|e| fail(F, format!("{rel:?}: {e}")))?;
    if !md.is_file() {
        return Err(fail(F, format!("{rel:?} is not a file")));
    }
    if md.len() > MAX_READ_BYTES {
        return Err(fail(
            F,
            format!(
                "{rel:?} is {} bytes; fs.read reads at most {MAX_READ_BYTES}",
                md.len()
            ),
        ));
    }
    thread.account(md.len() as usize)?;
    let bytes = std::fs::read(&real).map_err(|e| fail(F, format!("{rel:?}: {e}")))?;
    Ok(Value::str_bytes(bytes))
}

fn exists(root: &FsRoot, args: &Args) -> Result<Value> {
    const F: &str = "fs.exists";
    let [path] = args.bind(F, &["path"])?;
    let rel = path_arg(F, path, None)?;
    Ok(Value::Bool(
        root.resolve(&rel).map_err(|m| fail(F, m))?.is_some(),
    ))
}

fn list(root: &FsRoot, args: &Args) -> Result<Value> {
    const F: &str = "fs.list";
    let [dir] = args.bind(F, &["dir?"])?;
    let rel = path_arg(F, dir, Some("."))?;
    let real = root
        .resolve(&rel)
        .map_err(|m| fail(F, m))?
        .ok_or_else(|| fail(F, format!("{rel:?}: no such directory")))?;
    let entries = std::fs::read_dir(&real).map_err(|e| fail(F, format!("{rel:?}: {e}")))?;
    let mut names = Vec::new();
    for e in entries {
        let e = e.map_err(|e| fail(F, format!("{rel:?}: {e}")))?;
        names.push(e.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(Value::list(names.iter().map(|n| Value::str(n)).collect()))
}

/// The `fs` module reading from `root`.
pub fn module(root: FsRoot) -> Value {
    let root = Rc::new(root);
    let mut members = BTreeMap::new();
    let r = root.clone();
    members.insert(
        "read".to_string(),
        Builtin::host("fs.read", move |t, a| read(&r, t, a)),
    );
    let r = root.clone();
    members.insert(
        "exists".to_string(),
        Builtin::host("fs.exists", move |_t, a| exists(&r, a)),
    );
    members.insert(
        "list".to_string(),
        Builtin::host("fs.list", move |_t, a| list(&root, a)),
    );
    Value::Module(Rc::new(Module::new("fs", members)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_escapes_and_absolute_paths() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.csv"), "x\n1\n").unwrap();
        let root = FsRoot::new(dir.path()).unwrap();
        assert!(root.resolve("a.csv").unwrap().is_some());
        assert!(root.resolve("./a.csv").unwrap().is_some());
        assert!(root.resolve("missing.csv").unwrap().is_none());
        assert!(root.resolve("../a.csv").unwrap_err().contains(".."));
        assert!(root.resolve("sub/../a.csv").unwrap_err().contains(".."));
        assert!(root
            .resolve("/etc/passwd")
            .unwrap_err()
            .contains("absolute"));
        assert!(root.resolve("").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn refuses_symlink_escape() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.txt"), "s").unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.txt"), dir.path().join("link"))
            .unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("dirlink")).unwrap();
        let root = FsRoot::new(dir.path()).unwrap();
        assert!(root.resolve("link").unwrap_err().contains("outside"));
        assert!(root
            .resolve("dirlink/secret.txt")
            .unwrap_err()
            .contains("outside"));
    }
}

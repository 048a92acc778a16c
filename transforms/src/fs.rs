//! The read-only `fs` module (`load("fs.star", "fs")`): files in the
//! transform's own directory and below it, nothing else.
//!
//! `fs.read(path)` gives a file's content as a string, `fs.exists(path)`
//! whether it is there, `fs.list(dir=".")` the sorted names in a directory.
//! Paths are relative to the transform's directory and written with `/`. An
//! absolute path, a `..` component, or a path that resolves (through a
//! symlink) outside the directory is refused with an error naming the rule.
//! Files the host hides (the run's secrets file) are refused too.
//!
//! Every call resolves the path and opens it beneath the directory in one
//! step (`cap-std`: `openat2` with `RESOLVE_BENEATH` where the kernel has it,
//! else component by component with `O_NOFOLLOW`), through a handle on the
//! directory opened once. Swapping a directory for a symlink while a script
//! reads cannot lead outside, and the checks (a regular file, not the
//! secrets file by device and inode) are made on the opened file itself.

use cap_std::fs::{Dir, Metadata, OpenOptions};
use engine::args::type_error;
use engine::error::{EvalError, Result};
use engine::values::{Builtin, Module};
use engine::{Args, Thread, Value};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

/// The largest file `fs.read` returns (1 GiB); the run's memory budget
/// applies as well.
pub const MAX_READ_BYTES: u64 = 1 << 30;

/// What identifies a file whatever its path: device and inode.
#[cfg(unix)]
type FileId = (u64, u64);
/// Elsewhere, its canonical path.
#[cfg(not(unix))]
type FileId = PathBuf;

/// The directory a transform may read: its own.
#[derive(Debug, Clone)]
pub struct FsRoot {
    root: PathBuf,
    /// The directory, opened once: every path is resolved beneath it.
    dir: Arc<Dir>,
    /// Files inside the root that scripts may not read.
    hidden: Vec<FileId>,
}

impl FsRoot {
    /// The root for a transform in `dir`; `None` if `dir` does not exist.
    pub fn new(dir: &Path) -> Option<FsRoot> {
        let root = dir.canonicalize().ok()?;
        let dir = Dir::open_ambient_dir(&root, cap_std::ambient_authority()).ok()?;
        Some(FsRoot {
            root,
            dir: Arc::new(dir),
            hidden: Vec::new(),
        })
    }

    /// Refuses these files (the run's secrets file) to scripts; a file that
    /// does not exist is ignored.
    pub fn hide<'a>(mut self, files: impl IntoIterator<Item = &'a PathBuf>) -> FsRoot {
        #[cfg(unix)]
        let id = |f: &PathBuf| {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(f).ok().map(|m| (m.dev(), m.ino()))
        };
        #[cfg(not(unix))]
        let id = |f: &PathBuf| f.canonicalize().ok();
        self.hidden.extend(files.into_iter().filter_map(id));
        self
    }

    /// The canonical directory.
    pub fn dir(&self) -> &Path {
        &self.root
    }

    /// Checks a script-given relative path: not empty, no NUL, no `..`, not
    /// absolute.
    fn check(rel: &str) -> std::result::Result<&Path, String> {
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
        Ok(p)
    }

    /// The error for an I/O failure beneath the root; `Ok(None)` for a
    /// path that does not exist.
    fn missing_or<T>(rel: &str, e: std::io::Error) -> std::result::Result<Option<T>, String> {
        match e.kind() {
            std::io::ErrorKind::NotFound => Ok(None),
            // cap-std's refusal of a path that leads outside the directory.
            std::io::ErrorKind::PermissionDenied if e.to_string().contains("outside") => Err(
                format!("{rel:?} resolves (through a symlink) outside the transform's directory"),
            ),
            _ => Err(format!("{rel:?}: {e}")),
        }
    }

    /// Refuses the hidden files, by identity.
    fn check_visible(&self, rel: &str, md: &Metadata) -> std::result::Result<(), String> {
        #[cfg(unix)]
        let id = {
            use cap_std::fs::MetadataExt;
            Some((md.dev(), md.ino()))
        };
        #[cfg(not(unix))]
        let id = {
            let _ = md;
            self.root.join(rel).canonicalize().ok()
        };
        if id.is_some_and(|id| self.hidden.contains(&id)) {
            return Err(format!(
                "{rel:?} is this run's secrets file; read secrets with secrets.get"
            ));
        }
        Ok(())
    }

    /// What the path names, followed through symlinks that stay inside the
    /// root. `Ok(None)` when the path is allowed but does not exist.
    pub fn metadata(&self, rel: &str) -> std::result::Result<Option<Metadata>, String> {
        let p = Self::check(rel)?;
        match self.dir.metadata(p) {
            Ok(md) => self.check_visible(rel, &md).map(|()| Some(md)),
            Err(e) => Self::missing_or(rel, e),
        }
    }

    /// Opens a regular file for reading, beneath the root in one step, and
    /// checks the opened file. `Ok(None)` when it does not exist.
    pub fn open(
        &self,
        rel: &str,
    ) -> std::result::Result<Option<(std::fs::File, Metadata)>, String> {
        let p = Self::check(rel)?;
        let mut opts = OpenOptions::new();
        opts.read(true);
        #[cfg(unix)]
        {
            // Never block opening a FIFO or become a terminal's controller.
            use cap_std::fs::OpenOptionsExt;
            opts.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
        }
        let file = match self.dir.open_with(p, &opts) {
            Ok(f) => f,
            Err(e) => return Self::missing_or(rel, e),
        };
        let md = file.metadata().map_err(|e| format!("{rel:?}: {e}"))?;
        self.check_visible(rel, &md)?;
        if !md.is_file() {
            return Err(format!("{rel:?} is not a file"));
        }
        Ok(Some((file.into_std(), md)))
    }

    /// The sorted names in a directory beneath the root, the hidden files
    /// left out.
    pub fn list(&self, rel: &str) -> std::result::Result<Option<Vec<String>>, String> {
        let p = Self::check(rel)?;
        let entries = match self.dir.read_dir(p) {
            Ok(entries) => entries,
            Err(e) => return Self::missing_or(rel, e),
        };
        let mut names = Vec::new();
        for e in entries {
            let e = e.map_err(|e| format!("{rel:?}: {e}"))?;
            let name = e.file_name().to_string_lossy().into_owned();
            let hidden = e
                .metadata()
                .is_ok_and(|md| self.check_visible(&name, &md).is_err());
            if !hidden {
                names.push(name);
            }
        }
        names.sort();
        Ok(Some(names))
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
    let (file, md) = root.open(&rel).map_err(|m| fail(F, m))?.ok_or_else(|| {
        fail(
            F,
            format!("{rel:?}: no such file in the transform's directory"),
        )
    })?;
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
    let mut bytes = Vec::with_capacity(md.len() as usize);
    // The file may grow while it is read: read no more than was accounted.
    file.take(md.len())
        .read_to_end(&mut bytes)
        .map_err(|e| fail(F, format!("{rel:?}: {e}")))?;
    Ok(Value::str_bytes(bytes))
}

fn exists(root: &FsRoot, args: &Args) -> Result<Value> {
    const F: &str = "fs.exists";
    let [path] = args.bind(F, &["path"])?;
    let rel = path_arg(F, path, None)?;
    Ok(Value::Bool(
        root.metadata(&rel).map_err(|m| fail(F, m))?.is_some(),
    ))
}

fn list(root: &FsRoot, args: &Args) -> Result<Value> {
    const F: &str = "fs.list";
    let [dir] = args.bind(F, &["dir?"])?;
    let rel = path_arg(F, dir, Some("."))?;
    let names = root
        .list(&rel)
        .map_err(|m| fail(F, m))?
        .ok_or_else(|| fail(F, format!("{rel:?}: no such directory")))?;
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
        assert!(root.open("a.csv").unwrap().is_some());
        assert!(root.open("./a.csv").unwrap().is_some());
        assert!(root.open("missing.csv").unwrap().is_none());
        assert!(root.metadata("missing.csv").unwrap().is_none());
        assert!(root.open("../a.csv").unwrap_err().contains(".."));
        assert!(root.metadata("sub/../a.csv").unwrap_err().contains(".."));
        assert!(root.open("/etc/passwd").unwrap_err().contains("absolute"));
        assert!(root.open("").is_err());
        assert!(root.open(".").unwrap_err().contains("not a file"));
        assert_eq!(root.list(".").unwrap().unwrap(), ["a.csv"]);
    }

    #[cfg(unix)]
    #[test]
    fn refuses_symlink_escape_and_the_hidden_file_by_identity() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.txt"), "s").unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.txt"), dir.path().join("link"))
            .unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("dirlink")).unwrap();
        std::fs::write(dir.path().join("sec.json"), "{}").unwrap();
        std::os::unix::fs::symlink("sec.json", dir.path().join("alias")).unwrap();
        let root = FsRoot::new(dir.path())
            .unwrap()
            .hide([&dir.path().join("sec.json")]);
        assert!(root.open("link").unwrap_err().contains("outside"));
        assert!(root
            .metadata("dirlink/secret.txt")
            .unwrap_err()
            .contains("outside"));
        assert!(root.list("dirlink").unwrap_err().contains("outside"));
        // The secrets file under another name (a symlink inside) is still it.
        assert!(root.open("alias").unwrap_err().contains("secrets file"));
        assert!(root
            .metadata("sec.json")
            .unwrap_err()
            .contains("secrets file"));
        // Listing leaves the secrets file out (the symlinks stay: reading
        // through one is refused above).
        assert_eq!(
            root.list(".").unwrap().unwrap(),
            ["alias", "dirlink", "link"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let root = FsRoot::new(dir.path()).unwrap();
        assert!(root.open("fifo").unwrap_err().contains("not a file"));
    }
}

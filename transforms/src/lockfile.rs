//! `versions.lock`: which starlib release each transform runs with.
//!
//! A TOML file beside the transforms, like `Cargo.lock`. The lock that
//! governs a script is the nearest `versions.lock` in its directory or an
//! ancestor. Each entry names a script by its path relative to the lock's
//! directory (with `/`), the exact starlib version it is pinned to, and the
//! BLAKE3 hash of the script text when it was locked:
//!
//! ```toml
//! # versions.lock: written by `quarry lock`; pins the starlib release each transform runs with.
//! version = 1
//!
//! [[transform]]
//! path = "qri/transform.star"
//! starlib = "1.0.0"
//! script_hash = "blake3:4f1c..."
//! ```
//!
//! [`select_release`] picks the release for a run: the pinned one, or the
//! newest shipped one for an unlocked script. A pin to a release this binary
//! does not ship is an error; a script whose hash changed gets a warning.

use serde::{Deserialize, Serialize};
use starlib::Release;
use std::path::{Path, PathBuf};

/// The lock file's name.
pub const LOCK_FILE: &str = "versions.lock";

const HEADER: &str =
    "# versions.lock: written by `quarry lock`; pins the starlib release each transform runs with.\n";

/// Why a lock file could not be read, written or honoured.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Reading or writing a file failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The lock file is not valid TOML of the expected shape.
    #[error("{}: invalid lock file: {message}", .path.display())]
    Parse {
        /// The lock file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A script is pinned to a starlib release this binary does not ship.
    #[error("{lock} pins {script} to starlib {version}, which this quarry does not ship (it ships {shipped}); re-pin it with `quarry lock --starlib <version> {script}`", lock = .lock.display())]
    NotShipped {
        /// The lock file.
        lock: PathBuf,
        /// The script's entry path.
        script: String,
        /// The pinned version.
        version: String,
        /// The shipped versions.
        shipped: String,
    },
    /// A requested starlib version does not match any shipped release.
    #[error("{0}")]
    Starlib(#[from] starlib::StarlibError),
    /// The script does not parse, so its loads cannot be checked.
    #[error("{0}")]
    Syntax(String),
    /// The script loads modules the release does not offer.
    #[error("{script} loads {} that starlib {release} does not offer (it offers {loadable})", .missing.join(", "))]
    MissingModules {
        /// The script.
        script: String,
        /// The release checked against.
        release: String,
        /// The load names it lacks.
        missing: Vec<String>,
        /// What the release offers.
        loadable: String,
    },
}

/// Load names the host serves to every transform, whatever the release.
pub const HOST_MODULES: &[&str] = &["dataset.star", "fs.star", "qri.star"];

/// Checks that every module `text` loads exists in `release` (or is a host
/// module), so a pin cannot name a release the script cannot run with.
pub fn check_loads(script: &Path, text: &str, release: &Release) -> Result<()> {
    let path = script.display().to_string();
    let offered = release.module_names();
    let mut missing: Vec<String> = Vec::new();
    // Each cell parses on its own (a `---` line is no Starlark), at the
    // file's own positions.
    for cell in crate::cells::split(text) {
        let file = engine::syntax::parse_file(&path, &cell.source())
            .map_err(|e| LockError::Syntax(e.to_string()))?;
        for stmt in &file.stmts {
            if let engine::syntax::ast::StmtKind::Load { module, .. } = &stmt.kind {
                let known =
                    offered.contains(&module.as_str()) || HOST_MODULES.contains(&module.as_str());
                if !known && !missing.contains(module) {
                    missing.push(module.clone());
                }
            }
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(LockError::MissingModules {
        script: path,
        release: release.version.to_string(),
        missing,
        loadable: offered
            .iter()
            .chain(HOST_MODULES)
            .copied()
            .collect::<Vec<_>>()
            .join(", "),
    })
}

type Result<T> = std::result::Result<T, LockError>;

/// One locked transform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockEntry {
    /// The script's path relative to the lock file's directory, with `/`.
    pub path: String,
    /// The exact starlib version it runs with.
    pub starlib: String,
    /// `blake3:<hex>` of the script text when it was locked.
    pub script_hash: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LockData {
    version: u32,
    #[serde(default, rename = "transform")]
    transforms: Vec<LockEntry>,
}

/// A `versions.lock` file, read or about to be written.
#[derive(Debug, Clone)]
pub struct Lock {
    path: PathBuf,
    data: LockData,
}

/// The hash recorded for a script text: `blake3:<hex>`.
pub fn script_hash(text: &[u8]) -> String {
    format!("blake3:{}", blake3::hash(text).to_hex())
}

fn absolute(p: &Path) -> Result<PathBuf> {
    p.canonicalize().map_err(|source| LockError::Io {
        path: p.to_path_buf(),
        source,
    })
}

impl Lock {
    /// The nearest lock governing `script` (its directory, then ancestors).
    pub fn find(script: &Path) -> Result<Option<Lock>> {
        let script = absolute(script)?;
        let mut dir = script.parent();
        while let Some(d) = dir {
            let candidate = d.join(LOCK_FILE);
            if candidate.is_file() {
                return Lock::read(&candidate).map(Some);
            }
            dir = d.parent();
        }
        Ok(None)
    }

    /// The lock for `script`: the governing one, or a new, empty lock in the
    /// script's directory.
    pub fn find_or_new(script: &Path) -> Result<Lock> {
        if let Some(l) = Lock::find(script)? {
            return Ok(l);
        }
        let script = absolute(script)?;
        let dir = script.parent().unwrap_or(Path::new("/"));
        Ok(Lock {
            path: dir.join(LOCK_FILE),
            data: LockData {
                version: 1,
                transforms: Vec::new(),
            },
        })
    }

    /// Reads a lock file.
    pub fn read(path: &Path) -> Result<Lock> {
        let text = std::fs::read_to_string(path).map_err(|source| LockError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let data: LockData = toml::from_str(&text).map_err(|e| LockError::Parse {
            path: path.to_path_buf(),
            message: e.message().to_string(),
        })?;
        if data.version != 1 {
            return Err(LockError::Parse {
                path: path.to_path_buf(),
                message: format!(
                    "lock format version {} is not known (this quarry reads version 1)",
                    data.version
                ),
            });
        }
        let path = absolute(path)?;
        Ok(Lock { path, data })
    }

    /// The lock file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The entries, sorted by path.
    pub fn entries(&self) -> &[LockEntry] {
        &self.data.transforms
    }

    /// The key of `script` in this lock: its path relative to the lock's
    /// directory, with `/`. Scripts outside the directory use their absolute path.
    pub fn key(&self, script: &Path) -> Result<String> {
        let script = absolute(script)?;
        let dir = self.path.parent().unwrap_or(Path::new("/"));
        let rel = script.strip_prefix(dir).unwrap_or(&script);
        Ok(rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
            .replace("//", "/"))
    }

    /// The entry for `script`, if it is locked.
    pub fn entry(&self, script: &Path) -> Result<Option<&LockEntry>> {
        let key = self.key(script)?;
        Ok(self.data.transforms.iter().find(|e| e.path == key))
    }

    /// Pins `script` (whose text is `text`) to `release`.
    pub fn pin(&mut self, script: &Path, text: &[u8], release: &Release) -> Result<LockEntry> {
        let entry = LockEntry {
            path: self.key(script)?,
            starlib: release.version.to_string(),
            script_hash: script_hash(text),
        };
        match self
            .data
            .transforms
            .iter_mut()
            .find(|e| e.path == entry.path)
        {
            Some(e) => *e = entry.clone(),
            None => self.data.transforms.push(entry.clone()),
        }
        self.data.transforms.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(entry)
    }

    /// Writes the lock atomically (a temporary file renamed over it).
    pub fn write(&self) -> Result<()> {
        let body = toml::to_string(&self.data).map_err(|e| LockError::Parse {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        let tmp = self.path.with_extension("lock.tmp");
        let io = |source| LockError::Io {
            path: self.path.clone(),
            source,
        };
        std::fs::write(&tmp, format!("{HEADER}{body}")).map_err(io)?;
        std::fs::rename(&tmp, &self.path).map_err(io)
    }
}

/// The release a run uses, and why.
#[derive(Debug, Clone)]
pub struct Selection {
    /// The release to run with.
    pub release: &'static Release,
    /// The lock file that pinned it (`None`: unlocked, newest release).
    pub lock: Option<PathBuf>,
    /// A warning to show (the script changed since it was locked).
    pub warning: Option<String>,
}

/// The newest starlib release this binary ships.
pub fn newest_release() -> &'static Release {
    starlib::releases()
        .iter()
        .max_by(|a, b| a.version.cmp(&b.version))
        .expect("the binary ships at least one starlib release")
}

fn shipped() -> String {
    starlib::releases()
        .iter()
        .map(|r| r.version.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Chooses the release for `script` (whose text is `text`): its pin in the
/// governing `versions.lock`, or the newest shipped release when unlocked.
pub fn select_release(script: &Path, text: &[u8]) -> Result<Selection> {
    let Some(lock) = Lock::find(script)? else {
        return Ok(Selection {
            release: newest_release(),
            lock: None,
            warning: None,
        });
    };
    let Some(entry) = lock.entry(script)? else {
        return Ok(Selection {
            release: newest_release(),
            lock: None,
            warning: None,
        });
    };
    let release = starlib::releases()
        .iter()
        .find(|r| r.version.to_string() == entry.starlib)
        .ok_or_else(|| LockError::NotShipped {
            lock: lock.path.clone(),
            script: entry.path.clone(),
            version: entry.starlib.clone(),
            shipped: shipped(),
        })?;
    let warning = (entry.script_hash != script_hash(text)).then(|| {
        format!(
            "{} changed since it was locked in {} (pinned to starlib {}); run `quarry lock {}` to record the new hash",
            entry.path,
            lock.path.display(),
            entry.starlib,
            script.display()
        )
    });
    Ok(Selection {
        release,
        lock: Some(lock.path.clone()),
        warning,
    })
}

/// What [`lock`] recorded for one script.
#[derive(Debug, Clone)]
pub struct Locked {
    /// The script as given.
    pub script: PathBuf,
    /// The lock file written.
    pub lock: PathBuf,
    /// The entry.
    pub entry: LockEntry,
    /// The release it was pinned to before, when that changed.
    pub previous: Option<String>,
}

/// Locks each script: to the newest release matching `requirement` when
/// given, else to its current pin if that still ships, else to the newest
/// release. Writes every lock file touched.
pub fn lock(scripts: &[PathBuf], requirement: Option<&str>) -> Result<Vec<Locked>> {
    let wanted = requirement.map(starlib::release::select_str).transpose()?;
    let mut locks: Vec<Lock> = Vec::new();
    let mut out = Vec::new();
    for script in scripts {
        let text = std::fs::read(script).map_err(|source| LockError::Io {
            path: script.clone(),
            source,
        })?;
        let found = Lock::find_or_new(script)?;
        let idx = match locks.iter().position(|l| l.path == found.path) {
            Some(i) => i,
            None => {
                locks.push(found);
                locks.len() - 1
            }
        };
        let lock = &mut locks[idx];
        let pinned = lock.entry(script)?.map(|e| e.starlib.clone());
        let current = pinned.as_ref().and_then(|v| {
            starlib::releases()
                .iter()
                .find(|r| r.version.to_string() == *v)
        });
        let release = wanted.or(current).unwrap_or_else(newest_release);
        check_loads(script, &String::from_utf8_lossy(&text), release)?;
        let entry = lock.pin(script, &text, release)?;
        out.push(Locked {
            script: script.clone(),
            lock: lock.path.clone(),
            previous: pinned.filter(|p| *p != entry.starlib),
            entry,
        });
    }
    for l in &locks {
        l.write()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_relative_with_slashes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let script = dir.path().join("sub").join("t.star");
        std::fs::write(&script, "x = 1\n").unwrap();
        std::fs::write(dir.path().join(LOCK_FILE), "version = 1\n").unwrap();
        let lock = Lock::find(&script).unwrap().unwrap();
        assert_eq!(lock.key(&script).unwrap(), "sub/t.star");
    }

    #[test]
    fn unknown_format_version_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(LOCK_FILE);
        std::fs::write(&p, "version = 9\n").unwrap();
        let e = Lock::read(&p).unwrap_err().to_string();
        assert!(e.contains("version 9"), "{e}");
    }
}

//! Content-addressed blob storage: `$ROOT/blobs/ab/cdef...`, named by BLAKE3.
//!
//! Blobs are written to `blobs/tmp/`, fsynced, then renamed into place and the
//! directory fsynced, so a blob that has a name is complete and durable. A
//! blob whose name already exists is not written again. Reads verify the hash
//! and fail with [`DatasetError::CorruptBlob`] naming the blob.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::error::{DatasetError, IoContext, Result};

/// The BLAKE3 hash naming a blob (shown and stored as 64 lowercase hex digits).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlobHash(pub [u8; 32]);

impl BlobHash {
    /// Hash a byte slice.
    pub fn of(bytes: &[u8]) -> Self {
        BlobHash(*blake3::hash(bytes).as_bytes())
    }

    /// The 64-digit lowercase hex form.
    pub fn to_hex(&self) -> String {
        blake3::Hash::from_bytes(self.0).to_hex().to_string()
    }
}

impl fmt::Display for BlobHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for BlobHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlobHash({})", self.to_hex())
    }
}

impl FromStr for BlobHash {
    type Err = DatasetError;
    fn from_str(s: &str) -> Result<Self> {
        if s.len() != 64 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(DatasetError::Invalid(format!(
                "'{s}' is not a blob hash (64 lowercase hex digits)"
            )));
        }
        blake3::Hash::from_hex(s)
            .map(|h| BlobHash(*h.as_bytes()))
            .map_err(|e| DatasetError::Invalid(format!("'{s}' is not a blob hash: {e}")))
    }
}

impl Serialize for BlobHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for BlobHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The blob directory of a store.
#[derive(Debug, Clone)]
pub struct BlobStore {
    dir: PathBuf,
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl BlobStore {
    /// Open (creating if needed) the blob directory `dir`.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self> {
        let dir = dir.into();
        fs::create_dir_all(dir.join("tmp")).ctx(|| format!("creating {}", dir.display()))?;
        Ok(BlobStore { dir })
    }

    /// The blob directory `dir` as it is, creating nothing (for reading an
    /// existing store; a missing directory simply holds no blobs).
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        BlobStore { dir: dir.into() }
    }

    /// The blob directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The directory holding temporary files of unfinished writes.
    pub fn tmp_dir(&self) -> PathBuf {
        self.dir.join("tmp")
    }

    /// Where the blob named `hash` lives (whether or not it exists).
    pub fn path(&self, hash: &BlobHash) -> PathBuf {
        let hex = hash.to_hex();
        self.dir.join(&hex[..2]).join(&hex[2..])
    }

    /// Whether a blob exists.
    pub fn exists(&self, hash: &BlobHash) -> bool {
        self.path(hash).is_file()
    }

    /// Store `bytes`; returns the hash and whether a new file was written
    /// (false when the blob was already present).
    pub fn put(&self, bytes: &[u8]) -> Result<(BlobHash, bool)> {
        let mut w = self.writer()?;
        w.write_all(bytes)
            .ctx(|| format!("writing {}", w.temp_path.display()))?;
        let done = w.finish()?;
        Ok((done.hash, done.written))
    }

    /// Start a streamed write; the bytes are hashed as they go by.
    pub fn writer(&self) -> Result<BlobWriter> {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let temp_path = self
            .tmp_dir()
            .join(format!("{}-{}-{}.tmp", std::process::id(), n, nanos));
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(&temp_path)
            .ctx(|| format!("creating {}", temp_path.display()))?;
        Ok(BlobWriter {
            file: Some(BufWriter::with_capacity(1 << 20, file)),
            hasher: blake3::Hasher::new(),
            len: 0,
            temp_path,
            store: self.clone(),
            finished: false,
        })
    }

    /// Read a whole blob, verifying its hash.
    pub fn read(&self, hash: &BlobHash) -> Result<Bytes> {
        let path = self.path(hash);
        let data = match fs::read(&path) {
            Ok(d) => d,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(DatasetError::MissingBlob {
                    hash: hash.to_hex(),
                    path,
                })
            }
            Err(e) => return Err(DatasetError::io(format!("reading {}", path.display()), e)),
        };
        let actual = hash_bytes(&data);
        if actual != *hash {
            return Err(DatasetError::CorruptBlob {
                hash: hash.to_hex(),
                path,
                actual: actual.to_hex(),
            });
        }
        Ok(Bytes::from(data))
    }

    /// Re-hash a blob by streaming it from disk; returns its length.
    pub fn verify(&self, hash: &BlobHash) -> Result<u64> {
        let path = self.path(hash);
        let (actual, len) = match hash_file(&path) {
            Ok(r) => r,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(DatasetError::MissingBlob {
                    hash: hash.to_hex(),
                    path,
                })
            }
            Err(e) => return Err(DatasetError::io(format!("reading {}", path.display()), e)),
        };
        if actual != *hash {
            return Err(DatasetError::CorruptBlob {
                hash: hash.to_hex(),
                path,
                actual: actual.to_hex(),
            });
        }
        Ok(len)
    }

    /// Mark a blob as recently used (its mtime), so a concurrent
    /// [`gc`](crate::Store::gc) leaves it alone.
    pub fn touch(&self, hash: &BlobHash) -> Result<()> {
        let path = self.path(hash);
        let f = File::options()
            .append(true)
            .open(&path)
            .ctx(|| format!("opening {}", path.display()))?;
        f.set_modified(SystemTime::now())
            .ctx(|| format!("touching {}", path.display()))
    }

    /// Every blob file in the store (not the temporary files), by name.
    /// Files whose names are not blob hashes are returned in the second list.
    pub fn list(&self) -> Result<(Vec<BlobHash>, Vec<PathBuf>)> {
        let mut hashes = Vec::new();
        let mut strays = Vec::new();
        let Some(rd) = read_dir_if_present(&self.dir)? else {
            return Ok((hashes, strays));
        };
        for shard in rd {
            let shard = shard.ctx(|| format!("listing {}", self.dir.display()))?;
            let sname = shard.file_name().to_string_lossy().into_owned();
            if sname == "tmp" {
                continue;
            }
            let spath = shard.path();
            if !spath.is_dir() {
                strays.push(spath);
                continue;
            }
            for entry in fs::read_dir(&spath).ctx(|| format!("listing {}", spath.display()))? {
                let entry = entry.ctx(|| format!("listing {}", spath.display()))?;
                let name = format!("{sname}{}", entry.file_name().to_string_lossy());
                match name.parse::<BlobHash>() {
                    Ok(h) if sname.len() == 2 => hashes.push(h),
                    _ => strays.push(entry.path()),
                }
            }
        }
        hashes.sort();
        Ok((hashes, strays))
    }

    /// Leftover temporary files of interrupted writes.
    pub fn temp_files(&self) -> Result<Vec<PathBuf>> {
        let dir = self.tmp_dir();
        let mut out = Vec::new();
        let Some(rd) = read_dir_if_present(&dir)? else {
            return Ok(out);
        };
        for e in rd {
            out.push(e.ctx(|| format!("listing {}", dir.display()))?.path());
        }
        out.sort();
        Ok(out)
    }

    /// Delete a blob (used by garbage collection only).
    pub(crate) fn remove(&self, hash: &BlobHash) -> Result<()> {
        let path = self.path(hash);
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(DatasetError::io(format!("removing {}", path.display()), e)),
        }
    }
}

/// The entries of `dir`, or None when it does not exist.
fn read_dir_if_present(dir: &Path) -> Result<Option<fs::ReadDir>> {
    match fs::read_dir(dir) {
        Ok(rd) => Ok(Some(rd)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(DatasetError::io(format!("listing {}", dir.display()), e)),
    }
}

/// Hash bytes, using several threads for large inputs.
pub(crate) fn hash_bytes(data: &[u8]) -> BlobHash {
    BlobHash(*blake3::hash(data).as_bytes())
}

fn hash_file(path: &Path) -> io::Result<(BlobHash, u64)> {
    let mut f = File::open(path)?;
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut len = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        len += n as u64;
    }
    Ok((BlobHash(*hasher.finalize().as_bytes()), len))
}

/// What a finished [`BlobWriter`] produced.
#[derive(Debug, Clone, Copy)]
pub struct BlobWritten {
    /// The blob's name.
    pub hash: BlobHash,
    /// Its size in bytes.
    pub len: u64,
    /// False when an intact blob with this hash was already stored (nothing
    /// new written); true when it was missing or damaged and written anew.
    pub written: bool,
}

/// A streamed blob write: bytes go to a temporary file while being hashed;
/// [`finish`](BlobWriter::finish) makes it durable and gives it its name.
/// Dropped without `finish`, the temporary file is deleted.
pub struct BlobWriter {
    file: Option<BufWriter<File>>,
    hasher: blake3::Hasher,
    len: u64,
    temp_path: PathBuf,
    store: BlobStore,
    finished: bool,
}

impl Write for BlobWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| io::Error::other("blob writer already finished"))?;
        let n = file.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| io::Error::other("blob writer already finished"))?;
        file.write_all(buf)?;
        self.hasher.update(buf);
        self.len += buf.len() as u64;
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.file.as_mut() {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl BlobWriter {
    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True when nothing has been written yet.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Flush, fsync, and move the blob to its content address (or drop it
    /// when that blob already exists).
    pub fn finish(mut self) -> Result<BlobWritten> {
        let temp = self.temp_path.clone();
        let file = self
            .file
            .take()
            .ok_or_else(|| DatasetError::Invalid("blob writer already finished".into()))?;
        let file = file
            .into_inner()
            .map_err(|e| DatasetError::io(format!("writing {}", temp.display()), e.into_error()))?;
        let hash = BlobHash(*self.hasher.finalize().as_bytes());
        let dest = self.store.path(&hash);
        // Already stored and intact: keep the existing file. It is touched
        // first (so a concurrent gc, which spares recent blobs, leaves it
        // alone) and then re-hashed: a damaged or truncated copy is replaced
        // by the bytes in hand below, never reused.
        if fs::metadata(&dest).is_ok_and(|md| md.is_file() && md.len() == self.len)
            && self.store.touch(&hash).is_ok()
            && self.store.verify(&hash).is_ok()
        {
            drop(file);
            self.finished = true;
            let _ = fs::remove_file(&temp);
            return Ok(BlobWritten {
                hash,
                len: self.len,
                written: false,
            });
        }
        file.sync_all()
            .ctx(|| format!("syncing {}", temp.display()))?;
        drop(file);
        let shard = dest
            .parent()
            .ok_or_else(|| DatasetError::Invalid("blob path has no parent".into()))?
            .to_path_buf();
        if !shard.is_dir() {
            fs::create_dir_all(&shard).ctx(|| format!("creating {}", shard.display()))?;
            sync_dir(self.store.dir())?;
        }
        fs::rename(&temp, &dest)
            .ctx(|| format!("renaming {} to {}", temp.display(), dest.display()))?;
        self.finished = true;
        sync_dir(&shard)?;
        Ok(BlobWritten {
            hash,
            len: self.len,
            written: true,
        })
    }
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        if !self.finished {
            self.file.take();
            let _ = fs::remove_file(&self.temp_path);
        }
    }
}

/// fsync a directory so a rename or create in it is durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let f = File::open(dir).ctx(|| format!("opening {}", dir.display()))?;
        f.sync_all().ctx(|| format!("syncing {}", dir.display()))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

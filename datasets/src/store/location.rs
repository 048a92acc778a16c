//! Where the store lives: the `--repo` flag, then `$QUARRY_HOME`, then the
//! platform data directory.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::error::{DatasetError, Result};

/// The environment variable naming the store directory.
pub const HOME_ENV: &str = "QUARRY_HOME";

/// Where a store location came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocationSource {
    /// The `--repo` flag.
    Flag,
    /// The `$QUARRY_HOME` environment variable.
    Env,
    /// The platform data directory (`dirs::data_dir()/quarry`).
    Platform,
}

/// A resolved store directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreLocation {
    /// The directory.
    pub path: PathBuf,
    /// Which rule chose it.
    pub source: LocationSource,
}

impl StoreLocation {
    /// Resolve the store directory: `repo` (the `--repo` flag), then
    /// `$QUARRY_HOME`, then the platform data directory plus `quarry`.
    pub fn resolve(repo: Option<&Path>) -> Result<Self> {
        Self::resolve_with(repo, std::env::var_os(HOME_ENV), dirs::data_dir())
    }

    /// [`resolve`](Self::resolve) with the environment and platform
    /// directory given explicitly (for tests and embedding).
    pub fn resolve_with(
        repo: Option<&Path>,
        home_env: Option<OsString>,
        data_dir: Option<PathBuf>,
    ) -> Result<Self> {
        if let Some(r) = repo {
            return Ok(StoreLocation {
                path: r.to_path_buf(),
                source: LocationSource::Flag,
            });
        }
        if let Some(h) = home_env.filter(|h| !h.is_empty()) {
            return Ok(StoreLocation {
                path: PathBuf::from(h),
                source: LocationSource::Env,
            });
        }
        match data_dir {
            Some(d) => Ok(StoreLocation {
                path: d.join("quarry"),
                source: LocationSource::Platform,
            }),
            None => Err(DatasetError::Invalid(format!(
                "no store location: pass --repo or set ${HOME_ENV} (this platform has no data directory)"
            ))),
        }
    }
}

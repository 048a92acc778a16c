//! What callers hand the store: names and references ([`ToName`],
//! [`ToRef`]), a version to save ([`NewVersion`], [`BodyInput`],
//! [`ExpectedHead`]), what to remove ([`RemoveVersions`]) and how to open
//! it ([`StoreOptions`]).

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::body::{Format, ImportOptions};
use crate::error::{DatasetError, Result};
use crate::model::{Body, DatasetName, Meta, Provenance, Transform, VersionId};
use crate::refs::DatasetRef;

/// Options for opening a store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// How long a save waits for another writer before failing with
    /// [`DatasetError::Busy`] (default 2 s).
    pub busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            busy_timeout: Duration::from_secs(2),
        }
    }
}

/// Anything that names a dataset: `&str` (`peer/name`), [`DatasetName`],
/// or a [`DatasetRef`] (its version part is ignored).
pub trait ToName {
    /// The dataset name.
    fn to_name(&self) -> Result<DatasetName>;
}

impl ToName for str {
    fn to_name(&self) -> Result<DatasetName> {
        if self.contains('@') {
            return Err(DatasetError::BadName {
                name: self.to_string(),
                reason: "expected a dataset name without a version (@...)".into(),
            });
        }
        self.parse()
    }
}
impl ToName for String {
    fn to_name(&self) -> Result<DatasetName> {
        self.as_str().to_name()
    }
}
impl ToName for DatasetName {
    fn to_name(&self) -> Result<DatasetName> {
        Ok(self.clone())
    }
}
impl ToName for DatasetRef {
    fn to_name(&self) -> Result<DatasetName> {
        Ok(self.name.clone())
    }
}

/// Anything that refers to a version: `&str` (`peer/name[@prefix|@~N]`),
/// [`DatasetRef`], or [`DatasetName`] (its head).
pub trait ToRef {
    /// The reference.
    fn to_ref(&self) -> Result<DatasetRef>;
}

impl ToRef for str {
    fn to_ref(&self) -> Result<DatasetRef> {
        DatasetRef::parse(self)
    }
}
impl ToRef for String {
    fn to_ref(&self) -> Result<DatasetRef> {
        DatasetRef::parse(self)
    }
}
impl ToRef for DatasetRef {
    fn to_ref(&self) -> Result<DatasetRef> {
        Ok(self.clone())
    }
}
impl ToRef for DatasetName {
    fn to_ref(&self) -> Result<DatasetRef> {
        Ok(DatasetRef::head(self.clone()))
    }
}

/// Where the body of a new version comes from.
#[derive(Debug, Clone)]
pub enum BodyInput {
    /// Arrow record batches in memory.
    Arrow(Body),
    /// A file to import (CSV is parsed and encoded in one streamed pass).
    File {
        /// The file.
        path: PathBuf,
        /// Its format.
        format: Format,
        /// How to read it.
        options: ImportOptions,
    },
    /// Keep the parent's body (for a change to other components only).
    Parent,
}

/// What the head must be for a save to go ahead (compare-and-swap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExpectedHead {
    /// Save on top of whatever the head is when the save takes the write
    /// lock (a writer that got there first just becomes the parent).
    #[default]
    Any,
    /// The dataset must not exist yet.
    New,
    /// The head must be this version.
    Version(VersionId),
}

impl ExpectedHead {
    /// `None` → [`ExpectedHead::New`], `Some(id)` → [`ExpectedHead::Version`].
    pub fn from_parent(parent: Option<VersionId>) -> Self {
        match parent {
            None => ExpectedHead::New,
            Some(id) => ExpectedHead::Version(id),
        }
    }
}

/// A version to save.
#[derive(Debug, Clone)]
pub struct NewVersion {
    /// The body.
    pub body: BodyInput,
    /// Commit title.
    pub title: String,
    /// Commit message.
    pub message: String,
    /// Commit author.
    pub author: String,
    /// Commit time; `None` means now.
    pub timestamp: Option<DateTime<Utc>>,
    /// Metadata (`None`: inherit the parent's when `inherit` is set).
    pub meta: Option<Meta>,
    /// Transform (`None`: inherit the parent's when `inherit` is set).
    pub transform: Option<Transform>,
    /// Readme (`None`: inherit the parent's when `inherit` is set).
    pub readme: Option<String>,
    /// Provenance of this run (never inherited).
    pub provenance: Option<Provenance>,
    /// Take meta, transform and readme from the parent when not given (default true).
    pub inherit: bool,
    /// Compare-and-swap condition on the head (default [`ExpectedHead::Any`]).
    pub expected_head: ExpectedHead,
    /// What the run printed, kept with its run record (not part of the
    /// version's content; recorded only when `provenance.run_id` is set).
    pub run_output: Option<String>,
}

impl NewVersion {
    /// A version with `body` and commit `title`; everything else default.
    pub fn new(body: BodyInput, title: impl Into<String>) -> Self {
        NewVersion {
            body,
            title: title.into(),
            message: String::new(),
            author: String::new(),
            timestamp: None,
            meta: None,
            transform: None,
            readme: None,
            provenance: None,
            inherit: true,
            expected_head: ExpectedHead::Any,
            run_output: None,
        }
    }

    /// A version whose body is in memory.
    pub fn from_body(body: Body, title: impl Into<String>) -> Self {
        Self::new(BodyInput::Arrow(body), title)
    }
}

/// Which versions [`Store::remove`](super::Store::remove) drops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoveVersions {
    /// The latest N (all of them, and the dataset, when N ≥ the count).
    Latest(u64),
    /// Every version and the dataset itself.
    All,
}

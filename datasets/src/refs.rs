//! Dataset references: `peer/name`, `peer/name@<id prefix>`, `peer/name@~N`.

use std::fmt;
use std::str::FromStr;

use crate::error::{DatasetError, Result};
use crate::model::{DatasetName, VersionId};

/// Which version of a dataset a reference points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSpec {
    /// The latest version (no `@`).
    Head,
    /// A version whose hex id starts with this (lowercase) prefix.
    Prefix(String),
    /// `@~N`: N versions before the head (`@~0` is the head).
    Back(u64),
}

/// A parsed reference to one version of a dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetRef {
    /// The dataset.
    pub name: DatasetName,
    /// The version.
    pub version: VersionSpec,
}

impl DatasetRef {
    /// A reference to the head of `name`.
    pub fn head(name: DatasetName) -> Self {
        DatasetRef {
            name,
            version: VersionSpec::Head,
        }
    }

    /// A reference to an exact version of `name`.
    pub fn at(name: DatasetName, id: VersionId) -> Self {
        DatasetRef {
            name,
            version: VersionSpec::Prefix(id.to_hex()),
        }
    }

    /// Parse `peer/name`, `peer/name@<hex prefix>` or `peer/name@~N`.
    pub fn parse(s: &str) -> Result<Self> {
        let bad = |reason: &str| DatasetError::BadRef {
            reference: s.to_string(),
            reason: reason.to_string(),
        };
        let (name_part, version) = match s.split_once('@') {
            None => (s, VersionSpec::Head),
            Some((n, v)) => {
                let version = if let Some(back) = v.strip_prefix('~') {
                    if back.is_empty() || !back.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(bad(
                            "after '@~' expected a number of versions back, as in @~2",
                        ));
                    }
                    VersionSpec::Back(
                        back.parse()
                            .map_err(|_| bad("the number after '@~' is too large"))?,
                    )
                } else {
                    if v.is_empty() {
                        return Err(bad(
                            "empty version after '@'; expected a hex id prefix or ~N",
                        ));
                    }
                    if v.len() > 64 {
                        return Err(bad("the version id is longer than 64 hex digits"));
                    }
                    if !v.bytes().all(|b| b.is_ascii_hexdigit()) {
                        return Err(bad("the version must be a hex id prefix (0-9, a-f) or ~N"));
                    }
                    VersionSpec::Prefix(v.to_ascii_lowercase())
                };
                (n, version)
            }
        };
        let name = name_part.parse::<DatasetName>().map_err(|e| match e {
            DatasetError::BadName { reason, .. } => bad(&reason),
            other => other,
        })?;
        Ok(DatasetRef { name, version })
    }
}

impl FromStr for DatasetRef {
    type Err = DatasetError;
    fn from_str(s: &str) -> Result<Self> {
        DatasetRef::parse(s)
    }
}

impl From<DatasetName> for DatasetRef {
    fn from(name: DatasetName) -> Self {
        DatasetRef::head(name)
    }
}

impl fmt::Display for DatasetRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.version {
            VersionSpec::Head => write!(f, "{}", self.name),
            VersionSpec::Prefix(p) => write!(f, "{}@{}", self.name, p),
            VersionSpec::Back(n) => write!(f, "{}@~{}", self.name, n),
        }
    }
}

//! Errors at the crate boundary (host-facing). Errors a Starlark program sees
//! are [`engine::EvalError`]s with messages naming the function at fault.

use thiserror::Error;

/// A host-level starlib failure.
#[derive(Debug, Error)]
pub enum StarlibError {
    /// No shipped release matches the requested semver requirement.
    #[error("no shipped starlib release matches {requirement}: shipped releases are {shipped}")]
    NoMatchingRelease {
        /// The requirement as written.
        requirement: String,
        /// The shipped versions, comma-separated.
        shipped: String,
    },
    /// A version requirement that does not parse.
    #[error("invalid starlib version requirement {requirement:?}: {message}")]
    BadRequirement {
        /// The requirement as written.
        requirement: String,
        /// Why it does not parse.
        message: String,
    },
    /// The HTTP client could not be built from the host configuration.
    #[error("starlib http client: {0}")]
    HttpClient(String),
    /// Data handed over by the host could not be converted.
    #[error("starlib: {0}")]
    Data(String),
}

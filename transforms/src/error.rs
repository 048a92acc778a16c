//! Why a run failed: [`TransformError`]. Nothing is committed after any of these.

use std::time::Duration;

/// Why a run failed. Nothing is committed after any of these.
#[derive(Debug, thiserror::Error)]
pub enum TransformError {
    /// The script failed to parse, resolve or run (secret values redacted).
    /// The engine error carries positions and the backtrace for rendering.
    #[error("{0}")]
    Script(engine::Error),
    /// The run exceeded its time limit: it was cancelled, or it finished
    /// after the deadline. Either way its result is discarded.
    #[error("transform timed out after {timeout:?}")]
    Timeout {
        /// The limit that was exceeded.
        timeout: Duration,
        /// The engine's cancellation error with the backtrace at that point
        /// (`None`: the script finished, but too late).
        error: Option<engine::Error>,
    },
    /// The run was cancelled by its caller; its result is discarded.
    #[error("transform was cancelled")]
    Cancelled {
        /// The engine's cancellation error with the backtrace, if the
        /// script was still running.
        error: Option<engine::Error>,
    },
    /// The script broke the transform contract (wrong `transform` type or
    /// return value); the message starts with `path:line:col:` of `def
    /// transform` (or the path alone).
    #[error("{0}")]
    Contract(String),
    /// The result could not be turned into a version (e.g. meta that is not JSON).
    #[error("invalid result: {0}")]
    Result(String),
}

impl TransformError {
    /// The engine error behind a script failure or timeout, for rendering
    /// `file:line:col`, a caret and the backtrace.
    pub fn engine_error(&self) -> Option<&engine::Error> {
        match self {
            TransformError::Script(e) => Some(e),
            TransformError::Timeout { error, .. } | TransformError::Cancelled { error } => {
                error.as_ref()
            }
            _ => None,
        }
    }
}

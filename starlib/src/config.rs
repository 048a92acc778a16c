//! What the host configures for a run: HTTP limits and retries, the request
//! guard, the download-progress hook, the random seed, the clock and the
//! run's deadline.

use std::sync::Arc;
use std::time::{Duration, Instant};

/// A download-progress report, sent as a response body is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// The requested URL.
    pub url: String,
    /// Bytes of the body read so far.
    pub bytes: u64,
    /// The body's length, when the server announced it.
    pub total: Option<u64>,
    /// True on the last report for this response.
    pub done: bool,
}

/// The hook through which the host shows download progress.
pub type ProgressHook = Arc<dyn Fn(&Progress) + Send + Sync>;

pub use engine::library::time::Clock;

/// Opt-in retries with exponential backoff. A request is retried after a
/// connection failure, a timeout, or a 429/502/503/504 response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0: no retries).
    pub max_retries: u32,
    /// Wait before the first retry; doubled for each further one.
    pub initial_backoff: Duration,
    /// Upper bound of a single wait.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_retries: 0,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
        }
    }
}

/// HTTP client settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpConfig {
    /// Whole-request timeout: one deadline for connecting, sending, the
    /// response headers and reading the whole body (a server trickling bytes
    /// cannot stretch it). Default 30 s.
    pub timeout: Duration,
    /// Connection timeout. Default 10 s.
    pub connect_timeout: Duration,
    /// Redirects followed before failing. Default 10.
    pub max_redirects: usize,
    /// Largest response body accepted, in bytes. Default 256 MiB.
    pub max_response_bytes: u64,
    /// Retry policy (default: none).
    pub retry: RetryPolicy,
    /// The User-Agent header sent with every request.
    pub user_agent: String,
}

impl Default for HttpConfig {
    fn default() -> HttpConfig {
        HttpConfig {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_redirects: 10,
            max_response_bytes: 256 << 20,
            retry: RetryPolicy::default(),
            user_agent: format!("quarry-starlib/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// Which hosts a transform may reach. Checked before a request (and each
/// redirect) is sent; a refused request fails with an error naming the rule.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Guard {
    /// If non-empty, only these hosts may be requested. An entry matches the
    /// host exactly, or any subdomain when written `*.example.com`.
    pub allow_hosts: Vec<String>,
    /// Hosts never requested (same matching as `allow_hosts`); wins over allow.
    pub deny_hosts: Vec<String>,
    /// Allow loopback, private, link-local and every other special-purpose
    /// address (off by default; tests turn it on to reach 127.0.0.1).
    pub allow_private: bool,
}

impl Guard {
    /// A guard for tests: every host, including loopback.
    pub fn permissive() -> Guard {
        Guard {
            allow_private: true,
            ..Guard::default()
        }
    }
}

/// Everything the host sets for the modules of one run.
#[derive(Clone, Default)]
pub struct HostConfig {
    /// HTTP limits and retries.
    pub http: HttpConfig,
    /// The request guard.
    pub guard: Guard,
    /// Download progress hook.
    pub progress: Option<ProgressHook>,
    /// Seed of the `rand` module; `None` picks one at random (read it back
    /// with [`crate::rand::seed_used`] to repeat the run).
    pub rand_seed: Option<u64>,
    /// Replacement for the wall clock behind `time.now()`.
    pub clock: Option<Clock>,
    /// When the run must end: every HTTP request gets the smaller of
    /// `http.timeout` and the time left until then.
    pub deadline: Option<Instant>,
}

/// The time one HTTP request may take, and why it is that long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestBudget {
    /// The whole request's time limit.
    pub limit: Duration,
    /// True when the run's deadline, not the http timeout, set the limit.
    pub by_run: bool,
}

impl HostConfig {
    /// The budget of a request starting now: the http timeout, or the time
    /// left in the run when that is shorter (zero once the run is late).
    pub fn request_budget(&self) -> RequestBudget {
        let own = self.http.timeout;
        match self
            .deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
        {
            Some(left) if left < own => RequestBudget {
                limit: left,
                by_run: true,
            },
            _ => RequestBudget {
                limit: own,
                by_run: false,
            },
        }
    }
}

impl std::fmt::Debug for HostConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostConfig")
            .field("http", &self.http)
            .field("guard", &self.guard)
            .field("progress", &self.progress.is_some())
            .field("rand_seed", &self.rand_seed)
            .field("clock", &self.clock.is_some())
            .field("deadline", &self.deadline)
            .finish()
    }
}

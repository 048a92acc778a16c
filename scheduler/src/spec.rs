//! What a schedule stores: the script, its timing, and the options each
//! refresh runs with. The store keeps it as opaque JSON; this module owns
//! its shape.

use crate::timing::Timing;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Everything a refresh needs besides the store and the dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleSpec {
    /// The transform script (absolute path; the file is read at each run).
    pub script: PathBuf,
    /// The script's BLAKE3 hash when the schedule was added or last ran.
    pub script_hash: String,
    /// When it runs.
    pub timing: Timing,
    /// Options passed to each run.
    #[serde(default)]
    pub run: RunSpec,
    /// Retries after a failed run, with exponential backoff.
    #[serde(default = "default_retries")]
    pub max_retries: u32,
    /// Delay before the first retry (ms); doubled for each further one.
    #[serde(default = "default_backoff")]
    pub retry_backoff_ms: u64,
    /// Failed runs in a row after which the schedule is flagged.
    #[serde(default = "default_alert_after")]
    pub alert_after_failures: u32,
    /// A command run with the run's JSON on standard input on a failure and
    /// on the recovery after one.
    #[serde(default)]
    pub notify_command: Option<String>,
    /// A URL the run's JSON is POSTed to on a failure and on the recovery.
    #[serde(default)]
    pub notify_url: Option<String>,
}

fn default_retries() -> u32 {
    3
}

fn default_backoff() -> u64 {
    30_000
}

fn default_alert_after() -> u32 {
    3
}

/// The run options of each refresh, as `quarry save` takes them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSpec {
    /// `--config KEY=VALUE` pairs.
    #[serde(default)]
    pub config: Vec<(String, String)>,
    /// `--config-file`.
    #[serde(default)]
    pub config_file: Option<PathBuf>,
    /// `--secrets-file` (read at each run; its values are never stored).
    #[serde(default)]
    pub secrets_file: Option<PathBuf>,
    /// `--secret NAME`: names of environment variables of the scheduler
    /// read at each run (values are never stored).
    #[serde(default)]
    pub secret_env: Vec<String>,
    /// `--timeout` in milliseconds (0: none).
    pub timeout_ms: u64,
    /// `--memory-limit` in bytes (0: none).
    pub memory_limit: u64,
    /// `--max-steps` (0: none).
    pub max_steps: u64,
    /// `--allow-private-network`.
    #[serde(default)]
    pub allow_private_network: bool,
    /// `--allow-host`.
    #[serde(default)]
    pub allow_hosts: Vec<String>,
}

impl RunSpec {
    /// The `quarry save` arguments that carry these options.
    pub fn save_args(&self) -> Vec<String> {
        let mut a = vec![
            "--timeout".to_string(),
            format!("{}ms", self.timeout_ms),
            "--memory-limit".to_string(),
            self.memory_limit.to_string(),
            "--max-steps".to_string(),
            self.max_steps.to_string(),
        ];
        for (k, v) in &self.config {
            a.push("--config".into());
            a.push(format!("{k}={v}"));
        }
        if let Some(f) = &self.config_file {
            a.push("--config-file".into());
            a.push(f.display().to_string());
        }
        if let Some(f) = &self.secrets_file {
            a.push("--secrets-file".into());
            a.push(f.display().to_string());
        }
        for name in &self.secret_env {
            a.push("--secret".into());
            a.push(name.clone());
        }
        if self.allow_private_network {
            a.push("--allow-private-network".into());
        }
        for h in &self.allow_hosts {
            a.push("--allow-host".into());
            a.push(h.clone());
        }
        a
    }
}

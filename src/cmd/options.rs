//! The options of a transform run on the command line ([`RunArgs`], shared
//! by `apply` and `save`) and their conversion to the library's
//! [`transforms::RunOptions`].

use super::progress;
use anyhow::Result;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;
use transforms::{Limits, RunOptions, SettingSources};

/// Options of a transform run, shared by `apply` and `save`.
#[derive(clap::Args, Debug, Clone)]
pub struct RunArgs {
    /// A value for `config.get`: KEY=VALUE, where VALUE is read as JSON when
    /// it parses (`5`, `true`, `[1,2]`) and as a string otherwise. Repeatable;
    /// wins over --config-file.
    #[arg(long = "config", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub config: Vec<(String, String)>,
    /// A JSON object (or, for a .toml file, a TOML table) of config values.
    #[arg(long, value_name = "FILE")]
    pub config_file: Option<PathBuf>,
    /// A secret for `secrets.get`: KEY=VALUE, or KEY alone to take the value
    /// of the environment variable KEY. Secrets are never stored, logged or
    /// shown. Repeatable; wins over --secrets-file.
    #[arg(long = "secret", value_name = "KEY[=VALUE]")]
    pub secrets: Vec<String>,
    /// A JSON object (or .toml table) of secret strings.
    #[arg(long, value_name = "FILE")]
    pub secrets_file: Option<PathBuf>,
    /// Wall-clock limit of the run: 90s, 5m, 1h30m (0: none).
    #[arg(long, default_value = "10m", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Limit of execution steps, counting loop iterations and calls (0: none).
    #[arg(long, default_value_t = 1_000_000_000)]
    pub max_steps: u64,
    /// Allocation budget of the script's values: 512MiB, 4GiB, 100MB (0: none).
    #[arg(long, default_value = "4GiB", value_parser = parse_size)]
    pub memory_limit: u64,
    /// Let `http` reach loopback and private-network addresses (refused by default).
    #[arg(long)]
    pub allow_private_network: bool,
    /// Restrict `http` to these hosts (`*.example.com` matches subdomains). Repeatable.
    #[arg(long = "allow-host", value_name = "HOST")]
    pub allow_hosts: Vec<String>,
    /// Seed of the `rand` module, to repeat a run exactly.
    #[arg(long)]
    pub seed: Option<u64>,
}

/// Parses `KEY=VALUE`.
pub fn parse_key_value(s: &str) -> std::result::Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("{s:?}: expected KEY=VALUE")),
    }
}

/// Parses `90s`, `5m`, `1h30m`, `250ms` (humantime's units) or a bare
/// number of seconds.
pub fn parse_duration(s: &str) -> std::result::Result<Duration, String> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    humantime::parse_duration(s).map_err(|e| format!("{s:?}: {e} (write e.g. 90s, 5m, 1h30m)"))
}

/// Parses `4GiB`, `512MiB`, `100MB`, `64k` or a bare number of bytes.
pub fn parse_size(s: &str) -> std::result::Result<u64, String> {
    s.trim()
        .parse::<bytesize::ByteSize>()
        .map(|b| b.as_u64())
        .map_err(|_| format!("{s:?}: expected a size such as 512MiB, 100MB or 4GiB"))
}

impl RunArgs {
    /// Where config and secrets come from.
    pub fn sources(&self) -> SettingSources {
        SettingSources {
            config_file: self.config_file.clone(),
            config: self.config.clone(),
            secrets_file: self.secrets_file.clone(),
            secrets: self.secrets.clone(),
        }
    }

    /// The library's run options; with `echo`, printed lines go to standard
    /// output as they happen. Warns about secrets short enough to hide
    /// ordinary text.
    pub fn options(&self, echo: bool) -> Result<RunOptions> {
        let sources = self.sources();
        let secrets = sources.secrets()?;
        for (k, v) in &secrets {
            if v.chars().count() < transforms::settings::SHORT_SECRET {
                eprintln!("warning: secret {k} is shorter than {} characters; every occurrence of it in output and results will be shown as [redacted]", transforms::settings::SHORT_SECRET);
            }
        }
        Ok(RunOptions {
            config: sources.config()?,
            secrets,
            hidden_files: self.secrets_file.iter().cloned().collect(),
            limits: Limits {
                max_steps: (self.max_steps > 0).then_some(self.max_steps),
                memory: (self.memory_limit > 0)
                    .then(|| usize::try_from(self.memory_limit).unwrap_or(usize::MAX)),
                timeout: (!self.timeout.is_zero()).then_some(self.timeout),
            },
            host: starlib::HostConfig {
                guard: starlib::Guard {
                    allow_hosts: self.allow_hosts.clone(),
                    deny_hosts: Vec::new(),
                    allow_private: self.allow_private_network,
                },
                progress: progress::download_hook(),
                rand_seed: self.seed,
                ..Default::default()
            },
            on_print: echo.then(|| -> transforms::PrintHook {
                Box::new(|line: &str| {
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(out, "{line}");
                })
            }),
            cancel: None,
            run_id: None,
            on_cell: None,
            memory: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes_parse() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("7"), Ok(Duration::from_secs(7)));
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("99999999999999999999h").is_err());
        assert!(parse_duration("10000000000000000000s10000000000000000000s").is_err());
        assert_eq!(parse_size("4GiB"), Ok(4 << 30));
        assert_eq!(parse_size("100MB"), Ok(100_000_000));
        assert_eq!(parse_size("0"), Ok(0));
        assert!(parse_size("lots").is_err());
    }
}

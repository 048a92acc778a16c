//! `quarry apply transform.star [peer/name]`: a dry run. Runs the transform
//! against the dataset's latest version (or an empty dataset), shows what it
//! printed, a preview of the result and a diff summary. Commits nothing.
//!
//! Also home to what `apply` and `save` share: the run options
//! ([`RunArgs`]), running a transform file ([`run_file`]) and rendering a
//! preview ([`show_preview`]).

use super::{progress, Context};
use anyhow::{anyhow, bail, Context as _, Result};
use datasets::{Body, Dataset, DatasetError, Store};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use transforms::lockfile::Selection;
use transforms::preview::{preview, Baseline, Preview};
use transforms::{Input, Limits, RunOutcome, RunRequest, TransformError};

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

/// `quarry apply`'s arguments.
#[derive(clap::Args, Debug)]
pub struct ApplyArgs {
    /// The transform script.
    pub file: PathBuf,
    /// The dataset the transform updates (`peer/name`; `@version` to start
    /// from an older version). Without it, the transform starts from an
    /// empty dataset.
    pub dataset: Option<String>,
    /// Rows shown in the preview.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Key column(s) matching rows in the diff summary (default: by position).
    #[arg(long = "key", value_name = "COL")]
    pub key: Vec<String>,
    #[command(flatten)]
    pub run: RunArgs,
}

/// Parses `KEY=VALUE`.
pub fn parse_key_value(s: &str) -> std::result::Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("{s:?}: expected KEY=VALUE")),
    }
}

/// Parses `90s`, `5m`, `1h30m`, `250ms` or a bare number of seconds.
pub fn parse_duration(s: &str) -> std::result::Result<Duration, String> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    if rest.is_empty() {
        return Err("empty duration".into());
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .ok_or_else(|| format!("{s:?}: missing unit (ms, s, m, h)"))?;
        let (num, tail) = rest.split_at(digits);
        let n: f64 = num
            .parse()
            .map_err(|_| format!("{s:?}: expected a number before the unit"))?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(tail.len());
        let (unit, next) = tail.split_at(unit_len);
        let secs = match unit {
            "ms" => n / 1000.0,
            "s" => n,
            "m" => n * 60.0,
            "h" => n * 3600.0,
            _ => return Err(format!("{s:?}: unknown unit {unit:?} (use ms, s, m or h)")),
        };
        total = Duration::try_from_secs_f64(secs)
            .ok()
            .and_then(|d| total.checked_add(d))
            .ok_or_else(|| format!("{s:?}: too long a duration"))?;
        rest = next;
    }
    Ok(total)
}

/// Parses `4GiB`, `512MiB`, `100MB`, `64k` or a bare number of bytes.
pub fn parse_size(s: &str) -> std::result::Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?}: expected a size such as 512MiB or 4GiB"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "kib" => 1024.0,
        "m" | "mb" => 1e6,
        "mib" => 1024.0 * 1024.0,
        "g" | "gb" => 1e9,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(format!(
                "{s:?}: unknown unit {other:?} (use B, KB, KiB, MB, MiB, GB or GiB)"
            ))
        }
    };
    Ok((n * mult) as u64)
}

/// Reads a JSON object, or a TOML table when the file ends in `.toml`.
fn read_settings_file(path: &Path) -> Result<BTreeMap<String, serde_json::Value>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let value: serde_json::Value = if path.extension().is_some_and(|e| e == "toml") {
        let t: toml::Table = toml::from_str(&text)
            .map_err(|e| anyhow!("{}: invalid TOML: {}", path.display(), e.message()))?;
        serde_json::to_value(t)?
    } else {
        serde_json::from_str(&text).map_err(|e| {
            anyhow!(
                "{}:{}:{}: invalid JSON: {e}",
                path.display(),
                e.line(),
                e.column()
            )
        })?
    };
    match value {
        serde_json::Value::Object(m) => Ok(m.into_iter().collect()),
        _ => bail!("{}: expected an object of KEY: VALUE", path.display()),
    }
}

impl RunArgs {
    /// The config values: the file's, then each --config over them.
    pub fn config(&self) -> Result<BTreeMap<String, serde_json::Value>> {
        let mut out = match &self.config_file {
            Some(p) => read_settings_file(p)?,
            None => BTreeMap::new(),
        };
        for (k, v) in &self.config {
            let value = serde_json::from_str(v)
                .unwrap_or_else(|_| serde_json::Value::String(v.to_string()));
            out.insert(k.to_string(), value);
        }
        Ok(out)
    }

    /// The secrets: the file's, then each --secret over them.
    pub fn secrets(&self) -> Result<BTreeMap<String, String>> {
        let mut out = BTreeMap::new();
        if let Some(p) = &self.secrets_file {
            for (k, v) in read_settings_file(p)? {
                let s = match v {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                out.insert(k, s);
            }
        }
        for kv in &self.secrets {
            match kv.split_once('=') {
                Some((k, v)) => out.insert(k.to_string(), v.to_string()),
                None => {
                    let v = std::env::var(kv).map_err(|_| {
                        anyhow!("--secret {kv}: the environment variable {kv} is not set; pass --secret {kv}=VALUE or set it")
                    })?;
                    out.insert(kv.clone(), v)
                }
            };
        }
        for (k, v) in &out {
            if v.chars().count() < 4 {
                eprintln!("warning: secret {k} is shorter than 4 characters; every occurrence of it in output and results will be shown as [redacted]");
            }
        }
        Ok(out)
    }

    fn limits(&self) -> Limits {
        Limits {
            max_steps: (self.max_steps > 0).then_some(self.max_steps),
            memory: (self.memory_limit > 0)
                .then(|| usize::try_from(self.memory_limit).unwrap_or(usize::MAX)),
            timeout: (!self.timeout.is_zero()).then_some(self.timeout),
        }
    }

    fn host(&self) -> starlib::HostConfig {
        starlib::HostConfig {
            guard: starlib::Guard {
                allow_hosts: self.allow_hosts.clone(),
                deny_hosts: Vec::new(),
                allow_private: self.allow_private_network,
            },
            progress: progress::download_hook(),
            rand_seed: self.seed,
            ..Default::default()
        }
    }
}

/// The version a run starts from.
pub struct Base {
    /// The version.
    pub version: Dataset,
    /// Its body.
    pub body: Body,
}

/// A finished run and what it started from.
pub struct Ran {
    /// The result.
    pub outcome: RunOutcome,
    /// The version the run started from (`None`: a new dataset).
    pub base: Option<Base>,
}

/// Reads the version `reference` points at; `None` when the dataset does not exist.
pub fn read_base(store: &Store, reference: &str) -> Result<Option<Base>> {
    match store.get(reference) {
        Ok(version) => {
            let at = datasets::DatasetRef::at(version.name.clone(), version.id);
            let body = store.body(&at)?;
            Ok(Some(Base { version, body }))
        }
        // A new dataset starts empty; a version of a missing one is an error.
        Err(DatasetError::NotFound { .. }) if !reference.contains('@') => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A transform script and the release it runs with.
pub struct Script {
    /// Its path.
    pub file: PathBuf,
    /// Its text.
    pub text: String,
    /// The release chosen for it (pinned in versions.lock, or the newest).
    pub selection: Selection,
}

impl Script {
    /// Reads `file` and selects its release; prints a warning when the
    /// script changed since it was locked, and with `announce`, which
    /// release runs it.
    pub fn load(file: &Path, announce: bool) -> Result<Script> {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let selection = transforms::lockfile::select_release(file, text.as_bytes())?;
        if let Some(w) = &selection.warning {
            eprintln!("warning: {w}");
        }
        let script = Script {
            file: file.to_path_buf(),
            text,
            selection,
        };
        if announce {
            println!(
                "running {} with starlib {}",
                file.display(),
                script.describe_release()
            );
        }
        Ok(script)
    }

    /// "2.0.0 (newest; not locked)" or "1.0.0 (pinned in /x/versions.lock)".
    pub fn describe_release(&self) -> String {
        match &self.selection.lock {
            Some(l) => format!(
                "{} (pinned in {})",
                self.selection.release.version,
                l.display()
            ),
            None => format!("{} (newest; not locked)", self.selection.release.version),
        }
    }
}

/// Runs `script` against `base`. Printed lines go to standard output as
/// they happen when `echo` is set. A failed run becomes an error rendered
/// with file:line:col, a caret and the backtrace.
pub fn run_file(
    script: Script,
    base: Option<Base>,
    store: Option<Arc<Store>>,
    args: &RunArgs,
    echo: bool,
) -> Result<Ran> {
    let Script {
        file,
        text: script,
        selection,
    } = script;
    let file = file.as_path();
    let path = file.display().to_string();
    let mut req = RunRequest::new(path.clone(), script.clone(), selection.release);
    req.input = base
        .as_ref()
        .map(|b| Input::from_version(&b.version, b.body.clone()));
    req.config = args.config()?;
    req.secrets = args.secrets()?;
    req.hidden_files.extend(args.secrets_file.iter().cloned());
    req.limits = args.limits();
    req.host = args.host();
    req.store = store;
    req.dir = Some(
        file.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from(".")),
    );
    if echo {
        req.on_print = Some(Box::new(|line: &str| {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
        }));
    }
    match transforms::run(req) {
        Ok(outcome) => Ok(Ran { outcome, base }),
        Err(e) => Err(anyhow!(render_failure(&e, &path, &script))),
    }
}

/// The text of a failed run: the engine error with its position, caret and
/// backtrace, or the contract violation with the script's path.
fn render_failure(e: &TransformError, path: &str, script: &str) -> String {
    let source = |p: &str| (p == path).then(|| script.to_string());
    let text = match e {
        TransformError::Timeout { timeout, error } => format!(
            "transform timed out after {timeout:?} (raise --timeout)\n{}",
            super::render_error(error, &source)
        ),
        TransformError::Script(error) => super::render_error(error, &source),
        TransformError::Contract(m) => m.clone(),
        TransformError::Result(m) => format!("{path}: invalid result: {m}"),
    };
    format!("{}\nnothing was committed", text.trim_end())
}

/// The preview of a run's result against the version it started from.
pub fn preview_of(ran: &Ran, limit: usize, key: &[String]) -> Result<Preview> {
    let baseline = ran.base.as_ref().map(|b| Baseline {
        id: b.version.id,
        body: &b.body,
        meta: b.version.meta.as_ref(),
    });
    Ok(preview(
        &ran.outcome.body,
        ran.outcome.meta.as_ref(),
        baseline,
        limit,
        key,
    )?)
}

/// Renders a preview for a terminal.
pub fn show_preview(p: &Preview, target: Option<&str>) -> String {
    let mut out = String::new();
    out.push_str(&format!("{} columns, {} rows\n", p.columns.len(), p.rows));
    if !p.columns.is_empty() {
        out.push_str(&indent(&crate::render::schema(
            p.columns
                .iter()
                .map(|c| (c.name.as_str(), c.type_name.as_str(), c.nullable)),
        )));
        out.push('\n');
        let header: Vec<&str> = p.columns.iter().map(|c| c.name.as_str()).collect();
        if p.head.len() as u64 == p.rows {
            out.push_str(&format!("rows ({}):\n", p.rows));
        } else {
            out.push_str(&format!("first {} of {} rows:\n", p.head.len(), p.rows));
        }
        out.push_str(&indent(&crate::render::table(&header, &p.head)));
    }
    out.push('\n');
    match (&p.against, target) {
        (None, _) => {
            out.push_str(&format!("new dataset: all {} rows are new\n", p.rows));
            return out;
        }
        (Some(id), Some(t)) => out.push_str(&format!(
            "against {}@{}: ",
            t.split('@').next().unwrap_or(t),
            crate::render::short_id(id)
        )),
        (Some(id), None) => out.push_str(&format!("against {}: ", crate::render::short_id(id))),
    }
    out.push_str(&diff_line(&p.body));
    out.push('\n');
    out.push_str(&structure_lines(&p.structure));
    if !p.meta.is_empty() {
        let fields: Vec<&str> = p.meta.iter().map(|c| c.field.as_str()).collect();
        out.push_str(&format!("  meta changed: {}\n", fields.join(", ")));
    }
    out
}

/// `+3 added, -1 removed, ~2 changed, 10 unchanged rows`.
pub fn diff_line(b: &datasets::BodyDiff) -> String {
    if b.is_empty() {
        return format!("no row changes ({} rows unchanged)", b.unchanged);
    }
    format!(
        "+{} added, -{} removed, ~{} changed, {} unchanged rows",
        b.added, b.removed, b.changed, b.unchanged
    )
}

/// One line per kind of column change.
pub fn structure_lines(s: &datasets::StructureDiff) -> String {
    let mut out = String::new();
    if !s.columns_added.is_empty() {
        let names: Vec<String> = s
            .columns_added
            .iter()
            .map(|c| format!("{} ({})", c.name, c.data_type))
            .collect();
        out.push_str(&format!("  columns added: {}\n", names.join(", ")));
    }
    if !s.columns_removed.is_empty() {
        let names: Vec<&str> = s.columns_removed.iter().map(|c| c.name.as_str()).collect();
        out.push_str(&format!("  columns removed: {}\n", names.join(", ")));
    }
    for r in &s.columns_retyped {
        out.push_str(&format!(
            "  column {} retyped: {} -> {}\n",
            r.name, r.from, r.to
        ));
    }
    out
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

/// Opens the store for a run that names no dataset, if one exists already
/// (so `load_dataset` works without creating an empty store).
pub fn existing_store(ctx: &Context) -> Option<Arc<Store>> {
    let loc = datasets::StoreLocation::resolve(ctx.repo.as_deref()).ok()?;
    if !loc.path.join(datasets::store::DB_FILE).is_file() {
        return None;
    }
    Store::open_location(&loc).ok().map(Arc::new)
}

/// Runs the dry run and prints output and preview (or JSON).
pub fn dry_run(
    ctx: &Context,
    file: &Path,
    dataset: Option<&str>,
    limit: usize,
    key: &[String],
    run: &RunArgs,
) -> Result<ExitCode> {
    let (store, base) = match dataset {
        Some(d) => {
            let store = Arc::new(ctx.store()?);
            let base = read_base(&store, d)?;
            (Some(store), base)
        }
        None => (existing_store(ctx), None),
    };
    let script = Script::load(file, !ctx.json)?;
    let ran = run_file(script, base, store, run, !ctx.json)?;
    let p = preview_of(&ran, limit, key)?;
    if ctx.json {
        ctx.print_json(&serde_json::json!({
            "dataset": dataset,
            "starlib": ran.outcome.starlib_version,
            "had_transform": ran.outcome.had_transform,
            "output": ran.outcome.output,
            "title": ran.outcome.title,
            "message": ran.outcome.message,
            "inputs": ran.outcome.inputs,
            "preview": p,
            "committed": false,
        }))?;
    } else {
        println!();
        print!("{}", show_preview(&p, dataset));
        println!("\ndry run: nothing was committed");
    }
    Ok(ExitCode::SUCCESS)
}

/// `quarry apply`.
pub fn run(ctx: &Context, a: &ApplyArgs) -> Result<ExitCode> {
    dry_run(ctx, &a.file, a.dataset.as_deref(), a.limit, &a.key, &a.run)
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

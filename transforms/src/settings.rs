//! `config` and `secrets`: the read-only settings a run's script sees.

use engine::args::type_error;
use engine::error::{ErrorKind, EvalError, Result};
use engine::values::{Builtin, NativeValue};
use engine::{Args, Thread, Value};
use std::any::Any;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `config` or `secrets`: a read-only map with `.get(key, default=None)`.
pub struct Settings {
    kind: Kind,
    values: BTreeMap<String, Value>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Config,
    Secrets,
}

impl Settings {
    /// The `config` value.
    pub fn config(values: &BTreeMap<String, serde_json::Value>) -> Value {
        Value::native(Settings {
            kind: Kind::Config,
            values: values
                .iter()
                .map(|(k, v)| (k.clone(), crate::convert::json_to_value(v)))
                .collect(),
        })
    }

    /// The `secrets` value.
    pub fn secrets(values: &BTreeMap<String, String>) -> Value {
        Value::native(Settings {
            kind: Kind::Secrets,
            values: values
                .iter()
                .map(|(k, v)| (k.clone(), Value::str(v)))
                .collect(),
        })
    }
}

fn settings_get(_t: &mut Thread, recv: &Value, args: &Args) -> Result<Value> {
    let Some(s) = (match recv {
        Value::Native(n) => n.as_any().downcast_ref::<Settings>(),
        _ => None,
    }) else {
        return Err(EvalError::new("get: not a config value"));
    };
    let fname = match s.kind {
        Kind::Config => "config.get",
        Kind::Secrets => "secrets.get",
    };
    let [key, default] = args.bind(fname, &["key", "default?"])?;
    let key = key.unwrap_or(Value::None);
    let Some(k) = key.as_str().map(|k| k.to_str_lossy().into_owned()) else {
        return Err(type_error(fname, "key", &key, "string"));
    };
    if let Some(v) = s.values.get(&k) {
        return Ok(v.clone());
    }
    match default {
        Some(d) => Ok(d),
        None => Err(EvalError::with_kind(
            ErrorKind::Host,
            match s.kind {
                Kind::Config => {
                    format!("config value {k:?} is not set: pass --config {k}=... or a config file")
                }
                Kind::Secrets => {
                    format!("secret {k:?} is not set: pass --secret {k}=... or a secrets file")
                }
            },
        )),
    }
}

impl NativeValue for Settings {
    fn type_name(&self) -> &str {
        match self.kind {
            Kind::Config => "config",
            Kind::Secrets => "secrets",
        }
    }

    fn repr(&self, out: &mut String) {
        out.push('<');
        out.push_str(self.type_name());
        out.push_str(" keys=[");
        out.push_str(
            &self
                .values
                .keys()
                .map(|k| format!("{k:?}"))
                .collect::<Vec<_>>()
                .join(", "),
        );
        out.push_str("]>");
    }

    fn get_attr(&self, this: &Value, name: &str) -> Result<Option<Value>> {
        Ok(match name {
            "get" => Some(Builtin::method("get", this.clone(), settings_get)),
            _ => None,
        })
    }

    fn attr_names(&self) -> Vec<String> {
        vec!["get".into()]
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Where a run's config and secrets come from, as a command line or a
/// schedule gives them: files first, then single values over them.
#[derive(Debug, Clone, Default)]
pub struct SettingSources {
    /// A JSON object (or, for a `.toml` file, a TOML table) of config values.
    pub config_file: Option<PathBuf>,
    /// `KEY=VALUE` config values; VALUE is read as JSON when it parses
    /// (`5`, `true`, `[1,2]`) and as a string otherwise.
    pub config: Vec<(String, String)>,
    /// A JSON object (or `.toml` table) of secret values.
    pub secrets_file: Option<PathBuf>,
    /// `KEY=VALUE` secrets, or `KEY` alone for the environment variable `KEY`.
    pub secrets: Vec<String>,
}

/// Why settings could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// A settings file could not be read.
    #[error("cannot read {}: {source}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A settings file is not valid JSON or TOML, or not an object.
    #[error("{}{message}", .path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, starting with `:line:col:` when known.
        message: String,
    },
    /// `--secret KEY` names an environment variable that is not set.
    #[error(
        "--secret {0}: the environment variable {0} is not set; pass --secret {0}=VALUE or set it"
    )]
    MissingEnv(String),
}

/// Secrets shorter than this are redacted wherever their text appears,
/// which hides ordinary words too: callers warn about them.
pub const SHORT_SECRET: usize = 4;

impl SettingSources {
    /// The config values: the file's, then each `config` pair over them.
    pub fn config(
        &self,
    ) -> std::result::Result<BTreeMap<String, serde_json::Value>, SettingsError> {
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

    /// The secrets: the file's, then each `secrets` entry over them.
    pub fn secrets(&self) -> std::result::Result<BTreeMap<String, String>, SettingsError> {
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
                    let v = std::env::var(kv).map_err(|_| SettingsError::MissingEnv(kv.clone()))?;
                    out.insert(kv.clone(), v)
                }
            };
        }
        Ok(out)
    }
}

/// Reads a JSON object, or a TOML table when the file ends in `.toml`.
fn read_settings_file(
    path: &Path,
) -> std::result::Result<BTreeMap<String, serde_json::Value>, SettingsError> {
    let text = std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let parse = |message: String| SettingsError::Parse {
        path: path.to_path_buf(),
        message,
    };
    let value: serde_json::Value = if path.extension().is_some_and(|e| e == "toml") {
        let t: toml::Table =
            toml::from_str(&text).map_err(|e| parse(format!(": invalid TOML: {}", e.message())))?;
        serde_json::to_value(t).map_err(|e| parse(format!(": {e}")))?
    } else {
        serde_json::from_str(&text)
            .map_err(|e| parse(format!(":{}:{}: invalid JSON: {e}", e.line(), e.column())))?
    };
    match value {
        serde_json::Value::Object(m) => Ok(m.into_iter().collect()),
        _ => Err(parse(": expected an object of KEY: VALUE".to_string())),
    }
}

//! The release registry: the starlib releases this binary ships, chosen by
//! semver requirement, each with its module names, behaviour and dialect.

use crate::config::HostConfig;
use crate::error::StarlibError;
use engine::error::{EvalError, Result};
use engine::{Dialect, Loader, Members, Thread};
use semver::{Version, VersionReq};
use std::rc::Rc;
use std::sync::OnceLock;

/// The modules starlib implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModuleKind {
    /// `http`: HTTP client.
    Http,
    /// `json`: encode/decode (2.x adds a table reader).
    Json,
    /// `csv`: read/write (2.x adds tables).
    Csv,
    /// `math`: starlark-go's math module.
    Math,
    /// `time`: starlark-go's time module.
    Time,
    /// `rand`: seeded random numbers (2.x).
    Rand,
    /// `table`: Arrow-backed tables (2.x).
    Table,
    /// `dataframe`: Qri's pandas-like DataFrame, Series and Index.
    DataFrame,
    /// `hash`: md5, sha1 and sha256 hex digests (Qri's `hash.star`).
    Hash,
    /// `base64`: encode/decode in four alphabets (Qri's `encoding/base64.star`).
    Base64,
    /// `re`: RE2 regular expressions with Qri's return shapes (Qri's `re.star`).
    Re,
    /// `yaml`: loads/dumps as go-yaml v2 (Qri's `encoding/yaml.star`).
    Yaml,
    /// `gzip`: decompress (Qri's `compress/gzip.star`).
    Gzip,
    /// `ZipFile`: read zip archives (Qri's `zipfile.star`).
    ZipFile,
    /// `html`: goquery-style selections (Qri's `html.star`).
    Html,
    /// `bsoup`: BeautifulSoup-style nodes (Qri's `bsoup.star`).
    Bsoup,
    /// `xlsx`: Excel workbooks fetched over HTTP (Qri's `xlsx.star`).
    Xlsx,
    /// `geo`: points, lines and polygons (Qri's `geo.star`).
    Geo,
}

/// One loadable name: `load(name, member)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The name given to `load` (e.g. `encoding/json.star`).
    pub name: &'static str,
    /// The member the module binds (e.g. `json`).
    pub member: &'static str,
    /// Which module it is.
    pub kind: ModuleKind,
}

/// How a release hands a dataset body to scripts and reads one back: the
/// one place the majors differ on bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyForm {
    /// Qri's form (1.x): a list of rows, each a list of values; a list of
    /// lists written back is all data rows.
    RowLists,
    /// A `Table` (2.x); a list of lists written back has its header first.
    Table,
}

/// A shipped starlib release.
#[derive(Debug, Clone)]
pub struct Release {
    /// Its exact version, for recording what ran.
    pub version: Version,
    /// The dialect options its scripts run with.
    pub dialect: Dialect,
    /// The names `load` accepts, and what they bind.
    pub bindings: Vec<Binding>,
    /// How scripts see dataset bodies.
    pub body_form: BodyForm,
    /// One line on what the release is.
    pub summary: &'static str,
}

const V1_BINDINGS: &[(&str, &str, ModuleKind)] = &[
    ("http.star", "http", ModuleKind::Http),
    ("encoding/json.star", "json", ModuleKind::Json),
    ("json.star", "json", ModuleKind::Json),
    ("encoding/csv.star", "csv", ModuleKind::Csv),
    ("csv.star", "csv", ModuleKind::Csv),
    ("math.star", "math", ModuleKind::Math),
    ("time.star", "time", ModuleKind::Time),
    ("dataframe.star", "dataframe", ModuleKind::DataFrame),
    ("hash.star", "hash", ModuleKind::Hash),
    ("encoding/base64.star", "base64", ModuleKind::Base64),
    ("re.star", "re", ModuleKind::Re),
    ("encoding/yaml.star", "yaml", ModuleKind::Yaml),
    ("compress/gzip.star", "gzip", ModuleKind::Gzip),
    ("zipfile.star", "ZipFile", ModuleKind::ZipFile),
    ("html.star", "html", ModuleKind::Html),
    ("bsoup.star", "bsoup", ModuleKind::Bsoup),
    ("xlsx.star", "xlsx", ModuleKind::Xlsx),
    ("geo.star", "geo", ModuleKind::Geo),
];

const V2_EXTRA: &[(&str, &str, ModuleKind)] = &[
    ("rand.star", "rand", ModuleKind::Rand),
    ("table.star", "table", ModuleKind::Table),
];

fn bindings(list: &[&[(&'static str, &'static str, ModuleKind)]]) -> Vec<Binding> {
    list.iter()
        .flat_map(|l| l.iter())
        .map(|&(name, member, kind)| Binding { name, member, kind })
        .collect()
}

/// Every shipped release, oldest first.
pub fn releases() -> &'static [Release] {
    static RELEASES: OnceLock<Vec<Release>> = OnceLock::new();
    RELEASES.get_or_init(|| {
        vec![
            Release {
                version: Version::new(1, 0, 0),
                dialect: Dialect::qri(),
                bindings: bindings(&[V1_BINDINGS]),
                body_form: BodyForm::RowLists,
                summary: "Qri-compatible: rows as lists of strings, plain dicts and lists",
            },
            Release {
                version: Version::new(2, 0, 0),
                dialect: Dialect::transform(),
                bindings: bindings(&[V1_BINDINGS, V2_EXTRA]),
                body_form: BodyForm::Table,
                summary: "Arrow-native: tables, rand, csv.read and json.read return tables",
            },
        ]
    })
}

/// The newest shipped release matching `req`, or an error listing what ships.
pub fn select(req: &VersionReq) -> std::result::Result<&'static Release, StarlibError> {
    releases()
        .iter()
        .rev()
        .find(|r| req.matches(&r.version))
        .ok_or_else(|| StarlibError::NoMatchingRelease {
            requirement: req.to_string(),
            shipped: releases()
                .iter()
                .map(|r| r.version.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// [`select`] from a requirement written as text (`"^1"`, `"2.0"`, `"*"`).
pub fn select_str(req: &str) -> std::result::Result<&'static Release, StarlibError> {
    let parsed = VersionReq::parse(req).map_err(|e| StarlibError::BadRequirement {
        requirement: req.to_string(),
        message: e.to_string(),
    })?;
    select(&parsed)
}

impl Release {
    /// The major version (1: Qri-compatible, 2: Arrow-native).
    pub fn major(&self) -> u64 {
        self.version.major
    }

    /// The names `load` accepts in this release, sorted.
    pub fn module_names(&self) -> Vec<&'static str> {
        let mut v: Vec<&str> = self.bindings.iter().map(|b| b.name).collect();
        v.sort_unstable();
        v
    }

    /// A thread set up with this release's dialect.
    pub fn new_thread(&self) -> Thread {
        Thread::new(self.dialect.clone())
    }

    /// A loader for this release's modules, configured by the host.
    pub fn loader(&'static self, config: HostConfig) -> StarlibLoader {
        StarlibLoader {
            release: self,
            config: Rc::new(config),
        }
    }

    /// Loads one module by its `load` name into `thread`.
    pub fn load_module(
        &self,
        thread: &mut Thread,
        name: &str,
        config: &Rc<HostConfig>,
    ) -> Result<Members> {
        let Some(b) = self.bindings.iter().find(|b| b.name == name) else {
            return Err(EvalError::new(format!(
                "starlib {} has no module {name:?}; loadable modules are: {}",
                self.version,
                self.module_names().join(", ")
            )));
        };
        let major = self.major();
        let value = match b.kind {
            ModuleKind::Http => crate::http::module(config),
            ModuleKind::Json => crate::json::module(major),
            ModuleKind::Csv => crate::csv::module(major),
            ModuleKind::Math => crate::math::module(major),
            ModuleKind::Time if major == 1 => crate::time::module(config.clock.clone()),
            ModuleKind::Time => engine::library::time::module(config.clock.clone()),
            ModuleKind::Rand => {
                crate::rand::install(thread, config.rand_seed);
                crate::rand::module()
            }
            ModuleKind::Table => crate::table::module(),
            ModuleKind::DataFrame => crate::dataframe::module(),
            ModuleKind::Hash => crate::hash::module(),
            ModuleKind::Base64 => crate::encoding::base64::module(),
            ModuleKind::Re => crate::re::module(),
            ModuleKind::Yaml => crate::encoding::yaml::module(),
            ModuleKind::Gzip => crate::compress::gzip::module(),
            ModuleKind::ZipFile => crate::zipfile::constructor(),
            ModuleKind::Html => crate::html::function(),
            ModuleKind::Bsoup => crate::bsoup::module(),
            ModuleKind::Xlsx => crate::xlsx::module(config),
            ModuleKind::Geo => crate::geo::module(),
        };
        Ok([(b.member.to_string(), value)].into_iter().collect())
    }
}

/// The loader returned by [`Release::loader`].
pub struct StarlibLoader {
    release: &'static Release,
    config: Rc<HostConfig>,
}

impl StarlibLoader {
    /// The release this loader serves.
    pub fn release(&self) -> &'static Release {
        self.release
    }
}

impl Loader for StarlibLoader {
    fn load(&self, thread: &mut Thread, module: &str, _from: &str) -> Result<Members> {
        self.release.load_module(thread, module, &self.config)
    }
}

//! starlib: Quarry's versioned Starlark standard library.
//!
//! Transforms `load()` starlib modules by the names Qri's starlib used
//! (`http.star`, `encoding/json.star`, `encoding/csv.star`, `math.star`,
//! `time.star`, and in 2.x `rand.star` and `table.star`). Both majors also
//! carry Qri's other modules: `hash.star`, `encoding/base64.star`,
//! `re.star`, `encoding/yaml.star`, `compress/gzip.star`, `zipfile.star`,
//! `html.star`, `bsoup.star`, `xlsx.star` and `geo.star`. Several major
//! releases ship side by side: the host picks one by semver requirement
//! with [`select`], then installs [`Release::loader`] on its thread.
//!
//! `json`, `math` and `time` are the engine's library modules
//! (`engine::library`), offered here under their load names per release
//! (1.x adds starlib v0.4's `json.loads`/`json.dumps` and `math.tau`,
//! `math.phi`, `math.inf`, `math.nan`).
//!
//! ```ignore
//! let release = starlib::select(&"^2".parse().unwrap())?;
//! let mut thread = release.new_thread();
//! thread.set_loader(release.loader(starlib::HostConfig::default()));
//! ```

pub mod bsoup;
pub mod budget;
pub mod compress;
pub mod config;
pub mod csv;
pub mod dataframe;
pub mod encoding;
pub mod error;
pub mod geo;
pub mod hash;
pub mod html;
pub mod http;
pub mod json;
pub mod math;
pub mod rand;
pub mod re;
pub mod release;
pub mod table;
pub mod time;
pub mod xlsx;
pub mod zipfile;

mod util;

pub use config::{Guard, HostConfig, HttpConfig, Progress, ProgressHook, RetryPolicy};
pub use error::StarlibError;
pub use release::{releases, select, BodyForm, Release, StarlibLoader};

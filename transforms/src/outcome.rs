//! What a successful run returns: [`RunOutcome`], the next version not yet committed.

use datasets::{Body, BodyInput, InputVersion, Meta, NewVersion, Provenance, Transform};
use std::collections::BTreeMap;

/// The result of a successful run: the next version, not yet committed.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The resulting body.
    pub body: Body,
    /// The resulting metadata (`None` when empty).
    pub meta: Option<Meta>,
    /// The resulting readme.
    pub readme: Option<String>,
    /// The commit title the script set, if any.
    pub title: Option<String>,
    /// The commit message the script set, if any.
    pub message: Option<String>,
    /// The starlib version that ran.
    pub starlib_version: String,
    /// The transform record: script, starlib version and config (never secrets).
    pub transform: Transform,
    /// Captured print output, one line per `print`, each ending in a newline.
    pub output: String,
    /// Whether the script defined a `transform` function.
    pub had_transform: bool,
    /// This run's id (recorded in the version's provenance and the run log).
    pub run_id: String,
    /// The versions of other datasets the run read with `load_dataset`.
    pub inputs: Vec<InputVersion>,
    /// The seed of the run's `rand` generator, when the script used `rand`.
    pub rand_seed: Option<u64>,
}

impl RunOutcome {
    /// An outcome holding `body`, `meta` and `readme`, with a fresh run id
    /// and nothing else set.
    pub fn new(body: Body, meta: Option<Meta>, readme: Option<String>) -> RunOutcome {
        RunOutcome {
            body,
            meta,
            readme,
            title: None,
            message: None,
            starlib_version: String::new(),
            transform: Transform::default(),
            output: String::new(),
            had_transform: false,
            run_id: crate::run::new_run_id(),
            inputs: Vec::new(),
            rand_seed: None,
        }
    }

    /// The configuration the run used.
    pub fn config(&self) -> &BTreeMap<String, serde_json::Value> {
        &self.transform.config
    }

    /// A [`NewVersion`] to save; `default_title` is used when the script set none.
    ///
    /// The run started from the head's meta and readme, so the outcome holds
    /// the complete result: `inherit` is off, and a meta or readme the script
    /// cleared stays cleared. The caller sets `expected_head` (and
    /// `provenance`, author, timestamp) as it needs.
    pub fn into_new_version(self, default_title: &str) -> NewVersion {
        let title = self.title.unwrap_or_else(|| default_title.to_string());
        let mut v = NewVersion::new(BodyInput::Arrow(self.body), title);
        v.message = self.message.unwrap_or_default();
        v.meta = self.meta;
        v.readme = self.readme;
        v.transform = Some(self.transform);
        v.inherit = false;
        v.provenance = Some(Provenance {
            run_id: Some(self.run_id),
            inputs: self.inputs,
            rand_seed: self.rand_seed,
        });
        v.run_output = Some(self.output);
        v
    }
}

//! `quarry diff REF [REF2] [--key COL]`: what changed between two versions;
//! with one REF, that version against the one before it.

use super::Context;
use crate::render::preview::{diff_line, structure_lines};
use anyhow::{bail, Result};
use datasets::{DatasetRef, DiffOptions};
use std::process::ExitCode;

/// `quarry diff`'s arguments.
#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// The older version (or, alone, the version to compare with its parent).
    pub from: String,
    /// The newer version.
    pub to: Option<String>,
    /// Key column(s) that identify a row (default: compare row by row).
    #[arg(long = "key", value_name = "COL")]
    pub key: Vec<String>,
    /// Sample rows shown of each kind of change.
    #[arg(long, default_value_t = 5)]
    pub sample: usize,
}

fn row_text(v: &serde_json::Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// `quarry diff`.
pub fn run(ctx: &Context, a: &DiffArgs) -> Result<ExitCode> {
    let store = ctx.open_existing()?;
    let (from, to) = match &a.to {
        Some(to) => {
            let f = store.resolve(a.from.as_str())?;
            let t = store.resolve(to.as_str())?;
            (DatasetRef::at(f.name, f.id), DatasetRef::at(t.name, t.id))
        }
        None => {
            let t = store.resolve(a.from.as_str())?;
            let Some(parent) = t.manifest.parent else {
                bail!(
                    "{}@{} is the first version of {}: nothing before it to compare with; give two refs",
                    t.name,
                    t.id.short(12),
                    t.name
                );
            };
            (
                DatasetRef::at(t.name.clone(), parent),
                DatasetRef::at(t.name, t.id),
            )
        }
    };
    let opts = DiffOptions {
        key: a.key.clone(),
        sample: a.sample,
    };
    let d = store.diff(&from, &to, &opts)?;
    if ctx.json {
        ctx.print_json(&d)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{}@{} -> {}@{}",
        from.name,
        d.from.short(12),
        to.name,
        d.to.short(12)
    );
    if d.components_changed.is_empty() {
        println!("no changes");
        return Ok(ExitCode::SUCCESS);
    }
    println!("components changed: {}", d.components_changed.join(", "));
    println!(
        "rows: {} -> {}; {}",
        d.structure.rows_before,
        d.structure.rows_after,
        diff_line(&d.body)
    );
    if d.body.incomparable {
        println!(
            "  no columns in common to compare{}: every matched row counts as changed",
            if a.key.is_empty() {
                ""
            } else {
                " besides the key"
            }
        );
    }
    print!("{}", structure_lines(&d.structure));
    for c in &d.meta {
        let show = |v: &Option<serde_json::Value>| {
            v.as_ref().map(row_text).unwrap_or_else(|| "(none)".into())
        };
        println!("  meta.{}: {} -> {}", c.field, show(&c.old), show(&c.new));
    }
    for r in &d.body.sample_added {
        println!("  + {}", row_text(r));
    }
    for r in &d.body.sample_removed {
        println!("  - {}", row_text(r));
    }
    for c in &d.body.sample_changed {
        println!("  ~ {} -> {}", row_text(&c.old), row_text(&c.new));
    }
    Ok(ExitCode::SUCCESS)
}

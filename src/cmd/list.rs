//! `quarry list`: the datasets in the store.

use super::Context;
use anyhow::Result;
use std::process::ExitCode;

/// `quarry list`.
pub fn run(ctx: &Context) -> Result<ExitCode> {
    let store = ctx.open_existing()?;
    let list = store.list()?;
    if ctx.json {
        ctx.print_json(&list)?;
        return Ok(ExitCode::SUCCESS);
    }
    if list.is_empty() {
        println!(
            "no datasets in {}; create one with `quarry save peer/name --file transform.star`",
            store.root().display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|d| {
            vec![
                d.name.to_string(),
                d.versions.to_string(),
                d.rows.to_string(),
                crate::render::size(d.body_size),
                crate::render::time(&d.updated),
                d.title.clone(),
            ]
        })
        .collect();
    print!(
        "{}",
        crate::render::table(
            &["dataset", "versions", "rows", "size", "updated", "title"],
            &rows
        )
    );
    Ok(ExitCode::SUCCESS)
}

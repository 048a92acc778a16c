//! `quarry remove REF --revisions N | --all`: drop the latest versions of a
//! dataset, or the whole dataset. Blobs stay until `gc`.

use super::{misuse, Context};
use anyhow::Result;
use datasets::RemoveVersions;
use std::process::ExitCode;

/// `quarry remove`'s arguments.
#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["revisions", "all"])))]
pub struct RemoveArgs {
    /// The dataset (`peer/name`).
    pub dataset: String,
    /// Remove the latest N versions (fewer than the dataset has: removing
    /// them all takes --all).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub revisions: Option<u64>,
    /// Remove every version and the dataset itself.
    #[arg(long)]
    pub all: bool,
}

/// `quarry remove`.
pub fn run(ctx: &Context, a: &RemoveArgs) -> Result<ExitCode> {
    let store = ctx.open_existing()?;
    let r = datasets::DatasetRef::parse(&a.dataset)?;
    let which = match a.revisions {
        Some(n) if !a.all => {
            let count = store.resolve(&r.name)?.seq;
            if n >= count {
                misuse(format!(
                    "{} has {count} version{}: --revisions {n} would remove all of it; pass --all to remove the dataset",
                    r.name,
                    if count == 1 { "" } else { "s" }
                ));
            }
            RemoveVersions::Latest(n)
        }
        _ => RemoveVersions::All,
    };
    let head = store.remove(&r.name, which)?;
    if ctx.json {
        ctx.print_json(&crate::report::RemoveReport {
            dataset: r.name.to_string(),
            head,
        })?;
    } else {
        match head {
            Some(h) => println!(
                "removed; {} is now at {}",
                r.name,
                crate::render::short_id(&h)
            ),
            None => println!("removed {} entirely", r.name),
        }
    }
    Ok(ExitCode::SUCCESS)
}

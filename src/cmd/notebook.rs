//! `quarry notebook transform.star [peer/name]`: serves the local notebook
//! page (see [`crate::notebook`]) and prints its URL, token included.

use super::options::RunArgs;
use super::Context;
use crate::notebook::runner::{self, Command, Target};
use crate::notebook::state::Shared;
use anyhow::{Context as _, Result};
use notify::Watcher;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{mpsc, Arc};

/// `quarry notebook`'s arguments.
#[derive(clap::Args, Debug)]
pub struct NotebookArgs {
    /// The transform script (cells start at `---` or `# %%` lines).
    pub file: PathBuf,
    /// The dataset the transform updates (`peer/name`); Save commits to it.
    pub dataset: Option<String>,
    /// The port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Rows per table page and in the preview.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    #[command(flatten)]
    pub run: RunArgs,
}

/// A token no other user can guess: 32 hex digits from the OS's random source.
fn token() -> Result<String> {
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .context("reading /dev/urandom for the notebook's token")?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// `quarry notebook`.
pub fn run(ctx: &Context, a: &NotebookArgs) -> Result<ExitCode> {
    let path = std::fs::canonicalize(&a.file)
        .with_context(|| format!("cannot open {}", a.file.display()))?;
    let store = match &a.dataset {
        Some(d) => {
            datasets::DatasetRef::parse(d)?;
            Some(ctx.shared_store()?)
        }
        None => ctx.existing_store(),
    };
    let listener = std::net::TcpListener::bind(crate::notebook::address(a.port))
        .with_context(|| format!("cannot listen on 127.0.0.1:{}", a.port))?;
    let port = listener.local_addr()?.port();
    let shared = Arc::new(Shared::new(
        token()?,
        path.clone(),
        a.dataset.clone(),
        a.limit,
    ));
    let (tx, rx) = mpsc::channel::<Command>();

    let target = Target {
        store,
        dataset: a.dataset.clone(),
    };
    let (runner_shared, run_args) = (shared.clone(), a.run.clone());
    std::thread::Builder::new()
        .name("notebook-runner".into())
        .spawn(move || runner::serve(runner_shared, target, run_args, rx))?;

    // Editors replace files by renaming, so watch the directory.
    let watched = path.clone();
    let (watch_tx, watch_shared) = (tx.clone(), shared.clone());
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(e) = event {
            if e.paths.iter().any(|p| p == &watched) && !e.kind.is_access() {
                // A late event for the text already running must not cancel it.
                let text = std::fs::read_to_string(&watched).unwrap_or_default();
                if !watch_shared.is_current(&text) {
                    watch_shared.cancel_run();
                }
                let _ = watch_tx.send(Command::FileChanged);
            }
        }
    })?;
    let dir = path
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    watcher.watch(&dir, notify::RecursiveMode::NonRecursive)?;

    let _ = tx.send(Command::Run(None));
    println!("http://127.0.0.1:{port}/?token={}", shared.token);
    eprintln!("notebook for {} (Ctrl-C stops it)", a.file.display());
    crate::notebook::serve(listener, shared, tx)?;
    drop(watcher);
    Ok(ExitCode::SUCCESS)
}

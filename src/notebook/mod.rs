//! `quarry notebook`: a local page showing a transform file's cells, each
//! cell's output inline, the result's preview and diff, and a Save button.
//!
//! The page is served by axum on 127.0.0.1 only, with its HTML, CSS and JS
//! embedded in the binary. Every request must carry the random token that
//! the printed URL holds (as Jupyter does) and a loopback `Host` header, so
//! neither other local users nor other sites (DNS rebinding included) can
//! drive it. Runs happen on one runner thread ([`runner`]) through the
//! same library path as `quarry apply` and `save`; edits made in the page
//! are written to the file, and edits made to the file (watched with
//! `notify`) re-run it. A new run cancels the one in progress.

pub mod runner;
pub mod state;

use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use runner::Command;
use serde::Deserialize;
use state::Shared;
use std::net::SocketAddr;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};

/// The page: HTML with its CSS and JS inline.
const PAGE: &str = include_str!("page.html");

/// What the handlers share.
#[derive(Clone)]
struct App {
    shared: Arc<Shared>,
    commands: Arc<Mutex<Sender<Command>>>,
    port: u16,
}

impl App {
    fn send(&self, c: Command) {
        if let Ok(tx) = self.commands.lock() {
            let _ = tx.send(c);
        }
    }
}

/// Serves the page on `listener` until the process is stopped.
pub fn serve(
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
    commands: Sender<Command>,
) -> anyhow::Result<()> {
    let port = listener.local_addr()?.port();
    listener.set_nonblocking(true)?;
    let app = App {
        shared,
        commands: Arc::new(Mutex::new(commands)),
        port,
    };
    let router = Router::new()
        .route("/", get(page))
        .route("/api/state", get(state))
        .route("/api/table", get(table))
        .route("/api/run", post(run))
        .route("/api/cell", post(edit))
        .route("/api/save", post(save))
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        axum::serve(listener, router).await
    })?;
    Ok(())
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

/// Refuses requests without the token (query `token=` or header
/// `X-Quarry-Token`) or with a `Host` other than this server's loopback name.
async fn guard(
    State(app): State<App>,
    Query(q): Query<TokenQuery>,
    headers: HeaderMap,
    request: Request,
    next: Next,
) -> Response {
    let host_ok = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| {
            h == format!("127.0.0.1:{}", app.port) || h == format!("localhost:{}", app.port)
        });
    if !host_ok {
        return (StatusCode::FORBIDDEN, "forbidden: not a loopback Host\n").into_response();
    }
    let presented = q.token.or_else(|| {
        headers
            .get("x-quarry-token")
            .and_then(|t| t.to_str().ok())
            .map(str::to_string)
    });
    match presented {
        Some(t) if constant_time_eq(t.as_bytes(), app.shared.token.as_bytes()) => {
            next.run(request).await
        }
        _ => (
            StatusCode::FORBIDDEN,
            "forbidden: open the URL quarry notebook printed (it carries the token)\n",
        )
            .into_response(),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn page() -> Response {
    (
        [
            (header::CONTENT_SECURITY_POLICY, "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Html(PAGE),
    )
        .into_response()
}

async fn state(State(app): State<App>) -> Response {
    Json(app.shared.json()).into_response()
}

#[derive(Deserialize)]
struct TableQuery {
    cell: usize,
    #[serde(default)]
    offset: usize,
    limit: Option<usize>,
}

async fn table(State(app): State<App>, Query(q): Query<TableQuery>) -> Response {
    let limit = q.limit.unwrap_or(app.shared.limit).min(1000);
    match app.shared.table(q.cell, q.offset, limit) {
        Some(page) => Json(page).into_response(),
        None => (StatusCode::NOT_FOUND, "no table in that cell\n").into_response(),
    }
}

#[derive(Deserialize)]
struct RunQuery {
    /// Run from this cell on (absent: every cell, nothing reused).
    from: Option<usize>,
}

async fn run(State(app): State<App>, Query(q): Query<RunQuery>) -> Response {
    app.shared.cancel_run();
    app.send(Command::Run(q.from));
    StatusCode::ACCEPTED.into_response()
}

#[derive(Deserialize)]
struct Edit {
    index: usize,
    code: String,
}

/// Writes an edited cell back to the file; the file watcher's event (or
/// this request, if the watcher is slow) re-runs it.
async fn edit(State(app): State<App>, Json(e): Json<Edit>) -> Response {
    let Some(text) = app.shared.edit(e.index, &e.code) else {
        return (StatusCode::NOT_FOUND, "no such cell\n").into_response();
    };
    if let Err(err) = write_atomically(&app.shared.path, &text) {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot write {}: {err}\n", app.shared.path.display()),
        )
            .into_response();
    }
    app.shared.cancel_run();
    app.send(Command::FileChanged);
    StatusCode::ACCEPTED.into_response()
}

/// Writes `text` to a temporary file beside `path` and renames it over
/// `path`, so an editor or the watcher never sees half a file.
fn write_atomically(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut tmp, text.as_bytes())?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

async fn save(State(app): State<App>) -> Response {
    app.send(Command::Save);
    StatusCode::ACCEPTED.into_response()
}

/// The address the notebook listens on: loopback only.
pub fn address(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

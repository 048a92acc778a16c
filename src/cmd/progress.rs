//! Progress bars on standard error for slow steps (downloads, imports,
//! saves), drawn only when standard error is a terminal.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Whether progress is drawn: standard error is a terminal.
pub fn enabled() -> bool {
    std::io::stderr().is_terminal()
}

/// A spinner with `msg`, hidden when progress is not drawn.
pub fn spinner(msg: impl Into<String>) -> ProgressBar {
    if !enabled() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        pb.set_style(style);
    }
    pb.set_message(msg.into());
    pb.enable_steady_tick(Duration::from_millis(100));
    pb
}

/// The download-progress hook for starlib's http module, or `None` when
/// progress is not drawn. One bar per response, cleared when it is read.
pub fn download_hook() -> Option<starlib::ProgressHook> {
    if !enabled() {
        return None;
    }
    let current: Arc<Mutex<Option<(String, ProgressBar)>>> = Arc::new(Mutex::new(None));
    Some(Arc::new(move |p: &starlib::Progress| {
        let Ok(mut cur) = current.lock() else {
            return;
        };
        let same = matches!(&*cur, Some((url, _)) if *url == p.url);
        if !same {
            if let Some((_, old)) = cur.take() {
                old.finish_and_clear();
            }
            let pb = ProgressBar::with_draw_target(p.total, ProgressDrawTarget::stderr());
            let template = if p.total.is_some() {
                "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec})"
            } else {
                "{spinner} {msg} {bytes} ({bytes_per_sec})"
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                pb.set_style(style.progress_chars("=> "));
            }
            // The query string may carry a secret: show the URL without it.
            let shown = p.url.split(['?', '#']).next().unwrap_or_default();
            pb.set_message(format!("GET {shown}"));
            *cur = Some((p.url.clone(), pb));
        }
        if let Some((_, pb)) = cur.as_ref() {
            pb.set_position(p.bytes);
            if p.done {
                pb.finish_and_clear();
            }
        }
        if p.done {
            *cur = None;
        }
    }))
}

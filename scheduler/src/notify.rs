//! Telling people: on a failed run, and on the first good run after
//! failures, run the schedule's notify command with the run's JSON on
//! standard input, and POST the same JSON to its notify URL. Both are
//! bounded in time; a failing notifier is logged, never fatal.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long a notifier may take.
pub const NOTIFY_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs `command` through `sh -c` with `payload` on standard input; kills
/// it after [`NOTIFY_TIMEOUT`].
pub fn run_command(command: &str, payload: &[u8]) -> Result<(), String> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its input is not an error.
        let _ = stdin.write_all(payload);
    }
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(s)) if s.success() => return Ok(()),
            Ok(Some(s)) => return Err(format!("{command:?} exited with {s}")),
            Ok(None) if started.elapsed() > NOTIFY_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{command:?} took longer than {NOTIFY_TIMEOUT:?}"));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// POSTs `payload` as JSON to `url` within [`NOTIFY_TIMEOUT`]; any 2xx
/// answer is success.
pub fn post(url: &str, payload: &[u8]) -> Result<(), String> {
    // rustls needs a process-wide crypto provider; installing twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::blocking::Client::builder()
        .timeout(NOTIFY_TIMEOUT)
        .user_agent("quarry-scheduler")
        .build()
        .map_err(|e| format!("{url}: {e}"))?;
    let res = client
        .post(url)
        .header("Content-Type", "application/json")
        .body(payload.to_vec())
        .send()
        .map_err(|e| format!("{url}: {e}"))?;
    if res.status().is_success() {
        Ok(())
    } else {
        Err(format!("{url}: HTTP {}", res.status()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_gets_the_payload_on_stdin_and_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("got.json");
        let cmd = format!("cat > '{}'", out.display());
        run_command(&cmd, b"{\"event\":\"failure\"}").unwrap();
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            "{\"event\":\"failure\"}"
        );
        let err = run_command("exit 3", b"{}").unwrap_err();
        assert!(err.contains("exit status: 3"), "{err}");
        // A command that does not read its input still works.
        run_command("true", &vec![b'x'; 1 << 20]).unwrap();
    }

    #[test]
    fn a_url_that_answers_an_error_is_reported() {
        let err = post("http://127.0.0.1:9/hook", b"{}").unwrap_err();
        assert!(err.contains("127.0.0.1:9"), "{err}");
    }
}

//! One refresh as a child process: `quarry save` under OS limits (address
//! space, CPU time, no core dumps, its own process group) and a kill at
//! the deadline, so a crashing, hanging or runaway transform cannot take
//! the scheduler down.

use crate::spec::ScheduleSpec;
use datasets::{RunEnd, RunStatus};
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Address space the child needs beyond its memory budget: the binary,
/// thread stacks, allocator arenas and the HTTP client's runtime.
pub const ADDRESS_SPACE_BASE: u64 = 3 << 30;
/// Time past the run's own timeout before the process is killed.
pub const KILL_GRACE: Duration = Duration::from_secs(5);

/// What identifies a run to its child process.
#[derive(Debug, Clone)]
pub struct RunTicket {
    /// The run's id, already recorded as running.
    pub run_id: String,
    /// The dataset it refreshes.
    pub dataset: String,
    /// Why it runs (passed on to the run log).
    pub trigger: String,
}

/// A refresh running in a child process.
pub struct RunningChild {
    /// Its run.
    pub ticket: RunTicket,
    process: std::process::Child,
    deadline: Option<Instant>,
    killed_at_deadline: bool,
    stderr: Option<JoinHandle<Vec<u8>>>,
    stdout: Option<JoinHandle<Vec<u8>>>,
}

/// Reads a child's stream to the end on a thread, so a full pipe never
/// blocks it.
fn drain(stream: Option<impl Read + Send + 'static>) -> Option<JoinHandle<Vec<u8>>> {
    stream.map(|mut s| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = s.read_to_end(&mut buf);
            buf
        })
    })
}

impl RunningChild {
    /// Starts `exe save DATASET --file SCRIPT --run-id ID ...` on `store`.
    pub fn spawn(
        exe: &Path,
        store: &Path,
        ticket: RunTicket,
        spec: &ScheduleSpec,
    ) -> std::io::Result<RunningChild> {
        let mut cmd = Command::new(exe);
        cmd.arg("--repo")
            .arg(store)
            .arg("--json")
            .arg("save")
            .arg(&ticket.dataset)
            .arg("--file")
            .arg(&spec.script)
            .args(["--run-id", &ticket.run_id, "--trigger", &ticket.trigger])
            .args(spec.run.save_args())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        let memory = spec.run.memory_limit;
        let cpu_secs = (spec.run.timeout_ms > 0).then(|| spec.run.timeout_ms / 1000 + 10);
        // SAFETY: the closure runs in the forked child before exec and only
        // calls setrlimit, which is async-signal-safe.
        unsafe {
            cmd.pre_exec(move || {
                let set = |resource, limit: u64| {
                    let l = libc::rlimit {
                        rlim_cur: limit as libc::rlim_t,
                        rlim_max: limit as libc::rlim_t,
                    };
                    if libc::setrlimit(resource, &l) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                };
                set(libc::RLIMIT_CORE, 0)?;
                if memory > 0 {
                    set(libc::RLIMIT_AS, memory.saturating_add(ADDRESS_SPACE_BASE))?;
                }
                if let Some(cpu) = cpu_secs {
                    set(libc::RLIMIT_CPU, cpu)?;
                }
                Ok(())
            });
        }
        let mut process = cmd.spawn()?;
        let stdout = drain(process.stdout.take());
        let stderr = drain(process.stderr.take());
        let deadline = (spec.run.timeout_ms > 0)
            .then(|| Instant::now() + Duration::from_millis(spec.run.timeout_ms) + KILL_GRACE);
        Ok(RunningChild {
            ticket,
            process,
            deadline,
            killed_at_deadline: false,
            stderr,
            stdout,
        })
    }

    /// The process id (its process group's too).
    pub fn pid(&self) -> u32 {
        self.process.id()
    }

    /// Kills the child when it passed its deadline; true if it did now.
    pub fn enforce_deadline(&mut self) -> bool {
        match self.deadline {
            Some(d) if !self.killed_at_deadline && Instant::now() >= d => {
                self.signal(libc::SIGKILL);
                self.killed_at_deadline = true;
                true
            }
            _ => false,
        }
    }

    /// Sends `sig` to the child's process group.
    pub fn signal(&self, sig: i32) {
        if let Ok(pid) = i32::try_from(self.process.id()) {
            // SAFETY: kill has no memory-safety preconditions.
            unsafe {
                libc::kill(-pid, sig);
            }
        }
    }

    /// The exit status if the child has ended.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        self.process.try_wait().ok().flatten()
    }

    /// Collects the ended child's output and says how the run ended, for a
    /// run the child could not record itself (it crashed, was killed, or
    /// failed before its run started). A child that recorded its run's end
    /// makes this a no-op in the store.
    pub fn end(mut self, status: ExitStatus, canceled: bool) -> (RunTicket, RunEnd) {
        let stdout = self
            .stdout
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        let stderr = self
            .stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        let stderr = String::from_utf8_lossy(&stderr).into_owned();
        let reported: Option<serde_json::Value> = serde_json::from_str(&stderr).ok();
        let reported_error = reported
            .as_ref()
            .and_then(|v| v.get("error"))
            .and_then(|e| e.as_str())
            .map(str::to_string);
        let output = serde_json::from_slice::<serde_json::Value>(&stdout)
            .ok()
            .and_then(|v| v.get("output").and_then(|o| o.as_str()).map(str::to_string))
            .unwrap_or_default();
        let (state, error) = if self.killed_at_deadline {
            (
                RunStatus::TimedOut,
                "killed at its deadline (the run's --timeout plus a grace period)".to_string(),
            )
        } else if canceled {
            (
                RunStatus::Canceled,
                "canceled: the scheduler stopped before the run finished".to_string(),
            )
        } else if let Some(sig) = status.signal() {
            let why = match sig {
                libc::SIGKILL => " (killed: out of memory or CPU time?)",
                libc::SIGABRT => " (aborted: an allocation failed under the memory limit?)",
                libc::SIGXCPU => " (CPU time limit)",
                libc::SIGSEGV => " (crashed)",
                _ => "",
            };
            (
                RunStatus::Failed,
                format!("the run's process ended by signal {sig}{why}"),
            )
        } else if status.success() {
            (
                RunStatus::Failed,
                "the run ended without recording its result".to_string(),
            )
        } else {
            let error = reported_error.unwrap_or_else(|| {
                let tail: String = stderr
                    .chars()
                    .rev()
                    .take(2000)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                format!(
                    "exit status {}: {}",
                    status.code().unwrap_or(-1),
                    tail.trim()
                )
            });
            (RunStatus::Failed, error)
        };
        (
            self.ticket,
            RunEnd {
                status: Some(state),
                error: Some(error),
                output,
                ..Default::default()
            },
        )
    }
}

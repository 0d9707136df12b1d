//! One command run inside a sandbox: its request, its streamed output, its end.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Notify, mpsc, oneshot};

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct ExecRequest {
    /// Program and arguments.
    pub argv: Vec<String>,
    /// Extra environment (on top of the sandbox's).
    pub env: Vec<(String, String)>,
    /// Working directory inside the sandbox (default `/app`).
    pub cwd: Option<String>,
    /// Bytes written to stdin, which is then closed; `None` = stdin is `/dev/null`.
    pub stdin: Option<Vec<u8>>,
    /// Wall-clock bound for this command (default: the sandbox's).
    pub timeout: Option<Duration>,
}

/// Which stream a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// The process's standard output (fd 1).
    Stdout,
    /// The process's standard error (fd 2).
    Stderr,
}

/// One line of output (without its newline; invalid UTF-8 replaced).
#[derive(Debug, Clone, PartialEq)]
pub struct OutputLine {
    /// Which stream the line was read from.
    pub stream: Stream,
    /// The text, without its newline (possibly cut; see `truncated`).
    pub line: String,
    /// Whether the line was cut at the line-length bound.
    pub truncated: bool,
    /// When the line was read, since the command started.
    pub at: Duration,
}

/// Why a command ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ExitReason {
    /// It exited (or a signal it did not get from wharf killed it).
    #[default]
    Exited,
    /// Killed at the wall-clock deadline.
    TimedOut,
    /// Killed because its process tree used up the CPU-time limit.
    CpuExceeded,
    /// Killed by the caller.
    Cancelled,
}

/// How a command ended.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExitInfo {
    /// Why it ended.
    pub reason: ExitReason,
    /// Exit code, when it exited.
    pub code: Option<i32>,
    /// Signal, when killed.
    pub signal: Option<i32>,
    /// The memory limit killed a process of the tree.
    pub oom_killed: bool,
    /// The pids limit refused a fork.
    pub pids_limited: bool,
    /// CPU time of the tree, where measured.
    pub cpu_time: Option<Duration>,
    /// Wall-clock time.
    pub duration: Duration,
}

impl ExitInfo {
    /// Exited with code 0 and was not killed.
    pub fn success(&self) -> bool {
        self.reason == ExitReason::Exited && self.code == Some(0)
    }

    /// A short human description: `exit 0`, `timed out after 3.0s`, `killed by signal 9 (memory limit)`.
    pub fn describe(&self) -> String {
        let mut s = match (self.reason, self.code, self.signal) {
            (ExitReason::TimedOut, ..) => {
                format!("timed out after {:.1}s", self.duration.as_secs_f64())
            }
            (ExitReason::Cancelled, ..) => "cancelled".to_owned(),
            (ExitReason::CpuExceeded, ..) => "CPU-time limit reached".to_owned(),
            (ExitReason::Exited, Some(code), _) => format!("exit {code}"),
            (ExitReason::Exited, None, Some(sig)) => format!("killed by signal {sig}"),
            (ExitReason::Exited, None, None) => "ended".to_owned(),
        };
        if self.oom_killed {
            s.push_str(" (memory limit hit)");
        }
        if self.pids_limited {
            s.push_str(" (process limit hit)");
        }
        s
    }
}

/// A running command: read its lines, then wait for its end.
#[derive(Debug)]
pub struct Execution {
    pub(crate) lines: mpsc::Receiver<OutputLine>,
    pub(crate) done: oneshot::Receiver<ExitInfo>,
    pub(crate) cancel: Arc<Notify>,
    pub(crate) started: Instant,
}

impl Execution {
    /// The next output line, or `None` once both streams are closed.
    pub async fn next_line(&mut self) -> Option<OutputLine> {
        self.lines.recv().await
    }

    /// Kills the command's whole process tree.
    pub fn cancel(&self) {
        self.cancel.notify_one();
    }

    /// A handle that cancels this command from elsewhere.
    pub fn canceller(&self) -> Arc<Notify> {
        self.cancel.clone()
    }

    /// Waits for the end, discarding output lines not read yet.
    pub async fn wait(mut self) -> ExitInfo {
        while self.lines.recv().await.is_some() {}
        self.end().await
    }

    /// Waits for the end and returns all output lines.
    pub async fn collect(mut self) -> (Vec<OutputLine>, ExitInfo) {
        let mut lines = Vec::new();
        while let Some(l) = self.lines.recv().await {
            lines.push(l);
        }
        (lines, self.end().await)
    }

    /// The supervisor's report (an empty one if it is gone).
    async fn end(self) -> ExitInfo {
        match self.done.await {
            Ok(info) => info,
            Err(_) => ExitInfo {
                duration: self.started.elapsed(),
                ..ExitInfo::default()
            },
        }
    }
}

//! Supervising one started command, whatever backend started it: its stdin is written
//! and closed, its stdout and stderr become [`OutputLine`]s, and a supervisor ends it at
//! the wall-clock deadline, when its process tree uses up its CPU budget, or when the
//! caller cancels, then reports how it ended ([`ExitInfo`] with an [`ExitReason`]).

use std::os::unix::process::ExitStatusExt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::process::Child;
use tokio::sync::{Notify, mpsc, oneshot};

use crate::cgroup::Cgroup;
use crate::exec::{Execution, ExitInfo, ExitReason, OutputLine, Stream};

/// Longest output line kept whole; longer lines are cut and marked.
const MAX_LINE: usize = 8 << 20;
/// Output lines buffered before the reader waits for the caller.
const LINE_BUFFER: usize = 1024;

/// The bounds a command runs under.
pub(crate) struct Watch {
    /// Wall-clock bound.
    pub deadline: Option<Duration>,
    /// CPU time of the whole process tree (needs `cgroup`).
    pub cpu_limit: Option<Duration>,
    /// The tree's cgroup: CPU accounting, OOM and pids counters, killing the whole tree.
    pub cgroup: Option<Arc<Cgroup>>,
}

/// Supervises `child` (spawned at `started` with piped stdout and stderr, and a piped
/// stdin when `stdin` is given).
pub(crate) fn start(
    mut child: Child,
    stdin: Option<Vec<u8>>,
    watch: Watch,
    started: Instant,
) -> Execution {
    if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
        tokio::spawn(async move {
            let _ = pipe.write_all(&bytes).await;
            let _ = pipe.shutdown().await;
        });
    }
    let (tx, rx) = mpsc::channel(LINE_BUFFER);
    if let Some(out) = child.stdout.take() {
        tokio::spawn(read_lines(out, Stream::Stdout, tx.clone(), started));
    }
    if let Some(err) = child.stderr.take() {
        tokio::spawn(read_lines(err, Stream::Stderr, tx, started));
    }
    let cancel = Arc::new(Notify::new());
    let (done_tx, done_rx) = oneshot::channel();
    let supervisor = Supervisor {
        watch,
        cancel: cancel.clone(),
        started,
    };
    tokio::spawn(async move {
        let info = supervisor.run(child).await;
        let _ = done_tx.send(info);
    });
    Execution {
        lines: rx,
        done: done_rx,
        cancel,
        started,
    }
}

/// Watches one command: deadline, CPU budget, cancellation.
struct Supervisor {
    watch: Watch,
    cancel: Arc<Notify>,
    started: Instant,
}

impl Supervisor {
    async fn run(self, mut child: Child) -> ExitInfo {
        let (oom0, pids0) = self.counters();
        let deadline = async {
            match self.watch.deadline {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending().await,
            }
        };
        let cpu_watch = async {
            let (Some(limit), Some(cg)) = (self.watch.cpu_limit, self.watch.cgroup.clone()) else {
                return std::future::pending().await;
            };
            let base = cg.cpu_used().unwrap_or_default();
            let mut tick = tokio::time::interval(Duration::from_millis(250));
            loop {
                tick.tick().await;
                if cg.cpu_used().unwrap_or_default().saturating_sub(base) > limit {
                    return;
                }
            }
        };
        let (reason, status) = tokio::select! {
            status = child.wait() => (ExitReason::Exited, status.ok()),
            () = deadline => (ExitReason::TimedOut, None),
            () = self.cancel.notified() => (ExitReason::Cancelled, None),
            () = cpu_watch => (ExitReason::CpuExceeded, None),
        };
        let status = match reason {
            ExitReason::Exited => status,
            _ => {
                let _ = child.start_kill();
                if let Some(cg) = self.watch.cgroup.clone() {
                    let _ = tokio::task::spawn_blocking(move || cg.kill_all()).await;
                }
                child.wait().await.ok()
            }
        };
        let (oom1, pids1) = self.counters();
        ExitInfo {
            reason,
            code: match reason {
                ExitReason::Exited => status.and_then(|s| s.code()),
                _ => None,
            },
            signal: status.and_then(|s| s.signal()),
            oom_killed: oom1 > oom0,
            pids_limited: pids1 > pids0,
            cpu_time: self.watch.cgroup.as_ref().and_then(|c| c.cpu_used()),
            duration: self.started.elapsed(),
        }
    }

    fn counters(&self) -> (u64, u64) {
        self.watch
            .cgroup
            .as_ref()
            .map(|c| (c.oom_kills(), c.pids_refusals()))
            .unwrap_or((0, 0))
    }
}

/// Streams lines of `reader` into `tx`, cutting lines at [`MAX_LINE`].
async fn read_lines<R: AsyncRead + Unpin>(
    reader: R,
    stream: Stream,
    tx: mpsc::Sender<OutputLine>,
    started: Instant,
) {
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    loop {
        let mut line = Vec::new();
        let mut truncated = false;
        let mut eof = false;
        loop {
            let buf = match reader.fill_buf().await {
                Ok(b) => b,
                Err(_) => {
                    eof = true;
                    break;
                }
            };
            if buf.is_empty() {
                eof = true;
                break;
            }
            let (take, newline) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (buf.len(), false),
            };
            let room = MAX_LINE.saturating_sub(line.len());
            let keep = if newline { take - 1 } else { take };
            if keep > room {
                truncated = true;
            }
            line.extend_from_slice(&buf[..keep.min(room)]);
            reader.consume(take);
            if newline {
                break;
            }
        }
        if eof && line.is_empty() {
            return;
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        let out = OutputLine {
            stream,
            line: String::from_utf8_lossy(&line).into_owned(),
            truncated,
            at: started.elapsed(),
        };
        if tx.send(out).await.is_err() || eof {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::process::Stdio;

    use super::*;

    fn spawn(script: &str, stdin: bool) -> Child {
        tokio::process::Command::new("sh")
            .args(["-c", script])
            .stdin(if stdin { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap()
    }

    fn watch(deadline: Option<Duration>) -> Watch {
        Watch {
            deadline,
            cpu_limit: None,
            cgroup: None,
        }
    }

    #[tokio::test]
    async fn lines_of_both_streams_then_the_exit_code() {
        let child = spawn("cat; printf 'err\\r\\n' >&2; exit 3", true);
        let exec = start(child, Some(b"a\nb".to_vec()), watch(None), Instant::now());
        let (lines, info) = exec.collect().await;
        let mut text: Vec<(Stream, String)> =
            lines.into_iter().map(|l| (l.stream, l.line)).collect();
        text.sort_by_key(|(s, _)| *s == Stream::Stderr);
        assert_eq!(
            text,
            [
                (Stream::Stdout, "a".to_owned()),
                (Stream::Stdout, "b".to_owned()),
                (Stream::Stderr, "err".to_owned())
            ]
        );
        assert_eq!((info.reason, info.code), (ExitReason::Exited, Some(3)));
        assert!(!info.success());
    }

    #[tokio::test]
    async fn the_deadline_and_a_cancel_end_the_command_with_their_reason() {
        let exec = start(
            spawn("sleep 30", false),
            None,
            watch(Some(Duration::from_millis(100))),
            Instant::now(),
        );
        let info = exec.wait().await;
        assert_eq!((info.reason, info.code), (ExitReason::TimedOut, None));
        assert!(
            info.describe().starts_with("timed out after"),
            "{}",
            info.describe()
        );

        let exec = start(spawn("sleep 30", false), None, watch(None), Instant::now());
        exec.cancel();
        let info = exec.wait().await;
        assert_eq!(info.reason, ExitReason::Cancelled);
        assert_eq!(info.describe(), "cancelled");
    }
}

//! The event bus: every run's progress, fanned out to any number of subscribers. A
//! subscriber that joins late first gets the backlog, then the live events, with no gap and
//! no duplicate (events carry a per-run sequence number).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::broadcast;

use crate::progress::Progress;

/// Live events buffered per subscriber before it counts as lagging (it then catches up
/// from the backlog).
const LIVE_CAPACITY: usize = 1024;
/// Progress reports kept per run for late joiners; beyond it the oldest steps are dropped.
const BACKLOG_LIMIT: usize = 20_000;
/// How long a finished run's backlog stays in memory.
const KEEP_FINISHED: Duration = Duration::from_secs(600);

/// One progress report of one run, numbered from 1.
#[derive(Debug, Clone)]
pub struct BusEvent {
    /// Position in the run's stream (1-based, no gaps).
    pub seq: u64,
    /// What happened: a phase of the run, a step of the agent, a warning, or the end.
    pub progress: Progress,
}

/// A subscription: what happened so far, then what happens next.
#[derive(Debug)]
pub struct Subscription {
    /// Events already published (possibly without the oldest steps of a huge run).
    pub backlog: Vec<Arc<BusEvent>>,
    /// Live events after the backlog; closed when the run ends.
    pub live: broadcast::Receiver<Arc<BusEvent>>,
    /// Whether the run had already ended when subscribing (the backlog is everything).
    pub finished: bool,
}

struct Channel {
    backlog: Vec<Arc<BusEvent>>,
    next_seq: u64,
    tx: broadcast::Sender<Arc<BusEvent>>,
    finished_at: Option<Instant>,
}

/// Runs' progress streams. Cheap to clone.
#[derive(Clone, Default)]
pub struct EventBus {
    runs: Arc<Mutex<HashMap<String, Channel>>>,
}

impl std::fmt::Debug for EventBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventBus")
            .field("runs", &self.lock().len())
            .finish()
    }
}

impl EventBus {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Channel>> {
        self.runs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens the stream of `run_id` (before its first event, so nobody misses it).
    pub fn open(&self, run_id: &str) {
        let mut runs = self.lock();
        let now = Instant::now();
        runs.retain(|_, c| c.finished_at.is_none_or(|t| now - t < KEEP_FINISHED));
        runs.entry(run_id.to_owned()).or_insert_with(|| Channel {
            backlog: Vec::new(),
            next_seq: 1,
            tx: broadcast::channel(LIVE_CAPACITY).0,
            finished_at: None,
        });
    }

    /// Publishes one report of `run_id`.
    pub fn publish(&self, run_id: &str, progress: Progress) {
        let mut runs = self.lock();
        let Some(channel) = runs.get_mut(run_id) else {
            return;
        };
        let event = Arc::new(BusEvent {
            seq: channel.next_seq,
            progress,
        });
        channel.next_seq += 1;
        if channel.backlog.len() >= BACKLOG_LIMIT {
            // Drop the oldest step; the milestones (loaded, ready, exited, ...) stay.
            if let Some(i) = channel
                .backlog
                .iter()
                .position(|e| matches!(e.progress, Progress::Step { .. }))
            {
                channel.backlog.remove(i);
            }
        }
        channel.backlog.push(event.clone());
        let _ = channel.tx.send(event);
    }

    /// Ends the stream of `run_id`: live subscribers see it close.
    pub fn close(&self, run_id: &str) {
        let mut runs = self.lock();
        if let Some(channel) = runs.get_mut(run_id) {
            channel.finished_at = Some(Instant::now());
            // Replacing the sender drops the old one, which closes every receiver.
            channel.tx = broadcast::channel(1).0;
        }
    }

    /// Joins the stream of `run_id`, if it is open or ended recently.
    pub fn subscribe(&self, run_id: &str) -> Option<Subscription> {
        let runs = self.lock();
        let channel = runs.get(run_id)?;
        Some(Subscription {
            backlog: channel.backlog.clone(),
            live: channel.tx.subscribe(),
            finished: channel.finished_at.is_some(),
        })
    }

    /// Events of `run_id` after `seq` still in the backlog (to catch up after lagging).
    pub fn since(&self, run_id: &str, seq: u64) -> Vec<Arc<BusEvent>> {
        let runs = self.lock();
        runs.get(run_id)
            .map(|c| c.backlog.iter().filter(|e| e.seq > seq).cloned().collect())
            .unwrap_or_default()
    }

    /// Runs whose stream is open (not ended).
    pub fn live_runs(&self) -> usize {
        self.lock()
            .values()
            .filter(|c| c.finished_at.is_none())
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warn(n: usize) -> Progress {
        Progress::Warning {
            message: format!("w{n}"),
        }
    }

    #[tokio::test]
    async fn late_joiners_get_the_backlog_then_the_live_events() {
        let bus = EventBus::default();
        bus.open("r");
        bus.publish("r", warn(1));
        bus.publish("r", warn(2));
        let mut sub = bus.subscribe("r").unwrap();
        assert_eq!(
            sub.backlog.iter().map(|e| e.seq).collect::<Vec<_>>(),
            [1, 2]
        );
        assert!(!sub.finished);
        bus.publish("r", warn(3));
        bus.close("r");
        assert_eq!(sub.live.recv().await.unwrap().seq, 3);
        assert!(sub.live.recv().await.is_err(), "closed after the end");
        let after = bus.subscribe("r").unwrap();
        assert!(after.finished);
        assert_eq!(after.backlog.len(), 3);
        assert_eq!(bus.since("r", 1).len(), 2);
        assert!(bus.subscribe("other").is_none());
    }

    #[test]
    fn the_backlog_is_bounded_and_keeps_the_milestones() {
        let bus = EventBus::default();
        bus.open("r");
        bus.publish("r", warn(0));
        for i in 0..BACKLOG_LIMIT + 10 {
            bus.publish(
                "r",
                Progress::Step {
                    seq: i as i64,
                    kind: "log".into(),
                    summary: String::new(),
                },
            );
        }
        let sub = bus.subscribe("r").unwrap();
        assert_eq!(sub.backlog.len(), BACKLOG_LIMIT);
        assert!(matches!(sub.backlog[0].progress, Progress::Warning { .. }));
        assert_eq!(sub.backlog.last().unwrap().seq, BACKLOG_LIMIT as u64 + 11);
    }
}

//! Where a run of the service stands in its queue: waiting, claimed by a worker, or ended
//! with a [`RunStatus`]. Stored and shown as one word (`queued`, `running`, `succeeded`...),
//! so the catalog's `status` column and the API's `status` field keep their spelling.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::enums::RunStatus;

/// A run's state in the service's durable queue.
///
/// `Queued` -> `Running` (a worker claimed it) -> `Done` with its terminal status; a queued
/// run may also go straight to `Done(Cancelled)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum QueueStatus {
    /// Waiting for a worker (the state of a run just submitted).
    #[default]
    Queued,
    /// Claimed by a worker, which is running it now.
    Running,
    /// Ended; it will not change again (except its summary, on a re-grade).
    Done(RunStatus),
}

impl QueueStatus {
    /// Every spelling, in the order error messages list them.
    pub const NAMES: &'static [&'static str] = &[
        "queued",
        "running",
        "succeeded",
        "failed",
        "error",
        "cancelled",
        "timeout",
    ];

    /// The stored spelling: `queued`, `running`, or the terminal status's own.
    pub fn as_str(self) -> &'static str {
        match self {
            QueueStatus::Queued => "queued",
            QueueStatus::Running => "running",
            QueueStatus::Done(status) => status.as_str(),
        }
    }

    /// Whether the run has not ended yet (queued or running), so it may still change.
    pub fn is_live(self) -> bool {
        !self.is_done()
    }

    /// Whether the run has ended.
    pub fn is_done(self) -> bool {
        matches!(self, QueueStatus::Done(_))
    }

    /// The terminal status, once the run has ended.
    pub fn finished(self) -> Option<RunStatus> {
        match self {
            QueueStatus::Done(status) => Some(status),
            QueueStatus::Queued | QueueStatus::Running => None,
        }
    }
}

impl From<RunStatus> for QueueStatus {
    fn from(status: RunStatus) -> Self {
        QueueStatus::Done(status)
    }
}

impl fmt::Display for QueueStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for QueueStatus {
    type Err = String;

    /// Parses a stored spelling; the error lists the accepted ones.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "queued" => Ok(QueueStatus::Queued),
            "running" => Ok(QueueStatus::Running),
            other => other
                .parse::<RunStatus>()
                .map(QueueStatus::Done)
                .map_err(|_| {
                    format!(
                        "`{other}` is not a run status (one of {})",
                        Self::NAMES.join(", ")
                    )
                }),
        }
    }
}

impl Serialize for QueueStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for QueueStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [(QueueStatus, &str); 7] = [
        (QueueStatus::Queued, "queued"),
        (QueueStatus::Running, "running"),
        (QueueStatus::Done(RunStatus::Succeeded), "succeeded"),
        (QueueStatus::Done(RunStatus::Failed), "failed"),
        (QueueStatus::Done(RunStatus::Error), "error"),
        (QueueStatus::Done(RunStatus::Cancelled), "cancelled"),
        (QueueStatus::Done(RunStatus::Timeout), "timeout"),
    ];

    #[test]
    fn every_status_keeps_its_stored_spelling() {
        for (status, text) in ALL {
            assert_eq!(status.as_str(), text);
            assert_eq!(status.to_string(), text);
            assert_eq!(text.parse::<QueueStatus>(), Ok(status));
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<QueueStatus>(&json).unwrap(), status);
        }
    }

    #[test]
    fn names_list_every_status_once() {
        let spelled: Vec<&str> = ALL.iter().map(|(_, t)| *t).collect();
        assert_eq!(QueueStatus::NAMES, spelled.as_slice());
        assert_eq!(QueueStatus::NAMES.len(), 2 + RunStatus::NAMES.len());
    }

    #[test]
    fn only_queued_and_running_are_live() {
        for (status, _) in ALL {
            assert_eq!(status.is_live(), status.finished().is_none(), "{status}");
        }
        assert!(QueueStatus::Queued.is_live() && QueueStatus::Running.is_live());
        assert_eq!(QueueStatus::default(), QueueStatus::Queued);
    }

    #[test]
    fn unknown_spellings_are_refused_with_the_list() {
        let err = "done".parse::<QueueStatus>().unwrap_err();
        assert_eq!(
            err,
            "`done` is not a run status (one of queued, running, succeeded, failed, error, cancelled, timeout)"
        );
        assert!(serde_json::from_str::<QueueStatus>("\"Running\"").is_err());
        assert!(serde_json::from_str::<QueueStatus>("3").is_err());
    }
}

//! [`AgentEvent`]: one normalized event as a parser sees it, before it has a run identity.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use wharf_model::{EventKind, EventRecord, TsSource, TypeTag};

wharf_model::event_struct! {
    /// One normalized trajectory event without run identity (run, attempt, seq, collection).
    ///
    /// Conventions shared by every parser:
    /// - `raw` holds the native line verbatim on the first event a line produced (the other
    ///   events of the same line leave it `None`, so a long line is stored once).
    /// - Token counts are only set on `usage` events, and `usage` events are additive: their sum
    ///   is the attempt's usage. `input_tokens` counts every input token, cached ones included;
    ///   `cache_read_tokens` / `cache_write_tokens` are the cached subsets.
    /// - Tool results carry `status` `ok` or `error` when the native stream says which.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct AgentEvent {}
    before_raw {
        /// The native timestamp, when the stream has one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub ts: Option<DateTime<Utc>>,
    }
}

impl AgentEvent {
    /// An empty event of this kind.
    pub fn new(kind: EventKind) -> Self {
        wharf_model::event_blank!(kind => AgentEvent { ts: None, })
    }

    /// A `log` event for a line nobody understood: the line is both text and raw.
    pub fn log(line: &str) -> Self {
        Self {
            text: Some(line.to_owned()),
            raw: Some(line.to_owned()),
            ..Self::new(EventKind::Log)
        }
    }

    /// Gives the event its run identity. `ts_source` is `native` when the stream had a
    /// timestamp, else the event takes `observed_ts` (when the engine read the line).
    pub fn into_record(
        self,
        run_id: impl Into<String>,
        attempt: i32,
        seq: i64,
        observed_ts: DateTime<Utc>,
        collection: Option<String>,
    ) -> EventRecord {
        let (ts, ts_source) = match self.ts {
            Some(ts) => (ts, TsSource::Native),
            None => (observed_ts, TsSource::Observed),
        };
        wharf_model::event_from!(self => EventRecord {
            type_tag: TypeTag,
            run_id: run_id.into(),
            attempt,
            seq,
            ts,
            ts_source,
            collection,
        })
    }
}

//! `"type": "event"`: one normalized trajectory event, one row of `events`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{TypeTag, attempt_range, check_collection, finite, non_negative};
use crate::enums::{EventKind, TsSource};
use crate::{ModelError, ids};

crate::event_struct! {
    /// A message, tool call, tool result, usage report, ... of one attempt.
    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct EventRecord {
        #[serde(rename = "type", default, skip_serializing)]
        #[doc(hidden)]
        pub type_tag: TypeTag,
        /// Run id (UUID).
        pub run_id: String,
        /// Attempt (default 1).
        #[serde(default = "super::default_attempt")]
        pub attempt: i32,
        /// Position in the attempt.
        pub seq: i64,
        /// When the event happened (UTC); see `ts_source` for who took the time.
        pub ts: DateTime<Utc>,
        /// Who took the time (default `native`).
        #[serde(default = "default_ts_source")]
        pub ts_source: TsSource,
        /// Collection; when omitted, the run header's, else the ingest default.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub collection: Option<String>,
    }
    before_raw {}
}

fn default_ts_source() -> TsSource {
    TsSource::Native
}

impl EventRecord {
    /// An event of this kind at `ts` (native time), every payload field unset.
    pub fn new(
        run_id: impl Into<String>,
        attempt: i32,
        seq: i64,
        ts: DateTime<Utc>,
        kind: EventKind,
    ) -> Self {
        crate::event_blank!(kind => EventRecord {
            type_tag: TypeTag,
            run_id: run_id.into(),
            attempt,
            seq,
            ts,
            ts_source: TsSource::Native,
            collection: None,
        })
    }

    pub(crate) fn validate(&mut self) -> Result<(), ModelError> {
        ids::normalize_uuid_in("run_id", &mut self.run_id)?;
        check_collection(&self.collection)?;
        attempt_range(self.attempt)?;
        non_negative("seq", Some(self.seq))?;
        non_negative("duration_ms", self.duration_ms)?;
        non_negative("input_tokens", self.input_tokens)?;
        non_negative("output_tokens", self.output_tokens)?;
        non_negative("cache_read_tokens", self.cache_read_tokens)?;
        non_negative("cache_write_tokens", self.cache_write_tokens)?;
        finite("cost_usd", self.cost_usd, Some(0.0))?;
        Ok(())
    }

    /// `input` as stored in `input_json`.
    pub fn input_json(&self) -> Option<String> {
        self.input.as_ref().map(|v| v.to_string())
    }
}

//! Events written as they come: redacted, numbered, batched by size and time.

use super::*;

/// Numbers events, scrubs them and writes them in batches.
pub(super) struct Recorder {
    store: Arc<Store>,
    run_id: String,
    collection: String,
    pub(super) attempt: i32,
    pub(super) seq: i64,
    buffer: Vec<Record>,
    pub(super) last: Instant,
    pub(super) redactor: Redactor,
}

impl Recorder {
    pub(super) fn new(store: Arc<Store>, run_id: String, collection: String) -> Self {
        Recorder {
            store,
            run_id,
            collection,
            attempt: 1,
            seq: 0,
            buffer: Vec::new(),
            last: Instant::now(),
            redactor: Redactor::default(),
        }
    }

    pub(super) async fn push(&mut self, event: AgentEvent) {
        let mut record: EventRecord = event.into_record(
            self.run_id.clone(),
            self.attempt,
            self.seq,
            Utc::now(),
            Some(self.collection.clone()),
        );
        self.seq += 1;
        self.redactor.event(&mut record);
        self.buffer.push(Record::Event(record));
        if self.buffer.len() >= BATCH_ROWS || self.last.elapsed() >= BATCH_EVERY {
            self.flush().await;
        }
    }

    pub(super) async fn status(&mut self, text: &str, exit_code: Option<i32>) {
        let mut e = AgentEvent::new(EventKind::Status);
        e.text = Some(text.to_owned());
        e.exit_code = exit_code;
        e.role = Some("wharf".into());
        self.push(e).await;
    }

    pub(super) async fn flush(&mut self) {
        self.last = Instant::now();
        if self.buffer.is_empty() {
            return;
        }
        let batch = std::mem::take(&mut self.buffer);
        if let Err(e) = self.store.ingest(batch).await {
            tracing::error!(error = %e, run_id = %self.run_id, "events could not be recorded");
        }
    }
}

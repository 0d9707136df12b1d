//! The end of a run: the kept attempt, the run row and its labels, the summary; and the
//! recorder that writes events in batches as they come.

use super::*;

impl RunContext<'_> {
    pub(super) async fn finish(
        mut self,
        outcome: Result<Outcome, EngineError>,
    ) -> Result<RunSummary, EngineError> {
        let engine = self.engine;
        let t = Instant::now();
        if !engine.gateway.flush(Duration::from_secs(5)).await {
            tracing::warn!(run_id = %self.run_id, "some LLM calls were still in flight when the run ended");
        }
        if let Some(token) = &self.token {
            engine.gateway.revoke(token);
        }
        engine.sink.drain().await;
        let tally = engine.sink.take(&self.run_id);
        let (status, error, attempts, best) = match &outcome {
            Err(EngineError::Cancelled) => (
                RunStatus::Cancelled,
                Some("cancelled before the agent started".to_owned()),
                0,
                None,
            ),
            Err(e) => (RunStatus::Error, Some(e.to_string()), 0, None),
            Ok(o) => {
                let (status, error) = o.status();
                (status, error, o.attempts.len(), o.best())
            }
        };
        let error = error.map(|e| self.recorder.redactor.text(&e));
        let cost_usd = tally.cost_usd.filter(|_| tally.calls > 0);
        self.recorder.flush().await;
        // The attempts' artifact rows, the kept-attempt label and the run row: one write.
        let mut rows: Vec<Record> = outcome
            .iter()
            .flat_map(|o| o.attempts.iter())
            .flat_map(|a| a.artifacts.records.iter().cloned().map(Record::Artifact))
            .collect();
        if let Some(b) = best {
            // Which attempt's scores and outputs the run keeps, for SQL (`kept_scores`).
            let mut label = Record::Label(LabelRecord::new(
                self.run_id.clone(),
                Some(self.collection.clone()),
                KEPT_ATTEMPT_LABEL,
                b.number.to_string(),
                Some("wharf".into()),
                Utc::now(),
            ));
            match label.validate() {
                Ok(()) => rows.push(label),
                Err(e) => tracing::error!(error = %e, "the kept-attempt label is invalid"),
            }
        }
        let evaluation = best.map(|b| &b.evaluation);
        let artifacts = best
            .map(|b| b.artifacts.records.clone())
            .unwrap_or_default();
        let missing = best.map(|b| b.missing.clone()).unwrap_or_default();
        let ended_at = Utc::now();
        let duration_ms = (ended_at - self.started_at).num_milliseconds().max(0);
        let p = self.prepared;
        let run = RunRecord {
            collection: Some(self.collection.clone()),
            task: self.request.task.clone(),
            source: RunSource::Sandbox,
            runbook_name: Some(p.name.clone()),
            runbook_version: p.runbook.frontmatter.version.clone(),
            runbook_sha256: Some(p.sha256.clone()),
            runtime: Some(p.runtime.name().to_owned()),
            runtime_version: p.runtime.version().map(str::to_owned),
            model: p.model.clone(),
            model_provider: p.provider.as_ref().map(|pr| pr.name().to_owned()),
            snapshot: p.snapshot.clone(),
            parameters: Some(serde_json::to_value(&p.values).unwrap_or_default()),
            passed: evaluation.map(Evaluation::passed),
            final_score: evaluation.and_then(Evaluation::score),
            attempts: i32::try_from(attempts.max(1)).unwrap_or(i32::MAX),
            ended_at: Some(ended_at),
            duration_ms: Some(duration_ms),
            input_tokens: Some(tally.input_tokens),
            output_tokens: Some(tally.output_tokens),
            cache_read_tokens: Some(tally.cache_read_tokens),
            cache_write_tokens: Some(tally.cache_write_tokens),
            reasoning_tokens: Some(tally.reasoning_tokens),
            cost_usd,
            cost_source: (tally.calls > 0).then_some(CostSource::Gateway),
            error: error.clone(),
            ..RunRecord::new(self.run_id.clone(), status, self.started_at)
        };
        rows.push(Record::Run(run));
        engine.store.ingest(rows).await?;
        engine.store.flush().await?;
        self.phases.ingest_ms = ms(t.elapsed());
        let workspace = match self.sandbox.take() {
            Some(sb) => {
                let keep = self.request.keep;
                if let Err(e) = sb.destroy(keep).await {
                    tracing::warn!(error = %e, "sandbox cleanup failed");
                }
                keep.then(|| sb.workspace().to_path_buf())
            }
            None => None,
        };
        let summary = RunSummary {
            run_id: self.run_id.clone(),
            collection: self.collection.clone(),
            status,
            error,
            agent: p.runtime.name().to_owned(),
            model: p.model.clone(),
            duration_ms,
            input_tokens: tally.input_tokens,
            output_tokens: tally.output_tokens,
            cache_read_tokens: tally.cache_read_tokens,
            cost_usd,
            llm_calls: tally.calls,
            events: self.recorder.seq,
            artifacts: artifacts.iter().map(ArtifactSummary::of).collect(),
            missing_outputs: missing,
            passed: evaluation.map(Evaluation::passed),
            final_score: evaluation.and_then(Evaluation::score),
            checks: evaluation.map(Evaluation::summaries).unwrap_or_default(),
            attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            best_attempt: best.map(|b| b.number),
            workspace,
            phases: self.phases.clone(),
            sql: format!(
                "SELECT seq, kind, name, substr(coalesce(text, output_text), 1, 80) AS what FROM events WHERE run_id = '{}' ORDER BY seq",
                self.run_id
            ),
        };
        send(
            &self.progress,
            Progress::Finished {
                summary: Box::new(summary.clone()),
            },
        );
        Ok(summary)
    }
}

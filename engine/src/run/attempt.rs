//! One attempt: the agent runs in the sandbox, its native stream becomes events as it
//! goes, then the attempt's outputs are collected and graded.

use super::*;

impl RunContext<'_> {
    /// One attempt: the agent (resumed with `feedback` after the first), its outputs
    /// collected under the attempt's number, then evaluated and its scores recorded.
    pub(super) async fn attempt(
        &mut self,
        sandbox: &Arc<dyn Sandbox>,
        number: u32,
        feedback: Option<String>,
    ) -> Result<Attempt, EngineError> {
        let engine = self.engine;
        let prepared = self.prepared;
        let attempt_no = i32::try_from(number).unwrap_or(i32::MAX);
        self.recorder.attempt = attempt_no;
        self.digest.clear();
        self.reported_failure = None;
        self.last_error_event = None;
        if let Some(text) = &feedback {
            let mut e = AgentEvent::new(EventKind::UserMessage);
            e.role = Some("wharf".into());
            e.name = Some("feedback".into());
            e.text = Some(text.clone());
            self.recorder.push(e).await;
        }
        let gateway_url = sandbox
            .gateway_url()
            .unwrap_or_else(|| format!("http://127.0.0.1:{}", paths::GATEWAY_PORT));
        let mut input = InvocationInput::new(
            prepared.mission.clone(),
            prepared.model.clone(),
            gateway_url,
            self.token.clone().unwrap_or_default(),
        );
        input.command = self.request.command.clone();
        input.attempt = number;
        input.resume = feedback.is_some();
        input.feedback = feedback;
        let invocation = prepared.runtime.invocation(&input)?;
        for file in &invocation.files {
            sandbox
                .write_file(&file.path, file.content.clone().into_bytes())
                .await?;
        }

        // The agent.
        if self.request.cancel.is_cancelled() {
            return Err(EngineError::Cancelled);
        }
        self.recorder.status("agent started", None).await;
        send(
            &self.progress,
            Progress::AgentStarted {
                agent: prepared.runtime.name().to_owned(),
                version: prepared.runtime.version().map(str::to_owned),
            },
        );
        let request = ExecRequest {
            argv: invocation.argv.clone(),
            env: invocation.env.clone(),
            cwd: Some(invocation.workdir.clone()),
            stdin: match &invocation.stdin {
                Stdin::Closed => None,
                Stdin::Text(text) => Some(text.clone().into_bytes()),
            },
            timeout: None,
        };
        let mut execution = sandbox.exec(request).await?;
        let canceller = execution.canceller();
        let cancel = self.request.cancel.clone();
        let mut parser = prepared.runtime.parser();
        let mut stderr_tail: Vec<String> = Vec::new();
        let mut first_line: Option<Duration> = None;
        let mut cancel_sent = false;
        // Quiet agents still get their last events written within BATCH_EVERY.
        let mut tick = tokio::time::interval(BATCH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let line = tokio::select! {
                line = execution.next_line() => line,
                _ = tick.tick() => {
                    if self.recorder.last.elapsed() >= BATCH_EVERY {
                        self.recorder.flush().await;
                    }
                    continue;
                }
                () = cancel.cancelled(), if !cancel_sent => {
                    cancel_sent = true;
                    canceller.notify_one();
                    continue;
                }
            };
            let Some(line) = line else { break };
            first_line.get_or_insert(line.at);
            match line.stream {
                Stream::Stdout => {
                    let events = parser.feed_line(&line.line);
                    self.events(events).await;
                }
                Stream::Stderr => {
                    if line.line.trim().is_empty() {
                        continue;
                    }
                    if stderr_tail.len() == STDERR_TAIL {
                        stderr_tail.remove(0);
                    }
                    stderr_tail.push(self.recorder.redactor.text(&line.line));
                    let mut e = AgentEvent::log(&line.line);
                    e.name = Some("stderr".into());
                    self.event(e).await;
                }
            }
        }
        let events = parser.finish();
        self.events(events).await;
        let exit = execution.wait().await;
        let start = first_line.unwrap_or(exit.duration);
        if number == 1 {
            self.phases.agent_start_ms = ms(start);
        }
        self.phases.agent_work_ms += ms(exit.duration.saturating_sub(start));
        send(
            &self.progress,
            Progress::AgentExited {
                how: exit.describe(),
                code: exit.code,
            },
        );
        self.recorder
            .status(&format!("agent ended: {}", exit.describe()), exit.code)
            .await;

        // Runtime-specific trajectory sources read after the agent ended (hermes export).
        for post in &invocation.post_run {
            let req = ExecRequest {
                argv: post.argv.clone(),
                env: invocation.env.clone(),
                ..ExecRequest::default()
            };
            let (lines, info) = sandbox.exec(req).await?.collect().await;
            if let Some(kind) = post.stdout {
                let stdout: Vec<&str> = lines
                    .iter()
                    .filter(|l| l.stream == Stream::Stdout)
                    .map(|l| l.line.as_str())
                    .collect();
                let events = parse_all(kind.parser().as_mut(), &stdout.join("\n"));
                self.events(events).await;
            }
            if !info.success() {
                send(
                    &self.progress,
                    Progress::Warning {
                        message: format!("`{}` {}", post.argv.join(" "), info.describe()),
                    },
                );
            }
        }
        for out in &invocation.output_files {
            if let Ok(bytes) = sandbox.read_file(&out.path, 64 << 20).await {
                let events =
                    parse_all(out.kind.parser().as_mut(), &String::from_utf8_lossy(&bytes));
                self.events(events).await;
            }
        }

        // Results.
        let collect_started = Instant::now();
        let owner = self.owner(attempt_no);
        let collected = artifacts::collect(sandbox, &engine.objects, &owner).await?;
        self.phases.collect_ms += ms(collect_started.elapsed());
        for (path, reason) in &collected.skipped {
            send(
                &self.progress,
                Progress::Warning {
                    message: format!("result `{path}` not collected: {reason}"),
                },
            );
        }
        send(
            &self.progress,
            Progress::ArtifactsCollected {
                files: collected.records.len(),
                bytes: collected.bytes,
            },
        );
        let mut evaluation =
            crate::evaluate::programmatic(sandbox, &prepared.spec(), &collected).await;
        let judge_ctx = crate::evaluate::JudgeContext {
            judge: engine.judge.as_deref(),
            digest: &self.digest,
            run_id: &self.run_id,
            attempt: attempt_no,
            collection: &self.collection,
        };
        evaluation.rubric =
            crate::evaluate::rubric(sandbox, &prepared.spec(), &collected, &judge_ctx).await;
        evaluation.redact(&self.recorder.redactor);
        self.record_scores(attempt_no, &evaluation).await;
        let required: Vec<String> = prepared
            .runbook
            .required_outputs
            .iter()
            .filter_map(|o| o.glob.clone().or_else(|| o.relative.clone()))
            .collect();
        let present: Vec<&str> = collected.records.iter().map(|a| a.path.as_str()).collect();
        let missing = artifacts::missing_outputs(&required, &present);
        let tally = engine.sink.peek(&self.run_id);
        let (mut status, mut error) = status_of(
            &exit,
            &stderr_tail,
            &missing,
            tally.last_error.as_ref(),
            self.reported_failure.as_deref(),
        );
        if status == RunStatus::Succeeded && !evaluation.passed() {
            let failed: Vec<String> = evaluation
                .summaries()
                .into_iter()
                .filter(|c| !c.passed)
                .map(|c| c.name)
                .collect();
            status = RunStatus::Failed;
            error = Some(format!("evaluation failed: {}", failed.join(", ")));
        }
        Ok(Attempt {
            number,
            status,
            error: error.map(|e| self.recorder.redactor.text(&e)),
            missing,
            artifacts: collected,
            evaluation,
        })
    }

    pub(super) fn owner(&self, attempt: i32) -> Owner<'_> {
        Owner {
            run_id: &self.run_id,
            attempt,
            collection: &self.collection,
            primary: &self.prepared.runbook.frontmatter.primary_outputs,
        }
    }

    /// One `scores` row per check and per rubric criterion of an attempt.
    async fn record_scores(&self, attempt: i32, evaluation: &Evaluation) {
        let rows = evaluation.score_records(&self.run_id, attempt, &self.collection);
        if let Err(err) = self.engine.store.ingest(rows).await {
            tracing::error!(error = %err, "score rows could not be recorded");
        }
    }

    async fn events(&mut self, events: Vec<AgentEvent>) {
        for event in events {
            self.event(event).await;
        }
    }

    async fn event(&mut self, event: AgentEvent) {
        if event.kind == EventKind::Error {
            self.last_error_event = event.text.clone();
        }
        if matches!(event.kind, EventKind::Usage | EventKind::SessionEnd)
            && matches!(event.status.as_deref(), Some("failed" | "error"))
        {
            let why = self.last_error_event.clone().or_else(|| event.text.clone());
            self.reported_failure =
                Some(why.unwrap_or_else(|| "the session ended as failed".into()));
        }
        if self.digest.len() < DIGEST_EVENTS
            && matches!(
                event.kind,
                EventKind::ToolCall
                    | EventKind::ToolResult
                    | EventKind::AssistantMessage
                    | EventKind::Error
            )
        {
            self.digest.push(wharf_grader::DigestEvent {
                kind: event.kind.as_str().to_owned(),
                name: event.name.clone(),
                text: summarize(&event).map(|t| self.recorder.redactor.text(&t)),
                status: event.status.clone(),
            });
        }
        if let Some(summary) = summarize(&event) {
            send(
                &self.progress,
                Progress::Step {
                    seq: self.recorder.seq,
                    kind: event.kind.as_str().to_owned(),
                    summary: self.recorder.redactor.text(&summary),
                },
            );
        }
        self.recorder.push(event).await;
    }
}

fn summarize(e: &AgentEvent) -> Option<String> {
    let short = |s: &str| {
        let s = s.trim().replace('\n', " ");
        if s.chars().count() > 100 {
            format!("{}…", s.chars().take(100).collect::<String>())
        } else {
            s
        }
    };
    match e.kind {
        EventKind::ToolCall => {
            let input = e
                .input
                .as_ref()
                .map(|i| match i.get("command").or_else(|| i.get("cmd")) {
                    Some(serde_json::Value::String(c)) => c.clone(),
                    Some(other) => other.to_string(),
                    None => i.to_string(),
                });
            Some(format!(
                "running tool {}: {}",
                e.name.as_deref().unwrap_or("?"),
                short(&input.unwrap_or_default())
            ))
        }
        EventKind::ToolResult => Some(format!(
            "tool {} {}",
            e.name.as_deref().unwrap_or("result"),
            e.status
                .as_deref()
                .or(e.exit_code.map(|c| if c == 0 { "ok" } else { "failed" }))
                .unwrap_or("done")
        )),
        EventKind::AssistantMessage => e.text.as_deref().map(|t| format!("says: {}", short(t))),
        EventKind::Error => Some(format!("error: {}", short(e.text.as_deref().unwrap_or("")))),
        EventKind::SessionStart => Some("session started".into()),
        EventKind::SessionEnd => Some("session ended".into()),
        EventKind::Log if e.name.as_deref() != Some("stderr") => {
            e.text.as_deref().map(|t| format!("output: {}", short(t)))
        }
        EventKind::Usage | EventKind::Reasoning => None,
        _ => None,
    }
}

/// The run's status from how the agent ended and what it left.
fn status_of(
    exit: &ExitInfo,
    stderr_tail: &[String],
    missing: &[String],
    llm_error: Option<&(i32, String)>,
    reported_failure: Option<&str>,
) -> (RunStatus, Option<String>) {
    match exit.reason {
        ExitReason::TimedOut => {
            return (
                RunStatus::Timeout,
                Some(format!("the agent {}", exit.describe())),
            );
        }
        ExitReason::Cancelled => return (RunStatus::Cancelled, Some("cancelled".into())),
        ExitReason::Exited | ExitReason::CpuExceeded => {}
    }
    if !exit.success() {
        let mut msg = format!("the agent {}", exit.describe());
        if let Some((status, err)) = llm_error {
            msg.push_str(&format!(
                "; the model provider answered HTTP {status}: {err}"
            ));
        } else if let Some(last) = stderr_tail.last() {
            msg.push_str(&format!("; last stderr: {last}"));
        }
        return (RunStatus::Error, Some(msg));
    }
    if let Some(why) = reported_failure {
        let mut msg = format!("the agent exited 0 but reported a failed session: {why}");
        if let Some((status, err)) = llm_error {
            msg.push_str(&format!(
                "; the model provider answered HTTP {status}: {err}"
            ));
        }
        return (RunStatus::Error, Some(msg));
    }
    if !missing.is_empty() {
        return (
            RunStatus::Failed,
            Some(format!("required outputs missing: {}", missing.join(", "))),
        );
    }
    (RunStatus::Succeeded, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_follows_the_exit_the_stream_and_the_outputs() {
        let ok = ExitInfo {
            code: Some(0),
            ..ExitInfo::default()
        };
        assert_eq!(
            status_of(&ok, &[], &[], None, None),
            (RunStatus::Succeeded, None)
        );
        let (s, e) = status_of(&ok, &[], &["report.md".into()], None, None);
        assert_eq!(s, RunStatus::Failed);
        assert!(e.unwrap().contains("report.md"));
        let (s, e) = status_of(
            &ok,
            &[],
            &[],
            Some(&(401, "bad key".into())),
            Some("usage file failed"),
        );
        assert_eq!(s, RunStatus::Error);
        assert!(e.unwrap().contains("HTTP 401: bad key"));
        let crashed = ExitInfo {
            code: Some(2),
            ..ExitInfo::default()
        };
        let (s, e) = status_of(&crashed, &["boom".into()], &[], None, None);
        assert_eq!(s, RunStatus::Error);
        assert!(e.unwrap().contains("exit 2; last stderr: boom"));
        let late = ExitInfo {
            reason: ExitReason::TimedOut,
            ..ExitInfo::default()
        };
        assert_eq!(status_of(&late, &[], &[], None, None).0, RunStatus::Timeout);
    }
}

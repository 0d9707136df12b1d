//! Setting a run up: redaction, labels, the gateway token, and the sandbox with the
//! runbook's files in it.

use super::*;

impl RunContext<'_> {
    /// Redaction, labels, and the sandbox with the runbook's files in it.
    pub(super) async fn setup(&mut self) -> Result<Arc<dyn Sandbox>, EngineError> {
        let engine = self.engine;
        let prepared = self.prepared;
        // Secrets, the gateway token and provider keys are scrubbed from every event.
        let mut redactor = Redactor::default();
        for (name, _, value) in &prepared.secrets {
            if !redactor.add(name, value) {
                send(
                    &self.progress,
                    Progress::Warning {
                        message: format!("secret `{name}` is too short to redact reliably"),
                    },
                );
            }
        }
        let token = match &prepared.provider {
            Some(provider) => {
                if !provider.api_key().is_empty() {
                    redactor.add("PROVIDER_KEY", provider.api_key().expose());
                }
                let grant = RunGrant::new(
                    Some(self.run_id.clone()),
                    self.collection.clone(),
                    provider.clone(),
                );
                let token = engine.gateway.issue(grant)?;
                let token = token.expose().to_owned();
                redactor.add("GATEWAY_TOKEN", &token);
                token
            }
            None => wharf_gateway::NO_PROVIDER_TOKEN.to_owned(),
        };
        self.token = Some(token.clone());
        self.recorder.redactor = redactor;
        // The request's labels and the rendered runbook (an `input` artifact): one write.
        let mut inputs = self
            .request
            .labels
            .iter()
            .map(|(key, value)| {
                let mut record = Record::Label(LabelRecord::new(
                    self.run_id.clone(),
                    Some(self.collection.clone()),
                    key.clone(),
                    value.clone(),
                    Some("api".into()),
                    self.started_at,
                ));
                // Derives the label id and the numeric value.
                record
                    .validate()
                    .map_err(|e| EngineError::Param(format!("label `{key}`: {e}")))?;
                Ok(record)
            })
            .collect::<Result<Vec<_>, EngineError>>()?;
        let owner = self.owner(1);
        let mission =
            artifacts::store_input(&engine.objects, &owner, "runbook.md", &prepared.mission)
                .await?;
        inputs.push(Record::Artifact(mission));
        engine.store.ingest(inputs).await?;

        // The sandbox.
        let t = Instant::now();
        let mut limits = engine.sandbox.limits.clone();
        if let Some(timeout) = self.request.timeout {
            limits.wall_timeout = Some(timeout);
        }
        let mut allow = wharf_sandbox::parse_allowlist(&engine.sandbox.allow_hosts)?;
        allow.extend(wharf_sandbox::parse_allowlist(&self.request.allow_hosts)?);
        let policy = self.request.network.unwrap_or(engine.sandbox.network);
        let snapshot = prepared
            .snapshot
            .clone()
            .unwrap_or_else(|| "host".to_owned());
        let spec = SandboxSpec {
            id: Some(self.run_id.replace('-', "")),
            snapshot,
            limits,
            network: Network {
                policy,
                gateway: Some(engine.gateway_addr),
                allow,
            },
            env: prepared
                .secrets
                .iter()
                .map(|(_, env, value)| (env.clone(), value.clone()))
                .collect(),
        };
        let sandbox = engine.backend.create(spec).await?;
        self.sandbox = Some(sandbox.clone());
        for (name, bytes) in &prepared.files {
            sandbox.upload(name, bytes.clone()).await?;
        }
        sandbox
            .write_file(paths::RUNBOOK, prepared.mission.clone().into_bytes())
            .await?;
        self.phases.sandbox_ms = ms(t.elapsed());
        send(
            &self.progress,
            Progress::SandboxReady {
                sandbox: sandbox.id().to_owned(),
                ms: self.phases.sandbox_ms,
                network: policy.to_string(),
            },
        );

        Ok(sandbox)
    }
}

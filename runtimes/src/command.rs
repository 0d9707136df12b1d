//! command: any executable that takes the mission and writes files. Its stdout lines are
//! `log` events.
//!
//! The command gets the mission on stdin and in `WHARF_MISSION_FILE`, and the gateway under
//! the usual variable names of the OpenAI and Anthropic SDKs (the token as their key).

use wharf_model::LlmApi;

use crate::error::RuntimeError;
use crate::event::AgentEvent;
use crate::install::InstallSpec;
use crate::invocation::{Invocation, InvocationInput, Stdin, TOKEN_ENV, base_env};
use crate::parse::{StreamParser, clean_line};
use crate::runtime::Runtime;

/// A user-supplied command line.
#[derive(Debug, Clone, Copy)]
pub struct Command;

impl Runtime for Command {
    fn name(&self) -> &'static str {
        "command"
    }

    fn install_spec(&self) -> Option<InstallSpec> {
        None
    }

    fn wire_api(&self) -> Option<LlmApi> {
        None
    }

    fn invocation(&self, input: &InvocationInput) -> Result<Invocation, RuntimeError> {
        input.validate()?;
        if input
            .command
            .first()
            .is_none_or(|program| program.trim().is_empty())
        {
            return Err(RuntimeError::MissingCommand);
        }
        let gateway = input.gateway();
        let mut env = base_env(input);
        let mut set = |k: &str, v: &str| env.push((k.to_owned(), v.to_owned()));
        set("WHARF_MISSION_FILE", &input.mission_file);
        set("WHARF_WORKDIR", &input.workdir);
        set("WHARF_ATTEMPT", &input.attempt.to_string());
        set("WHARF_RESUME", if input.resume { "1" } else { "0" });
        set("WHARF_GATEWAY_URL", gateway);
        set(TOKEN_ENV, &input.token);
        set("OPENAI_BASE_URL", &format!("{gateway}/v1"));
        set("OPENAI_API_KEY", &input.token);
        set("ANTHROPIC_BASE_URL", gateway);
        set("ANTHROPIC_API_KEY", &input.token);
        if let Some(model) = input.model_name() {
            set("WHARF_MODEL", model);
        }
        Ok(Invocation {
            argv: input.command.clone(),
            env,
            files: Vec::new(),
            stdin: Stdin::Text(input.prompt()),
            workdir: input.workdir.clone(),
            post_run: Vec::new(),
            output_files: Vec::new(),
        })
    }

    fn parser(&self) -> Box<dyn StreamParser> {
        Box::new(LogParser)
    }
}

/// Every non-blank line becomes a `log` event (JSON or not).
#[derive(Debug, Default)]
pub struct LogParser;

impl StreamParser for LogParser {
    fn feed_line(&mut self, line: &str) -> Vec<AgentEvent> {
        clean_line(line).map(AgentEvent::log).into_iter().collect()
    }

    fn finish(&mut self) -> Vec<AgentEvent> {
        Vec::new()
    }
}

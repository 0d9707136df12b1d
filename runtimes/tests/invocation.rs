//! Headless invocations: the token is the only credential, configs parse, argv is sane.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use wharf_runtimes::{
    Invocation, InvocationInput, MAX_PROMPT_ARG_BYTES, OutputKind, Registry, RuntimeError, Stdin,
    TOKEN_ENV, all, runtime,
};

const TOKEN: &str = "wrt_run_0123456789abcdef";

fn input() -> InvocationInput {
    let mut input = InvocationInput::new(
        "# Mission\n\nWrite /app/results/report.md.",
        Some("mock-model".to_owned()),
        "http://127.0.0.1:4000/",
        TOKEN,
    );
    input.command = vec!["/app/agent.sh".to_owned(), "--fast".to_owned()];
    input
}

fn invocation(name: &str, input: &InvocationInput) -> Invocation {
    runtime(name).unwrap().invocation(input).unwrap()
}

/// Names that look like they hold a credential.
fn is_credential_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["KEY", "TOKEN", "SECRET", "PASSWORD", "AUTH", "CREDENTIAL"]
        .iter()
        .any(|m| upper.contains(m))
}

#[test]
fn the_token_is_the_only_credential() {
    for runtime in all() {
        let inv = runtime.invocation(&input()).unwrap();
        for (name, value) in &inv.env {
            if is_credential_name(name) {
                assert_eq!(
                    value,
                    TOKEN,
                    "{}: {name} is not the run token",
                    runtime.name()
                );
            }
            assert!(
                !value.starts_with("sk-"),
                "{}: {name}={value}",
                runtime.name()
            );
            assert!(
                !value.contains("AIza"),
                "{}: {name}={value}",
                runtime.name()
            );
        }
        let credentials = inv
            .env
            .iter()
            .filter(|(n, _)| is_credential_name(n))
            .count();
        // hermes reads its key only from its config file (in the run's private home).
        let in_files = inv.files.iter().any(|f| f.content.contains(TOKEN));
        assert!(
            credentials >= 1 || in_files,
            "{}: the token is nowhere",
            runtime.name()
        );
        for arg in &inv.argv {
            assert!(
                !arg.contains(TOKEN),
                "{}: token on the command line",
                runtime.name()
            );
        }
        for file in &inv.files {
            assert!(
                !file.content.contains("sk-"),
                "{}: {}",
                runtime.name(),
                file.path
            );
        }
    }
}

#[test]
fn the_token_reaches_the_runtime_where_it_looks() {
    let inv = invocation("claude-code", &input());
    assert_eq!(inv.env_var("ANTHROPIC_API_KEY"), Some(TOKEN));
    assert_eq!(
        inv.env_var("ANTHROPIC_BASE_URL"),
        Some("http://127.0.0.1:4000")
    );
    assert_eq!(inv.env_var("IS_SANDBOX"), Some("1"));

    let inv = invocation("gemini-cli", &input());
    assert_eq!(inv.env_var("GEMINI_API_KEY"), Some(TOKEN));
    assert_eq!(
        inv.env_var("GOOGLE_GEMINI_BASE_URL"),
        Some("http://127.0.0.1:4000")
    );
    assert_eq!(inv.env_var("GEMINI_CLI_TRUST_WORKSPACE"), Some("true"));

    let inv = invocation("opencode", &input());
    assert_eq!(inv.env_var(TOKEN_ENV), Some(TOKEN));

    let inv = invocation("hermes", &input());
    let config = &inv.files[0];
    assert!(config.path.ends_with("/config.yaml"));
    assert!(
        config.content.contains(&format!("api_key: \"{TOKEN}\"")),
        "{}",
        config.content
    );
}

#[test]
fn codex_config_is_toml_with_a_responses_provider() {
    let inv = invocation("codex", &input());
    let file = inv.file("/home/agent/.codex/config.toml").unwrap();
    let config: toml::Value = toml::from_str(&file.content).unwrap();
    assert_eq!(config["model"].as_str(), Some("mock-model"));
    let provider_id = config["model_provider"].as_str().unwrap();
    let provider = &config["model_providers"][provider_id];
    assert_eq!(provider["wire_api"].as_str(), Some("responses"));
    assert_eq!(
        provider["base_url"].as_str(),
        Some("http://127.0.0.1:4000/v1")
    );
    let env_key = provider["env_key"].as_str().unwrap();
    assert_eq!(inv.env_var(env_key), Some(TOKEN));
    assert_eq!(inv.env_var("CODEX_HOME"), Some("/home/agent/.codex"));
    assert_eq!(inv.stdin, Stdin::Closed);
}

#[test]
fn codex_config_survives_hostile_model_names() {
    let mut input = input();
    input.model = Some("we\"ird\\model\n[x]\u{7}".to_owned());
    let inv = invocation("codex", &input);
    let file = inv.file("/home/agent/.codex/config.toml").unwrap();
    let config: toml::Value = toml::from_str(&file.content).unwrap();
    assert_eq!(config["model"].as_str(), input.model.as_deref());
}

#[test]
fn json_configs_parse() {
    let gemini = invocation("gemini-cli", &input());
    let settings: serde_json::Value = serde_json::from_str(
        &gemini
            .file("/home/agent/.gemini/settings.json")
            .unwrap()
            .content,
    )
    .unwrap();
    assert_eq!(
        settings["security"]["auth"]["selectedType"],
        "gemini-api-key"
    );

    let opencode = invocation("opencode", &input());
    let config: serde_json::Value = serde_json::from_str(
        &opencode
            .file("/home/agent/.config/opencode/opencode.json")
            .unwrap()
            .content,
    )
    .unwrap();
    let provider = &config["provider"]["wharf"];
    assert_eq!(provider["npm"], "@ai-sdk/openai-compatible");
    assert_eq!(provider["options"]["baseURL"], "http://127.0.0.1:4000/v1");
    assert_eq!(
        provider["options"]["apiKey"],
        format!("{{env:{TOKEN_ENV}}}")
    );
    assert!(provider["models"]["mock-model"].is_object());
    let m = opencode.argv.iter().position(|a| a == "-m").unwrap();
    assert_eq!(opencode.argv[m + 1], "wharf/mock-model");

    let claude = invocation("claude-code", &input());
    for file in &claude.files {
        serde_json::from_str::<serde_json::Value>(&file.content).unwrap();
    }
}

#[test]
fn invocations_match_their_snapshots() {
    for runtime in all() {
        let inv = runtime.invocation(&input()).unwrap();
        insta::assert_json_snapshot!(format!("invocation_{}", runtime.name()), inv);
    }
}

#[test]
fn resumed_attempts_carry_the_feedback() {
    let mut resumed = input();
    resumed.resume = true;
    resumed.attempt = 2;
    resumed.feedback = Some("- report.md is missing the summary table".to_owned());

    let claude = invocation("claude-code", &resumed);
    assert!(claude.argv.contains(&"--continue".to_owned()));
    assert!(claude.argv.iter().any(|a| a.contains("summary table")));

    let codex = invocation("codex", &resumed);
    let at = codex.argv.iter().position(|a| a == "resume").unwrap();
    assert_eq!(codex.argv[at + 1], "--last");
    // the prompt ("- report.md ...") must not look like an option
    assert!(codex.argv.last().unwrap().starts_with('\n'));

    let gemini = invocation("gemini-cli", &resumed);
    assert!(gemini.argv.windows(2).any(|w| w == ["--resume", "latest"]));

    let opencode = invocation("opencode", &resumed);
    assert!(opencode.argv.contains(&"--continue".to_owned()));

    // hermes -z never resumes: the mission comes again with the feedback, in a new home.
    let hermes = invocation("hermes", &resumed);
    let z = hermes.argv.iter().position(|a| a == "-z").unwrap();
    assert!(hermes.argv[z + 1].contains("Write /app/results/report.md."));
    assert!(hermes.argv[z + 1].contains("summary table"));
    assert_eq!(
        hermes.env_var("HERMES_HOME"),
        Some("/home/agent/.hermes/attempt-2")
    );

    let command = invocation("command", &resumed);
    assert_eq!(command.env_var("WHARF_RESUME"), Some("1"));
    assert!(matches!(&command.stdin, Stdin::Text(t) if t.contains("summary table")));
}

#[test]
fn prompts_never_look_like_options_and_long_missions_point_to_the_file() {
    let mut input = input();
    input.mission = "---\nversion: 1\n---\n# Mission".to_owned();
    assert!(input.prompt().starts_with('\n'));
    input.mission = "x".repeat(MAX_PROMPT_ARG_BYTES + 1);
    let prompt = input.prompt();
    assert!(prompt.contains("/app/runbook.md"), "{prompt}");
    assert!(prompt.len() < 200);
}

#[test]
fn hermes_collects_its_export_and_usage_file() {
    let inv = invocation("hermes", &input());
    assert_eq!(inv.argv[0], "/opt/wharf/tools/hermes-0.19.0/bin/python3");
    assert_eq!(inv.argv[1], "/opt/wharf/tools/hermes-0.19.0/bin/hermes");
    assert_eq!(inv.argv[2], "-z");
    let export = &inv.post_run[0];
    assert_eq!(&export.argv[2..4], ["sessions", "export"]);
    let kinds: Vec<OutputKind> = inv.output_files.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [OutputKind::HermesSessionExport, OutputKind::HermesUsageFile]
    );
    assert_eq!(inv.output_files[0].path, export.argv[4]);
}

#[test]
fn missing_inputs_are_errors() {
    let mut no_model = input();
    no_model.model = None;
    for name in ["codex", "opencode", "hermes"] {
        let err = runtime(name).unwrap().invocation(&no_model).unwrap_err();
        assert!(
            matches!(err, RuntimeError::MissingModel { .. }),
            "{name}: {err}"
        );
    }
    for name in ["claude-code", "gemini-cli"] {
        runtime(name).unwrap().invocation(&no_model).unwrap();
    }
    let mut no_command = input();
    no_command.command.clear();
    let err = runtime("command")
        .unwrap()
        .invocation(&no_command)
        .unwrap_err();
    assert!(matches!(err, RuntimeError::MissingCommand));

    let mut bad = input();
    bad.token = " ".to_owned();
    assert!(runtime("codex").unwrap().invocation(&bad).is_err());
    let mut bad = input();
    bad.gateway_url = "127.0.0.1:4000".to_owned();
    assert!(runtime("codex").unwrap().invocation(&bad).is_err());
}

#[test]
fn install_specs_are_pinned() {
    let expected = [
        (
            "claude-code",
            Some(("@anthropic-ai/claude-code", "2.1.197", Registry::Npm)),
        ),
        ("codex", Some(("@openai/codex", "0.169.0", Registry::Npm))),
        (
            "gemini-cli",
            Some(("@google/gemini-cli", "0.61.0", Registry::Npm)),
        ),
        ("opencode", Some(("opencode-ai", "1.18.33", Registry::Npm))),
        ("hermes", Some(("hermes-agent", "0.19.0", Registry::Pypi))),
        ("command", None),
    ];
    for (name, spec) in expected {
        let runtime = runtime(name).unwrap();
        let got = runtime
            .install_spec()
            .map(|s| (s.package, s.version, s.registry));
        assert_eq!(got, spec, "{name}");
        assert_eq!(runtime.version(), spec.map(|s| s.1));
    }
    assert_eq!(runtime("command").unwrap().wire_api(), None);
}

#[test]
fn install_commands_and_executables() {
    let tools = Path::new("/var/lib/wharf/tools");
    let claude = runtime("claude-code").unwrap();
    assert_eq!(
        claude.install_commands(tools).unwrap(),
        [[
            "npm",
            "install",
            "--prefix",
            "/var/lib/wharf/tools/claude-code-2.1.197",
            "--no-audit",
            "--no-fund",
            "--no-save",
            "--loglevel=error",
            "@anthropic-ai/claude-code@2.1.197",
        ]]
    );
    assert_eq!(
        claude.executable(tools).unwrap(),
        Path::new("/var/lib/wharf/tools/claude-code-2.1.197/node_modules/.bin/claude")
    );

    let hermes = runtime("hermes").unwrap();
    let commands = hermes.install_commands(tools).unwrap();
    assert_eq!(
        commands[0],
        [
            "/usr/bin/python3",
            "-m",
            "venv",
            "/var/lib/wharf/tools/hermes-0.19.0"
        ]
    );
    assert_eq!(
        commands[1][0],
        "/var/lib/wharf/tools/hermes-0.19.0/bin/python3"
    );
    assert_eq!(commands[1].last().unwrap(), "hermes-agent==0.19.0");
    assert_eq!(
        hermes.executable(tools).unwrap(),
        Path::new("/var/lib/wharf/tools/hermes-0.19.0/bin/hermes")
    );

    let command = runtime("command").unwrap();
    assert!(command.install_commands(tools).unwrap().is_empty());
    assert!(command.executable(tools).is_none());
}

#[cfg(unix)]
#[test]
fn non_utf8_tools_dirs_are_refused() {
    use std::os::unix::ffi::OsStrExt;
    let tools = Path::new(std::ffi::OsStr::from_bytes(b"/tmp/\xff"));
    let err = runtime("codex")
        .unwrap()
        .install_commands(tools)
        .unwrap_err();
    assert!(matches!(err, RuntimeError::NonUtf8Path { .. }));
}

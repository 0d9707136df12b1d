//! `wharf runbook check|render|show|new`: a thin shim over
//! `wharf_runbook::commands`, which does the work and returns what to print.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use wharf_runbook::TemplateKind;
use wharf_runbook::commands::{self, CommandOutput, Format};

/// Parse, validate, render and scaffold runbooks.
#[derive(Debug, Args)]
pub struct RunbookArgs {
    #[command(subcommand)]
    command: RunbookCommand,
}

#[derive(Debug, Subcommand)]
enum RunbookCommand {
    /// Report every diagnostic; exit non-zero if any file has an error.
    Check {
        /// Runbook files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// How to print: text for people, json (one line per file) for programs.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Substitute `{{variables}}` and print the mission as the agent sees it.
    /// `{{secrets.NAME}}` becomes `${NAME}`, never the secret's value.
    Render {
        /// The runbook to render.
        file: PathBuf,
        /// A value for a template variable (repeatable).
        #[arg(long = "param", short = 'p', value_name = "NAME=VALUE", value_parser = parse_param)]
        params: Vec<(String, String)>,
        /// Output format (`json` adds the values used and the environment needed).
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Print the parsed structure (`--format json`: see runbook/schema/runbook.schema.json).
    Show {
        /// The runbook to show.
        file: PathBuf,
        /// How to print: an outline for people, or JSON.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Write a starter runbook NAME.md that passes `check`.
    New {
        /// Name of the runbook (NAME.md is written).
        name: String,
        /// Evaluation kind of the starter.
        #[arg(long, value_enum, default_value_t = Evaluation::Programmatic)]
        evaluation: Evaluation,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
        /// Print to standard output instead of writing a file.
        #[arg(long)]
        stdout: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OutputFormat {
    Text,
    Json,
}

impl From<OutputFormat> for Format {
    fn from(f: OutputFormat) -> Self {
        match f {
            OutputFormat::Text => Format::Text,
            OutputFormat::Json => Format::Json,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Evaluation {
    Programmatic,
    Rubric,
}

fn parse_param(s: &str) -> Result<(String, String), String> {
    commands::parse_param(s).map_err(|e| e.to_string())
}

/// Run a `wharf runbook` subcommand.
pub fn run(args: RunbookArgs) -> anyhow::Result<ExitCode> {
    let output = match args.command {
        RunbookCommand::Check { files, format } => commands::check_files(&files, format.into()),
        RunbookCommand::Render {
            file,
            params,
            format,
        } => commands::render_file(&file, &params, format.into()),
        RunbookCommand::Show { file, format } => commands::show_file(&file, format.into()),
        RunbookCommand::New {
            name,
            evaluation,
            force,
            stdout,
        } => {
            let kind = match evaluation {
                Evaluation::Programmatic => TemplateKind::Programmatic,
                Evaluation::Rubric => TemplateKind::Rubric,
            };
            match commands::new_file(&name, kind, force, stdout) {
                Ok(output) => output,
                Err(e) => CommandOutput {
                    stderr: format!("error: {e}\n"),
                    ..CommandOutput::default()
                },
            }
        }
    };
    emit(&output)
}

fn emit(output: &CommandOutput) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    out.write_all(output.stdout.as_bytes())?;
    out.flush()?;
    let mut err = std::io::stderr().lock();
    err.write_all(output.stderr.as_bytes())?;
    err.flush()?;
    // A runbook with errors is bad input, like any other malformed file.
    Ok(if output.success {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::exit::BAD_INPUT)
    })
}

//! The `wharf runbook` subcommands as library functions: each returns what
//! to print and whether the command succeeded, so the CLI module stays a
//! thin shim and tests need no binary.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::error::RunbookError;
use crate::report::{self, DiagnosticJson};
use crate::scaffold::{TemplateKind, scaffold};
use crate::source::{MAX_RUNBOOK_BYTES, SourceFile};
use crate::{Checked, check, render};

/// Output format of `check`, `render` and `show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Plain text for a terminal (the default).
    #[default]
    Text,
    /// One JSON document on one line, for scripts.
    Json,
}

/// What a command prints and whether it succeeded (exit code 0).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommandOutput {
    /// For standard output.
    pub stdout: String,
    /// For standard error.
    pub stderr: String,
    /// False means a non-zero exit.
    pub success: bool,
}

/// Read and check one file. Reads at most one byte past the size limit, so
/// a huge file or a device never hangs the check.
pub fn check_path(path: &Path) -> Checked {
    let name = path.display().to_string();
    let io_error = |msg: String| Checked {
        source: SourceFile::new(name.clone(), ""),
        runbook: None,
        diagnostics: vec![Diagnostic::new(Code::Io, msg).help("check the path and permissions")],
    };
    // Refuse directories, FIFOs and devices before opening: opening a FIFO
    // blocks until a writer appears.
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => return io_error(format!("`{name}` is not a regular file")),
        Ok(_) => {}
        Err(e) => return io_error(format!("cannot read `{name}`: {e}")),
    }
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return io_error(format!("cannot read `{name}`: {e}")),
    };
    let mut bytes = Vec::new();
    let limit = u64::try_from(MAX_RUNBOOK_BYTES)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    if let Err(e) = file.take(limit).read_to_end(&mut bytes) {
        return io_error(format!("cannot read `{name}`: {e}"));
    }
    check(&name, &bytes)
}

#[derive(Serialize)]
struct FileReport {
    file: String,
    errors: usize,
    warnings: usize,
    diagnostics: Vec<DiagnosticJson>,
}

#[derive(Serialize)]
struct CheckReport {
    files: Vec<FileReport>,
    errors: usize,
    warnings: usize,
}

/// `wharf runbook check FILE...`: every diagnostic; fails on any error.
pub fn check_files(paths: &[PathBuf], format: Format) -> CommandOutput {
    let mut files = Vec::new();
    let mut text = String::new();
    let (mut errors, mut warnings) = (0, 0);
    for path in paths {
        let checked = check_path(path);
        let (e, w) = report::counts(&checked.diagnostics);
        errors += e;
        warnings += w;
        text.push_str(&checked.render_diagnostics());
        let _ = writeln!(text, "{}: {}", checked.source.name(), report::summary(e, w));
        files.push(FileReport {
            file: checked.source.name().to_string(),
            errors: e,
            warnings: w,
            diagnostics: report::to_json(&checked.source, &checked.diagnostics),
        });
    }
    if paths.len() > 1 {
        let _ = writeln!(
            text,
            "checked {} files: {}",
            paths.len(),
            report::summary(errors, warnings)
        );
    }
    let stdout = match format {
        Format::Text => text,
        Format::Json => to_json_line(&CheckReport {
            files,
            errors,
            warnings,
        }),
    };
    CommandOutput {
        stdout,
        stderr: String::new(),
        success: errors == 0,
    }
}

fn to_json_line<T: Serialize>(value: &T) -> String {
    match serde_json::to_string_pretty(value) {
        Ok(s) => s + "\n",
        Err(e) => format!("{{\"error\": \"cannot encode JSON: {e}\"}}\n"),
    }
}

/// Parse `--param NAME=VALUE`.
pub fn parse_param(s: &str) -> Result<(String, String), RunbookError> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(RunbookError::InvalidParam(s.to_string())),
    }
}

/// `wharf runbook render FILE --param k=v ...`: the rendered text (or JSON
/// with the values used and the environment variables needed).
pub fn render_file(path: &Path, params: &[(String, String)], format: Format) -> CommandOutput {
    let checked = check_path(path);
    let Some(rb) = checked.runbook.as_ref() else {
        return failed(&checked);
    };
    let values: BTreeMap<String, String> = params.iter().cloned().collect();
    match render(&checked.source, rb, &values) {
        Ok(rendered) => CommandOutput {
            stdout: match format {
                Format::Text => rendered.text.clone(),
                Format::Json => to_json_line(&rendered),
            },
            stderr: report::format_text(&checked.source, &rendered.warnings),
            success: true,
        },
        Err(diags) => CommandOutput {
            stdout: String::new(),
            stderr: report::format_text(&checked.source, &diags),
            success: false,
        },
    }
}

fn failed(checked: &Checked) -> CommandOutput {
    CommandOutput {
        stdout: String::new(),
        stderr: checked.render_diagnostics(),
        success: false,
    }
}

/// `wharf runbook show FILE`: the parsed structure (JSON: the documented
/// schema in `runbook/schema/runbook.schema.json`). Diagnostics go to stderr;
/// only an unreadable file fails.
pub fn show_file(path: &Path, format: Format) -> CommandOutput {
    let checked = check_path(path);
    let Some(rb) = checked.runbook.as_ref() else {
        return failed(&checked);
    };
    let (e, w) = report::counts(&checked.diagnostics);
    let stderr = if e + w > 0 {
        format!(
            "{}: {} (run `wharf runbook check` for details)\n",
            checked.source.name(),
            report::summary(e, w)
        )
    } else {
        String::new()
    };
    let stdout = match format {
        Format::Json => to_json_line(rb),
        Format::Text => crate::outline::outline(rb),
    };
    CommandOutput {
        stdout,
        stderr,
        success: true,
    }
}

/// `wharf runbook new --evaluation rubric|programmatic NAME`: write
/// `NAME.md` (or print it with `to_stdout`). Refuses to overwrite unless `force`.
pub fn new_file(
    name: &str,
    kind: TemplateKind,
    force: bool,
    to_stdout: bool,
) -> Result<CommandOutput, RunbookError> {
    let path = PathBuf::from(if name.ends_with(".md") {
        name.to_string()
    } else {
        format!("{name}.md")
    });
    let title = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(name)
        .to_string();
    let text = scaffold(&title, kind)?;
    if to_stdout {
        return Ok(CommandOutput {
            stdout: text,
            stderr: String::new(),
            success: true,
        });
    }
    if path.exists() && !force {
        return Err(RunbookError::Exists(path));
    }
    std::fs::write(&path, text).map_err(|source| RunbookError::Write {
        path: path.clone(),
        source,
    })?;
    Ok(CommandOutput {
        stdout: format!(
            "wrote {}\nnext: edit it, then `wharf runbook check {}`\n",
            path.display(),
            path.display()
        ),
        stderr: String::new(),
        success: true,
    })
}

//! The [`Runtime`] trait: one agent CLI's install, headless call and stream parser.

use std::path::{Path, PathBuf};

use wharf_model::LlmApi;

use crate::error::RuntimeError;
use crate::install::{InstallSpec, install_dir};
use crate::invocation::{Invocation, InvocationInput, join};
use crate::parse::StreamParser;

/// One agent CLI. Implementations are stateless unit structs; get them from
/// [`crate::runtime`] or [`crate::all`].
pub trait Runtime: Send + Sync + std::fmt::Debug {
    /// The name used in runbooks (`agent:`).
    fn name(&self) -> &'static str;

    /// The pinned package (`None` for `command`).
    fn install_spec(&self) -> Option<InstallSpec>;

    /// The pinned version (`None` for `command`), from the install spec.
    fn version(&self) -> Option<&'static str> {
        self.install_spec().map(|spec| spec.version)
    }

    /// The wire API its model calls use (`None` for `command`: whatever it uses).
    fn wire_api(&self) -> Option<LlmApi>;

    /// The headless call of one attempt.
    fn invocation(&self, input: &InvocationInput) -> Result<Invocation, RuntimeError>;

    /// A fresh parser for the agent's stdout.
    fn parser(&self) -> Box<dyn StreamParser>;

    /// `<tools_dir>/<name>-<version>` (`None` for `command`).
    fn install_dir(&self, tools_dir: &Path) -> Option<PathBuf> {
        let spec = self.install_spec()?;
        Some(install_dir(tools_dir, self.name(), spec.version))
    }

    /// The commands `wharf runtimes install` runs on the host (empty for `command`).
    fn install_commands(&self, tools_dir: &Path) -> Result<Vec<Vec<String>>, RuntimeError> {
        match (self.install_spec(), self.install_dir(tools_dir)) {
            (Some(spec), Some(dir)) => spec.commands(&dir),
            _ => Ok(Vec::new()),
        }
    }

    /// The installed executable under `tools_dir` (host or sandbox view alike).
    fn executable(&self, tools_dir: &Path) -> Option<PathBuf> {
        let spec = self.install_spec()?;
        Some(self.install_dir(tools_dir)?.join(spec.executable))
    }
}

/// The argv prefix that starts an installed runtime inside the sandbox: the executable, or
/// the venv's interpreter then the executable.
pub(crate) fn launcher(spec: &InstallSpec, name: &str, tools_dir: &str) -> Vec<String> {
    let dir = join(tools_dir, &format!("{name}-{}", spec.version));
    let exe = join(&dir, spec.executable);
    match spec.interpreter {
        Some(interpreter) => vec![join(&dir, interpreter), exe],
        None => vec![exe],
    }
}

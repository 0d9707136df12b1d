//! Where a runtime comes from and how `wharf runtimes install` puts it on the host.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::RuntimeError;

/// The registry a runtime is installed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Registry {
    /// npm, installed with `npm install --prefix DIR`.
    Npm,
    /// PyPI, installed into a venv made by Debian's `/usr/bin/python3 -m venv DIR`.
    Pypi,
}

/// A pinned package and where its executable ends up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct InstallSpec {
    /// Where the package comes from, which decides how it is installed.
    pub registry: Registry,
    /// The package name in that registry (e.g. `@anthropic-ai/claude-code`).
    pub package: &'static str,
    /// The exact version installed; `wharf runtimes install` installs no other.
    pub version: &'static str,
    /// The executable, relative to the install dir (`node_modules/.bin/claude`, `bin/hermes`).
    pub executable: &'static str,
    /// The interpreter to start the executable with, relative to the install dir, when the
    /// executable's shebang holds a host path (a venv's `bin/python3`); `None` to exec it.
    pub interpreter: Option<&'static str>,
}

/// The host python that makes venvs (Debian's, so the venv links to a stable interpreter
/// that the sandbox also sees).
pub const HOST_PYTHON: &str = "/usr/bin/python3";

impl InstallSpec {
    /// `package@version` (npm) or `package==version` (PyPI).
    pub fn requirement(&self) -> String {
        match self.registry {
            Registry::Npm => format!("{}@{}", self.package, self.version),
            Registry::Pypi => format!("{}=={}", self.package, self.version),
        }
    }

    /// The commands that install the package into `install_dir` on the host.
    pub fn commands(&self, install_dir: &Path) -> Result<Vec<Vec<String>>, RuntimeError> {
        let dir = utf8(install_dir)?;
        let argv = |parts: &[&str]| parts.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        Ok(match self.registry {
            Registry::Npm => vec![argv(&[
                "npm",
                "install",
                "--prefix",
                dir,
                "--no-audit",
                "--no-fund",
                "--no-save",
                "--loglevel=error",
                &self.requirement(),
            ])],
            Registry::Pypi => {
                let python = format!("{}/bin/python3", dir.trim_end_matches('/'));
                vec![
                    argv(&[HOST_PYTHON, "-m", "venv", dir]),
                    argv(&[
                        &python,
                        "-m",
                        "pip",
                        "install",
                        "--disable-pip-version-check",
                        "--no-input",
                        "--quiet",
                        &self.requirement(),
                    ]),
                ]
            }
        })
    }
}

/// `<tools_dir>/<name>-<version>`.
pub fn install_dir(tools_dir: &Path, name: &str, version: &str) -> PathBuf {
    tools_dir.join(format!("{name}-{version}"))
}

fn utf8(path: &Path) -> Result<&str, RuntimeError> {
    path.to_str().ok_or_else(|| RuntimeError::NonUtf8Path {
        path: path.to_path_buf(),
    })
}

//! Runbook parameters from the command line: `--param NAME=VALUE` and `--params-file
//! FILE.json`, the latter either a flat JSON object or a Jetty run input, whose values sit
//! under `params.vars` beside other top-level fields. `--param` wins over the file.

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::{Map, Value};
use wharf_model::json_type_name as type_name;

use crate::exit::BadInput;

/// Largest parameters file read.
const MAX_PARAMS_FILE_BYTES: u64 = 16 << 20;

/// The parameter arguments shared by `wharf run` and `wharf grade`.
#[derive(Debug, Clone, Default, Args)]
pub struct ParamArgs {
    /// Runbook parameter NAME=VALUE (repeatable; wins over --params-file).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Runbook parameters from a JSON file: a flat object of values, or a Jetty run input
    /// with them under `params.vars` (multi-line strings kept as they are).
    #[arg(long = "params-file", value_name = "FILE.json")]
    pub params_file: Option<PathBuf>,
}

impl ParamArgs {
    /// The parameters as pairs: the file's, then `--param`s over them.
    pub fn pairs(&self) -> anyhow::Result<Vec<(String, String)>> {
        let mut pairs = match &self.params_file {
            Some(path) => read_params_file(path)?,
            None => Vec::new(),
        };
        for p in &self.params {
            let (k, v) = p
                .split_once('=')
                .ok_or_else(|| BadInput(format!("--param `{p}` is not NAME=VALUE")))?;
            let k = k.trim();
            if k.is_empty() {
                return Err(BadInput(format!("--param `{p}` has an empty NAME")).into());
            }
            pairs.retain(|(name, _)| name != k);
            pairs.push((k.to_owned(), v.to_owned()));
        }
        Ok(pairs)
    }
}

/// Reads a parameters file (see the module doc).
pub fn read_params_file(path: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let shown = path.display();
    let meta =
        std::fs::metadata(path).map_err(|e| BadInput(format!("--params-file {shown}: {e}")))?;
    if meta.len() > MAX_PARAMS_FILE_BYTES {
        return Err(BadInput(format!(
            "--params-file {shown}: {} bytes, over the {MAX_PARAMS_FILE_BYTES}-byte bound",
            meta.len()
        ))
        .into());
    }
    let bytes = std::fs::read(path).map_err(|e| BadInput(format!("--params-file {shown}: {e}")))?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
        BadInput(format!(
            "--params-file {shown}: not JSON (line {}, column {}): {e}",
            e.line(),
            e.column()
        ))
    })?;
    Ok(params_of(&value).map_err(|e| BadInput(format!("--params-file {shown}: {e}")))?)
}

/// The parameters of a parsed file: `params.vars` when there is one, else the object.
pub fn params_of(value: &Value) -> Result<Vec<(String, String)>, String> {
    let Value::Object(top) = value else {
        return Err(format!(
            "expected a JSON object, found {}",
            type_name(value)
        ));
    };
    let (vars, prefix): (&Map<String, Value>, &str) = match top.get("params") {
        Some(Value::Object(params)) => match params.get("vars") {
            Some(Value::Object(vars)) => (vars, "params.vars."),
            Some(other) => {
                return Err(format!(
                    "`params.vars` must be an object, found {}",
                    type_name(other)
                ));
            }
            None => (params, "params."),
        },
        _ => (top, ""),
    };
    vars.iter()
        .map(|(k, v)| {
            if k.trim().is_empty() {
                return Err(format!("`{prefix}` has an empty parameter name"));
            }
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Array(_) | Value::Object(_) => v.to_string(),
                Value::Null => {
                    return Err(format!(
                        "`{prefix}{k}` is null; give it a value or leave it out"
                    ));
                }
            };
            Ok((k.clone(), text))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_flat_object_gives_its_values_as_text() {
        let got = params_of(
            &json!({"region": "eu", "n": 3, "strict": true, "ids": [1, 2],
                                    "notes": "line one\nline two"}),
        )
        .unwrap();
        assert_eq!(
            got,
            vec![
                ("ids".to_owned(), "[1,2]".to_owned()),
                ("n".to_owned(), "3".to_owned()),
                ("notes".to_owned(), "line one\nline two".to_owned()),
                ("region".to_owned(), "eu".to_owned()),
                ("strict".to_owned(), "true".to_owned()),
            ]
        );
    }

    #[test]
    fn a_jetty_run_input_gives_params_vars_and_ignores_its_other_fields() {
        let got = params_of(&json!({"collection": "acme", "agent": "codex",
            "params": {"vars": {"output_basename": "q3", "overflow_strategy": "wrap\nthen truncate"}}}))
        .unwrap();
        assert_eq!(
            got,
            vec![
                ("output_basename".to_owned(), "q3".to_owned()),
                (
                    "overflow_strategy".to_owned(),
                    "wrap\nthen truncate".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn bad_shapes_say_what_and_where() {
        for (input, says) in [
            (json!([1, 2]), "expected a JSON object, found an array"),
            (
                json!({"params": {"vars": "x"}}),
                "`params.vars` must be an object",
            ),
            (
                json!({"params": {"vars": {"a": null}}}),
                "`params.vars.a` is null",
            ),
            (json!({"": "x"}), "empty parameter name"),
        ] {
            let e = params_of(&input).unwrap_err();
            assert!(e.contains(says), "{input}: {e}");
        }
    }

    #[test]
    fn a_param_flag_wins_over_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("in.json");
        std::fs::write(&file, r#"{"params": {"vars": {"a": "file", "b": "file"}}}"#).unwrap();
        let args = ParamArgs {
            params: vec!["a=flag".into()],
            params_file: Some(file),
        };
        assert_eq!(
            args.pairs().unwrap(),
            vec![
                ("b".to_owned(), "file".to_owned()),
                ("a".to_owned(), "flag".to_owned())
            ]
        );
        let missing = ParamArgs {
            params: vec![],
            params_file: Some(dir.path().join("nope.json")),
        };
        let e = missing.pairs().unwrap_err().to_string();
        assert!(
            e.contains("--params-file") && e.contains("nope.json"),
            "{e}"
        );
    }
}

//! Which runs a report is about: one run by id, or a SQL condition over `runs`.

use crate::QueryError;

/// A set of runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    /// One run, by its id (a normalized UUID).
    Run(String),
    /// Every run matching a SQL condition over the `runs` table
    /// (`runtime = 'codex' AND model LIKE 'gpt-5%'`).
    Where(String),
}

impl Selection {
    /// A run id when `text` is a UUID, else a condition.
    pub fn parse(text: &str) -> Result<Selection, QueryError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(QueryError::Refused(
                "an empty selection: give a run id or a condition over `runs`".into(),
            ));
        }
        Ok(match wharf_model::normalize_uuid("run", t) {
            Ok(id) => Selection::Run(id),
            Err(_) => Selection::Where(t.to_owned()),
        })
    }

    /// The condition over `runs` (aliased `r`) selecting these runs. A condition is
    /// wrapped in parentheses and planned as part of a read-only statement, so it can
    /// only narrow what the scoped session already sees.
    pub fn condition(&self) -> Result<String, QueryError> {
        match self {
            Selection::Run(id) => {
                let id = wharf_model::normalize_uuid("run", id)?;
                Ok(format!("r.run_id = '{id}'"))
            }
            Selection::Where(cond) => {
                if cond.contains(';') {
                    return Err(QueryError::Refused(format!(
                        "the selection `{cond}` contains `;`: give one condition over `runs`"
                    )));
                }
                Ok(format!("({cond})"))
            }
        }
    }

    /// How the selection is shown in reports.
    pub fn describe(&self) -> String {
        match self {
            Selection::Run(id) => format!("run {id}"),
            Selection::Where(cond) => cond.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_conditions_are_told_apart() {
        let id = "0190a3c4-0000-7000-8000-000000000001";
        assert_eq!(Selection::parse(id).unwrap(), Selection::Run(id.into()));
        assert_eq!(
            Selection::parse(" runtime = 'codex' ").unwrap(),
            Selection::Where("runtime = 'codex'".into())
        );
        assert!(Selection::parse("  ").is_err());
        let err = Selection::Where("1=1; DROP TABLE runs".into())
            .condition()
            .unwrap_err();
        assert!(err.to_string().contains("contains `;`"), "{err}");
    }
}

//! The judge's answer: the JSON schema it is asked for and the validation
//! applied in code, whatever the provider promised about the schema.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Lowest score on the rubric's scale.
pub const MIN_SCORE: u8 = 1;
/// Highest score on the rubric's scale.
pub const MAX_SCORE: u8 = 5;

/// One criterion as the judge scored it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriterionScore {
    /// The criterion's name as the rubric spells it.
    pub criterion: String,
    /// 1..=5.
    pub score: u8,
    /// Why (never empty).
    pub explanation: String,
}

/// A validated answer: every rubric criterion once, in rubric order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JudgeAnswer {
    /// Scores in rubric order.
    pub criteria: Vec<CriterionScore>,
    /// The judge's summary (may be empty).
    pub summary: String,
}

/// The `response_format` JSON schema (strict mode: every property required,
/// no additional properties).
pub fn answer_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "criteria": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "criterion": {"type": "string"},
                        "score": {"type": "integer", "enum": [1, 2, 3, 4, 5]},
                        "explanation": {"type": "string"}
                    },
                    "required": ["criterion", "score", "explanation"],
                    "additionalProperties": false
                }
            },
            "summary": {"type": "string"}
        },
        "required": ["criteria", "summary"],
        "additionalProperties": false
    })
}

/// Parses and validates the judge's text against the rubric's `criteria`
/// names. The error is a message for the judge naming every problem found.
/// Keys the schema does not define (`pass`, `verdict`, ...) are ignored.
pub fn parse_answer(text: &str, criteria: &[String]) -> Result<JudgeAnswer, String> {
    let body = strip_fence(text.trim());
    let value: Value = serde_json::from_str(body).map_err(|e| {
        format!("the answer is not valid JSON ({e}); answer with the JSON object only")
    })?;
    let Some(obj) = value.as_object() else {
        return Err("the answer must be a JSON object with `criteria` and `summary`".into());
    };
    let Some(items) = obj.get("criteria").and_then(Value::as_array) else {
        return Err("`criteria` must be an array of {criterion, score, explanation}".into());
    };
    let summary = match obj.get("summary") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(_) => return Err("`summary` must be a string".into()),
    };
    let wanted: BTreeMap<String, &String> = criteria.iter().map(|c| (key(c), c)).collect();
    let mut found: BTreeMap<String, CriterionScore> = BTreeMap::new();
    let mut problems = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match criterion(item, i, &wanted) {
            Ok(score) => match found.entry(key(&score.criterion)) {
                std::collections::btree_map::Entry::Occupied(_) => problems.push(format!(
                    "criterion \"{}\" is scored more than once",
                    score.criterion
                )),
                std::collections::btree_map::Entry::Vacant(slot) => {
                    slot.insert(score);
                }
            },
            Err(p) => problems.push(p),
        }
    }
    let missing: Vec<&str> = criteria
        .iter()
        .filter(|c| !found.contains_key(&key(c)))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        problems.push(format!("missing criteria: \"{}\"", missing.join("\", \"")));
    }
    if !problems.is_empty() {
        return Err(format!(
            "{}; score exactly these criteria once each: \"{}\"",
            problems.join("; "),
            criteria.join("\", \"")
        ));
    }
    let criteria = criteria
        .iter()
        .filter_map(|c| found.remove(&key(c)))
        .collect();
    Ok(JudgeAnswer { criteria, summary })
}

fn criterion(
    item: &Value,
    i: usize,
    wanted: &BTreeMap<String, &String>,
) -> Result<CriterionScore, String> {
    let name = item
        .get("criterion")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("criteria[{i}] has no `criterion` string"))?;
    let Some(rubric_name) = wanted.get(&key(name)) else {
        return Err(format!(
            "criteria[{i}]: \"{name}\" is not a rubric criterion"
        ));
    };
    let score = item
        .get("score")
        .and_then(Value::as_u64)
        .filter(|s| (u64::from(MIN_SCORE)..=u64::from(MAX_SCORE)).contains(s))
        .and_then(|s| u8::try_from(s).ok())
        .ok_or_else(|| {
            format!(
                "criterion \"{rubric_name}\": `score` must be an integer from {MIN_SCORE} to {MAX_SCORE}, got {}",
                item.get("score").map_or("nothing".to_owned(), Value::to_string)
            )
        })?;
    let explanation = item
        .get("explanation")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .ok_or_else(|| {
            format!("criterion \"{rubric_name}\": `explanation` is empty; every score needs one naming the evidence")
        })?;
    Ok(CriterionScore {
        criterion: (*rubric_name).clone(),
        score,
        explanation: explanation.to_owned(),
    })
}

/// Names compare trimmed, case-insensitive, whitespace collapsed.
pub(crate) fn key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Accepts an answer wrapped in a ```json fence.
fn strip_fence(s: &str) -> &str {
    let Some(rest) = s.strip_prefix("```") else {
        return s;
    };
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_alphanumeric());
    rest.strip_suffix("```").unwrap_or(rest).trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        vec!["Correctness".into(), "Clarity".into()]
    }

    #[test]
    fn valid_answer_in_rubric_order_with_extra_keys_ignored() {
        let a = parse_answer(
            r#"{"criteria":[{"criterion":" clarity ","score":4,"explanation":"clear"},
               {"criterion":"CORRECTNESS","score":2,"explanation":"wrong total"}],
               "summary":"ok","pass":true,"verdict":"PASS"}"#,
            &names(),
        )
        .unwrap();
        assert_eq!(a.criteria[0].criterion, "Correctness");
        assert_eq!(a.criteria[0].score, 2);
        assert_eq!(a.criteria[1].criterion, "Clarity");
        assert_eq!(a.summary, "ok");
    }

    #[test]
    fn fenced_answers_are_accepted() {
        let a = parse_answer(
            "```json\n{\"criteria\":[{\"criterion\":\"Correctness\",\"score\":5,\"explanation\":\"x\"},{\"criterion\":\"Clarity\",\"score\":5,\"explanation\":\"y\"}],\"summary\":\"\"}\n```",
            &names(),
        )
        .unwrap();
        assert_eq!(a.criteria.len(), 2);
    }

    #[test]
    fn every_problem_is_named() {
        let e = parse_answer(
            r#"{"criteria":[{"criterion":"Correctness","score":5,"explanation":"  "},
               {"criterion":"Correctness","score":4,"explanation":"x"},
               {"criterion":"Speed","score":4,"explanation":"x"},
               {"criterion":"Clarity","score":4.5,"explanation":"x"}],"summary":"s"}"#,
            &names(),
        )
        .unwrap_err();
        assert!(e.contains("\"Correctness\": `explanation` is empty"), "{e}");
        assert!(e.contains("\"Speed\" is not a rubric criterion"), "{e}");
        assert!(e.contains("integer from 1 to 5, got 4.5"), "{e}");
        assert!(e.contains("missing criteria: \"Clarity\""), "{e}");
    }

    #[test]
    fn duplicates_and_out_of_range_are_rejected() {
        let e = parse_answer(
            r#"{"criteria":[{"criterion":"Correctness","score":3,"explanation":"x"},
               {"criterion":"correctness","score":3,"explanation":"x"},
               {"criterion":"Clarity","score":6,"explanation":"x"}],"summary":"s"}"#,
            &names(),
        )
        .unwrap_err();
        assert!(e.contains("more than once"), "{e}");
        assert!(e.contains("got 6"), "{e}");
        assert!(
            parse_answer("not json", &names())
                .unwrap_err()
                .contains("not valid JSON")
        );
        assert!(
            parse_answer("[]", &names())
                .unwrap_err()
                .contains("JSON object")
        );
    }
}

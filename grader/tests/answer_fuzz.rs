//! The judge-answer parser never panics, whatever it is given.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use wharf_grader::parse_answer;

fn names() -> Vec<String> {
    vec!["Accuracy".into(), "Clarity".into()]
}

proptest! {
    #[test]
    fn arbitrary_strings_never_panic(s in ".*") {
        let _ = parse_answer(&s, &names());
    }

    #[test]
    fn near_miss_json_never_panics_and_validates_in_code(
        entries in proptest::collection::vec(
            (prop_oneof![Just("Accuracy"), Just("clarity "), Just("Speed"), Just("")],
             prop_oneof![(-3i64..9).prop_map(|n| n.to_string()), Just("4.5".to_owned()), Just("\"5\"".to_owned()), Just("null".to_owned())],
             prop_oneof![Just(""), Just("because"), Just("  ")]),
            0..5),
        fence in any::<bool>(),
    ) {
        let items: Vec<String> = entries.iter().map(|(c, s, e)| {
            format!(r#"{{"criterion":"{c}","score":{s},"explanation":"{e}"}}"#)
        }).collect();
        let mut text = format!(r#"{{"criteria":[{}],"summary":"s","pass":true}}"#, items.join(","));
        if fence {
            text = format!("```json\n{text}\n```");
        }
        if let Ok(a) = parse_answer(&text, &names()) {
            prop_assert_eq!(a.criteria.len(), 2);
            for c in &a.criteria {
                prop_assert!((1..=5).contains(&c.score));
                prop_assert!(!c.explanation.trim().is_empty());
            }
        }
    }
}

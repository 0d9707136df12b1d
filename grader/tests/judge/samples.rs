//! N-sample judging: median per criterion with agreement.

use serde_json::json;
use wharf_grader::Judge;

use crate::support::*;

#[tokio::test]
async fn three_samples_median_and_agreement() {
    let srv = server(vec![json!({"variants": [
        answer(&[("Accuracy", 4, "mostly right"), ("Clarity", 5, "clear")]),
        answer(&[("Accuracy", 2, "wrong totals"), ("Clarity", 5, "clear")]),
        answer(&[("Accuracy", 4, "right"), ("Clarity", 5, "clear")]),
    ]})]);
    let mut c = config(&srv);
    c.samples = 3;
    let verdict = Judge::new(c).unwrap().judge(&input()).await.unwrap();
    assert_eq!(verdict.samples, 3);
    assert_eq!(verdict.requests, 3);
    assert_eq!(chat_requests(&srv).len(), 3);
    let acc = &verdict.criteria[0];
    assert_eq!(acc.score, 4.0);
    let mut seen = acc.sample_scores.clone();
    seen.sort_unstable();
    assert_eq!(seen, vec![2, 4, 4]);
    assert!((acc.agreement.share - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(acc.agreement.spread, 2);
    let clarity = &verdict.criteria[1];
    assert_eq!(
        (
            clarity.score,
            clarity.agreement.share,
            clarity.agreement.spread
        ),
        (5.0, 1.0, 0)
    );
    assert!(verdict.decide(None).passed);
}

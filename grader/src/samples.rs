//! N-sample judging: per-criterion median and how much the samples agree.

use serde::{Deserialize, Serialize};

use crate::answer::JudgeAnswer;

/// How much the samples of one criterion agree.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    /// Share of samples whose score equals the median (1.0 with one sample).
    pub share: f64,
    /// Highest minus lowest sample score.
    pub spread: u8,
}

/// One criterion's result over all samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionVerdict {
    /// The criterion's rubric name.
    pub criterion: String,
    /// The median sample score (the lower median for an even number of
    /// samples, so it is always a score the judge gave; use odd N).
    pub score: f64,
    /// The explanation of the first sample that gave the median score.
    pub explanation: String,
    /// Every sample's score, in sample order.
    pub sample_scores: Vec<u8>,
    /// Agreement between the samples.
    pub agreement: Agreement,
}

/// Combines validated answers (all over the same criteria, in rubric order).
pub fn aggregate(answers: &[JudgeAnswer]) -> Vec<CriterionVerdict> {
    let Some(first) = answers.first() else {
        return Vec::new();
    };
    first
        .criteria
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let picks: Vec<(u8, &str)> = answers
                .iter()
                .filter_map(|a| a.criteria.get(i))
                .map(|s| (s.score, s.explanation.as_str()))
                .collect();
            let scores: Vec<u8> = picks.iter().map(|(s, _)| *s).collect();
            let median = lower_median(&scores).unwrap_or(c.score);
            let equal = scores.iter().filter(|&&s| s == median).count();
            let spread = scores.iter().max().copied().unwrap_or(median)
                - scores.iter().min().copied().unwrap_or(median);
            let explanation = picks
                .iter()
                .find(|(s, _)| *s == median)
                .map_or(c.explanation.as_str(), |(_, e)| e)
                .to_owned();
            CriterionVerdict {
                criterion: c.criterion.clone(),
                score: f64::from(median),
                explanation,
                agreement: Agreement {
                    share: equal as f64 / scores.len().max(1) as f64,
                    spread,
                },
                sample_scores: scores,
            }
        })
        .collect()
}

fn lower_median(scores: &[u8]) -> Option<u8> {
    let mut sorted = scores.to_vec();
    sorted.sort_unstable();
    sorted.get(sorted.len().checked_sub(1)? / 2).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::answer::CriterionScore;

    fn answer(scores: &[u8]) -> JudgeAnswer {
        JudgeAnswer {
            criteria: scores
                .iter()
                .enumerate()
                .map(|(i, &s)| CriterionScore {
                    criterion: format!("c{i}"),
                    score: s,
                    explanation: format!("gave {s}"),
                })
                .collect(),
            summary: String::new(),
        }
    }

    #[test]
    fn median_share_and_spread() {
        let v = aggregate(&[answer(&[4, 5]), answer(&[2, 5]), answer(&[5, 5])]);
        assert_eq!(v[0].score, 4.0);
        assert_eq!(v[0].sample_scores, vec![4, 2, 5]);
        assert!((v[0].agreement.share - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(v[0].agreement.spread, 3);
        assert_eq!(v[0].explanation, "gave 4");
        assert_eq!(v[1].score, 5.0);
        assert_eq!(v[1].agreement.share, 1.0);
        assert_eq!(v[1].agreement.spread, 0);
    }

    #[test]
    fn even_sample_counts_take_the_lower_median() {
        let v = aggregate(&[answer(&[2]), answer(&[4]), answer(&[5]), answer(&[3])]);
        assert_eq!(v[0].score, 3.0);
        assert_eq!(v[0].agreement.share, 0.25);
    }
}

//! Agreement between a judge and human labels: accuracy, Cohen's kappa and
//! the confusion matrix, overall or per criterion.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Counts of (judge, human) label pairs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix<T> {
    /// Every label seen, sorted.
    pub labels: Vec<T>,
    /// `counts[j][h]`: items the judge labelled `labels[j]` and the human `labels[h]`.
    pub counts: Vec<Vec<u64>>,
}

impl<T: Ord + Clone> ConfusionMatrix<T> {
    /// From `(judge, human)` pairs.
    pub fn from_pairs(pairs: &[(T, T)]) -> ConfusionMatrix<T> {
        let mut labels: Vec<T> = pairs
            .iter()
            .flat_map(|(a, b)| [a.clone(), b.clone()])
            .collect();
        labels.sort();
        labels.dedup();
        let mut counts = vec![vec![0u64; labels.len()]; labels.len()];
        for (a, b) in pairs {
            if let (Ok(i), Ok(j)) = (labels.binary_search(a), labels.binary_search(b)) {
                counts[i][j] += 1;
            }
        }
        ConfusionMatrix { labels, counts }
    }

    /// Number of pairs counted (the sum of all cells).
    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }

    /// Share of items on the diagonal.
    pub fn accuracy(&self) -> Option<f64> {
        let n = self.total();
        (n > 0).then(|| self.diagonal() as f64 / n as f64)
    }

    /// Cohen's kappa: (p_o - p_e) / (1 - p_e). `None` when empty or when
    /// chance agreement is 1 (both raters used one and the same label).
    pub fn kappa(&self) -> Option<f64> {
        let n = self.total() as f64;
        if n == 0.0 {
            return None;
        }
        let po = self.diagonal() as f64 / n;
        let pe: f64 = (0..self.labels.len())
            .map(|k| {
                let row: u64 = self.counts[k].iter().sum();
                let col: u64 = self.counts.iter().map(|r| r[k]).sum();
                (row as f64 / n) * (col as f64 / n)
            })
            .sum();
        ((1.0 - pe).abs() > 1e-12).then(|| (po - pe) / (1.0 - pe))
    }

    fn diagonal(&self) -> u64 {
        (0..self.labels.len()).map(|k| self.counts[k][k]).sum()
    }
}

/// Cohen's kappa of `(judge, human)` pairs.
pub fn cohen_kappa<T: Ord + Clone>(pairs: &[(T, T)]) -> Option<f64> {
    ConfusionMatrix::from_pairs(pairs).kappa()
}

/// Share of pairs that agree.
pub fn accuracy<T: PartialEq>(pairs: &[(T, T)]) -> Option<f64> {
    (!pairs.is_empty())
        .then(|| pairs.iter().filter(|(a, b)| a == b).count() as f64 / pairs.len() as f64)
}

/// A judge's agreement with humans on one criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Number of (judge, human) pairs compared.
    pub n: usize,
    /// Share of pairs where the judge gave exactly the human's score (0 to 1).
    pub accuracy: f64,
    /// Cohen's kappa (`None` when undefined).
    pub kappa: Option<f64>,
    /// (judge, human) counts.
    pub confusion: ConfusionMatrix<i64>,
}

/// Per-criterion calibration from `(criterion, judge score, human score)` rows.
pub fn calibrate(rows: &[(String, i64, i64)]) -> BTreeMap<String, Calibration> {
    let mut by: BTreeMap<String, Vec<(i64, i64)>> = BTreeMap::new();
    for (c, j, h) in rows {
        by.entry(c.clone()).or_default().push((*j, *h));
    }
    by.into_iter()
        .map(|(c, pairs)| {
            let confusion = ConfusionMatrix::from_pairs(&pairs);
            let cal = Calibration {
                n: pairs.len(),
                accuracy: accuracy(&pairs).unwrap_or(0.0),
                kappa: confusion.kappa(),
                confusion,
            };
            (c, cal)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(cells: &[(&'static str, &'static str, usize)]) -> Vec<(&'static str, &'static str)> {
        cells
            .iter()
            .flat_map(|(a, b, n)| std::iter::repeat_n((*a, *b), *n))
            .collect()
    }

    #[test]
    fn kappa_textbook_example_one() {
        // Wikipedia "Cohen's kappa", first example: 50 proposals, both yes 20,
        // A yes B no 5, A no B yes 10, both no 15: p_o = 0.7, p_e = 0.5, kappa = 0.4.
        let p = pairs(&[
            ("yes", "yes", 20),
            ("yes", "no", 5),
            ("no", "yes", 10),
            ("no", "no", 15),
        ]);
        assert!((cohen_kappa(&p).unwrap() - 0.4).abs() < 1e-12);
        assert!((accuracy(&p).unwrap() - 0.7).abs() < 1e-12);
    }

    #[test]
    fn kappa_textbook_example_two() {
        // Wikipedia, "same agreement, different kappa": 45/15/25/15 of 100:
        // p_o = 0.60, p_e = 0.6*0.7 + 0.4*0.3 = 0.54, kappa = 0.06/0.46 = 0.1304.
        let p = pairs(&[
            ("yes", "yes", 45),
            ("yes", "no", 15),
            ("no", "yes", 25),
            ("no", "no", 15),
        ]);
        assert!((cohen_kappa(&p).unwrap() - 0.06 / 0.46).abs() < 1e-12);
    }

    #[test]
    fn three_categories_by_hand() {
        // Judge rows x human columns (labels 1, 3, 5):
        //   [[4, 1, 0], [1, 3, 1], [0, 1, 4]]  n = 15, p_o = 11/15,
        //   row totals 5,5,5; column totals 5,5,5 -> p_e = 3 * (1/3 * 1/3) = 1/3,
        //   kappa = (11/15 - 1/3) / (2/3) = (6/15) / (2/3) = 0.6.
        let mut rows = Vec::new();
        for (j, h, n) in [
            (1, 1, 4),
            (1, 3, 1),
            (3, 1, 1),
            (3, 3, 3),
            (3, 5, 1),
            (5, 3, 1),
            (5, 5, 4),
        ] {
            for _ in 0..n {
                rows.push(("Clarity".to_owned(), j, h));
            }
        }
        rows.push(("Other".to_owned(), 5, 5));
        let cal = calibrate(&rows);
        let c = &cal["Clarity"];
        assert_eq!(c.n, 15);
        assert!((c.accuracy - 11.0 / 15.0).abs() < 1e-12);
        assert!((c.kappa.unwrap() - 0.6).abs() < 1e-12);
        assert_eq!(c.confusion.labels, vec![1, 3, 5]);
        assert_eq!(
            c.confusion.counts,
            vec![vec![4, 1, 0], vec![1, 3, 1], vec![0, 1, 4]]
        );
        // One label used by both: chance agreement is 1, kappa undefined.
        assert_eq!(cal["Other"].kappa, None);
        assert_eq!(cal["Other"].accuracy, 1.0);
    }

    #[test]
    fn perfect_and_empty() {
        assert_eq!(cohen_kappa(&[(1, 1), (2, 2)]), Some(1.0));
        assert_eq!(cohen_kappa::<i64>(&[]), None);
        assert_eq!(accuracy::<i64>(&[]), None);
    }
}

//! Percentile bootstrap intervals for a mean, a difference of means and a
//! difference of pass rates.

use serde::{Deserialize, Serialize};

use crate::rng::SplitMix64;

/// A point estimate with a confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// The statistic on the original data.
    pub estimate: f64,
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
    /// Confidence level (0.95).
    pub confidence: f64,
}

/// How to resample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BootstrapOptions {
    /// Resamples (default 2000).
    pub resamples: u32,
    /// Confidence level in (0, 1) (default 0.95).
    pub confidence: f64,
    /// Seed: the same inputs and seed give the same interval.
    pub seed: u64,
}

impl Default for BootstrapOptions {
    fn default() -> Self {
        BootstrapOptions {
            resamples: 2000,
            confidence: 0.95,
            seed: 0x5EED,
        }
    }
}

/// Interval of the mean of `xs` (`None` when empty or the options are invalid).
pub fn bootstrap_mean(xs: &[f64], opts: &BootstrapOptions) -> Option<Interval> {
    if xs.is_empty() || !valid(opts) {
        return None;
    }
    let mut rng = SplitMix64::new(opts.seed);
    let stats: Vec<f64> = (0..opts.resamples)
        .map(|_| resample_mean(xs, &mut rng))
        .collect();
    Some(interval(mean(xs), stats, opts.confidence))
}

/// Interval of `mean(a) - mean(b)` (independent samples, each resampled).
pub fn bootstrap_mean_difference(
    a: &[f64],
    b: &[f64],
    opts: &BootstrapOptions,
) -> Option<Interval> {
    if a.is_empty() || b.is_empty() || !valid(opts) {
        return None;
    }
    let mut rng = SplitMix64::new(opts.seed);
    let stats: Vec<f64> = (0..opts.resamples)
        .map(|_| resample_mean(a, &mut rng) - resample_mean(b, &mut rng))
        .collect();
    Some(interval(mean(a) - mean(b), stats, opts.confidence))
}

/// Interval of `pass_rate(a) - pass_rate(b)`.
pub fn pass_rate_difference(a: &[bool], b: &[bool], opts: &BootstrapOptions) -> Option<Interval> {
    let to_f = |xs: &[bool]| -> Vec<f64> { xs.iter().map(|&p| f64::from(u8::from(p))).collect() };
    bootstrap_mean_difference(&to_f(a), &to_f(b), opts)
}

fn valid(opts: &BootstrapOptions) -> bool {
    opts.resamples > 0 && opts.confidence > 0.0 && opts.confidence < 1.0
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

fn resample_mean(xs: &[f64], rng: &mut SplitMix64) -> f64 {
    let sum: f64 = (0..xs.len()).map(|_| xs[rng.below(xs.len())]).sum();
    sum / xs.len() as f64
}

fn interval(estimate: f64, mut stats: Vec<f64>, confidence: f64) -> Interval {
    stats.sort_by(f64::total_cmp);
    let alpha = (1.0 - confidence) / 2.0;
    Interval {
        estimate,
        low: quantile(&stats, alpha),
        high: quantile(&stats, 1.0 - alpha),
        confidence,
    }
}

/// Linear interpolation between order statistics (R's type 7); `sorted` non-empty.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    let (a, b) = (sorted[lo], sorted[hi.min(sorted.len() - 1)]);
    a + (b - a) * (h - lo as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> BootstrapOptions {
        BootstrapOptions {
            resamples: 4000,
            ..BootstrapOptions::default()
        }
    }

    #[test]
    fn quantile_matches_type_7() {
        // R: quantile(c(1,2,3,4), c(0.25, 0.5, 0.9)) = 1.75 2.50 3.70
        let s = [1.0, 2.0, 3.0, 4.0];
        assert!((quantile(&s, 0.25) - 1.75).abs() < 1e-12);
        assert!((quantile(&s, 0.5) - 2.5).abs() < 1e-12);
        assert!((quantile(&s, 0.9) - 3.7).abs() < 1e-12);
    }

    #[test]
    fn mean_interval_matches_the_normal_approximation() {
        // 0..9 repeated 40 times: mean 4.5, population sd sqrt(8.25) = 2.8723,
        // standard error 2.8723 / 20 = 0.14361, 95% CI 4.5 -+ 1.96 * 0.14361 = [4.2185, 4.7815].
        let xs: Vec<f64> = (0..400).map(|i| f64::from(i % 10)).collect();
        let i = bootstrap_mean(&xs, &opts()).unwrap();
        assert_eq!(i.estimate, 4.5);
        assert!((i.low - 4.2185).abs() < 0.04, "{i:?}");
        assert!((i.high - 4.7815).abs() < 0.04, "{i:?}");
        assert_eq!(bootstrap_mean(&xs, &opts()), Some(i), "deterministic");
    }

    #[test]
    fn constant_data_gives_a_point_interval() {
        let i = bootstrap_mean(&[3.0; 20], &opts()).unwrap();
        assert_eq!((i.low, i.estimate, i.high), (3.0, 3.0, 3.0));
        assert!(bootstrap_mean(&[], &opts()).is_none());
    }

    #[test]
    fn difference_of_means_matches_the_normal_approximation() {
        // Same spread, shifted by 1: SE of the difference sqrt(2) * 0.14361 = 0.20310,
        // 95% CI -1 -+ 0.39807 = [-1.3981, -0.6019].
        let a: Vec<f64> = (0..400).map(|i| f64::from(i % 10)).collect();
        let b: Vec<f64> = a.iter().map(|x| x + 1.0).collect();
        let i = bootstrap_mean_difference(&a, &b, &opts()).unwrap();
        assert!((i.estimate + 1.0).abs() < 1e-12);
        assert!((i.low + 1.3981).abs() < 0.05, "{i:?}");
        assert!((i.high + 0.6019).abs() < 0.05, "{i:?}");
    }

    #[test]
    fn pass_rate_difference_matches_the_wald_interval() {
        // 80/100 vs 50/100: SE sqrt(.8*.2/100 + .5*.5/100) = 0.064031,
        // 95% CI 0.30 -+ 0.12550 = [0.1745, 0.4255].
        let a: Vec<bool> = (0..100).map(|i| i < 80).collect();
        let b: Vec<bool> = (0..100).map(|i| i < 50).collect();
        let i = pass_rate_difference(&a, &b, &opts()).unwrap();
        assert!((i.estimate - 0.3).abs() < 1e-12);
        assert!((i.low - 0.1745).abs() < 0.03, "{i:?}");
        assert!((i.high - 0.4255).abs() < 0.03, "{i:?}");
    }
}

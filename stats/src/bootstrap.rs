//! Percentile bootstrap intervals for a mean, a difference of means and a
//! difference of pass rates. Samples larger than [`NORMAL_ABOVE`] use the normal
//! approximation instead: there the bootstrap distribution of a mean is normal to within its
//! own resampling noise, and resampling 2,000 times costs O(resamples × n) — seconds for two
//! groups of 20,000 runs, where the normal interval costs one pass.

use serde::{Deserialize, Serialize};

use crate::rng::SplitMix64;

/// A point estimate with a confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// The statistic on the original data.
    pub estimate: f64,
    /// Lower end of the interval at `confidence`.
    pub low: f64,
    /// Upper end of the interval at `confidence`.
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

/// Above this many values in a sample, intervals come from the normal approximation.
pub const NORMAL_ABOVE: usize = 1_000;

/// Interval of the mean of `xs` (`None` when empty or the options are invalid).
pub fn bootstrap_mean(xs: &[f64], opts: &BootstrapOptions) -> Option<Interval> {
    if xs.is_empty() || !valid(opts) {
        return None;
    }
    if xs.len() > NORMAL_ABOVE {
        return Some(normal(
            mean(xs),
            variance(xs) / xs.len() as f64,
            opts.confidence,
        ));
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
    if a.len() > NORMAL_ABOVE && b.len() > NORMAL_ABOVE {
        let se2 = variance(a) / a.len() as f64 + variance(b) / b.len() as f64;
        return Some(normal(mean(a) - mean(b), se2, opts.confidence));
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

/// Population variance (what the bootstrap resamples from).
fn variance(xs: &[f64]) -> f64 {
    let m = mean(xs);
    xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / xs.len() as f64
}

/// `estimate -+ z * sqrt(se2)`.
fn normal(estimate: f64, se2: f64, confidence: f64) -> Interval {
    let half = normal_quantile(1.0 - (1.0 - confidence) / 2.0) * se2.max(0.0).sqrt();
    Interval {
        estimate,
        low: estimate - half,
        high: estimate + half,
        confidence,
    }
}

/// The standard normal's quantile at `p` in (0, 1) (Acklam's rational approximation,
/// relative error below 1.2e-9).
fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
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
    fn normal_quantiles_match_the_tables() {
        for (p, z) in [
            (0.975, 1.959_963_985),
            (0.5, 0.0),
            (0.995, 2.575_829_304),
            (0.001, -3.090_232_306),
        ] {
            assert!(
                (normal_quantile(p) - z).abs() < 1e-8,
                "{p}: {}",
                normal_quantile(p)
            );
        }
    }

    #[test]
    fn large_samples_use_the_normal_interval_the_bootstrap_agrees_with() {
        // 0..9 repeated: population sd 2.8723. At n = 2,000 the normal interval is
        // 4.5 -+ 1.96 * 2.8723 / sqrt(2000) = [4.3741, 4.6259].
        let xs: Vec<f64> = (0..2_000).map(|i| f64::from(i % 10)).collect();
        let i = bootstrap_mean(&xs, &opts()).unwrap();
        assert!(
            (i.low - 4.374_116).abs() < 1e-5 && (i.high - 4.625_884).abs() < 1e-5,
            "{i:?}"
        );
        // The resampled interval of the same data, computed the slow way, is the same to
        // within its resampling noise.
        let mut rng = SplitMix64::new(1);
        let stats: Vec<f64> = (0..4_000).map(|_| resample_mean(&xs, &mut rng)).collect();
        let boot = interval(4.5, stats, 0.95);
        assert!(
            (boot.low - i.low).abs() < 0.01 && (boot.high - i.high).abs() < 0.01,
            "{boot:?} vs {i:?}"
        );
        // Differences too: both samples large.
        let ys: Vec<f64> = xs.iter().map(|x| x + 1.0).collect();
        let d = bootstrap_mean_difference(&xs, &ys, &opts()).unwrap();
        let half = 1.959_964 * (2.0 * 8.25 / 2_000.0_f64).sqrt();
        assert!(
            (d.low - (-1.0 - half)).abs() < 1e-5 && (d.high - (-1.0 + half)).abs() < 1e-5,
            "{d:?}"
        );
        // One small sample keeps the bootstrap.
        assert!(bootstrap_mean_difference(&xs, &ys[..100], &opts()).is_some());
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

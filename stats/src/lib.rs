//! Statistics for comparing runs and calibrating judges. Pure functions, no I/O and no
//! HTTP: `query` (compare and calibrate reports), `grader` (retry jitter), the CLI and
//! the dashboards use them without pulling in the judge's model client.
//!
//! - [`bootstrap_mean`], [`bootstrap_mean_difference`], [`pass_rate_difference`]:
//!   percentile bootstrap intervals (seeded, deterministic; the normal approximation for
//!   large samples), as an [`Interval`].
//! - [`cohen_kappa`], [`accuracy`], [`calibrate`]: agreement of a judge with human labels.
//! - [`SplitMix64`]: the small deterministic PRNG behind the resampling.

mod agreement;
mod bootstrap;
mod rng;

pub use agreement::{Calibration, ConfusionMatrix, accuracy, calibrate, cohen_kappa};
pub use bootstrap::{
    BootstrapOptions, Interval, bootstrap_mean, bootstrap_mean_difference, pass_rate_difference,
};
pub use rng::SplitMix64;

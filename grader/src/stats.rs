//! Statistics for comparing runs and calibrating judges: bootstrap confidence
//! intervals (seeded, deterministic) and agreement with human labels.

mod agreement;
mod bootstrap;

pub use agreement::{Calibration, ConfusionMatrix, accuracy, calibrate, cohen_kappa};
pub use bootstrap::{
    BootstrapOptions, Interval, bootstrap_mean, bootstrap_mean_difference, pass_rate_difference,
};

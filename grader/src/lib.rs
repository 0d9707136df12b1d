//! Grading.

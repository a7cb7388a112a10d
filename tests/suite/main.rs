//! gapsim's integration tests, one binary with themed modules (the ripgrep layout).
//!
//! Statistical tests compare against analytic values or exact distributions with a fixed
//! seed, within a tolerance derived from the Monte Carlo standard error; the tolerance
//! constants live in `common` with the reason for each.

mod affine;
mod batch;
mod cli;
mod common;
mod compare;
mod distributions;
mod errors;
mod faults;
mod figures;
mod held_memory;
mod known_answers;
mod medium;
mod monitor;
mod office;
mod plausibility;
mod presentation;
mod printed;
mod properties;
mod report_text;
mod reports;
mod runs;
mod scenarios;
mod shards;
mod sheets;
mod statistics;
mod streaming;
mod tampering;

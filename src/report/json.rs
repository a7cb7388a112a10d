//! `summary.json`: every figure of a run, for programs and for rebuilding reports.

use crate::stats::Summary;

/// The summary as pretty-printed JSON, ending in a newline.
pub fn serialize(summary: &Summary) -> Vec<u8> {
    // Serialising plain data with string keys cannot fail.
    let mut out = serde_json::to_vec_pretty(summary).unwrap_or_default();
    out.push(b'\n');
    out
}

/// Reads a summary back.
///
/// # Errors
/// When the bytes are not a summary written by this version of gapsim.
pub fn parse(bytes: &[u8]) -> Result<Summary, serde_json::Error> {
    serde_json::from_slice(bytes)
}

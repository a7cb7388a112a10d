//! The medium term and the reserves question, run end to end.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::run;

/// summary.json's figures as they were before models had years: the whole summary less
/// the parts added with them (`reserves_needed`, `medium_term`) and the program's version,
/// in canonical form.
fn one_year_digest(summary: &Value) -> String {
    let mut s = summary.clone();
    let map = s.as_object_mut().unwrap();
    map.remove("reserves_needed");
    map.remove("medium_term");
    // Not a figure: the version would change the digest at every release.
    map["run"].as_object_mut().unwrap().remove("program");
    let text = serde_json::to_string(&s).unwrap();
    hex(text.as_bytes())
}

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Digests of the built-in Kent model's run at 200,000 years, seed 2024, made by the
/// program before the medium term was added (commit e6ff40f): percentiles.csv's bytes, and
/// summary.json's figures as [`one_year_digest`] reads them.
const PERCENTILES_SHA256: &str = "97e9464e0cc3f108f20a68b8c9dd93e00cf50a4a3996ed35cd2e57921bf9410b";
const SUMMARY_DIGEST: &str = "8bc914e51394f9a9af37294a324b1abed0266c06ebf40f7908797ed700834623";

#[test]
fn a_one_year_model_gives_the_figures_it_gave_before_years() {
    let r = run(None, &["-n", "200000", "--threads", "2", "--no-charts"]);
    let csv = std::fs::read(r.dir.join("percentiles.csv")).unwrap();
    assert_eq!(hex(&csv), PERCENTILES_SHA256);
    assert_eq!(one_year_digest(&r.summary), SUMMARY_DIGEST);
    // A one-year model has no medium term, and its reserves question is its shortfall's.
    assert!(r.summary.get("medium_term").is_none());
}

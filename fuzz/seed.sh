#!/usr/bin/env bash
# Seeds the fuzzing corpora (docs/fuzzing.md): the shipped model and the test fixtures for
# `model`; the shipped monitoring positions and back-test cases for `monitor`; the summary.json of a short real run of the Kent model for `summary`; the shipped
# workbooks and CSV sheets for `sheets`.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p fuzz/corpus/model fuzz/corpus/summary fuzz/corpus/monitor fuzz/corpus/sheets
cp models/sheets/*.csv models/sheets/*.xlsx models/template-budget.xlsx fuzz/corpus/sheets/
cp models/monitoring/* fuzz/corpus/monitor/
cp models/*.toml tests/fixtures/*.toml fuzz/corpus/model/
cargo build --release --quiet
out=$(mktemp -d)
target/release/gapsim run --iterations 200000 --no-charts --out "$out/run" > /dev/null
cp "$out/run/summary.json" fuzz/corpus/summary/kent.json
target/release/gapsim run --iterations 1 --no-charts --out "$out/one" > /dev/null
cp "$out/one/summary.json" fuzz/corpus/summary/one-year.json
rm -rf "$out"
echo "seeded fuzz/corpus/model ($(ls fuzz/corpus/model | wc -l) files) fuzz/corpus/monitor and fuzz/corpus/summary"

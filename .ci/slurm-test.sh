#!/usr/bin/env bash
# A real Slurm run of the shipped job-array script: a single-node cluster on localhost
# (.ci/slurm-local.sh), the Kent model split into 3 and 7 shards, each merged by an afterok
# job, and the merged run folders compared byte for byte with the unsharded run; then a run
# that streams (GAPSIM_KEEP_YEARS_UP_TO=0 makes a short run do what one past 20 million
# years does: count, collect in a second array, merge). Then a failing shard: the
# collecting jobs and the merge must be cancelled, not left pending, and `wait` must fail.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
gapsim="$root/target/release/gapsim"
[ -x "$gapsim" ] || cargo build --release --quiet
.ci/slurm-local.sh start
trap '.ci/slurm-local.sh stop >/dev/null 2>&1 || true' EXIT
work=$(mktemp -d "${TMPDIR:-/tmp}/gapsim-slurm.XXXXXX")
cd "$work"
args=(--seed 7 --iterations 75001 --threads 1)
"$gapsim" run "$root/models/kent-2024-25.toml" "${args[@]}" --no-charts --out single >/dev/null
for n in 3 7; do
  read -r array collect merge < <(GAPSIM="$gapsim" "$root/scripts/slurm-shards.sh" "$n" \
    "run$n" "$root/models/kent-2024-25.toml" "${args[@]}")
  "$root/.ci/slurm-local.sh" wait "$array" "$collect" "$merge"
  for f in summary.json percentiles.csv; do
    cmp "single/$f" "run$n/$f"
  done
  if compgen -G "run$n.shards/collected-*" >/dev/null; then
    echo "slurm: a run that keeps every year wrote collected shards" >&2
    exit 1
  fi
  echo "slurm: $n shards merged into the unsharded run's summary.json and percentiles.csv"
done
# Streaming: 135,001 years, past the 100,000-year pilot; every job sees the variable
# (sbatch exports the environment by default).
sargs=(--seed 7 --iterations 135001 --threads 1)
"$gapsim" run "$root/models/kent-2024-25.toml" "${sargs[@]}" --no-charts --out single-s >/dev/null
read -r array collect merge < <(GAPSIM_KEEP_YEARS_UP_TO=0 GAPSIM="$gapsim" \
  "$root/scripts/slurm-shards.sh" 3 runs "$root/models/kent-2024-25.toml" "${sargs[@]}")
"$root/.ci/slurm-local.sh" wait "$array" "$collect" "$merge"
for f in summary.json percentiles.csv; do
  cmp "single-s/$f" "runs/$f"
done
[ "$(compgen -G 'runs.shards/collected-*' | wc -l)" -eq 3 ] ||
  { echo "slurm: the streaming run did not collect in 3 shards" >&2; exit 1; }
echo "slurm: a streaming run counted, collected and merged into the unsharded run's files"
# A shard that fails (a model that does not exist): its merge is cancelled.
read -r array collect merge < <(GAPSIM="$gapsim" "$root/scripts/slurm-shards.sh" 3 broken \
  "$work/no-such-model.toml" "${args[@]}")
if "$root/.ci/slurm-local.sh" wait "$array" "$collect" "$merge"; then
  echo "slurm: a failed shard's merge was reported as completed" >&2
  exit 1
fi
state=$(scontrol show job -o "$merge" | grep -o 'JobState=[A-Z]*')
[ "$state" = "JobState=CANCELLED" ] || { echo "slurm: merge left $state" >&2; exit 1; }
[ ! -e broken ] || { echo "slurm: a run folder was written from failed shards" >&2; exit 1; }
echo "slurm: a failed shard cancels the merge ($state), and nothing is written"
rm -rf "$work"

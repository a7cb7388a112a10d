#!/usr/bin/env bash
# A real Slurm run of the shipped job-array script: a single-node cluster on localhost
# (.ci/slurm-local.sh), the Kent model split into 3 and 7 shards, each merged by an afterok
# job, and the merged run folders compared byte for byte with the unsharded run. Then a
# failing shard: the merge must be cancelled, not left pending, and `wait` must fail.
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
  read -r array merge < <(GAPSIM="$gapsim" "$root/scripts/slurm-shards.sh" "$n" "run$n" \
    "$root/models/kent-2024-25.toml" "${args[@]}")
  "$root/.ci/slurm-local.sh" wait "$array" "$merge"
  for f in summary.json percentiles.csv; do
    cmp "single/$f" "run$n/$f"
  done
  echo "slurm: $n shards merged into the unsharded run's summary.json and percentiles.csv"
done
# A shard that fails (a model that does not exist): its merge is cancelled.
read -r array merge < <(GAPSIM="$gapsim" "$root/scripts/slurm-shards.sh" 3 broken \
  "$work/no-such-model.toml" "${args[@]}")
if "$root/.ci/slurm-local.sh" wait "$array" "$merge"; then
  echo "slurm: a failed shard's merge was reported as completed" >&2
  exit 1
fi
state=$(scontrol show job -o "$merge" | grep -o 'JobState=[A-Z]*')
[ "$state" = "JobState=CANCELLED" ] || { echo "slurm: merge left $state" >&2; exit 1; }
[ ! -e broken ] || { echo "slurm: a run folder was written from failed shards" >&2; exit 1; }
echo "slurm: a failed shard cancels the merge ($state), and nothing is written"
rm -rf "$work"

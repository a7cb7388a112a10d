#!/usr/bin/env bash
# Split one gapsim run across a Slurm cluster: a job array of N shards; a second array of N
# collecting jobs once every shard completed (the second pass of a run too long to keep
# every year, past 20,000,000 simulated years; for a shorter run each says there is
# nothing to collect and ends at once); then a merge job once every collecting job
# completed. The merged run folder is the one the unsharded run writes (summary.json and
# percentiles.csv to the bit).
#
#   scripts/slurm-shards.sh N OUT_DIR MODEL [gapsim run options...]
#   e.g. scripts/slurm-shards.sh 7 runs/kent models/kent-2024-25.toml --seed 7 --iterations 20000000
#
# Prints the job ids of the shards' array, the collecting array and the merge ("ARRAY
# COLLECT MERGE"). The shards go to OUT_DIR.shards/, their logs beside them; the merge's
# log is OUT_DIR.merge.log.
# GAPSIM names the program (default: gapsim on the PATH of the compute nodes); the folder
# OUT_DIR's parent must be on a file system every node shares.
#
# Pitfalls this avoids (docs/cluster.md): an afterok job whose dependency can never be met
# (a shard failed) waits forever unless the cluster kills such jobs, so the merge is
# submitted with --kill-on-invalid-dep=yes; and `sbatch --wait` returns 0 for a job
# cancelled before it ran, so do not take its status as the merge's: check that the
# merge's JobState is COMPLETED (scontrol show job -o MERGE).
set -euo pipefail
if [ $# -lt 3 ]; then
  sed -n '2,14p' "$0" >&2
  exit 2
fi
n=$1 out=$2 model=$3
shift 3
case $n in '' | *[!0-9]* | 0) echo "N must be a whole number of shards, at least 1" >&2; exit 2 ;; esac
gapsim=${GAPSIM:-gapsim}
shards="$out.shards"
if [ -e "$out" ] || [ -e "$shards" ]; then
  echo "$out or $shards already exists: choose another OUT_DIR" >&2
  exit 2
fi
mkdir -p "$shards"
# Quote the options once, for the job scripts.
opts=$(printf ' %q' "$@")
array=$(sbatch --parsable --array="0-$((n - 1))" --job-name=gapsim-shard \
  -D "$PWD" -o "$shards/shard-%a.log" \
  --wrap "exec $(printf %q "$gapsim") run $(printf %q "$model")$opts \
    --shard \$SLURM_ARRAY_TASK_ID/$n --out $(printf %q "$shards")/shard-\$SLURM_ARRAY_TASK_ID.gapshard")
array=${array%%;*}
g=$(printf %q "$gapsim") s=$(printf %q "$shards")
collect=$(sbatch --parsable --array="0-$((n - 1))" --dependency="afterok:$array" \
  --kill-on-invalid-dep=yes --job-name=gapsim-collect -D "$PWD" -o "$shards/collect-%a.log" \
  --wrap "exec $g collect $s/shard-*.gapshard --shard \$SLURM_ARRAY_TASK_ID/$n \
    --out $s/collected-\$SLURM_ARRAY_TASK_ID.gapshard")
collect=${collect%%;*}
# The collected shards exist only for a run that streams: each is added if it is there.
merge=$(sbatch --parsable --dependency="afterok:$collect" --kill-on-invalid-dep=yes \
  --job-name=gapsim-merge -D "$PWD" -o "$out.merge.log" \
  --wrap "set -- $s/shard-*.gapshard; for f in $s/collected-*.gapshard; do \
    [ -e \"\$f\" ] && set -- \"\$@\" \"\$f\"; done; exec $g merge \"\$@\" --out $(printf %q "$out")")
merge=${merge%%;*}
echo "$array $collect $merge"

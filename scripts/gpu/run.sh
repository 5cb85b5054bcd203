#!/usr/bin/env bash
# Runs on the GPU machine, from the archive scripts/gpu/pack.sh made: unpacks it, points MIDIGENRE_LIBTORCH at the
# installed PyTorch's libtorch, then doctor --smoke, bench model, pipeline --profile cpu and train --profile paper
# --epochs 3, each with the GPU's utilisation sampled once a second (nvidia-smi dmon). Everything goes to one log.
#   run.sh ARCHIVE [OUT]   OUT (default ./gpu-check) gets gpu-check.log, the runs and the dmon samples.
# Environment: MIDIGENRE_LIBTORCH (default: python3's torch/lib); MIDIGENRE_GPU_QUICK=1 for a dry run (smoke profile,
# fewer iterations: checks the script, not the GPU).
set -uo pipefail
archive=$(readlink -f "${1:?usage: run.sh ARCHIVE [OUT]}")
out=$(readlink -f "${2:-gpu-check}")
mkdir -p "$out/app"
log="$out/gpu-check.log"
: >"$log"
tar -xJf "$archive" -C "$out/app"
export DOTNET_ROOT="$out/app/dotnet"
if [ -z "${MIDIGENRE_LIBTORCH:-}" ]; then
  MIDIGENRE_LIBTORCH=$(python3 -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
fi
export MIDIGENRE_LIBTORCH
export LD_LIBRARY_PATH="$MIDIGENRE_LIBTORCH${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
quick=${MIDIGENRE_GPU_QUICK:-0}
failed=0

say() { echo "$*" | tee -a "$log"; }

# step NAME ARGS…: runs the CLI, samples GPU utilisation meanwhile, logs wall time, exit code and mean utilisation.
step() {
  local name=$1
  shift
  say "== $name: midigenre $*"
  local dmon="$out/dmon-$name.txt" mon=""
  if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi dmon -s u -d 1 >"$dmon" 2>/dev/null &
    mon=$!
  fi
  local start end rc
  start=$(date +%s.%N)
  (cd "$out" && "$DOTNET_ROOT/dotnet" "$out/app/app/MidiGenre.Cli.dll" "$@") >>"$log" 2>&1
  rc=$?
  end=$(date +%s.%N)
  [ -n "$mon" ] && kill "$mon" 2>/dev/null && wait "$mon" 2>/dev/null
  local util="n/a"
  [ -s "$dmon" ] && util=$(awk '!/^#/ && NF > 2 { s += $2; n++ } END { if (n) printf "%.0f%%", s / n; else print "n/a" }' "$dmon")
  say "== $name: exit $rc in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s, mean GPU utilisation $util"
  [ "$rc" -eq 0 ] || failed=$((failed + 1))
}

say "midigenre GPU check, commit $(cat "$out/app/COMMIT"), $(date -u +%FT%TZ), host $(hostname)"
say "MIDIGENRE_LIBTORCH=$MIDIGENRE_LIBTORCH"
command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee -a "$log"
if [ "$quick" = 1 ]; then
  step doctor doctor --smoke
  step bench bench model --arch convnet --iters 2
  step pipeline pipeline --profile smoke --out runs/pipeline
  step train train --profile smoke --epochs 1 --out runs/train
else
  step doctor doctor --smoke
  step bench bench model --arch resnet50 --batch 40 --iters 20
  step pipeline pipeline --profile cpu --out runs/pipeline
  step train train --profile paper --epochs 3 --out runs/paper
fi
say "== done: $failed step(s) failed; log $log"
exit $((failed > 0))

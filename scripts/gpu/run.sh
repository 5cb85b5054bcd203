#!/usr/bin/env bash
# Runs on the GPU machine, from the archive scripts/gpu/pack.sh made: unpacks it, points MIDIGENRE_LIBTORCH at the
# installed PyTorch's libtorch, then, most important first, each step under its own time limit and with the GPU's
# utilisation sampled once a second (nvidia-smi dmon):
#   1. train --profile paper --epochs 2   the trainer's segments/s on ResNet-50 (the figure that matters most)
#   2. bench model (ResNet-50, batch 40)  the model alone: what the trainer should reach
#   3. peer_gpu.py fp32                   PyTorch eager on the same GPU and shapes (when the archive carries it)
#   4. doctor --smoke                     every registered attack and defense once on CUDA
#   5. pipeline --profile smoke           every step of the notebooks' run, end to end
# A summary line per step is appended to the log the moment the step ends, so a run cut short keeps every figure it
# reached; a step that would not fit in what is left of the budget is skipped and says so.
#   run.sh ARCHIVE [OUT]   OUT (default ./gpu-check) gets gpu-check.log, summary.tsv, the runs and the dmon samples.
# Environment: MIDIGENRE_LIBTORCH (default: python3's torch/lib); MIDIGENRE_GPU_BUDGET seconds for all steps (default
# 540: the device tool's 10-minute command limit less unpacking); MIDIGENRE_GPU_QUICK=1 for a dry run (smoke profile,
# fewer iterations, short limits: checks the script, not the GPU; runs against a CPU libtorch too).
set -uo pipefail
archive=$(readlink -f "${1:?usage: run.sh ARCHIVE [OUT]}")
out=$(readlink -f "${2:-gpu-check}")
mkdir -p "$out/app"
log="$out/gpu-check.log"
summary="$out/summary.tsv"
: >"$log"
printf 'step\texit\tseconds\tgpu_util\tlimit_s\n' >"$summary"
say() { echo "$*" | tee -a "$log"; }
die() { say "run.sh: $*"; exit 2; }

started=$(date +%s)
budget=${MIDIGENRE_GPU_BUDGET:-540}
command -v xz >/dev/null 2>&1 || die "xz is missing (the archive is .tar.xz): install xz-utils or unpack elsewhere"
tar -xJf "$archive" -C "$out/app" || die "could not unpack $archive"
export DOTNET_ROOT="$out/app/dotnet"
# .NET needs libicu unless told to run without culture data (the CLI formats with the invariant culture anyway).
has_icu() {
  ldconfig -p 2>/dev/null | grep -q 'libicuuc\.so' || ls /usr/lib*/libicuuc.so* /usr/lib/*/libicuuc.so* >/dev/null 2>&1
}
if ! has_icu; then
  export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
  say "no libicu found: DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1"
fi
if [ -z "${MIDIGENRE_LIBTORCH:-}" ]; then
  torch_lib=$(python3 -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))' 2>>"$log") \
    || die "python3 cannot import torch, and MIDIGENRE_LIBTORCH is not set: nothing to run on (see $log)"
  MIDIGENRE_LIBTORCH=$torch_lib
fi
[ -f "$MIDIGENRE_LIBTORCH/libtorch.so" ] || die "MIDIGENRE_LIBTORCH=$MIDIGENRE_LIBTORCH holds no libtorch.so"
export MIDIGENRE_LIBTORCH
export LD_LIBRARY_PATH="$MIDIGENRE_LIBTORCH${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
quick=${MIDIGENRE_GPU_QUICK:-0}
failed=0

# run NAME LIMIT COMMAND…: runs COMMAND under min(LIMIT, what is left of the budget), samples GPU utilisation
# meanwhile, logs wall time, exit code (124: timed out) and mean utilisation, and appends them to summary.tsv.
run() {
  local name=$1 limit=$2
  shift 2
  local left=$((budget - ($(date +%s) - started)))
  [ "$left" -lt "$limit" ] && limit=$left
  if [ "$limit" -lt 15 ]; then
    say "== $name: skipped, ${left} s of the ${budget}-s budget left"
    printf '%s\tskipped\t0\tn/a\t%s\n' "$name" "$limit" >>"$summary"
    return
  fi
  say "== $name (limit ${limit} s): $*"
  local dmon="$out/dmon-$name.txt" mon=""
  if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi dmon -s u -d 1 >"$dmon" 2>/dev/null &
    mon=$!
  fi
  local start end rc
  start=$(date +%s.%N)
  (cd "$out" && timeout --kill-after=10 "$limit" "$@") >>"$log" 2>&1
  rc=$?
  end=$(date +%s.%N)
  [ -n "$mon" ] && kill "$mon" 2>/dev/null && wait "$mon" 2>/dev/null
  local util="n/a" secs
  [ -s "$dmon" ] \
    && util=$(awk '!/^#/ && NF > 2 { s += $2; n++ } END { if (n) printf "%.0f%%", s / n; else print "n/a" }' "$dmon")
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
  say "== $name: exit $rc in $secs s, mean GPU utilisation $util"
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$rc" "$secs" "$util" "$limit" >>"$summary"
  [ "$rc" -eq 0 ] || failed=$((failed + 1))
}
cli=("$DOTNET_ROOT/dotnet" "$out/app/app/MidiGenre.Cli.dll")
peer=(python3 "$out/app/peer_gpu.py")

say "midigenre GPU check, commit $(cat "$out/app/COMMIT"), $(date -u +%FT%TZ), host $(hostname), budget ${budget} s"
say "MIDIGENRE_LIBTORCH=$MIDIGENRE_LIBTORCH"
command -v nvidia-smi >/dev/null 2>&1 \
  && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee -a "$log"
if [ "$quick" = 1 ]; then
  run train 120 "${cli[@]}" train --profile smoke --epochs 1 --out runs/train
  run bench 60 "${cli[@]}" bench model --arch convnet --iters 2
  say "== peer: not in a dry run (it needs CUDA)"
  run doctor 90 "${cli[@]}" doctor --smoke
  run pipeline 240 "${cli[@]}" pipeline --profile smoke --out runs/pipeline
else
  run train 200 "${cli[@]}" train --profile paper --epochs 2 --out runs/paper
  run bench 90 "${cli[@]}" bench model --arch resnet50 --batch 40 --iters 20
  [ -f "$out/app/peer_gpu.py" ] && run peer 90 "${peer[@]}" resnet50 40 20 fp32
  run doctor 60 "${cli[@]}" doctor --smoke
  run pipeline 240 "${cli[@]}" pipeline --profile smoke --out runs/pipeline
fi
say "== done: $failed step(s) failed; log $log, summary $summary"
exit $((failed > 0))

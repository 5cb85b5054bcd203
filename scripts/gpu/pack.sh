#!/usr/bin/env bash
# Packs midigenre for a GPU machine that has PyTorch (CUDA) but no .NET and no internet: a framework-dependent Release
# build of the CLI without the bundled CPU libtorch (-p:TorchBackend=external; at run time MIDIGENRE_LIBTORCH names
# PyTorch's torch/lib), this machine's .NET runtime, and run.sh, in one archive (the `device` tool carries ≤ 64 MB).
#   scripts/gpu/pack.sh [ARCHIVE]     default: artifacts/gpu/midigenre-gpu.tar.xz
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
archive=${1:-$repo/artifacts/gpu/midigenre-gpu.tar.xz}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# Its own artifacts path: the external build must not share obj/ (package assets) with the CPU build.
dotnet publish "$repo/lib/MidiGenre.Cli" -c Release -p:TorchBackend=external --no-self-contained \
  --artifacts-path "$stage/build" -o "$stage/app" >"$stage/publish.log" 2>&1 \
  || { tail -n 30 "$stage/publish.log"; exit 1; }
if ls "$stage"/app/runtimes/linux-x64/native/libtorch_cpu.so >/dev/null 2>&1; then
  echo "pack: the external build still holds the CPU libtorch" >&2
  exit 1
fi
# The .NET runtime the app runs on (not the SDK): the muxer, hostfxr and Microsoft.NETCore.App of this major version.
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
runtime=$(ls -d "$dotnet_root"/shared/Microsoft.NETCore.App/10.* | sort -V | tail -n 1)
mkdir -p "$stage/dotnet/shared/Microsoft.NETCore.App"
cp "$dotnet_root/dotnet" "$stage/dotnet/"
cp -r "$dotnet_root/host" "$stage/dotnet/"
cp -r "$runtime" "$stage/dotnet/shared/Microsoft.NETCore.App/"
cp "$repo/scripts/gpu/run.sh" "$stage/"
# The peer benchmark (PyTorch eager on the same GPU), when this checkout sits beside the shared bench folder.
peer_script=""
if [ -f "$repo/../shared/bench/peer_gpu.py" ]; then
  cp "$repo/../shared/bench/peer_gpu.py" "$stage/"
  peer_script=peer_gpu.py
fi
git -C "$repo" rev-parse --short HEAD >"$stage/COMMIT" 2>/dev/null || echo unknown >"$stage/COMMIT"
mkdir -p "$(dirname "$archive")"
tar -C "$stage" -cf - app dotnet run.sh COMMIT $peer_script | xz -T0 -6 >"$archive"
size=$(stat -c %s "$archive")
echo "pack: $archive, $((size / 1024 / 1024)) MB (commit $(cat "$stage/COMMIT"), runtime $(basename "$runtime"))"
if [ "$size" -gt $((64 * 1024 * 1024)) ]; then
  echo "pack: over the 64 MB the device tool carries" >&2
  exit 1
fi

#!/usr/bin/env bash
# A dry run of the device call HERE, without a GPU: copies exactly what a `run` call sends (tracked
# and untracked-not-ignored files, plus the carry bench/out/device-carry) into a scratch folder with
# no dist/ and no node_modules, and runs bench/device/run-gpu.sh there on SwiftShader, so the carried
# Node, node_modules and dist/ are what runs. Proves the carry is complete; says nothing of speed.
# Usage: bash bench/device/simulate.sh [gpu.mjs flags...]
#   default flags: --no-torch --workload tiny --models mini --rows-mini 20 --budget-total 300
#   SIM_DIR (default /tmp/tidepool-device-sim) is wiped first; its out/ gets gpu.json, gpu.md, run-gpu.log.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f bench/out/device-carry/runtime.tar.xz ] || { echo "run bash bench/device/prepare.sh first" >&2; exit 1; }
dest=${SIM_DIR:-/tmp/tidepool-device-sim}
rm -rf "$dest" && mkdir -p "$dest"
git ls-files -z -co --exclude-standard | xargs -0 cp --parents -t "$dest"
mkdir -p "$dest/bench/out" && cp -r bench/out/device-carry "$dest/bench/out/"
echo "sim tree: $(du -sh --apparent-size "$dest" | cut -f1) in $dest"
if [ $# -eq 0 ]; then set -- --budget-total 300 --no-torch --workload tiny --models mini --rows-mini 20; fi
cd "$dest"
# A PATH without this machine's node, so only the carried one can run.
env -i HOME="$HOME" PATH=/usr/sbin:/usr/bin:/sbin:/bin OUT="$dest/out" \
  VK_ICD_FILENAMES="${VK_ICD_FILENAMES:-/usr/lib/chromium/vk_swiftshader_icd.json}" \
  bash bench/device/run-gpu.sh "$@"

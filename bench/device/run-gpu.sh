#!/usr/bin/env bash
# Runs ON the device machine (the `run` tool, carry ["bench/out/device-carry"]), from the repository
# root: unpacks the carried Node, node_modules and dist/ (bench/device/prepare.sh made them), puts
# the Vulkan loader and the NVIDIA Vulkan driver where Dawn finds them, prints nvidia-smi and
# `tidepool doctor`, then runs `node bench/gpu.mjs --out $OUT "$@"` inside the time budget.
# $OUT gets gpu.json, gpu.md and run-gpu.log (copy the first two into bench/results/).
# Usage: bash bench/device/run-gpu.sh [--budget-total 570] [gpu.mjs flags...]
#   --budget-total: seconds for this whole script (keep it under the call's timeout_s); gpu.mjs gets
#   what is left after unpacking.
# Without the device (a dry run here): OUT=/tmp/out VK_ICD_FILENAMES=... bash bench/device/run-gpu.sh --no-torch --workload tiny ...
set -uo pipefail
begin=$(date +%s)
cd "$(dirname "$0")/../.."
OUT=${OUT:-bench/out/gpu-results}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/run-gpu.log") 2>&1
total=570
if [ "${1:-}" = --budget-total ]; then total=$2; shift 2; fi
CARRY=bench/out/device-carry
RT=bench/out/device-runtime
echo "== $(date -u +%FT%TZ) $(uname -srm), $(nproc) cores, $(free -g 2>/dev/null | awk '/Mem:/ { print $2 " GiB" }')"

# 1. Unpack (xz with tar when there is one, else Python's tarfile).
unpack() {
  if command -v xz >/dev/null 2>&1; then tar -xJf "$1"
  else python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1], "r:xz").extractall(".")' "$1"
  fi
}
if [ ! -x "$RT/bin/node" ] || [ "$CARRY/runtime.tar.xz" -nt "$RT/bin/node" ]; then
  [ -f "$CARRY/runtime.tar.xz" ] || { echo "no $CARRY/runtime.tar.xz: run bash bench/device/prepare.sh here first and carry $CARRY" >&2; exit 1; }
  unpack "$CARRY/runtime.tar.xz" || exit 1
  touch "$RT/bin/node"
fi
rm -rf dist && unpack "$CARRY/dist.tar.xz" || exit 1
export PATH="$PWD/$RT/bin:$PATH"
echo "node $(node --version) ($(command -v node)); unpacked in $(( $(date +%s) - begin )) s"

# 2. Vulkan: the machine's loader when it has one, else the carried one; the NVIDIA driver's ICD
#    manifest where the loader does not look by itself.
if ! { ldconfig -p 2>/dev/null || true; } | grep -q 'libvulkan\.so\.1 '; then
  export LD_LIBRARY_PATH="$PWD/$RT/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "vulkan loader: carried ($RT/lib/libvulkan.so.1)"
else
  echo "vulkan loader: the machine's"
fi
if [ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ]; then
  system_icd=$(grep -ls nvidia /etc/vulkan/icd.d/*.json /usr/share/vulkan/icd.d/*.json /usr/local/share/vulkan/icd.d/*.json 2>/dev/null | head -n 1)
  if [ -z "$system_icd" ]; then
    for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
      if [ -f "$icd" ]; then export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd; break; fi
    done
  fi
  echo "vulkan ICD: ${VK_DRIVER_FILES:-${system_icd:-none found, the default folders of the loader}}"
fi
# The NVIDIA EGL vendor file, for completeness (compute needs only Vulkan).
[ -f /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json ] && export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json

# 3. What the machine is.
echo "== nvidia-smi"
nvidia-smi || echo "(no nvidia-smi)"
echo "== tidepool doctor"
node bin/tidepool.js doctor || true
echo "== python3: $(python3 -c 'import torch, transformers; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.is_available() and torch.cuda.get_device_name(), "transformers", transformers.__version__)' 2>&1 | tail -n 1)"

# 4. The benchmark, inside what is left of the budget.
left=$(( total - ($(date +%s) - begin) - 10 ))
echo "== node bench/gpu.mjs --out $OUT --budget $left $*"
node bench/gpu.mjs --out "$OUT" --budget "$left" "$@"
status=$?
echo "== exit $status after $(( $(date +%s) - begin )) s"
exit $status

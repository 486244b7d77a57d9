#!/usr/bin/env bash
# Checks the Vulkan path on a machine with an NVIDIA GPU: prints the Vulkan devices, runs
# the conformance tests with the Vulkan path required, and runs the Vulkan and memcpy
# benchmarks.
#
#   scripts/gpu-check.sh            on the GPU machine. Uses binaries staged in .gpu/ when
#                                   present, otherwise configures and builds a release
#                                   (no UI) in build/gpu-release.
#   scripts/gpu-check.sh prepare    on a build machine (Debian, x86-64) whose GPU machine
#                                   lacks the build dependencies: builds release, stages
#                                   the test and bench binaries, stories260K and vulkaninfo
#                                   in .gpu/, and the Vulkan loader packages in .gl/.
#                                   Carry both folders (the device tool's `carry`).
#
# A bare GPU machine may lack the Vulkan loader: the .gl/*.deb packages are unpacked into
# / when `ldconfig -p` shows no libvulkan; if the loader finds no driver, the NVIDIA ICD
# under /usr/local/nvidia is named explicitly.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
STAGE=$ROOT/.gpu
BENCH_FILTER='vulkan|Memcpy|cpu_2t'

buildRelease() { # $1: build dir
  cmake -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=Release -DQUANTLENS_BUILD_UI=OFF
  cmake --build "$1" --target quantlens_conformance_tests quantlens_bench -j"$(nproc)"
}

prepare() {
  touch .git/info/exclude
  for d in /.gl/ /.gpu/; do grep -qxF "$d" .git/info/exclude || echo "$d" >>.git/info/exclude; done
  buildRelease build/gpu-release
  rm -rf "$STAGE" && mkdir -p "$STAGE/bin" "$STAGE/lib" "$STAGE/data/models"
  cp build/gpu-release/tests/quantlens_conformance_tests build/gpu-release/bench/quantlens_bench "$STAGE/bin/"
  # Shared libraries beyond glibc/libstdc++ and the Vulkan loader (which .gl brings).
  ldd "$STAGE"/bin/* | awk '/=> \// {print $3}' | sort -u |
    grep -vE '/(libc|libm|libgcc_s|libstdc\+\+|ld-linux|libvulkan)[.-]' |
    xargs -r cp -L -t "$STAGE/lib/"
  cp "${QUANTLENS_DATA:-../shared/data}/models/stories260K.gguf" "$STAGE/data/models/"
  mkdir -p .gl /tmp/amd64/partial
  local o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  apt-get $o update -qq
  (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
  (cd "$STAGE" && apt-get $o download vulkan-tools)
  du -sh .gl "$STAGE"
}

ensureLoader() {
  if ! ldconfig -p | grep -q libvulkan.so.1 && compgen -G ".gl/*.deb" >/dev/null; then
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
  fi
  local icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  if [[ -f $icd && -z ${VK_DRIVER_FILES:-} ]] && ! vulkanInfo --summary 2>/dev/null | grep -q NVIDIA; then
    export VK_DRIVER_FILES=$icd
    export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
  fi
}

vulkanInfo() {
  if command -v vulkaninfo >/dev/null; then vulkaninfo "$@"; return; fi
  if compgen -G "$STAGE/vulkan-tools_*.deb" >/dev/null; then
    [[ -x /tmp/vulkan-tools/usr/bin/vulkaninfo ]] || dpkg -x "$STAGE"/vulkan-tools_*.deb /tmp/vulkan-tools
    /tmp/vulkan-tools/usr/bin/vulkaninfo "$@"
    return
  fi
  echo "(vulkaninfo not installed)"
}

check() {
  ensureLoader
  local tests bench
  if [[ -x $STAGE/bin/quantlens_conformance_tests ]]; then
    tests=$STAGE/bin/quantlens_conformance_tests
    bench=$STAGE/bin/quantlens_bench
    export LD_LIBRARY_PATH=$STAGE/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export QUANTLENS_DATA=${QUANTLENS_DATA:-$STAGE/data}
  else
    buildRelease build/gpu-release
    tests=build/gpu-release/tests/quantlens_conformance_tests
    bench=build/gpu-release/bench/quantlens_bench
  fi
  echo "== vulkaninfo --summary"
  vulkanInfo --summary 2>&1 | sed -n '/Devices:/,$p' || true
  echo "== conformance (QUANTLENS_REQUIRE_VULKAN=1)"
  local status=0
  QUANTLENS_REQUIRE_VULKAN=1 QUANTLENS_REQUIRE_DATA=1 "$tests" --gtest_brief=1 || status=$?
  echo "== benchmarks ($BENCH_FILTER)"
  "$bench" --benchmark_filter="$BENCH_FILTER" --benchmark_min_time=1
  return "$status"
}

case "${1:-run}" in
  prepare) prepare ;;
  run) check ;;
  *) echo "usage: $0 [run|prepare]" >&2; exit 2 ;;
esac

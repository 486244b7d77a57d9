#!/usr/bin/env bash
# Checks the Vulkan path on a machine with an NVIDIA GPU: prints the Vulkan devices, runs
# the conformance tests with the Vulkan path required, runs the Vulkan, CPU (2 threads and
# every hardware thread) and memcpy benchmarks, and prints each format's device throughput
# against the card's memory bandwidth: per format, GB/s of f32 input over device time (GPU
# timestamps around the dispatches; staging copies excluded), GB/s of input + output
# traffic over the same time, and each as a fraction of the bandwidth (the target is >= 0.5
# of it for traffic).
#
#   scripts/gpu-check.sh [run] [--bandwidth GBPS | --gpu SPEC_ID]
#                                   on the GPU machine. Uses binaries staged in .gpu/ when
#                                   present, otherwise configures and builds a release
#                                   (no UI) in build/gpu-release. The bandwidth comes from
#                                   --bandwidth, else from the GPU specs of the shared data
#                                   (gpus/gpu_specs_combined.csv, column memory_bandwidth_gb_s)
#                                   by --gpu (its `gpu` column, e.g. h100_sxm) or by the
#                                   Vulkan device name (H100 PCIe/SXM, H200, A100, L40S),
#                                   else from resources/gpu_catalog.json; with none of
#                                   them the fractions are left out and the operator is
#                                   asked for --bandwidth.
# QUANTLENS_BENCH_FILTER and QUANTLENS_GTEST_FILTER narrow the benchmarks and tests;
# QUANTLENS_COMPARE_LAYOUTS=1 reruns the grouped formats' benchmarks with the
# per-invocation group layout (QUANTLENS_VULKAN_GROUP_LAYOUT) for a same-run comparison
# (HQQ's too: its cooperative variant loads each workgroup's groups through shared memory);
# QUANTLENS_COMPARE_DIVISION=1 reruns the formats that divide per weight (GPTQ, ct, asym,
# FP8) and two that divide per group with the shaders' long division
# (QUANTLENS_VULKAN_DIVISION=long), against the default proven estimate;
# QUANTLENS_GPU_STAGE / QUANTLENS_GL_DEBS point at staged binaries and loader packages.
#
#   scripts/gpu-check.sh summarize BENCH_OUTPUT [--bandwidth GBPS]
#                                   the per-format table from a saved bench output.
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
STAGE=${QUANTLENS_GPU_STAGE:-$ROOT/.gpu}  # staged binaries (prepare), overridable
GL_DEBS=${QUANTLENS_GL_DEBS:-$ROOT/.gl}   # the Vulkan loader's packages, overridable
BENCH_FILTER=${QUANTLENS_BENCH_FILTER:-'vulkan|Memcpy|cpu_[0-9]+t'}
CATALOG=$ROOT/resources/gpu_catalog.json
BANDWIDTH=""
GPU_ID=""

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
  mkdir -p "$STAGE/data/gpus"
  cp "${QUANTLENS_DATA:-../shared/data}/gpus/gpu_specs_combined.csv" "$STAGE/data/gpus/"
  mkdir -p .gl /tmp/amd64/partial
  local o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  apt-get $o update -qq
  (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
  (cd "$STAGE" && apt-get $o download vulkan-tools)
  du -sh .gl "$STAGE"
}

ensureLoader() {
  if ! ldconfig -p | grep -q libvulkan.so.1 && compgen -G "$GL_DEBS/*.deb" >/dev/null; then
    for f in "$GL_DEBS"/*.deb; do dpkg -x "$f" /; done
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

# bandwidth_gb_s of the catalog entry whose id or name is $1 (empty if none).
catalogBandwidth() {
  awk -v want="$1" '
    /"id":/ { id = $2; gsub(/[",]/, "", id) }
    /"name":/ { name = $0; sub(/^[^:]*: *"/, "", name); sub(/",?[ \t]*$/, "", name) }
    /"bandwidth_gb_s":/ { bw = $2; gsub(/,/, "", bw); if (id == want || name == want) { print bw; exit } }
  ' "$CATALOG"
}

# memory_bandwidth_gb_s of the first row of the shared data's GPU specs whose `gpu` column
# is $1 (empty if none, or if the file is not there).
specsBandwidth() {
  local csv
  for csv in "${QUANTLENS_DATA:-$ROOT/../shared/data}/gpus/gpu_specs_combined.csv" \
             "$STAGE/data/gpus/gpu_specs_combined.csv"; do
    [[ -f $csv ]] || continue
    awk -F, -v want="$1" '
      NR == 1 { for (i = 1; i <= NF; ++i) col[$i] = i; next }
      $col["gpu"] == want && $col["memory_bandwidth_gb_s"] != "" {
        print $col["memory_bandwidth_gb_s"] + 0; exit }' "$csv"
    return
  done
}

# The specs' `gpu` id for a Vulkan device name.
specIdFor() {
  case "$1" in
    *H100*PCIe*) echo h100_pcie ;;
    *H100*HBM3* | *H100*SXM*) echo h100_sxm ;;
    *H200*) echo h200_sxm ;;
    *A100*PCIe*80GB*) echo a100_pcie ;;
    *A100*SXM*80GB* | *A100*80GB*) echo a100_sxm ;;
    *L40S*) echo l40s ;;
    *) echo "$1" ;;
  esac
}

# The catalog id for a Vulkan device name (NVIDIA's names differ from the catalog's).
gpuIdFor() {
  case "$1" in
    *H100*PCIe*) echo h100-pcie ;;
    *H100*HBM3* | *H100*SXM*) echo h100-sxm ;;
    *H200*) echo h200 ;;
    *A100*PCIe*80GB*) echo a100-pcie-80gb ;;
    *A100*SXM*80GB* | *A100*80GB*) echo a100-sxm-80gb ;;
    *L40S*) echo l40s ;;
    *) echo "$1" ;;
  esac
}

# Reads the bench output ($1) and prints each format's rates against the bandwidth.
summarize() {
  local probe device choices bw="" source=""
  probe=$(sed -n 's/.*vulkan_bench: Vulkan device: //p' "$1" | head -n1)
  device=${probe%% \[*}
  choices=$(sed -n 's/^[^[]*\[\(.*\)\]$/\1/p' <<<"$probe")
  if [[ -n $BANDWIDTH ]]; then
    bw=$BANDWIDTH source="--bandwidth"
  else
    local spec=${GPU_ID:-$(specIdFor "$device")}
    bw=$(specsBandwidth "$spec")
    source="gpus/gpu_specs_combined.csv row '$spec'"
    if [[ -z $bw ]]; then
      local id=${GPU_ID:-$(gpuIdFor "$device")}
      bw=$(catalogBandwidth "$id") source="resources/gpu_catalog.json entry '$id'"
    fi
  fi
  echo "== Vulkan vs CPU per format (4096 x 4096 f32), device: ${device:-none}"
  echo "kernel choices: ${choices:-unknown}"
  if [[ -z $bw ]]; then
    echo "(no bandwidth for '${device}': pass --bandwidth GBPS or --gpu SPEC_ID)"
    bw=0
  else
    echo "memory bandwidth ${bw} GB/s (${source})"
  fi
  awk -v bw="$bw" '
    BEGIN { printf "%-18s %9s %8s %9s %11s %9s %12s %9s\n", "format", "e2e GB/s", "x cpu_2t",
            "x cpu_all", "device GB/s", "x bandw.", "traffic GB/s", "x bandw." }
    function frac(x) { return bw > 0 ? sprintf("%9.3f", x / bw) : sprintf("%9s", "-") }
    # Colour codes: quantlens_bench writes none to a pipe or file since 29 Nov (session 11),
    # but a reset code in front of the first vulkan_vs_cpu line used to drop that format.
    { gsub(/\033\[[0-9;]*m/, "") }
    /^vulkan_vs_cpu / {
      delete v # a field one line lacks must not keep the previous line value
      for (i = 3; i <= NF; ++i) { split($i, kv, "="); v[kv[1]] = kv[2] }
      ratio = v["cpu_2t_GBps"] > 0 ? sprintf("%8.2f", v["vulkan_over_cpu"]) : sprintf("%8s", "-")
      all = v["cpu_all_GBps"] > 0 ? sprintf("%9.2f", v["vulkan_over_cpu_all"]) : sprintf("%9s", "-")
      printf "%-18s %9.2f %s %s %11.1f %s %12.1f %s\n", $2, v["vulkan_GBps"], ratio, all,
             v["device_GBps"], frac(v["device_GBps"]), v["device_traffic_GBps"],
             frac(v["device_traffic_GBps"])
    }' "$1"
  echo "(e2e: f32 input per second end to end, host copies and unpacking included; device:"
  echo " the same input over GPU time alone (timestamps around the dispatches, staging"
  echo " copies excluded); traffic: input + output bytes over GPU time, which is what"
  echo " compares with the card's bandwidth; target: traffic >= 0.5 x bandwidth for the"
  echo " blocked formats; q2_k..q6_k, iq4_nl, q4_k-lsq (fused multiply-adds emulated in"
  echo " integers) and every '+imatrix' line (the importance-weighted encoders) search per"
  echo " sub-block and are compute-bound: read their 'x cpu_2t', the CPU backend with two"
  echo " threads in the same run, and 'x cpu_all', with every hardware thread of this machine"
  echo " (QUANTLENS_BENCH_CPU_THREADS to change; '-' where it has 2 or fewer))"
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
  QUANTLENS_REQUIRE_VULKAN=1 QUANTLENS_REQUIRE_DATA=1 "$tests" --gtest_brief=1 \
    ${QUANTLENS_GTEST_FILTER:+--gtest_filter="$QUANTLENS_GTEST_FILTER"} || status=$?
  echo "== benchmarks ($BENCH_FILTER)"
  local out=/tmp/quantlens-gpu-bench.txt
  "$bench" --benchmark_filter="$BENCH_FILTER" --benchmark_min_time="${BENCH_MIN_TIME:-1}" 2>&1 |
    tee "$out"
  summarize "$out"
  # The same grouped formats under the other group layout, in the same session: the
  # per-invocation layout is what the GPU ran before the cooperative one existed.
  if [[ ${QUANTLENS_COMPARE_LAYOUTS:-0} == 1 ]]; then
    echo "== grouped formats, QUANTLENS_VULKAN_GROUP_LAYOUT=per-invocation"
    local grouped='Memcpy|Quantize4096/(int[2348]-g(32|64|128)[^/]*|nf4[^/]*|fp4[^/]*|hqq-int[24]-g64)/vulkan'
    QUANTLENS_VULKAN_GROUP_LAYOUT=per-invocation "$bench" --benchmark_filter="$grouped" \
      --benchmark_min_time="${BENCH_MIN_TIME:-1}" >"$out.per-invocation" 2>&1 || true
    summarize "$out.per-invocation"
  fi
  # The shaders' division paths, in the same session: long division is what every shader
  # ran before the proven estimate (shaders/formats.glsl).
  if [[ ${QUANTLENS_COMPARE_DIVISION:-0} == 1 ]]; then
    echo "== dividing formats, QUANTLENS_VULKAN_DIVISION=long"
    local dividing='Memcpy|Quantize4096/(int[48]-ct|int4-g128-ct|int4-g128-gptq|int[48]-g(32|128)-asym|int8-asym|fp8-[^/]*|int4-g32|nf4)/vulkan'
    QUANTLENS_VULKAN_DIVISION=long "$bench" --benchmark_filter="$dividing" \
      --benchmark_min_time="${BENCH_MIN_TIME:-1}" >"$out.long-division" 2>&1 || true
    summarize "$out.long-division"
  fi
  return "$status"
}

command=run
if [[ $# -gt 0 && $1 != --* ]]; then command=$1; shift; fi
SUMMARY_FILE=""
if [[ $command == summarize && $# -gt 0 ]]; then SUMMARY_FILE=$1; shift; fi
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bandwidth) BANDWIDTH=$2; shift 2 ;;
    --gpu) GPU_ID=$2; shift 2 ;;
    *) echo "usage: $0 [run|prepare|summarize FILE] [--bandwidth GBPS | --gpu SPEC_ID]" >&2; exit 2 ;;
  esac
done

case "$command" in
  prepare) prepare ;;
  run) check ;;
  summarize) summarize "${SUMMARY_FILE:?usage: $0 summarize BENCH_OUTPUT [--bandwidth GBPS]}" ;;
  *) echo "usage: $0 [run|prepare|summarize BENCH_OUTPUT] [--bandwidth GBPS | --gpu SPEC_ID]" >&2; exit 2 ;;
esac

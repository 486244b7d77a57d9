#!/usr/bin/env bash
# scripts/gpu-check.sh's per-format table from a saved bench log (gpu_check_summary.log,
# written by hand in the shape quantlens_bench prints): every vulkan_vs_cpu line becomes a
# row, the first one too when a colour reset code precedes it (as it did in logs before
# session 11), a line without the all-threads fields shows '-' rather than the previous
# line's figure, and the fractions of bandwidth are the figures over --bandwidth:
# f16's traffic 3000 / 4800 = 0.625, q4_k's 600 / 4800 = 0.125.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
table=$("$here/../../scripts/gpu-check.sh" summarize "$here/gpu_check_summary.log" --bandwidth 4800)
echo "$table"
expect() {
  if ! grep -qE "$1" <<<"$table"; then
    echo "FAILED: no line matching: $1" >&2
    exit 1
  fi
}
expect '^format +e2e GB/s +x cpu_2t +x cpu_all +device GB/s'
expect '^f16 +20\.00 +0\.62 +0\.50 +2000\.0 +0\.417 +3000\.0 +0\.625$'
expect '^q4_k +8\.00 +5\.00 +0\.62 +480\.0 +0\.100 +600\.0 +0\.125$'
expect '^q8_0 +10\.00 +0\.40 +- +1200\.0 +0\.250 +1500\.0 +0\.312$'
expect '^memory bandwidth 4800 GB/s \(--bandwidth\)$'
echo "gpu-check summarize: ok"

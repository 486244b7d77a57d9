#!/usr/bin/env bash
# Sets up a fresh Debian machine, builds the release preset and opens the workbench on
# the demo workspace (a generated Llama-shaped model). Extra arguments go to quantlens,
# e.g. a model path: scripts/run-workbench.sh ~/models/my-model.gguf
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
cmake --preset release
cmake --build --preset release -j "$(nproc)" --target quantlens quantlens-cli
if [[ $# -eq 0 ]]; then
  exec build/release/app/quantlens --demo
fi
exec build/release/app/quantlens "$@"

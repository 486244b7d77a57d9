#!/usr/bin/env bash
# Sets up a fresh Debian machine, builds the release preset and runs every test
# (engine, conformance on the Vulkan device, CLI, offscreen UI), after checking that
# every C++ file is clang-formatted.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
bash scripts/check-format.sh
cmake --preset release
cmake --build --preset release -j "$(nproc)"
export QT_QPA_PLATFORM=offscreen
ctest --preset release -j "$(nproc)" "$@"

#!/usr/bin/env bash
# The whole test suite, from a fresh clone: install libtorch (scripts/setup.sh), build every
# crate, check formatting, and run every test. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup.sh
cargo fmt --all --check
cargo build --workspace --locked --all-targets
# --no-fail-fast: one failing test binary must not hide the others; the exit code still fails.
cargo test --workspace --locked --no-fail-fast

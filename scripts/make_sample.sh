#!/usr/bin/env bash
# Builds the embedded CIFAR-10 sample in data/ (100 training and 20 test images per class) from
# the offline JPEG copy of CIFAR-10, with our own converter (the code behind
# `paddlers data cifar10`). Deterministic: the same input gives the same files.
#
#   scripts/make_sample.sh [PATH/TO/cifar10-jpg.tar.xz]
#
# Run from anywhere; writes data/ at the repository root, whose lists name the batches as
# data/cifar-10-batches-py/..., so configs run from the repository root find them.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
src="${1:-$root/../shared/data/cifar10/cifar10-jpg.tar.xz}"
per_class="${PER_CLASS:-100}"
test_per_class="${TEST_PER_CLASS:-20}"

[ -f "$src" ] || { echo "error: $src not found (pass the path to cifar10-jpg.tar.xz)" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
tar -xJf "$src" -C "$tmp"

cd "$root"
cargo build --release -q -p paddlers-providers --example cifar10_data
rm -rf data/cifar-10-batches-py data/train.txt data/test.txt data/train.list data/test.list data/mean.meta
target/release/examples/cifar10_data --from "$tmp" --out data \
    --per_class "$per_class" --test_per_class "$test_per_class"
du -sh data

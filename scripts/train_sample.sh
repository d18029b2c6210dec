#!/usr/bin/env bash
# The main job, from a fresh clone: install libtorch, build, and train the tutorial's ResNet
# (models/resnet.cfg) on the real CIFAR-10 sample that ships in data/. Extra arguments go to
# `paddlers train`, e.g. `scripts/train_sample.sh --num_passes=10 --use_gpu=true`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup.sh
cargo build --release --workspace --locked
exec target/release/paddlers train \
    --config=models/resnet.cfg \
    --config_args=depth=20 \
    --trainer_count=1 \
    --log_period=2 \
    --num_passes=3 \
    --save_dir=output \
    "$@"

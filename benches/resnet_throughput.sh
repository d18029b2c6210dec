#!/usr/bin/env bash
# Training throughput (images/s) of ResNet depth 20 (models/resnet.cfg, batch 128) under
# `paddlers train`, next to PyTorch eager running the same model and batch size on the same
# machine (benches/resnet_pytorch.py), and their ratio. Both read the CIFAR-10 sample in data/
# and are timed over passes after the first (warm caches, data from memory).
#
#   benches/resnet_throughput.sh                 # 3 passes each, 2 alternating rounds
#   PASSES=4 ROUNDS=3 DEPTH=32 benches/resnet_throughput.sh
#
# PyTorch for Python must be in benches/.venv (pip install torch==2.11.0 numpy); paddlers
# itself needs no Python.
set -euo pipefail
cd "$(dirname "$0")/.."

PASSES=${PASSES:-3}
ROUNDS=${ROUNDS:-2}
DEPTH=${DEPTH:-20}
PY=${PY:-benches/.venv/bin/python}

cargo build --release --quiet -p paddlers-runtime
BIN=target/release/paddlers-runtime
[ -x "$PY" ] || { echo "no PyTorch at $PY: python3 -m venv benches/.venv && benches/.venv/bin/pip install torch==2.11.0 numpy" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

paddlers_rate() {
    local dir="$work/run$1"
    "$BIN" train --config=models/resnet.cfg --config_args="depth=$DEPTH" \
        --num_passes="$PASSES" --save_dir="$dir" --log_period=100000 --dot_period=0 \
        --log_level=warn
    # samples / train_seconds over passes >= 1, from metrics.csv
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
             $1 >= 1 { n += $col["train_samples"]; t += $col["train_seconds"] }
             END { if (t > 0) printf "%.2f\n", n / t; else print "nan" }' "$dir/metrics.csv"
}

pytorch_rate() {
    "$PY" benches/resnet_pytorch.py --depth "$DEPTH" --batch_size 128 --passes "$PASSES" |
        sed -n 's/^pytorch_images_per_s=//p'
}

echo "ResNet-$DEPTH, batch 128, $(nproc) CPU cores, $PASSES passes x $ROUNDS rounds"
printf '%-8s %18s %18s %8s\n' round "paddlers img/s" "pytorch img/s" ratio
sum_ours=0; sum_theirs=0
for r in $(seq 1 "$ROUNDS"); do
    ours=$(paddlers_rate "$r")
    theirs=$(pytorch_rate)
    ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.3f", a / b }')
    printf '%-8s %18s %18s %8s\n' "$r" "$ours" "$theirs" "$ratio"
    sum_ours=$(awk -v s="$sum_ours" -v x="$ours" 'BEGIN { print s + x }')
    sum_theirs=$(awk -v s="$sum_theirs" -v x="$theirs" 'BEGIN { print s + x }')
done
awk -v a="$sum_ours" -v b="$sum_theirs" -v n="$ROUNDS" \
    'BEGIN { printf "%-8s %18.2f %18.2f %8.3f\n", "mean", a / n, b / n, a / b }'

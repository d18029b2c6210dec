#!/usr/bin/env bash
# Training throughput of ResNet depth 20 (models/resnet.cfg, batch 128) under `paddlers train`,
# next to PyTorch eager running the same model and batch size on the same machine
# (benches/resnet_pytorch.py), and their ratio. Both read the CIFAR-10 sample in data/ and are
# timed over passes after the first (warm caches, data from memory). Two measures:
#   img/s      wall clock (what a user sees; other processes on the machine disturb it),
#   img/cpu-s  images per CPU-second of the whole process (all threads): the steadier one on a
#              shared machine.
#
#   benches/resnet_throughput.sh                 # 3 passes each, 2 alternating rounds
#   PASSES=4 ROUNDS=3 DEPTH=32 benches/resnet_throughput.sh
#
# paddlers keeps freed tensor memory in the process (mallopt; glibc would otherwise return
# every large buffer to the kernel and re-fault it each batch). Set PYTORCH_MALLOC=1 to give
# PyTorch the same allocator settings (MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_).
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

# Prints "<img/s> <img/cpu-s>" for paddlers, from metrics.csv (passes >= 1).
paddlers_rates() {
    local dir="$work/run$1"
    "$BIN" train --config=models/resnet.cfg --config_args="depth=$DEPTH" \
        --num_passes="$PASSES" --save_dir="$dir" --log_period=100000 --dot_period=0 \
        --log_level=warn
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
             $1 >= 1 { n += $col["train_samples"]; t += $col["train_seconds"];
                       c += $col["train_cpu_seconds"] }
             END { printf "%.2f %.2f\n", n / t, n / c }' "$dir/metrics.csv"
}

pytorch_rates() {
    local env=()
    if [ "${PYTORCH_MALLOC:-0}" = 1 ]; then
        env=(MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824)
    fi
    env "${env[@]}" "$PY" benches/resnet_pytorch.py --depth "$DEPTH" --batch_size 128 --passes "$PASSES" |
        awk -F= '/^pytorch_images_per_s=/ { w = $2 } /^pytorch_images_per_cpu_s=/ { c = $2 }
                 END { print w, c }'
}

echo "ResNet-$DEPTH, batch 128, $(nproc) CPU cores, $PASSES passes x $ROUNDS rounds"
printf '%-6s %14s %14s %7s   %14s %14s %7s\n' round "paddlers img/s" "pytorch img/s" ratio \
    "paddlers /cpu-s" "pytorch /cpu-s" ratio
tw=0; tc=0; pw=0; pc=0
for r in $(seq 1 "$ROUNDS"); do
    read -r ow oc < <(paddlers_rates "$r")
    read -r yw yc < <(pytorch_rates)
    awk -v a="$ow" -v b="$yw" -v c="$oc" -v d="$yc" -v r="$r" \
        'BEGIN { printf "%-6s %14.2f %14.2f %7.3f   %14.2f %14.2f %7.3f\n", r, a, b, a / b, c, d, c / d }'
    tw=$(awk -v s="$tw" -v x="$ow" 'BEGIN { print s + x }')
    tc=$(awk -v s="$tc" -v x="$oc" 'BEGIN { print s + x }')
    pw=$(awk -v s="$pw" -v x="$yw" 'BEGIN { print s + x }')
    pc=$(awk -v s="$pc" -v x="$yc" 'BEGIN { print s + x }')
done
awk -v a="$tw" -v b="$pw" -v c="$tc" -v d="$pc" -v n="$ROUNDS" \
    'BEGIN { printf "%-6s %14.2f %14.2f %7.3f   %14.2f %14.2f %7.3f\n", "mean", a / n, b / n, a / b, c / n, d / n, c / d }'

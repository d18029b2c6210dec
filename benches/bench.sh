#!/usr/bin/env bash
# paddlers against PyTorch on this machine, in one table: ResNet-20, ResNet-56
# (models/resnet.cfg, depth=20/56) and VGG (models/vgg.cfg), training and inference, batch 128.
# paddlers runs its own training step (the trainer's forward, backward and Paddle's optimizer
# update; runtime-cli/benches/net_throughput.rs) and its inference forward; the peer
# (benches/torch_peer.py) runs the identical model, initialization, optimizer and batch in
# PyTorch eager NCHW, eager channels_last, and torch.compile. Every runner is its own process,
# and the runners alternate within each round, so load from other processes hits all alike.
# Columns: images/s (median over rounds), paddlers' ratio to each peer, and peak RSS (MiB).
# Last line: `paddlers dump_config` per config of the conformance corpus, one process each.
#
#   benches/bench.sh                # about 10 minutes on 2 cores
#   benches/bench.sh --long         # 3 rounds of 30 timed steps
#   ITERS=20 ROUNDS=3 MODELS="resnet20" LAYOUTS="nchw cl" MODES=train benches/bench.sh
#
# PyTorch for Python must be in benches/.venv (python3 -m venv benches/.venv &&
# benches/.venv/bin/pip install torch==2.11.0 numpy), or name another with PY=.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--long" ]; then
    : "${ITERS:=30}" "${ROUNDS:=3}" "${WARMUP:=3}"
fi
ITERS=${ITERS:-6}
WARMUP=${WARMUP:-2}
ROUNDS=${ROUNDS:-2}
MODELS=${MODELS:-resnet20 resnet56 vgg}
MODES=${MODES:-train infer}
LAYOUTS=${LAYOUTS:-nchw cl compile}
PY=${PY:-benches/.venv/bin/python}
CORPUS=${CORPUS:-../shared/paddle-v1/configs}

# A venv whose torch was installed with its CUDA wheels beside it (or, on a CPU machine, only
# those wheels, with torch reached through a .pth) finds them here.
for lib in "$(dirname "$PY")"/../lib/python3*/site-packages/nvidia/*/lib; do
    [ -d "$lib" ] && LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
done
export LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}
[ -x "$PY" ] || { echo "bench: no PyTorch at $PY (python3 -m venv benches/.venv && benches/.venv/bin/pip install torch==2.11.0 numpy)" >&2; exit 1; }
cargo build --release --quiet -p paddlers -p paddlers-runtime-cli
cargo bench --quiet -p paddlers-runtime-cli --bench net_throughput --no-run 2>/dev/null
HARNESS=$(ls -t target/release/deps/net_throughput-* | grep -v '\.d$' | head -n1)

results=$(mktemp)
trap 'rm -f "$results"' EXIT

config_of() {
    case $1 in
        resnet*) echo "models/resnet.cfg depth=${1#resnet}" ;;
        vgg) echo "models/vgg.cfg " ;;
    esac
}

# One measurement: appends "model mode runner images_per_s peak_rss_mib" to $results.
measure() {
    local model=$1 mode=$2 runner=$3 line
    if [ "$runner" = paddlers ]; then
        read -r cfg args < <(config_of "$model")
        line=$("$HARNESS" --config "$cfg" --config_args "$args" --mode "$mode" \
            --warmup "$WARMUP" --iters "$ITERS" 2>/dev/null | tail -n1) || line=""
    else
        line=$("$PY" benches/torch_peer.py --model "$model" --mode "$mode" --layout "$runner" \
            --warmup "$WARMUP" --iters "$ITERS" 2>/dev/null | tail -n1) || line=""
    fi
    local ips rss
    ips=$(sed -n 's/.*images_per_s=\([0-9.]*\).*/\1/p' <<<"$line")
    rss=$(sed -n 's/.*peak_rss_mib=\([0-9.]*\).*/\1/p' <<<"$line")
    echo "$model $mode $runner ${ips:-nan} ${rss:-nan}" >>"$results"
}

echo "bench: $(nproc) cores, batch 128, $WARMUP warm-up + $ITERS timed steps, $ROUNDS rounds" >&2
for model in $MODELS; do
    for mode in $MODES; do
        for round in $(seq 1 "$ROUNDS"); do
            for runner in paddlers $LAYOUTS; do
                echo "bench: $model $mode round $round: $runner" >&2
                measure "$model" "$mode" "$runner"
            done
        done
    done
done

dump=$(python3 benches/dump_config_timing.py target/release/paddlers "$CORPUS" 3 2>/dev/null || echo "dump_config_ms median=nan")

python3 - "$results" "$LAYOUTS" "$dump" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
layouts = sys.argv[2].split()
names = {"nchw": "eager", "cl": "chan-last", "compile": "compile"}
def med(vals):
    vals = [float(v) for v in vals if v != "nan"]
    return statistics.median(vals) if vals else float("nan")
keys = []
for m, mode, *_ in rows:
    if (m, mode) not in keys:
        keys.append((m, mode))
head = f"{'model':<9} {'mode':<6} {'paddlers':>9}"
for l in layouts:
    head += f" {names[l]:>10} {'ratio':>6}"
head += f"   {'RSS MiB: paddlers':>17}" + "".join(f" {names[l]:>10}" for l in layouts)
print(head)
for m, mode in keys:
    sel = lambda r: [x for x in rows if x[0] == m and x[1] == mode and x[2] == r]
    ours = med(x[3] for x in sel("paddlers"))
    line = f"{m:<9} {mode:<6} {ours:9.1f}"
    for l in layouts:
        peer = med(x[3] for x in sel(l))
        line += f" {peer:10.1f} {ours / peer if peer == peer and peer else float('nan'):6.2f}"
    line += f"   {med(x[4] for x in sel('paddlers')):17.0f}"
    line += "".join(f" {med(x[4] for x in sel(l)):10.0f}" for l in layouts)
    print(line)
print("images/s, median over rounds; ratio = paddlers / peer (above 1: paddlers faster)")
print(sys.argv[3])
EOF

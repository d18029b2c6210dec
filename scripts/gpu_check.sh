#!/usr/bin/env bash
# The GPU check of issue 15, in two halves: one here (a CPU machine with Rust), one on the GPU
# machine (torch 2.11.0+cu130 in its python3, no Rust, no network), in ONE call there.
#
#   scripts/gpu_check.sh prepare     # here: builds release binaries and fills .gpu/ (ignored)
#   then, with the device tool:      run(command="scripts/gpu_check.sh device",
#                                        carry=[".gpu"], timeout_s=600)
#   or on any GPU machine by hand:   scripts/gpu_check.sh device   (OUT=dir for the log)
#
# On the GPU machine, within about 9 minutes, it runs and logs (to $OUT/gpu_check.log):
#   1. `paddlers-runtime version` and nvidia-smi;
#   2. the CUDA tests (the runtime's CPU/CUDA agreement tests and the train_gpu tests);
#   3. the user's command, `paddlers train --config=models/resnet.cfg --use_gpu=true
#      --trainer_count=2`, for 2 passes on the bundled sample in data/;
#   4. the throughput table: paddlers (fp32, NCHW and channels-last) against PyTorch on the
#      same GPU (fp32 NCHW, fp32 channels-last, bf16 autocast channels-last), ResNet-20/56,
#      training and inference, batch 128;
#   5. ResNet-20 on the real CIFAR-10 copy (../shared/data/cifar10, carried as its 18 MB
#      JPEG tarball and converted there by `paddlers data cifar10`) for about 4 minutes,
#      printing the test error after each pass.
# Copy its results, with the date, into docs/benchmarks.md.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
stage=.gpu

prepare() {
    scripts/setup.sh
    cargo build --release -p paddlers -p paddlers-runtime-cli
    rm -rf "$stage" && mkdir -p "$stage/bin"
    cp target/release/paddlers target/release/paddlers-runtime "$stage/bin/"
    # Test and bench executables, by the paths cargo reports for them.
    local json
    json=$(cargo test --release --no-run --message-format=json \
        -p paddlers-runtime --test layers -p paddlers-runtime-cli --test train_gpu 2>/dev/null)
    json+=$(cargo bench --no-run --message-format=json -p paddlers-runtime-cli \
        --bench net_throughput 2>/dev/null)
    python3 - "$stage/bin" <<<"$json" <<'EOF'
import json, shutil, sys
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    exe = m.get("executable")
    name = m.get("target", {}).get("name")
    if exe and name in ("layers", "train_gpu", "net_throughput"):
        shutil.copy(exe, f"{sys.argv[1]}/{name}")
EOF
    local data=../shared/data/cifar10/cifar10-jpg.tar.xz
    if [ -f "$data" ]; then
        cp "$data" "$stage/"
    else
        echo "gpu_check: $data not found: the accuracy run will be skipped" >&2
    fi
    strip --strip-debug "$stage"/bin/* 2>/dev/null || true
    # The test executables name this checkout's paths (models, fixtures, the runtime binary).
    echo "$root" >"$stage/build_root"
    du -sh "$stage"
    local mib
    mib=$(du -sm "$stage" | cut -f1)
    if [ "$mib" -gt 56 ]; then
        echo "gpu_check: $stage is $mib MiB; the device call carries 64 MiB with the tree" >&2
        exit 1
    fi
    echo "gpu_check: ready; now run(command=\"scripts/gpu_check.sh device\", carry=[\".gpu\"], timeout_s=600)"
}

device() {
    local out=${OUT:-/tmp/gpu_check_out}
    mkdir -p "$out"
    exec > >(tee "$out/gpu_check.log") 2>&1
    local py=${PY:-python3}
    # The binaries' RUNPATH names this build machine's libtorch; use the GPU machine's.
    local torch_lib
    torch_lib=$("$py" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
    export LD_LIBRARY_PATH="$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    local bin=$root/$stage/bin
    # The tests look for the checkout where they were built and for its release binaries.
    mkdir -p target/release
    cp "$bin/paddlers" "$bin/paddlers-runtime" target/release/
    local build_root
    build_root=$(cat "$stage/build_root")
    if [ "$build_root" != "$root" ] && [ ! -e "$build_root" ]; then
        mkdir -p "$(dirname "$build_root")" && ln -s "$root" "$build_root"
    fi
    echo "== $(date -u +%FT%TZ) gpu_check"
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || true
    "$bin/paddlers-runtime" version || true

    echo "== CUDA tests"
    (cd runtime && timeout 120 "$bin/layers" cuda --test-threads=1) || echo "FAILED: runtime CUDA tests"
    (cd runtime-cli && timeout 120 "$bin/train_gpu" --test-threads=1) || echo "FAILED: train_gpu tests"

    echo "== the user's command (2 passes on the bundled sample)"
    timeout 120 "$bin/paddlers" train --config=models/resnet.cfg --use_gpu=true --trainer_count=2 \
        --num_passes=2 --save_dir=/tmp/gpu_check_model --log_period=4 ||
        echo "FAILED: paddlers train --use_gpu=true --trainer_count=2"

    echo "== throughput, batch 128 (images/s)"
    local it=30
    for model in resnet20 resnet56; do
        local cfg_args="depth=${model#resnet}"
        for mode in train infer; do
            local row="$model $mode"
            for layout in nchw cl; do
                r=$(timeout 60 "$bin/net_throughput" --config models/resnet.cfg --config_args "$cfg_args" \
                    --mode "$mode" --device cuda --layout "$layout" --warmup 5 --iters $it 2>&1 | tail -n1)
                row+=" paddlers-fp32-$layout:${r%% *}"
            done
            for v in "nchw fp32" "cl fp32" "cl bf16"; do
                set -- $v
                r=$(timeout 60 "$py" benches/torch_peer.py --model "$model" --mode "$mode" --device cuda \
                    --layout "$1" --dtype "$2" --warmup 5 --iters $it 2>&1 | tail -n1)
                row+=" torch-$2-$1:${r%% *}"
            done
            echo "$row"
        done
    done

    echo "== ResNet-20 on CIFAR-10, about 4 minutes"
    if [ -f "$stage/cifar10-jpg.tar.xz" ]; then
        local work=/tmp/gpu_check_cifar
        rm -rf "$work" && mkdir -p "$work/images" "$work/models"
        tar -xJf "$stage/cifar10-jpg.tar.xz" -C "$work/images"
        local tree
        tree=$(dirname "$(find "$work/images" -maxdepth 3 -type d -name train | head -n1)")
        (cd "$work" && "$bin/paddlers" data cifar10 --from "$tree" --out data)
        cp models/resnet.cfg "$work/models/"
        (cd "$work" && timeout 250 "$bin/paddlers" train --config=models/resnet.cfg \
            --config_args=depth=20 --use_gpu=true --num_passes=200 --log_period=1000 \
            --save_dir=output --save_only_one=true) 2>&1 | grep -E 'Test samples|Pass=' || true
        grep -h . "$work/output/metrics.csv" 2>/dev/null | cut -d, -f1-9 || true
    else
        echo "skipped: no $stage/cifar10-jpg.tar.xz"
    fi
    echo "== done $(date -u +%FT%TZ)"
}

case ${1:-} in
    prepare) prepare ;;
    device) device ;;
    *) echo "usage: scripts/gpu_check.sh prepare|device" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Prepares everything paddlers needs to build: a project-local virtual environment holding
# the exact libtorch that our pinned tch expects, and .cargo/config.toml pointing cargo at it.
# Idempotent: when everything is already in place it returns in well under a second.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# tch 0.24 / torch-sys 0.24 expect PyTorch 2.11.0 (torch-sys's TORCH_VERSION).
TORCH_VERSION=2.11.0
# libtorch_cpu.so needs libcudart.so.13 and libcupti.so.13 even on CPU; these two small
# wheels provide them, so the multi-GB CUDA stack is never needed to build or run on CPU.
CUDA_RUNTIME=nvidia-cuda-runtime==13.0.96
CUDA_CUPTI=nvidia-cuda-cupti==13.0.85

venv="$root/.venv"
python=${PYTHON:-python3}

# A Python without the venv module (Debian's python3 without python3-venv) still has pip:
# then the wheels go into .venv/site with `pip --target`, in the same layout libtorch's RPATH
# expects (torch/lib beside nvidia/cu13/lib).
if [ ! -x "$venv/bin/python" ] && [ ! -d "$venv/site" ]; then
    echo "setup: creating $venv" >&2
    if ! "$python" -m venv "$venv" 2>/dev/null; then
        echo "setup: $python cannot create a virtual environment; using pip --target" >&2
        rm -rf "$venv"
        mkdir -p "$venv/site"
    fi
fi

if [ -x "$venv/bin/python" ]; then
    purelib=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    pip_install=("$venv/bin/python" -m pip install)
else
    purelib="$venv/site"
    pip_install=("$python" -m pip install --target "$purelib")
fi
libtorch="$purelib/torch"

installed_version() {
    # Read torch/version.py without importing torch: `import torch` needs the full CUDA stack.
    sed -n "s/^__version__ = '\([^']*\)'.*/\1/p" "$libtorch/version.py" 2>/dev/null || true
}

complete() {
    local have
    have=$(installed_version)
    [ "${have%%+*}" = "$TORCH_VERSION" ] &&
        [ -e "$libtorch/lib/libtorch_cpu.so" ] &&
        [ -e "$purelib/nvidia/cu13/lib/libcudart.so.13" ] &&
        [ -e "$purelib/nvidia/cu13/lib/libcupti.so.13" ]
}

if ! complete; then
    echo "setup: installing torch==$TORCH_VERSION (CPU libraries only, about 550 MB)" >&2
    "${pip_install[@]}" --quiet --disable-pip-version-check --no-deps --upgrade \
        "torch==$TORCH_VERSION" "$CUDA_RUNTIME" "$CUDA_CUPTI"
fi
have=$(installed_version)
if [ "${have%%+*}" != "$TORCH_VERSION" ]; then
    echo "setup: error: $libtorch holds torch '${have:-none}', but tch needs $TORCH_VERSION" >&2
    exit 1
fi
if [ ! -e "$libtorch/lib/libtorch_cpu.so" ]; then
    echo "setup: error: $libtorch/lib/libtorch_cpu.so is missing; delete .venv and run again" >&2
    exit 1
fi

# On a machine with an NVIDIA GPU (or with PADDLERS_CUDA=1), also the CUDA libraries this
# torch wheel was built against (cuBLAS, cuDNN, cuSPARSE, NCCL, ...; about 3 GB from PyPI):
# exactly the nvidia-* and cuda-toolkit requirements in the wheel's own metadata, so they
# stay in step with TORCH_VERSION. libtorch_cuda.so finds them through its RPATH
# ($ORIGIN/../../nvidia/*/lib), and our binaries carry the same directories as RUNPATH
# (runtime/build.rs), so no LD_LIBRARY_PATH is needed. PADDLERS_CUDA=0 skips this.
want_cuda() {
    case ${PADDLERS_CUDA:-} in
        1) return 0 ;;
        0) return 1 ;;
    esac
    command -v nvidia-smi >/dev/null 2>&1 || [ -e /proc/driver/nvidia/version ]
}

cuda_complete() {
    # Every library libtorch_cuda.so needs resolves (through its RPATH into nvidia/*/lib).
    [ -e "$libtorch/lib/libtorch_cuda.so" ] &&
        ! ldd "$libtorch/lib/libtorch_cuda.so" 2>/dev/null | grep -q 'not found'
}

cuda_requirements() {
    # Requires-Dist lines of the installed wheel for Linux: `cuda-toolkit[...]==V` and
    # `nvidia-...==V` (not triton or cuda-bindings, which only Python's torch uses).
    sed -n 's/^Requires-Dist: \(\(cuda-toolkit\|nvidia-\)[^;]*\);.*Linux.*/\1/p' \
        "$purelib"/torch-"$TORCH_VERSION"*.dist-info/METADATA | tr -d ' '
}

if want_cuda && ! cuda_complete; then
    mapfile -t reqs < <(cuda_requirements)
    if [ "${#reqs[@]}" -eq 0 ]; then
        echo "setup: error: found no CUDA requirements in torch's METADATA under $purelib" >&2
        exit 1
    fi
    echo "setup: NVIDIA GPU found (or PADDLERS_CUDA=1): installing torch's CUDA libraries (about 3 GB): ${reqs[*]}" >&2
    "${pip_install[@]}" --quiet --disable-pip-version-check "${reqs[@]}"
    if ! cuda_complete; then
        echo "setup: error: libtorch_cuda.so still misses libraries:" >&2
        ldd "$libtorch/lib/libtorch_cuda.so" | grep 'not found' >&2
        exit 1
    fi
fi

# A plain `cargo build` then finds libtorch with no variable set by the user. Rewriting this
# file with another path would recompile torch-sys's C++ glue, so write it only on change.
mkdir -p .cargo
config=".cargo/config.toml"
# Training on several processes (c10d Gloo) needs the gloo headers, which the torch wheel
# lacks: Debian's libgloo-dev has them. Install them where we may; without them paddlers still
# builds, and distributed runs say it was built without distributed support.
if [ ! -d /usr/include/gloo ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing libgloo-dev (the gloo headers, for distributed training)" >&2
    apt-get install -y libgloo-dev >/dev/null 2>&1 \
        || { apt-get update >/dev/null 2>&1 && apt-get install -y libgloo-dev >/dev/null 2>&1; } \
        || echo "setup: warning: could not install libgloo-dev; building without distributed support" >&2
fi
distributed=""
if [ -d /usr/include/gloo ]; then
    distributed='PADDLERS_DISTRIBUTED = "1"\n'
else
    echo "setup: no /usr/include/gloo: paddlers builds without distributed support" >&2
fi
want=$(printf "# Written by scripts/setup.sh; do not edit.\n[env]\nLIBTORCH = \"%s\"\nLIBTORCH_BYPASS_VERSION_CHECK = \"1\"\n$distributed" "$libtorch")
if [ ! -f "$config" ] || [ "$(cat "$config")" != "$want" ]; then
    printf '%s\n' "$want" > "$config"
    echo "setup: wrote $config" >&2
fi

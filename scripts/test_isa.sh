#!/usr/bin/env bash
# Runs the whole test suite under the kernel paths that other x86-64 CPUs take, on this one.
#
# libtorch (ATen's dispatch), oneDNN and MKL each pick kernels for the CPU they find, so float32
# sums are ordered differently on an AVX2 AMD EPYC than on an AVX-512 Xeon, and a numeric test
# that holds on one can fail on the other. CI runs on whatever machine a change was made on, so
# every numeric test must hold on all of them. These variables make the libraries take the
# other paths here:
#   ATEN_CPU_CAPABILITY=default|avx2   ATen's vectorised kernels (default = no SIMD dispatch)
#   ONEDNN_MAX_CPU_ISA=AVX2            oneDNN's convolutions, pooling, batch norm
#   MKL_ENABLE_INSTRUCTIONS=AVX2       MKL's GEMMs (fully connected layers, some convolutions)
#
# Usage: scripts/test_isa.sh [NAME ...]     (default: every setting below, one suite run each)
# Prints one line per setting and exits non-zero when any run failed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

declare -A SETTINGS=(
  [aten-default]="ATEN_CPU_CAPABILITY=default"
  [aten-avx2]="ATEN_CPU_CAPABILITY=avx2"
  [onednn-avx2]="ONEDNN_MAX_CPU_ISA=AVX2"
  [mkl-avx2]="MKL_ENABLE_INSTRUCTIONS=AVX2"
  [avx2-machine]="ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 MKL_ENABLE_INSTRUCTIONS=AVX2"
)
ORDER=(aten-default aten-avx2 onednn-avx2 mkl-avx2 avx2-machine)
if [ $# -gt 0 ]; then ORDER=("$@"); fi
for name in "${ORDER[@]}"; do
  if [ -z "${SETTINGS[$name]+set}" ]; then
    echo "test_isa: unknown setting '$name' (known: ${!SETTINGS[*]})" >&2
    exit 2
  fi
done

scripts/setup.sh || exit 1
cargo build --workspace --locked --all-targets || exit 1

mkdir -p target/test_isa
declare -A RESULT
status=0
for name in "${ORDER[@]}"; do
  log="target/test_isa/$name.log"
  echo "test_isa: $name (${SETTINGS[$name]}) -> $log"
  start=$(date +%s)
  # shellcheck disable=SC2086
  if env ${SETTINGS[$name]} cargo test --workspace --locked --no-fail-fast >"$log" 2>&1; then
    verdict=passed
  else
    verdict=FAILED
    status=1
  fi
  passed=$(grep -Eo '^test result: [a-z]+\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')
  failed=$(grep -Eo '; [0-9]+ failed' "$log" | awk '{s+=$2} END {print s+0}')
  RESULT[$name]="$verdict: $passed passed, $failed failed, $(($(date +%s) - start)) s"
  echo "test_isa: $name ${RESULT[$name]}"
  if [ "$verdict" = FAILED ]; then grep -E '^(---- |thread .* panicked|error: test failed)' "$log" | head -20; fi
done

echo
echo "test_isa summary ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'))"
for name in "${ORDER[@]}"; do
  printf '  %-14s %-70s %s\n' "$name" "${SETTINGS[$name]}" "${RESULT[$name]}"
done
exit $status

#!/usr/bin/env bash
# Runs the fuzz targets: fuzz/run.sh [TARGET|all] [SECONDS]
#
# Every target (or one) runs for SECONDS (60 by default), starting from its
# seed corpus in fuzz/corpus/<target>/ and its dictionary in fuzz/dict/.
# New inputs go to fuzz/target/corpus/<target>/ (not committed); a crash
# goes to fuzz/artifacts/<target>/. Prints exec/s and coverage per target;
# exits 1 if a target crashed.
#
# Installs cargo-fuzz when it is missing. Uses nightly with AddressSanitizer
# when a nightly toolchain is there, otherwise stable with --sanitizer none;
# FUZZ_SANITIZER=none (or address, ...) chooses. Inputs are at most
# FUZZ_MAX_LEN bytes (4096).
set -euo pipefail
cd "$(dirname "$0")"

all=(header readframe human_string py_literal cbor_decode server_reactor client_reactor stream_decoder)
target="${1:-all}"
seconds="${2:-60}"
if [ "$target" = all ]; then
    targets=("${all[@]}")
else
    targets=("$target")
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz/run.sh: installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi
if cargo +nightly --version >/dev/null 2>&1; then
    toolchain=(+nightly)
    sanitizer="${FUZZ_SANITIZER:-address}"
else
    toolchain=()
    sanitizer="${FUZZ_SANITIZER:-none}"
fi
echo "fuzz/run.sh: $(cargo "${toolchain[@]}" --version), sanitizer $sanitizer, ${seconds}s per target"

build=()
[ "${#targets[@]}" = 1 ] && build=("${targets[0]}")
cargo "${toolchain[@]}" fuzz build -O --sanitizer "$sanitizer" "${build[@]}"
mkdir -p target/logs
summary=()
status=0
for t in "${targets[@]}"; do
    mkdir -p "target/corpus/$t" "artifacts/$t"
    dict=()
    [ -f "dict/$t.dict" ] && dict=("-dict=dict/$t.dict")
    log="target/logs/$t.log"
    if cargo "${toolchain[@]}" fuzz run -O --sanitizer "$sanitizer" "$t" \
        "target/corpus/$t" "corpus/$t" -- \
        -max_total_time="$seconds" -max_len="${FUZZ_MAX_LEN:-4096}" -print_final_stats=1 \
        "${dict[@]}" >"$log" 2>&1; then
        result=ok
    else
        result=CRASH
        status=1
    fi
    execs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    corp=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    summary+=("$(printf '%-16s %-6s %10s %8s %8s %8s' "$t" "$result" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}")")
    if [ "$result" = CRASH ]; then
        echo "fuzz/run.sh: $t crashed; its log is fuzz/$log:"
        grep -E "panicked|ERROR|SUMMARY|Test unit written" "$log" | head -5
    fi
done
printf '\n%-16s %-6s %10s %8s %8s %8s\n' target result exec/s cov ft corpus
printf '%s\n' "${summary[@]}"
exit $status

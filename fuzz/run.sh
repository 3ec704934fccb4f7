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
#
# Comparison tracing (LLVM's -sanitizer-coverage-trace-compares, on in
# cargo-fuzz by default) hands libFuzzer the operands of every comparison,
# at the cost of a call each. The reactor targets are built without it, in
# target/no-trace-compares/: their operations are decoded by arbitrary, and
# without it they ran 1.4 to 2.2 times as fast for the same coverage, where
# human_string lost coverage (fuzz/README.md, "Measurements").
# FUZZ_TRACE_COMPARES=1 traces comparisons in every target, =0 in none.
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
case "${FUZZ_TRACE_COMPARES:-}" in
    1) traces="every target" ;;
    0) traces="no target" ;;
    *) traces="every target but the reactors" ;;
esac
echo "fuzz/run.sh: $(cargo "${toolchain[@]}" --version), sanitizer $sanitizer, ${seconds}s per target, comparisons traced in $traces"

# Whether target $1 traces comparisons.
traced() {
    case "${FUZZ_TRACE_COMPARES:-}" in
        1) return 0 ;;
        0) return 1 ;;
    esac
    case "$1" in
        server_reactor | client_reactor) return 1 ;;
        *) return 0 ;;
    esac
}
# The arguments of cargo fuzz build and run for target $1.
fuzz_args() {
    echo -O --sanitizer "$sanitizer"
    traced "$1" || echo --no-trace-compares --target-dir target/no-trace-compares
}

# shellcheck disable=SC2046
for t in "${targets[@]}"; do
    cargo "${toolchain[@]}" fuzz build $(fuzz_args "$t") "$t"
done
mkdir -p target/logs
summary=()
status=0
for t in "${targets[@]}"; do
    mkdir -p "target/corpus/$t" "artifacts/$t"
    dict=()
    [ -f "dict/$t.dict" ] && dict=("-dict=dict/$t.dict")
    log="target/logs/$t.log"
    # shellcheck disable=SC2046
    if cargo "${toolchain[@]}" fuzz run $(fuzz_args "$t") "$t" \
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

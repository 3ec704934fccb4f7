#!/usr/bin/env bash
# Runs the Rust benchmarks and their Python baseline (Mercurial 7.2.4, pure
# Python) in one command, on the same machine, and prints one table:
# operation, Python time, Rust time, ratio, and the goal. Then the memory
# figures (benches/memory.rs).
#
# BENCH_TIME sets criterion's measurement time per benchmark (3 s).
set -euo pipefail
cd "$(dirname "$0")/.."

bash adapters/mercurial/setup.sh >/dev/null
echo "benches/compare.sh: Rust (cargo bench --bench hgframe)..." >&2
cargo bench --bench hgframe -- --warm-up-time 1 --measurement-time "${BENCH_TIME:-3}" \
    > target/bench-rust.log 2>&1 || { cat target/bench-rust.log; exit 1; }
echo "benches/compare.sh: Python (benches/python/bench.py)..." >&2
HGMODULEPOLICY=py adapters/mercurial/.venv/bin/python benches/python/bench.py \
    > target/bench-python.json
echo
python3 benches/compare.py target/criterion target/bench-python.json
echo
cargo bench --bench memory 2>/dev/null | grep -v '^$'

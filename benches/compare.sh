#!/usr/bin/env bash
# Runs the Rust benchmarks and their Python baseline (Mercurial 7.2.4, pure
# Python) in one command, on the same machine, and prints one table:
# operation, Python time, Rust time, ratio, and the goal; the bandwidth
# rows and the cost curves with theirs (target/curves.svg draws the curves).
# Then the memory figures (benches/memory.rs).
#
# BENCH_TIME sets criterion's measurement time per benchmark (3 s).
set -euo pipefail
cd "$(dirname "$0")/.."

bash adapters/mercurial/setup.sh >/dev/null
echo "benches/compare.sh: Rust (cargo bench --bench hgframe)..." >&2
# A curve is the points of this run only: points of earlier runs with other
# sizes would stay in target/criterion and be read with them.
rm -rf target/criterion/curve_*
# A fresh clone has no target/ yet for the logs below.
mkdir -p target
cargo bench --bench hgframe -- --warm-up-time 1 --measurement-time "${BENCH_TIME:-3}" \
    > target/bench-rust.log 2>&1 || { cat target/bench-rust.log; exit 1; }
echo "benches/compare.sh: Python (benches/python/bench.py)..." >&2
HGMODULEPOLICY=py adapters/mercurial/.venv/bin/python benches/python/bench.py \
    > target/bench-python.json
echo
python3 benches/compare.py target/criterion target/bench-python.json
# The cost curves as one SVG (docs/performance/curves.svg is a copy of one run's).
python3 benches/curves.py target/criterion target/curves.svg
echo "benches/compare.sh: the cost curves are drawn in target/curves.svg" >&2
echo
cargo bench --bench memory 2>/dev/null | grep -v '^$'

#!/bin/bash -eu
# Builds every fuzz target of fuzz/ into $OUT, each with its seed corpus
# (fuzz/corpus/<target>/ as <target>_seed_corpus.zip) and its dictionary
# (fuzz/dict/<target>.dict as <target>.dict), the way OSS-Fuzz expects.
# The base-builder-rust image sets the sanitizer flags; FUZZ_BUILD_ARGS adds
# arguments to `cargo fuzz build` (.clusterfuzzlite/check.sh uses it).

if [ "${SANITIZER:-}" = "coverage" ]; then
    export RUSTFLAGS="${RUSTFLAGS:-} -C debug-assertions=no"
fi

cd "$SRC/hgframe"
# shellcheck disable=SC2086
cargo fuzz build -O ${FUZZ_BUILD_ARGS:-}

built=fuzz/target/x86_64-unknown-linux-gnu/release
for source in fuzz/fuzz_targets/*.rs; do
    target=$(basename "${source%.rs}")
    cp "$built/$target" "$OUT/"
    if [ -d "fuzz/corpus/$target" ]; then
        (cd "fuzz/corpus/$target" && python3 -m zipfile -c "$OUT/${target}_seed_corpus.zip" ./*)
    fi
    if [ -f "fuzz/dict/$target.dict" ]; then
        cp "fuzz/dict/$target.dict" "$OUT/$target.dict"
    fi
done

#!/usr/bin/env bash
# Runs build.sh here, outside Docker, and checks what it leaves in $OUT:
# a binary, a seed corpus zip for every target, and the dictionaries.
# Uses nightly with AddressSanitizer when there is one (as OSS-Fuzz does),
# otherwise stable with --sanitizer none.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src" "$work/out"
ln -s "$root" "$work/src/hgframe"
if cargo +nightly --version >/dev/null 2>&1; then
    export RUSTUP_TOOLCHAIN=nightly FUZZ_BUILD_ARGS=""
else
    export FUZZ_BUILD_ARGS="--sanitizer none"
fi
SRC="$work/src" OUT="$work/out" SANITIZER=address bash "$root/.clusterfuzzlite/build.sh"

status=0
for source in "$root"/fuzz/fuzz_targets/*.rs; do
    target=$(basename "${source%.rs}")
    for file in "$target" "${target}_seed_corpus.zip"; do
        if [ ! -s "$work/out/$file" ]; then
            echo ".clusterfuzzlite/check.sh: build.sh did not make $file" >&2
            status=1
        fi
    done
    if [ -f "$root/fuzz/dict/$target.dict" ] && [ ! -f "$work/out/$target.dict" ]; then
        echo ".clusterfuzzlite/check.sh: build.sh did not copy $target.dict" >&2
        status=1
    fi
done
# The zips hold the seed files themselves, not a directory.
python3 - "$work/out" "$root/fuzz/corpus" <<'PY'
import os, sys, zipfile
out, corpus = sys.argv[1:]
for name in sorted(os.listdir(out)):
    if name.endswith('_seed_corpus.zip'):
        target = name[:-len('_seed_corpus.zip')]
        members = set(os.path.normpath(n) for n in zipfile.ZipFile(os.path.join(out, name)).namelist())
        expected = set(os.listdir(os.path.join(corpus, target)))
        if members != expected:
            sys.exit('.clusterfuzzlite/check.sh: %s holds %d files, the corpus %d' % (name, len(members), len(expected)))
PY
[ "$status" = 0 ] && echo ".clusterfuzzlite/check.sh: build.sh makes every target, seed corpus and dictionary"
exit "$status"

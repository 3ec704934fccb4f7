#!/usr/bin/env bash
# Sets up the Mercurial 6.0 adapters: the sdist of mercurial==6.0 from PyPI,
# unpacked into adapters/mercurial-6.0/.hg60 and run from there in pure
# Python (no C extensions are built), under Python 3.10. Idempotent.
#
# 6.0 is the last release with wireprotov2server (the HTTP API and its
# debugreflect route, which `serve` uses); 6.1 removed it. 6.0 came out in
# November 2021, when Python 3.10 was the newest, hence 3.10.
#
# Python 3.10 is, in this order: $PYTHON310 if it is set (a command or a
# path); python3.10 on PATH; a 3.10 version of pyenv (PYENV_VERSION=3.10.x
# pyenv exec python3.10). The interpreter found is written to .hg60/python,
# which `run` and `serve` use.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="$here/.hg60"
version=6.0
sdist="mercurial-$version.tar.gz"
# PyPI's sha256 of the sdist.
sha256=53b68b7e592adce3a4e421da3bffaacfc7721f403aac319e6d2c5122574de62f
tree="$dir/mercurial-$version"

say() { echo "adapters/mercurial-6.0: $*"; }
fail() { echo "adapters/mercurial-6.0: $*" >&2; exit 1; }

is_python310() {
    "$@" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1
}

# Prints the path of a Python 3.10 interpreter, or nothing.
find_python310() {
    if [ -n "${PYTHON310:-}" ]; then
        is_python310 "$PYTHON310" && "$PYTHON310" -c 'import sys; print(sys.executable)'
        return 0
    fi
    if is_python310 python3.10; then
        python3.10 -c 'import sys; print(sys.executable)'
        return 0
    fi
    local v
    if command -v pyenv >/dev/null; then
        for v in $(pyenv versions --bare 2>/dev/null | grep '^3\.10' | sort -rV); do
            if is_python310 env PYENV_VERSION="$v" pyenv exec python3.10; then
                PYENV_VERSION="$v" pyenv exec python3.10 -c 'import sys; print(sys.executable)'
                return 0
            fi
        done
    fi
}

# Whether Mercurial $version imports from $tree with the Python 3.10 $1,
# with the modules both adapters need, and its hg script is there.
ready_with() {
    [ -f "$tree/mercurial/wireprotoframing.py" ] && [ -f "$tree/hg" ] || return 1
    (cd "$tree" && HGMODULEPOLICY=py PYTHONDONTWRITEBYTECODE=1 "$1" -c "
import sys
from mercurial import __version__ as v, wireprotoframing, wireprotov2server
sys.exit(v.version != b'$version')") 2>/dev/null
}

ready() {
    [ -f "$dir/python" ] && ready_with "$(cat "$dir/python")"
}

if ready; then
    say "Mercurial $version is ready in $tree ($(cat "$dir/python"))"
    exit 0
fi

python="$(find_python310)"
if [ -z "$python" ]; then
    if [ -n "${PYTHON310:-}" ]; then
        fail "PYTHON310=$PYTHON310 is not a Python 3.10; cannot set up the Mercurial 6.0 adapters"
    fi
    fail "no Python 3.10 found (python3.10, pyenv; or set PYTHON310); cannot set up the Mercurial 6.0 adapters"
fi
say "Python 3.10: $python"

# The sdist comes straight from PyPI's files, by the Python 3.10's urllib:
# pip download would also build its metadata, fetching setuptools and
# running setup.py.
# Its URL is the one PyPI's simple index gives for it (a file's path there
# never changes); the /packages/source/ redirect is not served everywhere
# PyPI is (it answers 404 on this project's machines).
url="https://files.pythonhosted.org/packages/a7/80/98c2d47cd1b962ce0a3592aba711f6b2ee66de395b3d28b852f272c74bed/$sdist"
mkdir -p "$dir"
if [ ! -f "$dir/$sdist" ] || ! echo "$sha256  $dir/$sdist" | sha256sum -c --status; then
    rm -f "$dir/$sdist"
    tmp="$(mktemp -d "$dir/download.XXXXXX")"
    say "downloading $url"
    if ! why="$("$python" - "$url" "$tmp/$sdist" 2>&1 <<'EOF'
import shutil, socket, sys, urllib.error, urllib.request
url, dest = sys.argv[1:]
try:
    with urllib.request.urlopen(url, timeout=60) as r, open(dest, 'wb') as f:
        shutil.copyfileobj(r, f)
except urllib.error.HTTPError as e:
    sys.exit('HTTP %d %s' % (e.code, e.reason))
except urllib.error.URLError as e:
    sys.exit(str(e.reason))
except (OSError, socket.timeout) as e:
    sys.exit('%s: %s' % (type(e).__name__, e))
EOF
)"; then
        rm -rf "$tmp"
        fail "could not download $url: ${why:-no reason given}"
    fi
    if ! echo "$sha256  $tmp/$sdist" | sha256sum -c --status; then
        rm -rf "$tmp"
        fail "$sdist from $url does not have PyPI's sha256 $sha256"
    fi
    mv "$tmp/$sdist" "$dir/$sdist"
    rm -rf "$tmp"
fi

# Only the packages are needed: mercurial (with its __version__.py and its
# pure-Python modules) and hgdemandimport, which it imports first; and the
# hg script, which `serve` runs as `hg serve`.
rm -rf "$tree"
tar -xzf "$dir/$sdist" -C "$dir" "mercurial-$version/mercurial" "mercurial-$version/hgdemandimport" \
    "mercurial-$version/hg"
rm -f "$dir/python"
if ! ready_with "$python"; then
    fail "Mercurial $version does not import from $tree with $python"
fi
# Written last: the adapters' tests take it as the sign of a set-up that
# succeeded.
echo "$python" >"$dir/python"
say "Mercurial $version is ready in $tree ($python)"

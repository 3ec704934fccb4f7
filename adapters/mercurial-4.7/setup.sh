#!/usr/bin/env bash
# Sets up the Mercurial 4.7 adapter: the sdist of mercurial==4.7 from PyPI,
# unpacked into adapters/mercurial-4.7/.hg47 and run from there in pure
# Python (no C extensions are built), under Python 2.7. Idempotent.
#
# Python 2.7 is, in this order: $PYTHON2 if it is set (a command or a path);
# python2.7 or python2 on PATH; a 2.7 version of pyenv (PYENV_VERSION=2.7.x
# pyenv exec python2.7). The interpreter found is written to .hg47/python,
# which `run` uses.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="$here/.hg47"
version=4.7
sdist="mercurial-$version.tar.gz"
# PyPI's sha256 of the sdist.
sha256=098cb1437f77fb7f75dc2f008742933c729ec0b63cfa3e4e2f0a8fbc3d0d349f
tree="$dir/mercurial-$version"

say() { echo "adapters/mercurial-4.7: $*"; }
fail() { echo "adapters/mercurial-4.7: $*" >&2; exit 1; }

is_python27() {
    "$@" -c 'import sys; sys.exit(sys.version_info[:2] != (2, 7))' >/dev/null 2>&1
}

# Prints the path of a Python 2.7 interpreter, or nothing.
find_python27() {
    if [ -n "${PYTHON2:-}" ]; then
        is_python27 "$PYTHON2" && "$PYTHON2" -c 'import sys; print(sys.executable)'
        return 0
    fi
    local candidate v
    for candidate in python2.7 python2; do
        if is_python27 "$candidate"; then
            "$candidate" -c 'import sys; print(sys.executable)'
            return 0
        fi
    done
    if command -v pyenv >/dev/null; then
        for v in $(pyenv versions --bare 2>/dev/null | grep '^2\.7' | sort -rV); do
            if is_python27 env PYENV_VERSION="$v" pyenv exec python2.7; then
                PYENV_VERSION="$v" pyenv exec python2.7 -c 'import sys; print(sys.executable)'
                return 0
            fi
        done
    fi
}

# Whether Mercurial $version imports from $tree with the Python 2.7 $1, and
# its hg script is there.
ready_with() {
    [ -f "$tree/mercurial/wireprotoframing.py" ] && [ -f "$tree/hg" ] || return 1
    (cd "$tree" && HGMODULEPOLICY=py PYTHONDONTWRITEBYTECODE=1 "$1" -c "
import sys
from mercurial import __version__ as v, wireprotoframing
sys.exit(v.version != b'$version')") 2>/dev/null
}

ready() {
    [ -f "$dir/python" ] && ready_with "$(cat "$dir/python")"
}

if ready; then
    say "Mercurial $version is ready in $tree ($(cat "$dir/python"))"
    exit 0
fi

python="$(find_python27)"
if [ -z "$python" ]; then
    if [ -n "${PYTHON2:-}" ]; then
        fail "PYTHON2=$PYTHON2 is not a Python 2.7; cannot set up the Mercurial 4.7 adapter"
    fi
    fail "no Python 2.7 found (python2.7, python2, pyenv; or set PYTHON2); cannot set up the Mercurial 4.7 adapter"
fi
say "Python 2.7: $python"

# The sdist comes straight from PyPI's files, by a Python 3's urllib (any
# python3 on PATH): pip download would also build its metadata, fetching
# setuptools and running setup.py, and for 4.7 it would need pip under
# Python 2.7.
# Its URL is the one PyPI's simple index gives for it (a file's path there
# never changes); the /packages/source/ redirect is not served everywhere
# PyPI is (it answers 404 on this project's machines).
url="https://files.pythonhosted.org/packages/14/51/c65eae11bf8bc011dd734c48bbb08266b00031872523ebb3cfa7e150b608/$sdist"
mkdir -p "$dir"
if [ ! -f "$dir/$sdist" ] || ! echo "$sha256  $dir/$sdist" | sha256sum -c --status; then
    rm -f "$dir/$sdist"
    command -v python3 >/dev/null ||
        fail "no python3 on PATH to download $url with; cannot set up the Mercurial $version adapter"
    tmp="$(mktemp -d "$dir/download.XXXXXX")"
    say "downloading $url"
    if ! why="$(python3 - "$url" "$tmp/$sdist" 2>&1 <<'EOF'
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
# Written last: the adapter's tests take it as the sign of a set-up that
# succeeded.
echo "$python" >"$dir/python"
say "Mercurial $version is ready in $tree ($python)"

#!/usr/bin/env bash
# Sets up the Mercurial adapter: a virtualenv in adapters/mercurial/.venv
# holding Mercurial 7.2.4 from PyPI. Idempotent; PYTHON picks the
# interpreter (python3 by default).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"
version=7.2.4

ready() {
    HGMODULEPOLICY=py "$venv/bin/python" -c "
import sys
from mercurial import __version__ as v, wireprotoframing
sys.exit(v.version != '$version')" 2>/dev/null
}

if [ -x "$venv/bin/python" ] && ready; then
    echo "adapters/mercurial: Mercurial $version is ready in $venv"
    exit 0
fi
if ! command -v "$python" >/dev/null; then
    echo "adapters/mercurial: $python not found; cannot set up the Mercurial adapter" >&2
    exit 1
fi
echo "adapters/mercurial: installing Mercurial $version into $venv"
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "mercurial==$version"
if ! ready; then
    echo "adapters/mercurial: Mercurial $version does not import from $venv" >&2
    exit 1
fi
echo "adapters/mercurial: Mercurial $version is ready in $venv"

#!/usr/bin/env python2.7
"""Python 2.7's UTF-8 replacement on a covering set of byte strings.

    PYENV_VERSION=2.7.18 python2.7 tools/py2_utf8_table.py > tests/data/py2-utf8-replace.txt

The seed (Python 2 code) applies `s.decode('utf-8', 'replace').encode('utf-8')`
to text output arguments, and `hgframe::build::py2_utf8_replace` copies it.
This prints, for every string of up to four bytes made of a lead byte of
each class and of follow bytes on each side of the continuation range and
of the second-byte limits (E0 A0, ED 9F, F0 90, F4 8F), the input and
Python 2.7's output, in hex, one pair a line. tests/build.rs checks every
line, alone and after an ASCII byte.
"""
from __future__ import print_function

import binascii
import itertools
import sys

if sys.version_info[:2] != (2, 7):
    sys.exit("tools/py2_utf8_table.py: needs Python 2.7 (PYENV_VERSION=2.7.18 python2.7)")

# One or two of each class of lead byte: ASCII, continuation, invalid
# (C0 C1 F5..FF), two-, three- and four-byte leads with their special cases.
LEADS = [0x41, 0x80, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xFF]
# The second byte decides overlong, surrogate and out-of-range forms.
SECOND = [0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0]
# Later bytes: not a continuation, or the two ends of the range.
LATER = [0x41, 0x80, 0xBF]


def main():
    print("# Python %s: input output (hex), from tools/py2_utf8_table.py" % sys.version.split()[0])
    seen = set()
    for lead in LEADS:
        for tail in itertools.chain(
            [()],
            ((b,) for b in SECOND),
            ((b, c) for b in SECOND for c in LATER),
            ((b, c, d) for b in SECOND for c in LATER for d in LATER),
        ):
            data = bytearray([lead] + list(tail))
            data = bytes(data)
            if data in seen:
                continue
            seen.add(data)
            out = data.decode("utf-8", "replace").encode("utf-8")
            print(binascii.hexlify(data).decode(), binascii.hexlify(out).decode() or "-")


if __name__ == "__main__":
    main()

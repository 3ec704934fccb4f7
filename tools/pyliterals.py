"""Python literals as the suite's vector files write them, shared by the
oracle tools (oracle_vectors.py, oracle_check.py, oracle_0006_codec.py)."""


def bytes_literal(b):
    """Bytes as a Python bytes literal: b'..', with \\\\, \\', \\n, \\r, \\t
    escaped, printable ASCII as is, and \\xhh for every other byte."""
    out = []
    for c in b:
        ch = chr(c)
        if ch in '\\\'':
            out.append('\\' + ch)
        elif ch == '\n':
            out.append('\\n')
        elif ch == '\r':
            out.append('\\r')
        elif ch == '\t':
            out.append('\\t')
        elif 0x20 <= c <= 0x7e:
            out.append(ch)
        else:
            out.append('\\x%02x' % c)
    return "b'" + ''.join(out) + "'"

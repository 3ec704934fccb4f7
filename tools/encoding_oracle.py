#!/usr/bin/env python3
"""Mercurial 7.2.4's stream encoders and decoders, as an oracle for
src/encoding (tests/encoding.rs).

Run it with the Mercurial adapter's virtualenv (adapters/mercurial/setup.sh)
on pure-Python Mercurial; `policy.get_zstd()` still gives Mercurial's
bundled zstd extension there:

    HGMODULEPOLICY=py adapters/mercurial/.venv/bin/python \\
        tools/encoding_oracle.py fixtures > tests/data/encoding/mercurial-7.2.4.json

`fixtures` writes what the test decodes with hgframe's decoders:

- `streams`: frames as Mercurial's zlib and zstd encoders make them
  (`encode(data)` then `flush()`, the last frame `finish()` instead), with
  the data each frame carries, as specs the test makes the same bytes from
  (its identity encoder sends the data itself, which this script checks);
- `decodes`: byte sequences fed to Mercurial's decoders, one `decode`
  call per chunk, with what each call returned or raised (garbage,
  truncation, data after the end, empty payloads, windows, ...);
- `settings`: the message of each decoder given extra settings objects.

`corpus DIR` writes the seed corpus of the `stream_decoder` fuzz target
(fuzz/corpus/stream_decoder) from the same streams and byte sequences.

`decode` reads `[{"encoding": NAME, "chunks": [HEX, ...]}, ...]` on
standard input and writes, for each, the result of every call, as
`fixtures` records them: `{"ok": HEX}` or `{"error": "Class: message"}`.
tests/encoding.rs uses it to have Mercurial decode hgframe's output, when
the virtualenv is there.
"""

import json
import sys
import zlib

from mercurial import __version__, policy, wireprotoframing as w

w.populatestreamencoders()
zstd = policy.get_zstd()
if zstd is None or w.STREAM_ENCODERS_ORDER != [b'zstd-8mb', b'zlib', b'identity']:
    sys.exit('encoding_oracle.py: this Mercurial has no zstd (policy.get_zstd())')


def decode(name, chunks):
    decoder = w.STREAM_ENCODERS[name.encode()][1](None, [])
    results = []
    for chunk in chunks:
        try:
            results.append({'ok': decoder.decode(chunk).hex()})
        except Exception as e:  # zlib.error, ZstdError
            results.append({'error': '%s: %s' % (type(e).__name__, e)})
    return results


def text(n, seed):
    """n bytes of line-structured, compressible data (tests/encoding.rs has
    the same generator)."""
    out = bytearray()
    i = 0
    while len(out) < n:
        out += b'%d:%d changeset %08x of the file\n' % (i, seed, (i * 2654435761) % 2**32)
        i += 1
    return bytes(out[:n])


def noise(n, seed):
    """n bytes that do not compress: the top byte of a linear congruential
    generator (tests/encoding.rs has the same generator)."""
    x = seed
    out = bytearray()
    for _ in range(n):
        x = (x * 1103515245 + 12345) % 2**31
        out.append(x >> 23)
    return bytes(out)


# Each stream is a list of frames' data, as specs the test makes the same
# bytes from: ('bytes', b'...'), ('text', n, seed), ('noise', n, seed), or
# None for a bare flush (no encode). A stream whose name ends in -noflush
# encodes its frames without flushing between them.
STREAMS = {
    'empty': [],
    'empty-frame': [('bytes', b'')],
    'small': [('bytes', b'hello world')],
    'two-frames': [('bytes', b'hello '), ('bytes', b'world')],
    'bare-flush': [('bytes', b'abc'), None, ('bytes', b'def')],
    'multi-chunk': [('text', 300, 1), ('text', 300, 1), ('text', 5000, 2), ('bytes', b'x')],
    'large': [('text', 60000, 3), ('text', 20000, 4)],
    'noise': [('noise', 3000, 1), ('noise', 1000, 2)],
    'multi-chunk-noflush': [('text', 2000, 5), ('text', 3000, 6), ('noise', 500, 3)],
}


def make(spec):
    if spec is None:
        return None
    if spec[0] == 'bytes':
        return spec[1]
    return {'text': text, 'noise': noise}[spec[0]](*spec[1:])


def spec_json(spec):
    if spec is None:
        return None
    if spec[0] == 'bytes':
        return {'bytes': spec[1].hex()}
    return {spec[0]: list(spec[1:])}


def stream(encoding, frames, flush):
    """What Mercurial's encoder sends for each frame: encode(data), then
    flush(), or finish() for the last frame."""
    encoder = w.STREAM_ENCODERS[encoding.encode()][0](None)
    out = []
    for i, data in enumerate(frames):
        sent = b'' if data is None else encoder.encode(data)
        if i == len(frames) - 1:
            sent += encoder.finish()
        elif flush:
            sent += encoder.flush()
        out.append(sent)
    if not frames:
        out.append(encoder.finish())
    return out


def fixtures():
    streams = []
    for case, specs in STREAMS.items():
        flush = not case.endswith('-noflush')
        frames = [make(spec) for spec in specs]
        sent = {}
        for encoding in ['identity', 'zlib', 'zstd-8mb']:
            out = stream(encoding, frames, flush)
            if encoding == 'identity':
                # The data itself: recorded as such, not again in full.
                assert out == [f or b'' for f in frames] or out == [b''], case
                continue
            sent[encoding] = [o.hex() for o in out]
        streams.append({
            'name': case,
            'flush': flush,
            'frames': [spec_json(spec) for spec in specs],
            'sent': sent,
        })

    zlib_hello = zlib.compress(b'hello')
    enc = w.zlibencoder(None)
    zlib_two = enc.encode(b'hello world' * 3) + enc.flush() + enc.encode(b'more') + enc.finish()
    bad_adler = bytearray(zlib_hello)
    bad_adler[-1] ^= 1
    enc = w.zstd8mbencoder(None)
    zstd_two = enc.encode(b'hello world' * 3) + enc.flush() + enc.encode(b'more') + enc.finish()
    zstd_hello = zstd.ZstdCompressor(level=3).compress(b'hello')

    def zstd_window(log, data=b'a' * 100, **kw):
        params = zstd.ZstdCompressionParameters.from_level(3, window_log=log, **kw)
        c = zstd.ZstdCompressor(compression_params=params).compressobj()
        return c.compress(data) + c.flush()

    # A single-segment frame: its window is its content size, 9 MiB.
    single_9mib = zstd.ZstdCompressor(
        compression_params=zstd.ZstdCompressionParameters.from_level(
            3, window_log=24, write_content_size=True)).compress(b'\0' * (9 << 20))
    skippable = bytes.fromhex('502a4d1804000000') + b'ABCD'
    half = len(zlib_two) // 2
    zhalf = len(zstd_two) // 2
    cases = [
        ('zlib', 'garbage', [b'garbage!garbage!']),
        ('zlib', 'empty', [b'']),
        ('zlib', 'empty-then-data', [b'', zlib_two, b'']),
        ('zlib', 'truncated', [zlib_two[:half]]),
        ('zlib', 'truncated-then-rest', [zlib_two[:half], zlib_two[half:]]),
        ('zlib', 'one-byte-at-a-time', [zlib_hello[i:i + 1] for i in range(len(zlib_hello))]),
        ('zlib', 'after-end-same-call', [zlib_two + b'xyz']),
        ('zlib', 'after-end-later-calls', [zlib_two, b'xyz', b'', zlib_hello]),
        ('zlib', 'error-is-sticky', [b'garbage', zlib_hello, b'']),
        ('zlib', 'bad-adler32', [bytes(bad_adler)]),
        ('zlib', 'preset-dictionary', [b'\x78\xbb\x00\x00\x00\x01\x01']),
        ('zlib', 'header-only', [b'\x78']),
        ('zlib', 'header-in-two', [b'\x78', zlib_hello[1:]]),
        ('zlib', 'bad-header-check', [b'\x78\x00']),
        ('zlib', 'bad-method', [b'\x79\x18']),
        ('zlib', 'bad-window', [b'\x88\x98']),
        ('zlib', 'small-window', [zlib.compress(b'hello', wbits=9)]),
        ('zlib', 'raw-deflate', [zlib.compress(b'hello', wbits=-15)]),
        ('zlib', 'gzip', [zlib.compress(b'hello', wbits=31)]),
        ('zstd-8mb', 'garbage', [b'garbage!garbage!']),
        ('zstd-8mb', 'empty', [b'']),
        ('zstd-8mb', 'empty-then-data', [b'', zstd_two, b'']),
        ('zstd-8mb', 'truncated', [zstd_two[:zhalf]]),
        ('zstd-8mb', 'truncated-then-rest', [zstd_two[:zhalf], zstd_two[zhalf:]]),
        ('zstd-8mb', 'truncated-last-byte', [zstd_hello[:-1], b'']),
        ('zstd-8mb', 'one-byte-at-a-time', [zstd_hello[i:i + 1] for i in range(len(zstd_hello))]),
        ('zstd-8mb', 'after-end-same-call', [zstd_two + b'xyz']),
        ('zstd-8mb', 'after-end-later-call', [zstd_two, b'xyz']),
        ('zstd-8mb', 'second-frame', [zstd_hello, zstd_hello]),
        ('zstd-8mb', 'two-frames-one-call', [zstd_hello + zstd_hello]),
        ('zstd-8mb', 'error-is-sticky', [b'garbage', zstd_hello, b'', b'x']),
        ('zstd-8mb', 'one-shot-frame', [zstd_hello]),
        ('zstd-8mb', 'checksum', [zstd.ZstdCompressor(level=3, write_checksum=True).compress(b'hello')]),
        ('zstd-8mb', 'window-8mib', [zstd_window(23)]),
        ('zstd-8mb', 'window-16mib', [zstd_window(24)]),
        ('zstd-8mb', 'window-16mib-later-call', [zstd_window(24), zstd_hello]),
        ('zstd-8mb', 'single-segment-9mib', [single_9mib]),
        ('zstd-8mb', 'skippable-frame', [skippable, zstd_hello]),
        ('zstd-8mb', 'skippable-then-frame-one-call', [skippable + zstd_hello]),
        ('zstd-8mb', 'zlib-data', [zlib_hello]),
        ('identity', 'garbage', [b'garbage!garbage!']),
        ('identity', 'empty', [b'']),
        ('identity', 'pieces', [b'a', b'', b'bc']),
    ]
    decodes = []
    for encoding, name, chunks in cases:
        results = decode(encoding, chunks)
        for r in results:
            # 9 MiB of zeros: recorded by length and a byte, not in full.
            if 'ok' in r and len(r['ok']) > 2 << 20:
                n = len(r['ok']) // 2
                assert r['ok'] == '00' * n
                r['ok'] = None
                r['zeros'] = n
        decodes.append({
            'name': '%s/%s' % (encoding, name),
            'encoding': encoding,
            'chunks': [c.hex() for c in chunks],
            'results': results,
        })

    settings = []
    for encoding in ['identity', 'zlib', 'zstd-8mb']:
        try:
            w.STREAM_ENCODERS[encoding.encode()][1](None, [b'x'])
            message = None
        except Exception as e:
            message = '%s: %s' % (type(e).__name__, e.message.decode()
                                  if hasattr(e, 'message') else e)
        settings.append({'encoding': encoding, 'extra': ["b'x'"], 'error': message})

    return {
        'made_by': 'HGMODULEPOLICY=py adapters/mercurial/.venv/bin/python '
                   'tools/encoding_oracle.py fixtures',
        'mercurial': __version__.version,
        'zlib': zlib.ZLIB_RUNTIME_VERSION,
        'zstd': '.'.join(map(str, zstd.ZSTD_VERSION)),
        'streams': streams,
        'decodes': decodes,
        'settings': settings,
    }


ENCODING_BITS = {'identity': 0, 'zlib': 1, 'zstd-8mb': 2}


def seed(encoding, chunks, control=0):
    """A stream_decoder input: the control byte (encoding, number of
    piece lengths, flags), the lengths of all pieces but the last when
    they fit in a byte, then the stream."""
    cuts = chunks[:-1]
    if len(cuts) > 7 or any(len(c) > 255 for c in cuts):
        cuts = []
    control |= ENCODING_BITS[encoding] | len(cuts) << 2
    return bytes([control]) + bytes(len(c) for c in cuts) + b''.join(chunks)


def corpus(directory):
    """The seed corpus of the stream_decoder fuzz target: every stream and
    every decoded byte sequence of the fixtures, as Mercurial made them,
    cut where its frames or calls were (the latter also with the small
    limits, bit 5), and the streams' plain data. Seeds over 4 KiB (the
    fuzzers' -max_len) are left out."""
    import hashlib
    import os
    data = fixtures()
    seeds = set()
    for stream in data['streams']:
        for encoding, sent in stream['sent'].items():
            seeds.add(seed(encoding, [bytes.fromhex(s) for s in sent]))
    for specs in STREAMS.values():
        frames = [make(spec) or b'' for spec in specs] or [b'']
        for encoding in ENCODING_BITS:
            seeds.add(seed(encoding, frames))
    for case in data['decodes']:
        chunks = [bytes.fromhex(c) for c in case['chunks']]
        seeds.add(seed(case['encoding'], chunks))
        seeds.add(seed(case['encoding'], chunks, control=0x20))
    os.makedirs(directory, exist_ok=True)
    written = 0
    for s in sorted(seeds):
        if len(s) > 4096:
            continue
        name = 'hg72-' + hashlib.sha256(s).hexdigest()[:16]
        with open(os.path.join(directory, name), 'wb') as f:
            f.write(s)
        written += 1
    print('%d seeds in %s' % (written, directory))


def main():
    if sys.argv[1:] == ['fixtures']:
        json.dump(fixtures(), sys.stdout, indent=1)
        sys.stdout.write('\n')
    elif sys.argv[1:2] == ['corpus'] and len(sys.argv) == 3:
        corpus(sys.argv[2])
    elif sys.argv[1:] == ['decode']:
        requests = json.load(sys.stdin)
        json.dump([decode(r['encoding'], [bytes.fromhex(c) for c in r['chunks']])
                   for r in requests], sys.stdout)
        sys.stdout.write('\n')
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main()

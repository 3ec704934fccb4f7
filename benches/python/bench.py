#!/usr/bin/env python3
"""The Python baseline of benches/hgframe.rs: the same operations on
Mercurial's pure-Python wireprotoframing (mercurial==7.2.4,
HGMODULEPOLICY=py), whose codec and reactors are the seed's code with six
years of changes.

Prints one JSON object: benchmark id -> seconds per operation (the best of
several repeats of timeit). benches/compare.sh runs it in the Mercurial
adapter's virtualenv and puts it next to the Rust figures.

Where the seed has no such operation, the id is absent: there is no frame ->
human string function in Mercurial, and no vector runner.
"""

import io
import json
import os
import sys
import timeit

os.environ.setdefault('HGMODULEPOLICY', 'py')

from mercurial import ui as uimod  # noqa: E402
from mercurial import wireprotoframing as wf  # noqa: E402

# The same typical command request as benches/hgframe.rs (COMMAND_HUMAN).
COMMAND_HUMAN = (b"1 1 stream-begin command-request new cbor:{b'name': b'known', "
                 b"b'args': {b'nodes': [b'0123456789abcdef0123456789abcdef01234567', "
                 b"b'89abcdef0123456789abcdef0123456789abcdef']}}")
KIB32 = 32 * 1024


def frameof(data):
    return wf.readframe(io.BytesIO(bytes(data)))


def best(fn, number):
    """Seconds per call: the best of 5 repeats of `number` calls."""
    return min(timeit.repeat(fn, number=number, repeat=5)) / number


def main():
    ui = uimod.ui()
    results = {}

    header = bytes(wf.makeframe(1, 1, 1, 1, 1, b''))[:8]
    results['header/encode'] = best(lambda: wf.makeframe(1, 1, 1, 1, 1, b''), 200000)
    results['header/decode'] = best(lambda: wf.parseheader(header), 200000)
    results['human/parse'] = best(lambda: wf.makeframefromhumanstring(COMMAND_HUMAN), 5000)

    for name, size in (('0B', 0), ('1KiB', 1024), ('1MiB', 1 << 20)):
        data = b'x' * size

        def build(data=data, size=size):
            fh = io.BytesIO(data) if size else None
            return list(wf.createcommandframes(wf.stream(1), 1, b'push', None, datafh=fh))
        results['createcommandframes/' + name] = best(build, 20 if size > 1024 else 2000)

    # 1,000 frames of 32 KiB, read with readframe (which copies each payload).
    stream = wf.stream(1)
    buf = b''.join(bytes(stream.makeframe(1, wf.FRAME_TYPE_COMMAND_DATA,
                                          wf.FLAG_COMMAND_DATA_CONTINUATION,
                                          bytes([i % 256]) * KIB32))
                   for i in range(1000))

    def readall():
        fh = io.BytesIO(buf)
        while wf.readframe(fh) is not None:
            pass
    results['decode/read_frame_owned_32KiB_x1000'] = best(readall, 5)

    command = frameof(wf.makeframefromhumanstring(COMMAND_HUMAN))

    def single():
        action, meta = wf.serverreactor(ui).onframerecv(command)
        assert action == b'runcommand'
    results['server/single_frame_command'] = best(single, 2000)

    upload = [frameof(f) for f in wf.createcommandframes(
        wf.stream(1), 1, b'unbundle', None, datafh=io.BytesIO(b'x' * (1 << 20)))]

    def upload_1mib():
        server = wf.serverreactor(ui)
        for f in upload:
            action, meta = server.onframerecv(f)
        assert action == b'runcommand'
    results['server/upload_1MiB'] = best(upload_1mib, 50)

    def round_trip():
        client = wf.clientreactor(ui, hasmultiplesend=False, buffersends=False)
        server = wf.serverreactor(ui)
        request, action, meta = client.callcommand(b'heads', {})
        for f in meta[b'framegen']:
            action, command = server.onframerecv(frameof(f))
        assert action == b'runcommand'
        stream = server.makeoutputstream()
        # The seed's oncommandresponseready(stream, id, data) is gone; this is
        # its successor, which CBOR-encodes the objects it is given.
        action, meta = server.oncommandresponsereadyobjects(
            stream, command[b'requestid'], [b'0123456789abcdef'])
        data = []
        for f in meta[b'framegen']:
            action, meta2 = client.onframerecv(frameof(f))
            if action == b'responsedata':
                data.append(meta2[b'data'])
        return data
    results['client/round_trip'] = best(round_trip, 1000)

    json.dump(results, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()

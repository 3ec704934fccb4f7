#!/usr/bin/env python3
"""A template for an hgframe adapter. Copy it and fill in Session.

    hgframe run --impl "python3 adapters/template/adapter.py"

runs the conformance vectors through this file. As it stands it does two
codec operations (parseheader and makeframe, in plain Python) and answers
`unimplemented` to everything else: the run passes the header vectors and
lists the rest as unimplemented. Replace the bodies of Session with calls
into your implementation, one operation at a time, and watch the
unimplemented count go down. The protocol is docs/driver-protocol.md;
adapters/mercurial/adapter.py is a complete adapter built the same way.

Rules of the road: read one JSON object per line on stdin, write exactly
one per line on stdout and flush, and write anything else (logs, debug
prints) to stderr: the runner shows it in the report of the vector.
"""

import json
import struct
import sys
import traceback

PROTOCOL = 2  # the version of the driver protocol this adapter speaks
NAME, VERSION = 'template', '0.1'
# The targets your implementation supports; vectors of other targets are
# reported as unimplemented without being sent.
TARGETS = ['codec', 'server', 'client', 'conversation']


class Unimplemented(Exception):
    """Raise this for a step your implementation cannot do."""


# ---- values: typed JSON <-> Python --------------------------------------
# Command names, arguments and error messages are CBOR values. On the wire
# they are typed JSON, which keeps byte strings and text strings apart:
# {"bytes": HEX}, {"text": STR}, [..], {"map": [[K, V], ..]}, {"set": [..]},
# integers, true/false/null (and rarely {"int": STR}, {"float": ..},
# {"simple": N}, {"tag": N, "value": V}).

def tovalue(j):
    if j is None or isinstance(j, (bool, int)):
        return j
    if isinstance(j, list):
        return [tovalue(x) for x in j]
    if 'bytes' in j:
        return bytes.fromhex(j['bytes'])
    if 'text' in j:
        return j['text']
    if 'map' in j:
        return {tovalue(k): tovalue(v) for k, v in j['map']}
    if 'set' in j:
        return frozenset(tovalue(x) for x in j['set'])
    if 'int' in j:
        return int(j['int'])
    raise Unimplemented('values like %r' % (j,))


def fromvalue(v):
    if v is None or isinstance(v, (bool, int)):
        return v
    if isinstance(v, bytes):
        return {'bytes': v.hex()}
    if isinstance(v, str):
        return {'text': v}
    if isinstance(v, (list, tuple)):
        return [fromvalue(x) for x in v]
    if isinstance(v, dict):
        return {'map': [[fromvalue(k), fromvalue(x)] for k, x in v.items()]}
    if isinstance(v, (set, frozenset)):
        return {'set': [fromvalue(x) for x in v]}
    raise ValueError('cannot send a %s' % type(v).__name__)


# ---- one vector ------------------------------------------------------------

class Session:
    """Everything one vector needs. A new Session per vector: nothing
    carries over from one vector to the next."""

    def __init__(self, target):
        # target: {"kind": "codec"}, {"kind": "server", "deferoutput": b},
        # {"kind": "client", "hasmultiplesend": b, "buffersends": b}, or
        # {"kind": "conversation", ...all three}. Make your reactors here.
        # An option may be missing: then make the reactor with your own
        # default for it (do not pass it), since that is what the vector
        # checks. The seed's defaults: deferoutput False, hasmultiplesend
        # False, buffersends True.
        self.target = target
        # Frame sequences of `sendframes` actions, named g0, g1, ... in the
        # order they appear in the vector, whichever reactor made them:
        # `consume` names them.
        self.gens = []

    def step(self, on, op, args, pull):
        """Run one operation and return its outcome (the table "Outcomes"
        of docs/driver-protocol.md). `on` is "server" or "client" for a
        reactor operation, None for a codec one. `pull` says how many
        frames of a resulting sendframes to take: True for all, or a count.
        `args` is an object of named arguments, except for recv, repr,
        humanstring, parseheader and readframes, whose `args` is a bare
        string (frame hex, the human string, header hex, bytes hex).
        If the implementation raises, return {"raise": {...}} instead."""
        if op == 'parseheader':
            h = bytes.fromhex(args)  # the 8 header bytes, in hex
            request, stream, streamflags = struct.unpack_from('<HBB', h, 3)
            return {'header': {
                'length': h[0] | h[1] << 8 | h[2] << 16,  # 24-bit little-endian
                'request': request, 'stream': stream, 'streamflags': streamflags,
                'type': h[7] >> 4, 'flags': h[7] & 0x0F}}
        if op == 'makeframe':
            payload = bytes.fromhex(args['payload'])
            header = struct.pack('<I', len(payload))[:3] + struct.pack(
                '<HBBB', args['request'], args['stream'], args['streamflags'],
                args['type'] << 4 | args['flags'])
            return {'hex': (header + payload).hex()}
        # A reactor operation looks like this (with your own reactor):
        #
        # if op == 'recv':
        #     frame = parse_frame(bytes.fromhex(args))  # args: the frame's hex
        #     return self.action(self.reactor(on).on_frame(frame), pull)
        raise Unimplemented('%s is not done yet' % op)

    def sendframes(self, frames, pull):
        """The outcome of a sendframes action whose frames (encoded, as
        bytes) come from the iterator `frames`: name it, pull from it."""
        name = 'g%d' % len(self.gens)
        self.gens.append(frames)
        out = {'action': 'sendframes', 'gen': name}
        out.update(self.pull(frames, None if pull is True else pull))
        return out

    def pull(self, frames, count):
        """Take up to `count` frames (all when None): the outcome of
        `consume`, and of the builders with count None."""
        taken = []
        while count is None or len(taken) < count:
            try:
                taken.append(next(frames).hex())
            except StopIteration:
                return {'frames': taken, 'end': True}
            # If making a frame can raise, catch it here and return
            # {'frames': taken, 'end': True, 'raise': {...}}.
        return {'frames': taken, 'end': False}


# ---- the loop ----------------------------------------------------------------

def main():
    session = None
    for line in sys.stdin:
        request = json.loads(line)
        kind = request['type']
        if kind == 'bye':
            return
        try:
            if kind == 'hello':
                reply = {'protocol': PROTOCOL, 'name': NAME, 'version': VERSION,
                         'targets': TARGETS}
            elif kind == 'start':
                session = Session(request['target'])
                reply = {'ok': True}
            else:
                reply = {'outcome': session.step(
                    request['on'], request['op'], request['args'], request['pull'])}
        except Unimplemented as e:
            reply = {'unimplemented': str(e)}
        except Exception:
            # A bug in the adapter, not an outcome: the runner reports it.
            reply = {'error': traceback.format_exc()}
        sys.stdout.write(json.dumps(reply) + '\n')
        sys.stdout.flush()


if __name__ == '__main__':
    main()

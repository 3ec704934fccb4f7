#!/usr/bin/env python3
"""An hgframe driver-protocol adapter for Mercurial's own framing module.

It runs the conformance vectors against ``mercurial.wireprotoframing`` as
released on PyPI (``mercurial==7.2.4``, pure Python: HGMODULEPOLICY=py).
That revision is six years younger than the 2018 seed the vectors follow:
frame type 0x08 became sender-protocol-settings and stream-settings moved to
0x09, and the server's response API changed. Where the API is gone the
adapter answers ``unimplemented``; every other difference is a failure, and
``expectations.yaml`` says why each one is expected.

The same revision is in every release from 4.8 on: adapters/mercurial-6.0/run
runs this adapter on Mercurial 6.0's module, which it imports from
PYTHONPATH. The release's name comes from the module's ``__version__``.

Protocol: docs/driver-protocol.md. Run: ``hgframe run --impl adapters/mercurial/run``.
"""

import io
import json
import linecache
import os
import sys
import traceback

os.environ.setdefault('HGMODULEPOLICY', 'py')

from mercurial import __version__ as hgversion  # noqa: E402
from mercurial import error, ui as uimod  # noqa: E402


def load_framing():
    """Mercurial's framing module, or the file HGFRAME_WIREPROTOFRAMING
    names in its place (a mutant of it: tools/mutants.py)."""
    path = os.environ.get('HGFRAME_WIREPROTOFRAMING')
    if not path:
        from mercurial import wireprotoframing
        return wireprotoframing
    import importlib.util
    spec = importlib.util.spec_from_file_location('mercurial.wireprotoframing', path)
    module = importlib.util.module_from_spec(spec)
    sys.modules['mercurial.wireprotoframing'] = module
    spec.loader.exec_module(module)
    return module


wf = load_framing()
# A str in 7.2.4, bytes in 6.0.
VERSION = hgversion.version
VERSION = VERSION.decode('ascii') if isinstance(VERSION, bytes) else VERSION

# With HGFRAME_LINES_OUT=FILE, the lines of the framing module that run are
# written to FILE.PID, at each vector's start and at exit (tools/mutants.py
# counts a mutant on a line no vector runs as unreached).
LINES_OUT = os.environ.get('HGFRAME_LINES_OUT')
LINES = set()


def trace_lines():
    filename = wf.__file__

    def local(frame, event, arg):
        if event == 'line':
            LINES.add(frame.f_lineno)
        return local

    def tracer(frame, event, arg):
        if frame.f_code.co_filename == filename:
            LINES.add(frame.f_lineno)
            return local
        return None

    sys.settrace(tracer)


def write_lines():
    if LINES_OUT:
        with open('%s.%d' % (LINES_OUT, os.getpid()), 'w') as f:
            f.write(' '.join(str(n) for n in sorted(LINES)))

PROTOCOL = 2
# The protocol revisions whose vectors this adapter runs: the seed's, and
# the later one, which this module is (docs/driver-protocol.md, `hello`).
SEED, LATER = 'hg-framing-2018', 'hg-framing-0006'
PROTOCOLS = [SEED, LATER]
# No vector makes this many frames; a generator that does is endless.
MAX_FRAMES = 10000


class Unimplemented(Exception):
    """The step needs an API this Mercurial does not have."""


class Raised(Exception):
    """Mercurial raised: args[0] is the outcome's ``raise`` object."""


class Endless(Exception):
    """A frame generator that does not stop."""


# ---- typed JSON values <-> Python values ----------------------------------

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
        return set(tovalue(x) for x in j['set'])
    if 'int' in j:
        return int(j['int'])
    if 'float' in j:
        return float(j['float'])
    raise ValueError('cannot make a Python value of %r' % (j,))


def fromvalue(v):
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v if -2**63 <= v < 2**64 else {'int': str(v)}
    if isinstance(v, (bytes, bytearray)):
        return {'bytes': bytes(v).hex()}
    if isinstance(v, str):
        return {'text': v}
    if isinstance(v, (list, tuple)):
        return [fromvalue(x) for x in v]
    if isinstance(v, dict):
        return {'map': [[fromvalue(k), fromvalue(x)] for k, x in v.items()]}
    if isinstance(v, (set, frozenset)):
        return {'set': [fromvalue(x) for x in v]}
    if isinstance(v, float):
        return {'float': v if v == v and abs(v) != float('inf') else repr(v)}
    raise ValueError('cannot send a %s' % type(v).__name__)


def message(m):
    return {'bytes': m.hex()} if isinstance(m, bytes) else m


def raisedbywf(tb):
    """Whether the innermost frame of a traceback is a ``raise ValueError``
    statement of the framing module. A bytes message is not enough: 6.0's
    cborutil raises its ValueErrors with bytes messages too (7.2.4's with
    str), and those are the seed's accidents, not the module's own."""
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    line = linecache.getline(code.co_filename, tb.tb_lineno).strip()
    return code.co_filename == wf.__file__ and line.startswith('raise ValueError(')


def raised(e, step_op):
    """An exception as the vectors name it."""
    if step_op == 'humanstring':
        return {'kind': 'decode'}
    if isinstance(e, error.ProgrammingError):
        return {'kind': 'programming', 'message': message(e.args[0])}
    if isinstance(e, error.Abort):
        return {'kind': 'abort', 'message': message(e.message)}
    if isinstance(e, AssertionError):
        return {'kind': 'assertion'}
    if type(e) is ValueError and raisedbywf(e.__traceback__):
        return {'kind': 'value', 'message': message(e.args[0])}
    return {'kind': 'accidental', 'type': type(e).__name__}


# ---- one vector ------------------------------------------------------------

def readone(data):
    # Through Mercurial's own readframe: the way frames come off the wire.
    return wf.readframe(io.BytesIO(data))


class Session:
    def __init__(self, target, protocol):
        ui = uimod.ui()
        # The vector's revision: what this module is (hg-framing-0006), or
        # the seed's, whose outcomes have the seed's shape.
        self.protocol = protocol
        kind = target['kind']
        self.server = self.client = None
        # An option the target leaves out is not passed: the reactor's own
        # default applies, which is what such a vector checks.
        def options(*names):
            return {n: target[n] for n in names if n in target}
        if kind in ('server', 'conversation'):
            self.server = wf.serverreactor(ui, **options('deferoutput'))
        if kind in ('client', 'conversation'):
            kwargs = options('hasmultiplesend', 'buffersends')
            if 'clientcontentencoders' in target:
                kwargs['clientcontentencoders'] = tovalue(target['clientcontentencoders'])
            self.client = wf.clientreactor(ui, **kwargs)
        self.gens = []        # frame generators, in order: g0, g1, ...
        self.streams = {}     # server output streams by id
        self.requests = {}    # client requests by id
        self.op = None

    def call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as e:
            raise Raised(raised(e, self.op))

    def pull(self, gen, count):
        frames, end, exc = [], False, None
        while count is None or len(frames) < count:
            if len(frames) == MAX_FRAMES:
                raise Endless('more than %d frames: the generator does not end' % MAX_FRAMES)
            try:
                frames.append(bytes(next(gen)).hex())
            except StopIteration:
                end = True
                break
            except Exception as e:
                end, exc = True, raised(e, self.op)
                break
        run = {'frames': frames, 'end': end}
        if exc:
            run['raise'] = exc
        return run

    def action(self, result, pull):
        action, meta = result
        if action == b'sendframes':
            name = 'g%d' % len(self.gens)
            self.gens.append(meta[b'framegen'])
            out = {'action': 'sendframes', 'gen': name}
            out.update(self.pull(meta[b'framegen'], None if pull is True else pull))
            return out
        if action == b'runcommand':
            data = meta[b'data']
            out = {'action': 'runcommand', 'request': meta[b'requestid'],
                   'command': fromvalue(meta[b'command']),
                   'args': fromvalue(meta[b'args']),
                   'data': None if data is None else data.hex()}
            # The later revision's runcommand has the request's redirect;
            # the seed's had none, and its vectors do not expect one.
            if self.protocol == LATER:
                out['redirect'] = fromvalue(meta[b'redirect'])
            return out
        if action == b'wantframe':
            return {'action': 'wantframe', 'state': meta[b'state'].decode()}
        if action == b'noop':
            return {'action': 'noop'}
        if action == b'error' and b'request' in meta:
            return {'action': 'error', 'request': meta[b'request'].requestid,
                    'errortype': fromvalue(meta[b'type']),
                    'errormessage': fromvalue(meta[b'message'])}
        if action == b'error':
            return {'action': 'error', 'message': meta[b'message'].decode('utf-8', 'replace')}
        if action == b'responsedata':
            return {'action': 'responsedata', 'request': meta[b'request'].requestid,
                    'expectmore': bool(meta[b'expectmore']), 'eos': bool(meta[b'eos']),
                    'data': bytes(meta[b'data']).hex()}
        raise ValueError('unknown action %r' % (action,))

    def stream(self, sid):
        if sid not in self.streams:
            self.streams[sid] = wf.outputstream(sid)
        return self.streams[sid]

    def step(self, on, op, a, pull):
        self.op = op
        reactor = self.server if on == 'server' else self.client
        if op == 'recv':
            frame = self.call(readone, bytes.fromhex(a))
            return self.action(self.call(reactor.onframerecv, frame), pull)
        if op == 'callcommand':
            data = None if a['data'] is None else io.BytesIO(bytes.fromhex(a['data']))
            # The later revision's redirect; null when the step has none.
            kwargs = {}
            if a.get('redirect') is not None:
                kwargs['redirect'] = tovalue(a['redirect'])
            request, action, meta = self.call(
                reactor.callcommand, tovalue(a['name']), tovalue(a['args']), datafh=data,
                **kwargs)
            self.requests[request.requestid] = request
            out = {'request': request.requestid}
            out.update(self.action((action, meta), pull))
            return out
        if op == 'flushcommands':
            return self.action(self.call(reactor.flushcommands), pull)
        if op == 'requeststate':
            request = self.requests.get(a['request'])
            return {'state': request.state.decode() if request else 'unknown'}
        if op == 'makeoutputstream':
            stream = self.call(reactor.makeoutputstream)
            self.streams[stream.streamid] = stream
            return {'stream': stream.streamid}
        if op in ('oncommandresponseready', 'oncommandresponsereadygen'):
            raise Unimplemented('Mercurial %s has no %s: responses are objects, '
                                'given to oncommandresponsereadyobjects' % (VERSION, op))
        if op == 'oncommandresponsereadyobjects':
            return self.action(self.call(
                reactor.oncommandresponsereadyobjects, self.stream(a['stream']),
                a['request'], tovalue(a['objs'])), pull)
        if op == 'oncommanderror':
            return self.action(self.call(
                reactor.oncommanderror, self.stream(a['stream']), a['request'],
                tovalue(a['message']), tovalue(a['args'])), pull)
        if op == 'onservererror':
            return self.action(self.call(
                reactor.onservererror, self.stream(a['stream']), a['request'],
                bytes.fromhex(a['message'])), pull)
        if op == 'oninputeof':
            return self.action(self.call(reactor.oninputeof), pull)
        if op == 'consume':
            return self.pull(self.gens[int(a['gen'][1:])], a['count'])
        return codec(self, op, a)


def builderstream(a):
    return wf.stream(a['stream']['id'], active=a['stream']['active'])


def maxsize(a):
    size = a['maxframesize']
    return wf.DEFAULT_MAX_FRAME_SIZE if size is None else size


def codec(s, op, a):
    if op == 'humanstring':
        return {'hex': bytes(s.call(wf.makeframefromhumanstring, a.encode())).hex()}
    if op == 'makeframe':
        frame = s.call(wf.makeframe, a['request'], a['stream'], a['streamflags'],
                       a['type'], a['flags'], bytes.fromhex(a['payload']))
        return {'hex': bytes(frame).hex()}
    if op == 'parseheader':
        h = s.call(wf.parseheader, bytes.fromhex(a))
        return {'header': {'length': h.length, 'request': h.requestid, 'stream': h.streamid,
                           'streamflags': h.streamflags, 'type': h.typeid, 'flags': h.flags}}
    if op == 'readframes':
        fh = io.BytesIO(bytes.fromhex(a))

        def frames():
            while True:
                frame = wf.readframe(fh)
                if frame is None:
                    return
                yield wf.makeframe(frame.requestid, frame.streamid, frame.streamflags,
                                   frame.typeid, frame.flags, frame.payload)
        return s.pull(frames(), None)
    if op == 'humanflags':
        return {'text': s.call(wf.humanflags, getattr(wf, a['table']), a['value']).decode()}
    if op == 'repr':
        return {'text': repr(s.call(readone, bytes.fromhex(a)))}
    if op == 'createcommandframes':
        data = None if a['data'] is None else io.BytesIO(bytes.fromhex(a['data']))
        return s.pull(wf.createcommandframes(
            builderstream(a), a['request'], tovalue(a['name']), tovalue(a['args']),
            datafh=data, maxframesize=maxsize(a)), None)
    if op == 'createcommanderrorresponse':
        return s.pull(wf.createcommanderrorresponse(
            builderstream(a), a['request'], tovalue(a['message']), tovalue(a['args'])), None)
    if op == 'createerrorframe':
        return s.pull(wf.createerrorframe(
            builderstream(a), a['request'], bytes.fromhex(a['msg']),
            bytes.fromhex(a['errtype'])), None)
    if op == 'createtextoutputframe':
        return s.pull(wf.createtextoutputframe(
            builderstream(a), a['request'], tovalue(a['atoms']), maxframesize=maxsize(a)), None)
    if op in ('createcommandresponseframesfrombytes', 'createbytesresponseframesfromgen'):
        raise Unimplemented('Mercurial %s has no %s: responses are objects, '
                            'framed by oncommandresponsereadyobjects' % (VERSION, op))
    raise Unimplemented('unknown operation %s' % op)


# ---- the loop ----------------------------------------------------------------

def answer(session, request):
    kind = request['type']
    if kind == 'hello':
        return session, {'protocol': PROTOCOL, 'name': 'mercurial',
                         'version': VERSION,
                         'targets': ['codec', 'server', 'client', 'conversation'],
                         'protocols': PROTOCOLS}
    if kind == 'start':
        # Both revisions' vectors run on the one module, which is the later
        # revision's: its differences from the seed's are failures (or
        # unimplemented), each explained in expectations.yaml. `protocol` is
        # absent for the seed's vectors.
        return Session(request['target'], request.get('protocol', SEED)), {'ok': True}
    try:
        return session, {'outcome': session.step(
            request['on'], request['op'], request['args'], request['pull'])}
    except Raised as r:
        return session, {'outcome': {'raise': r.args[0]}}
    except Unimplemented as u:
        return session, {'unimplemented': str(u)}


def main():
    if LINES_OUT:
        trace_lines()
    session = None
    for line in sys.stdin:
        request = json.loads(line)
        if request['type'] in ('start', 'bye'):
            write_lines()
        if request['type'] == 'bye':
            return
        try:
            session, reply = answer(session, request)
        except Endless as e:
            reply = {'error': str(e)}
        except Exception:
            reply = {'error': traceback.format_exc()}
        sys.stdout.write(json.dumps(reply) + '\n')
        sys.stdout.flush()


if __name__ == '__main__':
    main()

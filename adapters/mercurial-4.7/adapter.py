#!/usr/bin/env python2.7
"""An hgframe driver-protocol adapter for Mercurial 4.7's framing module.

It runs the conformance vectors against ``mercurial.wireprotoframing`` of
``mercurial==4.7`` (August 2018) from PyPI, in pure Python
(HGMODULEPOLICY=py) under Python 2.7. That module is the 2018 seed's
revision as released: the same frame types, reactors and response API, line
for line, except for its CBOR library. Where the seed calls Mercurial's own
``cborutil``, 4.7 calls ``cbor.dumps(..., canonical=True)`` (map keys sorted
length first) and ``cbor.loads``/``cbor.load`` (the bundled cbor2). Every
difference is a failure; ``expectations.yaml`` says why each is expected.

A port of adapters/mercurial/adapter.py (Mercurial 7.2.4, Python 3) to
Python 2 and to the 4.7 API: reactors without a ``ui``, plain ``stream``s,
and the seed's byte-oriented response calls.

Protocol: docs/driver-protocol.md. Run: ``hgframe run --impl adapters/mercurial-4.7/run``.
"""

import binascii
import imp
import io
import json
import linecache
import os
import sys
import traceback

os.environ.setdefault('HGMODULEPOLICY', 'py')

from mercurial import __version__ as hgversion  # noqa: E402
from mercurial import error  # noqa: E402
from mercurial.thirdparty import cbor  # noqa: E402


def load_framing():
    """Mercurial's framing module, or the file HGFRAME_WIREPROTOFRAMING
    names in its place (a mutant of it: tools/mutants.py)."""
    path = os.environ.get('HGFRAME_WIREPROTOFRAMING')
    if not path:
        from mercurial import wireprotoframing
        return wireprotoframing
    # Compiled from the source every time, never from a .pyc beside it (one
    # with the same mtime would be taken for the file's).
    module = imp.new_module('mercurial.wireprotoframing')
    module.__file__ = path
    module.__package__ = 'mercurial'
    sys.modules['mercurial.wireprotoframing'] = module
    with open(path, 'rb') as f:
        code = compile(f.read(), path, 'exec', dont_inherit=True)
    exec(code, module.__dict__)
    return module


wf = load_framing()
# The file name of the framing module's code, as its frames give it.
WF_FILE = wf.readframe.__code__.co_filename

# With HGFRAME_LINES_OUT=FILE, the lines of the framing module that run are
# written to FILE.PID, at each vector's start and at exit (tools/mutants.py
# counts a mutant on a line no vector runs as unreached).
LINES_OUT = os.environ.get('HGFRAME_LINES_OUT')
LINES = set()


def trace_lines():
    def local(frame, event, arg):
        if event == 'line':
            LINES.add(frame.f_lineno)
        return local

    def tracer(frame, event, arg):
        if frame.f_code.co_filename == WF_FILE:
            LINES.add(frame.f_lineno)
            return local
        return None

    sys.settrace(tracer)


def write_lines():
    if LINES_OUT:
        with open('%s.%d' % (LINES_OUT, os.getpid()), 'w') as f:
            f.write(' '.join(str(n) for n in sorted(LINES)))

PROTOCOL = 2
# No vector makes this many frames; a generator that does is endless.
MAX_FRAMES = 10000


class Unimplemented(Exception):
    """An operation this adapter does not know (a newer suite's)."""


class Raised(Exception):
    """Mercurial raised: args[0] is the outcome's ``raise`` object."""


class Endless(Exception):
    """A frame generator that does not stop."""


# ---- bytes and hex -----------------------------------------------------------

def unhex(h):
    return binascii.unhexlify(h.encode('ascii'))


def tohex(b):
    return binascii.hexlify(bytes(b)).decode('ascii')


# ---- typed JSON values <-> Python values ----------------------------------
# In Python 2 a byte string is a str and a text string a unicode, as in the
# seed; json gives unicode for every JSON string.

def tovalue(j):
    if j is None or isinstance(j, (bool, int, long)):
        return j
    if isinstance(j, list):
        return [tovalue(x) for x in j]
    if 'bytes' in j:
        return unhex(j['bytes'])
    if 'text' in j:
        return j['text']
    if 'map' in j:
        return dict((tovalue(k), tovalue(v)) for k, v in j['map'])
    if 'set' in j:
        return set(tovalue(x) for x in j['set'])
    if 'int' in j:
        return long(j['int'])
    if 'float' in j:
        return float(j['float'])
    if 'simple' in j:
        return cbor.CBORSimpleValue(j['simple'])
    if 'tag' in j:
        return cbor.CBORTag(j['tag'], tovalue(j['value']))
    raise ValueError('cannot make a Python value of %r' % (j,))


def fromvalue(v):
    """A value that cbor.loads made (or a reactor passed on), as typed JSON."""
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, (int, long)):
        return int(v) if -2**63 <= v < 2**64 else {'int': str(v)}
    if isinstance(v, (bytes, bytearray)):
        return {'bytes': tohex(v)}
    if isinstance(v, unicode):
        return {'text': v}
    if isinstance(v, (list, tuple)):
        return [fromvalue(x) for x in v]
    if isinstance(v, dict):
        return {'map': [[fromvalue(k), fromvalue(x)] for k, x in v.items()]}
    if isinstance(v, (set, frozenset)):
        return {'set': [fromvalue(x) for x in v]}
    if isinstance(v, float):
        return {'float': v if v == v and abs(v) != float('inf') else repr(v)}
    if v is cbor.undefined:
        return {'simple': 23}
    if isinstance(v, cbor.CBORSimpleValue):
        return {'simple': v.value}
    if isinstance(v, cbor.CBORTag):
        return {'tag': v.tag, 'value': fromvalue(v.value)}
    raise ValueError('cannot send a %s' % type(v).__name__)


def message(m):
    # Mercurial's messages are byte strings (str): sent as bytes, whatever
    # they hold.
    return {'bytes': tohex(m)} if isinstance(m, (bytes, bytearray)) else m


def raisedbywf(tb):
    """Whether the innermost frame of a traceback is a ``raise ValueError``
    statement of the framing module: in Python 2 Mercurial's messages and
    Python's are both str, so the statement tells them apart."""
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    line = linecache.getline(code.co_filename, tb.tb_lineno).strip()
    return code.co_filename == WF_FILE and line.startswith('raise ValueError(')


def raised(e, step_op, tb):
    """An exception as the vectors name it."""
    if step_op == 'humanstring':
        return {'kind': 'decode'}
    if isinstance(e, error.ProgrammingError):
        return {'kind': 'programming', 'message': message(e.args[0])}
    if isinstance(e, error.Abort):
        return {'kind': 'abort', 'message': message(e.args[0])}
    if isinstance(e, AssertionError):
        return {'kind': 'assertion'}
    if type(e) is ValueError and raisedbywf(tb):
        return {'kind': 'value', 'message': message(e.args[0])}
    return {'kind': 'accidental', 'type': type(e).__name__}


# ---- one vector ------------------------------------------------------------

def readone(data):
    # Through Mercurial's own readframe: the way frames come off the wire.
    return wf.readframe(io.BytesIO(data))


class Session(object):
    def __init__(self, target):
        kind = target['kind']
        self.server = self.client = None
        # An option the target leaves out is not passed: the reactor's own
        # default applies, which is what such a vector checks. 4.7's
        # reactors take no ui.
        def options(*names):
            return dict((str(n), target[n]) for n in names if n in target)
        if kind in ('server', 'conversation'):
            self.server = wf.serverreactor(**options('deferoutput'))
        if kind in ('client', 'conversation'):
            self.client = wf.clientreactor(**options('hasmultiplesend', 'buffersends'))
        self.gens = []        # frame generators, in order: g0, g1, ...
        self.streams = {}     # server output streams by id
        self.requests = {}    # client requests by id
        self.op = None

    def call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as e:
            raise Raised(raised(e, self.op, sys.exc_info()[2]))

    def pull(self, gen, count):
        frames, end, exc = [], False, None
        while count is None or len(frames) < count:
            if len(frames) == MAX_FRAMES:
                raise Endless('more than %d frames: the generator does not end' % MAX_FRAMES)
            try:
                frames.append(tohex(next(gen)))
            except StopIteration:
                end = True
                break
            except Exception as e:
                end, exc = True, raised(e, self.op, sys.exc_info()[2])
                break
        run = {'frames': frames, 'end': end}
        if exc:
            run['raise'] = exc
        return run

    def action(self, result, pull):
        action, meta = result
        if action == 'sendframes':
            name = 'g%d' % len(self.gens)
            self.gens.append(meta['framegen'])
            out = {'action': 'sendframes', 'gen': name}
            out.update(self.pull(meta['framegen'], None if pull is True else pull))
            return out
        if action == 'runcommand':
            data = meta['data']
            return {'action': 'runcommand', 'request': meta['requestid'],
                    'command': fromvalue(meta['command']),
                    'args': fromvalue(meta['args']),
                    'data': None if data is None else tohex(data)}
        if action == 'wantframe':
            return {'action': 'wantframe', 'state': meta['state']}
        if action == 'noop':
            return {'action': 'noop'}
        if action == 'error' and 'request' in meta:
            return {'action': 'error', 'request': meta['request'].requestid,
                    'errortype': fromvalue(meta['type']),
                    'errormessage': fromvalue(meta['message'])}
        if action == 'error':
            return {'action': 'error', 'message': meta['message'].decode('utf-8', 'replace')}
        if action == 'responsedata':
            return {'action': 'responsedata', 'request': meta['request'].requestid,
                    'expectmore': bool(meta['expectmore']), 'eos': bool(meta['eos']),
                    'data': tohex(meta['data'])}
        raise ValueError('unknown action %r' % (action,))

    def stream(self, sid):
        if sid not in self.streams:
            self.streams[sid] = wf.stream(sid)
        return self.streams[sid]

    def step(self, on, op, a, pull):
        self.op = op
        reactor = self.server if on == 'server' else self.client
        if op == 'recv':
            frame = self.call(readone, unhex(a))
            return self.action(self.call(reactor.onframerecv, frame), pull)
        if op == 'callcommand':
            data = None if a['data'] is None else io.BytesIO(unhex(a['data']))
            request, action, meta = self.call(
                reactor.callcommand, tovalue(a['name']), tovalue(a['args']), datafh=data)
            self.requests[request.requestid] = request
            out = {'request': request.requestid}
            out.update(self.action((action, meta), pull))
            return out
        if op == 'flushcommands':
            return self.action(self.call(reactor.flushcommands), pull)
        if op == 'requeststate':
            request = self.requests.get(a['request'])
            return {'state': request.state if request else 'unknown'}
        if op == 'makeoutputstream':
            stream = self.call(reactor.makeoutputstream)
            self.streams[stream.streamid] = stream
            return {'stream': stream.streamid}
        if op == 'oncommandresponseready':
            return self.action(self.call(
                reactor.oncommandresponseready, self.stream(a['stream']), a['request'],
                unhex(a['data'])), pull)
        if op == 'oncommandresponsereadygen':
            return self.action(self.call(
                reactor.oncommandresponsereadygen, self.stream(a['stream']), a['request'],
                iter([unhex(c) for c in a['chunks']])), pull)
        if op == 'oncommanderror':
            return self.action(self.call(
                reactor.oncommanderror, self.stream(a['stream']), a['request'],
                tovalue(a['message']), tovalue(a['args'])), pull)
        if op == 'onservererror':
            return self.action(self.call(
                reactor.onservererror, self.stream(a['stream']), a['request'],
                unhex(a['message'])), pull)
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
        # 4.7's makeframefromhumanstring gives the frame's bytes (a bytearray).
        return {'hex': tohex(s.call(wf.makeframefromhumanstring, a.encode('utf-8')))}
    if op == 'makeframe':
        frame = s.call(wf.makeframe, a['request'], a['stream'], a['streamflags'],
                       a['type'], a['flags'], unhex(a['payload']))
        return {'hex': tohex(frame)}
    if op == 'parseheader':
        h = s.call(wf.parseheader, bytearray(unhex(a)))
        return {'header': {'length': h.length, 'request': h.requestid, 'stream': h.streamid,
                           'streamflags': h.streamflags, 'type': h.typeid, 'flags': h.flags}}
    if op == 'readframes':
        fh = io.BytesIO(unhex(a))

        def frames():
            while True:
                frame = wf.readframe(fh)
                if frame is None:
                    return
                yield wf.makeframe(frame.requestid, frame.streamid, frame.streamflags,
                                   frame.typeid, frame.flags, frame.payload)
        return s.pull(frames(), None)
    if op == 'humanflags':
        return {'text': s.call(wf.humanflags, getattr(wf, a['table']), a['value'])
                .decode('utf-8')}
    if op == 'repr':
        return {'text': repr(s.call(readone, unhex(a))).decode('utf-8')}
    if op == 'createcommandframes':
        data = None if a['data'] is None else io.BytesIO(unhex(a['data']))
        return s.pull(wf.createcommandframes(
            builderstream(a), a['request'], tovalue(a['name']), tovalue(a['args']),
            datafh=data, maxframesize=maxsize(a)), None)
    if op == 'createcommandresponseframesfrombytes':
        return s.pull(wf.createcommandresponseframesfrombytes(
            builderstream(a), a['request'], unhex(a['data']), maxframesize=maxsize(a)), None)
    if op == 'createbytesresponseframesfromgen':
        return s.pull(wf.createbytesresponseframesfromgen(
            builderstream(a), a['request'], iter([unhex(c) for c in a['chunks']]),
            maxframesize=maxsize(a)), None)
    if op == 'createcommanderrorresponse':
        return s.pull(wf.createcommanderrorresponse(
            builderstream(a), a['request'], tovalue(a['message']), tovalue(a['args'])), None)
    if op == 'createerrorframe':
        return s.pull(wf.createerrorframe(
            builderstream(a), a['request'], unhex(a['msg']), unhex(a['errtype'])), None)
    if op == 'createtextoutputframe':
        return s.pull(wf.createtextoutputframe(
            builderstream(a), a['request'], tovalue(a['atoms']), maxframesize=maxsize(a)), None)
    raise Unimplemented('unknown operation %s' % op)


# ---- the loop ----------------------------------------------------------------

def answer(session, request):
    kind = request['type']
    if kind == 'hello':
        return session, {'protocol': PROTOCOL, 'name': 'mercurial',
                         'version': hgversion.version,
                         'targets': ['codec', 'server', 'client', 'conversation']}
    if kind == 'start':
        return Session(request['target']), {'ok': True}
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
    # readline, not `for line in sys.stdin`: Python 2's file iterator reads
    # ahead, and would wait for the next request before answering this one.
    for line in iter(sys.stdin.readline, ''):
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

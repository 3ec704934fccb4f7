#!/usr/bin/env python3
"""Check conformance vectors against the seed itself, or fill in what the
seed does.

A development aid, not part of the test suite. It needs ../shared/oracle
(`bash ../shared/oracle/setup.sh`), a built `hgframe` (`cargo build`), and
for human strings Python 2.7 with Mercurial 4.8's helpers (see
HG48_PATH below), since the seed's literals mean what they meant in
Python 2.

    python3 tools/oracle_vectors.py check [FILES...]   # default: vectors/**/*.yaml
    python3 tools/oracle_vectors.py fill FILE...       # add `expect` where a step has none
    python3 tools/oracle_vectors.py format FILE...     # rewrite in the suite's YAML style

`check` runs every vector through the seed and compares each step with the
vector's `expect`. `fill` writes the seed's outcome into the steps of a
vector file that have no `expect` yet, so that the author writes the inputs
and the seed supplies the expected values. The seed has no error classes:
after `fill`, `hgframe vectors upgrade FILE` writes them (hgframe's names
for the seed's errors), and `check` leaves them out of the comparison.

Not checked, with the reason printed: vectors tagged `deviation` or
`extension` (hgframe departs from the seed there, on purpose), `python2`
(the oracle runs Python 3; these were checked with the seed under Python
2.7 by hand), except the human-string vectors, which run through the seed
under Python 2.7 anyway. A `conversation` vector is checked as two halves, since the
oracle runs one reactor at a time: each party's steps, receiving the frames
the vector expects the other party to send.
"""

import ast
import glob
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

from pyliterals import bytes_literal

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ORACLE = os.path.join(ROOT, '..', 'shared', 'oracle', 'seedoracle.py')
HGFRAME = os.path.join(ROOT, 'target', 'debug', 'hgframe')
HG48_PATH = os.environ.get('HG48_PATH', '/tmp/py2/mercurial-4.8')
PY2 = os.environ.get('PY2', 'python2.7')
SKIP_TAGS = {'deviation', 'extension', 'python2'}
# The protocol revision of the files this script checks against the seed.
SEED_PROTOCOL = 'hg-framing-2018'


# ---------------------------------------------------------------- values

def bytes_of(spec):
    if isinstance(spec, dict):
        return bytes_of(spec['repeat']) * spec['count']
    if isinstance(spec, list):
        return b''.join(bytes_of(p) for p in spec)
    value = ast.literal_eval(spec)
    if not isinstance(value, bytes):
        raise ValueError('not a bytes literal: %r' % spec)
    return value


def to_oracle(value):
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, bytes):
        return {'$hex': value.hex()}
    if isinstance(value, str):
        return {'$str': value}
    if isinstance(value, list):
        return [to_oracle(v) for v in value]
    if isinstance(value, tuple):
        return {'$tuple': [to_oracle(v) for v in value]}
    if isinstance(value, dict):
        return {'$map': [[to_oracle(k), to_oracle(v)] for k, v in value.items()]}
    if isinstance(value, (set, frozenset)):
        return {'$set': [to_oracle(v) for v in value]}
    raise ValueError('cannot pass %r to the oracle' % (value,))


def literal(text):
    return to_oracle(ast.literal_eval(text))


def bytes_arg(spec):
    return {'$hex': bytes_of(spec).hex()}


def unnorm_bytes(v):
    """The oracle's normalized bytes back to bytes (None when summarised)."""
    if isinstance(v, str):
        return v.encode('latin1')
    if isinstance(v, dict) and '$esc' in v:
        return v['$esc'].encode('latin1').decode('unicode_escape').encode('latin1')
    return None


def data_value(v, spec):
    """Bytes of an action's data: a literal, or for data the oracle only
    summarises a digest (or, in the `expect` form, a request for a
    hand-written expectation)."""
    b = unnorm_bytes(v)
    if b is not None:
        return esc(b) if spec else b
    if spec:
        raise BigFrame(v)
    return 'sha256:' + v['$sha256']


def bytes_key(b):
    return b if len(b) <= 1024 else 'sha256:' + hashlib.sha256(b).hexdigest()


esc = bytes_literal


def lit(v):
    """An oracle value as a Python literal (bytes for strings, as the seed's
    Python 2 values were)."""
    if v is None:
        return 'None'
    if v is True:
        return 'True'
    if v is False:
        return 'False'
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return esc(v.encode('latin1'))
    if isinstance(v, list):
        return '[' + ', '.join(lit(x) for x in v) + ']'
    if isinstance(v, dict):
        if '$esc' in v:
            return esc(unnorm_bytes(v))
        if '$set' in v:
            return '{' + ', '.join(lit(x) for x in v['$set']) + '}' if v['$set'] else 'set()'
        if '$map' in v:
            return '{' + ', '.join('%s: %s' % (lit(k), lit(x)) for k, x in v['$map']) + '}'
        return '{' + ', '.join('%s: %s' % (esc(k.encode('latin1')), lit(x)) for k, x in sorted(v.items())) + '}'
    raise ValueError('cannot print %r' % (v,))


def canon(text):
    """A Python literal in a comparable form: Mercurial's CBOR of it."""
    out = subprocess.run([HGFRAME, 'encode', '1 1 0 1 0 cbor:' + text], capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else ('?' + text)


# ---------------------------------------------------------------- frames

def encode(human):
    out = subprocess.run([HGFRAME, 'encode', human], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit('cannot encode %r: %s' % (human, out.stderr))
    return out.stdout.strip()


def decode_hex(h):
    out = subprocess.run([HGFRAME, 'decode', '--hex'], input=h, capture_output=True, text=True)
    return out.stdout.rstrip('\n')


def frame_hex_of_spec(spec):
    if isinstance(spec, str):
        return encode(spec)
    header = encode(spec['header'] + ' ')
    payload = bytes_of(spec['payload'])
    n = len(payload)
    return bytes([n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff]).hex() + header[6:16] + payload.hex()


def frame_key(spec, by_payload=False):
    """Expected frame -> the key the seed's frame is compared by: its hex, or
    for a large frame a digest (of the whole frame, or for readframes of
    the header and the payload apart, as the oracle reports them)."""
    h = frame_hex_of_spec(spec)
    raw = bytes.fromhex(h)
    if by_payload:
        if len(raw) - 8 <= 1024:
            return h
        return h[:16] + ':' + hashlib.sha256(raw[8:]).hexdigest()
    if len(raw) <= 1032:
        return h
    return 'sha256:' + hashlib.sha256(raw).hexdigest()


def seed_frame_key(f):
    if 'hex' in f:
        return f['hex']
    return 'sha256:' + f['sha256']


def seed_frame_spec(f):
    if 'hex' not in f:
        raise BigFrame(f)
    return decode_hex(f['hex'])


class BigFrame(Exception):
    pass


def read_frame_hex(r, spec=True):
    """A frame from the oracle's readframes record (as a comparison key when
    spec is False)."""
    payload = unnorm_bytes(r['payload'])
    n = r['payload_len']
    head = bytes([n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff]) + r['requestid'].to_bytes(2, 'little') + bytes(
        [r['streamid'], r['streamflags'], (r['typeid'] << 4) | r['flags']])
    if payload is None:
        if spec:
            raise BigFrame(r)
        return head.hex() + ':' + r['payload']['$sha256']
    return (head + payload).hex()


# ---------------------------------------------------------------- raises

def raise_spec(r):
    t, origin, message = r['type'], r.get('origin'), r.get('message')
    if origin == 'seed' and t == 'ProgrammingError':
        return {'kind': 'programming', 'message': message}
    if origin == 'seed' and t == 'ValueError':
        return {'kind': 'value', 'message': message}
    if origin == 'seed' and t == 'Abort':
        return {'kind': 'abort', 'message': esc(unnorm_bytes(message))}
    if origin == 'seed' and t == 'AssertionError':
        return {'kind': 'assertion'}
    return {'kind': 'accidental', 'type': t}


# ---------------------------------------------------------------- scenarios

def stream_arg(spec):
    if isinstance(spec, int):
        return {'streamid': spec}
    return {'streamid': spec['id'], 'active': spec.get('active', False)}


def options(target, *names):
    """The reactor options among `names` that `target` gives."""
    return {n: target[n] for n in names if n in target}


class Builder:
    def __init__(self, vector):
        self.vector = vector
        self.ops = []
        self.index = []  # step index -> op index (None when not run)
        self.streams = {}
        self.gens = {}
        target = vector['target']
        kind = target['kind']
        # An option the vector leaves out is left out here too: the seed's
        # own default applies, which is what such a vector checks.
        if kind == 'server':
            self.target = dict(options(target, 'deferoutput'), kind='serverreactor')
        elif kind == 'client':
            self.target = dict(options(target, 'hasmultiplesend', 'buffersends'), kind='clientreactor')
        else:
            self.target = {'kind': 'codec'}

    def resolve_gens(self):
        """Names g0, g1, ... for the frame sequences the steps so far made,
        from a run of the seed (for steps whose expectation is not written
        yet)."""
        trace = run_oracle({'format': 'seedoracle-scenario/1', 'name': self.vector['id'], 'target': self.target,
                            'steps': self.ops})
        n = 0
        for j, rec in enumerate(trace['steps']):
            if rec.get('result', {}).get('action') == 'sendframes':
                self.gens.setdefault('g%d' % n, 'g%d' % j)
                n += 1

    def stream(self, sid):
        if sid not in self.streams:
            self.streams[sid] = 's%d' % sid
            self.ops.append({'op': 'newstream', 'name': self.streams[sid], 'streamid': sid})
        return self.streams[sid]

    def pull(self, step, op):
        pull = step.get('pull', True)
        if pull is False:
            op['consume'] = False
        elif pull is not True:
            op['consume'] = pull

    def add(self, step):
        op = self.op(step)
        self.ops.append(op)
        self.index.append(len(self.ops) - 1)
        expect = step.get('expect') or {}
        if expect.get('action') == 'sendframes':
            self.gens[expect['gen']] = 'g%d' % (len(self.ops) - 1)

    def op(self, s):
        if 'recv' in s:
            return {'op': 'recv', 'hex': frame_hex_of_spec(s['recv'])}
        if 'callcommand' in s:
            c = s['callcommand']
            op = {'op': 'callcommand', 'name': literal(c['name']), 'args': literal(c.get('args', 'None'))}
            if 'data' in c:
                op['data'] = bytes_arg(c['data'])
            self.pull(s, op)
            return op
        if 'flushcommands' in s:
            op = {'op': 'flushcommands'}
            self.pull(s, op)
            return op
        if 'makeoutputstream' in s:
            return {'op': 'makeoutputstream', 'name': 'o%d' % len(self.ops)}
        for name, extra in (('oncommandresponseready', ('data',)), ('oncommandresponsereadygen', ('chunks',)),
                            ('oncommanderror', ('message', 'args')), ('onservererror', ('message',))):
            if name in s:
                a = s[name]
                op = {'op': name, 'stream': self.stream(a['stream']), 'requestid': a['request']}
                if name == 'oncommandresponseready':
                    op['data'] = bytes_arg(a['data'])
                elif name == 'oncommandresponsereadygen':
                    op['chunks'] = [bytes_arg(c) for c in a['chunks']]
                elif name == 'onservererror':
                    op['message'] = bytes_arg(a['message'])
                else:
                    op['message'] = literal(a['message'])
                    if 'args' in a:
                        op['args'] = literal(a['args'])
                self.pull(s, op)
                return op
        if 'oninputeof' in s:
            op = {'op': 'oninputeof'}
            self.pull(s, op)
            return op
        if 'consume' in s:
            if s['consume']['gen'] not in self.gens:
                self.resolve_gens()
            op = {'op': 'consume', 'gen': self.gens[s['consume']['gen']]}
            if 'count' in s['consume']:
                op['count'] = s['consume']['count']
            return op
        if 'requeststate' in s:
            return {'op': 'inspect'}
        if 'makeframe' in s:
            m = s['makeframe']
            return {'op': 'makeframe', 'requestid': m['request'], 'streamid': m['stream'],
                    'streamflags': m['streamflags'], 'typeid': m['type'], 'flags': m['flags'],
                    'payload': bytes_arg(m['payload'])}
        if 'parseheader' in s:
            return {'op': 'parseheader', 'data': {'$hex': s['parseheader']}}
        if 'readframes' in s:
            r = s['readframes']
            if isinstance(r, str):
                data = r
            else:
                data = ''.join(frame_hex_of_spec(f) for f in r['frames']) + r.get('trailing', '')
            return {'op': 'readframes', 'data': {'$hex': data}}
        if 'humanflags' in s:
            return {'op': 'humanflags', 'mapping': s['humanflags']['table'], 'value': s['humanflags']['value']}
        if 'repr' in s:
            h = bytes.fromhex(encode(s['repr']))
            return {'op': 'framerepr', 'requestid': int.from_bytes(h[3:5], 'little'), 'streamid': h[5],
                    'streamflags': h[6], 'typeid': h[7] >> 4, 'flags': h[7] & 15, 'payload': {'$hex': h[8:].hex()}}
        if 'createcommandframes' in s:
            c = s['createcommandframes']
            op = {'op': 'createcommandframes', 'stream': stream_arg(c['stream']), 'requestid': c['request'],
                  'cmd': literal(c['name']), 'args': literal(c['args'])}
            if 'data' in c:
                op['data'] = bytes_arg(c['data'])
            if 'maxframesize' in c:
                op['maxframesize'] = c['maxframesize']
            return op
        if 'createcommandresponseframesfrombytes' in s:
            c = s['createcommandresponseframesfrombytes']
            op = {'op': 'createcommandresponseframesfrombytes', 'stream': stream_arg(c['stream']),
                  'requestid': c['request'], 'data': bytes_arg(c['data'])}
            if 'maxframesize' in c:
                op['maxframesize'] = c['maxframesize']
            return op
        if 'createbytesresponseframesfromgen' in s:
            c = s['createbytesresponseframesfromgen']
            op = {'op': 'createbytesresponseframesfromgen', 'stream': stream_arg(c['stream']),
                  'requestid': c['request'], 'chunks': [bytes_arg(x) for x in c['chunks']]}
            if 'maxframesize' in c:
                op['maxframesize'] = c['maxframesize']
            return op
        if 'createcommanderrorresponse' in s:
            c = s['createcommanderrorresponse']
            op = {'op': 'createcommanderrorresponse', 'stream': stream_arg(c['stream']), 'requestid': c['request'],
                  'message': literal(c['message'])}
            if 'args' in c:
                op['args'] = literal(c['args'])
            return op
        if 'createerrorframe' in s:
            c = s['createerrorframe']
            return {'op': 'createerrorframe', 'stream': stream_arg(c['stream']), 'requestid': c['request'],
                    'msg': bytes_arg(c['msg']), 'errtype': bytes_arg(c['errtype'])}
        if 'createtextoutputframe' in s:
            c = s['createtextoutputframe']
            atoms = [[to_oracle(f), [to_oracle(a) for a in args], [to_oracle(l) for l in labels]]
                     for f, args, labels in ast.literal_eval(c['atoms'])]
            op = {'op': 'createtextoutputframe', 'stream': stream_arg(c['stream']), 'requestid': c['request'],
                  'atoms': atoms}
            if 'maxframesize' in c:
                op['maxframesize'] = c['maxframesize']
            return op
        raise SystemExit('%s: cannot check step %r with the oracle' % (self.vector['id'], sorted(s)))


def run_oracle(scenario):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'scenario.json')
        with open(path, 'w') as f:
            json.dump(scenario, f)
        out = subprocess.run([sys.executable, ORACLE, 'run', path], capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(out.stderr[-3000:])
        return json.loads(out.stdout)


# ---------------------------------------------------------------- outcomes

def frames_outcome(consumed, spec=True):
    out = {'frames': [seed_frame_spec(f) for f in consumed.get('frames', [])] if spec else
           [seed_frame_key(f) for f in consumed.get('frames', [])],
           'end': bool(consumed.get('exhausted')) or 'raise' in consumed}
    if 'raise' in consumed:
        out['raise'] = raise_spec(consumed['raise'])
    return out


def action_outcome(result, spec, gen_name):
    action, meta = result['action'], result['meta']
    if action == 'sendframes':
        out = {'action': 'sendframes', 'gen': gen_name}
        out.update(frames_outcome(result.get('consumed', {}), spec))
        return out
    if action == 'runcommand':
        data = meta['data']
        return {'action': 'runcommand', 'request': meta['requestid'], 'command': lit(meta['command']),
                'args': lit(meta['args']), 'data': None if data is None else data_value(data, spec)}
    if action == 'wantframe':
        return {'action': 'wantframe', 'state': meta['state']}
    if action == 'noop':
        return {'action': 'noop'}
    if action == 'error' and 'request' in meta:
        return {'action': 'error', 'request': meta['request']['$request'], 'errortype': lit(meta['type']),
                'errormessage': lit(meta['message'])}
    if action == 'error':
        return {'action': 'error', 'message': meta['message']}
    if action == 'responsedata':
        return {'action': 'responsedata', 'request': meta['request']['$request'],
                'expectmore': bool(meta['expectmore']), 'eos': bool(meta['eos']),
                'data': data_value(meta['data'], spec)}
    raise ValueError(action)


def seed_outcome(step, rec, spec, gen_name, request=None):
    """The seed's outcome of a step, in the vector's `expect` form (spec=True)
    or in a comparable form (spec=False)."""
    op = rec['op']
    frame_ops = op in ('consume', 'readframes') or op.startswith('create')
    if 'raise' in rec and not frame_ops:
        return {'raise': raise_spec(rec['raise'])}
    if op in ('recv', 'flushcommands', 'oncommandresponseready', 'oncommandresponsereadygen', 'oncommanderror',
              'onservererror', 'oninputeof'):
        return action_outcome(rec['result'], spec, gen_name)
    if op == 'callcommand':
        out = {'request': rec['request']['requestid']}
        out.update(action_outcome(rec['result'], spec, gen_name))
        return out
    if op == 'makeoutputstream':
        return {'stream': rec['streamid']}
    if op == 'consume':
        consumed = dict(rec.get('consumed', rec))
        if 'raise' in rec:
            consumed['raise'] = rec['raise']
        return frames_outcome(consumed, spec)
    if op == 'inspect':
        return {'state': rec['inspect']['requests'].get(str(request), 'unknown')}
    if op in ('ffs', 'makeframe'):
        return {'hex': rec['frame']['hex']}
    if op == 'parseheader':
        h = rec['header']
        return {'header': {'length': h['length'], 'request': h['requestid'], 'stream': h['streamid'],
                           'streamflags': h['streamflags'], 'type': h['typeid'], 'flags': h['flags']}}
    if op == 'readframes':
        reads = [r for r in rec.get('reads', []) if r is not None]
        hexes = [read_frame_hex(r, spec) for r in reads]
        out = {'frames': [decode_hex(h) for h in hexes] if spec else hexes, 'end': True}
        if 'raise' in rec:
            out['raise'] = raise_spec(rec['raise'])
        return out
    if op == 'humanflags':
        return {'text': rec['value']}
    if op == 'framerepr':
        return {'text': rec['repr']}
    if op.startswith('create'):
        out = frames_outcome(rec, spec)
        # A builder's frames are all taken, unless the oracle cut them off.
        out['end'] = 'truncated_at' not in rec
        return out
    raise ValueError(op)


def comparable(step, expect):
    """A vector's expectation in the comparable form. A protocol error's
    class is hgframe's name for it, which the seed does not have."""
    out = dict(expect)
    out.pop('class', None)
    if 'frames' in out:
        out['frames'] = [frame_key(f, by_payload='readframes' in step) for f in out['frames']]
    for key in ('command', 'args', 'errortype', 'errormessage'):
        if key in out:
            out[key] = canon(out[key])
    if 'data' in out and out['data'] is not None:
        out['data'] = bytes_key(bytes_of(out['data']))
    if 'actions' in out:
        out['actions'] = [comparable({}, a) for a in out['actions']]
    if 'raise' in out:
        out['raise'] = dict(out['raise'])
        if out['raise'].get('kind') == 'abort':
            out['raise']['message'] = bytes_of(out['raise']['message'])
    return out


def seed_comparable(outcome):
    out = dict(outcome)
    for key in ('command', 'args', 'errortype', 'errormessage'):
        if key in out:
            out[key] = canon(out[key])
    if 'raise' in out:
        out['raise'] = dict(out['raise'])
        if out['raise'].get('kind') == 'abort':
            out['raise']['message'] = bytes_of(out['raise']['message'])
    return out


def raise_admits(expected, seed):
    if expected.get('kind') != seed.get('kind'):
        return False
    return all(expected.get(k) == seed.get(k) for k in ('type', 'message') if k in expected)


def admits(expected, seed):
    if set(expected) != set(seed):
        return False
    for key, value in expected.items():
        if key == 'raise':
            if not raise_admits(value, seed[key]):
                return False
        elif value != seed[key]:
            return False
    return True


# ---------------------------------------------------------------- human strings (Python 2)

PY2_FFS = r'''
import os, sys, json, binascii
os.environ['HGMODULEPOLICY'] = 'py'
sys.path.insert(0, sys.argv[1])
from mercurial import seedframing as w
for line in sys.stdin:
    s = json.loads(line).encode('utf-8')
    try:
        print(json.dumps(binascii.hexlify(bytes(w.makeframefromhumanstring(s)))))
    except Exception as e:
        print(json.dumps(None))
'''


def python2_humanstrings(strings):
    seed = os.path.join(HG48_PATH, 'mercurial', 'seedframing.py')
    if not os.path.exists(seed):
        src = os.path.join(ROOT, '..', 'shared', 'seed', 'wireprotoframing.py')
        with open(src) as f, open(seed, 'w') as g:
            g.write(f.read())
    with tempfile.NamedTemporaryFile('w', suffix='.py', delete=False) as f:
        f.write(PY2_FFS)
        script = f.name
    try:
        env = dict(os.environ, PYENV_VERSION='2.7.18')  # for pyenv's shim; ignored elsewhere
        out = subprocess.run([PY2, script, HG48_PATH], input='\n'.join(json.dumps(s) for s in strings) + '\n',
                             capture_output=True, text=True, env=env)
    finally:
        os.unlink(script)
    if out.returncode:
        raise SystemExit('Python 2 harness failed: ' + out.stderr[-2000:])
    return [json.loads(l) for l in out.stdout.splitlines()]


# ---------------------------------------------------------------- driver

def vector_outcomes(vector, spec):
    """The seed's outcome of every step, in the `expect` form for the steps
    `spec` selects (a predicate on the step) and comparable otherwise."""
    steps = vector['steps']
    if all('humanstring' in s for s in steps):
        hexes = python2_humanstrings([s['humanstring'] for s in steps])
        return [{'hex': h} if h is not None else {'raise': {'kind': 'decode'}} for h in hexes]
    b = Builder(vector)
    for s in steps:
        b.add(s)
    trace = run_oracle({'format': 'seedoracle-scenario/1', 'name': vector['id'], 'target': b.target, 'steps': b.ops})
    records = trace['steps']
    outcomes = []
    gens = 0
    for s, i in zip(steps, b.index):
        expect = s.get('expect') or {}
        request = s['requeststate']['request'] if 'requeststate' in s else None
        rec = records[i]
        name = expect.get('gen')
        if name is None and rec.get('result', {}).get('action') == 'sendframes':
            name = 'g%d' % gens
        if rec.get('result', {}).get('action') == 'sendframes':
            gens += 1
            b.gens.setdefault(name, 'g%d' % i)
        outcomes.append(seed_outcome(s, rec, spec(s), name, request))
    return outcomes


def skip_reason(vector):
    tags = set(vector.get('tags', []))
    if all('humanstring' in s for s in vector['steps']):
        # Human strings run through the seed under Python 2.7 itself.
        tags.discard('python2')
    if tags & SKIP_TAGS:
        return 'tagged %s' % ', '.join(sorted(tags & SKIP_TAGS))
    return None


def halves(vector):
    """A conversation as two vectors the oracle can run: the client's steps
    and the server's, each receiving the frames the other party's expected
    sequences hold. Frame sequences are renamed per party."""
    target = vector['target']
    sides = {'client': dict(options(target, 'hasmultiplesend', 'buffersends'), kind='client'),
             'server': dict(options(target, 'deferoutput'), kind='server')}
    owner, rename, out = {}, {}, {}
    counters = {'client': 0, 'server': 0}
    steps = {'client': [], 'server': []}
    for s in vector['steps']:
        expect = s.get('expect') or {}
        if 'transfer' in s:
            gen = s['transfer']['gen']
            side = owner[gen]
            other = 'server' if side == 'client' else 'client'
            steps[side].append({'consume': {'gen': rename[gen]}, 'expect': {
                'frames': expect['frames'], 'end': expect['end']}})
            for frame, action in zip(expect['frames'], expect['actions']):
                steps[other].append({'recv': frame, 'expect': rename_gens(action, other, owner, rename, counters)})
            continue
        side = s['on']
        step = {k: v for k, v in s.items() if k != 'on'}
        step['expect'] = rename_gens(expect, side, owner, rename, counters)
        if 'consume' in step:
            step['consume'] = dict(step['consume'], gen=rename[step['consume']['gen']])
        steps[side].append(step)
    for side in ('client', 'server'):
        out[side] = {'id': '%s (%s half)' % (vector['id'], side), 'target': sides[side], 'steps': steps[side]}
    return out


def rename_gens(expect, side, owner, rename, counters):
    expect = dict(expect)
    if expect.get('action') == 'sendframes':
        gen = expect['gen']
        owner[gen] = side
        rename[gen] = 'g%d' % counters[side]
        counters[side] += 1
        expect['gen'] = rename[gen]
    return expect


def check_file(path):
    doc = yaml.safe_load(open(path))
    problems, checked, skipped = [], 0, 0
    todo = []
    for vector in doc['vectors']:
        if skip_reason(vector):
            skipped += 1
        elif vector['target']['kind'] == 'conversation':
            todo.extend(halves(vector).values())
            checked += 1
        else:
            todo.append(vector)
            checked += 1
    for vector in todo:
        try:
            outcomes = vector_outcomes(vector, spec=lambda s: False)
        except BigFrame:
            outcomes = None
        if outcomes is None:
            problems.append('%s: a large frame the oracle only gives by digest' % vector['id'])
            continue
        for i, (s, seed) in enumerate(zip(vector['steps'], outcomes)):
            expected = comparable(s, s.get('expect') or {})
            got = seed_comparable(seed)
            if 'humanstring' in s and 'raise' in got:
                ok = expected.get('raise', {}).get('kind') == 'decode'
            else:
                ok = admits(expected, got)
            if not ok:
                problems.append('%s: step %d:\n  vector: %s\n  seed:   %s' % (
                    vector['id'], i, json.dumps(expected, default=repr), json.dumps(got, default=repr)))
    return checked, skipped, problems


class Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data):
        # Write every value out: anchors and aliases confuse readers.
        return True


# Strings a YAML 1.2 loader could read as something else (a number, a
# boolean, null), hex digits above all: these are always quoted.
AMBIGUOUS = re.compile(r'[-+]?[0-9][0-9a-fA-FxXoO._eE+-]*|true|false|null|yes|no|on|off|~', re.I)


def _str(dumper, data):
    # Double quotes read best for literals with quotes (no escapes needed when
    # there is no backslash); PyYAML picks the style otherwise.
    style = None
    if "'" in data and '\\' not in data and '"' not in data and data.isprintable():
        style = '"'
    elif AMBIGUOUS.fullmatch(data):
        style = "'"
    return dumper.represent_scalar('tag:yaml.org,2002:str', data, style=style)


def _scalar(v):
    return v is None or isinstance(v, (str, int, bool))


def _dict(dumper, data):
    flow = all(_scalar(v) for v in data.values()) and len(repr(data)) < 110
    return dumper.represent_mapping('tag:yaml.org,2002:map', data.items(), flow_style=flow)


def _list(dumper, data):
    flow = all(_scalar(v) for v in data) and len(repr(data)) < 60
    return dumper.represent_sequence('tag:yaml.org,2002:seq', data, flow_style=flow)


Dumper.add_representer(str, _str)
Dumper.add_representer(dict, _dict)
Dumper.add_representer(list, _list)


def fill_file(path):
    doc = yaml.safe_load(open(path))
    for vector in doc['vectors']:
        if all('expect' in s for s in vector['steps']) or skip_reason(vector):
            continue
        try:
            outcomes = vector_outcomes(vector, spec=lambda s: 'expect' not in s)
        except BigFrame:
            print('  %s: a step gives data the oracle only summarises: write its expectation by hand' % vector['id'])
            continue
        for s, seed in zip(vector['steps'], outcomes):
            if 'expect' not in s:
                s['expect'] = seed
    with open(path, 'w') as f:
        yaml.dump(doc, f, Dumper=Dumper, sort_keys=False, allow_unicode=False, width=1000)


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ('check', 'fill', 'format'):
        raise SystemExit(__doc__)
    if sys.argv[1] == 'format':
        for p in sys.argv[2:]:
            doc = yaml.safe_load(open(p))
            with open(p, 'w') as f:
                yaml.dump(doc, f, Dumper=Dumper, sort_keys=False, allow_unicode=False, width=1000)
        return
    paths = sys.argv[2:] or sorted(glob.glob(os.path.join(ROOT, 'vectors', '**', '*.yaml'), recursive=True))
    if sys.argv[1] == 'fill':
        for p in paths:
            if (yaml.safe_load(open(p)) or {}).get('protocol') != SEED_PROTOCOL:
                print('not filled: %s is not of the seed\'s protocol (tools/oracle_0006_codec.py fill)' % p)
                continue
            fill_file(p)
            print('filled', p)
        return
    bad = 0
    for p in paths:
        protocol = (yaml.safe_load(open(p)) or {}).get('protocol')
        if protocol != SEED_PROTOCOL:
            # The later revision's profile (vectors/0006) follows Mercurial
            # 7.2.4, not the seed: tools/oracle_0006_codec.py checks it.
            print('%-8s %s (protocol %s: not the seed\'s; see tools/oracle_0006_codec.py)'
                  % ('skipped', os.path.relpath(p, ROOT), protocol))
            continue
        checked, skipped, problems = check_file(p)
        print('%-8s %s (%d checked, %d skipped)' % ('ok' if not problems else 'MISMATCH', os.path.relpath(p, ROOT),
                                                  checked, skipped))
        for pr in problems:
            print('  ' + pr)
        bad += bool(problems)
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()

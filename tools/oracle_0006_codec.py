#!/usr/bin/env python3
"""Check the codec vectors of the hg-framing-0006 profile against Mercurial
7.2.4's own `wireprotoframing` (and 4.8's, under Python 2.7, for the human
strings that Python 2 reads otherwise), or fill in what they do.

A development aid, not part of the test suite. The vectors of
`vectors/0006/` follow the protocol's later revision (Mercurial 4.8 to
7.2.4, media type application/mercurial-exp-framing-0006), and every
expected value in them is what 7.2.4's module does, except the human
strings of the vectors tagged `python2` (below), whose values are what
Mercurial 4.8's module does under Python 2.7; this script shows that they
are, so that the values can be reproduced:

    python3 tools/oracle_0006_codec.py check FILE...   # per vector OK, FAIL or SKIP; exit 1 on a FAIL
    python3 tools/oracle_0006_codec.py check -v FILE...  # also the Python exception behind each refusal
    python3 tools/oracle_0006_codec.py fill FILE...    # write the oracle's outcome where a step has no expect
    python3 tools/oracle_0006_codec.py show 'HUMAN STRING'...  # 7.2.4's frame and 4.8's, or their exceptions

Mercurial 7.2.4 runs in its own interpreter, the virtualenv of
`adapters/mercurial/setup.sh` (`HGMODULEPOLICY=py`): this script (which
needs PyYAML) talks to it over a pipe. It looks for the virtualenv in this
checkout, then in the main worktree of the repository; `HG724_PYTHON`
names another interpreter that imports Mercurial 7.2.4. Mercurial 4.8 runs
as tools/oracle_vectors.py runs it for the 2018 profile: the interpreter
`PY2` (default python2.7, with PYENV_VERSION=2.7.18 for pyenv's shim) with
the source tree `HG48_PATH` (default /tmp/py2/mercurial-4.8) first on its
path and `HGMODULEPOLICY=py`; it is started only when a vector needs it.

Python 2 semantics. In this profile as in the 2018 one, a `cbor:` literal
and an integer field of a human string mean what they mean in Python 2:
the seed is Python 2 code, and so is Mercurial 4.8, the later revision's
first release (its `wireprotoframing` is this revision's). 7.2.4 is Python
3 code, and reads some strings otherwise. Hence two tags:

- `python2`: the vector expects Python 2's reading where 7.2.4's differs.
  Each of its `humanstring` steps is checked against Mercurial 4.8 under
  Python 2.7 (its bytes, or `raise: {kind: decode}` for any exception), and
  7.2.4 must answer differently for at least one of them, else the tag is
  wrong and the vector FAILs. Its other steps are checked against 7.2.4.
- `extension`: strings that the seed-era Python 2 behaviour refuses and
  hgframe accepts. The script checks that 4.8 under Python 2.7 refuses each
  `humanstring` step, and that the expected bytes are 7.2.4's where 7.2.4
  accepts the string (the Python 3 forms: set displays and set(), rb'..',
  +5, -(5), a leading space), or else those of the numeric-flags extension
  below (where 7.2.4 refuses too). Other steps are checked against 7.2.4.

Without Python 2.7 (`PY2` missing, or not 2.7) or without the 4.8 tree,
the vectors tagged `python2` or `extension` are reported SKIP with the
reason, not FAIL: the exit status is 0 if nothing else failed, and the
summary says how many were skipped. A tree that is there but does not
import as Mercurial 4.8 FAILs them.

What a step means, by operation (docs/vectors.md, "Codec operations"):

- `humanstring`: 7.2.4's `makeframefromhumanstring` of the string's UTF-8
  bytes (4.8's under Python 2.7 in a `python2` vector; see above for
  `extension`); any exception is `raise: {kind: decode}` (the suite gives
  human string errors no class; `-v` prints the exception type).
- `makeframe`, `humanflags` (the table by its name in 7.2.4's module),
  `repr` (of the frame `readframe` reads), `readframes`: 7.2.4's functions.
- `parseheader`: 7.2.4's `parseheader`. The operation reads the 24-bit
  length correctly, and 7.2.4 still has the seed's `16384 * data[2]` term:
  in a vector tagged `length-16384` the script checks that 7.2.4 gives the
  buggy length and the vector the true one; elsewhere they must agree.
- A frame that a step takes as input (`repr`, the frames of `readframes`)
  or expects (`readframes`) is written as a human string, which the suite's
  loader turns into bytes. The script does that with 7.2.4's
  `makeframefromhumanstring` too, except that a frame type without a flag
  table (0, 4, 10 to 15) takes numeric flags, as in hgframe's documented
  extension (docs/deviations.md): 7.2.4 fails there with a KeyError, so
  without it no frame of such a type could be written (4.8 fails there
  too, so such strings are `extension` vectors).

The operations are the suite's existing ones; a step with any other
operation is a FAIL (this script checks codec vectors only).
"""

import ast
import json
import os
import subprocess
import sys
import tempfile

import yaml

from pyliterals import bytes_literal

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PROTOCOL = 'hg-framing-0006'
FORMAT = 2
VERSION = '7.2.4'
# Mercurial 4.8 under Python 2.7, as tools/oracle_vectors.py runs it.
HG48_PATH = os.environ.get('HG48_PATH', '/tmp/py2/mercurial-4.8')
PY2 = os.environ.get('PY2', 'python2.7')
VERSION48 = '4.8'
PY2_TAGS = ('python2', 'extension')
CODEC_OPS = ('humanstring', 'makeframe', 'parseheader', 'readframes', 'humanflags', 'repr')

# ---------------------------------------------------------------- the Mercurial side

WORKER = r'''
import io, json, sys
from mercurial import __version__ as hgversion, error
from mercurial import wireprotoframing as wf


class Fallback(dict):
    """FRAME_TYPE_FLAGS with an empty table for the types that have none."""
    def __missing__(self, key):
        return {}


def exc(e):
    out = {'type': type(e).__name__}
    if isinstance(e, error.Abort):
        out['message'] = bytes(e.message).hex()
    elif e.args and isinstance(e.args[0], (bytes, bytearray)):
        out['message'] = bytes(e.args[0]).hex()
    else:
        out['text'] = str(e)
    return out


def ffs(s, fallback):
    saved = wf.FRAME_TYPE_FLAGS
    if fallback:
        wf.FRAME_TYPE_FLAGS = Fallback(saved)
    try:
        return bytes(wf.makeframefromhumanstring(s.encode('utf-8')))
    finally:
        wf.FRAME_TYPE_FLAGS = saved


def answer(r):
    op = r['op']
    if op == 'hello':
        v = hgversion.version
        return {'version': v.decode() if isinstance(v, bytes) else v, 'file': wf.__file__,
                'types': {k.decode(): v for k, v in wf.FRAME_TYPES.items()},
                'typeflags': {str(t): {k.decode(): v for k, v in fl.items()}
                              for t, fl in wf.FRAME_TYPE_FLAGS.items()},
                'streamflags': {k.decode(): v for k, v in wf.STREAM_FLAGS.items()}}
    if op == 'ffs':
        return {'hex': ffs(r['s'], r.get('fallback', False)).hex()}
    if op == 'makeframe':
        return {'hex': bytes(wf.makeframe(r['request'], r['stream'], r['streamflags'], r['type'],
                                          r['flags'], bytes.fromhex(r['payload']))).hex()}
    if op == 'parseheader':
        h = wf.parseheader(bytes.fromhex(r['hex']))
        return {'header': {'length': h.length, 'request': h.requestid, 'stream': h.streamid,
                           'streamflags': h.streamflags, 'type': h.typeid, 'flags': h.flags}}
    if op == 'readframes':
        fh = io.BytesIO(bytes.fromhex(r['hex']))
        frames = []
        try:
            while True:
                f = wf.readframe(fh)
                if f is None:
                    break
                frames.append(bytes(wf.makeframe(f.requestid, f.streamid, f.streamflags, f.typeid,
                                                 f.flags, f.payload)).hex())
        except Exception as e:
            return {'frames': frames, 'raise': exc(e)}
        return {'frames': frames}
    if op == 'humanflags':
        table = getattr(wf, r['table'], None)
        if not isinstance(table, dict) or not (r['table'] == 'STREAM_FLAGS' or r['table'].startswith('FLAGS_')):
            return {'error': {'type': 'NoSuchTable', 'text': r['table']}}
        return {'text': wf.humanflags(table, r['value']).decode()}
    if op == 'repr':
        return {'text': repr(wf.readframe(io.BytesIO(bytes.fromhex(r['hex']))))}
    raise ValueError('unknown op %r' % op)


for line in sys.stdin:
    r = json.loads(line)
    try:
        out = answer(r)
    except Exception as e:
        out = {'error': exc(e)}
    sys.stdout.write(json.dumps(out) + '\n')
    sys.stdout.flush()
'''


def mercurial_python():
    env = os.environ.get('HG724_PYTHON')
    if env:
        return env
    rel = os.path.join('adapters', 'mercurial', '.venv', 'bin', 'python')
    candidates = [os.path.join(ROOT, rel)]
    try:
        common = subprocess.run(['git', '-C', ROOT, 'rev-parse', '--path-format=absolute', '--git-common-dir'],
                                capture_output=True, text=True).stdout.strip()
        if common:
            candidates.append(os.path.join(os.path.dirname(common), rel))
    except OSError:
        pass
    for c in candidates:
        if os.access(c, os.X_OK):
            return c
    raise SystemExit('no interpreter with Mercurial %s: run adapters/mercurial/setup.sh, or set HG724_PYTHON '
                     '(looked for %s)' % (VERSION, ', '.join(candidates)))


class Mercurial:
    def __init__(self):
        self.python = mercurial_python()
        env = dict(os.environ, HGMODULEPOLICY='py')
        self.proc = subprocess.Popen([self.python, '-c', WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env=env)
        self.hello = self.ask(op='hello')
        if 'error' in self.hello:
            raise SystemExit('cannot import Mercurial with %s: %r' % (self.python, self.hello['error']))
        if self.hello['version'] != VERSION:
            raise SystemExit('%s has Mercurial %s; the vectors are checked against %s'
                             % (self.python, self.hello['version'], VERSION))
        self.types = self.hello['types']
        self.names = {v: k for k, v in self.types.items()}
        self.typeflags = {int(k): v for k, v in self.hello['typeflags'].items()}
        self.streamflags = self.hello['streamflags']

    def ask(self, **request):
        self.proc.stdin.write(json.dumps(request) + '\n')
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit('the Mercurial worker died (%s)' % self.python)
        return json.loads(line)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


# The Python 2 side: 4.8's makeframefromhumanstring, one JSON string a line
# in, {hex} or {error} a line out, after a first line that says what runs.
WORKER48 = r'''
import binascii, json, os, sys
os.environ['HGMODULEPOLICY'] = 'py'
hello = {'python': '%d.%d.%d' % tuple(sys.version_info[:3])}
if sys.version_info[:2] == (2, 7):
    sys.path.insert(0, sys.argv[1])
    try:
        from mercurial import __version__ as hgversion
        from mercurial import wireprotoframing as wf
        hello['version'] = hgversion.version
        hello['file'] = os.path.abspath(wf.__file__)
    except Exception as e:
        hello['error'] = '%s: %r' % (type(e).__name__, e)
sys.stdout.write(json.dumps(hello) + '\n')
sys.stdout.flush()
if 'file' not in hello:
    sys.exit(0)


def text(e):
    try:
        return str(e).decode('utf-8', 'replace')
    except Exception:
        return repr(e)


for line in iter(sys.stdin.readline, ''):
    s = json.loads(line).encode('utf-8')
    try:
        out = {'hex': binascii.hexlify(bytes(wf.makeframefromhumanstring(s)))}
    except Exception as e:
        out = {'error': {'type': type(e).__name__, 'text': text(e)}}
    sys.stdout.write(json.dumps(out) + '\n')
    sys.stdout.flush()
'''


class Unavailable(Exception):
    pass


class Mercurial48:
    """Mercurial 4.8's human strings under Python 2.7, started on first use.
    `skip` says why it is missing (no Python 2.7, no tree), `broken` why it
    is there but unusable; `ffs` raises Unavailable in either case."""

    def __init__(self):
        self.proc = None
        self.started = False
        self.skip = self.broken = None
        self.hello = {}

    def start(self):
        if self.started:
            return
        self.started = True
        module = os.path.join(HG48_PATH, 'mercurial', 'wireprotoframing.py')
        if not os.path.isfile(module):
            self.skip = 'no Mercurial %s tree: %s does not exist (set HG48_PATH)' % (VERSION48, module)
            return
        env = dict(os.environ, PYENV_VERSION='2.7.18', HGMODULEPOLICY='py')  # PYENV_VERSION: for pyenv's shim
        self.stderr = tempfile.TemporaryFile('w+')
        try:
            self.proc = subprocess.Popen([PY2, '-c', WORKER48, HG48_PATH], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=self.stderr, text=True, env=env)
        except OSError as e:
            self.skip = 'no Python 2.7: cannot run %s (%s; set PY2)' % (PY2, e)
            return
        line = self.proc.stdout.readline()
        try:
            self.hello = json.loads(line)
        except ValueError:
            self.proc.wait()
            self.stderr.seek(0)
            why = (self.stderr.read().strip() or line.strip() or 'exit status %s' % self.proc.returncode)
            self.skip = 'no Python 2.7: %s does not run (%s; set PY2)' % (PY2, why[-300:])
            self.proc = None
            return
        if not self.hello.get('python', '').startswith('2.7.'):
            self.skip = 'no Python 2.7: %s is Python %s (set PY2)' % (PY2, self.hello.get('python'))
        elif 'error' in self.hello:
            self.broken = 'cannot import Mercurial from %s with %s: %s' % (HG48_PATH, PY2, self.hello['error'])
        elif self.hello.get('version') != VERSION48:
            self.broken = '%s has Mercurial %s, not %s' % (HG48_PATH, self.hello.get('version'), VERSION48)
        elif not self.hello['file'].startswith(os.path.realpath(HG48_PATH) + os.sep) and \
                not self.hello['file'].startswith(os.path.abspath(HG48_PATH) + os.sep):
            self.broken = '%s imports wireprotoframing from %s, not from %s' % (PY2, self.hello['file'], HG48_PATH)
        if self.skip or self.broken:
            self.close()

    def ffs(self, s):
        self.start()
        if self.skip or self.broken:
            raise Unavailable(self.skip or self.broken)
        self.proc.stdin.write(json.dumps(s) + '\n')
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            self.stderr.seek(0)
            raise SystemExit('the Mercurial %s worker died (%s): %s' % (VERSION48, PY2, self.stderr.read()[-2000:]))
        return json.loads(line)

    def describe(self):
        if self.skip or self.broken:
            return 'Mercurial %s (Python 2): %s' % (VERSION48, self.skip or self.broken)
        return 'Mercurial %s (%s, Python %s), %s' % (self.hello['version'], PY2, self.hello['python'],
                                                     self.hello['file'])

    def close(self):
        if self.proc:
            self.proc.stdin.close()
            self.proc.wait()
            self.proc = None


# ---------------------------------------------------------------- values

def bytes_of(spec):
    """A vector's bytes: a Python bytes literal, a repetition, or parts."""
    if isinstance(spec, dict):
        return bytes_of(spec['repeat']) * spec['count']
    if isinstance(spec, list):
        return b''.join(bytes_of(p) for p in spec)
    value = ast.literal_eval(spec)
    if not isinstance(value, bytes):
        raise ValueError('not a bytes literal: %r' % (spec,))
    return value


esc = bytes_literal


class Problem(Exception):
    pass


def frame_hex(hg, spec):
    """The bytes of a frame a vector writes (a human string, or a header and
    a payload apart), as the loader makes them."""
    if isinstance(spec, str):
        r = hg.ask(op='ffs', s=spec, fallback=True)
        if 'error' in r:
            raise Problem('7.2.4 cannot make the frame %r: %r' % (spec, r['error']))
        return r['hex']
    head = bytes.fromhex(frame_hex(hg, spec['header'] + ' '))
    payload = bytes_of(spec['payload'])
    n = len(payload)
    return (bytes([n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff]) + head[3:8] + payload).hex()


def human_of(hg, hexframe):
    """A frame as a human string, with 7.2.4's names (for `fill`)."""
    b = bytes.fromhex(hexframe)
    request, stream, sflags = int.from_bytes(b[3:5], 'little'), b[5], b[6]
    typeid, flags, payload = b[7] >> 4, b[7] & 15, b[8:]

    def names(table, value):
        parts, rest = [], value
        for name, bit in table.items():
            if value & bit:
                parts.append(name)
                rest &= ~bit
        if rest:
            parts.append(str(rest))
        return '|'.join(parts) or '0'

    text = esc(payload)[2:-1].replace("\\'", "'")
    if text.startswith('cbor:'):
        text = '\\x63' + text[1:]
    return '%d %d %s %s %s %s' % (request, stream, names(hg.streamflags, sflags),
                                  hg.names.get(typeid, str(typeid)),
                                  names(hg.typeflags.get(typeid, {}), flags), text)


# ---------------------------------------------------------------- steps

def op_of(step):
    ops = [k for k in step if k not in ('on', 'pull', 'expect')]
    if len(ops) != 1:
        raise Problem('a step has exactly one operation, not %r' % (ops,))
    if ops[0] not in CODEC_OPS:
        raise Problem('%s is not a codec operation this script checks' % ops[0])
    return ops[0]


def raised(err, op):
    """7.2.4's exception as the vectors write it, and a note for -v."""
    note = err['type'] + (': ' + err['text'] if 'text' in err else
                          ': ' + bytes.fromhex(err['message']).decode('utf-8', 'replace') if 'message' in err else '')
    if op == 'humanstring':
        return {'kind': 'decode'}, note
    t = err['type']
    if t == 'ProgrammingError':
        return {'kind': 'programming', 'message': bytes.fromhex(err['message']).decode('utf-8', 'replace')}, note
    if t == 'Abort':
        return {'kind': 'abort', 'message': esc(bytes.fromhex(err['message']))}, note
    if t == 'AssertionError':
        return {'kind': 'assertion'}, note
    return {'kind': 'accidental', 'type': t}, note


def human_outcome(r):
    """A makeframefromhumanstring answer in the comparable form."""
    return {'raise': {'kind': 'decode'}} if 'error' in r else {'hex': r['hex']}


def run_step(hg, hg48, vector, step):
    """The oracle's outcome of a step in the vector's `expect` form, its
    comparable form, notes, and for a `humanstring` step of a `python2`
    vector whether 7.2.4's outcome differs from 4.8's (else None)."""
    op = op_of(step)
    arg = step[op]
    tags = set(vector.get('tags') or [])
    notes = []
    differs = None
    label = ''  # whose exception a note shows, when not 7.2.4's
    if 'python2' in tags and 'extension' in tags:
        raise Problem('tagged both python2 (Python 2 reads it, 4.8 is the oracle) and extension (Python 2 refuses it)')
    if op == 'humanstring':
        r = hg.ask(op='ffs', s=arg)
        if 'python2' in tags:
            r48 = hg48.ffs(arg)
            differs = human_outcome(r) != human_outcome(r48)
            notes.append('7.2.4 %s: %s' % ('differs' if differs else 'agrees',
                                           r['hex'] if 'hex' in r else raised(r['error'], op)[1]))
            r = r48
            label = '%s (Python 2) ' % VERSION48
        elif 'extension' in tags:
            r48 = hg48.ffs(arg)
            if 'error' not in r48:
                raise Problem('tagged extension, but Mercurial %s (Python 2) accepts %r: %s'
                              % (VERSION48, arg, r48['hex']))
            notes.append('%s (Python 2) refuses it (%s)' % (VERSION48, raised(r48['error'], op)[1]))
            if 'error' in r:
                notes.append('7.2.4 refuses it too (%s); the numeric-flags extension gives the bytes'
                             % raised(r['error'], op)[1])
                r = hg.ask(op='ffs', s=arg, fallback=True)
            else:
                notes.append('7.2.4 accepts it')
    elif op == 'makeframe':
        r = hg.ask(op='makeframe', request=arg['request'], stream=arg['stream'], streamflags=arg['streamflags'],
                   type=arg['type'], flags=arg['flags'], payload=bytes_of(arg['payload']).hex())
    elif op == 'parseheader':
        r = hg.ask(op='parseheader', hex=arg)
        if 'header' in r:
            d = bytes.fromhex(arg)
            true = d[0] | d[1] << 8 | d[2] << 16
            buggy = d[0] + 256 * d[1] + 16384 * d[2]
            if r['header']['length'] != buggy:
                raise Problem('7.2.4 reads length %d, not the seed formula\'s %d' % (r['header']['length'], buggy))
            if 'length-16384' in tags:
                if true == buggy:
                    raise Problem('tagged length-16384, but the length %d reads right' % true)
                notes.append('7.2.4 reads length %d; the operation reads the true %d' % (buggy, true))
                r['header']['length'] = true
            elif true != buggy:
                raise Problem('length %d reads as %d in 7.2.4: tag the vector length-16384' % (true, buggy))
    elif op == 'readframes':
        if isinstance(arg, str):
            data = arg
        else:
            data = ''.join(frame_hex(hg, f) for f in arg['frames']) + arg.get('trailing', '')
        r = hg.ask(op='readframes', hex=data)
    elif op == 'humanflags':
        r = hg.ask(op='humanflags', table=arg['table'], value=arg['value'])
    elif op == 'repr':
        r = hg.ask(op='repr', hex=frame_hex(hg, arg))
    if 'error' in r:
        rz, note = raised(r['error'], op)
        notes.append(label + note)
        return {'raise': rz}, {'raise': rz}, notes, differs
    if op in ('humanstring', 'makeframe'):
        return {'hex': r['hex']}, {'hex': r['hex']}, notes, differs
    if op == 'parseheader':
        return {'header': r['header']}, {'header': r['header']}, notes, differs
    if op in ('humanflags', 'repr'):
        return {'text': r['text']}, {'text': r['text']}, notes, differs
    # readframes
    spec = {'frames': [human_of(hg, h) for h in r['frames']], 'end': True}
    cmp = {'frames': list(r['frames']), 'end': True}
    if 'raise' in r:
        rz, note = raised(r['raise'], op)
        notes.append(note)
        spec['raise'] = cmp['raise'] = rz
    return spec, cmp, notes, differs


def comparable(hg, op, expect):
    """A vector's `expect` in the form run_step compares."""
    out = dict(expect)
    if 'hex' in out:
        out['hex'] = str(out['hex']).lower()
    if 'frames' in out:
        out['frames'] = [frame_hex(hg, f) for f in out['frames']]
    if 'raise' in out:
        rz = dict(out['raise'])
        # Classes are the suite's names, which 7.2.4 does not have; a
        # message is compared as bytes.
        rz.pop('class', None)
        if rz.get('kind') == 'abort' and 'message' in rz:
            rz['message'] = esc(bytes_of(rz['message']))
        out['raise'] = rz
    return out


# ---------------------------------------------------------------- files

def load(path):
    with open(path, encoding='utf-8') as f:
        doc = yaml.safe_load(f)
    problems = []
    if doc.get('format') != FORMAT:
        problems.append('format is %r, not %d' % (doc.get('format'), FORMAT))
    if doc.get('protocol') != PROTOCOL:
        problems.append('protocol is %r, not %s' % (doc.get('protocol'), PROTOCOL))
    if not doc.get('description'):
        problems.append('no description')
    return doc, problems


def check(paths, verbose):
    hg = Mercurial()
    hg48 = Mercurial48()
    print('Mercurial %s (%s), %s' % (hg.hello['version'], hg.python, hg.hello['file']))
    failed = total = skipped = 0
    seen = {}
    for path in paths:
        doc, problems = load(path)
        for p in problems:
            print('FAIL %s: %s' % (path, p))
            failed += 1
        for vector in doc.get('vectors') or []:
            total += 1
            vid = vector.get('id', '?')
            errors, notes = [], []
            if vid in seen:
                errors.append('id already used in %s' % seen[vid])
            seen[vid] = path
            if not str(vid).startswith('0006/'):
                errors.append('the id does not start with 0006/')
            if not vector.get('description'):
                errors.append('no description')
            if vector.get('target') != {'kind': 'codec'}:
                errors.append('target is %r, not {kind: codec}' % (vector.get('target'),))
            tags = set(vector.get('tags') or [])
            py2tags = sorted(tags & set(PY2_TAGS))
            skip = blocked = None
            if len(py2tags) == 2:
                blocked = ('tagged both python2 (Python 2 reads it, 4.8 is the oracle) and extension '
                           '(Python 2 refuses it)')
            elif py2tags:
                if not hg48.started:
                    hg48.start()
                    print(hg48.describe())
                if hg48.skip:
                    skip = hg48.skip
                elif hg48.broken:
                    blocked = 'tagged %s: %s' % (', '.join(py2tags), hg48.broken)
            if blocked:
                errors.append(blocked)
            differs = []
            if not (skip or blocked):
                for i, step in enumerate(vector.get('steps') or []):
                    try:
                        if 'expect' not in step:
                            raise Problem('no expect (run fill)')
                        _, got, n, d = run_step(hg, hg48, vector, step)
                        if d is not None:
                            differs.append(d)
                        oracle = VERSION48 if 'python2' in tags and op_of(step) == 'humanstring' else VERSION
                        want = comparable(hg, op_of(step), step['expect'])
                        notes.extend('step %d: %s' % (i, x) for x in n)
                        if want != got:
                            errors.append('step %d:\n    vector: %s\n    %-6s  %s'
                                          % (i, json.dumps(want), oracle + ':', json.dumps(got)))
                    except Problem as e:
                        errors.append('step %d: %s' % (i, e))
                if 'python2' in tags and not differs:
                    errors.append('tagged python2, but it has no humanstring step: the tag is wrong')
                elif 'python2' in tags and not any(differs):
                    errors.append('tagged python2, but 7.2.4 (Python 3) gives what %s (Python 2) gives for every '
                                  'humanstring step: the tag is wrong' % VERSION48)
            if not vector.get('steps'):
                errors.append('no steps')
            status = 'FAIL' if errors else 'SKIP' if skip else 'OK  '
            print('%s %s' % (status, vid))
            if status == 'SKIP':
                print('  tagged %s: %s' % (', '.join(py2tags), skip))
            for e in errors:
                print('  ' + e)
            if verbose:
                for n in notes:
                    print('  . ' + n)
            failed += bool(errors)
            skipped += status == 'SKIP'
    hg.close()
    hg48.close()
    summary = '%d vectors, %d failed' % (total, failed)
    if skipped:
        summary += ', %d skipped (%s)' % (skipped, hg48.skip)
    print(summary)
    return 1 if failed or not total else 0


def fill(paths):
    sys.path.insert(0, HERE)
    from oracle_vectors import Dumper  # the suite's YAML style
    hg = Mercurial()
    hg48 = Mercurial48()
    for path in paths:
        doc, problems = load(path)
        if problems:
            raise SystemExit('%s: %s' % (path, '; '.join(problems)))
        n = 0
        for vector in doc['vectors']:
            for i, step in enumerate(vector['steps']):
                if 'expect' not in step:
                    try:
                        step['expect'] = run_step(hg, hg48, vector, step)[0]
                    except (Problem, Unavailable) as e:
                        raise SystemExit('%s: %s step %d: %s' % (path, vector.get('id'), i, e))
                    n += 1
        with open(path, 'w', encoding='utf-8') as f:
            yaml.dump(doc, f, Dumper=Dumper, sort_keys=False, allow_unicode=False, width=1000)
        print('filled %d steps of %s' % (n, path))
    hg.close()
    hg48.close()


def show(strings):
    hg = Mercurial()
    hg48 = Mercurial48()
    for s in strings:
        r = hg.ask(op='ffs', s=s)
        print('%r\n  %-6s %s' % (s, VERSION + ':', r['hex'] if 'hex' in r else raised(r['error'], 'humanstring')[1]))
        try:
            r = hg48.ffs(s)
            print('  %-6s %s' % (VERSION48 + ':', r['hex'] if 'hex' in r else raised(r['error'], 'humanstring')[1]))
        except Unavailable as e:
            print('  %-6s unavailable: %s' % (VERSION48 + ':', e))
    hg.close()
    hg48.close()


def main():
    args = sys.argv[1:]
    if not args or args[0] not in ('check', 'fill', 'show'):
        raise SystemExit(__doc__)
    cmd, rest = args[0], args[1:]
    if cmd == 'show':
        show(rest)
        return 0
    verbose = '-v' in rest
    paths = [p for p in rest if p != '-v']
    if not paths:
        raise SystemExit('no vector files given')
    if cmd == 'fill':
        fill(paths)
        return 0
    return check(paths, verbose)


if __name__ == '__main__':
    sys.exit(main())

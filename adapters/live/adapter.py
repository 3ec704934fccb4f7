#!/usr/bin/env python3
"""An hgframe driver-protocol adapter for a live Mercurial server.

The suite's frames go over a real transport: HTTP to ``hg serve``. The
adapter starts ``hg serve`` on a loopback port, on a throw-away repository,
with the experimental HTTP API and its ``debugreflect`` route enabled. That
route feeds the frames of a POST body, one by one, to a fresh server
reactor and answers with one line per frame received, one JSON line per
action, and a last JSON line for ``oninputeof``. The adapter turns those
lines back into driver-protocol answers (docs/driver-protocol.md).

The driver protocol asks for one step at a time; a POST holds a whole
input. So each ``recv`` step POSTs every frame of the vector so far, and
answers with the last frame's action (the earlier ones must come out as
they did before, or the adapter says so). ``oninputeof`` is the last line
of the same POST. What the route cannot express is answered
``unimplemented`` with the reason: the response calls, ``deferoutput``,
steps after an exception or after ``oninputeof``, and actions the route
cannot render.

The server dies with the adapter: it is started with Linux's
PR_SET_PDEATHSIG, so that even a SIGKILL of the adapter kills it, and the
adapter stops it itself on ``bye``, at the end of its input and on
SIGTERM. The throw-away directory of an adapter that was killed is removed
by the next adapter to start.

Run through an entry point that names the Mercurial (adapters/README.md):

    adapter.py --path /api/exp-http-v2-0001/ro/debugreflect \\
        --media-type application/mercurial-exp-framing-0005 \\
        --render python-json --python 2 -- HG-COMMAND...

See adapters/live/README.md for what is exact and what is not.
"""

import argparse
import ast
import codecs
import ctypes
import errno
import fcntl
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import traceback

PROTOCOL = 2
# Every throw-away directory starts so: the sweep of leftovers looks for it.
TMP_PREFIX = 'hgframe-live-'
# The file in it on which its adapter holds an exclusive flock as long as
# it runs (the kernel lets go of it when the adapter dies, however it
# dies); it also holds the adapter's pid, for a person to read.
LOCK = 'adapter.lock'
# Where an earlier version of the adapter wrote its pid, instead of a lock.
OWNER = 'adapter.pid'
# A directory without a lock file is left over once it has not changed for
# so many seconds: an adapter locks its directory right after making it.
STALE = 60
PR_SET_PDEATHSIG = 1


def log(message):
    sys.stderr.write('adapters/live: %s\n' % message)
    sys.stderr.flush()


class Unimplemented(Exception):
    """What the route cannot express: answered ``unimplemented``."""


class Failure(Exception):
    """The adapter or the server failed: answered ``error``."""


# ---- the server -------------------------------------------------------------

def die_with_parent(parent):
    """A preexec_fn: the child gets SIGKILL when the adapter dies, however
    it dies. The check of the parent after prctl closes the window in
    which the adapter died before the request was made."""
    libc = ctypes.CDLL(None, use_errno=True)

    def preexec():
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            os._exit(126)
        if os.getppid() != parent:
            os._exit(126)
    return preexec


def check_pdeathsig():
    """PR_SET_PDEATHSIG is the only way this adapter keeps the server from
    outliving it; refuse to run without it."""
    if not sys.platform.startswith('linux'):
        raise Failure('the live adapter needs Linux (PR_SET_PDEATHSIG), so that '
                      'hg serve cannot outlive it; this is %s' % sys.platform)
    try:
        ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError) as e:
        raise Failure('the live adapter needs prctl(PR_SET_PDEATHSIG) from libc: %s' % e)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lock_dir(path):
    """Takes the exclusive flock of the new directory ``path``, for as long
    as the adapter runs: the lock file is made and locked under another
    name, then renamed, so that no sweep sees it unlocked."""
    tmp = os.path.join(path, '.%s.new' % LOCK)
    fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, b'%d\n' % os.getpid())
        os.rename(tmp, os.path.join(path, LOCK))
    except BaseException:
        os.close(fd)
        raise
    return fd


def left_over_without_lock(path, st):
    """Whether ``path``, which has no lock file, is left over: unchanged
    for STALE seconds (an adapter locks its directory at once), and if an
    earlier adapter wrote its pid there, that process is gone."""
    if time.time() - st.st_mtime < STALE:
        return False
    try:
        with open(os.path.join(path, OWNER)) as f:
            return not pid_alive(int(f.read().strip()))
    except (OSError, ValueError):
        return True


def remove_left_over(path, why):
    try:
        shutil.rmtree(path)
    except FileNotFoundError:
        pass
    except OSError as e:
        log('could not remove %s, %s: %s' % (path, why, e))
        return
    if os.path.lexists(path):
        log('could not remove %s, %s: it is still there' % (path, why))
    else:
        log('removed %s, %s' % (path, why))


def sweep_leftovers():
    """Removes the throw-away directories of adapters that died without
    cleaning up (a SIGKILL): those whose lock nobody holds. Pids are not
    trusted: a pid can be reused, and an adapter in another PID namespace
    that shares /tmp has pids this one cannot see; a flock is released
    only when its holder is gone."""
    root = tempfile.gettempdir()
    try:
        names = os.listdir(root)
    except OSError:
        return
    for name in names:
        if not name.startswith(TMP_PREFIX):
            continue
        path = os.path.join(root, name)
        try:
            st = os.lstat(path)
        except OSError:
            continue
        # Only this user's directories (not a link, nor another's).
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
            continue
        try:
            fd = os.open(os.path.join(path, LOCK), os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:
            if left_over_without_lock(path, st):
                remove_left_over(path, 'which had no lock for %d s' % STALE)
            continue
        except OSError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as e:
                if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    log('cannot lock %s: %s' % (os.path.join(path, LOCK), e))
                continue        # its adapter runs
            # Its adapter may have removed it itself just now, before it
            # let go of the lock.
            if os.path.lexists(path):
                remove_left_over(path, 'whose adapter is gone')
        finally:
            os.close(fd)


def hg_env():
    env = dict(os.environ)
    # A throw-away server: no user or system configuration, plain output.
    env['HGRCPATH'] = ''
    env['HGPLAIN'] = '1'
    env.pop('HGPLAINEXCEPT', None)
    return env


class Server:
    """``hg serve`` on a loopback port, on a repository of its own."""

    def __init__(self, hg, path, media_type, timeout):
        self.hg = hg
        self.path = path
        self.media_type = media_type
        self.timeout = timeout
        self.proc = None
        self.port = None
        self.threads = []     # those that read the server's output
        self.dir = tempfile.mkdtemp(prefix=TMP_PREFIX)
        try:
            self.lock = lock_dir(self.dir)
        except BaseException:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise
        self.errorlog = os.path.join(self.dir, 'error.log')
        self.logged = 0
        # One deadline for the whole start, which answers the handshake (or
        # a vector's start, after a restart) and must come within the
        # runner's time for one answer: each part gets what is left.
        deadline = time.monotonic() + timeout
        try:
            self.version = self._version(deadline)
            self._start(deadline)
        except BaseException:
            self.stop()
            raise

    def _left(self, deadline, what):
        """The seconds left before ``deadline``, for ``what``; a Failure if
        none are."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise Failure('hg serve did not start within %g s: no time was left for %s'
                          % (self.timeout, what))
        return left

    def _run(self, args, deadline):
        timeout = self._left(deadline, 'hg %s' % args[0])
        try:
            # Tied to the adapter as hg serve is: a SIGKILL of the adapter
            # during hg version or hg init must not leave them running.
            done = subprocess.run(self.hg + args, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env=hg_env(), timeout=timeout,
                                  preexec_fn=die_with_parent(os.getpid()))
        except subprocess.TimeoutExpired:
            raise Failure('hg serve did not start within %g s: %s did not end in the '
                          '%.2g s left' % (self.timeout, ' '.join(self.hg + args), timeout))
        except OSError as e:
            raise Failure('%s: %s' % (' '.join(self.hg + args), e))
        if done.returncode != 0:
            raise Failure('%s exited with %d: %s' % (
                ' '.join(self.hg + args), done.returncode,
                done.stderr.decode('utf-8', 'replace').strip()))
        return done.stdout

    def _version(self, deadline):
        out = self._run(['version', '-q'], deadline).decode('utf-8', 'replace')
        m = re.search(r'\(version ([^)]+)\)', out)
        if not m:
            raise Failure('hg version -q did not give a version: %r' % out)
        return m.group(1)

    def _start(self, deadline):
        repo = os.path.join(self.dir, 'repo')
        self._run(['init', repo], deadline)
        # web.port=0 rather than -p 0: with an explicit -p, hg serve does
        # not print where it listens. The kernel picks a free port and the
        # server says which: no port is guessed.
        args = self.hg + [
            '-R', repo, 'serve', '-a', '127.0.0.1',
            '--config', 'web.port=0',
            '-A', os.devnull, '-E', self.errorlog,
            '--config', 'experimental.web.apiserver=true',
            '--config', 'experimental.web.api.http-v2=true',
            '--config', 'experimental.web.api.debugreflect=true',
        ]
        self.proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=hg_env(),
            preexec_fn=die_with_parent(os.getpid()))
        lines = []
        port = []

        def read():
            # The first line says where it listens; the rest goes to our
            # standard error, which the runner keeps with the vector.
            for line in self.proc.stdout:
                if not port:
                    m = re.search(rb'\(bound to [^\s]*:(\d+)\)', line)
                    if m:
                        port.append(int(m.group(1)))
                        continue
                lines.append(line)
                sys.stderr.write('hg serve: %s' % line.decode('utf-8', 'replace'))
                sys.stderr.flush()

        def forward():
            for line in self.proc.stderr:
                lines.append(line)
                sys.stderr.write('hg serve: %s' % line.decode('utf-8', 'replace'))
                sys.stderr.flush()

        self.threads = [threading.Thread(target=read, daemon=True),
                        threading.Thread(target=forward, daemon=True)]
        for t in self.threads:
            t.start()
        while not port:
            if self.proc.poll() is not None:
                time.sleep(0.1)
                raise Failure('hg serve exited with %d before it listened: %s' % (
                    self.proc.returncode, b''.join(lines).decode('utf-8', 'replace').strip()))
            if time.monotonic() > deadline:
                raise Failure('hg serve did not start within %g s: it had not said where '
                              'it listens' % self.timeout)
            time.sleep(0.02)
        self.port = port[0]
        # The route must answer an empty input, or nothing else will work.
        status, body, _ = self.post(b'', deadline)
        if status != 200:
            raise Failure('POST %s answered %d: %s' % (
                self.path, status, body.decode('utf-8', 'replace').strip()))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def post(self, body, deadline=None):
        """POSTs ``body`` to the route: (status, body, what the error log
        gained meanwhile). HTTP/1.0, so that the response ends when the
        server closes the connection, which it does after it has written
        its error log. The whole exchange must end by ``deadline`` (by
        default the timeout from now)."""
        if deadline is None:
            deadline = time.monotonic() + self.timeout

        def left():
            t = deadline - time.monotonic()
            if t <= 0:
                raise TimeoutError('no whole answer within %g s' % self.timeout)
            return t

        request = b''.join([
            b'POST %s HTTP/1.0\r\n' % self.path.encode('ascii'),
            b'Host: 127.0.0.1:%d\r\n' % self.port,
            b'Content-Type: %s\r\n' % self.media_type.encode('ascii'),
            b'Accept: %s\r\n' % self.media_type.encode('ascii'),
            b'Content-Length: %d\r\n' % len(body),
            b'\r\n', body])
        chunks = []
        try:
            with socket.create_connection(('127.0.0.1', self.port), timeout=left()) as s:
                s.settimeout(left())
                s.sendall(request)
                while True:
                    s.settimeout(left())
                    chunk = s.recv(1 << 16)
                    if not chunk:
                        break
                    chunks.append(chunk)
        except OSError as e:
            state = 'running' if self.alive() else 'exited with %s' % self.proc.returncode
            raise Failure('POST to hg serve on port %d: %s (hg serve %s)' % (self.port, e, state))
        response = b''.join(chunks)
        head, sep, content = response.partition(b'\r\n\r\n')
        m = re.match(rb'HTTP/\d\.\d (\d{3})', head)
        if not sep or not m:
            raise Failure('not an HTTP response: %r' % response[:200])
        length = re.search(rb'(?im)^content-length:\s*(\d+)\s*$', head)
        if length and len(content) != int(length.group(1)):
            raise Failure('a response of %d bytes where Content-Length says %s'
                          % (len(content), length.group(1).decode()))
        return int(m.group(1)), content, self._log()

    def _log(self):
        try:
            with open(self.errorlog, 'rb') as f:
                f.seek(self.logged)
                new = f.read()
        except FileNotFoundError:
            return b''
        self.logged += len(new)
        return new

    def stop(self):
        # SIGKILL: the server has nothing to save, and on SIGTERM it would
        # write "killed!" into the last vector's report.
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        # The readers end at the end of the server's output, which its
        # death closes. They must be gone before the next server starts:
        # a preexec_fn runs in a fork of this process, and forking while
        # another thread runs is safe only as long as that thread holds no
        # lock the child needs (the stderr they write to has one).
        for t in self.threads:
            t.join(timeout=2)
            if t.is_alive():
                log('a reader of hg serve %d did not end within 2 s' % self.proc.pid)
        self.threads = []
        # Removed before the lock is let go of: no sweep can take it for
        # a leftover meanwhile.
        shutil.rmtree(self.dir, ignore_errors=True)
        if self.lock is not None:
            os.close(self.lock)
            self.lock = None


# ---- what the route says ------------------------------------------------------

def _utf8b(error):
    """Mercurial's UTF-8b (encoding.toutf8b) backwards: U+DC80 to U+DCFF
    stand for the bytes 0x80 to 0xff that were not UTF-8; any other
    surrogate was in the bytes as such (toutf8b lets CESU-8 surrogates
    through)."""
    chars = error.object[error.start:error.end]
    out = bytearray()
    for c in chars:
        n = ord(c)
        if 0xdc80 <= n <= 0xdcff:
            out.append(n - 0xdc00)
        else:
            out += c.encode('utf-8', 'surrogatepass')
    return bytes(out), error.end


codecs.register_error('hgframe-utf8b', _utf8b)


class Renderer:
    """How the route turned an action into JSON, and back.

    ``python-json`` (Mercurial 4.7, Python 2): ``json.dumps``, which decodes
    byte strings as UTF-8 (Python 2's decoder lets encoded surrogates
    through) and fails on any other. ``hg-json`` (Mercurial 4.8 to 6.0):
    ``templatefilters.json``, which writes byte strings as UTF-8b: every byte
    that is not UTF-8 as U+DC80 to U+DCFF."""

    def __init__(self, name):
        self.name = name
        self.errors = {'python-json': 'surrogatepass', 'hg-json': 'hgframe-utf8b'}[name]

    # An escaped high surrogate right after an unescaped backslash, then an
    # escaped low one.
    PAIR = re.compile(rb'(?<!\\)(?:\\\\)*\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})', re.I)

    def check(self, line):
        """Refuses an action line whose bytes cannot be told: a string that
        holds a surrogate pair escape which stands for more than one byte
        string. json.loads joins the pair into one character, the UTF-8 of
        which need not be what the server held.

        ``python-json``: every pair. Python 2's UTF-8 decoder lets encoded
        surrogates through, so the four-byte UTF-8 of U+1F480 and its two
        surrogates encoded one by one (CESU-8, ``ed a0 bd ed b2 80``) are
        both written ``\\ud83d\\udc80``.

        ``hg-json``: a pair whose low half is U+DC80 to U+DCFF, which UTF-8b
        also writes for a byte 0x80 to 0xff that is not UTF-8, after an
        encoded high surrogate (which toutf8b lets through): U+1F480 and
        ``ed a0 bd 80`` are both ``\\ud83d\\udc80``. Any other pair can
        only be a character beyond the BMP (toutf8b writes an encoded low
        surrogate byte by byte), which json.loads reads exactly."""
        for m in self.PAIR.finditer(line):
            high, low = int(m.group(1), 16), int(m.group(2), 16)
            if self.name == 'hg-json' and not 0xdc80 <= low <= 0xdcff:
                continue
            c = chr(0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00))
            if self.name == 'hg-json':
                other = ('the encoded surrogate U+%04X followed by the byte 0x%02x (UTF-8b)'
                         % (high, low - 0xdc00))
            else:
                other = 'its two surrogates encoded one by one (CESU-8, %s)' % (
                    (chr(high) + chr(low)).encode('utf-8', 'surrogatepass').hex())
            raise Unimplemented(
                'the debugreflect route writes both the UTF-8 of U+%04X (%s) and %s as '
                '\\u%04x\\u%04x (%s): which bytes the server held cannot be told'
                % (ord(c), c.encode('utf-8').hex(), other, high, low,
                   {'python-json': 'json.dumps', 'hg-json': 'templatefilters.json'}[self.name]))

    def bytes(self, s):
        return s.encode('utf-8', self.errors)

    # How json.dumps writes an integer, None, boolean or float map key.
    KEYLIKE = re.compile(r'null|true|false|NaN|-?Infinity|-?\d+(\.\d+)?([eE][-+]?\d+)?')

    def value(self, j):
        """A JSON value of the route as typed JSON: a string is a byte
        string (the route writes bytes and text alike), an object a map with
        byte-string keys.

        What would read as a value other than the server's, and so could
        make a vector pass wrongly, is unimplemented: under python-json a
        map key that reads as a number, null or a boolean (json.dumps writes
        such keys of any type as strings: b'1' and 1 are both "1"), under
        hg-json an array (templatefilters.json writes a set as one, as it
        writes a list). Text and bytes are both strings in both, and are
        read as bytes: refusing them would refuse every string (README)."""
        if j is None or isinstance(j, bool):
            return j
        if isinstance(j, int):
            return j if -2**63 <= j < 2**64 else {'int': str(j)}
        if isinstance(j, float):
            return {'float': j if j == j and abs(j) != float('inf') else repr(j)}
        if isinstance(j, str):
            return {'bytes': self.bytes(j).hex()}
        if isinstance(j, Pairs):
            for k, _ in j:
                if self.name == 'python-json' and self.KEYLIKE.fullmatch(k):
                    raise Unimplemented(
                        'the debugreflect route writes an integer, None, boolean or float map '
                        'key as a JSON string (json.dumps), as it writes a byte string: the '
                        'key "%s" may be either' % k)
            return {'map': [[{'bytes': self.bytes(k).hex()}, self.value(v)] for k, v in j]}
        if isinstance(j, list):
            if self.name == 'hg-json':
                raise Unimplemented(
                    'the debugreflect route writes a set as a JSON array, as it writes a '
                    'list (templatefilters.json): which the server held cannot be told')
            return [self.value(x) for x in j]
        raise Failure('cannot read %r' % (j,))


class Pairs(list):
    """A JSON object, its members in order, repeated keys kept."""


def loads(line):
    return json.loads(line.decode('utf-8'), object_pairs_hook=Pairs)


def member(pairs, key):
    found = [v for k, v in pairs if k == key]
    if len(found) != 1:
        raise Failure('%d members %r in %r' % (len(found), key, pairs))
    return found[0]


def action_outcome(renderer, action, meta):
    """The driver protocol's outcome for one action line."""
    keys = sorted(k for k, _ in meta)
    if action == 'runcommand':
        extra = set(keys) - {'args', 'command', 'data', 'requestid', 'redirect'}
        if extra:
            raise Failure('runcommand with unknown fields %s' % sorted(extra))
        if 'redirect' in keys and member(meta, 'redirect') is not None:
            raise Unimplemented(
                'the runcommand action carries a content redirect (%r), which the '
                "driver protocol's runcommand cannot express" % (member(meta, 'redirect'),))
        data = member(meta, 'data')
        return {'action': 'runcommand', 'request': member(meta, 'requestid'),
                'command': renderer.value(member(meta, 'command')),
                'args': renderer.value(member(meta, 'args')),
                'data': None if data is None else renderer.bytes(data).hex()}
    if action == 'wantframe' and keys == ['state']:
        return {'action': 'wantframe', 'state': member(meta, 'state')}
    if action == 'noop' and keys == []:
        return {'action': 'noop'}
    if action == 'error' and keys == ['message']:
        # The driver protocol's error message is a string: the message's
        # UTF-8, as the in-process adapters send it (the seed's messages
        # are ASCII with numbers in them).
        message = renderer.bytes(member(meta, 'message'))
        return {'action': 'error', 'message': message.decode('utf-8', 'replace')}
    raise Failure('an action the adapter does not know: %r %r' % (action, meta))


RECEIVED = re.compile(rb'received: (\d+) (\d+) (\d+) ')
NO_FRAME = b'received: <no frame>\n'


def parse_reflection(body, frames, renderer):
    """The route's body for ``frames``: the list of (action, meta) per
    frame, and the ``oninputeof`` object. Each frame's line must show it as
    it was sent (type, flags, request id and payload): the payload can hold
    newlines, so it is matched with what was sent rather than split."""
    pos = 0
    actions = []
    for index, frame in enumerate(frames):
        m = RECEIVED.match(body, pos)
        if not m:
            raise Failure('frame %d: no "received:" line at byte %d of %r'
                          % (index, pos, body[pos:pos + 80]))
        typeid, flags = frame[7] >> 4, frame[7] & 0x0f
        request = frame[3] | frame[4] << 8
        payload = frame[8:]
        got = tuple(int(x) for x in m.groups())
        if got != (typeid, flags, request) or not body.startswith(payload + b'\n', m.end()):
            # The payload it read ends where its action line begins, at
            # best a guess when the payload holds a newline and a '['.
            action = body.find(b'\n[', m.end())
            if action >= 0:
                read = '%d bytes' % (action - m.end())
            else:
                read, action = 'a payload', len(body)
            raise Failure('frame %d: the server read it otherwise than it was sent: type, '
                          'flags, request %s and %s (%r); sent %s and %d bytes (%r)'
                          % (index, got, read, body[m.end():action][:40],
                             (typeid, flags, request), len(payload), payload[:40]))
        start = m.end() + len(payload) + 1
        end = body.find(b'\n', start)
        if end < 0:
            raise Failure('frame %d: no action line after it' % index)
        renderer.check(body[start:end])
        line = loads(body[start:end])
        if not (isinstance(line, list) and len(line) == 2 and isinstance(line[0], str)
                and isinstance(line[1], Pairs)):
            raise Failure('frame %d: not an [action, meta] line: %r' % (index, body[start:end]))
        actions.append((line[0], line[1]))
        pos = end + 1
    if not body.startswith(NO_FRAME, pos):
        raise Failure('more frames read than sent: %r' % body[pos:pos + 80])
    renderer.check(body[pos + len(NO_FRAME):])
    final = loads(body[pos + len(NO_FRAME):])
    if not isinstance(final, Pairs):
        raise Failure('the oninputeof line is not an object: %r' % (final,))
    return actions, final


TRACEBACK = b'Traceback (most recent call last):\n'
FRAME = re.compile(rb'  File "(.*)", line (\d+), in (.*)$')


def parse_traceback(text):
    """The last traceback in ``text``: its frames, as (file, function,
    source line), and the exception's text (``Type: message``), which may
    span lines."""
    i = text.rfind(TRACEBACK)
    if i < 0:
        return None
    lines = text[i + len(TRACEBACK):].split(b'\n')
    frames = []
    k = 0
    while k < len(lines):
        m = FRAME.match(lines[k])
        if not m:
            break
        k += 1
        source = b''
        if k < len(lines) and lines[k].startswith(b'    '):
            source = lines[k].strip()
            k += 1
            # Python 3.11 and later mark the expression with ^ and ~.
            while (k < len(lines) and lines[k].startswith(b'    ')
                   and lines[k].strip() and not lines[k].strip().strip(b'^~')):
                k += 1
        frames.append((m.group(1), m.group(3), source))
    rest = b'\n'.join(lines[k:])
    # The traceback ends with a newline, and the log line adds one.
    if rest.endswith(b'\n\n'):
        rest = rest[:-2]
    elif rest.endswith(b'\n'):
        rest = rest[:-1]
    return frames, rest


class Python:
    """How the server's Python wrote an exception's message in its log:
    Python 2 as the message's bytes; Python 3 as the str of the exception,
    which for Mercurial's ProgrammingError and Abort is their bytes decoded
    as Latin-1 (pycompat.sysstr), then encoded as UTF-8 (pycompat.sysbytes)."""

    def __init__(self, major):
        self.major = major

    def message(self, text):
        if self.major == 2:
            return text
        try:
            return text.decode('utf-8').encode('latin-1')
        except (UnicodeDecodeError, UnicodeEncodeError):
            return text

    def value_message(self, text):
        """A ValueError's message: in Python 3 the str of a ValueError of a
        bytes message is that bytes' repr, b'...'."""
        if self.major == 3 and re.match(rb"""b(['"]).*\1$""", text, re.S):
            try:
                value = ast.literal_eval(text.decode('utf-8'))
            except (ValueError, SyntaxError, UnicodeDecodeError):
                return text
            if isinstance(value, bytes):
                return value
        return text


FRAMING = b'wireprotoframing.py'
ROUTE = b'_processhttpv2reflectrequest'


def raised(python, text):
    """What the framing module raised, from the server's error log, as the
    driver protocol's ``raise``; or why it cannot be said."""
    parsed = parse_traceback(text)
    if parsed is None:
        raise Failure('a 500 without a traceback in the error log: %r' % text[-2000:])
    frames, exc = parsed
    where = [i for i, f in enumerate(frames) if f[1] == ROUTE]
    if not where:
        raise Failure('an exception outside the debugreflect route: %s'
                      % exc.decode('utf-8', 'replace'))
    below = frames[where[-1] + 1:]
    if not below or not below[0][0].endswith(FRAMING):
        # Raised by the route itself or by its JSON rendering, not by the
        # reactor: the action cannot be shown.
        first = exc.split(b'\n', 1)[0].decode('utf-8', 'replace')
        raise Unimplemented('the debugreflect route could not render the action '
                            'as JSON (%s)' % first)
    typename, sep, message = exc.partition(b': ')
    if b'\n' in typename:
        typename, message = typename.split(b'\n', 1)[0], b''
    typename = typename.decode('ascii', 'replace').rsplit('.', 1)[-1]
    message = python.message(message)
    innermost = frames[-1]
    if typename == 'ProgrammingError':
        return {'kind': 'programming', 'message': {'bytes': message.hex()}}
    if typename == 'Abort':
        return {'kind': 'abort', 'message': {'bytes': message.hex()}}
    if typename == 'AssertionError':
        return {'kind': 'assertion'}
    if (typename == 'ValueError' and innermost[0].endswith(FRAMING)
            and innermost[2].startswith(b'raise ValueError(')):
        return {'kind': 'value', 'message': {'bytes': python.value_message(message).hex()}}
    return {'kind': 'accidental', 'type': typename}


# ---- one vector ----------------------------------------------------------------

def escape(data):
    """Bytes as the reference's messages write them: as in a Python
    literal, without quotes."""
    named = {0x5c: '\\\\', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t'}
    return ''.join(named.get(b) or (chr(b) if 0x20 <= b <= 0x7e else '\\x%02x' % b)
                   for b in data)


def one_frame(args):
    """The bytes of a ``recv`` step, which must be exactly one frame. The
    route reads the POST body with ``readframe`` until it ends, so more
    bytes would be read as more frames (or as a broken one) and fewer
    would run into the next frame: the step's own action would be lost.
    Anything else is answered ``error`` as the reference (``hgframe
    testee``) answers it, in its words: it cannot read such a request."""
    try:
        frame = bytes.fromhex(args)
    except (TypeError, ValueError) as e:
        raise Failure('cannot read the request: args: %s' % e)
    if not frame:
        raise Failure('cannot read the request: args: expected a frame, got no bytes')
    if len(frame) < 8:
        raise Failure('cannot read the request: args: not a frame: received incomplete '
                      'frame: got %d bytes: %s'
                      % (len(frame), escape(frame + bytes(8 - len(frame)))))
    length = frame[0] | frame[1] << 8 | frame[2] << 16
    if len(frame) - 8 < length:
        raise Failure('cannot read the request: args: not a frame: frame length error: '
                      'expected %d; got %d' % (length, len(frame) - 8))
    if len(frame) - 8 > length:
        raise Failure('cannot read the request: args: %d bytes after the frame'
                      % (len(frame) - 8 - length))
    return frame


NOT_EXPRESSIBLE = {
    'makeoutputstream': 'the debugreflect route only feeds frames to the server '
                        'reactor and calls oninputeof; it makes no output stream',
    'consume': 'the debugreflect route sends no frames',
}


class Vector:
    def __init__(self, server, renderer, python):
        self.server = server
        self.renderer = renderer
        self.python = python
        self.frames = []
        self.answers = []     # the outcome of each frame so far
        self.over = None      # why no later step can run

    def reflect(self):
        """POSTs the frames so far: the outcome of each, and of oninputeof;
        or a ``raise`` with the name of the call that raised."""
        status, body, errors = self.server.post(b''.join(self.frames))
        if status == 500:
            parsed = parse_traceback(errors)
            call = None
            if parsed:
                frames = parsed[0]
                where = [i for i, f in enumerate(frames) if f[1] == ROUTE]
                if where and len(frames) > where[-1] + 1:
                    call = frames[where[-1] + 1][1].decode('ascii', 'replace')
            return None, None, (call, raised(self.python, errors))
        if status != 200:
            raise Failure('POST %s answered %d: %s' % (
                self.server.path, status, body.decode('utf-8', 'replace')))
        actions, final = parse_reflection(body, self.frames, self.renderer)
        outcomes = [action_outcome(self.renderer, a, m) for a, m in actions]
        if outcomes[:len(self.answers)] != self.answers:
            raise Failure('the server answered the earlier frames otherwise this '
                          'time: %r, then %r' % (self.answers, outcomes))
        return outcomes, final, None

    def step(self, on, op, args):
        # A recv that is not one frame is a request the reference cannot
        # read either, whatever state the vector is in.
        frame = one_frame(args) if op == 'recv' else None
        if self.over:
            raise Unimplemented(self.over)
        if on != 'server':
            raise Unimplemented('the live server has no %s' % on)
        if op == 'recv':
            self.frames.append(frame)
            outcomes, _, exc = self.reflect()
            if exc:
                call, what = exc
                if call not in ('onframerecv', 'readframe'):
                    raise Failure('%s raised after the frame was received; the route '
                                  'shows nothing of the frame then: %r' % (call, what))
                self.over = ('the debugreflect route ends the request at the '
                             'exception; no step after it can be replayed')
                return {'raise': what}
            self.answers.append(outcomes[-1])
            return outcomes[-1]
        if op == 'oninputeof':
            _, final, exc = self.reflect()
            self.over = 'the debugreflect route calls oninputeof once, at the end of the body'
            if exc:
                call, what = exc
                if call != 'oninputeof':
                    raise Failure('%s raised on a replay of frames that went through '
                                  'before: %r' % (call, what))
                return {'raise': what}
            action = member(final, 'action')
            meta = Pairs((k, v) for k, v in final if k != 'action')
            return action_outcome(self.renderer, action, meta)
        if op.startswith('on') or op in NOT_EXPRESSIBLE:
            raise Unimplemented(NOT_EXPRESSIBLE.get(op) or (
                'the debugreflect route only feeds frames to the server reactor '
                'and calls oninputeof; %s cannot be called over HTTP' % op))
        raise Unimplemented('%s is not a server operation the route can run' % op)


# ---- the loop --------------------------------------------------------------------

class Adapter:
    def __init__(self, opts):
        self.opts = opts
        self.renderer = Renderer(opts.render)
        self.python = Python(opts.python)
        self.server = None
        self.vector = None

    def ensure_server(self):
        if self.server is not None and not self.server.alive():
            log('hg serve exited with %s; starting another' % self.server.proc.returncode)
            self.server.stop()
            self.server = None
        if self.server is None:
            self.server = Server(self.opts.hg, self.opts.path, self.opts.media_type,
                                 self.opts.server_timeout)
        return self.server

    def answer(self, request):
        kind = request['type']
        if kind == 'hello':
            server = self.ensure_server()
            return {'protocol': PROTOCOL, 'name': 'mercurial hg serve',
                    'version': server.version, 'targets': ['server']}
        if kind == 'start':
            self.vector = None
            target = request['target']
            if target['kind'] != 'server':
                return {'unimplemented': 'the live server has only a server reactor'}
            if target.get('deferoutput', False) is not False:
                # The route makes wireprotoframing.serverreactor() (4.7) or
                # serverreactor(ui) (4.8 to 6.0): deferoutput is its default,
                # False, in both.
                return {'unimplemented': 'the debugreflect route makes its server reactor '
                                         'with the default deferoutput=False'}
            self.vector = Vector(self.ensure_server(), self.renderer, self.python)
            return {'ok': True}
        if kind == 'step':
            if self.vector is None:
                raise Failure('a step before start')
            try:
                return {'outcome': self.vector.step(request['on'], request['op'],
                                                    request['args'])}
            except Unimplemented as u:
                self.vector.over = self.vector.over or str(u)
                return {'unimplemented': str(u)}
        raise Failure('unknown request type %r' % kind)

    def stop(self):
        if self.server is not None:
            self.server.stop()
            self.server = None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--path', required=True,
                        help='the debugreflect route, /api/API/ro/debugreflect')
    parser.add_argument('--media-type', required=True,
                        help="the framing media type, sent as Content-Type and Accept")
    parser.add_argument('--render', required=True, choices=['python-json', 'hg-json'],
                        help="how the route writes actions: Python's json.dumps (4.7) or "
                             "Mercurial's templatefilters.json (4.8 to 6.0)")
    parser.add_argument('--python', required=True, type=int, choices=[2, 3],
                        help="the server's Python, which decides how its error log "
                             "writes exception messages")
    parser.add_argument('--server-timeout', type=float, default=8.0,
                        help='seconds for the whole start of the server (hg version, '
                             'hg init, hg serve until it answers), and for each HTTP '
                             'exchange after it')
    parser.add_argument('hg', nargs='+', help='the hg command, after --')
    opts = parser.parse_args()

    def terminate(signum, frame):
        raise SystemExit(128 + signum)
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, terminate)

    adapter = Adapter(opts)
    try:
        check_pdeathsig()
        sweep_leftovers()
        for line in sys.stdin:
            request = json.loads(line)
            if request['type'] == 'bye':
                return
            try:
                reply = adapter.answer(request)
            except Failure as e:
                if request['type'] == 'hello':
                    raise
                reply = {'error': str(e)}
            except Exception:
                reply = {'error': traceback.format_exc()}
            sys.stdout.write(json.dumps(reply) + '\n')
            sys.stdout.flush()
    except Failure as e:
        log(str(e))
        sys.exit(1)
    finally:
        adapter.stop()


if __name__ == '__main__':
    main()

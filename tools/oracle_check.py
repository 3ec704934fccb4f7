#!/usr/bin/env python3
"""Check reactor transcripts (tests/reactors/*.t) against the seed itself.

A development aid, not part of the test suite: it needs ../shared/oracle
(set up with `bash ../shared/oracle/setup.sh`) and a built `hgframe`.

Each transcript is converted into an oracle scenario; the oracle runs the
seed's own reactor and its trace is rendered in the shell's output format,
then compared with the transcript's expected lines, step by step. Frames are
compared by their bytes (both sides are printed with `hgframe decode`).
Exceptions the seed raises itself are compared with their messages;
accidental Python errors by exception type only, since their messages are
Python's, not the seed's.

A transcript whose first lines contain `# oracle: skip` (a documented
deviation, or an hgframe-only feature) is not checked.

Usage: python3 tools/oracle_check.py [--verbose] tests/reactors/*.t
"""

import ast
import hashlib
import json
import os
import subprocess
import sys
import tempfile

from pyliterals import bytes_literal

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ORACLE = os.path.join(ROOT, '..', 'shared', 'oracle', 'seedoracle.py')
HGFRAME = os.path.join(ROOT, 'target', 'debug', 'hgframe')


def parse_transcript(path):
    steps = []  # [input line, [expected lines]]
    for raw in open(path, encoding='utf-8').read().split('\n'):
        if raw.startswith('> '):
            steps.append([raw[2:], []])
        elif raw.strip() == '' or raw.startswith('#'):
            continue
        elif steps:
            steps[-1][1].append(raw)
        else:
            raise SystemExit('%s: output before the first input line' % path)
    return steps


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


def literal_args(rest):
    if not rest.strip():
        return []
    return list(ast.literal_eval('(%s,)' % rest))


def encode_frame(human):
    out = subprocess.run([HGFRAME, 'encode', human], capture_output=True, text=True)
    if out.returncode:
        raise SystemExit('cannot encode %r: %s' % (human, out.stderr))
    return out.stdout.strip()


def build_scenario(name, steps):
    role = steps[0][0].split()
    target = {'kind': 'serverreactor' if role[0] == 'server' else 'clientreactor'}
    if role[0] == 'server':
        target['deferoutput'] = 'deferoutput' in role
    else:
        target['hasmultiplesend'] = 'hasmultiplesend' in role
        target['buffersends'] = 'nobuffersends' not in role
    ops = []
    gens = {}  # shell gN -> oracle gen name
    streams = {}
    autoconsume = True
    for line, expected in steps[1:]:
        words = line.split(' ', 1)
        command, rest = words[0], (words[1] if len(words) > 1 else '')

        def stream(sid):
            if sid not in streams:
                streams[sid] = 's%d' % sid
                ops.append({'op': 'newstream', 'name': streams[sid], 'streamid': sid})
            return streams[sid]

        if line[:1].isdigit() or command == 'recv':
            human = line if line[:1].isdigit() else rest
            op = {'op': 'recv', 'hex': encode_frame(human)}
        elif command == 'autoconsume':
            autoconsume = rest.strip() == 'on'
            continue
        elif command == 'state':
            op = {'op': 'inspect'}
        elif command == 'consume':
            parts = [p.strip() for p in rest.split(',')]
            op = {'op': 'consume', 'gen': gens[parts[0]]}
            if len(parts) > 1:
                op['count'] = int(parts[1])
        elif command == 'makeoutputstream':
            op = {'op': 'makeoutputstream', 'name': 'o%d' % len(ops)}
        elif command == 'oninputeof':
            op = {'op': 'oninputeof'}
        elif command == 'flushcommands':
            op = {'op': 'flushcommands'}
        elif command == 'callcommand':
            args = literal_args(rest)
            op = {'op': 'callcommand', 'name': to_oracle(args[0]),
                  'args': to_oracle(args[1] if len(args) > 1 else None)}
            if len(args) > 2 and args[2] is not None:
                op['data'] = to_oracle(args[2])
        else:
            args = literal_args(rest)
            op = {'op': command, 'stream': None, 'requestid': args[1]}
            if command == 'oncommandresponseready':
                op['data'] = to_oracle(args[2])
            elif command == 'oncommandresponsereadygen':
                op['chunks'] = to_oracle(args[2])
            elif command == 'onservererror':
                op['message'] = to_oracle(args[2])
            elif command == 'oncommanderror':
                op['message'] = to_oracle(args[2])
                if len(args) > 3:
                    op['args'] = to_oracle(args[3])
            else:
                raise SystemExit('%s: unknown command %r' % (name, command))
            # A stream made by makeoutputstream is referred to by its name.
            op['stream'] = streams.get(args[0]) or stream(args[0])
        if not autoconsume:
            op['consume'] = False
        ops.append(op)
        for out in expected:
            if out.startswith('sendframes g'):
                gens[out.split()[1]] = 'g%d' % (len(ops) - 1)
        if command == 'makeoutputstream':
            # Later references to the new stream id use this name.
            expected_id = next((int(o.split()[1]) for o in expected if o.startswith('stream ')), None)
            if expected_id is not None:
                streams[expected_id] = op['name']
    return {'format': 'seedoracle-scenario/1', 'name': name, 'target': target, 'steps': ops}


esc_bytes = bytes_literal


def unesc(s):
    return s.encode('latin1').decode('unicode_escape').encode('latin1')


def lit(v):
    if v is None:
        return 'None'
    if v is True:
        return 'True'
    if v is False:
        return 'False'
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return esc_bytes(v.encode('latin1'))
    if isinstance(v, list):
        return '[' + ', '.join(lit(x) for x in v) + ']'
    if isinstance(v, dict):
        if '$esc' in v:
            return esc_bytes(unesc(v['$esc']))
        if '$set' in v:
            # Sets have no order; print them as hgframe does: None, numbers,
            # then byte strings.
            def order(x):
                if x is None:
                    return (0, 0, '')
                if isinstance(x, (bool, int)):
                    return (1, int(x), '')
                return (2, 0, lit(x))
            items = sorted(v['$set'], key=order)
            return '{' + ', '.join(lit(x) for x in items) + '}' if items else 'set()'
        if '$map' in v:
            return '{' + ', '.join('%s: %s' % (lit(k), lit(x)) for k, x in v['$map']) + '}'
        if '$len' in v:
            return '<%d bytes>' % v['$len']
        return '{' + ', '.join('%s: %s' % (esc_bytes(k.encode('latin1')), lit(x)) for k, x in v.items()) + '}'
    return repr(v)


BIG = '<sha256:'


def humans(frames):
    """Human strings of the seed's frames; a frame too large for the trace to
    hold whole is given by its digest."""
    lines = []
    for f in frames:
        if 'hex' in f:
            out = subprocess.run([HGFRAME, 'decode', '--hex'], input=f['hex'], capture_output=True, text=True)
            lines.append(out.stdout.rstrip('\n'))
        else:
            lines.append('%s%s>' % (BIG, f['sha256']))
    return lines


ACCIDENTAL = '<accidental: compared by type>'


def raise_line(r):
    # Python's own messages for accidental errors are not the seed's words.
    # A bare assert has no message either.
    message = r['message'] if r.get('origin') == 'seed' and r.get('message') is not None else ACCIDENTAL
    return 'raise %s: %s' % (r['type'], message)


def consumed_lines(consumed, error=None):
    lines = ['  frame ' + h for h in humans(consumed.get('frames', []))]
    if consumed.get('raise'):
        lines.append('  ' + raise_line(consumed['raise']))
    elif consumed.get('exhausted'):
        lines.append('  end')
    return lines


def render(step, role, state):
    if 'raise' in step and step['op'] not in ('consume',):
        return [raise_line(step['raise'])]
    op = step['op']
    if op == 'makeoutputstream':
        return ['stream %d' % step['streamid']]
    if op == 'inspect':
        i = step['inspect']
        ids = lambda xs: '[' + ', '.join(str(x) for x in xs) + ']'
        if role == 'server':
            return ['state %s receiving=%s active=%s streams=%s' % (
                i['state'], ids(sorted(int(k) for k in i['receiving'])), ids(i['active']), ids(i['incomingstreams']))]
        reqs = sorted((int(k), v) for k, v in i['requests'].items())
        return ['requests [%s] active=%s pending=%s streams=%s' % (
            ', '.join('%d=%s' % r for r in reqs), ids(i['active']), ids(i['pending']), ids(i['incomingstreams']))]
    if op == 'consume':
        lines = consumed_lines(step.get('consumed', step))
        if 'raise' in step:
            lines.append('  ' + raise_line(step['raise']))
        return lines
    lines = []
    if op == 'callcommand':
        lines.append('request %d' % step['request']['requestid'])
    result = step['result']
    action, meta = result['action'], result['meta']
    if action == 'sendframes':
        state['gen'] += 1
        lines.append('sendframes g%d' % state['gen'])
        if 'consumed' in result:
            lines += consumed_lines(result['consumed'])
    elif action == 'runcommand':
        lines.append('runcommand request=%d name=%s args=%s data=%s' % (
            meta['requestid'], lit(meta['command']), lit(meta['args']), lit(meta['data'])))
    elif action == 'wantframe':
        lines.append('wantframe state=%s' % meta['state'])
    elif action == 'noop':
        lines.append('noop')
    elif action == 'error' and 'request' in meta:
        lines.append('error request=%d type=%s message=%s' % (
            meta['request']['$request'], lit(meta['type']), lit(meta['message'])))
    elif action == 'error':
        lines.append('error %s' % meta['message'])
    elif action == 'responsedata':
        lines.append('responsedata request=%d expectmore=%s eos=%s data=%s' % (
            meta['request']['$request'], bool(meta['expectmore']), bool(meta['eos']), lit(meta['data'])))
    else:
        lines.append('?? %s %s' % (action, json.dumps(meta)))
    return lines


def same(expected, got):
    if expected == got:
        return True
    if got.startswith('  frame ' + BIG) and expected.startswith('  frame '):
        digest = hashlib.sha256(bytes.fromhex(encode_frame(expected[len('  frame '):]))).hexdigest()
        return got == '  frame %s%s>' % (BIG, digest)
    if expected.lstrip().startswith('raise ') and got.endswith(ACCIDENTAL):
        return expected.split(':', 1)[0] == got.split(':', 1)[0]
    return False


def check(path, verbose):
    steps = parse_transcript(path)
    head = open(path, encoding='utf-8').read()[:400]
    if '# oracle: skip' in head:
        return 'skipped', []
    scenario = build_scenario(os.path.basename(path), steps)
    with tempfile.TemporaryDirectory() as tmp:
        spath = os.path.join(tmp, 'scenario.json')
        json.dump(scenario, open(spath, 'w'))
        out = subprocess.run([sys.executable, ORACLE, 'run', spath], capture_output=True, text=True)
        if out.returncode:
            return 'error', [out.stderr[-2000:]]
        trace = json.loads(out.stdout)
    role = steps[0][0].split()[0]
    state = {'gen': -1}
    problems = []
    tsteps = iter(s for s in trace['steps'] if s['op'] != 'newstream')
    for line, expected in steps[1:]:
        if line.startswith('autoconsume'):
            continue
        got = render(next(tsteps), role, state)
        if len(got) != len(expected) or not all(same(e, g) for e, g in zip(expected, got)):
            problems.append('> %s\n  transcript:\n    %s\n  seed:\n    %s' % (
                line, '\n    '.join(expected), '\n    '.join(got)))
        elif verbose:
            print('ok  > %s' % line)
    return ('ok' if not problems else 'mismatch'), problems


def main():
    verbose = '--verbose' in sys.argv
    paths = [a for a in sys.argv[1:] if not a.startswith('--')]
    bad = 0
    for path in paths:
        status, problems = check(path, verbose)
        print('%-9s %s' % (status, path))
        for p in problems:
            print(p)
        bad += status in ('mismatch', 'error')
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()

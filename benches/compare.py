#!/usr/bin/env python3
"""Prints the table of benches/compare.sh: each operation's time in Python
(Mercurial 7.2.4, pure Python) and in Rust (hgframe), the ratio, and the
goals of issues 7 and 16; then the bandwidth rows against memcpy of the same
run; then the cost curves (issue 16), with how the cost grows between
their points.

Usage: compare.py CRITERION_DIR PYTHON_JSON
"""

import json
import math
import os
import sys

# id, what one operation is, Rust elements per criterion iteration, goal.
# A goal is (max Rust time in ns or None, min ratio or None).
ROWS = [
    ('header/encode', 'one header', 1024, (None, None)),
    ('header/decode', 'one header', 1024, (2.0, 250)),
    ('human/parse', 'a command request with a cbor: args map', 1, (None, 100)),
    ('human/format', 'the same frame back to its human string', 1, (None, None)),
    ('createcommandframes/0B', 'frames of a command without data', 1, (None, 100)),
    ('createcommandframes/1KiB', '... with 1 KiB of data', 1, (None, 100)),
    ('createcommandframes/1MiB', '... with 1 MiB of data', 1, (None, None)),
    ('decode/frames_32KiB_x1000', '1,000 frames of 32 KiB, borrowed (Python: readframe)', 1, (5000.0, 500)),
    ('decode/read_frame_owned_32KiB_x1000', '1,000 frames of 32 KiB, payloads copied', 1, (None, None)),
    ('server/single_frame_command', 'new server, one frame, runcommand', 1, (None, 100)),
    ('server/upload_1MiB', 'new server, 33 frames, runcommand with 1 MiB', 1, (None, None)),
    ('client/round_trip', 'callcommand -> server -> response -> client', 1, (None, 100)),
    ('suite/in_process', 'the whole vector suite', 1, (None, None)),
]

# Python id for the rows whose Rust id has no counterpart of the same name.
PYTHON_ID = {'decode/frames_32KiB_x1000': 'decode/read_frame_owned_32KiB_x1000'}

BANDWIDTH = [
    ('decode/read_frame_owned_32KiB_x1000', 'memcpy/32MiB', 32 * 1024 * 1000, 0.90),
    ('createcommandframes/1MiB', 'memcpy/1MiB', 1 << 20, 0.90),
    ('server/upload_1MiB', 'memcpy/1MiB', 1 << 20, 0.90),
    ('server/upload_1MiB', 'memcpy/1MiB_fresh', 1 << 20, None),
]


# The cost curves: criterion group, function, unit, and the function the
# cost is taken relative to at each point, for payloads, where the
# hardware's own cost per byte changes with the size: memcpy of the same
# size into a reused buffer (as createcommandframes writes), or into memory
# allocated for it (as a parser returning an owned payload must).
CURVES = [
    ('curve_payload', 'createcommandframes', 'B', 'memcpy'),
    ('curve_payload', 'human_raw', 'B', 'memcpy_fresh'),
    ('curve_payload', 'human_cbor_bytes', 'B', 'memcpy_fresh'),
    ('curve_payload', 'memcpy', 'B', None),
    ('curve_payload', 'memcpy_fresh', 'B', None),
    ('curve_keys', 'createcommandframes', 'key', None),
    ('curve_keys', 'human_parse', 'key', None),
    ('curve_depth', 'createcommandframes', 'level', None),
    ('curve_depth', 'human_parse', 'level', None),
    ('curve_commands', 'server', 'command', None),
    ('curve_requests', 'client', 'request', None),
]

# The largest growth exponent allowed between two points of a curve (at
# least 3x apart): its cost may grow as n^1.3 (sorting's n log n is about
# n^1.15 here, and noise moves an exponent by about 0.1), where quadratic
# work grows as n^2. A payload curve's cost is taken in units of memcpy of
# the same size: n^1 there is memcpy's own curve.
MAX_EXPONENT = 1.3


def curve_points(criterion, group, function):
    """(n, ns) for every point criterion measured, by n."""
    base = os.path.join(criterion, group, function)
    try:
        names = os.listdir(base)
    except OSError:
        return []
    points = []
    for name in names:
        if name.isdigit():
            ns = rust_ns(criterion, '%s/%s/%s' % (group, function, name))
            if ns is not None:
                points.append((int(name), ns))
    return sorted(points)


def growth_exponent(points):
    """The largest exponent e with cost ~ n^e between two successive points
    (n > 0)."""
    points = [(n, ns) for n, ns in points if n > 0]
    worst = None
    for (n0, t0), (n1, t1) in zip(points, points[1:]):
        e = math.log((t1 / n1) / (t0 / n0)) / math.log(n1 / n0) + 1
        worst = e if worst is None else max(worst, e)
    return worst


def print_curves(criterion):
    missed = 0
    print('%-38s %-10s %s' % ('curve (cost per unit)', 'unit', 'n: ns per unit ...  growth  goal'))
    for group, function, unit, base in CURVES:
        points = curve_points(criterion, group, function)
        if not points:
            continue
        per_unit = ['%s: %s' % (size_name(n, unit), '%.3g' % (ns / n)) for n, ns in points if n > 0]
        relative = points
        if base is not None:
            reference = dict(curve_points(criterion, group, base))
            # In units of memcpy: memcpy's own cost per byte at this size.
            relative = [(n, n * ns / reference[n]) for n, ns in points if reference.get(n)]
        e = growth_exponent(relative)
        goal = ''
        if e is not None and not function.startswith('memcpy'):
            ok = e <= MAX_EXPONENT
            missed += not ok
            goal = 'n^%.2f%s  <= n^%.2f  %s' % (e, ' in ' + base if base else '', MAX_EXPONENT,
                                              'met' if ok else 'MISSED')
        print('%-38s %-10s %s  %s' % ('%s/%s' % (group, function), 'ns/' + unit,
                                     '  '.join(per_unit), goal))
    return missed


def size_name(n, unit):
    if unit != 'B':
        return str(n)
    for suffix, scale in (('MiB', 1 << 20), ('KiB', 1 << 10)):
        if n >= scale and n % scale == 0:
            return '%d%s' % (n // scale, suffix)
    return '%dB' % n


def rust_ns(criterion, bench):
    """Nanoseconds per iteration in criterion's fastest sample: the same
    statistic as the Python side's best of 5 repeats (each of them, like a
    sample, the mean over many calls). Criterion's mean, the figure of this
    table before 2026-12-03, mixes the slow and fast spells of a machine
    whose speed drifts by up to 1.7x within seconds, where the best of
    Python's repeats skips them (docs/performance.md, "Reproduce")."""
    path = os.path.join(criterion, bench, 'new', 'sample.json')
    try:
        with open(path) as f:
            sample = json.load(f)
    except OSError:
        return None
    return min(t / n for t, n in zip(sample['times'], sample['iters']))


def rust_mean_ns(criterion, bench):
    """Criterion's own estimate of the mean time per iteration."""
    path = os.path.join(criterion, bench, 'new', 'estimates.json')
    try:
        with open(path) as f:
            return json.load(f)['mean']['point_estimate']
    except OSError:
        return None

def fmt(ns):
    if ns is None:
        return '-'
    for unit, scale in (('s', 1e9), ('ms', 1e6), ('µs', 1e3)):
        if ns >= scale:
            return '%.3g %s' % (ns / scale, unit)
    return '%.3g ns' % ns


def main():
    criterion, python_json = sys.argv[1:3]
    with open(python_json) as f:
        python = json.load(f)
    missed = 0
    print('%-38s %10s %10s %9s %10s  %s' % ('operation', 'Python', 'Rust', 'ratio', 'Rust mean',
                                            'goal'))
    for bench, what, elements, (max_ns, min_ratio) in ROWS:
        rust = rust_ns(criterion, bench)
        rust = rust / elements if rust is not None else None
        mean = rust_mean_ns(criterion, bench)
        mean = mean / elements if mean is not None else None
        py = python.get(PYTHON_ID.get(bench, bench))
        py_ns = py * 1e9 if py is not None else None
        ratio = py_ns / rust if py_ns and rust else None
        goals = []
        ok = True
        if max_ns is not None:
            goals.append('<= %s' % fmt(max_ns))
            ok = ok and rust is not None and rust <= max_ns
        if min_ratio is not None:
            goals.append('>= %dx' % min_ratio)
            ok = ok and ratio is not None and ratio >= min_ratio
        goal = ', '.join(goals)
        if goals:
            goal += '  ' + ('met' if ok else 'MISSED')
            missed += not ok
        print('%-38s %10s %10s %9s %10s  %s' % (bench, fmt(py_ns), fmt(rust),
                                                '%.0fx' % ratio if ratio else '-', fmt(mean), goal))
    print()
    print('%-38s %12s %12s %8s  %s' % ('bandwidth', 'GB/s', 'memcpy GB/s', 'share', 'goal'))
    for bench, base, size, goal in BANDWIDTH:
        rust, copy = rust_ns(criterion, bench), rust_ns(criterion, base)
        if rust is None or copy is None:
            continue
        gbs, copy_gbs = size / rust, (size if base != 'memcpy/32MiB' else 32 << 20) / copy
        share = gbs / copy_gbs
        if goal is None:
            print('%-38s %12.1f %12.1f %7.0f%%  (%s)' % (bench, gbs, copy_gbs, share * 100, base))
            continue
        ok = share >= goal
        missed += not ok
        print('%-38s %12.1f %12.1f %7.0f%%  >= %d%%  %s  (%s)' % (
            bench, gbs, copy_gbs, share * 100, goal * 100, 'met' if ok else 'MISSED', base))
    print('\nper frame, borrowed: %s' % fmt((rust_ns(criterion, 'decode/frames_32KiB_x1000') or 0) / 1000))
    print()
    missed += print_curves(criterion)
    print('\ngoals missed: %d' % missed)
    return 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
"""Draws the cost curves of benches/hgframe.rs (issue 16) as one SVG: for
each curve group, the cost per unit (byte, key, nesting level, command,
request) against the work, both on log scales. A flat line is linear work;
quadratic work would rise with a slope of 1. criterion is built without its plotters here, so
this reads its samples directly, each point the fastest sample as in compare.py.

Usage: curves.py CRITERION_DIR OUT.svg
"""

import math
import sys

from compare import curve_points, size_name

PANELS = [
    ('curve_payload', 'payload size', 'B', 'ns per byte',
     ['createcommandframes', 'human_raw', 'human_cbor_bytes', 'memcpy', 'memcpy_fresh']),
    ('curve_keys', 'keys in the args map', 'key', 'ns per key',
     ['createcommandframes', 'human_parse']),
    ('curve_depth', 'nesting depth', 'level', 'ns per level',
     ['createcommandframes', 'human_parse']),
    ('curve_commands', 'commands received at once', 'command', 'ns per command',
     ['server']),
    ('curve_requests', 'requests of one client', 'request', 'ns per request',
     ['client']),
]
COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#7f7f7f', '#bcbd22']
DASHED = {'memcpy', 'memcpy_fresh'}
W, H = 420, 340
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 30, 140


def esc(text):
    return text.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')


def log_ticks(lo, hi):
    """Powers of ten (and their 2 and 5 multiples when the range is short)
    between lo and hi."""
    ticks = []
    e = math.floor(math.log10(lo))
    while 10 ** e <= hi * 1.0001:
        for m in ((1,) if math.log10(hi / lo) > 2.5 else (1, 2, 5)):
            v = m * 10 ** e
            if lo / 1.0001 <= v <= hi * 1.0001:
                ticks.append(v)
        e += 1
    return ticks


def panel(out, x0, criterion, group, xlabel, unit, ylabel, functions):
    series = []
    for function in functions:
        points = [(n, ns / n) for n, ns in curve_points(criterion, group, function) if n > 0]
        if points:
            series.append((function, points))
    if not series:
        return
    xs = [n for _, pts in series for n, _ in pts]
    ys = [y for _, pts in series for _, y in pts]
    xlo, xhi = min(xs), max(xs)
    ylo, yhi = min(ys) / 1.5, max(ys) * 1.5
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM

    def px(n):
        return x0 + LEFT + (math.log(n / xlo) / math.log(xhi / xlo) if xhi > xlo else 0.5) * pw

    def py(y):
        return TOP + ph - math.log(y / ylo) / math.log(yhi / ylo) * ph

    out.append('<text x="%d" y="18" font-weight="bold">%s</text>' % (x0 + LEFT, esc(group)))
    out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#999"/>'
               % (x0 + LEFT, TOP, pw, ph))
    for t in log_ticks(ylo, yhi):
        y = py(t)
        out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#eee"/>'
                   % (x0 + LEFT, x0 + LEFT + pw, y, y))
        out.append('<text x="%d" y="%.1f" text-anchor="end" font-size="10">%g</text>'
                   % (x0 + LEFT - 4, y + 3, t))
    for n in sorted(set(xs)):
        out.append('<text x="%.1f" y="%d" text-anchor="middle" font-size="10">%s</text>'
                   % (px(n), TOP + ph + 13, esc(size_name(n, unit))))
    out.append('<text x="%d" y="%d" text-anchor="middle" font-size="11">%s</text>'
               % (x0 + LEFT + pw // 2, TOP + ph + 28, esc(xlabel)))
    out.append('<text transform="translate(%d,%d) rotate(-90)" text-anchor="middle" '
               'font-size="11">%s</text>' % (x0 + 14, TOP + ph // 2, esc(ylabel)))
    for i, (function, points) in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        dash = ' stroke-dasharray="4 3"' if function in DASHED else ''
        path = ' '.join('%s%.1f,%.1f' % ('M' if j == 0 else 'L', px(n), py(y))
                        for j, (n, y) in enumerate(points))
        out.append('<path d="%s" fill="none" stroke="%s" stroke-width="2"%s/>'
                   % (path, colour, dash))
        for n, y in points:
            out.append('<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>' % (px(n), py(y), colour))
        ly = TOP + ph + 44 + 13 * i
        out.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="2"%s/>'
                   % (x0 + LEFT, x0 + LEFT + 18, ly - 4, ly - 4, colour, dash))
        out.append('<text x="%d" y="%d" font-size="11">%s</text>'
                   % (x0 + LEFT + 24, ly, esc(function)))


def main():
    criterion, path = sys.argv[1:3]
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="12">' % (W * len(PANELS), H),
           '<rect width="100%" height="100%" fill="white"/>']
    for i, (group, xlabel, unit, ylabel, functions) in enumerate(PANELS):
        panel(out, i * W, criterion, group, xlabel, unit, ylabel, functions)
    out.append('</svg>')
    with open(path, 'w') as f:
        f.write('\n'.join(out) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())

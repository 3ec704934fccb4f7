#!/usr/bin/env python3
"""Mutation testing of the suite: how many single faults planted in
Mercurial's own framing module the vectors catch.

    python3 tools/mutants.py list                  # the mutants, one per line
    python3 tools/mutants.py run [--out DIR]       # run them all (docs/mutants.md)
    python3 tools/mutants.py run --only ID ...     # run some
    python3 tools/mutants.py sample                # the CI check: tools/mutants-sample.json

The module is `mercurial/wireprotoframing.py` of the Mercurial adapter's
PyPI install (adapters/mercurial, Mercurial 7.2.4; `bash
adapters/mercurial/setup.sh` makes it). Each mutant is that file with one
change; the adapter loads it instead of the original
(HGFRAME_WIREPROTOFRAMING), and `hgframe run` runs every vector through it.
A mutant is *killed* when some vector's result differs from the run on the
unchanged module: a vector that passed fails or breaks, a failure fails
otherwise, an unimplemented step is now answered. A mutant that does not
import is *unviable*; one that makes the run exceed its time limit (a loop)
is a *timeout*, counted as killed.

Operators, and why each: real bugs in a codec and a state machine are
off-by-one bounds, inverted tests, wrong constants, forgotten statements
and mixed-up flags, so these are the faults planted:

- `cmp`: a comparison operator replaced (`==`/`!=`, `<`/`<=`, `>`/`>=`,
  `in`/`not in`, `is`/`is not`): bounds and inverted tests;
- `bool`: `and`/`or` swapped, a `not` removed: inverted conditions;
- `arith`: `+`/`-`, `*` to `+`, `|`/`&`, `<<`/`>>` (also in `+=` and
  the like): wrong arithmetic on lengths, offsets and flag bits;
- `const`: an integer literal `n` made `n + 1`, `True`/`False` swapped:
  wrong constants (frame types, flags, sizes);
- `string`: a string or bytes literal changed (an `X` appended), except
  docstrings: error messages, CBOR keys, state names, which the vectors
  compare;
- `stmt-del`: a simple statement (assignment, call, `return`, `raise`,
  `break`, `continue`) replaced by `pass`: forgotten statements;
- `return-early`: `return` as the first statement of a function:
  a handler that does nothing;
- `swap-flag`: a use of a flag or frame-type constant replaced by the next
  one of its family (`FLAG_COMMAND_REQUEST_NEW` by `..._CONTINUATION`):
  mixed-up flags.

A mutant's id is `SCOPE:OPERATOR:K`: the function (or `<module>`), the
operator and the index of that operator's mutant in the function, in source
order. Ids are stable for one module.

*Reach.* The unchanged module runs once with line tracing, and a mutant
is reached when a line of its statement runs. Mutants in definitions that
the 2018 revision does not have (the later revision's encoders, sender
settings, object responses, and the module-level names it added) are
counted apart: the 2018 vectors do not describe that code. The reached
ones are run and reported on a row of their own; the others are not run
(`--later` runs them too). A mutant of 2018 code that no vector reaches
is *unreached*, listed for judging, and not run.

The runs use two workers, `hgframe run --timeout 5` (a loaded machine
starts Python slowly), and a limit of `--limit` seconds (60) per mutant.
"""

import argparse
import ast
import concurrent.futures
import hashlib
import io
import json
import os
import subprocess
import sys
import signal
import tempfile
import time
import tokenize

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# The adapter whose module is mutated: `mercurial` (7.2.4, the default and
# the CI sample's) or `mercurial-4.7` (the 2018 revision as released: the
# seed with another CBOR library; Python 2.7).
ADAPTERS = ('mercurial', 'mercurial-4.7')
ADAPTER = os.path.join(ROOT, 'adapters', 'mercurial')
SAMPLE_FILE = os.path.join(HERE, 'mutants-sample.json')
SAMPLE_SIZE = 40

# The 46 definitions of the 2018 revision (the seed's, and Mercurial
# 4.7's), by qualified name: a mutant elsewhere is in the later
# revision's own code.
REVISION_2018 = {
    'humanflags', 'frameheader', 'frame', 'frame.__repr__', 'makeframe',
    'makeframefromhumanstring', 'parseheader', 'readframe',
    'createcommandframes', 'createcommandresponseframesfrombytes',
    'createbytesresponseframesfromgen', 'createcommanderrorresponse',
    'createerrorframe', 'createtextoutputframe',
    'stream', 'stream.__init__', 'stream.makeframe', 'ensureserverstream',
    'serverreactor', 'serverreactor.__init__', 'serverreactor.onframerecv',
    'serverreactor.oncommandresponseready',
    'serverreactor.oncommandresponsereadygen', 'serverreactor.oninputeof',
    'serverreactor._handlesendframes', 'serverreactor.onservererror',
    'serverreactor.oncommanderror', 'serverreactor.makeoutputstream',
    'serverreactor._makeerrorresult', 'serverreactor._makeruncommandresult',
    'serverreactor._makewantframeresult',
    'serverreactor._validatecommandrequestframe',
    'serverreactor._onframeidle', 'serverreactor._onframecommandreceiving',
    'serverreactor._handlecommanddataframe', 'serverreactor._onframeerrored',
    'commandrequest', 'commandrequest.__init__',
    'clientreactor', 'clientreactor.__init__', 'clientreactor.callcommand',
    'clientreactor.flushcommands', 'clientreactor._makecommandframes',
    'clientreactor.onframerecv', 'clientreactor._oncommandresponseframe',
    'clientreactor._onerrorresponseframe',
}

# The module-level names of the 2018 revision: a module-level statement
# that assigns another name is the later revision's.
NAMES_2018 = {
    'FRAME_HEADER_SIZE', 'DEFAULT_MAX_FRAME_SIZE', 'STREAM_FLAG_BEGIN_STREAM',
    'STREAM_FLAG_END_STREAM', 'STREAM_FLAG_ENCODING_APPLIED', 'STREAM_FLAGS',
    'FRAME_TYPE_COMMAND_REQUEST', 'FRAME_TYPE_COMMAND_DATA',
    'FRAME_TYPE_COMMAND_RESPONSE', 'FRAME_TYPE_ERROR_RESPONSE',
    'FRAME_TYPE_TEXT_OUTPUT', 'FRAME_TYPE_PROGRESS', 'FRAME_TYPE_STREAM_SETTINGS',
    'FRAME_TYPES', 'FLAG_COMMAND_REQUEST_NEW', 'FLAG_COMMAND_REQUEST_CONTINUATION',
    'FLAG_COMMAND_REQUEST_MORE_FRAMES', 'FLAG_COMMAND_REQUEST_EXPECT_DATA',
    'FLAGS_COMMAND_REQUEST', 'FLAG_COMMAND_DATA_CONTINUATION',
    'FLAG_COMMAND_DATA_EOS', 'FLAGS_COMMAND_DATA',
    'FLAG_COMMAND_RESPONSE_CONTINUATION', 'FLAG_COMMAND_RESPONSE_EOS',
    'FLAGS_COMMAND_RESPONSE', 'FRAME_TYPE_FLAGS', 'ARGUMENT_RECORD_HEADER',
}

# The classes among them, whose methods are definitions of their own.
CLASSES_2018 = {'frameheader', 'frame', 'stream', 'serverreactor',
                'commandrequest', 'clientreactor'}

FLAG_FAMILIES = (
    'FLAG_COMMAND_REQUEST_', 'FLAG_COMMAND_DATA_', 'FLAG_COMMAND_RESPONSE_',
    'FLAG_SENDER_PROTOCOL_SETTINGS_', 'FLAG_STREAM_ENCODING_SETTINGS_',
    'STREAM_FLAG_', 'FRAME_TYPE_',
)

CMP = {ast.Eq: '!=', ast.NotEq: '==', ast.Lt: '<=', ast.LtE: '<',
       ast.Gt: '>=', ast.GtE: '>', ast.In: 'not in', ast.NotIn: 'in',
       ast.Is: 'is not', ast.IsNot: 'is'}
CMP_TEXT = {ast.Eq: '==', ast.NotEq: '!=', ast.Lt: '<', ast.LtE: '<=',
            ast.Gt: '>', ast.GtE: '>=', ast.In: 'in', ast.NotIn: 'not in',
            ast.Is: 'is', ast.IsNot: 'is not'}
ARITH = {ast.Add: ('+', '-'), ast.Sub: ('-', '+'), ast.Mult: ('*', '+'),
         ast.BitOr: ('|', '&'), ast.BitAnd: ('&', '|'),
         ast.LShift: ('<<', '>>'), ast.RShift: ('>>', '<<')}
SIMPLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Return,
          ast.Raise, ast.Break, ast.Continue, ast.Delete)


# ---------------------------------------------------------------- mutants

class Source:
    """The module's text, with offsets of each line for splicing."""

    def __init__(self, text):
        self.text = text
        self.starts = [0]
        for line in text.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, line, col):
        # ast columns are UTF-8 byte offsets; the module is ASCII here, but
        # convert to be safe.
        start = self.starts[line - 1]
        line_text = self.text[start:self.starts[line]]
        return start + len(line_text.encode('utf-8')[:col].decode('utf-8', 'replace'))

    def span(self, node):
        return (self.offset(node.lineno, node.col_offset),
                self.offset(node.end_lineno, node.end_col_offset))

    def line_of(self, offset):
        lo, hi = 0, len(self.starts) - 1
        while lo < hi - 1:
            mid = (lo + hi) // 2
            if self.starts[mid] <= offset:
                lo = mid
            else:
                hi = mid
        return lo + 1


class Mutant:
    def __init__(self, scope, op, start, end, replacement, source, lines):
        self.scope = scope
        self.op = op
        self.start = start
        self.end = end
        self.replacement = replacement
        self.line = source.line_of(start)
        self.lines = lines  # the lines it lives on, for reach
        self.original = source.text[start:end]
        self.id = None
        self.at_import = False
        self.import_time_node = False
        self.later_module = False
        # What a reader sees: the node's text before and after.
        self.shown = None

    def apply(self, text):
        return text[:self.start] + self.replacement + text[self.end:]

    def describe(self):
        before, after = self.shown or (self.original, self.replacement)
        before = ' '.join(before.split())
        after = ' '.join(after.split())
        return '%s  ->  %s' % (before[:70], after[:70])


def docstring_nodes(tree):
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef,
                             ast.AsyncFunctionDef)):
            body = node.body
            if (body and isinstance(body[0], ast.Expr)
                    and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)):
                out.add(id(body[0]))
                out.add(id(body[0].value))
    return out


def flag_families(tree):
    """The module's flag and type constants, by family, in order."""
    families = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and isinstance(node.value, ast.Constant):
                for prefix in FLAG_FAMILIES:
                    if target.id.startswith(prefix):
                        families.setdefault(prefix, []).append(target.id)
    return families


def gap_between(source, left, right):
    """The text between two sibling nodes, and its offset."""
    start = source.offset(left.end_lineno, left.end_col_offset)
    end = source.offset(right.lineno, right.col_offset)
    return start, source.text[start:end]


def replace_token(source, start, gap, old, new):
    """The span of the token `old` in the text `gap` at `start`, and `new`
    in its place; None if it is not there as a token."""
    # The gap may hold an unbalanced bracket (`(typeid << 4) | flags` has
    # `) |` between its operands): keep the tokens read before the error.
    tokens = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(gap).readline):
            tokens.append(tok)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    words = old.split()
    for i, tok in enumerate(tokens):
        if tok.string == words[0] and all(
                i + k < len(tokens) and tokens[i + k].string == w
                for k, w in enumerate(words)):
            last = tokens[i + len(words) - 1]
            rel = Source(gap)
            a = rel.offset(tok.start[0], tok.start[1])
            b = rel.offset(last.end[0], last.end[1])
            return start + a, start + b, new
    return None


def make_mutants(text):
    source = Source(text)
    tree = ast.parse(text)
    docs = docstring_nodes(tree)
    families = flag_families(tree)
    defined = {name for names in families.values() for name in names}
    definition_targets = set()
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for t in node.targets:
                definition_targets.add(id(t))
    mutants = []
    # The lines of module-level statements of the later revision: those
    # that assign a name the 2018 revision does not have, or do anything
    # else but define.
    later_lines = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)):
            continue
        if id(node) in docs:
            continue
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        if not names or any(n not in NAMES_2018 for n in names):
            later_lines.update(range(node.lineno, node.end_lineno + 1))

    # Default values and decorators of functions that are not inside a
    # function run at import too.
    import_time = set()

    def mark_import_time(node, in_function):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) and not in_function:
                for part in (child.args.defaults + child.args.kw_defaults
                             + child.decorator_list):
                    if part is not None:
                        import_time.update(id(n) for n in ast.walk(part))
            mark_import_time(child, in_function or isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef)))

    mark_import_time(tree, False)

    # The lines of the statement each node is in: a line event of the
    # tracer comes on a statement's lines, not always on the node's own
    # (Python 2.7 reports a multi-line statement at its first line). For a
    # compound statement, only its header: its body has statements of its
    # own.
    statement_lines = {}

    def header(stmt):
        bodies = [getattr(stmt, f, None) for f in ('body', 'orelse', 'finalbody', 'handlers')]
        firsts = [b[0].lineno for b in bodies if isinstance(b, list) and b]
        end = min(firsts) if firsts else stmt.end_lineno + 1
        return set(range(stmt.lineno, max(end, stmt.lineno + 1)))

    def mark_statements(node, lines):
        for child in ast.iter_child_nodes(node):
            own = header(child) if isinstance(child, ast.stmt) else lines
            statement_lines[id(child)] = own
            mark_statements(child, own)

    mark_statements(tree, set())

    # Annotations are never evaluated (`from __future__ import annotations`
    # in 7.2.4): their mutants would all be equivalent.
    annotations = set()
    for node in ast.walk(tree):
        parts = []
        if isinstance(node, ast.AnnAssign):
            parts.append(node.annotation)
            if node.value is None:
                parts.append(node)
        elif isinstance(node, ast.arg) and node.annotation is not None:
            parts.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns:
            parts.append(node.returns)
        for part in parts:
            annotations.update(id(n) for n in ast.walk(part))

    def add(scope, op, start, end, replacement, node):
        if id(node) in annotations:
            return
        lines = set(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        lines |= statement_lines.get(id(node), set())
        m = Mutant(scope, op, start, end, replacement, source, lines)
        m.import_time_node = id(node) in import_time
        a, b = source.span(node)
        if op in ('cmp', 'bool', 'arith', 'string') and a <= start <= end <= b:
            whole = source.text[a:b]
            m.shown = (whole, whole[:start - a] + replacement + whole[end - a:])
        elif op == 'return-early':
            m.shown = ('', 'return')
        m.later_module = scope == '<module>' and m.line in later_lines
        mutants.append(m)

    def visit(node, scope, in_function):
        for child in ast.iter_child_nodes(node):
            child_scope = scope
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                child_scope = child.name if scope == '<module>' else '%s.%s' % (scope, child.name)
            before = len(mutants)
            mutate(child, child_scope, scope)
            for m in mutants[before:]:
                # Code outside functions runs when the module is imported.
                m.at_import = m.import_time_node or (
                    not in_function and m.op != 'return-early')
            visit(child, child_scope,
                  in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))

    def mutate(node, own_scope, scope):
        # `scope` is where `node` sits; a def's own body is `own_scope`.
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = [b for b in node.body if id(b) not in docs]
            if body:
                first = body[0]
                decorators = getattr(first, 'decorator_list', None)
                if decorators:
                    # Before the decorators of a nested definition.
                    start = source.offset(decorators[0].lineno, decorators[0].col_offset - 1)
                else:
                    start = source.offset(first.lineno, first.col_offset)
                if first.lineno == node.lineno:
                    # `def f(): body` on one line.
                    add(own_scope, 'return-early', start, start, 'return; ', first)
                else:
                    indent = ' ' * first.col_offset
                    add(own_scope, 'return-early', start, start, 'return\n' + indent, first)
        if isinstance(node, ast.Compare):
            left = node.left
            for op, right in zip(node.ops, node.comparators):
                start, gap = gap_between(source, left, right)
                hit = replace_token(source, start, gap, CMP_TEXT[type(op)], CMP[type(op)])
                if hit:
                    add(scope, 'cmp', hit[0], hit[1], hit[2], node)
                left = right
        if isinstance(node, ast.BoolOp):
            word, other = ('and', 'or') if isinstance(node.op, ast.And) else ('or', 'and')
            start, gap = gap_between(source, node.values[0], node.values[1])
            hit = replace_token(source, start, gap, word, other)
            if hit:
                add(scope, 'bool', hit[0], hit[1], hit[2], node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            start, end = source.span(node)
            inner_start, inner_end = source.span(node.operand)
            inner = source.text[inner_start:inner_end]
            add(scope, 'bool', start, end, '(%s)' % inner, node)
        if isinstance(node, ast.BinOp) and type(node.op) in ARITH:
            old, new = ARITH[type(node.op)]
            start, gap = gap_between(source, node.left, node.right)
            hit = replace_token(source, start, gap, old, new)
            if hit:
                add(scope, 'arith', hit[0], hit[1], hit[2], node)
        if isinstance(node, ast.AugAssign) and type(node.op) in ARITH:
            old, new = ARITH[type(node.op)]
            start, gap = gap_between(source, node.target, node.value)
            hit = replace_token(source, start, gap, old + '=', new + '=')
            if hit:
                add(scope, 'arith', hit[0], hit[1], hit[2], node)
        if isinstance(node, ast.Constant) and id(node) not in docs:
            start, end = source.span(node)
            value = node.value
            if isinstance(value, bool):
                add(scope, 'const', start, end, repr(not value), node)
            elif isinstance(value, int):
                add(scope, 'const', start, end, '(%s + 1)' % source.text[start:end], node)
            elif isinstance(value, (str, bytes)) and source.text[start:end][-1:] in '\'"':
                # An X before the closing quote of the literal's last part
                # (an implicit concatenation is one node).
                text = source.text[start:end]
                quote = text[-3:] if text[-3:] in ('"""', "'''") else text[-1]
                add(scope, 'string', end - len(quote), end - len(quote), 'X', node)
        if (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
                and node.id in defined and id(node) not in definition_targets):
            for prefix, names in families.items():
                if node.id in names and len(names) > 1:
                    nxt = names[(names.index(node.id) + 1) % len(names)]
                    start, end = source.span(node)
                    add(scope, 'swap-flag', start, end, nxt, node)
        if isinstance(node, SIMPLE) and id(node) not in docs and scope != '<module>':
            start, end = source.span(node)
            # Keep the line count: one `pass` per line of the statement.
            n = node.end_lineno - node.lineno
            indent = ' ' * node.col_offset
            add(scope, 'stmt-del', start, end, 'pass' + ('\n' + indent + 'pass') * n, node)

    visit(tree, '<module>', False)
    mutants.sort(key=lambda m: (m.start, m.end, m.op, m.replacement))
    counts = {}
    for m in mutants:
        key = (m.scope, m.op)
        counts[key] = counts.get(key, 0) + 1
        m.id = '%s:%s:%d' % (m.scope, m.op, counts[key] - 1)
    return mutants


# ---------------------------------------------------------------- running

def module_path():
    if os.path.basename(ADAPTER) == 'mercurial-4.7':
        path = os.path.join(ADAPTER, '.hg47', 'mercurial-4.7', 'mercurial',
                            'wireprotoframing.py')
        if not os.path.exists(path):
            sys.exit('tools/mutants.py: no Mercurial 4.7; run bash adapters/mercurial-4.7/setup.sh')
        return path
    python = os.path.join(ADAPTER, '.venv', 'bin', 'python')
    if not os.path.exists(python):
        sys.exit('tools/mutants.py: no Mercurial adapter; run bash adapters/mercurial/setup.sh')
    out = subprocess.run(
        [python, '-c', 'import mercurial.wireprotoframing as m; print(m.__file__)'],
        env=dict(os.environ, HGMODULEPOLICY='py'), capture_output=True, text=True, check=True)
    return out.stdout.strip()


def hgframe_bin():
    if os.environ.get('HGFRAME'):
        return os.environ['HGFRAME']
    for profile in ('release', 'debug'):
        path = os.path.join(ROOT, 'target', profile, 'hgframe')
        if os.path.exists(path):
            return path
    subprocess.run(['cargo', 'build', '--release', '--quiet'], cwd=ROOT, check=True)
    return os.path.join(ROOT, 'target', 'release', 'hgframe')


def run_suite(module, limit, extra_env=None):
    """Runs every vector through the adapter on `module`: the per-vector
    results, or 'timeout' / ('unviable', why) / ('error', why)."""
    env = dict(os.environ, HGFRAME_WIREPROTOFRAMING=module)
    env.update(extra_env or {})
    command = [hgframe_bin(), 'run', '--impl', os.path.join(ADAPTER, 'run'),
               '--format', 'json', '--timeout', '5']
    # A session of its own, so that a looping adapter dies with the run.
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return 'timeout'
    err = stderr.decode('utf-8', 'replace')
    why = err.strip().splitlines()[-1:]
    if proc.returncode == 2 and 'did not start' in err:
        return ('unviable', why)
    try:
        report = json.loads(stdout)
    except ValueError:
        return ('error', ['exit status %s: %s' % (proc.returncode, why)])
    results = {}
    for v in report['vectors']:
        results[v['id']] = json.dumps(
            [v['result'], v.get('step'), v.get('actual'), v.get('problem'), v.get('reason')],
            sort_keys=True)
    return results


def judge(baseline, results):
    if results == 'timeout':
        return 'timeout', []
    if isinstance(results, tuple):
        return results[0], results[1]
    killers = sorted(i for i in baseline if results.get(i) != baseline[i])
    return ('killed' if killers else 'survived'), killers


def only_broken(results, killers):
    """Whether every vector that tells the mutant apart broke the exchange
    (a timeout under load looks the same): such a kill is run again."""
    return isinstance(results, dict) and killers and all(
        json.loads(results[k])[0] == 'broken' for k in killers if k in results)


def reached_lines(module, limit):
    with tempfile.TemporaryDirectory() as tmp:
        prefix = os.path.join(tmp, 'lines')
        baseline = run_suite(module, limit * 4, {'HGFRAME_LINES_OUT': prefix})
        lines = set()
        for name in os.listdir(tmp):
            with open(os.path.join(tmp, name)) as f:
                lines.update(int(n) for n in f.read().split())
    return baseline, lines


def run_mutants(mutants, text, baseline, limit, jobs):
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        def one(m):
            path = os.path.join(tmp, 'm%s.py' % hashlib.sha1(m.id.encode()).hexdigest()[:12])
            with open(path, 'w') as f:
                f.write(m.apply(text))
            try:
                compile(m.apply(text), path, 'exec')
            except SyntaxError as e:
                return m, ('unviable', ['syntax error: %s' % e])
            started = time.time()
            results = run_suite(path, limit)
            verdict = judge(baseline, results)
            if verdict[0] == 'killed' and only_broken(results, verdict[1]):
                verdict = judge(baseline, run_suite(path, limit))
            return m, verdict + (time.time() - started,)
        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            for n, (m, verdict) in enumerate(pool.map(one, mutants), 1):
                results[m.id] = verdict
                if sys.stderr.isatty():
                    sys.stderr.write('\r%d/%d' % (n, len(mutants)))
        if sys.stderr.isatty():
            sys.stderr.write('\n')
    return results


def classify(mutants, lines):
    """reached / later / unreached, for each mutant."""
    out = {}
    for m in mutants:
        # The definition it is in: a function, or a method of a class (a
        # function nested in either belongs to it).
        parts = m.scope.split('.')
        definition = '.'.join(parts[:2]) if parts[0] in CLASSES_2018 else parts[0]
        reached = m.at_import or bool(m.lines & lines)
        if m.later_module or (m.scope != '<module>' and definition not in REVISION_2018):
            out[m.id] = 'later-reached' if reached else 'later'
        elif reached:
            out[m.id] = 'reached'
        else:
            out[m.id] = 'unreached'
    return out


# ---------------------------------------------------------------- reports

def summary(mutants, reach, results, relpath):
    by_id = {m.id: m for m in mutants}
    ours = {i: r for i, r in results.items() if reach[i] == 'reached'}
    count = lambda what, rs=ours: sum(1 for r in rs.values() if r[0] == what)
    killed, timeout, survived, unviable, errors = (
        count('killed'), count('timeout'), count('survived'), count('unviable'), count('error'))
    viable = killed + timeout + survived
    later = sum(1 for r in reach.values() if r == 'later')
    theirs = {i: r for i, r in results.items() if reach[i] == 'later-reached'}
    unreached = [i for i, r in reach.items() if r == 'unreached']
    lines = []
    rate = 100.0 * (killed + timeout) / viable if viable else 0.0
    lines.append('%d mutants of %s: %d of 2018 code run, %d unreached in 2018 code; '
                 'in the later revision\'s own code %d that the vectors run, %d that they do not' % (
                     len(mutants), relpath, len(ours), len(unreached), len(theirs), later))
    lines.append('2018 code: %d killed, %d timeout, %d survived, %d unviable, %d errors' % (
        killed, timeout, survived, unviable, errors))
    lines.append('kill rate: %.1f %% of %d viable reached mutants of 2018 code' % (rate, viable))
    if theirs:
        lines.append("later revision's code, run: %d killed, %d timeout, %d survived, %d unviable" % (
            count('killed', theirs), count('timeout', theirs), count('survived', theirs),
            count('unviable', theirs)))
    lines.append('')
    lines.append('survivors:')
    for i, r in sorted(ours.items(), key=lambda kv: by_id[kv[0]].start):
        if r[0] in ('survived', 'error'):
            m = by_id[i]
            lines.append('  %s:%d  %s  %s' % (relpath, m.line, i, m.describe()))
    lines.append('')
    lines.append('unreached in 2018 code:')
    for i in sorted(unreached, key=lambda i: by_id[i].start):
        m = by_id[i]
        lines.append('  %s:%d  %s  %s' % (relpath, m.line, i, m.describe()))
    kills = {}
    for r in results.values():
        for v in r[1] if r[0] == 'killed' else []:
            kills[v] = kills.get(v, 0) + 1
    lines.append('')
    lines.append('vectors that kill the most mutants:')
    for v, n in sorted(kills.items(), key=lambda kv: (-kv[1], kv[0]))[:15]:
        lines.append('  %4d  %s' % (n, v))
    return '\n'.join(lines) + '\n'


# ---------------------------------------------------------------- commands

def setup():
    path = module_path()
    with open(path) as f:
        text = f.read()
    return path, text, make_mutants(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    sub = parser.add_subparsers(dest='command', required=True)
    sub.add_parser('list', help='list the mutants')
    run = sub.add_parser('run', help='run the mutants')
    run.add_argument('--only', nargs='*', help='these mutant ids')
    run.add_argument('--later', action='store_true',
                     help="also run the later revision's own mutants")
    run.add_argument('--out', help='write mutants.json and summary.txt here')
    run.add_argument('--record', action='store_true',
                     help='write the CI sample (tools/mutants-sample.json) from this run')
    sample = sub.add_parser('sample', help='run the CI sample; fail if a killed one survives')
    listing = sub.choices['list']
    listing.add_argument('--adapter', choices=ADAPTERS, default='mercurial')
    for p in (run, sample):
        p.add_argument('--adapter', choices=ADAPTERS, default='mercurial',
                       help='whose module to mutate (default: mercurial, 7.2.4)')
        p.add_argument('--jobs', type=int, default=2)
        p.add_argument('--limit', type=float, default=60.0, help='seconds per mutant')
    args = parser.parse_args()
    global ADAPTER
    ADAPTER = os.path.join(ROOT, 'adapters', getattr(args, 'adapter', 'mercurial'))
    if ((getattr(args, 'record', False) or args.command == 'sample')
            and os.path.basename(ADAPTER) != 'mercurial'):
        sys.exit('tools/mutants.py: the CI sample is of the mercurial (7.2.4) adapter')

    path, text, mutants = setup()
    relpath = 'mercurial/wireprotoframing.py'
    if args.command == 'list':
        for m in mutants:
            print('%s:%d\t%s\t%s' % (relpath, m.line, m.id, m.describe()))
        print('%d mutants' % len(mutants), file=sys.stderr)
        return 0

    if args.command == 'sample':
        with open(SAMPLE_FILE) as f:
            recorded = json.load(f)
        if hashlib.sha256(text.encode()).hexdigest() != recorded.get('module_sha256'):
            print('tools/mutants.py: the module is not the one the sample was recorded from; '
                  'record it again (run --record)')
            return 1
        wanted = {m['id']: m['result'] for m in recorded['mutants']}
        chosen = [m for m in mutants if m.id in wanted]
        changed = [m['id'] for m in recorded['mutants']
                   if m['id'] not in {c.id for c in chosen}
                   or next(c for c in chosen if c.id == m['id']).describe() != m['change']]
        if changed:
            print('tools/mutants.py: sampled mutants are gone or changed: %s; '
                  'record the sample again (run --record)' % changed)
            return 1
        baseline = run_suite(path, args.limit * 4)
        if not isinstance(baseline, dict):
            print('tools/mutants.py: the unchanged module does not run: %s' % (baseline,))
            return 1
        results = run_mutants(chosen, text, baseline, args.limit, args.jobs)
        regressions = [i for i, r in results.items()
                       if wanted[i] in ('killed', 'timeout') and r[0] == 'survived']
        counts = {}
        for r in results.values():
            counts[r[0]] = counts.get(r[0], 0) + 1
        print('mutants sample: %d run: %s' % (len(results), ', '.join(
            '%d %s' % (n, k) for k, n in sorted(counts.items()))))
        for i in regressions:
            m = next(m for m in chosen if m.id == i)
            print('SURVIVED, killed before: %s:%d %s  %s' % (relpath, m.line, i, m.describe()))
        return 1 if regressions else 0

    traced, lines = reached_lines(path, args.limit)
    # The baseline of the judgement runs untraced, as the mutants do.
    baseline = run_suite(path, args.limit * 4)
    if not isinstance(baseline, dict) or not isinstance(traced, dict):
        print('tools/mutants.py: the unchanged module does not run: %s' % (baseline,))
        return 1
    reach = classify(mutants, lines)
    chosen = [m for m in mutants if reach[m.id] in ('reached', 'later-reached')
              or (args.later and reach[m.id] == 'later')]
    if args.only is not None:
        chosen = [m for m in mutants if m.id in set(args.only)]
    started = time.time()
    results = run_mutants(chosen, text, baseline, args.limit, args.jobs)
    elapsed = time.time() - started
    report = summary(mutants, reach, results, relpath)
    report += '\n%d mutants in %.0f s with %d jobs\n' % (len(results), elapsed, args.jobs)
    print(report, end='')
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, 'summary.txt'), 'w') as f:
            f.write(report)
        with open(os.path.join(args.out, 'mutants.json'), 'w') as f:
            json.dump({
                'module': relpath,
                'mutants': [{
                    'id': m.id, 'line': m.line, 'operator': m.op,
                    'change': m.describe(), 'reach': reach[m.id],
                    'result': results[m.id][0] if m.id in results else None,
                    'killers': results[m.id][1] if m.id in results else [],
                } for m in mutants],
            }, f, indent=1)
    if args.record:
        ranked = sorted((m for m in chosen if m.id in results and reach[m.id] == 'reached'),
                        key=lambda m: hashlib.sha1(m.id.encode()).hexdigest())
        pick = ranked[:SAMPLE_SIZE]
        with open(SAMPLE_FILE, 'w') as f:
            json.dump({
                'about': 'The CI sample of tools/mutants.py: mutants of Mercurial '
                         '7.2.4\'s wireprotoframing.py, the first %d by the SHA-1 of '
                         'their ids, with their result in a full run. `tools/mutants.py '
                         'sample` fails if one that was killed survives.' % SAMPLE_SIZE,
                'module_sha256': hashlib.sha256(text.encode()).hexdigest(),
                'mutants': [{'id': m.id, 'line': m.line, 'change': m.describe(),
                             'result': results[m.id][0]} for m in pick],
            }, f, indent=1)
            f.write('\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())

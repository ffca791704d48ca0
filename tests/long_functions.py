#!/usr/bin/env python3
"""Lists the C functions longer than a limit (default 60 lines), longest
first: a definition starts with `name(` at the start of a line (the style's
return type on the line above) and ends at the next `}` in column 0.

    python3 tests/long_functions.py [--limit N] [files or folders...]

Defaults to node/ and sync/.  Prints `lines file:line function`; exits 0
(a list to read, not a gate)."""
import argparse
import os
import re
import sys

START = re.compile(r'^([A-Za-z_][A-Za-z0-9_]*)\(')


def functions(path):
    with open(path, encoding='utf-8', errors='replace') as f:
        lines = f.read().split('\n')
    name = None
    for i, line in enumerate(lines):
        m = START.match(line)
        if name is None and m:
            name, first = m.group(1), i
        elif name is not None and line.startswith('}'):
            yield name, first + 1, i - first + 1
            name = None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--limit', type=int, default=60)
    ap.add_argument('paths', nargs='*', default=['node', 'sync'])
    a = ap.parse_args()
    files = []
    for p in a.paths:
        if os.path.isdir(p):
            files += [os.path.join(p, f) for f in sorted(os.listdir(p))
                      if f.endswith('.c')]
        else:
            files.append(p)
    rows = [(n, f, line, name) for f in files
            for name, line, n in functions(f) if n > a.limit]
    rows.sort(key=lambda r: (-r[0], r[1], r[2]))
    for n, f, line, name in rows:
        print(f'{n:5d} {f}:{line} {name}')
    print(f'{len(rows)} functions over {a.limit} lines', file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())

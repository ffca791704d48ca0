"""Crash safety: kill -9 at random moments during a large import.  After
each kill the log verifies, the tables are exactly the fold of the log,
and the node holds either the whole import or none of it."""
import os
import random
import signal
import subprocess
import time

import pytest

import cstest
from cstest import Node, cno, verify
from test_import import big_jsonl

pytestmark = pytest.mark.slow

NCASES = 50_000            # 4 events each: 200,000 events
ATTEMPTS = 4
BUDGET = 55.0              # seconds for the kills, the checks and the final import


def start_import(node, path):
    env = dict(os.environ)
    env.pop("COURTSYNC_HOME", None)
    env["COURTSYNC_TIME"] = node.env["COURTSYNC_TIME"]
    return subprocess.Popen([cstest.BIN, "-C", str(node.home), "import",
                             str(path)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def check_node(node, tag, sizes):
    """The invariants after a crash; returns the node's size."""
    ex = node.home.parent / f"export-{tag}"
    node.export(ex)
    r = verify(ex, key=f"@{node.home}/log.vkey")
    assert r.code == 0 and r.out.startswith("OK"), f"after {tag}" + r.describe()
    node.rebuild_check()
    size = node.size()
    assert size in sizes, f"after {tag}: size {size}, expected one of {sizes}"
    assert len(node.cases()) == 1 + (size - 1) // 4
    return size


def test_kill_during_large_import(node):
    seed = int(os.environ.get("COURTSYNC_TEST_SEED", time.time_ns() % 2**32))
    rng = random.Random(seed)
    print(f"COURTSYNC_TEST_SEED={seed}")
    t_start = time.monotonic()
    node.file(cno(1))
    n_events = 4 * NCASES
    first = 2
    path = node.home.parent / "import.jsonl"
    big_jsonl(path, NCASES, first=first)

    # how long an import takes here, measured on a throwaway node
    probe = Node(node.home.parent / "probe")
    probe.init()
    t0 = time.monotonic()
    probe.ok("import", path)
    duration = time.monotonic() - t0
    probe.final_checks = False
    print(f"a {n_events}-event import takes {duration:.2f}s")

    size = node.size()
    killed_running = 0
    for attempt in range(ATTEMPTS):
        # two kills always (one at a random moment, one aimed at the
        # end), more while the time budget allows
        # (and at least one kill that lands while the import runs: the
        # probe's timing is only an estimate on a busy machine)
        if attempt >= 2 and killed_running > 0 and \
                time.monotonic() - t_start > BUDGET - 3 * duration - 5:
            break
        # the last attempt aims at the end: commit, then the checkpoint
        delay = rng.uniform(0.85 * duration, 1.05 * duration) \
            if attempt == ATTEMPTS - 1 else rng.uniform(0.0, duration * 1.1)
        if attempt >= 2 and killed_running == 0:
            delay = rng.uniform(0.0, duration * 0.3)
        p = start_import(node, path)
        time.sleep(delay)                  # the fault: a kill at this moment
        running = p.poll() is None
        if running:
            p.send_signal(signal.SIGKILL)
        p.communicate(timeout=60)
        killed_running += running
        print(f"attempt {attempt}: kill after {delay:.2f}s "
              f"({'while running' if running else 'already done'}), "
              f"exit {p.returncode}")
        new = check_node(node, f"kill-{attempt}", {size, size + n_events})
        if new != size:                    # committed: next file, new cases
            size = new
            first += NCASES
            big_jsonl(path, NCASES, first=first)
    assert killed_running > 0, "no kill landed while the import was running"

    # a final import completes
    node.ok("import", path, msg=f"imported {n_events} events")
    check_node(node, "final", {size + n_events})
    # (No wall-clock assertion: the budget above only limits how many
    # attempts run; a loaded machine must not fail the test.)

"""
Fixtures for the courtsync functional tests (see cstest.py).

`node` is an initialised basic court (武都区, 甘1202) in its own temporary
home; `make_node(name)` makes more (uninitialised) nodes.  When a test
ends, every node that is still a healthy home is checked the way a
Bitcoin Core test stops its nodes: `rebuild --check` must report that the
tables are exactly the fold of the log, and a fresh export must verify.
pytest keeps the temporary directories of failed tests
(pytest --basetemp=DIR to choose where).
"""
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cstest  # noqa: E402


def pytest_report_header(config):
    return [f"courtsync binary: {cstest.BIN}"]


def pytest_configure(config):
    if not os.access(cstest.BIN, os.X_OK):
        raise pytest.UsageError(
            f"no courtsync binary at {cstest.BIN}: run `make` or set "
            "COURTSYNC_BIN")


@pytest.fixture
def make_node(tmp_path):
    nodes = []

    def make(name="node", time=cstest.DEFAULT_TIME):
        n = cstest.Node(tmp_path / name, time=time)
        nodes.append(n)
        return n

    yield make
    for i, n in enumerate(nodes):
        if not n.final_checks or not n.is_home():
            continue
        n.rebuild_check()
        dest = tmp_path / f"final-export-{i}"
        n.export(dest)
        r = cstest.verify(dest, key=f"@{n.home}/log.vkey")
        assert r.code == 0 and r.out.startswith("OK"), r.describe()


@pytest.fixture
def node(make_node):
    n = make_node("wudu")
    n.init()
    return n

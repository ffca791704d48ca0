"""
The command line as one family (docs/ARCHITECTURE.md, "The command
line"): every command and subcommand answers --help (and -h) with its
usage on stdout, exit 0, and does nothing else — no home directory is
needed or created, no file or directory appears (issue 14: `log export
--help` used to create a directory named `--help`); and every one refuses
an unknown option with exit 2, naming it.
"""
import os

import pytest

from cstest import EXIT_USAGE, run


def event_commands():
    """The event commands, as the top-level usage lists them."""
    out = run(["--help"]).out.splitlines()
    start = next(i for i, l in enumerate(out) if l.startswith("Recording"))
    cmds = []
    for line in out[start + 1:]:
        if not line.strip():
            break
        word = line.split()[0]
        if word != "import":
            cmds.append(word)
    return cmds


COMMANDS = [
    ["init"], ["import"], ["cases"], ["case"], ["report"], ["rebuild"],
    ["log"], ["log", "show"], ["log", "root"], ["log", "checkpoint"],
    ["log", "export"], ["log", "verify"],
    ["serve"], ["push"], ["witness"], ["witness", "init"],
    ["audit"], ["audit", "--proof", "p.json"], ["prove"], ["digest"],
    ["help"],
] + [[c] for c in event_commands()]

# Arguments after the command that would make it act, were --help ignored.
ACTING = {
    "init": ["--path", "cn/gs/ln/wudu", "--name", "武都区人民法院",
             "--code", "甘1202", "--level", "4"],
    "import": ["events.csv"],
    "case": ["(2024)甘1202执1号"],
    "log export": ["out"],
    "log verify": ["out", "--key", "k"],
    "witness init": ["--path", "cn/w1"],
    "prove": ["(2024)甘1202执1号", "-o", "proof.json"],
}


def tree(d):
    return sorted(os.path.relpath(os.path.join(r, f), d)
                  for r, ds, fs in os.walk(d) for f in ds + fs)


def ids(cmd):
    return " ".join(cmd)


@pytest.mark.parametrize("cmd", COMMANDS, ids=ids)
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_prints_usage_and_changes_nothing(tmp_path, monkeypatch, cmd,
                                               flag):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    home = tmp_path / "home"
    args = ACTING.get(" ".join(cmd), [])
    for line in (cmd + [flag] + args, cmd + args + [flag]):
        r = run(["-C", home, *line])
        assert r.code == 0, r.describe()
        assert "usage:" in r.out, r.describe()
        assert r.err == "", r.describe()
        assert tree(work) == [], f"{line} changed the directory"
        assert not home.exists(), f"{line} created the home"


def test_log_export_help_creates_no_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run(["-C", tmp_path / "home", "log", "export", "--help"])
    assert r.code == 0 and "log export DIR" in r.out, r.describe()
    assert not (tmp_path / "--help").exists()
    assert not (tmp_path / "--help.partial").exists()


@pytest.mark.parametrize("cmd", [c for c in COMMANDS if c != ["log"]],
                         ids=ids)
def test_unknown_option_is_a_usage_error_naming_it(tmp_path, monkeypatch,
                                                   cmd):
    monkeypatch.chdir(tmp_path)
    r = run(["-C", tmp_path / "home", *cmd, "--no-such-option", "x"])
    assert r.code == EXIT_USAGE, r.describe()
    assert "unknown option --no-such-option" in r.err, r.describe()
    assert not (tmp_path / "home").exists()


def test_log_unknown_subcommand_names_it(tmp_path):
    r = run(["-C", tmp_path / "home", "log", "--no-such-option"])
    assert r.code == EXIT_USAGE, r.describe()
    assert "unknown subcommand --no-such-option" in r.err, r.describe()


@pytest.mark.parametrize("line,msg", [
    (["log", "show", "--from"], "log show: --from needs a value"),
    (["log", "root", "--json=1"], "unknown option --json"),
    (["cases", "--json=yes"], "cases: --json takes no value"),
    (["log", "root", "extra"], "log root takes no arguments"),
    (["prove", "-x"], "prove: unknown option -x"),
])
def test_usage_errors(tmp_path, line, msg):
    r = run(["-C", tmp_path / "home", *line])
    assert r.code == EXIT_USAGE, r.describe()
    assert msg in r.err, r.describe()


def test_both_value_spellings(tmp_path):
    # --opt VALUE and --opt=VALUE read alike (both fail the same way on a
    # bad value, before any home is opened).
    a = run(["-C", tmp_path / "h", "log", "show", "--from", "x"])
    b = run(["-C", tmp_path / "h", "log", "show", "--from=x"])
    assert a.code == b.code == EXIT_USAGE and a.err == b.err, a.describe()

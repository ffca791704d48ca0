"""init: creating a court's home directory, and refusing bad set-ups."""
import hashlib
import os
import re
import stat

import pytest

from cstest import (CHENGXIAN, EMPTY_ROOT, EXIT_SYSTEM, EXIT_USAGE, WUDU,
                    Node, cno, parse_vkey, run)


def tree_digest(d):
    """Names, modes and contents of every file under d."""
    h = hashlib.sha256()
    for p in sorted(d.rglob("*")):
        st = p.stat()
        h.update(f"{p.relative_to(d)} {st.st_mode:o}\n".encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


def test_init_creates_home(make_node):
    n = make_node("wudu")
    r = n.init()
    assert "initialised" in r.out and "甘1202" in r.out
    files = {p.name for p in n.home.iterdir()}
    assert {"courtsync.conf", "courtsync.db", "log.key", "log.vkey"} <= files
    assert not (n.home.parent / "wudu.init").exists()
    key_mode = stat.S_IMODE(os.stat(n.home / "log.key").st_mode)
    assert key_mode == 0o600, oct(key_mode)
    conf = (n.home / "courtsync.conf").read_text()
    for k, v in WUDU.items():
        assert re.search(rf"^{k} = {re.escape(v)}$", conf, re.M), conf
    assert re.search(r"^parent = cn/gs/ln$", conf, re.M), conf
    vkey = (n.home / "log.vkey").read_text()
    assert vkey.endswith("\n") and vkey.count("\n") == 1
    name, keyid, pub = parse_vkey(vkey.strip())
    assert name == "courtsync/cn/gs/ln/wudu"
    # key ID = SHA-256(name || 0x0A || 0x01 || pub)[:4] (FORMAT.md §5)
    assert keyid == hashlib.sha256(
        name.encode() + b"\n\x01" + pub).digest()[:4]
    assert n.root() == (0, EMPTY_ROOT)
    assert n.cases() == []


def test_two_courts_get_different_keys(make_node):
    a, b = make_node("a"), make_node("b")
    a.init()
    b.init()
    assert (a.home / "log.vkey").read_text() != (b.home / "log.vkey").read_text()
    assert (a.home / "log.key").read_bytes() != (b.home / "log.key").read_bytes()


def test_init_into_existing_home_refused(node):
    node.file(cno(1))
    before = tree_digest(node.home)
    snap = node.snapshot()
    r = node.fails("init", *sum(([f"--{k}", v] for k, v in CHENGXIAN.items()),
                                []), code=EXIT_SYSTEM, msg="already exists")
    assert str(node.home) in r.err
    assert tree_digest(node.home) == before
    assert node.snapshot() == snap


def test_init_into_existing_empty_dir_refused(make_node):
    n = make_node("empty")
    n.home.mkdir()
    (n.home / "keep.txt").write_text("mine\n")
    before = tree_digest(n.home)
    n.fails("init", "--path", "cn/gs/ln/wudu", "--name", "W", "--code",
            "甘1202", "--level", "4", code=EXIT_SYSTEM, msg="already exists")
    assert tree_digest(n.home) == before
    assert not n.is_home()


BAD_INIT = [
    ("level 5", dict(WUDU, level="5"), 'level: "5" is not 1'),
    ("level 0", dict(WUDU, level="0"), 'level: "0" is not 1'),
    ("level x", dict(WUDU, level="x"), 'level: "x"'),
    ("upper-case path", dict(WUDU, path="CN/x", level="2"),
     'path: "CN/x" is not a court path'),
    ("empty segment", dict(WUDU, path="cn//ln"), 'path: "cn//ln"'),
    ("level vs depth", dict(WUDU, level="3"),
     "level 3 does not match path cn/gs/ln/wudu (depth 4)"),
    ("missing --name", {k: v for k, v in WUDU.items() if k != "name"},
     "name, code and level must all be set"),
    ("missing --path", {k: v for k, v in WUDU.items() if k != "path"},
     "path is not set"),
    ("code with space", dict(WUDU, code="甘 1202"), "code:"),
    ("wrong parent", dict(WUDU, parent="cn/gs/xx"),
     "parent cn/gs/xx is not the parent of cn/gs/ln/wudu"),
    ("bad durability", dict(WUDU, durability="sometimes"),
     'durability: "sometimes" is not full or normal'),
]


@pytest.mark.parametrize("why,flags,msg", BAD_INIT, ids=[b[0] for b in BAD_INIT])
def test_init_bad_flags(make_node, why, flags, msg):
    n = make_node("bad")
    args = ["init"] + sum(([f"--{k}", v] for k, v in flags.items()), [])
    n.fails(*args, code=EXIT_USAGE, msg=msg)
    assert not n.home.exists()
    assert not (n.home.parent / "bad.init").exists()


def test_init_unknown_flag_and_missing_value(make_node):
    n = make_node("bad")
    base = sum(([f"--{k}", v] for k, v in WUDU.items()), [])
    # One parser for every command, one wording: "unknown option".
    n.fails("init", *base, "--colour", "red", code=EXIT_USAGE,
            msg="unknown option --colour")
    n.fails("init", *base, "--parent", code=EXIT_USAGE,
            msg="--parent needs a value")
    assert not n.home.exists()


def test_init_durability_normal_works(make_node):
    n = make_node("normal")
    n.init(durability="normal")
    assert "durability = normal" in (n.home / "courtsync.conf").read_text()
    n.file(cno(1))
    assert n.size() == 1


NEED_HOME = [
    ["cases"], ["case", cno(1)], ["log", "root"], ["log", "show"],
    ["log", "checkpoint"], ["rebuild", "--check"],
    ["file", "--case", cno(1), "--date", "2024-03-01", "--applicant", "a",
     "--respondent", "b", "--claimed", "1"],
]


@pytest.mark.parametrize("args", NEED_HOME, ids=lambda a: " ".join(a[:2]))
def test_command_on_non_home_dir(tmp_path, args):
    d = tmp_path / "not-a-home"
    d.mkdir()
    before = tree_digest(d)
    r = run(["-C", d, *args])
    assert r.code == EXIT_SYSTEM, r.describe()
    assert f"{d} is not a courtsync home directory" in r.err, r.describe()
    assert tree_digest(d) == before


def test_command_on_missing_dir(tmp_path):
    d = tmp_path / "nowhere"
    r = run(["-C", d, "log", "root"])
    assert r.code == EXIT_SYSTEM and str(d) in r.err, r.describe()
    assert not d.exists()
    r = run(["-C", d, "log", "export", tmp_path / "ex"])
    assert r.code == EXIT_SYSTEM and str(d) in r.err, r.describe()
    assert not (tmp_path / "ex").exists()


def test_key_mode_0644_refused(node):
    node.file(cno(1))
    key = node.home / "log.key"
    key.chmod(0o644)
    snap = node.snapshot()
    node.fails("log", "checkpoint", code=EXIT_SYSTEM,
               msg="is mode 0644; must be 0600")
    ex = node.home.parent / "ex"
    node.fails("log", "export", ex, code=EXIT_SYSTEM, msg="must be 0600")
    assert not ex.exists() and not (node.home.parent / "ex.partial").exists()
    assert node.snapshot() == snap
    key.chmod(0o600)
    r = node.ok("log", "checkpoint")
    assert r.out.startswith("courtsync/cn/gs/ln/wudu\n1\n"), r.describe()


def test_missing_key_is_a_system_error(node):
    node.file(cno(1))
    (node.home / "log.key").unlink()
    node.fails("log", "checkpoint", code=EXIT_SYSTEM, msg="log.key")
    node.final_checks = False


def test_usage_errors(node):
    node.fails("frobnicate", code=EXIT_USAGE, msg='unknown command "frobnicate"')
    node.fails(code=EXIT_USAGE)
    node.fails("log", "bogus", code=EXIT_USAGE, msg="unknown subcommand bogus")
    node.fails("log", "root", "extra", code=EXIT_USAGE, msg="takes no arguments")
    node.fails("cases", "--everything", code=EXIT_USAGE,
               msg="unknown option --everything")
    node.fails("rebuild", "--force", code=EXIT_USAGE,
               msg="unknown option --force")
    r = run(["--version"])
    assert r.code == 0 and r.out.startswith("courtsync "), r.describe()
    r = run(["--help"])
    assert r.code == 0 and "usage: courtsync" in r.out


def test_init_home_with_trailing_slash(make_node):
    """`-C DIR/` names the same home as `-C DIR`."""
    n = make_node("slashed")
    r = run(["-C", f"{n.home}/", "init", "--path", "cn/gs/ln/wudu", "--name",
             "W", "--code", "甘1202", "--level", "4"])
    assert r.code == 0, r.describe()
    assert n.is_home() and (n.home / "log.key").exists()
    assert not (n.home / ".init").exists()
    assert n.root() == (0, EMPTY_ROOT)


def test_log_show_bad_numbers_are_usage_errors(node):
    node.file(cno(1))
    node.fails("log", "show", "--from", "abc", code=EXIT_USAGE, msg="abc")
    node.fails("log", "show", "--count", "-1", code=EXIT_USAGE, msg="-1")
    r = node.ok("log", "show", "--from", "0", "--count", "1", "--json")
    assert len(r.out.splitlines()) == 1


def test_case_not_filed(node):
    node.fails("case", cno(9), code=1, msg=f"case {cno(9)} is not filed here")
    node.fails("case", code=EXIT_USAGE, msg="which case number?")

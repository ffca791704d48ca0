"""log export / log verify: an auditor's offline check, and the exact
problem it names for every kind of tampering (docs/FORMAT.md §7)."""
import base64
import hashlib
import json
import shutil

import msgpack
import pytest

from cstest import (CHENGXIAN, EMPTY_ROOT, EXIT_REFUSED, EXIT_SYSTEM, WUDU,
                    Export, Node, cno, leaf_hash, merkle_root, parse_note,
                    parse_vkey, run, verify)

ORIGIN = "courtsync/cn/gs/ln/wudu"
C1, C2 = cno(1), cno(2)


def populate(node):
    """10 entries, checkpoints at 4 and 8; the export signs 10."""
    node.file(C1, date="2024-03-01", claimed="1000")
    node.ok("assign", "--case", C1, "--date", "2024-03-02", "--handler", "王")
    node.ok("funds-in", "--case", C1, "--date", "2024-03-03", "--amount", "500")
    node.ok("node", "--case", C1, "--date", "2024-03-04", "--node", "notice")
    node.ok("log", "checkpoint")
    node.file(C2, date="2024-03-05")
    node.ok("funds-out", "--case", C1, "--date", "2024-03-06", "--amount",
            "500", "--payee", "甲")
    node.ok("assign", "--case", C2, "--date", "2024-03-07", "--handler", "李")
    node.ok("node", "--case", C2, "--date", "2024-03-08", "--node", "seizure",
            "--asset", "deposit", "--expires", "2025-03-08")
    node.ok("log", "checkpoint")
    node.ok("close", "--case", C1, "--date", "2024-03-09", "--mode",
            "completed", "--recovered", "500")
    node.ok("ack", "--case", C1, "--date", "2024-03-10", "--rule", "r",
            "--supervisor", "s", "--note", "n")


@pytest.fixture
def exported(node):
    populate(node)
    return Export(node.export(node.home.parent / "export"))


def verify_fails(ex, msg, key=None):
    r = verify(ex.path, key=key)
    assert r.code == EXIT_REFUSED, "tampered export verified" + r.describe()
    assert r.out.startswith(f"FAILED {ex.path} ("), r.describe()
    assert msg in r.err and msg in r.out, f"expected {msg!r}" + r.describe()
    return r


# ---- the good export ----

def test_export_layout_and_verify(node, exported):
    size, root = node.root()
    assert size == 10
    assert exported.checkpoint_sizes() == [4, 8, 10]
    assert sorted(p.name for p in exported.path.iterdir()) == \
        ["checkpoints", "court.json", "court.vkey", "entries.bin"]
    assert not (node.home.parent / "export.partial").exists()
    assert (exported.path / "court.vkey").read_text() == \
        (node.home / "log.vkey").read_text()
    cj = json.loads((exported.path / "court.json").read_text())
    assert cj == {"format": "courtsync-export/1", "origin": WUDU["path"],
                  "name": WUDU["name"], "code": WUDU["code"], "level": 4,
                  "vkey": exported.vkey(), "hash": "sha256",
                  "signature": "ed25519"}
    expected = (f"OK {exported.path}: court cn/gs/ln/wudu, 10 entries, 3"
                f" checkpoints verified, tree size 10 root {root}")
    for key in (None, f"@{node.home}/log.vkey", exported.vkey()):
        r = verify(exported.path, key=key)
        assert r.code == 0 and r.out.strip() == expected, r.describe()
        assert r.err == ""


def test_export_is_what_the_format_says(node, exported):
    """An independent auditor (FORMAT.md §2, §4, §5) agrees with courtsync."""
    frames = exported.frames()
    shown = node.entries()
    assert len(frames) == len(shown) == 10
    leaves, prev = [], bytes(32)
    for k, raw in enumerate(frames):
        assert raw[0] == 0x87, f"entry {k} is not a fixmap of 7"
        e = msgpack.unpackb(raw, raw=False)
        assert list(e) == ["v", "origin", "index", "prev", "time", "type",
                           "body"]
        assert (e["v"], e["origin"], e["index"]) == (1, "cn/gs/ln/wudu", k)
        assert e["prev"] == prev
        # shortest-form encoding: re-encoding gives the same bytes
        assert msgpack.packb(e, use_bin_type=True) == raw, f"entry {k}"
        assert e["type"] == shown[k]["type"] and e["body"] == shown[k]["body"]
        prev = leaf_hash(raw)
        assert prev.hex() == shown[k]["leaf"]
        leaves.append(prev)
    size, root = node.root()
    assert merkle_root(leaves).hex() == root
    name, keyid, pub = parse_vkey(exported.vkey())
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import \
            Ed25519PublicKey
        vk = Ed25519PublicKey.from_public_bytes(pub)
    except ImportError:         # pragma: no cover
        vk = None
    for s in exported.checkpoint_sizes():
        body, sigs = parse_note(exported.checkpoint(s).read_text())
        lines = body.decode().splitlines()
        assert lines[0] == ORIGIN and lines[1] == str(s)
        assert base64.b64decode(lines[2]) == merkle_root(leaves[:s])
        assert [n for n, _ in sigs] == [ORIGIN]
        assert sigs[0][1][:4] == keyid
        if vk is not None:
            vk.verify(sigs[0][1][4:], body)    # raises if bad


def test_empty_log_export(node):
    ex = Export(node.export(node.home.parent / "ex"))
    assert ex.checkpoint_sizes() == [0]
    assert ex.entries_bin.read_bytes() == b""
    body, _ = parse_note(ex.checkpoint(0).read_text())
    assert base64.b64decode(body.decode().splitlines()[2]).hex() == EMPTY_ROOT
    r = verify(ex.path)
    assert r.code == 0, r.describe()
    assert f"0 entries, 1 checkpoints verified, tree size 0 root {EMPTY_ROOT}" \
        in r.out


def test_export_into_existing_dir_refused(node, exported):
    snap = node.snapshot()
    before = {p.name: p.read_bytes() for p in exported.path.rglob("*")
              if p.is_file()}
    node.fails("log", "export", exported.path, code=EXIT_SYSTEM,
               msg=f"{exported.path} already exists; export into a new directory")
    after = {p.name: p.read_bytes() for p in exported.path.rglob("*")
             if p.is_file()}
    assert after == before
    empty = node.home.parent / "empty"
    empty.mkdir()
    node.fails("log", "export", empty, code=EXIT_SYSTEM, msg="already exists")
    assert list(empty.iterdir()) == []
    assert node.snapshot() == snap
    node.fails("log", "export", code=2, msg="usage: courtsync log export DIR")


def test_second_export_adds_checkpoint(node, exported):
    node.ok("funds-in", "--case", C2, "--date", "2024-03-11", "--amount", "1")
    ex2 = Export(node.export(node.home.parent / "ex2"))
    assert ex2.checkpoint_sizes() == [4, 8, 10, 11]
    # the old export is a prefix of the new one, and both verify
    assert ex2.entries_bin.read_bytes().startswith(exported.entries_bin.read_bytes())
    for s in (4, 8, 10):
        assert ex2.checkpoint(s).read_bytes() == exported.checkpoint(s).read_bytes()
    assert verify(ex2.path).code == 0


def test_verify_unreadable_export(tmp_path):
    r = verify(tmp_path / "nothing-here")
    assert r.code == EXIT_SYSTEM and "cannot read" in r.err, r.describe()


def test_verify_missing_entries_bin(exported):
    exported.entries_bin.unlink()
    r = verify(exported.path)
    assert r.code == EXIT_SYSTEM and "entries.bin" in r.err, r.describe()


# ---- tampering ----

def flip_date_digit(raw: bytes) -> bytes:
    """Flips one bit of the last digit of the body's date: the entry still
    decodes, with a different (valid) date."""
    i = raw.index(b"\xa4date\xaa") + 6 + 9
    out = bytearray(raw)
    out[i] ^= 1
    assert msgpack.unpackb(bytes(out), raw=False)["body"]["date"] != \
        msgpack.unpackb(raw, raw=False)["body"]["date"]
    return bytes(out)


@pytest.mark.parametrize("k,msg", [
    (1, "entry 1: altered (its hash does not match the prev recorded in entry 2)"),
    (5, "entry 5: altered (its hash does not match the prev recorded in entry 6)"),
    (3, "checkpoint 4: root does not match the entries: entry 3 altered"),
    (9, "checkpoint 10: root does not match the entries: entry 9 altered"),
])
def test_flipped_byte_in_body(exported, k, msg):
    frames = exported.frames()
    frames[k] = flip_date_digit(frames[k])
    exported.write_frames(frames)
    verify_fails(exported, msg)


def test_flipped_byte_in_entry_0_prev(exported):
    frames = exported.frames()
    raw = bytearray(frames[0])
    i = raw.index(b"\xa4prev\xc4\x20") + 7
    raw[i + 5] ^= 0x80
    frames[0] = bytes(raw)
    exported.write_frames(frames)
    verify_fails(exported, "entry 0: prev is not 32 zero bytes")


def test_dropped_entry(exported):
    frames = exported.frames()
    del frames[2]
    exported.write_frames(frames)
    verify_fails(exported, "entry 2: its index says 3 (entries dropped,"
                 " duplicated or reordered)")


def test_swapped_entries(exported):
    frames = exported.frames()
    frames[5], frames[6] = frames[6], frames[5]
    exported.write_frames(frames)
    verify_fails(exported, "entry 5: its index says 6")


def test_duplicated_entry(exported):
    frames = exported.frames()
    frames.insert(3, frames[2])
    exported.write_frames(frames)
    verify_fails(exported, "entry 3: its index says 2")


def test_reindexed_entry(exported):
    """Entries re-encoded with consistent indexes after dropping one: the
    prev chain names the gap."""
    frames = exported.frames()
    del frames[2]
    for k in range(2, len(frames)):
        e = msgpack.unpackb(frames[k], raw=False)
        e["index"] = k
        frames[k] = msgpack.packb(e, use_bin_type=True)
    exported.write_frames(frames)
    verify_fails(exported, "entry 1: altered (its hash does not match the"
                 " prev recorded in entry 2)")


def test_truncated_mid_entry(exported):
    off = exported.frame_offset(7)
    data = exported.entries_bin.read_bytes()
    exported.entries_bin.write_bytes(data[:off + 4 + 10])
    verify_fails(exported, "entry 7: entries.bin is truncated inside the entry")


def test_truncated_mid_length(exported):
    off = exported.frame_offset(7)
    data = exported.entries_bin.read_bytes()
    exported.entries_bin.write_bytes(data[:off + 2])
    verify_fails(exported, "entry 7: entries.bin is truncated inside its length")


def test_truncated_at_frame_boundary(exported):
    exported.write_frames(exported.frames()[:8])
    verify_fails(exported, "checkpoint 10: signed for 10 entries but the"
                 " export has 8 (truncated export?)")


def test_length_out_of_range(exported):
    data = bytearray(exported.entries_bin.read_bytes())
    off = exported.frame_offset(4)
    data[off:off + 4] = b"\x00\x00\x00\x00"
    exported.entries_bin.write_bytes(bytes(data))
    verify_fails(exported, "entry 4: length 0 is out of range")


def test_trailing_bytes_after_entry(exported):
    frames = exported.frames()
    frames[6] += b"\xc0"
    exported.write_frames(frames)
    verify_fails(exported, "entry 6: 1 trailing bytes after the entry")


def test_not_a_map_of_7(exported):
    frames = exported.frames()
    frames[6] = b"\x86" + frames[6][1:]
    exported.write_frames(frames)
    verify_fails(exported, "entry 6: not a msgpack map of 7 keys")


def test_last_checkpoint_removed(exported):
    exported.checkpoint(10).unlink()
    verify_fails(exported, "entry 8: not covered by any checkpoint (entries"
                 " 8..9 are unsigned)")


def test_all_checkpoints_removed(exported):
    for s in exported.checkpoint_sizes():
        exported.checkpoint(s).unlink()
    verify_fails(exported, "no checkpoint: none of the 10 entries is signed")


def test_middle_checkpoint_removed_still_verifies(exported):
    exported.checkpoint(8).unlink()
    r = verify(exported.path)
    assert r.code == 0 and "2 checkpoints verified, tree size 10" in r.out, \
        r.describe()


def test_stray_file_in_checkpoints(exported):
    (exported.path / "checkpoints" / "README").write_text("hi\n")
    verify_fails(exported, "checkpoints/README: not a checkpoint file name"
                 " (20 decimal digits)")


def edit_checkpoint(ex, size, fn):
    p = ex.checkpoint(size)
    p.write_text(fn(p.read_text()))


def test_checkpoint_root_replaced(exported):
    other_root = exported.checkpoint(8).read_text().split("\n")[2]

    def swap_root(text):
        lines = text.split("\n")
        assert lines[2] != other_root
        lines[2] = other_root
        return "\n".join(lines)
    edit_checkpoint(exported, 10, swap_root)
    verify_fails(exported, f"checkpoint 10: bad signature by {ORIGIN}")


def test_checkpoint_signature_flipped(exported):
    def flip_sig(text):
        body, sigs = text.split("\n\n")
        dash, name, b64 = sigs.strip("\n").split(" ")
        raw = bytearray(base64.b64decode(b64))
        raw[4 + 10] ^= 0x01          # inside the signature, after the key ID
        return f"{body}\n\n{dash} {name} {base64.b64encode(raw).decode()}\n"
    edit_checkpoint(exported, 4, flip_sig)
    verify_fails(exported, f"checkpoint 4: bad signature by {ORIGIN}")


def test_checkpoint_key_id_flipped(exported):
    def flip_keyid(text):
        body, sigs = text.split("\n\n")
        dash, name, b64 = sigs.strip("\n").split(" ")
        raw = bytearray(base64.b64decode(b64))
        raw[0] ^= 0x01
        return f"{body}\n\n{dash} {name} {base64.b64encode(raw).decode()}\n"
    edit_checkpoint(exported, 8, flip_keyid)
    verify_fails(exported, f"checkpoint 8: no signature by {ORIGIN}")


def test_checkpoint_size_line_edited(exported):
    edit_checkpoint(exported, 10, lambda t: t.replace("\n10\n", "\n11\n", 1))
    verify_fails(exported, "checkpoint 10: the note says size 11")


def test_checkpoint_signature_removed(exported):
    edit_checkpoint(exported, 10, lambda t: t.split("\n\n")[0] + "\n\n")
    verify_fails(exported, "checkpoint 10: note: no signature lines")


def test_vkey_of_another_court(make_node, exported):
    other = make_node("chengxian")
    other.init(CHENGXIAN)
    shutil.copy(other.home / "log.vkey", exported.path / "court.vkey")
    verify_fails(exported, 'entry 0: origin "cn/gs/ln/wudu", expected'
                 ' "cn/gs/ln/chengxian"')


def test_vkey_of_an_impostor_with_the_same_path(make_node, exported):
    """Another key for the same court path: the checkpoints carry no
    signature by it."""
    impostor = make_node("impostor")
    impostor.init(WUDU)
    shutil.copy(impostor.home / "log.vkey", exported.path / "court.vkey")
    verify_fails(exported, f"checkpoint 4: no signature by {ORIGIN}")


def test_checkpoints_signed_by_an_impostor(make_node, node, exported):
    """Everything re-signed by another key for the same path: the export
    verifies on its own, but not against the court's real key."""
    impostor = make_node("impostor")
    impostor.init(WUDU)
    forged = Export(impostor.export(impostor.home.parent / "forged"))
    verify_fails(forged, "court.vkey: the export's key is not the key given",
                 key=f"@{node.home}/log.vkey")
    # copy the court's entries and checkpoints under the impostor's key
    shutil.copy(forged.path / "court.vkey", exported.path / "court.vkey")
    verify_fails(exported, f"checkpoint 4: no signature by {ORIGIN}")


def test_key_of_another_court_given(make_node, exported):
    other = make_node("chengxian")
    other.init(CHENGXIAN)
    verify_fails(exported, "court.vkey: the export's key is not the key given",
                 key=f"@{other.home}/log.vkey")
    verify_fails(exported, "court.vkey: the export's key is not the key given",
                 key=(other.home / "log.vkey").read_text().strip())


def test_garbled_vkey(exported):
    (exported.path / "court.vkey").write_text("not a key\n")
    verify_fails(exported, "court.vkey: vkey")


def test_key_file_missing(tmp_path, exported):
    r = verify(exported.path, key=f"@{tmp_path}/no.vkey")
    assert r.code == EXIT_SYSTEM and "no.vkey" in r.err, r.describe()

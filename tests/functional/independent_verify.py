#!/usr/bin/python3
"""Independent verifier of courtsync log exports.

Written from docs/FORMAT.md alone (format version 1), without reading any of
courtsync's source.  Uses only the Python standard library and Debian's
python3-cryptography (for Ed25519).  The msgpack envelope is parsed by hand,
deliberately not with python3-msgpack.

Usage: independent_verify.py EXPORT_DIR [--key VKEY]

Prints "OK <dir>: <n> entries, <c> checkpoints, size <s> root <hex>" and
exits 0, or prints "FAILED: <message>" and exits 1 (verification failed),
3 (unreadable export) or 2 (usage).
"""

import base64
import hashlib
import os
import re
import sys

try:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.exceptions import InvalidSignature
except ImportError:  # pragma: no cover
    sys.stderr.write("independent_verify.py: python3-cryptography is required\n")
    sys.exit(2)

EMPTY_ROOT = hashlib.sha256(b"").digest()
MAX_ENTRY = 65536
MAX_DEPTH = 16
EM_DASH_PREFIX = "\u2014 ".encode("utf-8")  # e2 80 94 20
SEGMENT_RE = re.compile(rb"^[a-z0-9_-]{1,31}$")
TYPE_RE = re.compile(rb"^[a-z_]{1,31}$")
CKPT_NAME_RE = re.compile(r"^[0-9]{20}$")
ENVELOPE_KEYS = (b"v", b"origin", b"index", b"prev", b"time", b"type", b"body")


class Failed(Exception):
    """Verification failure (exit 1)."""


class Unreadable(Exception):
    """The export cannot be read (exit 3)."""


# ---------------------------------------------------------------- §1 paths

def valid_court_path(p):
    if not isinstance(p, bytes) or len(p) < 1 or len(p) > 127:
        return False
    segs = p.split(b"/")
    if len(segs) < 1 or len(segs) > 8:
        return False
    return all(SEGMENT_RE.match(s) for s in segs)


# ---------------------------------------------------------------- base64

def b64decode_strict(s):
    """Standard base64 with padding (RFC 4648 §4), canonical only."""
    if isinstance(s, str):
        try:
            s = s.encode("ascii")
        except UnicodeEncodeError:
            return None
    if len(s) == 0 or len(s) % 4 != 0:
        return None
    if not re.fullmatch(rb"[A-Za-z0-9+/]*={0,2}", s):
        return None
    try:
        out = base64.b64decode(s, validate=True)
    except Exception:
        return None
    if base64.b64encode(out) != s:  # reject non-zero padding bits
        return None
    return out


# ---------------------------------------------------------------- §2 msgpack

class Reader:
    __slots__ = ("b", "i")

    def __init__(self, b):
        self.b = b
        self.i = 0

    def take(self, n, what):
        if self.i + n > len(self.b):
            raise Failed("truncated msgpack value (%s)" % what)
        v = self.b[self.i:self.i + n]
        self.i += n
        return v

    def byte(self, what):
        if self.i >= len(self.b):
            raise Failed("truncated msgpack value (%s)" % what)
        v = self.b[self.i]
        self.i += 1
        return v

    def uint(self, n, what):
        return int.from_bytes(self.take(n, what), "big")


def read_str(r, what):
    t = r.byte(what)
    if 0xa0 <= t <= 0xbf:
        n = t & 0x1f
    elif t == 0xd9:
        n = r.uint(1, what)
    elif t == 0xda:
        n = r.uint(2, what)
    elif t == 0xdb:
        n = r.uint(4, what)
    else:
        raise Failed("%s is not a msgpack str" % what)
    return r.take(n, what)


def read_uint(r, what):
    t = r.byte(what)
    if t <= 0x7f:
        return t
    if t == 0xcc:
        return r.uint(1, what)
    if t == 0xcd:
        return r.uint(2, what)
    if t == 0xce:
        return r.uint(4, what)
    if t == 0xcf:
        return r.uint(8, what)
    raise Failed("%s is not a positive integer" % what)


def skip_value(r, depth):
    """Skip one complete well-formed msgpack value; depth counts nesting
    levels of containers, the outermost value being level 1."""
    if depth > MAX_DEPTH:
        raise Failed("body is nested more than %d levels deep" % MAX_DEPTH)
    what = "body"
    t = r.byte(what)
    if t <= 0x7f or t >= 0xe0 or t in (0xc0, 0xc2, 0xc3):
        return
    if 0x80 <= t <= 0x8f:
        count, is_map = t & 0x0f, True
    elif 0x90 <= t <= 0x9f:
        count, is_map = t & 0x0f, False
    elif 0xa0 <= t <= 0xbf:
        r.take(t & 0x1f, what)
        return
    elif t == 0xc1:
        raise Failed("body is not well-formed msgpack (byte 0xc1)")
    elif t in (0xc4, 0xd9):
        r.take(r.uint(1, what), what)
        return
    elif t in (0xc5, 0xda):
        r.take(r.uint(2, what), what)
        return
    elif t in (0xc6, 0xdb):
        r.take(r.uint(4, what), what)
        return
    elif t == 0xc7:  # ext 8
        n = r.uint(1, what)
        r.take(1 + n, what)
        return
    elif t == 0xc8:
        n = r.uint(2, what)
        r.take(1 + n, what)
        return
    elif t == 0xc9:
        n = r.uint(4, what)
        r.take(1 + n, what)
        return
    elif t in (0xca, 0xce, 0xd2):
        r.take(4, what)
        return
    elif t in (0xcb, 0xcf, 0xd3):
        r.take(8, what)
        return
    elif t in (0xcc, 0xd0):
        r.take(1, what)
        return
    elif t in (0xcd, 0xd1):
        r.take(2, what)
        return
    elif t == 0xd4:
        r.take(2, what)
        return
    elif t == 0xd5:
        r.take(3, what)
        return
    elif t == 0xd6:
        r.take(5, what)
        return
    elif t == 0xd7:
        r.take(9, what)
        return
    elif t == 0xd8:
        r.take(17, what)
        return
    elif t == 0xdc:
        count, is_map = r.uint(2, what), False
    elif t == 0xdd:
        count, is_map = r.uint(4, what), False
    elif t == 0xde:
        count, is_map = r.uint(2, what), True
    elif t == 0xdf:
        count, is_map = r.uint(4, what), True
    else:  # pragma: no cover - every byte is handled above
        raise Failed("body is not well-formed msgpack")
    items = count * 2 if is_map else count
    # Each item takes at least one byte: refuse absurd counts early.
    if items > len(r.b) - r.i:
        raise Failed("truncated msgpack value (body)")
    for _ in range(items):
        skip_value(r, depth + 1)


def decode_entry(e):
    """Decode the envelope of §2.  Returns (origin, index, prev)."""
    r = Reader(e)
    if len(e) == 0 or e[0] != 0x87:
        raise Failed("not a msgpack map of 7 keys")
    r.i = 1
    out = {}
    for key in ENVELOPE_KEYS:
        k = read_str(r, "key %r" % key.decode())
        if k != key:
            raise Failed("key %d is %r, expected %r" % (
                ENVELOPE_KEYS.index(key) + 1, k.decode("utf-8", "replace"), key.decode()))
        name = key.decode()
        # Values are checked as they are read, in key order (FORMAT.md does
        # not fix the order of the checks within one envelope).
        if key in (b"v", b"index", b"time"):
            out[name] = read_uint(r, name)
            if key == b"v" and out[name] != 1:
                raise Failed("version %d is not 1" % out[name])
        elif key in (b"origin", b"type"):
            out[name] = read_str(r, name)
            if key == b"type" and not TYPE_RE.match(out[name]):
                raise Failed("type %r is not a valid event type"
                             % out[name].decode("utf-8", "replace"))
        elif key == b"prev":
            if r.take(2, name) != b"\xc4\x20":
                raise Failed("prev is not a bin of 32 bytes")
            out[name] = r.take(32, name)
        else:  # body
            if r.i >= len(e):
                raise Failed("truncated msgpack value (body)")
            t = e[r.i]
            if not (0x80 <= t <= 0x8f or t in (0xde, 0xdf)):
                raise Failed("body is not a msgpack map")
            skip_value(r, 1)
    if r.i != len(e):
        raise Failed("%d trailing bytes after the entry" % (len(e) - r.i))
    return out["origin"], out["index"], out["prev"]


# ---------------------------------------------------------------- §4 tree

def leaf_hash(e):
    return hashlib.sha256(b"\x00" + e).digest()


def node_hash(l, r):
    return hashlib.sha256(b"\x01" + l + r).digest()


class Frontier:
    """Incremental RFC 9162 Merkle tree: keeps the roots of the perfect
    subtrees of the current tree (one per set bit of the size).  Append is
    amortised O(1); root is O(log n)."""

    def __init__(self):
        self.size = 0
        self.stack = []  # roots of perfect subtrees, largest first

    def append(self, h):
        self.stack.append(h)
        self.size += 1
        n = self.size
        while n & 1 == 0:
            r = self.stack.pop()
            l = self.stack.pop()
            self.stack.append(node_hash(l, r))
            n >>= 1

    def root(self):
        if not self.stack:
            return EMPTY_ROOT
        h = self.stack[-1]
        for l in reversed(self.stack[:-1]):
            h = node_hash(l, h)
        return h


# ---------------------------------------------------------------- §5 notes

class VKey:
    def __init__(self, text):
        self.text = text
        # The base64 key may itself contain '+': split at the first two only.
        parts = text.split("+", 2)
        if len(parts) != 3:
            raise Failed("court.vkey: not a vkey (name+id+key)")
        name, hexid, b64 = parts
        if not name.startswith("courtsync/") or not valid_court_path(
                name[len("courtsync/"):].encode("utf-8")):
            raise Failed("court.vkey: key name %r is not courtsync/<court path>" % name)
        if not re.fullmatch(r"[0-9a-fA-F]{8}", hexid):      # either case (§5)
            raise Failed("court.vkey: key ID %r is not 8 hex digits" % hexid)
        hexid = hexid.lower()
        raw = b64decode_strict(b64)
        if raw is None:
            raise Failed("court.vkey: key is not valid base64")
        if len(raw) != 33:
            raise Failed("court.vkey: key is %d bytes, expected 33" % len(raw))
        if raw[0] != 0x01:
            raise Failed("court.vkey: key type 0x%02x is not Ed25519 (0x01)" % raw[0])
        self.name = name
        self.name_b = name.encode("utf-8")
        self.path = self.name_b[len("courtsync/"):]
        self.pub = raw[1:]
        kid = hashlib.sha256(self.name_b + b"\n" + raw).digest()[:4]
        if kid.hex() != hexid:
            raise Failed("court.vkey: key ID %s does not match the key (%s)" % (hexid, kid.hex()))
        self.kid = kid
        try:
            self.key = Ed25519PublicKey.from_public_bytes(self.pub)
        except Exception:
            raise Failed("court.vkey: not a valid Ed25519 public key")


def valid_key_name(name):
    # C2SP signed-note: non-empty, no Unicode spaces, no '+'.
    return name != "" and "+" not in name and not any(c.isspace() for c in name)


def parse_note(msg):
    """Split a signed note (C2SP signed-note).  Returns (text_bytes, lines
    of the body, list of (name, keyid, sig))."""
    try:
        s = msg.decode("utf-8")
    except UnicodeDecodeError:
        raise Failed("not valid UTF-8")
    for c in s:
        if (ord(c) < 0x20 and c != "\n") or ord(c) == 0x7f:
            raise Failed("control character in note")
    if len(msg) > 16384:
        raise Failed("the note is longer than 16384 bytes")
    split = msg.rfind(b"\n\n")
    if split < 0:
        raise Failed("no blank line before the signatures")
    text, sigs = msg[:split + 1], msg[split + 2:]
    if len(sigs) == 0 or not sigs.endswith(b"\n"):
        raise Failed("signature block does not end with a newline")
    parsed = []
    for line in sigs[:-1].split(b"\n"):
        if not line.startswith(EM_DASH_PREFIX):
            raise Failed("malformed signature line")
        rest = line[len(EM_DASH_PREFIX):].decode("utf-8")
        if " " not in rest:
            raise Failed("malformed signature line")
        name, b64 = rest.split(" ", 1)
        raw = b64decode_strict(b64)
        if raw is None or not valid_key_name(name) or len(raw) < 5:
            raise Failed("malformed signature line")
        parsed.append((name, raw[:4], raw[4:]))
    if len(parsed) > 16:
        raise Failed("more than 16 signature lines")
    lines = text[:-1].split(b"\n")
    return text, lines, parsed


def check_checkpoint(s, msg, vk):
    """Step 5.  Returns the root hash (32 bytes) signed by the note."""
    pre = "checkpoint %d: " % s
    try:
        text, lines, sigs = parse_note(msg)
        if len(lines) < 3:
            raise Failed("the note has fewer than 3 lines")
        for ln in lines[3:]:
            if ln == b"":
                raise Failed("empty extension line")
        origin, size_line, root_line = lines[0], lines[1], lines[2]
        if origin == b"":
            raise Failed("empty origin line")
        if not re.fullmatch(rb"0|[1-9][0-9]*", size_line):
            raise Failed("size line %r is not a decimal number" % size_line.decode())
        if len(size_line) > 20 or int(size_line) >= 1 << 64:
            raise Failed("size line %r is out of range" % size_line.decode())
        root = b64decode_strict(root_line) if len(root_line) == 44 else None
        if root is None or len(root) != 32:
            raise Failed("root line %r is not a base64 SHA-256 hash" % root_line.decode())
    except Failed as ex:
        raise Failed(pre + str(ex))
    if origin != vk.name_b:
        raise Failed(pre + "origin %s is not %s" % (origin.decode(), vk.name))
    if int(size_line) != s:
        raise Failed(pre + "the note says size %s" % size_line.decode())
    mine = [sig for (name, kid, sig) in sigs if name == vk.name and kid == vk.kid]
    if not mine:
        raise Failed(pre + "no signature by %s" % vk.name)
    for sig in mine:                    # every one of them (§5)
        ok = len(sig) == 64
        if ok:
            try:
                vk.key.verify(sig, text)
            except InvalidSignature:
                ok = False
        if not ok:
            raise Failed(pre + "bad signature by %s" % vk.name)
    return root


# ---------------------------------------------------------------- §7

def read_file(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as ex:
        raise Unreadable("cannot read %s: %s" % (path, ex.strerror or ex))


def verify(d, given_key=None):
    # §6: readers remove the trailing CR and LF characters.
    vtext = read_file(os.path.join(d, "court.vkey")).rstrip(b"\r\n") + b"\n"
    if given_key is not None:
        if vtext.rstrip(b"\n") != given_key.strip().encode("utf-8"):
            raise Failed("court.vkey: the export's key is not the key given")
    # Step 1.
    if b"\n" in vtext[:-1] or b"\r" in vtext:
        raise Failed("court.vkey: not one line")
    try:
        vk = VKey(vtext[:-1].decode("utf-8"))
    except UnicodeDecodeError:
        raise Failed("court.vkey: not valid UTF-8")

    # Step 2.
    cdir = os.path.join(d, "checkpoints")
    try:
        names = sorted(os.listdir(cdir))
    except OSError as ex:
        raise Unreadable("cannot read %s: %s" % (cdir, ex.strerror or ex))
    ckpts = {}
    for name in names:
        if not CKPT_NAME_RE.match(name):
            raise Failed("checkpoints/%s: not a checkpoint file name" % name)
        ckpts[int(name)] = os.path.join(cdir, name)
    sizes = sorted(ckpts)

    # Step 3.
    if 0 in ckpts:
        root = check_checkpoint(0, read_file(ckpts[0]), vk)
        if root != EMPTY_ROOT:
            raise Failed("checkpoint 0: root does not match the entries "
                         "(not the empty tree's root)")

    # Step 4.
    ebin = os.path.join(d, "entries.bin")
    try:
        f = open(ebin, "rb")
    except OSError as ex:
        raise Unreadable("cannot read %s: %s" % (ebin, ex.strerror or ex))
    tree = Frontier()
    prev = b"\x00" * 32
    k = 0
    with f:
        while True:
            try:
                hdr = f.read(4)
            except OSError as ex:
                raise Unreadable("cannot read %s: %s" % (ebin, ex.strerror or ex))
            if len(hdr) == 0:
                break
            if len(hdr) < 4:
                raise Failed("entry %d: entries.bin is truncated inside its length" % k)
            n = int.from_bytes(hdr, "big")
            if n == 0 or n > MAX_ENTRY:
                raise Failed("entry %d: length %d is out of range" % (k, n))
            e = f.read(n)
            if len(e) < n:
                raise Failed("entry %d: entries.bin is truncated inside the entry" % k)
            try:
                origin, index, eprev = decode_entry(e)
            except Failed as ex:
                raise Failed("entry %d: %s" % (k, ex))
            if origin != vk.path:
                raise Failed("entry %d: origin %s is not %s" % (
                    k, origin.decode("utf-8", "replace"), vk.path.decode()))
            if index != k:
                raise Failed("entry %d: its index says %d (entries dropped, "
                             "duplicated or reordered)" % (k, index))
            if eprev != prev:
                if k == 0:
                    raise Failed("entry 0: prev is not 32 zero bytes")
                raise Failed("entry %d: altered (its hash does not match the "
                             "prev recorded in entry %d)" % (k - 1, k))
            prev = leaf_hash(e)
            tree.append(prev)
            k += 1
            if k in ckpts:
                root = check_checkpoint(k, read_file(ckpts[k]), vk)
                if root != tree.root():
                    raise Failed("checkpoint %d: root does not match the entries: "
                                 "entry %d altered (or entries rewritten)" % (k, k - 1))
    n = k

    # Step 6.
    for s in sizes:
        if s > n:
            raise Failed("checkpoint %d: signed for %d entries but the export "
                         "has %d (truncated export?)" % (s, s, n))
    if n > 0 and not sizes:
        raise Failed("no checkpoint: none of the %d entries is signed" % n)
    if sizes and sizes[-1] < n:
        s = sizes[-1]
        raise Failed("entry %d: not covered by any checkpoint (entries %d..%d "
                     "are unsigned)" % (s, s, n - 1))
    return n, len(sizes), n, tree.root()


def main(argv):
    args = argv[1:]
    key = None
    pos = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--key":
            if i + 1 >= len(args):
                sys.stderr.write("usage: independent_verify.py EXPORT_DIR [--key VKEY]\n")
                return 2
            key = args[i + 1]
            i += 2
        elif a.startswith("--key="):
            key = a[len("--key="):]
            i += 1
        elif a.startswith("-") and a != "-":
            sys.stderr.write("usage: independent_verify.py EXPORT_DIR [--key VKEY]\n")
            return 2
        else:
            pos.append(a)
            i += 1
    if len(pos) != 1:
        sys.stderr.write("usage: independent_verify.py EXPORT_DIR [--key VKEY]\n")
        return 2
    d = pos[0]
    try:
        n, c, s, root = verify(d, key)
    except Failed as ex:
        print("FAILED: %s" % ex)
        return 1
    except Unreadable as ex:
        print("FAILED: %s" % ex)
        return 3
    print("OK %s: %d entries, %d checkpoints, size %d root %s" % (d, n, c, s, root.hex()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/python3
"""Independent verifier of a courtsync export's witness policy.

Written from docs/FORMAT.md (§5, §7, §9, §9.1) and docs/PROTOCOL.md §2 alone,
without reading courtsync's source.  Implements `courtsync audit --no-replay`:
FORMAT §9 steps 0-3.  §7 itself is independent_verify.py's.

Usage: independent_audit.py EXPORT --ca CA.crt --registry REGISTRY.tsv
         [--registry-sig SIG] [--witnesses parent|ancestors|N:PATH,...]
         [--skew S] [--now UNIX]
Prints "OK" (exit 0) or "FAILED <message>" (exit 1 failed, 2 usage,
3 unreadable export or registry).
"""
import hashlib
import os
import re
import sys
import time

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import independent_verify as iv  # noqa: E402
from independent_verify import Failed, Unreadable  # noqa: E402


class Usage(Exception):
    """Usage error (exit 2)."""


# ------------------------------------------------ checkpoint notes, as read
# The notes §7 verified, by size, for the witness rule (§9.1) afterwards.
_iv_check = iv.check_checkpoint
NOTES = {}


def check_checkpoint(s, msg, vk):
    root = _iv_check(s, msg, vk)
    NOTES[s] = msg
    return root


iv.check_checkpoint = check_checkpoint


# ------------------------------------------------------------------ helpers

def ed_ok(pub, sig, msg):
    if len(sig) != 64:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(pub).verify(sig, msg)
        return True
    except (InvalidSignature, ValueError):
        return False


def key_id(name, typ, pub):
    return hashlib.sha256(name.encode() + b"\n" + bytes([typ]) + pub).digest()[:4]


def utc(t):
    """§9.1: YYYY-MM-DDTHH:MM:SSZ up to 9999-12-31T23:59:59Z, the decimal
    number of seconds beyond."""
    if t > 253402300799:
        return "%d" % t
    days, sec = divmod(t, 86400)
    z = days + 719468  # H. Hinnant's civil_from_days
    era, doe = divmod(z, 146097)
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d, m = doy - (153 * mp + 2) // 5 + 1, mp + 3 if mp < 10 else mp - 9
    y = yoe + era * 400 + (m <= 2)
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (y, m, d, sec // 3600, sec // 60 % 60, sec % 60)


# ------------------------------------------------------- PROTOCOL §2 registry

class Entry:
    def __init__(self, f):
        self.path, self.level, self.code, self.parent, self.name = f[:5]
        vk = f[5] if len(f) > 5 else "-"
        self.role = f[6] if len(f) > 6 else "court"
        self.vkey = None if vk == "-" else vk
        self.pub = None
        if self.vkey is not None:
            try:
                k = iv.VKey(self.vkey)
            except Failed as ex:
                raise Unreadable("registry: %s: %s" % (self.path, ex))
            if k.name != "courtsync/" + self.path:
                raise Unreadable("registry: %s: key named %s" % (self.path, k.name))
            self.pub = k.pub
            self.kid1 = key_id(k.name, 1, k.pub)
            self.kid4 = key_id(k.name, 4, k.pub)


def load_registry(reg_path, sig_path, ca_path):
    try:
        data = open(reg_path, "rb").read()
        sig = open(sig_path, "rb").read()
        pem = open(ca_path, "rb").read()
    except OSError as ex:
        raise Unreadable("cannot read %s: %s" % (ex.filename, ex.strerror))
    try:
        cert = (x509.load_pem_x509_certificate(pem) if b"-----BEGIN" in pem
                else x509.load_der_x509_certificate(pem))
        cert.public_key().verify(sig, data, ec.ECDSA(hashes.SHA256()))
    except Exception:
        raise Unreadable("registry: the signature does not verify with the CA certificate")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable("registry: not UTF-8")
    reg = {}
    for n, line in enumerate(text.split("\n"), 1):
        line = line[:-1] if line.endswith("\r") else line
        if line == "" or line.startswith("#"):
            continue
        f = line.split("\t")
        bad = lambda why: Unreadable("registry line %d: %s" % (n, why))  # noqa: E731
        if not 5 <= len(f) <= 7:
            raise bad("expected 5 to 7 tab-separated fields")
        if not iv.valid_court_path(f[0].encode()) or f[0] in reg:
            raise bad("path %r is not a court path or is listed twice" % f[0])
        if not re.fullmatch(r"[1-8]", f[1]):
            raise bad("level is not 1-8")
        if not 1 <= len(f[2].encode()) <= 31 or re.search(r"[ \t()]", f[2]):
            raise bad("bad code")
        if not 1 <= len(f[4].encode()) <= 255:
            raise bad("bad name")
        if len(f) > 6 and f[6] not in ("court", "witness"):
            raise bad("role is not court or witness")
        reg[f[0]] = Entry(f)
    for e in reg.values():
        if e.parent != "-" and (e.parent not in reg or not e.path.startswith(e.parent + "/")
                                or reg[e.parent].role != "court"):
            raise Unreadable("registry: %s: parent %s is not a listed court above it"
                             % (e.path, e.parent))
        if e.role == "witness" and (e.parent != "-" or e.pub is None or any(
                c.role == "court" and (e.path.startswith(c.path + "/")
                                       or c.path.startswith(e.path + "/"))
                for c in reg.values())):
            raise Unreadable("registry: witness %s needs parent -, a key and a path "
                             "neither beneath a court's nor above one" % e.path)
    return reg


# ------------------------------------------------------------------ §9.1 policy

def parse_policy(s):
    if s in ("parent", "ancestors"):
        return (s,)
    m = re.fullmatch(r"([1-9][0-9]*):(.+)", s)
    if not m:
        raise Usage("--witnesses %r: expected parent, ancestors or N:PATH,PATH,..." % s)
    n, paths = int(m.group(1)), m.group(2).split(",")
    if not n <= len(paths) <= 16 or len(set(paths)) != len(paths):
        raise Usage("--witnesses %r: need 1 <= N <= paths <= 16, distinct" % s)
    return ("N", n, paths)


def counts_for(reg, p, w):
    e = reg[w]
    if e.role == "witness":
        return True
    if w == p or w.startswith(p + "/"):
        return False
    # A sibling: another court whose registry parent is P's parent.  (Read
    # as: a court without a parent has no siblings.)
    return not (reg[p].parent != "-" and e.parent == reg[p].parent)


def policy_reason(reg, p, pol, counted):
    """None if met, else the REASON."""
    if pol[0] == "parent":
        par = reg[p].parent
        if par == "-":
            return ("%s has no parent court to witness it (name witnesses with "
                    "--witnesses N:PATH,\u2026)" % p)
        return None if par in counted else "no cosignature by %s, its parent" % par
    if pol[0] == "ancestors":
        a = reg[p].parent
        if a == "-":          # §9.1: a court without a parent never meets it
            return policy_reason(reg, p, ("parent",), counted)
        while a != "-":
            if a not in counted:
                return "no cosignature by %s, %s" % (
                    a, "its parent" if a == reg[p].parent else "an ancestor")
            a = reg[a].parent
        return None
    found = sum(1 for w in pol[2] if w in counted)
    return None if found >= pol[1] else "%d of the witnesses %s needed, %d found" % (
        pol[1], ",".join(pol[2]), found)


# ------------------------------------------------------------------ §9 audit

def entry_times(d):
    """The `time` of every entry (entries.bin has passed §7)."""
    data, out, i = open(os.path.join(d, "entries.bin"), "rb").read(), [], 0
    while i < len(data):
        n = int.from_bytes(data[i:i + 4], "big")
        r = iv.Reader(data[i + 4:i + 4 + n])
        r.i = 1
        for key in iv.ENVELOPE_KEYS[:5]:
            iv.read_str(r, "key")
            v = (iv.read_str(r, key) if key == b"origin" else r.take(34, key)
                 if key == b"prev" else iv.read_uint(r, key))
        out.append(v)
        i += 4 + n
    return out


def audit(d, ca, registry, regsig, policy="parent", skew=300, now=None):
    pol = parse_policy(policy)
    if not 0 <= skew <= 86400:
        raise Usage("--skew: 0-86400 seconds")
    now = int(time.time()) if now is None else now
    reg = load_registry(registry, regsig or registry + ".sig", ca)           # step 0
    if pol[0] == "N":
        for w in pol[2]:
            if w not in reg or reg[w].pub is None:
                raise Usage("--witnesses: %s is not in the registry with a key" % w)
    try:
        vtext = open(os.path.join(d, "court.vkey"), "rb").read()
    except OSError as ex:
        raise Unreadable("cannot read court.vkey: %s" % ex.strerror)
    # §7 with the anchors: parse court.vkey (step 1's messages), look its
    # court up, and verify with that court's key in canonical form.
    try:
        vk = iv.VKey(vtext.rstrip(b"\r\n").decode("utf-8"))
    except UnicodeDecodeError:
        raise Failed("court.vkey: not valid UTF-8")
    p = vk.name[len("courtsync/"):]
    if p not in reg or reg[p].role != "court" or reg[p].pub is None:
        raise Failed("court.vkey: %s is not a court with a key in the registry" % p)
    court = reg[p]
    name, hexid, b64 = court.vkey.split("+", 2)
    NOTES.clear()
    iv.verify(d, "+".join([name, hexid.lower(), b64]))                        # step 1
    times = entry_times(d)
    counted = {}
    for s in sorted(NOTES):                                                   # step 2
        text, _, sigs = iv.parse_note(NOTES[s])
        valid = set()
        for name, kid, raw in sigs:
            if name == "courtsync/" + p and kid == court.kid1:
                continue  # the court's own line: §5
            w = name[len("courtsync/"):] if name.startswith("courtsync/") else None
            e = reg.get(w)
            pre = "checkpoint %d: " % s
            if e is not None and e.pub is not None and kid == e.kid4:
                t = int.from_bytes(raw[:8], "big") if len(raw) == 72 else 0
                if len(raw) != 72 or t >= 1 << 63 or not ed_ok(
                        e.pub, raw[8:], b"cosignature/v1\ntime %d\n" % t + text):
                    raise Failed(pre + "bad cosignature by %s" % w)
                if t > now + skew:
                    raise Failed(pre + "the cosignature by %s is dated %s, later than this "
                                 "verifier's clock (%s) plus %d s" % (w, utc(t), utc(now), skew))
                if s > 0 and t < times[s - 1] - skew:
                    raise Failed(pre + "the cosignature by %s is dated %s, before the newest "
                                 "entry it covers was recorded (%s), less %d s"
                                 % (w, utc(t), utc(times[s - 1]), skew))
                valid.add(w)
            elif e is not None:
                raise Failed(pre + "bad cosignature by %s (key ID %s is not its registered "
                             "witness key)" % (w, kid.hex()))
            else:
                for o in reg.values():
                    if o.pub is not None and kid in (o.kid1, o.kid4):
                        raise Failed(pre + "bad cosignature by %s (key ID %s is a registered "
                                     "key of %s)" % (name, kid.hex(), o.path))
        counted[s] = {w for w in valid if counts_for(reg, p, w)}
    sizes = sorted(NOTES)                                                     # step 3
    if not sizes:
        raise Failed("no checkpoint: nothing in the export is witnessed (witness policy %s)"
                     % policy)
    met = [s for s in sizes if policy_reason(reg, p, pol, counted[s]) is None]
    w = met[-1] if met else None
    if w != sizes[-1]:
        first = min(s for s in sizes if w is None or s > w)
        raise Failed("checkpoint %d: not witnessed: %s (witness policy %s); entries from %d "
                     "on rest on unwitnessed checkpoints"
                     % (first, policy_reason(reg, p, pol, counted[first]), policy, w or 0))
    return w


def main(argv):
    opts = {"--ca": None, "--registry": None, "--registry-sig": None,
            "--witnesses": "parent", "--skew": "300", "--now": None}
    pos, i = [], 1
    while i < len(argv):
        if argv[i] in opts and i + 1 < len(argv):
            opts[argv[i]] = argv[i + 1]
            i += 2
        elif argv[i].startswith("-"):
            pos = None
            break
        else:
            pos.append(argv[i])
            i += 1
    try:
        if not pos or len(pos) != 1 or not opts["--ca"] or not opts["--registry"]:
            raise Usage(__doc__.split("\n\n")[2])
        for k in ("--skew", "--now"):
            if opts[k] is not None and not re.fullmatch(r"[0-9]{1,19}", opts[k]):
                raise Usage("%s: a number of seconds" % k)
        audit(pos[0], opts["--ca"], opts["--registry"], opts["--registry-sig"],
              opts["--witnesses"], int(opts["--skew"]),
              None if opts["--now"] is None else int(opts["--now"]))
    except Usage as ex:
        sys.stderr.write("independent_audit.py: %s\n" % ex)
        return 2
    except Failed as ex:
        print("FAILED %s" % ex)
        return 1
    except Unreadable as ex:
        print("FAILED %s" % ex)
        return 3
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

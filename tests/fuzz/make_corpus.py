#!/usr/bin/python3
"""Writes the seed corpora of the fuzzers (tests/fuzz/corpus/NAME/) from
the committed test vectors, standard library and python3-msgpack only:

  fuzz_batch    push bodies (PROTOCOL.md §3) built from the honest export
                of tests/data/vectors: the first 5 entries with the
                checkpoint at 5, all of them with the last checkpoint;
  fuzz_note     those checkpoints, and the court's verifier key;
  fuzz_records  a CSV and a JSON Lines import (courtsync(1) import);
  fuzz_proof    the case proofs of tests/data/proofs (fuzz_proof verifies
                them against that directory's registry.tsv).

Run from the repository root:  tests/fuzz/make_corpus.py
"""
import json
import os
import shutil
import struct

import msgpack

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
HONEST = os.path.join(ROOT, "tests", "data", "vectors", "honest")
PROOFS = os.path.join(ROOT, "tests", "data", "proofs")
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")

CSV = """type,case,date,applicant,respondent,claimed,handler,node,amount,payee,mode,recovered
file,(2024)甘1202执10号,2024-02-01,"张三, 李四",乙公司,1000,,,,,,
file,(2024)甘1202执11号,2024-02-02,"甲""引号""公司",丙,20000.5,,,,,,
assign,(2024)甘1202执10号,2024-02-03,,,,王法官,,,,,
node,(2024)甘1202执10号,2024-02-04,,,,,执行通知书,,,,
close,(2024)甘1202执10号,2024-05-05,,,,,,,,paid_in_full,800
"""
JSONL = """{"type":"file","case":"(2024)甘1202执12号","date":"2024-02-01","applicant":"甲","respondent":"乙","claimed":"12.50"}
{"type":"funds_received","case":"(2024)甘1202执12号","date":"2024-03-01","amount":"12.50"}
{"type":"payout","case":"(2024)甘1202执12号","date":"2024-03-09","amount":"12.50","payee":"甲","ref":"银行 001"}
"""


def frames(path):
    data = open(path, "rb").read()
    out, i = [], 0
    while i < len(data):
        (n,) = struct.unpack(">I", data[i:i + 4])
        out.append(data[i + 4:i + 4 + n])
        i += 4 + n
    return out


def put(name, file, data):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, file), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    entries = frames(os.path.join(HONEST, "entries.bin"))
    ckdir = os.path.join(HONEST, "checkpoints")
    cks = {int(f): open(os.path.join(ckdir, f)).read()
           for f in sorted(os.listdir(ckdir))}
    with open(os.path.join(HONEST, "court.json")) as f:
        origin = json.load(f)["origin"]
    for size, note in cks.items():
        put("fuzz_note", f"checkpoint-{size}", note)
    put("fuzz_note", "court.vkey",
        open(os.path.join(HONEST, "court.vkey")).read())
    small, last = min(cks), max(cks)
    for name, start, end in (("first", 0, small), ("all", 0, last)):
        body = msgpack.packb({"origin": origin, "start": start,
                              "entries": entries[start:end],
                              "checkpoint": cks[end]}, use_bin_type=True)
        put("fuzz_batch", name, body)
    put("fuzz_records", "cases.csv", CSV)
    put("fuzz_records", "cases.jsonl", JSONL)
    for f in sorted(os.listdir(PROOFS)):
        if f.endswith(".proof"):
            put("fuzz_proof", f, open(os.path.join(PROOFS, f), "rb").read())


if __name__ == "__main__":
    main()

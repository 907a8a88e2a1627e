#!/usr/bin/env python3
"""Check the committed modern corpus without rebuilding it: every file in labels.csv exists,
parses with Python's email package without defects, uses LF line endings, and the list files
agree with labels.csv.   python3 tests/corpus/modern/gen/check.py"""
import csv
import email
import email.policy
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
rows = list(csv.DictReader(open(os.path.join(ROOT, "labels.csv"))))
bad = 0
for row in rows:
    path = os.path.join(ROOT, row["file"])
    raw = open(path, "rb").read()
    if b"\r" in raw:
        print("CR in", row["file"]); bad += 1
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    for part in msg.walk():
        if not part.is_multipart():
            part.get_content()
    if msg.defects or not msg["From"] or not msg["Message-ID"]:
        print("defects in", row["file"], msg.defects); bad += 1
    if row["obvious"] == "yes" and not os.path.exists(os.path.join(ROOT, "obvious-spam", os.path.basename(row["file"]))):
        print("missing obvious copy", row["file"]); bad += 1
on_disk = {f"{d}/{f}" for d in ("ham", "spam") for f in os.listdir(os.path.join(ROOT, d))}
if on_disk != {r["file"] for r in rows}:
    print("labels.csv and files differ:", on_disk ^ {r["file"] for r in rows}); bad += 1
for split in ("train", "heldout"):
    listed = [l.split()[1] for l in open(os.path.join(ROOT, f"{split}.list"))]
    if sorted(listed) != sorted(r["file"] for r in rows if r["split"] == split):
        print(split + ".list disagrees with labels.csv"); bad += 1
print(f"{len(rows)} messages checked, {bad} problems")
sys.exit(1 if bad else 0)

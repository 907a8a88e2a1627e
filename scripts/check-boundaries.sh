#!/usr/bin/env bash
# Fails when a protocol module imports another protocol module, or when a shared module imports a
# protocol module. Protocol servers (smtp, imap, managesieve, pop3, http) meet only in the shared
# rooms (pipeline, directory, store, session, ...); see README.md, "Architecture".
#   scripts/check-boundaries.sh [SRC_DIR]      (default: src)
#   scripts/check-boundaries.sh --self-test    checks that a planted crossing is caught
# Run by scripts/test.sh, so CI fails on a crossing.
set -euo pipefail
if [ "${1:-}" = --self-test ]; then
    me="$(realpath "${BASH_SOURCE[0]}")"
    root="$(cd "$(dirname "$me")/.." && pwd)"
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    cp -r "$root/src" "$tmp/src"
    "$me" "$tmp/src" >/dev/null || { echo "check-boundaries self-test: clean tree refused" >&2; exit 1; }
    for plant in "imap/session.rs|use crate::smtp::backend::Reply;" \
                 "smtp/session.rs|fn f() { let _ = mailsift::managesieve::run_session; }" \
                 "pipeline/mod.rs|use crate::{store, imap};"; do
        file="${plant%%|*}"
        cp "$root/src/$file" "$tmp/src/$file"
        printf '%s\n' "${plant#*|}" >>"$tmp/src/$file"
        if "$me" "$tmp/src" 2>/dev/null; then
            echo "check-boundaries self-test: planted crossing in $file not caught" >&2
            exit 1
        fi
        cp "$root/src/$file" "$tmp/src/$file"
    done
    echo "check-boundaries self-test: ok"
    exit 0
fi
SRC="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/src}"
protocols=(smtp imap managesieve pop3 http)
# Only the binary's edge wires protocols together. fuzzing.rs (the fuzz targets' entry points)
# drives each protocol's parsers alone and connects none of them.
edge=(server.rs cli.rs main.rs lib.rs fuzzing.rs)

# Every path form that names a module: `crate::imap`, `mailsift::imap`, `super::imap` from a
# top-level file, `use crate::{imap, ...}` groups.
refs() { # FILE MODULE
    grep -nE "(crate|mailsift)::$2\b|^[[:space:]]*use[[:space:]]+(crate|mailsift)::\{[^}]*\b$2\b" "$1" || true
}

status=0
report() { printf 'check-boundaries: %s\n' "$*" >&2; status=1; }

while IFS= read -r -d '' file; do
    rel="${file#"$SRC"/}"
    top="${rel%%/*}"
    top="${top%.rs}"
    for e in "${edge[@]}"; do [ "$rel" = "$e" ] && continue 2; done
    for p in "${protocols[@]}"; do
        [ "$top" = "$p" ] && continue
        hits="$(refs "$file" "$p")"
        if [ -n "$hits" ]; then
            while IFS= read -r h; do
                report "src/$rel:${h%%:*}: module \`$top\` uses protocol module \`$p\`: ${h#*:}"
            done <<<"$hits"
        fi
    done
    # A protocol module reaching a sibling through `super::` (only possible from src/P.rs-level).
    for p in "${protocols[@]}"; do
        [ "$top" = "$p" ] && continue
        if [ "$rel" = "$top.rs" ] && grep -nqE "super::$p\b" "$file"; then
            report "src/$rel: uses super::$p"
        fi
    done
done < <(find "$SRC" -name '*.rs' -print0)

if [ "$status" -eq 0 ]; then
    echo "check-boundaries: ok (protocol modules meet only in shared modules)"
fi
exit "$status"

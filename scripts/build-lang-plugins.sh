#!/usr/bin/env bash
# Builds the Python and JavaScript example plugins (plugins/examples/{python,javascript}/*/) into
# WebAssembly components for the `filter` world of wit/plugin.wit.
#
#   scripts/build-lang-plugins.sh [OUTDIR]      (default OUTDIR: plugins/dist/lang)
#
# Writes OUTDIR/<dir>_py.wasm and OUTDIR/<dir>_js.wasm. Installs the toolchains into .tools/
# first if missing (scripts/setup-plugin-langs.sh). MAILSIFT_LANGS=python or javascript builds
# only one language.
#
# The server grants plugins no WASI, so neither component may import it:
#   Python: `componentize-py --stub-wasi` replaces every WASI import with a trapping stub. The
#     interpreter is pre-initialised at build time (a snapshot), so a filter call that does not
#     print, read files, read the clock or use `random` never reaches a stub.
#   JavaScript: `componentize-js --disable stdio random clocks http fetch-event` builds
#     StarlingMonkey without those WASI features; the component then imports only mailsift:plugin.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUTDIR="${1:-$ROOT/plugins/dist/lang}"
mkdir -p "$OUTDIR"
OUTDIR="$(cd "$OUTDIR" && pwd)"
LANGS="${MAILSIFT_LANGS:-all}"
EXAMPLES="$ROOT/plugins/examples"

say() { printf '==> %s\n' "$*" >&2; }

if [ "$LANGS" = all ] || [ "$LANGS" = python ]; then
    "$ROOT/scripts/setup-plugin-langs.sh" python
    for app in "$EXAMPLES"/python/*/app.py; do
        dir="$(dirname "$app")"; name="$(basename "$dir")"
        say "python: $name -> $OUTDIR/${name}_py.wasm"
        # -p DIR: the app's folder and the folder of the helper layer (mailsift.py).
        (cd "$dir" && "$ROOT/.tools/py/bin/componentize-py" -d "$ROOT/wit" -w filter componentize \
            --stub-wasi -p . -p .. app -o "$OUTDIR/${name}_py.wasm" >/dev/null)
    done
fi

if [ "$LANGS" = all ] || [ "$LANGS" = javascript ]; then
    "$ROOT/scripts/setup-plugin-langs.sh" javascript
    for app in "$EXAMPLES"/javascript/*/app.js; do
        dir="$(dirname "$app")"; name="$(basename "$dir")"
        say "javascript: $name -> $OUTDIR/${name}_js.wasm"
        # componentize-js reads the WIT through WASI and wants paths relative to the working
        # directory, so it runs from the repository root.
        (cd "$ROOT" && "$ROOT/.tools/js/node_modules/.bin/componentize-js" "${app#"$ROOT"/}" \
            -w wit/plugin.wit -n filter -d stdio random clocks http fetch-event \
            -o "$OUTDIR/${name}_js.wasm" >/dev/null)
    done
fi
say "done: $(ls "$OUTDIR"/*.wasm 2>/dev/null | wc -l) components in $OUTDIR"

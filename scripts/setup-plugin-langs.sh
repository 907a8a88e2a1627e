#!/usr/bin/env bash
# Installs the Python and JavaScript plugin toolchains into the checkout (not system-wide):
#   .tools/py  a venv with componentize-py (PyPI)
#   .tools/js  @bytecodealliance/componentize-js and jco (npm)
# Both folders are git-ignored. Idempotent: does nothing when the pinned versions are present.
# Needs python3 (with venv) and node/npm >= 18. Used by scripts/build-lang-plugins.sh and, only
# when those plugins are wanted (MAILSIFT_PLUGIN_LANGS=1), by scripts/setup.sh.
#   scripts/setup-plugin-langs.sh [python|javascript|all]   (default all)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
WHICH="${1:-all}"

# Pinned: the examples and the helper layers are tested with these.
COMPONENTIZE_PY_VERSION=0.25.1
COMPONENTIZE_JS_VERSION=0.23.0
JCO_VERSION=1.35.0

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'setup-plugin-langs: error: %s\n' "$*" >&2; exit 1; }

setup_python() {
    local venv="$TOOLS/py"
    # Read the whole answer first: `pip show | grep -q` fails under pipefail (SIGPIPE).
    local shown=""
    [ -x "$venv/bin/componentize-py" ] && shown="$("$venv/bin/pip" show componentize-py 2>/dev/null || true)"
    if grep -qx "Version: $COMPONENTIZE_PY_VERSION" <<<"$shown"; then
        return 0
    fi
    command -v python3 >/dev/null 2>&1 || die "python3 not found"
    say "installing componentize-py $COMPONENTIZE_PY_VERSION into $venv"
    python3 -m venv "$venv" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "componentize-py==$COMPONENTIZE_PY_VERSION" ||
        die "pip could not install componentize-py"
}

setup_javascript() {
    local dir="$TOOLS/js"
    if [ -x "$dir/node_modules/.bin/componentize-js" ] &&
        grep -q "\"version\": \"$COMPONENTIZE_JS_VERSION\"" "$dir/node_modules/@bytecodealliance/componentize-js/package.json" 2>/dev/null; then
        return 0
    fi
    command -v npm >/dev/null 2>&1 || die "npm not found (install Node.js 18 or newer)"
    say "installing componentize-js $COMPONENTIZE_JS_VERSION and jco $JCO_VERSION into $dir"
    mkdir -p "$dir"
    [ -f "$dir/package.json" ] || printf '{ "name": "mailsift-plugin-tools", "private": true }\n' > "$dir/package.json"
    (cd "$dir" && npm install --silent --no-audit --no-fund --save-exact \
        "@bytecodealliance/componentize-js@$COMPONENTIZE_JS_VERSION" "@bytecodealliance/jco@$JCO_VERSION") ||
        die "npm could not install componentize-js"
}

case "$WHICH" in
    python) setup_python ;;
    javascript) setup_javascript ;;
    all) setup_python; setup_javascript ;;
    *) die "usage: $0 [python|javascript|all]" ;;
esac

#!/usr/bin/env bash
# Build every Mailsift plugin under plugins/ and turn each into a WebAssembly component.
#
#   scripts/build-plugins.sh [OUTDIR]        (default OUTDIR: plugins/dist)
#
# Writes OUTDIR/<dir>.wasm for each plugin directory plugins/<dir>/ and
# OUTDIR/testing/<dir>.wasm for each test plugin under plugins/testing/<dir>/. A plugin directory
# is one whose Cargo.toml declares crate-type "cdylib".
#
# Toolchain route (printed at the start):
#   1. rustup: `rustup target add wasm32-unknown-unknown`, then
#      `cargo build --release --target wasm32-unknown-unknown`.
#   2. If that is impossible or fails: Debian's rustc-web/cargo-web/rust-web-src/lld (installed
#      with apt-get if missing), building std from source with -Zbuild-std.
#   MAILSIFT_PLUGIN_ROUTE=rustup|build-std forces one route.
#   MAILSIFT_PLUGINS=bundled builds only the bundled plugins (not plugins/testing/*): what
#   scripts/quickstart.sh installs.
#   MAILSIFT_COMPONENTIZE_TARGET=DIR builds the componentize tool there (to share one build).
#
# Components are made by plugins/componentize (a host tool using the wit-component crate), built
# once into plugins/componentize/target. Re-running with nothing changed takes a few seconds:
# cargo skips up-to-date builds and unchanged components are not rewritten.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PLUGINS="$ROOT/plugins"
OUTDIR="${1:-$PLUGINS/dist}"
mkdir -p "$OUTDIR"
OUTDIR="$(cd "$OUTDIR" && pwd)"
TARGET=wasm32-unknown-unknown
ROUTE_WANTED="${MAILSIFT_PLUGIN_ROUTE:-auto}"
# The wasm workspace's own target directory (CARGO_TARGET_DIR overrides it, as for cargo).
TARGET_DIR="${CARGO_TARGET_DIR:-$PLUGINS/target}"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'build-plugins: error: %s\n' "$*" >&2; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

started=$(date +%s)

# --- WebAssembly SIMD ----------------------------------------------------------------------------
# plugins/.cargo/config.toml turns on `simd128` for $TARGET, but RUSTFLAGS or
# CARGO_ENCODED_RUSTFLAGS from the environment replace config rustflags entirely: the plugin
# builds get the flag added to them (only those: the componentize tool is a host build).
SIMD_FLAG="-C target-feature=+simd128"
wasm_env=()
if [ -n "${CARGO_ENCODED_RUSTFLAGS+set}" ]; then
    say "CARGO_ENCODED_RUSTFLAGS is set: adding $SIMD_FLAG to it for the plugins"
    sep=$'\x1f'
    wasm_env=("CARGO_ENCODED_RUSTFLAGS=${CARGO_ENCODED_RUSTFLAGS:+$CARGO_ENCODED_RUSTFLAGS$sep}-C${sep}target-feature=+simd128")
elif [ -n "${RUSTFLAGS+set}" ]; then
    say "RUSTFLAGS is set: adding $SIMD_FLAG to it for the plugins"
    wasm_env=("RUSTFLAGS=${RUSTFLAGS:+$RUSTFLAGS }$SIMD_FLAG")
fi

# --- find the plugins -------------------------------------------------------------------------
# Each entry: "<crate lib name>|<output path relative to OUTDIR>"
plugins=()
manifests=("$PLUGINS"/*/Cargo.toml)
[ "${MAILSIFT_PLUGINS:-all}" = bundled ] || manifests+=("$PLUGINS"/testing/*/Cargo.toml)
selection=()
for manifest in "${manifests[@]}"; do
    [ -f "$manifest" ] || continue
    grep -q '"cdylib"' "$manifest" || continue
    dir="$(dirname "$manifest")"
    name="$(basename "$dir")"
    crate="$(sed -n 's/^[[:space:]]*name[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$manifest" | head -n1)"
    [ -n "$crate" ] || die "no package name in $manifest"
    case "$dir" in
        "$PLUGINS"/testing/*) out="testing/$name.wasm" ;;
        *) out="$name.wasm" ;;
    esac
    plugins+=("${crate//-/_}|$out")
    selection+=(-p "$crate")
done
[ "${MAILSIFT_PLUGINS:-all}" = bundled ] || selection=(--workspace)
[ ${#plugins[@]} -gt 0 ] || die "no plugins found under $PLUGINS"

# --- route 1: rustup ---------------------------------------------------------------------------
have_rustup_target() {
    command -v rustup >/dev/null 2>&1 || return 1
    local libdir
    libdir="$(cd "$PLUGINS" && rustc --print target-libdir --target "$TARGET" 2>/dev/null)" || return 1
    ls "$libdir"/libstd-*.rlib >/dev/null 2>&1
}

route_rustup() {
    command -v rustup >/dev/null 2>&1 || { say "rustup not found"; return 1; }
    if ! have_rustup_target; then
        say "rustup target add $TARGET"
        local t=""; command -v timeout >/dev/null 2>&1 && t="timeout 120"
        $t rustup target add "$TARGET" >&2 || { say "rustup could not add $TARGET"; return 1; }
        have_rustup_target || { say "$TARGET standard library still missing"; return 1; }
    fi
    say "route: rustup toolchain ($(cd "$PLUGINS" && rustc --version)), prebuilt std for $TARGET"
    (cd "$PLUGINS" && env "${wasm_env[@]}" cargo build --release --target "$TARGET" "${selection[@]}")
}

# --- route 2: Debian packages, std built from source ----------------------------------------------
route_build_std() {
    local missing=()
    [ -x /usr/bin/cargo ] || missing+=(cargo-web)
    [ -x /usr/bin/rustc ] || missing+=(rustc-web)
    [ -d /usr/lib/rustlib/src/rust/library ] || missing+=(rust-web-src)
    command -v wasm-ld >/dev/null 2>&1 || missing+=(lld)
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing Debian packages: rustc-web cargo-web rust-web-src lld"
        as_root apt-get update >&2
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y rustc-web cargo-web rust-web-src lld >&2
    fi
    say "route: Debian toolchain ($(/usr/bin/rustc --version)), std built from source (-Zbuild-std)"
    (cd "$PLUGINS" && env "${wasm_env[@]}" RUSTC_BOOTSTRAP=1 CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld \
        PATH="/usr/bin:$PATH" RUSTC=/usr/bin/rustc \
        /usr/bin/cargo build --release --target "$TARGET" "${selection[@]}" -Zbuild-std=std,panic_abort)
}

case "$ROUTE_WANTED" in
    rustup) route_rustup || die "the rustup route failed (MAILSIFT_PLUGIN_ROUTE=rustup)"; ROUTE=rustup ;;
    build-std) route_build_std || die "the build-std route failed"; ROUTE=build-std ;;
    auto)
        if route_rustup; then
            ROUTE=rustup
        else
            say "the ordinary (rustup) route failed; falling back to std from source"
            route_build_std || die "both routes failed"
            ROUTE=build-std
        fi
        ;;
    *) die "MAILSIFT_PLUGIN_ROUTE must be rustup, build-std or unset" ;;
esac

# --- no wasm-bindgen ------------------------------------------------------------------------------
# A crate that pulls wasm-bindgen (e.g. getrandom's wasm_js backend) makes imports no component
# can satisfy. `cargo tree -i` exits non-zero when the package is absent from the graph.
if cargo --version >/dev/null 2>&1; then HOST_CARGO=cargo; else HOST_CARGO=/usr/bin/cargo; fi
if tree="$(cd "$PLUGINS" && "$HOST_CARGO" tree --offline --workspace --target "$TARGET" -i wasm-bindgen 2>"$OUTDIR/.tree-err")"; then
    printf '%s\n' "$tree" >&2
    die "a plugin depends on wasm-bindgen; plugins must not (see plugins/README.md)"
elif grep -q 'did not match any packages' "$OUTDIR/.tree-err"; then
    say "checked: no plugin depends on wasm-bindgen"
else
    cat "$OUTDIR/.tree-err" >&2
    say "warning: could not check for wasm-bindgen (cargo tree failed)"
fi
rm -f "$OUTDIR/.tree-err"

# --- componentize ----------------------------------------------------------------------------------
TOOL_DIR="$PLUGINS/componentize"
TOOL_TARGET="${MAILSIFT_COMPONENTIZE_TARGET:-$TOOL_DIR/target}"
TOOL="$TOOL_TARGET/release/mailsift-componentize"
say "componentize tool (host build, $TOOL_TARGET)"
(cd "$TOOL_DIR" && CARGO_TARGET_DIR="$TOOL_TARGET" "$HOST_CARGO" build --release --quiet) || die "cannot build the componentize tool"

args=()
for p in "${plugins[@]}"; do
    crate="${p%%|*}"; out="${p#*|}"
    core="$TARGET_DIR/$TARGET/release/$crate.wasm"
    [ -f "$core" ] || die "missing core module $core: is the plugin's directory listed in members in plugins/Cargo.toml?"
    args+=("$core" "$OUTDIR/$out")
done
"$TOOL" "${args[@]}" || die "componentize failed"

say "done: ${#plugins[@]} plugins in $OUTDIR via the $ROUTE route in $(( $(date +%s) - started )) s"

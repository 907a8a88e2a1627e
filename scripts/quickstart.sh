#!/usr/bin/env bash
# Quick start, command 1: install what is missing, build, and run Mailsift on the embedded
# development defaults (data in ./data, loopback ports 2525/5870/4650/1143/9930/4190, HTTP 8080).
# MAILSIFT_PROFILE=dev builds the debug profile instead of release (the test suite uses it to
# reuse its build).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Build the plugins and install the bundled ones into the default plugin folder (data/plugins);
# the template and test plugins stay in plugins/dist.
MAILSIFT_PLUGINS=bundled scripts/build-plugins.sh plugins/dist
mkdir -p data/plugins
for wasm in plugins/dist/*.wasm; do
  [ -e "$wasm" ] || continue
  [ "$(basename "$wasm")" = "template.wasm" ] && continue
  cp -p "$wasm" data/plugins/
done
profile="${MAILSIFT_PROFILE:-release}"
if [ "$profile" = "release" ]; then
  cargo build --release --bin mailsift
  bin="${CARGO_TARGET_DIR:-target}/release/mailsift"
else
  cargo build --bin mailsift
  bin="${CARGO_TARGET_DIR:-target}/debug/mailsift"
fi
echo "Mailsift: data in ./data; SMTP 127.0.0.1:2525, submission 5870/4650, IMAP 1143/9930, ManageSieve 4190, HTTP 8080."
echo "In another terminal: $bin domain add example.org; $bin account add you@example.org;"
echo "                     $bin password add you@example.org --device laptop"
exec "$bin" serve "$@"

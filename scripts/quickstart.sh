#!/usr/bin/env bash
# Quick start, command 1: install what is missing, build, and run Mailsift on the embedded
# development defaults (data in ./data, loopback ports 2525/5870/4650/1143/9930).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release
exec target/release/mailsift serve "$@"

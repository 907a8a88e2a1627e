#!/usr/bin/env bash
# Installs what the side-by-side benchmarks (issue 19) need and is missing, on Debian/Ubuntu:
#   postfix        smtp-source (the load generator) and the comparison MTA
#   dovecot-imapd, dovecot-lmtpd   the comparison mailbox store (LMTP delivery)
#   rspamd, redis-server           the comparison spam filter (milter) and its Bayes store
# The benchmarks run private instances with their own configs under their work directories on
# loopback ports; the system services these packages ship are never started here and are
# disabled after the install. Idempotent and silent when everything is installed.
#   scripts/setup-bench.sh
set -euo pipefail

packages=(postfix dovecot-core dovecot-imapd dovecot-lmtpd rspamd redis-server python3)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

command -v apt-get >/dev/null 2>&1 || { echo "setup-bench: please install: ${missing[*]} (no apt-get here)" >&2; exit 1; }
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "setup-bench: run as root or install sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi

echo "setup-bench: installing ${missing[*]}"
# policy-rc.d exit 101: the maintainer scripts must not start the services (Debian policy
# §9.3.3.1); removed again afterwards unless it was there before.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
  own_policy=1
fi
cleanup() { if [ "$own_policy" = 1 ]; then $SUDO rm -f "$policy"; fi; }
trap cleanup EXIT

# "No configuration": the package writes no main.cf, so the system's Postfix has nothing to run.
echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

# With systemd, keep the system services off (enabled units would start at the next boot).
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  for unit in postfix dovecot rspamd redis-server; do
    $SUDO systemctl disable --now "$unit" >/dev/null 2>&1 || true
  done
fi

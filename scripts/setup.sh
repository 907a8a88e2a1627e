#!/usr/bin/env bash
# Installs what Mailsift needs beyond Rust, on Debian/Ubuntu. Idempotent: installs only what is
# missing. Used by scripts/quickstart.sh and scripts/test.sh (and so by CI on a fresh machine).
#   scripts/setup.sh          everything the tests need
set -euo pipefail

need_cmd() { command -v "$1" >/dev/null 2>&1; }

if ! need_cmd cargo; then
  echo "setup: cargo not found. Install Rust first: https://rustup.rs" >&2
  exit 1
fi

# Debian packages: python3 + pytest drive the end-to-end tests with the standard library's
# smtplib/imaplib; isync (mbsync), offlineimap3, swaks, sieve-connect and python3-sievelib are real clients
# used by the tests (curl and mutt as submission clients, curl and fetchmail as POP3 and IMAP clients,
# mutt and neomutt as IMAP clients in a private tmux for their terminal);
# openssl for inspecting certificates;
# postfix as the foreign MTA of tests/e2e/test_postfix.py and smtp-sink for
# scripts/bench-outbound.sh (the tests run private instances; the system's own is never started).
# p7zip-full: 7-Zip's `7z`, which tests/corpus/attachments/generate.py uses to write the 7z cases
# (the generated files are committed; the tests themselves do not need it).
# dovecot-imapd: the foreign IMAP server `mailsift import imap` copies from in its tests; pebble:
# the ACME test CA the certificate tests obtain from; python3-prometheus-client parses /metrics.
# (Both servers run as private instances with their own config; the system's are disabled.)
packages=(python3 python3-pytest isync offlineimap3 swaks curl mutt neomutt tmux fetchmail sieve-connect python3-sievelib openssl ca-certificates postfix p7zip-full dovecot-imapd pebble python3-prometheus-client)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! need_cmd apt-get; then
    echo "setup: please install: ${missing[*]} (no apt-get on this system)" >&2
    exit 1
  fi
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    need_cmd sudo || { echo "setup: run as root or install sudo to install: ${missing[*]}" >&2; exit 1; }
    SUDO="sudo"
  fi
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  # Postfix asks how to configure the system's mail; "No configuration" writes no main.cf, so the
  # package's own service has nothing to run (and we disable it below).
  echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  case " ${missing[*]} " in
    *" postfix "*)
      if need_cmd systemctl; then $SUDO systemctl disable --now postfix >/dev/null 2>&1 || true; fi
      ;;
  esac
  case " ${missing[*]} " in
    *" dovecot-imapd "*)
      if need_cmd systemctl; then $SUDO systemctl disable --now dovecot >/dev/null 2>&1 || true; fi
      ;;
  esac
fi

# Python and JavaScript plugin toolchains (componentize-py, componentize-js), project-local in
# .tools/: only when asked, since they come from PyPI/npm and only their plugins need them.
if [ "${MAILSIFT_PLUGIN_LANGS:-0}" = 1 ]; then
  "$(dirname "${BASH_SOURCE[0]}")/setup-plugin-langs.sh"
fi

#!/usr/bin/env bash
# One command for a new user: build the terminal client, create the encrypted store on first
# run (passphrase + recovery key), then start (or resume) today's 5-minute micro-session.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
  echo "Solace needs a Rust toolchain (cargo) and a C compiler: install them, then rerun." >&2
  exit 1
fi

echo "Building the Solace terminal client (the first build takes a few minutes)…" >&2
cargo build --release --quiet -p solace-cli
solace="${CARGO_TARGET_DIR:-target}/release/solace"

set +e
status_err=$("$solace" status 2>&1 >/dev/null)
status_code=$?
set -e
if [ "$status_code" -eq 4 ]; then
  echo
  echo "Welcome to Solace. Let's create your private, encrypted space."
  "$solace" init
elif [ "$status_code" -ne 0 ]; then
  echo "$status_err" >&2
  exit "$status_code"
fi

echo
"$solace" session "$@"
echo
echo "Run '$solace --help' to see everything else: journal, mood, habits, insights, safety-plan."

#!/usr/bin/env bash
# One command for a new user: build the terminal client, create the encrypted store on first
# run, then walk through a short daily check-in (mood, a journaling prompt, habits).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
  echo "Solace needs a Rust toolchain: install it from your package manager or rustup, then rerun." >&2
  exit 1
fi

echo "Building the Solace terminal client (first build takes a few minutes)…" >&2
cargo build --release --quiet -p solace-cli
solace="${CARGO_TARGET_DIR:-target}/release/solace"

if ! "$solace" status >/dev/null 2>&1; then
  if "$solace" status 2>&1 | grep -q "solace init"; then
    echo
    echo "Welcome to Solace. Let's create your private, encrypted journal."
    "$solace" init
  fi
fi

echo
echo "── Daily check-in ─────────────────────────────────────"
read -r -p "How is your mood right now, 1 (awful) to 10 (great)? " mood
read -r -p "One or two words for what you feel (e.g. calm, tired): " emotions
args=()
for e in ${emotions//,/ }; do args+=(--emotion "$e"); done
"$solace" mood log "$mood" "${args[@]}"

echo
echo "Journaling prompt: What is one thing that went better than expected today?"
read -r -p "> " answer
if [ -n "$answer" ]; then
  "$solace" journal add "$answer" --prompt "What is one thing that went better than expected today?"
fi

echo
"$solace" habit list || true
echo
"$solace" mood stats --days 7
echo
echo "Thank you for checking in. Run '$solace --help' to see everything Solace can do."

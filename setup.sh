#!/usr/bin/env bash
# Quick start: installs what is missing, builds Atelier, and writes with the embedded default model.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
bash scripts/install-deps.sh
./atelier --help >/dev/null
if ! ./atelier models info poet-zh >/dev/null 2>&1 && ! ./atelier models info fixture >/dev/null 2>&1; then
  ./atelier models random fixture --vocab gpt2 --dim 128 --layers 2 --seed 7
fi
echo "--- atelier generate text (default model) ---"
./atelier generate text "Once upon a time" --max-tokens 48 --seed 1

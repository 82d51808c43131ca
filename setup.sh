#!/usr/bin/env bash
# Quick start: installs what is missing, builds Atelier, and has the embedded poet write a poem.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
bash scripts/install-deps.sh
./atelier --help >/dev/null
if ! ./atelier models info poet-zh >/dev/null 2>&1; then
  # Only when the embedded model is missing from this checkout: a small random-weights stand-in.
  ./atelier models info fixture >/dev/null 2>&1 || ./atelier models random fixture --vocab gpt2 --dim 128 --layers 2 --seed 7
  ./atelier generate text "Once upon a time" --model fixture --max-tokens 48 --seed 1
  exit 0
fi
echo "--- poet-zh writes a five-character quatrain titled 春夜 (spring night) ---"
./atelier generate text --title 春夜 --form wujue --rhyme --seed 7

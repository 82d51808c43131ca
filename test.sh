#!/usr/bin/env bash
# Runs the whole test suite (installing what the tests need first) and ends with one summary line.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
bash scripts/install-deps.sh || { echo "error: installing test dependencies failed" >&2; exit 1; }
log="$(mktemp)"
dotnet test "$root/Atelier.slnx" --nologo -c Release 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
read -r passed failed skipped < <(grep -E '(Passed|Failed)!  - Failed:' "$log" | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\2 \1 \3/' |
  awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}')
rm -f "$log"
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
if [[ $status -eq 0 && $passed -eq 0 ]]; then echo "error: no test ran" >&2; exit 1; fi
exit $status

#!/usr/bin/env bash
# make crash-test: kills `towers train --checkpoint-every 1` (an atomic, fsynced
# checkpoint save after every step) with SIGKILL at random moments, KILLS times
# (default 25). After each kill the last checkpoint must load (`towers eval`),
# and temporary files of killed saves must not accumulate: the next save removes
# them (at most the last two kills' files may be present at a check; none after a
# final run). Uses the release build.
set -euo pipefail
kills=${1:-25}
cd "$(dirname "$0")/.."
towers=.build/release/towers
[ -x "$towers" ] || { echo "crash-test: build first (make release)"; exit 1; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
checkpoint="$dir/siamese.safetensors"
temporaries() { find "$dir" -maxdepth 1 -name '.siamese.safetensors.tmp-*' | wc -l; }

interrupted=0
most=0
for i in $(seq 1 "$kills"); do
  "$towers" train --steps 100000000 --checkpoint-every 1 --output-dir "$dir" >/dev/null 2>&1 &
  pid=$!
  # Past start-up (about 0.1 s), then a random moment within the next second.
  sleep "$(printf '0.%03d' $((300 + RANDOM % 700)))"
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  left=$(temporaries)
  [ "$left" -gt 0 ] && interrupted=$((interrupted + 1))
  [ "$left" -gt "$most" ] && most=$left
  if [ ! -f "$checkpoint" ]; then
    echo "crash-test: kill $i: no checkpoint was written"
    exit 1
  fi
  if ! "$towers" eval "$checkpoint" >"$dir/eval.log" 2>&1; then
    cat "$dir/eval.log"
    echo "crash-test: kill $i: the last checkpoint does not load"
    exit 1
  fi
  if [ "$left" -gt 2 ]; then
    ls -la "$dir"
    echo "crash-test: kill $i: $left temporary files accumulated"
    exit 1
  fi
done

# A run that finishes removes what the last kills left.
sleep 1
"$towers" train --steps 3 --checkpoint-every 1 --output-dir "$dir" >/dev/null
"$towers" eval "$checkpoint" >/dev/null
if [ "$(temporaries)" -ne 0 ]; then
  ls -la "$dir"
  echo "crash-test: temporary files left after a complete run"
  exit 1
fi
echo "crash-test: $kills kills ($interrupted during a save, at most $most temporary file(s) at a time);" \
  "the last checkpoint loaded every time; no temporary files left"

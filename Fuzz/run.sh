#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/Package.swift, -sanitize=fuzzer,address) and
# runs each for SECONDS seconds (default 60) on a working corpus in .fuzz/NAME,
# seeded from Fuzz/Corpus/NAME. Prints the executions per target; exits non-zero
# on the first crash, leaving the crashing input in .fuzz/ (see Fuzz/README.md).
set -euo pipefail
seconds=${1:-60}
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

# lld: gold fails on these links (an internal error in its DWARF reader).
swift build -c release --package-path Fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld
bin="$(swift build -c release --package-path Fuzz --show-bin-path)"

summary=()
for target in safetensors gzip csv; do
  case $target in
    safetensors) exe=FuzzSafetensors ;;
    gzip) exe=FuzzGzip ;;
    csv) exe=FuzzCSV ;;
  esac
  work=".fuzz/$target"
  mkdir -p "$work"
  log=".fuzz/$target.log"
  echo "fuzzing $target for ${seconds}s (working corpus $work, seeds Fuzz/Corpus/$target)"
  status=0
  "$bin/$exe" "$work" "Fuzz/Corpus/$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
    -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix=".fuzz/$target-" >"$log" 2>&1 || status=$?
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
  if [ "$status" -ne 0 ]; then
    tail -n 40 "$log"
    echo "fuzz target $target FAILED after $runs executions (input saved as .fuzz/$target-*)"
    exit 1
  fi
  summary+=("$target: $runs executions in ${seconds}s, corpus $(ls "$work" | wc -l) inputs")
done
printf 'fuzz: %s\n' "${summary[@]}"

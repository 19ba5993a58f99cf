#!/usr/bin/env bash
# Scaling and memory figures of the batch runner (README, "Archives at scale").
#
#   tools/scale/run.sh [--big]
#
# Builds target/release/triage, generates synthetic inputs under a scratch directory
# (tools/scale/gen.py), then reports, in one run on this machine:
#   - wall time with 1 and 2 worker threads, and their ratio, for 10,000 small HL7 v2
#     files and for one 25 MB MLLP capture of 10,000 messages (best of 3 runs each);
#   - peak RSS for 10^6 empty MLLP frames and 10^6 lines of `{}`;
#   - with --big: peak RSS for a 2 GB directory of captures and the same as a zip.
# Figures go to stdout as a Markdown table. No timing is asserted anywhere: this is a
# measurement, not a test.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --quiet
triage=$PWD/target/release/triage
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gen() { python3 tools/scale/gen.py "$@"; }

best_of_3() { # prints the best wall time in seconds of "$@"
  local best=""
  for _ in 1 2 3; do
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null || [ $? -eq 1 ]
    t1=$(date +%s.%N)
    best=$(python3 -c "t=$t1-$t0; b='$best'; print(t if not b or t<float(b) else b)")
  done
  echo "$best"
}

peak() { # prints "seconds peak-RSS-MB" of "$@"
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/err" || true
  awk 'END {printf "%s %.0f\n", $1, $2/1024}' "$work/time"
}

gen files "$work/files" 10000
gen capture "$work/capture.mllp" 10000
gen tiny-frames "$work/tiny.mllp" 1000000
gen empty-lines "$work/empty.ndjson" 1000000

echo "| workload | size | 1 thread (s) | 2 threads (s) | speed-up |"
echo "| --- | --- | --- | --- | --- |"
for input in files capture.mllp; do
  size=$(du -sh --apparent-size "$work/$input" | cut -f1)
  one=$(best_of_3 "$triage" validate --format json --jobs 1 "$work/$input")
  two=$(best_of_3 "$triage" validate --format json --jobs 2 "$work/$input")
  ratio=$(python3 -c "print(f'{$one/$two:.2f}x')")
  printf '| %s | %s | %.2f | %.2f | %s |\n' "$input" "$size" "$one" "$two" "$ratio"
done

echo
echo "| workload | size | wall (s) | peak RSS (MB) |"
echo "| --- | --- | --- | --- |"
for input in tiny.mllp empty.ndjson; do
  size=$(du -sh --apparent-size "$work/$input" | cut -f1)
  read -r secs mb < <(peak "$triage" validate --format json "$work/$input")
  printf '| %s | %s | %s | %s |\n' "$input" "$size" "$secs" "$mb"
done

if [ "${1:-}" = "--big" ]; then
  gen big-dir "$work/big" 2000000000
  (cd "$work" && python3 -c "
import os, zipfile
with zipfile.ZipFile('big.zip', 'w', zipfile.ZIP_DEFLATED, compresslevel=1) as z:
    for name in sorted(os.listdir('big')):
        z.write(os.path.join('big', name), 'big/' + name)
")
  for input in big big.zip; do
    size=$(du -sh --apparent-size "$work/$input" | cut -f1)
    read -r secs mb < <(peak "$triage" validate --format json "$work/$input")
    printf '| %s | %s | %s | %s |\n' "$input" "$size" "$secs" "$mb"
  done
fi

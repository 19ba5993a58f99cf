#!/usr/bin/env bash
# Scaling and memory figures of the batch runner (README, "Archives at scale").
#
#   tools/scale/run.sh [--big]
#
# Builds target/release/triage, generates synthetic inputs under a scratch directory
# (tools/scale/gen.py), then reports, in one run on this machine:
#   - wall time on 1 core (taskset), with 1 worker thread, and on 2 cores, and their
#     ratios, for 10,000 small HL7 v2 files and for one 25 MB MLLP capture of 10,000
#     messages (median of RUNS rounds, default 15, the configurations run in turn each
#     round), and the machine's ceiling: two pinned runs at once;
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

# Wall time of one run of "$@", in seconds (exit status 1, "some payload invalid", is fine).
wall() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null || [ $? -eq 1 ]
  t1=$(date +%s.%N)
  python3 -c "print($t1-$t0)"
}

# Runs the three configurations of one input in turn, RUNS rounds, so that a change in
# the machine's load falls on all three alike (run one after another, the 1-core
# baseline swung from 0.63 s to 0.95 s between two runs of this script); prints the three
# medians.
RUNS=${RUNS:-15}
# Two whole runs at once, each pinned to its own CPU: what this machine gives two
# independent single-threaded copies of the same work (shared caches, memory bandwidth,
# the host's clocks). Twice the pinned time over this is the most any two-thread run of
# the work could gain here: the ceiling the 2-core ratio is read against.
pair() { # input
  local t0 t1
  t0=$(date +%s.%N)
  taskset -c 0 "$triage" validate --format json "$1" >/dev/null &
  taskset -c 1 "$triage" validate --format json "$1" >/dev/null &
  wait || true
  t1=$(date +%s.%N)
  python3 -c "print($t1-$t0)"
}
four_medians() { # input
  local pinned=() one=() two=() both=()
  for _ in $(seq "$RUNS"); do
    pinned+=("$(wall taskset -c 0 "$triage" validate --format json "$1")")
    one+=("$(wall "$triage" validate --format json --jobs 1 "$1")")
    two+=("$(wall "$triage" validate --format json "$1")")
    both+=("$(pair "$1")")
  done
  python3 -c "
import statistics, sys
groups = sys.argv[1].split(), sys.argv[2].split(), sys.argv[3].split(), sys.argv[4].split()
print(*(statistics.median(map(float, g)) for g in groups))
" "${pinned[*]}" "${one[*]}" "${two[*]}" "${both[*]}"
}

peak() { # prints "seconds peak-RSS-MB" of "$@"
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/err" || true
  awk 'END {printf "%s %.0f\n", $1, $2/1024}' "$work/time"
}

gen files "$work/files" 10000
gen capture "$work/capture.mllp" 10000
gen tiny-frames "$work/tiny.mllp" 1000000
gen empty-lines "$work/empty.ndjson" 1000000

# "1 core": the whole process pinned to one CPU (taskset), so the producer and the
# collector share it with the worker; "--jobs 1": one worker thread, the producer and
# the collector free to run beside it; "2 cores": the default, one worker per core.
echo "| workload | size | 1 core (s) | --jobs 1 (s) | 2 cores (s) | two pinned runs at once (s) | 2 cores vs 1 core | 2 cores vs --jobs 1 | ceiling: 2 x 1 core / two at once |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for input in files capture.mllp; do
  size=$(du -sh --apparent-size "$work/$input" | cut -f1)
  read -r pinned one two both < <(four_medians "$work/$input")
  python3 -c "print(f'| $input | $size | {$pinned:.2f} | {$one:.2f} | {$two:.2f} | {$both:.2f} | {$pinned/$two:.2f}x | {$one/$two:.2f}x | {2*$pinned/$both:.2f}x |')"
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

#!/usr/bin/env bash
# Validates a zip of the sample archive and a 25 MB MLLP capture in one run: one report
# per message (`archive.zip!/hl7v2/...`, `capture.mllp#k`) and, in human output, a
# summary line. Extra arguments go to `triage validate` (for example `--format json`).
#
#   tools/scale/demo.sh [--format json] ...
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work/archive.zip" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for root, _, files in sorted(os.walk("examples/archive")):
        for name in sorted(files):
            path = os.path.join(root, name)
            z.write(path, os.path.relpath(path, "examples/archive"))
PY
python3 tools/scale/gen.py capture "$work/capture.mllp" 10000
cd "$work"
status=0
"$OLDPWD/target/release/triage" validate "$@" archive.zip capture.mllp || status=$?
exit "$status"

#!/usr/bin/env bash
# Fails when schemas/hl7v2/ differs from what tools/hl7v2/generate.py writes from PyPI
# hl7apy (the version pinned here and recorded in schemas/hl7v2/PROVENANCE.md).
# Installs hl7apy into a throwaway virtualenv; takes about 10 s with a warm pip cache.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=$(mktemp -d)
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check hl7apy==1.3.5
"$venv/bin/python" tools/hl7v2/generate.py --check

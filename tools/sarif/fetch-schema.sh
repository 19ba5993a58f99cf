#!/bin/sh
# Fetches the SARIF 2.1.0 JSON schema that tests/output_sarif.rs validates our logs
# against, from the npm package @microsoft/jest-sarif (MIT; see tools/sarif/README.md).
# The schema is not committed: it is fetched into target/sarif-schema/ (or
# $SARIF_SCHEMA_DIR) and the path of the schema file is printed. Running it again when
# the file is there does nothing but print the path.
#
#   tools/sarif/fetch-schema.sh      # needs npm and the npm registry
set -eu
PACKAGE=@microsoft/jest-sarif
VERSION=1.0.0-beta.0
FILE=package/lib/schemas/sarif-2.1.0-rtm.5.json
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${SARIF_SCHEMA_DIR:-$root/target/sarif-schema}
out="$dir/sarif-2.1.0-rtm.5.json"
if [ -s "$out" ]; then
  echo "$out"
  exit 0
fi
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --loglevel=error "$PACKAGE@$VERSION" >/dev/null \
  && tar xzf microsoft-jest-sarif-"$VERSION".tgz "$FILE")
# A schema that is not JSON would make every validation fail for the wrong reason.
node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$tmp/$FILE"
# Written under a temporary name and renamed, so an interrupted fetch leaves no half file.
cp "$tmp/$FILE" "$out.tmp.$$"
mv "$out.tmp.$$" "$out"
echo "$out"

#!/bin/sh
# Do the committed golden fixtures come out of tools/golden/make_golden.py byte for byte? Regenerates them into a
# temporary directory (the working tree is not touched) and compares with src/test/resources/golden: changed,
# missing and extra files all fail. Exit 0 when identical.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
/usr/bin/python3 "$root/tools/golden/make_golden.py" "$fresh"
if diff -r "$root/src/test/resources/golden" "$fresh"; then
  echo "golden fixtures: reproduced byte for byte"
else
  echo "golden fixtures: make_golden.py does not reproduce the committed files (see above)" >&2
  exit 1
fi

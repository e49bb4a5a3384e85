#!/usr/bin/env bash
# Independent check of backprop.xlsx: removes every cached formula result, lets LibreOffice recompute the
# whole workbook, and compares each cell with the CSV files of the same run. Needs libreoffice-calc
# (apt-get install libreoffice-calc-nogui) and python3.
# Usage: tools/sheet/check_with_libreoffice.sh [SHEET_OUT_DIR]   (default out/sheet, from `backprop sheet`)
set -euo pipefail
dir=${1:-out/sheet}
command -v soffice >/dev/null || { echo "needs LibreOffice: apt-get install libreoffice-calc-nogui" >&2; exit 2; }
[ -f "$dir/backprop.xlsx" ] || { echo "no $dir/backprop.xlsx; run 'bin/backprop sheet --out $dir' first" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$dir/backprop.xlsx" "$work/recalc.xlsx" <<'PY'
import re, sys, zipfile
source, target = sys.argv[1:]
with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        data = zin.read(item.filename)
        if item.filename.startswith("xl/worksheets/"):
            data = re.sub(rb"(<f>[^<]*</f>)<v>[^<]*</v>", rb"\1", data)
        zout.writestr(item, data)
PY
# CSV filter tokens: comma, double quote, UTF-8, from line 1, ..., full precision (not "as shown"), all sheets
(cd "$work" && soffice --headless --convert-to \
  'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1' recalc.xlsx >/dev/null 2>&1)
python3 - "$dir" "$work" <<'PY'
import csv, glob, os, sys
out, work = sys.argv[1:]
worst, cells = 0.0, 0
for ours_path in sorted(glob.glob(os.path.join(out, "steps_lr*.csv"))):
    sheet = os.path.basename(ours_path)[len("steps_"):-len(".csv")]
    ours = list(csv.DictReader(open(ours_path)))
    theirs = list(csv.DictReader(open(os.path.join(work, f"recalc-{sheet}.csv"))))
    assert len(ours) == len(theirs), f"{sheet}: {len(ours)} rows in the CSV, {len(theirs)} in the workbook"
    for a, b in zip(ours, theirs):
        for column, value in a.items():
            x, y = float(value), float(b[column])
            worst = max(worst, abs(x - y) / abs(x) if x != 0 else abs(y))
            cells += 1
print(f"{cells} cells: max relative difference LibreOffice vs CSV = {worst:.2e}")
sys.exit(0 if worst < 1e-9 else 1)
PY

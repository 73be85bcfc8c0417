#!/usr/bin/env bash
# Builds a tribunal bundle through the API (the end-to-end bundle test, which keeps the PDF and
# the plan the API answered) and checks the PDF with tools the project did not write: qpdf finds
# no structural error; pdftotext finds every index entry and "Page N of M" on every page N; the
# page count is what the plan said (cover, index, dividers and items) plus the generated part.
set -euo pipefail
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
SENVAULT_BUNDLE_OUT="$out" cargo nextest run --workspace --locked -E 'test(=bundles::bundles_work_on_sqlite)' >"$out/test.log" 2>&1 \
  || { cat "$out/test.log"; echo "FAILED: the bundle test"; exit 1; }
pdf="$out/bundle.pdf"
[ -s "$pdf" ] || { echo "FAILED: no bundle was written"; exit 1; }
qpdf --check "$pdf" >"$out/qpdf.log" || { cat "$out/qpdf.log"; echo "FAILED: qpdf --check"; exit 1; }
pages=$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')
python3 - "$pdf" "$out/bundle.json" "$pages" <<'PY'
import json, subprocess, sys
pdf, plan_file, pages = sys.argv[1], sys.argv[2], int(sys.argv[3])
plan = json.load(open(plan_file))
def text(first, last):
    return subprocess.run(["pdftotext", "-layout", "-f", str(first), "-l", str(last), pdf, "-"],
                          check=True, capture_output=True, text=True).stdout
for n in range(1, pages + 1):
    if f"Page {n} of {pages}" not in text(n, n):
        sys.exit(f"FAILED: page {n} has no stamp 'Page {n} of {pages}'")
index = text(2, plan["front_pages"])
items = [i for s in plan["sections"] for i in s["items"] if i["included"]]
for i in items:
    for wanted in (i["exhibit"], i["title"], f'{i["start_page"]}'):
        if wanted not in index:
            sys.exit(f"FAILED: the index lacks {wanted!r}")
expected = plan["front_pages"] + len(plan["sections"]) + sum(i["pages"] for i in items)
if expected != plan["pages_before_generated"]:
    sys.exit(f"FAILED: the plan counts {plan['pages_before_generated']} pages, its parts {expected}")
generated = len(plan["generated_exhibits"])
if pages < expected + 1 + generated:
    sys.exit(f"FAILED: {pages} pages; expected at least {expected} + a divider + {generated} generated exhibits")
# The generated exhibits are indexed too, and their pages make up the rest exactly: the first
# starts after their divider, the last ends on the last page.
ranges = []
for title in plan["generated_exhibits"]:
    line = next((l for l in index.splitlines() if title in l), None)
    if line is None:
        sys.exit(f"FAILED: the index lacks the generated exhibit {title!r}")
    first, _, last = line.split()[-1].partition("-")
    ranges.append((int(first), int(last or first)))
if generated and (ranges[0][0] != expected + 2 or ranges[-1][1] != pages):
    sys.exit(f"FAILED: generated exhibits at {ranges}; expected from page {expected + 2} to {pages}")
print(f"  {pages} pages: qpdf clean; every page stamped; {len(items)} exhibits and {generated} generated exhibits indexed")
PY

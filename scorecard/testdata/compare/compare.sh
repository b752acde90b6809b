#!/bin/sh
# compare.sh: prodready check --format json, whole process, against
# json-rules-engine evaluating alone, on the same generated catalog.
# It installs json-rules-engine from npm into a temporary directory; go
# test never runs it.
#
#   scorecard/testdata/compare/compare.sh [services] [runs]
set -eu
n=${1:-10000}
runs=${2:-5}
now=2026-11-26T09:00:00Z
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$root" && go build -o "$tmp/prodready" ./cmd/prodready && go run ./cmd/gencatalog -services "$n" -now 2026-11-26T00:00:00Z -o "$tmp/catalog.json")
npm install --silent --no-audit --no-fund --prefix "$tmp/jre" json-rules-engine@6 >/dev/null
jre=$(node -e 'console.log(require(process.argv[1]+"/node_modules/json-rules-engine/package.json").version)' "$tmp/jre")

best() { sort -n | head -1; }
i=0
while [ $i -lt "$runs" ]; do
	/usr/bin/time -f '%e' -o "$tmp/t" "$tmp/prodready" check --catalog "$tmp/catalog.json" --now $now --format json >/dev/null 2>"$tmp/err" || [ $? -eq 1 ]
	cat "$tmp/t" >>"$tmp/go"
	node "$here/evaluate.mjs" "$tmp/jre/node_modules/json-rules-engine" "$tmp/catalog.json" "$root/scorecard/demo/scorecards.json" $now >"$tmp/j"
	node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).ms/1000)' "$tmp/j" >>"$tmp/js"
	i=$((i + 1))
done
go=$(best <"$tmp/go")
js=$(best <"$tmp/js")
echo "services: $n ($(wc -c <"$tmp/catalog.json") bytes), best of $runs"
echo "prodready check --format json, whole process: ${go} s"
echo "json-rules-engine $jre, evaluation alone:     ${js} s ($(cat "$tmp/j"))"
awk -v g="$go" -v j="$js" 'BEGIN { printf "ratio: %.1fx\n", j / g }'

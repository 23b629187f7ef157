#!/usr/bin/env bash
# Test 33 (issue 15): relevance, measured.  The 48 demo modules
# (demo/data/modules) published at a node, and the needs of
# tests/data/needs.txt (half Swedish, half English, with the modules a
# teacher would expect) matched there: precision@3 (relevant hits in the
# top three, out of min(3, relevant)) and recall@10 (relevant hits in the
# top ten, out of relevant), averaged over the needs, printed, and held
# to floors docs/matching.md states.  Raise them as the ranking improves.
. "$(dirname "$0")/lib.sh"

P3_FLOOR=0.90
R10_FLOOR=0.95
NEEDS="$(dirname "$0")/../data/needs.txt"
DEMO="$(dirname "$0")/../../demo/data/modules"

fed_create 2
node_start 1
node_start 2
pubf() {	# the demo's files name their owner, which the event does not carry
	jq 'del(.owner)' "$1" >"$T/module.json" &&
	    "$I40CTL" module publish -d "$(dir 1)" --file "$T/module.json" >/dev/null
}
first=$(ls "$DEMO"/*.json | head -1)
check "node 1 publishes (once it signs)" wait_for 20 pubf "$first"
n=1
for f in "$DEMO"/*.json; do
	[ "$f" = "$first" ] && continue
	pubf "$f" && n=$((n + 1))
done
check "all 48 demo modules published" test $n = 48
node_stop 1
node_stop 2

sum=$(grep -v '^#' "$NEEDS" | while IFS='|' read -r lang need codes; do
	got=$("$I40CTL" match -d "$(dir 1)" --lang "$lang" --limit 10 --json \
	    "$need" 2>/dev/null | jq -r '[.hits[].module] | join(" ")')
	echo "$need|$codes|$got"
done | awk -F'|' '{
	nrel = split($2, rel, " "); ng = split($3, got, " ");
	p = 0; r = 0;
	for (i = 1; i <= ng; i++) for (j = 1; j <= nrel; j++)
		if (got[i] == rel[j]) { if (i <= 3) p++; r++ }
	m = nrel < 3 ? nrel : 3;
	P += p / m; R += r / nrel; N++;
	if (p < m) printf "# below: \"%s\": top %s; want %s\n", $1, $3, $2 > "/dev/stderr"
} END { printf "%.3f %.3f %d\n", P / N, R / N, N }')
read -r p3 r10 nn <<<"$sum"
echo "# relevance over $nn needs: precision@3 $p3 (floor $P3_FLOOR), recall@10 $r10 (floor $R10_FLOOR)"
check "at least 40 needs" test "$nn" -ge 40
check "precision@3 $p3 >= $P3_FLOOR" awk -v a="$p3" -v b="$P3_FLOOR" 'BEGIN { exit !(a >= b) }'
check "recall@10 $r10 >= $R10_FLOOR" awk -v a="$r10" -v b="$R10_FLOOR" 'BEGIN { exit !(a >= b) }'
done_testing

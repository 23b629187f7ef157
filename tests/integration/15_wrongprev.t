#!/usr/bin/env bash
# Test 15: a member that signs a second seq 2 whose prev names nothing,
# then the right seq 2 (as an independent implementation did, testing
# refusals), is frozen alike on every node, and no node asks it for the
# refused events again and again (docs/sync.md, "Asking" and "Forks").
#
# Nodes 1 and 2 are real; member 3 is `forkpeer equivocate` on its
# endpoint: the first node that asks gets the wrong seq 2, the other the
# right one.  It counts the WANTs it gets from each node for 20 s.
. "$(dirname "$0")/lib.sh"

FORKPEER=$BUILD/testtools/forkpeer
[ -x "$FORKPEER" ] || bail "build $FORKPEER"
fed_create 3
SECONDS_RUN=${I40_WRONGPREV_SECONDS:-12}
"$FORKPEER" equivocate --key "$T/n3/node.key" \
    --listen "tcp://127.0.0.1:${PORT[3]}" --genesis "$T/genesis.i40" \
    --seconds "$SECONDS_RUN" >"$T/forkpeer.out" 2>&1 &
PID[9]=$!
for i in 1 2; do
	check "node $i starts" node_start $i
done
head_of() {
	"$I40CTL" status --json -d "$(dir $1)" | jq -r --arg k "${KEY[3]}" \
	    ".heads[] | select(.author == \$k) | .$2"
}
frozen_alike() {
	local a b
	a=$(head_of 1 frozen)/$(head_of 1 last)
	b=$(head_of 2 frozen)/$(head_of 2 last)
	[ "$a" = "$b" ] && [ "${a%/*}" -gt 0 ] 2>/dev/null
}
check "both nodes freeze member 3 alike" wait_for 30 frozen_alike
echo "# member 3: frozen at seq $(head_of 1 frozen), counts up to seq" \
    "$(head_of 1 last) on both"
check "both have the same roots" wait_for 30 roots_equal 1 2
wait "${PID[9]}"
check "the equivocating member ran to the end" test $? = 0
PID[9]=""
sed 's/^/#   /' "$T/forkpeer.out"
rates_ok() {
	local line total max
	[ "$(grep -c '^# wants:' "$T/forkpeer.out")" -ge 2 ] || return 1
	while read -r line; do
		total=$(echo "$line" | sed 's/.*: \([0-9]*\) in all.*/\1/')
		max=$(echo "$line" | sed 's/.*at most \([0-9]*\) in one.*/\1/')
		[ "$total" -le $((3 * SECONDS_RUN)) ] && [ "$max" -le 5 ] ||
		    return 1
	done < <(grep '^# wants:' "$T/forkpeer.out")
}
check "no node sent more than 5 WANTs in a second, nor 3 a second on average" \
    rates_ok
for i in 1 2; do
	check "node $i stops cleanly" node_stop $i
done
done_testing

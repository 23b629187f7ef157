#!/usr/bin/env bash
# Test 13: a fork below the settled seq unmakes nothing; one above it
# freezes as before; a flood of fork variants stores one piece of evidence
# and logs one line (docs/protocol.md §11).
#
# Five members; node 5's daemon never runs: a thief holding its key (and
# node 1's and node 3's) speaks through `forkpeer fork`.  Checkpoints run
# every second.
#  1. Node 1 records three completions; node 3 publishes a module; the
#     members' checkpoints settle both.
#  2. Node 4 stops (its checkpoints are needed to settle anything new);
#     node 3 publishes ABOVE, which therefore stays unsettled.  The thief
#     forks node 3's log at ABOVE's seq: every node freezes node 3 before
#     it, and ABOVE leaves the catalog; node 4, back, freezes alike.
#  3. The thief sends 3,000 variants of node 1's seq 2, far below its
#     settled seq: every node freezes node 1 after its settled seq, every
#     completion still counts everywhere, one evidence and one
#     "equivocation" line per node, and node 1 stops signing (its key
#     signed what it did not).
CHECKPOINT_INTERVAL=1s
. "$(dirname "$0")/lib.sh"

FORKPEER=$BUILD/testtools/forkpeer
STOREDUMP=$BUILD/testtools/storedump
[ -x "$FORKPEER" ] && [ -x "$STOREDUMP" ] || bail "build the test tools"
fed_create 5
for i in 1 2 3 4; do
	check "node $i starts" node_start $i
done
learner() { printf '%032x' "$1"; }
check "node 1 publishes" wait_for 30 publish 1 N1-M
for l in 1 2 3; do
	check "node 1 records learner $l's completion" \
	    quiet "$I40CTL" completion record -d "$(dir 1)" \
	    --learner "$(learner $l)" --module N1-M --grade G --scale UG \
	    --examiner "Examiner One" --exam-date 2026-11-20 \
	    --decision-date 2026-11-24
done
check "node 3 publishes" wait_for 30 publish 3 N3-M

# head_of I AUTHOR-INDEX FIELD: that author's head field on node I.
head_of() {
	"$I40CTL" status --json -d "$(dir $1)" | jq -r --arg k "${KEY[$2]}" \
	    ".heads[] | select(.author == \$k) | .$3"
}
settled_all() {	# settled_all AUTHOR SEQ NODE...: settled to SEQ at least
	local a=$1 s=$2 i v
	shift 2
	for i in "$@"; do
		v=$(head_of "$i" "$a" settled)
		[ -n "$v" ] && [ "$v" -ge "$s" ] || return 1
	done
}
compl() { "$STOREDUMP" "$(dir $1)" | grep -c '^d_compl '; }
s1=$(field 1 seq)
s3=$(field 3 seq)
check "the members' checkpoints settle node 1's log to seq $s1" \
    wait_for 30 settled_all 1 "$s1" 1 2 3 4
check "and node 3's to seq $s3" wait_for 30 settled_all 3 "$s3" 1 2 3 4
check "all converge" wait_for 30 roots_equal 1 2 3 4
for i in 1 2 3 4; do
	check "node $i counts the three completions" test "$(compl $i)" = 3
done

# 2. A fork above the settled seq.
check "node 4 stops" node_stop 4
check "node 3 publishes ABOVE" publish 3 ABOVE
above=$(field 3 seq)
check "nodes 1-3 converge" wait_for 30 roots_equal 1 2 3
check "ABOVE is not settled" test "$(head_of 2 3 settled)" -lt "$above"
check "the thief forks node 3's log at seq $above" \
    quiet "$FORKPEER" fork --key "$T/n5/node.key" --victim "$T/n3/node.key" \
    --target-pub "${KEY[2]}" --target "tcp://127.0.0.1:${PORT[2]}" \
    --genesis "$T/genesis.i40" --datadir "$(dir 2)" --seq "$above"
frozen_at() {	# frozen_at AUTHOR LAST NODE...
	local a=$1 l=$2 i
	shift 2
	for i in "$@"; do
		[ "$(head_of "$i" "$a" frozen)" -gt 0 ] 2>/dev/null &&
		    [ "$(head_of "$i" "$a" last)" = "$l" ] || return 1
	done
}
check "nodes 1-3 freeze node 3 before the fork (seq $((above - 1)))" \
    wait_for 30 frozen_at 3 $((above - 1)) 1 2 3
no_above() {
	local i
	for i in "$@"; do
		"$I40CTL" catalog --json -d "$(dir $i)" | grep -q '"ABOVE"' &&
		    return 1
		"$I40CTL" catalog --json -d "$(dir $i)" | grep -q '"N3-M"' ||
		    return 1
	done
}
check "ABOVE left every catalog; node 3's settled module stays" \
    wait_for 30 no_above 1 2 3
check "node 4 starts again" node_start 4
check "and freezes node 3 alike" wait_for 30 frozen_at 3 $((above - 1)) 4
check "all converge" wait_for 30 roots_equal 1 2 3 4

# 3. A flood of forks far below the settled seq.
S=$(head_of 2 1 settled)
before=$(cat "$T"/n2/log | grep -c "equivocation:")
check "the thief sends 3,000 forks of node 1's seq 2 (settled to $S)" \
    quiet "$FORKPEER" fork --key "$T/n5/node.key" --victim "$T/n1/node.key" \
    --target-pub "${KEY[2]}" --target "tcp://127.0.0.1:${PORT[2]}" \
    --genesis "$T/genesis.i40" --datadir "$(dir 2)" --seq 2 \
    --variants 3000
check "every node freezes node 1 after its settled seq $S" \
    wait_for 30 frozen_at 1 "$S" 1 2 3 4
check "all converge" wait_for 30 roots_equal 1 2 3 4
for i in 1 2 3 4; do
	check "node $i still counts the three completions" \
	    test "$(compl $i)" = 3
	n=$("$STOREDUMP" "$(dir $i)" | grep -c '^d_fork ')
	check "node $i holds evidence for two logs, one each (d_fork: $n)" \
	    test "$n" = 2
done
sleep 2
eq=$(($(grep -c "equivocation:" "$T/n2/log") - before))
check "node 2 logged one equivocation line for the flood ($eq)" test "$eq" = 1
for i in 1 3 4; do
	c=$(grep "equivocation:" "$T/n$i/log" | grep -c "u1.example.se")
	check "node $i logged one line for node 1's fork ($c)" test "$c" = 1
done
lines=$(grep -c "warn\|error" "$T/n2/log")
echo "# node 2's warn and error lines in all: $lines"
check "node 2 logged fewer than 20 warn lines in all" test "$lines" -lt 20
check "node 1 stops signing: its key signed what it did not" \
    wait_for 10 sh -c "\"$I40CTL\" status --json -d \"$(dir 1)\" |
    jq -e '.signing == \"stopped\"' >/dev/null"
for i in 1 2 3 4; do
	check "node $i stops cleanly" node_stop $i
done
done_testing

#!/usr/bin/env bash
# Test 39: a reload that closes a link while a WANT is out on it.
#
# Node 1 reaches node 2's log only through node 3 ([peers] u2 = off).
# Node 3 fetches a new event of node 2's while node 1 is stopped
# (SIGSTOP), and is stopped itself just after; node 1, let go, reads
# node 3's announcement and asks node 3, which cannot answer.  Then
# node 1's configuration swaps node 3 for node 2 and is reloaded
# (SIGHUP), as an operator moving a link would.  The WANT must be
# forgotten with the link it went out on, so that node 1 asks node 2
# at once.  It used to stay pinned to node 3's closed link: node 1 never
# asked anyone for that log again until it restarted (seen in test 12,
# whose reload turns links off in the middle of a sync).
. "$(dirname "$0")/lib.sh"

fed_create 3
peer_off 1 2
for i in 1 2 3; do
	check "node $i starts" node_start $i
done
# head_of I J: node I's head of node J's log (0: none).
head_of() {
	"$I40CTL" status --json -d "$(dir $1)" | jq -r --arg k "${KEY[$2]}" \
	    '[.heads[] | select(.author == $k) | .seq][0] // 0'
}
check "node 2 publishes" wait_for 30 publish 2 FIRST
first=$(head_of 2 2)
check "node 1 has it, through node 3" \
    wait_for 20 eval '[ "$(head_of 1 2)" = "$first" ]'

kill -STOP "${PID[1]}"
check "node 2 publishes again, node 1 stopped" publish 2 LATE
want=$(head_of 2 2)
check "node 3 fetches it" wait_for 20 eval '[ "$(head_of 3 2)" = "$want" ]'
sleep 0.5		# node 3's NOTIFY of it is on its way to node 1
kill -STOP "${PID[3]}"
kill -CONT "${PID[1]}"
sleep 1.5		# node 1 reads it and asks node 3, stopped
check "node 1 does not have it: node 3 cannot answer" \
    test "$(head_of 1 2)" = "$first"

sed -i '/^\[peers\]/,$d' "$(conf 1)"
printf '[peers]\nu3.example.se = off\n' >>"$(conf 1)"
kill -HUP "${PID[1]}"
check "after the reload, node 1 fetches it from node 2 within 10 s" \
    wait_for 10 eval '[ "$(head_of 1 2)" = "$want" ]'
echo "# node 1's log: $(grep -c "link up" "$T/n1/log") links up in all"

kill -CONT "${PID[3]}"
check "all three converge" wait_for 30 roots_equal 1 2 3
for i in 1 2 3; do
	check "node $i stops cleanly" node_stop $i
done
done_testing

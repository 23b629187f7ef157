#!/usr/bin/env bash
# Test 2: a line A-B-C where A and C are not peers converges through B,
# which relays the events of both.  A and C confirm their own heads before
# they sign by a majority of the members: B's vector, and the other end's
# checkpoint, relayed by B (docs/sync.md, "Signing").
CHECKPOINT_INTERVAL=1s
. "$(dirname "$0")/lib.sh"

fed_create 3
peer_off 1 3
peer_off 3 1
for i in 1 2 3; do
	check "node $i starts" node_start $i
done
check "A publishes" wait_for 20 publish 1 A-ONE
check "C publishes" wait_for 20 publish 3 C-ONE
check "A, B and C converge" wait_for 30 roots_equal 1 2 3
check "A holds C's module, relayed by B" \
    sh -c "\"$I40CTL\" catalog --json -d \"$(dir 1)\" | grep -q C-ONE"
check "C holds A's module, relayed by B" \
    sh -c "\"$I40CTL\" catalog --json -d \"$(dir 3)\" | grep -q A-ONE"
check "A never had a link to C" \
    sh -c "! grep -q 'u3.example.se.*link up' \"$T/n1/log\""
for i in 1 2 3; do
	check "node $i stops cleanly" node_stop $i
done
done_testing

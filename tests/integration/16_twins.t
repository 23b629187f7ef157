#!/usr/bin/env bash
# Test 16: a second copy of a running node, started where it meets the
# same peers (a botched migration), is seen before anything is signed
# twice: a peer sees two live sessions with one key, logs it at error
# level, and tells both copies, which stop signing (docs/sync.md,
# "Signing").  Nothing forks.
. "$(dirname "$0")/lib.sh"

fed_create 3
for i in 1 2 3; do
	check "node $i starts" node_start $i
done
check "node 1 publishes" wait_for 30 publish 1 BEFORE
check "all converge" wait_for 30 roots_equal 1 2 3

# The copy: node 1's data directory and key, another address.
check "node 1 stops for the copy" node_stop 1
mkdir -p "$T/n4"
cp -a "$(dir 1)" "$(dir 4)"
rm -f "$(dir 4)/i40d.pid" "$(dir 4)/control.sock"
cp -a "$T/n1/node.key" "$T/n4/node.key"
free_port
cat >"$(conf 4)" <<INI
[node]
name = copy
datadir = $(dir 4)
key = $T/n4/node.key
listen = tcp://127.0.0.1:$FREE_PORT
sync_interval = ${SYNC_INTERVAL:-1s}
checkpoint_interval = 1h
INI
check "node 1 starts again" node_start 1
check "node 1 signs" wait_for 30 publish 1 STILL-ONE
check "the copy starts beside it" node_start 4
stopped() {
	[ "$("$I40CTL" status --json -d "$(dir $1)" | jq -r .signing)" = \
	    stopped ]
}
check "the copy stops signing before it signed anything" \
    wait_for 30 stopped 4
check "the copy's own log is where node 1 left it" \
    test "$(field 4 seq)" = "$(field 1 seq)"
check "and node 1 is told too" wait_for 30 stopped 1
check "a peer logged the two sessions at error level" \
    grep -q "error: peer u1.example.se .*two sessions with its key at once" \
    "$T/n2/log" "$T/n3/log"
grep -h "two sessions" "$T"/n[23]/log | head -1 | cut -c1-220 | sed 's/^/# /'
check "the copy refuses writes, saying why" sh -c "\"$I40CTL\" module publish \
    -d \"$(dir 4)\" --file \"$(module_json TWIN)\" 2>&1 |
    grep -q 'sees two sessions'"
check "nothing was signed twice: no equivocation anywhere" \
    sh -c "! grep -q equivocation \"$T\"/n*/log"
check "node 1's log is not frozen anywhere" sh -c "[ \"\$(\"$I40CTL\" status \
    --json -d \"$(dir 2)\" | jq --arg k \"${KEY[1]}\" '.heads[] |
    select(.author == \$k) | .frozen')\" = 0 ]"
check "the copy stops" node_stop 4
rm -f "$(dir 1)/stopped"
check "node 1, alone again and released by its operator, restarts" \
    node_stop 1
check "node 1 starts" node_start 1
check "and signs again" wait_for 30 publish 1 AFTER
check "all converge" wait_for 30 roots_equal 1 2 3
for i in 1 2 3; do
	check "node $i stops cleanly" node_stop $i
done
done_testing

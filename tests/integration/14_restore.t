#!/usr/bin/env bash
# Test 14: a node restored from an old backup, with one lagging and one
# current peer, signs nothing until a majority has confirmed its head,
# then signs the right seq (docs/sync.md, "Signing").
#
# Node 3 signs R1 and R2; node 2 stops (it will lag: node 3's log to seq
# 2); node 3 is backed up, then signs R3 and R4, which only node 1 gets.
# Node 3 is restored from the backup (seq 2) and starts with node 2 up
# first and node 1 a moment later.  The first peer's HELLO says "seq 2";
# node 3 must still wait (a sync interval, 3 s here), hear node 1 say
# "seq 4", fetch R3 and R4 back, and only then sign: seq 5, no fork.
SYNC_INTERVAL=3s
. "$(dirname "$0")/lib.sh"

fed_create 3
for i in 1 2 3; do
	check "node $i starts" node_start $i
done
check "node 3 publishes R1" wait_for 30 publish 3 R1
check "and R2" publish 3 R2
check "all converge" wait_for 30 roots_equal 1 2 3
check "node 2 stops: it will lag" node_stop 2
check "node 3 stops for its backup" node_stop 3
cp -a "$(dir 3)" "$T/n3/backup"
check "node 3 starts again" node_start 3
check "node 3 publishes R3" wait_for 30 publish 3 R3
check "and R4" publish 3 R4
check "node 1 holds them" wait_for 30 roots_equal 1 3
check "node 1 stops" node_stop 1
check "node 3 stops" node_stop 3
rm -rf "$(dir 3)"
cp -a "$T/n3/backup" "$(dir 3)"
check "the restored node 3 holds its log to seq 2" test "$(field 3 seq)" = 2

check "the lagging node 2 starts" node_start 2
check "the restored node 3 starts" node_start 3
check "the current node 1 starts" node_start 1
signing() { "$I40CTL" status --json -d "$(dir 3)" | jq -r .signing; }
state=$(signing)
check "node 3 does not sign at once (signing: $state)" test "$state" = waiting
out=$("$I40CTL" module publish -d "$(dir 3)" --file "$(module_json EARLY)" \
    2>&1)
check "a write is refused, saying why" \
    sh -c "echo \"\$1\" | grep -q 'does not sign yet'" _ "$out"
echo "# $out" | cut -c1-200
check "node 3 signs again" wait_for 30 publish 3 R5
check "at seq 5, after the 4 it had signed" test "$(field 3 seq)" = 5
check "all converge" wait_for 30 roots_equal 1 2 3
check "nobody saw an equivocation" sh -c "! grep -q equivocation \"$T\"/n*/log"
check "node 3 said what it waited for" \
    grep -q "own log confirmed at seq 4" "$T/n3/log"
for i in 1 2 3; do
	check "node $i stops cleanly" node_stop $i
done
done_testing
